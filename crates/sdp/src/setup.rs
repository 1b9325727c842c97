//! `a=setup` and `a=connection` (RFC 4145 sections 4 and 5, used for DTLS roles by RFC 8842).

use std::fmt;

use crate::error::Reason;

/// `a=setup` (RFC 4145 section 4; RFC 8842 section 5 for DTLS): who initiates the DTLS handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: this endpoint is the DTLS client.
    Active,
    /// `passive`: this endpoint is the DTLS server.
    Passive,
    /// `actpass`: either; offers use this (RFC 8842 section 5.2).
    ActPass,
    /// `holdconn`: no connection for now.
    HoldConn,
}

impl Setup {
    pub(crate) fn parse(s: &str) -> Result<Setup, Reason> {
        [
            ("actpass", Setup::ActPass),
            ("active", Setup::Active),
            ("passive", Setup::Passive),
            ("holdconn", Setup::HoldConn),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
        .map(|(_, v)| v)
        .ok_or(Reason::Invalid("setup value"))
    }

    /// The token as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Setup::Active => "active",
            Setup::Passive => "passive",
            Setup::ActPass => "actpass",
            Setup::HoldConn => "holdconn",
        }
    }

    /// The answerer's choice for an offer carrying `self` (RFC 8842 section 5.3: an answer to
    /// `actpass` should use `active`).
    pub fn answer(self) -> Setup {
        match self {
            Setup::ActPass | Setup::Passive => Setup::Active,
            Setup::Active => Setup::Passive,
            Setup::HoldConn => Setup::HoldConn,
        }
    }
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `a=connection` (RFC 4145 section 5): reuse the existing connection or open a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionMode {
    /// `new`.
    New,
    /// `existing`.
    Existing,
}

impl ConnectionMode {
    pub(crate) fn parse(s: &str) -> Result<ConnectionMode, Reason> {
        if s.eq_ignore_ascii_case("new") {
            Ok(ConnectionMode::New)
        } else if s.eq_ignore_ascii_case("existing") {
            Ok(ConnectionMode::Existing)
        } else {
            Err(Reason::Invalid("connection value"))
        }
    }

    /// The token as written.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionMode::New => "new",
            ConnectionMode::Existing => "existing",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4145_4_setup_values() {
        assert_eq!(Setup::parse("actpass"), Ok(Setup::ActPass));
        assert_eq!(Setup::parse("ACTIVE"), Ok(Setup::Active));
        assert_eq!(Setup::parse("act"), Err(Reason::Invalid("setup value")));
        assert_eq!(Setup::ActPass.answer(), Setup::Active);
    }
}
