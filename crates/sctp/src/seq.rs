//! Serial number arithmetic (RFC 1982, as used by RFC 9260 §1.6 for TSNs and SSNs): 32-bit TSNs
//! are unwrapped to monotonic `u64`s so the rest of the crate compares plain integers.

/// Unwraps 32-bit serial numbers to `u64` relative to the last one seen.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unwrapper {
    last: u64,
}

impl Unwrapper {
    /// Starts at `initial` (unwrapped to `2^32 + initial`, so values just below never underflow).
    pub(crate) fn new(initial: u32) -> Self {
        Self {
            last: (1u64 << 32) + u64::from(initial),
        }
    }

    /// The unwrapped value of `v`, the closest to the last value seen (within ±2^31).
    pub(crate) fn unwrap(&mut self, v: u32) -> u64 {
        let delta = v.wrapping_sub(self.last as u32) as i32;
        let u = self.last.saturating_add_signed(i64::from(delta));
        if u > self.last {
            self.last = u;
        }
        u
    }

    /// The unwrapped value of `v` without moving the reference.
    pub(crate) fn peek(&self, v: u32) -> u64 {
        let delta = v.wrapping_sub(self.last as u32) as i32;
        self.last.saturating_add_signed(i64::from(delta))
    }
}

/// Unwraps `v` to the value closest to `reference` (within ±2^31).
pub(crate) fn unwrap_near(reference: u64, v: u32) -> u64 {
    let delta = v.wrapping_sub(reference as u32) as i32;
    reference.saturating_add_signed(i64::from(delta))
}

/// Truncates an unwrapped TSN to its wire form.
pub(crate) fn wire(v: u64) -> u32 {
    v as u32
}

/// `a` is newer than or equal to `b` in 16-bit serial arithmetic (SSNs).
pub(crate) fn ssn_ge(a: u16, b: u16) -> bool {
    (a.wrapping_sub(b) as i16) >= 0
}

/// `a` is newer than or equal to `b` in 32-bit serial arithmetic (I-DATA message identifiers,
/// RFC 8260 §2.1).
pub(crate) fn mid_ge(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) >= 0
}

/// `a` is newer than or equal to `b` as SSN (`mid == false`, 16 bits) or MID (32 bits).
pub(crate) fn serial_ge(a: u32, b: u32, mid: bool) -> bool {
    if mid {
        mid_ge(a, b)
    } else {
        ssn_ge(a as u16, b as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9260_1_6_serial_number_arithmetic_wraps() {
        let mut u = Unwrapper::new(u32::MAX - 1);
        let a = u.unwrap(u32::MAX);
        let b = u.unwrap(0);
        let c = u.unwrap(1);
        assert_eq!((b - a, c - b), (1, 1));
        assert_eq!(u.unwrap(u32::MAX - 1), a - 1);
        assert!(ssn_ge(0, 65535));
        assert!(!ssn_ge(65535, 0));
        assert_eq!(wire(c), 1);
    }
}
