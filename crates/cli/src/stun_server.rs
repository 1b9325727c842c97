//! A small STUN Binding server (RFC 8489 §6.3) for the demo: a pure function from request to
//! response, and a thread that runs it on a real UDP socket.
//!
//! The server authenticates requests with a short-term credential, the way an ICE agent answers
//! a connectivity check (RFC 8489 §9.1.3, RFC 8445 §7.3): USERNAME must be the expected one and
//! MESSAGE-INTEGRITY must verify, otherwise it answers 400 or 401. Requests carrying
//! comprehension-required attributes it does not know get 420 with UNKNOWN-ATTRIBUTES
//! (§6.3.1). Success responses carry XOR-MAPPED-ADDRESS (the source address the request came
//! from), SOFTWARE, MESSAGE-INTEGRITY and FINGERPRINT.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use sansrtc_stun::{
    Attribute, AttributeType, AttributeTypes, Class, Error, ErrorCode, IntegrityKey, Message,
    MessageBuilder,
};

/// What the server sends in SOFTWARE (RFC 8489 §14.14).
pub const SOFTWARE: &str = "sansrtc demo server";

/// The credential the server expects: the USERNAME of a request and the key of its
/// MESSAGE-INTEGRITY.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The exact USERNAME expected (for ICE, `<server ufrag>:<client ufrag>`).
    pub username: String,
    /// The short-term key (for ICE, the server's ice-pwd).
    pub key: IntegrityKey,
}

/// What the server decided for one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A Binding success response was written.
    Success,
    /// An error response with this code was written.
    ErrorResponse(u16),
    /// Nothing to answer: not STUN, not a request, or too malformed to answer (RFC 8489 §6.3).
    Ignored,
}

/// Answers one datagram received from `from`: writes the response into `out` (cleared first)
/// and says what it was. `out` is left empty when the outcome is [`Outcome::Ignored`].
pub fn respond(
    datagram: &[u8],
    from: SocketAddr,
    credentials: &Credentials,
    out: &mut Vec<u8>,
) -> Outcome {
    out.clear();
    let Ok(request) = Message::parse(datagram) else {
        return Outcome::Ignored;
    };
    if request.class() != Class::Request {
        // Indications and stray responses are not answered (RFC 8489 §6.3.2, §6.3.3).
        return Outcome::Ignored;
    }
    if request.has_fingerprint() && request.verify_fingerprint().is_err() {
        // A FINGERPRINT that does not verify: not STUN after all, discarded (RFC 8489 §7.3).
        return Outcome::Ignored;
    }
    match build_response(&request, from, credentials, out) {
        Ok(outcome) => outcome,
        Err(_) => {
            out.clear();
            Outcome::Ignored
        }
    }
}

fn build_response(
    request: &Message<'_>,
    from: SocketAddr,
    credentials: &Credentials,
    out: &mut Vec<u8>,
) -> Result<Outcome, Error> {
    let (method, id) = (request.method(), request.transaction_id());

    // RFC 8489 §6.3.1: unknown comprehension-required attributes are answered 420 first. The
    // list is capped at 16 types so the response stays small whatever the request carries.
    let mut unknown = [AttributeType(0); 16];
    let mut n = 0;
    for (slot, t) in unknown
        .iter_mut()
        .zip(request.unknown_comprehension_required())
    {
        *slot = t;
        n += 1;
    }
    if let Some(unknown) = unknown.get(..n).filter(|u| !u.is_empty()) {
        let mut b = MessageBuilder::new(out, Class::ErrorResponse, method, id);
        b.add(&Attribute::ErrorCode(ErrorCode::UNKNOWN_ATTRIBUTE))?;
        b.add(&Attribute::UnknownAttributes(AttributeTypes::List(unknown)))?;
        b.add(&Attribute::Software(SOFTWARE))?;
        b.add_fingerprint()?;
        return Ok(Outcome::ErrorResponse(420));
    }

    // RFC 8489 §9.1.3: the short-term credential check.
    let error = match (request.username(), request.has_integrity()) {
        (None, _) | (_, false) | (Some(Err(_)), _) => Some(ErrorCode::BAD_REQUEST),
        (Some(Ok(username)), true) if username != credentials.username => {
            Some(ErrorCode::UNAUTHENTICATED)
        }
        (Some(Ok(_)), true) => request
            .verify_integrity(&credentials.key)
            .err()
            .map(|_| ErrorCode::UNAUTHENTICATED),
    };
    if let Some(error) = error {
        // An error response to an unauthenticated request carries no MESSAGE-INTEGRITY
        // (RFC 8489 §9.1.3: the server has no key it can trust to use).
        let mut b = MessageBuilder::new(out, Class::ErrorResponse, method, id);
        b.add(&Attribute::ErrorCode(error))?;
        b.add(&Attribute::Software(SOFTWARE))?;
        b.add_fingerprint()?;
        return Ok(Outcome::ErrorResponse(error.code));
    }

    let mut b = MessageBuilder::new(out, Class::SuccessResponse, method, id);
    b.add(&Attribute::XorMappedAddress(from))?;
    b.add(&Attribute::Software(SOFTWARE))?;
    b.add_message_integrity(&credentials.key)?;
    b.add_fingerprint()?;
    Ok(Outcome::Success)
}

/// The server running on a thread of its own; stops when dropped.
#[derive(Debug)]
pub struct ServerThread {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ServerThread {
    /// Binds `bind` (e.g. `127.0.0.1:0`) and serves Binding requests until dropped. The first
    /// `drop_first` requests are silently discarded, to show the client's retransmissions.
    pub fn spawn(
        bind: SocketAddr,
        credentials: Credentials,
        drop_first: u32,
    ) -> io::Result<ServerThread> {
        let socket = UdpSocket::bind(bind)?;
        // Short enough that a dropped server notices `stop` quickly.
        socket.set_read_timeout(Some(Duration::from_millis(50)))?;
        let address = socket.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("stun-server".into())
            .spawn(move || serve(&socket, &credentials, drop_first, &stopped))?;
        Ok(ServerThread {
            address,
            stop,
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // An I/O error of the server thread has nowhere to go at this point.
            let _ = thread.join();
        }
    }
}

fn serve(
    socket: &UdpSocket,
    credentials: &Credentials,
    mut drop_first: u32,
    stop: &AtomicBool,
) -> io::Result<()> {
    let mut datagram = [0u8; 1500];
    let mut response = Vec::with_capacity(256);
    while !stop.load(Ordering::Relaxed) {
        let (len, from) = match socket.recv_from(&mut datagram) {
            Ok(received) => received,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) => return Err(e),
        };
        let Some(datagram) = datagram.get(..len) else {
            continue;
        };
        if drop_first > 0 && Message::parse(datagram).is_ok() {
            drop_first -= 1;
            continue;
        }
        if respond(datagram, from, credentials, &mut response) != Outcome::Ignored {
            socket.send_to(&response, from)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sansrtc_stun::{Method, TransactionId};

    fn credentials() -> Credentials {
        Credentials {
            username: "srv:cli".into(),
            key: IntegrityKey::short_term("server-password-0123456"),
        }
    }

    fn request(username: Option<&str>, key: Option<&IntegrityKey>, extra: Option<u16>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut b = MessageBuilder::new(
            &mut out,
            Class::Request,
            Method::BINDING,
            TransactionId::new([9; 12]),
        );
        if let Some(u) = username {
            b.add(&Attribute::Username(u)).unwrap();
        }
        if let Some(t) = extra {
            b.add_raw(AttributeType(t), b"??").unwrap();
        }
        if let Some(k) = key {
            b.add_message_integrity(k).unwrap();
        }
        b.add_fingerprint().unwrap();
        out
    }

    const FROM: &str = "192.0.2.7:40000";

    #[test]
    fn rfc8489_6_3_1_success_carries_the_source_address() {
        let c = credentials();
        let mut out = Vec::new();
        let req = request(Some("srv:cli"), Some(&c.key), None);
        let from = FROM.parse().unwrap();
        assert_eq!(respond(&req, from, &c, &mut out), Outcome::Success);
        let response = Message::parse(&out).unwrap();
        assert_eq!(response.class(), Class::SuccessResponse);
        assert_eq!(response.transaction_id(), TransactionId::new([9; 12]));
        assert_eq!(response.xor_mapped_address(), Some(Ok(from)));
        response.verify_integrity(&c.key).unwrap();
        response.verify_fingerprint().unwrap();
    }

    #[test]
    fn rfc8489_6_3_1_unknown_required_attribute_gets_420() {
        let c = credentials();
        let mut out = Vec::new();
        let req = request(Some("srv:cli"), Some(&c.key), Some(0x7f00));
        let outcome = respond(&req, FROM.parse().unwrap(), &c, &mut out);
        assert_eq!(outcome, Outcome::ErrorResponse(420));
        let response = Message::parse(&out).unwrap();
        let Some(Ok(Attribute::UnknownAttributes(list))) =
            response.decode(AttributeType::UNKNOWN_ATTRIBUTES)
        else {
            panic!("no UNKNOWN-ATTRIBUTES");
        };
        assert_eq!(list.iter().collect::<Vec<_>>(), [AttributeType(0x7f00)]);
    }

    #[test]
    fn rfc8489_9_1_3_missing_or_wrong_credentials() {
        let c = credentials();
        let mut out = Vec::new();
        let from = FROM.parse().unwrap();
        let no_integrity = request(Some("srv:cli"), None, None);
        assert_eq!(
            respond(&no_integrity, from, &c, &mut out),
            Outcome::ErrorResponse(400)
        );
        let no_username = request(None, Some(&c.key), None);
        assert_eq!(
            respond(&no_username, from, &c, &mut out),
            Outcome::ErrorResponse(400)
        );
        let wrong_key = request(Some("srv:cli"), Some(&IntegrityKey::short_term("x")), None);
        assert_eq!(
            respond(&wrong_key, from, &c, &mut out),
            Outcome::ErrorResponse(401)
        );
        let wrong_user = request(Some("srv:other"), Some(&c.key), None);
        assert_eq!(
            respond(&wrong_user, from, &c, &mut out),
            Outcome::ErrorResponse(401)
        );
        let response = Message::parse(&out).unwrap();
        assert!(!response.has_integrity());
    }

    #[test]
    fn rfc8489_6_3_garbage_and_non_requests_are_ignored() {
        let c = credentials();
        let mut out = Vec::new();
        let from = FROM.parse().unwrap();
        assert_eq!(respond(b"hello", from, &c, &mut out), Outcome::Ignored);
        let req = request(Some("srv:cli"), Some(&c.key), None);
        respond(&req, from, &c, &mut out);
        let success = out.clone();
        assert_eq!(respond(&success, from, &c, &mut out), Outcome::Ignored);
        assert!(out.is_empty());
    }
}
