//! RTP/RTCP (RFC 3550, 4585, 8285) zero-copy views, payload packetizers and receive-side helpers.

#![forbid(unsafe_code)]

mod error;
pub mod extension;
pub mod jitter;
pub mod nack;
pub mod ntp;
pub mod packet;
pub mod payload;
pub mod rtcp;
pub mod rtx;
pub mod stats;
pub mod unwrap;
mod wire;

pub use error::{Error, Result};
pub use extension::{Extension, ExtensionKind, ExtensionMap, ExtensionValue, HeaderExtensions};
pub use packet::{RtpHeader, RtpPacket};
