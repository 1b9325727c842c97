//! Error causes carried by ERROR and ABORT chunks (RFC 9260 §3.3.10).

use super::{Params, be16};

/// Error cause codes.
pub mod cause_code {
    /// Invalid Stream Identifier.
    pub const INVALID_STREAM_IDENTIFIER: u16 = 1;
    /// Missing Mandatory Parameter.
    pub const MISSING_MANDATORY_PARAMETER: u16 = 2;
    /// Stale Cookie Error.
    pub const STALE_COOKIE: u16 = 3;
    /// Out of Resource.
    pub const OUT_OF_RESOURCE: u16 = 4;
    /// Unrecognized Chunk Type.
    pub const UNRECOGNIZED_CHUNK_TYPE: u16 = 6;
    /// Invalid Mandatory Parameter.
    pub const INVALID_MANDATORY_PARAMETER: u16 = 7;
    /// Unrecognized Parameters.
    pub const UNRECOGNIZED_PARAMETERS: u16 = 8;
    /// No User Data.
    pub const NO_USER_DATA: u16 = 9;
    /// Cookie Received While Shutting Down.
    pub const COOKIE_RECEIVED_WHILE_SHUTTING_DOWN: u16 = 10;
    /// Restart of an Association with New Addresses.
    pub const RESTART_WITH_NEW_ADDRESSES: u16 = 11;
    /// User-Initiated Abort.
    pub const USER_INITIATED_ABORT: u16 = 12;
    /// Protocol Violation.
    pub const PROTOCOL_VIOLATION: u16 = 13;
}

/// One error cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCause<'a> {
    /// Cause code.
    pub code: u16,
    /// Cause-specific information.
    pub info: &'a [u8],
}

impl ErrorCause<'_> {
    /// For Stale Cookie: the measure of staleness in microseconds.
    pub fn staleness_us(&self) -> Option<u32> {
        (self.code == cause_code::STALE_COOKIE)
            .then(|| super::be32(self.info, 0))
            .flatten()
    }
    /// For Invalid Stream Identifier: the stream.
    pub fn stream_id(&self) -> Option<u16> {
        (self.code == cause_code::INVALID_STREAM_IDENTIFIER)
            .then(|| be16(self.info, 0))
            .flatten()
    }
}

/// The causes in an ERROR or ABORT chunk (same TLV layout as parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCauses<'a> {
    bytes: &'a [u8],
}

impl<'a> ErrorCauses<'a> {
    /// Wraps the chunk value.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }
    /// The well-formed causes, stopping at the first malformed one.
    pub fn iter(&self) -> impl Iterator<Item = ErrorCause<'a>> + 'a {
        Params::new(self.bytes)
            .map_while(Result::ok)
            .map(|p| ErrorCause {
                code: p.param_type,
                info: p.value,
            })
    }
    /// A short human-readable description of the first cause (for close events).
    pub fn describe(&self) -> String {
        match self.iter().next() {
            None => "no cause".to_owned(),
            Some(c) => {
                let name = match c.code {
                    cause_code::INVALID_STREAM_IDENTIFIER => "invalid stream identifier",
                    cause_code::MISSING_MANDATORY_PARAMETER => "missing mandatory parameter",
                    cause_code::STALE_COOKIE => "stale cookie",
                    cause_code::OUT_OF_RESOURCE => "out of resource",
                    cause_code::UNRECOGNIZED_CHUNK_TYPE => "unrecognized chunk type",
                    cause_code::INVALID_MANDATORY_PARAMETER => "invalid mandatory parameter",
                    cause_code::UNRECOGNIZED_PARAMETERS => "unrecognized parameters",
                    cause_code::NO_USER_DATA => "no user data",
                    cause_code::COOKIE_RECEIVED_WHILE_SHUTTING_DOWN => "cookie while shutting down",
                    cause_code::RESTART_WITH_NEW_ADDRESSES => "restart with new addresses",
                    cause_code::USER_INITIATED_ABORT => "user-initiated abort",
                    cause_code::PROTOCOL_VIOLATION => "protocol violation",
                    _ => "unknown cause",
                };
                let text = core::str::from_utf8(c.info).ok().filter(|s| {
                    !s.is_empty() && s.chars().all(|ch| !ch.is_control()) && s.len() <= 200
                });
                match text {
                    Some(t) if matches!(c.code, 12 | 13) => format!("{name}: {t}"),
                    _ => name.to_owned(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9260_3_3_10_error_causes_parse() {
        let mut buf = Vec::new();
        super::super::write_param(&mut buf, cause_code::STALE_COOKIE, &1000u32.to_be_bytes());
        super::super::write_param(&mut buf, cause_code::USER_INITIATED_ABORT, b"bye");
        let c = ErrorCauses::new(&buf);
        let v: Vec<_> = c.iter().collect();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].staleness_us(), Some(1000));
        assert_eq!(v[1].info, b"bye");
        assert_eq!(
            ErrorCauses::new(&buf[8..]).describe(),
            "user-initiated abort: bye"
        );
    }
}
