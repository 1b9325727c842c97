use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::pkcs8::DecodePublicKey as _;
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

use crate::Error;
use crate::hash::HashAlgorithm;
use crate::rng::CryptoRngCore;
use crate::sign::{PublicKey, SignatureProvider, SignatureScheme, SigningKey};

/// The smallest RSA modulus accepted for verification, in bits.
pub const MIN_RSA_MODULUS_BITS: usize = 2048;

#[derive(Debug)]
pub(super) struct RustCryptoSignature;

impl SignatureProvider for RustCryptoSignature {
    fn verify(
        &self,
        scheme: SignatureScheme,
        public_key: PublicKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        match scheme {
            SignatureScheme::EcdsaP256Sha256 => {
                let key = ecdsa_p256_key(public_key)?;
                let sig =
                    p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::BadSignature)?;
                key.verify(message, &sig).map_err(|_| Error::BadSignature)
            }
            _ => {
                let digest = crate::rust_crypto::HASH.hash(scheme.hash(), message);
                verify_rsa(scheme, public_key, digest.as_bytes(), signature)
            }
        }
    }

    fn verify_prehashed(
        &self,
        scheme: SignatureScheme,
        public_key: PublicKey<'_>,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        if digest.len() != scheme.hash().output_len() {
            return Err(Error::InvalidDigestLength(digest.len()));
        }
        match scheme {
            SignatureScheme::EcdsaP256Sha256 => {
                let key = ecdsa_p256_key(public_key)?;
                let sig =
                    p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::BadSignature)?;
                key.verify_prehash(digest, &sig)
                    .map_err(|_| Error::BadSignature)
            }
            _ => verify_rsa(scheme, public_key, digest, signature),
        }
    }

    fn generate_signing_key(
        &self,
        scheme: SignatureScheme,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Box<dyn SigningKey>, Error> {
        match scheme {
            SignatureScheme::EcdsaP256Sha256 => Ok(Box::new(EcdsaP256::new(
                p256::ecdsa::SigningKey::from(super::kx::random_p256_secret(rng)?),
            )?)),
            _ => Err(Error::Unsupported("signing with this scheme")),
        }
    }

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, Error> {
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(pkcs8_der)
            .map_err(|_| Error::InvalidPrivateKey)?;
        Ok(Box::new(EcdsaP256::new(key)?))
    }
}

pub(crate) fn ecdsa_p256_key(
    public_key: PublicKey<'_>,
) -> Result<p256::ecdsa::VerifyingKey, Error> {
    match public_key {
        // Checks the algorithm is id-ecPublicKey with the secp256r1 parameters.
        PublicKey::Spki(der) => {
            p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(|_| Error::InvalidPublicKey)
        }
        PublicKey::EcP256Sec1(point) => crate::rust_crypto::kx::parse_p256_uncompressed(point)
            .map(p256::ecdsa::VerifyingKey::from)
            .ok_or(Error::InvalidPublicKey),
        PublicKey::Rsa { .. } => Err(Error::InvalidPublicKey),
    }
}

pub(crate) fn rsa_key(public_key: PublicKey<'_>) -> Result<rsa::RsaPublicKey, Error> {
    let key = match public_key {
        // Checks the algorithm is rsaEncryption; the rsa crate caps the modulus at 4096 bits.
        PublicKey::Spki(der) => {
            rsa::RsaPublicKey::from_public_key_der(der).map_err(|_| Error::InvalidPublicKey)?
        }
        PublicKey::Rsa { n, e } => rsa::RsaPublicKey::new(
            rsa::BigUint::from_bytes_be(n),
            rsa::BigUint::from_bytes_be(e),
        )
        .map_err(|_| Error::InvalidPublicKey)?,
        PublicKey::EcP256Sec1(_) => return Err(Error::InvalidPublicKey),
    };
    if key.n().bits() < MIN_RSA_MODULUS_BITS {
        return Err(Error::InvalidPublicKey);
    }
    Ok(key)
}

fn verify_rsa(
    scheme: SignatureScheme,
    public_key: PublicKey<'_>,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let key = rsa_key(public_key)?;
    let result = match scheme {
        SignatureScheme::RsaPkcs1Sha256 => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), digest, signature)
        }
        SignatureScheme::RsaPkcs1Sha384 => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), digest, signature)
        }
        SignatureScheme::RsaPkcs1Sha512 => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), digest, signature)
        }
        // rsa_pss_rsae_*: MGF1 with the same hash, salt as long as the hash (RFC 8446 §4.2.3).
        SignatureScheme::RsaPssSha256 => {
            key.verify(rsa::Pss::new::<sha2::Sha256>(), digest, signature)
        }
        SignatureScheme::RsaPssSha384 => {
            key.verify(rsa::Pss::new::<sha2::Sha384>(), digest, signature)
        }
        SignatureScheme::RsaPssSha512 => {
            key.verify(rsa::Pss::new::<sha2::Sha512>(), digest, signature)
        }
        SignatureScheme::EcdsaP256Sha256 => return Err(Error::InvalidPublicKey),
    };
    result.map_err(|_| Error::BadSignature)
}

struct EcdsaP256 {
    key: p256::ecdsa::SigningKey,
    public: [u8; 65],
}

impl EcdsaP256 {
    fn new(key: p256::ecdsa::SigningKey) -> Result<Self, Error> {
        let point = key.verifying_key().to_sec1_point(false);
        let public = point
            .as_bytes()
            .try_into()
            .map_err(|_| Error::InvalidPrivateKey)?;
        Ok(Self { key, public })
    }
}

impl SigningKey for EcdsaP256 {
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::EcdsaP256Sha256
    }

    fn public_key_sec1(&self) -> &[u8] {
        &self.public
    }

    fn public_key_spki_der(&self) -> Result<Vec<u8>, Error> {
        let doc = self
            .key
            .verifying_key()
            .to_public_key_der()
            .map_err(|_| Error::InvalidPrivateKey)?;
        Ok(doc.as_bytes().to_vec())
    }

    fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let doc = self
            .key
            .to_pkcs8_der()
            .map_err(|_| Error::InvalidPrivateKey)?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let sig: p256::ecdsa::Signature = self
            .key
            .try_sign(message)
            .map_err(|_| Error::BadSignature)?;
        Ok(sig.to_der().as_bytes().to_vec())
    }

    fn sign_prehashed(&self, digest: &[u8]) -> Result<Vec<u8>, Error> {
        if digest.len() != HashAlgorithm::Sha256.output_len() {
            return Err(Error::InvalidDigestLength(digest.len()));
        }
        let sig: p256::ecdsa::Signature = self
            .key
            .sign_prehash(digest)
            .map_err(|_| Error::BadSignature)?;
        Ok(sig.to_der().as_bytes().to_vec())
    }
}
