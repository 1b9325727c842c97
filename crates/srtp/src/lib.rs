//! SRTP and SRTCP (RFC 3711, RFC 7714), in place and without allocation per packet.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
