//! Retransmission timeout estimation (RFC 9260 §6.3.1).

use core::time::Duration;

/// SRTT/RTTVAR/RTO as in RFC 9260 §6.3.1 with RTO.Alpha = 1/8 and RTO.Beta = 1/4.
#[derive(Debug, Clone)]
pub(crate) struct RtoEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
    rto: Duration,
    min: Duration,
    max: Duration,
}

impl RtoEstimator {
    pub(crate) fn new(initial: Duration, min: Duration, max: Duration) -> Self {
        Self {
            srtt: None,
            rttvar: Duration::ZERO,
            rto: initial,
            min,
            max,
        }
    }

    /// The current RTO.
    pub(crate) fn rto(&self) -> Duration {
        self.rto
    }

    /// The smoothed RTT, once measured.
    pub(crate) fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// Rules C1-C3: feed one RTT measurement.
    pub(crate) fn observe(&mut self, r: Duration) {
        let (srtt, rttvar) = match self.srtt {
            None => (r, r / 2),
            Some(srtt) => {
                let diff = srtt.abs_diff(r);
                let rttvar = self.rttvar * 3 / 4 + diff / 4;
                (srtt * 7 / 8 + r / 8, rttvar)
            }
        };
        self.srtt = Some(srtt);
        // G (clock granularity) is 1 ms here.
        self.rttvar = rttvar.max(Duration::from_millis(1));
        self.rto = (srtt + 4 * self.rttvar).clamp(self.min, self.max);
    }

    /// Rule E2 of §6.3.3: back off after a T3-rtx expiry.
    pub(crate) fn back_off(&mut self) {
        self.rto = (self.rto * 2).min(self.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9260_6_3_1_rto_rules() {
        let ms = Duration::from_millis;
        let mut e = RtoEstimator::new(ms(1000), ms(100), ms(60_000));
        assert_eq!(e.rto(), ms(1000));
        e.observe(ms(100)); // C2: SRTT = R, RTTVAR = R/2, RTO = R + 4*R/2
        assert_eq!(e.rto(), ms(300));
        e.observe(ms(100)); // C3: RTTVAR = 3/4*50 + 0, SRTT = 100
        assert_eq!(e.rto(), ms(250));
        e.back_off();
        assert_eq!(e.rto(), ms(500));
        for _ in 0..20 {
            e.back_off();
        }
        assert_eq!(e.rto(), ms(60_000));
    }
}
