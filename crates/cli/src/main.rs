//! The `sansrtc` binary: see the crate documentation.

fn main() {
    println!("sansrtc: work in progress");
}
