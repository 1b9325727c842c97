//! WebRTC data channels (RFC 8831) with in-band establishment (DCEP, RFC 8832) over one
//! [`Association`].
//!
//! [`DataChannels`] owns the association and has the same sans-IO shape (`handle_datagram`,
//! `handle_timeout`, `poll_transmit`, `poll_event`, `poll_timeout`). A channel is identified by
//! its SCTP stream identifier; in-band channels take even ids on the DTLS client and odd ids on
//! the DTLS server (RFC 8832 §6), negotiated channels use the id both sides agreed on.
//!
//! Lifecycle: `create_channel` → [`ChannelEvent::Open`] once the association is up (the peer
//! sees `Open` when our DATA_CHANNEL_OPEN arrives); `close_channel` or the peer's close →
//! [`ChannelEvent::Closing`] → both directions of the stream reset (RFC 8831 §6.7) →
//! [`ChannelEvent::Closed`], after which the id may be reused.

pub mod dcep;

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use bytes::Bytes;
use rand_core::{CryptoRng, RngCore};

use crate::association::{Association, CloseReason, Event};
use crate::tx::send_queue::SendOptions;
use crate::{Config, Error, Message};
use dcep::{Dcep, Open, Reliability, ppid};

/// Which side of the DTLS handshake this endpoint is: it decides the stream-id parity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsRole {
    /// DTLS client: even stream identifiers.
    Client,
    /// DTLS server: odd stream identifiers.
    Server,
}

/// The parameters of a new data channel (the RTCDataChannelInit of the W3C API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    /// Label (may be empty).
    pub label: String,
    /// Subprotocol (may be empty).
    pub protocol: String,
    /// Ordered delivery (default true).
    pub ordered: bool,
    /// Reliable or partially reliable (default reliable).
    pub reliability: Reliability,
    /// DCEP priority (default 256, "low" in the W3C mapping); carried, not used for
    /// scheduling.
    pub priority: u16,
    /// `Some(id)`: a negotiated channel on a pre-agreed stream id, without DCEP.
    pub negotiated: Option<u16>,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        Self {
            label: String::new(),
            protocol: String::new(),
            ordered: true,
            reliability: Reliability::Reliable,
            priority: 256,
            negotiated: None,
        }
    }
}

impl ChannelConfig {
    /// A reliable, ordered channel with this label.
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            ..Self::default()
        }
    }
}

/// RTCDataChannelState.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelState {
    /// Created; the association is not up yet.
    Connecting,
    /// Messages flow.
    Open,
    /// A stream reset is under way.
    Closing,
}

/// One data channel.
#[derive(Debug, Clone)]
pub struct Channel {
    id: u16,
    label: String,
    protocol: String,
    ordered: bool,
    reliability: Reliability,
    priority: u16,
    negotiated: bool,
    local: bool,
    state: ChannelState,
    /// DATA_CHANNEL_ACK (or any message) received: the channel's ordering applies (RFC 8832 §6).
    acked: bool,
    incoming_reset: bool,
    outgoing_reset: bool,
}

impl Channel {
    /// Stream identifier.
    pub fn id(&self) -> u16 {
        self.id
    }
    /// Label.
    pub fn label(&self) -> &str {
        &self.label
    }
    /// Subprotocol.
    pub fn protocol(&self) -> &str {
        &self.protocol
    }
    /// Ordered delivery.
    pub fn ordered(&self) -> bool {
        self.ordered
    }
    /// Reliability.
    pub fn reliability(&self) -> Reliability {
        self.reliability
    }
    /// DCEP priority.
    pub fn priority(&self) -> u16 {
        self.priority
    }
    /// Negotiated out of band.
    pub fn negotiated(&self) -> bool {
        self.negotiated
    }
    /// Created by this side (false: opened by the peer's DATA_CHANNEL_OPEN).
    pub fn locally_created(&self) -> bool {
        self.local
    }
    /// State.
    pub fn state(&self) -> ChannelState {
        self.state
    }
}

/// What happened, drained with [`DataChannels::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelEvent {
    /// The SCTP association is established.
    Connected,
    /// A channel is open: one we created (once the association is up) or one the peer opened
    /// (look it up with [`DataChannels::channel`] for its label and protocol).
    Open(u16),
    /// A message arrived. `binary` tells WebRTC Binary from WebRTC String (UTF-8, not
    /// validated); the empty-message PPIDs arrive as empty `data`.
    Message {
        /// Channel id.
        channel: u16,
        /// Binary (true) or string (false).
        binary: bool,
        /// The message, handed over without a copy.
        data: Vec<u8>,
    },
    /// The channel is closing (closed by us or by the peer).
    Closing(u16),
    /// The channel is closed; its id may be reused.
    Closed(u16),
    /// The channel's buffered amount fell to or below its threshold.
    BufferedAmountLow(u16),
    /// The association ended (every channel got `Closed` before this); terminal.
    Disconnected(CloseReason),
}

/// Data channels over one SCTP association.
#[derive(Debug)]
pub struct DataChannels {
    assoc: Association,
    role: DtlsRole,
    channels: BTreeMap<u16, Channel>,
    events: VecDeque<ChannelEvent>,
    last_now: Option<Instant>,
    next_id: u16,
}

impl DataChannels {
    /// Data channels over a new association; `role` is our DTLS role (RFC 8832 §6 parity).
    pub fn new(config: Config, role: DtlsRole, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self {
            assoc: Association::new(config, rng),
            role,
            channels: BTreeMap::new(),
            events: VecDeque::new(),
            last_now: None,
            next_id: match role {
                DtlsRole::Client => 0,
                DtlsRole::Server => 1,
            },
        }
    }

    /// Starts the association (both WebRTC peers do, RFC 8831 §6.1).
    pub fn connect(&mut self, now: Instant) {
        self.last_now = Some(now);
        self.assoc.connect(now);
    }

    /// The association underneath (state, statistics, negotiated extensions).
    pub fn association(&self) -> &Association {
        &self.assoc
    }

    /// The association, mutably (for `shutdown` or `abort`).
    pub fn association_mut(&mut self) -> &mut Association {
        &mut self.assoc
    }

    /// Our DTLS role.
    pub fn role(&self) -> DtlsRole {
        self.role
    }

    /// A channel by id.
    pub fn channel(&self, id: u16) -> Option<&Channel> {
        self.channels.get(&id)
    }

    /// All channels that are not closed.
    pub fn channels(&self) -> impl Iterator<Item = &Channel> {
        self.channels.values()
    }

    fn ours(&self, id: u16) -> bool {
        id.is_multiple_of(2) == (self.role == DtlsRole::Client)
    }

    fn free(&self, id: u16) -> bool {
        !self.channels.contains_key(&id) && id < self.assoc.outbound_streams() && id != u16::MAX
    }

    /// Creates a channel and returns its id. In-band channels send DATA_CHANNEL_OPEN (queued
    /// until the association is up); negotiated ones use `config.negotiated` as is.
    pub fn create_channel(&mut self, now: Instant, config: ChannelConfig) -> Result<u16, Error> {
        self.last_now = Some(now);
        if self.assoc.close_reason().is_some() {
            return Err(Error::Closed);
        }
        let id = match config.negotiated {
            Some(id) => {
                if !self.free(id) {
                    return Err(Error::ChannelIdInUse(id));
                }
                id
            }
            None => self.allocate_id()?,
        };
        let open = self.assoc.is_established();
        let channel = Channel {
            id,
            label: config.label,
            protocol: config.protocol,
            ordered: config.ordered,
            reliability: config.reliability,
            priority: config.priority,
            negotiated: config.negotiated.is_some(),
            local: true,
            state: if open {
                ChannelState::Open
            } else {
                ChannelState::Connecting
            },
            acked: config.negotiated.is_some(),
            incoming_reset: false,
            outgoing_reset: false,
        };
        if !channel.negotiated {
            let msg = Dcep::Open(Open {
                ordered: channel.ordered,
                reliability: channel.reliability,
                priority: channel.priority,
                label: channel.label.clone(),
                protocol: channel.protocol.clone(),
            })
            .encode();
            self.assoc
                .send_bytes(now, id, ppid::DCEP, msg.into(), SendOptions::default())?;
        }
        self.assoc.set_buffered_amount_low_threshold(id, 0);
        self.channels.insert(id, channel);
        if open {
            self.events.push_back(ChannelEvent::Open(id));
        }
        Ok(id)
    }

    fn allocate_id(&mut self) -> Result<u16, Error> {
        let limit = self.assoc.outbound_streams().min(u16::MAX - 1);
        let start = self.next_id;
        let mut id = start;
        loop {
            if self.free(id) && self.ours(id) {
                self.next_id = id.wrapping_add(2) % limit.max(2);
                if !self.ours(self.next_id) {
                    self.next_id = self.next_id.wrapping_add(1);
                }
                return Ok(id);
            }
            id = id.wrapping_add(2);
            if id >= limit {
                id = u16::from(self.role == DtlsRole::Server);
            }
            if id == start {
                return Err(Error::NoFreeStream);
            }
        }
    }

    /// Sends a string message (WebRTC String, or String Empty for "").
    pub fn send_text(&mut self, now: Instant, id: u16, text: &str) -> Result<(), Error> {
        self.send_inner(now, id, false, Bytes::copy_from_slice(text.as_bytes()))
    }

    /// Sends a binary message (WebRTC Binary, or Binary Empty for an empty slice).
    pub fn send_binary(&mut self, now: Instant, id: u16, data: &[u8]) -> Result<(), Error> {
        self.send_inner(now, id, true, Bytes::copy_from_slice(data))
    }

    /// Sends a message without copying it: `binary` chooses the PPID as above.
    pub fn send(&mut self, now: Instant, id: u16, binary: bool, data: Bytes) -> Result<(), Error> {
        self.send_inner(now, id, binary, data)
    }

    fn send_inner(
        &mut self,
        now: Instant,
        id: u16,
        binary: bool,
        data: Bytes,
    ) -> Result<(), Error> {
        self.last_now = Some(now);
        let ch = self.channels.get(&id).ok_or(Error::UnknownChannel(id))?;
        if ch.state == ChannelState::Closing {
            return Err(Error::StreamClosing(id));
        }
        let (ppid, data) = match (binary, data.is_empty()) {
            (false, false) => (ppid::STRING, data),
            (true, false) => (ppid::BINARY, data),
            // RFC 8831 §6.6: empty messages travel as one zero byte with the Empty PPIDs.
            (false, true) => (ppid::STRING_EMPTY, Bytes::from_static(&[0])),
            (true, true) => (ppid::BINARY_EMPTY, Bytes::from_static(&[0])),
        };
        let opts = SendOptions {
            // RFC 8832 §6: ordered until the peer acknowledged the channel.
            unordered: !ch.ordered && ch.acked,
            max_retransmits: match ch.reliability {
                Reliability::MaxRetransmits(n) => Some(n),
                _ => None,
            },
            lifetime: match ch.reliability {
                Reliability::MaxLifetime(d) => Some(d),
                _ => None,
            },
        };
        self.assoc.send_bytes(now, id, ppid, data, opts)
    }

    /// Closes a channel: resets its outgoing stream (RFC 8831 §6.7) after the messages
    /// already queued on it.
    pub fn close_channel(&mut self, now: Instant, id: u16) -> Result<(), Error> {
        self.last_now = Some(now);
        let ch = self
            .channels
            .get_mut(&id)
            .ok_or(Error::UnknownChannel(id))?;
        if ch.state == ChannelState::Closing {
            return Ok(());
        }
        ch.state = ChannelState::Closing;
        self.events.push_back(ChannelEvent::Closing(id));
        if self.assoc.close_reason().is_some() {
            return Ok(());
        }
        self.assoc.reset_streams(now, &[id])
    }

    /// Bytes queued on the channel and not yet sent (RTCDataChannel.bufferedAmount).
    pub fn buffered_amount(&self, id: u16) -> usize {
        self.assoc.buffered_amount(id)
    }

    /// Sets the threshold for [`ChannelEvent::BufferedAmountLow`]
    /// (RTCDataChannel.bufferedAmountLowThreshold).
    pub fn set_buffered_amount_low_threshold(&mut self, id: u16, threshold: usize) {
        self.assoc.set_buffered_amount_low_threshold(id, threshold);
    }

    /// Feeds one decrypted SCTP packet.
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        self.last_now = Some(now);
        self.assoc.handle_datagram(now, datagram);
        self.pump(now);
    }

    /// Time reached [`poll_timeout`](Self::poll_timeout).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.last_now = Some(now);
        self.assoc.handle_timeout(now);
        self.pump(now);
    }

    /// Writes the next SCTP packet into `buf`; see [`Association::poll_transmit`].
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        self.assoc.poll_transmit(now, buf)
    }

    /// The earliest timer deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.assoc.poll_timeout()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ChannelEvent> {
        if self.events.is_empty()
            && let Some(now) = self.last_now
        {
            self.pump(now);
        }
        let e = self.events.pop_front()?;
        if let ChannelEvent::Message { data, .. } = &e {
            self.assoc.release_receive_credit(data.len());
        }
        Some(e)
    }

    /// Moves the association's events into channel events, answering DCEP and stream resets
    /// right away so the replies go out with the next `poll_transmit`.
    fn pump(&mut self, now: Instant) {
        while let Some(e) = self.assoc.poll_event_keep_credit() {
            match e {
                Event::Connected => {
                    self.events.push_back(ChannelEvent::Connected);
                    for ch in self.channels.values_mut() {
                        if ch.state == ChannelState::Connecting {
                            ch.state = ChannelState::Open;
                            self.events.push_back(ChannelEvent::Open(ch.id));
                        }
                    }
                }
                Event::Message(m) => self.on_message(now, m),
                Event::IncomingStreamsReset(streams) => {
                    for id in streams {
                        self.on_incoming_reset(now, id);
                    }
                }
                Event::OutgoingStreamsReset(streams)
                | Event::OutgoingStreamsResetFailed(streams) => {
                    for id in streams {
                        if let Some(ch) = self.channels.get_mut(&id) {
                            ch.outgoing_reset = true;
                        }
                        self.maybe_closed(id);
                    }
                }
                Event::BufferedAmountLow(id) => {
                    if self.channels.contains_key(&id) {
                        self.events.push_back(ChannelEvent::BufferedAmountLow(id));
                    }
                }
                Event::Restarted => {
                    // RFC 9260 §5.2.4: the peer lost its state, so its channels are gone.
                    self.close_all();
                    self.events.push_back(ChannelEvent::Connected);
                }
                Event::Closed(reason) => {
                    self.close_all();
                    self.events.push_back(ChannelEvent::Disconnected(reason));
                }
            }
        }
    }

    fn close_all(&mut self) {
        for (id, ch) in core::mem::take(&mut self.channels) {
            if ch.state != ChannelState::Closing {
                self.events.push_back(ChannelEvent::Closing(id));
            }
            self.events.push_back(ChannelEvent::Closed(id));
        }
    }

    fn on_message(&mut self, now: Instant, m: Message) {
        let id = m.stream_id;
        if m.ppid == ppid::DCEP {
            self.assoc.release_receive_credit(m.payload.len());
            match Dcep::parse(&m.payload) {
                Ok(Dcep::Open(open)) => self.on_open(now, id, open),
                Ok(Dcep::Ack) => {
                    if let Some(ch) = self.channels.get_mut(&id) {
                        ch.acked = true;
                    }
                }
                Err(_) => self.reject_stream(now, id),
            }
            return;
        }
        let Some(ch) = self.channels.get_mut(&id) else {
            // RFC 8832 §6: user data on an unused stream is an error; close the stream.
            self.assoc.release_receive_credit(m.payload.len());
            self.reject_stream(now, id);
            return;
        };
        ch.acked = true;
        let (binary, empty) = match m.ppid {
            ppid::STRING | ppid::STRING_PARTIAL => (false, false),
            ppid::BINARY | ppid::BINARY_PARTIAL => (true, false),
            ppid::STRING_EMPTY => (false, true),
            ppid::BINARY_EMPTY => (true, true),
            _ => {
                // RFC 8831 §6.6: unknown PPID: close the channel.
                self.assoc.release_receive_credit(m.payload.len());
                let _ = self.close_channel(now, id);
                return;
            }
        };
        let mut data = m.payload;
        if empty {
            self.assoc.release_receive_credit(data.len());
            data.clear();
        }
        self.events.push_back(ChannelEvent::Message {
            channel: id,
            binary,
            data,
        });
    }

    /// RFC 8832 §6: a valid DATA_CHANNEL_OPEN on an unused stream of the peer's parity opens a
    /// channel and is acknowledged; anything else closes the stream.
    fn on_open(&mut self, now: Instant, id: u16, open: Open) {
        if self.ours(id) || self.channels.contains_key(&id) {
            self.reject_stream(now, id);
            return;
        }
        let ack = Dcep::Ack.encode();
        if self
            .assoc
            .send_bytes(now, id, ppid::DCEP, ack.into(), SendOptions::default())
            .is_err()
        {
            return;
        }
        self.assoc.set_buffered_amount_low_threshold(id, 0);
        self.channels.insert(
            id,
            Channel {
                id,
                label: open.label,
                protocol: open.protocol,
                ordered: open.ordered,
                reliability: open.reliability,
                priority: open.priority,
                negotiated: false,
                local: false,
                state: ChannelState::Open,
                acked: true,
                incoming_reset: false,
                outgoing_reset: false,
            },
        );
        self.events.push_back(ChannelEvent::Open(id));
    }

    fn reject_stream(&mut self, now: Instant, id: u16) {
        if !self.channels.contains_key(&id) {
            let _ = self.assoc.reset_streams(now, &[id]);
        }
    }

    /// The peer reset its side of the stream: close ours too (RFC 8831 §6.7).
    fn on_incoming_reset(&mut self, now: Instant, id: u16) {
        let Some(ch) = self.channels.get_mut(&id) else {
            return;
        };
        ch.incoming_reset = true;
        if ch.state != ChannelState::Closing {
            ch.state = ChannelState::Closing;
            self.events.push_back(ChannelEvent::Closing(id));
            if self.assoc.reset_streams(now, &[id]).is_err()
                && let Some(ch) = self.channels.get_mut(&id)
            {
                ch.outgoing_reset = true;
            }
        }
        self.maybe_closed(id);
    }

    fn maybe_closed(&mut self, id: u16) {
        if self
            .channels
            .get(&id)
            .is_some_and(|c| c.incoming_reset && c.outgoing_reset)
        {
            self.channels.remove(&id);
            self.events.push_back(ChannelEvent::Closed(id));
        }
    }
}
