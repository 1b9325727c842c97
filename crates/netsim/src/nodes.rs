//! Small ready-made nodes for tests: a scriptable [`Probe`] and an [`Echo`] server.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use crate::{Datagram, Node};

/// A node that sends what the test tells it to and records what it receives.
#[derive(Clone, Debug, Default)]
pub struct Probe {
    outbox: VecDeque<Datagram>,
    received: Vec<(Instant, Datagram)>,
}

impl Probe {
    /// An idle probe.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a datagram; the network picks it up at its next step.
    pub fn send(
        &mut self,
        source: SocketAddr,
        destination: SocketAddr,
        payload: impl Into<Vec<u8>>,
    ) {
        self.outbox
            .push_back(Datagram::new(source, destination, payload));
    }

    /// Everything received so far, with its arrival time.
    pub fn received(&self) -> &[(Instant, Datagram)] {
        &self.received
    }

    /// Takes everything received so far.
    pub fn take_received(&mut self) -> Vec<(Instant, Datagram)> {
        std::mem::take(&mut self.received)
    }
}

impl Node for Probe {
    fn handle_datagram(&mut self, now: Instant, datagram: Datagram) {
        self.received.push((now, datagram));
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Datagram> {
        self.outbox.pop_front()
    }
}

/// A node that sends every datagram it receives back to where it came from, from the address it
/// was sent to, and counts them.
#[derive(Clone, Debug, Default)]
pub struct Echo {
    outbox: VecDeque<Datagram>,
    echoed: u64,
}

impl Echo {
    /// A fresh echo server.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many datagrams it has echoed.
    pub fn echoed(&self) -> u64 {
        self.echoed
    }
}

impl Node for Echo {
    fn handle_datagram(&mut self, _now: Instant, datagram: Datagram) {
        self.echoed += 1;
        self.outbox.push_back(Datagram {
            source: datagram.destination,
            destination: datagram.source,
            payload: datagram.payload,
        });
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Datagram> {
        self.outbox.pop_front()
    }
}
