//! SRTP protect and unprotect of one RTP packet (12-byte header, 1200-byte payload), for each of
//! the four WebRTC profiles, measured in one run for:
//!
//! - sansrtc-srtp with each crypto provider compiled in: RustCrypto (`rust-crypto`) and, with the
//!   `ring` feature (on by default here), the fast mix (`ring`: ring's AES-GCM, RustCrypto's
//!   AES-CTR and HMAC-SHA1);
//! - webrtc-rs `webrtc-srtp` (latest release) on the same input, with the same master key (the
//!   two produce the same bytes, which the bench checks before measuring);
//! - the raw primitives with keys expanded once, as the limit: AES-GCM seal of the 1200-byte
//!   payload with the 12-byte header as AAD (aes-gcm, ring), and AES-128-CTR of the payload plus
//!   HMAC-SHA1 over header, payload and ROC (aes + ctr + hmac + sha1) for the CM profiles.
//!
//! Unprotect needs a fresh, genuinely protected packet every time (a repeated one is a replay),
//! so those benches protect 16 packets untimed, then time unprotecting them; the 16 buffers stay
//! in L1. Both libraries run with a 64-packet replay window.
//!
//! After criterion's own output, a table with each routine's best batch and the ratios against the
//! goals is printed (`SRTP_BENCH_TABLE_ONLY=1` skips criterion and prints only the table;
//! `SRTP_BENCH_FILTER=<profile>/<id>` keeps matching routines only, e.g. for `perf record`).
//!
//! Run: `cargo bench --manifest-path bench/Cargo.toml -p sansrtc-bench-srtp`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use sansrtc_crypto::CryptoProvider;
use sansrtc_srtp::{Config, Inbound, MasterKey, Outbound, ProtectionProfile};

const HEADER: usize = 12;
const PAYLOAD: usize = 1200;
/// Packets protected (untimed) per batch of timed unprotects.
const CHUNK: usize = 16;
const SSRC: u32 = 0x1234_5678;
const MASTER_KEY: [u8; 32] = [
    0x0d, 0xcd, 0x21, 0x3e, 0x4c, 0xbc, 0xf2, 0x8f, 0x01, 0x7f, 0x69, 0x94, 0x40, 0x1e, 0x28, 0x89,
    0x95, 0x0a, 0x18, 0xd1, 0xb4, 0x3f, 0x2e, 0x70, 0x63, 0x9c, 0x52, 0x17, 0xaa, 0x01, 0xc4, 0x5e,
];
const MASTER_SALT: [u8; 14] = [
    0x62, 0x77, 0x60, 0x38, 0xc0, 0x6d, 0xc9, 0x41, 0x9f, 0x6d, 0xd9, 0x43, 0x3e, 0x7c,
];

/// One measured routine: runs `iters` packets and returns the time they took (criterion's
/// `iter_custom` shape, so the same code feeds criterion and the ratio table).
type Routine = Box<dyn FnMut(u64) -> Duration>;

/// The ratio table's figure for a routine: the best of `BATCHES` short batches of `BATCH`
/// packets, in ns per packet. Short batches mostly fit between the scheduler's preemptions, so
/// on a shared machine the best one is the routine's cost without interference (criterion's
/// medians above include it).
fn best_ns(routine: &mut Routine) -> f64 {
    const BATCH: u64 = 512;
    const BATCHES: usize = 300;
    (0..BATCHES)
        .map(|_| routine(BATCH).as_nanos() as f64 / BATCH as f64)
        .fold(f64::INFINITY, f64::min)
}

fn rtp_packet(seq: u16) -> Vec<u8> {
    let mut p = Vec::with_capacity(1500);
    p.extend_from_slice(&[0x80, 111]);
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 960).to_be_bytes());
    p.extend_from_slice(&SSRC.to_be_bytes());
    p.extend((0..PAYLOAD).map(|i| (i * 31 + 7) as u8));
    p
}

fn set_seq(packet: &mut [u8], seq: u16) {
    packet[2..4].copy_from_slice(&seq.to_be_bytes());
}

fn name(profile: ProtectionProfile) -> &'static str {
    match profile {
        ProtectionProfile::Aes128CmHmacSha1_80 => "AES128_CM_HMAC_SHA1_80",
        ProtectionProfile::Aes128CmHmacSha1_32 => "AES128_CM_HMAC_SHA1_32",
        ProtectionProfile::AeadAes128Gcm => "AEAD_AES_128_GCM",
        ProtectionProfile::AeadAes256Gcm => "AEAD_AES_256_GCM",
        _ => "?",
    }
}

fn master(profile: ProtectionProfile) -> MasterKey {
    MasterKey::new(
        profile,
        &MASTER_KEY[..profile.key_len()],
        &MASTER_SALT[..profile.salt_len()],
    )
    .unwrap()
}

fn providers() -> Vec<(&'static str, CryptoProvider)> {
    #[allow(unused_mut)]
    let mut all = vec![("rust-crypto", sansrtc_crypto::rust_crypto::provider())];
    #[cfg(feature = "ring")]
    all.push(("ring", sansrtc_crypto::ring::provider()));
    all
}

// ------------------------------------------------------------------------------------ sansrtc

fn sansrtc_protect(provider: &CryptoProvider, p: ProtectionProfile) -> Routine {
    let mut tx = Outbound::new(provider, &master(p), Config::default()).unwrap();
    let mut buf = rtp_packet(0);
    let mut seq = 0u16;
    Box::new(move |iters: u64| {
        let start = Instant::now();
        for _ in 0..iters {
            seq = seq.wrapping_add(1);
            buf.truncate(HEADER + PAYLOAD);
            set_seq(&mut buf, seq);
            tx.protect_rtp(black_box(&mut buf)).unwrap();
            black_box(&buf);
        }
        start.elapsed()
    })
}

fn sansrtc_unprotect(provider: &CryptoProvider, p: ProtectionProfile) -> Routine {
    let mut tx = Outbound::new(provider, &master(p), Config::default()).unwrap();
    let mut rx = Inbound::new(provider, &master(p), Config::default()).unwrap();
    let plain = rtp_packet(0);
    let mut slots: Vec<Vec<u8>> = (0..CHUNK).map(|_| Vec::with_capacity(1500)).collect();
    let mut seq = 0u16;
    Box::new(move |iters: u64| {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            for slot in &mut slots[..n] {
                seq = seq.wrapping_add(1);
                slot.clear();
                slot.extend_from_slice(&plain);
                set_seq(slot, seq);
                tx.protect_rtp(slot).unwrap();
            }
            let start = Instant::now();
            for slot in &mut slots[..n] {
                black_box(rx.unprotect_rtp(black_box(slot.as_mut_slice())).unwrap());
            }
            total += start.elapsed();
            left -= n as u64;
        }
        total
    })
}

// -------------------------------------------------------------------------------- webrtc-srtp

fn webrtc_profile(p: ProtectionProfile) -> webrtc_srtp::protection_profile::ProtectionProfile {
    use webrtc_srtp::protection_profile::ProtectionProfile as W;
    match p {
        ProtectionProfile::Aes128CmHmacSha1_80 => W::Aes128CmHmacSha1_80,
        ProtectionProfile::Aes128CmHmacSha1_32 => W::Aes128CmHmacSha1_32,
        ProtectionProfile::AeadAes128Gcm => W::AeadAes128Gcm,
        ProtectionProfile::AeadAes256Gcm => W::AeadAes256Gcm,
        _ => unreachable!(),
    }
}

fn webrtc_context(p: ProtectionProfile) -> webrtc_srtp::context::Context {
    webrtc_srtp::context::Context::new(
        &MASTER_KEY[..p.key_len()],
        &MASTER_SALT[..p.salt_len()],
        webrtc_profile(p),
        Some(webrtc_srtp::option::srtp_replay_protection(64)),
        Some(webrtc_srtp::option::srtcp_replay_protection(64)),
    )
    .unwrap()
}

fn webrtc_protect(p: ProtectionProfile) -> Routine {
    let mut tx = webrtc_context(p);
    let mut buf = rtp_packet(0);
    let mut seq = 0u16;
    Box::new(move |iters: u64| {
        let start = Instant::now();
        for _ in 0..iters {
            seq = seq.wrapping_add(1);
            set_seq(&mut buf, seq);
            black_box(tx.encrypt_rtp(black_box(&buf)).unwrap());
        }
        start.elapsed()
    })
}

fn webrtc_unprotect(p: ProtectionProfile) -> Routine {
    let mut tx = webrtc_context(p);
    let mut rx = webrtc_context(p);
    let mut plain = rtp_packet(0);
    let mut slots: Vec<bytes::Bytes> = Vec::with_capacity(CHUNK);
    let mut seq = 0u16;
    Box::new(move |iters: u64| {
        let mut total = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            slots.clear();
            for _ in 0..n {
                seq = seq.wrapping_add(1);
                set_seq(&mut plain, seq);
                slots.push(tx.encrypt_rtp(&plain).unwrap());
            }
            let start = Instant::now();
            for slot in &slots {
                black_box(rx.decrypt_rtp(black_box(slot)).unwrap());
            }
            total += start.elapsed();
            left -= n as u64;
        }
        total
    })
}

// ----------------------------------------------------------------------------- raw primitives

/// A per-packet nonce/IV input that changes like an SRTP one (the low bytes count packets).
fn nonce(counter: u64) -> [u8; 12] {
    let mut n = [0x5au8; 12];
    n[4..].copy_from_slice(&counter.to_be_bytes());
    n
}

mod raw {
    use super::*;
    use aes::cipher::{InnerIvInit, KeyInit, StreamCipher, StreamCipherCoreWrapper};
    use aes_gcm::aead::{AeadInOut, KeyInit as _};
    use hmac::Mac;

    /// A raw AEAD: seal the payload in place with the header as AAD, or open it.
    pub trait RawAead {
        fn seal(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8]) -> [u8; 16];
        fn open(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8; 16]);
    }

    pub struct RustCryptoGcm<C>(pub C);

    impl<C> RawAead for RustCryptoGcm<C>
    where
        C: AeadInOut<NonceSize = aes_gcm::aead::consts::U12, TagSize = aes_gcm::aead::consts::U16>,
    {
        fn seal(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8]) -> [u8; 16] {
            let tag = self
                .0
                .encrypt_inout_detached(&nonce.into(), aad, buf.into())
                .unwrap();
            tag.into()
        }
        fn open(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8; 16]) {
            self.0
                .decrypt_inout_detached(&nonce.into(), aad, buf.into(), tag.into())
                .unwrap();
        }
    }

    pub fn rust_crypto_gcm(p: ProtectionProfile, key: &[u8]) -> Box<dyn RawAead> {
        if p == ProtectionProfile::AeadAes128Gcm {
            Box::new(RustCryptoGcm(
                aes_gcm::Aes128Gcm::new_from_slice(key).unwrap(),
            ))
        } else {
            Box::new(RustCryptoGcm(
                aes_gcm::Aes256Gcm::new_from_slice(key).unwrap(),
            ))
        }
    }

    #[cfg(feature = "ring")]
    pub struct RingGcm(pub ring::aead::LessSafeKey);

    #[cfg(feature = "ring")]
    impl RawAead for RingGcm {
        fn seal(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8]) -> [u8; 16] {
            let nonce = ring::aead::Nonce::assume_unique_for_key(nonce);
            let tag = self
                .0
                .seal_in_place_separate_tag(nonce, ring::aead::Aad::from(aad), buf)
                .unwrap();
            tag.as_ref().try_into().unwrap()
        }
        fn open(&self, nonce: [u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8; 16]) {
            let nonce = ring::aead::Nonce::assume_unique_for_key(nonce);
            self.0
                .open_in_place_separate_tag(
                    nonce,
                    ring::aead::Aad::from(aad),
                    (*tag).into(),
                    buf,
                    0..,
                )
                .unwrap();
        }
    }

    #[cfg(feature = "ring")]
    pub fn ring_gcm(p: ProtectionProfile, key: &[u8]) -> Box<dyn RawAead> {
        let alg = if p == ProtectionProfile::AeadAes128Gcm {
            &ring::aead::AES_128_GCM
        } else {
            &ring::aead::AES_256_GCM
        };
        let key = ring::aead::UnboundKey::new(alg, key).unwrap();
        Box::new(RingGcm(ring::aead::LessSafeKey::new(key)))
    }

    /// AES-GCM seal of the payload, header as AAD: the limit for AEAD protect and unprotect.
    pub fn seal(aead: Box<dyn RawAead>) -> Routine {
        let mut buf = rtp_packet(0);
        let mut counter = 0u64;
        Box::new(move |iters: u64| {
            let start = Instant::now();
            for _ in 0..iters {
                counter += 1;
                let (header, payload) = buf.split_at_mut(HEADER);
                black_box(aead.seal(nonce(counter), header, black_box(payload)));
            }
            start.elapsed()
        })
    }

    /// AES-GCM open, timed like sansrtc's unprotect (16 sealed untimed, then opened).
    pub fn open(aead: Box<dyn RawAead>) -> Routine {
        let plain = rtp_packet(0);
        let mut slots: Vec<(Vec<u8>, [u8; 16], u64)> =
            (0..CHUNK).map(|_| (plain.clone(), [0; 16], 0)).collect();
        let mut counter = 0u64;
        Box::new(move |iters: u64| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(CHUNK as u64) as usize;
                for (buf, tag, n) in &mut slots[..n] {
                    counter += 1;
                    *n = counter;
                    let (header, payload) = buf.split_at_mut(HEADER);
                    *tag = aead.seal(nonce(counter), header, payload);
                }
                let start = Instant::now();
                for (buf, tag, n) in &mut slots[..n] {
                    let (header, payload) = buf.split_at_mut(HEADER);
                    aead.open(nonce(*n), header, black_box(payload), tag);
                }
                total += start.elapsed();
                left -= n as u64;
            }
            total
        })
    }

    /// AES-128-CTR over the payload (key expanded once, IV per packet) and HMAC-SHA1 (pads
    /// precomputed once) over header, payload and ROC: the limit for the CM profiles.
    pub fn ctr_hmac() -> Routine {
        let aes = aes::Aes128Enc::new_from_slice(&MASTER_KEY[..16]).unwrap();
        let hmac = <hmac::Hmac<sha1::Sha1> as Mac>::new_from_slice(&MASTER_KEY[..20]).unwrap();
        let mut buf = rtp_packet(0);
        let mut counter = 0u64;
        Box::new(move |iters: u64| {
            let start = Instant::now();
            for _ in 0..iters {
                counter += 1;
                let mut iv = [0u8; 16];
                iv[..12].copy_from_slice(&nonce(counter));
                let (header, payload) = buf.split_at_mut(HEADER);
                let core = ctr::CtrCore::<&aes::Aes128Enc, ctr::flavors::Ctr128BE>::inner_iv_init(
                    &aes,
                    (&iv).into(),
                );
                StreamCipherCoreWrapper::from_core(core).apply_keystream(black_box(payload));
                let mut mac = hmac.clone();
                mac.update(header);
                mac.update(payload);
                mac.update(&0u32.to_be_bytes());
                black_box(mac.finalize().into_bytes());
            }
            start.elapsed()
        })
    }

    /// The CM receive side, timed like sansrtc's unprotect (16 packets tagged untimed, then
    /// verified and decrypted): HMAC-SHA1 check of the 80-bit tag, then AES-128-CTR.
    pub fn ctr_hmac_open() -> Routine {
        let aes = aes::Aes128Enc::new_from_slice(&MASTER_KEY[..16]).unwrap();
        let hmac = <hmac::Hmac<sha1::Sha1> as Mac>::new_from_slice(&MASTER_KEY[..20]).unwrap();
        let plain = rtp_packet(0);
        let mut slots: Vec<(Vec<u8>, [u8; 10])> =
            (0..CHUNK).map(|_| (plain.clone(), [0; 10])).collect();
        let mut counter = 0u64;
        Box::new(move |iters: u64| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(CHUNK as u64) as usize;
                for (buf, tag) in &mut slots[..n] {
                    counter += 1;
                    let mut mac = hmac.clone();
                    mac.update(buf);
                    mac.update(&0u32.to_be_bytes());
                    tag.copy_from_slice(&mac.finalize().into_bytes()[..10]);
                }
                let start = Instant::now();
                for (i, (buf, tag)) in slots[..n].iter_mut().enumerate() {
                    let mut mac = hmac.clone();
                    mac.update(buf);
                    mac.update(&0u32.to_be_bytes());
                    mac.verify_truncated_left(tag).unwrap();
                    let mut iv = [0u8; 16];
                    iv[..12].copy_from_slice(&nonce(counter + i as u64));
                    let core =
                        ctr::CtrCore::<&aes::Aes128Enc, ctr::flavors::Ctr128BE>::inner_iv_init(
                            &aes,
                            (&iv).into(),
                        );
                    StreamCipherCoreWrapper::from_core(core)
                        .apply_keystream(black_box(&mut buf[HEADER..]));
                }
                total += start.elapsed();
                // Back to the plaintext the tags were made over.
                for (buf, _) in &mut slots[..n] {
                    buf.copy_from_slice(&plain);
                }
                left -= n as u64;
            }
            total
        })
    }
}

// -------------------------------------------------------------------------------------- main

/// Both libraries must produce the same SRTP packet from the same master key and RTP packet.
fn check_same_output(p: ProtectionProfile, provider: &CryptoProvider) {
    let mut ours = Outbound::new(provider, &master(p), Config::default()).unwrap();
    let mut theirs = webrtc_context(p);
    for seq in [1u16, 2, 65535] {
        let mut packet = rtp_packet(seq);
        let expected = theirs.encrypt_rtp(&packet).unwrap();
        ours.protect_rtp(&mut packet).unwrap();
        assert_eq!(packet, expected.as_ref(), "{} seq {seq}", name(p));
    }
}

/// Every routine of one profile, by id (`protect/sansrtc-ring`, `raw-seal/ring`, ...).
fn routines(p: ProtectionProfile) -> Vec<(String, Routine)> {
    let mut all: Vec<(String, Routine)> = Vec::new();
    for (label, provider) in providers() {
        all.push((
            format!("protect/sansrtc-{label}"),
            sansrtc_protect(&provider, p),
        ));
        all.push((
            format!("unprotect/sansrtc-{label}"),
            sansrtc_unprotect(&provider, p),
        ));
    }
    all.push(("protect/webrtc-srtp".to_owned(), webrtc_protect(p)));
    all.push(("unprotect/webrtc-srtp".to_owned(), webrtc_unprotect(p)));
    if p.is_aead() {
        let key = &MASTER_KEY[..p.key_len()];
        all.push((
            "raw-seal/rust-crypto".to_owned(),
            raw::seal(raw::rust_crypto_gcm(p, key)),
        ));
        all.push((
            "raw-open/rust-crypto".to_owned(),
            raw::open(raw::rust_crypto_gcm(p, key)),
        ));
        #[cfg(feature = "ring")]
        {
            all.push(("raw-seal/ring".to_owned(), raw::seal(raw::ring_gcm(p, key))));
            all.push(("raw-open/ring".to_owned(), raw::open(raw::ring_gcm(p, key))));
        }
    } else {
        all.push(("raw-ctr-hmac/rust-crypto".to_owned(), raw::ctr_hmac()));
        all.push((
            "raw-ctr-hmac-open/rust-crypto".to_owned(),
            raw::ctr_hmac_open(),
        ));
    }
    all
}

/// The limit a sansrtc figure is compared with: the same provider's raw primitive.
fn limit_id(p: ProtectionProfile, provider: &str) -> String {
    if p.is_aead() {
        format!("raw-seal/{provider}")
    } else {
        // The fast provider takes AES-CTR and HMAC-SHA1 from RustCrypto too.
        "raw-ctr-hmac/rust-crypto".to_owned()
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    // SRTP_BENCH_TABLE_ONLY=1 skips criterion and prints only the table (a quicker check).
    let table_only = std::env::var_os("SRTP_BENCH_TABLE_ONLY").is_some();
    // SRTP_BENCH_FILTER=AEAD_AES_128_GCM/protect keeps the routines whose "<profile>/<id>"
    // contains it (for a profiler run).
    let filter = std::env::var("SRTP_BENCH_FILTER").ok();
    let mut table: Vec<(ProtectionProfile, BTreeMap<String, f64>)> = Vec::new();
    for p in ProtectionProfile::ALL {
        for (_, provider) in providers() {
            check_same_output(p, &provider);
        }
        let mut routines = routines(p);
        if let Some(filter) = &filter {
            routines.retain(|(id, _)| format!("{}/{id}", name(p)).contains(filter.as_str()));
        }
        if !table_only {
            let mut g = c.benchmark_group(format!("srtp/{}", name(p)));
            g.sample_size(30)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_millis(1500));
            for (id, routine) in &mut routines {
                g.bench_function(id.as_str(), |b| b.iter_custom(&mut *routine));
            }
            g.finish();
        }
        let best = routines
            .iter_mut()
            .map(|(id, routine)| (id.clone(), best_ns(routine)))
            .collect();
        table.push((p, best));
    }
    c.final_summary();
    report(&table);
}

/// The table: best-batch ns per packet, and each ratio next to its goal.
fn report(table: &[(ProtectionProfile, BTreeMap<String, f64>)]) {
    let ratio = |a: Option<&f64>, b: Option<&f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}", a / b),
        _ => "-".to_owned(),
    };
    let ns = |v: Option<&f64>| v.map_or("-".to_owned(), |v| format!("{v:.0}"));
    println!();
    println!(
        "SRTP, RTP packet with a {PAYLOAD}-byte payload: ns per packet (best of 300 batches of 512)"
    );
    println!(
        "{:<23} {:<12} {:>8} {:>9} {:>6} {:>9} {:>9} {:>9} {:>9}",
        "profile",
        "provider",
        "protect",
        "unprotect",
        "limit",
        "prot/lim",
        "unpr/lim",
        "webrtc/p",
        "webrtc/u"
    );
    for (p, m) in table {
        let theirs_p = m.get("protect/webrtc-srtp");
        let theirs_u = m.get("unprotect/webrtc-srtp");
        for (label, _) in providers() {
            let prot = m.get(&format!("protect/sansrtc-{label}"));
            let unprot = m.get(&format!("unprotect/sansrtc-{label}"));
            let limit = m.get(&limit_id(*p, label));
            println!(
                "{:<23} {:<12} {:>8} {:>9} {:>6} {:>9} {:>9} {:>9} {:>9}",
                name(*p),
                label,
                ns(prot),
                ns(unprot),
                ns(limit),
                ratio(prot, limit),
                ratio(unprot, limit),
                ratio(theirs_p, prot),
                ratio(theirs_u, unprot),
            );
        }
        println!(
            "{:<23} {:<12} {:>8} {:>9}",
            name(*p),
            "webrtc-srtp",
            ns(theirs_p),
            ns(theirs_u)
        );
        for (id, v) in m.iter().filter(|(id, _)| id.starts_with("raw-")) {
            println!("{:<23} {:<30} {:>8.0}", name(*p), id, v);
        }
    }
    println!();
    println!(
        "limit: the same provider's raw primitive, keys expanded once (AEAD: AES-GCM seal of the \
         payload with the header as AAD; CM: AES-128-CTR + HMAC-SHA1). Goals: prot/lim and \
         unpr/lim <= 1.15; webrtc/p and webrtc/u (webrtc-srtp time / sansrtc time) >= 1.8 with \
         rust-crypto, >= 3 with ring."
    );
}
