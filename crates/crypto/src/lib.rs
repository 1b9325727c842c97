//! The crypto provider used by sansrtc's DTLS and SRTP: RustCrypto by default, ring behind a feature.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
