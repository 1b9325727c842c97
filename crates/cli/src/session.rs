//! `sansrtc offer` and `sansrtc answer`: one peer, signaling on stdin/stdout.
//!
//! The offerer creates a data channel (`--label`, default `chat`), prints its offer as one JSON
//! line once its candidates are gathered (no trickle) and reads the answer line from stdin; the
//! answerer reads the offer line, prints the answer line. Then, on the *main* channel (the
//! offerer's, or the first one the offerer opens):
//! - `--echo`: every message on every channel goes back where it came from, text as text,
//!   binary as binary;
//! - otherwise chat: each further stdin line is sent as a text message, received text is
//!   printed on stdout, end of stdin closes the channels and the connection;
//! - `--send FILE` / `--receive DIR`: file transfer (see [`crate::transfer`]).
//!
//! Status goes to stderr; stdout carries only the description line and received chat. The
//! process ends with `Ok` when the peer closes the connection or all its channels, and with an
//! error (one line for stderr) on failure or when nothing connected within `--timeout`.

use std::collections::{HashSet, VecDeque};
use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand_core::{OsRng, RngCore};
use sansrtc_peer::{
    Bytes, ChannelConfig, ChannelId, Config, ConnectionState, Event, Peer, TurnServer,
};

use crate::driver::{Driver, IDLE};
use crate::net;
use crate::signal::Description;
use crate::transfer::{Receiving, Sending};

/// Which side of the offer/answer exchange this process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Creates the channel and the offer.
    Offer,
    /// Answers an offer.
    Answer,
}

/// Where the peer gathers candidates.
#[derive(Debug, Clone, Default)]
pub struct NetOptions {
    /// Explicit local addresses (`--bind`); empty = every interface (see [`crate::net`]).
    pub bind: Vec<SocketAddr>,
    /// STUN servers for server-reflexive candidates.
    pub stun: Vec<SocketAddr>,
    /// TURN servers for relayed candidates.
    pub turn: Vec<TurnServer>,
    /// Use relayed candidates only (`RTCIceTransportPolicy` "relay").
    pub relay_only: bool,
}

impl NetOptions {
    /// Binds the sockets and returns a peer configuration with their addresses.
    pub fn bind(&self) -> Result<(Config, Vec<mio::net::UdpSocket>), Error> {
        let wanted = if self.bind.is_empty() {
            net::host_ips()?
                .into_iter()
                .map(|ip| SocketAddr::new(ip, 0))
                .collect()
        } else {
            self.bind.clone()
        };
        if wanted.is_empty() {
            return Err(Error::NoAddress);
        }
        let sockets = net::bind_all(&wanted)?;
        let addrs = sockets
            .iter()
            .map(mio::net::UdpSocket::local_addr)
            .collect::<io::Result<Vec<_>>>()?;
        let mut config = Config::new(addrs, OsRng.next_u64());
        config.receive_buffer = net::receive_window(&sockets, config.receive_buffer);
        config.stun_servers.clone_from(&self.stun);
        config.turn_servers.clone_from(&self.turn);
        config.relay_only = self.relay_only;
        Ok((config, sockets))
    }
}

/// The command-line options of `offer` / `answer`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Offerer or answerer.
    pub role: Role,
    /// Echo every message back.
    pub echo: bool,
    /// The offerer's channel label.
    pub label: String,
    /// Pre-negotiated channels (`negotiated: true`, this stream id) to create on both sides.
    pub negotiated: Vec<u16>,
    /// Give up if no channel is open after this long.
    pub timeout: Duration,
    /// A file to send on the main channel.
    pub send: Option<PathBuf>,
    /// Where to store a file the peer sends.
    pub receive: Option<PathBuf>,
    /// Sockets and servers.
    pub net: NetOptions,
}

/// Why the session ended badly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A socket or file call failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The peer rejected a call or failed.
    #[error("{0}")]
    Peer(#[from] sansrtc_peer::Error),
    /// The remote description line is malformed.
    #[error("{0}")]
    Signal(#[from] crate::signal::Error),
    /// No interface address to gather on.
    #[error("no local IP address to bind (use --bind)")]
    NoAddress,
    /// stdin ended before the remote description arrived.
    #[error("stdin closed before the remote description arrived")]
    NoDescription,
    /// Nothing connected in time.
    #[error("timed out after {0:?}: {1}")]
    Timeout(Duration, &'static str),
    /// The connection failed.
    #[error("connection failed: {0}")]
    Failed(String),
    /// A file transfer went wrong.
    #[error("file transfer: {0}")]
    Transfer(String),
    /// A media file could not be read or written.
    #[error("{0}")]
    Media(#[from] crate::container::Error),
}

/// What stdin delivers to the loop.
#[derive(Debug)]
pub enum Input {
    /// One line, without its end.
    Line(String),
    /// End of input.
    Eof,
}

/// Reads stdin lines on a thread and wakes the driver for each.
pub fn spawn_stdin(waker: std::sync::Arc<mio::Waker>) -> mpsc::Receiver<Input> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(Input::Line(line)).is_err() {
                return;
            }
            let _ = waker.wake();
        }
        let _ = tx.send(Input::Eof);
        let _ = waker.wake();
    });
    rx
}

/// The state of one `offer`/`answer` session.
struct Session<'a> {
    o: &'a Options,
    described: bool,
    remote_set: bool,
    main: Option<ChannelId>,
    open: HashSet<ChannelId>,
    ever_open: bool,
    eof: bool,
    closing: bool,
    /// Chat lines typed before the main channel opened.
    typed: VecDeque<String>,
    /// Echoes the send buffer had no room for yet.
    backlog: VecDeque<(ChannelId, bool, Bytes)>,
    sending: Option<Sending>,
    receiving: Option<Receiving>,
    done: bool,
}

/// The most an echo backlog may hold before the session gives up (the peer sends faster than
/// it reads).
const MAX_BACKLOG: usize = 64 * 1024 * 1024;

/// Runs a session to its end. `input` is stdin (see [`spawn_stdin`]), `out` is stdout.
pub fn run(
    o: &Options,
    driver: &mut Driver,
    input: &mpsc::Receiver<Input>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let start = Instant::now();
    let (config, sockets) = o.net.bind()?;
    let mut peer = Peer::new(config, &mut OsRng)?;
    let now = Instant::now();
    for &id in &o.negotiated {
        let mut c = ChannelConfig::new(format!("negotiated-{id}"));
        c.negotiated = Some(id);
        peer.create_channel(now, c)?;
    }
    let mut s = Session {
        o,
        described: false,
        remote_set: false,
        main: None,
        open: HashSet::new(),
        ever_open: false,
        eof: false,
        closing: false,
        typed: VecDeque::new(),
        backlog: VecDeque::new(),
        sending: None,
        receiving: None,
        done: false,
    };
    if o.role == Role::Offer {
        s.main = Some(peer.create_channel(now, ChannelConfig::new(o.label.clone()))?);
        peer.create_offer(now)?;
    }
    let me = driver.add(peer, sockets)?;
    let result = loop {
        let step = s.step(driver, me, input, out);
        if let Err(e) = step {
            break Err(e);
        }
        if s.done {
            break Ok(());
        }
        if !s.ever_open && start.elapsed() > o.timeout {
            let what = if s.remote_set {
                "the connection did not come up"
            } else {
                "no remote description on stdin"
            };
            break Err(Error::Timeout(o.timeout, what));
        }
        let deadline = Instant::now() + IDLE;
        driver.turn(Some(deadline.min(start + o.timeout)))?;
    };
    // Say goodbye (SCTP ABORT, DTLS close_notify) whatever happened.
    if let Some(peer) = driver.peer(me) {
        peer.close(Instant::now());
    }
    driver.flush();
    driver.remove(me);
    result
}

impl Session<'_> {
    /// Handles what the last turn produced: events, stdin, transfers.
    fn step(
        &mut self,
        driver: &mut Driver,
        me: usize,
        input: &mpsc::Receiver<Input>,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        while let Some((_, event)) = driver.poll_event() {
            let Some(peer) = driver.peer(me) else { break };
            self.on_event(peer, event, out)?;
        }
        let Some(peer) = driver.peer(me) else {
            return Ok(());
        };
        let now = Instant::now();
        while let Ok(i) = input.try_recv() {
            match i {
                Input::Line(line) if !self.remote_set => self.set_remote(peer, now, &line)?,
                Input::Line(line) => self.typed.push_back(line),
                Input::Eof if !self.remote_set => return Err(Error::NoDescription),
                Input::Eof => self.eof = true,
            }
        }
        self.flush_backlog(peer, now)?;
        if let Some(main) = self.main.filter(|m| self.open.contains(m)) {
            if !self.o.echo {
                while let Some(line) = self.typed.pop_front() {
                    peer.send_text(now, main, &line)?;
                }
            }
            if let Some(sending) = self.sending.as_mut() {
                sending.pump(peer, now, main)?;
            }
        }
        // End of chat input: close our side; done once the channels are closed.
        let transferring = self.sending.is_some() || self.receiving.is_some();
        if self.eof && !self.o.echo && !transferring && self.ever_open && !self.closing {
            self.closing = true;
            for &id in &self.open {
                peer.close_channel(now, id)?;
            }
        }
        Ok(())
    }

    fn set_remote(&mut self, peer: &mut Peer, now: Instant, line: &str) -> Result<(), Error> {
        match self.o.role {
            Role::Offer => {
                let d = Description::parse_line(line, "answer")?;
                peer.accept_answer(now, &d.sdp)?;
            }
            Role::Answer => {
                let d = Description::parse_line(line, "offer")?;
                peer.accept_offer(now, &d.sdp)?;
            }
        }
        self.remote_set = true;
        Ok(())
    }

    fn on_event(
        &mut self,
        peer: &mut Peer,
        event: Event,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        let now = Instant::now();
        match event {
            Event::GatheringComplete if !self.described => {
                let Some(local) = peer.local_description() else {
                    return Ok(());
                };
                let kind = match self.o.role {
                    Role::Offer => "offer",
                    Role::Answer => "answer",
                };
                writeln!(
                    out,
                    "{}",
                    Description::new(kind, local.to_string()).to_line()
                )?;
                out.flush()?;
                self.described = true;
            }
            Event::SelectedPairChanged(p) => {
                let kind = |k| format!("{k:?}").to_lowercase();
                eprintln!(
                    "sansrtc: ICE selected {} ({}) -> {} ({})",
                    p.local.address,
                    kind(p.local.kind),
                    p.remote.address,
                    kind(p.remote.kind)
                );
            }
            Event::ChannelOpen(id) => {
                let info = peer.channel(id);
                let negotiated = info.as_ref().is_some_and(|i| i.negotiated);
                if self.main.is_none() && !negotiated {
                    self.main = Some(id);
                }
                if let Some(i) = &info {
                    eprintln!("sansrtc: channel {:?} open", i.label);
                }
                self.open.insert(id);
                self.ever_open = true;
                if Some(id) == self.main
                    && let Some(path) = &self.o.send
                    && self.sending.is_none()
                {
                    self.sending = Some(Sending::start(path, peer, now, id)?);
                }
            }
            Event::ChannelMessage { id, binary, data } => {
                self.on_message(peer, now, id, binary, data, out)?;
            }
            Event::ChannelClosed(id) => {
                self.open.remove(&id);
                if self.ever_open && self.open.is_empty() {
                    if let Some(r) = &self.receiving {
                        return Err(Error::Transfer(format!(
                            "the channel closed after {} of {} bytes",
                            r.received(),
                            r.size()
                        )));
                    }
                    eprintln!("sansrtc: all channels closed");
                    self.done = true;
                }
            }
            Event::Failed(e) => return Err(Error::Failed(e.to_string())),
            Event::ConnectionState(ConnectionState::Failed) => {
                return Err(Error::Failed("connection state failed".into()));
            }
            Event::ConnectionState(ConnectionState::Closed) => {
                eprintln!("sansrtc: the peer closed the connection");
                self.done = true;
            }
            Event::ConnectionState(state) => eprintln!("sansrtc: connection {state:?}"),
            _ => {}
        }
        Ok(())
    }

    fn on_message(
        &mut self,
        peer: &mut Peer,
        now: Instant,
        id: ChannelId,
        binary: bool,
        data: Vec<u8>,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        if self.o.echo {
            self.backlog.push_back((id, binary, Bytes::from(data)));
            return self.flush_backlog(peer, now);
        }
        if Some(id) == self.main {
            if let Some(r) = self.receiving.as_mut() {
                if r.on_message(peer, now, id, binary, &data)? {
                    self.receiving = None;
                }
                return Ok(());
            }
            if let Some(s) = self.sending.as_mut() {
                if s.on_message(binary, &data)? {
                    self.sending = None;
                    self.closing = true;
                    peer.close_channel(now, id)?;
                }
                return Ok(());
            }
            if !binary && let Some(r) = Receiving::from_header(&data, self.o.receive.as_deref())? {
                self.receiving = Some(r);
                return Ok(());
            }
        }
        if binary {
            eprintln!("sansrtc: binary message of {} bytes", data.len());
        } else {
            writeln!(out, "{}", String::from_utf8_lossy(&data))?;
            out.flush()?;
        }
        Ok(())
    }

    /// Sends queued echoes while the channel's send buffer has room.
    fn flush_backlog(&mut self, peer: &mut Peer, now: Instant) -> Result<(), Error> {
        while let Some((id, binary, data)) = self.backlog.pop_front() {
            match peer.send(now, id, binary, data.clone()) {
                Ok(()) => {}
                Err(sansrtc_peer::Error::Sctp(sansrtc_sctp::Error::SendBufferFull)) => {
                    self.backlog.push_front((id, binary, data));
                    break;
                }
                // The channel closed under the echo: nothing to echo to.
                Err(sansrtc_peer::Error::ChannelNotOpen | sansrtc_peer::Error::UnknownChannel) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let queued: usize = self.backlog.iter().map(|(_, _, d)| d.len()).sum();
        if queued > MAX_BACKLOG {
            return Err(Error::Failed(format!(
                "echo backlog of {queued} bytes: the peer sends faster than it reads"
            )));
        }
        Ok(())
    }
}
