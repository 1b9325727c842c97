//! A sans-IO ICE agent (RFC 8445, RFC 8838 trickle, RFC 7675 consent).
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
