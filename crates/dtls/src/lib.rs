//! A sans-IO DTLS 1.2 client and server (RFC 6347) as WebRTC uses it: ECDHE-ECDSA, AES-GCM, EMS, use_srtp.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
