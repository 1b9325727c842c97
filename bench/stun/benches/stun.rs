//! sansrtc-stun against webrtc-rs `stun` on a typical ICE connectivity check: a Binding request
//! with USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE, MESSAGE-INTEGRITY and FINGERPRINT.
//!
//! Run: `cargo bench --manifest-path bench/Cargo.toml -p sansrtc-bench-stun`
//!
//! Both sides reuse their buffers (our `Vec`, webrtc-rs's `Message`), which is each library's
//! fastest path. Criterion reports wall time per function; the ratios printed at the end come
//! from `sansrtc_bench_compare::compare` (interleaved rounds on the thread's CPU clock).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sansrtc_bench_compare::compare;
use sansrtc_stun as ours;

const USERNAME: &str = "aB3x:Yk9q";
const PASSWORD: &str = "rBWnpJ1Uy2TbM4fkxXfSCW5K";
const PRIORITY: u32 = 1_853_824_767;
const TIE_BREAKER: u64 = 0x1b2c_3d4e_5f60_7182;
const TID: [u8; 12] = [
    0x4a, 0x31, 0x9c, 0x02, 0x77, 0xe1, 0x5d, 0xb0, 0x0c, 0x6f, 0x88, 0x13,
];

/// Our decode + verify: parse, read the four ICE attributes, verify MI and FINGERPRINT.
fn ours_decode_verify(datagram: &[u8], key: &ours::IntegrityKey) -> (u32, u64, bool, usize) {
    let msg = ours::Message::parse(datagram).unwrap();
    msg.verify_fingerprint().unwrap();
    msg.verify_integrity(key).unwrap();
    let username = msg.username().unwrap().unwrap();
    let priority = msg.priority().unwrap().unwrap();
    let tie_breaker = msg.ice_controlling().unwrap().unwrap();
    (priority, tie_breaker, msg.use_candidate(), username.len())
}

fn ours_encode(out: &mut Vec<u8>, key: &ours::IntegrityKey) -> usize {
    let mut b = ours::MessageBuilder::new(
        out,
        ours::Class::Request,
        ours::Method::BINDING,
        ours::TransactionId::new(TID),
    );
    b.add(&ours::Attribute::Username(USERNAME)).unwrap();
    b.add(&ours::Attribute::Priority(PRIORITY)).unwrap();
    b.add(&ours::Attribute::IceControlling(TIE_BREAKER))
        .unwrap();
    b.add(&ours::Attribute::UseCandidate).unwrap();
    b.add_message_integrity(key).unwrap();
    b.add_fingerprint().unwrap();
    b.finish()
}

mod webrtc {
    use stun::attributes::{
        ATTR_ICE_CONTROLLING, ATTR_PRIORITY, ATTR_USE_CANDIDATE, ATTR_USERNAME,
    };
    use stun::fingerprint::FINGERPRINT;
    use stun::integrity::MessageIntegrity;
    use stun::message::{BINDING_REQUEST, Message, Setter};
    use stun::textattrs::TextAttribute;

    /// webrtc-rs decode + verify, reusing one `Message` (its zero-alloc fast path).
    pub fn decode_verify(
        m: &mut Message,
        datagram: &[u8],
        key: &MessageIntegrity,
    ) -> (u32, u64, bool, usize) {
        m.unmarshal_binary(datagram).unwrap();
        FINGERPRINT.check(m).unwrap();
        key.check(m).unwrap();
        let username = TextAttribute::get_from_as(m, ATTR_USERNAME).unwrap();
        let (priority, _) = m.attributes.get(ATTR_PRIORITY);
        let priority = u32::from_be_bytes(priority.value[..4].try_into().unwrap());
        let (controlling, _) = m.attributes.get(ATTR_ICE_CONTROLLING);
        let tie_breaker = u64::from_be_bytes(controlling.value[..8].try_into().unwrap());
        (
            priority,
            tie_breaker,
            m.contains(ATTR_USE_CANDIDATE),
            username.text.len(),
        )
    }

    pub fn encode(m: &mut Message, key: &MessageIntegrity) -> usize {
        m.reset();
        m.set_type(BINDING_REQUEST);
        m.transaction_id.0 = super::TID;
        m.write_header();
        TextAttribute::new(ATTR_USERNAME, super::USERNAME.to_owned())
            .add_to(m)
            .unwrap();
        m.add(ATTR_PRIORITY, &super::PRIORITY.to_be_bytes());
        m.add(ATTR_ICE_CONTROLLING, &super::TIE_BREAKER.to_be_bytes());
        m.add(ATTR_USE_CANDIDATE, &[]);
        key.add_to(m).unwrap();
        FINGERPRINT.add_to(m).unwrap();
        m.raw.len()
    }
}

fn bench(c: &mut Criterion) {
    let key = ours::IntegrityKey::short_term(PASSWORD);
    let webrtc_key =
        stun::integrity::MessageIntegrity::new_short_term_integrity(PASSWORD.to_owned());

    // One input for both: built by us, checked byte for byte against webrtc-rs's encoding.
    let mut datagram = Vec::new();
    ours_encode(&mut datagram, &key);
    let mut webrtc_msg = stun::message::Message::new();
    webrtc::encode(&mut webrtc_msg, &webrtc_key);
    assert_eq!(
        datagram, webrtc_msg.raw,
        "both libraries must encode the same bytes"
    );
    let expected = (PRIORITY, TIE_BREAKER, true, USERNAME.len());
    assert_eq!(ours_decode_verify(&datagram, &key), expected);
    assert_eq!(
        webrtc::decode_verify(&mut webrtc_msg, &datagram, &webrtc_key),
        expected
    );

    let mut g = c.benchmark_group("stun/ice_binding_request");
    g.measurement_time(std::time::Duration::from_secs(3))
        .warm_up_time(std::time::Duration::from_secs(1));
    g.bench_function("decode_verify/sansrtc", |b| {
        b.iter(|| ours_decode_verify(black_box(&datagram), &key))
    });
    g.bench_function("decode_verify/webrtc-rs", |b| {
        b.iter(|| webrtc::decode_verify(&mut webrtc_msg, black_box(&datagram), &webrtc_key))
    });
    let mut out = Vec::with_capacity(128);
    g.bench_function("encode/sansrtc", |b| {
        b.iter(|| ours_encode(black_box(&mut out), &key))
    });
    g.bench_function("encode/webrtc-rs", |b| {
        b.iter(|| webrtc::encode(black_box(&mut webrtc_msg), &webrtc_key))
    });
    g.finish();

    println!();
    println!(
        "ICE Binding request, {} bytes; thread CPU time, median of interleaved rounds:",
        datagram.len()
    );
    compare(
        || ours_decode_verify(black_box(&datagram), &key),
        || webrtc::decode_verify(&mut webrtc_msg, black_box(&datagram), &webrtc_key),
    )
    .print("decode+verify", "webrtc-rs");
    let mut webrtc_out = stun::message::Message::new();
    compare(
        || ours_encode(black_box(&mut out), &key),
        || webrtc::encode(black_box(&mut webrtc_out), &webrtc_key),
    )
    .print("encode", "webrtc-rs");
}

criterion_group!(benches, bench);
criterion_main!(benches);
