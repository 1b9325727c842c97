//! Sequence-number and timestamp unwrapping: 16-bit RTP sequence numbers and 32-bit RTP
//! timestamps extended to `i64`, so that ordering and differences survive wrap-around.
//!
//! Each value is placed at the position closest to the previous one (a step of less than half
//! the number space in either direction), which is the rule RFC 3550 Appendix A.1 applies to
//! count sequence-number cycles. The first value maps to itself; a packet reordered from before
//! the first one gets a negative position.

/// Extends 16-bit RTP sequence numbers (RFC 3550 §5.1) to `i64`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SequenceUnwrapper {
    last: Option<i64>,
}

impl SequenceUnwrapper {
    /// An unwrapper that has seen nothing.
    pub const fn new() -> Self {
        Self { last: None }
    }

    /// The extended position of `seq` without remembering it.
    #[inline]
    pub fn peek(&self, seq: u16) -> i64 {
        match self.last {
            None => i64::from(seq),
            Some(last) => last + i64::from(seq.wrapping_sub(last as u16) as i16),
        }
    }

    /// The extended position of `seq`; it becomes the reference for the next call.
    #[inline]
    pub fn unwrap(&mut self, seq: u16) -> i64 {
        let v = self.peek(seq);
        self.last = Some(v);
        v
    }

    /// The last extended value returned by [`Self::unwrap`].
    pub fn last(&self) -> Option<i64> {
        self.last
    }
}

/// Extends 32-bit RTP timestamps (RFC 3550 §5.1) to `i64`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimestampUnwrapper {
    last: Option<i64>,
}

impl TimestampUnwrapper {
    /// An unwrapper that has seen nothing.
    pub const fn new() -> Self {
        Self { last: None }
    }

    /// The extended position of `ts` without remembering it.
    #[inline]
    pub fn peek(&self, ts: u32) -> i64 {
        match self.last {
            None => i64::from(ts),
            Some(last) => last + i64::from(ts.wrapping_sub(last as u32) as i32),
        }
    }

    /// The extended position of `ts`; it becomes the reference for the next call.
    #[inline]
    pub fn unwrap(&mut self, ts: u32) -> i64 {
        let v = self.peek(ts);
        self.last = Some(v);
        v
    }

    /// The last extended value returned by [`Self::unwrap`].
    pub fn last(&self) -> Option<i64> {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3550_a_1_sequence_wraps_forward_and_backward() {
        let mut u = SequenceUnwrapper::new();
        assert_eq!(u.unwrap(65534), 65534);
        assert_eq!(u.unwrap(65535), 65535);
        assert_eq!(u.unwrap(0), 65536);
        assert_eq!(u.unwrap(5), 65541);
        // Reordered from before the wrap.
        assert_eq!(u.unwrap(65533), 65533);
        assert_eq!(u.unwrap(6), 65542);
        let mut u = SequenceUnwrapper::new();
        assert_eq!(u.unwrap(3), 3);
        assert_eq!(u.unwrap(65535), -1);
        assert_eq!(u.peek(4), 4);
    }

    #[test]
    fn rfc3550_5_1_timestamps_wrap() {
        let mut u = TimestampUnwrapper::new();
        assert_eq!(u.unwrap(u32::MAX - 10), i64::from(u32::MAX - 10));
        assert_eq!(u.unwrap(3000), i64::from(u32::MAX) + 3001);
        assert_eq!(u.unwrap(u32::MAX), i64::from(u32::MAX));
        assert_eq!(u.last(), Some(i64::from(u32::MAX)));
    }
}
