//! The SRTP cryptographic contexts of one direction (RFC 3711 §3.2): [`Outbound`] protects what
//! this endpoint sends, [`Inbound`] unprotects what it receives.
//!
//! A context holds the transforms keyed once from one master key (session keys do not depend on
//! the SSRC with a key derivation rate of 0), and a table of per-SSRC state created lazily: the
//! highest packet index and replay window for SRTP, the SRTCP index counter or replay window for
//! SRTCP.

use crate::header::{self, RTCP_FIXED_LEN, RTP_FIXED_LEN};
use crate::index::{self, SRTP_INDEX_LIMIT};
use crate::keys::{MasterKey, Protocol, SessionKeys};
use crate::replay::ReplayWindow;
use crate::srtcp::{self, INDEX_LEN, INDEX_MASK};
use crate::stream::{Slot, Streams};
use crate::transform::Transform;
use crate::{Error, ProtectionProfile};
use sansrtc_crypto::CryptoProvider;

/// The largest replay window: a packet more than 2^15 behind the highest one cannot be told
/// apart from one 2^16 - 2^15 ahead (RFC 3711 Appendix A), so a bigger window would never help.
pub const MAX_REPLAY_WINDOW: u32 = 1 << 15;

/// Which SSRCs an [`Inbound`] context accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SsrcPolicy {
    /// Any SSRC: its state is created by the first packet that authenticates (up to
    /// [`Config::max_ssrcs`]). A forged packet never creates state.
    #[default]
    Any,
    /// Only SSRCs registered with [`Inbound::add_ssrc`]; others fail with
    /// [`Error::UnknownSsrc`] before any crypto runs.
    Known,
}

/// Limits and policies of a context.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Replay window size in packets, for SRTP and SRTCP (RFC 3711 §3.3.2). Default 64 (the
    /// RFC's minimum); raised to 64 if smaller, lowered to [`MAX_REPLAY_WINDOW`] if larger.
    /// Video at high rates with reordering wants 1024 or more.
    pub replay_window: u32,
    /// The most SSRCs each table (SRTP and SRTCP, per direction) holds. Default 128.
    pub max_ssrcs: usize,
    /// Which inbound SSRCs get a context. Default [`SsrcPolicy::Any`].
    pub ssrc_policy: SsrcPolicy,
    /// Whether outbound SRTCP is encrypted (the E flag, RFC 3711 §3.4). Default true, and keep it
    /// for WebRTC: libsrtp (browsers) refuses authentication-only SRTCP under its default policy
    /// (tests/interop/srtp_libsrtp.rs). Inbound packets are accepted either way.
    pub encrypt_rtcp: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            replay_window: 64,
            max_ssrcs: 128,
            ssrc_policy: SsrcPolicy::Any,
            encrypt_rtcp: true,
        }
    }
}

impl Config {
    fn window(&self) -> u64 {
        u64::from(self.replay_window.min(MAX_REPLAY_WINDOW))
    }
}

/// Protects outgoing RTP and RTCP with one master key.
pub struct Outbound {
    profile: ProtectionProfile,
    rtp: Transform,
    rtcp: Transform,
    /// Per SSRC: the indices already used (protect never reuses one).
    rtp_streams: Streams<ReplayWindow>,
    /// Per SSRC: the next SRTCP index.
    rtcp_streams: Streams<u32>,
    config: Config,
}

/// Unprotects incoming SRTP and SRTCP with the peer's master key.
pub struct Inbound {
    profile: ProtectionProfile,
    rtp: Transform,
    rtcp: Transform,
    /// Per SSRC: the replay window, `None` until the first packet of a registered SSRC.
    rtp_streams: Streams<Option<ReplayWindow>>,
    rtcp_streams: Streams<Option<ReplayWindow>>,
    config: Config,
}

fn transforms(
    provider: &CryptoProvider,
    rtp: &SessionKeys,
    rtcp: &SessionKeys,
) -> Result<(ProtectionProfile, Transform, Transform), Error> {
    let profile = rtp.profile();
    if rtcp.profile() != profile {
        return Err(Error::KeyLength {
            expected: profile.key_len(),
            got: rtcp.profile().key_len(),
        });
    }
    let rtp = Transform::new(provider, rtp, profile.rtp_tag_len())?;
    let rtcp = Transform::new(provider, rtcp, profile.rtcp_tag_len())?;
    Ok((profile, rtp, rtcp))
}

fn derive(
    provider: &CryptoProvider,
    master: &MasterKey,
) -> Result<(SessionKeys, SessionKeys), Error> {
    Ok((
        SessionKeys::derive(provider, master, Protocol::Srtp)?,
        SessionKeys::derive(provider, master, Protocol::Srtcp)?,
    ))
}

impl Outbound {
    /// An outbound context for `master` (this endpoint's write key): derives the SRTP and SRTCP
    /// session keys (RFC 3711 §4.3) and runs their key schedules once.
    pub fn new(
        provider: &CryptoProvider,
        master: &MasterKey,
        config: Config,
    ) -> Result<Outbound, Error> {
        let (rtp, rtcp) = derive(provider, master)?;
        Outbound::from_session_keys(provider, &rtp, &rtcp, config)
    }

    /// An outbound context from session keys derived elsewhere (or given by test vectors).
    pub fn from_session_keys(
        provider: &CryptoProvider,
        rtp: &SessionKeys,
        rtcp: &SessionKeys,
        config: Config,
    ) -> Result<Outbound, Error> {
        let (profile, rtp, rtcp) = transforms(provider, rtp, rtcp)?;
        Ok(Outbound {
            profile,
            rtp,
            rtcp,
            rtp_streams: Streams::new(config.max_ssrcs),
            rtcp_streams: Streams::new(config.max_ssrcs),
            config,
        })
    }

    /// The protection profile.
    pub fn profile(&self) -> ProtectionProfile {
        self.profile
    }

    /// Protects the RTP packet in `buf` in place and appends the tag
    /// ([`ProtectionProfile::rtp_overhead`] bytes; reserve them to avoid a reallocation).
    ///
    /// The packet index is the sequence number extended by the rollover counter kept per SSRC
    /// (RFC 3711 §3.3.1), which follows wraps 65535 → 0 and tolerates reordered sends. An index
    /// is never used twice: protecting the same (SSRC, sequence number, ROC) again fails with
    /// [`Error::IndexReused`] (keep the protected copy for retransmission instead).
    ///
    /// On error `buf` is left as it was.
    pub fn protect_rtp(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        let len = buf.len();
        buf.resize(len + self.rtp.tag_len(), 0);
        match self.protect_rtp_in_place(buf, len) {
            Ok(_) => Ok(()),
            Err(e) => {
                buf.truncate(len);
                Err(e)
            }
        }
    }

    /// Protects the RTP packet in `buf[..len]`, writing the tag after it; returns the protected
    /// length. Fails with [`Error::BufferTooSmall`] if `buf` has no room for the tag.
    pub fn protect_rtp_in_place(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        let out_len = len.saturating_add(self.rtp.tag_len());
        let out = buf
            .get_mut(..out_len)
            .ok_or(Error::BufferTooSmall { needed: out_len })?;
        let header = header::rtp_header(out.get(..len).unwrap_or_default())?;
        let slot = self.rtp_streams.slot(header.ssrc);
        let index = match self.rtp_streams.get(slot) {
            Some(used) => {
                let index = index::estimate(used.top(), header.seq);
                used.check(index)
                    .map_err(|_| Error::IndexReused { index })?;
                index
            }
            None => {
                self.rtp_streams.check_room(header.ssrc)?;
                u64::from(header.seq)
            }
        };
        if index >= SRTP_INDEX_LIMIT {
            return Err(Error::KeyExhausted);
        }
        self.rtp.protect_rtp(out, header.len, header.ssrc, index)?;
        match self.rtp_streams.get_mut(slot) {
            Some(used) => used.accept(index),
            None => self.rtp_streams.put(
                slot,
                header.ssrc,
                ReplayWindow::new(self.config.window(), index),
            )?,
        }
        Ok(out_len)
    }

    /// Protects the RTCP compound packet in `buf` in place, appending the E flag, SRTCP index
    /// and tag ([`ProtectionProfile::rtcp_overhead`] bytes). The SRTCP index counts packets
    /// per sender SSRC from 0 (RFC 3711 §3.4). On error `buf` is left as it was.
    pub fn protect_rtcp(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        let len = buf.len();
        buf.resize(len + self.profile.rtcp_overhead(), 0);
        match self.protect_rtcp_in_place(buf, len) {
            Ok(_) => Ok(()),
            Err(e) => {
                buf.truncate(len);
                Err(e)
            }
        }
    }

    /// Protects the RTCP packet in `buf[..len]`, writing the trailer after it; returns the
    /// protected length.
    pub fn protect_rtcp_in_place(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        let out_len = len.saturating_add(self.profile.rtcp_overhead());
        let out = buf
            .get_mut(..out_len)
            .ok_or(Error::BufferTooSmall { needed: out_len })?;
        let ssrc = header::rtcp_sender_ssrc(out.get(..len).unwrap_or_default())?;
        let slot = self.rtcp_streams.slot(ssrc);
        let index = match self.rtcp_streams.get(slot) {
            Some(next) => *next,
            None => {
                self.rtcp_streams.check_room(ssrc)?;
                0
            }
        };
        if index > INDEX_MASK {
            return Err(Error::KeyExhausted);
        }
        self.rtcp
            .protect_rtcp(out, ssrc, index, self.config.encrypt_rtcp)?;
        self.rtcp_streams.put(slot, ssrc, index + 1)?;
        Ok(out_len)
    }

    /// Forgets an SSRC's state (a stream that ended). Its indices must still never be reused
    /// with this key: only remove an SSRC that will not send again.
    pub fn remove_ssrc(&mut self, ssrc: u32) {
        self.rtp_streams.remove(ssrc);
        self.rtcp_streams.remove(ssrc);
    }

    /// The rollover counter of `ssrc`'s highest protected packet, if it has sent any
    /// (for signalling, e.g. RFC 4771).
    pub fn roc(&self, ssrc: u32) -> Option<u32> {
        let slot = self.rtp_streams.slot(ssrc);
        self.rtp_streams.get(slot).map(|w| index::roc(w.top()))
    }
}

impl Inbound {
    /// An inbound context for `master` (the peer's write key): derives the SRTP and SRTCP
    /// session keys (RFC 3711 §4.3) and runs their key schedules once.
    pub fn new(
        provider: &CryptoProvider,
        master: &MasterKey,
        config: Config,
    ) -> Result<Inbound, Error> {
        let (rtp, rtcp) = derive(provider, master)?;
        Inbound::from_session_keys(provider, &rtp, &rtcp, config)
    }

    /// An inbound context from session keys derived elsewhere (or given by test vectors).
    pub fn from_session_keys(
        provider: &CryptoProvider,
        rtp: &SessionKeys,
        rtcp: &SessionKeys,
        config: Config,
    ) -> Result<Inbound, Error> {
        let (profile, rtp, rtcp) = transforms(provider, rtp, rtcp)?;
        Ok(Inbound {
            profile,
            rtp,
            rtcp,
            rtp_streams: Streams::new(config.max_ssrcs),
            rtcp_streams: Streams::new(config.max_ssrcs),
            config,
        })
    }

    /// The protection profile.
    pub fn profile(&self) -> ProtectionProfile {
        self.profile
    }

    /// Registers an SSRC (needed with [`SsrcPolicy::Known`]) for SRTP and SRTCP. Its first
    /// packet is taken to have ROC 0 (RFC 3711 §3.3.1).
    pub fn add_ssrc(&mut self, ssrc: u32) -> Result<(), Error> {
        for streams in [&mut self.rtp_streams, &mut self.rtcp_streams] {
            let slot = streams.slot(ssrc);
            if let Slot::Vacant(_) = slot {
                streams.put(slot, ssrc, None)?;
            }
        }
        Ok(())
    }

    /// Forgets an SSRC's state.
    pub fn remove_ssrc(&mut self, ssrc: u32) {
        self.rtp_streams.remove(ssrc);
        self.rtcp_streams.remove(ssrc);
    }

    /// The rollover counter of `ssrc`'s highest accepted packet.
    pub fn roc(&self, ssrc: u32) -> Option<u32> {
        let slot = self.rtp_streams.slot(ssrc);
        self.rtp_streams
            .get(slot)
            .and_then(Option::as_ref)
            .map(|w| index::roc(w.top()))
    }

    /// Verifies and decrypts the SRTP packet in `buf` in place (RFC 3711 §3.3, RFC 7714 §5.2.2).
    /// Returns the length of the RTP packet, which is `buf[..len]` (the tag is stripped; the RTP
    /// header is left as it was).
    ///
    /// The packet index is estimated from the sequence number (RFC 3711 Appendix A), checked
    /// against the replay window (§3.3.2), and only after the tag verifies does it update the
    /// rollover counter and the window. A failed packet changes nothing.
    pub fn unprotect_rtp(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let tag_len = self.rtp.tag_len();
        let min = RTP_FIXED_LEN + tag_len;
        let packet_len = buf
            .len()
            .checked_sub(tag_len)
            .filter(|_| buf.len() >= min)
            .ok_or(Error::TooShort {
                len: buf.len(),
                min,
            })?;
        let header = header::rtp_header(buf.get(..packet_len).unwrap_or_default())?;
        let slot = self.rtp_streams.slot(header.ssrc);
        let index = match self.rtp_streams.get(slot) {
            Some(Some(window)) => {
                let index = index::estimate(window.top(), header.seq);
                window.check(index)?;
                index
            }
            Some(None) => u64::from(header.seq),
            None => {
                self.admit(header.ssrc, Protocol::Srtp)?;
                u64::from(header.seq)
            }
        };
        if index >= SRTP_INDEX_LIMIT {
            return Err(Error::KeyExhausted);
        }
        let len = self
            .rtp
            .unprotect_rtp(buf, header.len, header.ssrc, index)?;
        self.record(Protocol::Srtp, slot, header.ssrc, index)?;
        Ok(len)
    }

    /// Verifies and, if its E flag is set, decrypts the SRTCP packet in `buf` in place
    /// (RFC 3711 §3.4, RFC 7714 §9). Returns the length of the RTCP compound packet in
    /// `buf[..len]` (SRTCP index and tag stripped).
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let min = RTCP_FIXED_LEN + INDEX_LEN + self.rtcp.tag_len();
        if buf.len() < min {
            return Err(Error::TooShort {
                len: buf.len(),
                min,
            });
        }
        let ssrc = header::rtcp_sender_ssrc(buf)?;
        let word = self
            .rtcp
            .esrtcp_offset(buf.len())
            .and_then(|offset| srtcp::read_word(buf, offset))
            .ok_or(Error::TooShort {
                len: buf.len(),
                min,
            })?;
        let index = u64::from(word & INDEX_MASK);
        let slot = self.rtcp_streams.slot(ssrc);
        match self.rtcp_streams.get(slot) {
            Some(Some(window)) => window.check(index)?,
            Some(None) => {}
            None => self.admit(ssrc, Protocol::Srtcp)?,
        }
        let len = self.rtcp.unprotect_rtcp(buf, ssrc, word)?;
        self.record(Protocol::Srtcp, slot, ssrc, index)?;
        Ok(len)
    }

    /// May a packet from an SSRC without state be tried?
    fn admit(&self, ssrc: u32, protocol: Protocol) -> Result<(), Error> {
        if self.config.ssrc_policy == SsrcPolicy::Known {
            return Err(Error::UnknownSsrc { ssrc });
        }
        self.streams(protocol).check_room(ssrc)
    }

    /// Records an authenticated packet's index.
    fn record(
        &mut self,
        protocol: Protocol,
        slot: Slot,
        ssrc: u32,
        index: u64,
    ) -> Result<(), Error> {
        let size = self.config.window();
        let streams = match protocol {
            Protocol::Srtp => &mut self.rtp_streams,
            Protocol::Srtcp => &mut self.rtcp_streams,
        };
        match streams.get_mut(slot) {
            Some(Some(window)) => window.accept(index),
            Some(state) => *state = Some(ReplayWindow::new(size, index)),
            None => streams.put(slot, ssrc, Some(ReplayWindow::new(size, index)))?,
        }
        Ok(())
    }

    fn streams(&self, protocol: Protocol) -> &Streams<Option<ReplayWindow>> {
        match protocol {
            Protocol::Srtp => &self.rtp_streams,
            Protocol::Srtcp => &self.rtcp_streams,
        }
    }
}
