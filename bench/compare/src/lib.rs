//! Side-by-side timing of two implementations of the same operation, for the ratios the
//! benchmarks print next to criterion's own report.
//!
//! Criterion measures wall time, one function after the other. On a shared 2-core machine
//! other processes steal time unevenly between the two, and the ratio of two criterion
//! medians taken seconds apart can swing by 2×. [`compare`] instead alternates short rounds of
//! A and B and times each round with the thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`), so
//! time the thread spent descheduled is not counted and slow phases of the machine hit both
//! sides alike; it reports the median round of each.

use std::hint::black_box;

/// Nanoseconds of CPU time this thread has consumed.
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one `timespec` through the valid pointer we pass.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    u64::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(ts.tv_nsec).unwrap_or(0)
}

/// The result of [`compare`]: median CPU nanoseconds per call of each side.
#[derive(Debug, Clone, Copy)]
pub struct Comparison {
    /// sansrtc, ns per call.
    pub ours_ns: f64,
    /// The other implementation, ns per call.
    pub theirs_ns: f64,
}

impl Comparison {
    /// How many times faster sansrtc is (theirs / ours).
    pub fn speedup(&self) -> f64 {
        self.theirs_ns / self.ours_ns
    }

    /// Prints `<what>: sansrtc X, <who> Y, sansrtc is N× faster` with adaptive units.
    pub fn print(&self, what: &str, who: &str) {
        println!(
            "{what:<24} sansrtc {:>10}   {who} {:>10}   sansrtc is {:.1}x faster",
            human(self.ours_ns),
            human(self.theirs_ns),
            self.speedup()
        );
    }
}

fn human(ns: f64) -> String {
    if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Times `ours` and `theirs` in 21 interleaved rounds of about 10 ms of CPU each and returns
/// the median of each side. Results are passed through `black_box`.
pub fn compare<A, B>(mut ours: impl FnMut() -> A, mut theirs: impl FnMut() -> B) -> Comparison {
    // Calibrate the batch size so a round of the slower side takes ~10 ms.
    let start = thread_cpu_ns();
    let mut calls = 0u64;
    while thread_cpu_ns() - start < 20_000_000 || calls < 10 {
        black_box(ours());
        black_box(theirs());
        calls += 1;
    }
    let per_pair = (thread_cpu_ns() - start) / calls;
    let batch = (10_000_000 / per_pair.max(1)).max(10);

    let mut a = Vec::new();
    let mut b = Vec::new();
    for _ in 0..21 {
        let t0 = thread_cpu_ns();
        for _ in 0..batch {
            black_box(ours());
        }
        let t1 = thread_cpu_ns();
        for _ in 0..batch {
            black_box(theirs());
        }
        let t2 = thread_cpu_ns();
        a.push((t1 - t0) as f64 / batch as f64);
        b.push((t2 - t1) as f64 / batch as f64);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Comparison {
        ours_ns: median(&mut a),
        theirs_ns: median(&mut b),
    }
}
