//! Receive side: which TSNs arrived (for SACKs, RFC 9260 §6.2) and message reassembly with
//! ordered delivery (§6.5, §6.9), both bounded.

pub(crate) mod reassembly;
pub(crate) mod tsn_tracker;
