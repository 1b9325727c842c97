use crate::Error;
use crate::hash::{Digest, HashAlgorithm};
use crate::mac::{HmacKey, HmacProvider};

#[derive(Debug)]
pub(super) struct RingHmac;

impl HmacProvider for RingHmac {
    fn hmac_key(&self, algorithm: HashAlgorithm, key: &[u8]) -> Result<Box<dyn HmacKey>, Error> {
        let ring_algorithm = match algorithm {
            // HMAC-SHA1 is about four times faster in RustCrypto (SHA-NI).
            HashAlgorithm::Sha1 => return crate::rust_crypto::HMAC.hmac_key(algorithm, key),
            HashAlgorithm::Sha256 => ring::hmac::HMAC_SHA256,
            HashAlgorithm::Sha384 => ring::hmac::HMAC_SHA384,
            HashAlgorithm::Sha512 => ring::hmac::HMAC_SHA512,
        };
        Ok(Box::new(Key {
            algorithm,
            key: ring::hmac::Key::new(ring_algorithm, key),
        }))
    }
}

/// `ring::hmac::Key` holds the hash states after the inner and outer pads; a `Context` per
/// message starts from copies of them.
struct Key {
    algorithm: HashAlgorithm,
    key: ring::hmac::Key,
}

impl HmacKey for Key {
    fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    fn sign(&self, parts: &[&[u8]]) -> Digest {
        let mut ctx = ring::hmac::Context::with_key(&self.key);
        for part in parts {
            ctx.update(part);
        }
        Digest::new(ctx.sign().as_ref())
    }
}
