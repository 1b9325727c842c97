//! Shared test support: certificates, endpoints and a netsim adapter.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_dtls::{Certificate, Config, Dtls, Event, Role};
use sansrtc_netsim::pair::Endpoint;

pub fn rng(seed: u64) -> Box<ChaCha20Rng> {
    Box::new(ChaCha20Rng::seed_from_u64(seed))
}

pub fn certificate(seed: u64, common_name: &str) -> Arc<Certificate> {
    let provider = sansrtc_crypto::default_provider();
    Arc::new(Certificate::generate(&provider, rng(seed).as_mut(), common_name).unwrap())
}

/// A client and a server that know each other's fingerprints.
pub fn pair_with(seed: u64, tweak: impl Fn(&mut Config)) -> (Dtls, Dtls) {
    let client_cert = certificate(seed, "client");
    let server_cert = certificate(seed + 1, "server");
    let mut client_config = Config::new(client_cert.clone());
    tweak(&mut client_config);
    let mut server_config = Config::new(server_cert.clone());
    tweak(&mut server_config);
    let mut client = Dtls::new(Role::Client, Arc::new(client_config), rng(seed + 2)).unwrap();
    let mut server = Dtls::new(Role::Server, Arc::new(server_config), rng(seed + 3)).unwrap();
    client.set_remote_fingerprints(vec![server_cert.fingerprint().clone()]);
    server.set_remote_fingerprints(vec![client_cert.fingerprint().clone()]);
    (client, server)
}

/// A DTLS endpoint for netsim's `Pair`, recording its events and received data.
#[derive(Debug)]
pub struct Node {
    pub dtls: Dtls,
    pub events: Vec<Event>,
    pub received: Vec<Vec<u8>>,
    pub connected_at: Option<Instant>,
}

impl Node {
    pub fn new(dtls: Dtls) -> Self {
        Self { dtls, events: Vec::new(), received: Vec::new(), connected_at: None }
    }

    fn drain(&mut self, now: Instant) {
        while let Some(e) = self.dtls.poll_event() {
            if matches!(e, Event::Connected { .. }) {
                self.connected_at = Some(now);
            }
            self.events.push(e);
        }
        let mut buf = Vec::new();
        while let Some(n) = self.dtls.poll_application_data(&mut buf) {
            self.received.push(buf[..n].to_vec());
        }
    }

    pub fn connected(&self) -> bool {
        self.dtls.is_connected()
    }

    pub fn export(&self) -> Vec<u8> {
        let mut out = vec![0u8; 60];
        self.dtls.export_keying_material("EXTRACTOR-dtls_srtp", &mut out).unwrap();
        out
    }
}

impl Endpoint for Node {
    fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        self.dtls.handle_datagram(now, datagram);
        self.drain(now);
    }

    fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        let n = self.dtls.poll_transmit(now, buf);
        self.drain(now);
        n
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.dtls.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.dtls.handle_timeout(now);
        self.drain(now);
    }
}
