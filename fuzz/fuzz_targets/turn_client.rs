//! A TURN client fed arbitrary datagrams from the server and elsewhere, responses built from
//! fuzzed fields for its outstanding requests (so the fuzzer reaches the logic behind the
//! transaction id and MESSAGE-INTEGRITY checks: 401/438 challenges, allocations, refreshes,
//! permissions, channels), application calls and timer jumps. Any panic is a bug.

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
use sansrtc_stun::{Attribute, Class, ErrorCode, IntegrityKey, Message, MessageBuilder};
use sansrtc_turn::{Client, ClientConfig};

const SERVER: &str = "198.51.100.2:3478";
const LOCAL: &str = "192.0.2.1:5000";

#[derive(Arbitrary, Debug)]
enum Op {
    Datagram {
        from_server: bool,
        data: Vec<u8>,
    },
    /// Answer the most recent request the client sent.
    Respond {
        error: Option<u16>,
        realm: bool,
        nonce: u8,
        relayed: Option<([u8; 4], u16)>,
        lifetime: Option<u32>,
        authenticate: bool,
    },
    ChannelData {
        channel: u16,
        data: Vec<u8>,
    },
    Permission([u8; 4]),
    Bind([u8; 4], u16),
    Send([u8; 4], u16, Vec<u8>),
    Close,
    Wait(u32),
}

fuzz_target!(|ops: Vec<Op>| {
    let start = Instant::now();
    let mut now = start;
    let server: SocketAddr = SERVER.parse().unwrap();
    let mut client = Client::new(
        now,
        ClientConfig::new(server, LOCAL.parse().unwrap(), "user", "pass"),
        &mut ChaCha20Rng::seed_from_u64(1),
    );
    let key = IntegrityKey::long_term("user", "realm", "pass");
    let mut last_request: Vec<u8> = Vec::new();
    let mut buf = Vec::new();
    let peer = |ip: [u8; 4], port: u16| SocketAddr::new(IpAddr::from(ip), port);
    for op in ops.into_iter().take(256) {
        match op {
            Op::Datagram { from_server, data } => {
                let from = if from_server {
                    server
                } else {
                    "203.0.113.9:1".parse().unwrap()
                };
                let _ = client.handle_datagram(now, from, &data);
            }
            Op::Respond {
                error,
                realm,
                nonce,
                relayed,
                lifetime,
                authenticate,
            } => {
                let Ok(request) = Message::parse(&last_request) else {
                    continue;
                };
                let class = if error.is_some() {
                    Class::ErrorResponse
                } else {
                    Class::SuccessResponse
                };
                let mut m = Vec::new();
                let mut b =
                    MessageBuilder::new(&mut m, class, request.method(), request.transaction_id());
                if let Some(code) = error {
                    let _ = b.add(&Attribute::ErrorCode(ErrorCode::new(300 + code % 400, "x")));
                }
                if realm {
                    b.add(&Attribute::Realm("realm")).unwrap();
                }
                let nonce = format!("nonce{nonce}");
                b.add(&Attribute::Nonce(&nonce)).unwrap();
                if let Some((ip, port)) = relayed {
                    b.add(&Attribute::XorRelayedAddress(peer(ip, port)))
                        .unwrap();
                    b.add(&Attribute::XorMappedAddress(peer(ip, port ^ 1)))
                        .unwrap();
                }
                if let Some(l) = lifetime {
                    b.add(&Attribute::Lifetime(l)).unwrap();
                }
                if authenticate {
                    b.add_message_integrity(&key).unwrap();
                }
                b.add_fingerprint().unwrap();
                let _ = client.handle_datagram(now, server, &m);
            }
            Op::ChannelData { channel, data } => {
                let mut m = channel.to_be_bytes().to_vec();
                m.extend_from_slice(&(data.len() as u16).to_be_bytes());
                m.extend_from_slice(&data);
                let _ = client.handle_datagram(now, server, &m);
            }
            Op::Permission(ip) => {
                let _ = client.create_permission(now, IpAddr::from(ip));
            }
            Op::Bind(ip, port) => {
                let _ = client.bind_channel(now, peer(ip, port));
            }
            Op::Send(ip, port, data) => {
                let _ = client.send_to(peer(ip, port), &data, &mut buf);
            }
            Op::Close => client.close(now),
            Op::Wait(ms) => {
                now += Duration::from_millis(u64::from(ms % 2_000_000));
                let mut spins = 0;
                while let Some(at) = client.poll_timeout() {
                    if at > now {
                        break;
                    }
                    client.handle_timeout(now);
                    while client.poll_transmit(now, &mut buf).is_some() {
                        last_request.clone_from(&buf);
                    }
                    spins += 1;
                    assert!(spins < 10_000, "timer stuck at {:?}", at - start);
                }
            }
        }
        while client.poll_transmit(now, &mut buf).is_some() {
            last_request.clone_from(&buf);
        }
        while client.poll_event().is_some() {}
    }
});
