//! An ICE agent (full or lite, either role, with STUN and TURN servers configured) fed an
//! arbitrary sequence of inputs: raw datagrams from arbitrary (and from well-known) addresses,
//! authenticated connectivity checks built from fuzzed fields (so the fuzzer reaches the logic
//! behind MESSAGE-INTEGRITY), arbitrary remote candidate lines, mDNS answers, end-of-candidates,
//! restarts, sends and timer jumps. Any panic, or a timer that does not move, is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_ice::{Agent, AgentConfig, Credentials, Role, TurnServer};
use sansrtc_stun::{Attribute, Class, IntegrityKey, MessageBuilder, Method, TransactionId};

const LOCAL: &str = "192.0.2.1:5000";
const STUN: &str = "198.51.100.1:3478";
const TURN: &str = "198.51.100.2:3478";
const LOCAL_PWD: &str = "local-password-0123456789";

#[derive(Arbitrary, Debug)]
enum Op {
    Datagram {
        from: u8,
        port: u16,
        data: Vec<u8>,
    },
    Check {
        from: u8,
        port: u16,
        priority: u32,
        role: u8,
        tie_breaker: u64,
        use_candidate: bool,
        id: [u8; 12],
    },
    Candidate(String),
    Mdns {
        name: String,
        ip: Option<[u8; 4]>,
    },
    EndOfCandidates,
    RemoteCredentials {
        ufrag: String,
        pwd: String,
    },
    Restart,
    Send(Vec<u8>),
    Wait(u16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    lite: bool,
    controlling: bool,
    remote_lite: bool,
    ops: Vec<Op>,
}

fn address(from: u8, port: u16) -> SocketAddr {
    match from % 5 {
        0 => STUN.parse().unwrap(),
        1 => TURN.parse().unwrap(),
        2 => SocketAddr::new(IpAddr::from([203, 0, 113, from]), port),
        3 => SocketAddr::new(
            IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(from)]),
            port,
        ),
        _ => "198.51.100.7:40000".parse().unwrap(),
    }
}

fuzz_target!(|input: Input| {
    let start = Instant::now();
    let mut now = start;
    let config = AgentConfig {
        role: if input.controlling {
            Role::Controlling
        } else {
            Role::Controlled
        },
        lite: input.lite,
        host_addresses: vec![
            LOCAL.parse().unwrap(),
            "[2001:db8::1]:5000".parse().unwrap(),
        ],
        stun_servers: vec![STUN.parse().unwrap()],
        turn_servers: vec![TurnServer::new(TURN.parse().unwrap(), "u", "p")],
        credentials: Some(Credentials::new("LOCL", LOCAL_PWD)),
        ..AgentConfig::default()
    };
    let mut agent = Agent::new(now, config, &mut ChaCha20Rng::seed_from_u64(1));
    agent.set_remote_credentials(now, "PEER", "peer-password-0123456789");
    agent.set_remote_lite(now, input.remote_lite);
    let local: SocketAddr = LOCAL.parse().unwrap();
    let key = IntegrityKey::short_term(LOCAL_PWD);
    let mut buf = Vec::new();
    for op in input.ops.into_iter().take(256) {
        match op {
            Op::Datagram { from, port, data } => {
                let _ = agent.handle_datagram(now, local, address(from, port), &data);
            }
            Op::Check {
                from,
                port,
                priority,
                role,
                tie_breaker,
                use_candidate,
                id,
            } => {
                let mut m = Vec::new();
                let mut b = MessageBuilder::new(
                    &mut m,
                    Class::Request,
                    Method::BINDING,
                    TransactionId::new(id),
                );
                b.add(&Attribute::Username("LOCL:PEER")).unwrap();
                b.add(&Attribute::Priority(priority)).unwrap();
                match role % 3 {
                    0 => b.add(&Attribute::IceControlling(tie_breaker)).unwrap(),
                    1 => b.add(&Attribute::IceControlled(tie_breaker)).unwrap(),
                    _ => {}
                }
                if use_candidate {
                    b.add(&Attribute::UseCandidate).unwrap();
                }
                b.add_message_integrity(&key).unwrap();
                b.add_fingerprint().unwrap();
                let _ = agent.handle_datagram(now, local, address(from, port), &m);
            }
            Op::Candidate(line) => {
                if let Ok(c) = line.parse::<sansrtc_sdp::Candidate>() {
                    let _ = agent.add_remote_candidate(now, &c);
                }
            }
            Op::Mdns { name, ip } => agent.mdns_resolved(now, &name, ip.map(IpAddr::from)),
            Op::EndOfCandidates => agent.add_remote_end_of_candidates(now),
            Op::RemoteCredentials { ufrag, pwd } => agent.set_remote_credentials(now, &ufrag, &pwd),
            Op::Restart => agent.restart(now),
            Op::Send(data) => {
                let _ = agent.send(now, &data, &mut buf);
            }
            Op::Wait(ms) => {
                now += Duration::from_millis(u64::from(ms));
                // Fire every timer due by now; each firing must move the deadline.
                let mut spins = 0;
                while let Some(at) = agent.poll_timeout() {
                    if at > now {
                        break;
                    }
                    agent.handle_timeout(now);
                    while agent.poll_transmit(now, &mut buf).is_some() {}
                    spins += 1;
                    assert!(spins < 10_000, "timer stuck at {:?}", at - start);
                }
            }
        }
        let mut sent = 0;
        while agent.poll_transmit(now, &mut buf).is_some() {
            sent += 1;
            assert!(sent < 10_000, "unbounded output");
        }
        while agent.poll_event().is_some() {}
    }
});
