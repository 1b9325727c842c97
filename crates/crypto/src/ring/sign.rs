use ring::signature::{RsaPublicKeyComponents, UnparsedPublicKey};
use rsa::traits::PublicKeyParts;

use crate::Error;
use crate::rng::CryptoRngCore;
use crate::rust_crypto::sign::{ecdsa_p256_key, rsa_key};
use crate::sign::{PublicKey, SignatureProvider, SignatureScheme, SigningKey};

#[derive(Debug)]
pub(super) struct RingSignature;

impl SignatureProvider for RingSignature {
    fn verify(
        &self,
        scheme: SignatureScheme,
        public_key: PublicKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let rsa_params = match scheme {
            SignatureScheme::EcdsaP256Sha256 => {
                // Parsing and point validation as in the RustCrypto backend, so both accept
                // the same keys; ring then does the arithmetic.
                let point = ecdsa_p256_key(public_key)?.to_sec1_point(false);
                return UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, point)
                    .verify(message, signature)
                    .map_err(|_| Error::BadSignature);
            }
            SignatureScheme::RsaPkcs1Sha256 => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            SignatureScheme::RsaPkcs1Sha384 => &ring::signature::RSA_PKCS1_2048_8192_SHA384,
            SignatureScheme::RsaPkcs1Sha512 => &ring::signature::RSA_PKCS1_2048_8192_SHA512,
            SignatureScheme::RsaPssSha256 => &ring::signature::RSA_PSS_2048_8192_SHA256,
            SignatureScheme::RsaPssSha384 => &ring::signature::RSA_PSS_2048_8192_SHA384,
            SignatureScheme::RsaPssSha512 => &ring::signature::RSA_PSS_2048_8192_SHA512,
        };
        let key = rsa_key(public_key)?;
        RsaPublicKeyComponents {
            n: key.n().to_bytes_be(),
            e: key.e().to_bytes_be(),
        }
        .verify(rsa_params, message, signature)
        .map_err(|_| Error::BadSignature)
    }

    fn verify_prehashed(
        &self,
        scheme: SignatureScheme,
        public_key: PublicKey<'_>,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        crate::rust_crypto::SIGNATURE.verify_prehashed(scheme, public_key, digest, signature)
    }

    fn generate_signing_key(
        &self,
        scheme: SignatureScheme,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Box<dyn SigningKey>, Error> {
        crate::rust_crypto::SIGNATURE.generate_signing_key(scheme, rng)
    }

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, Error> {
        crate::rust_crypto::SIGNATURE.load_signing_key(pkcs8_der)
    }
}
