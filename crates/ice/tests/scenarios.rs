//! ICE scenarios on the netsim virtual clock: loss, trickle against all-at-once signalling,
//! role conflicts, ICE restart, consent loss, lite peers, mDNS candidates, IPv6, close.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod harness;

use std::time::Duration;

use harness::{Nat, Options, Signalling, World, class};
use sansrtc_ice::{CandidateKind, ConnectionState, Error, Event, Role};
use sansrtc_netsim::{LinkConfig, TurnServer as SimTurnServer};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn rfc8445_14_ten_percent_loss_still_connects_and_carries_data() {
    for (a, b, want) in [
        (Nat::None, Nat::None, "host"),
        (Nat::EndpointIndependent, Nat::EndpointIndependent, "srflx"),
        (
            Nat::EndpointIndependent,
            Nat::AddressAndPortDependent,
            "prflx",
        ),
        (
            Nat::AddressAndPortDependent,
            Nat::AddressAndPortDependent,
            "relay",
        ),
    ] {
        for seed in 1..=4 {
            let mut w = World::new(
                a,
                b,
                Options {
                    seed,
                    loss: 0.1,
                    ..Options::default()
                },
            );
            assert!(
                w.run_until(secs(15), |w| w.both_connected()),
                "{a:?}/{b:?} seed {seed}: not connected under 10% loss"
            );
            let elapsed = w.net.elapsed();
            assert!(elapsed < secs(8), "{a:?}/{b:?} seed {seed}: {elapsed:?}");
            // Under loss a server-reflexive address may first be learned from a check (as
            // peer-reflexive) when its signalled candidate comes later: the same 5-tuple.
            let got = class(&w.selected(w.a).unwrap());
            assert!(
                got == want || (want == "srflx" && got == "prflx"),
                "{a:?}/{b:?} seed {seed}: {got}"
            );
            // Loss may eat a datagram (a relayed one crosses four lossy links: 34% per way);
            // one of ten exchanges must get through both ways.
            assert!(
                (1..=10).any(|i| w.ping_pong(i)),
                "{a:?}/{b:?} seed {seed}: no data under loss"
            );
            // Consent keeps the pair through a whole consent window (30 s) under loss: the
            // state may dip to Disconnected when requests go unanswered for 10 s, but not to
            // Failed (that takes every request of 30 s lost: ~0.34^7 here).
            let mut failed = false;
            w.run_until(secs(30), |w| {
                failed |= [w.a, w.b]
                    .iter()
                    .any(|&id| w.peek(id).agent.state() == ConnectionState::Failed);
                false
            });
            assert!(
                !failed,
                "{a:?}/{b:?} seed {seed}: consent lost under 10% loss"
            );
            assert!(w.selected(w.a).is_some() && w.selected(w.b).is_some());
            assert!((20..=30).any(|i| w.ping_pong(i)), "{a:?}/{b:?} seed {seed}");
        }
    }
}

#[test]
fn rfc8838_trickle_connects_no_later_than_all_at_once_signalling() {
    for (a, b) in [
        (Nat::None, Nat::None),
        (Nat::EndpointIndependent, Nat::AddressDependent),
        (Nat::AddressDependent, Nat::AddressAndPortDependent),
    ] {
        let mut times = Vec::new();
        for signalling in [Signalling::Trickle, Signalling::AllAtOnce] {
            let mut w = World::new(
                a,
                b,
                Options {
                    signalling,
                    ..Options::default()
                },
            );
            assert!(
                w.run_until(secs(10), |w| w.both_connected()),
                "{a:?}/{b:?} {signalling:?}"
            );
            assert!(w.ping_pong(1));
            times.push((w.net.elapsed(), class(&w.selected(w.a).unwrap())));
        }
        let (trickle, all) = (times[0], times[1]);
        assert_eq!(trickle.1, all.1, "{a:?}/{b:?}: same outcome either way");
        assert!(
            trickle.0 <= all.0,
            "{a:?}/{b:?}: trickle {trickle:?} vs all {all:?}"
        );
    }
}

#[test]
fn rfc8838_14_candidates_after_end_of_candidates_are_refused() {
    let mut w = World::new(Nat::None, Nat::None, Options::default());
    assert!(w.run_until(secs(5), |w| w.both_connected()));
    let late: sansrtc_sdp::Candidate = "candidate:9 1 udp 1 192.0.2.99 9 typ host".parse().unwrap();
    let now = w.net.now();
    let a = w.a;
    assert_eq!(
        w.node(a).agent.add_remote_candidate(now, &late),
        Err(Error::AfterEndOfCandidates)
    );
}

#[test]
fn rfc8445_7_3_1_1_role_conflict_both_controlling_is_resolved() {
    for (role_a, role_b) in [
        (Role::Controlling, Role::Controlling),
        (Role::Controlled, Role::Controlled),
    ] {
        let mut w = World::new(
            Nat::EndpointIndependent,
            Nat::EndpointIndependent,
            Options {
                role_a,
                role_b,
                ..Options::default()
            },
        );
        assert!(
            w.run_until(secs(10), |w| w.both_connected()),
            "{role_a:?}/{role_b:?}"
        );
        let (ra, rb) = (w.peek(w.a).agent.role(), w.peek(w.b).agent.role());
        assert_ne!(
            ra, rb,
            "the conflict leaves one controlling and one controlled agent"
        );
        let switched = [w.a, w.b]
            .iter()
            .filter(|&&id| {
                w.peek(id)
                    .events
                    .iter()
                    .any(|(_, e)| matches!(e, Event::RoleChanged(_)))
            })
            .count();
        assert!(switched >= 1);
        let conflicts =
            w.peek(w.a).agent.stats().role_conflicts + w.peek(w.b).agent.stats().role_conflicts;
        assert!(conflicts >= 1);
        let (pa, pb) = (w.selected(w.a).unwrap(), w.selected(w.b).unwrap());
        assert_eq!(pa.remote.address, pb.local.address);
        assert!(w.ping_pong(7));
    }
}

#[test]
fn rfc8445_9_ice_restart_keeps_the_old_pair_until_the_new_one_is_selected() {
    let mut w = World::new(
        Nat::EndpointIndependent,
        Nat::AddressDependent,
        Options::default(),
    );
    assert!(w.run_until(secs(10), |w| w.both_connected()));
    w.run_for(secs(10));
    let old_a = w.selected(w.a).unwrap();
    let creds_before = w.peek(w.a).agent.local_credentials().clone();
    let selections_before = count_selections(&w, w.a);

    // A restarts (new offer); B answers with a restart of its own (JSEP).
    let now = w.net.now();
    let (a, b) = (w.a, w.b);
    w.node(a).agent.restart(now);
    w.node(b).agent.restart(now);
    let ca = w.peek(a).agent.local_credentials().clone();
    let cb = w.peek(b).agent.local_credentials().clone();
    assert_ne!(ca, creds_before, "new ufrag and pwd (RFC 8445 §9)");
    w.node(a)
        .agent
        .set_remote_credentials(now, &cb.ufrag, &cb.pwd);
    w.node(b)
        .agent
        .set_remote_credentials(now, &ca.ufrag, &ca.pwd);

    // During the restart data keeps flowing on the old pair.
    assert_eq!(w.selected(a).unwrap(), old_a);
    assert!(w.ping_pong(1));
    let mut gap = false;
    let reselected = w.run_until(secs(10), |w| {
        gap |= w.selected(w.a).is_none() || w.selected(w.b).is_none();
        count_selections(w, w.a) > selections_before && count_selections(w, w.b) > 1
    });
    assert!(reselected, "a new pair is selected after the restart");
    assert!(!gap, "there was always a selected pair");
    assert!(w.both_connected());
    assert!(w.ping_pong(2));
    // Consent now runs with the new credentials: the pair outlives the old consent timeout.
    w.run_for(secs(60));
    assert!(w.both_connected());
    assert!(w.ping_pong(3));
}

fn count_selections(w: &World, id: sansrtc_netsim::NodeId) -> usize {
    w.peek(id)
        .events
        .iter()
        .filter(|(_, e)| matches!(e, Event::SelectedPairChanged(_)))
        .count()
}

#[test]
fn rfc7675_5_1_consent_loss_is_detected_within_30s_after_the_peer_vanishes() {
    for (a, b) in [
        (Nat::None, Nat::None),
        (Nat::AddressAndPortDependent, Nat::AddressAndPortDependent),
    ] {
        let mut w = World::new(a, b, Options::default());
        assert!(w.run_until(secs(10), |w| w.both_connected()));
        w.run_for(secs(20));
        assert!(w.both_connected(), "consent keeps it up");
        let vanished = w.net.elapsed();
        let b_id = w.b;
        w.net.set_link(
            b_id,
            LinkConfig {
                loss: 1.0,
                ..Default::default()
            },
        );
        let failed = w.run_until(secs(31), |w| {
            w.peek(w.a).agent.state() == ConnectionState::Failed
        });
        assert!(failed, "{a:?}/{b:?}: consent loss not detected");
        let node = w.peek(w.a);
        let at = |state| {
            node.events
                .iter()
                .rev()
                .find(|(_, e)| *e == Event::ConnectionState(state))
                .map(|(t, _)| t.duration_since(sansrtc_netsim::epoch()))
                .unwrap()
        };
        let disconnected = at(ConnectionState::Disconnected) - vanished;
        let failed = at(ConnectionState::Failed) - vanished;
        assert!(
            disconnected <= secs(10),
            "{a:?}/{b:?}: disconnected after {disconnected:?}"
        );
        assert!(failed <= secs(30), "{a:?}/{b:?}: failed after {failed:?}");
        assert!(
            failed > secs(20),
            "consent lasts 30 s after the last response"
        );
        assert!(w.selected(w.a).is_none());
        let now = w.net.now();
        let a_id = w.a;
        assert_eq!(
            w.node(a_id).agent.send(now, b"x", &mut Vec::new()),
            Err(Error::NotConnected)
        );
    }
}

#[test]
fn rfc8445_6_1_1_full_agent_with_a_lite_peer_takes_control_and_connects() {
    for role_a in [Role::Controlling, Role::Controlled] {
        let mut w = World::new(
            Nat::EndpointIndependent,
            Nat::None,
            Options {
                role_a,
                lite_b: true,
                ..Options::default()
            },
        );
        assert_eq!(w.peek(w.a).agent.role(), Role::Controlling);
        assert!(w.peek(w.b).agent.is_lite());
        assert!(w.run_until(secs(5), |w| w.both_connected()), "{role_a:?}");
        assert_eq!(
            w.peek(w.b).agent.stats().checks_sent,
            0,
            "a lite agent sends no checks"
        );
        // The lite agent has host candidates only.
        assert!(
            w.peek(w.b)
                .agent
                .local_candidates()
                .iter()
                .all(|c| c.kind == sansrtc_sdp::CandidateType::Host)
        );
        assert!(w.ping_pong(1));
        // Consent from the full side keeps working against the lite agent.
        w.run_for(secs(60));
        assert!(w.both_connected());
    }
}

#[test]
fn mdns_candidates_are_surfaced_for_resolution_and_accepted_back() {
    let mut w = World::new(
        Nat::None,
        Nat::None,
        Options {
            mdns_a: true,
            ..Options::default()
        },
    );
    assert!(w.run_until(secs(5), |w| w.both_connected()));
    let queries = w
        .peek(w.b)
        .events
        .iter()
        .filter(|(_, e)| matches!(e, Event::ResolveMdns(n) if n.ends_with(".local")))
        .count();
    assert_eq!(queries, 1);
    let pair = w.selected(w.b).unwrap();
    assert_eq!(pair.remote.kind, CandidateKind::Host);
    assert_eq!(pair.remote.address, harness::sa("192.0.2.10:5000"));
    assert!(w.ping_pong(1));
}

#[test]
fn rfc8445_ipv6_host_candidates_connect() {
    let mut w = World::new(
        Nat::None,
        Nat::None,
        Options {
            ipv6: true,
            stun: false,
            turn: false,
            ..Options::default()
        },
    );
    assert!(w.run_until(secs(5), |w| w.both_connected()));
    let pair = w.selected(w.a).unwrap();
    assert!(pair.local.address.is_ipv6() && pair.remote.address.is_ipv6());
    assert_eq!(class(&pair), "host");
    assert!(w.ping_pong(1));
}

#[test]
fn rfc8445_5_1_3_server_reflexive_equal_to_host_is_not_signalled() {
    let mut w = World::new(Nat::None, Nat::None, Options::default());
    assert!(w.run_until(secs(5), |w| w.both_connected()));
    let kinds: Vec<_> = w
        .peek(w.a)
        .agent
        .local_candidates()
        .into_iter()
        .map(|c| c.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            sansrtc_sdp::CandidateType::Host,
            sansrtc_sdp::CandidateType::Relay
        ]
    );
}

#[test]
fn close_deletes_the_turn_allocations_and_stops_every_timer() {
    let mut w = World::new(
        Nat::AddressAndPortDependent,
        Nat::AddressAndPortDependent,
        Options::default(),
    );
    assert!(w.run_until(secs(10), |w| w.both_connected()));
    let now = w.net.now();
    assert_eq!(w.net.node::<SimTurnServer>(w.turn).allocation_count(now), 2);
    let (a, b) = (w.a, w.b);
    w.node(a).agent.close(now);
    w.node(b).agent.close(now);
    w.run_for(secs(2));
    let now = w.net.now();
    assert_eq!(w.net.node::<SimTurnServer>(w.turn).allocation_count(now), 0);
    assert_eq!(w.peek(a).agent.state(), ConnectionState::Closed);
    assert_eq!(w.peek(a).agent.poll_timeout(), None);
    assert_eq!(w.peek(b).agent.poll_timeout(), None);
}

#[test]
fn relay_only_policy_uses_the_turn_relay_even_when_hosts_could_talk() {
    let mut w = World::new(
        Nat::None,
        Nat::None,
        Options {
            relay_only: true,
            ..Options::default()
        },
    );
    assert!(w.run_until(secs(5), |w| w.both_connected()));
    for id in [w.a, w.b] {
        let pair = w.selected(id).unwrap();
        assert_eq!(pair.local.kind, CandidateKind::Relayed);
        assert_eq!(pair.remote.kind, CandidateKind::Relayed);
        assert!(pair.relay.is_some() && pair.direct().is_none());
        assert!(
            w.peek(id)
                .agent
                .local_candidates()
                .iter()
                .all(|c| c.kind == sansrtc_sdp::CandidateType::Relay)
        );
    }
    // Data goes in Send indications until the ChannelBind made at selection is confirmed
    // (RFC 8656 §12), then as ChannelData.
    w.run_for(secs(1));
    let before = w.net.node::<SimTurnServer>(w.turn).stats();
    assert!(w.ping_pong(1));
    let after = w.net.node::<SimTurnServer>(w.turn).stats();
    assert_eq!(
        after.channel_data_from_clients - before.channel_data_from_clients,
        2
    );
    assert_eq!(
        after.channel_data_to_clients - before.channel_data_to_clients,
        2
    );
}

#[test]
fn rfc8445_12_1_data_path_on_the_first_valid_pair_before_nomination() {
    let mut w = World::new(
        Nat::None,
        Nat::None,
        Options {
            stun: false,
            turn: false,
            ..Options::default()
        },
    );
    // The first valid pair gives a data path while the nomination is still to come.
    assert!(w.run_until(secs(5), |w| w.peek(w.a).agent.data_path().is_some()));
    let early = w.peek(w.a).agent.data_path().unwrap();
    assert!(w.peek(w.a).agent.selected_pair().is_none());
    assert!(!early.relayed);
    let now = w.net.now();
    let a = w.a;
    let mut buf = Vec::new();
    let t = w.node(a).agent.send_data(now, b"early", &mut buf).unwrap();
    assert_eq!((t.source, t.destination), (early.source, early.destination));
    assert_eq!(buf, b"early");
    // Once selected, the data path is the selected pair.
    assert!(w.run_until(secs(5), |w| w.both_connected()));
    let selected = w.selected(w.a).unwrap();
    let path = w.peek(w.a).agent.data_path().unwrap();
    assert_eq!(
        (path.source, path.destination),
        (selected.socket, selected.remote.address)
    );
    // Without a valid pair there is none.
    let mut lonely = World::new(Nat::None, Nat::None, Options::default());
    let b = lonely.b;
    assert!(lonely.node(b).agent.data_path().is_none());
}
