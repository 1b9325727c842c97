//! Small lexing helpers shared by the line parsers: no regex, no allocation.

use std::borrow::Cow;

use crate::error::Reason;

/// Splits a value into SP-separated tokens. RFC 8866 separates fields by exactly one SP; runs of
/// SP are tolerated (and serialized back as one).
#[derive(Debug, Clone)]
pub(crate) struct Tokens<'a>(&'a str);

impl<'a> Tokens<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Self(s)
    }

    /// Everything not yet consumed, without leading SP.
    pub(crate) fn rest(&self) -> &'a str {
        match self.0.as_bytes().first() {
            Some(b' ') => self.0.trim_start_matches(' '),
            _ => self.0,
        }
    }

    /// The next token, or `Reason::Missing(what)`.
    pub(crate) fn expect(&mut self, what: &'static str) -> Result<&'a str, Reason> {
        self.next().ok_or(Reason::Missing(what))
    }

    /// Fails with `Reason::Trailing(after)` if any token is left.
    pub(crate) fn finish(&mut self, after: &'static str) -> Result<(), Reason> {
        match self.next() {
            None => Ok(()),
            Some(_) => Err(Reason::Trailing(after)),
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // Fields are separated by one SP: the common case is a token right at the start, ended
        // by one SP that is consumed with it. Runs of SP (rare) are skipped first.
        let mut s = self.0;
        if s.as_bytes().first() == Some(&b' ') {
            s = s.trim_start_matches(' ');
        }
        if s.is_empty() {
            self.0 = "";
            return None;
        }
        let (token, rest) = match find_byte(s.as_bytes(), b' ') {
            Some(end) => (s.get(..end)?, s.get(end + 1..)?),
            None => (s, ""),
        };
        self.0 = rest;
        Some(token)
    }
}

/// The position of the first `needle` in `haystack`, 8 bytes per step (SWAR: the classic "has a
/// zero byte" test on the word XOR the needle repeated; exact for the lowest matching byte,
/// which is the first one in little-endian order). SDP lines and tokens are a few to a few tens
/// of bytes: this beats the generic `memchr` fallback, tuned for long haystacks, a fixed-size
/// 16-byte compare (tried: 2 % more instructions per parse) and a SWAR step on `u128` (4 %).
#[inline]
pub(crate) fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let repeated = LOW * u64::from(needle);
    let matches = |word: &[u8; 8]| {
        let x = u64::from_le_bytes(*word) ^ repeated;
        x.wrapping_sub(LOW) & !x & HIGH
    };
    let (words, tail) = haystack.as_chunks::<8>();
    let mut offset = 0;
    for word in words {
        let found = matches(word);
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    if tail.is_empty() {
        return None;
    }
    // The tail is read as the last 8 bytes, overlapping words already known not to match.
    match haystack.last_chunk::<8>() {
        Some(last) => {
            let found = matches(last);
            (found != 0).then(|| haystack.len() - 8 + (found.trailing_zeros() / 8) as usize)
        }
        None => tail.iter().position(|&b| b == needle),
    }
}

/// Splits `s` at the first `byte` (an ASCII delimiter), without it. SDP fields are short, and a
/// plain byte loop is cheaper than the generic `str::split_once` searcher on them.
#[inline]
pub(crate) fn split_once_byte(s: &str, byte: u8) -> Option<(&str, &str)> {
    let at = find_byte(s.as_bytes(), byte)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// Writes `n` in decimal straight to the formatter: `write!(f, "{n}")` goes through
/// `Formatter::pad_integral` and `format_args`, which is most of the cost of serializing the
/// number-heavy lines (rtpmap, rtcp-fb, candidate) of a description.
pub(crate) fn write_uint(f: &mut std::fmt::Formatter<'_>, n: impl Into<u64>) -> std::fmt::Result {
    let mut n = n.into();
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        // n % 10 < 10, so the cast is lossless.
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    f.write_str(
        digits
            .get(start..)
            .and_then(|d| std::str::from_utf8(d).ok())
            .unwrap_or_default(),
    )
}

/// Parses `1*DIGIT` (no sign, no spaces) into any unsigned integer type, checking the range.
pub(crate) fn number<T: TryFrom<u64>>(s: &str, what: &'static str) -> Result<T, Reason> {
    digits(s)
        .and_then(|v| T::try_from(v).ok())
        .ok_or(Reason::Invalid(what))
}

fn digits(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |acc, b| {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Returns a borrowed `'static` string when the first argument is one of the listed protocol
/// tokens (string literals), so that parsing common values (`nack`, `opus`,
/// `UDP/TLS/RTP/SAVPF`, ...) does not allocate; an owned copy otherwise. A `match` on the
/// literals: the compiler checks the length first and compares short tokens as integers, where
/// a loop over a table calls `memcmp` for every entry of the same length.
macro_rules! intern {
    ($s:expr, [$($known:literal),+ $(,)?] $(,)?) => {
        match $s {
            $($known => ::std::borrow::Cow::Borrowed($known),)+
            other => ::std::borrow::Cow::Owned(other.to_owned()),
        }
    };
}
pub(crate) use intern;

/// The RTP payload types 0..=127 as text, so `m=` format lists parse without allocating.
#[rustfmt::skip]
const PAYLOAD_TYPES: [&str; 128] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
    "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46",
    "47", "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61",
    "62", "63", "64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76",
    "77", "78", "79", "80", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91",
    "92", "93", "94", "95", "96", "97", "98", "99", "100", "101", "102", "103", "104", "105",
    "106", "107", "108", "109", "110", "111", "112", "113", "114", "115", "116", "117", "118",
    "119", "120", "121", "122", "123", "124", "125", "126", "127"
];

/// An `m=` `<fmt>`: borrowed from a static table for an RTP payload type written canonically
/// (`"96"`, not `"096"`) and for `webrtc-datachannel`, owned otherwise.
pub(crate) fn intern_format(s: &str) -> Cow<'static, str> {
    // Canonical: no leading zero (or just "0"), so the table entry is the text itself.
    let canonical = !s.starts_with('0') || s.len() == 1;
    let table = number::<usize>(s, "format")
        .ok()
        .filter(|_| canonical)
        .and_then(|pt| PAYLOAD_TYPES.get(pt));
    match table {
        Some(t) => Cow::Borrowed(t),
        None => intern!(s, ["webrtc-datachannel"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_skip_runs_of_spaces() {
        let mut t = Tokens::new("  a  b c ");
        assert_eq!(t.next(), Some("a"));
        assert_eq!(t.rest(), "b c ");
        assert_eq!(t.next(), Some("b"));
        assert_eq!(t.next(), Some("c"));
        assert_eq!(t.next(), None);
    }

    #[test]
    fn formats_borrow_canonical_payload_types() {
        for (s, borrowed) in [("0", true), ("127", true), ("96", true), ("096", false)] {
            let f = intern_format(s);
            assert_eq!(f, s);
            assert_eq!(matches!(f, Cow::Borrowed(_)), borrowed, "{s}");
        }
        assert!(matches!(
            intern_format("webrtc-datachannel"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(intern_format("128"), Cow::Owned(_)));
        assert!(matches!(intern_format("x"), Cow::Owned(_)));
    }

    #[test]
    fn find_byte_finds_the_first_occurrence() {
        let text: Vec<u8> = (0..100u8).map(|i| b'a' + i % 26).collect();
        for needle in [b'a', b'b', b'p', b'z', b'v', b'!'] {
            assert_eq!(
                find_byte(&text, needle),
                text.iter().position(|&b| b == needle)
            );
            for start in 0..text.len() {
                let hay = &text[start..];
                assert_eq!(
                    find_byte(hay, needle),
                    hay.iter().position(|&b| b == needle)
                );
            }
        }
    }

    #[test]
    fn find_byte_finds_the_first_occurrence_of_any_byte_value() {
        let text: Vec<u8> = (0..40u8)
            .map(|i| [b'a', b' ', 0x80, 0xff, b'!'][usize::from(i % 5)] ^ (i / 5))
            .collect();
        for needle in [b'a', b' ', b'!', 0x80, 0xff, b'!' ^ 1, 0x7f, 0] {
            for start in 0..text.len() {
                for end in start..text.len() {
                    let hay = &text[start..end];
                    assert_eq!(
                        find_byte(hay, needle),
                        hay.iter().position(|&b| b == needle),
                        "{hay:?} {needle}"
                    );
                }
            }
        }
    }

    #[test]
    fn write_uint_matches_display() {
        struct W(u64);
        impl std::fmt::Display for W {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write_uint(f, self.0)
            }
        }
        for n in [0, 1, 9, 10, 99, 100, 65535, 4294967295, u64::MAX] {
            assert_eq!(W(n).to_string(), n.to_string());
        }
    }

    #[test]
    fn number_rejects_signs_and_overflow() {
        assert_eq!(number::<u8>("255", "x"), Ok(255));
        assert!(number::<u8>("256", "x").is_err());
        assert!(number::<u32>("+5", "x").is_err());
        assert!(number::<u32>("", "x").is_err());
        assert!(number::<u64>("99999999999999999999", "x").is_err());
        assert_eq!(number::<u64>("18446744073709551615", "x"), Ok(u64::MAX));
    }
}
