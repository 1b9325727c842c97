//! Just enough of the RTP and RTCP headers (RFC 3550 §5.1, §6.4) to find the SSRC, the sequence
//! number and where the encrypted portion starts. No dependency on an RTP crate: SRTP only needs
//! three fields and the header length.

use crate::Error;

/// RTP fixed header length (RFC 3550 §5.1).
pub(crate) const RTP_FIXED_LEN: usize = 12;
/// RTCP header plus sender SSRC, the part of an SRTCP packet that is never encrypted
/// (RFC 3711 §3.4).
pub(crate) const RTCP_FIXED_LEN: usize = 8;

/// The fields SRTP needs from an RTP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RtpHeader {
    pub(crate) seq: u16,
    pub(crate) ssrc: u32,
    /// Fixed header + CSRCs + header extension: where the payload starts.
    pub(crate) len: usize,
}

/// Parses the RTP header of `packet` (without any SRTP tag). The header may fill the whole packet
/// (empty payload).
pub(crate) fn rtp_header(packet: &[u8]) -> Result<RtpHeader, Error> {
    let fixed: &[u8; RTP_FIXED_LEN] = packet.first_chunk().ok_or(Error::TooShort {
        len: packet.len(),
        min: RTP_FIXED_LEN,
    })?;
    let [b0, _, s0, s1, _, _, _, _, i0, i1, i2, i3] = *fixed;
    check_version(b0)?;
    let csrc_count = usize::from(b0 & 0x0f);
    let mut len = RTP_FIXED_LEN + 4 * csrc_count;
    if b0 & 0x10 != 0 {
        // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the words.
        let ext = packet.get(len..len + 4).ok_or(Error::HeaderOverrun)?;
        let words = ext
            .get(2..4)
            .and_then(|w| w.try_into().ok())
            .map(u16::from_be_bytes)
            .ok_or(Error::HeaderOverrun)?;
        len += 4 + 4 * usize::from(words);
    }
    if len > packet.len() {
        return Err(Error::HeaderOverrun);
    }
    Ok(RtpHeader {
        seq: u16::from_be_bytes([s0, s1]),
        ssrc: u32::from_be_bytes([i0, i1, i2, i3]),
        len,
    })
}

/// Parses the sender SSRC of an RTCP packet (the first packet of a compound packet).
pub(crate) fn rtcp_sender_ssrc(packet: &[u8]) -> Result<u32, Error> {
    let fixed: &[u8; RTCP_FIXED_LEN] = packet.first_chunk().ok_or(Error::TooShort {
        len: packet.len(),
        min: RTCP_FIXED_LEN,
    })?;
    let [b0, _, _, _, i0, i1, i2, i3] = *fixed;
    check_version(b0)?;
    Ok(u32::from_be_bytes([i0, i1, i2, i3]))
}

/// Whether a packet from an RTP/RTCP-multiplexed port (RFC 5761, which WebRTC always uses) is
/// RTCP: its second octet, the RTCP packet type, is in 192..=223 (RFC 5761 §4: RTP payload types
/// 64-95 are not used when multiplexing, so with or without the marker bit an RTP packet's
/// second octet never falls there). Works on the protected packet too (the header is not
/// encrypted), so the caller knows whether to call `unprotect_rtp` or `unprotect_rtcp`.
pub fn is_rtcp(packet: &[u8]) -> bool {
    matches!(packet.get(1), Some(192..=223))
}

fn check_version(b0: u8) -> Result<(), Error> {
    match b0 >> 6 {
        2 => Ok(()),
        v => Err(Error::BadVersion(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3550_5_1_fixed_header() {
        let p = [
            0x80, 0x60, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 0xaa,
        ];
        assert_eq!(
            rtp_header(&p),
            Ok(RtpHeader {
                seq: 0x1234,
                ssrc: 0xdeadbeef,
                len: 12
            })
        );
    }

    #[test]
    fn rfc3550_5_3_1_csrcs_and_extension() {
        let mut p = vec![0x92, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7];
        p.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 10]); // two CSRCs
        p.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0]); // one-byte ext, 1 word
        p.extend_from_slice(b"payload");
        assert_eq!(rtp_header(&p).unwrap().len, 12 + 8 + 8);
        // Extension length claims more words than the packet has.
        p.truncate(12 + 8 + 6);
        assert_eq!(rtp_header(&p), Err(Error::HeaderOverrun));
        // CSRC count past the end.
        assert_eq!(
            rtp_header(&[0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(Error::HeaderOverrun)
        );
    }

    #[test]
    fn rfc5761_4_rtcp_told_apart_by_the_second_octet() {
        // SR 200, RR 201, SDES 202, BYE 203, APP 204, RTPFB 205, PSFB 206, XR 207.
        for pt in 200..=207u8 {
            assert!(is_rtcp(&[0x80, pt, 0, 1]), "{pt}");
        }
        assert!(is_rtcp(&[0x80, 192]) && is_rtcp(&[0x80, 223]));
        // RTP: dynamic payload types 96-127 and static ones below 64, marker bit set or not.
        for b1 in [
            0u8,
            8,
            63,
            96,
            111,
            127,
            0x80,
            0x80 | 63,
            0x80 | 96,
            0x80 | 111,
            0xff,
        ] {
            assert!(!is_rtcp(&[0x80, b1, 0, 1]), "{b1}");
        }
        assert!(!is_rtcp(&[0x80]) && !is_rtcp(&[]));
    }

    #[test]
    fn rejects_short_and_wrong_version() {
        assert_eq!(
            rtp_header(&[0x80; 11]),
            Err(Error::TooShort { len: 11, min: 12 })
        );
        assert_eq!(rtp_header(&[0x40; 12]), Err(Error::BadVersion(1)));
        assert_eq!(
            rtcp_sender_ssrc(&[0x80; 7]),
            Err(Error::TooShort { len: 7, min: 8 })
        );
        assert_eq!(
            rtcp_sender_ssrc(&[0x81, 0xc8, 0, 1, 1, 2, 3, 4]),
            Ok(0x01020304)
        );
    }
}
