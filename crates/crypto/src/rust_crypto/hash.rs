use sha2::Digest as _;

use crate::hash::{Digest, HashAlgorithm, HashContext, HashProvider};

#[derive(Debug)]
pub(super) struct RustCryptoHash;

impl HashProvider for RustCryptoHash {
    fn start(&self, algorithm: HashAlgorithm) -> Box<dyn HashContext> {
        match algorithm {
            HashAlgorithm::Sha1 => Box::new(Context {
                algorithm,
                state: sha1::Sha1::new(),
            }),
            HashAlgorithm::Sha256 => Box::new(Context {
                algorithm,
                state: sha2::Sha256::new(),
            }),
            HashAlgorithm::Sha384 => Box::new(Context {
                algorithm,
                state: sha2::Sha384::new(),
            }),
            HashAlgorithm::Sha512 => Box::new(Context {
                algorithm,
                state: sha2::Sha512::new(),
            }),
        }
    }

    fn hash(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        match algorithm {
            HashAlgorithm::Sha1 => Digest::new(&sha1::Sha1::digest(data)),
            HashAlgorithm::Sha256 => Digest::new(&sha2::Sha256::digest(data)),
            HashAlgorithm::Sha384 => Digest::new(&sha2::Sha384::digest(data)),
            HashAlgorithm::Sha512 => Digest::new(&sha2::Sha512::digest(data)),
        }
    }
}

#[derive(Clone)]
struct Context<D> {
    algorithm: HashAlgorithm,
    state: D,
}

impl<D> HashContext for Context<D>
where
    D: sha2::Digest + Clone + Send + Sync + 'static,
{
    fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    fn update(&mut self, data: &[u8]) {
        self.state.update(data);
    }

    fn current(&self) -> Digest {
        Digest::new(&self.state.clone().finalize())
    }

    fn fork(&self) -> Box<dyn HashContext> {
        Box::new(self.clone())
    }

    fn finish(self: Box<Self>) -> Digest {
        Digest::new(&self.state.finalize())
    }
}
