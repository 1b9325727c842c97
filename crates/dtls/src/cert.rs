//! Our self-signed ECDSA P-256 certificate (RFC 5280 profile, as WebRTC uses it: RFC 8827 §6.5)
//! and certificate fingerprints in SDP form (RFC 8122 §5).
//!
//! WebRTC authenticates DTLS peers only by the hash of their certificate, carried in the SDP
//! `a=fingerprint` attribute, so the certificate itself is minimal: a v3 certificate whose issuer
//! and subject are `CN=sansrtc`, with a random serial number and a validity that never needs a
//! clock (2000-01-01 to 9999-12-31, the RFC 5280 §4.1.2.5 "no well-defined expiration" date).
//! The small DER writer below is all the ASN.1 we emit.

use core::fmt;

use sansrtc_crypto::CryptoProvider;
use sansrtc_crypto::hash::HashAlgorithm;
use sansrtc_crypto::rng::CryptoRngCore;
use sansrtc_crypto::sign::{SignatureScheme, SigningKey};

use crate::Error;

/// Minimal DER encoding (X.690 §10) of the few types a certificate needs.
pub(crate) mod der {
    /// Universal tags.
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// `[0] EXPLICIT`, constructed.
    pub const CONTEXT_0: u8 = 0xa0;

    /// Appends tag, definite length (short or long form) and contents.
    pub fn tlv(out: &mut Vec<u8>, tag: u8, contents: &[u8]) {
        out.push(tag);
        let len = contents.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let be = (len as u64).to_be_bytes();
            let skip = be.iter().take_while(|b| **b == 0).count();
            let bytes = be.get(skip..).unwrap_or_default();
            out.push(0x80 | bytes.len() as u8);
            out.extend_from_slice(bytes);
        }
        out.extend_from_slice(contents);
    }

    /// A constructed value whose contents `body` writes.
    pub fn constructed(out: &mut Vec<u8>, tag: u8, body: impl FnOnce(&mut Vec<u8>)) {
        let mut inner = Vec::new();
        body(&mut inner);
        tlv(out, tag, &inner);
    }

    /// A non-negative INTEGER from big-endian magnitude bytes.
    pub fn unsigned_integer(out: &mut Vec<u8>, magnitude: &[u8]) {
        let skip = magnitude.iter().take_while(|b| **b == 0).count();
        let trimmed = magnitude.get(skip..).unwrap_or_default();
        let mut contents = Vec::with_capacity(trimmed.len() + 1);
        if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
            contents.push(0);
        }
        contents.extend_from_slice(trimmed);
        tlv(out, INTEGER, &contents);
    }
}

/// `ecdsa-with-SHA256` (1.2.840.10045.4.3.2), RFC 5758 §3.2.
const OID_ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// `id-at-commonName` (2.5.4.3).
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// Our certificate and its private key.
pub struct Certificate {
    der: Vec<u8>,
    key: Box<dyn SigningKey>,
    fingerprint: Fingerprint,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl Certificate {
    /// Generates a fresh ECDSA P-256 key and a self-signed certificate for it with
    /// `CN=common_name` (WebRTC convention: a random name; any short string works).
    pub fn generate(
        provider: &CryptoProvider,
        rng: &mut dyn CryptoRngCore,
        common_name: &str,
    ) -> Result<Self, Error> {
        let key = provider.generate_signing_key(SignatureScheme::EcdsaP256Sha256, rng)?;
        let mut serial = [0u8; 16];
        provider.fill_random(rng, &mut serial)?;
        let der = self_signed_der(key.as_ref(), &serial, common_name)?;
        let fingerprint = Fingerprint::of(provider, FingerprintAlgorithm::Sha256, &der);
        Ok(Self {
            der,
            key,
            fingerprint,
        })
    }

    /// Loads an existing certificate (DER) with its PKCS#8 DER private key (an ECDSA P-256 key).
    pub fn from_der(
        provider: &CryptoProvider,
        certificate_der: Vec<u8>,
        pkcs8_key_der: &[u8],
    ) -> Result<Self, Error> {
        let key = provider.load_signing_key(pkcs8_key_der)?;
        let fingerprint = Fingerprint::of(provider, FingerprintAlgorithm::Sha256, &certificate_der);
        Ok(Self {
            der: certificate_der,
            key,
            fingerprint,
        })
    }

    /// The DER certificate.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The SHA-256 fingerprint to put in SDP (`a=fingerprint:sha-256 AB:CD:...`).
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The private key, PKCS#8 DER (to persist the certificate).
    pub fn private_key_pkcs8_der(&self) -> Result<Vec<u8>, Error> {
        Ok(self.key.to_pkcs8_der()?.to_vec())
    }

    pub(crate) fn signing_key(&self) -> &dyn SigningKey {
        self.key.as_ref()
    }
}

fn name(out: &mut Vec<u8>, common_name: &str) {
    der::constructed(out, der::SEQUENCE, |rdns| {
        der::constructed(rdns, der::SET, |set| {
            der::constructed(set, der::SEQUENCE, |atv| {
                der::tlv(atv, der::OID, OID_COMMON_NAME);
                der::tlv(atv, der::UTF8_STRING, common_name.as_bytes());
            });
        });
    });
}

fn ecdsa_sha256_algorithm(out: &mut Vec<u8>) {
    // RFC 5758 §3.2: the parameters field MUST be absent.
    der::constructed(out, der::SEQUENCE, |alg| {
        der::tlv(alg, der::OID, OID_ECDSA_WITH_SHA256)
    });
}

/// Builds and signs the certificate (RFC 5280 §4.1).
fn self_signed_der(
    key: &dyn SigningKey,
    serial: &[u8; 16],
    common_name: &str,
) -> Result<Vec<u8>, Error> {
    let spki = key.public_key_spki_der()?;
    let mut serial = *serial;
    if let Some(first) = serial.first_mut() {
        *first &= 0x7f; // positive, at most 20 octets (RFC 5280 §4.1.2.2)
        *first |= 0x01;
    }
    let mut tbs = Vec::with_capacity(256);
    der::constructed(&mut tbs, der::SEQUENCE, |t| {
        der::constructed(t, der::CONTEXT_0, |v| der::unsigned_integer(v, &[2])); // v3
        der::unsigned_integer(t, &serial);
        ecdsa_sha256_algorithm(t);
        name(t, common_name);
        der::constructed(t, der::SEQUENCE, |validity| {
            der::tlv(validity, der::UTC_TIME, b"000101000000Z");
            der::tlv(validity, der::GENERALIZED_TIME, b"99991231235959Z");
        });
        name(t, common_name);
        t.extend_from_slice(&spki);
    });
    let signature = key.sign(&tbs)?;
    let mut cert = Vec::with_capacity(tbs.len() + 100);
    der::constructed(&mut cert, der::SEQUENCE, |c| {
        c.extend_from_slice(&tbs);
        ecdsa_sha256_algorithm(c);
        let mut bits = Vec::with_capacity(signature.len() + 1);
        bits.push(0); // no unused bits
        bits.extend_from_slice(&signature);
        der::tlv(c, der::BIT_STRING, &bits);
    });
    Ok(cert)
}

/// The hash functions allowed in an SDP fingerprint (RFC 8122 §5, as browsers use them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FingerprintAlgorithm {
    /// sha-1
    Sha1,
    /// sha-256
    Sha256,
    /// sha-384
    Sha384,
    /// sha-512
    Sha512,
}

impl FingerprintAlgorithm {
    /// The SDP token (`sha-256`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha-1",
            Self::Sha256 => "sha-256",
            Self::Sha384 => "sha-384",
            Self::Sha512 => "sha-512",
        }
    }

    fn hash(self) -> HashAlgorithm {
        match self {
            Self::Sha1 => HashAlgorithm::Sha1,
            Self::Sha256 => HashAlgorithm::Sha256,
            Self::Sha384 => HashAlgorithm::Sha384,
            Self::Sha512 => HashAlgorithm::Sha512,
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }
}

/// A certificate fingerprint (RFC 8122 §5): hash function and digest.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// The hash function.
    pub algorithm: FingerprintAlgorithm,
    /// The digest of the DER certificate.
    pub value: Vec<u8>,
}

impl Fingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of(provider: &CryptoProvider, algorithm: FingerprintAlgorithm, der: &[u8]) -> Self {
        let digest = provider.hash(algorithm.hash(), der);
        Self {
            algorithm,
            value: digest.as_bytes().to_vec(),
        }
    }

    /// Parses the SDP form `sha-256 AB:CD:...` (the value of `a=fingerprint:`).
    pub fn parse(sdp: &str) -> Result<Self, Error> {
        let (alg, hex) = sdp
            .trim()
            .split_once(' ')
            .ok_or(Error::InvalidFingerprint)?;
        let algorithm = FingerprintAlgorithm::from_name(alg).ok_or(Error::InvalidFingerprint)?;
        let mut value = Vec::new();
        for pair in hex.trim().split(':') {
            if pair.len() != 2 {
                return Err(Error::InvalidFingerprint);
            }
            value.push(u8::from_str_radix(pair, 16).map_err(|_| Error::InvalidFingerprint)?);
        }
        if value.len() != algorithm.hash().output_len() {
            return Err(Error::InvalidFingerprint);
        }
        Ok(Self { algorithm, value })
    }

    /// Whether `der` hashes to this fingerprint.
    pub fn matches(&self, provider: &CryptoProvider, der: &[u8]) -> bool {
        let digest = provider.hash(self.algorithm.hash(), der);
        // Not secret: the fingerprint is public; a plain comparison is fine.
        digest.as_bytes() == self.value.as_slice()
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algorithm.name())?;
        for (i, b) in self.value.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ":" })?;
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl core::str::FromStr for Fingerprint {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// The parts of a peer certificate we use: the DER (for the fingerprint) and the DER
/// SubjectPublicKeyInfo (for signature verification).
#[derive(Debug, Clone)]
pub(crate) struct PeerCertificate {
    pub der: Vec<u8>,
    pub spki: Vec<u8>,
}

impl PeerCertificate {
    /// Parses the leaf certificate with x509-parser to find its SubjectPublicKeyInfo.
    pub fn parse(der: Vec<u8>) -> Result<Self, Error> {
        let (_, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|_| Error::BadCertificate("unparsable certificate"))?;
        let spki = cert.tbs_certificate.subject_pki.raw.to_vec();
        Ok(Self { der, spki })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x690_der_lengths() {
        let mut out = Vec::new();
        der::tlv(&mut out, der::SEQUENCE, &[0; 200]);
        assert_eq!(&out[..3], [0x30, 0x81, 200]);
        let mut out = Vec::new();
        der::tlv(&mut out, der::SEQUENCE, &[0; 300]);
        assert_eq!(&out[..4], [0x30, 0x82, 0x01, 0x2c]);
        let mut out = Vec::new();
        der::unsigned_integer(&mut out, &[0x80]);
        assert_eq!(out, [0x02, 0x02, 0x00, 0x80]);
        let mut out = Vec::new();
        der::unsigned_integer(&mut out, &[0, 0, 5]);
        assert_eq!(out, [0x02, 0x01, 0x05]);
    }

    #[test]
    fn rfc8122_5_fingerprint_sdp_form() {
        let fp = Fingerprint::parse(
            "sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89",
        )
        .unwrap();
        assert_eq!(fp.algorithm, FingerprintAlgorithm::Sha256);
        assert_eq!(fp.value[0], 0xab);
        assert!(fp.to_string().starts_with("sha-256 AB:CD:EF:01"));
        assert_eq!(Fingerprint::parse(&fp.to_string()).unwrap(), fp);
        assert!(Fingerprint::parse("sha-256 AB:CD").is_err());
        assert!(Fingerprint::parse("md5 AB").is_err());
    }
}
