//! RFC 7983 §7: which protocol a datagram on the shared 5-tuple belongs to, from its first byte
//! (and, for RTP against RTCP, RFC 5761 §4's second byte).

/// The protocol of one received datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 0-3: STUN (ICE checks, consent, STUN/TURN server responses).
    Stun,
    /// 20-63: DTLS records.
    Dtls,
    /// 64-79: TURN ChannelData.
    TurnChannel,
    /// 128-191 with a payload type outside 64-95: SRTP.
    Rtp,
    /// 128-191 with payload type 64-95 (RTCP packet types 192-223, RFC 5761 §4): SRTCP.
    Rtcp,
    /// Anything else (16-19 is ZRTP, which WebRTC does not use): dropped.
    Unknown,
}

/// Classifies a datagram.
pub fn classify(datagram: &[u8]) -> Kind {
    match datagram.first().copied() {
        Some(0..=3) => Kind::Stun,
        Some(20..=63) => Kind::Dtls,
        Some(64..=79) => Kind::TurnChannel,
        Some(128..=191) => match datagram.get(1) {
            Some(b) if (192..=223).contains(b) => Kind::Rtcp,
            Some(_) => Kind::Rtp,
            None => Kind::Unknown,
        },
        _ => Kind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7983_7_first_byte_ranges() {
        for b in 0..=255u8 {
            let kind = classify(&[b, 96, 0, 0]);
            let want = match b {
                0..=3 => Kind::Stun,
                20..=63 => Kind::Dtls,
                64..=79 => Kind::TurnChannel,
                128..=191 => Kind::Rtp,
                _ => Kind::Unknown,
            };
            assert_eq!(kind, want, "first byte {b}");
        }
        assert_eq!(classify(&[]), Kind::Unknown);
    }

    #[test]
    fn rfc5761_4_rtcp_packet_types_192_to_223() {
        assert_eq!(classify(&[0x80, 200]), Kind::Rtcp); // SR
        assert_eq!(classify(&[0x81, 205]), Kind::Rtcp); // RTPFB
        assert_eq!(classify(&[0x80, 223]), Kind::Rtcp);
        assert_eq!(classify(&[0x80, 191]), Kind::Rtp);
        assert_eq!(classify(&[0x80, 224]), Kind::Rtp);
        assert_eq!(classify(&[0x80, 111]), Kind::Rtp); // opus, marker clear
        assert_eq!(classify(&[0x80]), Kind::Unknown);
    }
}
