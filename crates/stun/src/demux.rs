//! Telling STUN apart from DTLS, RTP/RTCP and TURN ChannelData on a shared 5-tuple
//! (RFC 7983 §7, RFC 8489 §6.3).

use crate::message::{HEADER_LEN, MAGIC_COOKIE};

/// Whether `datagram` is a STUN message: first byte in 0..=3 (RFC 7983 §7), the magic cookie,
/// and a length that is a multiple of 4 and matches the datagram (RFC 8489 §6.3).
///
/// The first-byte rule leaves out methods from 0x100 up, none of which is assigned.
///
/// This is the cheap first pass a demultiplexer runs on every datagram; [`Message::parse`]
/// then does the full check.
///
/// [`Message::parse`]: crate::Message::parse
pub fn is_stun(datagram: &[u8]) -> bool {
    let Some([t0, _, l0, l1, c0, c1, c2, c3, ..]) = datagram.first_chunk::<HEADER_LEN>() else {
        return false;
    };
    let length = usize::from(u16::from_be_bytes([*l0, *l1]));
    *t0 <= 3
        && u32::from_be_bytes([*c0, *c1, *c2, *c3]) == MAGIC_COOKIE
        && length % 4 == 0
        && length + HEADER_LEN == datagram.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding_request() -> Vec<u8> {
        let mut m = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
        m.extend_from_slice(&[0xa5; 12]);
        m
    }

    #[test]
    fn rfc7983_7_first_byte_0_to_3_is_stun() {
        let mut m = binding_request();
        assert!(is_stun(&m));
        for first in [20, 64, 128, 191] {
            m[0] = first; // DTLS, TURN ChannelData, RTP/RTCP
            assert!(!is_stun(&m));
        }
    }

    #[test]
    fn rfc8489_6_3_cookie_and_length_checked() {
        let mut m = binding_request();
        m[4] = 0;
        assert!(!is_stun(&m), "magic cookie");
        let mut m = binding_request();
        m[3] = 2;
        m.extend_from_slice(&[0, 0]);
        assert!(!is_stun(&m), "length not a multiple of 4");
        let mut m = binding_request();
        m.extend_from_slice(&[0; 4]);
        assert!(!is_stun(&m), "length does not match the datagram");
        assert!(!is_stun(&m[..19]), "short");
    }
}
