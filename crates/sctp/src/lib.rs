//! A sans-IO SCTP association over DTLS (RFC 9260, 8261, 3758, 6525, 8260) and WebRTC data channels (RFC 8831, 8832).
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
