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
//!
//! Syscalls are batched with `quinn-udp` where the kernel allows: consecutive datagrams of one
//! size to one destination leave in one `sendmsg` with UDP GSO (segmentation offload), and one
//! `recvmmsg` returns several datagrams, GRO-coalesced ones split at their stride. Without GSO
//! or GRO (older kernels, other systems) the same code sends and receives one datagram per call.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::io::IoSliceMut;

use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token, Waker};
use quinn_udp::{RecvMeta, UdpSockRef, UdpSocketState};
use sansrtc_peer::{Event, Peer};

/// Index of a peer in its [`Driver`].
pub type PeerIndex = usize;

/// Sockets per peer (tokens are `peer * SOCKETS_PER_PEER + socket`).
const SOCKETS_PER_PEER: usize = 64;
const WAKER: Token = Token(usize::MAX);
/// One receive buffer: room for a GRO train of up to 64 KiB (or one datagram of any size).
const RECEIVE_BUFFER: usize = 65536;
/// Receive buffers per `recvmmsg`.
const RECEIVE_BATCH: usize = 4;
/// The most bytes one GSO send carries (the kernel's limit for one UDP message is 64 KiB).
const GSO_BYTES: usize = 60 * 1024;

/// One UDP socket of a peer.
struct Socket {
    local: SocketAddr,
    udp: UdpSocket,
    /// quinn-udp's per-socket state: GSO/GRO support found at creation.
    state: UdpSocketState,
}

/// Datagrams of one size (the last may be shorter) from one socket to one destination.
struct Batch {
    socket: usize,
    destination: SocketAddr,
    segment: usize,
    data: Vec<u8>,
}

impl Batch {
    /// Whether a datagram of `len` bytes may join this batch.
    fn fits(
        &self,
        socket: usize,
        destination: SocketAddr,
        len: usize,
        max_segments: usize,
    ) -> bool {
        let segments = self.data.len() / self.segment.max(1);
        socket == self.socket
            && destination == self.destination
            && len <= self.segment
            && self.data.len().is_multiple_of(self.segment.max(1)) // the last one was full-sized
            && segments < max_segments
            && self.data.len() + len <= GSO_BYTES
    }
}

/// One peer and its sockets.
struct Endpoint {
    peer: Peer,
    sockets: Vec<Socket>,
    /// Batches the kernel refused (send buffer full): sent first on the next writable turn,
    /// and until then the peer's queue is left alone, so nothing is reordered or lost.
    blocked: VecDeque<Batch>,
}

/// The run loop for a set of peers. See the module documentation.
pub struct Driver {
    poll: Poll,
    events: Events,
    endpoints: Vec<Option<Endpoint>>,
    pending: VecDeque<(PeerIndex, Event)>,
    receive: Vec<Vec<u8>>,
    transmit: Vec<u8>,
    /// Spare batch buffers, so steady state does not allocate.
    spare: Vec<Vec<u8>>,
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
            receive: (0..RECEIVE_BATCH)
                .map(|_| vec![0; RECEIVE_BUFFER])
                .collect(),
            transmit: Vec::with_capacity(2048),
            spare: Vec::new(),
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
        for (i, mut udp) in sockets.into_iter().enumerate() {
            self.poll.registry().register(
                &mut udp,
                Token(index * SOCKETS_PER_PEER + i),
                Interest::READABLE | Interest::WRITABLE,
            )?;
            let state = UdpSocketState::new(UdpSockRef::from(&udp))?;
            bound.push(Socket {
                local: udp.local_addr()?,
                udp,
                state,
            });
        }
        let endpoint = Endpoint {
            peer,
            sockets: bound,
            blocked: VecDeque::new(),
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
        for socket in &mut endpoint.sockets {
            let _ = self.poll.registry().deregister(&mut socket.udp);
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
        let mut meta = [RecvMeta::default(); RECEIVE_BATCH];
        loop {
            let Some(e) = self.endpoints.get_mut(index).and_then(Option::as_mut) else {
                return;
            };
            let Some(s) = e.sockets.get(socket) else {
                return;
            };
            let local = s.local;
            let mut bufs: Vec<IoSliceMut<'_>> = self
                .receive
                .iter_mut()
                .map(|b| IoSliceMut::new(b))
                .collect();
            let n = match s.state.recv(UdpSockRef::from(&s.udp), &mut bufs, &mut meta) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // WouldBlock: drained. Other errors (ICMP port unreachable reported on the
                // socket): nothing to read now; ICE consent takes care of dead paths.
                Err(_) => return,
            };
            drop(bufs);
            let now = Instant::now();
            for (m, buf) in meta.iter().zip(&self.receive).take(n) {
                let Some(data) = buf.get(..m.len) else {
                    continue;
                };
                // A GRO train: datagrams at `stride` intervals, the last possibly shorter.
                for datagram in data.chunks(m.stride.max(1)) {
                    e.peer.handle_datagram(now, local, m.addr, datagram);
                }
            }
            self.drain(index, now);
        }
    }

    /// Sends the peer's queued datagrams (batched) and collects its events.
    fn drain(&mut self, index: PeerIndex, now: Instant) {
        let Driver {
            endpoints,
            pending,
            transmit,
            spare,
            send_errors,
            ..
        } = self;
        let Some(e) = endpoints.get_mut(index).and_then(Option::as_mut) else {
            return;
        };
        let mut out = Output {
            sockets: &e.sockets,
            blocked: &mut e.blocked,
            spare,
            send_errors,
        };
        if out.retry() {
            let mut batch: Option<Batch> = None;
            while let Some(t) = e.peer.poll_transmit(now, transmit) {
                let Some(socket) = out.sockets.iter().position(|s| s.local == t.source) else {
                    *out.send_errors += 1;
                    continue;
                };
                let max_segments = out
                    .sockets
                    .get(socket)
                    .map_or(1, |s| s.state.max_gso_segments());
                if let Some(full) =
                    batch.take_if(|b| !b.fits(socket, t.destination, t.len, max_segments))
                    && !out.send(full)
                {
                    // The socket is full: this datagram waits behind the refused batch.
                    let mut b = out.batch(socket, t.destination, t.len);
                    b.data.extend_from_slice(transmit);
                    out.blocked.push_back(b);
                    break;
                }
                batch
                    .get_or_insert_with(|| out.batch(socket, t.destination, t.len))
                    .data
                    .extend_from_slice(transmit);
            }
            if let Some(b) = batch {
                out.send(b);
            }
        }
        collect(&mut e.peer, index, pending);
    }
}

/// The sending side of one endpoint during a drain.
struct Output<'a> {
    sockets: &'a [Socket],
    blocked: &'a mut VecDeque<Batch>,
    spare: &'a mut Vec<Vec<u8>>,
    send_errors: &'a mut u64,
}

impl Output<'_> {
    /// An empty batch, reusing a spare buffer.
    fn batch(&mut self, socket: usize, destination: SocketAddr, segment: usize) -> Batch {
        let mut data = self.spare.pop().unwrap_or_default();
        data.clear();
        Batch {
            socket,
            destination,
            segment,
            data,
        }
    }

    /// Sends what an earlier drain could not; `false` while the socket is still full.
    fn retry(&mut self) -> bool {
        while let Some(batch) = self.blocked.pop_front() {
            if !self.send(batch) {
                return false;
            }
        }
        true
    }

    /// Sends one batch; `false` when the socket is full (the batch is then queued first).
    fn send(&mut self, batch: Batch) -> bool {
        match send(self.sockets, &batch) {
            Sent::Ok => {}
            Sent::Failed => *self.send_errors += 1,
            Sent::WouldBlock => {
                self.blocked.push_front(batch);
                return false;
            }
        }
        self.spare.push(batch.data);
        true
    }
}

enum Sent {
    Ok,
    WouldBlock,
    Failed,
}

fn send(sockets: &[Socket], batch: &Batch) -> Sent {
    let Some(s) = sockets.get(batch.socket) else {
        return Sent::Failed;
    };
    let transmit = quinn_udp::Transmit {
        destination: batch.destination,
        ecn: None,
        contents: &batch.data,
        segment_size: (batch.data.len() > batch.segment).then_some(batch.segment),
        src_ip: None,
    };
    match s.state.try_send(UdpSockRef::from(&s.udp), &transmit) {
        Ok(()) => Sent::Ok,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Sent::WouldBlock,
        // Unreachable networks and the like: the datagrams are lost, as UDP allows.
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
