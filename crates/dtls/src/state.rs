//! The handshake as a chain of states, one type per state (rustls style): each holds only what
//! that point of the handshake needs and has one `handle` that consumes it and returns the next
//! state. [`State`] is the enum the endpoint keeps; [`State::handle`] dispatches.
//!
//! ```text
//! client                                              server
//! ClientStart --ClientHello-->                        ExpectClientHello
//!  ExpectServerHello <--HelloVerifyRequest-- (stateless, optional; the client re-sends with cookie)
//!  ExpectServerHello <--ServerHello--                  (answers)
//!  ExpectCertificate <--Certificate--
//!  ExpectServerKeyExchange <--ServerKeyExchange--
//!  ExpectCertificateRequest <--CertificateRequest--
//!  ExpectServerHelloDone <--ServerHelloDone--          ExpectCertificate
//!  --Certificate, ClientKeyExchange, CertificateVerify, [CCS], Finished-->
//!  ExpectFinished                                      ExpectClientKeyExchange ... ExpectFinished
//!  Connected <--[CCS], Finished--                      Connected
//! ```
//!
//! The endpoint ([`crate::Dtls`]) feeds each reassembled message exactly once, in
//! `message_seq` order, after appending it to the transcript; a state that must not hash a
//! message (a cookie-less ClientHello, a HelloVerifyRequest, RFC 6347 §4.2.6) truncates the
//! transcript back to [`Meta::transcript_before`].

use std::time::Instant;

use sansrtc_crypto::sign::{PublicKey, SignatureScheme};

use crate::Error;
use crate::cert::PeerCertificate;
use crate::client;
use crate::connection::{Context, Negotiated, PeerAuth};
use crate::handshake::{DigitallySigned, Message, Random};
use crate::keys::MasterSecret;
use crate::server;

/// What the endpoint knows about the message it hands to a state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meta<'a> {
    /// Its `message_seq`.
    pub message_seq: u16,
    /// The epoch of the records that carried it.
    pub epoch: u16,
    /// The record sequence number of its first fragment (a stateless HelloVerifyRequest echoes
    /// it, §4.2.1).
    pub record_seq: u64,
    /// Transcript length before this message was appended.
    pub transcript_before: usize,
    /// The reassembled body as received (the server's cookie covers the ClientHello's bytes).
    pub raw_body: &'a [u8],
}

/// The handshake done: what the connected endpoint keeps.
#[derive(Debug)]
pub(crate) struct Established {
    pub negotiated: Negotiated,
    pub master: MasterSecret,
}

/// Every state of both roles.
#[derive(Debug)]
pub(crate) enum State {
    /// A client that has not sent its ClientHello yet (it does on the first call).
    ClientStart,
    ClientExpectServerHello(client::ExpectServerHello),
    ClientExpectCertificate(client::ExpectCertificate),
    ClientExpectServerKeyExchange(client::ExpectServerKeyExchange),
    ClientExpectCertificateRequest(client::ExpectCertificateRequest),
    ClientExpectServerHelloDone(client::ExpectServerHelloDone),
    ClientExpectFinished(client::ExpectFinished),
    ServerExpectClientHello(server::ExpectClientHello),
    ServerExpectCertificate(server::ExpectCertificate),
    ServerExpectClientKeyExchange(server::ExpectClientKeyExchange),
    ServerExpectCertificateVerify(server::ExpectCertificateVerify),
    ServerExpectFinished(server::ExpectFinished),
    /// The handshake completed (the peer certificate may still await its fingerprint).
    Connected(Established),
}

impl State {
    /// A name for logs and `Debug`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ClientStart => "ClientStart",
            Self::ClientExpectServerHello(_) => "ClientExpectServerHello",
            Self::ClientExpectCertificate(_) => "ClientExpectCertificate",
            Self::ClientExpectServerKeyExchange(_) => "ClientExpectServerKeyExchange",
            Self::ClientExpectCertificateRequest(_) => "ClientExpectCertificateRequest",
            Self::ClientExpectServerHelloDone(_) => "ClientExpectServerHelloDone",
            Self::ClientExpectFinished(_) => "ClientExpectFinished",
            Self::ServerExpectClientHello(_) => "ServerExpectClientHello",
            Self::ServerExpectCertificate(_) => "ServerExpectCertificate",
            Self::ServerExpectClientKeyExchange(_) => "ServerExpectClientKeyExchange",
            Self::ServerExpectCertificateVerify(_) => "ServerExpectCertificateVerify",
            Self::ServerExpectFinished(_) => "ServerExpectFinished",
            Self::Connected(_) => "Connected",
        }
    }

    /// Whether a server still waits for its first (valid) ClientHello.
    pub fn is_server_start(&self) -> bool {
        matches!(self, Self::ServerExpectClientHello(_))
    }

    /// Feeds one whole handshake message; returns the next state.
    pub fn handle(
        self,
        cx: &mut Context,
        now: Instant,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<Self, Error> {
        match self {
            Self::ClientStart => Err(unexpected("nothing (ClientHello not sent)", &message)),
            Self::ClientExpectServerHello(s) => s.handle(cx, now, message, meta),
            Self::ClientExpectCertificate(s) => s.handle(cx, message, meta),
            Self::ClientExpectServerKeyExchange(s) => s.handle(cx, message, meta),
            Self::ClientExpectCertificateRequest(s) => s.handle(cx, now, message, meta),
            Self::ClientExpectServerHelloDone(s) => s.handle(cx, now, message, meta),
            Self::ClientExpectFinished(s) => s.handle(cx, message, meta),
            Self::ServerExpectClientHello(s) => s.handle(cx, now, message, meta),
            Self::ServerExpectCertificate(s) => s.handle(cx, message, meta),
            Self::ServerExpectClientKeyExchange(s) => s.handle(cx, message, meta),
            Self::ServerExpectCertificateVerify(s) => s.handle(cx, message, meta),
            Self::ServerExpectFinished(s) => s.handle(cx, now, message, meta),
            Self::Connected(e) => connected_handle(cx, e, message),
        }
    }
}

/// A handshake message after the handshake: renegotiation attempts are refused with a warning
/// `no_renegotiation` alert (RFC 5746 §4.2 / RFC 5246 §7.2.2), anything else is a violation.
fn connected_handle(cx: &mut Context, e: Established, message: Message) -> Result<State, Error> {
    match message {
        Message::HelloRequest | Message::ClientHello(_) => {
            cx.refuse_renegotiation()?;
            Ok(State::Connected(e))
        }
        other => Err(unexpected("no handshake message (connected)", &other)),
    }
}

/// The error for a message the state does not expect.
pub(crate) fn unexpected(expected: &'static str, got: &Message) -> Error {
    Error::UnexpectedMessage {
        expected,
        got: got.name(),
    }
}

/// Handshake messages other than Finished travel in epoch 0, Finished in epoch 1 (we never
/// renegotiate, so no other epoch carries handshake messages).
pub(crate) fn check_epoch(meta: &Meta<'_>, message: &Message) -> Result<(), Error> {
    let want = if matches!(message, Message::Finished(_)) {
        1
    } else {
        0
    };
    if meta.epoch == want {
        Ok(())
    } else {
        Err(Error::UnexpectedMessage {
            expected: "handshake message in its epoch",
            got: message.name(),
        })
    }
}

/// Takes the peer's leaf certificate from a Certificate message, parses it, and checks its
/// fingerprint now if the caller already gave us the fingerprints (RFC 8122 §5; otherwise the
/// check waits for [`crate::Dtls::set_remote_fingerprints`]).
pub(crate) fn accept_peer_certificate(cx: &mut Context, chain: Vec<Vec<u8>>) -> Result<(), Error> {
    let leaf = chain
        .into_iter()
        .next()
        .ok_or(Error::BadCertificate("no certificate"))?;
    let cert = PeerCertificate::parse(leaf)?;
    cx.peer = PeerAuth::Pending(cert);
    cx.check_fingerprint()
}

/// Verifies a `DigitallySigned` from the peer over `message` with its certificate key;
/// returns the scheme it used.
pub(crate) fn verify_peer_signature(
    cx: &Context,
    signed: &DigitallySigned,
    message: &[u8],
) -> Result<SignatureScheme, Error> {
    let scheme = SignatureScheme::from_u16(signed.scheme)
        .filter(|s| cx.config.verify_schemes.contains(s))
        .ok_or(Error::IllegalParameter("signature scheme we did not offer"))?;
    let spki = cx
        .peer
        .certificate()
        .ok_or(Error::BadCertificate("no certificate"))?
        .spki
        .as_slice();
    cx.config
        .provider
        .verify_signature(scheme, PublicKey::Spki(spki), message, &signed.signature)
        .map_err(|_| Error::BadSignature)?;
    Ok(scheme)
}

/// The bytes a ServerKeyExchange signature covers (RFC 8422 §5.4).
pub(crate) fn ske_signed_bytes(
    client_random: &Random,
    server_random: &Random,
    params: &crate::handshake::EcdhParams,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 4 + params.public.len());
    out.extend_from_slice(client_random);
    out.extend_from_slice(server_random);
    params.encode(&mut out);
    out
}

/// Checks the peer's Finished `verify_data` in constant time (RFC 5246 §7.4.9).
pub(crate) fn check_finished(
    cx: &Context,
    e: &Established,
    label: &[u8],
    transcript_len: usize,
    received: &[u8],
) -> Result<(), Error> {
    let transcript = cx.transcript.get(..transcript_len).unwrap_or_default();
    let expected =
        e.master
            .verify_data(&cx.config.provider, e.negotiated.suite, label, transcript)?;
    if subtle::ConstantTimeEq::ct_eq(expected.as_slice(), received).into() {
        Ok(())
    } else {
        Err(Error::BadFinished)
    }
}

/// Our Finished message over the whole transcript so far.
pub(crate) fn our_finished(cx: &Context, e: &Established, label: &[u8]) -> Result<Message, Error> {
    let verify_data = e.master.verify_data(
        &cx.config.provider,
        e.negotiated.suite,
        label,
        &cx.transcript,
    )?;
    Ok(Message::Finished(verify_data.to_vec()))
}

/// `master_secret` by RFC 7627 §4 over the transcript so far (which ends with the
/// ClientKeyExchange), and the epoch-1 keys installed.
pub(crate) fn derive_keys(
    cx: &mut Context,
    negotiated: Negotiated,
    pre_master_secret: &[u8],
) -> Result<Established, Error> {
    let provider = cx.config.provider;
    let session_hash = provider.hash(negotiated.suite.prf_hash(), &cx.transcript);
    let master = MasterSecret::extended(
        &provider,
        negotiated.suite,
        pre_master_secret,
        session_hash.as_bytes(),
    )?;
    cx.install_keys(&master, &negotiated)?;
    Ok(Established { negotiated, master })
}

/// Client and server label of the Finished messages (RFC 5246 §7.4.9).
pub(crate) const CLIENT_FINISHED: &[u8] = b"client finished";
/// See [`CLIENT_FINISHED`].
pub(crate) const SERVER_FINISHED: &[u8] = b"server finished";
