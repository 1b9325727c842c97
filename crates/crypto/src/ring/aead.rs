use ring::aead::{Aad, LessSafeKey, UnboundKey};

use crate::Error;
use crate::aead::{AeadAlgorithm, AeadKey, AeadProvider, Nonce, TAG_LEN, Tag};

#[derive(Debug)]
pub(super) struct RingAead;

impl AeadProvider for RingAead {
    fn aead_key(&self, algorithm: AeadAlgorithm, key: &[u8]) -> Result<Box<dyn AeadKey>, Error> {
        let ring_algorithm = match algorithm {
            AeadAlgorithm::Aes128Gcm => &ring::aead::AES_128_GCM,
            AeadAlgorithm::Aes256Gcm => &ring::aead::AES_256_GCM,
            AeadAlgorithm::ChaCha20Poly1305 => &ring::aead::CHACHA20_POLY1305,
        };
        let unbound =
            UnboundKey::new(ring_algorithm, key).map_err(|_| Error::InvalidKeyLength(key.len()))?;
        Ok(Box::new(Key {
            algorithm,
            key: LessSafeKey::new(unbound),
        }))
    }
}

struct Key {
    algorithm: AeadAlgorithm,
    key: LessSafeKey,
}

fn nonce(nonce: &Nonce) -> ring::aead::Nonce {
    ring::aead::Nonce::assume_unique_for_key(*nonce)
}

impl AeadKey for Key {
    fn algorithm(&self) -> AeadAlgorithm {
        self.algorithm
    }

    fn seal_in_place(&self, n: &Nonce, aad: &[u8], buf: &mut [u8]) -> Result<Tag, Error> {
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce(n), Aad::from(aad), buf)
            .map_err(|_| Error::MessageTooLong)?;
        tag.as_ref().try_into().map_err(|_| Error::MessageTooLong)
    }

    fn open_in_place(&self, n: &Nonce, aad: &[u8], buf: &mut [u8], tag: &Tag) -> Result<(), Error> {
        self.key
            .open_in_place_separate_tag(nonce(n), Aad::from(aad), (*tag).into(), buf, 0..)
            .map(|_| ())
            .map_err(|_| Error::DecryptFailed)
    }

    fn open_in_place_appended_tag(
        &self,
        n: &Nonce,
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<usize, Error> {
        if buf.len() < TAG_LEN {
            return Err(Error::BufferTooShort);
        }
        self.key
            .open_in_place(nonce(n), Aad::from(aad), buf)
            .map(|plaintext| plaintext.len())
            .map_err(|_| Error::DecryptFailed)
    }
}
