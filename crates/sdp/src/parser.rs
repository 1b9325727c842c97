//! The line-by-line parser (RFC 8866 section 5): `<type>=<value>` lines, the fixed `v= o= s=`
//! start, then session-level lines until the first `m=`, then media descriptions.
//!
//! One pass, no regex, no backtracking. The only state is which section we are in: the session
//! (no media yet) or the last media description.

use crate::address::Connection;
use crate::attribute::Attribute;
use crate::error::{Error, Reason};
use crate::media::Media;
use crate::session::{SessionDescription, Timing, parse_bandwidth, parse_origin, parse_timing};
use crate::token::find_byte;

/// One non-empty line.
struct Line<'a> {
    /// 1-based line number.
    number: usize,
    /// The type letter.
    kind: u8,
    /// Everything after `=`, without the line ending.
    value: &'a str,
}

/// Splits on `\n`, strips one trailing `\r`, skips empty lines, checks `<letter>=`.
struct Lines<'a> {
    /// The input not yet split; `None` once the last line was handed out.
    rest: Option<&'a str>,
    /// Number of the line `rest` starts with, minus one.
    number: usize,
    /// Number of the last line handed out (for "missing line" errors at the end).
    last: usize,
    /// Whether some line may hold a NUL or a bare CR; when not, lines are not searched for them.
    suspect: bool,
}

impl<'a> Lines<'a> {
    fn new(input: &'a str) -> Self {
        Lines {
            rest: Some(input),
            number: 0,
            last: 0,
            suspect: has_nul_or_bare_cr(input.as_bytes()),
        }
    }
}

/// One branch-free pass over the whole input (it vectorizes), instead of a search per line:
/// is there a NUL, or a CR that does not end a line?
fn has_nul_or_bare_cr(input: &[u8]) -> bool {
    let next = input.get(1..).unwrap_or_default();
    let pairs = input.iter().zip(next).fold(false, |bad, (&b, &n)| {
        bad | (b == 0) | ((b == b'\r') & (n != b'\n'))
    });
    // The last byte has no successor: a final CR ends the last line, a final NUL is bad.
    pairs | (input.last() == Some(&0))
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<Line<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while let Some(rest) = self.rest {
            let split = find_byte(rest.as_bytes(), b'\n')
                .and_then(|at| Some((rest.get(..at)?, rest.get(at + 1..)?)));
            let raw = match split {
                Some((line, after)) => {
                    self.rest = Some(after);
                    line
                }
                None => {
                    self.rest = None;
                    rest
                }
            };
            self.number += 1;
            let number = self.number;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() {
                continue;
            }
            self.last = number;
            let fail = |reason| {
                Some(Err(Error::Line {
                    line: number,
                    reason,
                }))
            };
            let (kind, value) = match line.as_bytes() {
                [kind, b'=', ..] => (*kind, line.get(2..).unwrap_or_default()),
                _ => return fail(Reason::NotTypeValue),
            };
            if !kind.is_ascii_lowercase() {
                return fail(Reason::NotTypeValue);
            }
            if self.suspect && value.bytes().any(|b| b == 0 || b == b'\r') {
                return fail(Reason::ForbiddenCharacter);
            }
            return Some(Ok(Line {
                number,
                kind,
                value,
            }));
        }
        None
    }
}

/// Parses a whole description.
pub(crate) fn parse(input: &str) -> Result<SessionDescription, Error> {
    let mut lines = Lines::new(input);
    let at = |line: usize| move |reason| Error::Line { line, reason };

    // RFC 8866 section 5: v=, o=, s= come first, in that order.
    let mut expect = |kind: u8| -> Result<Line<'_>, Error> {
        match lines.next() {
            Some(Ok(line)) if line.kind == kind => Ok(line),
            Some(Ok(line)) => Err(at(line.number)(Reason::Expected(char::from(kind)))),
            Some(Err(e)) => Err(e),
            None => Err(at(lines.last + 1)(Reason::MissingLine(char::from(kind)))),
        }
    };
    let v = expect(b'v')?;
    if v.value != "0" {
        return Err(at(v.number)(Reason::Version));
    }
    let o = expect(b'o')?;
    let origin = parse_origin(o.value).map_err(at(o.number))?;
    let s = expect(b's')?;

    let mut sdp = SessionDescription {
        origin,
        name: s.value.into(),
        timings: Vec::new(),
        ..SessionDescription::default()
    };
    for line in lines.by_ref() {
        let Line {
            number,
            kind,
            value,
        } = line?;
        let err = at(number);
        // Nine lines in ten are attributes: one branch to the list of the current section.
        if kind == b'a' {
            let attributes = match sdp.media.last_mut() {
                Some(media) => &mut media.attributes,
                None => &mut sdp.attributes,
            };
            attributes.push(Attribute::parse(value).map_err(err)?);
            continue;
        }
        let letter = char::from(kind);
        if kind == b'm' {
            if sdp.timings.is_empty() {
                return Err(err(Reason::MissingLine('t')));
            }
            sdp.media.push(Media::parse_line(value).map_err(err)?);
            continue;
        }
        match sdp.media.last_mut() {
            // Media level: i= c= b= k= (a= above; RFC 8866 section 5, media description).
            Some(media) => match kind {
                b'c' => media
                    .connections
                    .push(Connection::parse(value).map_err(err)?),
                b'b' => media.bandwidths.push(parse_bandwidth(value).map_err(err)?),
                b'i' => set_once(&mut media.title, value, letter).map_err(err)?,
                b'k' => set_once(&mut media.key, value, letter).map_err(err)?,
                b'v' | b'o' | b's' | b'u' | b'e' | b'p' | b't' | b'r' | b'z' => {
                    return Err(err(Reason::Misplaced(letter)));
                }
                _ => return Err(err(Reason::UnknownType(letter))),
            },
            None => match kind {
                b't' => sdp.timings.push(parse_timing(value).map_err(err)?),
                b'r' => match sdp.timings.last_mut() {
                    Some(Timing { repeats, .. }) => repeats.push(value.to_owned()),
                    None => return Err(err(Reason::Misplaced('r'))),
                },
                b'c' => {
                    if sdp.connection.is_some() {
                        return Err(err(Reason::Duplicate('c')));
                    }
                    sdp.connection = Some(Connection::parse(value).map_err(err)?);
                }
                b'b' => sdp.bandwidths.push(parse_bandwidth(value).map_err(err)?),
                b'i' => set_once(&mut sdp.information, value, letter).map_err(err)?,
                b'u' => set_once(&mut sdp.uri, value, letter).map_err(err)?,
                b'e' => sdp.emails.push(value.to_owned()),
                b'p' => sdp.phones.push(value.to_owned()),
                b'z' => set_once(&mut sdp.time_zones, value, letter).map_err(err)?,
                b'k' => set_once(&mut sdp.key, value, letter).map_err(err)?,
                b'v' | b'o' | b's' => return Err(err(Reason::Duplicate(letter))),
                _ => return Err(err(Reason::UnknownType(letter))),
            },
        }
    }
    if sdp.timings.is_empty() {
        return Err(at(lines.last + 1)(Reason::MissingLine('t')));
    }
    Ok(sdp)
}

/// Stores a line that may appear at most once per section.
fn set_once(slot: &mut Option<String>, value: &str, letter: char) -> Result<(), Reason> {
    if slot.is_some() {
        return Err(Reason::Duplicate(letter));
    }
    *slot = Some(value.to_owned());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::has_nul_or_bare_cr;

    #[test]
    fn rfc8866_9_nul_and_bare_cr_are_found_anywhere() {
        for (input, bad) in [
            (&b""[..], false),
            (b"v=0\r\n", false),
            (b"v=0\r", false), // a final CR ends the last line
            (b"v=0\n\r\n", false),
            (b"\r", false),
            (b"v=0\r\r\n", true),
            (b"a=x\ry\r\n", true),
            (b"a=x\0y\r\n", true),
            (b"\0", true),
            (b"v=0\r\n\0", true),
        ] {
            assert_eq!(has_nul_or_bare_cr(input), bad, "{input:?}");
        }
    }
}
