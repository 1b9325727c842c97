//! `sansrtc play-from-disk --video in.ivf [--audio in.ogg]`: send a file's encoded frames to a
//! browser at the pace of their timestamps, looping, without transcoding.
//!
//! By default this process offers send-only sections (the `sansrtc offer` contract: the offer
//! line on stdout, the answer line on stdin); `--answer` answers the browser's offer instead.
//! Video comes from IVF (VP8, VP9, AV1: the frames' timestamps in the header's time base) or an
//! H.264 Annex B byte stream (`.h264`, access units at `--fps`); audio from Ogg Opus (each
//! packet's duration from its TOC byte). Only the file's format is offered, so the browser
//! must support it.
//!
//! Frames go to [`Peer::write_frame_at`] with their media time, which keeps growing across
//! loops, so the browser sees one continuous stream; the first frame of the file must be a key
//! frame (ffmpeg's are). A keyframe request from the browser (PLI/FIR) cannot make a file
//! encode one: the player stops sending frames until the file's next key frame, which is what
//! the browser's decoder would do with them anyway. A frame the pacer has no room for
//! ([`sansrtc_peer::Error::MediaQueueFull`]) is dropped and counted, and so are the frames up
//! to the next key frame.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sansrtc_peer::{
    Codec, CodecSpec, Config, Direction, Event, MediaKind, Peer, TestLoss, TransceiverConfig,
    TransceiverId,
};

use crate::container::annexb::AccessUnits;
use crate::container::ivf::IvfReader;
use crate::container::opus::{CLOCK_RATE, OggOpusReader};
use crate::container::{self, is_keyframe};
use crate::media::{MediaApp, outbound_json};
use crate::save::is_annexb_path;
use crate::session::{Error, Role};

/// A player that falls this far behind its schedule (a stalled machine) starts the schedule
/// again from now instead of sending a burst.
const MAX_LAG: Duration = Duration::from_secs(1);

/// `play-from-disk` options.
#[derive(Debug, Clone)]
pub struct PlayOptions {
    /// The video file (IVF, or `.h264` Annex B).
    pub video: Option<PathBuf>,
    /// The audio file (Ogg Opus).
    pub audio: Option<PathBuf>,
    /// Frame rate of an H.264 byte stream (which carries no timestamps).
    pub fps: f64,
    /// Answer the browser's offer instead of offering.
    pub answer: bool,
    /// Start again at the end of a file.
    pub looping: bool,
    /// Drop every N-th outgoing original media packet (test hook: the browser's NACKs repair
    /// them).
    pub drop_every: Option<u32>,
}

impl Default for PlayOptions {
    fn default() -> Self {
        PlayOptions {
            video: None,
            audio: None,
            fps: 30.0,
            answer: false,
            looping: true,
            drop_every: None,
        }
    }
}

enum Source {
    Ivf(IvfReader<BufReader<File>>),
    AnnexB(AccessUnits, f64, u64),
    Opus(Box<OggOpusReader<BufReader<File>>>, u64),
}

impl Source {
    fn open(path: &Path, kind: MediaKind, fps: f64) -> Result<(Source, Codec), Error> {
        let file = File::open(path).map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        })?;
        let bad = |e: container::Error| Error::Failed(format!("{}: {e}", path.display()));
        match kind {
            MediaKind::Audio => {
                let r = OggOpusReader::new(BufReader::new(file)).map_err(bad)?;
                Ok((Source::Opus(Box::new(r), 0), Codec::Opus))
            }
            MediaKind::Video if is_annexb_path(path) => {
                let aus = AccessUnits::read(BufReader::new(file)).map_err(bad)?;
                Ok((Source::AnnexB(aus, fps, 0), Codec::H264))
            }
            MediaKind::Video => {
                let r = IvfReader::new(BufReader::new(file)).map_err(bad)?;
                let codec = match r.header().codec() {
                    Some(c @ (Codec::Vp8 | Codec::Vp9 | Codec::Av1)) => c,
                    _ => {
                        return Err(Error::Failed(format!(
                            "{}: IVF with FourCC {:?}: only VP8, VP9 and AV1 are played",
                            path.display(),
                            String::from_utf8_lossy(&r.header().fourcc)
                        )));
                    }
                };
                Ok((Source::Ivf(r), codec))
            }
        }
    }

    /// The next frame into `frame` and its presentation time in the file; `None` at the end.
    fn next(&mut self, frame: &mut Vec<u8>) -> Result<Option<Duration>, container::Error> {
        match self {
            Source::Ivf(r) => {
                let header = *r.header();
                Ok(r.next_frame(frame)?
                    .map(|ts| Duration::from_secs_f64(header.seconds(ts).max(0.0))))
            }
            Source::AnnexB(aus, fps, index) => {
                if !aus.next_access_unit(frame)? {
                    return Ok(None);
                }
                let pts = Duration::from_secs_f64(*index as f64 / fps.max(1.0));
                *index += 1;
                Ok(Some(pts))
            }
            Source::Opus(r, samples) => {
                let Some(n) = r.next_packet(frame)? else {
                    return Ok(None);
                };
                let pts = Duration::from_secs_f64(*samples as f64 / f64::from(CLOCK_RATE));
                *samples += u64::from(n);
                Ok(Some(pts))
            }
        }
    }
}

struct Track {
    kind: MediaKind,
    path: PathBuf,
    codec: Codec,
    fps: f64,
    id: Option<TransceiverId>,
    source: Source,
    /// The frame read ahead, and its presentation time in the file.
    frame: Vec<u8>,
    pts: Option<Duration>,
    /// Media time of the file's start in this loop.
    loop_offset: Duration,
    last_pts: Duration,
    frame_duration: Duration,
    frames_sent: u64,
    keyframes_sent: u64,
    skipped: u64,
    queue_full: u64,
    loops: u64,
    waiting_for_key: bool,
    ended: bool,
}

impl Track {
    fn open(kind: MediaKind, path: &Path, fps: f64) -> Result<Track, Error> {
        let (source, codec) = Source::open(path, kind, fps)?;
        let mut t = Track {
            kind,
            path: path.to_path_buf(),
            codec,
            fps,
            id: None,
            source,
            frame: Vec::new(),
            pts: None,
            loop_offset: Duration::ZERO,
            last_pts: Duration::ZERO,
            frame_duration: Duration::from_secs_f64(if kind == MediaKind::Audio {
                0.02
            } else {
                1.0 / fps.max(1.0)
            }),
            frames_sent: 0,
            keyframes_sent: 0,
            skipped: 0,
            queue_full: 0,
            loops: 0,
            waiting_for_key: false,
            ended: false,
        };
        t.read_ahead()?;
        if t.pts.is_none() {
            return Err(Error::Failed(format!("{}: no frames", path.display())));
        }
        Ok(t)
    }

    fn read_ahead(&mut self) -> Result<(), Error> {
        let next = self
            .source
            .next(&mut self.frame)
            .map_err(|e| Error::Failed(format!("{}: {e}", self.path.display())))?;
        if let Some(pts) = next {
            if pts > self.last_pts {
                self.frame_duration = pts - self.last_pts;
            }
            self.last_pts = pts;
        }
        self.pts = next;
        Ok(())
    }

    /// At the end of the file: start it again (or stop).
    fn rewind(&mut self, looping: bool) -> Result<(), Error> {
        if !looping {
            self.ended = true;
            return Ok(());
        }
        self.loop_offset += self.last_pts + self.frame_duration;
        self.last_pts = Duration::ZERO;
        self.source = Source::open(&self.path, self.kind, self.fps)?.0;
        self.loops += 1;
        self.read_ahead()?;
        if self.pts.is_none() {
            self.ended = true;
        }
        Ok(())
    }

    /// Sends every frame due by `now` (the schedule starts at `start`); returns when the next
    /// one is due.
    fn pump(
        &mut self,
        peer: &mut Peer,
        now: Instant,
        start: &mut Instant,
        looping: bool,
    ) -> Result<Option<Instant>, Error> {
        let Some(id) = self.id else {
            return Ok(None);
        };
        while !self.ended {
            let Some(pts) = self.pts else {
                self.rewind(looping)?;
                continue;
            };
            let media_time = self.loop_offset + pts;
            let due = *start + media_time;
            if due > now {
                return Ok(Some(due));
            }
            if now.duration_since(due) > MAX_LAG
                && let Some(again) = now.checked_sub(media_time)
            {
                *start = again;
            }
            let key = is_keyframe(self.codec, &self.frame);
            if self.waiting_for_key && !key {
                self.skipped += 1;
            } else {
                match peer.write_frame_at(now, id, media_time, &self.frame) {
                    Ok(()) => {
                        self.waiting_for_key = false;
                        self.frames_sent += 1;
                        self.keyframes_sent += u64::from(key && self.kind == MediaKind::Video);
                    }
                    Err(sansrtc_peer::Error::MediaNotReady) => {
                        return Ok(Some(now + Duration::from_millis(5)));
                    }
                    Err(sansrtc_peer::Error::MediaQueueFull) => {
                        self.queue_full += 1;
                        self.waiting_for_key = self.kind == MediaKind::Video;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            self.read_ahead()?;
        }
        Ok(None)
    }

    fn stats(&self, peer: &Peer) -> serde_json::Value {
        serde_json::json!({
            "path": self.path.display().to_string(),
            "codec": format!("{:?}", self.codec),
            "frames_sent": self.frames_sent,
            "keyframes_sent": self.keyframes_sent,
            "skipped_waiting_for_keyframe": self.skipped,
            "dropped_queue_full": self.queue_full,
            "loops": self.loops,
            "rtp": self.id.map_or(serde_json::json!({}), |id| outbound_json(peer, id)),
        })
    }
}

/// The sending side of `play-from-disk`, for one peer (also used by `sansrtc serve`).
pub struct Player {
    o: PlayOptions,
    video: Option<Track>,
    audio: Option<Track>,
    /// When media time 0 is (the first poll after the connection came up).
    start: Option<Instant>,
}

/// The formats to offer (or answer with) for a file of `codec`.
fn formats(codec: Codec) -> Vec<CodecSpec> {
    match codec {
        Codec::Vp9 => vec![CodecSpec::vp9(0)],
        Codec::Av1 => vec![CodecSpec::av1()],
        Codec::H264 => vec![CodecSpec::h264("42e01f"), CodecSpec::h264("42001f")],
        Codec::Opus => vec![CodecSpec::opus()],
        _ => vec![CodecSpec::vp8()],
    }
}

impl Player {
    /// Opens the files and reads their first frames.
    pub fn new(o: PlayOptions) -> Result<Self, Error> {
        if o.video.is_none() && o.audio.is_none() {
            return Err(Error::Failed(
                "nothing to play: give --video and/or --audio".into(),
            ));
        }
        if !(o.fps > 0.0 && o.fps.is_finite()) {
            return Err(Error::Failed("--fps must be a positive number".into()));
        }
        let video = o
            .video
            .as_deref()
            .map(|p| Track::open(MediaKind::Video, p, o.fps))
            .transpose()?;
        let audio = o
            .audio
            .as_deref()
            .map(|p| Track::open(MediaKind::Audio, p, o.fps))
            .transpose()?;
        Ok(Player {
            o,
            video,
            audio,
            start: None,
        })
    }

    /// The role `play-from-disk` plays.
    pub fn role(&self) -> Role {
        if self.o.answer {
            Role::Answer
        } else {
            Role::Offer
        }
    }

    fn tracks(&mut self) -> impl Iterator<Item = &mut Track> {
        self.video.iter_mut().chain(self.audio.iter_mut())
    }
}

impl MediaApp for Player {
    fn configure(&mut self, config: &mut Config) {
        config.media.video_codecs = self
            .video
            .as_ref()
            .map(|t| formats(t.codec))
            .unwrap_or_default();
        config.media.audio_codecs = self
            .audio
            .as_ref()
            .map(|t| formats(t.codec))
            .unwrap_or_default();
        config.media.answer_direction = Direction::SendOnly;
    }

    fn prepare(&mut self, peer: &mut Peer, _now: Instant) -> Result<(), Error> {
        if let Some(n) = self.o.drop_every {
            peer.set_media_loss_for_testing(TestLoss {
                outgoing_every: Some(n),
                incoming_every: None,
            });
            eprintln!("sansrtc: dropping every {n}th outgoing media packet (test hook)");
        }
        if !self.o.answer {
            // Audio first, as browsers order their sections.
            for t in self.audio.iter_mut().chain(self.video.iter_mut()) {
                let id = peer.add_transceiver(
                    TransceiverConfig::new(t.kind)
                        .with_direction(Direction::SendOnly)
                        .with_codecs(formats(t.codec)),
                )?;
                t.id = Some(id);
            }
        }
        Ok(())
    }

    fn on_event(&mut self, peer: &mut Peer, _now: Instant, event: &Event) -> Result<(), Error> {
        match event {
            Event::ConnectionState(sansrtc_peer::ConnectionState::Connected) => {
                // Answering: the transceivers came from the offer.
                for id in peer.transceivers() {
                    let Some(info) = peer.transceiver(id) else {
                        continue;
                    };
                    let sends = matches!(
                        info.current_direction,
                        Some(Direction::SendOnly | Direction::SendRecv)
                    );
                    for t in self.tracks() {
                        if t.kind == info.kind && t.id.is_none() && sends {
                            t.id = Some(id);
                        }
                    }
                }
                for t in self.tracks() {
                    match t.id {
                        Some(_) => eprintln!(
                            "sansrtc: playing {} ({:?}) {}",
                            t.kind.as_str(),
                            t.codec,
                            t.path.display()
                        ),
                        None => eprintln!(
                            "sansrtc: the browser takes no {} ({:?}): not sent",
                            t.kind.as_str(),
                            t.codec
                        ),
                    }
                }
            }
            Event::KeyframeRequest { transceiver, kind } => {
                for t in self.tracks() {
                    if t.id == Some(*transceiver) && !t.waiting_for_key {
                        eprintln!("sansrtc: {kind:?}: waiting for the file's next key frame");
                        t.waiting_for_key = true;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn poll(&mut self, peer: &mut Peer, now: Instant) -> Result<Option<Instant>, Error> {
        let mut start = *self.start.get_or_insert(now);
        let looping = self.o.looping;
        let mut next: Option<Instant> = None;
        for t in self.video.iter_mut().chain(self.audio.iter_mut()) {
            if let Some(due) = t.pump(peer, now, &mut start, looping)? {
                next = Some(next.map_or(due, |n| n.min(due)));
            }
        }
        self.start = Some(start);
        Ok(next)
    }

    fn finish(&mut self, peer: &mut Peer) -> Result<serde_json::Value, Error> {
        let mut stats = serde_json::json!({});
        if let Some(v) = &self.video {
            crate::media::set(&mut stats, "video", v.stats(peer));
            eprintln!(
                "sansrtc: sent {} video frames ({} key frames), {} loops",
                v.frames_sent, v.keyframes_sent, v.loops
            );
        }
        if let Some(a) = &self.audio {
            crate::media::set(&mut stats, "audio", a.stats(peer));
            eprintln!("sansrtc: sent {} audio packets", a.frames_sent);
        }
        Ok(stats)
    }
}
