//! The NAT matrix: two agents, each on the internet or behind one of the RFC 4787 NAT types,
//! with a STUN and a TURN server, on the netsim virtual clock. For every cell the test asserts
//! which kind of pair ICE ends up on and bounds the virtual time to connect; the same matrix
//! without TURN shows which cells need a relay (they fail).
//!
//! `ICE_MATRIX_OUT=docs/ice-nat-matrix.md cargo test -p sansrtc-ice --test nat_matrix` writes
//! the tables as Markdown.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod harness;

use std::fmt::Write as _;
use std::time::Duration;

use harness::{Nat, Options, World, class, describe};
use sansrtc_ice::ConnectionState;

/// What ICE must achieve in a cell, derived from the NAT behaviours (see docs/ice-nat-matrix.md):
/// - no NAT on both sides: the host pair;
/// - endpoint-independent mapping and filtering on every NATed side: the server-reflexive
///   addresses work as they are (hole punching);
/// - one side with endpoint-independent filtering (or no NAT) and the other with a dependent
///   mapping: the dependent side's checks reach the open side from a new mapping, which learns
///   it as peer-reflexive and answers with a triggered check that the dependent filter lets in;
/// - dependent mapping and filtering on both sides: no direct pair can work; only TURN.
fn expected(a: Nat, b: Nat, turn: bool) -> Option<&'static str> {
    use Nat::*;
    let dependent = |n| matches!(n, AddressDependent | AddressAndPortDependent);
    Some(match (a, b) {
        (None, None) => "host",
        (None | EndpointIndependent, None | EndpointIndependent) => "srflx",
        _ if dependent(a) && dependent(b) => {
            if turn {
                "relay"
            } else {
                return Option::None;
            }
        }
        _ => "prflx",
    })
}

/// Upper bound of the virtual time to connect for an outcome: a host pair right after the
/// first checks (Ta pacing after the two gathering transactions); reflexive and relayed ones
/// after the 1 s nomination timeout, because the unreachable host pairs of higher priority
/// are still being checked.
fn time_bound(outcome: &str) -> Duration {
    match outcome {
        "host" => Duration::from_millis(300),
        "srflx" | "prflx" => Duration::from_millis(1500),
        _ => Duration::from_millis(2000),
    }
}

struct Cell {
    a: Nat,
    outcome: String,
    pair_a: String,
    pair_b: String,
    time: Duration,
}

fn run_cell(a: Nat, b: Nat, turn: bool) -> Cell {
    let mut w = World::new(
        a,
        b,
        Options {
            turn,
            ..Options::default()
        },
    );
    let failed = |w: &World| {
        w.peek(w.a).agent.state() == ConnectionState::Failed
            && w.peek(w.b).agent.state() == ConnectionState::Failed
    };
    let settled = w.run_until(Duration::from_secs(40), |w| w.both_connected() || failed(w));
    assert!(settled, "{a:?}/{b:?}: neither connected nor failed");
    if failed(&w) {
        let time = w.net.elapsed();
        return Cell {
            a,
            outcome: "failure".into(),
            pair_a: "—".into(),
            pair_b: "—".into(),
            time,
        };
    }
    let time = w.net.elapsed();
    let pa = w.selected(w.a).unwrap();
    let pb = w.selected(w.b).unwrap();
    // Both ends agree on the 5-tuple: what A sends to is where B's pair is, and vice versa.
    assert_eq!(pa.remote.address, pb.local.address, "{a:?}/{b:?}");
    assert_eq!(pb.remote.address, pa.local.address, "{a:?}/{b:?}");
    // Application data flows both ways on the selected pair (directly or through TURN).
    assert!(w.ping_pong(1), "{a:?}/{b:?}: no data on the selected pair");
    Cell {
        a,
        outcome: class(&pa).into(),
        pair_a: describe(&pa),
        pair_b: describe(&pb),
        time,
    }
}

fn matrix(turn: bool) -> String {
    let mut cells = Vec::new();
    for a in Nat::ALL {
        for b in Nat::ALL {
            let cell = run_cell(a, b, turn);
            let want = expected(a, b, turn).unwrap_or("failure");
            assert_eq!(
                cell.outcome, want,
                "{a:?} (controlling) / {b:?} (controlled)"
            );
            if want != "failure" {
                assert!(
                    cell.time <= time_bound(want),
                    "{a:?}/{b:?}: connected after {:?}, bound {:?}",
                    cell.time,
                    time_bound(want)
                );
            } else {
                // Every pair failed and both ends' end-of-candidates were exchanged: the
                // verdict comes one check transaction (9.5 s) after the last check started.
                assert!(
                    cell.time <= Duration::from_secs(11),
                    "{a:?}/{b:?}: {:?}",
                    cell.time
                );
            }
            cells.push(cell);
        }
    }
    let mut out = String::new();
    let title = if turn {
        "STUN and TURN servers"
    } else {
        "STUN server only"
    };
    writeln!(out, "### {title}\n").unwrap();
    writeln!(
        out,
        "| A (controlling) \\ B (controlled) | {} |",
        Nat::ALL.map(Nat::name).join(" | ")
    )
    .unwrap();
    writeln!(out, "| --- |{}", " --- |".repeat(Nat::ALL.len())).unwrap();
    for a in Nat::ALL {
        let row: Vec<String> = cells
            .iter()
            .filter(|c| c.a == a)
            .map(|c| format!("{} {:.2} s", c.outcome, c.time.as_secs_f64()))
            .collect();
        writeln!(out, "| **{}** | {} |", a.name(), row.join(" | ")).unwrap();
    }
    writeln!(
        out,
        "\nSelected pair per cell (A's local→remote type / B's):\n"
    )
    .unwrap();
    writeln!(out, "| A \\ B | {} |", Nat::ALL.map(Nat::name).join(" | ")).unwrap();
    writeln!(out, "| --- |{}", " --- |".repeat(Nat::ALL.len())).unwrap();
    for a in Nat::ALL {
        let row: Vec<String> = cells
            .iter()
            .filter(|c| c.a == a)
            .map(|c| format!("{} / {}", c.pair_a, c.pair_b))
            .collect();
        writeln!(out, "| **{}** | {} |", a.name(), row.join(" | ")).unwrap();
    }
    out
}

#[test]
fn rfc8445_nat_matrix_every_cell_connects_with_stun_and_turn() {
    let table = matrix(true);
    eprintln!("{table}");
    write_out("turn", &table);
}

#[test]
fn rfc8445_nat_matrix_without_turn_dependent_nats_on_both_sides_fail() {
    let table = matrix(false);
    eprintln!("{table}");
    write_out("stun", &table);
}

/// Writes the table when ICE_MATRIX_OUT names a file (the two tests append their part).
fn write_out(part: &str, table: &str) {
    let Ok(path) = std::env::var("ICE_MATRIX_OUT") else {
        return;
    };
    let path = format!("{path}.{part}");
    std::fs::write(&path, table).unwrap();
}
