//! Shared helpers for sansrtc's cross-crate and interop tests.
