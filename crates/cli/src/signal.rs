//! The signaling format of `sansrtc offer` / `sansrtc answer`: one JSON `RTCSessionDescription`
//! per line, `{"type":"offer","sdp":"v=0\r\n..."}`, exactly what a browser's
//! `JSON.stringify(pc.localDescription)` prints. Base64 of that JSON is accepted too, so a
//! description survives copy-paste through chat programs that mangle quotes and newlines.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// A session description as browsers serialize it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Description {
    /// `"offer"` or `"answer"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The SDP text.
    pub sdp: String,
}

/// Why a line is not a session description.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Neither JSON nor base64 of JSON.
    #[error("not a JSON session description (nor base64 of one): {0}")]
    Json(#[from] serde_json::Error),
    /// Base64 that does not decode.
    #[error("not a JSON session description, and not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// A description of the other kind.
    #[error("expected a description of type {expected:?}, got {got:?}")]
    WrongType {
        /// What the caller waits for.
        expected: &'static str,
        /// What the line says.
        got: String,
    },
}

impl Description {
    /// A description of `kind` (`"offer"` or `"answer"`).
    pub fn new(kind: &str, sdp: String) -> Self {
        Description {
            kind: kind.to_string(),
            sdp,
        }
    }

    /// Parses one line (surrounding whitespace ignored) and checks its type.
    pub fn parse_line(line: &str, expected: &'static str) -> Result<Self, Error> {
        let line = line.trim();
        let d: Description = if line.starts_with('{') {
            serde_json::from_str(line)?
        } else {
            let engine = base64::engine::general_purpose::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new()
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
            );
            let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let bytes = engine
                .decode(line)
                .or_else(|_| url_safe.decode(line.trim_end_matches('=')))?;
            serde_json::from_slice(&bytes)?
        };
        if d.kind != expected {
            return Err(Error::WrongType {
                expected,
                got: d.kind,
            });
        }
        Ok(d)
    }

    /// The one-line JSON form.
    pub fn to_line(&self) -> String {
        // Serializing two strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_base64_lines_parse() {
        let d = Description::new("offer", "v=0\r\n".into());
        let line = d.to_line();
        assert_eq!(line, r#"{"type":"offer","sdp":"v=0\r\n"}"#);
        assert_eq!(Description::parse_line(&line, "offer").unwrap(), d);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&line);
        assert_eq!(Description::parse_line(&b64, "offer").unwrap(), d);
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&line);
        assert_eq!(Description::parse_line(&b64url, "offer").unwrap(), d);
        assert!(matches!(
            Description::parse_line(&line, "answer"),
            Err(Error::WrongType { .. })
        ));
        assert!(Description::parse_line("hello", "offer").is_err());
    }
}
