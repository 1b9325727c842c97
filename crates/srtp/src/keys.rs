//! Master keys, session keys, and DTLS-SRTP keying material (RFC 5764 §4.2).

use sansrtc_crypto::CryptoProvider;
use zeroize::Zeroize;

use crate::kdf::{self, Label};
use crate::{Error, ProtectionProfile};

const MAX_KEY_LEN: usize = 32;
const MAX_SALT_LEN: usize = 14;
const MAX_AUTH_KEY_LEN: usize = 20;

/// A master key and master salt for one direction (RFC 3711 §3.2.1). Zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    profile: ProtectionProfile,
    key: [u8; MAX_KEY_LEN],
    salt: [u8; MAX_SALT_LEN],
}

impl MasterKey {
    /// A master key and salt of the lengths `profile` needs
    /// ([`ProtectionProfile::key_len`], [`ProtectionProfile::salt_len`]).
    pub fn new(profile: ProtectionProfile, key: &[u8], salt: &[u8]) -> Result<MasterKey, Error> {
        let mut out = MasterKey {
            profile,
            key: [0; MAX_KEY_LEN],
            salt: [0; MAX_SALT_LEN],
        };
        copy_exact(&mut out.key, key, profile.key_len()).map_err(|got| Error::KeyLength {
            expected: profile.key_len(),
            got,
        })?;
        copy_exact(&mut out.salt, salt, profile.salt_len()).map_err(|got| Error::SaltLength {
            expected: profile.salt_len(),
            got,
        })?;
        Ok(out)
    }

    /// The profile this key is for.
    pub fn profile(&self) -> ProtectionProfile {
        self.profile
    }

    /// The master key bytes.
    pub fn key(&self) -> &[u8] {
        self.key.get(..self.profile.key_len()).unwrap_or(&[])
    }

    /// The master salt bytes.
    pub fn salt(&self) -> &[u8] {
        self.salt.get(..self.profile.salt_len()).unwrap_or(&[])
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.key.zeroize();
        self.salt.zeroize();
    }
}

impl core::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MasterKey")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// The local and remote master keys of a DTLS-SRTP association.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtlsSrtpKeys {
    /// Protects what this endpoint sends.
    pub local: MasterKey,
    /// Unprotects what the peer sends.
    pub remote: MasterKey,
}

/// Which side of the DTLS handshake this endpoint was (RFC 5764 §4.2 picks the write keys by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtlsRole {
    /// The DTLS client: sends with `client_write_*`.
    Client,
    /// The DTLS server: sends with `server_write_*`.
    Server,
}

impl DtlsSrtpKeys {
    /// Splits the RFC 5705 exporter output (label `"EXTRACTOR-dtls_srtp"`, no context, length
    /// [`ProtectionProfile::keying_material_len`]) into the four values of RFC 5764 §4.2,
    ///
    /// ```text
    /// client_write_SRTP_master_key | server_write_SRTP_master_key |
    /// client_write_SRTP_master_salt | server_write_SRTP_master_salt
    /// ```
    ///
    /// and assigns them by `role`: a client sends with the client keys and receives with the
    /// server keys, a server the other way round.
    pub fn from_exporter(
        profile: ProtectionProfile,
        role: DtlsRole,
        keying_material: &[u8],
    ) -> Result<DtlsSrtpKeys, Error> {
        let expected = profile.keying_material_len();
        if keying_material.len() != expected {
            return Err(Error::KeyingMaterialLength {
                expected,
                got: keying_material.len(),
            });
        }
        let (keys, salts) = keying_material.split_at(2 * profile.key_len());
        let (client_key, server_key) = keys.split_at(profile.key_len());
        let (client_salt, server_salt) = salts.split_at(profile.salt_len());
        let client = MasterKey::new(profile, client_key, client_salt)?;
        let server = MasterKey::new(profile, server_key, server_salt)?;
        Ok(match role {
            DtlsRole::Client => DtlsSrtpKeys {
                local: client,
                remote: server,
            },
            DtlsRole::Server => DtlsSrtpKeys {
                local: server,
                remote: client,
            },
        })
    }
}

/// Whether session keys are for SRTP or SRTCP (they use different PRF labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// RTP packets (labels 0x00, 0x01, 0x02).
    Srtp,
    /// RTCP packets (labels 0x03, 0x04, 0x05).
    Srtcp,
}

/// The session encryption key, salt and authentication key of one protocol and direction
/// (RFC 3711 §4.3). Zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKeys {
    profile: ProtectionProfile,
    encryption_key: [u8; MAX_KEY_LEN],
    salt: [u8; MAX_SALT_LEN],
    auth_key: [u8; MAX_AUTH_KEY_LEN],
}

impl SessionKeys {
    /// Session keys given directly, for keys derived elsewhere and for test vectors (the RFC 7714
    /// §16 and §17 vectors start from session keys). `auth_key` is empty for AEAD profiles.
    pub fn new(
        profile: ProtectionProfile,
        encryption_key: &[u8],
        salt: &[u8],
        auth_key: &[u8],
    ) -> Result<SessionKeys, Error> {
        let mut out = SessionKeys::zeroed(profile);
        copy_exact(&mut out.encryption_key, encryption_key, profile.key_len()).map_err(|got| {
            Error::KeyLength {
                expected: profile.key_len(),
                got,
            }
        })?;
        copy_exact(&mut out.salt, salt, profile.salt_len()).map_err(|got| Error::SaltLength {
            expected: profile.salt_len(),
            got,
        })?;
        copy_exact(&mut out.auth_key, auth_key, profile.auth_key_len()).map_err(|got| {
            Error::KeyLength {
                expected: profile.auth_key_len(),
                got,
            }
        })?;
        Ok(out)
    }

    /// Derives the session keys of `protocol` from `master` (RFC 3711 §4.3.1, key derivation
    /// rate 0; AES_256_CM_PRF of RFC 6188 §7 for 256-bit master keys).
    pub fn derive(
        provider: &CryptoProvider,
        master: &MasterKey,
        protocol: Protocol,
    ) -> Result<SessionKeys, Error> {
        let profile = master.profile;
        let prf = provider.aes_key(master.key())?;
        let (enc, auth, salt) = match protocol {
            Protocol::Srtp => (
                Label::RtpEncryption,
                Label::RtpAuthentication,
                Label::RtpSalt,
            ),
            Protocol::Srtcp => (
                Label::RtcpEncryption,
                Label::RtcpAuthentication,
                Label::RtcpSalt,
            ),
        };
        let mut out = SessionKeys::zeroed(profile);
        let master_salt = master.salt();
        if let Some(k) = out.encryption_key.get_mut(..profile.key_len()) {
            kdf::derive(&*prf, master_salt, enc, k);
        }
        if let Some(s) = out.salt.get_mut(..profile.salt_len()) {
            kdf::derive(&*prf, master_salt, salt, s);
        }
        if let Some(a) = out.auth_key.get_mut(..profile.auth_key_len()) {
            kdf::derive(&*prf, master_salt, auth, a);
        }
        Ok(out)
    }

    fn zeroed(profile: ProtectionProfile) -> SessionKeys {
        SessionKeys {
            profile,
            encryption_key: [0; MAX_KEY_LEN],
            salt: [0; MAX_SALT_LEN],
            auth_key: [0; MAX_AUTH_KEY_LEN],
        }
    }

    /// The profile these keys are for.
    pub fn profile(&self) -> ProtectionProfile {
        self.profile
    }

    /// The session encryption key `k_e`.
    pub fn encryption_key(&self) -> &[u8] {
        self.encryption_key
            .get(..self.profile.key_len())
            .unwrap_or(&[])
    }

    /// The session salt `k_s`.
    pub fn salt(&self) -> &[u8] {
        self.salt.get(..self.profile.salt_len()).unwrap_or(&[])
    }

    /// The session authentication key `k_a` (empty for AEAD profiles).
    pub fn auth_key(&self) -> &[u8] {
        self.auth_key
            .get(..self.profile.auth_key_len())
            .unwrap_or(&[])
    }
}

impl Drop for SessionKeys {
    fn drop(&mut self) {
        self.encryption_key.zeroize();
        self.salt.zeroize();
        self.auth_key.zeroize();
    }
}

impl core::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionKeys")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// Copies `src` into the front of `dst` if it is exactly `len` bytes; else returns its length.
fn copy_exact(dst: &mut [u8], src: &[u8], len: usize) -> Result<(), usize> {
    match dst.get_mut(..len) {
        Some(d) if src.len() == len => {
            d.copy_from_slice(src);
            Ok(())
        }
        _ => Err(src.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5764_4_2_keying_material_split_by_role() {
        let p = ProtectionProfile::Aes128CmHmacSha1_80;
        let km: Vec<u8> = (0..60).collect();
        let client = DtlsSrtpKeys::from_exporter(p, DtlsRole::Client, &km).unwrap();
        assert_eq!(client.local.key(), &km[0..16]);
        assert_eq!(client.remote.key(), &km[16..32]);
        assert_eq!(client.local.salt(), &km[32..46]);
        assert_eq!(client.remote.salt(), &km[46..60]);
        let server = DtlsSrtpKeys::from_exporter(p, DtlsRole::Server, &km).unwrap();
        assert_eq!(server.local, client.remote);
        assert_eq!(server.remote, client.local);
    }

    #[test]
    fn rfc5764_4_2_gcm_256_layout() {
        let p = ProtectionProfile::AeadAes256Gcm;
        let km: Vec<u8> = (0..88).collect();
        let keys = DtlsSrtpKeys::from_exporter(p, DtlsRole::Server, &km).unwrap();
        assert_eq!(keys.local.key(), &km[32..64]);
        assert_eq!(keys.local.salt(), &km[76..88]);
        assert_eq!(keys.remote.key(), &km[0..32]);
        assert_eq!(keys.remote.salt(), &km[64..76]);
    }

    #[test]
    fn rfc5764_4_2_wrong_length_is_an_error() {
        let p = ProtectionProfile::AeadAes128Gcm;
        assert_eq!(
            DtlsSrtpKeys::from_exporter(p, DtlsRole::Client, &[0; 60]),
            Err(Error::KeyingMaterialLength {
                expected: 56,
                got: 60
            })
        );
        assert_eq!(
            MasterKey::new(p, &[0; 16], &[0; 14]),
            Err(Error::SaltLength {
                expected: 12,
                got: 14
            })
        );
    }
}
