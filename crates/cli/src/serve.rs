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
//! The HTTP server (tiny_http) runs on its own thread and hands offers to the run loop through
//! a channel, waking it; the loop owns every peer and socket.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use rand_core::OsRng;
use sansrtc_peer::{Bytes, ChannelId, ConnectionState, Event, Peer};

use crate::driver::{Driver, IDLE, PeerIndex};
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
    loop {
        driver.turn(Some(Instant::now() + IDLE))?;
        while let Ok(offer) = offers.try_recv() {
            if visitors.len() >= MAX_VISITORS {
                let _ = offer.reply.send(Err("too many browsers connected".into()));
                continue;
            }
            match accept(&mut driver, &o.net, &offer.description) {
                Ok(index) => {
                    visitors.insert(
                        index,
                        Visitor {
                            number: next_number,
                            chat: None,
                            echo: None,
                            reply: Some(offer.reply),
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

/// Creates a peer for a browser's offer; the answer goes out once gathering completes.
fn accept(driver: &mut Driver, net: &NetOptions, offer: &Description) -> Result<PeerIndex, String> {
    if offer.kind != "offer" {
        return Err(format!("expected an offer, got {:?}", offer.kind));
    }
    let (config, sockets) = net.bind().map_err(|e| e.to_string())?;
    let mut peer = Peer::new(config, &mut OsRng).map_err(|e| e.to_string())?;
    peer.accept_offer(Instant::now(), &offer.sdp)
        .map_err(|e| e.to_string())?;
    driver.add(peer, sockets).map_err(|e| e.to_string())
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
    match event {
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
            if let Some(reply) = v.reply.take() {
                let _ = reply.send(Err("the connection failed before it was answered".into()));
            }
            gone = true;
        }
        _ => {}
    }
    if gone {
        visitors.remove(&index);
        driver.remove(index);
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
            (tiny_http::Method::Post, "/offer") => {
                let mut body = String::new();
                let read = request
                    .as_reader()
                    .take(MAX_OFFER)
                    .read_to_string(&mut body);
                match read.map_err(|e| e.to_string()).and_then(|_| {
                    Description::parse_line(&body, "offer").map_err(|e| e.to_string())
                }) {
                    Ok(description) => answer(offers, waker, description),
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
    description: Description,
) -> tiny_http::Response<io::Cursor<Vec<u8>>> {
    let (reply, answer) = mpsc::channel();
    if offers.send(Offer { description, reply }).is_err() || waker.wake().is_err() {
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
