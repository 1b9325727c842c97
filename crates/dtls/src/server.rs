//! The server's handshake states, with the stateless cookie exchange of RFC 6347 §4.2.1.

use std::time::Instant;

use sansrtc_crypto::hash::HashAlgorithm;
use sansrtc_crypto::kx::{ActiveKeyExchange, NamedGroup};
use sansrtc_crypto::sign::SignatureScheme;

use crate::Error;
use crate::codec::Reader;
use crate::connection::{Context, Negotiated};
use crate::extension::{Extensions, SrtpProfile, UseSrtp};
use crate::flight::FlightMessage;
use crate::handshake::{
    CERT_TYPE_ECDSA_SIGN, CERT_TYPE_RSA_SIGN, CertificateMsg, CertificateRequest, ClientHello,
    DigitallySigned, EcdhParams, HelloVerifyRequest, Message, ServerHello, ServerKeyExchange,
};
use crate::record::version;
use crate::state::{self, Established, Meta, State, unexpected};

/// `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` (RFC 5746 §3.3).
const EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00ff;

/// Cookie length: an HMAC-SHA256 output.
pub(crate) const COOKIE_LEN: usize = 32;

/// Waiting for a ClientHello (with a valid cookie, when the cookie exchange is on). Holds no
/// per-client state: a cookie-less hello is answered by a HelloVerifyRequest and forgotten.
#[derive(Debug, Default)]
pub(crate) struct ExpectClientHello;

impl ExpectClientHello {
    pub fn handle(
        self,
        cx: &mut Context,
        now: Instant,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<State, Error> {
        state::check_epoch(&meta, &message)?;
        let Message::ClientHello(hello) = message else {
            return Err(unexpected("ClientHello", &message));
        };
        if cx.config.cookie_exchange {
            let expected = cookie(cx, meta.raw_body);
            let valid = expected.is_some_and(|c| {
                subtle::ConstantTimeEq::ct_eq(c.as_slice(), hello.cookie.as_slice()).into()
            });
            if !valid {
                // §4.2.1: answer statelessly; §4.2.6: neither message is hashed.
                cx.transcript.truncate(meta.transcript_before);
                let hvr = HelloVerifyRequest {
                    server_version: version::DTLS1_0,
                    cookie: expected.map(|c| c.to_vec()).unwrap_or_default(),
                };
                cx.send_unbuffered(
                    &Message::HelloVerifyRequest(hvr),
                    meta.message_seq,
                    meta.record_seq,
                )?;
                cx.stats.hello_verify_requests += 1;
                return Ok(State::ServerExpectClientHello(self));
            }
        }
        // §4.2.2: our first message answers with the ClientHello's message_seq (1 after a
        // cookie exchange).
        cx.next_message_seq = meta.message_seq;
        let choice = negotiate(cx, &hello)?;
        send_server_flight(cx, now, choice, meta.message_seq)
    }
}

/// HMAC-SHA256 under the cookie secret over the ClientHello without its cookie field
/// (RFC 6347 §4.2.1: "Cookie = HMAC(Secret, Client-IP, Client-Parameters)"; the address is the
/// embedder's business, since one endpoint serves one peer). `None` if the body does not frame.
fn cookie(cx: &Context, raw_body: &[u8]) -> Option<[u8; COOKIE_LEN]> {
    let mut r = Reader::new(raw_body, "ClientHello");
    r.take(2 + 32).ok()?;
    r.vec8().ok()?;
    let before_len = raw_body.len() - r.remaining();
    r.vec8().ok()?;
    let after = r.rest();
    let before = raw_body.get(..before_len)?;
    let key = cx
        .config
        .provider
        .hmac_key(HashAlgorithm::Sha256, &cx.cookie_secret)
        .ok()?;
    let mac = key.sign(&[before, after]);
    mac.as_bytes().try_into().ok()
}

/// What the server picked from the ClientHello.
struct Choice {
    negotiated: Negotiated,
    group: NamedGroup,
    secure_renegotiation: bool,
    ec_point_formats: bool,
}

fn negotiate(cx: &mut Context, hello: &ClientHello) -> Result<Choice, Error> {
    let config = cx.config.clone();
    // DTLS versions count down: 0xfefd (1.2) is newer than 0xfeff (1.0). A DTLS 1.3 hello keeps
    // legacy_version 0xfefd and lists 1.3 in supported_versions, which we ignore: answering
    // without supported_versions is a clean DTLS 1.2 handshake (RFC 9147 §5.3, RFC 8446 §4.1.3).
    if hello.client_version > version::DTLS1_2 {
        return Err(Error::UnsupportedVersion);
    }
    let suite = config
        .cipher_suites
        .iter()
        .copied()
        .find(|s| hello.cipher_suites.contains(&s.to_u16()))
        .ok_or(Error::NoCommonCipherSuite)?;
    if !hello.compression_methods.contains(&0) {
        return Err(Error::IllegalParameter("no null compression"));
    }
    let ext = &hello.extensions;
    if !ext.extended_master_secret {
        return Err(Error::ExtendedMasterSecretRequired);
    }
    if ext
        .renegotiation_info
        .as_ref()
        .is_some_and(|info| !info.is_empty())
    {
        return Err(Error::IllegalParameter(
            "renegotiation_info in an initial handshake",
        ));
    }
    // RFC 8422 §5.1.1: without supported_groups, assume the client takes any group.
    let group = match &ext.supported_groups {
        None => config.groups.first().copied(),
        Some(offered) => config
            .groups
            .iter()
            .copied()
            .find(|g| offered.contains(&g.to_u16())),
    }
    .ok_or(Error::NoCommonGroup)?;
    let ours = config.certificate.signing_key().scheme();
    if let Some(algs) = &ext.signature_algorithms
        && !algs.contains(&ours.to_u16())
    {
        return Err(Error::NoCommonSignatureScheme);
    }
    let srtp_profile = ext.use_srtp.as_ref().and_then(|srtp| {
        config
            .srtp_profiles
            .iter()
            .copied()
            .find(|p| srtp.profiles.contains(&p.to_u16()))
    });
    let secure_renegotiation = ext.renegotiation_info.is_some()
        || hello.cipher_suites.contains(&EMPTY_RENEGOTIATION_INFO_SCSV);
    Ok(Choice {
        negotiated: Negotiated {
            suite,
            client_random: hello.random,
            server_random: cx.random()?,
            srtp_profile,
        },
        group,
        secure_renegotiation,
        ec_point_formats: ext.ec_point_formats.is_some(),
    })
}

/// Flight 4: ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone.
fn send_server_flight(
    cx: &mut Context,
    now: Instant,
    choice: Choice,
    client_hello_seq: u16,
) -> Result<State, Error> {
    let n = &choice.negotiated;
    let extensions = Extensions {
        renegotiation_info: choice.secure_renegotiation.then(Vec::new),
        extended_master_secret: true,
        use_srtp: n.srtp_profile.map(|p: SrtpProfile| UseSrtp {
            profiles: vec![p.to_u16()],
            mki: Vec::new(),
        }),
        ec_point_formats: choice.ec_point_formats.then(|| vec![0]),
        ..Extensions::default()
    };
    let server_hello = ServerHello {
        server_version: version::DTLS1_2,
        random: n.server_random,
        session_id: Vec::new(), // no resumption
        cipher_suite: n.suite.to_u16(),
        compression_method: 0,
        extensions,
    };
    let certificate = cx.config.certificate.clone();
    let kx = cx
        .config
        .provider
        .start_key_exchange(choice.group, cx.rng.as_mut())?;
    let params = EcdhParams {
        group: choice.group.to_u16(),
        public: kx.public_key().to_vec(),
    };
    let key = certificate.signing_key();
    let signature = key.sign(&state::ske_signed_bytes(
        &n.client_random,
        &n.server_random,
        &params,
    ))?;
    let ske = ServerKeyExchange {
        params,
        signed: DigitallySigned {
            scheme: key.scheme().to_u16(),
            signature,
        },
    };
    let request = CertificateRequest {
        certificate_types: vec![CERT_TYPE_ECDSA_SIGN, CERT_TYPE_RSA_SIGN],
        signature_schemes: cx
            .config
            .verify_schemes
            .iter()
            .map(|s: &SignatureScheme| s.to_u16())
            .collect(),
        authorities: Vec::new(),
    };
    let flight: Vec<FlightMessage> = [
        Message::ServerHello(server_hello),
        Message::Certificate(CertificateMsg {
            chain: vec![certificate.der().to_vec()],
        }),
        Message::ServerKeyExchange(ske),
        Message::CertificateRequest(request),
        Message::ServerHelloDone,
    ]
    .iter()
    .map(|m| cx.handshake_message(m, 0))
    .collect();
    cx.send_flight(now, flight, Some(client_hello_seq), true)?;
    Ok(State::ServerExpectCertificate(ExpectCertificate {
        negotiated: choice.negotiated,
        kx,
    }))
}

/// Flight 4 sent; waiting for the client's Certificate (WebRTC authenticates both sides, so a
/// client without one is refused).
pub(crate) struct ExpectCertificate {
    negotiated: Negotiated,
    kx: Box<dyn ActiveKeyExchange>,
}

impl core::fmt::Debug for ExpectCertificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExpectCertificate")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
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
        Ok(State::ServerExpectClientKeyExchange(
            ExpectClientKeyExchange {
                negotiated: self.negotiated,
                kx: self.kx,
                client_flight_seq: meta.message_seq,
            },
        ))
    }
}

/// Waiting for the client's ECDHE share.
pub(crate) struct ExpectClientKeyExchange {
    negotiated: Negotiated,
    kx: Box<dyn ActiveKeyExchange>,
    client_flight_seq: u16,
}

impl core::fmt::Debug for ExpectClientKeyExchange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExpectClientKeyExchange")
            .field("negotiated", &self.negotiated)
            .finish_non_exhaustive()
    }
}

impl ExpectClientKeyExchange {
    pub fn handle(
        self,
        cx: &mut Context,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<State, Error> {
        state::check_epoch(&meta, &message)?;
        let Message::ClientKeyExchange(cke) = message else {
            return Err(unexpected("ClientKeyExchange", &message));
        };
        let pre_master = self
            .kx
            .complete(&cke.public)
            .map_err(|_| Error::IllegalParameter("client ECDHE public key"))?;
        // The transcript ends with this ClientKeyExchange: the RFC 7627 session hash.
        let established = state::derive_keys(cx, self.negotiated, pre_master.as_bytes())?;
        Ok(State::ServerExpectCertificateVerify(
            ExpectCertificateVerify {
                established,
                client_flight_seq: self.client_flight_seq,
            },
        ))
    }
}

/// Waiting for the client's proof that it holds its certificate's key.
#[derive(Debug)]
pub(crate) struct ExpectCertificateVerify {
    established: Established,
    client_flight_seq: u16,
}

impl ExpectCertificateVerify {
    pub fn handle(
        self,
        cx: &mut Context,
        message: Message,
        meta: Meta<'_>,
    ) -> Result<State, Error> {
        state::check_epoch(&meta, &message)?;
        let Message::CertificateVerify(cv) = message else {
            return Err(unexpected("CertificateVerify", &message));
        };
        let signed = cx
            .transcript
            .get(..meta.transcript_before)
            .unwrap_or_default();
        let scheme = state::verify_peer_signature(cx, &cv.signed, signed)?;
        cx.peer_signature_scheme = Some(scheme);
        Ok(State::ServerExpectFinished(ExpectFinished {
            established: self.established,
            client_flight_seq: self.client_flight_seq,
        }))
    }
}

/// Waiting for the client's ChangeCipherSpec and Finished.
#[derive(Debug)]
pub(crate) struct ExpectFinished {
    established: Established,
    client_flight_seq: u16,
}

impl ExpectFinished {
    pub fn handle(
        self,
        cx: &mut Context,
        now: Instant,
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
            state::CLIENT_FINISHED,
            meta.transcript_before,
            verify_data,
        )?;
        // Flight 6. It has no timer (§4.2.4: the client retransmits if it is lost, and its
        // retransmission makes us send this again).
        let finished = state::our_finished(cx, &self.established, state::SERVER_FINISHED)?;
        let flight = vec![
            FlightMessage::ChangeCipherSpec,
            cx.handshake_message(&finished, 1),
        ];
        cx.send_flight(now, flight, Some(self.client_flight_seq), false)?;
        Ok(cx.handshake_complete(self.established))
    }
}
