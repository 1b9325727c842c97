//! `sansrtc save-to-disk --video out.ivf --audio out.ogg`: receive a browser's camera and
//! microphone and write them to files, as they arrive (no transcoding).
//!
//! By default this process answers the browser's offer (the `sansrtc answer` contract: the
//! offer line on stdin, the answer line on stdout); `--offer` makes it offer receive-only
//! sections instead. Video goes to IVF (VP8, VP9 or AV1, 90 kHz time base, the RTP timestamps
//! of the frames) or, for a `.h264` path, to an H.264 Annex B byte stream; audio (Opus) to Ogg
//! Opus (RFC 7845), whose granule positions follow the RTP timestamps, lost packets filled with
//! concealment packets (§4.1). Video is answered only with formats the file can hold.
//!
//! Frames reach the files complete and in order: the peer's jitter buffer reorders, NACKs
//! what is missing (RTX when negotiated) and reports a frame it gave up on as a
//! `discontinuity`; after one, frames are skipped until the next key frame, and the peer asks
//! the browser for one (PLI). The hidden `--drop-every N` drops every N-th incoming RTP
//! packet before SRTP (the peer's test hook) so that the repair shows in the statistics line.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand_core::{OsRng, RngCore};
use sansrtc_peer::{
    Codec, CodecSpec, Config, Direction, Event, MediaFrame, MediaKind, Peer, TestLoss,
    TransceiverConfig, TransceiverId,
};

use crate::container::ivf::{IvfHeader, IvfWriter};
use crate::container::opus::{CLOCK_RATE, DEFAULT_PRE_SKIP, OggOpusWriter, OpusHead, OpusTags};
use crate::media::{MediaApp, inbound_json};
use crate::session::{Error, Role};

/// How often the files are flushed to disk while media arrives.
const FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Ogg pages carry this many Opus packets (one second of 20 ms packets).
const PAGE_PACKETS: usize = 50;

/// `save-to-disk` options.
#[derive(Debug, Clone, Default)]
pub struct SaveOptions {
    /// Where the video goes (`.h264`: Annex B; anything else: IVF).
    pub video: Option<PathBuf>,
    /// Where the audio goes (Ogg Opus).
    pub audio: Option<PathBuf>,
    /// Offer receive-only sections instead of answering.
    pub offer: bool,
    /// Drop every N-th incoming media RTP packet (test hook for NACK/RTX repair).
    pub drop_every: Option<u32>,
}

/// Whether a video path names an H.264 byte stream rather than IVF.
pub fn is_annexb_path(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("h264") || e.eq_ignore_ascii_case("264"))
}

/// The video formats a file at `path` can hold, in preference order.
pub fn video_formats(path: &Path) -> Vec<CodecSpec> {
    if is_annexb_path(path) {
        vec![CodecSpec::h264("42e01f"), CodecSpec::h264("42001f")]
    } else {
        vec![CodecSpec::vp8(), CodecSpec::vp9(0), CodecSpec::av1()]
    }
}

enum VideoFile {
    Ivf(IvfWriter<BufWriter<File>>),
    AnnexB(BufWriter<File>),
}

struct VideoSink {
    path: PathBuf,
    /// Created at start (so a bad path fails at once), wrapped at the first frame.
    file: Option<File>,
    out: Option<VideoFile>,
    codec: Option<Codec>,
    size: Option<(u16, u16)>,
    /// RTP timestamps: first, last, and the unwrapped distance from the first.
    first: Option<u32>,
    last: u32,
    elapsed: i64,
    frames: u64,
    keyframes: u64,
    /// Frames before the first key frame, or after a loss before the next one.
    skipped: u64,
    discontinuities: u64,
    waiting_for_key: bool,
}

struct AudioSink {
    path: PathBuf,
    file: Option<File>,
    out: Option<OggOpusWriter<BufWriter<File>>>,
    packets: u64,
    /// Frames of another codec than Opus (Ogg Opus cannot hold them).
    skipped: u64,
}

/// The receiving side of `save-to-disk`, for one peer (also used by `sansrtc serve`).
pub struct Saver {
    o: SaveOptions,
    video: Option<VideoSink>,
    audio: Option<AudioSink>,
    kinds: HashMap<TransceiverId, MediaKind>,
    tracks: Vec<TransceiverId>,
    last_flush: Option<Instant>,
}

impl Saver {
    /// Creates the output files.
    pub fn new(o: SaveOptions) -> Result<Self, Error> {
        if o.video.is_none() && o.audio.is_none() {
            return Err(Error::Failed(
                "nothing to save: give --video and/or --audio".into(),
            ));
        }
        let create = |p: &Path| {
            File::create(p).map_err(|e| {
                Error::Io(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", p.display()),
                ))
            })
        };
        let video = match &o.video {
            Some(p) => Some(VideoSink {
                path: p.clone(),
                file: Some(create(p)?),
                out: None,
                codec: None,
                size: None,
                first: None,
                last: 0,
                elapsed: 0,
                frames: 0,
                keyframes: 0,
                skipped: 0,
                discontinuities: 0,
                waiting_for_key: true,
            }),
            None => None,
        };
        let audio = match &o.audio {
            Some(p) => Some(AudioSink {
                path: p.clone(),
                file: Some(create(p)?),
                out: None,
                packets: 0,
                skipped: 0,
            }),
            None => None,
        };
        Ok(Saver {
            o,
            video,
            audio,
            kinds: HashMap::new(),
            tracks: Vec::new(),
            last_flush: None,
        })
    }

    fn on_frame(&mut self, peer: &Peer, f: &MediaFrame) -> Result<(), Error> {
        let kind = match self.kinds.get(&f.transceiver) {
            Some(k) => *k,
            None => {
                let Some(info) = peer.transceiver(f.transceiver) else {
                    return Ok(());
                };
                self.kinds.insert(f.transceiver, info.kind);
                info.kind
            }
        };
        match kind {
            MediaKind::Video => {
                if let Some(v) = self.video.as_mut() {
                    v.write(f)?;
                }
            }
            MediaKind::Audio => {
                if let Some(a) = self.audio.as_mut() {
                    a.write(f)?;
                }
            }
        }
        Ok(())
    }
}

impl VideoSink {
    fn write(&mut self, f: &MediaFrame) -> Result<(), Error> {
        if f.discontinuity {
            self.discontinuities += 1;
            if !f.keyframe {
                self.waiting_for_key = true;
            }
        }
        if self.waiting_for_key && !f.keyframe {
            self.skipped += 1;
            return Ok(());
        }
        self.waiting_for_key = false;
        if self.out.is_none() {
            self.open(f.codec)?;
        }
        match self.first {
            None => {
                self.first = Some(f.timestamp);
                self.last = f.timestamp;
            }
            Some(_) => {
                self.elapsed += i64::from(f.timestamp.wrapping_sub(self.last) as i32);
                self.last = f.timestamp;
            }
        }
        if f.codec == Codec::Vp8
            && let Some(s) = sansrtc_rtp::payload::vp8::keyframe_size(&f.data)
        {
            self.size = Some((s.width, s.height));
        }
        match self.out.as_mut() {
            Some(VideoFile::Ivf(w)) => {
                if let Some((width, height)) = self.size {
                    w.set_size(width, height);
                }
                w.write_frame(self.elapsed.max(0) as u64, &f.data)?;
            }
            Some(VideoFile::AnnexB(w)) => w.write_all(&f.data)?,
            None => {}
        }
        self.frames += 1;
        self.keyframes += u64::from(f.keyframe);
        Ok(())
    }

    fn open(&mut self, codec: Codec) -> Result<(), Error> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let file = BufWriter::new(file);
        self.codec = Some(codec);
        self.out = Some(if is_annexb_path(&self.path) {
            if codec != Codec::H264 {
                return Err(Error::Failed(format!(
                    "{}: a .h264 file holds H.264, the browser sends {codec:?}",
                    self.path.display()
                )));
            }
            VideoFile::AnnexB(file)
        } else {
            let header = IvfHeader::new(codec, 0, 0, 90_000).map_err(|e| {
                Error::Failed(format!("{}: {e} (use a .h264 file)", self.path.display()))
            })?;
            VideoFile::Ivf(IvfWriter::new(file, header).map_err(container)?)
        });
        eprintln!(
            "sansrtc: writing {codec:?} video to {}",
            self.path.display()
        );
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        match self.out.as_mut() {
            Some(VideoFile::Ivf(w)) => w.flush().map_err(container)?,
            Some(VideoFile::AnnexB(w)) => w.flush()?,
            None => {}
        }
        Ok(())
    }

    fn finish(&mut self, negotiated: Option<Codec>) -> Result<serde_json::Value, Error> {
        if self.out.is_none() && !is_annexb_path(&self.path) {
            // Nothing arrived: still a valid (empty) file.
            self.open(negotiated.unwrap_or(Codec::Vp8))?;
        }
        match self.out.take() {
            Some(VideoFile::Ivf(w)) => {
                w.finish().map_err(container)?.flush()?;
            }
            Some(VideoFile::AnnexB(mut w)) => w.flush()?,
            None => {}
        }
        let seconds = self.elapsed as f64 / 90_000.0;
        eprintln!(
            "sansrtc: {}: {} video frames ({} key frames) over {seconds:.1} s, {} skipped while waiting for a key frame",
            self.path.display(),
            self.frames,
            self.keyframes,
            self.skipped
        );
        Ok(serde_json::json!({
            "path": self.path.display().to_string(),
            "codec": self.codec.map(|c| format!("{c:?}")),
            "frames": self.frames,
            "keyframes": self.keyframes,
            "skipped_waiting_for_keyframe": self.skipped,
            "discontinuities": self.discontinuities,
            "seconds": seconds,
            "width": self.size.map(|s| s.0),
            "height": self.size.map(|s| s.1),
        }))
    }
}

impl AudioSink {
    fn write(&mut self, f: &MediaFrame) -> Result<(), Error> {
        if f.codec != Codec::Opus {
            if self.skipped == 0 {
                eprintln!(
                    "sansrtc: {}: Ogg Opus cannot hold {:?}, audio is not saved",
                    self.path.display(),
                    f.codec
                );
            }
            self.skipped += 1;
            return Ok(());
        }
        if self.out.is_none() {
            // The TOC's stereo flag (RFC 6716 §3.1) of the first packet gives the channels.
            let stereo = f.data.first().is_some_and(|toc| toc & 0x04 != 0);
            self.open(if stereo { 2 } else { 1 })?;
            eprintln!("sansrtc: writing Opus audio to {}", self.path.display());
        }
        if let Some(w) = self.out.as_mut() {
            w.write_rtp_packet(f.timestamp, &f.data)
                .map_err(container)?;
            self.packets += 1;
        }
        Ok(())
    }

    fn open(&mut self, channels: u8) -> Result<(), Error> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let head = OpusHead::new(channels, DEFAULT_PRE_SKIP, CLOCK_RATE);
        let tags = OpusTags {
            vendor: concat!("sansrtc ", env!("CARGO_PKG_VERSION")).into(),
            comments: vec!["SOURCE=WebRTC (sansrtc save-to-disk)".into()],
        };
        let w = OggOpusWriter::new(
            BufWriter::new(file),
            OsRng.next_u32(),
            &head,
            &tags,
            PAGE_PACKETS,
        )
        .map_err(container)?;
        self.out = Some(w);
        Ok(())
    }

    fn finish(&mut self) -> Result<serde_json::Value, Error> {
        if self.out.is_none() {
            self.open(2)?;
        }
        let (granule, concealed) = self
            .out
            .as_ref()
            .map_or((0, 0), |w| (w.granule(), w.concealed_samples));
        if let Some(w) = self.out.take() {
            w.finish().map_err(container)?.flush()?;
        }
        let seconds = granule.saturating_sub(u64::from(DEFAULT_PRE_SKIP)) as f64 / 48_000.0;
        eprintln!(
            "sansrtc: {}: {} Opus packets, {seconds:.1} s, {:.0} ms concealed",
            self.path.display(),
            self.packets,
            concealed as f64 / 48.0
        );
        Ok(serde_json::json!({
            "path": self.path.display().to_string(),
            "packets": self.packets,
            "seconds": seconds,
            "concealed_samples": concealed,
            "skipped_other_codec": self.skipped,
        }))
    }
}

fn container(e: crate::container::Error) -> Error {
    Error::Failed(e.to_string())
}

impl MediaApp for Saver {
    fn configure(&mut self, config: &mut Config) {
        config.media.video_codecs = self
            .o
            .video
            .as_deref()
            .map(video_formats)
            .unwrap_or_default();
        config.media.audio_codecs = if self.o.audio.is_some() {
            vec![CodecSpec::opus()]
        } else {
            Vec::new()
        };
        config.media.answer_direction = Direction::RecvOnly;
    }

    fn prepare(&mut self, peer: &mut Peer, _now: Instant) -> Result<(), Error> {
        if let Some(n) = self.o.drop_every {
            peer.set_media_loss_for_testing(TestLoss {
                outgoing_every: None,
                incoming_every: Some(n),
            });
            eprintln!("sansrtc: dropping every {n}th incoming media packet (test hook)");
        }
        if self.o.offer {
            if self.o.audio.is_some() {
                peer.add_transceiver(
                    TransceiverConfig::new(MediaKind::Audio)
                        .with_direction(Direction::RecvOnly)
                        .with_codecs([CodecSpec::opus()]),
                )?;
            }
            if let Some(p) = &self.o.video {
                peer.add_transceiver(
                    TransceiverConfig::new(MediaKind::Video)
                        .with_direction(Direction::RecvOnly)
                        .with_codecs(video_formats(p)),
                )?;
            }
        }
        Ok(())
    }

    fn on_event(&mut self, peer: &mut Peer, _now: Instant, event: &Event) -> Result<(), Error> {
        match event {
            Event::Track(id) => {
                if let Some(info) = peer.transceiver(*id) {
                    let codec = info.codecs.first().map(|c| format!("{:?}", c.codec));
                    eprintln!(
                        "sansrtc: receiving {} ({}) on mid {}",
                        info.kind.as_str(),
                        codec.as_deref().unwrap_or("?"),
                        info.mid.as_deref().unwrap_or("?")
                    );
                    self.kinds.insert(*id, info.kind);
                }
                if !self.tracks.contains(id) {
                    self.tracks.push(*id);
                }
            }
            Event::Frame(f) => self.on_frame(peer, f)?,
            _ => {}
        }
        Ok(())
    }

    fn poll(&mut self, _peer: &mut Peer, now: Instant) -> Result<Option<Instant>, Error> {
        let due = self.last_flush.is_none_or(|t| now >= t + FLUSH_INTERVAL);
        if due {
            if let Some(v) = self.video.as_mut() {
                v.flush()?;
            }
            self.last_flush = Some(now);
        }
        Ok(self.last_flush.map(|t| t + FLUSH_INTERVAL))
    }

    fn finish(&mut self, peer: &mut Peer) -> Result<serde_json::Value, Error> {
        let mut stats = serde_json::json!({});
        let of_kind = |kind: MediaKind| {
            peer.transceivers()
                .into_iter()
                .find(|id| peer.transceiver(*id).is_some_and(|i| i.kind == kind))
        };
        if let Some(v) = self.video.as_mut() {
            let id = of_kind(MediaKind::Video);
            let negotiated = id
                .and_then(|id| peer.transceiver(id))
                .and_then(|i| i.codecs.first().map(|c| c.codec));
            let mut j = v.finish(negotiated)?;
            crate::media::set(
                &mut j,
                "rtp",
                id.map_or(serde_json::json!({}), |id| inbound_json(peer, id)),
            );
            crate::media::set(&mut stats, "video", j);
        }
        if let Some(a) = self.audio.as_mut() {
            let id = of_kind(MediaKind::Audio);
            let mut j = a.finish()?;
            crate::media::set(
                &mut j,
                "rtp",
                id.map_or(serde_json::json!({}), |id| inbound_json(peer, id)),
            );
            crate::media::set(&mut stats, "audio", j);
        }
        Ok(stats)
    }
}

/// The role `save-to-disk` plays.
pub fn role(o: &SaveOptions) -> Role {
    if o.offer { Role::Offer } else { Role::Answer }
}
