//! The harness proven on two third-party peers before it is trusted with sansrtc: Chromium drives
//! every data-channel case against aiortc serving (as the `sansrtc` binary would), and aiortc
//! drives Chromium, each in both offer/answer roles. A failure here is a harness bug (or a
//! Chromium/aiortc incompatibility), never ours.
//!
//! Needs Debian chromium, npm playwright-core (NODE_PATH), aiortc (AIORTC_PY) and the namespaces
//! of netns_setup.sh: run through tests/interop/run.sh.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod peers;

interop_cases!(
    chromium_offers_to_aiortc,
    Chromium { mdns: false },
    Role::Offer,
    Aiortc
);
interop_cases!(
    chromium_answers_aiortc,
    Chromium { mdns: false },
    Role::Answer,
    Aiortc
);
interop_cases!(
    aiortc_offers_to_chromium,
    Aiortc,
    Role::Offer,
    Chromium { mdns: false }
);
interop_cases!(
    aiortc_answers_chromium,
    Aiortc,
    Role::Answer,
    Chromium { mdns: false }
);
