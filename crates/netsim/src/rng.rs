//! A tiny seeded PRNG (SplitMix64) for the simulator's coin flips.
//!
//! This is not cryptography: it only decides which datagrams are lost, duplicated or held back,
//! and by how much they are jittered. SplitMix64 is small, fast and has a full 2^64 period, which
//! is plenty for a test run; its only job is to make the same seed give the same run.

use std::time::Duration;

/// SplitMix64 (Steele, Lea, Flood 2014).
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// Derives an independent seed for sub-stream `index` of `seed`, so that adding a link does
    /// not shift the random draws of the links created before it.
    pub(crate) fn derive(seed: u64, index: u64) -> u64 {
        let mut rng = Self::new(seed ^ index.wrapping_mul(0xA076_1D64_78BD_642F));
        rng.next_u64()
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in `[0, 1)` with 53 bits of precision.
    pub(crate) fn next_f64(&mut self) -> f64 {
        // 2^-53: every value of the top 53 bits maps to a distinct, exactly representable float.
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * SCALE
    }

    /// True with probability `p` (values outside `[0, 1]` saturate). Always consumes one draw, so
    /// that changing a probability does not shift the draws that follow.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }

    /// A uniform duration in `[0, max]`. Always consumes one draw.
    pub(crate) fn duration_up_to(&mut self, max: Duration) -> Duration {
        let x = self.next_u64();
        let max_nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        // Multiply-high maps x onto [0, max_nanos] without modulo bias worth caring about here.
        let nanos = (u128::from(x) * (u128::from(max_nanos) + 1)) >> 64;
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_different_seed_different_stream() {
        let a: Vec<u64> = (0..8)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..8)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..8)
            .scan(Rng::new(8), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn floats_are_in_unit_interval_and_durations_bounded() {
        let mut rng = Rng::new(1);
        for _ in 0..10_000 {
            let f = rng.next_f64();
            assert!((0.0..1.0).contains(&f));
            assert!(rng.duration_up_to(Duration::from_millis(5)) <= Duration::from_millis(5));
        }
        assert_eq!(rng.duration_up_to(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn chance_saturates() {
        let mut rng = Rng::new(2);
        assert!((0..1000).all(|_| !rng.chance(0.0)));
        assert!((0..1000).all(|_| rng.chance(1.0)));
    }
}
