//! Candidate pairs and the checklist (RFC 8445 §6.1.2): pair priority, ordering, initial states,
//! the triggered-check queue and the choice of the next check (§6.1.4).
//!
//! WebRTC runs one data stream with one component (BUNDLE and rtcp-mux), so the checklist set
//! is a single checklist. Pairs have stable ids; candidates are referred to by their index in
//! the agent's candidate lists, which only grow within one ICE generation.

use std::collections::VecDeque;

/// A stable pair identifier, unique within an agent's lifetime.
pub(crate) type PairId = u32;

/// The pair states of RFC 8445 §6.1.2.6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PairState {
    /// Not checked yet, waiting for a pair of the same foundation to succeed.
    Frozen,
    /// Ready to be checked when Ta next fires.
    Waiting,
    /// A check was sent and its transaction runs.
    InProgress,
    /// A check succeeded (RFC 8445 §7.2.5.3).
    Succeeded,
    /// A check failed: timeout, unrecoverable error or non-symmetric response (§7.2.5.2).
    Failed,
}

/// One candidate pair.
#[derive(Clone, Debug)]
pub(crate) struct Pair {
    pub id: PairId,
    pub local: usize,
    pub remote: usize,
    pub priority: u64,
    pub state: PairState,
    /// Local and remote foundations (RFC 8445 §6.1.2.6).
    pub foundation: (String, String),
    /// In the valid list (RFC 8445 §7.2.5.3.2).
    pub valid: bool,
    /// The nominated flag (§7.2.5.3.4, §7.3.1.5).
    pub nominated: bool,
    /// Controlled agent: a USE-CANDIDATE request arrived for this pair before its check
    /// succeeded; nominate the valid pair it produces (§7.3.1.5).
    pub nominate_on_success: bool,
    /// Controlling agent: the next check of this pair carries USE-CANDIDATE (§8.1.1).
    pub use_candidate: bool,
    /// The valid pair a successful check of this pair produced (itself, or one with a
    /// reflexive local candidate).
    pub valid_pair: Option<PairId>,
    /// Whether this pair is checked: pairs formed from the checklist are; valid pairs with a
    /// reflexive local candidate, added by §7.2.5.3.2 rule 3, are not.
    pub checkable: bool,
}

/// RFC 8445 §6.1.2.3: `2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0)`, G the controlling agent's
/// candidate priority, D the controlled agent's.
pub fn pair_priority(controlling: u32, controlled: u32) -> u64 {
    let (g, d) = (u64::from(controlling), u64::from(controlled));
    (g.min(d) << 32) + 2 * g.max(d) + u64::from(g > d)
}

/// The single checklist, kept sorted by decreasing pair priority.
#[derive(Debug, Default)]
pub(crate) struct Checklist {
    pairs: Vec<Pair>,
    /// The triggered-check queue (RFC 8445 §6.1.4.1), FIFO.
    triggered: VecDeque<PairId>,
    next_id: PairId,
}

impl Checklist {
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn clear(&mut self) {
        self.pairs.clear();
        self.triggered.clear();
    }

    pub fn get(&self, id: PairId) -> Option<&Pair> {
        self.pairs.iter().find(|p| p.id == id)
    }

    pub fn get_mut(&mut self, id: PairId) -> Option<&mut Pair> {
        self.pairs.iter_mut().find(|p| p.id == id)
    }

    pub fn find(&self, local: usize, remote: usize) -> Option<&Pair> {
        self.pairs
            .iter()
            .find(|p| p.local == local && p.remote == remote)
    }

    /// Inserts a new pair in priority order and returns its id.
    pub fn insert(
        &mut self,
        local: usize,
        remote: usize,
        priority: u64,
        state: PairState,
        foundation: (String, String),
        checkable: bool,
    ) -> PairId {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let at = self.pairs.partition_point(|p| p.priority >= priority);
        self.pairs.insert(
            at,
            Pair {
                id,
                local,
                remote,
                priority,
                state,
                foundation,
                valid: false,
                nominated: false,
                nominate_on_success: false,
                use_candidate: false,
                valid_pair: None,
                checkable,
            },
        );
        id
    }

    pub fn remove(&mut self, id: PairId) {
        self.pairs.retain(|p| p.id != id);
        self.triggered.retain(|&t| t != id);
    }

    /// Recomputes every priority with `f(local, remote)` and re-sorts (after a role change,
    /// RFC 8445 §7.2.5.1, or a candidate's priority update).
    pub fn reprioritize(&mut self, f: impl Fn(usize, usize) -> u64) {
        for p in &mut self.pairs {
            p.priority = f(p.local, p.remote);
        }
        self.pairs.sort_by_key(|p| std::cmp::Reverse(p.priority));
    }

    /// The state a pair formed now starts in (RFC 8838 §12): Waiting when it is the topmost
    /// pair of its foundation or a pair of its foundation already succeeded, else Frozen.
    pub fn initial_state(&self, foundation: &(String, String), priority: u64) -> PairState {
        let mut same = self.pairs.iter().filter(|p| &p.foundation == foundation);
        let succeeded = same.clone().any(|p| p.state == PairState::Succeeded);
        let topmost = same.all(|p| p.priority < priority);
        if succeeded || topmost {
            PairState::Waiting
        } else {
            PairState::Frozen
        }
    }

    /// RFC 8445 §7.2.5.3.3: a success unfreezes the frozen pairs of its foundation.
    pub fn unfreeze_foundation(&mut self, foundation: &(String, String)) {
        for p in &mut self.pairs {
            if p.state == PairState::Frozen && &p.foundation == foundation {
                p.state = PairState::Waiting;
            }
        }
    }

    /// Queues a triggered check (RFC 8445 §7.3.1.4), once.
    pub fn trigger(&mut self, id: PairId) {
        if !self.triggered.contains(&id) {
            self.triggered.push_back(id);
        }
    }

    /// RFC 8445 §6.1.4.2: the pair to check when Ta fires: the head of the triggered queue,
    /// else the highest-priority Waiting pair, else a Frozen pair whose foundation has nothing
    /// Waiting or In-Progress (unfrozen first).
    pub fn next_check(&mut self) -> Option<PairId> {
        while let Some(id) = self.triggered.pop_front() {
            if self.get(id).is_some() {
                return Some(id);
            }
        }
        if let Some(p) = self
            .pairs
            .iter()
            .find(|p| p.checkable && p.state == PairState::Waiting)
        {
            return Some(p.id);
        }
        let busy = |f: &(String, String), pairs: &[Pair]| {
            pairs.iter().any(|p| {
                &p.foundation == f && matches!(p.state, PairState::Waiting | PairState::InProgress)
            })
        };
        let frozen = self
            .pairs
            .iter()
            .find(|p| {
                p.checkable && p.state == PairState::Frozen && !busy(&p.foundation, &self.pairs)
            })
            .map(|p| p.id)?;
        if let Some(p) = self.get_mut(frozen) {
            p.state = PairState::Waiting;
        }
        Some(frozen)
    }

    /// Whether a check is still to be sent (queued or Waiting/Frozen).
    pub fn has_work(&self) -> bool {
        !self.triggered.is_empty()
            || self
                .pairs
                .iter()
                .any(|p| p.checkable && matches!(p.state, PairState::Waiting | PairState::Frozen))
    }

    /// RFC 8445 §8.1.2: once a pair is nominated, the Waiting and Frozen pairs and the
    /// triggered queue go.
    pub fn conclude(&mut self) {
        self.triggered.clear();
        self.pairs
            .retain(|p| !matches!(p.state, PairState::Waiting | PairState::Frozen));
    }

    /// Makes room for one more pair within `max` (RFC 8445 §6.1.2.5, RFC 8838 §10 step 6):
    /// drops a Failed pair, else the lowest-priority unchecked pair below `priority`. False if
    /// nothing can go.
    pub fn make_room(&mut self, max: usize, priority: u64) -> bool {
        if self.pairs.len() < max {
            return true;
        }
        let victim = self
            .pairs
            .iter()
            .rposition(|p| p.state == PairState::Failed && !p.valid)
            .or_else(|| {
                self.pairs.iter().rposition(|p| {
                    matches!(p.state, PairState::Waiting | PairState::Frozen)
                        && p.priority < priority
                })
            });
        match victim.and_then(|i| self.pairs.get(i)).map(|p| p.id) {
            Some(id) => {
                self.remove(id);
                true
            }
            None => false,
        }
    }

    pub fn count(&self, state: PairState) -> usize {
        self.pairs.iter().filter(|p| p.state == state).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(l: &str, r: &str) -> (String, String) {
        (l.into(), r.into())
    }

    #[test]
    fn rfc8445_6_1_2_3_pair_priority() {
        // G > D: the extra 1 favours the controlling agent's preference.
        assert_eq!(pair_priority(10, 5), (5u64 << 32) + 20 + 1);
        assert_eq!(pair_priority(5, 10), (5u64 << 32) + 20);
        let max = u32::MAX >> 1;
        assert_eq!(
            pair_priority(max, max),
            (u64::from(max) << 32) + 2 * u64::from(max)
        );
    }

    #[test]
    fn rfc8445_6_1_2_3_pairs_sorted_by_decreasing_priority() {
        let mut cl = Checklist::default();
        cl.insert(0, 0, 5, PairState::Frozen, f("a", "b"), true);
        cl.insert(0, 1, 9, PairState::Frozen, f("a", "c"), true);
        cl.insert(0, 2, 7, PairState::Frozen, f("a", "d"), true);
        let order: Vec<u64> = cl.pairs().iter().map(|p| p.priority).collect();
        assert_eq!(order, [9, 7, 5]);
        cl.reprioritize(|_, r| 10 - r as u64);
        let order: Vec<usize> = cl.pairs().iter().map(|p| p.remote).collect();
        assert_eq!(order, [0, 1, 2]);
    }

    #[test]
    fn rfc8838_12_new_pair_states_follow_rules_1_to_3() {
        let mut cl = Checklist::default();
        let fa = f("a", "b");
        // Rule 1: the topmost pair of a foundation is Waiting.
        assert_eq!(cl.initial_state(&fa, 10), PairState::Waiting);
        let top = cl.insert(0, 0, 10, PairState::Waiting, fa.clone(), true);
        // Rule 3: below it, Frozen.
        assert_eq!(cl.initial_state(&fa, 5), PairState::Frozen);
        // Rule 2: once one of the foundation succeeded, Waiting.
        cl.get_mut(top).unwrap().state = PairState::Succeeded;
        assert_eq!(cl.initial_state(&fa, 5), PairState::Waiting);
    }

    #[test]
    fn rfc8445_6_1_4_2_triggered_then_waiting_then_unfrozen() {
        let mut cl = Checklist::default();
        let a = cl.insert(0, 0, 10, PairState::Waiting, f("a", "b"), true);
        let b = cl.insert(0, 1, 8, PairState::Frozen, f("a", "b"), true);
        let c = cl.insert(0, 2, 6, PairState::Waiting, f("a", "c"), true);
        cl.trigger(c);
        cl.trigger(c);
        assert_eq!(cl.next_check(), Some(c), "triggered first, queued once");
        assert_eq!(cl.next_check(), Some(a), "then the best Waiting pair");
        cl.get_mut(a).unwrap().state = PairState::InProgress;
        cl.get_mut(c).unwrap().state = PairState::InProgress;
        // b's foundation has a pair In-Progress: b stays Frozen.
        assert_eq!(cl.next_check(), None);
        cl.get_mut(a).unwrap().state = PairState::Failed;
        assert_eq!(cl.next_check(), Some(b));
        assert_eq!(cl.get(b).unwrap().state, PairState::Waiting);
    }

    #[test]
    fn rfc8445_7_2_5_3_3_success_unfreezes_the_foundation() {
        let mut cl = Checklist::default();
        let fa = f("a", "b");
        let b = cl.insert(0, 1, 8, PairState::Frozen, fa.clone(), true);
        let c = cl.insert(0, 2, 6, PairState::Frozen, f("x", "y"), true);
        cl.unfreeze_foundation(&fa);
        assert_eq!(cl.get(b).unwrap().state, PairState::Waiting);
        assert_eq!(cl.get(c).unwrap().state, PairState::Frozen);
    }

    #[test]
    fn rfc8445_6_1_2_5_checklist_is_bounded_failed_pairs_go_first() {
        let mut cl = Checklist::default();
        for i in 0..5 {
            cl.insert(0, i, 100 - i as u64, PairState::Frozen, f("a", "b"), true);
        }
        let failed = cl.pairs()[0].id;
        cl.get_mut(failed).unwrap().state = PairState::Failed;
        assert!(cl.make_room(5, 1));
        assert!(cl.get(failed).is_none());
        cl.insert(0, 9, 1, PairState::Frozen, f("a", "b"), true);
        // Full again: only a lower-priority unchecked pair may be dropped.
        assert!(!cl.make_room(5, 0));
        assert!(cl.make_room(5, 50));
        assert_eq!(cl.len(), 4);
    }

    #[test]
    fn rfc8445_8_1_2_conclusion_removes_waiting_and_frozen_pairs() {
        let mut cl = Checklist::default();
        let a = cl.insert(0, 0, 10, PairState::Succeeded, f("a", "b"), true);
        cl.insert(0, 1, 8, PairState::Frozen, f("a", "b"), true);
        let c = cl.insert(0, 2, 6, PairState::InProgress, f("a", "c"), true);
        let d = cl.insert(0, 3, 4, PairState::Waiting, f("a", "d"), true);
        cl.trigger(d);
        cl.conclude();
        let left: Vec<PairId> = cl.pairs().iter().map(|p| p.id).collect();
        assert_eq!(left, [a, c]);
        assert!(!cl.has_work());
    }
}
