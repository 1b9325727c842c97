//! sansrtc-srtp against libsrtp (the SRTP library browsers use), through its Python binding
//! `pylibsrtp`, which aiortc depends on (tests/interop/run.sh installs aiortc into a venv and
//! exports `AIORTC_PY`). For every profile, keyed as DTLS-SRTP keys it (RFC 5764 §4.2: we are the
//! DTLS client, libsrtp the server): our SRTP and SRTCP packets (across a 65535 -> 0 wrap, with
//! CSRCs and header extensions) are unprotected by libsrtp, libsrtp's are unprotected by us, and
//! each side refuses a replay of the other's packet. Our SRTCP index starts at 0 (RFC 3711 §3.4),
//! libsrtp's at 1; both accept the other's.
//!
//! Not tested here: authentication-only SRTCP (`Config::encrypt_rtcp = false`). libsrtp with the
//! policy pylibsrtp sets (confidentiality and authentication for RTCP) refuses an SRTCP packet
//! whose E flag is clear ("unable to perform desired validation"), as RFC 3711 §3.4 allows a
//! receiver whose policy requires encryption to do.
//!
//! Run by tests/interop/run.sh: `cargo test -p sansrtc-tests --features interop --test srtp_libsrtp`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::{Command, Stdio};

use sansrtc_srtp::{Config, DtlsRole, Error, ProtectionProfile, Session};
use serde_json::{Value, json};

/// libsrtp's side: reads one JSON request on stdin, answers one JSON object on stdout.
/// `inbound` unprotects with the client's write key, `outbound` protects with the server's.
const LIBSRTP: &str = r#"
import json, sys
from pylibsrtp import Error, Policy, Session
req = json.load(sys.stdin)
profile = getattr(Policy, req["profile"])
def session(key, direction):
    return Session(policy=Policy(key=bytes.fromhex(key), ssrc_type=direction, srtp_profile=profile))
inbound = session(req["client_key"], Policy.SSRC_ANY_INBOUND)
outbound = session(req["server_key"], Policy.SSRC_ANY_OUTBOUND)
def attempt(f, packet):
    try:
        return f(bytes.fromhex(packet)).hex()
    except Error as e:
        return "error: " + str(e)
json.dump({
    "rtp": [attempt(inbound.unprotect, p) for p in req["srtp"]],
    "rtcp": [attempt(inbound.unprotect_rtcp, p) for p in req["srtcp"]],
    "srtp": [outbound.protect(bytes.fromhex(p)).hex() for p in req["rtp"]],
    "srtcp": [outbound.protect_rtcp(bytes.fromhex(p)).hex() for p in req["rtcp"]],
}, sys.stdout)
"#;

fn python() -> String {
    std::env::var("AIORTC_PY").unwrap_or_else(|_| "python3".to_owned())
}

fn libsrtp_profile(profile: ProtectionProfile) -> &'static str {
    match profile {
        ProtectionProfile::Aes128CmHmacSha1_80 => "SRTP_PROFILE_AES128_CM_SHA1_80",
        ProtectionProfile::Aes128CmHmacSha1_32 => "SRTP_PROFILE_AES128_CM_SHA1_32",
        ProtectionProfile::AeadAes128Gcm => "SRTP_PROFILE_AEAD_AES_128_GCM",
        ProtectionProfile::AeadAes256Gcm => "SRTP_PROFILE_AEAD_AES_256_GCM",
        _ => unreachable!(),
    }
}

fn rtp(seq: u16, ssrc: u32, csrcs: u8, extension: bool, payload_len: usize) -> Vec<u8> {
    let mut p = vec![0x80 | csrcs | if extension { 0x10 } else { 0 }, 111];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq).wrapping_mul(960)).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    for c in 0..csrcs {
        p.extend_from_slice(&(0x1000 + u32::from(c)).to_be_bytes());
    }
    if extension {
        p.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0x42, 0, 0]);
    }
    p.extend((0..payload_len).map(|i| (i * 7 + usize::from(seq)) as u8));
    p
}

fn rtcp(ssrc: u32, report: u8) -> Vec<u8> {
    // RR with one report block, then SDES with a CNAME.
    let mut p = vec![0x81, 201, 0, 7];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, report]);
    p.extend_from_slice(&[0; 16]);
    p.extend_from_slice(&[0x81, 202, 0, 3]);
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&[1, 4, b'c', b'n', b'a', b'm', 0, 0]);
    p
}

fn hex_list(packets: &[Vec<u8>]) -> Value {
    Value::Array(
        packets
            .iter()
            .map(|p| Value::String(hex::encode(p)))
            .collect(),
    )
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("libsrtp answer has no {key}: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn run_libsrtp(request: &Value) -> Value {
    let mut child = Command::new(python())
        .args(["-c", LIBSRTP])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python (AIORTC_PY) runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "libsrtp helper failed (is pylibsrtp installed? run tests/interop/run.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check(profile: ProtectionProfile) {
    let km: Vec<u8> = (0..profile.keying_material_len())
        .map(|i| (i * 37 + 11) as u8)
        .collect();
    // RFC 5764 §4.2: client key | server key | client salt | server salt.
    let (keys, salts) = km.split_at(2 * profile.key_len());
    let (client_key, server_key) = keys.split_at(profile.key_len());
    let (client_salt, server_salt) = salts.split_at(profile.salt_len());
    let config = Config::default();
    let provider = sansrtc_crypto::default_provider();
    let mut ours =
        Session::from_dtls_srtp(&provider, profile, DtlsRole::Client, &km, config).unwrap();

    // Ours -> libsrtp: a wrap of the sequence number, CSRCs, extensions, sizes up to 1200.
    let plain_rtp: Vec<Vec<u8>> = (65530u16..=65535)
        .chain(0..6)
        .enumerate()
        .map(|(i, seq)| rtp(seq, 0x1122_3344, (i % 3) as u8, i % 2 == 0, 100 * i))
        .collect();
    let mut srtp: Vec<Vec<u8>> = plain_rtp
        .iter()
        .map(|p| {
            let mut p = p.clone();
            ours.protect_rtp(&mut p).unwrap();
            p
        })
        .collect();
    srtp.push(srtp[3].clone()); // a replay
    let plain_rtcp: Vec<Vec<u8>> = (0..3).map(|i| rtcp(0x1122_3344, i)).collect();
    let mut srtcp: Vec<Vec<u8>> = plain_rtcp
        .iter()
        .map(|p| {
            let mut p = p.clone();
            ours.protect_rtcp(&mut p).unwrap();
            p
        })
        .collect();
    srtcp.push(srtcp[1].clone()); // a replay

    // libsrtp -> ours.
    let their_rtp: Vec<Vec<u8>> = (65533u16..=65535)
        .chain(0..3)
        .enumerate()
        .map(|(i, seq)| rtp(seq, 0x5566_7788, (i % 2) as u8, i % 3 == 0, 200 * i + 1))
        .collect();
    let their_rtcp: Vec<Vec<u8>> = (0..3).map(|i| rtcp(0x5566_7788, 10 + i)).collect();

    let answer = run_libsrtp(&json!({
        "profile": libsrtp_profile(profile),
        "client_key": hex::encode([client_key, client_salt].concat()),
        "server_key": hex::encode([server_key, server_salt].concat()),
        "srtp": hex_list(&srtp),
        "srtcp": hex_list(&srtcp),
        "rtp": hex_list(&their_rtp),
        "rtcp": hex_list(&their_rtcp),
    }));
    let what = format!("{profile:?}");

    let unprotected = strings(&answer, "rtp");
    for (i, p) in plain_rtp.iter().enumerate() {
        assert_eq!(
            unprotected[i],
            hex::encode(p),
            "{what}: libsrtp unprotect of our SRTP #{i}"
        );
    }
    assert!(
        unprotected[plain_rtp.len()].starts_with("error"),
        "{what}: libsrtp accepted a replayed SRTP packet"
    );
    let unprotected = strings(&answer, "rtcp");
    for (i, p) in plain_rtcp.iter().enumerate() {
        assert_eq!(
            unprotected[i],
            hex::encode(p),
            "{what}: libsrtp unprotect of our SRTCP #{i}"
        );
    }
    assert!(
        unprotected[plain_rtcp.len()].starts_with("error"),
        "{what}: libsrtp accepted a replayed SRTCP packet"
    );

    let protected = strings(&answer, "srtp");
    for (i, p) in their_rtp.iter().enumerate() {
        let mut buf = hex::decode(&protected[i]).unwrap();
        let wire = buf.clone();
        let len = ours
            .unprotect_rtp(&mut buf)
            .unwrap_or_else(|e| panic!("{what}: our unprotect of libsrtp's SRTP #{i}: {e}"));
        assert_eq!(&buf[..len], &p[..], "{what}: SRTP #{i}");
        let mut again = wire;
        assert!(matches!(
            ours.unprotect_rtp(&mut again),
            Err(Error::Replayed { .. })
        ));
    }
    let protected = strings(&answer, "srtcp");
    for (i, p) in their_rtcp.iter().enumerate() {
        let mut buf = hex::decode(&protected[i]).unwrap();
        let wire = buf.clone();
        let len = ours
            .unprotect_rtcp(&mut buf)
            .unwrap_or_else(|e| panic!("{what}: our unprotect of libsrtp's SRTCP #{i}: {e}"));
        assert_eq!(&buf[..len], &p[..], "{what}: SRTCP #{i}");
        let mut again = wire;
        assert!(matches!(
            ours.unprotect_rtcp(&mut again),
            Err(Error::Replayed { .. })
        ));
    }
    assert_eq!(ours.inbound().roc(0x5566_7788), Some(1));
}

#[test]
fn rfc3711_rfc7714_interop_with_libsrtp_every_profile() {
    for profile in ProtectionProfile::ALL {
        check(profile);
    }
}
