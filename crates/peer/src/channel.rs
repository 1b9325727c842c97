//! Data channels as the application sees them (RTCDataChannel): ids that exist before the SCTP
//! stream is known, their state and counters.

use std::collections::BTreeMap;
use std::fmt;

pub use sansrtc_sctp::{ChannelConfig, Reliability};

/// A data channel of one [`Peer`](crate::Peer). Valid from
/// [`create_channel`](crate::Peer::create_channel) (or [`Event::ChannelOpen`](crate::Event) for
/// channels the peer opens) until [`Event::ChannelClosed`](crate::Event).
///
/// It is not the SCTP stream id: a channel created before the DTLS role is known gets its
/// stream (even for the DTLS client, odd for the server, RFC 8832 §6) once SCTP starts. See
/// [`ChannelInfo::stream_id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(u32);

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "channel#{}", self.0)
    }
}

/// `RTCDataChannelState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelState {
    /// Created; waiting for SCTP.
    Connecting,
    /// Messages flow.
    Open,
    /// Being closed (stream reset under way).
    Closing,
    /// Closed.
    Closed,
}

/// Counters of one channel (`RTCDataChannelStats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelStats {
    /// Messages handed to SCTP.
    pub messages_sent: u64,
    /// Payload bytes handed to SCTP.
    pub bytes_sent: u64,
    /// Messages delivered to the application.
    pub messages_received: u64,
    /// Payload bytes delivered to the application.
    pub bytes_received: u64,
}

/// What [`Peer::channel`](crate::Peer::channel) tells about a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    /// Label.
    pub label: String,
    /// Subprotocol.
    pub protocol: String,
    /// Ordered delivery.
    pub ordered: bool,
    /// Reliability.
    pub reliability: Reliability,
    /// Negotiated out of band (no DCEP).
    pub negotiated: bool,
    /// Created by us (false: opened by the peer).
    pub locally_created: bool,
    /// The SCTP stream id, once assigned.
    pub stream_id: Option<u16>,
    /// State.
    pub state: ChannelState,
    /// Counters.
    pub stats: ChannelStats,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub config: ChannelConfig,
    pub locally_created: bool,
    pub stream: Option<u16>,
    pub state: ChannelState,
    pub stats: ChannelStats,
    /// The low-threshold set before the stream existed.
    pub low_threshold: usize,
}

impl Entry {
    pub fn info(&self) -> ChannelInfo {
        ChannelInfo {
            label: self.config.label.clone(),
            protocol: self.config.protocol.clone(),
            ordered: self.config.ordered,
            reliability: self.config.reliability,
            negotiated: self.config.negotiated.is_some(),
            locally_created: self.locally_created,
            stream_id: self.stream,
            state: self.state,
            stats: self.stats,
        }
    }
}

/// Every channel that is not closed, by id and by stream.
#[derive(Debug, Default)]
pub(crate) struct Channels {
    entries: BTreeMap<ChannelId, Entry>,
    by_stream: BTreeMap<u16, ChannelId>,
    next: u32,
}

impl Channels {
    pub fn insert(&mut self, entry: Entry) -> ChannelId {
        let id = ChannelId(self.next);
        self.next = self.next.wrapping_add(1);
        if let Some(stream) = entry.stream {
            self.by_stream.insert(stream, id);
        }
        self.entries.insert(id, entry);
        id
    }

    pub fn get(&self, id: ChannelId) -> Option<&Entry> {
        self.entries.get(&id)
    }

    pub fn get_mut(&mut self, id: ChannelId) -> Option<&mut Entry> {
        self.entries.get_mut(&id)
    }

    pub fn by_stream(&self, stream: u16) -> Option<ChannelId> {
        self.by_stream.get(&stream).copied()
    }

    pub fn set_stream(&mut self, id: ChannelId, stream: u16) {
        if let Some(e) = self.entries.get_mut(&id) {
            e.stream = Some(stream);
            self.by_stream.insert(stream, id);
        }
    }

    pub fn remove(&mut self, id: ChannelId) -> Option<Entry> {
        let e = self.entries.remove(&id)?;
        if let Some(stream) = e.stream
            && self.by_stream.get(&stream) == Some(&id)
        {
            self.by_stream.remove(&stream);
        }
        Some(e)
    }

    pub fn ids(&self) -> impl Iterator<Item = ChannelId> + '_ {
        self.entries.keys().copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (ChannelId, &Entry)> {
        self.entries.iter().map(|(id, e)| (*id, e))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}
