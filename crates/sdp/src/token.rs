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
        self.0.trim_start_matches(' ')
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
        let s = self.0.trim_start_matches(' ');
        if s.is_empty() {
            self.0 = s;
            return None;
        }
        let (token, rest) = s.split_once(' ').unwrap_or((s, ""));
        self.0 = rest;
        Some(token)
    }
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

/// Returns a borrowed `'static` string when `s` is one of the `known` protocol tokens, so that
/// parsing common values (`nack`, `opus`, `UDP/TLS/RTP/SAVPF`, ...) does not allocate.
pub(crate) fn intern(s: &str, known: &[&'static str]) -> Cow<'static, str> {
    match known.iter().find(|k| **k == s) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(s.to_owned()),
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
    fn number_rejects_signs_and_overflow() {
        assert_eq!(number::<u8>("255", "x"), Ok(255));
        assert!(number::<u8>("256", "x").is_err());
        assert!(number::<u32>("+5", "x").is_err());
        assert!(number::<u32>("", "x").is_err());
        assert!(number::<u64>("99999999999999999999", "x").is_err());
        assert_eq!(number::<u64>("18446744073709551615", "x"), Ok(u64::MAX));
    }
}
