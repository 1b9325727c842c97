//! The association's timers (RFC 9260 §14 protocol parameters): one table of deadlines,
//! `poll_timeout` returns the earliest.

use std::time::Instant;

/// The timers an association runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// T1-init: INIT retransmission (§5.1).
    T1Init = 0,
    /// T1-cookie: COOKIE ECHO retransmission (§5.1).
    T1Cookie = 1,
    /// T2-shutdown: SHUTDOWN / SHUTDOWN ACK retransmission (§9.2).
    T2Shutdown = 2,
    /// T3-rtx: DATA retransmission (§6.3.2).
    T3Rtx = 3,
    /// Delayed SACK (§6.2).
    DelayedAck = 4,
    /// Heartbeat interval (§8.3).
    Heartbeat = 5,
    /// RE-CONFIG request retransmission (RFC 6525 §5.1.1).
    Reconfig = 6,
}

impl Timer {
    pub(crate) const ALL: [Timer; 7] = [
        Timer::T1Init,
        Timer::T1Cookie,
        Timer::T2Shutdown,
        Timer::T3Rtx,
        Timer::DelayedAck,
        Timer::Heartbeat,
        Timer::Reconfig,
    ];
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Timers {
    deadlines: [Option<Instant>; 7],
}

impl Timers {
    pub(crate) fn set(&mut self, t: Timer, at: Instant) {
        if let Some(d) = self.deadlines.get_mut(t as usize) {
            *d = Some(at);
        }
    }
    pub(crate) fn stop(&mut self, t: Timer) {
        if let Some(d) = self.deadlines.get_mut(t as usize) {
            *d = None;
        }
    }
    pub(crate) fn get(&self, t: Timer) -> Option<Instant> {
        self.deadlines.get(t as usize).copied().flatten()
    }
    pub(crate) fn is_running(&self, t: Timer) -> bool {
        self.get(t).is_some()
    }
    pub(crate) fn stop_all(&mut self) {
        self.deadlines = [None; 7];
    }
    pub(crate) fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }
    /// Returns and stops a timer that has expired at `now`.
    pub(crate) fn expired(&mut self, now: Instant) -> Option<Timer> {
        for t in Timer::ALL {
            if self.get(t).is_some_and(|d| d <= now) {
                self.stop(t);
                return Some(t);
            }
        }
        None
    }
}
