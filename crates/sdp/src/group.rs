//! `a=group` (RFC 5888 section 5), e.g. `a=group:BUNDLE 0 1 2` (RFC 9143 section 7).

use std::borrow::Cow;
use std::fmt;

use crate::error::Reason;
use crate::inline_str::InlineStr;
use crate::token::{Tokens, intern};

/// `a=group:<semantics> *(SP <identification-tag>)` (RFC 5888 section 5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Group {
    /// The semantics: `BUNDLE` (RFC 9143), `LS`, `FID` (RFC 5888), ...
    pub semantics: Cow<'static, str>,
    /// The `a=mid` values of the grouped media, in order (for `BUNDLE`, the first is the tagged
    /// m= section, RFC 9143 section 7.2.1).
    pub mids: Vec<InlineStr>,
}

impl Group {
    /// `BUNDLE` (RFC 9143).
    pub const BUNDLE: &'static str = "BUNDLE";

    /// `a=group:BUNDLE <mids>`.
    pub fn bundle<S: Into<InlineStr>>(mids: impl IntoIterator<Item = S>) -> Group {
        Group {
            semantics: Cow::Borrowed(Group::BUNDLE),
            mids: mids.into_iter().map(Into::into).collect(),
        }
    }

    /// True for `BUNDLE`.
    pub fn is_bundle(&self) -> bool {
        self.semantics == Group::BUNDLE
    }

    pub(crate) fn parse(value: &str) -> Result<Group, Reason> {
        let mut t = Tokens::new(value);
        let semantics = intern!(t.expect("group semantics")?, ["BUNDLE", "LS", "FID"]);
        Ok(Group {
            semantics,
            mids: t.map(InlineStr::from).collect(),
        })
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.semantics)?;
        for mid in &self.mids {
            f.write_str(" ")?;
            f.write_str(mid)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9143_7_bundle_group() {
        let g = Group::parse("BUNDLE 0 1 2").unwrap();
        assert!(g.is_bundle());
        assert_eq!(g, Group::bundle(["0", "1", "2"]));
        assert_eq!(g.to_string(), "BUNDLE 0 1 2");
        // An empty group is syntactically valid (RFC 5888 section 5 ABNF: *(SP tag)).
        assert_eq!(Group::parse("BUNDLE").unwrap().mids.len(), 0);
        assert_eq!(Group::parse(""), Err(Reason::Missing("group semantics")));
    }
}
