//! A sans-IO SCTP association over DTLS (RFC 9260, 8261, 3758, 6525, 8260) and WebRTC data
//! channels (RFC 8831, 8832).

#![forbid(unsafe_code)]

mod association;
mod config;
mod cookie;
pub mod datachannel;
mod error;
pub mod packet;
mod rng;
mod rto;
mod rx;
mod seq;
mod timer;
mod tx;

pub use association::{Association, CloseReason, Event, State, Stats};
pub use config::Config;
pub use datachannel::dcep::{Reliability, ppid};
pub use datachannel::{Channel, ChannelConfig, ChannelEvent, ChannelState, DataChannels, DtlsRole};
pub use error::Error;
pub use rx::reassembly::Message;
pub use tx::send_queue::SendOptions;
