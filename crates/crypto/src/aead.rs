//! Authenticated encryption with associated data: AES-128-GCM, AES-256-GCM (RFC 5116, as SRTP
//! uses it in RFC 7714 and DTLS 1.2 in RFC 5288) and ChaCha20-Poly1305 (RFC 8439).
//!
//! An [`AeadKey`] is made once per key through [`crate::CryptoProvider::aead_key`]; every
//! packet then seals or opens in the caller's buffer without allocating and without re-running
//! the key schedule.

use crate::Error;

/// Length of every nonce this module takes (RFC 5116 §3.2: 12 octets).
pub const NONCE_LEN: usize = 12;
/// Length of every tag this module produces (16 octets for all three algorithms).
pub const TAG_LEN: usize = 16;

/// An AEAD nonce.
pub type Nonce = [u8; NONCE_LEN];
/// A detached AEAD authentication tag.
pub type Tag = [u8; TAG_LEN];

/// The AEAD algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AeadAlgorithm {
    /// AES-128-GCM (RFC 5116 `AEAD_AES_128_GCM`).
    Aes128Gcm,
    /// AES-256-GCM (RFC 5116 `AEAD_AES_256_GCM`).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439).
    ChaCha20Poly1305,
}

impl AeadAlgorithm {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// Nonce length in bytes (always [`NONCE_LEN`]).
    pub const fn nonce_len(self) -> usize {
        NONCE_LEN
    }

    /// Tag length in bytes (always [`TAG_LEN`]).
    pub const fn tag_len(self) -> usize {
        TAG_LEN
    }
}

/// A keyed AEAD, ready to seal and open any number of messages.
///
/// Every method works in the caller's buffer. The nonce must never repeat for one key (the
/// protocol crates derive it from packet indices or record sequence numbers).
///
/// Two layouts are supported: a detached tag ([`seal_in_place`](Self::seal_in_place),
/// [`open_in_place`](Self::open_in_place)) and a tag appended after the ciphertext
/// ([`seal_in_place_append_tag`](Self::seal_in_place_append_tag),
/// [`open_in_place_appended_tag`](Self::open_in_place_appended_tag)), which is what SRTP
/// (RFC 7714 §5) and DTLS (RFC 5288 §3) put on the wire.
pub trait AeadKey: Send + Sync {
    /// Which algorithm this key is for.
    fn algorithm(&self) -> AeadAlgorithm;

    /// Encrypts `buf` in place and returns the tag over `aad` and the ciphertext.
    fn seal_in_place(&self, nonce: &Nonce, aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error>;

    /// Checks `tag` over `aad` and the ciphertext in `buf`, then decrypts `buf` in place.
    ///
    /// On [`Error::DecryptFailed`] the content of `buf` is unspecified (callers drop the
    /// packet).
    fn open_in_place(
        &self,
        nonce: &Nonce,
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error>;

    /// Seals with the tag appended: `buf` holds the plaintext followed by [`TAG_LEN`] bytes of
    /// room; afterwards it holds the ciphertext followed by the tag.
    ///
    /// Fails with [`Error::BufferTooShort`] if `buf` is shorter than [`TAG_LEN`].
    fn seal_in_place_append_tag(
        &self,
        nonce: &Nonce,
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<(), Error> {
        let plaintext_len = buf
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(Error::BufferTooShort)?;
        let (plaintext, tag_room) = buf.split_at_mut(plaintext_len);
        let tag = self.seal_in_place(nonce, aad, plaintext)?;
        tag_room.copy_from_slice(&tag);
        Ok(())
    }

    /// Opens a message whose tag is appended: `buf` holds the ciphertext followed by the
    /// [`TAG_LEN`]-byte tag. On success the plaintext is in `buf[..n]` and `n` is returned.
    ///
    /// Fails with [`Error::BufferTooShort`] if `buf` is shorter than [`TAG_LEN`].
    fn open_in_place_appended_tag(
        &self,
        nonce: &Nonce,
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<usize, Error> {
        let ciphertext_len = buf
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(Error::BufferTooShort)?;
        let (ciphertext, tag) = buf.split_at_mut(ciphertext_len);
        let tag: &Tag = (&*tag).try_into().map_err(|_| Error::BufferTooShort)?;
        self.open_in_place(nonce, aad, ciphertext, tag)?;
        Ok(ciphertext_len)
    }
}

/// Makes [`AeadKey`]s. One of the parts of a [`crate::CryptoProvider`].
pub trait AeadProvider: Send + Sync + core::fmt::Debug {
    /// Runs the key schedule for `algorithm` with `key` (which must be
    /// [`AeadAlgorithm::key_len`] bytes, else [`Error::InvalidKeyLength`]).
    fn aead_key(&self, algorithm: AeadAlgorithm, key: &[u8]) -> Result<Box<dyn AeadKey>, Error>;
}
