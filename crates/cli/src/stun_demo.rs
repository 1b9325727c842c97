//! The interim `sansrtc demo`: a STUN Binding exchange over real loopback UDP.
//!
//! A [`ServerThread`] answers on one socket; the client drives a sans-IO
//! [`ClientTransaction`] from another, the way every sansrtc driver works: feed it datagrams and
//! the time, send what `poll_transmit` writes, sleep (in `recv_from`) until `poll_timeout`.
//! The request is an ICE connectivity check (RFC 8445 §7.1): USERNAME, PRIORITY,
//! ICE-CONTROLLING, MESSAGE-INTEGRITY and FINGERPRINT; the response must carry a valid
//! MESSAGE-INTEGRITY and FINGERPRINT before the transaction sees it (RFC 8489 §6.3.4).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use rand_core::OsRng;
use sansrtc_stun::{
    Attribute, Class, ClientTransaction, IntegrityKey, Message, MessageBuilder, Method,
    TransactionConfig, TransactionEvent, TransactionId,
};

use crate::stun_server::{Credentials, ServerThread};

/// The demo's options (the `sansrtc demo` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Number of Binding transactions to run, one after the other.
    pub count: u32,
    /// Use `[::1]` instead of `127.0.0.1`.
    pub ipv6: bool,
    /// The server ignores this many requests first, so the client retransmits (RFC 8489 §6.2.1).
    pub drop_first: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            count: 3,
            ipv6: false,
            drop_first: 0,
        }
    }
}

/// What one transaction found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    /// XOR-MAPPED-ADDRESS of the success response.
    pub mapped: SocketAddr,
    /// Requests sent (1 unless the server dropped some).
    pub transmissions: u32,
    /// The transaction's RTT sample: `None` after a retransmission (Karn's algorithm).
    pub rtt: Option<Duration>,
    /// From the first request to the response, measured by the driver.
    pub elapsed: Duration,
    /// Size of the request and the response, in bytes.
    pub sizes: (usize, usize),
}

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A socket call failed.
    #[error("UDP socket: {0}")]
    Io(#[from] io::Error),
    /// Building the request failed (a bug in this demo).
    #[error("building the request: {0}")]
    Stun(#[from] sansrtc_stun::Error),
    /// No response after the full RFC 8489 retransmission schedule.
    #[error("no response after {0} requests")]
    TimedOut(u32),
    /// The server answered with an error response.
    #[error("the server answered with an error response")]
    ErrorResponse,
    /// The success response lacked XOR-MAPPED-ADDRESS.
    #[error("the success response carries no XOR-MAPPED-ADDRESS")]
    NoMappedAddress,
}

/// ICE-style credentials: the server's ufrag and password, the client's ufrag.
const SERVER_UFRAG: &str = "srvr";
const CLIENT_UFRAG: &str = "clnt";
const SERVER_PASSWORD: &str = "demo-password-of-server";

/// Runs the demo: starts the server, then `options.count` transactions, calling `report` after
/// each so the caller can print as it goes.
pub fn run(options: Options, mut report: impl FnMut(&Event<'_>)) -> Result<Vec<Exchange>, Error> {
    let ip = if options.ipv6 {
        IpAddr::V6(Ipv6Addr::LOCALHOST)
    } else {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    };
    let key = IntegrityKey::short_term(SERVER_PASSWORD);
    let username = format!("{SERVER_UFRAG}:{CLIENT_UFRAG}");
    let credentials = Credentials {
        username: username.clone(),
        key: key.clone(),
    };
    let server = ServerThread::spawn(SocketAddr::new(ip, 0), credentials, options.drop_first)?;
    let socket = UdpSocket::bind(SocketAddr::new(ip, 0))?;
    report(&Event::Started {
        server: server.address(),
        client: socket.local_addr()?,
    });

    let mut client = Client {
        socket,
        server: server.address(),
        key,
        username,
        datagram: vec![0; 1500],
        transmit: Vec::with_capacity(256),
    };
    let mut exchanges = Vec::new();
    for i in 0..options.count {
        let exchange = client.binding(u64::from(i))?;
        report(&Event::Exchange(&exchange));
        exchanges.push(exchange);
    }
    Ok(exchanges)
}

/// Progress reported by [`run`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Both sockets are bound.
    Started {
        /// The server's address.
        server: SocketAddr,
        /// The client's address (what the server should report back).
        client: SocketAddr,
    },
    /// One transaction completed.
    Exchange(&'a Exchange),
}

/// The client side: one socket, reused buffers.
struct Client {
    socket: UdpSocket,
    server: SocketAddr,
    key: IntegrityKey,
    username: String,
    datagram: Vec<u8>,
    transmit: Vec<u8>,
}

impl Client {
    /// One Binding transaction, driven to its end.
    fn binding(&mut self, tie_breaker: u64) -> Result<Exchange, Error> {
        let mut request = Vec::with_capacity(128);
        let mut b = MessageBuilder::new(
            &mut request,
            Class::Request,
            Method::BINDING,
            TransactionId::random(&mut OsRng),
        );
        b.add(&Attribute::Username(&self.username))?;
        // RFC 8445 §5.1.2.1: host candidate, local preference 65535, component 1.
        b.add(&Attribute::Priority((126 << 24) | (65535 << 8) | 255))?;
        b.add(&Attribute::IceControlling(tie_breaker))?;
        b.add_message_integrity(&self.key)?;
        b.add_fingerprint()?;
        let request_len = b.finish();

        let local = self.socket.local_addr()?;
        let start = Instant::now();
        let mut tx = ClientTransaction::new(
            start,
            &request,
            Some(local),
            self.server,
            TransactionConfig::default(),
        )?;
        let mut found: Option<(SocketAddr, usize)> = None;
        let mut sent = 0;
        loop {
            let now = Instant::now();
            tx.handle_timeout(now);
            while let Some(transmit) = tx.poll_transmit(now, &mut self.transmit) {
                self.socket.send_to(&self.transmit, transmit.destination)?;
                sent += 1;
            }
            match tx.poll_event() {
                Some(TransactionEvent::Response { class, rtt }) => {
                    if class != Class::SuccessResponse {
                        return Err(Error::ErrorResponse);
                    }
                    let (mapped, response_len) = found.ok_or(Error::NoMappedAddress)?;
                    return Ok(Exchange {
                        mapped,
                        transmissions: sent,
                        rtt,
                        elapsed: now.saturating_duration_since(start),
                        sizes: (request_len, response_len),
                    });
                }
                Some(TransactionEvent::TimedOut) => return Err(Error::TimedOut(sent)),
                None => {}
            }
            let Some(deadline) = tx.poll_timeout() else {
                return Err(Error::TimedOut(sent));
            };
            // Sleep in recv_from until the transaction's next deadline (0 would mean "block").
            let wait = deadline.saturating_duration_since(Instant::now());
            self.socket
                .set_read_timeout(Some(wait.max(Duration::from_micros(50))))?;
            let (len, from) = match self.socket.recv_from(&mut self.datagram) {
                Ok(received) => received,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let Some(datagram) = self.datagram.get(..len) else {
                continue;
            };
            // Authenticate before the transaction sees it (RFC 8489 §6.3.4, §9.1.4).
            let Ok(response) = Message::parse(datagram) else {
                continue;
            };
            if from != self.server
                || response.verify_fingerprint().is_err()
                || (response.class() == Class::SuccessResponse
                    && response.verify_integrity(&self.key).is_err())
            {
                continue;
            }
            let mapped = response.xor_mapped_address().and_then(Result::ok);
            if tx.handle_response(Instant::now(), &response) {
                found = mapped.map(|m| (m, len));
            }
        }
    }
}
