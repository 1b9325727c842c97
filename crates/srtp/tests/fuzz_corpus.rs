//! Writes the seed corpora of the `srtp_unprotect` and `srtcp_unprotect` fuzz targets
//! (fuzz/corpus/<target>/), so they can be remade after a change of input format:
//!
//! ```text
//! cargo test -p sansrtc-srtp --test fuzz_corpus -- --ignored
//! ```
//!
//! Each seed is the input format the targets document: a selector byte (profile, mode, window),
//! then packets prefixed by a one-byte length. Network-mode seeds hold packets genuinely protected
//! with the targets' fixed key (exporter output 0, 1, 2, ..., DTLS client sending), so the fuzzer
//! starts from packets that authenticate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use sansrtc_srtp::{Config, DtlsRole, ProtectionProfile, Session};

const KNOWN_SSRC: u32 = 0x5eed_5eed;

fn sender(profile: ProtectionProfile, encrypt_rtcp: bool) -> Session {
    let provider = sansrtc_crypto::default_provider();
    let km: Vec<u8> = (0..profile.keying_material_len() as u8).collect();
    let mut config = Config::default();
    config.max_ssrcs = 4;
    config.encrypt_rtcp = encrypt_rtcp;
    Session::from_dtls_srtp(&provider, profile, DtlsRole::Client, &km, config).unwrap()
}

fn rtp(seq: u16, ssrc: u32, csrcs: u8, extension: bool, payload_len: usize) -> Vec<u8> {
    let mut p = vec![0x80 | csrcs | if extension { 0x10 } else { 0 }, 111];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 960).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    for c in 0..csrcs {
        p.extend_from_slice(&u32::from(c + 1).to_be_bytes());
    }
    if extension {
        // RFC 8285 one-byte form: mid "0" and an abs-send-time.
        p.extend_from_slice(&[0xbe, 0xde, 0, 2, 0x10, b'0', 0x22, 1, 2, 3, 0, 0]);
    }
    p.extend((0..payload_len).map(|i| i as u8));
    p
}

fn rtcp_sr(ssrc: u32) -> Vec<u8> {
    // SR with no report blocks, then an SDES CNAME chunk: a typical compound packet.
    let mut p = vec![0x80, 200, 0, 6];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[0xe9, 0x9c, 0x2f, 0x00, 0x10, 0x00, 0x00, 0x00]); // NTP
    p.extend_from_slice(&[0, 0, 0x3a, 0x98, 0, 0, 0, 42, 0, 0, 0x9c, 0x40]);
    p.extend_from_slice(&[0x81, 202, 0, 3]);
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[1, 4, b'c', b'n', b'a', b'm', 0, 0]);
    p
}

fn rtcp_rr_nack(ssrc: u32) -> Vec<u8> {
    // RR with no blocks, then a generic NACK (RFC 4585).
    let mut p = vec![0x80, 201, 0, 1];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[0x81, 205, 0, 3]);
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    p.extend_from_slice(&[0x00, 0x10, 0x00, 0x05]);
    p
}

fn seed(selector: u8, packets: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![selector];
    for p in packets {
        out.push(u8::try_from(p.len()).expect("seed packets fit a one-byte length"));
        out.extend_from_slice(p);
    }
    out
}

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), data).unwrap();
}

fn profile_name(index: usize) -> &'static str {
    ["gcm128", "gcm256", "sha1_80", "sha1_32"][index]
}

#[test]
#[ignore = "writes the fuzz seed corpora; run by hand with --ignored"]
fn write_fuzz_seed_corpora() {
    for (i, profile) in ProtectionProfile::ALL.into_iter().enumerate() {
        let selector = i as u8;
        let name = profile_name(i);

        // ---- srtp_unprotect
        let plain = [
            rtp(1, 0x1111_1111, 0, false, 40),
            rtp(2, 0x1111_1111, 2, true, 30),
            rtp(4, 0x1111_1111, 0, false, 0),
            rtp(3, 0x1111_1111, 0, true, 20),
        ];
        let mut tx = sender(profile, true);
        let protected: Vec<Vec<u8>> = plain
            .iter()
            .map(|p| {
                let mut p = p.clone();
                tx.protect_rtp(&mut p).unwrap();
                p
            })
            .collect();
        write(
            "srtp_unprotect",
            &format!("{name}_network"),
            &seed(selector, &protected),
        );
        // The same packets twice: the second copies are replays.
        let twice: Vec<Vec<u8>> = protected.iter().chain(&protected).cloned().collect();
        write(
            "srtp_unprotect",
            &format!("{name}_network_replay"),
            &seed(selector, &twice),
        );
        // Across the 65535 -> 0 wrap, reordered around it, for the registered SSRC (bit 4).
        let mut tx = sender(profile, true);
        let wrap: Vec<Vec<u8>> = [65533u16, 65535, 0, 65534, 2, 1]
            .into_iter()
            .map(|seq| {
                let mut p = rtp(seq, KNOWN_SSRC, 0, false, 16);
                tx.protect_rtp(&mut p).unwrap();
                p
            })
            .collect();
        write(
            "srtp_unprotect",
            &format!("{name}_network_wrap_known"),
            &seed(selector | 16, &wrap),
        );
        // Round trip: plaintext packets, reordered, two SSRCs, a wrap, a big jump.
        let seqs = [10u16, 12, 11, 65535, 0, 40000, 9, 10];
        let rt: Vec<Vec<u8>> = seqs
            .iter()
            .enumerate()
            .map(|(k, &seq)| {
                rtp(
                    seq,
                    0x2222_0000 + (k % 2) as u32,
                    (k % 3) as u8,
                    k % 2 == 0,
                    8,
                )
            })
            .collect();
        write(
            "srtp_unprotect",
            &format!("{name}_round_trip"),
            &seed(selector | 4, &rt),
        );
        write(
            "srtp_unprotect",
            &format!("{name}_round_trip_1024"),
            &seed(selector | 4 | 8, &rt),
        );

        // ---- srtcp_unprotect
        for encrypt in [true, false] {
            let mut tx = sender(profile, encrypt);
            let protected: Vec<Vec<u8>> = [rtcp_sr(0x3333_3333), rtcp_rr_nack(0x3333_3333)]
                .into_iter()
                .chain([rtcp_sr(0x4444_4444)])
                .map(|mut p| {
                    tx.protect_rtcp(&mut p).unwrap();
                    p
                })
                .collect();
            let mode = if encrypt { "encrypted" } else { "auth_only" };
            let mut all = protected.clone();
            all.push(protected[0].clone());
            write(
                "srtcp_unprotect",
                &format!("{name}_network_{mode}"),
                &seed(selector, &all),
            );
        }
        let rt = [
            rtcp_sr(0x5555_5555),
            rtcp_rr_nack(0x5555_5555),
            rtcp_sr(0x6666_6666),
        ];
        write(
            "srtcp_unprotect",
            &format!("{name}_round_trip"),
            &seed(selector | 4, &rt),
        );
        write(
            "srtcp_unprotect",
            &format!("{name}_round_trip_auth_only"),
            &seed(selector | 4 | 16, &rt),
        );
    }
}
