//! The TLS 1.2 pseudorandom function (RFC 5246 §5), as DTLS 1.2 uses it for the master secret,
//! the key block, the Finished messages, and (RFC 5705) the SRTP keying material exporter.
//!
//! ```text
//! P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
//!                        HMAC_hash(secret, A(2) + seed) + ...
//! A(0) = seed,  A(i) = HMAC_hash(secret, A(i-1))
//! PRF(secret, label, seed) = P_<hash>(secret, label + seed)
//! ```

use crate::Error;
use crate::hash::HashAlgorithm;
use crate::mac::HmacProvider;

/// Fills `out` with `PRF(secret, label, seed)` using `P_<hash>` (RFC 5246 §5).
///
/// TLS 1.2 uses [`HashAlgorithm::Sha256`] unless the cipher suite says otherwise
/// (`_SHA384` suites use [`HashAlgorithm::Sha384`]). `label` is the ASCII label without a
/// terminating NUL (e.g. `b"master secret"`); when the seed is several values (e.g.
/// `client_random + server_random`) the caller concatenates them.
pub fn tls12_prf(
    hmac: &dyn HmacProvider,
    hash: HashAlgorithm,
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    let key = hmac.hmac_key(hash, secret)?;
    // A(1) = HMAC(secret, A(0)) with A(0) = label + seed.
    let mut a = key.sign(&[label, seed]);
    for chunk in out.chunks_mut(hash.output_len()) {
        let block = key.sign(&[a.as_bytes(), label, seed]);
        for (o, b) in chunk.iter_mut().zip(block.as_bytes()) {
            *o = *b;
        }
        a = key.sign(&[a.as_bytes()]);
    }
    Ok(())
}
