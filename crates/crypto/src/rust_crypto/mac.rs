use hmac::{Hmac, Mac};

use crate::Error;
use crate::hash::{Digest, HashAlgorithm};
use crate::mac::{HmacKey, HmacProvider};

#[derive(Debug)]
pub(super) struct RustCryptoHmac;

impl HmacProvider for RustCryptoHmac {
    fn hmac_key(&self, algorithm: HashAlgorithm, key: &[u8]) -> Result<Box<dyn HmacKey>, Error> {
        // HMAC takes keys of any length (longer ones are hashed first), so new_from_slice
        // cannot fail; map the error anyway rather than unwrap.
        let bad_len = |_| Error::InvalidKeyLength(key.len());
        Ok(match algorithm {
            HashAlgorithm::Sha1 => Box::new(Key {
                algorithm,
                mac: Hmac::<sha1::Sha1>::new_from_slice(key).map_err(bad_len)?,
            }),
            HashAlgorithm::Sha256 => Box::new(Key {
                algorithm,
                mac: Hmac::<sha2::Sha256>::new_from_slice(key).map_err(bad_len)?,
            }),
            HashAlgorithm::Sha384 => Box::new(Key {
                algorithm,
                mac: Hmac::<sha2::Sha384>::new_from_slice(key).map_err(bad_len)?,
            }),
            HashAlgorithm::Sha512 => Box::new(Key {
                algorithm,
                mac: Hmac::<sha2::Sha512>::new_from_slice(key).map_err(bad_len)?,
            }),
        })
    }
}

/// `Hmac<D>` keeps the hash states after absorbing `key XOR ipad` and `key XOR opad`, so a
/// clone per message starts from the precomputed pads.
struct Key<M> {
    algorithm: HashAlgorithm,
    mac: M,
}

impl<M> Key<M>
where
    M: Mac + Clone,
{
    fn run(&self, parts: &[&[u8]]) -> M {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part);
        }
        mac
    }
}

impl<M> HmacKey for Key<M>
where
    M: Mac + Clone + Send + Sync,
{
    fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    fn sign(&self, parts: &[&[u8]]) -> Digest {
        Digest::new(&self.run(parts).finalize().into_bytes())
    }

    fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> Result<(), Error> {
        if tag.is_empty() || tag.len() > self.algorithm.output_len() {
            return Err(Error::InvalidTagLength(tag.len()));
        }
        self.run(parts)
            .verify_truncated_left(tag)
            .map_err(|_| Error::MacMismatch)
    }
}
