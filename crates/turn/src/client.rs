//! The TURN client (RFC 8656 over UDP): one allocation on one server from one local address,
//! with its permissions and channel bindings, each kept alive by its own timer.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use sansrtc_stun::{
    AddressFamily, Attribute, AttributeType, Class, ClientTransaction, IntegrityKey, Message,
    MessageBuilder, Method, TransactionConfig, TransactionEvent, TransactionId,
};

use crate::channel_data::{CHANNEL_NUMBERS, ChannelData, is_channel_data};
use crate::error::Error;

/// IANA protocol number of UDP, the only REQUESTED-TRANSPORT of RFC 8656 (§18.8).
const UDP: u8 = 17;
/// Permission Lifetime (RFC 8656 §9): exactly 300 s.
pub const PERMISSION_LIFETIME: Duration = Duration::from_secs(300);
/// A channel binding lasts 10 minutes unless refreshed (RFC 8656 §12).
pub const CHANNEL_LIFETIME: Duration = Duration::from_secs(600);
/// The default allocation lifetime (RFC 8656 §6).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);
/// Refresh a permission, binding or allocation this long before it expires ("roughly 1 minute",
/// RFC 8656 §8), or at half its lifetime if that is shorter.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// How many 438 (Stale Nonce) retries one request gets before it counts as failed.
const MAX_STALE_NONCE_RETRIES: u8 = 3;
/// After a failed Refresh, try again this much later (while the allocation lives).
const REFRESH_RETRY: Duration = Duration::from_secs(5);

/// How to reach the TURN server and what to ask of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The server's UDP transport address.
    pub server: SocketAddr,
    /// The local (host) transport address the caller's socket is bound to: every request and
    /// the data leave from here.
    pub local: SocketAddr,
    /// Long-term credential username (RFC 8489 §9.2), already prepared (OpaqueString).
    pub username: String,
    /// Long-term credential password, already prepared.
    pub password: String,
    /// Requested allocation lifetime (LIFETIME, RFC 8656 §7.1); the server decides.
    pub lifetime: Duration,
    /// REQUESTED-ADDRESS-FAMILY (RFC 8656 §7.1); `None` lets the server pick (IPv4).
    pub requested_family: Option<AddressFamily>,
    /// Retransmission schedule of every request. Default: RTO 500 ms, 5 requests, a final
    /// wait of 4 RTO: a request fails after 9.5 s.
    pub transaction: TransactionConfig,
    /// Upper bound on permissions (peer IPs).
    pub max_permissions: usize,
    /// Upper bound on channel bindings.
    pub max_channels: usize,
    /// SOFTWARE, sent in Allocate and Refresh requests (RFC 8656 §5 SHOULD).
    pub software: Option<String>,
}

impl ClientConfig {
    /// A configuration with the defaults for everything but the addresses and credentials.
    pub fn new(
        server: SocketAddr,
        local: SocketAddr,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            server,
            local,
            username: username.into(),
            password: password.into(),
            lifetime: DEFAULT_LIFETIME,
            requested_family: None,
            transaction: TransactionConfig {
                rto: Duration::from_millis(500),
                max_transmissions: 5,
                last_wait_multiplier: 4,
            },
            max_permissions: 64,
            max_channels: 64,
            software: Some("sansrtc".to_owned()),
        }
    }
}

/// Where a datagram written by `poll_transmit` (or `send_to`) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transmit {
    /// The local address to send from.
    pub source: SocketAddr,
    /// The destination.
    pub destination: SocketAddr,
}

/// Why a request (and so an allocation, permission or binding) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// No response after every retransmission.
    Timeout,
    /// An error response with this code (e.g. 401 after authenticating: wrong credentials; 486
    /// quota; 508 capacity; 437 mismatch).
    ErrorResponse(u16),
    /// A success response without the attributes it must carry (XOR-RELAYED-ADDRESS).
    BadResponse,
}

/// What the client reports through [`Client::poll_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The allocation exists (RFC 8656 §7.3).
    Allocated {
        /// XOR-RELAYED-ADDRESS: the relayed transport address peers send to.
        relayed: SocketAddr,
        /// XOR-MAPPED-ADDRESS: our server-reflexive address as the server sees it.
        mapped: Option<SocketAddr>,
        /// The lifetime the server granted.
        lifetime: Duration,
    },
    /// The Allocate transaction failed: no relayed address from this server.
    AllocationFailed(Failure),
    /// A Refresh succeeded; the allocation now lives this long.
    Refreshed(Duration),
    /// The allocation is gone: it expired unrefreshed, or the server answered 437.
    AllocationLost,
    /// The permission for this peer IP is installed (or refreshed).
    PermissionCreated(IpAddr),
    /// A CreatePermission request failed; the permission is dropped.
    PermissionFailed(IpAddr, Failure),
    /// The channel is bound to this peer: data to and from it now uses ChannelData.
    ChannelBound {
        /// The peer.
        peer: SocketAddr,
        /// The channel number.
        channel: u16,
    },
    /// A ChannelBind request failed; data to the peer keeps using Send indications.
    ChannelBindFailed(SocketAddr, Failure),
    /// `close` finished: the allocation is deleted (or was never made). Terminal.
    Closed,
}

/// What a datagram offered to [`Client::handle_datagram`] turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received<'a> {
    /// A TURN response or indication, consumed by the client.
    Consumed,
    /// Application data from `peer`, relayed through the server (a Data indication, RFC 8656
    /// §11.4, or ChannelData, §12.6). Borrowed from the datagram: no copy.
    Data {
        /// The peer's transport address as the server sees it.
        peer: SocketAddr,
        /// The data.
        data: &'a [u8],
    },
    /// Not for this client, malformed, unauthenticated or from a peer without permission:
    /// dropped.
    Ignored,
}

/// The allocation's life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationState {
    /// The Allocate request is in flight (possibly its authenticated retry).
    Allocating,
    /// The relayed address exists.
    Allocated,
    /// Allocate failed or the allocation was lost. Terminal except for `close`.
    Failed,
    /// `close` sent Refresh with LIFETIME 0 and waits for its answer.
    Closing,
    /// Closed. Terminal.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    Allocate,
    Refresh { lifetime: u32 },
    CreatePermission(IpAddr),
    ChannelBind { channel: u16, peer: SocketAddr },
}

impl Request {
    const fn method(self) -> Method {
        match self {
            Self::Allocate => Method::ALLOCATE,
            Self::Refresh { .. } => Method::REFRESH,
            Self::CreatePermission(_) => Method::CREATE_PERMISSION,
            Self::ChannelBind { .. } => Method::CHANNEL_BIND,
        }
    }
}

#[derive(Debug)]
struct Pending {
    request: Request,
    tx: ClientTransaction,
    /// Whether the request carried MESSAGE-INTEGRITY (so the success response must too).
    authenticated: bool,
    stale_retries: u8,
}

#[derive(Debug, Clone)]
struct Auth {
    realm: String,
    nonce: String,
    key: IntegrityKey,
}

/// A refreshable server-side object: a permission or a channel binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lease {
    /// A success response was received and the lease has not expired.
    installed: bool,
    /// A request for it is in flight.
    in_flight: bool,
    /// When the server drops it (if installed).
    expires: Option<Instant>,
    /// When to refresh it.
    refresh_at: Option<Instant>,
}

impl Lease {
    const fn requested() -> Self {
        Self {
            installed: false,
            in_flight: true,
            expires: None,
            refresh_at: None,
        }
    }

    fn granted(&mut self, now: Instant, lifetime: Duration) {
        self.installed = true;
        self.in_flight = false;
        self.expires = Some(now + lifetime);
        self.refresh_at = Some(now + refresh_delay(lifetime));
    }

    fn next_deadline(&self) -> Option<Instant> {
        if self.in_flight {
            return self.expires;
        }
        [self.refresh_at, self.expires].into_iter().flatten().min()
    }
}

/// When to refresh something that lives `lifetime`: a minute early, or at half-life.
fn refresh_delay(lifetime: Duration) -> Duration {
    lifetime.saturating_sub(REFRESH_MARGIN.min(lifetime / 2))
}

#[derive(Debug, Clone, Copy)]
struct Permission {
    ip: IpAddr,
    lease: Lease,
}

#[derive(Debug, Clone, Copy)]
struct Channel {
    number: u16,
    peer: SocketAddr,
    lease: Lease,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Allocating,
    Allocated {
        relayed: SocketAddr,
        mapped: Option<SocketAddr>,
        expires: Instant,
        refresh_at: Option<Instant>,
    },
    Failed,
    Closing,
    Closed,
}

/// A TURN client for one allocation (RFC 8656 over UDP), sans-IO.
///
/// Created with [`Client::new`], it sends an Allocate request at once, answers the 401
/// challenge with the long-term credential (RFC 8489 §9.2), retries on 438 (Stale Nonce), and
/// then keeps the allocation, its permissions and channel bindings refreshed until
/// [`close`](Self::close), which deletes the allocation with a Refresh of LIFETIME 0.
///
/// Drive it like every sansrtc state machine: feed every datagram that arrives at
/// `config.local` from `config.server` to [`handle_datagram`](Self::handle_datagram), call
/// [`handle_timeout`](Self::handle_timeout) at [`poll_timeout`](Self::poll_timeout), then drain
/// [`poll_transmit`](Self::poll_transmit) and [`poll_event`](Self::poll_event).
#[derive(Debug)]
pub struct Client {
    config: ClientConfig,
    rng: ChaCha20Rng,
    state: State,
    auth: Option<Auth>,
    pending: Vec<Pending>,
    permissions: Vec<Permission>,
    channels: Vec<Channel>,
    next_channel: u16,
    events: VecDeque<Event>,
}

impl Client {
    /// Starts an allocation: the Allocate request is due at `now`. `rng` seeds the client's
    /// transaction ids (RFC 8489 §5 wants them cryptographically random).
    pub fn new<R: RngCore + CryptoRng>(now: Instant, config: ClientConfig, rng: &mut R) -> Self {
        let mut client = Self {
            rng: ChaCha20Rng::from_rng(rng).unwrap_or_else(|_| ChaCha20Rng::from_seed([0; 32])),
            config,
            state: State::Allocating,
            auth: None,
            pending: Vec::new(),
            permissions: Vec::new(),
            channels: Vec::new(),
            next_channel: *CHANNEL_NUMBERS.start(),
            events: VecDeque::new(),
        };
        client.start(now, Request::Allocate, 0);
        client
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The TURN server's address.
    pub fn server(&self) -> SocketAddr {
        self.config.server
    }

    /// The local address requests and data leave from.
    pub fn local(&self) -> SocketAddr {
        self.config.local
    }

    /// Where the allocation stands.
    pub fn state(&self) -> AllocationState {
        match self.state {
            State::Allocating => AllocationState::Allocating,
            State::Allocated { .. } => AllocationState::Allocated,
            State::Failed => AllocationState::Failed,
            State::Closing => AllocationState::Closing,
            State::Closed => AllocationState::Closed,
        }
    }

    /// The relayed transport address, once allocated.
    pub fn relayed_address(&self) -> Option<SocketAddr> {
        match self.state {
            State::Allocated { relayed, .. } => Some(relayed),
            _ => None,
        }
    }

    /// The server-reflexive address the Allocate response reported, once allocated.
    pub fn mapped_address(&self) -> Option<SocketAddr> {
        match self.state {
            State::Allocated { mapped, .. } => mapped,
            _ => None,
        }
    }

    /// Whether a permission for `ip` is installed or requested.
    pub fn has_permission(&self, ip: IpAddr) -> bool {
        self.permissions.iter().any(|p| p.ip == ip)
    }

    /// The confirmed channel bound to `peer`, if any.
    pub fn channel(&self, peer: SocketAddr) -> Option<u16> {
        self.channels
            .iter()
            .find(|c| c.peer == peer && c.lease.installed)
            .map(|c| c.number)
    }

    /// Asks the server for a permission towards `ip` (RFC 8656 §10) and keeps it refreshed
    /// until `close`. A second call for the same IP does nothing. Allowed while the allocation
    /// is still being made: the request then leaves once it exists.
    pub fn create_permission(&mut self, now: Instant, ip: IpAddr) -> Result<(), Error> {
        self.check_usable(ip)?;
        if self.has_permission(ip) {
            return Ok(());
        }
        if self.permissions.len() >= self.config.max_permissions {
            return Err(Error::TooManyPermissions);
        }
        let mut lease = Lease::requested();
        if matches!(self.state, State::Allocated { .. }) {
            self.start(now, Request::CreatePermission(ip), 0);
        } else {
            // Sent when the Allocate succeeds.
            lease.in_flight = false;
        }
        self.permissions.push(Permission { ip, lease });
        Ok(())
    }

    /// Binds a channel to `peer` (RFC 8656 §12.1), which also installs a permission for its IP,
    /// and keeps it refreshed. Returns the channel number; data uses it once
    /// [`Event::ChannelBound`] is reported. Binding an already bound peer returns its channel.
    pub fn bind_channel(&mut self, now: Instant, peer: SocketAddr) -> Result<u16, Error> {
        self.check_usable(peer.ip())?;
        if !matches!(self.state, State::Allocated { .. }) {
            return Err(Error::NotAllocated);
        }
        if let Some(c) = self.channels.iter().find(|c| c.peer == peer) {
            return Ok(c.number);
        }
        if self.channels.len() >= self.config.max_channels
            || !CHANNEL_NUMBERS.contains(&self.next_channel)
        {
            return Err(Error::TooManyChannels);
        }
        if !self.has_permission(peer.ip()) {
            if self.permissions.len() >= self.config.max_permissions {
                return Err(Error::TooManyPermissions);
            }
            // The ChannelBind installs this permission; CreatePermission refreshes it later.
            let mut lease = Lease::requested();
            lease.in_flight = false;
            self.permissions.push(Permission {
                ip: peer.ip(),
                lease,
            });
        }
        let number = self.next_channel;
        self.next_channel = self.next_channel.saturating_add(1);
        self.channels.push(Channel {
            number,
            peer,
            lease: Lease::requested(),
        });
        self.start(
            now,
            Request::ChannelBind {
                channel: number,
                peer,
            },
            0,
        );
        Ok(number)
    }

    /// Wraps `data` for `peer` into `out` (cleared first): ChannelData when a channel is bound
    /// (RFC 8656 §12.5), a Send indication otherwise (§11.1). Send the result to the returned
    /// destination (the server). One copy of `data`, no other allocation once `out` has grown.
    pub fn send_to(
        &mut self,
        peer: SocketAddr,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Transmit, Error> {
        if !matches!(self.state, State::Allocated { .. }) {
            return Err(Error::NotAllocated);
        }
        if !self.has_permission(peer.ip()) {
            return Err(Error::NoPermission(peer.ip()));
        }
        match self.channel(peer) {
            Some(channel) => ChannelData::encode(channel, data, out)?,
            None => {
                let id = TransactionId::random(&mut self.rng);
                let mut b = MessageBuilder::new(out, Class::Indication, Method::SEND, id);
                b.add(&Attribute::XorPeerAddress(peer))?;
                b.add(&Attribute::Data(data))
                    .map_err(|_| Error::DataTooLong(data.len()))?;
            }
        }
        Ok(self.transmit())
    }

    /// Deletes the allocation (Refresh with LIFETIME 0, RFC 8656 §8.1) and stops every timer.
    /// [`Event::Closed`] follows once the server answered (or the request timed out).
    pub fn close(&mut self, now: Instant) {
        self.permissions.clear();
        self.channels.clear();
        self.pending.clear();
        match self.state {
            State::Allocated { .. } => {
                self.state = State::Closing;
                self.start(now, Request::Refresh { lifetime: 0 }, 0);
            }
            State::Closing | State::Closed => {}
            State::Allocating | State::Failed => self.finish_closing(),
        }
    }

    /// Offers a datagram that arrived at `config.local` from `from`. Returns what it was;
    /// application data is borrowed from `datagram`.
    pub fn handle_datagram<'a>(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: &'a [u8],
    ) -> Received<'a> {
        if from != self.config.server {
            return Received::Ignored;
        }
        if is_channel_data(datagram) {
            return self.handle_channel_data(datagram);
        }
        let Ok(message) = Message::parse(datagram) else {
            return Received::Ignored;
        };
        if message.has_fingerprint() && message.verify_fingerprint().is_err() {
            return Received::Ignored;
        }
        match message.class() {
            Class::Indication if message.method() == Method::DATA => {
                self.handle_data_indication(&message)
            }
            Class::SuccessResponse | Class::ErrorResponse => {
                if self.handle_response(now, &message) {
                    Received::Consumed
                } else {
                    Received::Ignored
                }
            }
            _ => Received::Ignored,
        }
    }

    /// Fires due retransmissions, refreshes and expiries; a spurious call does nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut timed_out = Vec::new();
        for (i, p) in self.pending.iter_mut().enumerate() {
            p.tx.handle_timeout(now);
            if let Some(TransactionEvent::TimedOut) = p.tx.poll_event() {
                timed_out.push(i);
            }
        }
        for i in timed_out.into_iter().rev() {
            let p = self.pending.remove(i);
            self.on_failure(now, p.request, Failure::Timeout);
        }

        if let State::Allocated {
            expires,
            refresh_at,
            ..
        } = &mut self.state
        {
            if now >= *expires {
                self.lose_allocation();
                return;
            }
            if refresh_at.is_some_and(|at| now >= at) {
                *refresh_at = None;
                let lifetime = duration_secs(self.config.lifetime);
                self.start(now, Request::Refresh { lifetime }, 0);
            }
        }
        if !matches!(self.state, State::Allocated { .. }) {
            return;
        }
        let mut due = Vec::new();
        let channels = &self.channels;
        self.permissions.retain_mut(|p| {
            if p.lease.expires.is_some_and(|at| now >= at) {
                p.lease.installed = false;
                p.lease.expires = None;
            }
            if !p.lease.in_flight && p.lease.refresh_at.is_some_and(|at| now >= at) {
                p.lease.in_flight = true;
                p.lease.refresh_at = None;
                due.push(Request::CreatePermission(p.ip));
            }
            // A permission that expired without a refresh in flight is gone, unless a
            // ChannelBind is about to install it.
            p.lease.installed
                || p.lease.in_flight
                || p.lease.refresh_at.is_some()
                || channels.iter().any(|c| c.peer.ip() == p.ip)
        });
        self.channels.retain_mut(|c| {
            if c.lease.expires.is_some_and(|at| now >= at) {
                c.lease.installed = false;
                c.lease.expires = None;
            }
            if !c.lease.in_flight && c.lease.refresh_at.is_some_and(|at| now >= at) {
                c.lease.in_flight = true;
                c.lease.refresh_at = None;
                due.push(Request::ChannelBind {
                    channel: c.number,
                    peer: c.peer,
                });
            }
            c.lease.installed || c.lease.in_flight
        });
        for request in due {
            self.start(now, request, 0);
        }
    }

    /// Writes the next due request (or retransmission) into `buf`, cleared first.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        for p in &mut self.pending {
            if p.tx.poll_transmit(now, buf).is_some() {
                return Some(Transmit {
                    source: self.config.local,
                    destination: self.config.server,
                });
            }
        }
        None
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest deadline: a retransmission, a refresh or an expiry.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let transactions = self.pending.iter().filter_map(|p| p.tx.poll_timeout());
        let allocation = match self.state {
            State::Allocated {
                expires,
                refresh_at,
                ..
            } => [Some(expires), refresh_at],
            _ => [None, None],
        };
        let leases = self
            .permissions
            .iter()
            .map(|p| p.lease)
            .chain(self.channels.iter().map(|c| c.lease))
            .filter_map(|l| l.next_deadline());
        transactions
            .chain(allocation.into_iter().flatten())
            .chain(leases)
            .min()
    }

    fn transmit(&self) -> Transmit {
        Transmit {
            source: self.config.local,
            destination: self.config.server,
        }
    }

    fn check_usable(&self, ip: IpAddr) -> Result<(), Error> {
        match self.state {
            State::Allocating => Ok(()),
            State::Allocated { relayed, .. } if relayed.is_ipv4() == ip.is_ipv4() => Ok(()),
            State::Allocated { .. } => Err(Error::FamilyMismatch(ip)),
            State::Failed | State::Closing | State::Closed => Err(Error::NotAllocated),
        }
    }

    fn handle_channel_data<'a>(&self, datagram: &'a [u8]) -> Received<'a> {
        let Ok(cd) = ChannelData::parse(datagram) else {
            return Received::Ignored;
        };
        // RFC 8656 §12: be ready for ChannelData as soon as the ChannelBind is sent.
        let Some(channel) = self.channels.iter().find(|c| c.number == cd.channel) else {
            return Received::Ignored;
        };
        Received::Data {
            peer: channel.peer,
            data: cd.data,
        }
    }

    fn handle_data_indication<'a>(&self, message: &Message<'a>) -> Received<'a> {
        let peer = match message.decode(AttributeType::XOR_PEER_ADDRESS) {
            Some(Ok(Attribute::XorPeerAddress(peer))) => peer,
            _ => return Received::Ignored,
        };
        // RFC 8656 §11.4: only from peers we asked a permission for.
        if !self.has_permission(peer.ip()) {
            return Received::Ignored;
        }
        match message.decode(AttributeType::DATA) {
            Some(Ok(Attribute::Data(data))) => Received::Data { peer, data },
            _ => Received::Ignored,
        }
    }

    /// Processes a response; false if it matched no transaction or failed authentication.
    fn handle_response(&mut self, now: Instant, message: &Message<'_>) -> bool {
        let id = message.transaction_id();
        let Some(index) = self
            .pending
            .iter()
            .position(|p| p.tx.transaction_id() == id)
        else {
            return false;
        };
        let error = message
            .error_code()
            .and_then(Result::ok)
            .map_or(0, |e| e.code);
        let authenticated = self.pending.get(index).is_some_and(|p| p.authenticated);
        let challenge = message.class() == Class::ErrorResponse && matches!(error, 401 | 438);
        if authenticated && !challenge {
            // RFC 8489 §9.2.5: a response to an authenticated request must carry a valid
            // MESSAGE-INTEGRITY; error responses without one are accepted (they can only fail
            // the request).
            let key = self.auth.as_ref().map(|a| &a.key);
            let valid = key.is_some_and(|k| message.verify_integrity(k).is_ok());
            if !valid && (message.class() == Class::SuccessResponse || message.has_integrity()) {
                return false;
            }
        }
        if !self
            .pending
            .get_mut(index)
            .is_some_and(|p| p.tx.handle_response(now, message))
        {
            return false;
        }
        let Pending {
            request,
            stale_retries,
            ..
        } = self.pending.remove(index);
        if message.class() == Class::SuccessResponse {
            self.on_success(now, request, message);
            return true;
        }
        match error {
            401 if !authenticated => {
                if self.learn_challenge(message) {
                    self.start(now, request, stale_retries);
                } else {
                    self.on_failure(now, request, Failure::ErrorResponse(401));
                }
            }
            438 if stale_retries < MAX_STALE_NONCE_RETRIES && self.learn_challenge(message) => {
                self.start(now, request, stale_retries + 1);
            }
            code => self.on_failure(now, request, Failure::ErrorResponse(code)),
        }
        true
    }

    /// Takes REALM and NONCE from a 401/438 (RFC 8489 §9.2.5). False if they are missing.
    fn learn_challenge(&mut self, message: &Message<'_>) -> bool {
        let nonce = message.nonce().and_then(Result::ok);
        let realm = message
            .realm()
            .and_then(Result::ok)
            .or(self.auth.as_ref().map(|a| a.realm.as_str()));
        let (Some(nonce), Some(realm)) = (nonce, realm) else {
            return false;
        };
        let key = IntegrityKey::long_term(&self.config.username, realm, &self.config.password);
        self.auth = Some(Auth {
            realm: realm.to_owned(),
            nonce: nonce.to_owned(),
            key,
        });
        true
    }

    fn on_success(&mut self, now: Instant, request: Request, message: &Message<'_>) {
        let lifetime = match message.decode(AttributeType::LIFETIME) {
            Some(Ok(Attribute::Lifetime(secs))) => Some(Duration::from_secs(u64::from(secs))),
            _ => None,
        };
        match request {
            Request::Allocate => {
                if self.state != State::Allocating {
                    return;
                }
                let relayed = match message.decode(AttributeType::XOR_RELAYED_ADDRESS) {
                    Some(Ok(Attribute::XorRelayedAddress(a))) => a,
                    _ => {
                        self.state = State::Failed;
                        self.events
                            .push_back(Event::AllocationFailed(Failure::BadResponse));
                        return;
                    }
                };
                let mapped = message.xor_mapped_address().and_then(Result::ok);
                let lifetime = lifetime.unwrap_or(DEFAULT_LIFETIME);
                self.state = State::Allocated {
                    relayed,
                    mapped,
                    expires: now + lifetime,
                    refresh_at: Some(now + refresh_delay(lifetime)),
                };
                self.events.push_back(Event::Allocated {
                    relayed,
                    mapped,
                    lifetime,
                });
                // Permissions asked for while allocating leave now (and ones of the other
                // family are dropped).
                self.permissions
                    .retain(|p| p.ip.is_ipv4() == relayed.is_ipv4());
                let waiting: Vec<IpAddr> = self.permissions.iter().map(|p| p.ip).collect();
                for p in &mut self.permissions {
                    p.lease.in_flight = true;
                    p.lease.refresh_at = None;
                }
                for ip in waiting {
                    self.start(now, Request::CreatePermission(ip), 0);
                }
            }
            Request::Refresh { lifetime: 0 } => self.finish_closing(),
            Request::Refresh { .. } => {
                if let State::Allocated {
                    expires,
                    refresh_at,
                    ..
                } = &mut self.state
                {
                    let granted = lifetime.unwrap_or(DEFAULT_LIFETIME);
                    *expires = now + granted;
                    *refresh_at = Some(now + refresh_delay(granted));
                    self.events.push_back(Event::Refreshed(granted));
                }
            }
            Request::CreatePermission(ip) => {
                if let Some(p) = self.permissions.iter_mut().find(|p| p.ip == ip) {
                    p.lease.granted(now, PERMISSION_LIFETIME);
                    self.events.push_back(Event::PermissionCreated(ip));
                }
            }
            Request::ChannelBind { channel, peer } => {
                if let Some(c) = self.channels.iter_mut().find(|c| c.number == channel) {
                    let first = !c.lease.installed;
                    c.lease.granted(now, CHANNEL_LIFETIME);
                    if first {
                        self.events.push_back(Event::ChannelBound { peer, channel });
                    }
                }
                // The binding installed (or refreshed) the peer's permission too (§12.2).
                if let Some(p) = self.permissions.iter_mut().find(|p| p.ip == peer.ip()) {
                    let first = !p.lease.installed;
                    let refresh_pending = p.lease.in_flight;
                    p.lease.granted(now, PERMISSION_LIFETIME);
                    p.lease.in_flight = refresh_pending;
                    if first {
                        self.events.push_back(Event::PermissionCreated(peer.ip()));
                    }
                }
            }
        }
    }

    fn on_failure(&mut self, now: Instant, request: Request, failure: Failure) {
        match request {
            Request::Allocate => {
                if self.state == State::Allocating {
                    self.state = State::Failed;
                    self.permissions.clear();
                    self.events.push_back(Event::AllocationFailed(failure));
                }
            }
            Request::Refresh { lifetime: 0 } => self.finish_closing(),
            Request::Refresh { .. } => {
                if failure == Failure::ErrorResponse(437) {
                    self.lose_allocation();
                } else if let State::Allocated {
                    expires,
                    refresh_at,
                    ..
                } = &mut self.state
                {
                    // Try again while the allocation lives.
                    *refresh_at = Some((now + REFRESH_RETRY).min(*expires));
                }
            }
            Request::CreatePermission(ip) => {
                if failure == Failure::ErrorResponse(437) {
                    return self.lose_allocation();
                }
                if let Some(i) = self.permissions.iter().position(|p| p.ip == ip) {
                    let installed = self.permissions.get(i).is_some_and(|p| p.lease.installed);
                    if installed {
                        // Still valid until it expires; try the refresh again later.
                        if let Some(p) = self.permissions.get_mut(i) {
                            p.lease.in_flight = false;
                            p.lease.refresh_at = Some(now + REFRESH_RETRY);
                        }
                    } else {
                        self.permissions.remove(i);
                        self.channels.retain(|c| c.peer.ip() != ip);
                    }
                }
                self.events.push_back(Event::PermissionFailed(ip, failure));
            }
            Request::ChannelBind { channel, peer } => {
                if failure == Failure::ErrorResponse(437) {
                    return self.lose_allocation();
                }
                if let Some(i) = self.channels.iter().position(|c| c.number == channel) {
                    let installed = self.channels.get(i).is_some_and(|c| c.lease.installed);
                    if installed {
                        if let Some(c) = self.channels.get_mut(i) {
                            c.lease.in_flight = false;
                            c.lease.refresh_at = Some(now + REFRESH_RETRY);
                        }
                    } else {
                        self.channels.remove(i);
                    }
                }
                // A permission that only this binding would have installed is dropped.
                let orphan = self
                    .permissions
                    .iter()
                    .position(|p| p.ip == peer.ip() && !p.lease.installed && !p.lease.in_flight);
                if let Some(i) = orphan
                    && !self.channels.iter().any(|c| c.peer.ip() == peer.ip())
                {
                    self.permissions.remove(i);
                }
                self.events
                    .push_back(Event::ChannelBindFailed(peer, failure));
            }
        }
    }

    fn lose_allocation(&mut self) {
        if matches!(self.state, State::Allocated { .. }) {
            self.state = State::Failed;
            self.permissions.clear();
            self.channels.clear();
            self.pending.clear();
            self.events.push_back(Event::AllocationLost);
        }
    }

    fn finish_closing(&mut self) {
        if self.state != State::Closed {
            self.state = State::Closed;
            self.pending.clear();
            self.events.push_back(Event::Closed);
        }
    }

    /// Builds and starts a transaction for `request`.
    fn start(&mut self, now: Instant, request: Request, stale_retries: u8) {
        let id = TransactionId::random(&mut self.rng);
        let mut buf = Vec::with_capacity(128);
        if build_request(&mut buf, request, id, &self.config, self.auth.as_ref()).is_err() {
            return;
        }
        let Ok(tx) = ClientTransaction::new(
            now,
            &buf,
            Some(self.config.local),
            self.config.server,
            self.config.transaction,
        ) else {
            return;
        };
        self.pending.push(Pending {
            request,
            tx,
            authenticated: self.auth.is_some(),
            stale_retries,
        });
    }
}

fn duration_secs(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

fn build_request(
    out: &mut Vec<u8>,
    request: Request,
    id: TransactionId,
    config: &ClientConfig,
    auth: Option<&Auth>,
) -> Result<(), sansrtc_stun::Error> {
    let mut b = MessageBuilder::new(out, Class::Request, request.method(), id);
    match request {
        Request::Allocate => {
            b.add(&Attribute::RequestedTransport(UDP))?;
            if let Some(family) = config.requested_family {
                b.add(&Attribute::RequestedAddressFamily(family))?;
            }
            b.add(&Attribute::Lifetime(duration_secs(config.lifetime)))?;
        }
        Request::Refresh { lifetime } => b.add(&Attribute::Lifetime(lifetime))?,
        Request::CreatePermission(ip) => {
            b.add(&Attribute::XorPeerAddress(SocketAddr::new(ip, 0)))?;
        }
        Request::ChannelBind { channel, peer } => {
            b.add(&Attribute::ChannelNumber(channel))?;
            b.add(&Attribute::XorPeerAddress(peer))?;
        }
    }
    if let (Some(software), Request::Allocate | Request::Refresh { .. }) =
        (&config.software, request)
    {
        b.add(&Attribute::Software(software))?;
    }
    if let Some(auth) = auth {
        b.add(&Attribute::Username(&config.username))?;
        b.add(&Attribute::Realm(&auth.realm))?;
        b.add(&Attribute::Nonce(&auth.nonce))?;
        b.add_message_integrity(&auth.key)?;
    }
    b.add_fingerprint()?;
    Ok(())
}
