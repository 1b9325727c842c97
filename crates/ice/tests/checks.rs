//! The STUN server side of one agent, fed hand-built requests: FINGERPRINT and
//! MESSAGE-INTEGRITY are checked before anything else (RFC 8445 §7.3), then role conflicts
//! (§7.3.1.1), peer-reflexive learning (§7.3.1.3), triggered checks (§7.3.1.4) and, for a lite
//! agent, nomination (§7.3.2).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_ice::{
    Agent, AgentConfig, CandidateKind, ConnectionState, Credentials, Event, Received, Role,
};
use sansrtc_stun::{
    Attribute, Class, IntegrityKey, Message, MessageBuilder, Method, TransactionId,
};

const LOCAL: &str = "192.0.2.1:5000";
const PEER: &str = "198.51.100.7:40000";

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn agent(role: Role, lite: bool) -> (Agent, Instant) {
    let now = Instant::now();
    let config = AgentConfig {
        role,
        lite,
        host_addresses: vec![sa(LOCAL)],
        credentials: Some(Credentials::new("LOCL", "local-password-0123456789")),
        ..AgentConfig::default()
    };
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut a = Agent::new(now, config, &mut rng);
    a.set_remote_credentials(now, "PEER", "peer-password-0123456789");
    (a, now)
}

struct Req {
    username: &'static str,
    key: &'static str,
    fingerprint: bool,
    controlling: Option<u64>,
    controlled: Option<u64>,
    use_candidate: bool,
    priority: bool,
}

impl Default for Req {
    fn default() -> Self {
        Self {
            username: "LOCL:PEER",
            key: "local-password-0123456789",
            fingerprint: true,
            controlling: Some(1),
            controlled: None,
            use_candidate: false,
            priority: true,
        }
    }
}

fn request(r: &Req) -> Vec<u8> {
    let mut out = Vec::new();
    let mut b = MessageBuilder::new(
        &mut out,
        Class::Request,
        Method::BINDING,
        TransactionId::new([9; 12]),
    );
    b.add(&Attribute::Username(r.username)).unwrap();
    if r.priority {
        b.add(&Attribute::Priority(1_845_501_695)).unwrap();
    }
    if let Some(t) = r.controlling {
        b.add(&Attribute::IceControlling(t)).unwrap();
    }
    if let Some(t) = r.controlled {
        b.add(&Attribute::IceControlled(t)).unwrap();
    }
    if r.use_candidate {
        b.add(&Attribute::UseCandidate).unwrap();
    }
    b.add_message_integrity(&IntegrityKey::short_term(r.key))
        .unwrap();
    if r.fingerprint {
        b.add_fingerprint().unwrap();
    }
    out
}

/// Everything the agent sends now.
fn drain(a: &mut Agent, now: Instant) -> Vec<(SocketAddr, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut out = Vec::new();
    while let Some(t) = a.poll_transmit(now, &mut buf) {
        out.push((t.destination, buf.clone()));
    }
    out
}

fn error_code(datagram: &[u8]) -> Option<u16> {
    let m = Message::parse(datagram).unwrap();
    m.error_code().map(|e| e.unwrap().code)
}

#[test]
fn rfc8445_7_3_valid_request_is_answered_with_the_mapped_address_and_integrity() {
    let (mut a, now) = agent(Role::Controlled, false);
    assert_eq!(
        a.handle_datagram(now, sa(LOCAL), sa(PEER), &request(&Req::default())),
        Received::Stun
    );
    let out = drain(&mut a, now);
    let (to, response) = &out[0];
    assert_eq!(*to, sa(PEER));
    let m = Message::parse(response).unwrap();
    assert_eq!(m.class(), Class::SuccessResponse);
    assert_eq!(m.transaction_id(), TransactionId::new([9; 12]));
    assert_eq!(m.xor_mapped_address().unwrap().unwrap(), sa(PEER));
    m.verify_integrity(&IntegrityKey::short_term("local-password-0123456789"))
        .unwrap();
    m.verify_fingerprint().unwrap();
    // §7.3.1.3: the unknown source is learned as a peer-reflexive remote candidate with the
    // request's PRIORITY.
    let remote = &a.remote_candidates()[0];
    assert_eq!(remote.kind, CandidateKind::PeerReflexive);
    assert_eq!(remote.address, sa(PEER));
    assert_eq!(remote.priority, 1_845_501_695);
    assert_eq!(a.stats().requests_answered, 1);
}

#[test]
fn rfc8445_7_3_1_4_a_request_triggers_a_check_back() {
    let (mut a, now) = agent(Role::Controlled, false);
    a.handle_datagram(now, sa(LOCAL), sa(PEER), &request(&Req::default()));
    let _ = drain(&mut a, now);
    // At the next Ta tick the triggered check leaves, authenticated with the peer's password.
    let at = a.poll_timeout().unwrap();
    a.handle_timeout(at);
    let out = drain(&mut a, at);
    let (to, check) = out
        .iter()
        .find(|(_, d)| Message::parse(d).unwrap().class() == Class::Request)
        .unwrap();
    assert_eq!(*to, sa(PEER));
    let m = Message::parse(check).unwrap();
    assert_eq!(m.username().unwrap().unwrap(), "PEER:LOCL");
    assert!(m.ice_controlled().is_some(), "the controlled agent says so");
    m.verify_integrity(&IntegrityKey::short_term("peer-password-0123456789"))
        .unwrap();
    m.verify_fingerprint().unwrap();
}

#[test]
fn rfc8445_7_3_bad_message_integrity_is_answered_401_and_changes_nothing() {
    let (mut a, now) = agent(Role::Controlled, false);
    let bad = request(&Req {
        key: "wrong-password",
        ..Req::default()
    });
    a.handle_datagram(now, sa(LOCAL), sa(PEER), &bad);
    let out = drain(&mut a, now);
    assert_eq!(error_code(&out[0].1), Some(401));
    assert!(
        a.remote_candidates().is_empty(),
        "nothing learned from an unauthenticated request"
    );
    assert_eq!(a.stats().authentication_failures, 1);
    // A username that is not ours: 401 too.
    let other = request(&Req {
        username: "NOTME:PEER",
        ..Req::default()
    });
    a.handle_datagram(now, sa(LOCAL), sa(PEER), &other);
    assert_eq!(error_code(&drain(&mut a, now)[0].1), Some(401));
}

#[test]
fn rfc8445_7_3_request_without_fingerprint_is_dropped_silently() {
    let (mut a, now) = agent(Role::Controlled, false);
    let r = request(&Req {
        fingerprint: false,
        ..Req::default()
    });
    assert_eq!(
        a.handle_datagram(now, sa(LOCAL), sa(PEER), &r),
        Received::Ignored
    );
    assert!(drain(&mut a, now).is_empty());
    // A flipped bit breaks the FINGERPRINT: dropped as well.
    let mut r = request(&Req::default());
    let n = r.len();
    r[n - 1] ^= 1;
    assert_eq!(
        a.handle_datagram(now, sa(LOCAL), sa(PEER), &r),
        Received::Ignored
    );
    assert!(drain(&mut a, now).is_empty());
}

#[test]
fn rfc8445_7_3_request_without_priority_is_a_bad_request() {
    let (mut a, now) = agent(Role::Controlled, false);
    a.handle_datagram(
        now,
        sa(LOCAL),
        sa(PEER),
        &request(&Req {
            priority: false,
            ..Req::default()
        }),
    );
    assert_eq!(error_code(&drain(&mut a, now)[0].1), Some(400));
}

#[test]
fn rfc8445_7_3_1_1_controlling_with_the_larger_tie_breaker_answers_487() {
    let (mut a, now) = agent(Role::Controlling, false);
    a.handle_datagram(
        now,
        sa(LOCAL),
        sa(PEER),
        &request(&Req {
            controlling: Some(0),
            ..Req::default()
        }),
    );
    let out = drain(&mut a, now);
    assert_eq!(error_code(&out[0].1), Some(487));
    Message::parse(&out[0].1)
        .unwrap()
        .verify_integrity(&IntegrityKey::short_term("local-password-0123456789"))
        .unwrap();
    assert_eq!(a.role(), Role::Controlling, "it keeps its role");
}

#[test]
fn rfc8445_7_3_1_1_controlling_with_the_smaller_tie_breaker_switches_role() {
    let (mut a, now) = agent(Role::Controlling, false);
    a.handle_datagram(
        now,
        sa(LOCAL),
        sa(PEER),
        &request(&Req {
            controlling: Some(u64::MAX),
            ..Req::default()
        }),
    );
    let out = drain(&mut a, now);
    assert_eq!(
        Message::parse(&out[0].1).unwrap().class(),
        Class::SuccessResponse
    );
    assert_eq!(a.role(), Role::Controlled);
    assert!(
        std::iter::from_fn(|| a.poll_event()).any(|e| e == Event::RoleChanged(Role::Controlled))
    );
}

#[test]
fn rfc8445_7_3_1_1_controlled_conflict_is_resolved_by_tie_breaker() {
    // Controlled with the larger tie-breaker: switches to controlling.
    let (mut a, now) = agent(Role::Controlled, false);
    let req = Req {
        controlling: None,
        controlled: Some(0),
        ..Req::default()
    };
    a.handle_datagram(now, sa(LOCAL), sa(PEER), &request(&req));
    assert_eq!(a.role(), Role::Controlling);
    // Controlled with the smaller one: 487.
    let (mut a, now) = agent(Role::Controlled, false);
    let req = Req {
        controlling: None,
        controlled: Some(u64::MAX),
        ..Req::default()
    };
    a.handle_datagram(now, sa(LOCAL), sa(PEER), &request(&req));
    assert_eq!(error_code(&drain(&mut a, now)[0].1), Some(487));
    assert_eq!(a.role(), Role::Controlled);
}

#[test]
fn rfc8445_7_3_2_lite_agent_selects_the_pair_on_use_candidate() {
    let (mut a, now) = agent(Role::Controlling, true);
    assert_eq!(a.role(), Role::Controlled, "a lite agent is controlled");
    a.handle_datagram(now, sa(LOCAL), sa(PEER), &request(&Req::default()));
    assert!(a.selected_pair().is_none(), "no nomination yet");
    a.handle_datagram(
        now,
        sa(LOCAL),
        sa(PEER),
        &request(&Req {
            use_candidate: true,
            ..Req::default()
        }),
    );
    let pair = a.selected_pair().unwrap();
    assert_eq!(pair.socket, sa(LOCAL));
    assert_eq!(pair.direct(), Some((sa(LOCAL), sa(PEER))));
    assert_eq!(a.state(), ConnectionState::Connected);
    // A lite agent sends no checks of its own, only the two responses.
    let out = drain(&mut a, now);
    assert!(
        out.iter()
            .all(|(_, d)| Message::parse(d).unwrap().class() == Class::SuccessResponse)
    );
    assert_eq!(a.stats().checks_sent, 0);
    // It keeps the NAT bindings with Binding indications when idle (RFC 8445 §11).
    let later = now + Duration::from_secs(16);
    a.handle_timeout(later);
    let out = drain(&mut a, later);
    let keepalive = Message::parse(&out[0].1).unwrap();
    assert_eq!(keepalive.class(), Class::Indication);
    keepalive.verify_fingerprint().unwrap();
}

#[test]
fn non_stun_datagrams_are_not_consumed() {
    let (mut a, now) = agent(Role::Controlled, false);
    assert_eq!(
        a.handle_datagram(now, sa(LOCAL), sa(PEER), &[0x16, 0xfe, 0xfd]),
        Received::Ignored
    );
    assert_eq!(
        a.handle_datagram(now, sa(LOCAL), sa(PEER), &[]),
        Received::Ignored
    );
    assert_eq!(
        a.handle_datagram(now, sa(LOCAL), sa(PEER), &[0x40, 0, 0, 0]),
        Received::Ignored
    );
}

/// A response to `request` from the peer, signed with the peer's password: a success with
/// the mapped address, or the error `code`.
fn peer_response(request: &[u8], to: SocketAddr, error: Option<u16>) -> Vec<u8> {
    let id = Message::parse(request).unwrap().transaction_id();
    let mut out = Vec::new();
    let class = if error.is_some() {
        Class::ErrorResponse
    } else {
        Class::SuccessResponse
    };
    let mut b = MessageBuilder::new(&mut out, class, Method::BINDING, id);
    match error {
        Some(code) => b
            .add(&Attribute::ErrorCode(sansrtc_stun::ErrorCode::new(
                code,
                "Forbidden",
            )))
            .unwrap(),
        None => b.add(&Attribute::XorMappedAddress(to)).unwrap(),
    }
    b.add_message_integrity(&IntegrityKey::short_term("peer-password-0123456789"))
        .unwrap();
    b.add_fingerprint().unwrap();
    out
}

/// The requests among `out`.
fn requests(out: &[(SocketAddr, Vec<u8>)]) -> Vec<Vec<u8>> {
    out.iter()
        .filter(|(_, d)| Message::parse(d).unwrap().class() == Class::Request)
        .map(|(_, d)| d.clone())
        .collect()
}

/// RFC 7675 §5.2: "an endpoint that receives a 403 (Forbidden) error response to a consent
/// request ... MUST immediately cease transmission": consent is revoked at once, not after the
/// 30 s of §5.1, and nothing more goes to that pair.
#[test]
fn rfc7675_5_2_a_403_to_a_consent_request_revokes_consent_at_once() {
    let (mut a, now) = agent(Role::Controlled, false);
    // The controlling peer nominates the pair; our triggered check back succeeds.
    a.handle_datagram(
        now,
        sa(LOCAL),
        sa(PEER),
        &request(&Req {
            use_candidate: true,
            ..Req::default()
        }),
    );
    let mut t = now;
    for _ in 0..10 {
        for check in requests(&drain(&mut a, t)) {
            a.handle_datagram(
                t,
                sa(LOCAL),
                sa(PEER),
                &peer_response(&check, sa(LOCAL), None),
            );
        }
        if a.selected_pair().is_some() {
            break;
        }
        t = a.poll_timeout().unwrap();
        a.handle_timeout(t);
    }
    assert!(a.selected_pair().is_some(), "{:?}", a.state());
    assert!(matches!(
        a.state(),
        ConnectionState::Connected | ConnectionState::Completed
    ));

    // The next consent request (about 5 s later) is answered 403.
    let consent = loop {
        t = a.poll_timeout().unwrap();
        assert!(t < now + Duration::from_secs(10), "no consent request");
        a.handle_timeout(t);
        if let Some(r) = requests(&drain(&mut a, t)).pop() {
            break r;
        }
    };
    let revoked_at = t;
    a.handle_datagram(
        t,
        sa(LOCAL),
        sa(PEER),
        &peer_response(&consent, sa(LOCAL), Some(403)),
    );
    let events: Vec<Event> = core::iter::from_fn(|| a.poll_event()).collect();
    assert_eq!(a.state(), ConnectionState::Failed, "{events:?}");
    assert!(a.selected_pair().is_none());

    // Ceased transmission: nothing more is sent for the next 40 s.
    while let Some(next) = a.poll_timeout() {
        if next > revoked_at + Duration::from_secs(40) {
            break;
        }
        a.handle_timeout(next);
        assert!(drain(&mut a, next).is_empty(), "sent after revocation");
    }
}
