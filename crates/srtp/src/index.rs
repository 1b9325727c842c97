//! The SRTP packet index and its estimation from the 16-bit sequence number
//! (RFC 3711 §3.3.1 and Appendix A).
//!
//! The index is `ROC * 2^16 + SEQ`, a 48-bit counter of packets sent on one SSRC. Only SEQ is on
//! the wire; both sides keep the highest index seen so far and place each new SEQ in the
//! 2^16-wide window centred on it.

/// One past the largest SRTP packet index: indices are 48 bits (RFC 3711 §3.3.1).
pub(crate) const SRTP_INDEX_LIMIT: u64 = 1 << 48;

/// Estimates the packet index of `seq` given `highest`, the highest index accepted so far
/// (RFC 3711 Appendix A).
///
/// The guess keeps the rollover counter of `highest` (`v = ROC`), or moves it by one when SEQ is
/// more than 2^15 away from the highest SEQ: `ROC - 1` for a late packet from before a wrap,
/// `ROC + 1` for a packet after one. At `ROC = 0` there is no earlier rollover, so the guess stays
/// at `ROC` (the packet is then far ahead, not behind). The result may reach 2^48 at the very end
/// of the index space; callers check it against [`SRTP_INDEX_LIMIT`].
pub(crate) fn estimate(highest: u64, seq: u16) -> u64 {
    const HALF: u64 = 1 << 15;
    const WRAP: u64 = 1 << 16;
    let guess = (highest & !0xffff) | u64::from(seq);
    if guess + HALF < highest {
        // SEQ wrapped past 65535 → 0 since the highest packet: v = ROC + 1.
        guess + WRAP
    } else if guess > highest + HALF && guess >= WRAP {
        // A late packet from before the last wrap: v = ROC - 1.
        guess - WRAP
    } else {
        guess
    }
}

/// The rollover counter of an index (its upper 32 bits).
pub(crate) fn roc(index: u64) -> u32 {
    // The index is below 2^48, so the shifted value fits; truncation is the intent otherwise.
    (index >> 16) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appendix A, written the way the RFC writes it, to cross-check the compact form.
    fn appendix_a(highest: u64, seq: u16) -> u64 {
        let s_l = (highest & 0xffff) as i64;
        let roc = (highest >> 16) as i64;
        let seq = i64::from(seq);
        let v = if s_l < 32768 {
            if seq - s_l > 32768 { roc - 1 } else { roc }
        } else if s_l - 32768 > seq {
            roc + 1
        } else {
            roc
        };
        let v = v.max(0);
        (seq + v * 65536) as u64
    }

    #[test]
    fn rfc3711_appendix_a_in_order_and_rollover() {
        assert_eq!(estimate(0, 1), 1);
        assert_eq!(estimate(65535, 0), 65536);
        assert_eq!(estimate(65535 + 65536, 3), 2 * 65536 + 3);
    }

    #[test]
    fn rfc3711_appendix_a_late_packet_before_rollover() {
        // Highest is ROC 1, SEQ 2; SEQ 65534 is a late packet from ROC 0.
        assert_eq!(estimate(65536 + 2, 65534), 65534);
        // At ROC 0 there is no earlier rollover: a far-away SEQ is ahead.
        assert_eq!(estimate(2, 65534), 65534);
    }

    #[test]
    fn rfc3711_appendix_a_matches_reference_form() {
        let highs = [
            0u64,
            1,
            100,
            32767,
            32768,
            32769,
            65535,
            65536,
            65536 + 40000,
            7 << 16 | 5,
        ];
        for &h in &highs {
            for seq in (0..=u16::MAX)
                .step_by(97)
                .chain([0, 1, 32767, 32768, 32769, 65535])
            {
                assert_eq!(
                    estimate(h, seq),
                    appendix_a(h, seq),
                    "highest {h} seq {seq}"
                );
            }
        }
    }
}
