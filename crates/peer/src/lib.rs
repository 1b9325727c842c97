//! The sans-IO composition of sansrtc: one Peer doing offer/answer, ICE, DTLS, SCTP and SRTP.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
