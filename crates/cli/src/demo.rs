//! `sansrtc demo`: two peers in one process over real loopback UDP.
//!
//! The offerer creates a channel and an offer, the answerer answers (signaling is a function
//! call here), and one [`Driver`] runs both peers' sockets: ICE checks, the DTLS handshake,
//! the SCTP association and the DCEP channel open all cross the kernel's loopback like any
//! other UDP traffic. Once the channel is open on both sides they exchange a greeting each way,
//! then the offerer sends a file (generated, [`Options::size`] bytes) in 16 KiB messages with
//! buffered-amount flow control while the answerer hashes what arrives; the SHA-256 of both
//! sides must match. [`run`] reports the time of each phase, measured from just before the
//! offer was created, and the transfer's throughput.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use rand_core::{OsRng, RngCore};
use sansrtc_ice::ConnectionState as IceState;
use sansrtc_peer::{ChannelConfig, ChannelId, Config, Event, Peer, Stats};
use sha2::{Digest, Sha256};

use crate::driver::{Driver, PeerIndex};
use crate::net;

/// Demo parameters.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Bytes to move over the channel.
    pub size: u64,
    /// The address both peers bind (a loopback address).
    pub ip: IpAddr,
    /// Give up after this long.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            size: 64 * 1024 * 1024,
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            timeout: Duration::from_secs(60),
        }
    }
}

/// Bytes per message of the transfer.
const CHUNK: usize = 16 * 1024;
/// The sender keeps at most this much queued in the channel.
const HIGH_WATER: usize = 4 * 1024 * 1024;

/// When each phase completed on one side, from just before the offer was created.
#[derive(Debug, Clone, Copy, Default)]
pub struct Phases {
    /// ICE reported Connected (`RTCIceConnectionState`; the agent reports it once a pair is
    /// nominated, while DTLS already starts on the first valid pair, so this can come last).
    pub ice: Option<Duration>,
    /// The DTLS handshake completed and the fingerprint matched.
    pub dtls: Option<Duration>,
    /// The SCTP association is up.
    pub sctp: Option<Duration>,
    /// The data channel is open.
    pub channel: Option<Duration>,
}

impl Phases {
    /// Records the first time of each phase.
    fn note(&mut self, at: Duration, event: &Event) {
        let slot = match event {
            Event::IceState(IceState::Connected | IceState::Completed) => &mut self.ice,
            Event::DtlsConnected { .. } => &mut self.dtls,
            Event::SctpConnected => &mut self.sctp,
            Event::ChannelOpen(_) => &mut self.channel,
            _ => return,
        };
        slot.get_or_insert(at);
    }
}

/// What the demo measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// The two sockets.
    pub addresses: (SocketAddr, SocketAddr),
    /// Offerer's and answerer's phases.
    pub phases: (Phases, Phases),
    /// The greeting round trip (offerer → answerer → offerer).
    pub greeting_rtt: Duration,
    /// Bytes moved.
    pub bytes: u64,
    /// From the first file byte queued to the last one received.
    pub transfer: Duration,
    /// SHA-256 of what was sent and of what arrived.
    pub sha256: (String, String),
    /// The peers' counters at the end.
    pub stats: (Stats, Stats),
}

/// Progress, for a progress bar.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Progress {
    /// The transfer starts: this many bytes.
    Start(u64),
    /// Bytes received so far.
    Received(u64),
    /// The transfer is complete.
    Done,
}

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A socket call failed.
    #[error("UDP: {0}")]
    Io(#[from] io::Error),
    /// The peer refused a call or the connection failed.
    #[error("peer: {0}")]
    Peer(#[from] sansrtc_peer::Error),
    /// Not done in time.
    #[error("timed out after {0:?} while {1}")]
    Timeout(Duration, &'static str),
    /// A side failed.
    #[error("the {0} failed: {1}")]
    Failed(&'static str, String),
    /// Something arrived that should not have.
    #[error("{0}")]
    Unexpected(String),
}

const OFFERER: usize = 0;
const ANSWERER: usize = 1;
fn name(side: usize) -> &'static str {
    if side == OFFERER {
        "offerer"
    } else {
        "answerer"
    }
}

struct Side {
    index: PeerIndex,
    phases: Phases,
    channel: Option<ChannelId>,
}

/// Runs the demo.
pub fn run(options: Options, mut progress: impl FnMut(Progress)) -> Result<Report, Error> {
    let mut driver = Driver::new()?;
    let mut addresses = Vec::with_capacity(2);
    let mut peers = Vec::with_capacity(2);
    for _ in 0..2 {
        let sockets = net::bind_all(&[SocketAddr::new(options.ip, 0)])?;
        let local = sockets
            .first()
            .map(mio::net::UdpSocket::local_addr)
            .transpose()?
            .ok_or_else(|| Error::Unexpected("no socket".into()))?;
        addresses.push(local);
        let mut config = Config::new([local], OsRng.next_u64());
        config.receive_buffer = net::receive_window(&sockets, config.receive_buffer);
        let peer = Peer::new(config, &mut OsRng)?;
        peers.push((peer, sockets));
    }

    // Signaling by function call: offer, answer, done.
    let start = Instant::now();
    let mut it = peers.into_iter();
    let (Some((mut offerer, s0)), Some((mut answerer, s1))) = (it.next(), it.next()) else {
        return Err(Error::Unexpected("two peers".into()));
    };
    let channel = offerer.create_channel(start, ChannelConfig::new("demo"))?;
    let offer = offerer.create_offer(start)?.to_string();
    let answer = answerer.accept_offer(Instant::now(), &offer)?.to_string();
    offerer.accept_answer(Instant::now(), &answer)?;
    let mut sides = [
        Side {
            index: driver.add(offerer, s0)?,
            phases: Phases::default(),
            channel: Some(channel),
        },
        Side {
            index: driver.add(answerer, s1)?,
            phases: Phases::default(),
            channel: None,
        },
    ];
    let addresses = [
        addresses
            .first()
            .copied()
            .unwrap_or(SocketAddr::new(options.ip, 0)),
        addresses
            .get(1)
            .copied()
            .unwrap_or(SocketAddr::new(options.ip, 0)),
    ];

    // Until the channel is open on both sides and the greeting made its round trip.
    let deadline = start + options.timeout;
    let mut greeted_at = None;
    let mut greeting_rtt = None;
    while greeting_rtt.is_none() {
        if Instant::now() > deadline {
            return Err(Error::Timeout(options.timeout, "connecting"));
        }
        driver.turn(Some(deadline))?;
        while let Some((index, event)) = driver.poll_event() {
            let side = if index == sides[OFFERER].index {
                OFFERER
            } else {
                ANSWERER
            };
            let now = Instant::now();
            let at = now.saturating_duration_since(start);
            let s = if side == OFFERER {
                &mut sides[OFFERER]
            } else {
                &mut sides[ANSWERER]
            };
            s.phases.note(at, &event);
            match event {
                Event::ChannelOpen(id) => s.channel = Some(id),
                Event::ChannelMessage { id, data, .. } => {
                    let peer = driver
                        .peer(index)
                        .ok_or_else(|| Error::Unexpected("peer gone".into()))?;
                    if side == ANSWERER {
                        peer.send_text(now, id, "hello back from the answerer")?;
                    } else if let Some(t0) = greeted_at {
                        greeting_rtt = Some(now.saturating_duration_since(t0));
                    }
                    if data.is_empty() {
                        return Err(Error::Unexpected("empty greeting".into()));
                    }
                }
                Event::Failed(e) => return Err(Error::Failed(name(side), e.to_string())),
                _ => {}
            }
        }
        let both_open = sides.iter().all(|s| s.phases.channel.is_some());
        if both_open && greeted_at.is_none() {
            let now = Instant::now();
            let id = sides[OFFERER].channel.unwrap_or(channel);
            if let Some(peer) = driver.peer(sides[OFFERER].index) {
                peer.send_text(now, id, "hello from the offerer")?;
            }
            greeted_at = Some(now);
        }
    }

    // The file: the offerer sends, the answerer hashes.
    progress(Progress::Start(options.size));
    let (sender, receiver) = (sides[OFFERER].index, sides[ANSWERER].index);
    let mut sent = 0u64;
    let mut received = 0u64;
    let mut sent_hash = Sha256::new();
    let mut received_hash = Sha256::new();
    let mut chunk = vec![0u8; CHUNK];
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let transfer_start = Instant::now();
    let transfer_deadline = transfer_start + options.timeout;
    let mut last_progress = transfer_start;
    while received < options.size {
        if let Some(peer) = driver.peer(sender) {
            let now = Instant::now();
            while sent < options.size && peer.buffered_amount(channel) < HIGH_WATER {
                let n = usize::try_from(options.size - sent)
                    .unwrap_or(CHUNK)
                    .min(CHUNK);
                let Some(buf) = chunk.get_mut(..n) else { break };
                fill(buf, &mut rng);
                sent_hash.update(&*buf);
                peer.send_binary(now, channel, buf)?;
                sent += n as u64;
            }
        }
        if Instant::now() > transfer_deadline {
            return Err(Error::Timeout(options.timeout, "transferring"));
        }
        driver.turn(Some(transfer_deadline))?;
        while let Some((index, event)) = driver.poll_event() {
            let at = start.elapsed();
            if index == sender {
                sides[OFFERER].phases.note(at, &event);
            } else {
                sides[ANSWERER].phases.note(at, &event);
            }
            match event {
                Event::ChannelMessage { data, .. } if index == receiver => {
                    received += data.len() as u64;
                    received_hash.update(&data);
                }
                Event::Failed(e) => {
                    let side = if index == sender { OFFERER } else { ANSWERER };
                    return Err(Error::Failed(name(side), e.to_string()));
                }
                _ => {}
            }
        }
        if last_progress.elapsed() > Duration::from_millis(50) {
            progress(Progress::Received(received));
            last_progress = Instant::now();
        }
    }
    let transfer = transfer_start.elapsed();
    progress(Progress::Done);

    let mut stats = Vec::with_capacity(2);
    for s in &sides {
        let peer = driver
            .peer(s.index)
            .ok_or_else(|| Error::Unexpected("peer gone".into()))?;
        stats.push(peer.stats());
        peer.close(Instant::now());
    }
    driver.flush();
    let mut stats = stats.into_iter();
    Ok(Report {
        addresses: (addresses[OFFERER], addresses[ANSWERER]),
        phases: (sides[OFFERER].phases, sides[ANSWERER].phases),
        greeting_rtt: greeting_rtt.unwrap_or_default(),
        bytes: received,
        transfer,
        sha256: (hex(&sent_hash.finalize()), hex(&received_hash.finalize())),
        stats: (
            stats.next().unwrap_or_default(),
            stats.next().unwrap_or_default(),
        ),
    })
}

/// Pseudo-random bytes (xorshift64*), so the file is not one repeated pattern.
fn fill(buf: &mut [u8], state: &mut u64) {
    for word in buf.chunks_mut(8) {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        let v = state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
        for (b, v) in word.iter_mut().zip(v) {
            *b = v;
        }
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
