//! The sansrtc reference driver: real UDP sockets and the `sansrtc` binary.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
