//! `sansrtc serve`: a web page from which a person in a browser connects to this Rust peer.
//!
//! `GET /` serves a page (serve.html) that creates an `RTCPeerConnection` with two data
//! channels, `chat` and `echo`, and POSTs its offer (the browser's own JSON, once gathering is
//! complete) to `/offer`. For each offer this process creates a [`Peer`], answers in the HTTP
//! response, and from then on it is peer to peer: the echo channel sends everything back, and
//! the chat channel connects the browser to this terminal — what the person types appears here
//! on stdout, each line typed here goes to every connected browser (and what one browser says
//! reaches the others too).
//!
//! The page's media buttons make their own connections: "send my camera to disk" offers the
//! browser's camera and microphone, which this process writes to `--save-dir` as
//! `browser-N.ivf` and `browser-N.ogg` (see [`crate::save`]); "play a file to me" offers to
//! receive, and this process answers with the `--play` video (and `--play-audio`) file, looping
//! (see [`crate::play`]). The page POSTs those offers to `/offer?save` and `/offer?play`.
//!
//! The HTTP server (tiny_http) runs on its own thread and hands offers to the run loop through
//! a channel, waking it; the loop owns every peer and socket.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use rand_core::OsRng;
use sansrtc_peer::{Bytes, ChannelId, ConnectionState, Event, Peer};

use crate::driver::{Driver, IDLE, PeerIndex};
use crate::media::MediaApp;
use crate::play::{PlayOptions, Player};
use crate::save::{SaveOptions, Saver};
use crate::session::{self, Input, NetOptions};
use crate::signal::Description;

/// The page.
const PAGE: &str = include_str!("serve.html");
/// Browsers connected at once, at most.
const MAX_VISITORS: usize = 16;
/// The largest offer accepted.
const MAX_OFFER: u64 = 64 * 1024;

/// `sansrtc serve` options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the HTTP server listens.
    pub http: SocketAddr,
    /// Where the peers gather candidates.
    pub net: NetOptions,
    /// Where "send my camera to disk" writes its files.
    pub save_dir: PathBuf,
    /// The video "play a file to me" sends (IVF or .h264); `None` refuses that button.
    pub play: Option<PathBuf>,
    /// The audio it sends along (Ogg Opus).
    pub play_audio: Option<PathBuf>,
    /// Frame rate of a .h264 `play` file.
    pub fps: f64,
}

/// What a browser's offer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The chat and echo channels.
    Chat,
    /// Its camera and microphone to files.
    Save,
    /// The `--play` file to it.
    Play,
}

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A socket failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The HTTP server could not start.
    #[error("HTTP server on {0}: {1}")]
    Http(SocketAddr, String),
}

/// An offer from the HTTP thread and where its answer goes.
struct Offer {
    mode: Mode,
    description: Description,
    reply: mpsc::Sender<Result<String, String>>,
}

/// One connected browser.
struct Visitor {
    number: u32,
    chat: Option<ChannelId>,
    echo: Option<ChannelId>,
    /// The HTTP request waiting for the answer (until gathering completes).
    reply: Option<mpsc::Sender<Result<String, String>>>,
    /// Saving or playing, for the media buttons.
    media: Option<Box<dyn MediaApp>>,
    connected: bool,
}

/// Runs the server until the process is stopped.
pub fn run(o: &Options, out: &mut dyn Write) -> Result<(), Error> {
    let mut driver = Driver::new()?;
    let waker = driver.waker()?;
    let server = tiny_http::Server::http(o.http).map_err(|e| Error::Http(o.http, e.to_string()))?;
    let (offers_tx, offers) = mpsc::channel();
    let http_waker = waker.clone();
    std::thread::spawn(move || serve_http(&server, &offers_tx, &http_waker));
    let input = session::spawn_stdin(waker);
    eprintln!(
        "sansrtc serve: open http://{}/ in Chromium or Firefox; type here to chat, Ctrl-C to stop",
        display_host(o.http)
    );

    let mut visitors: HashMap<PeerIndex, Visitor> = HashMap::new();
    let mut next_number = 1;
    let mut wake: Option<Instant> = None;
    loop {
        let idle = Instant::now() + IDLE;
        driver.turn(Some(wake.map_or(idle, |w| w.min(idle))))?;
        while let Ok(offer) = offers.try_recv() {
            if visitors.len() >= MAX_VISITORS {
                let _ = offer.reply.send(Err("too many browsers connected".into()));
                continue;
            }
            let mut media = match media_app(o, offer.mode, next_number) {
                Ok(m) => m,
                Err(e) => {
                    let _ = offer.reply.send(Err(e));
                    continue;
                }
            };
            match accept(
                &mut driver,
                &o.net,
                &offer.description,
                media.as_deref_mut(),
            ) {
                Ok(index) => {
                    visitors.insert(
                        index,
                        Visitor {
                            number: next_number,
                            chat: None,
                            echo: None,
                            reply: Some(offer.reply),
                            media,
                            connected: false,
                        },
                    );
                    next_number += 1;
                }
                Err(e) => {
                    let _ = offer.reply.send(Err(e));
                }
            }
        }
        while let Some((index, event)) = driver.poll_event() {
            on_event(&mut driver, &mut visitors, index, event, out)?;
        }
        // The media visitors' work between turns (frames due to be sent, files flushed).
        wake = None;
        let now = Instant::now();
        let mut failed = Vec::new();
        for (&index, v) in visitors.iter_mut() {
            if let (true, Some(app), Some(peer)) =
                (v.connected, v.media.as_mut(), driver.peer(index))
            {
                match app.poll(peer, now) {
                    Ok(Some(w)) => wake = Some(wake.map_or(w, |x: Instant| x.min(w))),
                    Ok(None) => {}
                    Err(e) => {
                        eprintln!("sansrtc serve: browser {}: {e}", v.number);
                        failed.push(index);
                    }
                }
            }
        }
        for index in failed {
            leave(&mut driver, &mut visitors, index);
        }
        while let Ok(i) = input.try_recv() {
            if let Input::Line(line) = i {
                let now = Instant::now();
                for (&index, v) in &visitors {
                    if let (Some(chat), Some(peer)) = (v.chat, driver.peer(index)) {
                        let _ = peer.send_text(now, chat, &line);
                    }
                }
            }
        }
    }
}

/// The saver or player for a media button's offer.
fn media_app(o: &Options, mode: Mode, number: u32) -> Result<Option<Box<dyn MediaApp>>, String> {
    match mode {
        Mode::Chat => Ok(None),
        Mode::Save => {
            let base = o.save_dir.join(format!("browser-{number}"));
            let saver = Saver::new(SaveOptions {
                video: Some(base.with_extension("ivf")),
                audio: Some(base.with_extension("ogg")),
                ..SaveOptions::default()
            })
            .map_err(|e| e.to_string())?;
            eprintln!(
                "sansrtc serve: browser {number} sends its camera to {}.ivf and .ogg",
                base.display()
            );
            Ok(Some(Box::new(saver)))
        }
        Mode::Play => {
            let Some(video) = &o.play else {
                return Err("this server plays no file: start it with --play FILE".into());
            };
            let player = Player::new(PlayOptions {
                video: Some(video.clone()),
                audio: o.play_audio.clone(),
                fps: o.fps,
                answer: true,
                ..PlayOptions::default()
            })
            .map_err(|e| e.to_string())?;
            eprintln!("sansrtc serve: browser {number} gets {}", video.display());
            Ok(Some(Box::new(player)))
        }
    }
}

/// Creates a peer for a browser's offer; the answer goes out once gathering completes.
fn accept(
    driver: &mut Driver,
    net: &NetOptions,
    offer: &Description,
    media: Option<&mut (dyn MediaApp + 'static)>,
) -> Result<PeerIndex, String> {
    if offer.kind != "offer" {
        return Err(format!("expected an offer, got {:?}", offer.kind));
    }
    let (mut config, sockets) = net.bind().map_err(|e| e.to_string())?;
    let now = Instant::now();
    let mut peer = match media {
        Some(app) => {
            app.configure(&mut config);
            let mut peer = Peer::new(config, &mut OsRng).map_err(|e| e.to_string())?;
            app.prepare(&mut peer, now).map_err(|e| e.to_string())?;
            peer
        }
        None => Peer::new(config, &mut OsRng).map_err(|e| e.to_string())?,
    };
    peer.accept_offer(now, &offer.sdp)
        .map_err(|e| e.to_string())?;
    driver.add(peer, sockets).map_err(|e| e.to_string())
}

/// A visitor is gone: its files are finished and its peer removed.
fn leave(driver: &mut Driver, visitors: &mut HashMap<PeerIndex, Visitor>, index: PeerIndex) {
    if let Some(mut v) = visitors.remove(&index) {
        if let (Some(app), Some(peer)) = (v.media.as_mut(), driver.peer(index))
            && let Err(e) = app.finish(peer)
        {
            eprintln!("sansrtc serve: browser {}: {e}", v.number);
        }
        if let Some(reply) = v.reply.take() {
            let _ = reply.send(Err("the connection failed before it was answered".into()));
        }
    }
    if let Some(peer) = driver.peer(index) {
        peer.close(Instant::now());
    }
    driver.flush();
    driver.remove(index);
}

fn on_event(
    driver: &mut Driver,
    visitors: &mut HashMap<PeerIndex, Visitor>,
    index: PeerIndex,
    event: Event,
    out: &mut dyn Write,
) -> io::Result<()> {
    let now = Instant::now();
    let (Some(v), Some(peer)) = (visitors.get_mut(&index), driver.peer(index)) else {
        return Ok(());
    };
    let who = v.number;
    let mut relay = None;
    let mut gone = false;
    if let Some(app) = v.media.as_mut()
        && let Err(e) = app.on_event(peer, now, &event)
    {
        eprintln!("sansrtc serve: browser {who}: {e}");
        gone = true;
    }
    match event {
        Event::ConnectionState(ConnectionState::Connected) => v.connected = true,
        Event::GatheringComplete => {
            if let (Some(reply), Some(local)) = (v.reply.take(), peer.local_description()) {
                let _ = reply.send(Ok(Description::new("answer", local.to_string()).to_line()));
            }
        }
        Event::ChannelOpen(id) => {
            let label = peer.channel(id).map(|c| c.label).unwrap_or_default();
            match label.as_str() {
                "chat" => {
                    v.chat = Some(id);
                    eprintln!("sansrtc serve: browser {who} joined the chat");
                    let hello = format!("hello, browser {who}: this is sansrtc");
                    let _ = peer.send_text(now, id, &hello);
                }
                "echo" => v.echo = Some(id),
                _ => {}
            }
        }
        Event::ChannelMessage { id, binary, data } => {
            if Some(id) == v.echo {
                let _ = peer.send(now, id, binary, Bytes::from(data));
            } else if Some(id) == v.chat && !binary {
                let text = format!("browser {who}: {}", String::from_utf8_lossy(&data));
                writeln!(out, "{text}")?;
                out.flush()?;
                relay = Some(text);
            }
        }
        Event::ConnectionState(ConnectionState::Closed | ConnectionState::Failed) => {
            eprintln!("sansrtc serve: browser {who} left");
            gone = true;
        }
        _ => {}
    }
    if gone {
        leave(driver, visitors, index);
    }
    // What one browser says, the others hear too.
    if let Some(text) = relay {
        for (&other, ov) in visitors.iter() {
            if other != index
                && let (Some(chat), Some(p)) = (ov.chat, driver.peer(other))
            {
                let _ = p.send_text(now, chat, &text);
            }
        }
    }
    Ok(())
}

fn serve_http(server: &tiny_http::Server, offers: &mpsc::Sender<Offer>, waker: &Arc<mio::Waker>) {
    for mut request in server.incoming_requests() {
        let response = match (request.method(), request.url()) {
            (tiny_http::Method::Get, "/" | "/index.html") => {
                respond(200, "text/html; charset=utf-8", PAGE.into())
            }
            (tiny_http::Method::Post, url) if url.starts_with("/offer") => {
                let mode = match url.split_once('?').map(|(_, q)| q) {
                    Some("save") => Mode::Save,
                    Some("play") => Mode::Play,
                    _ => Mode::Chat,
                };
                let mut body = String::new();
                let read = request
                    .as_reader()
                    .take(MAX_OFFER)
                    .read_to_string(&mut body);
                match read.map_err(|e| e.to_string()).and_then(|_| {
                    Description::parse_line(&body, "offer").map_err(|e| e.to_string())
                }) {
                    Ok(description) => answer(offers, waker, mode, description),
                    Err(e) => respond(400, "text/plain", e),
                }
            }
            _ => respond(404, "text/plain", "not found".into()),
        };
        let _ = request.respond(response);
    }
}

fn answer(
    offers: &mpsc::Sender<Offer>,
    waker: &Arc<mio::Waker>,
    mode: Mode,
    description: Description,
) -> tiny_http::Response<io::Cursor<Vec<u8>>> {
    let (reply, answer) = mpsc::channel();
    let offer = Offer {
        mode,
        description,
        reply,
    };
    if offers.send(offer).is_err() || waker.wake().is_err() {
        return respond(503, "text/plain", "the peer loop has stopped".into());
    }
    match answer.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok(json)) => respond(200, "application/json", json),
        Ok(Err(e)) => respond(400, "text/plain", e),
        Err(_) => respond(504, "text/plain", "no answer within 10 s".into()),
    }
}

fn respond(
    code: u16,
    content_type: &str,
    body: String,
) -> tiny_http::Response<io::Cursor<Vec<u8>>> {
    let mut r = tiny_http::Response::from_string(body).with_status_code(code);
    if let Ok(h) = tiny_http::Header::from_bytes(&b"Content-Type"[..], content_type.as_bytes()) {
        r.add_header(h);
    }
    r
}

fn display_host(a: SocketAddr) -> String {
    match a.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("127.0.0.1:{}", a.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => format!("[::1]:{}", a.port()),
        _ => a.to_string(),
    }
}
