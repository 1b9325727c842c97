//! NTP timestamps for RTCP (RFC 3550 §4): 64-bit 32.32 fixed-point seconds since 1900, and
//! the 32-bit "compact" middle that LSR, DLSR and round-trip times use (§6.4.1).
//!
//! The crate reads no clock: [`NtpClock`] maps `Instant`s to NTP time from one reference
//! pair the caller takes once (e.g. `Instant::now()` and `SystemTime::now()`).

use std::time::{Duration, Instant};

/// Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01).
pub const UNIX_EPOCH_OFFSET_SECS: u64 = 2_208_988_800;

/// A duration as 32.32 fixed-point seconds (wrapping).
pub fn duration_to_ntp(d: Duration) -> u64 {
    // subsec_nanos < 10^9 < 2^30: the shifted value fits 64 bits (no 128-bit division).
    let frac = (u64::from(d.subsec_nanos()) << 32) / 1_000_000_000;
    (d.as_secs() << 32).wrapping_add(frac)
}

/// The NTP time of a moment given as time since the Unix epoch.
pub fn ntp_from_unix(since_unix_epoch: Duration) -> u64 {
    duration_to_ntp(since_unix_epoch).wrapping_add(UNIX_EPOCH_OFFSET_SECS << 32)
}

/// The middle 32 bits of an NTP timestamp: 16.16 fixed-point seconds (RFC 3550 §6.4.1 LSR).
pub fn compact(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// A duration in compact NTP units (1/65536 s), saturating (RFC 3550 §6.4.1 DLSR).
pub fn duration_to_compact(d: Duration) -> u32 {
    let units = d.as_nanos().saturating_mul(65_536) / 1_000_000_000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// Compact NTP units (1/65536 s) as a duration.
pub fn compact_to_duration(units: u32) -> Duration {
    Duration::from_nanos(u64::from(units) * 1_000_000_000 / 65_536)
}

/// Maps `Instant`s to NTP time from one reference point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NtpClock {
    base: Instant,
    base_ntp: u64,
}

impl NtpClock {
    /// `base` is the moment whose NTP time is `base_ntp`.
    pub fn new(base: Instant, base_ntp: u64) -> Self {
        Self { base, base_ntp }
    }

    /// The NTP time at `now` (before `base`: counted backwards).
    pub fn ntp(&self, now: Instant) -> u64 {
        match now.checked_duration_since(self.base) {
            Some(d) => self.base_ntp.wrapping_add(duration_to_ntp(d)),
            None => self
                .base_ntp
                .wrapping_sub(duration_to_ntp(self.base.saturating_duration_since(now))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3550_4_ntp_fixed_point() {
        assert_eq!(duration_to_ntp(Duration::from_millis(1500)), 0x1_8000_0000);
        assert_eq!(compact(0x1234_5678_9abc_def0), 0x5678_9abc);
        assert_eq!(duration_to_compact(Duration::from_secs(1)), 0x1_0000);
        assert_eq!(compact_to_duration(0x8000), Duration::from_millis(500));
        // 2000-01-01T00:00:00Z is 3155673600 s after the NTP epoch.
        assert_eq!(
            ntp_from_unix(Duration::from_secs(946_684_800)) >> 32,
            3_155_673_600
        );
        let t0 = Instant::now();
        let clock = NtpClock::new(t0, 10 << 32);
        assert_eq!(clock.ntp(t0 + Duration::from_secs(2)), 12 << 32);
    }
}
