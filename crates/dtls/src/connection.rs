//! The endpoint: record layer, flights, timers, the peer-certificate check, and the sans-IO
//! surface around the handshake states of [`crate::client`] and [`crate::server`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use sansrtc_crypto::rng::CryptoRngCore;
use sansrtc_crypto::sign::SignatureScheme;

use crate::Error;
use crate::alert::{Alert, AlertDescription, AlertLevel};
use crate::cert::{Fingerprint, PeerCertificate};
use crate::config::{Config, Role};
use crate::extension::SrtpProfile;
use crate::flight::{Flight, FlightMessage, Output};
use crate::handshake::{self, Fragment, HandshakeHeader, Message, Random};
use crate::keys::{DirectionKeys, MasterSecret};
use crate::protection::RecordCipher;
use crate::reassembly::{Outcome, Reassembler};
use crate::record::{
    ContentType, HEADER_LEN, MAX_SEQUENCE_NUMBER, RecordHeader, Records, ReplayWindow, version,
};
use crate::state::{Established, Meta, State};
use crate::suite::CipherSuite;

/// What the endpoint reports to the application. Drain with [`Dtls::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake finished and the peer certificate matched a remote fingerprint: keys can
    /// be exported and application data flows. Emitted once.
    Connected {
        /// The negotiated SRTP protection profile (`None` if use_srtp was not negotiated).
        srtp_profile: Option<SrtpProfile>,
        /// The negotiated cipher suite.
        cipher_suite: CipherSuite,
    },
    /// The peer sent a warning alert other than close_notify (RFC 5246 §7.2); the connection
    /// goes on.
    AlertReceived(Alert),
    /// The peer sent close_notify (we answered with ours, RFC 5246 §7.2.1). Terminal.
    Closed,
    /// The connection failed (a fatal alert was sent or received). Terminal: every later call
    /// reports this error.
    Error(Error),
}

/// Counters, mostly of what was dropped (RFC 6347 §4.1.2.7: invalid records are discarded
/// silently, but an implementation may count them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Records received, authenticated (epoch 1) and processed.
    pub records_received: u64,
    /// Records that failed authentication (§4.1.2.7).
    pub records_bad_mac: u64,
    /// Records rejected by the anti-replay window (§4.1.2.6).
    pub records_replayed: u64,
    /// Records or datagram tails that did not parse, or of an unknown epoch or content type,
    /// or unprotected alerts after the handshake.
    pub records_malformed: u64,
    /// Handshake fragments dropped by reassembly (too long, too far ahead, inconsistent).
    pub fragments_dropped: u64,
    /// Application data records dropped because the receive buffer was full.
    pub application_data_dropped: u64,
    /// HelloVerifyRequests sent (server) or obeyed (client) (RFC 6347 §4.2.1).
    pub hello_verify_requests: u64,
    /// Flight retransmissions (timer and peer-triggered).
    pub retransmissions: u64,
    /// Datagrams handed to the caller.
    pub datagrams_sent: u64,
    /// Renegotiation attempts (a HelloRequest or ClientHello after the handshake) answered
    /// with a warning `no_renegotiation` alert (RFC 5746 §4.2, RFC 5246 §7.2.2).
    pub renegotiations_refused: u64,
}

/// Keys and parameters agreed by the hellos.
#[derive(Debug, Clone)]
pub(crate) struct Negotiated {
    pub suite: CipherSuite,
    pub client_random: Random,
    pub server_random: Random,
    pub srtp_profile: Option<SrtpProfile>,
}

/// Most epoch-1 records we hold while the keys are not known yet (a Finished overtaking the
/// ClientKeyExchange).
const MAX_EARLY_RECORDS: usize = 8;
/// Spare application-data buffers kept for reuse.
const MAX_SPARE_BUFFERS: usize = 32;

/// The record layer: epochs, sequence numbers, protection, anti-replay (RFC 6347 §4.1).
#[derive(Debug, Default)]
pub(crate) struct RecordLayer {
    /// Epoch for alerts and application data: 1 once we sent ChangeCipherSpec.
    pub write_epoch: u16,
    write_seq: [u64; 2],
    write_cipher: Option<RecordCipher>,
    read_cipher: Option<RecordCipher>,
    replay: [ReplayWindow; 2],
    early: Vec<Vec<u8>>,
}

/// The peer certificate and how far its check got.
#[derive(Debug, Default)]
pub(crate) enum PeerAuth {
    /// No Certificate message yet.
    #[default]
    None,
    /// Received; the signaling has not given us the fingerprints yet.
    Pending(PeerCertificate),
    /// Matched one of the remote fingerprints.
    Verified(PeerCertificate),
}

impl PeerAuth {
    pub fn certificate(&self) -> Option<&PeerCertificate> {
        match self {
            Self::None => None,
            Self::Pending(c) | Self::Verified(c) => Some(c),
        }
    }
}

/// Application data received, waiting for [`Dtls::poll_application_data`].
#[derive(Debug, Default)]
struct Received {
    queue: VecDeque<Vec<u8>>,
    bytes: usize,
    spare: Vec<Vec<u8>>,
}

impl Received {
    fn buffer(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }

    fn recycle(&mut self, mut buf: Vec<u8>) {
        if buf.capacity() > 0 && self.spare.len() < MAX_SPARE_BUFFERS {
            buf.clear();
            self.spare.push(buf);
        }
    }
}

/// The state of an endpoint that is not the handshake state.
pub(crate) struct Context {
    pub role: Role,
    pub config: Arc<Config>,
    pub rng: Box<dyn CryptoRngCore + Send>,
    pub records: RecordLayer,
    pub reassembler: Reassembler,
    /// Every handshake message so far, each with its 12-byte DTLS header as if unfragmented
    /// (§4.2.6). Cleared once the handshake is done.
    pub transcript: Vec<u8>,
    pub next_message_seq: u16,
    pub flight: Flight,
    pub out: Output,
    pub events: VecDeque<Event>,
    pub stats: Stats,
    pub peer: PeerAuth,
    /// The scheme of the peer's verified signature (ServerKeyExchange or CertificateVerify).
    pub peer_signature_scheme: Option<SignatureScheme>,
    /// From the signaling; `None` until the caller sets them.
    pub remote_fingerprints: Option<Vec<Fingerprint>>,
    /// Whether [`Event::Connected`] went out.
    announced: bool,
    /// Server: the cookie secret (§4.2.1).
    pub cookie_secret: [u8; 32],
    received: Received,
    scratch: Vec<u8>,
}

impl core::fmt::Debug for Context {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Context")
            .field("role", &self.role)
            .field("next_message_seq", &self.next_message_seq)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// A DTLS 1.2 endpoint, client or server, for one peer.
///
/// Drive it like every sansrtc state machine: after creating it and after each
/// [`handle_datagram`](Self::handle_datagram) / [`handle_timeout`](Self::handle_timeout) /
/// application call, drain [`poll_transmit`](Self::poll_transmit) until `None`, then
/// [`poll_event`](Self::poll_event) and [`poll_application_data`](Self::poll_application_data)
/// until `None`, then wake up at [`poll_timeout`](Self::poll_timeout). A client sends its
/// ClientHello on the first `poll_transmit` (or any other call taking `now`).
pub struct Dtls {
    state: Result<State, Error>,
    cx: Context,
}

impl core::fmt::Debug for Dtls {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dtls")
            .field("state", &self.state.as_ref().map(State::name))
            .field("cx", &self.cx)
            .finish()
    }
}

impl Dtls {
    /// A new endpoint. `rng` supplies every secret (randoms, ephemeral keys, cookie secret).
    ///
    /// The remote fingerprints may be given now or later with
    /// [`set_remote_fingerprints`](Self::set_remote_fingerprints); until they are, the
    /// handshake runs but [`Event::Connected`] and application data wait for the check.
    pub fn new(
        role: Role,
        config: Arc<Config>,
        mut rng: Box<dyn CryptoRngCore + Send>,
    ) -> Result<Self, Error> {
        let mut cookie_secret = [0u8; 32];
        if role == Role::Server {
            config
                .provider
                .fill_random(rng.as_mut(), &mut cookie_secret)?;
        }
        let mtu = config.mtu.max(crate::config::MIN_MTU);
        let cx = Context {
            role,
            reassembler: Reassembler::new(config.max_handshake_message_len),
            config,
            rng,
            records: RecordLayer::default(),
            transcript: Vec::new(),
            next_message_seq: 0,
            flight: Flight::default(),
            out: Output::new(mtu),
            events: VecDeque::new(),
            stats: Stats::default(),
            peer: PeerAuth::None,
            remote_fingerprints: None,
            peer_signature_scheme: None,
            announced: false,
            cookie_secret,
            received: Received::default(),
            scratch: Vec::new(),
        };
        let state = match role {
            Role::Client => State::ClientStart,
            Role::Server => State::ServerExpectClientHello(crate::server::ExpectClientHello),
        };
        Ok(Self {
            state: Ok(state),
            cx,
        })
    }

    /// Our role.
    pub fn role(&self) -> Role {
        self.cx.role
    }

    /// Our certificate's SHA-256 fingerprint, for `a=fingerprint` in our SDP.
    pub fn local_fingerprint(&self) -> &Fingerprint {
        self.cx.config.certificate.fingerprint()
    }

    /// The peer's certificate fingerprints from its SDP (RFC 8122 §5; any of sha-1/256/384/512).
    /// The peer certificate must match one of them, else the connection fails with
    /// [`Error::FingerprintMismatch`] and a fatal `bad_certificate` alert. May be called before
    /// or after the peer's Certificate arrived (the answer SDP can come after the ClientHello).
    /// An empty list refuses every certificate. Calling it again replaces the list (a
    /// certificate that already matched stays accepted).
    pub fn set_remote_fingerprints(&mut self, fingerprints: Vec<Fingerprint>) {
        if self.state.is_err() {
            return;
        }
        self.cx.remote_fingerprints = Some(fingerprints);
        if let Err(e) = self.cx.check_fingerprint() {
            self.fail(e);
            return;
        }
        if let Ok(State::Connected(e)) = &self.state {
            self.cx.announce(e);
        }
    }

    /// Whether the handshake completed, the peer certificate matched, and the connection is
    /// open.
    pub fn is_connected(&self) -> bool {
        matches!(self.state, Ok(State::Connected(_))) && self.cx.announced
    }

    /// Whether the handshake is still running (not connected, not failed or closed). True also
    /// while a finished handshake waits for the remote fingerprints.
    pub fn is_handshaking(&self) -> bool {
        self.state.is_ok() && !self.is_connected()
    }

    /// The terminal error, if the endpoint failed or closed.
    pub fn error(&self) -> Option<&Error> {
        self.state.as_ref().err()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.cx.stats
    }

    /// The peer's leaf certificate (DER), once received (check [`is_connected`](Self::is_connected)
    /// to know whether it matched).
    pub fn peer_certificate(&self) -> Option<&[u8]> {
        self.cx.peer.certificate().map(|c| c.der.as_slice())
    }

    /// The signature scheme the peer authenticated with (its ServerKeyExchange or
    /// CertificateVerify), once verified.
    pub fn peer_signature_scheme(&self) -> Option<SignatureScheme> {
        self.cx.peer_signature_scheme
    }

    /// The negotiated SRTP profile, once connected.
    pub fn srtp_profile(&self) -> Option<SrtpProfile> {
        self.established().and_then(|e| e.negotiated.srtp_profile)
    }

    /// The negotiated cipher suite, once connected.
    pub fn cipher_suite(&self) -> Option<CipherSuite> {
        self.established().map(|e| e.negotiated.suite)
    }

    fn established(&self) -> Option<&Established> {
        match &self.state {
            Ok(State::Connected(e)) if self.cx.announced => Some(e),
            _ => None,
        }
    }

    /// Bytes the endpoint holds on behalf of the peer: handshake reassembly, early epoch-1
    /// records, the transcript and received application data. Bounded by
    /// `10 * max_handshake_message_len + max_received_application_data` (eight messages being
    /// reassembled, the transcript of one handshake, small constants);
    /// the fuzz targets check it.
    #[doc(hidden)]
    pub fn buffered_bytes(&self) -> usize {
        self.cx.reassembler.buffered()
            + self.cx.records.early.iter().map(Vec::len).sum::<usize>()
            + self.cx.transcript.len()
            + self.cx.received.bytes
    }

    /// Largest application data record that fits one datagram of the configured MTU:
    /// `mtu - 13 - 24` with AES-GCM (8-byte explicit nonce + 16-byte tag), `mtu - 13 - 16` with
    /// ChaCha20-Poly1305. Before the keys exist it assumes the larger AES-GCM overhead, so a
    /// value read early (e.g. to size SCTP packets) stays valid whatever suite is chosen.
    pub fn max_application_data_len(&self) -> usize {
        let overhead = self
            .cx
            .records
            .write_cipher
            .as_ref()
            .map_or(24, RecordCipher::overhead);
        self.cx.out.mtu().saturating_sub(HEADER_LEN + overhead)
    }

    /// Feeds one received datagram. Garbage is dropped and counted; a protocol violation ends
    /// the connection with [`Event::Error`].
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        self.start_if_client(now);
        if self.state.is_err() {
            return;
        }
        self.process_records(now, datagram);
        // Epoch-1 records that overtook the key exchange, now that the keys may be known.
        while self.state.is_ok()
            && self.cx.records.read_cipher.is_some()
            && !self.cx.records.early.is_empty()
        {
            let early = core::mem::take(&mut self.cx.records.early);
            for record in early {
                self.process_records(now, &record);
            }
        }
    }

    /// Writes the next datagram into `buf` (cleared first; its allocation is reused) and
    /// returns its length.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        self.start_if_client(now);
        buf.clear();
        let n = self.cx.out.pop_into(buf)?;
        self.cx.stats.datagrams_sent += 1;
        Some(n)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.cx.events.pop_front()
    }

    /// Moves the next received application data record into `buf` (swapping allocations, no
    /// copy) and returns its length. Nothing is released before [`Event::Connected`].
    ///
    /// Records that arrived before the peer's close_notify or a fatal alert are still released
    /// after it (they were authenticated; RFC 5246 §7.2.1: data before close_notify counts).
    pub fn poll_application_data(&mut self, buf: &mut Vec<u8>) -> Option<usize> {
        if !self.cx.announced {
            return None;
        }
        let mut next = self.cx.received.queue.pop_front()?;
        self.cx.received.bytes -= next.len();
        core::mem::swap(buf, &mut next);
        self.cx.received.recycle(next);
        Some(buf.len())
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state.is_err() {
            return None;
        }
        self.cx.flight.retransmit_at
    }

    /// Time passed: retransmits the current flight when its timer expired (§4.2.4), with
    /// exponential back-off; fails the handshake after the configured retransmissions.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.start_if_client(now);
        if self.state.is_err() {
            return;
        }
        let Some(at) = self.cx.flight.retransmit_at else {
            return;
        };
        if now < at {
            return;
        }
        if self.cx.flight.retransmissions >= self.cx.config.max_retransmissions {
            self.fail(Error::HandshakeTimeout);
            return;
        }
        self.cx.flight.retransmissions += 1;
        let rto = (self.cx.flight.rto * 2).min(self.cx.config.max_retransmit);
        self.cx.flight.rto = rto;
        self.cx.flight.retransmit_at = Some(now + rto);
        self.cx.stats.retransmissions += 1;
        if let Err(e) = self.cx.transmit_flight(now) {
            self.fail(e);
        }
    }

    /// Sends one record of application data (RFC 6347 §4.1.1: records are never fragmented;
    /// at most [`max_application_data_len`](Self::max_application_data_len) bytes, so one
    /// record fits one datagram). Records are packed into datagrams up to the MTU.
    pub fn send_application_data(&mut self, data: &[u8]) -> Result<(), Error> {
        match &self.state {
            Ok(State::Connected(_)) if self.cx.announced => {}
            Ok(_) => return Err(Error::NotConnected),
            Err(e) => return Err(e.clone()),
        }
        let max = self.max_application_data_len();
        if data.len() > max {
            return Err(Error::TooLarge {
                len: data.len(),
                max,
            });
        }
        self.cx.write_record(ContentType::ApplicationData, 1, data)
    }

    /// RFC 5705 keying material exporter without context, e.g. `EXTRACTOR-dtls_srtp`, into
    /// `out` (any length).
    pub fn export_keying_material(&self, label: &str, out: &mut [u8]) -> Result<(), Error> {
        let e = match &self.state {
            Ok(State::Connected(e)) if self.cx.announced => e,
            Ok(_) => return Err(Error::NotConnected),
            Err(e) => return Err(e.clone()),
        };
        let n = &e.negotiated;
        e.master.export(
            &self.cx.config.provider,
            n.suite,
            label.as_bytes(),
            &n.client_random,
            &n.server_random,
            out,
        )
    }

    /// The SRTP keying material of RFC 5764 §4.2: the profile and its `EXTRACTOR-dtls_srtp`
    /// output of `2 * (key + salt)` bytes, laid out as client write key, server write key,
    /// client salt, server salt (see [`SrtpKeyingMaterial`]).
    pub fn export_srtp_keying_material(&self) -> Result<SrtpKeyingMaterial, Error> {
        let profile = self
            .srtp_profile()
            .ok_or(Error::Export("no SRTP profile negotiated"))?;
        let mut material = vec![0u8; profile.keying_material_len()];
        self.export_keying_material("EXTRACTOR-dtls_srtp", &mut material)?;
        Ok(SrtpKeyingMaterial {
            profile,
            material,
            role: self.cx.role,
        })
    }

    /// The connection's line in the NSS key log format (`CLIENT_RANDOM <client random>
    /// <master secret>`, hex), as `SSLKEYLOGFILE` writers produce it, so Wireshark can decrypt
    /// a capture. This reveals the session's secrets: for debugging only.
    pub fn key_log_line(&self) -> Option<String> {
        let e = self.established()?;
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        Some(format!(
            "CLIENT_RANDOM {} {}",
            hex(&e.negotiated.client_random),
            hex(e.master.as_bytes())
        ))
    }

    /// Sends close_notify (RFC 5246 §7.2.1) and closes. Later calls report [`Error::Closed`].
    pub fn close(&mut self) {
        if self.state.is_err() {
            return;
        }
        let epoch = self.cx.records.write_epoch;
        let _ = self.cx.write_record(
            ContentType::Alert,
            epoch,
            &Alert::warning(AlertDescription::CloseNotify).to_bytes(),
        );
        self.cx.flight.retransmit_at = None;
        self.state = Err(Error::Closed);
    }

    fn start_if_client(&mut self, now: Instant) {
        if matches!(self.state, Ok(State::ClientStart)) {
            match crate::client::start(&mut self.cx, now) {
                Ok(s) => self.state = Ok(s),
                Err(e) => self.fail(e),
            }
        }
    }

    /// Ends the connection: fatal alert to the peer where one applies, [`Event::Error`].
    fn fail(&mut self, error: Error) {
        if self.state.is_ok() {
            self.abort(error);
        }
    }

    /// [`fail`](Self::fail) whatever the state holds.
    fn abort(&mut self, error: Error) {
        if let Some((level, description)) = error.alert() {
            let epoch = self.cx.records.write_epoch;
            let _ = self.cx.write_record(
                ContentType::Alert,
                epoch,
                &Alert { level, description }.to_bytes(),
            );
        }
        self.cx.flight.retransmit_at = None;
        self.cx.events.push_back(Event::Error(error.clone()));
        self.state = Err(error);
    }

    fn process_records(&mut self, now: Instant, datagram: &[u8]) {
        for record in Records::new(datagram) {
            if self.state.is_err() {
                return;
            }
            let Ok(record) = record else {
                // §4.1.2.7: the rest of the datagram cannot be framed; drop it.
                self.cx.stats.records_malformed += 1;
                return;
            };
            let header = record.header;
            let epoch = header.epoch;
            let fresh = match self.cx.records.replay.get(usize::from(epoch)) {
                Some(w) => w.is_fresh(header.sequence_number),
                None => {
                    self.cx.stats.records_malformed += 1;
                    continue;
                }
            };
            if !fresh {
                self.cx.stats.records_replayed += 1;
                continue;
            }
            if epoch == 0 {
                if header.content_type == ContentType::ApplicationData {
                    // Application data is never unprotected.
                    self.cx.stats.records_malformed += 1;
                    continue;
                }
                self.mark_received(epoch, header.sequence_number);
                self.process_plaintext(now, header, record.fragment);
                continue;
            }
            let Some(cipher) = &self.cx.records.read_cipher else {
                if self.cx.records.early.len() < MAX_EARLY_RECORDS {
                    let mut copy = Vec::with_capacity(HEADER_LEN + record.fragment.len());
                    header.encode(&mut copy);
                    copy.extend_from_slice(record.fragment);
                    self.cx.records.early.push(copy);
                }
                continue;
            };
            if header.content_type == ContentType::ApplicationData {
                // The hot path: open straight into a reusable buffer that is handed to the
                // application as it is.
                let mut buf = self.cx.received.buffer();
                if cipher.open(&header, record.fragment, &mut buf).is_err() {
                    // §4.1.2.7: invalid records SHOULD be silently discarded.
                    self.cx.stats.records_bad_mac += 1;
                    self.cx.received.recycle(buf);
                    continue;
                }
                self.mark_received(epoch, header.sequence_number);
                let received = &mut self.cx.received;
                if received.bytes + buf.len() > self.cx.config.max_received_application_data {
                    self.cx.stats.application_data_dropped += 1;
                    received.recycle(buf);
                } else {
                    received.bytes += buf.len();
                    received.queue.push_back(buf);
                }
                continue;
            }
            let mut plaintext = core::mem::take(&mut self.cx.scratch);
            if cipher
                .open(&header, record.fragment, &mut plaintext)
                .is_err()
            {
                self.cx.stats.records_bad_mac += 1;
                self.cx.scratch = plaintext;
                continue;
            }
            self.mark_received(epoch, header.sequence_number);
            self.process_plaintext(now, header, &plaintext);
            self.cx.scratch = plaintext;
        }
    }

    fn mark_received(&mut self, epoch: u16, seq: u64) {
        if let Some(w) = self.cx.records.replay.get_mut(usize::from(epoch)) {
            w.mark(seq);
        }
        self.cx.stats.records_received += 1;
    }

    fn process_plaintext(&mut self, now: Instant, header: RecordHeader, body: &[u8]) {
        match header.content_type {
            ContentType::Handshake => self.process_handshake(now, header, body),
            ContentType::ChangeCipherSpec => {
                // The epoch number already tells which keys protect a record, so
                // ChangeCipherSpec carries nothing we need (§4.1); a Finished in epoch 0 is
                // refused by the handshake states.
                if body != [1] {
                    self.cx.stats.records_malformed += 1;
                }
            }
            ContentType::Alert => self.process_alert(header.epoch, body),
            // Handled (protected) in process_records.
            ContentType::ApplicationData => self.cx.stats.records_malformed += 1,
        }
    }

    fn process_alert(&mut self, epoch: u16, body: &[u8]) {
        // Once the peer protects its records, an unprotected alert may be forged: ignore it.
        if epoch == 0 && self.cx.records.read_cipher.is_some() && self.handshake_done() {
            self.cx.stats.records_malformed += 1;
            return;
        }
        let Ok(alert) = Alert::parse(body) else {
            self.cx.stats.records_malformed += 1;
            return;
        };
        match (alert.level, alert.description) {
            (_, AlertDescription::CloseNotify) => {
                let epoch = self.cx.records.write_epoch;
                let _ = self.cx.write_record(
                    ContentType::Alert,
                    epoch,
                    &Alert::warning(AlertDescription::CloseNotify).to_bytes(),
                );
                self.cx.flight.retransmit_at = None;
                self.cx.events.push_back(Event::Closed);
                self.state = Err(Error::Closed);
            }
            (AlertLevel::Fatal, d) => {
                self.cx.flight.retransmit_at = None;
                let e = Error::AlertReceived(d);
                self.cx.events.push_back(Event::Error(e.clone()));
                self.state = Err(e);
            }
            (AlertLevel::Warning, _) => self.cx.events.push_back(Event::AlertReceived(alert)),
        }
    }

    fn handshake_done(&self) -> bool {
        matches!(self.state, Ok(State::Connected(_)))
    }

    fn process_handshake(&mut self, now: Instant, header: RecordHeader, mut body: &[u8]) {
        let epoch = header.epoch;
        while !body.is_empty() {
            let Ok((frag, rest)) = Fragment::parse(body) else {
                self.cx.stats.records_malformed += 1;
                return;
            };
            body = rest;
            let h = frag.header;
            // RFC 6347 §4.2.2: a rehandshake starts again at message_seq 0 (a HelloRequest
            // from the server, a ClientHello from the client, in the current epoch), which the
            // reassembler would take for an old retransmission and drop silently. We never
            // renegotiate: each such message is refused with a warning no_renegotiation
            // alert (RFC 5746 §4.2), once per message (its first fragment).
            if self.handshake_done()
                && epoch > 0
                && matches!(
                    h.msg_type,
                    handshake::kind::HELLO_REQUEST | handshake::kind::CLIENT_HELLO
                )
            {
                if h.fragment_offset == 0
                    && let Err(e) = self.cx.refuse_renegotiation()
                {
                    self.fail(e);
                    return;
                }
                continue;
            }
            // A server waiting for a ClientHello takes one at any sequence number: after a
            // stateless HelloVerifyRequest the client's retry carries message_seq 1 (§4.2.2),
            // and a client that restarts begins again at 0.
            if matches!(&self.state, Ok(s) if s.is_server_start())
                && h.msg_type == handshake::kind::CLIENT_HELLO
                && h.message_seq != self.cx.reassembler.next_seq()
            {
                self.cx.reassembler.restart_at(h.message_seq);
            }
            match self.cx.reassembler.insert(epoch, &frag) {
                Outcome::Accepted => {}
                Outcome::Dropped => {
                    self.cx.stats.fragments_dropped += 1;
                    continue;
                }
                Outcome::Old => {
                    // §4.2.4: a retransmitted peer flight means our answer was lost; send it
                    // again. Spaced out, so that a duplicated (or spoofed: epoch 0 is not
                    // authenticated) flight does not make us send one flight per datagram.
                    let flight = &self.cx.flight;
                    let retransmitted = flight
                        .answers_seq
                        .is_some_and(|first| h.message_seq >= first);
                    let gap = self.cx.config.initial_retransmit / 8;
                    let due = flight.last_sent.is_none_or(|at| now >= at + gap);
                    if retransmitted && due {
                        self.cx.stats.retransmissions += 1;
                        if let Err(e) = self.cx.transmit_flight(now) {
                            self.fail(e);
                            return;
                        }
                    }
                    continue;
                }
            }
            while let Some(complete) = self.cx.reassembler.pop() {
                let message = match Message::parse(complete.msg_type, &complete.body) {
                    Ok(m) => m,
                    Err(e) => {
                        self.fail(Error::Decode(e));
                        return;
                    }
                };
                let transcript_before = self.cx.transcript.len();
                if !matches!(message, Message::HelloRequest) && !self.handshake_done() {
                    handshake::encode_whole(
                        complete.msg_type,
                        complete.message_seq,
                        &complete.body,
                        &mut self.cx.transcript,
                    );
                }
                let meta = Meta {
                    message_seq: complete.message_seq,
                    epoch: complete.epoch,
                    record_seq: header.sequence_number,
                    transcript_before,
                    raw_body: &complete.body,
                };
                let Ok(state) = core::mem::replace(&mut self.state, Err(Error::Closed)) else {
                    return;
                };
                match state.handle(&mut self.cx, now, message, meta) {
                    Ok(next) => self.state = Ok(next),
                    Err(e) => {
                        self.abort(e);
                        return;
                    }
                }
            }
        }
    }
}

/// The SRTP master keys and salts from the exporter, split as RFC 5764 §4.2 lays them out.
#[derive(Clone, PartialEq, Eq)]
pub struct SrtpKeyingMaterial {
    /// The negotiated protection profile.
    pub profile: SrtpProfile,
    /// `client_write_SRTP_master_key | server_write_SRTP_master_key |
    /// client_write_SRTP_master_salt | server_write_SRTP_master_salt`.
    pub material: Vec<u8>,
    /// Our role (decides which half is ours).
    pub role: Role,
}

impl core::fmt::Debug for SrtpKeyingMaterial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SrtpKeyingMaterial")
            .field("profile", &self.profile)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl SrtpKeyingMaterial {
    fn part(&self, index: usize) -> &[u8] {
        let (k, s) = self.profile.key_and_salt_len();
        let (start, len) = match index {
            0 => (0, k),
            1 => (k, k),
            2 => (2 * k, s),
            _ => (2 * k + s, s),
        };
        self.material.get(start..start + len).unwrap_or_default()
    }

    /// The client's master key and salt (it protects what the client sends).
    pub fn client(&self) -> (&[u8], &[u8]) {
        (self.part(0), self.part(2))
    }

    /// The server's master key and salt.
    pub fn server(&self) -> (&[u8], &[u8]) {
        (self.part(1), self.part(3))
    }

    /// Our (key, salt) for protecting outbound SRTP.
    pub fn local(&self) -> (&[u8], &[u8]) {
        match self.role {
            Role::Client => self.client(),
            Role::Server => self.server(),
        }
    }

    /// The peer's (key, salt) for unprotecting inbound SRTP.
    pub fn remote(&self) -> (&[u8], &[u8]) {
        match self.role {
            Role::Client => self.server(),
            Role::Server => self.client(),
        }
    }
}

impl Drop for SrtpKeyingMaterial {
    fn drop(&mut self) {
        self.material.iter_mut().for_each(|b| *b = 0);
    }
}

impl Context {
    /// Appends one record (protected in epoch 1) to the output.
    pub fn write_record(
        &mut self,
        content_type: ContentType,
        epoch: u16,
        payload: &[u8],
    ) -> Result<(), Error> {
        let slot = usize::from(epoch.min(1));
        let seq = self
            .records
            .write_seq
            .get(slot)
            .copied()
            .unwrap_or(MAX_SEQUENCE_NUMBER);
        if seq >= MAX_SEQUENCE_NUMBER {
            // §4.1: a sequence number must not wrap; we never rekey, so stop.
            return Err(Error::SequenceNumberExhausted);
        }
        if let Some(s) = self.records.write_seq.get_mut(slot) {
            *s = seq + 1;
        }
        let header = RecordHeader {
            content_type,
            version: version::DTLS1_2,
            epoch,
            sequence_number: seq,
            length: payload.len() as u16,
        };
        if epoch == 0 {
            let out = self.out.datagram_for(HEADER_LEN + payload.len());
            header.encode(out);
            out.extend_from_slice(payload);
            Ok(())
        } else {
            let cipher = self
                .records
                .write_cipher
                .as_ref()
                .ok_or(Error::NotConnected)?;
            let out = self
                .out
                .datagram_for(HEADER_LEN + cipher.overhead() + payload.len());
            cipher.seal(header, payload, out)
        }
    }

    /// Record overhead in `epoch` (header plus AEAD expansion).
    fn record_overhead(&self, epoch: u16) -> usize {
        HEADER_LEN
            + if epoch == 0 {
                0
            } else {
                self.records
                    .write_cipher
                    .as_ref()
                    .map_or(0, RecordCipher::overhead)
            }
    }

    /// Writes one handshake message, fragmented to fit the MTU (§4.2.3).
    fn write_handshake(
        &mut self,
        epoch: u16,
        msg_type: u8,
        message_seq: u16,
        body: &[u8],
    ) -> Result<(), Error> {
        let overhead = self.record_overhead(epoch) + handshake::HEADER_LEN;
        let mut offset = 0usize;
        loop {
            let remaining = body.len() - offset;
            let mut room = self.out.room().saturating_sub(overhead);
            // Rather a fresh datagram than a uselessly small fragment.
            if room < remaining.min(64) {
                self.out.close_datagram();
                room = self.out.room().saturating_sub(overhead).max(1);
            }
            let n = remaining.min(room);
            let chunk = body.get(offset..offset + n).unwrap_or_default();
            let mut record = core::mem::take(&mut self.scratch);
            record.clear();
            HandshakeHeader {
                msg_type,
                length: body.len() as u32,
                message_seq,
                fragment_offset: offset as u32,
                fragment_length: n as u32,
            }
            .encode(&mut record);
            record.extend_from_slice(chunk);
            let result = self.write_record(ContentType::Handshake, epoch, &record);
            self.scratch = record;
            result?;
            offset += n;
            if offset >= body.len() {
                return Ok(());
            }
        }
    }

    /// (Re)sends every message of the current flight with fresh record sequence numbers.
    pub fn transmit_flight(&mut self, now: Instant) -> Result<(), Error> {
        self.flight.last_sent = Some(now);
        let messages = core::mem::take(&mut self.flight.messages);
        let mut result = Ok(());
        for m in &messages {
            result = match m {
                FlightMessage::Handshake {
                    epoch,
                    msg_type,
                    message_seq,
                    body,
                } => self.write_handshake(*epoch, *msg_type, *message_seq, body),
                FlightMessage::ChangeCipherSpec => {
                    self.write_record(ContentType::ChangeCipherSpec, 0, &[1])
                }
            };
            if result.is_err() {
                break;
            }
        }
        self.out.close_datagram();
        self.flight.messages = messages;
        result
    }

    /// Builds a handshake message for the next flight: assigns its message_seq and adds it to
    /// the transcript.
    pub fn handshake_message(&mut self, message: &Message, epoch: u16) -> FlightMessage {
        let mut body = Vec::new();
        message.encode(&mut body);
        let message_seq = self.next_message_seq;
        self.next_message_seq = self.next_message_seq.wrapping_add(1);
        handshake::encode_whole(message.msg_type(), message_seq, &body, &mut self.transcript);
        FlightMessage::Handshake {
            epoch,
            msg_type: message.msg_type(),
            message_seq,
            body,
        }
    }

    /// Sends a new flight. With `timer`, it is retransmitted until the peer's answer arrives;
    /// without (the server's last flight, §4.2.4), only when the peer retransmits the flight
    /// whose first message is `answers_seq`.
    pub fn send_flight(
        &mut self,
        now: Instant,
        messages: Vec<FlightMessage>,
        answers_seq: Option<u16>,
        timer: bool,
    ) -> Result<(), Error> {
        if messages
            .iter()
            .any(|m| matches!(m, FlightMessage::ChangeCipherSpec))
        {
            self.records.write_epoch = 1;
        }
        let rto = self.config.initial_retransmit;
        self.flight = Flight {
            messages,
            answers_seq,
            retransmit_at: timer.then(|| now + rto),
            last_sent: None,
            rto,
            retransmissions: 0,
        };
        self.transmit_flight(now)
    }

    /// Installs the epoch-1 keys derived from the master secret.
    pub fn install_keys(&mut self, master: &MasterSecret, n: &Negotiated) -> Result<(), Error> {
        let provider = self.config.provider;
        let (client, server): (DirectionKeys, DirectionKeys) =
            master.key_block(&provider, n.suite, &n.client_random, &n.server_random)?;
        let (write, read) = match self.role {
            Role::Client => (client, server),
            Role::Server => (server, client),
        };
        self.records.write_cipher = Some(RecordCipher::new(&provider, n.suite, &write)?);
        self.records.read_cipher = Some(RecordCipher::new(&provider, n.suite, &read)?);
        Ok(())
    }

    /// Sends one message outside any flight, in the record sequence number of the message it
    /// answers (the stateless HelloVerifyRequest, §4.2.1).
    pub fn send_unbuffered(
        &mut self,
        message: &Message,
        message_seq: u16,
        record_seq: u64,
    ) -> Result<(), Error> {
        if let Some(seq) = self.records.write_seq.first_mut() {
            *seq = (*seq).max(record_seq);
        }
        let mut body = Vec::new();
        message.encode(&mut body);
        self.write_handshake(0, message.msg_type(), message_seq, &body)?;
        self.out.close_datagram();
        Ok(())
    }

    /// A fresh 32-byte random (RFC 5246 §7.4.1.2; no gmt_unix_time, as modern stacks do).
    pub fn random(&mut self) -> Result<Random, Error> {
        let mut r = [0u8; 32];
        self.config
            .provider
            .fill_random(self.rng.as_mut(), &mut r)?;
        Ok(r)
    }

    /// Checks a pending peer certificate against the remote fingerprints, if both are known.
    pub fn check_fingerprint(&mut self) -> Result<(), Error> {
        let Some(fingerprints) = &self.remote_fingerprints else {
            return Ok(());
        };
        if !matches!(self.peer, PeerAuth::Pending(_)) {
            return Ok(());
        }
        let PeerAuth::Pending(cert) = core::mem::take(&mut self.peer) else {
            return Ok(());
        };
        let provider = self.config.provider;
        if fingerprints
            .iter()
            .any(|fp| fp.matches(&provider, &cert.der))
        {
            self.peer = PeerAuth::Verified(cert);
            Ok(())
        } else {
            self.peer = PeerAuth::Pending(cert);
            Err(Error::FingerprintMismatch)
        }
    }

    /// Emits [`Event::Connected`] once the handshake is done and the peer verified.
    fn announce(&mut self, e: &Established) {
        if !self.announced && matches!(self.peer, PeerAuth::Verified(_)) {
            self.announced = true;
            self.events.push_back(Event::Connected {
                srtp_profile: e.negotiated.srtp_profile,
                cipher_suite: e.negotiated.suite,
            });
        }
    }

    /// The last handshake message arrived: stop the timer, forget what only the handshake
    /// needed, and announce the connection if the peer is already verified.
    pub fn handshake_complete(&mut self, e: Established) -> State {
        self.flight.retransmit_at = None;
        if self.role == Role::Client {
            // Nobody will ask for our last flight again (§4.2.4: the server's last flight
            // has no timer, so it never retransmits towards us).
            self.flight = Flight::default();
        }
        self.transcript = Vec::new();
        self.announce(&e);
        State::Connected(e)
    }

    /// A renegotiation attempt after the handshake: a warning `no_renegotiation` alert.
    pub fn refuse_renegotiation(&mut self) -> Result<(), Error> {
        self.stats.renegotiations_refused += 1;
        let epoch = self.records.write_epoch;
        self.write_record(
            ContentType::Alert,
            epoch,
            &Alert::warning(AlertDescription::NoRenegotiation).to_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Certificate;
    use rand_core::SeedableRng;

    fn rng(seed: u64) -> Box<rand_chacha::ChaCha20Rng> {
        Box::new(rand_chacha::ChaCha20Rng::seed_from_u64(seed))
    }

    /// A client and a server, connected over a perfect in-memory link.
    fn connected_pair(now: Instant) -> (Dtls, Dtls) {
        let provider = sansrtc_crypto::default_provider();
        let c = Arc::new(Certificate::generate(&provider, rng(1).as_mut(), "client").unwrap());
        let s = Arc::new(Certificate::generate(&provider, rng(2).as_mut(), "server").unwrap());
        let mut client = Dtls::new(Role::Client, Arc::new(Config::new(c.clone())), rng(3)).unwrap();
        let mut server = Dtls::new(Role::Server, Arc::new(Config::new(s.clone())), rng(4)).unwrap();
        client.set_remote_fingerprints(vec![s.fingerprint().clone()]);
        server.set_remote_fingerprints(vec![c.fingerprint().clone()]);
        for _ in 0..20 {
            deliver(now, &mut client, &mut server);
            deliver(now, &mut server, &mut client);
        }
        assert!(client.is_connected() && server.is_connected());
        (client, server)
    }

    /// Moves every datagram `from` has to `to`; returns how many.
    fn deliver(now: Instant, from: &mut Dtls, to: &mut Dtls) -> usize {
        let mut buf = Vec::new();
        let mut n = 0;
        while let Some(len) = from.poll_transmit(now, &mut buf) {
            to.handle_datagram(now, &buf[..len]);
            n += 1;
        }
        n
    }

    /// RFC 6347 §4.2.2: "in the case of a rehandshake, this implies that the HelloRequest will
    /// have message_seq = 0"; RFC 5746 §4.2 / RFC 5246 §7.4.1.1: a client that does not
    /// renegotiate answers with a warning no_renegotiation alert. The connection goes on.
    #[test]
    fn rfc6347_4_2_2_hello_request_at_message_seq_0_refused_with_no_renegotiation() {
        let now = Instant::now();
        let (mut client, mut server) = connected_pair(now);
        server
            .cx
            .write_handshake(1, handshake::kind::HELLO_REQUEST, 0, &[])
            .unwrap();
        assert_eq!(deliver(now, &mut server, &mut client), 1);
        assert_eq!(client.stats().renegotiations_refused, 1);
        assert!(client.is_connected());

        assert_eq!(deliver(now, &mut client, &mut server), 1, "the alert");
        let warning = core::iter::from_fn(|| server.poll_event())
            .find(|e| matches!(e, Event::AlertReceived(_)));
        assert_eq!(
            warning,
            Some(Event::AlertReceived(Alert::warning(
                AlertDescription::NoRenegotiation
            )))
        );
        assert!(server.is_connected());

        // Both still talk in the first handshake's keys.
        client.send_application_data(b"still here").unwrap();
        deliver(now, &mut client, &mut server);
        let mut buf = Vec::new();
        let n = server.poll_application_data(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"still here");
    }

    /// The server side: a client's new ClientHello (message_seq 0, epoch 1), here in two
    /// fragments, is refused once, not answered with a ServerHello.
    #[test]
    fn rfc6347_4_2_2_renegotiating_client_hello_refused_once() {
        let now = Instant::now();
        let (mut client, mut server) = connected_pair(now);
        let sent_before = server.stats().datagrams_sent;
        let body = [0u8; 40];
        for (offset, part) in [(0usize, &body[..20]), (20, &body[20..])] {
            let mut record = Vec::new();
            HandshakeHeader {
                msg_type: handshake::kind::CLIENT_HELLO,
                length: body.len() as u32,
                message_seq: 0,
                fragment_offset: offset as u32,
                fragment_length: part.len() as u32,
            }
            .encode(&mut record);
            record.extend_from_slice(part);
            client
                .cx
                .write_record(ContentType::Handshake, 1, &record)
                .unwrap();
            client.cx.out.close_datagram();
        }
        assert_eq!(deliver(now, &mut client, &mut server), 2);
        assert_eq!(server.stats().renegotiations_refused, 1);
        assert_eq!(deliver(now, &mut server, &mut client), 1, "one alert only");
        assert_eq!(server.stats().datagrams_sent, sent_before + 1);
        assert!(server.is_connected() && client.is_connected());
    }
}
