//! `a=rid` (RFC 8851 section 10) and `a=simulcast` (RFC 8853 section 5.1).

use std::fmt;

use crate::error::Reason;
use crate::inline_str::InlineStr;
use crate::token::{Tokens, number};

/// `send` or `recv` in `a=rid` and `a=simulcast`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RidDirection {
    /// `send`.
    Send,
    /// `recv`.
    Recv,
}

impl RidDirection {
    fn parse(s: &str) -> Option<RidDirection> {
        match s {
            "send" => Some(RidDirection::Send),
            "recv" => Some(RidDirection::Recv),
            _ => None,
        }
    }

    /// The token as written.
    pub fn as_str(self) -> &'static str {
        match self {
            RidDirection::Send => "send",
            RidDirection::Recv => "recv",
        }
    }
}

/// `a=rid:<rid-id> <send|recv> [pt=<fmt>,...][;<restriction>...]` (RFC 8851 section 10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rid {
    /// The RTP stream id.
    pub id: InlineStr,
    /// The direction.
    pub direction: RidDirection,
    /// `pt=`: the payload types this stream may use (empty: any).
    pub payload_types: Vec<u8>,
    /// The restrictions (`max-width=1280`, `max-fps=30`, `depend=a`, ...), in order, with their
    /// optional values (RFC 8851 section 5).
    pub restrictions: Vec<(String, Option<String>)>,
}

impl Rid {
    /// A rid with no payload types and no restrictions.
    pub fn new(id: impl Into<InlineStr>, direction: RidDirection) -> Rid {
        Rid {
            id: id.into(),
            direction,
            payload_types: Vec::new(),
            restrictions: Vec::new(),
        }
    }

    /// The value of restriction `name`, e.g. `max-width`.
    pub fn restriction(&self, name: &str) -> Option<&str> {
        self.restrictions
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    pub(crate) fn parse(value: &str) -> Result<Rid, Reason> {
        let mut t = Tokens::new(value);
        let id = InlineStr::from(t.expect("rid id")?);
        let direction = RidDirection::parse(t.expect("rid direction")?)
            .ok_or(Reason::Invalid("rid direction"))?;
        let params = t.next();
        t.finish("rid parameters")?;
        let mut rid = Rid::new(id, direction);
        for (i, param) in params.into_iter().flat_map(|p| p.split(';')).enumerate() {
            let (name, value) = match param.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (param, None),
            };
            if name.is_empty() {
                return Err(Reason::Invalid("rid restriction"));
            }
            if name == "pt" {
                // RFC 8851 section 10: the format list, if any, comes first.
                if i != 0 {
                    return Err(Reason::Invalid("rid: pt= must come first"));
                }
                rid.payload_types = value
                    .unwrap_or_default()
                    .split(',')
                    .map(|pt| number(pt, "rid payload type"))
                    .collect::<Result<_, _>>()?;
            } else {
                rid.restrictions
                    .push((name.to_owned(), value.map(str::to_owned)));
            }
        }
        Ok(rid)
    }
}

impl fmt::Display for Rid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id, self.direction.as_str())?;
        let mut sep = " ";
        if !self.payload_types.is_empty() {
            f.write_str(" pt=")?;
            for (i, pt) in self.payload_types.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{pt}")?;
            }
            sep = ";";
        }
        for (name, value) in &self.restrictions {
            f.write_str(sep)?;
            f.write_str(name)?;
            if let Some(v) = value {
                f.write_str("=")?;
                f.write_str(v)?;
            }
            sep = ";";
        }
        Ok(())
    }
}

/// One `sc-id` of `a=simulcast`: a rid, possibly paused (`~`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SimulcastRid {
    /// The rid (matches an `a=rid` id).
    pub rid: InlineStr,
    /// `~` prefix: the stream is offered but paused.
    pub paused: bool,
}

/// `a=simulcast:<send|recv> <list> [<recv|send> <list>]` (RFC 8853 section 5.1).
///
/// Each list is a sequence of simulcast streams (`;`-separated); each stream is a list of
/// alternative rids (`,`-separated). An empty list means that direction is absent. The send list
/// is written first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Simulcast {
    /// The streams to send.
    pub send: Vec<Vec<SimulcastRid>>,
    /// The streams to receive.
    pub recv: Vec<Vec<SimulcastRid>>,
}

impl Simulcast {
    pub(crate) fn parse(value: &str) -> Result<Simulcast, Reason> {
        let mut t = Tokens::new(value);
        let mut sc = Simulcast::default();
        let mut seen = 0;
        while let Some(dir) = t.next() {
            let dir = RidDirection::parse(dir).ok_or(Reason::Invalid("simulcast direction"))?;
            let list = parse_streams(t.expect("simulcast stream list")?)?;
            let slot = match dir {
                RidDirection::Send => &mut sc.send,
                RidDirection::Recv => &mut sc.recv,
            };
            if !slot.is_empty() {
                return Err(Reason::Invalid("simulcast: direction repeated"));
            }
            *slot = list;
            seen += 1;
        }
        if seen == 0 {
            return Err(Reason::Missing("simulcast direction"));
        }
        Ok(sc)
    }
}

fn parse_streams(list: &str) -> Result<Vec<Vec<SimulcastRid>>, Reason> {
    list.split(';')
        .map(|alternatives| {
            alternatives
                .split(',')
                .map(|id| {
                    let (rid, paused) = match id.strip_prefix('~') {
                        Some(rid) => (rid, true),
                        None => (id, false),
                    };
                    if rid.is_empty() {
                        return Err(Reason::Invalid("simulcast rid"));
                    }
                    Ok(SimulcastRid {
                        rid: rid.into(),
                        paused,
                    })
                })
                .collect()
        })
        .collect()
}

fn write_streams(f: &mut fmt::Formatter<'_>, streams: &[Vec<SimulcastRid>]) -> fmt::Result {
    for (i, alternatives) in streams.iter().enumerate() {
        if i > 0 {
            f.write_str(";")?;
        }
        for (j, id) in alternatives.iter().enumerate() {
            if j > 0 {
                f.write_str(",")?;
            }
            if id.paused {
                f.write_str("~")?;
            }
            f.write_str(&id.rid)?;
        }
    }
    Ok(())
}

impl fmt::Display for Simulcast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if !self.send.is_empty() {
            f.write_str("send ")?;
            write_streams(f, &self.send)?;
            sep = " ";
        }
        if !self.recv.is_empty() {
            f.write_str(sep)?;
            f.write_str("recv ")?;
            write_streams(f, &self.recv)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8851_10_rid_with_formats_and_restrictions() {
        let r = Rid::parse("1 send pt=97,98;max-width=1280;max-height=720").unwrap();
        assert_eq!(r.payload_types, [97, 98]);
        assert_eq!(r.restriction("max-width"), Some("1280"));
        assert_eq!(
            r.to_string(),
            "1 send pt=97,98;max-width=1280;max-height=720"
        );
        let bare = Rid::parse("h recv").unwrap();
        assert_eq!(bare, Rid::new("h", RidDirection::Recv));
        assert_eq!(bare.to_string(), "h recv");
        assert_eq!(
            Rid::parse("q send max-fps=30").unwrap().to_string(),
            "q send max-fps=30"
        );
        assert_eq!(Rid::parse("h up"), Err(Reason::Invalid("rid direction")));
        assert_eq!(
            Rid::parse("h send max-fps=30;pt=96"),
            Err(Reason::Invalid("rid: pt= must come first"))
        );
    }

    #[test]
    fn rfc8853_5_1_simulcast_lists() {
        let sc = Simulcast::parse("send 1,~4;2;3 recv c").unwrap();
        assert_eq!(sc.send.len(), 3);
        assert_eq!(sc.send[0].len(), 2);
        assert!(sc.send[0][1].paused);
        assert_eq!(sc.recv[0][0].rid, "c");
        assert_eq!(sc.to_string(), "send 1,~4;2;3 recv c");
        // Either direction may come first; output puts send first.
        assert_eq!(
            Simulcast::parse("recv c send a").unwrap().to_string(),
            "send a recv c"
        );
        assert_eq!(
            Simulcast::parse("send a send b"),
            Err(Reason::Invalid("simulcast: direction repeated"))
        );
        assert_eq!(
            Simulcast::parse("send a;;b"),
            Err(Reason::Invalid("simulcast rid"))
        );
        assert_eq!(
            Simulcast::parse(""),
            Err(Reason::Missing("simulcast direction"))
        );
    }
}
