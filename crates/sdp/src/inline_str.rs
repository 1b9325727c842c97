//! [`InlineStr`]: the string type of the model's short fields (ICE foundations and credentials,
//! `mid`, `rid`, `msid` parts, `fmtp` parameters, unknown attributes), stored inline up to
//! [`InlineStr::INLINE_CAPACITY`] bytes and on the heap above that.
//!
//! An offer has a hundred such fields, most shorter than 30 bytes; as `String`s they were half of
//! the heap allocations of a parse, and freeing them most of the cost of dropping the model.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// An immutable string, inline when at most [`InlineStr::INLINE_CAPACITY`] bytes long (no heap
/// allocation), boxed otherwise. The same size as a `String` plus 8 bytes.
///
/// It dereferences to `str`, compares with `str`/`&str`/`String`, and converts from and to
/// `String`, so most code reads it as it read the `String` it replaces:
///
/// ```
/// use sansrtc_sdp::InlineStr;
///
/// let mid = InlineStr::from("0");
/// assert_eq!(mid, "0");
/// assert_eq!(mid.len(), 1);
/// let owned: String = mid.into();
/// assert_eq!(owned, "0");
/// ```
#[derive(Clone)]
pub struct InlineStr(Repr);

#[derive(Clone)]
enum Repr {
    /// `len` bytes of `bytes` are the UTF-8 text, the rest zero.
    Inline {
        len: u8,
        bytes: [u8; InlineStr::INLINE_CAPACITY],
    },
    /// Longer than `INLINE_CAPACITY`.
    Heap(Box<str>),
}

impl InlineStr {
    /// The longest string kept without a heap allocation.
    pub const INLINE_CAPACITY: usize = 30;

    /// The empty string.
    pub const fn new() -> InlineStr {
        InlineStr(Repr::Inline {
            len: 0,
            bytes: [0; InlineStr::INLINE_CAPACITY],
        })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Only whole `&str`s are ever copied in, so this never fails.
            Repr::Inline { len, bytes } => bytes
                .get(..usize::from(*len))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
            Repr::Heap(s) => s,
        }
    }

    /// True when the text is stored inline (for tests of the allocation behaviour).
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }
}

impl From<&str> for InlineStr {
    fn from(s: &str) -> InlineStr {
        let mut bytes = [0; InlineStr::INLINE_CAPACITY];
        match (bytes.get_mut(..s.len()), u8::try_from(s.len())) {
            (Some(prefix), Ok(len)) => {
                prefix.copy_from_slice(s.as_bytes());
                InlineStr(Repr::Inline { len, bytes })
            }
            _ => InlineStr(Repr::Heap(s.into())),
        }
    }
}

impl From<String> for InlineStr {
    fn from(s: String) -> InlineStr {
        if s.len() <= InlineStr::INLINE_CAPACITY {
            InlineStr::from(s.as_str())
        } else {
            InlineStr(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<&String> for InlineStr {
    fn from(s: &String) -> InlineStr {
        InlineStr::from(s.as_str())
    }
}

impl From<Box<str>> for InlineStr {
    fn from(s: Box<str>) -> InlineStr {
        if s.len() <= InlineStr::INLINE_CAPACITY {
            InlineStr::from(&*s)
        } else {
            InlineStr(Repr::Heap(s))
        }
    }
}

impl From<InlineStr> for String {
    fn from(s: InlineStr) -> String {
        match s.0 {
            Repr::Heap(b) => b.into_string(),
            Repr::Inline { .. } => s.as_str().to_owned(),
        }
    }
}

impl Default for InlineStr {
    fn default() -> InlineStr {
        InlineStr::new()
    }
}

impl Deref for InlineStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for InlineStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for InlineStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for InlineStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for InlineStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for InlineStr {
    fn eq(&self, other: &InlineStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for InlineStr {}

impl PartialOrd for InlineStr {
    fn partial_cmp(&self, other: &InlineStr) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for InlineStr {
    fn cmp(&self, other: &InlineStr) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for InlineStr {
    /// Hashes as the `str` does, as `Borrow<str>` requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// `InlineStr == str`, `str == InlineStr` and the same with `&str` and `String`.
macro_rules! eq_with {
    ($($other:ty),+) => {
        $(
            impl PartialEq<$other> for InlineStr {
                fn eq(&self, other: &$other) -> bool {
                    self.as_str() == &other[..]
                }
            }

            impl PartialEq<InlineStr> for $other {
                fn eq(&self, other: &InlineStr) -> bool {
                    &self[..] == other.as_str()
                }
            }
        )+
    };
}
eq_with!(str, &str, String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_strings_are_inline_and_long_ones_boxed() {
        let fit = "x".repeat(InlineStr::INLINE_CAPACITY);
        let over = "x".repeat(InlineStr::INLINE_CAPACITY + 1);
        for s in ["", "0", "é€😀", fit.as_str(), over.as_str()] {
            for t in [
                InlineStr::from(s),
                InlineStr::from(s.to_owned()),
                InlineStr::from(Box::<str>::from(s)),
            ] {
                assert_eq!(t.as_str(), s);
                assert_eq!(t.is_inline(), s.len() <= InlineStr::INLINE_CAPACITY);
                assert_eq!(String::from(t.clone()), s);
                assert_eq!(t, s);
                assert_eq!(s, t);
                assert_eq!(format!("{t:?}"), format!("{s:?}"));
            }
        }
        assert_eq!(size_of::<InlineStr>(), 32);
        assert_eq!(size_of::<Option<InlineStr>>(), 32);
    }

    #[test]
    fn equal_strings_hash_alike_whatever_the_storage() {
        use std::collections::HashSet;
        let set: HashSet<InlineStr> = ["a", &"b".repeat(40)].into_iter().map(Into::into).collect();
        assert!(set.contains("a"));
        assert!(set.contains("b".repeat(40).as_str()));
        let (short, long) = (InlineStr::from("a"), InlineStr::from("b".repeat(40)));
        assert_eq!(short.cmp(&long), std::cmp::Ordering::Less);
    }
}
