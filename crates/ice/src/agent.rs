//! The ICE agent (RFC 8445) with trickle (RFC 8838), consent freshness (RFC 7675) and TURN
//! relays (RFC 8656, through `sansrtc-turn`).

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use sansrtc_stun::{
    Class, ClientTransaction, ErrorCode, IntegrityKey, Message, TransactionConfig,
    TransactionEvent, TransactionId, is_stun,
};
use sansrtc_turn as turn;

use crate::candidate::{
    COMPONENT, Candidate, CandidateKind, foundation, is_link_local, local_preference, priority,
};
use crate::checklist::{Checklist, PairId, PairState, pair_priority};
use crate::error::Error;
use crate::message;

pub use sansrtc_turn::Transmit;

/// The agent's role (RFC 8445 §6.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Nominates the pair (the offerer, in WebRTC).
    Controlling,
    /// Follows the nomination.
    Controlled,
}

impl Role {
    const fn flipped(self) -> Self {
        match self {
            Self::Controlling => Self::Controlled,
            Self::Controlled => Self::Controlling,
        }
    }
}

/// ICE credentials: `ice-ufrag` and `ice-pwd` (RFC 8445 §5.3, RFC 8839 §5.4).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The username fragment: at least 4 ice-chars.
    pub ufrag: String,
    /// The password: at least 22 ice-chars.
    pub pwd: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("ufrag", &self.ufrag)
            .field("pwd", &"..")
            .finish()
    }
}

impl Credentials {
    /// Fresh random credentials: an 8-character ufrag and a 24-character password drawn from
    /// the ice-char alphabet (RFC 8839 §5.4: at least 24 bits and 128 bits of randomness).
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut draw = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    let i = (rng.next_u32() & 63) as usize;
                    char::from(ALPHABET.get(i).copied().unwrap_or(b'A'))
                })
                .collect()
        };
        Self {
            ufrag: draw(8),
            pwd: draw(24),
        }
    }

    /// Given credentials.
    pub fn new(ufrag: impl Into<String>, pwd: impl Into<String>) -> Self {
        Self {
            ufrag: ufrag.into(),
            pwd: pwd.into(),
        }
    }
}

/// A TURN server to gather relayed candidates from, with its long-term credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnServer {
    /// The server's UDP transport address.
    pub address: SocketAddr,
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

impl TurnServer {
    /// A TURN server with its credential.
    pub fn new(
        address: SocketAddr,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            address,
            username: username.into(),
            password: password.into(),
        }
    }
}

/// Everything the agent is told up front. `AgentConfig::default()` is a controlling full agent
/// with no addresses: fill in `host_addresses` (and servers) before creating it.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The initial role (RFC 8445 §6.1.1). A lite agent is always controlled.
    pub role: Role,
    /// ICE-lite (RFC 8445 §2.5, §5.2): host candidates only, no checks sent, answers checks and
    /// accepts the controlling peer's nomination.
    pub lite: bool,
    /// The host candidates: the concrete local addresses the caller's sockets are bound to.
    /// The agent never enumerates interfaces or opens sockets.
    pub host_addresses: Vec<SocketAddr>,
    /// STUN servers for server-reflexive candidates (RFC 8445 §5.1.1.2).
    pub stun_servers: Vec<SocketAddr>,
    /// TURN servers for relayed candidates.
    pub turn_servers: Vec<TurnServer>,
    /// Use relayed candidates only (`RTCIceTransportPolicy` "relay"): host and reflexive
    /// candidates are neither signalled nor paired, and checks arriving directly are dropped.
    pub relay_only: bool,
    /// Fixed local credentials; `None` draws random ones.
    pub credentials: Option<Credentials>,
    /// Ta, the pacing of new transactions (RFC 8445 §14.2; default 50 ms).
    pub ta: Duration,
    /// Retransmissions of a connectivity check. Default: RTO 500 ms (the RFC 8445 §14.3
    /// minimum), 5 requests, final wait 4 RTO: a pair fails after 9.5 s.
    pub check_transaction: TransactionConfig,
    /// Retransmissions of gathering requests (Binding to STUN, Allocate to TURN). Default: RTO
    /// 500 ms, 4 requests, final wait 4 RTO (5.5 s).
    pub gather_transaction: TransactionConfig,
    /// Controlling agent: nominate the best valid pair at the latest this long after the first
    /// valid pair appeared, even if better pairs are still being checked (RFC 8445 §8.1.1
    /// leaves the stopping criterion to the agent). Default 1 s.
    pub nomination_timeout: Duration,
    /// The basic period of consent checks (RFC 7675 §5.1: 5 s, each interval randomized
    /// to 0.8-1.2 times it; never below 4 s).
    pub consent_interval: Duration,
    /// Consent expires this long after the last response (RFC 7675 §5.1: 30 s): the pair may
    /// no longer be used and the state becomes Failed.
    pub consent_timeout: Duration,
    /// The state becomes Disconnected when no consent response came for this long.
    /// Default 10 s.
    pub disconnected_timeout: Duration,
    /// Tr: keepalive Binding indications on the selected pair when nothing else was sent
    /// (RFC 8445 §11; default 15 s). Full agents' consent checks already serve.
    pub keepalive_interval: Duration,
    /// Bound on local candidates (host, reflexive, relayed, learned peer-reflexive).
    pub max_local_candidates: usize,
    /// Bound on remote candidates, signalled or learned.
    pub max_remote_candidates: usize,
    /// Bound on candidate pairs (RFC 8445 §6.1.2.5; default 100).
    pub max_pairs: usize,
    /// Bound on remote mDNS candidates waiting for their name to be resolved.
    pub max_pending_mdns: usize,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            role: Role::Controlling,
            lite: false,
            host_addresses: Vec::new(),
            stun_servers: Vec::new(),
            turn_servers: Vec::new(),
            relay_only: false,
            credentials: None,
            ta: Duration::from_millis(50),
            check_transaction: TransactionConfig {
                rto: Duration::from_millis(500),
                max_transmissions: 5,
                last_wait_multiplier: 4,
            },
            gather_transaction: TransactionConfig {
                rto: Duration::from_millis(500),
                max_transmissions: 4,
                last_wait_multiplier: 4,
            },
            nomination_timeout: Duration::from_secs(1),
            consent_interval: Duration::from_secs(5),
            consent_timeout: Duration::from_secs(30),
            disconnected_timeout: Duration::from_secs(10),
            keepalive_interval: Duration::from_secs(15),
            max_local_candidates: 32,
            max_remote_candidates: 64,
            max_pairs: 100,
            max_pending_mdns: 16,
        }
    }
}

/// The connection state (the states of `RTCIceConnectionState`, W3C WebRTC §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Nothing checked yet.
    New,
    /// Checks are running and no pair is selected.
    Checking,
    /// A pair is selected; checks may still run or candidates still arrive.
    Connected,
    /// A pair is selected, gathering is complete, no more checks, and the remote signalled
    /// end-of-candidates (or we nominated).
    Completed,
    /// The selected pair had no consent response for `disconnected_timeout`; may recover.
    Disconnected,
    /// Every pair failed (after both ends' end-of-candidates), or consent expired.
    Failed,
    /// [`Agent::close`] was called.
    Closed,
}

/// Whether local candidates are still being gathered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatheringState {
    /// Requests to STUN/TURN servers are outstanding.
    Gathering,
    /// Every configured server answered or timed out ([`Event::GatheringComplete`] was sent).
    Complete,
}

/// The pair data flows on, for the caller that sends application data itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedPair {
    /// The local candidate (host, server- or peer-reflexive, or relayed).
    pub local: Candidate,
    /// The remote candidate.
    pub remote: Candidate,
    /// The local socket address datagrams of this pair leave from (the base, or for a relayed
    /// candidate the host address talking to the TURN server).
    pub socket: SocketAddr,
    /// `Some(server)` for a relayed local candidate: application data must go through
    /// [`Agent::send`], which wraps it for the TURN server. `None`: send it yourself from
    /// `socket` to `remote.address`.
    pub relay: Option<SocketAddr>,
}

impl SelectedPair {
    /// `(source, destination)` when data can be sent directly (not relayed).
    pub fn direct(&self) -> Option<(SocketAddr, SocketAddr)> {
        match self.relay {
            None => Some((self.socket, self.remote.address)),
            Some(_) => None,
        }
    }
}

/// Where application data goes now: see [`Agent::data_path`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataPath {
    /// The local socket address datagrams leave from.
    pub source: SocketAddr,
    /// The remote candidate's address.
    pub destination: SocketAddr,
    /// The local candidate is relayed: send through [`Agent::send_data`], which wraps the data
    /// for the TURN server (`source` is then the host address talking to it).
    pub relayed: bool,
}

/// What the agent reports through [`Agent::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A local candidate to signal to the peer (trickle, RFC 8838 §9), in SDP form with the
    /// `ufrag` extension of its generation.
    LocalCandidate(sansrtc_sdp::Candidate),
    /// Local gathering is complete: signal end-of-candidates (RFC 8838 §13).
    GatheringComplete,
    /// A remote candidate has this mDNS name: resolve it and call
    /// [`Agent::mdns_resolved`].
    ResolveMdns(String),
    /// The connection state changed.
    ConnectionState(ConnectionState),
    /// A pair was selected (first time, after an ICE restart, or a higher-priority nomination).
    SelectedPairChanged(SelectedPair),
    /// The role changed to resolve a role conflict (RFC 8445 §7.2.5.1, §7.3.1.1).
    RoleChanged(Role),
    /// A TURN server gave no relayed candidate (timeout, refused credentials, ...).
    RelayFailed {
        /// The server.
        server: SocketAddr,
    },
}

/// What a datagram offered to [`Agent::handle_datagram`] was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received<'a> {
    /// A STUN message (or TURN control message) the agent consumed.
    Stun,
    /// Application data that arrived through a TURN relay (ChannelData or a Data indication),
    /// unwrapped and borrowed from the datagram: demultiplex it again (RFC 7983) and hand it on.
    Data {
        /// The peer's address (as the TURN server saw it).
        peer: SocketAddr,
        /// The data.
        data: &'a [u8],
    },
    /// Not for the agent (not STUN, not from a TURN server it uses) or dropped (malformed,
    /// failed FINGERPRINT or MESSAGE-INTEGRITY, unknown transaction).
    Ignored,
}

/// Counters of what the agent dropped and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentStats {
    /// Requests answered with a success response.
    pub requests_answered: u64,
    /// STUN messages dropped for a missing/bad FINGERPRINT or MESSAGE-INTEGRITY, or a
    /// USERNAME that is not ours.
    pub authentication_failures: u64,
    /// Error responses sent (400, 401, 420, 487).
    pub error_responses: u64,
    /// Connectivity checks started (first transmissions).
    pub checks_sent: u64,
    /// Consent requests sent.
    pub consent_requests: u64,
    /// Role conflicts resolved (by us switching or by a 487).
    pub role_conflicts: u64,
}

/// A local candidate and where its datagrams really go.
#[derive(Debug, Clone)]
struct Local {
    cand: Candidate,
    /// The base (RFC 8445 §5.1.1): the host address, or the relayed address for a relayed one.
    base: SocketAddr,
    /// The caller's socket datagrams leave from.
    socket: SocketAddr,
    /// The TURN client of a relayed candidate (and of reflexive ones learned through it).
    relay: Option<usize>,
}

/// Where a datagram of a pair travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Route {
    socket: SocketAddr,
    remote: SocketAddr,
    relay: Option<usize>,
}

/// How a datagram reached us: on one of the caller's sockets, or through one of our relays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Direct(SocketAddr),
    Relay(usize),
}

#[derive(Debug, Clone)]
struct RemoteCreds {
    ufrag: String,
    pwd: String,
    key: IntegrityKey,
}

/// The credentials a selected pair's consent checks use: fixed at selection so the pair keeps
/// its consent across an ICE restart (RFC 7675 §5.1).
#[derive(Debug, Clone)]
struct PairCreds {
    local_ufrag: String,
    local_key: IntegrityKey,
    remote_ufrag: String,
    remote_key: IntegrityKey,
}

#[derive(Debug)]
struct Selected {
    pair: SelectedPair,
    route: Route,
    priority: u64,
    /// PRIORITY attribute of our requests on this pair.
    priority_attribute: u32,
    creds: PairCreds,
    last_response: Instant,
    next_consent: Instant,
    /// Consent requests in flight: each is sent once (RFC 7675 §5.1), any answer counts.
    outstanding: VecDeque<(TransactionId, Instant)>,
    last_sent: Instant,
    expired: bool,
}

#[derive(Debug)]
struct Check {
    pair: PairId,
    tx: ClientTransaction,
    route: Route,
    use_candidate: bool,
    priority: u32,
    role: Role,
    /// RFC 8445 §7.3.1.4/§8.1.2 cancellation: no retransmissions, no failure on timeout, but a
    /// response is still accepted until then.
    cancelled_until: Option<Instant>,
    /// The first request went out through `poll_transmit`.
    sent: bool,
}

#[derive(Debug)]
struct Gather {
    host: usize,
    server: SocketAddr,
    tx: ClientTransaction,
}

#[derive(Debug, Clone, Copy)]
enum GatherJob {
    Stun { host: usize, server: SocketAddr },
    Turn { host: usize, server: usize },
}

#[derive(Debug)]
struct Relay {
    client: turn::Client,
    host: usize,
    server_index: usize,
    /// The local index of the relayed candidate, once allocated.
    candidate: Option<usize>,
    /// Allocation answered (success or failure): counts for gathering completion.
    done: bool,
}

#[derive(Debug)]
struct Outgoing {
    route: Route,
    bytes: Vec<u8>,
}

/// Bound on the queue of responses and single-shot requests waiting for `poll_transmit`.
const MAX_OUTGOING: usize = 256;
/// Consent requests remembered per pair.
const MAX_CONSENT_OUTSTANDING: usize = 8;

/// A sans-IO ICE agent for one data stream with one component (WebRTC with BUNDLE and
/// rtcp-mux).
///
/// # Driving it
/// Feed every datagram that arrives on one of the `host_addresses` and is STUN (first byte
/// 0-3) or TURN ChannelData (64-79) to [`handle_datagram`](Self::handle_datagram), call
/// [`handle_timeout`](Self::handle_timeout) when [`poll_timeout`](Self::poll_timeout) is
/// reached, and after any of these drain [`poll_transmit`](Self::poll_transmit) and then
/// [`poll_event`](Self::poll_event). Signal the local credentials and the
/// [`Event::LocalCandidate`]s to the peer; give the peer's to
/// [`set_remote_credentials`](Self::set_remote_credentials) and
/// [`add_remote_candidate`](Self::add_remote_candidate).
///
/// # Sending application data
/// Once [`selected_pair`](Self::selected_pair) is `Some`, send directly from
/// `socket` to `remote.address` when [`SelectedPair::direct`] says so (no copy), or use
/// [`send`](Self::send), which also wraps data for a TURN relay.
#[derive(Debug)]
pub struct Agent {
    config: AgentConfig,
    rng: ChaCha20Rng,
    role: Role,
    tie_breaker: u64,
    local_creds: Credentials,
    local_key: IntegrityKey,
    remote_creds: Option<RemoteCreds>,
    remote_lite: bool,
    locals: Vec<Local>,
    host_count: usize,
    remotes: Vec<Candidate>,
    pending_mdns: Vec<(String, sansrtc_sdp::Candidate)>,
    checklist: Checklist,
    checks: Vec<Check>,
    gathers: Vec<Gather>,
    gather_queue: VecDeque<GatherJob>,
    relays: Vec<Relay>,
    next_ta: Option<Instant>,
    last_paced: Option<Instant>,
    gathering: GatheringState,
    remote_eoc: bool,
    state: ConnectionState,
    /// The selected pair of the current generation.
    selected: Option<Selected>,
    /// The pair selected before an ICE restart, used until the new one is selected (RFC 8445
    /// §9, §12.1).
    previous: Option<Selected>,
    first_valid_at: Option<Instant>,
    /// Controlling: the pair whose nomination check is under way.
    nominating: Option<PairId>,
    /// Whether this generation has concluded (a pair was nominated, RFC 8445 §8.1.2).
    concluded: bool,
    /// Every pair failed after both ends' end-of-candidates, or a nomination failed.
    failed: bool,
    closed: bool,
    prflx_serial: u32,
    outgoing: VecDeque<Outgoing>,
    spare: Vec<Vec<u8>>,
    scratch: Vec<u8>,
    events: VecDeque<Event>,
    stats: AgentStats,
}

impl Agent {
    /// Creates an agent: host candidates from `config.host_addresses` are reported at once as
    /// [`Event::LocalCandidate`], and gathering from the STUN and TURN servers starts at the
    /// first Ta tick (`now`). `rng` draws the credentials, the tie-breaker and seeds the
    /// cryptographically secure generator of transaction ids.
    pub fn new<R: RngCore + CryptoRng>(now: Instant, config: AgentConfig, rng: &mut R) -> Self {
        let mut rng =
            ChaCha20Rng::from_rng(rng).unwrap_or_else(|_| ChaCha20Rng::from_seed([7; 32]));
        let local_creds = config
            .credentials
            .clone()
            .unwrap_or_else(|| Credentials::random(&mut rng));
        let local_key = IntegrityKey::short_term(&local_creds.pwd);
        let role = if config.lite {
            Role::Controlled
        } else {
            config.role
        };
        let hosts = config.host_addresses.clone();
        let mut agent = Self {
            tie_breaker: rng.next_u64(),
            rng,
            role,
            local_creds,
            local_key,
            remote_creds: None,
            remote_lite: false,
            locals: Vec::new(),
            host_count: 0,
            remotes: Vec::new(),
            pending_mdns: Vec::new(),
            checklist: Checklist::default(),
            checks: Vec::new(),
            gathers: Vec::new(),
            gather_queue: VecDeque::new(),
            relays: Vec::new(),
            next_ta: None,
            last_paced: None,
            gathering: GatheringState::Gathering,
            remote_eoc: false,
            state: ConnectionState::New,
            selected: None,
            previous: None,
            first_valid_at: None,
            nominating: None,
            concluded: false,
            failed: false,
            closed: false,
            prflx_serial: 0,
            outgoing: VecDeque::new(),
            spare: Vec::new(),
            scratch: Vec::new(),
            events: VecDeque::new(),
            stats: AgentStats::default(),
            config,
        };
        for host in hosts {
            // Bad addresses in the configuration are skipped; add_host_address reports them.
            let _ = agent.add_host_address(now, host);
        }
        agent.check_gathering_complete();
        agent
    }

    // ------------------------------------------------------------------------------------
    // Accessors

    /// The local credentials to signal (`a=ice-ufrag`, `a=ice-pwd`).
    pub fn local_credentials(&self) -> &Credentials {
        &self.local_creds
    }

    /// The current role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether this agent is ICE-lite (signal `a=ice-lite`).
    pub fn is_lite(&self) -> bool {
        self.config.lite
    }

    /// The connection state.
    pub fn state(&self) -> ConnectionState {
        self.state
    }

    /// The gathering state.
    pub fn gathering_state(&self) -> GatheringState {
        self.gathering
    }

    /// The pair application data uses: the selected pair, or during an ICE restart the
    /// previous one (RFC 8445 §12.1). `None` before selection and once consent is lost.
    pub fn selected_pair(&self) -> Option<&SelectedPair> {
        [&self.selected, &self.previous]
            .into_iter()
            .flatten()
            .find(|s| !s.expired)
            .map(|s| &s.pair)
    }

    /// Where application data goes now (RFC 8445 §12.1): the selected pair, or, before one is
    /// selected, the highest-priority valid pair ("an ICE agent MAY send data on any valid pair
    /// before selected pairs have been produced"). `None` while there is neither, and once
    /// consent is lost. A caller that starts DTLS on the first valid pair, instead of waiting
    /// for the nomination round trip, sends with [`send_data`](Self::send_data) or, for a
    /// direct path, from `source` to `destination` itself.
    pub fn data_path(&self) -> Option<DataPath> {
        let route = self.data_route()?;
        Some(DataPath {
            source: route.socket,
            destination: route.remote,
            relayed: route.relay.is_some(),
        })
    }

    fn data_route(&self) -> Option<Route> {
        if let Some(s) = [&self.selected, &self.previous]
            .into_iter()
            .flatten()
            .find(|s| !s.expired)
        {
            return Some(s.route);
        }
        if self.closed || self.failed {
            return None;
        }
        // The checklist is sorted by decreasing priority: the first valid pair is the best.
        let pair = self
            .checklist
            .pairs()
            .iter()
            .find(|p| p.valid && p.state == PairState::Succeeded)?;
        let local = self.locals.get(pair.local)?;
        let remote = self.remotes.get(pair.remote)?;
        Some(Route {
            socket: local.socket,
            remote: remote.address,
            relay: local.relay,
        })
    }

    /// The local candidates of the current generation, in SDP form.
    pub fn local_candidates(&self) -> Vec<sansrtc_sdp::Candidate> {
        self.locals
            .iter()
            .filter(|l| l.cand.kind != CandidateKind::PeerReflexive)
            .filter(|l| !self.config.relay_only || l.cand.kind == CandidateKind::Relayed)
            .map(|l| l.cand.to_sdp(Some(&self.local_creds.ufrag)))
            .collect()
    }

    /// The remote candidates known (signalled and learned peer-reflexive ones).
    pub fn remote_candidates(&self) -> &[Candidate] {
        &self.remotes
    }

    /// Each pair of the checklist with its state, highest priority first (for diagnostics).
    pub fn pairs(&self) -> Vec<(Candidate, Candidate, PairState)> {
        self.checklist
            .pairs()
            .iter()
            .filter_map(|p| {
                let l = self.locals.get(p.local)?;
                let r = self.remotes.get(p.remote)?;
                Some((l.cand.clone(), r.clone(), p.state))
            })
            .collect()
    }

    /// Counters.
    pub fn stats(&self) -> AgentStats {
        self.stats
    }

    // ------------------------------------------------------------------------------------
    // Application inputs

    /// Adds a host candidate for a local address the caller has a socket bound to, and starts
    /// gathering reflexive and relayed candidates from it. Adding the same address twice does
    /// nothing.
    pub fn add_host_address(&mut self, now: Instant, address: SocketAddr) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        if address.ip().is_unspecified() || address.port() == 0 {
            return Err(Error::InvalidHostAddress);
        }
        if self
            .locals
            .iter()
            .any(|l| l.cand.kind == CandidateKind::Host && l.cand.address == address)
        {
            return Ok(());
        }
        if self.locals.len() >= self.config.max_local_candidates {
            return Err(Error::TooManyLocalCandidates);
        }
        let preference = local_preference(address.ip(), self.host_count);
        self.host_count += 1;
        let cand = Candidate {
            kind: CandidateKind::Host,
            address,
            priority: priority(CandidateKind::Host, preference, COMPONENT),
            foundation: foundation(CandidateKind::Host, address.ip(), None),
            related: None,
        };
        let index = self.push_local(
            now,
            Local {
                cand,
                base: address,
                socket: address,
                relay: None,
            },
        );
        if !self.config.lite {
            for &server in &self.config.stun_servers {
                if server.is_ipv4() == address.is_ipv4() {
                    self.gather_queue.push_back(GatherJob::Stun {
                        host: index,
                        server,
                    });
                }
            }
            for (i, server) in self.config.turn_servers.iter().enumerate() {
                if server.address.is_ipv4() == address.is_ipv4() {
                    self.gather_queue.push_back(GatherJob::Turn {
                        host: index,
                        server: i,
                    });
                }
            }
            if !self.gather_queue.is_empty() {
                self.gathering = GatheringState::Gathering;
                self.schedule_ta(now);
            }
        }
        self.check_gathering_complete();
        Ok(())
    }

    /// Sets the peer's credentials (from its `a=ice-ufrag`/`a=ice-pwd`). Different credentials
    /// than before mean the peer restarted ICE (RFC 8445 §9): the remote candidates and the
    /// checklist are flushed, and the selected pair stays in use until a new one is selected.
    pub fn set_remote_credentials(&mut self, now: Instant, ufrag: &str, pwd: &str) {
        if let Some(current) = &self.remote_creds {
            if current.ufrag == ufrag && current.pwd == pwd {
                return;
            }
            self.new_generation();
        }
        self.remote_creds = Some(RemoteCreds {
            ufrag: ufrag.to_owned(),
            pwd: pwd.to_owned(),
            key: IntegrityKey::short_term(pwd),
        });
        self.schedule_ta(now);
        self.update_state(now);
    }

    /// Tells the agent the peer is ICE-lite (`a=ice-lite`): this agent then takes the
    /// controlling role (RFC 8445 §6.1.1) and expects no checks from the peer.
    pub fn set_remote_lite(&mut self, now: Instant, lite: bool) {
        self.remote_lite = lite;
        if lite && !self.config.lite && self.role == Role::Controlled {
            self.switch_role(now);
        }
    }

    /// Adds a remote candidate (from the offer/answer or trickled, RFC 8838 §11). An mDNS
    /// `.local` address is held back and reported as [`Event::ResolveMdns`].
    pub fn add_remote_candidate(
        &mut self,
        now: Instant,
        candidate: &sansrtc_sdp::Candidate,
    ) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        if self.remote_eoc {
            return Err(Error::AfterEndOfCandidates);
        }
        if let (Some(ufrag), Some(creds)) = (&candidate.ufrag, &self.remote_creds)
            && ufrag != &creds.ufrag
        {
            return Err(Error::StaleGeneration);
        }
        if candidate.address.is_mdns() {
            // Check everything but the address now, so the caller learns of errors early.
            let mut probe = candidate.clone();
            probe.address = sansrtc_sdp::Address::Ip(IpAddr::from([192, 0, 2, 1]));
            Candidate::from_sdp(&probe)?;
            if self.pending_mdns.len() >= self.config.max_pending_mdns {
                return Err(Error::TooManyCandidates);
            }
            let name = candidate.address.to_string();
            if !self.pending_mdns.iter().any(|(n, _)| n == &name) {
                self.events.push_back(Event::ResolveMdns(name.clone()));
            }
            self.pending_mdns.push((name, candidate.clone()));
            return Ok(());
        }
        let cand = Candidate::from_sdp(candidate)?;
        self.add_remote(now, cand)
    }

    /// The answer to [`Event::ResolveMdns`]: the candidates with this name get `ip` (or are
    /// dropped with `None`).
    pub fn mdns_resolved(&mut self, now: Instant, name: &str, ip: Option<IpAddr>) {
        let mut waiting = Vec::new();
        self.pending_mdns.retain(|(n, c)| {
            if n.eq_ignore_ascii_case(name) {
                waiting.push(c.clone());
                false
            } else {
                true
            }
        });
        let Some(ip) = ip else {
            return;
        };
        for mut c in waiting {
            c.address = sansrtc_sdp::Address::Ip(ip);
            if let Ok(cand) = Candidate::from_sdp(&c) {
                let _ = self.add_remote(now, cand);
            }
        }
    }

    /// The peer signalled end-of-candidates (RFC 8838 §14): later candidates are refused and
    /// the checklist may now fail.
    pub fn add_remote_end_of_candidates(&mut self, now: Instant) {
        self.remote_eoc = true;
        self.pending_mdns.clear();
        self.maybe_nominate(now);
        self.update_state(now);
    }

    /// Restarts ICE (RFC 8445 §9): new local credentials, remote candidates and checklist
    /// flushed, the selected pair kept (with its consent) until a new one is selected. The
    /// local candidates are reported again for the new generation. Then signal the new
    /// credentials and give the peer's to [`set_remote_credentials`](Self::set_remote_credentials).
    pub fn restart(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.local_creds = Credentials::random(&mut self.rng);
        self.local_key = IntegrityKey::short_term(&self.local_creds.pwd);
        self.remote_creds = None;
        self.new_generation();
        self.locals
            .retain(|l| l.cand.kind != CandidateKind::PeerReflexive);
        for relay in &mut self.relays {
            relay.candidate = None;
        }
        // Relayed candidates keep their index after the retain: find them again.
        for (i, l) in self.locals.iter().enumerate() {
            if let (CandidateKind::Relayed, Some(r)) = (l.cand.kind, l.relay)
                && let Some(relay) = self.relays.get_mut(r)
            {
                relay.candidate = Some(i);
            }
        }
        for l in &self.locals {
            if !self.config.relay_only || l.cand.kind == CandidateKind::Relayed {
                self.events.push_back(Event::LocalCandidate(
                    l.cand.to_sdp(Some(&self.local_creds.ufrag)),
                ));
            }
        }
        if self.gathering == GatheringState::Complete {
            self.events.push_back(Event::GatheringComplete);
        }
        self.update_state(now);
    }

    /// Sends application data on the selected pair: writes the datagram into `buf` (cleared
    /// first; wrapped in ChannelData or a Send indication for a relayed pair) and returns where
    /// it goes. For a direct pair this is a plain copy: callers on the hot path send
    /// [`SelectedPair::direct`] pairs themselves.
    pub fn send(
        &mut self,
        now: Instant,
        data: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<Transmit, Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        let selected = [&mut self.selected, &mut self.previous]
            .into_iter()
            .flatten()
            .find(|s| !s.expired)
            .ok_or(Error::NotConnected)?;
        selected.last_sent = now;
        let route = selected.route;
        match route.relay {
            Some(r) => {
                let relay = self.relays.get_mut(r).ok_or(Error::NotConnected)?;
                Ok(relay.client.send_to(route.remote, data, buf)?)
            }
            None => {
                buf.clear();
                buf.extend_from_slice(data);
                Ok(Transmit {
                    source: route.socket,
                    destination: route.remote,
                })
            }
        }
    }

    /// [`send`](Self::send) on [`data_path`](Self::data_path): the selected pair, or before
    /// selection the best valid pair (RFC 8445 §12.1). Wraps data for a TURN relay like `send`.
    pub fn send_data(
        &mut self,
        now: Instant,
        data: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<Transmit, Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        if self.selected_pair().is_some() {
            return self.send(now, data, buf);
        }
        let route = self.data_route().ok_or(Error::NotConnected)?;
        match route.relay {
            Some(r) => {
                let relay = self.relays.get_mut(r).ok_or(Error::NotConnected)?;
                Ok(relay.client.send_to(route.remote, data, buf)?)
            }
            None => {
                buf.clear();
                buf.extend_from_slice(data);
                Ok(Transmit {
                    source: route.socket,
                    destination: route.remote,
                })
            }
        }
    }

    /// Closes the agent: no more checks or consent, TURN allocations are deleted (their
    /// Refresh requests still leave through `poll_transmit`), state Closed.
    pub fn close(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        self.closed = true;
        for relay in &mut self.relays {
            relay.client.close(now);
        }
        self.checks.clear();
        self.gathers.clear();
        self.gather_queue.clear();
        self.checklist.clear();
        self.outgoing.clear();
        self.selected = None;
        self.previous = None;
        self.next_ta = None;
        self.set_state(ConnectionState::Closed);
    }

    // ------------------------------------------------------------------------------------
    // The sans-IO loop

    /// Offers a datagram that arrived on the local socket `local` from `remote`. Pass every
    /// STUN (first byte 0-3) and TURN ChannelData (64-79) datagram; application data relayed
    /// by TURN comes back as [`Received::Data`], borrowed from `datagram`.
    pub fn handle_datagram<'a>(
        &mut self,
        now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        datagram: &'a [u8],
    ) -> Received<'a> {
        if let Some(i) = self
            .relays
            .iter()
            .position(|r| r.client.local() == local && r.client.server() == remote)
        {
            let received = self
                .relays
                .get_mut(i)
                .map(|r| r.client.handle_datagram(now, remote, datagram));
            match received {
                Some(turn::Received::Data { peer, data }) => {
                    if self.closed {
                        return Received::Ignored;
                    }
                    if is_stun(data) {
                        self.handle_stun(now, Via::Relay(i), peer, data);
                        self.after_input(now);
                        return Received::Stun;
                    }
                    return Received::Data { peer, data };
                }
                Some(turn::Received::Consumed) => {
                    self.drain_relay_events(now);
                    self.after_input(now);
                    return Received::Stun;
                }
                // Maybe a STUN server answer from the same address: handled below.
                Some(turn::Received::Ignored) | None => {}
            }
        }
        if self.closed || !is_stun(datagram) {
            return Received::Ignored;
        }
        let consumed = self.handle_stun(now, Via::Direct(local), remote, datagram);
        self.after_input(now);
        if consumed {
            Received::Stun
        } else {
            Received::Ignored
        }
    }

    /// Fires every due timer: Ta (the next gathering request or check), retransmissions,
    /// nomination, consent and keepalives, TURN refreshes. A spurious call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        for relay in &mut self.relays {
            relay.client.handle_timeout(now);
        }
        self.drain_relay_events(now);
        if self.closed {
            return;
        }
        self.gather_timeouts(now);
        self.check_timeouts(now);
        if self.next_ta.is_some_and(|at| now >= at) {
            self.next_ta = None;
            if self.on_ta(now) {
                self.last_paced = Some(now);
                self.next_ta = Some(now + self.config.ta);
            }
        }
        self.maybe_nominate(now);
        self.consent_timers(now);
        self.check_gathering_complete();
        self.update_state(now);
    }

    /// Writes the next datagram into `buf` (cleared first) and returns its addresses; `None`
    /// when nothing is due. Drain it after every `handle_*` call.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        while let Some(out) = self.outgoing.pop_front() {
            let Outgoing { route, mut bytes } = out;
            let sent = match route.relay {
                None => {
                    std::mem::swap(buf, &mut bytes);
                    Some(Transmit {
                        source: route.socket,
                        destination: route.remote,
                    })
                }
                Some(r) => self
                    .relays
                    .get_mut(r)
                    .and_then(|relay| relay.client.send_to(route.remote, &bytes, buf).ok()),
            };
            bytes.clear();
            if self.spare.len() < 16 {
                self.spare.push(bytes);
            }
            if sent.is_some() {
                return sent;
            }
        }
        for relay in &mut self.relays {
            if let Some(t) = relay.client.poll_transmit(now, buf) {
                return Some(t);
            }
        }
        for g in &mut self.gathers {
            if g.tx.poll_transmit(now, buf).is_some() {
                let source = self.locals.get(g.host).map(|l| l.socket)?;
                return Some(Transmit {
                    source,
                    destination: g.server,
                });
            }
        }
        for i in 0..self.checks.len() {
            let Some(check) = self.checks.get_mut(i) else {
                break;
            };
            if check.cancelled_until.is_some() {
                continue;
            }
            let route = check.route;
            match route.relay {
                None => {
                    if check.tx.poll_transmit(now, buf).is_some() {
                        check.sent = true;
                        return Some(Transmit {
                            source: route.socket,
                            destination: route.remote,
                        });
                    }
                }
                Some(r) => {
                    if check.tx.poll_transmit(now, &mut self.scratch).is_some() {
                        check.sent = true;
                        if let Some(relay) = self.relays.get_mut(r)
                            && let Ok(t) = relay.client.send_to(route.remote, &self.scratch, buf)
                        {
                            return Some(t);
                        }
                    }
                }
            }
        }
        None
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest deadline; `None` when no timer is armed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let relays = self.relays.iter().filter_map(|r| r.client.poll_timeout());
        if self.closed {
            return relays.min();
        }
        let checks = self.checks.iter().filter_map(|c| match c.cancelled_until {
            Some(until) => Some(until),
            None => c.tx.poll_timeout(),
        });
        let gathers = self.gathers.iter().filter_map(|g| g.tx.poll_timeout());
        let consent = [&self.selected, &self.previous]
            .into_iter()
            .flatten()
            .filter(|s| !s.expired)
            .flat_map(|s| self.consent_deadlines(s));
        let nomination = self.nomination_deadline();
        relays
            .chain(checks)
            .chain(gathers)
            .chain(consent)
            .chain(self.next_ta)
            .chain(nomination)
            .min()
    }

    // ------------------------------------------------------------------------------------
    // Candidates

    fn push_local(&mut self, now: Instant, local: Local) -> usize {
        let index = self.locals.len();
        let signal = local.cand.kind != CandidateKind::PeerReflexive
            && !self.concluded
            && (!self.config.relay_only || local.cand.kind == CandidateKind::Relayed);
        if signal {
            self.events.push_back(Event::LocalCandidate(
                local.cand.to_sdp(Some(&self.local_creds.ufrag)),
            ));
        }
        let pairable = matches!(
            local.cand.kind,
            CandidateKind::Host | CandidateKind::Relayed
        );
        self.locals.push(local);
        // RFC 8838 §10: pair it once it has been trickled (the event above precedes any use).
        if pairable && signal && !self.config.lite {
            for r in 0..self.remotes.len() {
                self.form_pair(now, index, r);
            }
        }
        index
    }

    fn add_remote(&mut self, now: Instant, cand: Candidate) -> Result<(), Error> {
        if let Some(i) = self.remotes.iter().position(|r| r.address == cand.address) {
            // A candidate first learned as peer-reflexive is now signalled (RFC 8838 §11 4.A):
            // take the signalled type, priority and foundation.
            if let Some(existing) = self.remotes.get_mut(i)
                && existing.kind == CandidateKind::PeerReflexive
                && cand.kind != CandidateKind::PeerReflexive
            {
                *existing = cand;
                self.reprioritize();
            }
            return Ok(());
        }
        if self.remotes.len() >= self.config.max_remote_candidates {
            return Err(Error::TooManyCandidates);
        }
        let index = self.remotes.len();
        self.remotes.push(cand);
        if !self.config.lite && !self.concluded {
            for l in 0..self.locals.len() {
                self.form_pair(now, l, index);
            }
        }
        self.update_state(now);
        Ok(())
    }

    /// Forms the pair (local, remote) if it makes sense (RFC 8445 §6.1.2.2, §6.1.2.4; RFC 8838
    /// §10-§12) and schedules checks.
    fn form_pair(&mut self, now: Instant, local: usize, remote: usize) {
        let (Some(l), Some(r)) = (self.locals.get(local), self.remotes.get(remote)) else {
            return;
        };
        if !matches!(l.cand.kind, CandidateKind::Host | CandidateKind::Relayed)
            || (self.config.relay_only && l.cand.kind != CandidateKind::Relayed)
            || l.cand.address.is_ipv4() != r.address.is_ipv4()
            || is_link_local(l.cand.address.ip()) != is_link_local(r.address.ip())
            || self.checklist.find(local, remote).is_some()
        {
            return;
        }
        // Redundant with an existing unchecked pair from the same base to the same remote.
        let route = (l.socket, l.relay);
        let redundant = self.checklist.pairs().iter().any(|p| {
            self.locals.get(p.local).map(|x| (x.socket, x.relay)) == Some(route)
                && self.remotes.get(p.remote).map(|x| x.address) == Some(r.address)
        });
        if redundant {
            return;
        }
        let foundation = (l.cand.foundation.clone(), r.foundation.clone());
        let relay = l.relay;
        let remote_ip = r.address.ip();
        let priority = self.pair_priority(local, remote);
        if !self.checklist.make_room(self.config.max_pairs, priority) {
            return;
        }
        let state = self.checklist.initial_state(&foundation, priority);
        self.checklist
            .insert(local, remote, priority, state, foundation, true);
        // RFC 8445 §7.2.1: a check from a relayed candidate needs a permission first.
        if let Some(relay) = relay.and_then(|r| self.relays.get_mut(r)) {
            let _ = relay.client.create_permission(now, remote_ip);
        }
        self.schedule_ta(now);
    }

    fn pair_priority(&self, local: usize, remote: usize) -> u64 {
        let l = self.locals.get(local).map_or(0, |c| c.cand.priority);
        let r = self.remotes.get(remote).map_or(0, |c| c.priority);
        match self.role {
            Role::Controlling => pair_priority(l, r),
            Role::Controlled => pair_priority(r, l),
        }
    }

    fn reprioritize(&mut self) {
        let locals: Vec<u32> = self.locals.iter().map(|l| l.cand.priority).collect();
        let remotes: Vec<u32> = self.remotes.iter().map(|r| r.priority).collect();
        let role = self.role;
        self.checklist.reprioritize(|l, r| {
            let l = locals.get(l).copied().unwrap_or(0);
            let r = remotes.get(r).copied().unwrap_or(0);
            match role {
                Role::Controlling => pair_priority(l, r),
                Role::Controlled => pair_priority(r, l),
            }
        });
    }

    /// The local candidate a datagram arrived at.
    fn local_for(&self, via: Via) -> Option<usize> {
        self.locals.iter().position(|l| match via {
            Via::Direct(socket) => {
                l.cand.kind == CandidateKind::Host && l.socket == socket && l.relay.is_none()
            }
            Via::Relay(r) => l.cand.kind == CandidateKind::Relayed && l.relay == Some(r),
        })
    }

    fn route_of(&self, local: usize, remote: SocketAddr) -> Option<Route> {
        let l = self.locals.get(local)?;
        Some(Route {
            socket: l.socket,
            remote,
            relay: l.relay,
        })
    }

    fn via_of(route: Route) -> Via {
        match route.relay {
            Some(r) => Via::Relay(r),
            None => Via::Direct(route.socket),
        }
    }

    /// The PRIORITY attribute of a check from `local` (RFC 8445 §7.1.1): the priority a
    /// peer-reflexive candidate from this base would have.
    fn priority_attribute(&self, local: usize) -> u32 {
        let preference = self
            .locals
            .get(local)
            .map_or(0, |l| ((l.cand.priority >> 8) & 0xffff) as u16);
        priority(CandidateKind::PeerReflexive, preference, COMPONENT)
    }

    // ------------------------------------------------------------------------------------
    // Pacing (RFC 8445 §14)

    fn schedule_ta(&mut self, now: Instant) {
        if self.closed || self.next_ta.is_some() {
            return;
        }
        let at = match self.last_paced {
            Some(last) => (last + self.config.ta).max(now),
            None => now,
        };
        self.next_ta = Some(at);
    }

    /// One Ta tick: start one gathering transaction or one check. True if one started.
    fn on_ta(&mut self, now: Instant) -> bool {
        if let Some(job) = self.gather_queue.pop_front() {
            self.start_gather(now, job);
            return true;
        }
        if self.config.lite || self.remote_creds.is_none() {
            return false;
        }
        while let Some(id) = self.checklist.next_check() {
            if self.start_check(now, id) {
                return true;
            }
        }
        false
    }

    fn start_gather(&mut self, now: Instant, job: GatherJob) {
        match job {
            GatherJob::Stun { host, server } => {
                let Some(socket) = self.locals.get(host).map(|l| l.socket) else {
                    return;
                };
                let id = TransactionId::random(&mut self.rng);
                let mut buf = Vec::with_capacity(32);
                if message::binding_request(&mut buf, id).is_err() {
                    return;
                }
                if let Ok(tx) = ClientTransaction::new(
                    now,
                    &buf,
                    Some(socket),
                    server,
                    self.config.gather_transaction,
                ) {
                    self.gathers.push(Gather { host, server, tx });
                }
            }
            GatherJob::Turn { host, server } => {
                let (Some(socket), Some(s)) = (
                    self.locals.get(host).map(|l| l.socket),
                    self.config.turn_servers.get(server),
                ) else {
                    return;
                };
                let mut config = turn::ClientConfig::new(
                    s.address,
                    socket,
                    s.username.clone(),
                    s.password.clone(),
                );
                config.transaction = self.config.gather_transaction;
                let client = turn::Client::new(now, config, &mut self.rng);
                self.relays.push(Relay {
                    client,
                    host,
                    server_index: server,
                    candidate: None,
                    done: false,
                });
            }
        }
    }

    /// Starts a connectivity check on a pair (RFC 8445 §7.2.4). False if the pair cannot be
    /// checked (gone, or its relay is not usable).
    fn start_check(&mut self, now: Instant, id: PairId) -> bool {
        let Some(creds) = self.remote_creds.as_ref() else {
            return false;
        };
        let Some(pair) = self.checklist.get(id) else {
            return false;
        };
        let (local, remote) = (pair.local, pair.remote);
        let use_candidate = pair.use_candidate && self.role == Role::Controlling;
        let Some(remote_addr) = self.remotes.get(remote).map(|r| r.address) else {
            return false;
        };
        let Some(route) = self.route_of(local, remote_addr) else {
            return false;
        };
        let priority = self.priority_attribute(local);
        let id_tx = TransactionId::random(&mut self.rng);
        let mut buf = Vec::with_capacity(128);
        if message::check_request(
            &mut buf,
            id_tx,
            &creds.ufrag,
            &self.local_creds.ufrag,
            priority,
            self.role,
            self.tie_breaker,
            use_candidate,
            &creds.key,
        )
        .is_err()
        {
            return false;
        }
        // RFC 8445 §14.3: RTO = MAX(500 ms, Ta * (Waiting + In-Progress)).
        let busy =
            self.checklist.count(PairState::Waiting) + self.checklist.count(PairState::InProgress);
        let mut config = self.config.check_transaction;
        let paced = self
            .config
            .ta
            .saturating_mul(u32::try_from(busy).unwrap_or(u32::MAX));
        config.rto = config.rto.max(paced).min(Duration::from_secs(3));
        let Ok(tx) = ClientTransaction::new(now, &buf, Some(route.socket), remote_addr, config)
        else {
            return false;
        };
        // A new check on a pair replaces a cancelled one's retransmissions, not its answer.
        self.checks.push(Check {
            pair: id,
            tx,
            route,
            use_candidate,
            priority,
            role: self.role,
            cancelled_until: None,
            sent: false,
        });
        if let Some(pair) = self.checklist.get_mut(id) {
            if pair.state != PairState::Succeeded {
                pair.state = PairState::InProgress;
            }
            pair.use_candidate = false;
        }
        if use_candidate {
            self.nominating = Some(id);
        }
        self.stats.checks_sent += 1;
        true
    }

    /// How long a check transaction runs in total (for cancelled ones).
    fn check_span(&self) -> Duration {
        let c = self.config.check_transaction;
        let doublings = c.max_transmissions.saturating_sub(1).min(16);
        c.rto
            .saturating_mul((1u32 << doublings).saturating_sub(1))
            .saturating_add(c.rto.saturating_mul(c.last_wait_multiplier))
    }

    fn cancel_checks_of(&mut self, now: Instant, pair: PairId) {
        let until = now + self.check_span();
        for check in &mut self.checks {
            if check.pair == pair && check.cancelled_until.is_none() {
                check.cancelled_until = Some(until);
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Incoming STUN

    /// Handles a STUN datagram; false if it was dropped.
    fn handle_stun(&mut self, now: Instant, via: Via, from: SocketAddr, datagram: &[u8]) -> bool {
        let Ok(msg) = Message::parse(datagram) else {
            return false;
        };
        match msg.class() {
            Class::Request => self.handle_request(now, via, from, &msg),
            Class::SuccessResponse | Class::ErrorResponse => {
                self.handle_response(now, via, from, &msg)
            }
            // Keepalives (RFC 8445 §11) need no processing.
            Class::Indication => msg.verify_fingerprint().is_ok(),
        }
    }

    fn queue(
        &mut self,
        route: Route,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), sansrtc_stun::Error>,
    ) {
        if self.outgoing.len() >= MAX_OUTGOING {
            return;
        }
        let mut bytes = self.spare.pop().unwrap_or_default();
        if write(&mut bytes).is_ok() {
            self.outgoing.push_back(Outgoing { route, bytes });
        }
    }

    fn respond_error(
        &mut self,
        route: Route,
        id: TransactionId,
        error: ErrorCode<'static>,
        unknown: &[sansrtc_stun::AttributeType],
        key: Option<IntegrityKey>,
    ) {
        self.stats.error_responses += 1;
        self.queue(route, |out| {
            message::check_error(out, id, error, unknown, key.as_ref())
        });
    }

    /// A Binding request (RFC 8445 §7.3): FINGERPRINT and MESSAGE-INTEGRITY first, then role
    /// conflict, response, peer-reflexive learning, triggered check and nomination.
    fn handle_request(
        &mut self,
        now: Instant,
        via: Via,
        from: SocketAddr,
        msg: &Message<'_>,
    ) -> bool {
        if msg.method() != sansrtc_stun::Method::BINDING || msg.verify_fingerprint().is_err() {
            self.stats.authentication_failures += 1;
            return false;
        }
        let Some(local) = self.local_for(via) else {
            return false;
        };
        if self.config.relay_only && matches!(via, Via::Direct(_)) {
            return false;
        }
        let Some(route) = self.route_of(local, from) else {
            return false;
        };
        let id = msg.transaction_id();
        let username = msg.username().and_then(Result::ok);
        let (Some(username), true) = (username, msg.has_integrity()) else {
            self.stats.authentication_failures += 1;
            self.respond_error(route, id, ErrorCode::BAD_REQUEST, &[], None);
            return true;
        };
        let Some((ours, theirs)) = username.split_once(':') else {
            self.stats.authentication_failures += 1;
            self.respond_error(route, id, ErrorCode::UNAUTHENTICATED, &[], None);
            return true;
        };
        // The current generation's credentials, or those of the pair kept across a restart.
        let current = ours == self.local_creds.ufrag;
        let key = if current {
            Some(self.local_key.clone())
        } else {
            self.previous
                .as_ref()
                .filter(|p| p.creds.local_ufrag == ours)
                .map(|p| p.creds.local_key.clone())
        };
        let Some(key) = key.filter(|k| msg.verify_integrity(k).is_ok()) else {
            self.stats.authentication_failures += 1;
            self.respond_error(route, id, ErrorCode::UNAUTHENTICATED, &[], None);
            return true;
        };
        let unknown: Vec<_> = msg.unknown_comprehension_required().take(8).collect();
        if !unknown.is_empty() {
            self.respond_error(route, id, ErrorCode::UNKNOWN_ATTRIBUTE, &unknown, Some(key));
            return true;
        }
        if !current {
            // A consent check on the previous generation's pair: just answer (RFC 7675).
            self.stats.requests_answered += 1;
            self.queue(route, |out| message::check_success(out, id, from, &key));
            return true;
        }
        let Some(Ok(request_priority)) = msg.priority() else {
            self.respond_error(route, id, ErrorCode::BAD_REQUEST, &[], Some(key));
            return true;
        };
        let _ = theirs;
        // RFC 8445 §7.3.1.1: role conflicts (full agents only).
        if !self.config.lite {
            let controlling = msg.ice_controlling().and_then(Result::ok);
            let controlled = msg.ice_controlled().and_then(Result::ok);
            match (self.role, controlling, controlled) {
                (Role::Controlling, Some(theirs), _) => {
                    self.stats.role_conflicts += 1;
                    if self.tie_breaker >= theirs {
                        self.respond_error(route, id, ErrorCode::ROLE_CONFLICT, &[], Some(key));
                        return true;
                    }
                    self.switch_role(now);
                }
                (Role::Controlled, _, Some(theirs)) => {
                    self.stats.role_conflicts += 1;
                    if self.tie_breaker >= theirs {
                        self.switch_role(now);
                    } else {
                        self.respond_error(route, id, ErrorCode::ROLE_CONFLICT, &[], Some(key));
                        return true;
                    }
                }
                _ => {}
            }
        }
        self.stats.requests_answered += 1;
        self.queue(route, |out| message::check_success(out, id, from, &key));
        if self.config.lite {
            // A lite agent sends no consent requests: the full peer's authenticated checks on
            // the selected pair are its evidence that the peer is still there.
            for s in [&mut self.selected, &mut self.previous]
                .into_iter()
                .flatten()
            {
                if s.route == route && !s.expired {
                    s.last_response = now;
                }
            }
        }

        // RFC 8445 §7.3.1.3: learn a peer-reflexive remote candidate.
        let remote = match self.remotes.iter().position(|r| r.address == from) {
            Some(i) => i,
            None => {
                if self.remotes.len() >= self.config.max_remote_candidates {
                    return true;
                }
                self.prflx_serial += 1;
                self.remotes.push(Candidate {
                    kind: CandidateKind::PeerReflexive,
                    address: from,
                    priority: request_priority,
                    foundation: format!("prflx{}", self.prflx_serial),
                    related: None,
                });
                self.remotes.len() - 1
            }
        };
        let use_candidate = msg.use_candidate() && self.role == Role::Controlled;

        if self.config.lite {
            // RFC 8445 §7.3.2: a lite agent takes the nomination as is.
            if use_candidate {
                let pid = match self.checklist.find(local, remote) {
                    Some(p) => p.id,
                    None => {
                        let foundation = (
                            self.locals
                                .get(local)
                                .map(|l| l.cand.foundation.clone())
                                .unwrap_or_default(),
                            self.remotes
                                .get(remote)
                                .map(|r| r.foundation.clone())
                                .unwrap_or_default(),
                        );
                        let priority = self.pair_priority(local, remote);
                        if !self.checklist.make_room(self.config.max_pairs, priority) {
                            return true;
                        }
                        self.checklist.insert(
                            local,
                            remote,
                            priority,
                            PairState::Succeeded,
                            foundation,
                            false,
                        )
                    }
                };
                if let Some(p) = self.checklist.get_mut(pid) {
                    p.valid = true;
                    p.nominated = true;
                    p.state = PairState::Succeeded;
                }
                self.select(now, pid);
            }
            return true;
        }

        // RFC 8445 §7.3.1.4: the triggered check.
        let unsent = |checks: &[Check], pid: PairId| {
            checks
                .iter()
                .any(|c| c.pair == pid && c.cancelled_until.is_none() && !c.sent)
        };
        let pid = match self.checklist.find(local, remote).map(|p| (p.id, p.state)) {
            Some((pid, PairState::Succeeded)) => pid,
            // The pair's check is started but its request has not left yet: it goes out at
            // the next poll_transmit and is the new check §7.3.1.4 asks for, without waiting
            // for another Ta slot.
            Some((pid, PairState::InProgress)) if unsent(&self.checks, pid) => pid,
            Some((pid, PairState::InProgress)) => {
                self.cancel_checks_of(now, pid);
                if let Some(p) = self.checklist.get_mut(pid) {
                    p.state = PairState::Waiting;
                }
                self.checklist.trigger(pid);
                pid
            }
            Some((pid, _)) => {
                if let Some(p) = self.checklist.get_mut(pid) {
                    p.state = PairState::Waiting;
                }
                self.checklist.trigger(pid);
                pid
            }
            None => {
                if self.concluded && !use_candidate {
                    return true;
                }
                let foundation = (
                    self.locals
                        .get(local)
                        .map(|l| l.cand.foundation.clone())
                        .unwrap_or_default(),
                    self.remotes
                        .get(remote)
                        .map(|r| r.foundation.clone())
                        .unwrap_or_default(),
                );
                let priority = self.pair_priority(local, remote);
                if !self.checklist.make_room(self.config.max_pairs, priority) {
                    return true;
                }
                let pid = self.checklist.insert(
                    local,
                    remote,
                    priority,
                    PairState::Waiting,
                    foundation,
                    true,
                );
                self.checklist.trigger(pid);
                if let Some(relay) = self.locals.get(local).and_then(|l| l.relay)
                    && let Some(relay) = self.relays.get_mut(relay)
                {
                    let _ = relay.client.create_permission(now, from.ip());
                }
                pid
            }
        };
        self.schedule_ta(now);

        // RFC 8445 §7.3.1.5: nomination by the controlling peer.
        if use_candidate {
            let succeeded = self
                .checklist
                .get(pid)
                .filter(|p| p.state == PairState::Succeeded)
                .and_then(|p| p.valid_pair);
            match succeeded {
                Some(valid) => {
                    if let Some(v) = self.checklist.get_mut(valid) {
                        v.nominated = true;
                    }
                    self.select(now, valid);
                }
                None => {
                    if let Some(p) = self.checklist.get_mut(pid) {
                        p.nominate_on_success = true;
                    }
                }
            }
        }
        true
    }

    /// A Binding response: to a check, a consent request or a gathering request.
    fn handle_response(
        &mut self,
        now: Instant,
        via: Via,
        from: SocketAddr,
        msg: &Message<'_>,
    ) -> bool {
        let id = msg.transaction_id();
        if let Some(i) = self.checks.iter().position(|c| c.tx.transaction_id() == id) {
            return self.check_response(now, i, via, from, msg);
        }
        if self.consent_response(now, via, from, msg) {
            return true;
        }
        if let Some(i) = self
            .gathers
            .iter()
            .position(|g| g.tx.transaction_id() == id)
        {
            return self.gather_response(now, i, from, msg);
        }
        false
    }

    fn check_response(
        &mut self,
        now: Instant,
        index: usize,
        via: Via,
        from: SocketAddr,
        msg: &Message<'_>,
    ) -> bool {
        // FINGERPRINT and MESSAGE-INTEGRITY (the remote password) before anything else.
        let authentic = msg.verify_fingerprint().is_ok()
            && self
                .remote_creds
                .as_ref()
                .is_some_and(|c| msg.verify_integrity(&c.key).is_ok());
        if !authentic {
            self.stats.authentication_failures += 1;
            return false;
        }
        let Some(check) = self.checks.get_mut(index) else {
            return false;
        };
        if !check.tx.handle_response(now, msg) {
            return false;
        }
        let check = self.checks.remove(index);
        let Some(pair) = self.checklist.get(check.pair) else {
            return true;
        };
        let (local, remote) = (pair.local, pair.remote);

        // RFC 8445 §7.2.5.2.1: source and destination must be symmetric.
        if from != check.route.remote || via != Self::via_of(check.route) {
            self.pair_failed(now, check.pair, check.use_candidate);
            return true;
        }
        if msg.class() == Class::ErrorResponse {
            let code = msg.error_code().and_then(Result::ok).map(|e| e.code);
            if code == Some(487) {
                // RFC 8445 §7.2.5.1: switch to the role opposite to the one we claimed, and
                // retry the pair.
                self.stats.role_conflicts += 1;
                if self.role == check.role {
                    self.switch_role(now);
                }
                if let Some(p) = self.checklist.get_mut(check.pair) {
                    p.state = PairState::Waiting;
                    p.use_candidate = check.use_candidate && self.role == Role::Controlling;
                }
                if self.nominating == Some(check.pair) {
                    self.nominating = None;
                }
                self.checklist.trigger(check.pair);
                self.schedule_ta(now);
            } else {
                self.pair_failed(now, check.pair, check.use_candidate);
            }
            return true;
        }
        let Some(Ok(mapped)) = msg.xor_mapped_address() else {
            self.pair_failed(now, check.pair, check.use_candidate);
            return true;
        };
        self.check_succeeded(now, &check, local, remote, mapped);
        true
    }

    /// RFC 8445 §7.2.5.3: peer-reflexive discovery, the valid pair, state updates, nomination.
    fn check_succeeded(
        &mut self,
        now: Instant,
        check: &Check,
        local: usize,
        remote: usize,
        mapped: SocketAddr,
    ) {
        let Some(l) = self.locals.get(local).cloned() else {
            return;
        };
        // §7.2.5.3.1: the local candidate the mapped address names, or a new peer-reflexive.
        let valid_local =
            match self.locals.iter().position(|x| {
                x.cand.address == mapped && x.socket == l.socket && x.relay == l.relay
            }) {
                Some(i) => i,
                None if self.locals.len() < self.config.max_local_candidates => {
                    let cand = Candidate {
                        kind: CandidateKind::PeerReflexive,
                        address: mapped,
                        priority: check.priority,
                        foundation: foundation(CandidateKind::PeerReflexive, l.base.ip(), None),
                        related: Some(l.base),
                    };
                    self.push_local(
                        now,
                        Local {
                            cand,
                            base: l.base,
                            socket: l.socket,
                            relay: l.relay,
                        },
                    )
                }
                None => local,
            };
        // §7.2.5.3.2: the valid pair.
        let valid = match self.checklist.find(valid_local, remote) {
            Some(p) => p.id,
            None => {
                let foundation = (
                    self.locals
                        .get(valid_local)
                        .map(|x| x.cand.foundation.clone())
                        .unwrap_or_default(),
                    self.remotes
                        .get(remote)
                        .map(|x| x.foundation.clone())
                        .unwrap_or_default(),
                );
                let priority = self.pair_priority(valid_local, remote);
                self.checklist
                    .make_room(self.config.max_pairs + 8, priority);
                self.checklist.insert(
                    valid_local,
                    remote,
                    priority,
                    PairState::Succeeded,
                    foundation,
                    false,
                )
            }
        };
        // §7.2.5.3.3: both pairs Succeeded; unfreeze the foundation.
        let mut nominate_on_success = false;
        let mut foundation = None;
        if let Some(p) = self.checklist.get_mut(check.pair) {
            p.state = PairState::Succeeded;
            p.valid_pair = Some(valid);
            nominate_on_success = p.nominate_on_success;
            foundation = Some(p.foundation.clone());
        }
        if let Some(v) = self.checklist.get_mut(valid) {
            v.state = PairState::Succeeded;
            v.valid = true;
            v.valid_pair = Some(valid);
        }
        if let Some(f) = foundation {
            self.checklist.unfreeze_foundation(&f);
        }
        self.first_valid_at.get_or_insert(now);
        // A succeeded check also refreshes the consent of a selected pair on this route.
        for s in [&mut self.selected, &mut self.previous]
            .into_iter()
            .flatten()
        {
            if s.route == check.route && !s.expired {
                s.last_response = now;
            }
        }
        // §7.2.5.3.4: the nominated flag.
        let nominated = (check.use_candidate && check.role == Role::Controlling)
            || (nominate_on_success && self.role == Role::Controlled);
        if nominated {
            if let Some(v) = self.checklist.get_mut(valid) {
                v.nominated = true;
            }
            if self.nominating == Some(check.pair) {
                self.nominating = None;
            }
            self.select(now, valid);
        }
        self.schedule_ta(now);
    }

    /// A check failed (§7.2.5.2). A failed nomination makes the pair invalid; the controlling
    /// agent then nominates another valid pair, if any.
    fn pair_failed(&mut self, now: Instant, pair: PairId, nomination: bool) {
        if let Some(p) = self.checklist.get_mut(pair) {
            p.state = PairState::Failed;
            if nomination
                && let Some(v) = p.valid_pair.take()
                && let Some(v) = self.checklist.get_mut(v)
            {
                v.valid = false;
                v.state = PairState::Failed;
            }
        }
        if nomination && self.nominating == Some(pair) {
            self.nominating = None;
        }
        self.update_state(now);
    }

    fn gather_response(
        &mut self,
        now: Instant,
        index: usize,
        from: SocketAddr,
        msg: &Message<'_>,
    ) -> bool {
        if msg.has_fingerprint() && msg.verify_fingerprint().is_err() {
            return false;
        }
        let Some(g) = self.gathers.get_mut(index) else {
            return false;
        };
        if from != g.server || !g.tx.handle_response(now, msg) {
            return false;
        }
        let g = self.gathers.remove(index);
        if msg.class() == Class::SuccessResponse
            && let Some(Ok(mapped)) = msg.xor_mapped_address()
        {
            self.add_server_reflexive(now, g.host, mapped, g.server.ip(), None);
        }
        self.check_gathering_complete();
        true
    }

    /// A server-reflexive candidate from a Binding or Allocate response (RFC 8445 §5.1.1.2),
    /// unless redundant (§5.1.3, RFC 8838 §9).
    fn add_server_reflexive(
        &mut self,
        now: Instant,
        host: usize,
        mapped: SocketAddr,
        server: IpAddr,
        relay: Option<usize>,
    ) {
        let Some(h) = self.locals.get(host).cloned() else {
            return;
        };
        let redundant = self
            .locals
            .iter()
            .any(|l| l.cand.address == mapped && l.base == h.base);
        if redundant || self.locals.len() >= self.config.max_local_candidates {
            return;
        }
        let preference = ((h.cand.priority >> 8) & 0xffff) as u16;
        // Distinct servers must not give equal priorities (RFC 8445 §5.1.2.1).
        let preference = preference.saturating_sub(
            u16::try_from(self.locals.iter().filter(|l| l.base == h.base).count()).unwrap_or(0),
        );
        let cand = Candidate {
            kind: CandidateKind::ServerReflexive,
            address: mapped,
            priority: priority(CandidateKind::ServerReflexive, preference, COMPONENT),
            foundation: foundation(CandidateKind::ServerReflexive, h.base.ip(), Some(server)),
            related: Some(h.base),
        };
        let _ = relay;
        self.push_local(
            now,
            Local {
                cand,
                base: h.base,
                socket: h.socket,
                relay: None,
            },
        );
    }

    // ------------------------------------------------------------------------------------
    // TURN relays

    fn drain_relay_events(&mut self, now: Instant) {
        for i in 0..self.relays.len() {
            while let Some(event) = self.relays.get_mut(i).and_then(|r| r.client.poll_event()) {
                self.relay_event(now, i, event);
            }
        }
    }

    fn relay_event(&mut self, now: Instant, index: usize, event: turn::Event) {
        let Some(relay) = self.relays.get(index) else {
            return;
        };
        let (host, server, server_index) = (relay.host, relay.client.server(), relay.server_index);
        match event {
            turn::Event::Allocated {
                relayed, mapped, ..
            } => {
                if let Some(r) = self.relays.get_mut(index) {
                    r.done = true;
                }
                if self.closed {
                    return;
                }
                if let Some(mapped) = mapped {
                    self.add_server_reflexive(now, host, mapped, server.ip(), Some(index));
                }
                let duplicate = self.locals.iter().any(|l| l.cand.address == relayed);
                if duplicate || self.locals.len() >= self.config.max_local_candidates {
                    return;
                }
                let host_ip = self
                    .locals
                    .get(host)
                    .map(|l| l.base.ip())
                    .unwrap_or(relayed.ip());
                let preference = 65_535u16
                    .saturating_sub(u16::try_from(server_index).unwrap_or(0).saturating_mul(100))
                    .saturating_sub(u16::try_from(host).unwrap_or(0));
                let cand = Candidate {
                    kind: CandidateKind::Relayed,
                    address: relayed,
                    priority: priority(CandidateKind::Relayed, preference, COMPONENT),
                    foundation: foundation(CandidateKind::Relayed, host_ip, Some(server.ip())),
                    related: mapped,
                };
                let socket = self
                    .relays
                    .get(index)
                    .map(|r| r.client.local())
                    .unwrap_or(relayed);
                let local = self.push_local(
                    now,
                    Local {
                        cand,
                        base: relayed,
                        socket,
                        relay: Some(index),
                    },
                );
                if let Some(r) = self.relays.get_mut(index) {
                    r.candidate = Some(local);
                }
            }
            turn::Event::AllocationFailed(_) => {
                if let Some(r) = self.relays.get_mut(index) {
                    r.done = true;
                }
                self.events.push_back(Event::RelayFailed { server });
            }
            _ => {}
        }
        self.check_gathering_complete();
    }

    // ------------------------------------------------------------------------------------
    // Timers

    fn gather_timeouts(&mut self, now: Instant) {
        let before = self.gathers.len();
        self.gathers.retain_mut(|g| {
            g.tx.handle_timeout(now);
            !matches!(g.tx.poll_event(), Some(TransactionEvent::TimedOut))
        });
        if self.gathers.len() != before {
            self.check_gathering_complete();
        }
    }

    fn check_timeouts(&mut self, now: Instant) {
        let mut failed = Vec::new();
        self.checks.retain_mut(|c| {
            if let Some(until) = c.cancelled_until {
                return now < until;
            }
            c.tx.handle_timeout(now);
            if matches!(c.tx.poll_event(), Some(TransactionEvent::TimedOut)) {
                failed.push((c.pair, c.use_candidate));
                return false;
            }
            true
        });
        for (pair, nomination) in failed {
            // A pair whose check was re-sent keeps its other transactions' chances.
            let still_checked = self
                .checks
                .iter()
                .any(|c| c.pair == pair && c.cancelled_until.is_none());
            let succeeded = self
                .checklist
                .get(pair)
                .is_some_and(|p| p.state == PairState::Succeeded);
            if nomination || (!still_checked && !succeeded) {
                self.pair_failed(now, pair, nomination);
            }
        }
    }

    fn nomination_deadline(&self) -> Option<Instant> {
        if self.role != Role::Controlling
            || self.config.lite
            || self.concluded
            || self.nominating.is_some()
        {
            return None;
        }
        self.first_valid_at
            .map(|at| at + self.config.nomination_timeout)
    }

    /// Regular nomination (RFC 8445 §8.1.1): the controlling agent picks the best valid pair
    /// once no better pair can still succeed, or once `nomination_timeout` has passed since the
    /// first valid pair, and repeats its check with USE-CANDIDATE.
    fn maybe_nominate(&mut self, now: Instant) {
        if self.role != Role::Controlling
            || self.config.lite
            || self.concluded
            || self.nominating.is_some()
            || self.closed
        {
            return;
        }
        let Some(best) = self
            .checklist
            .pairs()
            .iter()
            .find(|p| p.valid && p.state == PairState::Succeeded)
            .map(|p| (p.id, p.priority))
        else {
            return;
        };
        let better_pending = self.checklist.pairs().iter().any(|p| {
            p.checkable
                && p.priority > best.1
                && matches!(
                    p.state,
                    PairState::Frozen | PairState::Waiting | PairState::InProgress
                )
        });
        let more_candidates_may_come = !self.remote_eoc && !self.remote_lite;
        let best_is_relayed = self
            .checklist
            .get(best.0)
            .and_then(|p| self.locals.get(p.local).zip(self.remotes.get(p.remote)))
            .is_some_and(|(l, r)| {
                l.cand.kind == CandidateKind::Relayed || r.kind == CandidateKind::Relayed
            });
        let timed_out = self
            .first_valid_at
            .is_some_and(|at| now >= at + self.config.nomination_timeout);
        let settled = !(better_pending || (more_candidates_may_come && best_is_relayed));
        if !(settled || timed_out) {
            return;
        }
        // Repeat the check that produced the valid pair, with USE-CANDIDATE.
        let generator = self
            .checklist
            .pairs()
            .iter()
            .find(|p| p.checkable && p.valid_pair == Some(best.0))
            .map(|p| p.id);
        let Some(generator) = generator else {
            return;
        };
        if let Some(p) = self.checklist.get_mut(generator) {
            p.use_candidate = true;
        }
        self.nominating = Some(generator);
        self.checklist.trigger(generator);
        self.schedule_ta(now);
    }

    /// Selects a nominated valid pair (RFC 8445 §8.1.1, §8.1.2) and starts its consent.
    fn select(&mut self, now: Instant, valid: PairId) {
        let Some(p) = self.checklist.get(valid) else {
            return;
        };
        let priority = p.priority;
        let (local, remote) = (p.local, p.remote);
        if let Some(current) = &self.selected
            && (current.priority >= priority || self.role == Role::Controlling)
            && !current.expired
        {
            return;
        }
        let (Some(l), Some(r), Some(creds)) = (
            self.locals.get(local).cloned(),
            self.remotes.get(remote).cloned(),
            self.remote_creds.clone(),
        ) else {
            return;
        };
        let route = Route {
            socket: l.socket,
            remote: r.address,
            relay: l.relay,
        };
        let relay_server = l
            .relay
            .and_then(|i| self.relays.get(i))
            .map(|x| x.client.server());
        let pair = SelectedPair {
            local: l.cand.clone(),
            remote: r,
            socket: l.socket,
            relay: relay_server,
        };
        let priority_attribute = self.priority_attribute(local);
        let next_consent = now + self.consent_interval();
        self.selected = Some(Selected {
            pair: pair.clone(),
            route,
            priority,
            priority_attribute,
            creds: PairCreds {
                local_ufrag: self.local_creds.ufrag.clone(),
                local_key: self.local_key.clone(),
                remote_ufrag: creds.ufrag,
                remote_key: creds.key,
            },
            last_response: now,
            next_consent,
            outstanding: VecDeque::new(),
            last_sent: now,
            expired: false,
        });
        // The restart is over: the previous pair goes (RFC 8445 §9).
        self.previous = None;
        self.concluded = true;
        self.checklist.conclude();
        let in_progress: Vec<PairId> = self
            .checklist
            .pairs()
            .iter()
            .filter(|p| p.state == PairState::InProgress)
            .map(|p| p.id)
            .collect();
        for id in in_progress {
            self.cancel_checks_of(now, id);
        }
        // RFC 8445 §12.1: a relayed pair gets a channel.
        if let Some(relay) = route.relay.and_then(|i| self.relays.get_mut(i)) {
            let _ = relay.client.bind_channel(now, route.remote);
        }
        self.events.push_back(Event::SelectedPairChanged(pair));
        self.update_state(now);
    }

    /// A consent interval, randomized to 0.8-1.2 times the period (RFC 7675 §5.1), never below
    /// 4 s.
    fn consent_interval(&mut self) -> Duration {
        let base = self.config.consent_interval.max(Duration::from_secs(4));
        let factor = 0.8 + 0.4 * f64::from(self.rng.next_u32()) / f64::from(u32::MAX);
        base.mul_f64(factor).max(Duration::from_secs(4))
    }

    fn consent_deadlines(&self, s: &Selected) -> impl Iterator<Item = Instant> {
        let checks = !self.config.lite;
        let next = checks.then_some(s.next_consent);
        let keepalive = (!checks).then_some(s.last_sent + self.config.keepalive_interval);
        let expiry = Some(s.last_response + self.config.consent_timeout);
        let disconnect = (self.state != ConnectionState::Disconnected)
            .then_some(s.last_response + self.config.disconnected_timeout);
        [next, keepalive, expiry, disconnect].into_iter().flatten()
    }

    fn consent_timers(&mut self, now: Instant) {
        for which in [true, false] {
            let mut interval = self.consent_interval();
            let lite = self.config.lite;
            let tie_breaker = self.tie_breaker;
            let role = self.role;
            let consent_timeout = self.config.consent_timeout;
            let keepalive_interval = self.config.keepalive_interval;
            let id = TransactionId::random(&mut self.rng);
            let slot = if which {
                &mut self.selected
            } else {
                &mut self.previous
            };
            let Some(s) = slot.as_mut() else {
                continue;
            };
            if s.expired {
                continue;
            }
            if now >= s.last_response + consent_timeout {
                // RFC 7675 §5.1: consent expired; stop using the pair.
                s.expired = true;
                s.outstanding.clear();
                if which {
                    self.failed = true;
                } else {
                    self.previous = None;
                }
                continue;
            }
            let mut send = None;
            if !lite && now >= s.next_consent {
                // A response is overdue: check at the shortest period RFC 7675 §5.1 allows
                // (4 s, randomized upwards), so a lossy path gets more tries before expiry.
                if now.saturating_duration_since(s.last_response) > self.config.consent_interval {
                    let min = Duration::from_secs(4);
                    interval = interval.min(min.mul_f64(1.2)).max(min);
                }
                s.next_consent = now + interval;
                s.outstanding.retain(|(_, at)| now < *at + consent_timeout);
                if s.outstanding.len() >= MAX_CONSENT_OUTSTANDING {
                    s.outstanding.pop_front();
                }
                s.outstanding.push_back((id, now));
                s.last_sent = now;
                send = Some((s.route, s.creds.clone(), s.priority_attribute, false));
            } else if lite && now >= s.last_sent + keepalive_interval {
                s.last_sent = now;
                send = Some((s.route, s.creds.clone(), 0, true));
            }
            if let Some((route, creds, priority, keepalive)) = send {
                if keepalive {
                    self.queue(route, |out| message::keepalive(out, id));
                } else {
                    self.stats.consent_requests += 1;
                    self.queue(route, |out| {
                        message::check_request(
                            out,
                            id,
                            &creds.remote_ufrag,
                            &creds.local_ufrag,
                            priority,
                            role,
                            tie_breaker,
                            false,
                            &creds.remote_key,
                        )
                    });
                }
            }
        }
    }

    /// A response to one of our consent requests (RFC 7675 §5.1, §5.2). True if it was one.
    fn consent_response(
        &mut self,
        now: Instant,
        via: Via,
        from: SocketAddr,
        msg: &Message<'_>,
    ) -> bool {
        let id = msg.transaction_id();
        for which in [true, false] {
            let slot = if which {
                &mut self.selected
            } else {
                &mut self.previous
            };
            let Some(s) = slot.as_mut() else {
                continue;
            };
            let Some(i) = s.outstanding.iter().position(|(t, _)| *t == id) else {
                continue;
            };
            let authentic = msg.verify_fingerprint().is_ok()
                && msg.verify_integrity(&s.creds.remote_key).is_ok();
            if !authentic {
                self.stats.authentication_failures += 1;
                return true;
            }
            s.outstanding.remove(i);
            if s.expired || from != s.route.remote || via != Self::via_of(s.route) {
                return true;
            }
            if msg.class() == Class::SuccessResponse {
                s.last_response = now;
            } else if msg.error_code().and_then(Result::ok).map(|e| e.code) == Some(403) {
                // RFC 7675 §5.2: consent revoked.
                s.expired = true;
                if which {
                    self.failed = true;
                } else {
                    self.previous = None;
                }
            }
            return true;
        }
        false
    }

    // ------------------------------------------------------------------------------------
    // State

    fn switch_role(&mut self, now: Instant) {
        self.role = self.role.flipped();
        // RFC 8445 §7.2.5.1: a new tie-breaker, new pair priorities.
        self.tie_breaker = self.rng.next_u64();
        self.reprioritize();
        self.events.push_back(Event::RoleChanged(self.role));
        if self.role == Role::Controlled {
            self.nominating = None;
        }
        self.maybe_nominate(now);
    }

    /// Flushes the remote side and the checklist for a new ICE generation, keeping the
    /// selected pair as the previous one.
    fn new_generation(&mut self) {
        if let Some(s) = self.selected.take()
            && !s.expired
        {
            self.previous = Some(s);
        }
        self.remotes.clear();
        self.pending_mdns.clear();
        self.checklist.clear();
        self.checks.clear();
        self.remote_eoc = false;
        self.first_valid_at = None;
        self.nominating = None;
        self.concluded = false;
        self.failed = false;
    }

    fn check_gathering_complete(&mut self) {
        if self.gathering == GatheringState::Complete {
            return;
        }
        let busy = !self.gather_queue.is_empty()
            || !self.gathers.is_empty()
            || self.relays.iter().any(|r| !r.done);
        if !busy {
            self.gathering = GatheringState::Complete;
            self.events.push_back(Event::GatheringComplete);
        }
    }

    fn after_input(&mut self, now: Instant) {
        self.maybe_nominate(now);
        self.check_gathering_complete();
        self.update_state(now);
    }

    fn set_state(&mut self, state: ConnectionState) {
        // Completed always follows Connected.
        if state == ConnectionState::Completed
            && !matches!(
                self.state,
                ConnectionState::Connected
                    | ConnectionState::Completed
                    | ConnectionState::Disconnected
            )
        {
            self.set_state(ConnectionState::Connected);
        }
        if self.state != state {
            self.state = state;
            self.events.push_back(Event::ConnectionState(state));
        }
    }

    fn update_state(&mut self, now: Instant) {
        if self.closed {
            return self.set_state(ConnectionState::Closed);
        }
        let live = [&self.selected, &self.previous]
            .into_iter()
            .flatten()
            .find(|s| !s.expired);
        let next = if let Some(s) = live {
            let silent = now.saturating_duration_since(s.last_response);
            let checking_done = self.checks.iter().all(|c| c.cancelled_until.is_some())
                && !self.checklist.has_work();
            let completed = self.selected.as_ref().is_some_and(|x| !x.expired)
                && self.gathering == GatheringState::Complete
                && checking_done
                && (self.remote_eoc || self.role == Role::Controlling || self.remote_lite);
            if silent >= self.config.disconnected_timeout {
                ConnectionState::Disconnected
            } else if completed {
                ConnectionState::Completed
            } else {
                ConnectionState::Connected
            }
        } else if self.failed || self.selected.as_ref().is_some_and(|s| s.expired) {
            ConnectionState::Failed
        } else if self.checklist_failed() {
            self.failed = true;
            ConnectionState::Failed
        } else if self.remote_creds.is_some()
            && (!self.checklist.is_empty() || !self.checks.is_empty())
        {
            ConnectionState::Checking
        } else if self.state == ConnectionState::New {
            ConnectionState::New
        } else {
            self.state
        };
        // Once consent is gone the state stays Failed until an ICE restart selects a new pair.
        let next = if self.state == ConnectionState::Failed
            && next != ConnectionState::Failed
            && live.is_none()
            && self.failed
        {
            ConnectionState::Failed
        } else {
            next
        };
        self.set_state(next);
    }

    /// RFC 8445 §7.2.5.4 with RFC 8838 §8: every pair failed, no valid pair, gathering done and
    /// the remote's end-of-candidates received.
    fn checklist_failed(&self) -> bool {
        if self.config.lite || self.concluded || !self.remote_eoc {
            return false;
        }
        self.gathering == GatheringState::Complete
            && self.pending_mdns.is_empty()
            && self.nominating.is_none()
            && !self.checklist.has_work()
            && self.checks.iter().all(|c| c.cancelled_until.is_some())
            && !self.checklist.pairs().iter().any(|p| p.valid)
    }
}
