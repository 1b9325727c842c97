//! Declares `cfg(fuzzing)` (set by cargo-fuzz), under which the CRC32c check is bypassed so the
//! fuzzer reaches the association logic.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzzing)");
}
