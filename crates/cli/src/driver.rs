//! The run loop: real UDP sockets and the clock around sans-IO [`Peer`]s.
//!
//! A [`Driver`] owns any number of peers, each with one non-blocking UDP socket per local
//! address, and one `mio::Poll` that waits on all of them. One call to [`Driver::turn`] is one
//! turn of the loop:
//!
//! 1. send what every peer has queued (`poll_transmit`),
//! 2. sleep until a datagram arrives, a peer's `poll_timeout` passes, the caller's own deadline
//!    passes, or another thread wakes the loop through [`Driver::waker`],
//! 3. feed every datagram to its peer (`handle_datagram`) and fire due timers
//!    (`handle_timeout`), sending after each,
//! 4. collect the peers' events for the caller ([`Driver::poll_event`]).
//!
//! Everything the application does between turns (send a message, close a channel) only
//! queues work in the peer; the next turn sends it. That is the whole driver: the protocol
//! lives in the peer.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token, Waker};
use sansrtc_peer::{Event, Peer};

/// Index of a peer in its [`Driver`].
pub type PeerIndex = usize;

/// Sockets per peer (tokens are `peer * SOCKETS_PER_PEER + socket`).
const SOCKETS_PER_PEER: usize = 64;
const WAKER: Token = Token(usize::MAX);
/// Larger than any datagram on a 1500-byte path (and than the peer's MTU).
const RECEIVE_BUFFER: usize = 65536;

/// One peer and its sockets.
struct Endpoint {
    peer: Peer,
    sockets: Vec<(SocketAddr, UdpSocket)>,
    /// A datagram the kernel refused (send buffer full): sent first on the next writable turn,
    /// and until then the peer's queue is left alone, so nothing is reordered or lost.
    blocked: Option<(usize, SocketAddr, Vec<u8>)>,
}

/// The run loop for a set of peers. See the module documentation.
pub struct Driver {
    poll: Poll,
    events: Events,
    endpoints: Vec<Option<Endpoint>>,
    pending: VecDeque<(PeerIndex, Event)>,
    receive: Vec<u8>,
    transmit: Vec<u8>,
    waker: Option<Arc<Waker>>,
    /// Datagrams that could not be sent at all (no socket for the source, or an error).
    pub send_errors: u64,
}

impl Driver {
    /// An empty driver.
    pub fn new() -> io::Result<Self> {
        Ok(Driver {
            poll: Poll::new()?,
            events: Events::with_capacity(256),
            endpoints: Vec::new(),
            pending: VecDeque::new(),
            receive: vec![0; RECEIVE_BUFFER],
            transmit: Vec::with_capacity(RECEIVE_BUFFER),
            waker: None,
            send_errors: 0,
        })
    }

    /// A handle another thread (stdin reader, HTTP server) uses to end the current sleep.
    pub fn waker(&mut self) -> io::Result<Arc<Waker>> {
        if let Some(w) = &self.waker {
            return Ok(w.clone());
        }
        let w = Arc::new(Waker::new(self.poll.registry(), WAKER)?);
        self.waker = Some(w.clone());
        Ok(w)
    }

    /// Adds a peer with the sockets its host candidates are bound to.
    pub fn add(&mut self, peer: Peer, sockets: Vec<UdpSocket>) -> io::Result<PeerIndex> {
        if sockets.len() > SOCKETS_PER_PEER {
            return Err(io::Error::other("too many local addresses for one peer"));
        }
        let index = self
            .endpoints
            .iter()
            .position(Option::is_none)
            .unwrap_or(self.endpoints.len());
        let mut bound = Vec::with_capacity(sockets.len());
        for (i, mut socket) in sockets.into_iter().enumerate() {
            self.poll.registry().register(
                &mut socket,
                Token(index * SOCKETS_PER_PEER + i),
                Interest::READABLE | Interest::WRITABLE,
            )?;
            bound.push((socket.local_addr()?, socket));
        }
        let endpoint = Endpoint {
            peer,
            sockets: bound,
            blocked: None,
        };
        match self.endpoints.get_mut(index) {
            Some(slot) => *slot = Some(endpoint),
            None => self.endpoints.push(Some(endpoint)),
        }
        Ok(index)
    }

    /// Removes a peer (its sockets close). Queued events of that peer are dropped.
    pub fn remove(&mut self, index: PeerIndex) -> Option<Peer> {
        let mut endpoint = self.endpoints.get_mut(index)?.take()?;
        for (_, socket) in &mut endpoint.sockets {
            let _ = self.poll.registry().deregister(socket);
        }
        self.pending.retain(|(i, _)| *i != index);
        Some(endpoint.peer)
    }

    /// The peer at `index`.
    pub fn peer(&mut self, index: PeerIndex) -> Option<&mut Peer> {
        self.endpoints
            .get_mut(index)
            .and_then(Option::as_mut)
            .map(|e| &mut e.peer)
    }

    /// The next event of any peer, in order.
    pub fn poll_event(&mut self) -> Option<(PeerIndex, Event)> {
        self.pending.pop_front()
    }

    /// Sends everything the peers have queued, without waiting.
    pub fn flush(&mut self) {
        let now = Instant::now();
        for index in 0..self.endpoints.len() {
            self.drain(index, now);
        }
    }

    /// One turn of the loop; returns after at most `deadline` (if given), at the next peer timer,
    /// on a datagram or on a wake-up.
    pub fn turn(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        self.flush();
        let wake_at = self
            .endpoints
            .iter()
            .flatten()
            .filter_map(|e| e.peer.poll_timeout())
            .chain(deadline)
            .min();
        let timeout = wake_at.map(|t| t.saturating_duration_since(Instant::now()));
        // epoll counts in milliseconds and mio rounds up, so a sub-millisecond timer sleeps
        // about 1 ms; the next turn fires it.
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        let ready: Vec<Token> = self.events.iter().map(|e| e.token()).collect();
        for token in ready {
            if token == WAKER {
                continue;
            }
            let (index, socket) = (token.0 / SOCKETS_PER_PEER, token.0 % SOCKETS_PER_PEER);
            // Writable: retry the blocked datagram. Readable: drain the socket (edge-triggered).
            self.drain(index, Instant::now());
            self.receive_all(index, socket);
        }
        let now = Instant::now();
        for index in 0..self.endpoints.len() {
            if let Some(e) = self.endpoints.get_mut(index).and_then(Option::as_mut)
                && e.peer.poll_timeout().is_some_and(|t| t <= now)
            {
                e.peer.handle_timeout(now);
                self.drain(index, now);
            }
        }
        Ok(())
    }

    /// Reads datagrams from one socket until it would block, feeding each to the peer.
    fn receive_all(&mut self, index: PeerIndex, socket: usize) {
        loop {
            let Some(e) = self.endpoints.get_mut(index).and_then(Option::as_mut) else {
                return;
            };
            let Some((local, udp)) = e.sockets.get(socket) else {
                return;
            };
            let (len, from) = match udp.recv_from(&mut self.receive) {
                Ok(r) => r,
                // WouldBlock: drained. Other errors (ICMP port unreachable reported on the
                // socket): nothing to read now; ICE consent takes care of dead paths.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return,
            };
            let local = *local;
            let now = Instant::now();
            if let Some(datagram) = self.receive.get(..len) {
                e.peer.handle_datagram(now, local, from, datagram);
            }
            self.drain(index, now);
        }
    }

    /// Sends the peer's queued datagrams and collects its events.
    fn drain(&mut self, index: PeerIndex, now: Instant) {
        let Some(e) = self.endpoints.get_mut(index).and_then(Option::as_mut) else {
            return;
        };
        if let Some((socket, to, datagram)) = e.blocked.take() {
            match send(&e.sockets, socket, to, &datagram) {
                Sent::Ok | Sent::Failed => {}
                Sent::WouldBlock => {
                    e.blocked = Some((socket, to, datagram));
                    collect(&mut e.peer, index, &mut self.pending);
                    return;
                }
            }
        }
        while let Some(t) = e.peer.poll_transmit(now, &mut self.transmit) {
            let Some(socket) = e.sockets.iter().position(|(a, _)| *a == t.source) else {
                self.send_errors += 1;
                continue;
            };
            match send(&e.sockets, socket, t.destination, &self.transmit) {
                Sent::Ok => {}
                Sent::Failed => self.send_errors += 1,
                Sent::WouldBlock => {
                    e.blocked = Some((socket, t.destination, self.transmit.clone()));
                    break;
                }
            }
        }
        collect(&mut e.peer, index, &mut self.pending);
    }
}

enum Sent {
    Ok,
    WouldBlock,
    Failed,
}

fn send(sockets: &[(SocketAddr, UdpSocket)], socket: usize, to: SocketAddr, data: &[u8]) -> Sent {
    let Some((_, udp)) = sockets.get(socket) else {
        return Sent::Failed;
    };
    match udp.send_to(data, to) {
        Ok(_) => Sent::Ok,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Sent::WouldBlock,
        // Unreachable networks and the like: the datagram is lost, as UDP allows.
        Err(_) => Sent::Failed,
    }
}

fn collect(peer: &mut Peer, index: PeerIndex, pending: &mut VecDeque<(PeerIndex, Event)>) {
    while let Some(event) = peer.poll_event() {
        pending.push_back((index, event));
    }
}

/// How long a loop that has nothing to wait for sleeps (never forever: a closed peer has no
/// timer).
pub const IDLE: Duration = Duration::from_millis(200);
