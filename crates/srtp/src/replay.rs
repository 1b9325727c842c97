//! Replay protection (RFC 3711 §3.3.2): a sliding window of recently accepted packet indices.
//!
//! The window is a ring of bits over `u64` words, allocated once when a stream's context is
//! created. Bit `i mod N` stands for index `i`, for indices in `(top - size, top]`, where `top` is
//! the highest index accepted. Checking is separate from accepting, so a packet is only recorded
//! once it has authenticated (RFC 3711 §3.3 step 8).

use crate::Error;

/// The smallest window: RFC 3711 §3.3.2 requires at least 64.
pub(crate) const MIN_WINDOW: u64 = 64;

#[derive(Debug, Clone)]
pub(crate) struct ReplayWindow {
    /// The ring of bits; its length is a power of two so `index / 64` maps with a mask.
    words: Box<[u64]>,
    /// How many indices below `top` are tracked (`size <= 64 * words.len()`).
    size: u64,
    /// The highest accepted index.
    top: u64,
}

impl ReplayWindow {
    /// A window of `size` indices (raised to [`MIN_WINDOW`]) whose first accepted index is `first`.
    pub(crate) fn new(size: u64, first: u64) -> ReplayWindow {
        let size = size.max(MIN_WINDOW);
        let words = size.div_ceil(64).next_power_of_two();
        let words = usize::try_from(words).unwrap_or(usize::MAX);
        let mut window = ReplayWindow {
            words: vec![0; words].into_boxed_slice(),
            size,
            top: first,
        };
        window.set(first);
        window
    }

    /// The highest index accepted so far.
    pub(crate) fn top(&self) -> u64 {
        self.top
    }

    /// Whether `index` may be accepted: it is ahead of the window, or inside it and unseen.
    pub(crate) fn check(&self, index: u64) -> Result<(), Error> {
        if index > self.top {
            return Ok(());
        }
        if self.top - index >= self.size {
            return Err(Error::TooOld { index });
        }
        if self.get(index) {
            return Err(Error::Replayed { index });
        }
        Ok(())
    }

    /// Records `index` as received, sliding the window forward if it is ahead. Call only after
    /// [`check`](Self::check) passed and the packet authenticated.
    pub(crate) fn accept(&mut self, index: u64) {
        if index > self.top {
            let ring = self.ring_bits();
            let ahead = index - self.top;
            if ahead >= ring {
                self.words.fill(0);
            } else {
                self.clear(self.top + 1, ahead);
            }
            self.top = index;
        }
        self.set(index);
    }

    fn ring_bits(&self) -> u64 {
        64 * self.words.len() as u64
    }

    fn slot(&self, index: u64) -> (usize, u64) {
        let mask = self.words.len() - 1;
        // Truncating the word number is fine: it is reduced modulo the (power of two) ring.
        ((index / 64) as usize & mask, 1 << (index % 64))
    }

    fn get(&self, index: u64) -> bool {
        let (word, bit) = self.slot(index);
        self.words.get(word).is_some_and(|w| w & bit != 0)
    }

    fn set(&mut self, index: u64) {
        let (word, bit) = self.slot(index);
        if let Some(w) = self.words.get_mut(word) {
            *w |= bit;
        }
    }

    /// Clears `count` bits starting at `from` (`count` < ring size), a word at a time.
    fn clear(&mut self, mut from: u64, mut count: u64) {
        while count > 0 {
            let offset = from % 64;
            let n = count.min(64 - offset);
            let bits = if n == 64 {
                u64::MAX
            } else {
                ((1u64 << n) - 1) << offset
            };
            let (word, _) = self.slot(from);
            if let Some(w) = self.words.get_mut(word) {
                *w &= !bits;
            }
            from += n;
            count -= n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3711_3_3_2_rejects_replay_and_too_old() {
        let mut w = ReplayWindow::new(64, 100);
        assert_eq!(w.check(100), Err(Error::Replayed { index: 100 }));
        assert_eq!(w.check(101), Ok(()));
        w.accept(101);
        // Out of order within the window is fine once.
        assert_eq!(w.check(60), Ok(()));
        w.accept(60);
        assert_eq!(w.check(60), Err(Error::Replayed { index: 60 }));
        // 101 - 37 = 64: behind the window.
        assert_eq!(w.check(37), Err(Error::TooOld { index: 37 }));
        assert_eq!(w.check(38), Ok(()));
    }

    #[test]
    fn rfc3711_3_3_2_window_slides_and_forgets() {
        let mut w = ReplayWindow::new(64, 0);
        w.accept(10);
        w.accept(70);
        assert_eq!(w.check(10), Err(Error::Replayed { index: 10 }));
        w.accept(73);
        // 73 - 10 = 63: still inside.
        assert_eq!(w.check(10), Err(Error::Replayed { index: 10 }));
        w.accept(74);
        // 10 is now behind the window.
        assert_eq!(w.check(10), Err(Error::TooOld { index: 10 }));
        // A big jump clears everything.
        w.accept(10_000);
        for i in 9_937..10_000 {
            assert_eq!(w.check(i), Ok(()), "{i}");
        }
    }

    #[test]
    fn rfc3711_3_3_2_large_window() {
        let mut w = ReplayWindow::new(1024, 5000);
        assert_eq!(w.words.len(), 16);
        w.accept(5100);
        for i in (4077..5100).filter(|i| *i != 5000) {
            assert_eq!(w.check(i), Ok(()), "{i}");
        }
        assert_eq!(w.check(4076), Err(Error::TooOld { index: 4076 }));
        // A jump by less than the ring clears exactly the skipped bits.
        for i in 5101..5400 {
            w.accept(i);
        }
        w.accept(5900);
        for i in 5400..5900 {
            assert_eq!(w.check(i), Ok(()), "{i}");
        }
        for i in 5101..5400 {
            assert_eq!(w.check(i), Err(Error::Replayed { index: i }), "{i}");
        }
    }

    #[test]
    fn odd_sizes_round_up_the_ring_not_the_window() {
        let w = ReplayWindow::new(100, 1000);
        assert_eq!(w.words.len(), 2);
        assert_eq!(w.check(900), Err(Error::TooOld { index: 900 }));
        assert_eq!(w.check(901), Ok(()));
        assert_eq!(ReplayWindow::new(0, 0).size, 64);
    }
}
