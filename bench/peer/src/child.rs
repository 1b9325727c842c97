//! The child side: one implementation's run, reported as one `RESULT` line on stdout for the
//! `peer` bench to parse. Each implementation has its own small binary (src/bin/), so that the
//! peak RSS of a child holds that implementation's code pages and no other's.

use crate::{Outcome, measure};

/// Runs `run` and prints its `RESULT` line; exits non-zero with the error on stderr.
pub fn main(name: &str, run: impl FnOnce() -> Result<Outcome, String>) {
    let (rcv0, in0) = measure::udp_errors();
    let o = match run() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::exit(1);
        }
    };
    let (rcv1, in1) = measure::udp_errors();
    println!(
        "RESULT {name} {} {} {} {} {} {} {} {} {}",
        o.setup.as_nanos(),
        o.transfer.as_nanos(),
        o.bytes,
        o.cpu.as_nanos(),
        measure::peak_rss_kib(),
        rcv1.saturating_sub(rcv0),
        in1.saturating_sub(in0),
        o.stalls,
        o.max_gap.as_nanos()
    );
}
