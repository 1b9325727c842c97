use crate::hash::{Digest, HashAlgorithm, HashContext, HashProvider};

#[derive(Debug)]
pub(super) struct RingHash;

fn ring_algorithm(algorithm: HashAlgorithm) -> Option<&'static ring::digest::Algorithm> {
    match algorithm {
        HashAlgorithm::Sha1 => None,
        HashAlgorithm::Sha256 => Some(&ring::digest::SHA256),
        HashAlgorithm::Sha384 => Some(&ring::digest::SHA384),
        HashAlgorithm::Sha512 => Some(&ring::digest::SHA512),
    }
}

impl HashProvider for RingHash {
    fn start(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext> {
        match ring_algorithm(algorithm) {
            Some(alg) => Box::new(Context {
                algorithm,
                state: ring::digest::Context::new(alg),
            }),
            // SHA-1 is faster in RustCrypto (SHA-NI).
            None => crate::rust_crypto::HASH.start(algorithm),
        }
    }

    fn hash(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        match ring_algorithm(algorithm) {
            Some(alg) => Digest::new(ring::digest::digest(alg, data).as_ref()),
            None => crate::rust_crypto::HASH.hash(algorithm, data),
        }
    }
}

#[derive(Clone)]
struct Context {
    algorithm: HashAlgorithm,
    state: ring::digest::Context,
}

impl HashContext for Context {
    fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    fn update(&mut self, data: &[u8]) {
        self.state.update(data);
    }

    fn current(&self) -> Digest {
        Digest::new(self.state.clone().finish().as_ref())
    }

    fn fork(&self) -> Box<dyn HashContext> {
        Box::new(self.clone())
    }

    fn finish(self: Box<Self>) -> Digest {
        Digest::new(self.state.finish().as_ref())
    }
}
