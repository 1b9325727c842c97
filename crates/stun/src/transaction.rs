//! The client transaction over UDP (RFC 8489 §6.2.1, §6.3.4), as a sans-IO state machine.
//!
//! A request is sent at once and retransmitted after RTO, 2·RTO, 4·RTO, ... until Rc requests
//! have been sent; the transaction then waits Rm·RTO for a response before it times out. With the
//! defaults (RTO = 500 ms, Rc = 7, Rm = 16) the requests leave at 0, 500, 1500, 3500, 7500,
//! 15500 and 31500 ms and the transaction fails at 39500 ms.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::message::{Class, Message, Method, TransactionId};

/// Retransmission parameters (RFC 8489 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransactionConfig {
    /// Initial retransmission timeout, RTO. Default 500 ms; RFC 8489 asks for at least 500 ms
    /// unless the path's RTT is known (ICE paces its checks with its own Ta instead).
    pub rto: Duration,
    /// Rc: the total number of requests sent. Default 7; 0 acts as 1 (the request is always
    /// sent once).
    pub max_transmissions: u32,
    /// Rm: after the last request, wait Rm·RTO for the response. Default 16.
    pub last_wait_multiplier: u32,
}

impl Default for TransactionConfig {
    fn default() -> Self {
        Self {
            rto: Duration::from_millis(500),
            max_transmissions: 7,
            last_wait_multiplier: 16,
        }
    }
}

/// Where a datagram written by `poll_transmit` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// The local address to send from, if the transaction was bound to one.
    pub source: Option<SocketAddr>,
    /// The server (or peer) address.
    pub destination: SocketAddr,
}

/// What a transaction reports through [`ClientTransaction::poll_event`]. Each transaction
/// reports exactly one event, then is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionEvent {
    /// A response with our transaction id and method arrived.
    Response {
        /// Success or error response.
        class: Class,
        /// The round-trip time, when the request was sent only once (Karn's algorithm: a
        /// response to a retransmitted request cannot be matched to one send).
        rtt: Option<Duration>,
    },
    /// No response after Rc requests and the final Rm·RTO wait (RFC 8489 §6.2.1).
    TimedOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Sending and waiting for the response.
    Active {
        /// Requests sent so far.
        transmissions: u32,
        /// Whether a (re)transmission is due and waits for `poll_transmit`.
        send_pending: bool,
        /// When the next retransmission is due, or the transaction times out once all are sent.
        deadline: Instant,
        /// The interval before the next retransmission.
        rto: Duration,
    },
    /// Ended by a response or a timeout; the event may still be waiting in `event`.
    Done,
}

/// One STUN request and its retransmissions until a response or timeout.
///
/// Drive it like every sansrtc state machine:
///
/// ```
/// use std::time::{Duration, Instant};
/// use sansrtc_stun::{Class, ClientTransaction, Message, MessageBuilder, Method, TransactionConfig,
///     TransactionEvent, TransactionId};
///
/// let now = Instant::now();
/// let mut request = Vec::new();
/// MessageBuilder::new(&mut request, Class::Request, Method::BINDING, TransactionId::new([1; 12]));
/// let server = "192.0.2.1:3478".parse().unwrap();
/// let mut tx = ClientTransaction::new(now, &request, None, server, TransactionConfig::default())?;
///
/// let mut buf = Vec::new();
/// let transmit = tx.poll_transmit(now, &mut buf).unwrap(); // send buf to transmit.destination
/// assert_eq!(transmit.destination, server);
/// assert_eq!(tx.poll_timeout(), Some(now + Duration::from_millis(500)));
///
/// // ... a datagram arrives: parse it, verify integrity if the request carried it, then:
/// let mut response = Vec::new();
/// MessageBuilder::new(&mut response, Class::SuccessResponse, Method::BINDING, TransactionId::new([1; 12]));
/// let later = now + Duration::from_millis(20);
/// assert!(tx.handle_response(later, &Message::parse(&response)?));
/// assert_eq!(
///     tx.poll_event(),
///     Some(TransactionEvent::Response { class: Class::SuccessResponse, rtt: Some(Duration::from_millis(20)) })
/// );
/// assert_eq!(tx.poll_timeout(), None);
/// # Ok::<(), sansrtc_stun::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientTransaction {
    id: TransactionId,
    method: Method,
    request: Vec<u8>,
    source: Option<SocketAddr>,
    destination: SocketAddr,
    config: TransactionConfig,
    first_sent: Option<Instant>,
    state: State,
    event: Option<TransactionEvent>,
}

impl ClientTransaction {
    /// Starts a transaction for `request` (an encoded STUN request, copied once) to
    /// `destination`. The first transmission is due at `now`.
    pub fn new(
        now: Instant,
        request: &[u8],
        source: Option<SocketAddr>,
        destination: SocketAddr,
        config: TransactionConfig,
    ) -> Result<Self, Error> {
        let message = Message::parse(request)?;
        if message.class() != Class::Request {
            return Err(Error::NotARequest);
        }
        Ok(Self {
            id: message.transaction_id(),
            method: message.method(),
            request: request.to_vec(),
            source,
            destination,
            config,
            first_sent: None,
            state: State::Active {
                transmissions: 0,
                send_pending: true,
                deadline: now,
                rto: config.rto,
            },
            event: None,
        })
    }

    /// The transaction id responses are matched on.
    pub const fn transaction_id(&self) -> TransactionId {
        self.id
    }

    /// The request as sent.
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// Where the request goes.
    pub const fn destination(&self) -> SocketAddr {
        self.destination
    }

    /// Whether the transaction has ended (its event may still be waiting in `poll_event`).
    pub const fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Requests sent so far.
    pub const fn transmissions(&self) -> u32 {
        match self.state {
            State::Active { transmissions, .. } => transmissions,
            State::Done => 0,
        }
    }

    /// Fires the retransmission or final timeout if `now` has reached it; a spurious call does
    /// nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        let State::Active {
            transmissions,
            send_pending,
            deadline,
            ..
        } = &mut self.state
        else {
            return;
        };
        if *send_pending || now < *deadline {
            return;
        }
        if *transmissions < self.config.max_transmissions {
            *send_pending = true;
        } else {
            self.state = State::Done;
            self.event = Some(TransactionEvent::TimedOut);
        }
    }

    /// Writes the request into `buf` (cleared first) when a transmission is due.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        let State::Active {
            transmissions,
            send_pending,
            deadline,
            rto,
        } = &mut self.state
        else {
            return None;
        };
        if !*send_pending {
            return None;
        }
        *send_pending = false;
        *transmissions += 1;
        if *transmissions < self.config.max_transmissions {
            *deadline = now + *rto;
            *rto = rto.saturating_mul(2);
        } else {
            *deadline = now
                + self
                    .config
                    .rto
                    .saturating_mul(self.config.last_wait_multiplier);
        }
        self.first_sent.get_or_insert(now);
        buf.clear();
        buf.extend_from_slice(&self.request);
        Some(Transmit {
            source: self.source,
            destination: self.destination,
        })
    }

    /// Offers a received message. Returns whether it was the response to this transaction
    /// (same transaction id and method, response class); other messages are left to the caller.
    ///
    /// Authenticate the response (e.g. [`Message::verify_integrity`]) before offering it: RFC
    /// 8489 §6.3.4 has a response that fails authentication discarded, and the transaction then
    /// keeps waiting for a genuine one.
    pub fn handle_response(&mut self, now: Instant, response: &Message<'_>) -> bool {
        let State::Active { transmissions, .. } = self.state else {
            return false;
        };
        if response.transaction_id() != self.id
            || !response.class().is_response()
            || response.method() != self.method
        {
            return false;
        }
        let rtt = match (transmissions, self.first_sent) {
            (1, Some(sent)) => Some(now.saturating_duration_since(sent)),
            _ => None,
        };
        self.state = State::Done;
        self.event = Some(TransactionEvent::Response {
            class: response.class(),
            rtt,
        });
        true
    }

    /// The outcome, once.
    pub fn poll_event(&mut self) -> Option<TransactionEvent> {
        self.event.take()
    }

    /// When `handle_timeout` should next be called; `None` once done.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Active { deadline, .. } => Some(deadline),
            State::Done => None,
        }
    }
}
