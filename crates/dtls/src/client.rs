//! The client's handshake states (RFC 5246 §7.3 flights, RFC 6347 §4.2.1 cookie exchange).

use std::time::Instant;

use sansrtc_crypto::kx::NamedGroup;

use crate::Error;
use crate::connection::{Context, Negotiated};
use crate::extension::{Extensions, SrtpProfile, UseSrtp};
use crate::flight::FlightMessage;
use crate::handshake::{
    CertificateMsg, CertificateVerify, ClientHello, ClientKeyExchange, DigitallySigned, Message,
    ServerHello,
};
use crate::record::version;
use crate::state::{self, Established, Meta, State, unexpected};
use crate::suite::CipherSuite;

/// HelloVerifyRequests we obey in one handshake: a server sends one (RFC 6347 §4.2.1), more is
/// a loop.
const MAX_HELLO_VERIFY_REQUESTS: u8 = 4;

/// Sends the first ClientHello (flight 1).
pub(crate) fn start(cx: &mut Context, now: Instant) -> Result<State, Error> {
    let config = cx.config.clone();
    let extensions = Extensions {
        // RFC 5746 §3.4: an empty renegotiation_info announces secure renegotiation support
        // (we never renegotiate, but peers expect it).
        renegotiation_info: Some(Vec::new()),
        extended_master_secret: true,
        use_srtp: (!config.srtp_profiles.is_empty()).then(|| UseSrtp {
            profiles: config.srtp_profiles.iter().map(|p| p.to_u16()).collect(),
            mki: Vec::new(),
        }),
        supported_groups: Some(config.groups.iter().map(|g| g.to_u16()).collect()),
        ec_point_formats: Some(vec![0]), // uncompressed (RFC 8422 §5.1.2)
        signature_algorithms: Some(config.verify_schemes.iter().map(|s| s.to_u16()).collect()),
        unknown: Vec::new(),
    };
    let hello = ClientHello {
        client_version: version::DTLS1_2,
        random: cx.random()?,
        session_id: Vec::new(),
        cookie: Vec::new(),
        cipher_suites: config.cipher_suites.iter().map(|s| s.to_u16()).collect(),
        compression_methods: vec![0],
        extensions,
    };
    let m = cx.handshake_message(&Message::ClientHello(hello.clone()), 0);
    cx.send_flight(now, vec![m], None, true)?;
    Ok(State::ClientExpectServerHello(ExpectServerHello {
        hello: Box::new(hello),
        verify_requests: 0,
    }))
}

/// Flight 1 (or 3) sent; waiting for ServerHello or HelloVerifyRequest.
#[derive(Debug)]
pub(crate) struct ExpectServerHello {
    hello: Box<ClientHello>,
    verify_requests: u8,
}

impl ExpectServerHello {
    pub fn handle(
        mut self,
        cx: &mut Context,
        now: Instant,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<State, Error> {
        state::check_epoch(&meta, &message)?;
        match message {
            Message::HelloVerifyRequest(hvr) => {
                // §4.2.1: send the ClientHello again with the cookie. Neither the first
                // ClientHello nor the HelloVerifyRequest enters the handshake hash (§4.2.6).
                self.verify_requests += 1;
                cx.stats.hello_verify_requests += 1;
                if self.verify_requests > MAX_HELLO_VERIFY_REQUESTS {
                    return Err(unexpected("ServerHello", &Message::HelloVerifyRequest(hvr)));
                }
                cx.transcript.clear();
                self.hello.cookie = hvr.cookie;
                let m = cx.handshake_message(&Message::ClientHello((*self.hello).clone()), 0);
                cx.send_flight(now, vec![m], Some(meta.message_seq), true)?;
                Ok(State::ClientExpectServerHello(self))
            }
            Message::ServerHello(sh) => {
                let negotiated = self.negotiate(cx, &sh)?;
                Ok(State::ClientExpectCertificate(ExpectCertificate {
                    negotiated,
                    server_flight_seq: meta.message_seq,
                }))
            }
            other => Err(unexpected("ServerHello", &other)),
        }
    }

    /// Checks the server's choices against what we offered.
    fn negotiate(&self, cx: &Context, sh: &ServerHello) -> Result<Negotiated, Error> {
        if sh.server_version != version::DTLS1_2 {
            return Err(Error::UnsupportedVersion);
        }
        let suite = CipherSuite::from_u16(sh.cipher_suite)
            .filter(|s| cx.config.cipher_suites.contains(s))
            .ok_or(Error::IllegalParameter("cipher suite we did not offer"))?;
        if sh.compression_method != 0 {
            return Err(Error::IllegalParameter("compression method"));
        }
        let ext = &sh.extensions;
        if !ext.unknown.is_empty() {
            // RFC 5246 §7.4.1.4: the server may only answer extensions we sent.
            return Err(Error::IllegalParameter("extension we did not offer"));
        }
        if !ext.extended_master_secret {
            return Err(Error::ExtendedMasterSecretRequired);
        }
        if ext
            .renegotiation_info
            .as_ref()
            .is_some_and(|info| !info.is_empty())
        {
            return Err(Error::IllegalParameter("renegotiation_info"));
        }
        let srtp_profile = match &ext.use_srtp {
            None => None,
            Some(srtp) => {
                // RFC 5764 §4.1.1: exactly one profile, one we offered, and our (empty) MKI.
                let [profile] = srtp.profiles.as_slice() else {
                    return Err(Error::IllegalParameter("use_srtp profile count"));
                };
                let profile = SrtpProfile::from_u16(*profile)
                    .filter(|p| cx.config.srtp_profiles.contains(p))
                    .ok_or(Error::IllegalParameter("SRTP profile we did not offer"))?;
                if !srtp.mki.is_empty() {
                    return Err(Error::IllegalParameter("use_srtp MKI"));
                }
                Some(profile)
            }
        };
        Ok(Negotiated {
            suite,
            client_random: self.hello.random,
            server_random: sh.random,
            srtp_profile,
        })
    }
}

/// ServerHello received; waiting for the server's Certificate.
#[derive(Debug)]
pub(crate) struct ExpectCertificate {
    negotiated: Negotiated,
    server_flight_seq: u16,
}

impl ExpectCertificate {
    pub fn handle(
        self,
        cx: &mut Context,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<State, Error> {
        state::check_epoch(&meta, &message)?;
        let Message::Certificate(cert) = message else {
            return Err(unexpected("Certificate", &message));
        };
        state::accept_peer_certificate(cx, cert.chain)?;
        Ok(State::ClientExpectServerKeyExchange(
            ExpectServerKeyExchange {
                negotiated: self.negotiated,
                server_flight_seq: self.server_flight_seq,
            },
        ))
    }
}

/// Waiting for the server's signed ECDHE share.
#[derive(Debug)]
pub(crate) struct ExpectServerKeyExchange {
    negotiated: Negotiated,
    server_flight_seq: u16,
}

impl ExpectServerKeyExchange {
    pub fn handle(
        self,
        cx: &mut Context,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<State, Error> {
        state::check_epoch(&meta, &message)?;
        let Message::ServerKeyExchange(ske) = message else {
            return Err(unexpected("ServerKeyExchange", &message));
        };
        let group = NamedGroup::from_u16(ske.params.group)
            .filter(|g| cx.config.groups.contains(g))
            .ok_or(Error::IllegalParameter(
                "key exchange group we did not offer",
            ))?;
        let n = &self.negotiated;
        let signed = state::ske_signed_bytes(&n.client_random, &n.server_random, &ske.params);
        let scheme = state::verify_peer_signature(cx, &ske.signed, &signed)?;
        cx.peer_signature_scheme = Some(scheme);
        Ok(State::ClientExpectCertificateRequest(
            ExpectCertificateRequest {
                kx: KeyShare {
                    group,
                    server_public: ske.params.public,
                },
                negotiated: self.negotiated,
                server_flight_seq: self.server_flight_seq,
            },
        ))
    }
}

/// The server's ECDHE share, verified.
#[derive(Debug)]
struct KeyShare {
    group: NamedGroup,
    server_public: Vec<u8>,
}

/// Waiting for CertificateRequest (WebRTC servers always send one) or ServerHelloDone.
#[derive(Debug)]
pub(crate) struct ExpectCertificateRequest {
    negotiated: Negotiated,
    kx: KeyShare,
    server_flight_seq: u16,
}

impl ExpectCertificateRequest {
    pub fn handle(
        self,
        cx: &mut Context,
        now: Instant,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<State, Error> {
        state::check_epoch(&meta, &message)?;
        match message {
            Message::CertificateRequest(_) => {
                Ok(State::ClientExpectServerHelloDone(ExpectServerHelloDone {
                    negotiated: self.negotiated,
                    kx: self.kx,
                    server_flight_seq: self.server_flight_seq,
                }))
            }
            Message::ServerHelloDone => send_final_flight(
                cx,
                now,
                self.negotiated,
                self.kx,
                false,
                self.server_flight_seq,
            ),
            other => Err(unexpected("CertificateRequest or ServerHelloDone", &other)),
        }
    }
}

/// CertificateRequest received; waiting for ServerHelloDone.
#[derive(Debug)]
pub(crate) struct ExpectServerHelloDone {
    negotiated: Negotiated,
    kx: KeyShare,
    server_flight_seq: u16,
}

impl ExpectServerHelloDone {
    pub fn handle(
        self,
        cx: &mut Context,
        now: Instant,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<State, Error> {
        state::check_epoch(&meta, &message)?;
        let Message::ServerHelloDone = message else {
            return Err(unexpected("ServerHelloDone", &message));
        };
        send_final_flight(
            cx,
            now,
            self.negotiated,
            self.kx,
            true,
            self.server_flight_seq,
        )
    }
}

/// Flight 5: [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished.
fn send_final_flight(
    cx: &mut Context,
    now: Instant,
    negotiated: Negotiated,
    kx: KeyShare,
    certificate_requested: bool,
    server_flight_seq: u16,
) -> Result<State, Error> {
    let mut flight = Vec::with_capacity(5);
    let certificate = cx.config.certificate.clone();
    if certificate_requested {
        let msg = Message::Certificate(CertificateMsg {
            chain: vec![certificate.der().to_vec()],
        });
        flight.push(cx.handshake_message(&msg, 0));
    }
    let ours = cx
        .config
        .provider
        .start_key_exchange(kx.group, cx.rng.as_mut())?;
    let public = ours.public_key().to_vec();
    let pre_master = ours
        .complete(&kx.server_public)
        .map_err(|_| Error::IllegalParameter("server ECDHE public key"))?;
    flight.push(cx.handshake_message(&Message::ClientKeyExchange(ClientKeyExchange { public }), 0));
    let established = state::derive_keys(cx, negotiated, pre_master.as_bytes())?;
    if certificate_requested {
        // RFC 5246 §7.4.8: signed over every handshake message so far.
        let key = certificate.signing_key();
        let signature = key.sign(&cx.transcript)?;
        let cv = CertificateVerify {
            signed: DigitallySigned {
                scheme: key.scheme().to_u16(),
                signature,
            },
        };
        flight.push(cx.handshake_message(&Message::CertificateVerify(cv), 0));
    }
    flight.push(FlightMessage::ChangeCipherSpec);
    let finished = state::our_finished(cx, &established, state::CLIENT_FINISHED)?;
    flight.push(cx.handshake_message(&finished, 1));
    cx.send_flight(now, flight, Some(server_flight_seq), true)?;
    Ok(State::ClientExpectFinished(ExpectFinished { established }))
}

/// Flight 5 sent; waiting for the server's ChangeCipherSpec and Finished.
#[derive(Debug)]
pub(crate) struct ExpectFinished {
    established: Established,
}

impl ExpectFinished {
    pub fn handle(
        self,
        cx: &mut Context,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<State, Error> {
        state::check_epoch(&meta, &message)?;
        let Message::Finished(verify_data) = &message else {
            return Err(unexpected("Finished", &message));
        };
        state::check_finished(
            cx,
            &self.established,
            state::SERVER_FINISHED,
            meta.transcript_before,
            verify_data,
        )?;
        Ok(cx.handshake_complete(self.established))
    }
}
