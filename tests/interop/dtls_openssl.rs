//! sansrtc-dtls against real OpenSSL 3 (`openssl s_server` / `s_client -dtls1_2`) on 127.0.0.1,
//! both roles, with and without HelloVerifyRequest: use_srtp, application data both ways,
//! close_notify, the RFC 5705 exporter (`-keymatexport EXTRACTOR-dtls_srtp`), the RFC 7627
//! master secret (OpenSSL's `-keylogfile`), and refusal of a wrong fingerprint.
//!
//! Run by tests/interop/run.sh: `cargo test -p sansrtc-tests --features interop --test dtls_openssl`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_dtls::{
    Certificate, Config, Dtls, Error, Event, Fingerprint, FingerprintAlgorithm, Role, SrtpProfile,
};

const PROFILES: &str = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
const LIMIT: Duration = Duration::from_secs(15);

/// A throwaway OpenSSL ECDSA P-256 certificate and key in a temp directory.
struct OpensslIdentity {
    dir: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    fingerprint: Fingerprint,
}

fn openssl_identity(name: &str) -> OpensslIdentity {
    openssl_identity_with(
        name,
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
    )
}

/// `key_args`: the `openssl req` arguments choosing the key (EC P-256 or RSA).
fn openssl_identity_with(name: &str, key_args: &[&str]) -> OpensslIdentity {
    let dir = std::env::temp_dir().join(format!(
        "sansrtc-dtls-interop-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let der = dir.join("cert.der");
    run_ok(
        Command::new("openssl")
            .args(["req", "-x509"])
            .args(key_args)
            .args(["-nodes", "-days", "30", "-subj"])
            .arg(format!("/CN=interop-{name}"))
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert),
    );
    run_ok(
        Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(&cert)
            .arg("-out")
            .arg(&der),
    );
    let der = std::fs::read(der).unwrap();
    let fingerprint = Fingerprint::of(
        &sansrtc_crypto::default_provider(),
        FingerprintAlgorithm::Sha256,
        &der,
    );
    OpensslIdentity {
        dir,
        cert,
        key,
        fingerprint,
    }
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().expect("openssl runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running `openssl s_server` / `s_client` whose output lines are collected.
struct Openssl {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Openssl {
    fn spawn(mut cmd: Command) -> Self {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("openssl starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines,
        }
    }

    fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    fn wait_for(&self, needle: &str, limit: Duration) -> Option<String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(l) = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(needle))
            {
                return Some(l.clone());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// The hex after `Keying material: `.
    fn keying_material(&self) -> Vec<u8> {
        let line = self
            .wait_for("Keying material:", LIMIT)
            .expect("openssl printed keying material");
        hex::decode(line.split("Keying material:").nth(1).unwrap().trim()).unwrap()
    }
}

impl Drop for Openssl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn our_endpoint(
    role: Role,
    remote: Fingerprint,
    seed: u64,
    tweak: impl FnOnce(&mut Config),
) -> Dtls {
    let provider = sansrtc_crypto::default_provider();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let cert = Arc::new(Certificate::generate(&provider, &mut rng, "sansrtc-interop").unwrap());
    let mut config = Config::new(cert);
    tweak(&mut config);
    let mut dtls = Dtls::new(role, Arc::new(config), Box::new(rng)).unwrap();
    dtls.set_remote_fingerprints(vec![remote]);
    dtls
}

/// Our endpoint on a real UDP socket, with the standard drain order.
struct Driver {
    dtls: Dtls,
    socket: UdpSocket,
    events: Vec<Event>,
    received: Vec<Vec<u8>>,
    buf: Vec<u8>,
}

impl Driver {
    fn new(dtls: Dtls, socket: UdpSocket) -> Self {
        Self {
            dtls,
            socket,
            events: Vec::new(),
            received: Vec::new(),
            buf: Vec::new(),
        }
    }

    fn flush(&mut self) {
        let now = Instant::now();
        while let Some(n) = self.dtls.poll_transmit(now, &mut self.buf) {
            let _ = self.socket.send(&self.buf[..n]);
        }
        while let Some(e) = self.dtls.poll_event() {
            self.events.push(e);
        }
        while let Some(n) = self.dtls.poll_application_data(&mut self.buf) {
            self.received.push(self.buf[..n].to_vec());
        }
    }

    /// Runs until `done` holds or the endpoint fails; false on timeout.
    fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&Self) -> bool) -> bool {
        let start = Instant::now();
        let mut datagram = vec![0u8; 65536];
        loop {
            self.flush();
            if done(self) {
                return true;
            }
            if start.elapsed() > limit || self.dtls.error().is_some() {
                return false;
            }
            let now = Instant::now();
            let wait = self
                .dtls
                .poll_timeout()
                .map_or(Duration::from_millis(50), |t| {
                    t.saturating_duration_since(now)
                })
                .clamp(Duration::from_millis(1), Duration::from_millis(50));
            self.socket.set_read_timeout(Some(wait)).unwrap();
            match self.socket.recv(&mut datagram) {
                Ok(n) => self.dtls.handle_datagram(Instant::now(), &datagram[..n]),
                Err(_) => self.dtls.handle_timeout(Instant::now()),
            }
        }
    }

    fn received_text(&self) -> String {
        self.received
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}

fn s_server(id: &OpensslIdentity, port: u16, hvr: bool) -> Openssl {
    s_server_with(id, port, hvr, &[])
}

fn s_server_with(id: &OpensslIdentity, port: u16, hvr: bool, extra: &[&str]) -> Openssl {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_server", "-dtls1_2", "-accept"])
        .arg(format!("127.0.0.1:{port}"));
    cmd.arg("-cert").arg(&id.cert).arg("-key").arg(&id.key);
    cmd.args([
        "-use_srtp",
        PROFILES,
        "-keymatexport",
        "EXTRACTOR-dtls_srtp",
        "-keymatexportlen",
        "60",
    ]);
    cmd.args([
        "-verify",
        "1",
        "-naccept",
        "1",
        "-no_ticket",
        "-mtu",
        "1200",
    ]);
    cmd.arg("-keylogfile").arg(id.dir.join("keylog.txt"));
    if hvr {
        cmd.arg("-listen");
    }
    cmd.args(extra);
    let server = Openssl::spawn(cmd);
    server.wait_for("ACCEPT", LIMIT).expect("s_server listens");
    server
}

fn s_client(id: &OpensslIdentity, port: u16) -> Openssl {
    s_client_with(id, port, &[])
}

fn s_client_with(id: &OpensslIdentity, port: u16, extra: &[&str]) -> Openssl {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-dtls1_2", "-connect"])
        .arg(format!("127.0.0.1:{port}"));
    cmd.arg("-cert").arg(&id.cert).arg("-key").arg(&id.key);
    cmd.args([
        "-use_srtp",
        PROFILES,
        "-keymatexport",
        "EXTRACTOR-dtls_srtp",
        "-keymatexportlen",
        "60",
    ]);
    cmd.args(["-mtu", "1200"]);
    cmd.arg("-keylogfile").arg(id.dir.join("keylog.txt"));
    cmd.args(extra);
    Openssl::spawn(cmd)
}

/// The master secret OpenSSL wrote to its key log (NSS format), for our client random.
fn openssl_key_log(dir: &Path) -> String {
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(dir.join("keylog.txt")).unwrap_or_default();
        if let Some(line) = log.lines().find(|l| l.starts_with("CLIENT_RANDOM")) {
            return line.to_owned();
        }
        assert!(start.elapsed() < LIMIT, "no key log from openssl");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn connected_socket(port: u16) -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .unwrap();
    socket
}

/// Our client against `openssl s_server`.
fn client_against_s_server(hvr: bool, seed: u64) {
    let id = openssl_identity(if hvr { "server-hvr" } else { "server" });
    let port = free_port();
    let mut server = s_server(&id, port, hvr);
    let dtls = our_endpoint(Role::Client, id.fingerprint.clone(), seed, |_| {});
    let mut ours = Driver::new(dtls, connected_socket(port));
    let ok = ours.run_until(LIMIT, |d| d.dtls.is_connected());
    assert!(
        ok,
        "handshake failed: {:?} {:?}\nopenssl:\n{}",
        ours.dtls.error(),
        ours.events,
        server.output()
    );

    // s_server always sends a HelloVerifyRequest over UDP: statefully by default, from the
    // stateless DTLSv1_listen with -listen.
    assert_eq!(ours.dtls.stats().hello_verify_requests, 1);
    assert_eq!(ours.dtls.srtp_profile(), Some(SrtpProfile::AeadAes128Gcm));
    let mut ours_km = [0u8; 60];
    ours.dtls
        .export_keying_material("EXTRACTOR-dtls_srtp", &mut ours_km)
        .unwrap();
    assert_eq!(
        server.keying_material(),
        ours_km,
        "RFC 5705 exporter differs from OpenSSL's"
    );
    // RFC 7627: the extended master secret matches OpenSSL's.
    assert_eq!(openssl_key_log(&id.dir), ours.dtls.key_log_line().unwrap());

    // Application data both ways.
    ours.dtls
        .send_application_data(b"ping from sansrtc\n")
        .unwrap();
    ours.flush();
    server
        .wait_for("ping from sansrtc", LIMIT)
        .expect("s_server got our data");
    server.send_line("pong from openssl");
    assert!(ours.run_until(LIMIT, |d| d.received_text().contains("pong from openssl")));

    // close_notify: OpenSSL answers with its own and quits (-naccept 1).
    ours.dtls.close();
    ours.flush();
    server
        .wait_for("DONE", LIMIT)
        .expect("s_server saw close_notify");
}

#[test]
fn rfc6347_interop_client_vs_openssl_s_server() {
    client_against_s_server(false, 1);
}

#[test]
fn rfc6347_4_2_1_interop_client_obeys_openssl_stateless_hello_verify_request() {
    client_against_s_server(true, 2);
}

/// `openssl s_client` against our server.
fn server_against_s_client(cookie_exchange: bool, seed: u64) {
    let id = openssl_identity(if cookie_exchange {
        "client-hvr"
    } else {
        "client"
    });
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let dtls = our_endpoint(Role::Server, id.fingerprint.clone(), seed, |c| {
        c.cookie_exchange = cookie_exchange
    });
    let mut client = s_client(&id, port);
    // Learn the client's address from its first datagram.
    socket.set_read_timeout(Some(LIMIT)).unwrap();
    let mut first = vec![0u8; 65536];
    let (n, from) = socket
        .recv_from(&mut first)
        .expect("s_client sent a ClientHello");
    socket.connect(from).unwrap();
    let mut ours = Driver::new(dtls, socket);
    ours.dtls.handle_datagram(Instant::now(), &first[..n]);
    let ok = ours.run_until(LIMIT, |d| d.dtls.is_connected());
    assert!(
        ok,
        "handshake failed: {:?} {:?}\nopenssl:\n{}",
        ours.dtls.error(),
        ours.events,
        client.output()
    );

    assert_eq!(
        ours.dtls.stats().hello_verify_requests,
        u64::from(cookie_exchange)
    );
    assert_eq!(ours.dtls.srtp_profile(), Some(SrtpProfile::AeadAes128Gcm));
    let mut ours_km = [0u8; 60];
    ours.dtls
        .export_keying_material("EXTRACTOR-dtls_srtp", &mut ours_km)
        .unwrap();
    assert_eq!(
        client.keying_material(),
        ours_km,
        "RFC 5705 exporter differs from OpenSSL's"
    );
    assert_eq!(openssl_key_log(&id.dir), ours.dtls.key_log_line().unwrap());
    let ems = client.wait_for("Extended master secret", LIMIT).unwrap();
    assert!(ems.contains("yes"), "{ems}");

    ours.dtls
        .send_application_data(b"hello from sansrtc server\n")
        .unwrap();
    ours.flush();
    client
        .wait_for("hello from sansrtc server", LIMIT)
        .expect("s_client got our data");
    client.send_line("hello from openssl client");
    assert!(ours.run_until(LIMIT, |d| {
        d.received_text().contains("hello from openssl client")
    }));

    ours.dtls.close();
    ours.flush();
}

#[test]
fn rfc6347_interop_server_vs_openssl_s_client() {
    server_against_s_client(false, 3);
}

#[test]
fn rfc6347_4_2_1_interop_server_hello_verify_request_vs_openssl_s_client() {
    server_against_s_client(true, 4);
}

/// The other two suites, chosen by OpenSSL's server.
fn client_suite_against_s_server(cipher: &str, suite: sansrtc_dtls::CipherSuite, seed: u64) {
    let id = openssl_identity(cipher);
    let port = free_port();
    let server = s_server_with(&id, port, false, &["-cipher", cipher]);
    let dtls = our_endpoint(Role::Client, id.fingerprint.clone(), seed, |_| {});
    let mut ours = Driver::new(dtls, connected_socket(port));
    assert!(
        ours.run_until(LIMIT, |d| d.dtls.is_connected()),
        "{:?}\n{}",
        ours.dtls.error(),
        server.output()
    );
    assert_eq!(ours.dtls.cipher_suite(), Some(suite));
    let mut km = [0u8; 60];
    ours.dtls
        .export_keying_material("EXTRACTOR-dtls_srtp", &mut km)
        .unwrap();
    assert_eq!(server.keying_material(), km);
    ours.dtls.send_application_data(b"suite check\n").unwrap();
    ours.flush();
    server
        .wait_for("suite check", LIMIT)
        .expect("s_server decrypted our record");
}

#[test]
fn rfc5289_interop_aes_256_gcm_sha384_vs_openssl() {
    client_suite_against_s_server(
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        sansrtc_dtls::CipherSuite::EcdheEcdsaAes256GcmSha384,
        7,
    );
}

#[test]
fn rfc7905_interop_chacha20_poly1305_vs_openssl() {
    client_suite_against_s_server(
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        sansrtc_dtls::CipherSuite::EcdheEcdsaChacha20Poly1305Sha256,
        8,
    );
}

/// A client with an RSA certificate signs its CertificateVerify with RSA: we verify RSA-PSS
/// and RSA PKCS#1 v1.5 with SHA-256 (RFC 5246 §7.4.8, RFC 8446 §4.2.3 code points).
fn rsa_client_against_our_server(
    name: &str,
    sigalgs: &str,
    scheme: sansrtc_crypto::SignatureScheme,
    seed: u64,
) {
    let id = openssl_identity_with(name, &["-newkey", "rsa:2048"]);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let dtls = our_endpoint(Role::Server, id.fingerprint.clone(), seed, |_| {});
    let client = s_client_with(&id, port, &["-sigalgs", sigalgs]);
    socket.set_read_timeout(Some(LIMIT)).unwrap();
    let mut first = vec![0u8; 65536];
    let (n, from) = socket.recv_from(&mut first).unwrap();
    socket.connect(from).unwrap();
    let mut ours = Driver::new(dtls, socket);
    ours.dtls.handle_datagram(Instant::now(), &first[..n]);
    assert!(
        ours.run_until(LIMIT, |d| d.dtls.is_connected()),
        "{:?}\n{}",
        ours.dtls.error(),
        client.output()
    );
    assert_eq!(ours.dtls.peer_signature_scheme(), Some(scheme));
    let mut km = [0u8; 60];
    ours.dtls
        .export_keying_material("EXTRACTOR-dtls_srtp", &mut km)
        .unwrap();
    assert_eq!(client.keying_material(), km);
}

#[test]
fn rfc5246_7_4_8_interop_rsa_pss_client_certificate_verified() {
    // The client's sigalgs must still list ECDSA, else OpenSSL drops the ECDSA suites from
    // its hello; for its own RSA key it then signs with the only RSA scheme listed.
    rsa_client_against_our_server(
        "rsa-pss",
        "ECDSA+SHA256:RSA-PSS+SHA256",
        sansrtc_crypto::SignatureScheme::RsaPssSha256,
        9,
    );
}

#[test]
fn rfc5246_7_4_8_interop_rsa_pkcs1_client_certificate_verified() {
    rsa_client_against_our_server(
        "rsa-pkcs1",
        "ECDSA+SHA256:RSA+SHA256",
        sansrtc_crypto::SignatureScheme::RsaPkcs1Sha256,
        10,
    );
}

/// RFC 8122 §5 / RFC 8842: a certificate that does not match the SDP fingerprint is refused
/// with a fatal bad_certificate alert, in both roles.
#[test]
fn rfc8122_5_interop_wrong_fingerprint_refused() {
    let wrong = Fingerprint::parse(&format!("sha-256 {}", ["AB"; 32].join(":"))).unwrap();

    let id = openssl_identity("server-wrongfp");
    let port = free_port();
    let server = s_server(&id, port, false);
    let dtls = our_endpoint(Role::Client, wrong.clone(), 5, |_| {});
    let mut ours = Driver::new(dtls, connected_socket(port));
    assert!(!ours.run_until(LIMIT, |d| d.dtls.is_connected()));
    assert_eq!(ours.dtls.error(), Some(&Error::FingerprintMismatch));
    server
        .wait_for("bad certificate", LIMIT)
        .expect("s_server got our bad_certificate alert");

    let id = openssl_identity("client-wrongfp");
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let dtls = our_endpoint(Role::Server, wrong, 6, |_| {});
    let client = s_client(&id, port);
    socket.set_read_timeout(Some(LIMIT)).unwrap();
    let mut first = vec![0u8; 65536];
    let (n, from) = socket.recv_from(&mut first).unwrap();
    socket.connect(from).unwrap();
    let mut ours = Driver::new(dtls, socket);
    ours.dtls.handle_datagram(Instant::now(), &first[..n]);
    assert!(!ours.run_until(LIMIT, |d| d.dtls.is_connected()));
    assert_eq!(ours.dtls.error(), Some(&Error::FingerprintMismatch));
    client
        .wait_for("bad certificate", LIMIT)
        .expect("s_client got our bad_certificate alert");
}

/// After a renegotiation request was refused: our endpoint made no second master secret and is
/// either still connected or was closed by OpenSSL, which answers a `no_renegotiation` warning
/// with a fatal `handshake_failure` (RFC 5246 §7.4.1.2 leaves that choice to the requester):
/// the alert proves OpenSSL received our refusal.
fn after_refused_renegotiation(ours: &mut Driver, id: &OpensslIdentity) {
    let ended = ours.run_until(Duration::from_millis(500), |d| !d.dtls.is_connected());
    if ended {
        assert!(
            matches!(
                ours.dtls.error(),
                Some(sansrtc_dtls::Error::AlertReceived(
                    sansrtc_dtls::AlertDescription::HandshakeFailure
                ))
            ),
            "{:?} {:?}",
            ours.dtls.error(),
            ours.events
        );
    }
    let keylog = std::fs::read_to_string(id.dir.join("keylog.txt")).unwrap();
    let secrets = keylog.lines().filter(|l| l.starts_with("CLIENT_RANDOM"));
    assert_eq!(secrets.count(), 1, "a second handshake happened:\n{keylog}");
}

/// Sends `command` to OpenSSL (again every second, should one be missed) until our endpoint
/// has refused a renegotiation.
fn ask_openssl_to_renegotiate(openssl: &mut Openssl, ours: &mut Driver, command: &str) {
    for _ in 0..10 {
        openssl.send_line(command);
        if ours.run_until(Duration::from_secs(1), |d| {
            d.dtls.stats().renegotiations_refused > 0
        }) {
            assert_eq!(ours.dtls.stats().renegotiations_refused, 1);
            return;
        }
    }
    panic!(
        "no renegotiation seen: {:?} {:?}\nopenssl:\n{}",
        ours.dtls.error(),
        ours.dtls.stats(),
        openssl.output()
    );
}

/// RFC 5746 §4.2, RFC 6347 §4.2.2: `openssl s_client` starts a renegotiation (`R` on its stdin
/// sends a new ClientHello, message_seq 0 in epoch 1); our server refuses it with a warning
/// `no_renegotiation` alert instead of answering with a ServerHello. (The client side, a
/// HelloRequest at message_seq 0, is proved in the crate: `openssl s_server`'s `r` command
/// sometimes goes out as application data "r\n" instead of a HelloRequest, so it makes no
/// reliable test.)
#[test]
fn rfc5746_4_2_interop_server_refuses_openssl_client_renegotiation() {
    let id = openssl_identity("client-renegotiate");
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let dtls = our_endpoint(Role::Server, id.fingerprint.clone(), 12, |c| {
        c.cookie_exchange = false
    });
    let mut client = s_client(&id, port);
    socket.set_read_timeout(Some(LIMIT)).unwrap();
    let mut first = vec![0u8; 65536];
    let (n, from) = socket
        .recv_from(&mut first)
        .expect("s_client sent a ClientHello");
    socket.connect(from).unwrap();
    let mut ours = Driver::new(dtls, socket);
    ours.dtls.handle_datagram(Instant::now(), &first[..n]);
    assert!(ours.run_until(LIMIT, |d| d.dtls.is_connected()));
    client.send_line("before");
    assert!(ours.run_until(LIMIT, |d| d.received_text().contains("before")));

    ask_openssl_to_renegotiate(&mut client, &mut ours, "R");
    after_refused_renegotiation(&mut ours, &id);
}
