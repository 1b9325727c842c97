//! str0m (crates.io `str0m`, default aws-lc-rs crypto backend): two `Rtc`s driven by the same
//! mio loop shape as sansrtc's driver (drain output, wait for a datagram or the earliest timeout,
//! feed input).

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::channel::ChannelId;
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};

use crate::{HIGH_WATER, MESSAGE, Outcome, Receiver, TIMEOUT, TOTAL};

struct Side {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    timeout: Instant,
    /// A datagram the kernel refused (EAGAIN), sent first next time.
    blocked: Option<(SocketAddr, Vec<u8>)>,
}

impl Side {
    /// Drains `poll_output` to its `Timeout`, sending and collecting events.
    fn drain(&mut self, events: &mut Vec<Event>) -> Result<(), String> {
        if let Some((to, data)) = self.blocked.take()
            && matches!(self.socket.send_to(&data, to), Err(e) if e.kind() == ErrorKind::WouldBlock)
        {
            self.blocked = Some((to, data));
        }
        loop {
            match self.rtc.poll_output().map_err(|e| e.to_string())? {
                Output::Timeout(t) => {
                    self.timeout = t;
                    return Ok(());
                }
                // The socket buffer is full: lost, as the kernel would drop it (rare on
                // loopback; SCTP retransmits).
                Output::Transmit(_) if self.blocked.is_some() => {}
                Output::Transmit(t) => {
                    if matches!(
                        self.socket.send_to(&t.contents, t.destination),
                        Err(e) if e.kind() == ErrorKind::WouldBlock
                    ) {
                        self.blocked = Some((t.destination, t.contents.to_vec()));
                    }
                }
                Output::Event(e) => events.push(e),
            }
        }
    }
}

pub fn run() -> Result<Outcome, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let now = Instant::now();
    let mk = || -> Result<Side, String> {
        let socket = UdpSocket::bind("127.0.0.1:0".parse().unwrap()).map_err(|x| e(&x))?;
        let local = socket.local_addr().map_err(|x| e(&x))?;
        let mut rtc = Rtc::builder().build(now);
        rtc.add_local_candidate(Candidate::host(local, "udp").map_err(|x| e(&x))?);
        Ok(Side {
            rtc,
            socket,
            local,
            timeout: now,
            blocked: None,
        })
    };
    let mut sides = [mk()?, mk()?];
    let mut poll = Poll::new().map_err(|x| e(&x))?;
    for (i, s) in sides.iter_mut().enumerate() {
        poll.registry()
            .register(
                &mut s.socket,
                Token(i),
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(|x| e(&x))?;
    }

    let start = Instant::now();
    let mut change = sides[0].rtc.sdp_api();
    let cid: ChannelId = change.add_channel("bench".into());
    let (offer, pending) = change.apply().ok_or("no offer")?;
    // Through SDP text, as sansrtc does.
    let offer = SdpOffer::from_sdp_string(&offer.to_sdp_string()).map_err(|x| e(&x))?;
    let answer = sides[1]
        .rtc
        .sdp_api()
        .accept_offer(offer)
        .map_err(|x| e(&x))?;
    let answer = SdpAnswer::from_sdp_string(&answer.to_sdp_string()).map_err(|x| e(&x))?;
    sides[0]
        .rtc
        .sdp_api()
        .accept_answer(pending, answer)
        .map_err(|x| e(&x))?;

    let deadline = start + TIMEOUT;
    let mut events = Vec::new();
    let mut mio_events = Events::with_capacity(64);
    let mut buf = vec![0u8; 65536];
    let mut open = [false, false];
    let mut rx = Receiver::new();
    let mut setup = None;
    let mut sent = 0;
    let chunk = vec![0x5a; MESSAGE];
    let mut cpu0 = Duration::ZERO;
    let mut t0 = start;
    loop {
        // Application: once open, keep the channel fed.
        if setup.is_some()
            && sent < TOTAL
            && let Some(mut ch) = sides[0].rtc.channel(cid)
        {
            while sent < TOTAL && ch.buffered_amount() < HIGH_WATER {
                if !ch.write(true, &chunk).map_err(|x| e(&x))? {
                    break;
                }
                sent += MESSAGE;
            }
        }
        for i in 0..2 {
            sides[i].drain(&mut events)?;
            for ev in events.drain(..) {
                match ev {
                    Event::ChannelOpen(..) => open[i] = true,
                    Event::ChannelData(d) if i == 1 => rx.on_message(d.data.len()),
                    _ => {}
                }
            }
        }
        if setup.is_none() && open[0] && open[1] {
            setup = Some(start.elapsed());
            cpu0 = crate::measure::cpu();
            t0 = Instant::now();
            continue;
        }
        if rx.done() {
            break;
        }
        let now = Instant::now();
        if now > deadline {
            return Err(format!("timed out after {} bytes", rx.bytes));
        }
        let wake = sides[0].timeout.min(sides[1].timeout).min(deadline);
        poll.poll(&mut mio_events, Some(wake.saturating_duration_since(now)))
            .map_err(|x| e(&x))?;
        for i in 0..2 {
            while let Ok((n, source)) = sides[i].socket.recv_from(&mut buf) {
                let s = &mut sides[i];
                if let Ok(r) = Receive::new(Protocol::Udp, source, s.local, &buf[..n]) {
                    s.rtc
                        .handle_input(Input::Receive(Instant::now(), r))
                        .map_err(|x| e(&x))?;
                }
                s.drain(&mut events)?;
                for ev in events.drain(..) {
                    match ev {
                        Event::ChannelOpen(..) => open[i] = true,
                        Event::ChannelData(d) if i == 1 => rx.on_message(d.data.len()),
                        _ => {}
                    }
                }
            }
            let now = Instant::now();
            if sides[i].timeout <= now {
                sides[i]
                    .rtc
                    .handle_input(Input::Timeout(now))
                    .map_err(|x| e(&x))?;
                // str0m's rule: drain to Timeout after every input, before the next mutation.
                sides[i].drain(&mut events)?;
                for ev in events.drain(..) {
                    match ev {
                        Event::ChannelOpen(..) => open[i] = true,
                        Event::ChannelData(d) if i == 1 => rx.on_message(d.data.len()),
                        _ => {}
                    }
                }
            }
        }
    }
    Ok(Outcome {
        setup: setup.unwrap_or_default(),
        transfer: t0.elapsed(),
        bytes: rx.bytes,
        cpu: crate::measure::cpu() - cpu0,
        stalls: rx.stalls,
        max_gap: rx.max_gap,
    })
}
