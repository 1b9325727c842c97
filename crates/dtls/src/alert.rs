//! Alerts (RFC 5246 §7.2): two bytes, level and description.

use crate::codec::{DecodeError, Reader};

/// `AlertLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertLevel {
    /// warning(1)
    Warning,
    /// fatal(2)
    Fatal,
}

/// `AlertDescription` values we send or name (others are kept as their number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlertDescription {
    /// close_notify(0)
    CloseNotify,
    /// unexpected_message(10)
    UnexpectedMessage,
    /// bad_record_mac(20)
    BadRecordMac,
    /// handshake_failure(40)
    HandshakeFailure,
    /// bad_certificate(42)
    BadCertificate,
    /// unsupported_certificate(43)
    UnsupportedCertificate,
    /// certificate_unknown(46)
    CertificateUnknown,
    /// illegal_parameter(47)
    IllegalParameter,
    /// decode_error(50)
    DecodeError,
    /// decrypt_error(51)
    DecryptError,
    /// protocol_version(70)
    ProtocolVersion,
    /// insufficient_security(71)
    InsufficientSecurity,
    /// internal_error(80)
    InternalError,
    /// no_renegotiation(100)
    NoRenegotiation,
    /// unsupported_extension(110)
    UnsupportedExtension,
    /// Any other value.
    Other(u8),
}

impl AlertDescription {
    /// Wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            Self::CloseNotify => 0,
            Self::UnexpectedMessage => 10,
            Self::BadRecordMac => 20,
            Self::HandshakeFailure => 40,
            Self::BadCertificate => 42,
            Self::UnsupportedCertificate => 43,
            Self::CertificateUnknown => 46,
            Self::IllegalParameter => 47,
            Self::DecodeError => 50,
            Self::DecryptError => 51,
            Self::ProtocolVersion => 70,
            Self::InsufficientSecurity => 71,
            Self::InternalError => 80,
            Self::NoRenegotiation => 100,
            Self::UnsupportedExtension => 110,
            Self::Other(v) => v,
        }
    }

    /// From the wire value.
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::CloseNotify,
            10 => Self::UnexpectedMessage,
            20 => Self::BadRecordMac,
            40 => Self::HandshakeFailure,
            42 => Self::BadCertificate,
            43 => Self::UnsupportedCertificate,
            46 => Self::CertificateUnknown,
            47 => Self::IllegalParameter,
            50 => Self::DecodeError,
            51 => Self::DecryptError,
            70 => Self::ProtocolVersion,
            71 => Self::InsufficientSecurity,
            80 => Self::InternalError,
            100 => Self::NoRenegotiation,
            110 => Self::UnsupportedExtension,
            other => Self::Other(other),
        }
    }
}

/// One alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    /// Level.
    pub level: AlertLevel,
    /// Description.
    pub description: AlertDescription,
}

impl Alert {
    /// A fatal alert.
    pub fn fatal(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::Fatal,
            description,
        }
    }

    /// A warning alert.
    pub fn warning(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::Warning,
            description,
        }
    }

    /// Parses the two-byte body.
    pub fn parse(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, "alert");
        let level = match r.u8()? {
            1 => AlertLevel::Warning,
            2 => AlertLevel::Fatal,
            _ => return Err(DecodeError::Invalid("alert level")),
        };
        let description = AlertDescription::from_u8(r.u8()?);
        r.finish()?;
        Ok(Self { level, description })
    }

    /// The two-byte body.
    pub fn to_bytes(self) -> [u8; 2] {
        let level = match self.level {
            AlertLevel::Warning => 1,
            AlertLevel::Fatal => 2,
        };
        [level, self.description.to_u8()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5246_7_2_alert_roundtrip() {
        let a = Alert::fatal(AlertDescription::BadCertificate);
        assert_eq!(a.to_bytes(), [2, 42]);
        assert_eq!(Alert::parse(&[2, 42]).unwrap(), a);
        assert!(Alert::parse(&[3, 0]).is_err());
        assert!(Alert::parse(&[1]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn rfc5246_7_2_every_alert_roundtrips(level in 1u8..=2, description: u8) {
            let a = Alert::parse(&[level, description]).unwrap();
            proptest::prop_assert_eq!(a.to_bytes(), [level, description]);
        }
    }
}
