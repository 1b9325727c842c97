//! A tiny STUN server node: answers Binding requests (RFC 8489 §3, §5) with a Binding success
//! response carrying XOR-MAPPED-ADDRESS (§14.2), so that tests can discover server-reflexive
//! addresses through simulated NATs. It does not authenticate, does not check FINGERPRINT and
//! ignores every other message; it does not depend on sansrtc-stun on purpose (it is a test
//! fixture, and a second implementation to test that crate against).

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use crate::{Datagram, Node};

const MAGIC_COOKIE: u32 = 0x2112_A442;
const BINDING_REQUEST: u16 = 0x0001;
const BINDING_SUCCESS: u16 = 0x0101;
const XOR_MAPPED_ADDRESS: u16 = 0x0020;
const HEADER_LEN: usize = 20;

/// A STUN server on every port of its IP: answers each Binding request with the address the
/// request came from, as seen by the server.
#[derive(Clone, Debug, Default)]
pub struct StunServer {
    outbox: VecDeque<Datagram>,
    answered: u64,
}

impl StunServer {
    /// A fresh STUN server.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many Binding requests it has answered.
    pub fn answered(&self) -> u64 {
        self.answered
    }

    /// Builds the Binding success response to `request` from `client`, or `None` if `request` is
    /// not a well-formed Binding request.
    pub fn respond(request: &[u8], client: SocketAddr) -> Option<Vec<u8>> {
        let (header, attributes) = request.split_at_checked(HEADER_LEN)?;
        let message_type = u16::from_be_bytes([*header.first()?, *header.get(1)?]);
        let length = u16::from_be_bytes([*header.get(2)?, *header.get(3)?]);
        let cookie = u32::from_be_bytes(header.get(4..8)?.try_into().ok()?);
        let transaction_id = header.get(8..20)?;
        let well_formed = message_type == BINDING_REQUEST
            && cookie == MAGIC_COOKIE
            && usize::from(length) == attributes.len()
            && length % 4 == 0;
        if !well_formed {
            return None;
        }

        let cookie_bytes = MAGIC_COOKIE.to_be_bytes();
        let xor_port = client.port() ^ (MAGIC_COOKIE >> 16) as u16;
        let (family, address): (u8, Vec<u8>) = match client.ip() {
            IpAddr::V4(ip) => (
                0x01,
                ip.octets()
                    .iter()
                    .zip(cookie_bytes)
                    .map(|(a, k)| a ^ k)
                    .collect(),
            ),
            IpAddr::V6(ip) => (
                0x02,
                ip.octets()
                    .iter()
                    .zip(cookie_bytes.iter().chain(transaction_id))
                    .map(|(a, k)| a ^ k)
                    .collect(),
            ),
        };
        let value_len = 4 + address.len();

        let mut response = Vec::with_capacity(HEADER_LEN + 4 + value_len);
        response.extend_from_slice(&BINDING_SUCCESS.to_be_bytes());
        response.extend_from_slice(&u16::try_from(4 + value_len).ok()?.to_be_bytes());
        response.extend_from_slice(&cookie_bytes);
        response.extend_from_slice(transaction_id);
        response.extend_from_slice(&XOR_MAPPED_ADDRESS.to_be_bytes());
        response.extend_from_slice(&u16::try_from(value_len).ok()?.to_be_bytes());
        response.extend_from_slice(&[0, family]);
        response.extend_from_slice(&xor_port.to_be_bytes());
        response.extend_from_slice(&address);
        Some(response)
    }

    /// Builds a minimal Binding request (no attributes) with the given transaction ID.
    pub fn binding_request(transaction_id: [u8; 12]) -> Vec<u8> {
        let mut request = Vec::with_capacity(HEADER_LEN);
        request.extend_from_slice(&BINDING_REQUEST.to_be_bytes());
        request.extend_from_slice(&0u16.to_be_bytes());
        request.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        request.extend_from_slice(&transaction_id);
        request
    }

    /// Reads the XOR-MAPPED-ADDRESS of a Binding success response, or `None` if `response` is
    /// not one or lacks the attribute.
    pub fn mapped_address(response: &[u8]) -> Option<SocketAddr> {
        let (header, mut attributes) = response.split_at_checked(HEADER_LEN)?;
        if u16::from_be_bytes([*header.first()?, *header.get(1)?]) != BINDING_SUCCESS
            || header.get(4..8)? != MAGIC_COOKIE.to_be_bytes()
        {
            return None;
        }
        let transaction_id = header.get(8..20)?;
        while let Some((tlv, rest)) = attributes.split_at_checked(4) {
            let kind = u16::from_be_bytes([*tlv.first()?, *tlv.get(1)?]);
            let len = usize::from(u16::from_be_bytes([*tlv.get(2)?, *tlv.get(3)?]));
            let (value, rest) = rest.split_at_checked(len)?;
            if kind == XOR_MAPPED_ADDRESS {
                let port = u16::from_be_bytes([*value.get(2)?, *value.get(3)?])
                    ^ (MAGIC_COOKIE >> 16) as u16;
                let key = MAGIC_COOKIE
                    .to_be_bytes()
                    .into_iter()
                    .chain(transaction_id.iter().copied());
                let ip = match (value.get(1)?, value.get(4..)?) {
                    (0x01, x) if x.len() == 4 => {
                        let mut octets = [0u8; 4];
                        for ((o, x), k) in octets.iter_mut().zip(x).zip(key) {
                            *o = x ^ k;
                        }
                        IpAddr::from(octets)
                    }
                    (0x02, x) if x.len() == 16 => {
                        let mut octets = [0u8; 16];
                        for ((o, x), k) in octets.iter_mut().zip(x).zip(key) {
                            *o = x ^ k;
                        }
                        IpAddr::from(octets)
                    }
                    _ => return None,
                };
                return Some(SocketAddr::new(ip, port));
            }
            let padding = (4 - len % 4) % 4;
            attributes = rest.get(padding..)?;
        }
        None
    }
}

impl Node for StunServer {
    fn handle_datagram(&mut self, _now: Instant, datagram: Datagram) {
        if let Some(response) = Self::respond(&datagram.payload, datagram.source) {
            self.answered += 1;
            self.outbox.push_back(Datagram::new(
                datagram.destination,
                datagram.source,
                response,
            ));
        }
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Datagram> {
        self.outbox.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8489_14_2_xor_mapped_address_round_trips_v4_and_v6() {
        for client in ["203.0.113.9:49152", "[2001:db8::1]:3478"] {
            let client: SocketAddr = client.parse().unwrap();
            let request = StunServer::binding_request([7; 12]);
            let response = StunServer::respond(&request, client).unwrap();
            assert_eq!(&response[8..20], &[7; 12], "transaction ID echoed");
            assert_eq!(StunServer::mapped_address(&response), Some(client));
        }
    }

    #[test]
    fn rfc5769_2_2_ipv4_response_xor_mapped_address() {
        // The XOR-MAPPED-ADDRESS of the RFC 5769 §2.2 sample response: 192.0.2.1:32853.
        let value = hex_decode("0001a147e112a643");
        let client: SocketAddr = "192.0.2.1:32853".parse().unwrap();
        let response = StunServer::respond(&StunServer::binding_request([0; 12]), client).unwrap();
        assert_eq!(&response[24..32], value.as_slice());
    }

    #[test]
    fn ignores_garbage_and_non_requests() {
        let client: SocketAddr = "192.0.2.1:1".parse().unwrap();
        assert_eq!(StunServer::respond(&[], client), None);
        assert_eq!(StunServer::respond(&[0; 19], client), None);
        let mut request = StunServer::binding_request([1; 12]);
        request[3] = 4; // length says 4 bytes of attributes, there are none
        assert_eq!(StunServer::respond(&request, client), None);
        let response = StunServer::respond(&StunServer::binding_request([1; 12]), client).unwrap();
        assert_eq!(StunServer::respond(&response, client), None);
    }

    fn hex_decode(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
