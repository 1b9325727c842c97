//! RTP/RTCP (RFC 3550, 4585, 8285) zero-copy views, payload packetizers and receive-side helpers.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
