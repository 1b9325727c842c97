//! A sans-IO TURN client (RFC 8656) over UDP.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
