//! Per-SSRC state (RFC 3711 §3.2.3: each SSRC has its own rollover counter, replay list and
//! SRTCP index), kept in a small table bounded by `Config::max_ssrcs`.
//!
//! The table is a `Vec` sorted by SSRC: lookup is a binary search over a few contiguous entries
//! with no hashing, and memory is only allocated when an SSRC is added.

use crate::Error;

#[derive(Debug, Clone)]
pub(crate) struct Streams<S> {
    entries: Vec<(u32, S)>,
    max: usize,
}

/// Where an SSRC is, or would be inserted.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot {
    Found(usize),
    Vacant(usize),
}

impl<S> Streams<S> {
    pub(crate) fn new(max: usize) -> Streams<S> {
        Streams {
            entries: Vec::new(),
            max,
        }
    }

    pub(crate) fn slot(&self, ssrc: u32) -> Slot {
        match self.entries.binary_search_by_key(&ssrc, |(s, _)| *s) {
            Ok(i) => Slot::Found(i),
            Err(i) => Slot::Vacant(i),
        }
    }

    pub(crate) fn get(&self, slot: Slot) -> Option<&S> {
        match slot {
            Slot::Found(i) => self.entries.get(i).map(|(_, s)| s),
            Slot::Vacant(_) => None,
        }
    }

    pub(crate) fn get_mut(&mut self, slot: Slot) -> Option<&mut S> {
        match slot {
            Slot::Found(i) => self.entries.get_mut(i).map(|(_, s)| s),
            Slot::Vacant(_) => None,
        }
    }

    /// Fails with [`Error::SsrcLimit`] if a new SSRC would not fit.
    pub(crate) fn check_room(&self, ssrc: u32) -> Result<(), Error> {
        if self.entries.len() < self.max {
            Ok(())
        } else {
            Err(Error::SsrcLimit { ssrc })
        }
    }

    /// Stores `state` for `ssrc` at `slot` (from [`slot`](Self::slot), with no change since).
    pub(crate) fn put(&mut self, slot: Slot, ssrc: u32, state: S) -> Result<(), Error> {
        match slot {
            Slot::Found(i) => {
                if let Some(entry) = self.entries.get_mut(i) {
                    entry.1 = state;
                }
            }
            Slot::Vacant(i) => {
                self.check_room(ssrc)?;
                if i <= self.entries.len() {
                    self.entries.insert(i, (ssrc, state));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn remove(&mut self, ssrc: u32) -> bool {
        match self.slot(ssrc) {
            Slot::Found(i) if i < self.entries.len() => {
                self.entries.remove(i);
                true
            }
            _ => false,
        }
    }
}
