use p256::elliptic_curve::sec1::ToSec1Point;
use zeroize::Zeroizing;

use crate::Error;
use crate::kx::{ActiveKeyExchange, KeyExchangeProvider, NamedGroup, SharedSecret};
use crate::rng::CryptoRngCore;

#[derive(Debug)]
pub(super) struct RustCryptoKx;

impl KeyExchangeProvider for RustCryptoKx {
    fn start(
        &self,
        group: NamedGroup,
        mut rng: &mut dyn CryptoRngCore,
    ) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        Ok(match group {
            NamedGroup::X25519 => {
                let secret = x25519_dalek::EphemeralSecret::random_from_rng(&mut rng);
                let public = x25519_dalek::PublicKey::from(&secret).to_bytes();
                Box::new(X25519 { secret, public })
            }
            NamedGroup::Secp256r1 => {
                let secret = random_p256_secret(rng)?;
                let point = secret.public_key().to_sec1_point(false);
                let public = point.as_bytes().try_into().map_err(|_| Error::Rng)?;
                Box::new(P256 { secret, public })
            }
        })
    }
}

struct X25519 {
    secret: x25519_dalek::EphemeralSecret,
    public: [u8; 32],
}

impl ActiveKeyExchange for X25519 {
    fn group(&self) -> NamedGroup {
        NamedGroup::X25519
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, Error> {
        let peer: [u8; 32] = peer_public_key
            .try_into()
            .map_err(|_| Error::InvalidPeerPublicKey)?;
        let shared = self
            .secret
            .diffie_hellman(&x25519_dalek::PublicKey::from(peer));
        // RFC 7748 §6.1: an all-zero output means the peer sent a low-order point.
        if !shared.was_contributory() {
            return Err(Error::InvalidPeerPublicKey);
        }
        Ok(SharedSecret::new(shared.as_bytes().to_vec()))
    }
}

struct P256 {
    secret: p256::SecretKey,
    public: [u8; 65],
}

impl ActiveKeyExchange for P256 {
    fn group(&self) -> NamedGroup {
        NamedGroup::Secp256r1
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, Error> {
        let peer = parse_p256_uncompressed(peer_public_key).ok_or(Error::InvalidPeerPublicKey)?;
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
        Ok(SharedSecret::new(shared.raw_secret_bytes().to_vec()))
    }
}

/// RFC 8422 §5.4.1: (D)TLS 1.2 ECDHE points are uncompressed (`04 || x || y`); the point must be
/// on the curve and not the identity (`from_sec1_bytes` checks both).
pub(super) fn parse_p256_uncompressed(bytes: &[u8]) -> Option<p256::PublicKey> {
    if bytes.len() != 65 || bytes.first() != Some(&0x04) {
        return None;
    }
    p256::PublicKey::from_sec1_bytes(bytes).ok()
}

/// A P-256 private key drawn uniformly from `rng`: 32 random bytes as a big-endian scalar, drawn
/// again when zero or not below the group order (the chance is about 2^-32), which is what
/// p256's own `random` does. p256 0.14 takes a rand_core 0.10 RNG; ours is rand_core 0.6.
pub(super) fn random_p256_secret(rng: &mut dyn CryptoRngCore) -> Result<p256::SecretKey, Error> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    for _ in 0..64 {
        rng.try_fill_bytes(bytes.as_mut_slice())
            .map_err(|_| Error::Rng)?;
        if let Ok(key) = p256::SecretKey::from_slice(bytes.as_slice()) {
            return Ok(key);
        }
    }
    Err(Error::Rng)
}
