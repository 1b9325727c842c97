//! The SCTP association (RFC 9260 §4 state machine) as profiled for DTLS by RFC 8261: one path,
//! fixed ports, no addresses, one packet per DTLS record.
//!
//! The association is split like its RFC: this file holds the state, the application API and
//! the timers; [`rx`] handles received packets (handshake §5, data §6, shutdown §9), [`tx`]
//! builds outgoing packets (bundling §6.10, congestion control §7), and [`reconfig`] does stream
//! reset (RFC 6525). Everything the application should learn is queued as an [`Event`] and
//! drained with [`Association::poll_event`], so no callback ever runs inside a call.

mod reconfig;
mod rx;
mod tx;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand_core::{CryptoRng, RngCore};

use crate::Error;
use crate::config::Config;
use crate::cookie::Cookie;
use crate::packet::{ChunkType, GapBlock, Init, InitFields, cause_code, write_init};
use crate::rng::Rng;
use crate::rto::RtoEstimator;
use crate::rx::reassembly::{Message, Reassembly};
use crate::rx::tsn_tracker::TsnTracker;
use crate::timer::{Timer, Timers};
use crate::tx::congestion::Congestion;
use crate::tx::outstanding::Outstanding;
use crate::tx::send_queue::{SendOptions, SendQueue};

use reconfig::Reconfig;

/// Why the association ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The graceful SHUTDOWN sequence completed (RFC 9260 §9.2).
    Shutdown,
    /// The peer sent ABORT (§9.1); the text describes its first error cause.
    AbortedByPeer(String),
    /// We aborted: on the application's request, or because the peer violated the protocol.
    Aborted(String),
    /// The peer stopped answering: Association.Max.Retrans or Max.Init.Retransmits exceeded
    /// (§8.1, §5.1).
    Timeout,
}

/// What happened, drained with [`Association::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The association reached ESTABLISHED.
    Connected,
    /// A complete message arrived.
    Message(Message),
    /// The peer reset these streams towards us (RFC 6525 §5.2.2): their next message starts at
    /// SSN/MID 0. WebRTC uses this to close a data channel (RFC 8831 §6.7).
    IncomingStreamsReset(Vec<u16>),
    /// Our reset of these outgoing streams was performed by the peer (RFC 6525 §5.1.2).
    OutgoingStreamsReset(Vec<u16>),
    /// The peer denied or could not perform our reset of these outgoing streams.
    OutgoingStreamsResetFailed(Vec<u16>),
    /// The stream's buffered amount fell to or below its threshold.
    BufferedAmountLow(u16),
    /// The peer restarted the association (RFC 9260 §5.2.4 action A): in-flight data is lost
    /// and every stream starts over at SSN 0.
    Restarted,
    /// The association is closed; this is the last event.
    Closed(CloseReason),
}

/// RFC 9260 §4 states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No association (yet, or any more).
    Closed,
    /// INIT sent, waiting for INIT ACK.
    CookieWait,
    /// COOKIE ECHO sent, waiting for COOKIE ACK.
    CookieEchoed,
    /// Data flows both ways.
    Established,
    /// Shutdown requested; waiting for outstanding data to be acknowledged.
    ShutdownPending,
    /// SHUTDOWN sent.
    ShutdownSent,
    /// SHUTDOWN received; finishing outstanding data.
    ShutdownReceived,
    /// SHUTDOWN ACK sent.
    ShutdownAckSent,
}

/// Extensions both sides support.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Caps {
    /// FORWARD TSN (RFC 3758).
    pub forward_tsn: bool,
    /// RE-CONFIG (RFC 6525).
    pub reconfig: bool,
    /// I-DATA and I-FORWARD-TSN (RFC 8260).
    pub interleaving: bool,
}

impl Caps {
    fn to_bits(self) -> u8 {
        u8::from(self.forward_tsn)
            | (u8::from(self.reconfig) << 1)
            | (u8::from(self.interleaving) << 2)
    }
    fn from_bits(b: u8) -> Self {
        Self {
            forward_tsn: b & 1 != 0,
            reconfig: b & 2 != 0,
            interleaving: b & 4 != 0,
        }
    }
    /// What we and the sender of `init` both support.
    fn negotiate(cfg: &Config, init: &Init<'_>) -> Self {
        Self {
            forward_tsn: cfg.partial_reliability && init.supports_forward_tsn(),
            reconfig: init.supports_chunk(ChunkType::RE_CONFIG),
            interleaving: cfg.interleaving && init.supports_chunk(ChunkType::I_DATA),
        }
    }
}

/// A packet that carries a single chunk with a verification tag of its own (INIT: 0; replies to
/// INIT or to out-of-the-blue packets: the tag they name).
#[derive(Debug)]
struct Standalone {
    vtag: u32,
    bytes: Vec<u8>,
}

/// The retransmitted handshake chunk (INIT under T1-init, COOKIE ECHO under T1-cookie, §5.1).
#[derive(Debug, Default)]
struct Handshake {
    chunk: Vec<u8>,
    /// An ERROR chunk reporting INIT ACK parameters we did not recognize (§3.2.2), sent once
    /// with the first COOKIE ECHO.
    error: Vec<u8>,
    retransmits: u32,
    rto: Duration,
    cookie_echo_due: bool,
}

/// Per-association state that exists once the peer's parameters are known (the TCB).
#[derive(Debug)]
pub(crate) struct Tcb {
    pub caps: Caps,
    /// Streams we may send on.
    pub outbound_streams: u16,
    /// The peer's last advertised receiver window.
    pub peer_a_rwnd: u32,
    pub rx: TsnTracker,
    pub reassembly: Reassembly,
    pub tx: Outstanding,
    pub cc: Congestion,
    /// A SACK goes into the next packet.
    pub sack_due: bool,
    /// Packets with DATA received since the last SACK (§6.2: every second one is acknowledged).
    pub unacked_packets: u32,
    pub last_rwnd_advertised: u32,
    /// A FORWARD TSN goes into the next packet (RFC 3758 §3.5 C3).
    pub forward_tsn_due: bool,
    /// The next packet may retransmit regardless of cwnd (§7.2.4 rule 3: fast retransmit).
    pub fast_retransmit_due: bool,
    pub cookie_ack_due: bool,
    /// Heartbeat nonce awaiting its HEARTBEAT ACK.
    pub heartbeat_nonce: Option<u64>,
    pub heartbeat_due: bool,
    pub shutdown_due: bool,
    pub shutdown_ack_due: bool,
    pub reconfig: Reconfig,
}

impl Tcb {
    fn new(cfg: &Config, c: &Cookie) -> Self {
        let caps = Caps::from_bits(c.caps);
        Self {
            caps,
            outbound_streams: c.outbound_streams,
            peer_a_rwnd: c.peer_a_rwnd,
            rx: TsnTracker::new(c.peer_initial_tsn, cfg.max_tracked_tsns),
            reassembly: Reassembly::new(cfg.max_message_size, caps.interleaving),
            tx: Outstanding::new(c.local_initial_tsn),
            cc: Congestion::new(cfg.mtu, c.peer_a_rwnd),
            sack_due: false,
            unacked_packets: 0,
            last_rwnd_advertised: u32::try_from(cfg.receive_buffer).unwrap_or(u32::MAX),
            forward_tsn_due: false,
            fast_retransmit_due: false,
            cookie_ack_due: false,
            heartbeat_nonce: None,
            heartbeat_due: false,
            shutdown_due: false,
            shutdown_ack_due: false,
            reconfig: Reconfig::new(c.local_initial_tsn, c.peer_initial_tsn),
        }
    }
}

/// Counters for diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Packets sent.
    pub packets_sent: u64,
    /// Packets received and accepted.
    pub packets_received: u64,
    /// Packets dropped: bad checksum, wrong verification tag, malformed.
    pub packets_dropped: u64,
    /// DATA chunks received and not yet seen (duplicates excluded).
    pub data_chunks_received: u64,
    /// DATA chunks received again (reported as duplicates in SACKs).
    pub duplicate_data_chunks: u64,
    /// DATA chunks sent for the first time.
    pub data_chunks_sent: u64,
    /// DATA chunks retransmitted.
    pub retransmissions: u64,
    /// Fast retransmit episodes (§7.2.4).
    pub fast_retransmits: u64,
    /// T3-rtx expiries (§6.3.3).
    pub t3_expiries: u64,
    /// Messages abandoned by partial reliability (RFC 3758).
    pub abandoned_messages: u64,
}

/// A sans-IO SCTP association over DTLS (RFC 9260 as profiled by RFC 8261).
///
/// Feed it each decrypted DTLS record with [`handle_datagram`](Self::handle_datagram) and
/// expired timers with [`handle_timeout`](Self::handle_timeout). After every call, drain
/// [`poll_transmit`](Self::poll_transmit) until `None` (each call writes one SCTP packet of at
/// most [`Config::mtu`] bytes: send it as one DTLS record), then [`poll_event`](Self::poll_event)
/// until `None`, then wake up at [`poll_timeout`](Self::poll_timeout).
///
/// In WebRTC both endpoints call [`connect`](Self::connect) once DTLS is up (RFC 8831 §6.1);
/// the INIT collision is resolved by RFC 9260 §5.2.
#[derive(Debug)]
pub struct Association {
    cfg: Config,
    cookie_secret: [u8; 32],
    state: State,
    /// Terminal once set.
    closed: Option<CloseReason>,
    rng: Rng,
    timers: Timers,
    /// Time base for cookie timestamps and heartbeat send times.
    epoch: Option<Instant>,
    last_now: Option<Instant>,
    local_tag: u32,
    peer_tag: u32,
    local_initial_tsn: u32,
    /// INIT / COOKIE ECHO retransmission state (§5.1).
    handshake: Handshake,
    error_count: u32,
    rto: RtoEstimator,
    tcb: Option<Tcb>,
    send_queue: SendQueue,
    standalone: VecDeque<Standalone>,
    /// Control chunks to bundle into the next packets (ERROR, HEARTBEAT ACK, RE-CONFIG
    /// responses...), each a whole chunk.
    control: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    /// Bytes of messages in `events` not yet polled: they count against the receive window.
    delivered_bytes: usize,
    /// Outgoing stream resets requested before the association was established.
    pending_resets: Vec<u16>,
    stats: Stats,
    // Scratch buffers reused across packets.
    gaps: Vec<GapBlock>,
    dups: Vec<u32>,
    abandoned: Vec<(u16, u64)>,
    skipped: Vec<(u16, bool, u32)>,
    fwd_ssn: Vec<(u16, u16)>,
}

impl Association {
    /// A new association in the CLOSED state; `rng` supplies the State Cookie secret. Call
    /// [`connect`](Self::connect) to send INIT, or feed it packets to accept the peer's INIT.
    pub fn new(config: Config, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let cfg = config.sanitized();
        let mut cookie_secret = [0u8; 32];
        rng.fill_bytes(&mut cookie_secret);
        let mut r = Rng::new(cfg.seed);
        let local_tag = r.nonzero_u32();
        let local_initial_tsn = r.next_u32();
        let rto = RtoEstimator::new(cfg.rto_initial, cfg.rto_min, cfg.rto_max);
        let mut send_queue = SendQueue::default();
        send_queue.set_interleaving(false);
        Self {
            handshake: Handshake {
                rto: cfg.rto_initial,
                ..Handshake::default()
            },
            cfg,
            cookie_secret,
            state: State::Closed,
            closed: None,
            rng: r,
            timers: Timers::default(),
            epoch: None,
            last_now: None,
            local_tag,
            peer_tag: 0,
            local_initial_tsn,
            error_count: 0,
            rto,
            tcb: None,
            send_queue,
            standalone: VecDeque::new(),
            control: VecDeque::new(),
            events: VecDeque::new(),
            delivered_bytes: 0,
            pending_resets: Vec::new(),
            stats: Stats::default(),
            gaps: Vec::new(),
            dups: Vec::new(),
            abandoned: Vec::new(),
            skipped: Vec::new(),
            fwd_ssn: Vec::new(),
        }
    }

    /// The current RFC 9260 §4 state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether the association is ESTABLISHED (or shutting down with data still flowing).
    pub fn is_established(&self) -> bool {
        matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownReceived
        )
    }

    /// Why the association closed, once it has.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.closed.as_ref()
    }

    /// Diagnostic counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The configuration in force (after range checks).
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Whether both sides support partial reliability (RFC 3758), once known.
    pub fn partial_reliability(&self) -> Option<bool> {
        self.tcb.as_ref().map(|t| t.caps.forward_tsn)
    }

    /// Whether I-DATA interleaving (RFC 8260) is in use, once known.
    pub fn interleaving(&self) -> Option<bool> {
        self.tcb.as_ref().map(|t| t.caps.interleaving)
    }

    /// Number of outgoing streams negotiated (`Config::streams` until the peer's INIT is known).
    pub fn outbound_streams(&self) -> u16 {
        self.tcb
            .as_ref()
            .map_or(self.cfg.streams, |t| t.outbound_streams)
    }

    /// Smoothed round-trip time, once measured.
    pub fn srtt(&self) -> Option<Duration> {
        self.rto.srtt()
    }

    /// Current congestion window in bytes (§7.2), once established.
    pub fn cwnd(&self) -> Option<usize> {
        self.tcb.as_ref().map(|t| t.cc.cwnd)
    }

    fn tick(&mut self, now: Instant) {
        if self.epoch.is_none() {
            self.epoch = Some(now);
        }
        self.last_now = Some(now);
    }

    fn now_ms(&self, now: Instant) -> u64 {
        self.epoch.map_or(0, |e| {
            u64::try_from(now.saturating_duration_since(e).as_millis()).unwrap_or(u64::MAX)
        })
    }

    /// Starts the association: sends INIT (RFC 9260 §5.1 step A). Does nothing unless CLOSED
    /// and never connected.
    pub fn connect(&mut self, now: Instant) {
        self.tick(now);
        if self.state != State::Closed || self.closed.is_some() || self.tcb.is_some() {
            return;
        }
        let mut chunk = Vec::new();
        write_init(
            &mut chunk,
            ChunkType::INIT,
            &self.init_fields(self.local_tag, self.local_initial_tsn, None, &[]),
        );
        self.handshake.chunk.clone_from(&chunk);
        self.standalone.push_back(Standalone {
            vtag: 0,
            bytes: chunk,
        });
        self.state = State::CookieWait;
        self.handshake.rto = self.cfg.rto_initial;
        self.handshake.retransmits = 0;
        self.timers.set(Timer::T1Init, now + self.handshake.rto);
    }

    fn init_fields<'a>(
        &self,
        tag: u32,
        tsn: u32,
        cookie: Option<&'a [u8]>,
        unrecognized: &'a [u8],
    ) -> InitFields<'a> {
        InitFields {
            initiate_tag: tag,
            a_rwnd: u32::try_from(self.cfg.receive_buffer).unwrap_or(u32::MAX),
            outbound_streams: self.cfg.streams,
            inbound_streams: self.cfg.streams,
            initial_tsn: tsn,
            partial_reliability: self.cfg.partial_reliability,
            interleaving: self.cfg.interleaving,
            cookie,
            unrecognized,
        }
    }

    /// Queues a message on `stream_id` (RFC 9260 §11.1 SEND), copying `payload`. Messages may
    /// be queued before the association is established; they go out once it is.
    pub fn send(
        &mut self,
        now: Instant,
        stream_id: u16,
        ppid: u32,
        payload: &[u8],
        options: SendOptions,
    ) -> Result<(), Error> {
        self.check_send(stream_id, payload.len())?;
        self.tick(now);
        self.send_queue.push(
            now,
            stream_id,
            ppid,
            Bytes::copy_from_slice(payload),
            options,
        );
        Ok(())
    }

    /// Like [`send`](Self::send) but takes the payload without copying it.
    pub fn send_bytes(
        &mut self,
        now: Instant,
        stream_id: u16,
        ppid: u32,
        payload: Bytes,
        options: SendOptions,
    ) -> Result<(), Error> {
        self.check_send(stream_id, payload.len())?;
        self.tick(now);
        self.send_queue.push(now, stream_id, ppid, payload, options);
        Ok(())
    }

    fn check_send(&self, stream_id: u16, len: usize) -> Result<(), Error> {
        if self.closed.is_some() {
            return Err(Error::Closed);
        }
        if !matches!(
            self.state,
            State::Closed | State::CookieWait | State::CookieEchoed | State::Established
        ) {
            return Err(Error::NotEstablished);
        }
        if len == 0 {
            return Err(Error::EmptyMessage);
        }
        if len > self.cfg.max_message_size {
            return Err(Error::MessageTooLarge {
                size: len,
                max: self.cfg.max_message_size,
            });
        }
        if stream_id >= self.outbound_streams() {
            return Err(Error::InvalidStream(stream_id));
        }
        if self.reset_pending(stream_id) {
            return Err(Error::StreamClosing(stream_id));
        }
        if self.send_queue.total() + len > self.cfg.send_buffer {
            return Err(Error::SendBufferFull);
        }
        Ok(())
    }

    /// Bytes queued on the stream and not yet handed to the network (RTCDataChannel
    /// bufferedAmount).
    pub fn buffered_amount(&self, stream_id: u16) -> usize {
        self.send_queue.buffered_amount(stream_id)
    }

    /// Bytes queued on all streams and not yet sent.
    pub fn buffered_total(&self) -> usize {
        self.send_queue.total()
    }

    /// Bytes sent and not yet acknowledged.
    pub fn bytes_in_flight(&self) -> usize {
        self.tcb.as_ref().map_or(0, |t| t.tx.unacked_bytes())
    }

    /// Sets the threshold at or below which [`Event::BufferedAmountLow`] fires for the stream
    /// (when its buffered amount falls from above it).
    pub fn set_buffered_amount_low_threshold(&mut self, stream_id: u16, threshold: usize) {
        self.send_queue.set_low_threshold(stream_id, threshold);
    }

    /// The stream's buffered-amount-low threshold.
    pub fn buffered_amount_low_threshold(&self, stream_id: u16) -> usize {
        self.send_queue.low_threshold(stream_id)
    }

    /// Graceful shutdown (RFC 9260 §9.2): queued and outstanding data is delivered first.
    pub fn shutdown(&mut self, now: Instant) {
        self.tick(now);
        match self.state {
            State::Established => self.state = State::ShutdownPending,
            State::Closed | State::CookieWait | State::CookieEchoed => {
                self.close(CloseReason::Shutdown);
            }
            _ => {}
        }
        self.maybe_progress_shutdown(now);
    }

    /// Aborts the association (RFC 9260 §9.1) with a User-Initiated Abort cause carrying
    /// `reason`. The ABORT still comes out of [`poll_transmit`](Self::poll_transmit).
    pub fn abort(&mut self, now: Instant, reason: &str) {
        self.tick(now);
        if self.closed.is_some() {
            return;
        }
        self.send_abort(cause_code::USER_INITIATED_ABORT, reason.as_bytes());
        self.close(CloseReason::Aborted(reason.to_owned()));
    }

    fn send_abort(&mut self, code: u16, info: &[u8]) {
        if self.peer_tag == 0 {
            return;
        }
        let mut bytes = Vec::new();
        let start = crate::packet::begin_chunk(&mut bytes, ChunkType::ABORT, 0);
        crate::packet::write_param(
            &mut bytes,
            code,
            info.get(..info.len().min(256)).unwrap_or(&[]),
        );
        crate::packet::end_chunk(&mut bytes, start);
        self.control.clear();
        self.standalone.push_back(Standalone {
            vtag: self.peer_tag,
            bytes,
        });
    }

    /// Enters the terminal CLOSED state with an event.
    fn close(&mut self, reason: CloseReason) {
        if self.closed.is_some() {
            return;
        }
        self.state = State::Closed;
        self.timers.stop_all();
        self.tcb = None;
        self.control.clear();
        self.closed = Some(reason.clone());
        self.events.push_back(Event::Closed(reason));
    }

    /// Aborts because the peer broke the protocol (Protocol Violation cause, §3.3.10.13).
    fn protocol_violation(&mut self, what: &str) {
        self.send_abort(cause_code::PROTOCOL_VIOLATION, what.as_bytes());
        self.close(CloseReason::Aborted(what.to_owned()));
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        while let Some(s) = self.send_queue.take_low_events() {
            self.events.push_back(Event::BufferedAmountLow(s));
        }
        let e = self.events.pop_front()?;
        if let Event::Message(m) = &e {
            self.delivered_bytes = self.delivered_bytes.saturating_sub(m.payload.len());
            self.maybe_window_update();
        }
        Some(e)
    }

    /// Like [`poll_event`](Self::poll_event), but a message keeps counting against the
    /// receive window until [`release_receive_credit`](Self::release_receive_credit): for a
    /// layer above (data channels) that queues messages for its own application.
    pub(crate) fn poll_event_keep_credit(&mut self) -> Option<Event> {
        while let Some(s) = self.send_queue.take_low_events() {
            self.events.push_back(Event::BufferedAmountLow(s));
        }
        self.events.pop_front()
    }

    /// The layer above consumed `bytes` of messages taken with `poll_event_keep_credit`.
    pub(crate) fn release_receive_credit(&mut self, bytes: usize) {
        self.delivered_bytes = self.delivered_bytes.saturating_sub(bytes);
        self.maybe_window_update();
    }

    /// §6.2: when the application frees a receive window that was mostly closed, tell the
    /// peer at once rather than at its next retransmission.
    fn maybe_window_update(&mut self) {
        let rwnd = self.a_rwnd();
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        let quarter = u32::try_from(self.cfg.receive_buffer / 4).unwrap_or(u32::MAX);
        if tcb.last_rwnd_advertised < quarter
            && rwnd >= tcb.last_rwnd_advertised.saturating_add(quarter)
        {
            tcb.sack_due = true;
            if let Some(now) = self.last_now {
                // Wake the driver now: it polls transmit after handle_timeout.
                self.timers.set(Timer::DelayedAck, now);
            }
        }
    }

    /// The earliest timer deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// Advertised receiver window (RFC 9260 §6.2): free space in the receive buffer.
    fn a_rwnd(&self) -> u32 {
        let used = self
            .tcb
            .as_ref()
            .map_or(0, |t| t.reassembly.buffered() + t.reconfig.deferred_bytes())
            + self.delivered_bytes;
        u32::try_from(self.cfg.receive_buffer.saturating_sub(used)).unwrap_or(u32::MAX)
    }

    /// Handles expired timers (RFC 9260 §5.1 T1, §6.3.3 T3-rtx, §6.2 delayed SACK, §8.3
    /// heartbeats, §9.2 T2-shutdown, RFC 6525 §5.1.1 re-configuration). A spurious call does
    /// nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        while let Some(t) = self.timers.expired(now) {
            if self.closed.is_some() {
                return;
            }
            match t {
                Timer::T1Init => self.on_t1_init(now),
                Timer::T1Cookie => self.on_t1_cookie(now),
                Timer::T2Shutdown => self.on_t2_shutdown(now),
                Timer::T3Rtx => self.on_t3_rtx(now),
                Timer::DelayedAck => {
                    if let Some(tcb) = &mut self.tcb {
                        tcb.sack_due = true;
                    }
                }
                Timer::Heartbeat => self.on_heartbeat_timer(now),
                Timer::Reconfig => self.on_reconfig_timer(now),
            }
        }
    }

    /// Counts one unanswered retransmission; aborts past Association.Max.Retrans (§8.1).
    fn count_error(&mut self) -> bool {
        self.error_count += 1;
        if self.error_count > self.cfg.max_retransmits {
            self.send_abort(
                cause_code::USER_INITIATED_ABORT,
                b"retransmission limit reached",
            );
            self.close(CloseReason::Timeout);
            return false;
        }
        true
    }

    fn on_t1_init(&mut self, now: Instant) {
        if self.state != State::CookieWait {
            return;
        }
        self.handshake.retransmits += 1;
        if self.handshake.retransmits > self.cfg.max_init_retransmits {
            self.close(CloseReason::Timeout);
            return;
        }
        self.handshake.rto = (self.handshake.rto * 2).min(self.cfg.rto_max);
        self.standalone.push_back(Standalone {
            vtag: 0,
            bytes: self.handshake.chunk.clone(),
        });
        self.timers.set(Timer::T1Init, now + self.handshake.rto);
    }

    fn on_t1_cookie(&mut self, now: Instant) {
        if self.state != State::CookieEchoed {
            return;
        }
        self.handshake.retransmits += 1;
        if self.handshake.retransmits > self.cfg.max_init_retransmits {
            self.close(CloseReason::Timeout);
            return;
        }
        self.handshake.rto = (self.handshake.rto * 2).min(self.cfg.rto_max);
        self.handshake.cookie_echo_due = true;
        self.timers.set(Timer::T1Cookie, now + self.handshake.rto);
    }

    fn on_t2_shutdown(&mut self, now: Instant) {
        if !self.count_error() {
            return;
        }
        self.rto.back_off();
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        match self.state {
            State::ShutdownSent => tcb.shutdown_due = true,
            State::ShutdownAckSent => tcb.shutdown_ack_due = true,
            _ => return,
        }
        self.timers.set(Timer::T2Shutdown, now + self.rto.rto());
    }

    /// §6.3.3: T3-rtx expired.
    fn on_t3_rtx(&mut self, now: Instant) {
        let Some(tcb) = &self.tcb else {
            return;
        };
        if tcb.tx.is_empty() {
            return;
        }
        self.stats.t3_expiries += 1;
        if !self.count_error() {
            return;
        }
        self.rto.back_off();
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        tcb.cc.on_timeout();
        tcb.tx.mark_all_lost();
        self.abandon(now);
        if let Some(tcb) = &mut self.tcb
            && tcb.caps.forward_tsn
            && tcb.tx.forward_tsn(&mut self.skipped, usize::MAX).is_some()
        {
            tcb.forward_tsn_due = true;
        }
        self.timers.set(Timer::T3Rtx, now + self.rto.rto());
    }

    /// §8.3: heartbeats on an idle path; an unanswered one counts as an error.
    fn on_heartbeat_timer(&mut self, now: Instant) {
        if !self.is_established() {
            return;
        }
        let outstanding = self
            .tcb
            .as_ref()
            .is_some_and(|t| t.heartbeat_nonce.is_some());
        if outstanding {
            if !self.count_error() {
                return;
            }
            self.rto.back_off();
        }
        if let Some(tcb) = &mut self.tcb {
            tcb.heartbeat_due = true;
        }
        self.timers.set(Timer::Heartbeat, now + self.rto.rto());
    }

    /// Partial reliability (RFC 3758 §3.5): abandons what may no longer be retransmitted and
    /// drops the unsent rest of those messages.
    fn abandon(&mut self, now: Instant) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        if !tcb.caps.forward_tsn {
            return;
        }
        tcb.tx.abandon_lost(now, &mut self.abandoned);
        for &(stream, id) in &self.abandoned {
            self.stats.abandoned_messages += 1;
            if !tcb.tx.message_fully_sent(id) {
                // The unsent rest is dropped; a never-sent end fragment takes a TSN so that
                // the FORWARD TSN moves past what the peer already has (A3).
                self.send_queue.discard_message(stream, id);
                tcb.tx.abandon_unsent_end(id);
            }
        }
    }

    fn maybe_progress_shutdown(&mut self, now: Instant) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        if !(tcb.tx.is_empty() && self.send_queue.is_empty()) {
            return;
        }
        match self.state {
            State::ShutdownPending => {
                self.state = State::ShutdownSent;
                tcb.shutdown_due = true;
            }
            State::ShutdownReceived => {
                self.state = State::ShutdownAckSent;
                tcb.shutdown_ack_due = true;
            }
            _ => return,
        }
        self.timers.stop(Timer::T3Rtx);
        self.timers.set(Timer::T2Shutdown, now + self.rto.rto());
    }

    fn enter_established(&mut self, now: Instant, restarted: bool) {
        if self.state == State::Established && !restarted {
            return;
        }
        self.state = State::Established;
        self.error_count = 0;
        self.handshake.chunk = Vec::new();
        self.handshake.error = Vec::new();
        self.handshake.cookie_echo_due = false;
        self.timers.stop(Timer::T1Init);
        self.timers.stop(Timer::T1Cookie);
        let caps = self.tcb.as_ref().map(|t| t.caps).unwrap_or_default();
        self.send_queue.set_interleaving(caps.interleaving);
        self.send_queue.set_partial_reliability(caps.forward_tsn);
        self.events.push_back(if restarted {
            Event::Restarted
        } else {
            Event::Connected
        });
        if let Some(hb) = self.cfg.heartbeat_interval {
            self.timers.set(Timer::Heartbeat, now + hb);
        }
        let pending = core::mem::take(&mut self.pending_resets);
        if let Some(tcb) = &mut self.tcb {
            tcb.reconfig.queue(&pending);
        }
    }

    fn establish_from_cookie(&mut self, now: Instant, c: &Cookie, restarted: bool) {
        self.local_tag = c.local_tag;
        self.peer_tag = c.peer_tag;
        self.local_initial_tsn = c.local_initial_tsn;
        self.tcb = Some(Tcb::new(&self.cfg, c));
        if let Some(tcb) = &mut self.tcb {
            tcb.cookie_ack_due = true;
        }
        self.enter_established(now, restarted);
    }
}
