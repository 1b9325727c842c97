//! AEAD record protection (RFC 5246 §6.2.3.3, RFC 6347 §4.1.2.1): AES-GCM with the RFC 5288
//! explicit nonce, ChaCha20-Poly1305 with the RFC 7905 XORed nonce.
//!
//! ```text
//! additional_data = seq_num(8: epoch || sequence) + type + version + length(plaintext)
//! GCM nonce       = salt(4, key block) || explicit_nonce(8, sent in the record)
//! ChaCha nonce    = iv(12, key block) XOR (0^4 || seq_num)
//! ```
//!
//! We use `seq_num` as the GCM explicit nonce, so a nonce never repeats within an epoch.

use sansrtc_crypto::CryptoProvider;
use sansrtc_crypto::aead::{AeadKey, NONCE_LEN, Nonce, TAG_LEN};

use crate::Error;
use crate::keys::DirectionKeys;
use crate::record::{HEADER_LEN, RecordHeader};
use crate::suite::CipherSuite;

/// One direction's record protection for one epoch.
pub(crate) struct RecordCipher {
    suite: CipherSuite,
    key: Box<dyn AeadKey>,
    iv: [u8; NONCE_LEN],
}

impl core::fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecordCipher")
            .field("suite", &self.suite)
            .finish()
    }
}

/// Why a record did not open. Both are silently dropped and counted (§4.1.2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// Too short to hold a nonce and tag.
    Malformed,
    /// Authentication failed.
    BadMac,
}

impl RecordCipher {
    pub fn new(
        provider: &CryptoProvider,
        suite: CipherSuite,
        keys: &DirectionKeys,
    ) -> Result<Self, Error> {
        let key = provider.aead_key(suite.aead(), &keys.key)?;
        let mut iv = [0u8; NONCE_LEN];
        for (d, s) in iv.iter_mut().zip(&keys.iv) {
            *d = *s;
        }
        Ok(Self { suite, key, iv })
    }

    pub fn overhead(&self) -> usize {
        self.suite.overhead()
    }

    fn nonce(&self, seq_num: u64) -> Nonce {
        let mut nonce = self.iv;
        let seq = seq_num.to_be_bytes();
        if self.suite.explicit_nonce_len() == 0 {
            for (n, s) in nonce.iter_mut().skip(4).zip(seq) {
                *n ^= s;
            }
        } else {
            for (n, s) in nonce.iter_mut().skip(4).zip(seq) {
                *n = s;
            }
        }
        nonce
    }

    fn aad(header: &RecordHeader, plaintext_len: usize) -> [u8; 13] {
        let [s0, s1, s2, s3, s4, s5, s6, s7] = header.epoch_and_sequence().to_be_bytes();
        let [v0, v1] = header.version.to_be_bytes();
        let [l0, l1] = (plaintext_len as u16).to_be_bytes();
        [
            s0,
            s1,
            s2,
            s3,
            s4,
            s5,
            s6,
            s7,
            header.content_type.to_u8(),
            v0,
            v1,
            l0,
            l1,
        ]
    }

    /// Appends a protected record (header + fragment) for `plaintext` to `out`. `header.length`
    /// is filled in here.
    pub fn seal(
        &self,
        mut header: RecordHeader,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let explicit = self.suite.explicit_nonce_len();
        let seq_num = header.epoch_and_sequence();
        let aad = Self::aad(&header, plaintext.len());
        header.length = (explicit + plaintext.len() + TAG_LEN) as u16;
        let start = out.len();
        header.encode(out);
        if explicit > 0 {
            out.extend_from_slice(&seq_num.to_be_bytes());
        }
        out.extend_from_slice(plaintext);
        out.resize(out.len() + TAG_LEN, 0);
        let body_start = start + HEADER_LEN + explicit;
        let nonce = self.nonce(seq_num);
        let buf = out.get_mut(body_start..).unwrap_or_default();
        self.key.seal_in_place_append_tag(&nonce, &aad, buf)?;
        Ok(())
    }

    /// Opens `fragment` (copied into `scratch`, which then holds the plaintext).
    pub fn open(
        &self,
        header: &RecordHeader,
        fragment: &[u8],
        scratch: &mut Vec<u8>,
    ) -> Result<(), OpenError> {
        let explicit = self.suite.explicit_nonce_len();
        let (nonce_bytes, sealed) = fragment
            .split_at_checked(explicit)
            .ok_or(OpenError::Malformed)?;
        let plaintext_len = sealed
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(OpenError::Malformed)?;
        let nonce = if explicit > 0 {
            let mut nonce = self.iv;
            for (n, s) in nonce.iter_mut().skip(4).zip(nonce_bytes) {
                *n = *s;
            }
            nonce
        } else {
            self.nonce(header.epoch_and_sequence())
        };
        let aad = Self::aad(header, plaintext_len);
        scratch.clear();
        scratch.extend_from_slice(sealed);
        let n = self
            .key
            .open_in_place_appended_tag(&nonce, &aad, scratch)
            .map_err(|_| OpenError::BadMac)?;
        scratch.truncate(n);
        Ok(())
    }
}
