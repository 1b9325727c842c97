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
        Self {
            dtls,
            events: Vec::new(),
            received: Vec::new(),
            connected_at: None,
        }
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
        self.dtls
            .export_keying_material("EXTRACTOR-dtls_srtp", &mut out)
            .unwrap();
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

/// A lock-step loop over two endpoints with a virtual clock and a datagram filter, for
/// scenarios that need to drop chosen datagrams (netsim's links drop at random).
pub struct Lockstep {
    pub client: Node,
    pub server: Node,
    pub now: Instant,
    /// Datagrams each side sent so far (client, server).
    pub sent: (usize, usize),
    pub max_datagram: usize,
}

impl Lockstep {
    pub fn new(client: Dtls, server: Dtls) -> Self {
        Self {
            client: Node::new(client),
            server: Node::new(server),
            now: sansrtc_netsim::epoch(),
            sent: (0, 0),
            max_datagram: 0,
        }
    }

    /// Runs until both are connected, one failed, or `limit` of virtual time passed.
    /// `keep(from_client, index, datagram)` decides whether a datagram is delivered.
    pub fn run(
        &mut self,
        limit: std::time::Duration,
        mut keep: impl FnMut(bool, usize, &[u8]) -> bool,
    ) -> bool {
        let end = self.now + limit;
        let mut buf = Vec::new();
        loop {
            let mut moved = false;
            while let Some(n) = self.client.poll_transmit(self.now, &mut buf) {
                self.max_datagram = self.max_datagram.max(n);
                let i = self.sent.0;
                self.sent.0 += 1;
                if keep(true, i, &buf[..n]) {
                    let d = buf[..n].to_vec();
                    self.server.handle_datagram(self.now, &d);
                }
                moved = true;
            }
            while let Some(n) = self.server.poll_transmit(self.now, &mut buf) {
                self.max_datagram = self.max_datagram.max(n);
                let i = self.sent.1;
                self.sent.1 += 1;
                if keep(false, i, &buf[..n]) {
                    let d = buf[..n].to_vec();
                    self.client.handle_datagram(self.now, &d);
                }
                moved = true;
            }
            if self.client.connected() && self.server.connected() {
                return true;
            }
            if self.client.dtls.error().is_some() || self.server.dtls.error().is_some() {
                return false;
            }
            if moved {
                continue;
            }
            let next = [self.client.poll_timeout(), self.server.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.client.handle_timeout(self.now);
                    self.server.handle_timeout(self.now);
                }
                _ => return false,
            }
        }
    }
}
