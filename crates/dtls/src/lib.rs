//! A sans-IO DTLS 1.2 client and server (RFC 6347) as WebRTC uses it: ECDHE-ECDSA, AES-GCM, EMS, use_srtp.

#![forbid(unsafe_code)]

pub mod alert;
pub mod cert;
mod client;
mod codec;
pub mod config;
mod connection;
mod error;
pub mod extension;
mod flight;
pub mod handshake;
mod keys;
mod protection;
mod reassembly;
pub mod record;
mod server;
mod state;
pub mod suite;

pub use alert::{Alert, AlertDescription, AlertLevel};
pub use cert::{Certificate, Fingerprint, FingerprintAlgorithm};
pub use codec::DecodeError;
pub use config::{Config, Role};
pub use connection::{Dtls, Event, SrtpKeyingMaterial, Stats};
pub use error::Error;
pub use extension::SrtpProfile;
pub use suite::CipherSuite;
