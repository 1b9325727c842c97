//! STUN (RFC 8489): zero-copy messages, attributes, integrity, fingerprint and client transactions.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
