//! The loop shared by the media demos, `sansrtc save-to-disk` and `sansrtc play-from-disk`:
//! one peer, the signaling of `sansrtc offer` / `sansrtc answer` (one JSON description line
//! each way on stdin/stdout, see [`crate::signal`]), and a [`MediaApp`] that receives the
//! peer's events and does its media work between turns ([`crate::save::Saver`],
//! [`crate::play::Player`]).
//!
//! The session ends when the remote closes the connection, when stdin ends after the remote
//! description, after `--duration` seconds of connection, or with an error when nothing
//! connected within `--timeout`. The app then finishes its files and prints one last JSON line
//! on stdout, `{"type":"stats",...}`, with what it did and the peer's RTP statistics (NACKs,
//! retransmissions, losses), which the interop tests read.

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand_core::OsRng;
use sansrtc_peer::{ConnectionState, Event, Peer};

use crate::driver::{Driver, IDLE};
use crate::session::{Error, Input, NetOptions, Role};
use crate::signal::Description;

/// What a media demo does with its peer.
pub trait MediaApp {
    /// Media settings of the peer's configuration (formats answered with, directions).
    fn configure(&mut self, config: &mut sansrtc_peer::Config);
    /// Adds transceivers and settings before the offer is made or accepted.
    fn prepare(&mut self, peer: &mut Peer, now: Instant) -> Result<(), Error>;
    /// One event of the peer (the loop has already acted on signaling and state events).
    fn on_event(&mut self, peer: &mut Peer, now: Instant, event: &Event) -> Result<(), Error>;
    /// Media work between turns (send due frames); returns when to be called again.
    fn poll(&mut self, peer: &mut Peer, now: Instant) -> Result<Option<Instant>, Error>;
    /// Finishes the files; returns the `stats` JSON object for stdout.
    fn finish(&mut self, peer: &mut Peer) -> Result<serde_json::Value, Error>;
}

/// How a media session runs.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Offer or answer.
    pub role: Role,
    /// Give up when the connection is not up after this long.
    pub timeout: Duration,
    /// End this long after the connection came up (`None`: until the remote closes or stdin
    /// ends).
    pub duration: Option<Duration>,
    /// Sockets and servers.
    pub net: NetOptions,
}

/// Runs one media session to its end (see the module documentation).
pub fn run(
    o: &SessionOptions,
    app: &mut dyn MediaApp,
    driver: &mut Driver,
    input: &mpsc::Receiver<Input>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let start = Instant::now();
    let (mut config, sockets) = o.net.bind()?;
    app.configure(&mut config);
    let mut peer = Peer::new(config, &mut OsRng)?;
    let now = Instant::now();
    app.prepare(&mut peer, now)?;
    if o.role == Role::Offer {
        peer.create_offer(now)?;
    }
    let me = driver.add(peer, sockets)?;
    let mut described = false;
    let mut remote_set = false;
    let mut connected_at: Option<Instant> = None;
    let mut wake: Option<Instant> = None;
    let result = loop {
        match step(
            o,
            app,
            driver,
            me,
            input,
            out,
            &mut described,
            &mut remote_set,
            &mut connected_at,
        ) {
            Ok(Step::Go) => {}
            Ok(Step::Done) => break Ok(()),
            Err(e) => break Err(e),
        }
        let now = Instant::now();
        if connected_at.is_none() && now.duration_since(start) > o.timeout {
            let what = if remote_set {
                "the connection did not come up"
            } else {
                "no remote description on stdin"
            };
            break Err(Error::Timeout(o.timeout, what));
        }
        if let (Some(at), Some(d)) = (connected_at, o.duration)
            && now.duration_since(at) >= d
        {
            eprintln!("sansrtc: {:.0} s of media, done", d.as_secs_f64());
            break Ok(());
        }
        if connected_at.is_some()
            && let Some(peer) = driver.peer(me)
        {
            match app.poll(peer, now) {
                Ok(w) => wake = w,
                Err(e) => break Err(e),
            }
        }
        let mut deadline = now + IDLE;
        if let Some(w) = wake {
            deadline = deadline.min(w);
        }
        if let (Some(at), Some(d)) = (connected_at, o.duration) {
            deadline = deadline.min(at + d);
        }
        if let Err(e) = driver.turn(Some(deadline)) {
            break Err(e.into());
        }
    };
    // Whatever happened, the files are finished and the statistics printed.
    let finished = driver.peer(me).map(|peer| app.finish(peer));
    if let Some(peer) = driver.peer(me) {
        peer.close(Instant::now());
    }
    driver.flush();
    driver.remove(me);
    if let Some(stats) = finished {
        let mut stats = stats?;
        set(&mut stats, "type", "stats");
        writeln!(out, "{stats}")?;
        out.flush()?;
    }
    result
}

enum Step {
    Go,
    Done,
}

#[allow(clippy::too_many_arguments)]
fn step(
    o: &SessionOptions,
    app: &mut dyn MediaApp,
    driver: &mut Driver,
    me: usize,
    input: &mpsc::Receiver<Input>,
    out: &mut dyn Write,
    described: &mut bool,
    remote_set: &mut bool,
    connected_at: &mut Option<Instant>,
) -> Result<Step, Error> {
    while let Some((_, event)) = driver.poll_event() {
        let Some(peer) = driver.peer(me) else {
            return Ok(Step::Done);
        };
        let now = Instant::now();
        match &event {
            Event::GatheringComplete if !*described => {
                if let Some(local) = peer.local_description() {
                    let kind = match o.role {
                        Role::Offer => "offer",
                        Role::Answer => "answer",
                    };
                    writeln!(
                        out,
                        "{}",
                        Description::new(kind, local.to_string()).to_line()
                    )?;
                    out.flush()?;
                    *described = true;
                }
            }
            Event::SelectedPairChanged(p) => {
                eprintln!(
                    "sansrtc: ICE selected {} -> {}",
                    p.local.address, p.remote.address
                );
            }
            Event::ConnectionState(ConnectionState::Connected) if connected_at.is_none() => {
                eprintln!("sansrtc: connected");
                *connected_at = Some(now);
            }
            Event::ConnectionState(ConnectionState::Failed) => {
                return Err(Error::Failed("connection state failed".into()));
            }
            Event::Failed(e) => return Err(Error::Failed(e.to_string())),
            Event::ConnectionState(ConnectionState::Closed) => {
                eprintln!("sansrtc: the peer closed the connection");
                return Ok(Step::Done);
            }
            Event::ConnectionState(state) => eprintln!("sansrtc: connection {state:?}"),
            _ => {}
        }
        app.on_event(peer, now, &event)?;
    }
    let Some(peer) = driver.peer(me) else {
        return Ok(Step::Done);
    };
    while let Ok(i) = input.try_recv() {
        let now = Instant::now();
        match i {
            Input::Line(line) if !*remote_set => {
                match o.role {
                    Role::Offer => {
                        let d = Description::parse_line(&line, "answer")?;
                        peer.accept_answer(now, &d.sdp)?;
                    }
                    Role::Answer => {
                        let d = Description::parse_line(&line, "offer")?;
                        peer.accept_offer(now, &d.sdp)?;
                    }
                }
                *remote_set = true;
            }
            Input::Line(_) => {}
            Input::Eof if !*remote_set => return Err(Error::NoDescription),
            Input::Eof => {
                eprintln!("sansrtc: end of input, closing");
                return Ok(Step::Done);
            }
        }
    }
    Ok(Step::Go)
}

/// Sets `key` of a JSON object (nothing if `v` is not an object).
pub fn set(v: &mut serde_json::Value, key: &str, value: impl Into<serde_json::Value>) {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.into(), value.into());
    }
}

/// Sums the inbound RTP statistics of every remote source of a transceiver into a JSON
/// object.
pub fn inbound_json(peer: &Peer, id: sansrtc_peer::TransceiverId) -> serde_json::Value {
    let mut t = serde_json::Map::new();
    let Some(stats) = peer.transceiver_stats(id) else {
        return t.into();
    };
    let mut sum = |k: &str, v: i64| {
        let old = t.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
        t.insert(k.into(), (old + v).into());
    };
    for s in &stats.inbound {
        sum("packets_received", s.packets_received as i64);
        sum("bytes_received", s.bytes_received as i64);
        sum("packets_lost", s.packets_lost);
        sum("frames_received", s.frames_received as i64);
        sum("keyframes_received", s.keyframes_received as i64);
        sum("packets_discarded", s.packets_discarded as i64);
        sum(
            "retransmitted_packets_received",
            s.retransmitted_packets_received as i64,
        );
        sum("nacks_sent", s.nacks_sent as i64);
        sum("plis_sent", s.plis_sent as i64);
        sum(
            "packets_dropped_for_testing",
            s.packets_dropped_for_testing as i64,
        );
    }
    t.into()
}

/// The outbound RTP statistics of a transceiver as a JSON object.
pub fn outbound_json(peer: &Peer, id: sansrtc_peer::TransceiverId) -> serde_json::Value {
    let Some(s) = peer.transceiver_stats(id).and_then(|s| s.outbound) else {
        return serde_json::json!({});
    };
    serde_json::json!({
        "frames_sent": s.frames_sent,
        "keyframes_sent": s.keyframes_sent,
        "packets_sent": s.packets_sent,
        "bytes_sent": s.bytes_sent,
        "retransmitted_packets_sent": s.retransmitted_packets_sent,
        "nacks_received": s.nacks_received,
        "plis_received": s.plis_received,
        "firs_received": s.firs_received,
        "packets_dropped_for_testing": s.packets_dropped_for_testing,
        "rtt_ms": s.rtt.map(|r| r.as_secs_f64() * 1e3),
        "remote_packets_lost": s.remote_packets_lost,
    })
}
