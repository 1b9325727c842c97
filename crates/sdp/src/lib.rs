//! SDP (RFC 8866) with the WebRTC/JSEP attributes: an owned typed model, parser and serializer.
//!
//! (Work in progress: see the crate issue.)

#![forbid(unsafe_code)]
