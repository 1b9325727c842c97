//! Two WebRTC peers in one process over real loopback UDP, one reliable ordered data channel,
//! 64 MiB in 16 KiB messages with buffered-amount flow control: the same workload for sansrtc,
//! str0m and webrtc-rs, each run in its own process (so peak RSS is per implementation) by the
//! `peer` bench binary, which prints a table with ratios.
//!
//! Measured per implementation: setup (create offer → channel open on both sides), throughput
//! (first byte queued → last byte received), CPU seconds (user+sys, getrusage) per 64 MiB over
//! the transfer, peak RSS of the process, UDP receive errors (/proc/net/snmp RcvbufErrors and
//! InErrors, machine-wide, over the transfer), and stalls (gaps ≥ 100 ms between two received
//! messages).

pub mod child;
pub mod measure;
pub mod sansrtc_pair;
pub mod str0m_pair;
pub mod webrtc_pair;

use std::time::Duration;

/// Bytes moved per run.
pub const TOTAL: usize = 64 * 1024 * 1024;
/// Bytes per message.
pub const MESSAGE: usize = 16 * 1024;
/// The sender queues more only while the channel's buffered amount is below this.
pub const HIGH_WATER: usize = 1024 * 1024;
/// A gap this long between two received messages counts as a stall.
pub const STALL: Duration = Duration::from_millis(100);
/// Give up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(90);

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// create offer → channel open on both sides.
    pub setup: Duration,
    /// first byte queued → last byte received.
    pub transfer: Duration,
    /// Bytes received.
    pub bytes: usize,
    /// user + sys CPU over the transfer.
    pub cpu: Duration,
    /// Gaps ≥ [`STALL`] between received messages.
    pub stalls: u32,
    /// The longest gap.
    pub max_gap: Duration,
}

impl Outcome {
    /// MiB/s.
    pub fn throughput(&self) -> f64 {
        self.bytes as f64 / (1024.0 * 1024.0) / self.transfer.as_secs_f64().max(1e-9)
    }
}

/// Tracks received bytes and the gaps between messages.
#[derive(Debug)]
pub struct Receiver {
    pub bytes: usize,
    last: Option<std::time::Instant>,
    pub stalls: u32,
    pub max_gap: Duration,
}

impl Receiver {
    pub fn new() -> Self {
        Receiver {
            bytes: 0,
            last: None,
            stalls: 0,
            max_gap: Duration::ZERO,
        }
    }

    pub fn on_message(&mut self, len: usize) {
        let now = std::time::Instant::now();
        if let Some(last) = self.last {
            let gap = now - last;
            self.max_gap = self.max_gap.max(gap);
            if gap >= STALL {
                self.stalls += 1;
            }
        }
        self.last = Some(now);
        self.bytes += len;
    }

    pub fn done(&self) -> bool {
        self.bytes >= TOTAL
    }
}

impl Default for Receiver {
    fn default() -> Self {
        Self::new()
    }
}
