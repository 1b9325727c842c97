//! sansrtc: two `sansrtc_peer::Peer`s on the reference driver of `sansrtc-cli` (one mio loop,
//! one socket per peer), the loop every embedder copies.

use std::net::SocketAddr;
use std::time::Instant;

use rand_core::OsRng;
use sansrtc_cli::driver::Driver;
use sansrtc_crypto::CryptoProvider;
use sansrtc_peer::{ChannelConfig, Config, Event, Peer};

use crate::{HIGH_WATER, MESSAGE, Outcome, Receiver, TIMEOUT, TOTAL};

/// Runs the pair with `crypto` as both peers' provider (certificates, DTLS, SRTP).
pub fn run(crypto: CryptoProvider) -> Result<Outcome, String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let mut driver = Driver::new().map_err(|x| e(&x))?;
    let bind = |driver: &mut Driver| -> Result<(Peer, Vec<mio::net::UdpSocket>), String> {
        let _ = driver;
        let sockets = sansrtc_cli::net::bind_all(&["127.0.0.1:0".parse::<SocketAddr>().unwrap()])
            .map_err(|x| e(&x))?;
        let local = sockets[0].local_addr().map_err(|x| e(&x))?;
        let mut config = Config::new([local], 7);
        config.crypto = crypto;
        let peer = Peer::new(config, &mut OsRng).map_err(|x| e(&x))?;
        Ok((peer, sockets))
    };
    let (offerer, s0) = bind(&mut driver)?;
    let (answerer, s1) = bind(&mut driver)?;
    // The sockets join the driver's loop (mio registration, quinn-udp socket options) before
    // the clock starts, as str0m's pair registers its sockets first: setup is create offer ->
    // channel open, not socket set-up.
    let o = driver.add(offerer, s0).map_err(|x| e(&x))?;
    let a = driver.add(answerer, s1).map_err(|x| e(&x))?;

    let start = Instant::now();
    let offerer = driver.peer(o).ok_or("offerer gone")?;
    let channel = offerer
        .create_channel(start, ChannelConfig::new("bench"))
        .map_err(|x| e(&x))?;
    let offer = offerer.create_offer(start).map_err(|x| e(&x))?.to_string();
    let answer = driver
        .peer(a)
        .ok_or("answerer gone")?
        .accept_offer(Instant::now(), &offer)
        .map_err(|x| e(&x))?
        .to_string();
    driver
        .peer(o)
        .ok_or("offerer gone")?
        .accept_answer(Instant::now(), &answer)
        .map_err(|x| e(&x))?;

    let deadline = start + TIMEOUT;
    let mut open = [false, false];
    while !(open[0] && open[1]) {
        if Instant::now() > deadline {
            return Err("setup timed out".into());
        }
        driver.turn(Some(deadline)).map_err(|x| e(&x))?;
        while let Some((i, ev)) = driver.poll_event() {
            match ev {
                Event::ChannelOpen(_) => open[usize::from(i == a)] = true,
                Event::Failed(x) => return Err(x.to_string()),
                _ => {}
            }
        }
    }
    let setup = start.elapsed();

    let chunk = vec![0x5a; MESSAGE];
    let mut sent = 0;
    let mut rx = Receiver::new();
    let cpu0 = crate::measure::cpu();
    let t0 = Instant::now();
    while !rx.done() {
        if Instant::now() > deadline {
            return Err(format!("transfer timed out after {} bytes", rx.bytes));
        }
        let peer = driver.peer(o).ok_or("offerer gone")?;
        let now = Instant::now();
        while sent < TOTAL && peer.buffered_amount(channel) < HIGH_WATER {
            peer.send_binary(now, channel, &chunk).map_err(|x| e(&x))?;
            sent += MESSAGE;
        }
        driver.turn(Some(deadline)).map_err(|x| e(&x))?;
        while let Some((i, ev)) = driver.poll_event() {
            match ev {
                Event::ChannelMessage { data, .. } if i == a => rx.on_message(data.len()),
                Event::Failed(x) => return Err(x.to_string()),
                _ => {}
            }
        }
    }
    Ok(Outcome {
        setup,
        transfer: t0.elapsed(),
        bytes: rx.bytes,
        cpu: crate::measure::cpu() - cpu0,
        stalls: rx.stalls,
        max_gap: rx.max_gap,
    })
}
