//! RTP/RTCP (RFC 3550, 4585, 8285) zero-copy views, payload packetizers and receive-side helpers.

#![forbid(unsafe_code)]

mod error;
pub mod extension;
pub mod packet;
mod wire;

pub use error::{Error, Result};
pub use extension::{Extension, ExtensionKind, ExtensionMap, ExtensionValue, HeaderExtensions};
pub use packet::{RtpHeader, RtpPacket};
pub mod rtcp;
