//! Tracks received TSNs: the cumulative TSN ack point, the out-of-order TSNs above it (as a
//! bounded bitmap) and duplicates to report (RFC 9260 §6.2, §6.7).

use std::collections::VecDeque;

use crate::packet::GapBlock;
use crate::seq::{Unwrapper, wire};

/// Outcome of receiving a TSN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Observed {
    /// A new TSN (unwrapped).
    New(u64),
    /// Already received: report it as a duplicate.
    Duplicate,
    /// Too far above the cumulative ack point to track: drop without acknowledging.
    TooFar,
}

/// Maximum duplicate TSNs reported in one SACK.
const MAX_DUPS: usize = 32;

#[derive(Debug)]
pub(crate) struct TsnTracker {
    unwrap: Unwrapper,
    /// Last TSN received in sequence.
    cum: u64,
    /// `above[i]`: TSN `cum + 1 + i` was received. Never ends with `false`.
    above: VecDeque<bool>,
    max_tracked: usize,
    dups: Vec<u32>,
}

impl TsnTracker {
    pub(crate) fn new(peer_initial_tsn: u32, max_tracked: usize) -> Self {
        let mut unwrap = Unwrapper::new(peer_initial_tsn);
        let cum = unwrap.unwrap(peer_initial_tsn).saturating_sub(1);
        Self {
            unwrap,
            cum,
            above: VecDeque::new(),
            max_tracked,
            dups: Vec::new(),
        }
    }

    pub(crate) fn observe(&mut self, tsn: u32) -> Observed {
        let u = self.unwrap.peek(tsn);
        if u <= self.cum {
            self.add_dup(tsn);
            return Observed::Duplicate;
        }
        let off = usize::try_from(u - self.cum - 1).unwrap_or(usize::MAX);
        if off >= self.max_tracked {
            return Observed::TooFar;
        }
        if self.above.get(off).copied().unwrap_or(false) {
            self.add_dup(tsn);
            return Observed::Duplicate;
        }
        let u = self.unwrap.unwrap(tsn);
        if self.above.len() <= off {
            self.above.resize(off + 1, false);
        }
        if let Some(slot) = self.above.get_mut(off) {
            *slot = true;
        }
        self.advance();
        Observed::New(u)
    }

    /// Whether `tsn` (unwrapped) would be accepted without exceeding what is tracked: used for
    /// the "drop above the highest TSN when the window is full" rule (§6.2).
    pub(crate) fn is_below_highest(&self, tsn: u32) -> bool {
        self.unwrap.peek(tsn) < self.highest()
    }

    fn highest(&self) -> u64 {
        self.cum + self.above.len() as u64
    }

    fn advance(&mut self) {
        while self.above.front() == Some(&true) {
            self.above.pop_front();
            self.cum += 1;
        }
    }

    fn add_dup(&mut self, tsn: u32) {
        if self.dups.len() < MAX_DUPS {
            self.dups.push(tsn);
        }
    }

    /// Unwrapped cumulative TSN ack point.
    pub(crate) fn cum_unwrapped(&self) -> u64 {
        self.cum
    }

    /// Cumulative TSN ack point on the wire.
    pub(crate) fn cum_tsn(&self) -> u32 {
        wire(self.cum)
    }

    pub(crate) fn has_gaps(&self) -> bool {
        !self.above.is_empty()
    }

    pub(crate) fn has_dups(&self) -> bool {
        !self.dups.is_empty()
    }

    /// Fills `out` with at most `max` gap ack blocks.
    pub(crate) fn gap_blocks(&self, out: &mut Vec<GapBlock>, max: usize) {
        out.clear();
        let mut start: Option<usize> = None;
        for (i, &got) in self.above.iter().enumerate() {
            match (got, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    if !push_block(out, s, i - 1, max) {
                        return;
                    }
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            push_block(out, s, self.above.len() - 1, max);
        }
    }

    pub(crate) fn take_dups(&mut self, out: &mut Vec<u32>) {
        out.clear();
        out.append(&mut self.dups);
    }

    /// FORWARD TSN (RFC 3758 §3.6): treat everything up to `new_cum` as received.
    pub(crate) fn forward_to(&mut self, new_cum: u32) -> bool {
        let u = self.unwrap.peek(new_cum);
        if u <= self.cum {
            return false;
        }
        if u - self.cum > (1 << 31) {
            return false;
        }
        self.unwrap.unwrap(new_cum);
        let skip = usize::try_from(u - self.cum).unwrap_or(usize::MAX);
        if skip >= self.above.len() {
            self.above.clear();
        } else {
            self.above.drain(..skip);
        }
        self.cum = u;
        self.advance();
        true
    }
}

/// Offsets in gap blocks are 1-based from the cumulative TSN; `s`/`e` index `above`.
fn push_block(out: &mut Vec<GapBlock>, s: usize, e: usize, max: usize) -> bool {
    let (Ok(start), Ok(end)) = (u16::try_from(s + 1), u16::try_from(e + 1)) else {
        return false;
    };
    if out.len() >= max {
        return false;
    }
    out.push(GapBlock { start, end });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9260_6_2_gap_blocks_and_duplicates() {
        let mut t = TsnTracker::new(10, 1000);
        for tsn in [10, 11, 12, 14, 15, 17] {
            assert!(matches!(t.observe(tsn), Observed::New(_)));
        }
        assert_eq!(t.observe(14), Observed::Duplicate);
        assert_eq!(t.observe(9), Observed::Duplicate);
        assert_eq!(t.cum_tsn(), 12);
        let mut gaps = Vec::new();
        t.gap_blocks(&mut gaps, 16);
        assert_eq!(
            gaps,
            [GapBlock { start: 2, end: 3 }, GapBlock { start: 5, end: 5 }]
        );
        let mut d = Vec::new();
        t.take_dups(&mut d);
        assert_eq!(d, [14, 9]);
        assert_eq!(t.observe(13), Observed::New(t.unwrap.peek(13)));
        assert_eq!(t.cum_tsn(), 15);
        assert_eq!(t.observe(2000), Observed::TooFar);
    }

    #[test]
    fn rfc9260_6_2_tsn_wraps() {
        let mut t = TsnTracker::new(u32::MAX, 100);
        t.observe(u32::MAX);
        t.observe(0);
        assert_eq!(t.cum_tsn(), 0);
    }

    #[test]
    fn rfc3758_3_6_forward_tsn_moves_cumulative_point() {
        let mut t = TsnTracker::new(1, 100);
        t.observe(1);
        t.observe(5);
        assert!(t.forward_to(3));
        assert_eq!(t.cum_tsn(), 3);
        t.observe(4);
        assert_eq!(t.cum_tsn(), 5);
        assert!(!t.forward_to(2));
    }
}
