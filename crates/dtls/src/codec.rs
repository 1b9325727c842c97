//! Byte-level codec shared by every DTLS structure (RFC 5246 §4 presentation language).
//!
//! [`Reader`] borrows the input and never panics: every read is bounds-checked and a short buffer
//! is [`DecodeError::Truncated`]. Vectors (`<0..2^8-1>`, `<0..2^16-1>`, `<0..2^24-1>`) are read
//! as a length prefix plus a borrowed slice. Writers append to a `Vec<u8>`.

/// Why a DTLS structure could not be decoded. Peer garbage, never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The structure claims more bytes than are present.
    #[error("truncated {0}")]
    Truncated(&'static str),
    /// Bytes remain after a structure that must fill its container.
    #[error("trailing bytes after {0}")]
    TrailingBytes(&'static str),
    /// A field holds a value the protocol forbids.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// A bounds-checked cursor over borrowed bytes.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// `what` names the structure in error messages.
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, what }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let (head, tail) = self
            .buf
            .split_at_checked(n)
            .ok_or(DecodeError::Truncated(self.what))?;
        self.buf = tail;
        Ok(head)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u24(&mut self) -> Result<u32, DecodeError> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    pub(crate) fn u48(&mut self) -> Result<u64, DecodeError> {
        let [a, b, c, d, e, f] = self.array()?;
        Ok(u64::from_be_bytes([0, 0, a, b, c, d, e, f]))
    }

    /// `opaque x<0..2^8-1>`.
    pub(crate) fn vec8(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }

    /// `opaque x<0..2^16-1>`.
    pub(crate) fn vec16(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }

    /// `opaque x<0..2^24-1>`.
    pub(crate) fn vec24(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u24()?;
        self.take(n as usize)
    }

    /// A list of `u16` values in a `<0..2^16-1>` vector (cipher suites, groups, schemes).
    pub(crate) fn u16_list16(&mut self) -> Result<Vec<u16>, DecodeError> {
        let bytes = self.vec16()?;
        u16_list(bytes, self.what)
    }

    /// Fails if any byte is left.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes(self.what))
        }
    }
}

/// Splits an even-length byte string into big-endian `u16`s.
pub(crate) fn u16_list(bytes: &[u8], what: &'static str) -> Result<Vec<u16>, DecodeError> {
    let chunks = bytes.chunks_exact(2);
    if !chunks.remainder().is_empty() {
        return Err(DecodeError::Invalid(what));
    }
    Ok(chunks
        .map(|c| {
            u16::from_be_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
        .collect())
}

/// Appends big-endian integers and length-prefixed vectors to a `Vec<u8>`.
pub(crate) trait Writer {
    fn put_u8(&mut self, v: u8);
    fn put_u16(&mut self, v: u16);
    fn put_u24(&mut self, v: u32);
    fn put_u48(&mut self, v: u64);
    /// Writes a `width`-byte length prefix, then whatever `body` appends; the prefix is patched
    /// afterwards. Bodies longer than the prefix allows are a caller bug, clamped by truncating
    /// the length (never reached: every caller writes bounded data).
    fn put_vec(&mut self, width: usize, body: impl FnOnce(&mut Vec<u8>));
}

impl Writer for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u24(&mut self, v: u32) {
        self.extend_from_slice(v.to_be_bytes().get(1..).unwrap_or_default());
    }
    fn put_u48(&mut self, v: u64) {
        self.extend_from_slice(v.to_be_bytes().get(2..).unwrap_or_default());
    }
    fn put_vec(&mut self, width: usize, body: impl FnOnce(&mut Vec<u8>)) {
        let start = self.len();
        self.resize(start + width, 0);
        body(self);
        let len = (self.len() - start - width) as u64;
        let be = len.to_be_bytes();
        if let (Some(dst), Some(src)) = (
            self.get_mut(start..start + width),
            be.get(be.len().saturating_sub(width)..),
        ) {
            dst.copy_from_slice(src);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_rejects_short_input() {
        let mut r = Reader::new(&[0, 3, 1, 2], "test");
        assert_eq!(r.vec16(), Err(DecodeError::Truncated("test")));
    }

    #[test]
    fn writer_patches_length_prefix() {
        let mut v = Vec::new();
        v.put_vec(3, |b| b.extend_from_slice(&[9, 9]));
        assert_eq!(v, [0, 0, 2, 9, 9]);
        let mut r = Reader::new(&v, "test");
        assert_eq!(r.vec24().unwrap(), &[9, 9]);
        r.finish().unwrap();
    }

    #[test]
    fn u48_roundtrip() {
        let mut v = Vec::new();
        v.put_u48(0x0000_1234_5678_9abc);
        assert_eq!(Reader::new(&v, "t").u48().unwrap(), 0x1234_5678_9abc);
    }
}
