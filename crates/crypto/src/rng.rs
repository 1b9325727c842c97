//! Randomness: the caller supplies it.
//!
//! Every API that needs secret randomness takes `&mut dyn CryptoRngCore` (rand_core 0.6), so
//! tests pass a seeded `rand_chacha::ChaCha20Rng` and a real program passes [`OsRng`].

pub use rand_core::{CryptoRng, CryptoRngCore, OsRng, RngCore};
