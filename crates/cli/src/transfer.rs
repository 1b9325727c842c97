//! File transfer over a data channel (`--send FILE` / `--receive DIR`).
//!
//! On the main channel, in order (a reliable ordered channel, so no framing beyond this):
//! 1. sender → a text message `{"file":"NAME","size":N}`;
//! 2. sender → the content as binary messages of [`CHUNK`] bytes, kept at most [`HIGH_WATER`]
//!    bytes ahead of the network by the channel's buffered amount;
//! 3. receiver → a text message `{"received":N,"sha256":"HEX"}` once N bytes arrived;
//! 4. the sender compares the digest with its own, prints it, and closes the channel.
//!
//! Both sides print the SHA-256, and a progress bar while the bytes move.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use sansrtc_peer::{ChannelId, Peer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::session::Error;

/// Bytes per binary message.
pub const CHUNK: usize = 16 * 1024;
/// The sender queues more only while the channel's buffered amount is below this.
pub const HIGH_WATER: usize = 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    file: String,
    size: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Receipt {
    received: u64,
    sha256: String,
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn progress_bar(size: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(size);
    let style = ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The sending side.
pub struct Sending {
    name: String,
    file: File,
    size: u64,
    queued: u64,
    hasher: Sha256,
    digest: Option<String>,
    chunk: Vec<u8>,
    bar: ProgressBar,
    started: Instant,
}

impl Sending {
    /// Opens `path` and sends the header on `id`.
    pub fn start(path: &Path, peer: &mut Peer, now: Instant, id: ChannelId) -> Result<Self, Error> {
        let file = File::open(path)
            .map_err(|e| Error::Transfer(format!("opening {}: {e}", path.display())))?;
        let size = file.metadata()?.len();
        let name = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let header = serde_json::to_string(&Header {
            file: name.clone(),
            size,
        })
        .map_err(|e| Error::Transfer(e.to_string()))?;
        peer.send_text(now, id, &header)?;
        eprintln!("sansrtc: sending {name} ({size} bytes)");
        Ok(Sending {
            bar: progress_bar(size, &format!("send {name}")),
            name,
            file,
            size,
            queued: 0,
            hasher: Sha256::new(),
            digest: None,
            chunk: vec![0; CHUNK],
            started: Instant::now(),
        })
    }

    /// Queues more of the file while the channel has less than [`HIGH_WATER`] buffered.
    pub fn pump(&mut self, peer: &mut Peer, now: Instant, id: ChannelId) -> Result<(), Error> {
        while self.queued < self.size && peer.buffered_amount(id) < HIGH_WATER {
            let want = usize::try_from(self.size - self.queued)
                .unwrap_or(CHUNK)
                .min(CHUNK);
            let Some(buf) = self.chunk.get_mut(..want) else {
                break;
            };
            self.file.read_exact(buf)?;
            self.hasher.update(&*buf);
            peer.send_binary(now, id, buf)?;
            self.queued += want as u64;
        }
        let buffered = peer.buffered_amount(id) as u64;
        self.bar.set_position(self.queued.saturating_sub(buffered));
        if self.queued == self.size && self.digest.is_none() {
            self.digest = Some(hex(&std::mem::take(&mut self.hasher).finalize()));
        }
        Ok(())
    }

    /// Handles a message from the receiver; `Ok(true)` once the receipt matched.
    pub fn on_message(&mut self, binary: bool, data: &[u8]) -> Result<bool, Error> {
        let receipt: Receipt = match serde_json::from_slice(data) {
            Ok(r) if !binary => r,
            _ => return Ok(false),
        };
        let ours = self.digest.clone().unwrap_or_default();
        self.bar.finish_and_clear();
        if receipt.received != self.size || receipt.sha256 != ours {
            return Err(Error::Transfer(format!(
                "the receiver got {} bytes with SHA-256 {}, we sent {} with {ours}",
                receipt.received, receipt.sha256, self.size
            )));
        }
        eprintln!(
            "sansrtc: sent {} ({} bytes, {}) sha256 {ours}, confirmed by the receiver",
            self.name,
            self.size,
            rate(self.size, self.started.elapsed())
        );
        Ok(true)
    }
}

/// The receiving side.
pub struct Receiving {
    name: String,
    out: Option<(PathBuf, BufWriter<File>)>,
    size: u64,
    received: u64,
    hasher: Sha256,
    bar: ProgressBar,
    started: Instant,
}

impl Receiving {
    /// Starts a transfer if `data` is a file header; stores into `dir` when given.
    pub fn from_header(data: &[u8], dir: Option<&Path>) -> Result<Option<Self>, Error> {
        let Ok(header) = serde_json::from_slice::<Header>(data) else {
            return Ok(None);
        };
        // Only the last path component, so a peer cannot write outside `dir`.
        let name = Path::new(&header.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty() && n != "..")
            .ok_or_else(|| Error::Transfer(format!("bad file name {:?}", header.file)))?;
        let out = match dir {
            Some(dir) => {
                let path = dir.join(&name);
                let file = File::create(&path)
                    .map_err(|e| Error::Transfer(format!("creating {}: {e}", path.display())))?;
                Some((path, BufWriter::with_capacity(256 * 1024, file)))
            }
            None => {
                eprintln!("sansrtc: the peer sends {name}; not stored (no --receive DIR)");
                None
            }
        };
        eprintln!("sansrtc: receiving {name} ({} bytes)", header.size);
        Ok(Some(Receiving {
            bar: progress_bar(header.size, &format!("receive {name}")),
            name,
            out,
            size: header.size,
            received: 0,
            hasher: Sha256::new(),
            started: Instant::now(),
        }))
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The announced size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Takes one message; `Ok(true)` when the file is complete (the receipt is sent).
    pub fn on_message(
        &mut self,
        peer: &mut Peer,
        now: Instant,
        id: ChannelId,
        binary: bool,
        data: &[u8],
    ) -> Result<bool, Error> {
        if !binary {
            return Err(Error::Transfer(
                "text message in the middle of a file".into(),
            ));
        }
        self.received += data.len() as u64;
        if self.received > self.size {
            return Err(Error::Transfer(format!(
                "more than the announced {} bytes",
                self.size
            )));
        }
        self.hasher.update(data);
        if let Some((_, w)) = self.out.as_mut() {
            w.write_all(data)?;
        }
        self.bar.set_position(self.received);
        if self.received < self.size {
            return Ok(false);
        }
        if let Some((_, w)) = self.out.as_mut() {
            w.flush()?;
        }
        let digest = hex(&std::mem::take(&mut self.hasher).finalize());
        let receipt = serde_json::to_string(&Receipt {
            received: self.received,
            sha256: digest.clone(),
        })
        .map_err(|e| Error::Transfer(e.to_string()))?;
        peer.send_text(now, id, &receipt)?;
        self.bar.finish_and_clear();
        let place = self
            .out
            .as_ref()
            .map_or_else(|| "not stored".into(), |(p, _)| p.display().to_string());
        eprintln!(
            "sansrtc: received {} ({} bytes, {}) sha256 {digest} -> {place}",
            self.name,
            self.size,
            rate(self.size, self.started.elapsed())
        );
        Ok(true)
    }
}

/// "12.3 MiB/s".
pub fn rate(bytes: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    format!("{:.1} MiB/s", bytes as f64 / secs / (1024.0 * 1024.0))
}
