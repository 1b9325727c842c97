//! Test-only deterministic network simulator: seeded lossy links, RFC 4787 NATs and a virtual clock.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
