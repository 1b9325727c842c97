//! Parse errors: every error names the 1-based line and the reason.

/// Why a line (or a standalone value such as a trickled candidate) was rejected.
///
/// The `&'static str` payloads name the field, e.g. `"rtpmap clock rate"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reason {
    /// The line is not of the form `<type>=<value>` (RFC 8866 section 5).
    #[error("expected `<type>=<value>`")]
    NotTypeValue,
    /// A type letter RFC 8866 does not define. Section 5: a parser "MUST completely ignore any
    /// session description that contains a type letter that it does not understand".
    #[error("unknown line type `{0}=`")]
    UnknownType(char),
    /// The description must start `v=`, `o=`, `s=` in that order (RFC 8866 section 5).
    #[error("expected a `{0}=` line here")]
    Expected(char),
    /// A required line is absent (`t=` after the session-level lines).
    #[error("missing `{0}=` line")]
    MissingLine(char),
    /// A session-only line (`v= o= s= u= e= p= t= r= z=`) inside a media description, or `r=`
    /// before any `t=`.
    #[error("`{0}=` line is not allowed here")]
    Misplaced(char),
    /// A line that may appear at most once in its section appeared again.
    #[error("duplicate `{0}=` line")]
    Duplicate(char),
    /// `v=` other than `0`.
    #[error("unsupported protocol version (only `v=0` exists)")]
    Version,
    /// NUL or a bare CR inside a line (RFC 8866 section 9, `text`).
    #[error("forbidden character (NUL or CR) inside the line")]
    ForbiddenCharacter,
    /// `a=` with an empty attribute name, or `a=:value`.
    #[error("empty attribute name")]
    EmptyAttributeName,
    /// A field is absent.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A field is present but malformed or out of range.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// Tokens after the last field of a fixed-form value.
    #[error("unexpected data after {0}")]
    Trailing(&'static str),
    /// A property attribute (e.g. `a=rtcp-mux`) carried a value.
    #[error("property attribute `a={0}` takes no value")]
    UnexpectedValue(&'static str),
}

/// An SDP parse error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Line `line` (1-based, counting every `\n`-terminated line of the input) was rejected.
    #[error("SDP line {line}: {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: Reason,
    },
    /// A standalone value parsed through `FromStr` (e.g. [`crate::Candidate`]) was rejected.
    #[error("{0}")]
    Value(Reason),
}

impl Error {
    /// The 1-based line number, when the error comes from a whole description.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Line { line, .. } => Some(*line),
            Error::Value(_) => None,
        }
    }

    /// Why the input was rejected.
    pub fn reason(&self) -> &Reason {
        match self {
            Error::Line { reason, .. } | Error::Value(reason) => reason,
        }
    }
}
