//! Handshake messages: the DTLS fragment header (RFC 6347 §4.2.2) and the message bodies
//! (RFC 5246 §7.4, RFC 8422 §5, RFC 6347 §4.2.1).
//!
//! Fragments are borrowed views into a record; whole messages, once reassembled, are parsed into
//! owned [`Message`] values (they outlive the datagram that completed them).

use crate::codec::{DecodeError, Reader, Writer};
use crate::extension::Extensions;

/// Bytes in the DTLS handshake header.
pub const HEADER_LEN: usize = 12;

/// `HandshakeType` values (RFC 5246 §7.4, RFC 6347 §4.3.2).
pub mod kind {
    /// hello_request(0)
    pub const HELLO_REQUEST: u8 = 0;
    /// client_hello(1)
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello(2)
    pub const SERVER_HELLO: u8 = 2;
    /// hello_verify_request(3)
    pub const HELLO_VERIFY_REQUEST: u8 = 3;
    /// certificate(11)
    pub const CERTIFICATE: u8 = 11;
    /// server_key_exchange(12)
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    /// certificate_request(13)
    pub const CERTIFICATE_REQUEST: u8 = 13;
    /// server_hello_done(14)
    pub const SERVER_HELLO_DONE: u8 = 14;
    /// certificate_verify(15)
    pub const CERTIFICATE_VERIFY: u8 = 15;
    /// client_key_exchange(16)
    pub const CLIENT_KEY_EXCHANGE: u8 = 16;
    /// finished(20)
    pub const FINISHED: u8 = 20;
}

/// The 12-byte DTLS handshake header (§4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeHeader {
    /// HandshakeType.
    pub msg_type: u8,
    /// Length of the whole message body.
    pub length: u32,
    /// Message sequence number.
    pub message_seq: u16,
    /// Offset of this fragment in the body.
    pub fragment_offset: u32,
    /// Length of this fragment.
    pub fragment_length: u32,
}

impl HandshakeHeader {
    /// Appends the header.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_u8(self.msg_type);
        out.put_u24(self.length);
        out.put_u16(self.message_seq);
        out.put_u24(self.fragment_offset);
        out.put_u24(self.fragment_length);
    }
}

/// One handshake fragment borrowed from a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment<'a> {
    /// The header.
    pub header: HandshakeHeader,
    /// `fragment_length` bytes of the body starting at `fragment_offset`.
    pub body: &'a [u8],
}

impl<'a> Fragment<'a> {
    /// Parses one fragment from the front of a handshake record, returning the rest (a record
    /// may carry several handshake fragments).
    pub fn parse(buf: &'a [u8]) -> Result<(Self, &'a [u8]), DecodeError> {
        let mut r = Reader::new(buf, "handshake fragment");
        let header = HandshakeHeader {
            msg_type: r.u8()?,
            length: r.u24()?,
            message_seq: r.u16()?,
            fragment_offset: r.u24()?,
            fragment_length: r.u24()?,
        };
        let end = u64::from(header.fragment_offset) + u64::from(header.fragment_length);
        if end > u64::from(header.length) {
            return Err(DecodeError::Invalid("fragment beyond message length"));
        }
        let body = r.take(header.fragment_length as usize)?;
        Ok((Self { header, body }, r.rest()))
    }
}

/// Appends a whole (unfragmented) message with its DTLS header, the form hashed into the
/// handshake transcript (§4.2.6: fragment_offset 0, fragment_length = length).
pub fn encode_whole(msg_type: u8, message_seq: u16, body: &[u8], out: &mut Vec<u8>) {
    let length = body.len() as u32;
    HandshakeHeader {
        msg_type,
        length,
        message_seq,
        fragment_offset: 0,
        fragment_length: length,
    }
    .encode(out);
    out.extend_from_slice(body);
}

/// `Random` (RFC 5246 §7.4.1.2).
pub type Random = [u8; 32];

/// ClientHello (RFC 6347 §4.2.1 adds the cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// client_version.
    pub client_version: u16,
    /// random.
    pub random: Random,
    /// session_id (we never resume; echoed as empty).
    pub session_id: Vec<u8>,
    /// cookie<0..2^8-1>.
    pub cookie: Vec<u8>,
    /// cipher_suites.
    pub cipher_suites: Vec<u16>,
    /// compression_methods.
    pub compression_methods: Vec<u8>,
    /// Extensions.
    pub extensions: Extensions,
}

impl ClientHello {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "ClientHello");
        let client_version = r.u16()?;
        let random = r.array()?;
        let session_id = r.vec8()?;
        if session_id.len() > 32 {
            return Err(DecodeError::Invalid("session_id length"));
        }
        let cookie = r.vec8()?.to_vec();
        let cipher_suites = r.u16_list16()?;
        let compression_methods = r.vec8()?.to_vec();
        let extensions = Extensions::parse(&mut r)?;
        r.finish()?;
        Ok(Self {
            client_version,
            random,
            session_id: session_id.to_vec(),
            cookie,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16(self.client_version);
        out.extend_from_slice(&self.random);
        out.put_vec(1, |b| b.extend_from_slice(&self.session_id));
        out.put_vec(1, |b| b.extend_from_slice(&self.cookie));
        out.put_vec(2, |b| self.cipher_suites.iter().for_each(|s| b.put_u16(*s)));
        out.put_vec(1, |b| b.extend_from_slice(&self.compression_methods));
        self.extensions.encode(out);
    }
}

/// ServerHello (RFC 5246 §7.4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// server_version.
    pub server_version: u16,
    /// random.
    pub random: Random,
    /// session_id.
    pub session_id: Vec<u8>,
    /// cipher_suite.
    pub cipher_suite: u16,
    /// compression_method.
    pub compression_method: u8,
    /// Extensions.
    pub extensions: Extensions,
}

impl ServerHello {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "ServerHello");
        let server_version = r.u16()?;
        let random = r.array()?;
        let session_id = r.vec8()?;
        if session_id.len() > 32 {
            return Err(DecodeError::Invalid("session_id length"));
        }
        let cipher_suite = r.u16()?;
        let compression_method = r.u8()?;
        let extensions = Extensions::parse(&mut r)?;
        r.finish()?;
        Ok(Self {
            server_version,
            random,
            session_id: session_id.to_vec(),
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16(self.server_version);
        out.extend_from_slice(&self.random);
        out.put_vec(1, |b| b.extend_from_slice(&self.session_id));
        out.put_u16(self.cipher_suite);
        out.put_u8(self.compression_method);
        self.extensions.encode(out);
    }
}

/// HelloVerifyRequest (RFC 6347 §4.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloVerifyRequest {
    /// server_version (DTLS 1.0 recommended, §4.2.1).
    pub server_version: u16,
    /// cookie<0..2^8-1>.
    pub cookie: Vec<u8>,
}

impl HelloVerifyRequest {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "HelloVerifyRequest");
        let server_version = r.u16()?;
        let cookie = r.vec8()?.to_vec();
        r.finish()?;
        Ok(Self {
            server_version,
            cookie,
        })
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16(self.server_version);
        out.put_vec(1, |b| b.extend_from_slice(&self.cookie));
    }
}

/// Certificate (RFC 5246 §7.4.2): a chain of DER certificates, leaf first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateMsg {
    /// DER certificates.
    pub chain: Vec<Vec<u8>>,
}

impl CertificateMsg {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "Certificate");
        let list = r.vec24()?;
        r.finish()?;
        let mut r = Reader::new(list, "certificate_list");
        let mut chain = Vec::new();
        while !r.is_empty() {
            let cert = r.vec24()?;
            if cert.is_empty() {
                return Err(DecodeError::Invalid("empty certificate"));
            }
            chain.push(cert.to_vec());
        }
        Ok(Self { chain })
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_vec(3, |b| {
            for cert in &self.chain {
                b.put_vec(3, |b| b.extend_from_slice(cert));
            }
        });
    }
}

/// `ECCurveType.named_curve` (RFC 8422 §5.4).
pub const CURVE_TYPE_NAMED: u8 = 3;

/// The `ServerECDHParams` of a ServerKeyExchange (RFC 8422 §5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdhParams {
    /// NamedGroup.
    pub group: u16,
    /// The server's ephemeral public key (`point<1..2^8-1>`).
    pub public: Vec<u8>,
}

impl EcdhParams {
    /// Appends `ServerECDHParams`: these are the bytes the server signs.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_u8(CURVE_TYPE_NAMED);
        out.put_u16(self.group);
        out.put_vec(1, |b| b.extend_from_slice(&self.public));
    }
}

/// A `DigitallySigned` value (RFC 5246 §4.7 with TLS 1.2 SignatureAndHashAlgorithm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitallySigned {
    /// SignatureScheme (hash << 8 | signature).
    pub scheme: u16,
    /// The signature (DER ECDSA-Sig-Value or RSA signature).
    pub signature: Vec<u8>,
}

impl DigitallySigned {
    fn parse(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let scheme = r.u16()?;
        let signature = r.vec16()?.to_vec();
        Ok(Self { scheme, signature })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16(self.scheme);
        out.put_vec(2, |b| b.extend_from_slice(&self.signature));
    }
}

/// ServerKeyExchange for ECDHE (RFC 8422 §5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKeyExchange {
    /// The ephemeral ECDH parameters.
    pub params: EcdhParams,
    /// Signature over client_random + server_random + params.
    pub signed: DigitallySigned,
}

impl ServerKeyExchange {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "ServerKeyExchange");
        if r.u8()? != CURVE_TYPE_NAMED {
            return Err(DecodeError::Invalid("ECCurveType"));
        }
        let group = r.u16()?;
        let public = r.vec8()?.to_vec();
        if public.is_empty() {
            return Err(DecodeError::Invalid("empty ECDH point"));
        }
        let signed = DigitallySigned::parse(&mut r)?;
        r.finish()?;
        Ok(Self {
            params: EcdhParams { group, public },
            signed,
        })
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.params.encode(out);
        self.signed.encode(out);
    }
}

/// `ClientCertificateType.ecdsa_sign` (RFC 8422 §5.5).
pub const CERT_TYPE_ECDSA_SIGN: u8 = 64;
/// `ClientCertificateType.rsa_sign` (RFC 5246 §7.4.4).
pub const CERT_TYPE_RSA_SIGN: u8 = 1;

/// CertificateRequest (RFC 5246 §7.4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// certificate_types.
    pub certificate_types: Vec<u8>,
    /// supported_signature_algorithms.
    pub signature_schemes: Vec<u16>,
    /// certificate_authorities, raw (WebRTC sends none and ignores them).
    pub authorities: Vec<u8>,
}

impl CertificateRequest {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "CertificateRequest");
        let certificate_types = r.vec8()?.to_vec();
        let signature_schemes = r.u16_list16()?;
        let authorities = r.vec16()?.to_vec();
        r.finish()?;
        Ok(Self {
            certificate_types,
            signature_schemes,
            authorities,
        })
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_vec(1, |b| b.extend_from_slice(&self.certificate_types));
        out.put_vec(2, |b| {
            self.signature_schemes.iter().for_each(|s| b.put_u16(*s))
        });
        out.put_vec(2, |b| b.extend_from_slice(&self.authorities));
    }
}

/// ClientKeyExchange for ECDHE: `ClientECDiffieHellmanPublic` (RFC 8422 §5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeyExchange {
    /// The client's ephemeral public key.
    pub public: Vec<u8>,
}

impl ClientKeyExchange {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "ClientKeyExchange");
        let public = r.vec8()?.to_vec();
        r.finish()?;
        if public.is_empty() {
            return Err(DecodeError::Invalid("empty ECDH point"));
        }
        Ok(Self { public })
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_vec(1, |b| b.extend_from_slice(&self.public));
    }
}

/// CertificateVerify (RFC 5246 §7.4.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateVerify {
    /// Signature over the handshake messages so far.
    pub signed: DigitallySigned,
}

impl CertificateVerify {
    /// Parses the body.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "CertificateVerify");
        let signed = DigitallySigned::parse(&mut r)?;
        r.finish()?;
        Ok(Self { signed })
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.signed.encode(out);
    }
}

/// A whole handshake message, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// HelloRequest (renegotiation: always refused).
    HelloRequest,
    /// ClientHello.
    ClientHello(ClientHello),
    /// ServerHello.
    ServerHello(ServerHello),
    /// HelloVerifyRequest.
    HelloVerifyRequest(HelloVerifyRequest),
    /// Certificate.
    Certificate(CertificateMsg),
    /// ServerKeyExchange.
    ServerKeyExchange(ServerKeyExchange),
    /// CertificateRequest.
    CertificateRequest(CertificateRequest),
    /// ServerHelloDone.
    ServerHelloDone,
    /// ClientKeyExchange.
    ClientKeyExchange(ClientKeyExchange),
    /// CertificateVerify.
    CertificateVerify(CertificateVerify),
    /// Finished: verify_data.
    Finished(Vec<u8>),
}

impl Message {
    /// Parses a reassembled body of type `msg_type`.
    pub fn parse(msg_type: u8, body: &[u8]) -> Result<Self, DecodeError> {
        let empty = |name| {
            if body.is_empty() {
                Ok(())
            } else {
                Err(DecodeError::TrailingBytes(name))
            }
        };
        Ok(match msg_type {
            kind::HELLO_REQUEST => {
                empty("HelloRequest")?;
                Self::HelloRequest
            }
            kind::CLIENT_HELLO => Self::ClientHello(ClientHello::parse(body)?),
            kind::SERVER_HELLO => Self::ServerHello(ServerHello::parse(body)?),
            kind::HELLO_VERIFY_REQUEST => {
                Self::HelloVerifyRequest(HelloVerifyRequest::parse(body)?)
            }
            kind::CERTIFICATE => Self::Certificate(CertificateMsg::parse(body)?),
            kind::SERVER_KEY_EXCHANGE => Self::ServerKeyExchange(ServerKeyExchange::parse(body)?),
            kind::CERTIFICATE_REQUEST => Self::CertificateRequest(CertificateRequest::parse(body)?),
            kind::SERVER_HELLO_DONE => {
                empty("ServerHelloDone")?;
                Self::ServerHelloDone
            }
            kind::CLIENT_KEY_EXCHANGE => Self::ClientKeyExchange(ClientKeyExchange::parse(body)?),
            kind::CERTIFICATE_VERIFY => Self::CertificateVerify(CertificateVerify::parse(body)?),
            kind::FINISHED => {
                if body.len() != 12 {
                    return Err(DecodeError::Invalid("Finished length"));
                }
                Self::Finished(body.to_vec())
            }
            _ => return Err(DecodeError::Invalid("handshake type")),
        })
    }

    /// The HandshakeType.
    pub fn msg_type(&self) -> u8 {
        match self {
            Self::HelloRequest => kind::HELLO_REQUEST,
            Self::ClientHello(_) => kind::CLIENT_HELLO,
            Self::ServerHello(_) => kind::SERVER_HELLO,
            Self::HelloVerifyRequest(_) => kind::HELLO_VERIFY_REQUEST,
            Self::Certificate(_) => kind::CERTIFICATE,
            Self::ServerKeyExchange(_) => kind::SERVER_KEY_EXCHANGE,
            Self::CertificateRequest(_) => kind::CERTIFICATE_REQUEST,
            Self::ServerHelloDone => kind::SERVER_HELLO_DONE,
            Self::ClientKeyExchange(_) => kind::CLIENT_KEY_EXCHANGE,
            Self::CertificateVerify(_) => kind::CERTIFICATE_VERIFY,
            Self::Finished(_) => kind::FINISHED,
        }
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::HelloRequest | Self::ServerHelloDone => {}
            Self::ClientHello(m) => m.encode(out),
            Self::ServerHello(m) => m.encode(out),
            Self::HelloVerifyRequest(m) => m.encode(out),
            Self::Certificate(m) => m.encode(out),
            Self::ServerKeyExchange(m) => m.encode(out),
            Self::CertificateRequest(m) => m.encode(out),
            Self::ClientKeyExchange(m) => m.encode(out),
            Self::CertificateVerify(m) => m.encode(out),
            Self::Finished(v) => out.extend_from_slice(v),
        }
    }

    /// A short name for errors and logs.
    pub fn name(&self) -> &'static str {
        name_of(self.msg_type())
    }
}

/// A short name of a HandshakeType.
pub fn name_of(msg_type: u8) -> &'static str {
    match msg_type {
        kind::HELLO_REQUEST => "HelloRequest",
        kind::CLIENT_HELLO => "ClientHello",
        kind::SERVER_HELLO => "ServerHello",
        kind::HELLO_VERIFY_REQUEST => "HelloVerifyRequest",
        kind::CERTIFICATE => "Certificate",
        kind::SERVER_KEY_EXCHANGE => "ServerKeyExchange",
        kind::CERTIFICATE_REQUEST => "CertificateRequest",
        kind::SERVER_HELLO_DONE => "ServerHelloDone",
        kind::CERTIFICATE_VERIFY => "CertificateVerify",
        kind::CLIENT_KEY_EXCHANGE => "ClientKeyExchange",
        kind::FINISHED => "Finished",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extension::UseSrtp;
    use proptest::prelude::*;

    fn roundtrip(m: &Message) {
        let mut body = Vec::new();
        m.encode(&mut body);
        assert_eq!(&Message::parse(m.msg_type(), &body).unwrap(), m);
    }

    #[test]
    fn rfc6347_4_2_2_fragment_header_layout() {
        let mut buf = Vec::new();
        HandshakeHeader {
            msg_type: kind::CERTIFICATE,
            length: 0x000500,
            message_seq: 2,
            fragment_offset: 0x000100,
            fragment_length: 3,
        }
        .encode(&mut buf);
        buf.extend_from_slice(&[1, 2, 3, 0xaa]);
        let (frag, rest) = Fragment::parse(&buf).unwrap();
        assert_eq!(&buf[..12], [11, 0, 5, 0, 0, 2, 0, 1, 0, 0, 0, 3]);
        assert_eq!(frag.body, &[1, 2, 3]);
        assert_eq!(rest, &[0xaa]);
    }

    #[test]
    fn rfc6347_4_2_3_fragment_past_message_end_rejected() {
        let mut buf = Vec::new();
        HandshakeHeader {
            msg_type: 1,
            length: 4,
            message_seq: 0,
            fragment_offset: 3,
            fragment_length: 2,
        }
        .encode(&mut buf);
        buf.extend_from_slice(&[0, 0]);
        assert!(Fragment::parse(&buf).is_err());
    }

    #[test]
    fn rfc5246_7_4_message_roundtrips() {
        roundtrip(&Message::ClientHello(ClientHello {
            client_version: 0xfefd,
            random: [7; 32],
            session_id: vec![],
            cookie: vec![1, 2, 3],
            cipher_suites: vec![0xc02b],
            compression_methods: vec![0],
            extensions: Extensions {
                extended_master_secret: true,
                use_srtp: Some(UseSrtp {
                    profiles: vec![7],
                    mki: vec![],
                }),
                supported_groups: Some(vec![29, 23]),
                ec_point_formats: Some(vec![0]),
                signature_algorithms: Some(vec![0x0403]),
                renegotiation_info: Some(vec![]),
                unknown: vec![],
            },
        }));
        roundtrip(&Message::HelloVerifyRequest(HelloVerifyRequest {
            server_version: 0xfeff,
            cookie: vec![9; 20],
        }));
        roundtrip(&Message::Certificate(CertificateMsg {
            chain: vec![vec![1, 2], vec![3]],
        }));
        roundtrip(&Message::ServerKeyExchange(ServerKeyExchange {
            params: EcdhParams {
                group: 29,
                public: vec![5; 32],
            },
            signed: DigitallySigned {
                scheme: 0x0403,
                signature: vec![1; 70],
            },
        }));
        roundtrip(&Message::CertificateRequest(CertificateRequest {
            certificate_types: vec![64],
            signature_schemes: vec![0x0403],
            authorities: vec![],
        }));
        roundtrip(&Message::ServerHelloDone);
        roundtrip(&Message::ClientKeyExchange(ClientKeyExchange {
            public: vec![4; 65],
        }));
        roundtrip(&Message::Finished(vec![0; 12]));
    }

    proptest! {
        #[test]
        fn rfc5246_7_4_1_2_client_hello_roundtrip(
            random: [u8; 32],
            cookie in prop::collection::vec(any::<u8>(), 0..=255),
            suites in prop::collection::vec(any::<u16>(), 1..20),
            ems: bool,
            profiles in prop::collection::vec(any::<u16>(), 0..5),
        ) {
            let m = Message::ClientHello(ClientHello {
                client_version: 0xfefd,
                random,
                session_id: vec![],
                cookie,
                cipher_suites: suites,
                compression_methods: vec![0],
                extensions: Extensions {
                    extended_master_secret: ems,
                    use_srtp: Some(UseSrtp { profiles, mki: vec![] }),
                    ..Default::default()
                },
            });
            let mut body = Vec::new();
            m.encode(&mut body);
            prop_assert_eq!(Message::parse(m.msg_type(), &body).unwrap(), m);
        }

        #[test]
        fn rfc6347_4_2_2_fragment_header_roundtrip(
            msg_type: u8, seq: u16, len in 0u32..5000, off in 0u32..5000, body in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            let off = off.min(len);
            let n = (body.len() as u32).min(len - off);
            let body = &body[..n as usize];
            let header = HandshakeHeader { msg_type, length: len, message_seq: seq, fragment_offset: off, fragment_length: n };
            let mut buf = Vec::new();
            header.encode(&mut buf);
            buf.extend_from_slice(body);
            let (frag, rest) = Fragment::parse(&buf).unwrap();
            prop_assert_eq!(frag.header, header);
            prop_assert_eq!(frag.body, body);
            prop_assert!(rest.is_empty());
        }

        #[test]
        fn rfc5246_7_4_message_bodies_roundtrip(
            random: [u8; 32],
            bytes in prop::collection::vec(any::<u8>(), 1..200),
            schemes in prop::collection::vec(any::<u16>(), 0..10),
            suite: u16,
            group: u16,
            ems: bool,
            chain in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..50), 0..4),
        ) {
            let small = bytes[..bytes.len().min(32)].to_vec();
            roundtrip(&Message::ServerHello(ServerHello {
                server_version: 0xfefd,
                random,
                session_id: small.clone(),
                cipher_suite: suite,
                compression_method: 0,
                extensions: Extensions {
                    extended_master_secret: ems,
                    renegotiation_info: Some(small.clone()),
                    ec_point_formats: Some(vec![0]),
                    ..Default::default()
                },
            }));
            roundtrip(&Message::HelloVerifyRequest(HelloVerifyRequest { server_version: 0xfeff, cookie: small.clone() }));
            roundtrip(&Message::Certificate(CertificateMsg { chain }));
            roundtrip(&Message::ServerKeyExchange(ServerKeyExchange {
                params: EcdhParams { group, public: small.clone() },
                signed: DigitallySigned { scheme: suite, signature: bytes.clone() },
            }));
            roundtrip(&Message::CertificateRequest(CertificateRequest {
                certificate_types: small.clone(),
                signature_schemes: schemes.clone(),
                authorities: bytes.clone(),
            }));
            roundtrip(&Message::ClientKeyExchange(ClientKeyExchange { public: small.clone() }));
            roundtrip(&Message::CertificateVerify(CertificateVerify {
                signed: DigitallySigned { scheme: group, signature: bytes.clone() },
            }));
            roundtrip(&Message::Finished(random[..12].to_vec()));
        }

        #[test]
        fn handshake_parsers_never_panic(ty: u8, body in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = Message::parse(ty, &body);
            let _ = Fragment::parse(&body);
        }
    }
}
