//! The stateless State Cookie (RFC 9260 §5.1.3): everything needed to build the TCB, signed with
//! HMAC-SHA256 under the caller's secret so the INIT ACK sender keeps no state until COOKIE ECHO.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::packet::{be16, be32};

const BODY_LEN: usize = 4 * 7 + 8 + 2 + 2 + 1;
const MAC_LEN: usize = 32;
/// Encoded cookie length.
pub(crate) const COOKIE_LEN: usize = BODY_LEN + MAC_LEN;

/// The association parameters carried in the cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cookie {
    /// Our Initiate Tag (the tag the peer must use towards us).
    pub local_tag: u32,
    /// The peer's Initiate Tag from its INIT.
    pub peer_tag: u32,
    pub local_initial_tsn: u32,
    pub peer_initial_tsn: u32,
    pub peer_a_rwnd: u32,
    /// Tie-tags (§5.2.2): the tags of an existing association, zero when none.
    pub tie_local: u32,
    pub tie_peer: u32,
    /// Creation time in milliseconds since the association's time base.
    pub created_ms: u64,
    pub outbound_streams: u16,
    pub inbound_streams: u16,
    /// Negotiated capabilities: bit 0 FORWARD-TSN, bit 1 RE-CONFIG, bit 2 I-DATA.
    pub caps: u8,
}

type HmacSha256 = Hmac<Sha256>;

impl Cookie {
    pub(crate) fn encode(&self, secret: &[u8; 32]) -> [u8; COOKIE_LEN] {
        let mut out = [0u8; COOKIE_LEN];
        let fields = [
            self.local_tag,
            self.peer_tag,
            self.local_initial_tsn,
            self.peer_initial_tsn,
            self.peer_a_rwnd,
            self.tie_local,
            self.tie_peer,
        ];
        let mut body = [0u8; BODY_LEN];
        for (slot, f) in body.chunks_exact_mut(4).zip(fields) {
            slot.copy_from_slice(&f.to_be_bytes());
        }
        let tail = self
            .created_ms
            .to_be_bytes()
            .into_iter()
            .chain(self.outbound_streams.to_be_bytes())
            .chain(self.inbound_streams.to_be_bytes())
            .chain([self.caps]);
        for (slot, b) in body.iter_mut().skip(28).zip(tail) {
            *slot = b;
        }
        let tag = match HmacSha256::new_from_slice(secret) {
            Ok(mut mac) => {
                mac.update(&body);
                mac.finalize().into_bytes()
            }
            Err(_) => Default::default(),
        };
        for (o, b) in out.iter_mut().zip(body.iter().chain(tag.iter())) {
            *o = *b;
        }
        out
    }

    /// Verifies the MAC (constant time) and decodes; `None` if forged or malformed.
    pub(crate) fn decode(bytes: &[u8], secret: &[u8; 32]) -> Option<Self> {
        if bytes.len() != COOKIE_LEN {
            return None;
        }
        let (body, tag) = bytes.split_at_checked(BODY_LEN)?;
        let mut mac = HmacSha256::new_from_slice(secret).ok()?;
        mac.update(body);
        mac.verify_slice(tag).ok()?;
        let created: [u8; 8] = body.get(28..36)?.try_into().ok()?;
        Some(Self {
            local_tag: be32(body, 0)?,
            peer_tag: be32(body, 4)?,
            local_initial_tsn: be32(body, 8)?,
            peer_initial_tsn: be32(body, 12)?,
            peer_a_rwnd: be32(body, 16)?,
            tie_local: be32(body, 20)?,
            tie_peer: be32(body, 24)?,
            created_ms: u64::from_be_bytes(created),
            outbound_streams: be16(body, 36)?,
            inbound_streams: be16(body, 38)?,
            caps: *body.get(40)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9260_5_1_3_cookie_is_authenticated() {
        let c = Cookie {
            local_tag: 1,
            peer_tag: 2,
            local_initial_tsn: 3,
            peer_initial_tsn: 4,
            peer_a_rwnd: 5,
            tie_local: 6,
            tie_peer: 7,
            created_ms: 8,
            outbound_streams: 9,
            inbound_streams: 10,
            caps: 3,
        };
        let secret = [7u8; 32];
        let enc = c.encode(&secret);
        assert_eq!(Cookie::decode(&enc, &secret), Some(c));
        let mut forged = enc;
        forged[0] ^= 1;
        assert_eq!(Cookie::decode(&forged, &secret), None);
        assert_eq!(Cookie::decode(&enc, &[8u8; 32]), None);
        assert_eq!(Cookie::decode(&enc[1..], &secret), None);
    }
}
