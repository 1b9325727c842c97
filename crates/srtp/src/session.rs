//! [`Session`]: both directions of one SRTP association, as DTLS-SRTP sets it up.

use sansrtc_crypto::CryptoProvider;

use crate::context::{Config, Inbound, Outbound};
use crate::keys::{DtlsRole, DtlsSrtpKeys, MasterKey};
use crate::{Error, ProtectionProfile};

/// Protects what this endpoint sends and unprotects what it receives.
///
/// Each direction has its own master key; per-SSRC state is created on demand (bounded by
/// [`Config::max_ssrcs`]). Every call works in the caller's buffer and allocates nothing per
/// packet (a `Vec` passed to `protect_*` grows only if it lacks capacity for the tag).
pub struct Session {
    outbound: Outbound,
    inbound: Inbound,
}

impl Session {
    /// A session sending with `local` and receiving with `remote` (same profile).
    pub fn new(
        provider: &CryptoProvider,
        local: &MasterKey,
        remote: &MasterKey,
        config: Config,
    ) -> Result<Session, Error> {
        Ok(Session {
            outbound: Outbound::new(provider, local, config.clone())?,
            inbound: Inbound::new(provider, remote, config)?,
        })
    }

    /// A session keyed from DTLS-SRTP (RFC 5764 §4.2): `keying_material` is the RFC 5705
    /// exporter output for label `"EXTRACTOR-dtls_srtp"` of
    /// [`ProtectionProfile::keying_material_len`] bytes, `profile` the negotiated `use_srtp`
    /// profile and `role` this endpoint's DTLS role.
    pub fn from_dtls_srtp(
        provider: &CryptoProvider,
        profile: ProtectionProfile,
        role: DtlsRole,
        keying_material: &[u8],
        config: Config,
    ) -> Result<Session, Error> {
        let keys = DtlsSrtpKeys::from_exporter(profile, role, keying_material)?;
        Session::new(provider, &keys.local, &keys.remote, config)
    }

    /// The protection profile.
    pub fn profile(&self) -> ProtectionProfile {
        self.outbound.profile()
    }

    /// See [`Outbound::protect_rtp`].
    pub fn protect_rtp(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        self.outbound.protect_rtp(buf)
    }

    /// See [`Outbound::protect_rtp_in_place`].
    pub fn protect_rtp_in_place(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        self.outbound.protect_rtp_in_place(buf, len)
    }

    /// See [`Outbound::protect_rtcp`].
    pub fn protect_rtcp(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        self.outbound.protect_rtcp(buf)
    }

    /// See [`Outbound::protect_rtcp_in_place`].
    pub fn protect_rtcp_in_place(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        self.outbound.protect_rtcp_in_place(buf, len)
    }

    /// See [`Inbound::unprotect_rtp`].
    pub fn unprotect_rtp(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.inbound.unprotect_rtp(buf)
    }

    /// See [`Inbound::unprotect_rtcp`].
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.inbound.unprotect_rtcp(buf)
    }

    /// The sending half.
    pub fn outbound(&mut self) -> &mut Outbound {
        &mut self.outbound
    }

    /// The receiving half.
    pub fn inbound(&mut self) -> &mut Inbound {
        &mut self.inbound
    }
}
