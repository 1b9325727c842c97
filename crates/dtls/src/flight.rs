//! Flights and their retransmission (RFC 6347 §4.2.4), and the packing of records into
//! datagrams no larger than the MTU (§4.1.1).
//!
//! A flight is kept as whole messages, not as datagrams: each retransmission re-fragments and
//! re-protects them with fresh record sequence numbers, as §4.2.4 requires ("each
//! retransmission ... gets a new sequence number").

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// One message of an outgoing flight.
#[derive(Debug, Clone)]
pub(crate) enum FlightMessage {
    /// A handshake message, sent in `epoch`.
    Handshake {
        epoch: u16,
        msg_type: u8,
        message_seq: u16,
        body: Vec<u8>,
    },
    /// ChangeCipherSpec (epoch 0); messages after it go out in epoch 1.
    ChangeCipherSpec,
}

/// The last flight we sent and its retransmission timer.
#[derive(Debug, Default)]
pub(crate) struct Flight {
    pub messages: Vec<FlightMessage>,
    /// The `message_seq` of the first message of the peer flight this flight answers: seeing
    /// it again means the peer retransmitted, so we retransmit too (§4.2.4).
    pub answers_seq: Option<u16>,
    pub retransmit_at: Option<Instant>,
    /// When the flight last went out (peer-triggered retransmissions are spaced from it).
    pub last_sent: Option<Instant>,
    pub rto: Duration,
    pub retransmissions: u32,
}

/// Outgoing datagrams, packed up to the MTU, with a pool of spare buffers so a steady state
/// allocates nothing.
#[derive(Debug)]
pub(crate) struct Output {
    /// Finished datagrams, oldest first.
    queue: VecDeque<Vec<u8>>,
    /// The datagram being filled (empty: none).
    current: Vec<u8>,
    free: Vec<Vec<u8>>,
    mtu: usize,
}

impl Output {
    pub fn new(mtu: usize) -> Self {
        Self {
            queue: VecDeque::new(),
            current: Vec::new(),
            free: Vec::new(),
            mtu,
        }
    }

    pub fn mtu(&self) -> usize {
        self.mtu
    }

    /// Room left in the datagram being filled.
    pub fn room(&self) -> usize {
        self.mtu.saturating_sub(self.current.len())
    }

    /// Ends the datagram being filled: the next record starts a new one.
    pub fn close_datagram(&mut self) {
        if !self.current.is_empty() {
            let next = self.free.pop().unwrap_or_default();
            self.queue
                .push_back(core::mem::replace(&mut self.current, next));
        }
    }

    /// The datagram to append a record of `len` bytes to: the current one if it fits, else a
    /// new one.
    pub fn datagram_for(&mut self, len: usize) -> &mut Vec<u8> {
        if len > self.room() {
            self.close_datagram();
        }
        &mut self.current
    }

    /// Moves the next datagram into `buf` (swapping buffers, no copy).
    pub fn pop_into(&mut self, buf: &mut Vec<u8>) -> Option<usize> {
        if self.queue.is_empty() {
            self.close_datagram();
        }
        let mut next = self.queue.pop_front()?;
        core::mem::swap(buf, &mut next);
        next.clear();
        if self.free.len() < 16 {
            self.free.push(next);
        }
        Some(buf.len())
    }
}
