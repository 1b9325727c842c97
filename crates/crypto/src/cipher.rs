//! Raw AES: counter mode with a 128-bit big-endian counter, and single-block encryption.
//!
//! SRTP's AES-CM (RFC 3711 §4.1.1) forms a 16-byte IV per packet,
//! `IV = (salt << 16) XOR (SSRC << 64) XOR (index << 16)`, and increments it as one 128-bit
//! big-endian integer per block; its key derivation (RFC 3711 §4.3.3) is the same keystream
//! over zeros. [`AesKey::xor_keystream`] is exactly that. [`AesKey::encrypt_block`] is AES-ECB
//! on one block, for anything that needs the bare permutation.

use crate::Error;

/// Length of an AES block, and of the counter-mode IV.
pub const BLOCK_LEN: usize = 16;

/// A keyed AES (128, 192 or 256-bit key) whose key schedule has run once.
pub trait AesKey: Send + Sync {
    /// Key length in bytes (16, 24 or 32).
    fn key_len(&self) -> usize;

    /// XORs `buf` in place with the AES counter-mode keystream that starts at counter block
    /// `iv` and increments it as a 128-bit big-endian integer (wrapping) for each following
    /// block. Encryption and decryption are the same operation.
    fn xor_keystream(&self, iv: &[u8; BLOCK_LEN], buf: &mut [u8]);

    /// Encrypts one block in place (AES in ECB mode, one block).
    fn encrypt_block(&self, block: &mut [u8; BLOCK_LEN]);
}

/// Makes [`AesKey`]s. One of the parts of a [`crate::CryptoProvider`].
pub trait AesProvider: Send + Sync + core::fmt::Debug {
    /// Runs the AES key schedule. `key` must be 16, 24 or 32 bytes, else
    /// [`Error::InvalidKeyLength`] (a provider may also refuse 24 with [`Error::Unsupported`]).
    fn aes_key(&self, key: &[u8]) -> Result<Box<dyn AesKey>, Error>;
}
