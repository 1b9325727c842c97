//! Source-specific attributes: `a=ssrc` and `a=ssrc-group` (RFC 5576 sections 4.1 and 4.2), and
//! `a=msid` (RFC 8830 section 2).

use std::borrow::Cow;
use std::fmt;

use crate::error::Reason;
use crate::inline_str::InlineStr;
use crate::token::{Tokens, intern, number, split_once_byte, write_uint};

/// `a=ssrc:<ssrc-id> <attribute>[:<value>]` (RFC 5576 section 4.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Ssrc {
    /// The synchronization source.
    pub id: u32,
    /// The source attribute name: `cname` (RFC 5576 section 6.1), `msid`, ...
    pub attribute: Cow<'static, str>,
    /// The source attribute value, verbatim.
    pub value: Option<InlineStr>,
}

impl Ssrc {
    /// `a=ssrc:<id> cname:<cname>`.
    pub fn cname(id: u32, cname: impl Into<InlineStr>) -> Ssrc {
        Ssrc {
            id,
            attribute: Cow::Borrowed("cname"),
            value: Some(cname.into()),
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Ssrc, Reason> {
        let mut t = Tokens::new(value);
        let id = number(t.expect("ssrc id")?, "ssrc id")?;
        let rest = t.rest();
        let (attribute, value) = match split_once_byte(rest, b':') {
            Some((a, v)) => (a, Some(v.into())),
            None => (rest, None),
        };
        if attribute.is_empty() {
            return Err(Reason::Missing("ssrc attribute"));
        }
        Ok(Ssrc {
            id,
            attribute: intern!(attribute, ["cname", "msid", "mslabel", "label"]),
            value,
        })
    }
}

impl fmt::Display for Ssrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_uint(f, self.id)?;
        f.write_str(" ")?;
        f.write_str(&self.attribute)?;
        if let Some(v) = &self.value {
            f.write_str(":")?;
            f.write_str(v)?;
        }
        Ok(())
    }
}

/// `a=ssrc-group:<semantics> <ssrc-id> ...` (RFC 5576 section 4.2), e.g. `FID` for RTX
/// (RFC 4588 section 8.1), `SIM` for simulcast.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SsrcGroup {
    /// The semantics token.
    pub semantics: Cow<'static, str>,
    /// The sources, in order (for `FID`: primary, then repair).
    pub ssrcs: Vec<u32>,
}

impl SsrcGroup {
    pub(crate) fn parse(value: &str) -> Result<SsrcGroup, Reason> {
        let mut t = Tokens::new(value);
        let semantics = intern!(
            t.expect("ssrc-group semantics")?,
            ["FID", "SIM", "FEC", "FEC-FR"],
        );
        let ssrcs = t
            .map(|s| number(s, "ssrc-group ssrc id"))
            .collect::<Result<_, _>>()?;
        Ok(SsrcGroup { semantics, ssrcs })
    }
}

impl fmt::Display for SsrcGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.semantics)?;
        for s in &self.ssrcs {
            write!(f, " {s}")?;
        }
        Ok(())
    }
}

/// `a=msid:<stream id> [<track id>]` (RFC 8830 section 2): the MediaStream and track ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Msid {
    /// The MediaStream id (`-` for none, RFC 9429 section 5.2.1).
    pub stream_id: InlineStr,
    /// The application data: the track id in WebRTC.
    pub track_id: Option<InlineStr>,
}

impl Msid {
    pub(crate) fn parse(value: &str) -> Result<Msid, Reason> {
        let mut t = Tokens::new(value);
        let stream_id = t.expect("msid id")?.into();
        let rest = t.rest();
        Ok(Msid {
            stream_id,
            track_id: (!rest.is_empty()).then(|| rest.into()),
        })
    }
}

impl fmt::Display for Msid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.stream_id)?;
        if let Some(t) = &self.track_id {
            f.write_str(" ")?;
            f.write_str(t)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5576_4_1_source_attribute() {
        let s = Ssrc::parse("3800166472 msid:809be057 ed191d2e").unwrap();
        assert_eq!(s.attribute, "msid");
        assert_eq!(s.value.as_deref(), Some("809be057 ed191d2e"));
        assert_eq!(s.to_string(), "3800166472 msid:809be057 ed191d2e");
        assert_eq!(Ssrc::cname(1, "x").to_string(), "1 cname:x");
        assert_eq!(Ssrc::parse("1"), Err(Reason::Missing("ssrc attribute")));
        assert_eq!(
            Ssrc::parse("4294967296 cname:x"),
            Err(Reason::Invalid("ssrc id"))
        );
    }

    #[test]
    fn rfc5576_4_2_source_group() {
        let g = SsrcGroup::parse("FID 1276036063 3654876344").unwrap();
        assert_eq!(g.ssrcs, [1276036063, 3654876344]);
        assert_eq!(g.to_string(), "FID 1276036063 3654876344");
    }

    #[test]
    fn rfc8830_2_msid() {
        let m = Msid::parse("- 6dbe0e7e").unwrap();
        assert_eq!(m.stream_id, "-");
        assert_eq!(m.track_id.as_deref(), Some("6dbe0e7e"));
        assert_eq!(Msid::parse("stream").unwrap().to_string(), "stream");
    }
}
