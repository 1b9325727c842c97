use aes_gcm::aead::consts::{U12, U16};
use aes_gcm::aead::{AeadInOut, KeyInit};

use crate::Error;
use crate::aead::{AeadAlgorithm, AeadKey, AeadProvider, Nonce, Tag};

#[derive(Debug)]
pub(super) struct RustCryptoAead;

impl AeadProvider for RustCryptoAead {
    fn aead_key(&self, algorithm: AeadAlgorithm, key: &[u8]) -> Result<Box<dyn AeadKey>, Error> {
        let bad_len = |_| Error::InvalidKeyLength(key.len());
        Ok(match algorithm {
            AeadAlgorithm::Aes128Gcm => Box::new(Key {
                algorithm,
                cipher: aes_gcm::Aes128Gcm::new_from_slice(key).map_err(bad_len)?,
            }),
            AeadAlgorithm::Aes256Gcm => Box::new(Key {
                algorithm,
                cipher: aes_gcm::Aes256Gcm::new_from_slice(key).map_err(bad_len)?,
            }),
            AeadAlgorithm::ChaCha20Poly1305 => Box::new(Key {
                algorithm,
                cipher: chacha20poly1305::ChaCha20Poly1305::new_from_slice(key).map_err(bad_len)?,
            }),
        })
    }
}

struct Key<C> {
    algorithm: AeadAlgorithm,
    cipher: C,
}

impl<C> AeadKey for Key<C>
where
    C: AeadInOut<NonceSize = U12, TagSize = U16> + Send + Sync,
{
    fn algorithm(&self) -> AeadAlgorithm {
        self.algorithm
    }

    fn seal_in_place(&self, nonce: &Nonce, aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        // The only failure is a message over the algorithm's length limit.
        let tag = self
            .cipher
            .encrypt_inout_detached(nonce.into(), aad, buf.into())
            .map_err(|_| Error::MessageTooLong)?;
        Ok(tag.into())
    }

    fn open_in_place(
        &self,
        nonce: &Nonce,
        aad: &[u8],
        buf: &mut [u8],
        tag: &Tag,
    ) -> Result<(), Error> {
        self.cipher
            .decrypt_inout_detached(nonce.into(), aad, buf.into(), tag.into())
            .map_err(|_| Error::DecryptFailed)
    }
}
