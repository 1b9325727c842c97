//! [`Peer`]: one WebRTC connection, composed of the protocol crates.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use sansrtc_dtls::{Certificate, Dtls, Fingerprint};
use sansrtc_ice::{Agent, AgentConfig, Credentials, Received};
use sansrtc_sctp::{ChannelEvent, DataChannels, DtlsRole as SctpRole};
use sansrtc_sdp::{Origin, SessionDescription, Setup};
use sansrtc_srtp::{DtlsRole as SrtpRole, ProtectionProfile, Session as SrtpSession};

use crate::channel::{ChannelConfig, ChannelId, ChannelInfo, ChannelState, Channels, Entry};
use crate::config::{AnswerSetup, Config};
use crate::demux::{Kind, classify};
use crate::event::{ConnectionState, Event, LocalCandidate, Transmit};
use crate::jsep::{self, LocalTransport, RemoteTransport, Section, SectionKind};
use crate::media::Media;
use crate::media::types::{
    MediaKind, TestLoss, TransceiverConfig, TransceiverId, TransceiverInfo, TransceiverStats,
};
use crate::{Error, Stats};

/// Largest datagram kept while waiting for the remote description.
const MAX_EARLY_DATAGRAM: usize = 2048;
/// Datagrams DTLS may still send after close (close_notify, a fatal alert, an SCTP ABORT).
const MAX_FINAL_DATAGRAMS: usize = 8;

/// Where the offer/answer exchange is (RFC 9429 §3.2, without renegotiation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signaling {
    /// Nothing created or received.
    Fresh,
    /// We made an offer and wait for the answer.
    HaveLocalOffer,
    /// Offer and answer done.
    Stable,
}

/// How the connection ended.
enum End {
    /// [`Peer::close`].
    Local,
    /// The peer sent close_notify.
    Remote,
    /// A failure.
    Failed(Error),
}

/// One WebRTC peer connection: JSEP offer/answer, ICE, DTLS (with DTLS-SRTP keys), SCTP data
/// channels, and the RFC 7983 demultiplexer in front of them.
///
/// # Driving it
/// Like every sansrtc state machine (docs/architecture.md): feed every datagram the sockets of
/// the host addresses receive to [`handle_datagram`](Self::handle_datagram), call
/// [`handle_timeout`](Self::handle_timeout) when [`poll_timeout`](Self::poll_timeout) is
/// reached, and after any call drain [`poll_transmit`](Self::poll_transmit) until `None`, then
/// [`poll_event`](Self::poll_event) until `None`. Application calls (offer/answer, candidates,
/// channels, `send`) are plain methods.
///
/// # What happens when
/// - ICE starts checks as soon as both credentials are known; DTLS starts on the first valid
///   candidate pair (RFC 8445 §12.1 allows data before nomination), SCTP the moment DTLS is
///   connected and the peer certificate matched its `a=fingerprint`, and DCEP opens the
///   channels created before with the first packets after the SCTP handshake. No waits in
///   between.
/// - The offerer is the ICE controlling agent (unless the peer is ICE-lite), the DTLS role
///   follows `a=setup` (offer `actpass`, answer `active` by default, RFC 8842).
pub struct Peer {
    config: Config,
    certificate: Arc<Certificate>,
    /// Secrets (ICE credentials and tie-breaker, DTLS randoms, SCTP cookie secret) are drawn
    /// from this generator, seeded from the caller's `CryptoRng`.
    rng: ChaCha20Rng,
    credentials: Credentials,
    origin: Origin,
    signaling: Signaling,
    /// We made the offer (false: we answered, or nothing yet).
    offerer: bool,
    sections: Vec<Section>,
    /// The m= section carrying the transport (the tagged one of the BUNDLE group).
    transport_index: usize,
    /// The data channels' m= section, when one is negotiated (or offered).
    data_index: Option<usize>,
    /// Audio and video.
    media: Media,
    local_setup: Setup,
    remote: Option<RemoteTransport>,
    host_addresses: Vec<SocketAddr>,
    ice: Option<Agent>,
    /// The agent's state.
    ice_state: sansrtc_ice::ConnectionState,
    /// The state last reported in [`Event::IceState`] (W3C semantics, see `pump_ice`).
    reported_ice_state: sansrtc_ice::ConnectionState,
    gathering_complete: bool,
    dtls: Option<Dtls>,
    dtls_role: Option<sansrtc_dtls::Role>,
    /// DTLS was given time (the client sent its ClientHello): a data path existed.
    dtls_started: bool,
    sctp: Option<DataChannels>,
    srtp: Option<SrtpSession>,
    channels: Channels,
    /// DTLS datagrams received before DTLS existed (before the remote description).
    early: VecDeque<(SocketAddr, Vec<u8>)>,
    /// Datagrams written at close, sent before anything else.
    final_out: VecDeque<(Transmit, Vec<u8>)>,
    events: VecDeque<Event>,
    state: ConnectionState,
    failure: Option<Error>,
    closed: bool,
    stats: Stats,
    /// One decrypted DTLS record (an SCTP packet) at a time; swapped with DTLS's buffers.
    rx_buf: Vec<u8>,
    /// One outgoing SCTP packet at a time.
    sctp_buf: Vec<u8>,
    /// A DTLS datagram on its way into a TURN relay.
    relay_buf: Vec<u8>,
    /// Each SRTP/SRTCP packet is unprotected here, then handed to the media pipeline.
    srtp_buf: Vec<u8>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("state", &self.state)
            .field("signaling", &self.signaling)
            .field("dtls_role", &self.dtls_role)
            .field("channels", &self.channels.len())
            .finish_non_exhaustive()
    }
}

impl Peer {
    /// A new peer. `rng` supplies every secret (the certificate key when none is configured,
    /// ICE credentials, DTLS randoms and keys, the SCTP cookie secret): pass `OsRng` in
    /// production and a seeded `ChaCha20Rng` in tests.
    pub fn new<R: RngCore + CryptoRng>(config: Config, rng: &mut R) -> Result<Self, Error> {
        let mut rng = ChaCha20Rng::from_rng(rng).map_err(|_| Error::Random)?;
        let certificate = match &config.certificate {
            Some(c) => Arc::clone(c),
            None => Arc::new(
                Certificate::generate(&config.crypto, &mut rng, "sansrtc")
                    .map_err(Error::DtlsSetup)?,
            ),
        };
        let credentials = Credentials::random(&mut rng);
        let origin = Origin {
            // RFC 9429 §5.2.1: a 64-bit id below 2^63; RFC 8866 §5.2: a version.
            session_id: splitmix64(config.seed) >> 1,
            session_version: 2,
            ..Origin::default()
        };
        let media = Media::new(config.media.clone(), config.seed, config.mtu);
        Ok(Self {
            host_addresses: config.host_addresses.clone(),
            config,
            certificate,
            rng,
            credentials,
            origin,
            signaling: Signaling::Fresh,
            offerer: false,
            sections: Vec::new(),
            transport_index: 0,
            data_index: None,
            media,
            local_setup: Setup::ActPass,
            remote: None,
            ice: None,
            ice_state: sansrtc_ice::ConnectionState::New,
            reported_ice_state: sansrtc_ice::ConnectionState::New,
            gathering_complete: false,
            dtls: None,
            dtls_role: None,
            dtls_started: false,
            sctp: None,
            srtp: None,
            channels: Channels::default(),
            early: VecDeque::new(),
            final_out: VecDeque::new(),
            events: VecDeque::new(),
            state: ConnectionState::New,
            failure: None,
            closed: false,
            stats: Stats::default(),
            rx_buf: Vec::new(),
            sctp_buf: Vec::new(),
            relay_buf: Vec::new(),
            srtp_buf: Vec::new(),
        })
    }

    // --------------------------------------------------------------------------------------
    // Offer/answer

    /// Creates the offer (RFC 9429 §5.2.1): one bundled data section with our ICE credentials,
    /// the candidates gathered so far, `a=ice-options:trickle`, our fingerprint and
    /// `a=setup:actpass`. Starts ICE as the controlling agent. Calling it again before the
    /// answer returns the same offer with the candidates gathered since.
    pub fn create_offer(&mut self, now: Instant) -> Result<SessionDescription, Error> {
        self.check_open()?;
        match self.signaling {
            Signaling::Fresh => {
                // Media sections in the order the transceivers were added, then the data
                // section (always offered, so channels can open later without renegotiation).
                let mut taken = Vec::new();
                let mut sections: Vec<Section> = self
                    .media
                    .prepare_offer(&mut taken)
                    .into_iter()
                    .map(|(id, mid)| Section {
                        mid: Some(mid),
                        kind: SectionKind::Media(id),
                        bundled: true,
                    })
                    .collect();
                let data_mid = (0..)
                    .map(|n: u32| n.to_string())
                    .find(|m| !taken.contains(m))
                    .unwrap_or_default();
                sections.push(Section {
                    mid: Some(data_mid),
                    kind: SectionKind::Data,
                    bundled: true,
                });
                self.data_index = Some(sections.len() - 1);
                self.sections = sections;
                self.transport_index = 0;
                self.local_setup = Setup::ActPass;
                self.start_ice(now, sansrtc_ice::Role::Controlling);
                self.signaling = Signaling::HaveLocalOffer;
                self.offerer = true;
            }
            Signaling::HaveLocalOffer => {}
            Signaling::Stable => {
                return Err(Error::SignalingState("renegotiation is not supported yet"));
            }
        }
        self.drive(now);
        self.local_description()
            .ok_or(Error::SignalingState("no local description"))
    }

    /// Accepts a remote offer and returns our answer (RFC 9429 §5.3.1). The first data section
    /// and every audio and video section with a format we share are accepted, on the transport
    /// of the tagged section (the first accepted mid of the offer's BUNDLE group, RFC 9143
    /// §7.3.1); the others are rejected with port 0. Audio and video sections are answered by
    /// the transceivers added with [`add_transceiver`](Self::add_transceiver) before (the first
    /// unused one of the same kind), or by new ones made from [`Config::media`]
    /// ([`Event::Track`] for each that receives). ICE starts as the controlled agent
    /// (controlling if the offerer is ICE-lite), DTLS in the role our `a=setup` gives.
    ///
    /// A malformed or unusable offer is an error and leaves the peer unchanged.
    pub fn accept_offer(&mut self, now: Instant, offer: &str) -> Result<SessionDescription, Error> {
        self.check_open()?;
        if self.signaling != Signaling::Fresh {
            return Err(Error::SignalingState(
                "an offer can only be accepted by a fresh peer (no renegotiation yet)",
            ));
        }
        let sdp = SessionDescription::parse(offer)?;
        let media = &self.media;
        let remote = jsep::read_offer(&sdp, |m, claimed, new| media.plan_section(m, claimed, new))?;
        let local_setup = match (remote.transport.setup, self.config.answer_setup) {
            (Setup::ActPass, AnswerSetup::Active) | (Setup::Passive, _) => Setup::Active,
            (Setup::ActPass, AnswerSetup::Passive) | (Setup::Active, _) => Setup::Passive,
            (Setup::HoldConn, _) => return Err(Error::InvalidDescription("a=setup:holdconn")),
        };
        let dtls = self.new_dtls(local_setup, &remote.transport)?;
        // Nothing failed: from here on the offer is applied.
        self.local_setup = local_setup;
        let mut sections = remote.sections;
        let ids = self.media.apply_offer(remote.plans);
        for (section, id) in sections
            .iter_mut()
            .filter(|s| matches!(s.kind, SectionKind::Media(_)))
            .zip(ids)
        {
            section.kind = SectionKind::Media(id);
        }
        self.sections = sections;
        self.transport_index = remote.transport_index;
        self.data_index = remote.data_index;
        self.start_ice(now, sansrtc_ice::Role::Controlled);
        self.signaling = Signaling::Stable;
        self.apply_remote(now, remote.transport, dtls);
        self.drive(now);
        self.local_description()
            .ok_or(Error::SignalingState("no local description"))
    }

    /// Accepts the answer to our offer: at least one section must be accepted; the transport's
    /// `a=setup` must be `active` (we are the DTLS server) or `passive` (we are the client).
    /// Media sections take the answer's formats, extensions and direction; a rejected one
    /// stops its transceiver.
    ///
    /// A malformed or unusable answer is an error and leaves the peer waiting for an answer.
    pub fn accept_answer(&mut self, now: Instant, answer: &str) -> Result<(), Error> {
        self.check_open()?;
        if self.signaling != Signaling::HaveLocalOffer {
            return Err(Error::SignalingState("no offer to answer"));
        }
        let sdp = SessionDescription::parse(answer)?;
        let answered = jsep::read_answer(&sdp, &self.sections)?;
        let transport = answered.transport;
        let dtls = self.new_dtls(self.local_setup, &transport)?;
        self.signaling = Signaling::Stable;
        self.transport_index = answered.transport_index;
        if !answered.data_accepted
            && let Some(i) = self.data_index.take()
            && let Some(s) = self.sections.get_mut(i)
        {
            s.kind = SectionKind::Rejected {
                media: sansrtc_sdp::MediaKind::Application,
                protocol: std::borrow::Cow::Borrowed(sansrtc_sdp::Media::PROTO_SCTP),
                formats: vec![std::borrow::Cow::Borrowed(jsep::DATACHANNEL_FORMAT)],
            };
        }
        let sections = &self.sections;
        self.media.apply_answer(|mid| {
            let i = sections
                .iter()
                .position(|s| s.mid.as_deref() == Some(mid))?;
            sdp.media.get(i)
        });
        self.apply_remote(now, transport, dtls);
        self.drive(now);
        Ok(())
    }

    /// Our current description (offer or answer) with every candidate gathered so far, and
    /// `a=end-of-candidates` once gathering is complete: what non-trickle signalling sends
    /// after [`Event::GatheringComplete`]. `None` before `create_offer`/`accept_offer`.
    pub fn local_description(&self) -> Option<SessionDescription> {
        let ice = self.ice.as_ref()?;
        let candidates = ice.local_candidates();
        let creds = ice.local_credentials();
        // RFC 9429 §5.3.1: an answer has a=ice-options:trickle only if the offer had it.
        let trickle = match (&self.remote, self.offerer) {
            (Some(r), false) => r.trickle,
            _ => true,
        };
        let transport = LocalTransport {
            ufrag: &creds.ufrag,
            pwd: &creds.pwd,
            fingerprint: self.certificate.fingerprint(),
            setup: self.local_setup,
            candidates: &candidates,
            end_of_candidates: self.gathering_complete,
            trickle,
            max_message_size: self.config.max_message_size,
        };
        Some(jsep::build(
            &self.origin,
            &self.sections,
            &transport,
            &self.media,
            self.transport_index,
        ))
    }

    /// Adds a remote candidate trickled by the peer (RFC 8838 §11): the
    /// `RTCIceCandidate.candidate` string (`candidate:...`, or the bare value) with its
    /// `sdpMid`. An empty string is end-of-candidates (RFC 8838 §13). Candidates for another
    /// m= section than the bundle transport's are ignored (RFC 9143: that transport goes away).
    pub fn add_remote_candidate(
        &mut self,
        now: Instant,
        candidate: &str,
        mid: Option<&str>,
    ) -> Result<(), Error> {
        self.check_open()?;
        if self.remote.is_none() {
            return Err(Error::SignalingState(
                "remote candidates need the remote description first",
            ));
        }
        if let (Some(mid), Some(transport)) = (mid, self.transport_mid())
            && mid != transport
        {
            return Ok(());
        }
        let trimmed = candidate.trim();
        let Some(ice) = self.ice.as_mut() else {
            return Err(Error::SignalingState("ICE has not started"));
        };
        if trimmed.is_empty() || trimmed == "end-of-candidates" {
            ice.add_remote_end_of_candidates(now);
        } else {
            let parsed: sansrtc_sdp::Candidate = trimmed.parse()?;
            ice.add_remote_candidate(now, &parsed)
                .map_err(Error::Candidate)?;
        }
        self.drive(now);
        Ok(())
    }

    /// The peer signalled end-of-candidates (`a=end-of-candidates` or the `null` candidate).
    pub fn add_remote_end_of_candidates(&mut self, now: Instant) -> Result<(), Error> {
        self.add_remote_candidate(now, "", None)
    }

    /// The answer to [`Event::ResolveMdns`]: the remote candidates with this `.local` name get
    /// `ip`, or are dropped with `None`.
    pub fn mdns_resolved(&mut self, now: Instant, name: &str, ip: Option<std::net::IpAddr>) {
        if self.is_terminal() {
            return;
        }
        if let Some(ice) = self.ice.as_mut() {
            ice.mdns_resolved(now, name, ip);
        }
        self.drive(now);
    }

    /// Adds a host candidate: a local address a socket of the caller is bound to.
    pub fn add_local_candidate(&mut self, now: Instant, address: SocketAddr) -> Result<(), Error> {
        self.check_open()?;
        if address.ip().is_unspecified() || address.port() == 0 {
            return Err(Error::LocalAddress(sansrtc_ice::Error::InvalidHostAddress));
        }
        match self.ice.as_mut() {
            Some(ice) => ice
                .add_host_address(now, address)
                .map_err(Error::LocalAddress)?,
            None => {
                if !self.host_addresses.contains(&address) {
                    self.host_addresses.push(address);
                }
            }
        }
        self.drive(now);
        Ok(())
    }

    // --------------------------------------------------------------------------------------
    // Data channels

    /// Creates a data channel (RTCPeerConnection.createDataChannel). Before SCTP is up the
    /// channel waits and is opened (DATA_CHANNEL_OPEN, RFC 8832 §6, or directly for a
    /// negotiated one) as soon as the association is; [`Event::ChannelOpen`] tells when
    /// messages can be sent.
    pub fn create_channel(
        &mut self,
        now: Instant,
        config: ChannelConfig,
    ) -> Result<ChannelId, Error> {
        self.check_open()?;
        if let Some(stream) = config.negotiated {
            if stream == u16::MAX {
                return Err(Error::Sctp(sansrtc_sctp::Error::InvalidStream(stream)));
            }
            let taken = self
                .channels
                .iter()
                .any(|(_, e)| e.stream == Some(stream) || e.config.negotiated == Some(stream));
            if taken {
                return Err(Error::Sctp(sansrtc_sctp::Error::ChannelIdInUse(stream)));
            }
        }
        let stream = match self.sctp.as_mut() {
            Some(sctp) => Some(sctp.create_channel(now, config.clone())?),
            None => None,
        };
        let id = self.channels.insert(Entry {
            config,
            locally_created: true,
            stream,
            state: ChannelState::Connecting,
            stats: Default::default(),
            low_threshold: 0,
        });
        Ok(id)
    }

    /// What we know about a channel.
    pub fn channel(&self, id: ChannelId) -> Option<ChannelInfo> {
        self.channels.get(id).map(Entry::info)
    }

    /// Every channel that is not closed.
    pub fn channel_ids(&self) -> Vec<ChannelId> {
        self.channels.ids().collect()
    }

    /// Sends a WebRTC String message.
    pub fn send_text(&mut self, now: Instant, id: ChannelId, text: &str) -> Result<(), Error> {
        self.send(now, id, false, Bytes::copy_from_slice(text.as_bytes()))
    }

    /// Sends a WebRTC Binary message.
    pub fn send_binary(&mut self, now: Instant, id: ChannelId, data: &[u8]) -> Result<(), Error> {
        self.send(now, id, true, Bytes::copy_from_slice(data))
    }

    /// Sends a message without copying it: `binary` picks WebRTC Binary or String. The channel
    /// must be open; the message at most the peer's `a=max-message-size`.
    pub fn send(
        &mut self,
        now: Instant,
        id: ChannelId,
        binary: bool,
        data: Bytes,
    ) -> Result<(), Error> {
        self.check_open()?;
        let entry = self.channels.get_mut(id).ok_or(Error::UnknownChannel)?;
        let (ChannelState::Open, Some(stream)) = (entry.state, entry.stream) else {
            return Err(Error::ChannelNotOpen);
        };
        let max = self
            .remote
            .as_ref()
            .map_or(jsep::DEFAULT_REMOTE_MAX_MESSAGE_SIZE, |r| {
                r.max_message_size
            });
        if data.len() > max {
            return Err(Error::MessageTooLarge {
                size: data.len(),
                max,
            });
        }
        let sctp = self.sctp.as_mut().ok_or(Error::ChannelNotOpen)?;
        let len = data.len() as u64;
        sctp.send(now, stream, binary, data)?;
        entry.stats.messages_sent += 1;
        entry.stats.bytes_sent += len;
        Ok(())
    }

    /// Closes a channel (RFC 8831 §6.7: after the messages already queued on it).
    pub fn close_channel(&mut self, now: Instant, id: ChannelId) -> Result<(), Error> {
        let entry = self.channels.get_mut(id).ok_or(Error::UnknownChannel)?;
        match (entry.stream, self.sctp.as_mut()) {
            (Some(stream), Some(sctp)) => {
                entry.state = ChannelState::Closing;
                sctp.close_channel(now, stream)?;
            }
            _ => {
                self.channels.remove(id);
                self.push_event(Event::ChannelClosing(id));
                self.push_event(Event::ChannelClosed(id));
            }
        }
        Ok(())
    }

    /// Bytes queued on the channel and not yet sent (RTCDataChannel.bufferedAmount).
    pub fn buffered_amount(&self, id: ChannelId) -> usize {
        match (self.channels.get(id).and_then(|e| e.stream), &self.sctp) {
            (Some(stream), Some(sctp)) => sctp.buffered_amount(stream),
            _ => 0,
        }
    }

    /// Sets the threshold of [`Event::BufferedAmountLow`]
    /// (RTCDataChannel.bufferedAmountLowThreshold).
    pub fn set_buffered_amount_low_threshold(&mut self, id: ChannelId, threshold: usize) {
        let Some(entry) = self.channels.get_mut(id) else {
            return;
        };
        entry.low_threshold = threshold;
        if let (Some(stream), Some(sctp)) = (entry.stream, self.sctp.as_mut()) {
            sctp.set_buffered_amount_low_threshold(stream, threshold);
        }
    }

    // --------------------------------------------------------------------------------------
    // Media

    /// Adds a transceiver (RTCPeerConnection.addTransceiver): an audio or video m= section of
    /// our next offer, or the answer to the first offered section of its kind when we answer.
    /// Must be called before [`create_offer`](Self::create_offer) or
    /// [`accept_offer`](Self::accept_offer) (no renegotiation yet).
    pub fn add_transceiver(&mut self, config: TransceiverConfig) -> Result<TransceiverId, Error> {
        self.check_open()?;
        if self.signaling != Signaling::Fresh {
            return Err(Error::SignalingState(
                "transceivers must be added before the offer (no renegotiation yet)",
            ));
        }
        Ok(self.media.add_transceiver(config))
    }

    /// A `sendrecv` transceiver of `kind` with the default formats (RTCPeerConnection.addTrack
    /// without a track object: frames are written with [`write_frame`](Self::write_frame)).
    pub fn add_track(&mut self, kind: MediaKind) -> Result<TransceiverId, Error> {
        self.add_transceiver(TransceiverConfig::new(kind))
    }

    /// Every transceiver, in creation order.
    pub fn transceivers(&self) -> Vec<TransceiverId> {
        self.media.transceiver_ids()
    }

    /// What we know about a transceiver: mid, directions, negotiated formats.
    pub fn transceiver(&self, id: TransceiverId) -> Option<TransceiverInfo> {
        self.media.info(id)
    }

    /// The transceiver of the m= section with this mid.
    pub fn transceiver_by_mid(&self, mid: &str) -> Option<TransceiverId> {
        self.media.by_mid(mid)
    }

    /// Sends one encoded frame on a transceiver: `timestamp` is its RTP timestamp in the clock
    /// rate of the negotiated format (90 kHz for video, 48 kHz for Opus, 8 kHz for G.711; a
    /// random offset is added). The frame is packetized at once (RTP packets of at most
    /// [`Config::mtu`] bytes with SRTP) and paced out by
    /// [`poll_transmit`](Self::poll_transmit); it is kept for retransmission. The format is
    /// [`TransceiverInfo::codecs`]`[0]`.
    ///
    /// Errors: [`Error::MediaNotReady`] before DTLS-SRTP is up, [`Error::NotSending`] if the
    /// negotiated direction does not send, [`Error::MediaQueueFull`] when the pacer holds
    /// [`MediaConfig::max_send_queue`](crate::MediaConfig) bytes (drop the frame and follow the
    /// bandwidth estimate), [`Error::Rtp`] for a frame the payload format cannot carry.
    pub fn write_frame(
        &mut self,
        now: Instant,
        id: TransceiverId,
        timestamp: u32,
        frame: &[u8],
    ) -> Result<(), Error> {
        self.check_open()?;
        if !self.media_path() {
            return Err(Error::MediaNotReady);
        }
        self.media.write_frame(now, id, timestamp, frame)
    }

    /// As [`write_frame`](Self::write_frame), with the frame's media time (since the start of
    /// the stream) converted to the format's clock rate.
    pub fn write_frame_at(
        &mut self,
        now: Instant,
        id: TransceiverId,
        media_time: std::time::Duration,
        frame: &[u8],
    ) -> Result<(), Error> {
        let rate = self
            .media
            .info(id)
            .and_then(|t| t.codecs.first().map(|c| c.clock_rate))
            .ok_or(Error::NotSending)?;
        let ts = (media_time.as_nanos() * u128::from(rate) / 1_000_000_000) as u32;
        self.write_frame(now, id, ts, frame)
    }

    /// Asks the remote sender on this transceiver for a key frame (sends a PLI, RFC 4585
    /// §6.3.1). The receive pipeline does this by itself after a loss it cannot repair.
    pub fn request_keyframe(&mut self, now: Instant, id: TransceiverId) -> Result<(), Error> {
        self.check_open()?;
        self.media.request_keyframe(now, id)
    }

    /// Statistics of a transceiver: what it sends and each source it receives.
    pub fn transceiver_stats(&self, id: TransceiverId) -> Option<TransceiverStats> {
        self.media.stats(id)
    }

    /// The send-side bandwidth estimate in bits per second (also reported by
    /// [`Event::BandwidthEstimate`]), once feedback arrived.
    pub fn bandwidth_estimate(&self) -> Option<u64> {
        self.media.bandwidth_estimate()
    }

    /// The wall clock for RTCP sender reports: `now` is `since_unix_epoch` after 1970 (without
    /// it, NTP times start at an arbitrary epoch; only lip sync across streams uses them).
    pub fn set_ntp_time(&mut self, now: Instant, since_unix_epoch: std::time::Duration) {
        self.media.set_ntp_time(now, since_unix_epoch);
    }

    /// Test hook: drops every n-th media packet on the way out (after it was recorded for
    /// retransmission) and/or every n-th on the way in (before SRTP, RTX excepted), so tests
    /// and demos can show NACK/RTX repair. Not for production.
    pub fn set_media_loss_for_testing(&mut self, loss: TestLoss) {
        self.media.set_test_loss(loss);
    }

    // --------------------------------------------------------------------------------------
    // State

    /// The connection state.
    pub fn state(&self) -> ConnectionState {
        self.state
    }

    /// Why the connection failed, once it did.
    pub fn failure(&self) -> Option<&Error> {
        self.failure.as_ref()
    }

    /// Our certificate's fingerprint (what `a=fingerprint` carries).
    pub fn local_fingerprint(&self) -> &Fingerprint {
        self.certificate.fingerprint()
    }

    /// Our ICE credentials.
    pub fn local_credentials(&self) -> &Credentials {
        self.ice
            .as_ref()
            .map_or(&self.credentials, Agent::local_credentials)
    }

    /// Our DTLS role, once known.
    pub fn dtls_role(&self) -> Option<sansrtc_dtls::Role> {
        self.dtls_role
    }

    /// Whether the remote description asked for trickle ICE (`a=ice-options:trickle`); without
    /// it, send the answer only after [`Event::GatheringComplete`] (with
    /// [`local_description`](Self::local_description)).
    pub fn remote_trickle(&self) -> Option<bool> {
        self.remote.as_ref().map(|r| r.trickle)
    }

    /// The ICE agent (candidates, pairs, counters), once started.
    pub fn ice(&self) -> Option<&Agent> {
        self.ice.as_ref()
    }

    /// The SRTP session keyed from DTLS-SRTP (RFC 5764 §4.2), once DTLS is connected with a
    /// negotiated profile (the media pipeline protects and unprotects with it; direct use is for
    /// tests and tools).
    pub fn srtp(&mut self) -> Option<&mut SrtpSession> {
        self.srtp.as_mut()
    }

    /// Counters and the selected pair.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats;
        if let Some(ice) = &self.ice {
            s.ice = ice.stats();
            s.selected_pair = ice.selected_pair().map(|p| (p.socket, p.remote.address));
        }
        if let Some(dtls) = &self.dtls {
            s.dtls = dtls.stats();
        }
        if let Some(sctp) = &self.sctp {
            s.sctp = sctp.association().stats();
            s.rtt = sctp.association().srtt();
        }
        s.bandwidth_estimate = self.media.bandwidth_estimate();
        s.media_rtt = self.media.rtt();
        s.rtp_packets_unroutable = self.media.rtp_packets_unroutable;
        s.channels_open = self
            .channels
            .iter()
            .filter(|(_, e)| e.state == ChannelState::Open)
            .count();
        s
    }

    /// Closes the connection: SCTP ABORT and DTLS close_notify (still drained through
    /// `poll_transmit`), ICE stopped, every channel closed. Terminal.
    pub fn close(&mut self, now: Instant) {
        self.end(now, End::Local);
    }

    // --------------------------------------------------------------------------------------
    // The sans-IO loop

    /// One datagram arrived on the local socket `local` from `remote`. Demultiplexed by its
    /// first byte (RFC 7983 §7): STUN and TURN ChannelData to ICE (relayed data comes back out
    /// and is demultiplexed again), DTLS to DTLS (and its records to SCTP), SRTP/SRTCP to the
    /// SRTP session. Garbage is dropped and counted.
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        datagram: &[u8],
    ) {
        self.stats.datagrams_received += 1;
        self.stats.bytes_received += datagram.len() as u64;
        if self.is_terminal() {
            // ICE may still be deleting TURN allocations.
            if let Some(ice) = self.ice.as_mut() {
                let _ = ice.handle_datagram(now, local, remote, datagram);
            }
            return;
        }
        match classify(datagram) {
            Kind::Stun | Kind::TurnChannel => {
                let Some(ice) = self.ice.as_mut() else {
                    self.stats.datagrams_dropped += 1;
                    return;
                };
                match ice.handle_datagram(now, local, remote, datagram) {
                    Received::Data { peer, data } => match classify(data) {
                        Kind::Dtls => self.handle_dtls(now, peer, data),
                        Kind::Rtp | Kind::Rtcp => self.handle_srtp(now, data),
                        _ => self.stats.datagrams_dropped += 1,
                    },
                    Received::Stun => {}
                    Received::Ignored => self.stats.datagrams_dropped += 1,
                }
                self.drive(now);
            }
            // DTLS and SRTP only from an address ICE knows (a signalled candidate or one an
            // authenticated check revealed): a stranger's ClientHello cannot start or spoil
            // the handshake.
            Kind::Dtls | Kind::Rtp | Kind::Rtcp if !self.known_remote(remote) => {
                self.stats.datagrams_dropped += 1;
            }
            Kind::Dtls => {
                self.handle_dtls(now, remote, datagram);
                self.update_state();
            }
            Kind::Rtp | Kind::Rtcp => self.handle_srtp(now, datagram),
            Kind::Unknown => self.stats.datagrams_dropped += 1,
        }
    }

    /// Time reached [`poll_timeout`](Self::poll_timeout): ICE pacing, retransmissions and
    /// consent, DTLS flight retransmissions, SCTP timers. A spurious call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(ice) = self.ice.as_mut() {
            ice.handle_timeout(now);
        }
        if self.is_terminal() {
            return;
        }
        if self.dtls_started
            && let Some(dtls) = self.dtls.as_mut()
        {
            dtls.handle_timeout(now);
        }
        if let Some(sctp) = self.sctp.as_mut() {
            sctp.handle_timeout(now);
        }
        if self.media_path() {
            self.media.handle_timeout(now);
        }
        self.drive(now);
    }

    /// Writes the next datagram into `buf` (cleared first) and says where it goes; `None` when
    /// nothing is due. STUN first, then DTLS records, each SCTP packet in one record.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        if let Some((t, mut bytes)) = self.final_out.pop_front() {
            std::mem::swap(buf, &mut bytes);
            return Some(self.count_sent(t));
        }
        let ice = self.ice.as_mut()?;
        if let Some(t) = ice.poll_transmit(now, buf) {
            let t = Transmit {
                source: t.source,
                destination: t.destination,
                len: buf.len(),
            };
            return Some(self.count_sent(t));
        }
        if !self.dtls_started || self.closed || self.failure.is_some() {
            return None;
        }
        let path = ice.data_path()?;
        let dtls = self.dtls.as_mut()?;
        let out = if path.relayed {
            &mut self.relay_buf
        } else {
            &mut *buf
        };
        let mut n = dtls.poll_transmit(now, out);
        if n.is_none()
            && let Some(srtp) = self.srtp.as_mut()
            && self.media.poll_transmit(now, srtp, out)
        {
            n = Some(out.len());
        }
        // One SCTP packet per datagram, never several records in one: aiortc reads one DTLS
        // record per datagram it receives, so a second one would wait for the next datagram
        // and leave aiortc one SCTP packet behind for the rest of the association
        // (tests/dtls_records.rs). libwebrtc and aiortc send one packet per datagram too.
        while n.is_none()
            && let Some(sctp) = self.sctp.as_mut()
            && let Some(len) = sctp.poll_transmit(now, &mut self.sctp_buf)
        {
            let packet = self.sctp_buf.get(..len).unwrap_or_default();
            if dtls.send_application_data(packet).is_err() {
                self.stats.sctp_packets_dropped += 1;
            }
            n = dtls.poll_transmit(now, out);
        }
        let len = n?;
        let t = if path.relayed {
            let t = ice.send_data(now, self.relay_buf.get(..len)?, buf).ok()?;
            Transmit {
                source: t.source,
                destination: t.destination,
                len: buf.len(),
            }
        } else {
            Transmit {
                source: path.source,
                destination: path.destination,
                len,
            }
        };
        Some(self.count_sent(t))
    }

    /// The next event. Data-channel events are taken from SCTP only when asked for, so its
    /// receive window stays closed while the application does not read.
    pub fn poll_event(&mut self) -> Option<Event> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        if let Some(e) = self.media.poll_event() {
            return Some(e);
        }
        loop {
            let event = self.sctp.as_mut()?.poll_event()?;
            if let Some(e) = self.channel_event(event) {
                return Some(e);
            }
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next; `None` when no timer
    /// is armed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ice = self.ice.as_ref().and_then(Agent::poll_timeout);
        if self.is_terminal() {
            return ice;
        }
        let dtls = self
            .dtls
            .as_ref()
            .filter(|_| self.dtls_started)
            .and_then(Dtls::poll_timeout);
        let sctp = self.sctp.as_ref().and_then(DataChannels::poll_timeout);
        let media = self
            .media_path()
            .then(|| self.media.poll_timeout())
            .flatten();
        [ice, dtls, sctp, media].into_iter().flatten().min()
    }

    // --------------------------------------------------------------------------------------
    // Internals

    fn check_open(&self) -> Result<(), Error> {
        match (&self.failure, self.closed) {
            (Some(e), _) => Err(e.clone()),
            (None, true) => Err(Error::Closed),
            (None, false) => Ok(()),
        }
    }

    fn is_terminal(&self) -> bool {
        self.closed || self.failure.is_some()
    }

    /// SRTP is keyed and there is a path to send media on.
    fn media_path(&self) -> bool {
        !self.is_terminal()
            && self.srtp.is_some()
            && self.dtls_started
            && self.ice.as_ref().and_then(Agent::data_path).is_some()
    }

    /// Whether `addr` is a remote candidate address ICE knows; the current data path first,
    /// so the per-datagram cost is one comparison.
    fn known_remote(&self, addr: SocketAddr) -> bool {
        let Some(ice) = self.ice.as_ref() else {
            return false;
        };
        ice.data_path().is_some_and(|p| p.destination == addr)
            || ice.remote_candidates().iter().any(|c| c.address == addr)
    }

    fn transport_mid(&self) -> Option<&str> {
        self.sections
            .get(self.transport_index)
            .and_then(|s| s.mid.as_deref())
    }

    fn push_event(&mut self, event: Event) {
        if self.events.len() >= self.config.max_events {
            // Keep state changes; drop the oldest informational event.
            if let Some(i) = self.events.iter().position(|e| {
                matches!(
                    e,
                    Event::LocalCandidate(_) | Event::SelectedPairChanged(_) | Event::IceState(_)
                )
            }) {
                self.events.remove(i);
            }
            self.stats.events_dropped += 1;
        }
        self.events.push_back(event);
    }

    fn count_sent(&mut self, t: Transmit) -> Transmit {
        self.stats.datagrams_sent += 1;
        self.stats.bytes_sent += t.len as u64;
        t
    }

    fn start_ice(&mut self, now: Instant, role: sansrtc_ice::Role) {
        let config = AgentConfig {
            role,
            host_addresses: self.host_addresses.clone(),
            stun_servers: self.config.stun_servers.clone(),
            turn_servers: self.config.turn_servers.clone(),
            relay_only: self.config.relay_only,
            credentials: Some(self.credentials.clone()),
            ta: self.config.ice_ta,
            nomination_timeout: self.config.ice_nomination_timeout,
            ..AgentConfig::default()
        };
        self.ice = Some(Agent::new(now, config, &mut self.rng));
    }

    /// The DTLS endpoint in the role the two `a=setup`s give (RFC 5763 §5: `active` is the
    /// client), checking the remote fingerprints.
    fn new_dtls(&mut self, local_setup: Setup, remote: &RemoteTransport) -> Result<Dtls, Error> {
        let role = match local_setup {
            Setup::Active => sansrtc_dtls::Role::Client,
            Setup::Passive => sansrtc_dtls::Role::Server,
            // We offered actpass: the answer decides.
            _ => match remote.setup {
                Setup::Active => sansrtc_dtls::Role::Server,
                _ => sansrtc_dtls::Role::Client,
            },
        };
        let mut config =
            sansrtc_dtls::Config::with_provider(self.config.crypto, Arc::clone(&self.certificate));
        config.mtu = self.config.mtu;
        config.initial_retransmit = self.config.dtls_initial_retransmit;
        let rng = ChaCha20Rng::from_rng(&mut self.rng).map_err(|_| Error::Random)?;
        let mut dtls =
            Dtls::new(role, Arc::new(config), Box::new(rng)).map_err(Error::DtlsSetup)?;
        dtls.set_remote_fingerprints(remote.fingerprints.clone());
        Ok(dtls)
    }

    /// Installs the remote transport: DTLS, then the ICE credentials and candidates, then the
    /// DTLS datagrams that came before.
    fn apply_remote(&mut self, now: Instant, remote: RemoteTransport, dtls: Dtls) {
        self.dtls_role = Some(dtls.role());
        self.dtls = Some(dtls);

        if let Some(ice) = self.ice.as_mut() {
            ice.set_remote_credentials(now, &remote.ufrag, &remote.pwd);
            if remote.ice_lite {
                ice.set_remote_lite(now, true);
            }
            for c in &remote.candidates {
                if ice.add_remote_candidate(now, c).is_err() {
                    self.stats.remote_candidates_ignored += 1;
                }
            }
            if remote.end_of_candidates {
                ice.add_remote_end_of_candidates(now);
            }
        }
        self.remote = Some(remote);
        // DTLS that arrived before we knew our role.
        while let Some((from, datagram)) = self.early.pop_front() {
            self.handle_dtls(now, from, &datagram);
        }
    }

    fn handle_dtls(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        let Some(dtls) = self.dtls.as_mut() else {
            let total: usize = self.early.iter().map(|(_, d)| d.len()).sum();
            if self.early.len() < self.config.max_early_datagrams
                && datagram.len() <= MAX_EARLY_DATAGRAM
                && total + datagram.len() <= self.config.max_early_datagrams * MAX_EARLY_DATAGRAM
            {
                self.early.push_back((from, datagram.to_vec()));
            } else {
                self.stats.datagrams_dropped += 1;
            }
            return;
        };
        dtls.handle_datagram(now, datagram);
        self.pump_dtls(now);
    }

    fn handle_srtp(&mut self, now: Instant, datagram: &[u8]) {
        let Some(srtp) = self.srtp.as_mut() else {
            self.stats.datagrams_dropped += 1;
            return;
        };
        let rtcp = classify(datagram) == Kind::Rtcp;
        if !rtcp && self.media.drop_incoming(datagram) {
            return;
        }
        self.srtp_buf.clear();
        // RTP buffers circulate through the jitter buffers (which keep those of up to 2 KiB):
        // give each room for a full-size datagram, so one grows only for an outsized packet.
        self.srtp_buf
            .reserve_exact(datagram.len().max(SRTP_BUFFER_CAPACITY));
        self.srtp_buf.extend_from_slice(datagram);
        let unprotected = if rtcp {
            srtp.unprotect_rtcp(&mut self.srtp_buf)
        } else {
            srtp.unprotect_rtp(&mut self.srtp_buf)
        };
        let Ok(len) = unprotected else {
            self.stats.srtp_packets_rejected += 1;
            return;
        };
        self.stats.srtp_packets_received += 1;
        if rtcp {
            let Some(packet) = self.srtp_buf.get(..len) else {
                return;
            };
            self.media.handle_rtcp(now, packet);
        } else {
            // The packet's buffer may move into the jitter buffer (no copy of its payload);
            // srtp_buf is then a spare one of its buffers.
            self.srtp_buf.truncate(len);
            self.media.handle_rtp_buffer(now, &mut self.srtp_buf);
        }
    }

    /// After any input: fire ICE timers already due (so a check is on its way at once), move
    /// ICE events out, start DTLS on the first data path, run DTLS.
    fn drive(&mut self, now: Instant) {
        if let Some(ice) = self.ice.as_mut()
            && ice.poll_timeout().is_some_and(|at| at <= now)
        {
            ice.handle_timeout(now);
        }
        self.pump_ice(now);
        if !self.dtls_started
            && !self.is_terminal()
            && self.ice.as_ref().and_then(Agent::data_path).is_some()
            && let Some(dtls) = self.dtls.as_mut()
        {
            self.dtls_started = true;
            // A client writes its ClientHello now.
            dtls.handle_timeout(now);
        }
        self.pump_dtls(now);
        self.update_state();
    }

    fn pump_ice(&mut self, now: Instant) {
        let mut failed = false;
        while let Some(e) = self.ice.as_mut().and_then(Agent::poll_event) {
            match e {
                sansrtc_ice::Event::LocalCandidate(candidate) => {
                    let mid = self.transport_mid().unwrap_or("0").to_owned();
                    self.push_event(Event::LocalCandidate(LocalCandidate {
                        candidate,
                        mid,
                        mline_index: self.transport_index,
                    }));
                }
                sansrtc_ice::Event::GatheringComplete => {
                    self.gathering_complete = true;
                    self.push_event(Event::GatheringComplete);
                }
                sansrtc_ice::Event::ConnectionState(s) => {
                    self.ice_state = s;
                    failed |= s == sansrtc_ice::ConnectionState::Failed;
                }
                sansrtc_ice::Event::SelectedPairChanged(pair) => {
                    self.push_event(Event::SelectedPairChanged(pair));
                }
                // The driver may resolve it (or not: the connection then comes up through
                // peer-reflexive candidates, RFC 8445 §7.3.1.3).
                sansrtc_ice::Event::ResolveMdns(name) => {
                    self.push_event(Event::ResolveMdns(name));
                }
                _ => {}
            }
        }
        // W3C RTCIceTransportState: "connected" once a usable pair is found (our first valid
        // pair, where DTLS starts), even while the agent still checks and nominates.
        let reported = match self.ice_state {
            sansrtc_ice::ConnectionState::Checking
                if self.ice.as_ref().and_then(Agent::data_path).is_some() =>
            {
                sansrtc_ice::ConnectionState::Connected
            }
            s => s,
        };
        if reported != self.reported_ice_state {
            self.reported_ice_state = reported;
            self.push_event(Event::IceState(reported));
        }
        if failed && !self.is_terminal() {
            self.end(now, End::Failed(Error::IceFailed));
        }
    }

    fn pump_dtls(&mut self, now: Instant) {
        let mut ended = None;
        while let Some(event) = self.dtls.as_mut().and_then(Dtls::poll_event) {
            match event {
                sansrtc_dtls::Event::Connected { srtp_profile, .. } => {
                    self.on_dtls_connected(now, srtp_profile);
                }
                sansrtc_dtls::Event::Closed => ended = Some(End::Remote),
                sansrtc_dtls::Event::Error(e) => ended = Some(End::Failed(Error::Dtls(e))),
                _ => {}
            }
        }
        // Decrypted records: one SCTP packet each (RFC 8261 §5). Records that came before a
        // close_notify are still delivered.
        if let (Some(dtls), Some(sctp)) = (self.dtls.as_mut(), self.sctp.as_mut()) {
            while let Some(n) = dtls.poll_application_data(&mut self.rx_buf) {
                if let Some(packet) = self.rx_buf.get(..n) {
                    sctp.handle_datagram(now, packet);
                }
            }
        }
        if let Some(how) = ended {
            self.end(now, how);
        }
    }

    fn on_dtls_connected(&mut self, now: Instant, profile: Option<sansrtc_dtls::SrtpProfile>) {
        let (Some(dtls), Some(role)) = (self.dtls.as_ref(), self.dtls_role) else {
            return;
        };
        // RFC 5764 §4.2: SRTP keys from the exporter, split by DTLS role.
        if let Some(profile) = profile
            && let Some(srtp_profile) = ProtectionProfile::from_dtls_id(profile.to_u16())
            && let Ok(material) = dtls.export_srtp_keying_material()
        {
            let srtp_role = match role {
                sansrtc_dtls::Role::Client => SrtpRole::Client,
                sansrtc_dtls::Role::Server => SrtpRole::Server,
            };
            // Retransmissions without RTX reuse the original index and can come a second
            // after it: a replay window of 4096 packets takes video at high rates.
            let mut srtp_config = sansrtc_srtp::Config::default();
            srtp_config.replay_window = 4096;
            srtp_config.max_ssrcs = 2 * self.config.media.max_receive_streams.max(16);
            self.srtp = SrtpSession::from_dtls_srtp(
                &self.config.crypto,
                srtp_profile,
                srtp_role,
                &material.material,
                srtp_config,
            )
            .ok();
            if self.srtp.is_some() {
                self.media.on_connected(now, srtp_profile.rtp_overhead());
            }
        }
        if self.data_index.is_none() {
            // No data section negotiated: channels created before cannot open.
            let ids: Vec<ChannelId> = self.channels.ids().collect();
            for id in ids {
                self.channels.remove(id);
                self.push_event(Event::ChannelClosed(id));
            }
            self.push_event(Event::DtlsConnected { srtp: profile });
            return;
        }
        // RFC 8261 §5: SCTP packets of at most one DTLS record.
        let mut sctp_config = sansrtc_sctp::Config::with_seed(self.config.seed ^ 0x5c7f);
        sctp_config.mtu = dtls.max_application_data_len() & !3;
        sctp_config.max_message_size = self.config.max_message_size;
        sctp_config.receive_buffer = self.config.receive_buffer;
        sctp_config.send_buffer = self.config.send_buffer;
        sctp_config.local_port = jsep::SCTP_PORT;
        sctp_config.remote_port = self
            .remote
            .as_ref()
            .map_or(jsep::SCTP_PORT, |r| r.sctp_port);
        let sctp_role = match role {
            sansrtc_dtls::Role::Client => SctpRole::Client,
            sansrtc_dtls::Role::Server => SctpRole::Server,
        };
        let mut sctp = DataChannels::new(sctp_config, sctp_role, &mut self.rng);
        // RFC 8831 §6.1: both ends start the association at once.
        sctp.connect(now);
        // Channels created before: negotiated ones first, so the in-band ones get free ids.
        let mut pending: Vec<ChannelId> = self
            .channels
            .iter()
            .filter(|(_, e)| e.stream.is_none())
            .map(|(id, _)| id)
            .collect();
        pending.sort_by_key(|id| {
            self.channels
                .get(*id)
                .map_or(1, |e| u8::from(e.config.negotiated.is_none()))
        });
        for id in pending {
            let Some(entry) = self.channels.get(id) else {
                continue;
            };
            let threshold = entry.low_threshold;
            match sctp.create_channel(now, entry.config.clone()) {
                Ok(stream) => {
                    sctp.set_buffered_amount_low_threshold(stream, threshold);
                    self.channels.set_stream(id, stream);
                }
                Err(_) => {
                    self.channels.remove(id);
                    self.push_event(Event::ChannelClosed(id));
                }
            }
        }
        self.sctp = Some(sctp);
        self.push_event(Event::DtlsConnected { srtp: profile });
    }

    /// Maps one SCTP channel event to ours.
    fn channel_event(&mut self, event: ChannelEvent) -> Option<Event> {
        match event {
            ChannelEvent::Connected => Some(Event::SctpConnected),
            ChannelEvent::Open(stream) => {
                let id = match self.channels.by_stream(stream) {
                    Some(id) => id,
                    None => {
                        let ch = self.sctp.as_ref()?.channel(stream)?;
                        let mut config = ChannelConfig::new(ch.label());
                        config.protocol = ch.protocol().to_owned();
                        config.ordered = ch.ordered();
                        config.reliability = ch.reliability();
                        config.priority = ch.priority();
                        self.channels.insert(Entry {
                            config,
                            locally_created: false,
                            stream: Some(stream),
                            state: ChannelState::Open,
                            stats: Default::default(),
                            low_threshold: 0,
                        })
                    }
                };
                let entry = self.channels.get_mut(id)?;
                entry.state = ChannelState::Open;
                Some(Event::ChannelOpen(id))
            }
            ChannelEvent::Message {
                channel,
                binary,
                data,
            } => {
                let id = self.channels.by_stream(channel)?;
                if let Some(entry) = self.channels.get_mut(id) {
                    entry.stats.messages_received += 1;
                    entry.stats.bytes_received += data.len() as u64;
                }
                Some(Event::ChannelMessage { id, binary, data })
            }
            ChannelEvent::Closing(stream) => {
                let id = self.channels.by_stream(stream)?;
                self.channels.get_mut(id)?.state = ChannelState::Closing;
                Some(Event::ChannelClosing(id))
            }
            ChannelEvent::Closed(stream) => {
                let id = self.channels.by_stream(stream)?;
                self.channels.remove(id);
                Some(Event::ChannelClosed(id))
            }
            ChannelEvent::BufferedAmountLow(stream) => self
                .channels
                .by_stream(stream)
                .map(Event::BufferedAmountLow),
            ChannelEvent::Disconnected(reason) => Some(Event::SctpClosed(reason)),
            _ => None,
        }
    }

    fn derived_state(&self) -> ConnectionState {
        use sansrtc_ice::ConnectionState as Ice;
        if self.failure.is_some() {
            return ConnectionState::Failed;
        }
        if self.closed {
            return ConnectionState::Closed;
        }
        let path = self.ice.as_ref().and_then(Agent::data_path).is_some();
        let dtls = self.dtls.as_ref().is_some_and(Dtls::is_connected);
        match self.ice_state {
            Ice::Disconnected => ConnectionState::Disconnected,
            _ if dtls && path => ConnectionState::Connected,
            _ if self.remote.is_some() => ConnectionState::Connecting,
            Ice::Checking | Ice::Connected | Ice::Completed => ConnectionState::Connecting,
            _ => ConnectionState::New,
        }
    }

    fn update_state(&mut self) {
        let state = self.derived_state();
        if state != self.state {
            self.state = state;
            self.events.push_back(Event::ConnectionState(state));
        }
    }

    /// Ends the connection: what can still be said to the peer (SCTP ABORT, close_notify or a
    /// fatal alert) goes into `final_out`, then ICE stops and every channel closes.
    fn end(&mut self, now: Instant, how: End) {
        if self.is_terminal() {
            return;
        }
        if matches!(how, End::Local)
            && let Some(sctp) = self.sctp.as_mut()
        {
            sctp.association_mut().abort(now, "peer connection closed");
        }
        let path = self.ice.as_ref().and_then(Agent::data_path);
        if let Some(dtls) = self.dtls.as_mut() {
            if let Some(sctp) = self.sctp.as_mut() {
                while let Some(n) = sctp.poll_transmit(now, &mut self.sctp_buf) {
                    if let Some(packet) = self.sctp_buf.get(..n) {
                        let _ = dtls.send_application_data(packet);
                    }
                }
            }
            if matches!(how, End::Local) {
                dtls.close();
            }
            if let Some(path) = path.filter(|p| !p.relayed && self.dtls_started) {
                let mut out = Vec::new();
                while self.final_out.len() < MAX_FINAL_DATAGRAMS
                    && let Some(len) = dtls.poll_transmit(now, &mut out)
                {
                    let t = Transmit {
                        source: path.source,
                        destination: path.destination,
                        len,
                    };
                    self.final_out.push_back((t, std::mem::take(&mut out)));
                }
            }
        }
        if let Some(ice) = self.ice.as_mut() {
            ice.close(now);
            // Drain the agent's last state events.
            while ice.poll_event().is_some() {}
        }
        // What SCTP still holds for the application (messages that arrived before the end,
        // closes) is handed over before the remaining channels close.
        while let Some(event) = self.sctp.as_mut().and_then(DataChannels::poll_event) {
            if let Some(e) = self.channel_event(event) {
                self.events.push_back(e);
            }
        }
        self.sctp = None;
        let ids: Vec<ChannelId> = self.channels.ids().collect();
        for id in ids {
            self.channels.remove(id);
            self.push_event(Event::ChannelClosed(id));
        }
        match how {
            End::Failed(e) => {
                self.push_event(Event::Failed(e.clone()));
                self.failure = Some(e);
            }
            End::Local | End::Remote => self.closed = true,
        }
        self.update_state();
    }
}

/// SplitMix64: spreads the configured seed into the SDP session id.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Capacity of a buffer an incoming SRTP packet is unprotected in: a 1500-byte Ethernet
/// datagram fits.
const SRTP_BUFFER_CAPACITY: usize = 1500;
