//! Variable-length parameters (RFC 9260 §3.2.1) and their type codes.

use super::{be16, padded};
use crate::Error;

/// Parameter type codes used by this implementation.
pub mod param_type {
    /// Heartbeat Info (RFC 9260 §3.3.5).
    pub const HEARTBEAT_INFO: u16 = 1;
    /// IPv4 address (§3.3.2.1): ignored over DTLS (RFC 8261 §4).
    pub const IPV4_ADDRESS: u16 = 5;
    /// IPv6 address: ignored over DTLS.
    pub const IPV6_ADDRESS: u16 = 6;
    /// State Cookie (§3.3.3.1).
    pub const STATE_COOKIE: u16 = 7;
    /// Unrecognized Parameter (§3.3.3.1).
    pub const UNRECOGNIZED_PARAMETER: u16 = 8;
    /// Cookie Preservative (§3.3.2.1).
    pub const COOKIE_PRESERVATIVE: u16 = 9;
    /// Host Name Address: deprecated by RFC 9260.
    pub const HOST_NAME_ADDRESS: u16 = 11;
    /// Supported Address Types (§3.3.2.1).
    pub const SUPPORTED_ADDRESS_TYPES: u16 = 12;
    /// Outgoing SSN Reset Request (RFC 6525 §4.1).
    pub const OUTGOING_SSN_RESET_REQUEST: u16 = 13;
    /// Incoming SSN Reset Request (RFC 6525 §4.2).
    pub const INCOMING_SSN_RESET_REQUEST: u16 = 14;
    /// SSN/TSN Reset Request (RFC 6525 §4.3).
    pub const SSN_TSN_RESET_REQUEST: u16 = 15;
    /// Re-configuration Response (RFC 6525 §4.4).
    pub const RECONFIG_RESPONSE: u16 = 16;
    /// Add Outgoing Streams Request (RFC 6525 §4.5).
    pub const ADD_OUTGOING_STREAMS_REQUEST: u16 = 17;
    /// Add Incoming Streams Request (RFC 6525 §4.6).
    pub const ADD_INCOMING_STREAMS_REQUEST: u16 = 18;
    /// ECN Capable (RFC 9260 Appendix A): ignored.
    pub const ECN_CAPABLE: u16 = 0x8000;
    /// Zero Checksum Acceptable (RFC 9653): not offered.
    pub const ZERO_CHECKSUM_ACCEPTABLE: u16 = 0x8001;
    /// Supported Extensions (RFC 5061 §4.2.7).
    pub const SUPPORTED_EXTENSIONS: u16 = 0x8008;
    /// Forward-TSN-Supported (RFC 3758 §3.1).
    pub const FORWARD_TSN_SUPPORTED: u16 = 0xc000;
}

/// What to do with a parameter of an unknown type, from its two high bits (RFC 9260 §3.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownParamAction {
    /// `00`: stop processing this chunk's parameters.
    Stop,
    /// `01`: stop and report it as unrecognized.
    StopAndReport,
    /// `10`: skip it.
    Skip,
    /// `11`: skip it and report it as unrecognized.
    SkipAndReport,
}

impl UnknownParamAction {
    /// The action encoded in the type's upper two bits.
    pub fn of(param_type: u16) -> Self {
        match param_type >> 14 {
            0 => Self::Stop,
            1 => Self::StopAndReport,
            2 => Self::Skip,
            _ => Self::SkipAndReport,
        }
    }
    /// Whether the parameter must be reported back to the sender.
    pub fn report(self) -> bool {
        matches!(self, Self::StopAndReport | Self::SkipAndReport)
    }
    /// Whether processing of further parameters stops.
    pub fn stop(self) -> bool {
        matches!(self, Self::Stop | Self::StopAndReport)
    }
}

/// One parameter TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// Parameter type.
    pub param_type: u16,
    /// Value (without the 4-byte header and padding).
    pub value: &'a [u8],
    /// The whole TLV without padding (for Unrecognized Parameter reports).
    pub bytes: &'a [u8],
}

/// Iterator over a run of parameter TLVs; yields an error and stops on a bad length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params<'a> {
    rest: &'a [u8],
}

impl<'a> Params<'a> {
    /// Iterates over the TLVs in `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { rest: buf }
    }
}

impl<'a> Iterator for Params<'a> {
    type Item = Result<Param<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let parse = || -> Result<(Param<'a>, &'a [u8]), Error> {
            let param_type = be16(self.rest, 0).ok_or(Error::Truncated)?;
            let len = usize::from(be16(self.rest, 2).ok_or(Error::Truncated)?);
            if len < 4 {
                return Err(Error::InvalidLength);
            }
            let bytes = self.rest.get(..len).ok_or(Error::Truncated)?;
            let value = bytes.get(4..).ok_or(Error::Truncated)?;
            Ok((
                Param {
                    param_type,
                    value,
                    bytes,
                },
                self.rest.get(padded(len)..).unwrap_or(&[]),
            ))
        };
        match parse() {
            Ok((p, rest)) => {
                self.rest = rest;
                Some(Ok(p))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9260_3_2_1_param_high_bits() {
        assert_eq!(UnknownParamAction::of(0x0001), UnknownParamAction::Stop);
        assert_eq!(
            UnknownParamAction::of(0x4001),
            UnknownParamAction::StopAndReport
        );
        assert_eq!(UnknownParamAction::of(0x8001), UnknownParamAction::Skip);
        assert_eq!(
            UnknownParamAction::of(0xc001),
            UnknownParamAction::SkipAndReport
        );
    }

    #[test]
    fn rfc9260_3_2_1_params_iterate_with_padding() {
        let b = [0, 7, 0, 5, 0xaa, 0, 0, 0, 0xc0, 0, 0, 4];
        let v: Vec<_> = Params::new(&b).collect::<Result<_, _>>().unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].value, &[0xaa]);
        assert_eq!(v[1].param_type, 0xc000);
        assert!(Params::new(&[0, 7, 0, 9, 0]).next().unwrap().is_err());
    }
}
