//! The SRTP protection profiles WebRTC negotiates (RFC 5764 §4.1.2, RFC 7714 §14.2).

/// An SRTP protection profile: cipher, authentication and key sizes for SRTP and SRTCP.
///
/// | profile | DTLS-SRTP id | master key | master salt | SRTP tag | SRTCP tag |
/// | --- | --- | --- | --- | --- | --- |
/// | `Aes128CmHmacSha1_80` | 0x0001 | 16 | 14 | 10 | 10 |
/// | `Aes128CmHmacSha1_32` | 0x0002 | 16 | 14 | 4 | 10 |
/// | `AeadAes128Gcm` | 0x0007 | 16 | 12 | 16 | 16 |
/// | `AeadAes256Gcm` | 0x0008 | 32 | 12 | 16 | 16 |
///
/// `SRTP_AES128_CM_HMAC_SHA1_32` keeps the 80-bit tag for SRTCP (RFC 5764 §4.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtectionProfile {
    /// `SRTP_AES128_CM_HMAC_SHA1_80`: AES-128 counter mode, HMAC-SHA1 truncated to 80 bits.
    Aes128CmHmacSha1_80,
    /// `SRTP_AES128_CM_HMAC_SHA1_32`: as `_80`, with a 32-bit SRTP tag.
    Aes128CmHmacSha1_32,
    /// `SRTP_AEAD_AES_128_GCM` (RFC 7714).
    AeadAes128Gcm,
    /// `SRTP_AEAD_AES_256_GCM` (RFC 7714).
    AeadAes256Gcm,
}

impl ProtectionProfile {
    /// Every profile, in the order WebRTC implementations usually prefer them.
    pub const ALL: [ProtectionProfile; 4] = [
        ProtectionProfile::AeadAes128Gcm,
        ProtectionProfile::AeadAes256Gcm,
        ProtectionProfile::Aes128CmHmacSha1_80,
        ProtectionProfile::Aes128CmHmacSha1_32,
    ];

    /// The profile for a DTLS `use_srtp` protection profile id (RFC 5764 §4.1.2, RFC 7714 §14.2).
    pub fn from_dtls_id(id: u16) -> Option<ProtectionProfile> {
        match id {
            0x0001 => Some(ProtectionProfile::Aes128CmHmacSha1_80),
            0x0002 => Some(ProtectionProfile::Aes128CmHmacSha1_32),
            0x0007 => Some(ProtectionProfile::AeadAes128Gcm),
            0x0008 => Some(ProtectionProfile::AeadAes256Gcm),
            _ => None,
        }
    }

    /// The DTLS `use_srtp` protection profile id.
    pub fn dtls_id(self) -> u16 {
        match self {
            ProtectionProfile::Aes128CmHmacSha1_80 => 0x0001,
            ProtectionProfile::Aes128CmHmacSha1_32 => 0x0002,
            ProtectionProfile::AeadAes128Gcm => 0x0007,
            ProtectionProfile::AeadAes256Gcm => 0x0008,
        }
    }

    /// The master (and session encryption) key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            ProtectionProfile::AeadAes256Gcm => 32,
            _ => 16,
        }
    }

    /// The master (and session) salt length in bytes: 112 bits for AES-CM (RFC 3711 §8.2),
    /// 96 bits for AES-GCM (RFC 7714 §12).
    pub fn salt_len(self) -> usize {
        if self.is_aead() { 12 } else { 14 }
    }

    /// The session authentication key length (HMAC-SHA1, RFC 3711 §5.2); 0 for AEAD profiles.
    pub fn auth_key_len(self) -> usize {
        if self.is_aead() { 0 } else { 20 }
    }

    /// The SRTP authentication tag length appended to every protected RTP packet.
    pub fn rtp_tag_len(self) -> usize {
        match self {
            ProtectionProfile::Aes128CmHmacSha1_80 => 10,
            ProtectionProfile::Aes128CmHmacSha1_32 => 4,
            ProtectionProfile::AeadAes128Gcm | ProtectionProfile::AeadAes256Gcm => 16,
        }
    }

    /// The SRTCP authentication tag length.
    pub fn rtcp_tag_len(self) -> usize {
        if self.is_aead() { 16 } else { 10 }
    }

    /// How many bytes `protect_rtp` appends.
    pub fn rtp_overhead(self) -> usize {
        self.rtp_tag_len()
    }

    /// How many bytes `protect_rtcp` appends (SRTCP index word plus tag).
    pub fn rtcp_overhead(self) -> usize {
        crate::srtcp::INDEX_LEN + self.rtcp_tag_len()
    }

    /// The DTLS-SRTP exporter output length this profile needs: `2 * (key_len + salt_len)`
    /// (RFC 5764 §4.2).
    pub fn keying_material_len(self) -> usize {
        2 * (self.key_len() + self.salt_len())
    }

    /// True for the AES-GCM profiles of RFC 7714.
    pub fn is_aead(self) -> bool {
        matches!(
            self,
            ProtectionProfile::AeadAes128Gcm | ProtectionProfile::AeadAes256Gcm
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5764_4_1_2_profile_ids_round_trip() {
        for profile in ProtectionProfile::ALL {
            assert_eq!(
                ProtectionProfile::from_dtls_id(profile.dtls_id()),
                Some(profile)
            );
        }
        assert_eq!(ProtectionProfile::from_dtls_id(0x0003), None);
        assert_eq!(ProtectionProfile::from_dtls_id(0xffff), None);
    }

    #[test]
    fn rfc5764_4_1_2_sha1_32_keeps_80_bit_srtcp_tag() {
        let p = ProtectionProfile::Aes128CmHmacSha1_32;
        assert_eq!((p.rtp_tag_len(), p.rtcp_tag_len()), (4, 10));
    }

    #[test]
    fn rfc7714_12_gcm_sizes() {
        let p = ProtectionProfile::AeadAes256Gcm;
        assert_eq!((p.key_len(), p.salt_len(), p.rtp_tag_len()), (32, 12, 16));
        assert_eq!(p.keying_material_len(), 88);
        assert_eq!(
            ProtectionProfile::Aes128CmHmacSha1_80.keying_material_len(),
            60
        );
    }
}
