//! Congestion control (RFC 9260 §7.2): slow start, congestion avoidance, fast recovery.

/// cwnd / ssthresh / partial_bytes_acked for the single path.
#[derive(Debug, Clone)]
pub(crate) struct Congestion {
    pub cwnd: usize,
    pub ssthresh: usize,
    partial_bytes_acked: usize,
    mtu: usize,
    /// Highest outstanding TSN when fast recovery was entered (§7.2.4).
    recovery_exit: Option<u64>,
}

impl Congestion {
    /// §7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4380)), ssthresh = peer's a_rwnd.
    pub(crate) fn new(mtu: usize, peer_rwnd: u32) -> Self {
        Self {
            cwnd: (4 * mtu).min((2 * mtu).max(4380)),
            ssthresh: usize::try_from(peer_rwnd).unwrap_or(usize::MAX),
            partial_bytes_acked: 0,
            mtu,
            recovery_exit: None,
        }
    }

    pub(crate) fn in_fast_recovery(&self) -> bool {
        self.recovery_exit.is_some()
    }

    /// §7.2.1 / §7.2.2: a SACK acknowledged `acked` new bytes; `flight_before` was the flight
    /// size before it; `cum_advanced` whether the cumulative ack moved; `cum_ack` the new point.
    pub(crate) fn on_ack(
        &mut self,
        acked: usize,
        flight_before: usize,
        cum_advanced: bool,
        cum_ack: u64,
    ) {
        if self.recovery_exit.is_some() {
            // The SACK that ends fast recovery does not grow cwnd either (§7.2.1 rule 3).
            if self.recovery_exit.is_some_and(|exit| cum_ack >= exit) {
                self.recovery_exit = None;
            }
            return;
        }
        if !cum_advanced {
            return;
        }
        // "Fully utilized": the sender had at least cwnd bytes (less one MTU of slack) in flight.
        let utilized = flight_before + self.mtu >= self.cwnd;
        if self.cwnd <= self.ssthresh {
            if utilized {
                self.cwnd += acked.min(self.mtu);
            }
        } else {
            self.partial_bytes_acked += acked;
            if self.partial_bytes_acked >= self.cwnd && utilized {
                self.partial_bytes_acked -= self.cwnd;
                self.cwnd += self.mtu;
            }
        }
    }

    /// All outstanding data was acknowledged (§7.2.2: partial_bytes_acked = 0).
    pub(crate) fn on_idle(&mut self) {
        self.partial_bytes_acked = 0;
    }

    /// §7.2.4: entering fast recovery on a fast retransmit. Returns false if already in it.
    pub(crate) fn on_fast_retransmit(&mut self, highest_outstanding: u64) -> bool {
        if self.in_fast_recovery() {
            return false;
        }
        self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
        self.cwnd = self.ssthresh;
        self.partial_bytes_acked = 0;
        self.recovery_exit = Some(highest_outstanding);
        true
    }

    /// §7.2.3: T3-rtx expiry.
    pub(crate) fn on_timeout(&mut self) {
        self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
        self.cwnd = self.mtu;
        self.partial_bytes_acked = 0;
        self.recovery_exit = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9260_7_2_1_slow_start_then_avoidance() {
        let mut c = Congestion::new(1200, 10_000);
        assert_eq!(c.cwnd, 4380);
        c.on_ack(5000, 4380, true, 1);
        assert_eq!(c.cwnd, 5580, "slow start grows by at most one MTU per SACK");
        c.ssthresh = 5000;
        c.on_ack(3000, 5580, true, 2);
        assert_eq!(c.cwnd, 5580);
        c.on_ack(3000, 5580, true, 3);
        assert_eq!(c.cwnd, 6780, "avoidance grows by one MTU per cwnd acked");
    }

    #[test]
    fn rfc9260_7_2_3_and_7_2_4_loss_reactions() {
        let mut c = Congestion::new(1200, 100_000);
        c.cwnd = 20_000;
        assert!(c.on_fast_retransmit(50));
        assert_eq!((c.cwnd, c.ssthresh), (10_000, 10_000));
        assert!(!c.on_fast_retransmit(60));
        c.on_ack(1200, 10_000, true, 40);
        assert_eq!(c.cwnd, 10_000, "no growth during fast recovery");
        c.on_ack(1200, 10_000, true, 50);
        assert!(!c.in_fast_recovery());
        c.on_timeout();
        assert_eq!((c.cwnd, c.ssthresh), (1200, 5000));
    }
}
