//! A simulated TURN server node (RFC 8656 over UDP) for ICE and TURN tests: long-term
//! credentials with realm and nonce (RFC 8489 §9.2), Allocate/Refresh/CreatePermission/
//! ChannelBind, Send and Data indications, ChannelData, permission and channel lifetimes, and
//! Binding requests answered like a STUN server. Relayed addresses are ports on the server's own
//! IP; lifetimes are checked when a message touches them (no timers).
//!
//! It builds and parses messages with `sansrtc-stun` (RFC 5769-tested), but its TURN logic is
//! its own, independent of `sansrtc-turn`, so that the client is tested against a second
//! implementation. Test support: it is strict where a real server is (a request without
//! credentials gets 401, a bad MESSAGE-INTEGRITY 401, an expired nonce 438, a missing
//! allocation 437) and simple elsewhere (one realm, static users, no quotas but a maximum
//! number of allocations).

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use sansrtc_stun::{
    Attribute, AttributeType, Class, ErrorCode, IntegrityKey, Message, MessageBuilder, Method,
    TransactionId,
};

use crate::{Datagram, Node};

const PERMISSION_LIFETIME: Duration = Duration::from_secs(300);
const CHANNEL_LIFETIME: Duration = Duration::from_secs(600);
const DEFAULT_LIFETIME: u32 = 600;
const MAX_LIFETIME: u32 = 3600;

/// Counters of a [`TurnServer`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TurnServerStats {
    /// Allocations created.
    pub allocations: u64,
    /// Allocations deleted by a Refresh with LIFETIME 0.
    pub deleted: u64,
    /// Refresh requests that kept an allocation alive.
    pub refreshes: u64,
    /// 401 challenges sent (no or bad credentials).
    pub challenges: u64,
    /// 438 (Stale Nonce) responses sent.
    pub stale_nonces: u64,
    /// Permissions installed or refreshed (by CreatePermission or ChannelBind).
    pub permissions: u64,
    /// Channels bound or refreshed.
    pub channel_binds: u64,
    /// Datagrams relayed from a client to a peer (Send indication or ChannelData).
    pub relayed_to_peers: u64,
    /// Of those, the ones that came as ChannelData.
    pub channel_data_from_clients: u64,
    /// Datagrams relayed from a peer to a client.
    pub relayed_to_clients: u64,
    /// Of those, the ones that went as ChannelData.
    pub channel_data_to_clients: u64,
    /// Datagrams dropped: no permission, unknown allocation or channel, expired state.
    pub dropped: u64,
    /// Binding requests answered.
    pub bindings: u64,
}

#[derive(Clone, Debug)]
struct Allocation {
    /// The client's transport address as the server sees it (the 5-tuple's client side).
    client: SocketAddr,
    relayed_port: u16,
    username: String,
    expires: Instant,
    /// The transaction that created it, so a retransmitted Allocate gets the same answer.
    created_by: TransactionId,
    permissions: Vec<(IpAddr, Instant)>,
    channels: Vec<(u16, SocketAddr, Instant)>,
}

impl Allocation {
    fn permitted(&self, now: Instant, ip: IpAddr) -> bool {
        self.permissions
            .iter()
            .any(|&(p, expires)| p == ip && now < expires)
    }

    fn permit(&mut self, now: Instant, ip: IpAddr) {
        self.permissions
            .retain(|&(p, expires)| p != ip && now < expires);
        self.permissions.push((ip, now + PERMISSION_LIFETIME));
    }

    fn channel_of_peer(&self, now: Instant, peer: SocketAddr) -> Option<u16> {
        self.channels
            .iter()
            .find(|&&(_, p, expires)| p == peer && now < expires)
            .map(|&(n, _, _)| n)
    }

    fn peer_of_channel(&self, now: Instant, number: u16) -> Option<SocketAddr> {
        self.channels
            .iter()
            .find(|&&(n, _, expires)| n == number && now < expires)
            .map(|&(_, p, _)| p)
    }
}

/// A TURN server on `ip:3478` (and every relayed port on `ip`).
#[derive(Clone, Debug)]
pub struct TurnServer {
    ip: IpAddr,
    port: u16,
    realm: String,
    users: Vec<(String, String)>,
    nonce_lifetime: Option<Duration>,
    /// Nonces handed out: (value, issued at).
    nonces: VecDeque<(String, Instant)>,
    nonce_counter: u64,
    allocations: Vec<Allocation>,
    max_allocations: usize,
    next_relay_port: u16,
    indication_counter: u64,
    outbox: VecDeque<Datagram>,
    stats: TurnServerStats,
}

impl TurnServer {
    /// A server on `ip`, port 3478, realm `realm`, with one static user.
    pub fn new(ip: IpAddr, realm: &str, username: &str, password: &str) -> Self {
        Self {
            ip,
            port: 3478,
            realm: realm.to_owned(),
            users: vec![(username.to_owned(), password.to_owned())],
            nonce_lifetime: None,
            nonces: VecDeque::new(),
            nonce_counter: 0,
            allocations: Vec::new(),
            max_allocations: 64,
            next_relay_port: 50_000,
            indication_counter: 0,
            outbox: VecDeque::new(),
            stats: TurnServerStats::default(),
        }
    }

    /// Nonces expire this long after they are issued; requests with an older one get 438
    /// (Stale Nonce). Default: never.
    #[must_use]
    pub fn with_nonce_lifetime(mut self, lifetime: Duration) -> Self {
        self.nonce_lifetime = Some(lifetime);
        self
    }

    /// The server's transport address clients talk to.
    pub fn address(&self) -> SocketAddr {
        SocketAddr::new(self.ip, self.port)
    }

    /// The counters.
    pub fn stats(&self) -> TurnServerStats {
        self.stats
    }

    /// Live allocations at `now`.
    pub fn allocation_count(&self, now: Instant) -> usize {
        self.allocations.iter().filter(|a| now < a.expires).count()
    }

    /// The relayed address of the allocation for `client`, if one lives.
    pub fn relayed_address_of(&self, now: Instant, client: SocketAddr) -> Option<SocketAddr> {
        self.allocations
            .iter()
            .find(|a| a.client == client && now < a.expires)
            .map(|a| SocketAddr::new(self.ip, a.relayed_port))
    }

    fn expire(&mut self, now: Instant) {
        self.allocations.retain(|a| now < a.expires);
    }

    fn fresh_nonce(&mut self, now: Instant) -> String {
        self.nonce_counter += 1;
        let nonce = format!(
            "nonce-{:016x}",
            self.nonce_counter.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        );
        self.nonces.push_back((nonce.clone(), now));
        while self.nonces.len() > 256 {
            self.nonces.pop_front();
        }
        nonce
    }

    fn nonce_state(&self, now: Instant, nonce: &str) -> Option<bool> {
        let &(_, issued) = self.nonces.iter().find(|(n, _)| n == nonce)?;
        Some(
            self.nonce_lifetime
                .is_none_or(|lifetime| now < issued + lifetime),
        )
    }

    fn send(&mut self, source: SocketAddr, destination: SocketAddr, payload: Vec<u8>) {
        self.outbox
            .push_back(Datagram::new(source, destination, payload));
    }

    fn respond_error(
        &mut self,
        now: Instant,
        client: SocketAddr,
        request: &Message<'_>,
        error: ErrorCode<'_>,
        key: Option<&IntegrityKey>,
    ) {
        let challenge = matches!(error.code, 401 | 438);
        let nonce = challenge.then(|| self.fresh_nonce(now));
        let mut out = Vec::new();
        let mut b = MessageBuilder::new(
            &mut out,
            Class::ErrorResponse,
            request.method(),
            request.transaction_id(),
        );
        let _ = b.add(&Attribute::ErrorCode(error));
        if let Some(nonce) = &nonce {
            let _ = b.add(&Attribute::Realm(&self.realm));
            let _ = b.add(&Attribute::Nonce(nonce));
        }
        if let Some(key) = key {
            let _ = b.add_message_integrity(key);
        }
        let _ = b.add_fingerprint();
        let source = self.address();
        self.send(source, client, out);
    }

    fn respond_success(
        &mut self,
        client: SocketAddr,
        request: &Message<'_>,
        key: &IntegrityKey,
        attributes: &[Attribute<'_>],
    ) {
        let mut out = Vec::new();
        let mut b = MessageBuilder::new(
            &mut out,
            Class::SuccessResponse,
            request.method(),
            request.transaction_id(),
        );
        for attribute in attributes {
            let _ = b.add(attribute);
        }
        let _ = b.add_message_integrity(key);
        let _ = b.add_fingerprint();
        let source = self.address();
        self.send(source, client, out);
    }

    /// Authenticates a request with the long-term credential mechanism (RFC 8489 §9.2.4).
    /// Sends the challenge and returns `None` when it fails.
    fn authenticate(
        &mut self,
        now: Instant,
        client: SocketAddr,
        request: &Message<'_>,
    ) -> Option<(String, IntegrityKey)> {
        let username = request.username().and_then(Result::ok);
        let nonce = request.nonce().and_then(Result::ok);
        let realm = request.realm().and_then(Result::ok);
        let (Some(username), Some(nonce), Some(realm), true) =
            (username, nonce, realm, request.has_integrity())
        else {
            self.stats.challenges += 1;
            self.respond_error(now, client, request, ErrorCode::UNAUTHENTICATED, None);
            return None;
        };
        let password = self
            .users
            .iter()
            .find(|(u, _)| u == username)
            .map(|(_, p)| p.clone());
        let key = password.map(|p| IntegrityKey::long_term(username, realm, &p));
        let valid = realm == self.realm
            && key
                .as_ref()
                .is_some_and(|k| request.verify_integrity(k).is_ok());
        if !valid {
            self.stats.challenges += 1;
            self.respond_error(now, client, request, ErrorCode::UNAUTHENTICATED, None);
            return None;
        }
        match self.nonce_state(now, nonce) {
            Some(true) => key.map(|k| (username.to_owned(), k)),
            _ => {
                self.stats.stale_nonces += 1;
                self.respond_error(now, client, request, ErrorCode::STALE_NONCE, key.as_ref());
                None
            }
        }
    }

    fn handle_client(&mut self, now: Instant, client: SocketAddr, payload: &[u8]) {
        if let Some(&first) = payload.first()
            && (0x40..=0x4F).contains(&first)
        {
            return self.client_channel_data(now, client, payload);
        }
        let Ok(request) = Message::parse(payload) else {
            self.stats.dropped += 1;
            return;
        };
        if request.has_fingerprint() && request.verify_fingerprint().is_err() {
            self.stats.dropped += 1;
            return;
        }
        match (request.class(), request.method()) {
            (Class::Request, Method::BINDING) => {
                self.stats.bindings += 1;
                let mut out = Vec::new();
                let mut b = MessageBuilder::new(
                    &mut out,
                    Class::SuccessResponse,
                    Method::BINDING,
                    request.transaction_id(),
                );
                let _ = b.add(&Attribute::XorMappedAddress(client));
                let _ = b.add_fingerprint();
                let source = self.address();
                self.send(source, client, out);
            }
            (Class::Indication, Method::SEND) => self.send_indication(now, client, &request),
            (Class::Request, method) => {
                let Some((username, key)) = self.authenticate(now, client, &request) else {
                    return;
                };
                match method {
                    Method::ALLOCATE => self.allocate(now, client, &request, username, key),
                    Method::REFRESH => self.refresh(now, client, &request, &key),
                    Method::CREATE_PERMISSION => {
                        self.create_permission(now, client, &request, &key)
                    }
                    Method::CHANNEL_BIND => self.channel_bind(now, client, &request, &key),
                    _ => self.respond_error(
                        now,
                        client,
                        &request,
                        ErrorCode::BAD_REQUEST,
                        Some(&key),
                    ),
                }
            }
            _ => self.stats.dropped += 1,
        }
    }

    fn allocate(
        &mut self,
        now: Instant,
        client: SocketAddr,
        request: &Message<'_>,
        username: String,
        key: IntegrityKey,
    ) {
        if let Some(existing) = self.allocations.iter().find(|a| a.client == client) {
            if existing.created_by == request.transaction_id() {
                // A retransmission: the same answer again (RFC 8656 §7.2).
                let relayed = SocketAddr::new(self.ip, existing.relayed_port);
                let lifetime = existing.expires.saturating_duration_since(now).as_secs();
                let lifetime = u32::try_from(lifetime).unwrap_or(DEFAULT_LIFETIME);
                return self.respond_success(
                    client,
                    request,
                    &key,
                    &[
                        Attribute::XorRelayedAddress(relayed),
                        Attribute::XorMappedAddress(client),
                        Attribute::Lifetime(lifetime),
                    ],
                );
            }
            return self.respond_error(
                now,
                client,
                request,
                ErrorCode::new(437, "Allocation Mismatch"),
                Some(&key),
            );
        }
        match request.decode(AttributeType::REQUESTED_TRANSPORT) {
            Some(Ok(Attribute::RequestedTransport(17))) => {}
            Some(Ok(_)) => {
                return self.respond_error(
                    now,
                    client,
                    request,
                    ErrorCode::new(442, "Unsupported Transport Protocol"),
                    Some(&key),
                );
            }
            _ => {
                return self.respond_error(
                    now,
                    client,
                    request,
                    ErrorCode::BAD_REQUEST,
                    Some(&key),
                );
            }
        }
        if self.allocations.len() >= self.max_allocations {
            return self.respond_error(
                now,
                client,
                request,
                ErrorCode::new(486, "Allocation Quota Reached"),
                Some(&key),
            );
        }
        let lifetime = requested_lifetime(request);
        let relayed_port = self.next_relay_port;
        self.next_relay_port = self.next_relay_port.wrapping_add(1).max(50_000);
        self.allocations.push(Allocation {
            client,
            relayed_port,
            username,
            expires: now + Duration::from_secs(u64::from(lifetime)),
            created_by: request.transaction_id(),
            permissions: Vec::new(),
            channels: Vec::new(),
        });
        self.stats.allocations += 1;
        let relayed = SocketAddr::new(self.ip, relayed_port);
        self.respond_success(
            client,
            request,
            &key,
            &[
                Attribute::XorRelayedAddress(relayed),
                Attribute::XorMappedAddress(client),
                Attribute::Lifetime(lifetime),
            ],
        );
    }

    /// The allocation of `client`, checking that the request used its username (RFC 8656 §5:
    /// else 441). Sends 437/441 and returns `None` when there is none.
    fn allocation_for(
        &mut self,
        now: Instant,
        client: SocketAddr,
        request: &Message<'_>,
        key: &IntegrityKey,
    ) -> Option<usize> {
        let username = request.username().and_then(Result::ok).unwrap_or_default();
        match self.allocations.iter().position(|a| a.client == client) {
            Some(i)
                if self
                    .allocations
                    .get(i)
                    .is_some_and(|a| a.username == username) =>
            {
                Some(i)
            }
            Some(_) => {
                self.respond_error(
                    now,
                    client,
                    request,
                    ErrorCode::new(441, "Wrong Credentials"),
                    Some(key),
                );
                None
            }
            None => {
                self.respond_error(
                    now,
                    client,
                    request,
                    ErrorCode::new(437, "Allocation Mismatch"),
                    Some(key),
                );
                None
            }
        }
    }

    fn refresh(
        &mut self,
        now: Instant,
        client: SocketAddr,
        request: &Message<'_>,
        key: &IntegrityKey,
    ) {
        let Some(i) = self.allocation_for(now, client, request, key) else {
            return;
        };
        let lifetime = requested_lifetime(request);
        if lifetime == 0 {
            self.allocations.remove(i);
            self.stats.deleted += 1;
        } else if let Some(a) = self.allocations.get_mut(i) {
            a.expires = now + Duration::from_secs(u64::from(lifetime));
            self.stats.refreshes += 1;
        }
        self.respond_success(client, request, key, &[Attribute::Lifetime(lifetime)]);
    }

    fn create_permission(
        &mut self,
        now: Instant,
        client: SocketAddr,
        request: &Message<'_>,
        key: &IntegrityKey,
    ) {
        let Some(i) = self.allocation_for(now, client, request, key) else {
            return;
        };
        let peers: Vec<IpAddr> = request
            .typed_attributes()
            .filter_map(|a| match a {
                Ok(Attribute::XorPeerAddress(p)) => Some(p.ip()),
                _ => None,
            })
            .collect();
        if peers.is_empty() {
            return self.respond_error(now, client, request, ErrorCode::BAD_REQUEST, Some(key));
        }
        let relayed_v4 = self.ip.is_ipv4();
        if peers.iter().any(|p| p.is_ipv4() != relayed_v4) {
            return self.respond_error(
                now,
                client,
                request,
                ErrorCode::new(443, "Peer Address Family Mismatch"),
                Some(key),
            );
        }
        if let Some(a) = self.allocations.get_mut(i) {
            for ip in peers {
                a.permit(now, ip);
                self.stats.permissions += 1;
            }
        }
        self.respond_success(client, request, key, &[]);
    }

    fn channel_bind(
        &mut self,
        now: Instant,
        client: SocketAddr,
        request: &Message<'_>,
        key: &IntegrityKey,
    ) {
        let Some(i) = self.allocation_for(now, client, request, key) else {
            return;
        };
        let number = match request.decode(AttributeType::CHANNEL_NUMBER) {
            Some(Ok(Attribute::ChannelNumber(n))) => n,
            _ => {
                return self.respond_error(now, client, request, ErrorCode::BAD_REQUEST, Some(key));
            }
        };
        let peer = match request.decode(AttributeType::XOR_PEER_ADDRESS) {
            Some(Ok(Attribute::XorPeerAddress(p))) => p,
            _ => {
                return self.respond_error(now, client, request, ErrorCode::BAD_REQUEST, Some(key));
            }
        };
        let Some(a) = self.allocations.get_mut(i) else {
            return;
        };
        a.channels.retain(|&(_, _, expires)| now < expires);
        let conflict = a
            .channels
            .iter()
            .any(|&(n, p, _)| (n == number) != (p == peer));
        if !(0x4000..=0x4FFF).contains(&number) || conflict {
            return self.respond_error(now, client, request, ErrorCode::BAD_REQUEST, Some(key));
        }
        a.channels.retain(|&(n, _, _)| n != number);
        a.channels.push((number, peer, now + CHANNEL_LIFETIME));
        a.permit(now, peer.ip());
        self.stats.channel_binds += 1;
        self.stats.permissions += 1;
        self.respond_success(client, request, key, &[]);
    }

    fn send_indication(&mut self, now: Instant, client: SocketAddr, indication: &Message<'_>) {
        let peer = match indication.decode(AttributeType::XOR_PEER_ADDRESS) {
            Some(Ok(Attribute::XorPeerAddress(p))) => p,
            _ => return self.stats.dropped += 1,
        };
        let data = match indication.decode(AttributeType::DATA) {
            Some(Ok(Attribute::Data(d))) => d.to_vec(),
            _ => return self.stats.dropped += 1,
        };
        let relay = self
            .allocations
            .iter()
            .find(|a| a.client == client && a.permitted(now, peer.ip()))
            .map(|a| SocketAddr::new(self.ip, a.relayed_port));
        match relay {
            Some(source) => {
                self.stats.relayed_to_peers += 1;
                self.send(source, peer, data);
            }
            None => self.stats.dropped += 1,
        }
    }

    fn client_channel_data(&mut self, now: Instant, client: SocketAddr, payload: &[u8]) {
        let (Some(header), rest) = (payload.first_chunk::<4>(), payload.get(4..)) else {
            return self.stats.dropped += 1;
        };
        let [c0, c1, l0, l1] = *header;
        let number = u16::from_be_bytes([c0, c1]);
        let length = usize::from(u16::from_be_bytes([l0, l1]));
        let Some(data) = rest.and_then(|r| r.get(..length)) else {
            return self.stats.dropped += 1;
        };
        let target = self
            .allocations
            .iter()
            .find(|a| a.client == client)
            .and_then(|a| {
                let peer = a.peer_of_channel(now, number)?;
                a.permitted(now, peer.ip())
                    .then(|| (SocketAddr::new(self.ip, a.relayed_port), peer))
            });
        match target {
            Some((source, peer)) => {
                self.stats.relayed_to_peers += 1;
                self.stats.channel_data_from_clients += 1;
                self.send(source, peer, data.to_vec());
            }
            None => self.stats.dropped += 1,
        }
    }

    fn handle_peer(&mut self, now: Instant, peer: SocketAddr, relayed_port: u16, payload: &[u8]) {
        let Some(a) = self
            .allocations
            .iter()
            .find(|a| a.relayed_port == relayed_port)
        else {
            return self.stats.dropped += 1;
        };
        if !a.permitted(now, peer.ip()) {
            return self.stats.dropped += 1;
        }
        let client = a.client;
        let message = match a.channel_of_peer(now, peer) {
            Some(number) => {
                self.stats.channel_data_to_clients += 1;
                let mut out = Vec::with_capacity(4 + payload.len());
                out.extend_from_slice(&number.to_be_bytes());
                out.extend_from_slice(&u16::try_from(payload.len()).unwrap_or(0).to_be_bytes());
                out.extend_from_slice(payload);
                out
            }
            None => {
                self.indication_counter += 1;
                let mut id = [0u8; 12];
                for (byte, counter) in id
                    .iter_mut()
                    .rev()
                    .zip(self.indication_counter.to_le_bytes())
                {
                    *byte = counter;
                }
                let mut out = Vec::new();
                let mut b = MessageBuilder::new(
                    &mut out,
                    Class::Indication,
                    Method::DATA,
                    TransactionId::new(id),
                );
                let _ = b.add(&Attribute::XorPeerAddress(peer));
                if b.add(&Attribute::Data(payload)).is_err() {
                    return self.stats.dropped += 1;
                }
                out
            }
        };
        self.stats.relayed_to_clients += 1;
        let source = self.address();
        self.send(source, client, message);
    }
}

/// The lifetime the server grants (RFC 8656 §7.2, §8.2): zero when asked, else the request
/// clamped to [default, maximum].
fn requested_lifetime(request: &Message<'_>) -> u32 {
    match request.decode(AttributeType::LIFETIME) {
        Some(Ok(Attribute::Lifetime(0))) if request.method() == Method::REFRESH => 0,
        Some(Ok(Attribute::Lifetime(secs))) => secs.clamp(DEFAULT_LIFETIME, MAX_LIFETIME),
        _ => DEFAULT_LIFETIME,
    }
}

impl Node for TurnServer {
    fn handle_datagram(&mut self, now: Instant, datagram: Datagram) {
        self.expire(now);
        if datagram.destination.port() == self.port {
            self.handle_client(now, datagram.source, &datagram.payload);
        } else {
            self.handle_peer(
                now,
                datagram.source,
                datagram.destination.port(),
                &datagram.payload,
            );
        }
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Datagram> {
        self.outbox.pop_front()
    }
}
