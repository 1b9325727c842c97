//! A sans-IO SCTP association over DTLS (RFC 9260, 8261, 3758, 6525, 8260) and WebRTC data channels (RFC 8831, 8832).

#![forbid(unsafe_code)]

mod error;
pub mod packet;

pub use error::Error;
