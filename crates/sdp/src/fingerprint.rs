//! `a=fingerprint` (RFC 8122 section 5): the certificate hash that authenticates DTLS.

use std::fmt;

use crate::error::Reason;
use crate::token::Tokens;

/// `<hash-func>` (RFC 8122 section 5, IANA "Hash Function Textual Names"), case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HashFunction {
    /// `sha-1`.
    Sha1,
    /// `sha-224`.
    Sha224,
    /// `sha-256`: what browsers send.
    Sha256,
    /// `sha-384`.
    Sha384,
    /// `sha-512`.
    Sha512,
    /// `md5` (RFC 8122 forbids it for new use; kept so such offers parse).
    Md5,
    /// `md2` (likewise).
    Md2,
    /// Any other token, kept verbatim.
    Other(String),
}

impl HashFunction {
    fn from_token(s: &str) -> HashFunction {
        const KNOWN: [(&str, HashFunction); 7] = [
            ("sha-256", HashFunction::Sha256),
            ("sha-384", HashFunction::Sha384),
            ("sha-512", HashFunction::Sha512),
            ("sha-1", HashFunction::Sha1),
            ("sha-224", HashFunction::Sha224),
            ("md5", HashFunction::Md5),
            ("md2", HashFunction::Md2),
        ];
        KNOWN
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map_or_else(|| HashFunction::Other(s.to_owned()), |(_, h)| h)
    }

    /// The IANA name, lower case.
    pub fn as_str(&self) -> &str {
        match self {
            HashFunction::Sha1 => "sha-1",
            HashFunction::Sha224 => "sha-224",
            HashFunction::Sha256 => "sha-256",
            HashFunction::Sha384 => "sha-384",
            HashFunction::Sha512 => "sha-512",
            HashFunction::Md5 => "md5",
            HashFunction::Md2 => "md2",
            HashFunction::Other(s) => s,
        }
    }

    /// The digest length in bytes, for the known functions.
    pub fn digest_len(&self) -> Option<usize> {
        match self {
            HashFunction::Sha1 => Some(20),
            HashFunction::Sha224 => Some(28),
            HashFunction::Sha256 => Some(32),
            HashFunction::Sha384 => Some(48),
            HashFunction::Sha512 => Some(64),
            HashFunction::Md5 | HashFunction::Md2 => Some(16),
            HashFunction::Other(_) => None,
        }
    }
}

/// `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 section 5). Several may be present; RFC
/// 8122 section 5 says the certificate must match at least one whose hash function the receiver
/// supports.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// The hash function.
    pub hash: HashFunction,
    /// The digest bytes (written as colon-separated upper-case hex pairs).
    pub value: Vec<u8>,
}

impl Fingerprint {
    /// A fingerprint from a digest.
    pub fn new(hash: HashFunction, value: impl Into<Vec<u8>>) -> Fingerprint {
        Fingerprint {
            hash,
            value: value.into(),
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Fingerprint, Reason> {
        let mut t = Tokens::new(value);
        let hash = HashFunction::from_token(t.expect("fingerprint hash function")?);
        let hex = t.expect("fingerprint value")?;
        t.finish("fingerprint value")?;
        // `XX:XX:...:XX`: 3n - 1 characters for n bytes, a colon after every pair but the last.
        let invalid = Reason::Invalid("fingerprint value");
        let text = hex.as_bytes();
        let Some((pairs, &[last_hi, last_lo])) = text
            .len()
            .checked_sub(2)
            .and_then(|at| text.split_at_checked(at))
        else {
            return Err(invalid);
        };
        let (triples, []) = pairs.as_chunks::<3>() else {
            return Err(invalid);
        };
        // Branch-free: `bad` collects the high nibbles of the digit values (set only for a
        // non-digit), `colons` the XOR of every separator with a colon.
        let mut bad = 0u8;
        let mut byte = |hi: u8, lo: u8| {
            let (hi, lo) = (hex_value(hi), hex_value(lo));
            bad |= (hi | lo) & 0xf0;
            hi << 4 | (lo & 0x0f)
        };
        let mut value = Vec::with_capacity(triples.len() + 1);
        value.extend(triples.iter().map(|&[hi, lo, _]| byte(hi, lo)));
        value.push(byte(last_hi, last_lo));
        let colons = triples
            .iter()
            .fold(0, |acc, &[_, _, colon]| acc | (colon ^ b':'));
        if bad | colons != 0 {
            return Err(invalid);
        }
        Ok(Fingerprint { hash, value })
    }
}

/// The value of a hexadecimal digit (either case), or 0xff for any other byte.
fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0xff,
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        f.write_str(self.hash.as_str())?;
        f.write_str(" ")?;
        // Three bytes per digest byte ("AB:"), built once and written as one &str.
        let mut buf = String::with_capacity(self.value.len() * 3);
        for (i, b) in self.value.iter().enumerate() {
            if i > 0 {
                buf.push(':');
            }
            buf.push(char::from(
                HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
            ));
            buf.push(char::from(
                HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0'),
            ));
        }
        f.write_str(&buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8122_5_fingerprint_attribute() {
        let s = "sha-256 BF:63:11:80:79:CC:B6:33:36:7A:DB:9A:25:9E:3F:04:42:08:17:10:7D:DF:8D:CC:52:38:7B:DF:3C:12:56:DF";
        let fp = Fingerprint::parse(s).unwrap();
        assert_eq!(fp.hash, HashFunction::Sha256);
        assert_eq!(fp.value.len(), fp.hash.digest_len().unwrap());
        assert_eq!(fp.value[0], 0xBF);
        assert_eq!(fp.to_string(), s);
        // Hash names and hex digits are case-insensitive; output is canonical.
        let lower = Fingerprint::parse("SHA-1 0a:ff").unwrap();
        assert_eq!(lower.to_string(), "sha-1 0A:FF");
    }

    #[test]
    fn rfc8122_5_malformed_fingerprints() {
        assert_eq!(
            Fingerprint::parse("sha-256"),
            Err(Reason::Missing("fingerprint value"))
        );
        assert_eq!(
            Fingerprint::parse("sha-256 AB:C"),
            Err(Reason::Invalid("fingerprint value"))
        );
        assert_eq!(
            Fingerprint::parse("sha-256 AB::CD"),
            Err(Reason::Invalid("fingerprint value"))
        );
        assert_eq!(
            Fingerprint::parse("sha-256 GG"),
            Err(Reason::Invalid("fingerprint value"))
        );
        assert_eq!(
            Fingerprint::parse("sha-256 AB x"),
            Err(Reason::Trailing("fingerprint value"))
        );
    }
}
