//! Hello extensions (RFC 5246 §7.4.1.4) that WebRTC's DTLS uses.
//!
//! | type | name | RFC |
//! | --- | --- | --- |
//! | 10 | supported_groups | RFC 8422 §5.1.1 |
//! | 11 | ec_point_formats | RFC 8422 §5.1.2 |
//! | 13 | signature_algorithms | RFC 5246 §7.4.1.4.1 |
//! | 14 | use_srtp | RFC 5764 §4.1.1 |
//! | 23 | extended_master_secret | RFC 7627 §5.1 |
//! | 65281 | renegotiation_info | RFC 5746 §3.2 |
//!
//! Unknown extensions (DTLS 1.3's supported_versions and key_share, GREASE, ...) are skipped and
//! their types kept, so a ClientHello that also offers DTLS 1.3 still parses as a 1.2 hello.

use crate::codec::{DecodeError, Reader, Writer, u16_list};

/// Extension type numbers.
pub mod kind {
    /// supported_groups (RFC 8422).
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// ec_point_formats (RFC 8422).
    pub const EC_POINT_FORMATS: u16 = 11;
    /// signature_algorithms (RFC 5246).
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// use_srtp (RFC 5764).
    pub const USE_SRTP: u16 = 14;
    /// extended_master_secret (RFC 7627).
    pub const EXTENDED_MASTER_SECRET: u16 = 23;
    /// renegotiation_info (RFC 5746).
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
}

/// Most extensions we accept in one hello (Chromium sends about 20, GREASE included).
const MAX_EXTENSIONS: usize = 64;

/// An SRTP protection profile negotiated by use_srtp (RFC 5764 §4.1.2, RFC 7714 §14.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SrtpProfile {
    /// SRTP_AES128_CM_HMAC_SHA1_80 {0x00, 0x01}
    Aes128CmHmacSha1_80,
    /// SRTP_AES128_CM_HMAC_SHA1_32 {0x00, 0x02}
    Aes128CmHmacSha1_32,
    /// SRTP_AEAD_AES_128_GCM {0x00, 0x07}
    AeadAes128Gcm,
    /// SRTP_AEAD_AES_256_GCM {0x00, 0x08}
    AeadAes256Gcm,
}

impl SrtpProfile {
    /// Every profile, in our default preference order (AEAD first).
    pub const ALL: [Self; 4] = [
        Self::AeadAes128Gcm,
        Self::AeadAes256Gcm,
        Self::Aes128CmHmacSha1_80,
        Self::Aes128CmHmacSha1_32,
    ];

    /// Wire value.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::Aes128CmHmacSha1_80 => 0x0001,
            Self::Aes128CmHmacSha1_32 => 0x0002,
            Self::AeadAes128Gcm => 0x0007,
            Self::AeadAes256Gcm => 0x0008,
        }
    }

    /// Parses a wire value.
    pub fn from_u16(v: u16) -> Option<Self> {
        Some(match v {
            0x0001 => Self::Aes128CmHmacSha1_80,
            0x0002 => Self::Aes128CmHmacSha1_32,
            0x0007 => Self::AeadAes128Gcm,
            0x0008 => Self::AeadAes256Gcm,
            _ => return None,
        })
    }

    /// (master key, master salt) lengths in bytes (RFC 5764 §4.1.2, RFC 7714 §12).
    pub fn key_and_salt_len(self) -> (usize, usize) {
        match self {
            Self::Aes128CmHmacSha1_80 | Self::Aes128CmHmacSha1_32 => (16, 14),
            Self::AeadAes128Gcm => (16, 12),
            Self::AeadAes256Gcm => (32, 12),
        }
    }

    /// Length of the EXTRACTOR-dtls_srtp keying material: 2 * (key + salt) (RFC 5764 §4.2).
    pub fn keying_material_len(self) -> usize {
        let (k, s) = self.key_and_salt_len();
        2 * (k + s)
    }

    /// The name used by OpenSSL and RFC 5764.
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128CmHmacSha1_80 => "SRTP_AES128_CM_SHA1_80",
            Self::Aes128CmHmacSha1_32 => "SRTP_AES128_CM_SHA1_32",
            Self::AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM",
            Self::AeadAes256Gcm => "SRTP_AEAD_AES_256_GCM",
        }
    }
}

/// The `UseSRTPData` body (RFC 5764 §4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UseSrtp {
    /// Profile wire values, in the sender's preference order (unknown ones kept).
    pub profiles: Vec<u16>,
    /// `srtp_mki`; WebRTC uses none.
    pub mki: Vec<u8>,
}

/// The extensions of a ClientHello or ServerHello, typed where we use them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extensions {
    /// supported_groups.
    pub supported_groups: Option<Vec<u16>>,
    /// ec_point_formats.
    pub ec_point_formats: Option<Vec<u8>>,
    /// signature_algorithms.
    pub signature_algorithms: Option<Vec<u16>>,
    /// use_srtp.
    pub use_srtp: Option<UseSrtp>,
    /// extended_master_secret present.
    pub extended_master_secret: bool,
    /// renegotiation_info body (`renegotiated_connection`).
    pub renegotiation_info: Option<Vec<u8>>,
    /// Types of extensions we skipped, in order.
    pub unknown: Vec<u16>,
}

impl Extensions {
    /// Parses the optional `extensions<0..2^16-1>` block at the end of a hello. `r` holds what
    /// remains after the fixed fields; an absent block means no extensions.
    pub(crate) fn parse(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut out = Self::default();
        if r.is_empty() {
            return Ok(out);
        }
        let block = r.vec16()?;
        let mut r = Reader::new(block, "extensions");
        let mut seen: Vec<u16> = Vec::new();
        while !r.is_empty() {
            if seen.len() >= MAX_EXTENSIONS {
                return Err(DecodeError::Invalid("too many extensions"));
            }
            let ty = r.u16()?;
            let body = r.vec16()?;
            // "There MUST NOT be more than one extension of the same type." (RFC 5246 §7.4.1.4)
            if seen.contains(&ty) {
                return Err(DecodeError::Invalid("duplicate extension"));
            }
            seen.push(ty);
            let mut b = Reader::new(body, "extension");
            match ty {
                kind::SUPPORTED_GROUPS => out.supported_groups = Some(b.u16_list16()?),
                kind::EC_POINT_FORMATS => out.ec_point_formats = Some(b.vec8()?.to_vec()),
                kind::SIGNATURE_ALGORITHMS => out.signature_algorithms = Some(b.u16_list16()?),
                kind::USE_SRTP => {
                    let profiles = u16_list(b.vec16()?, "use_srtp profiles")?;
                    let mki = b.vec8()?.to_vec();
                    out.use_srtp = Some(UseSrtp { profiles, mki });
                }
                kind::EXTENDED_MASTER_SECRET => out.extended_master_secret = true,
                kind::RENEGOTIATION_INFO => out.renegotiation_info = Some(b.vec8()?.to_vec()),
                other => {
                    out.unknown.push(other);
                    b.rest();
                }
            }
            b.finish()?;
        }
        Ok(out)
    }

    /// Appends the extensions block (omitted entirely when there is nothing to send).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let empty = self.supported_groups.is_none()
            && self.ec_point_formats.is_none()
            && self.signature_algorithms.is_none()
            && self.use_srtp.is_none()
            && !self.extended_master_secret
            && self.renegotiation_info.is_none();
        if empty {
            return;
        }
        out.put_vec(2, |out| {
            if let Some(info) = &self.renegotiation_info {
                ext(out, kind::RENEGOTIATION_INFO, |b| {
                    b.put_vec(1, |b| b.extend_from_slice(info))
                });
            }
            if self.extended_master_secret {
                ext(out, kind::EXTENDED_MASTER_SECRET, |_| {});
            }
            if let Some(srtp) = &self.use_srtp {
                ext(out, kind::USE_SRTP, |b| {
                    b.put_vec(2, |b| srtp.profiles.iter().for_each(|p| b.put_u16(*p)));
                    b.put_vec(1, |b| b.extend_from_slice(&srtp.mki));
                });
            }
            if let Some(groups) = &self.supported_groups {
                ext(out, kind::SUPPORTED_GROUPS, |b| {
                    b.put_vec(2, |b| groups.iter().for_each(|g| b.put_u16(*g)));
                });
            }
            if let Some(formats) = &self.ec_point_formats {
                ext(out, kind::EC_POINT_FORMATS, |b| {
                    b.put_vec(1, |b| b.extend_from_slice(formats))
                });
            }
            if let Some(algs) = &self.signature_algorithms {
                ext(out, kind::SIGNATURE_ALGORITHMS, |b| {
                    b.put_vec(2, |b| algs.iter().for_each(|a| b.put_u16(*a)));
                });
            }
        });
    }
}

fn ext(out: &mut Vec<u8>, ty: u16, body: impl FnOnce(&mut Vec<u8>)) {
    out.put_u16(ty);
    out.put_vec(2, body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5764_4_1_1_use_srtp_encoding() {
        let ext = Extensions {
            use_srtp: Some(UseSrtp {
                profiles: vec![0x0007, 0x0001],
                mki: vec![],
            }),
            ..Default::default()
        };
        let mut buf = Vec::new();
        ext.encode(&mut buf);
        assert_eq!(buf, [0, 11, 0, 14, 0, 7, 0, 4, 0, 7, 0, 1, 0]);
        let parsed = Extensions::parse(&mut Reader::new(&buf, "t")).unwrap();
        assert_eq!(parsed, ext);
    }

    #[test]
    fn rfc5246_7_4_1_4_duplicate_extension_rejected() {
        let buf = [0, 8, 0, 23, 0, 0, 0, 23, 0, 0];
        assert_eq!(
            Extensions::parse(&mut Reader::new(&buf, "t")),
            Err(DecodeError::Invalid("duplicate extension"))
        );
    }

    #[test]
    fn rfc5764_4_2_keying_material_lengths() {
        assert_eq!(SrtpProfile::Aes128CmHmacSha1_80.keying_material_len(), 60);
        assert_eq!(SrtpProfile::AeadAes128Gcm.keying_material_len(), 56);
        assert_eq!(SrtpProfile::AeadAes256Gcm.keying_material_len(), 88);
    }
}
