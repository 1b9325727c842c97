//! Send side: the per-stream send queue with fragmentation (RFC 9260 §6.9), the retransmission
//! queue of outstanding DATA with SACK processing (§6.2.1, §6.3, §7.2.4), and congestion control
//! (§7.2).

pub(crate) mod congestion;
pub(crate) mod outstanding;
pub(crate) mod send_queue;
