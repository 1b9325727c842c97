//! The cryptographic transforms, keyed once per context: AES-CM + HMAC-SHA1 (RFC 3711 §4.1.1,
//! §4.2.1) and AES-GCM (RFC 7714 §8, §9).
//!
//! Everything here works in the caller's buffer. The key schedules and HMAC pads are computed
//! when the [`Transform`] is built; a packet costs one IV formation on the stack and one pass of
//! the cipher and MAC.

use sansrtc_crypto::cipher::BLOCK_LEN;
use sansrtc_crypto::{AeadAlgorithm, AeadKey, AesKey, CryptoProvider, HashAlgorithm, HmacKey};
use sansrtc_crypto::{NONCE_LEN, TAG_LEN};

use crate::header::RTCP_FIXED_LEN;
use crate::keys::SessionKeys;
use crate::srtcp::{ENCRYPTED, INDEX_LEN};
use crate::{Error, ProtectionProfile};

/// A keyed transform for one protocol (SRTP or SRTCP) and one direction.
pub(crate) enum Transform {
    /// AES-CM encryption with a truncated HMAC-SHA1 tag.
    AesCm {
        aes: Box<dyn AesKey>,
        hmac: Box<dyn HmacKey>,
        salt: [u8; 14],
        tag_len: usize,
    },
    /// AES-GCM, encryption and authentication in one.
    AesGcm {
        aead: Box<dyn AeadKey>,
        salt: [u8; NONCE_LEN],
    },
}

impl Transform {
    /// Runs the key schedules for `keys`, with `tag_len` the HMAC tag length (ignored for GCM).
    pub(crate) fn new(
        provider: &CryptoProvider,
        keys: &SessionKeys,
        tag_len: usize,
    ) -> Result<Transform, Error> {
        let profile = keys.profile();
        let transform = match profile {
            ProtectionProfile::Aes128CmHmacSha1_80 | ProtectionProfile::Aes128CmHmacSha1_32 => {
                let mut salt = [0; 14];
                copy_prefix(&mut salt, keys.salt());
                Transform::AesCm {
                    aes: provider.aes_key(keys.encryption_key())?,
                    hmac: provider.hmac_key(HashAlgorithm::Sha1, keys.auth_key())?,
                    salt,
                    tag_len,
                }
            }
            ProtectionProfile::AeadAes128Gcm | ProtectionProfile::AeadAes256Gcm => {
                let algorithm = if profile == ProtectionProfile::AeadAes128Gcm {
                    AeadAlgorithm::Aes128Gcm
                } else {
                    AeadAlgorithm::Aes256Gcm
                };
                let mut salt = [0; NONCE_LEN];
                copy_prefix(&mut salt, keys.salt());
                Transform::AesGcm {
                    aead: provider.aead_key(algorithm, keys.encryption_key())?,
                    salt,
                }
            }
        };
        Ok(transform)
    }

    /// The tag length this transform appends.
    pub(crate) fn tag_len(&self) -> usize {
        match self {
            Transform::AesCm { tag_len, .. } => *tag_len,
            Transform::AesGcm { .. } => TAG_LEN,
        }
    }

    /// Protects an RTP packet: `buf` is the packet (header of `header_len` bytes, then payload)
    /// followed by `tag_len()` bytes of room for the tag (RFC 3711 §3.3, RFC 7714 §8).
    pub(crate) fn protect_rtp(
        &self,
        buf: &mut [u8],
        header_len: usize,
        ssrc: u32,
        index: u64,
    ) -> Result<(), Error> {
        let packet_len = buf
            .len()
            .checked_sub(self.tag_len())
            .ok_or(Error::BufferTooSmall {
                needed: header_len + self.tag_len(),
            })?;
        let (packet, tag_room) = buf.split_at_mut(packet_len);
        let (header, payload) = packet
            .split_at_mut_checked(header_len)
            .ok_or(Error::HeaderOverrun)?;
        match self {
            Transform::AesCm {
                aes,
                hmac,
                salt,
                tag_len: _,
            } => {
                aes.xor_keystream(&cm_iv(salt, ssrc, index), payload);
                // RFC 3711 §4.2: M = Authenticated Portion || ROC.
                let roc = crate::index::roc(index).to_be_bytes();
                let mac = hmac.sign(&[header, payload, &roc]);
                copy_prefix(tag_room, mac.as_bytes());
            }
            Transform::AesGcm { aead, salt } => {
                let tag = aead.seal_in_place(&gcm_iv(salt, ssrc, index), header, payload)?;
                copy_prefix(tag_room, &tag);
            }
        }
        Ok(())
    }

    /// Verifies and decrypts an SRTP packet in place; returns the RTP packet length (the tag
    /// stripped). `buf` is the whole SRTP packet.
    pub(crate) fn unprotect_rtp(
        &self,
        buf: &mut [u8],
        header_len: usize,
        ssrc: u32,
        index: u64,
    ) -> Result<usize, Error> {
        let packet_len = buf
            .len()
            .checked_sub(self.tag_len())
            .ok_or(Error::AuthenticationFailed)?;
        let (packet, tag) = buf.split_at_mut(packet_len);
        let (header, payload) = packet
            .split_at_mut_checked(header_len)
            .ok_or(Error::HeaderOverrun)?;
        match self {
            Transform::AesCm {
                aes,
                hmac,
                salt,
                tag_len: _,
            } => {
                let roc = crate::index::roc(index).to_be_bytes();
                hmac.verify(&[header, payload, &roc], tag)
                    .map_err(|_| Error::AuthenticationFailed)?;
                aes.xor_keystream(&cm_iv(salt, ssrc, index), payload);
            }
            Transform::AesGcm { aead, salt } => {
                let tag: &[u8; TAG_LEN] = (&*tag)
                    .try_into()
                    .map_err(|_| Error::AuthenticationFailed)?;
                aead.open_in_place(&gcm_iv(salt, ssrc, index), header, payload, tag)
                    .map_err(|_| Error::AuthenticationFailed)?;
            }
        }
        Ok(packet_len)
    }

    /// Protects an RTCP packet: `buf` is the compound packet followed by
    /// `INDEX_LEN + tag_len()` bytes of room. `index` is the 31-bit SRTCP index; `encrypt` sets
    /// the E flag (RFC 3711 §3.4, RFC 7714 §9).
    pub(crate) fn protect_rtcp(
        &self,
        buf: &mut [u8],
        ssrc: u32,
        index: u32,
        encrypt: bool,
    ) -> Result<(), Error> {
        let trailer = INDEX_LEN + self.tag_len();
        let packet_len = buf
            .len()
            .checked_sub(trailer)
            .filter(|len| *len >= RTCP_FIXED_LEN)
            .ok_or(Error::BufferTooSmall {
                needed: RTCP_FIXED_LEN + trailer,
            })?;
        let esrtcp = (index | if encrypt { ENCRYPTED } else { 0 }).to_be_bytes();
        match self {
            Transform::AesCm {
                aes,
                hmac,
                salt,
                tag_len: _,
            } => {
                // RFC 3711 §3.4: E || index follows the (encrypted) packet, and is authenticated.
                let (packet, rest) = buf.split_at_mut(packet_len);
                let (esrtcp_room, tag_room) = rest.split_at_mut(INDEX_LEN);
                esrtcp_room.copy_from_slice(&esrtcp);
                if encrypt {
                    let payload = packet.get_mut(RTCP_FIXED_LEN..).unwrap_or_default();
                    aes.xor_keystream(&cm_iv(salt, ssrc, u64::from(index)), payload);
                }
                let mac = hmac.sign(&[packet, esrtcp_room]);
                copy_prefix(tag_room, mac.as_bytes());
            }
            Transform::AesGcm { aead, salt } => {
                let iv = gcm_iv(salt, ssrc, u64::from(index));
                if encrypt {
                    // RFC 7714 §9.2: AAD = first 8 octets || ESRTCP word; the tag follows the
                    // ciphertext, then the ESRTCP word.
                    let (packet, rest) = buf.split_at_mut(packet_len);
                    let (header, payload) = packet.split_at_mut(RTCP_FIXED_LEN);
                    let aad = rtcp_aad(header, &esrtcp);
                    let tag = aead.seal_in_place(&iv, &aad, payload)?;
                    let (tag_room, esrtcp_room) = rest.split_at_mut(TAG_LEN);
                    tag_room.copy_from_slice(&tag);
                    esrtcp_room.copy_from_slice(&esrtcp);
                } else {
                    // RFC 7714 §9.3: AAD = whole packet || ESRTCP word. Lay them out
                    // contiguously, tag them, then move the word behind the tag.
                    let aad_len = packet_len + INDEX_LEN;
                    if let Some(word) = buf.get_mut(packet_len..aad_len) {
                        word.copy_from_slice(&esrtcp);
                    }
                    let aad = buf.get(..aad_len).unwrap_or_default();
                    let tag = aead.seal_in_place(&iv, aad, &mut [])?;
                    let tag_and_word = buf.get_mut(packet_len..).unwrap_or_default();
                    let (tag_room, esrtcp_room) = tag_and_word.split_at_mut(TAG_LEN);
                    tag_room.copy_from_slice(&tag);
                    esrtcp_room.copy_from_slice(&esrtcp);
                }
            }
        }
        Ok(())
    }

    /// Where the ESRTCP word (E flag and SRTCP index) sits in a protected packet of `len`
    /// bytes: after the tag for GCM (RFC 7714 §17), before it for AES-CM (RFC 3711 §3.4).
    pub(crate) fn esrtcp_offset(&self, len: usize) -> Option<usize> {
        match self {
            Transform::AesCm { tag_len, .. } => len.checked_sub(INDEX_LEN + tag_len),
            Transform::AesGcm { .. } => len.checked_sub(INDEX_LEN),
        }
    }

    /// Verifies and (if E is set) decrypts an SRTCP packet in place; returns the RTCP packet
    /// length. `esrtcp` is the ESRTCP word the caller read at [`esrtcp_offset`](Self::esrtcp_offset).
    pub(crate) fn unprotect_rtcp(
        &self,
        buf: &mut [u8],
        ssrc: u32,
        esrtcp: u32,
    ) -> Result<usize, Error> {
        let packet_len = buf
            .len()
            .checked_sub(INDEX_LEN + self.tag_len())
            .filter(|len| *len >= RTCP_FIXED_LEN)
            .ok_or(Error::AuthenticationFailed)?;
        let encrypted = esrtcp & ENCRYPTED != 0;
        let index = u64::from(esrtcp & !ENCRYPTED);
        match self {
            Transform::AesCm {
                aes,
                hmac,
                salt,
                tag_len: _,
            } => {
                let (authenticated, tag) = buf.split_at_mut(packet_len + INDEX_LEN);
                hmac.verify(&[authenticated], tag)
                    .map_err(|_| Error::AuthenticationFailed)?;
                if encrypted {
                    let payload = authenticated
                        .get_mut(RTCP_FIXED_LEN..packet_len)
                        .unwrap_or_default();
                    aes.xor_keystream(&cm_iv(salt, ssrc, index), payload);
                }
            }
            Transform::AesGcm { aead, salt } => {
                let iv = gcm_iv(salt, ssrc, index);
                let word = esrtcp.to_be_bytes();
                let (packet, rest) = buf.split_at_mut(packet_len);
                let tag: [u8; TAG_LEN] = rest
                    .get(..TAG_LEN)
                    .and_then(|t| t.try_into().ok())
                    .ok_or(Error::AuthenticationFailed)?;
                if encrypted {
                    let (header, payload) = packet.split_at_mut(RTCP_FIXED_LEN);
                    let aad = rtcp_aad(header, &word);
                    aead.open_in_place(&iv, &aad, payload, &tag)
                        .map_err(|_| Error::AuthenticationFailed)?;
                } else {
                    // AAD = packet || ESRTCP word: move the word over the (saved) tag.
                    if let Some(room) = rest.get_mut(..INDEX_LEN) {
                        room.copy_from_slice(&word);
                    }
                    let aad = buf.get(..packet_len + INDEX_LEN).unwrap_or_default();
                    aead.open_in_place(&iv, aad, &mut [], &tag)
                        .map_err(|_| Error::AuthenticationFailed)?;
                }
            }
        }
        Ok(packet_len)
    }
}

/// The AES-CM IV (RFC 3711 §4.1.1): `(k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)`.
/// Used for SRTCP too, with the 31-bit SRTCP index as `i`.
fn cm_iv(salt: &[u8; 14], ssrc: u32, index: u64) -> [u8; BLOCK_LEN] {
    let mut iv = [0u8; BLOCK_LEN];
    copy_prefix(&mut iv, salt);
    xor_at(&mut iv, 4, &ssrc.to_be_bytes());
    xor_at(&mut iv, 8, index.to_be_bytes().get(2..).unwrap_or_default());
    iv
}

/// The AES-GCM IV (RFC 7714 §8.1): `00 00 || SSRC || ROC || SEQ` XOR salt. ROC || SEQ is the
/// 48-bit packet index. For SRTCP (§9.1) it is `00 00 || SSRC || 00 00 || 0 || index`: the same
/// layout with the 31-bit SRTCP index in the low bits.
fn gcm_iv(salt: &[u8; NONCE_LEN], ssrc: u32, index: u64) -> [u8; NONCE_LEN] {
    let mut iv = *salt;
    xor_at(&mut iv, 2, &ssrc.to_be_bytes());
    xor_at(&mut iv, 6, index.to_be_bytes().get(2..).unwrap_or_default());
    iv
}

/// The SRTCP AAD for an encrypted packet: first 8 octets || ESRTCP word (RFC 7714 §9.2).
fn rtcp_aad(header: &[u8], esrtcp: &[u8; INDEX_LEN]) -> [u8; RTCP_FIXED_LEN + INDEX_LEN] {
    let mut aad = [0u8; RTCP_FIXED_LEN + INDEX_LEN];
    copy_prefix(&mut aad, header);
    xor_at(&mut aad, RTCP_FIXED_LEN, esrtcp);
    aad
}

fn xor_at(dst: &mut [u8], at: usize, src: &[u8]) {
    for (d, s) in dst.iter_mut().skip(at).zip(src) {
        *d ^= s;
    }
}

fn copy_prefix(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7714_16_srtp_iv() {
        let salt = *b"Quid pro quo";
        let iv = gcm_iv(&salt, 0x5501a0b2, 0xf17b);
        assert_eq!(
            iv,
            [
                0x51, 0x75, 0x3c, 0x65, 0x80, 0xc2, 0x72, 0x6f, 0x20, 0x71, 0x84, 0x14
            ]
        );
    }

    #[test]
    fn rfc7714_17_srtcp_iv() {
        let salt = *b"Quid pro quo";
        let iv = gcm_iv(&salt, 0x4d617273, 0x05d4);
        assert_eq!(
            iv,
            [
                0x51, 0x75, 0x24, 0x05, 0x52, 0x03, 0x72, 0x6f, 0x20, 0x71, 0x70, 0xbb
            ]
        );
    }

    #[test]
    fn rfc3711_4_1_1_cm_iv_layout() {
        let salt = [
            0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd,
        ];
        // Appendix B.2: SSRC 0, index 0 gives the shifted salt.
        let iv = cm_iv(&salt, 0, 0);
        assert_eq!(&iv[..14], &salt);
        assert_eq!(&iv[14..], &[0, 0]);
        let iv = cm_iv(&[0; 14], 0x11223344, 0x0000_5566_7788_99aa);
        assert_eq!(
            iv,
            [
                0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0, 0
            ]
        );
    }
}
