//! `play-from-disk` → `save-to-disk` between two sansrtc peers over loopback UDP, in one
//! process: the saved IVF and Ogg Opus files hold exactly the frames and packets of the played
//! files (looped), byte for byte and in order, also when the player's test hook drops every
//! 20th outgoing RTP packet and the saver's NACKs have them retransmitted over RTX.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{self, Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use sansrtc_cli::container::ivf::IvfReader;
use sansrtc_cli::container::opus::OggOpusReader;
use sansrtc_cli::driver::Driver;
use sansrtc_cli::media::{self, MediaApp, SessionOptions};
use sansrtc_cli::play::{PlayOptions, Player};
use sansrtc_cli::save::{SaveOptions, Saver};
use sansrtc_cli::session::{Input, NetOptions, Role};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// stdout of a session: each line goes to the test.
struct Lines(mpsc::Sender<String>, Vec<u8>);

impl Write for Lines {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.1.extend_from_slice(b);
        while let Some(i) = self.1.iter().position(|&c| c == b'\n') {
            let line: Vec<u8> = self.1.drain(..=i).collect();
            let _ = self
                .0
                .send(String::from_utf8_lossy(&line).trim().to_string());
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn start(
    mut app: Box<dyn MediaApp + Send>,
    role: Role,
    duration: Option<Duration>,
) -> (
    mpsc::Sender<Input>,
    mpsc::Receiver<String>,
    thread::JoinHandle<Result<(), String>>,
) {
    let (input_tx, input) = mpsc::channel();
    let (out_tx, out) = mpsc::channel();
    let handle = thread::spawn(move || {
        let options = SessionOptions {
            role,
            timeout: Duration::from_secs(20),
            duration,
            net: NetOptions {
                bind: vec!["127.0.0.1:0".parse().unwrap()],
                ..NetOptions::default()
            },
        };
        let mut driver = Driver::new().unwrap();
        let mut lines = Lines(out_tx, Vec::new());
        media::run(&options, app.as_mut(), &mut driver, &input, &mut lines)
            .map_err(|e| e.to_string())
    });
    (input_tx, out, handle)
}

fn ivf_frames(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut r = IvfReader::new(Cursor::new(bytes)).unwrap();
    let mut frames = Vec::new();
    let mut f = Vec::new();
    while r.next_frame(&mut f).unwrap().is_some() {
        frames.push(f.clone());
    }
    frames
}

fn opus_packets(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut r = OggOpusReader::new(Cursor::new(bytes)).unwrap();
    let mut packets = Vec::new();
    let mut p = Vec::new();
    while r.next_packet(&mut p).unwrap().is_some() {
        packets.push(p.clone());
    }
    packets
}

fn play_to_save(drop_every: Option<u32>) -> serde_json::Value {
    let dir = std::env::temp_dir().join(format!(
        "sansrtc-media-loopback-{}-{}",
        std::process::id(),
        drop_every.unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (video_out, audio_out) = (dir.join("out.ivf"), dir.join("out.ogg"));
    let player = Player::new(PlayOptions {
        video: Some(data("ffmpeg_vp8.ivf")),
        audio: Some(data("ffmpeg_opus.ogg")),
        drop_every,
        ..PlayOptions::default()
    })
    .unwrap();
    let saver = Saver::new(SaveOptions {
        video: Some(video_out.clone()),
        audio: Some(audio_out.clone()),
        ..SaveOptions::default()
    })
    .unwrap();
    let (play_in, play_out, play) =
        start(Box::new(player), Role::Offer, Some(Duration::from_secs(3)));
    let (save_in, save_out, save) = start(Box::new(saver), Role::Answer, None);
    let wait = Duration::from_secs(20);
    let offer = play_out.recv_timeout(wait).unwrap();
    save_in.send(Input::Line(offer)).unwrap();
    let answer = save_out.recv_timeout(wait).unwrap();
    play_in.send(Input::Line(answer)).unwrap();
    play.join().unwrap().unwrap();
    // The saver ends when the player closes the connection.
    save.join().unwrap().unwrap();
    let play_stats: serde_json::Value = serde_json::from_str(&play_out.recv().unwrap()).unwrap();
    let save_stats: serde_json::Value = serde_json::from_str(&save_out.recv().unwrap()).unwrap();
    eprintln!("player: {play_stats}\nsaver: {save_stats}");

    let source = ivf_frames(&std::fs::read(data("ffmpeg_vp8.ivf")).unwrap());
    let saved = ivf_frames(&std::fs::read(&video_out).unwrap());
    let sent = play_stats["video"]["frames_sent"].as_u64().unwrap() as usize;
    assert!(sent >= 80, "3 s at 30 fps: {sent} frames sent");
    // Every frame sent arrives except at most the last few in flight when the player hangs up.
    assert!(
        saved.len() + 3 >= sent,
        "{} of {sent} frames saved",
        saved.len()
    );
    for (i, f) in saved.iter().enumerate() {
        assert_eq!(f, &source[i % source.len()], "video frame {i}");
    }
    let source = opus_packets(&std::fs::read(data("ffmpeg_opus.ogg")).unwrap());
    let saved = opus_packets(&std::fs::read(&audio_out).unwrap());
    let sent = play_stats["audio"]["frames_sent"].as_u64().unwrap() as usize;
    assert!(
        saved.len() + 5 >= sent,
        "{} of {sent} packets saved",
        saved.len()
    );
    // Audio is not retransmitted (no NACK for Opus, as in browsers): a lost packet is replaced
    // by a concealment packet of the same duration (RFC 7845 §4.1), so the others keep their
    // places.
    let mut concealed = 0;
    for (i, p) in saved.iter().enumerate() {
        let original = &source[i % source.len()];
        if p != original {
            assert_eq!(p, &vec![original[0] | 0x03, 1], "audio packet {i}");
            concealed += 1;
        }
    }
    let dropped = play_stats["audio"]["rtp"]["packets_dropped_for_testing"]
        .as_u64()
        .unwrap();
    assert!(
        concealed <= dropped,
        "{concealed} concealed, {dropped} dropped"
    );
    assert_eq!(
        save_stats["audio"]["concealed_samples"].as_u64().unwrap(),
        concealed * 960
    );
    assert_eq!(save_stats["video"]["discontinuities"], 0, "{save_stats}");
    let _ = std::fs::remove_dir_all(&dir);
    serde_json::json!({ "player": play_stats, "saver": save_stats })
}

#[test]
fn play_to_save_keeps_every_frame() {
    play_to_save(None);
}

/// RFC 4585 §6.2.1 generic NACK and RFC 4588 RTX: the player's test hook drops every 20th
/// original packet; the saver NACKs each gap and the retransmissions complete every frame.
#[test]
fn rfc4588_play_to_save_with_every_20th_packet_dropped_is_repaired() {
    let s = play_to_save(Some(20));
    let dropped = s["player"]["video"]["rtp"]["packets_dropped_for_testing"]
        .as_u64()
        .unwrap()
        + s["player"]["audio"]["rtp"]["packets_dropped_for_testing"]
            .as_u64()
            .unwrap();
    let retransmitted = s["player"]["video"]["rtp"]["retransmitted_packets_sent"]
        .as_u64()
        .unwrap();
    let nacks = s["saver"]["video"]["rtp"]["nacks_sent"].as_u64().unwrap();
    let repaired = s["saver"]["video"]["rtp"]["retransmitted_packets_received"]
        .as_u64()
        .unwrap();
    assert!(dropped >= 10, "{s}");
    assert!(nacks > 0 && retransmitted > 0 && repaired > 0, "{s}");
}

/// Saves like `save-to-disk` and, at the 12th video frame, asks the player for a key frame.
struct AskingForAKeyFrame {
    saver: Saver,
    video_frames: u32,
}

impl MediaApp for AskingForAKeyFrame {
    fn configure(&mut self, config: &mut sansrtc_peer::Config) {
        self.saver.configure(config);
    }
    fn prepare(
        &mut self,
        peer: &mut sansrtc_peer::Peer,
        now: std::time::Instant,
    ) -> Result<(), sansrtc_cli::session::Error> {
        self.saver.prepare(peer, now)
    }
    fn on_event(
        &mut self,
        peer: &mut sansrtc_peer::Peer,
        now: std::time::Instant,
        event: &sansrtc_peer::Event,
    ) -> Result<(), sansrtc_cli::session::Error> {
        if let sansrtc_peer::Event::Frame(f) = event
            && f.codec == sansrtc_peer::Codec::Vp8
        {
            self.video_frames += 1;
            if self.video_frames == 12 {
                peer.request_keyframe(now, f.transceiver)?;
            }
        }
        self.saver.on_event(peer, now, event)
    }
    fn poll(
        &mut self,
        peer: &mut sansrtc_peer::Peer,
        now: std::time::Instant,
    ) -> Result<Option<std::time::Instant>, sansrtc_cli::session::Error> {
        self.saver.poll(peer, now)
    }
    fn finish(
        &mut self,
        peer: &mut sansrtc_peer::Peer,
    ) -> Result<serde_json::Value, sansrtc_cli::session::Error> {
        self.saver.finish(peer)
    }
}

/// RFC 4585 §6.3.1 PLI to a file player: it cannot encode a key frame, so it holds back the
/// frames up to the file's next one (key frames every 5 frames in the test file); the saved
/// stream then goes on from that key frame, every frame one of the file's.
#[test]
fn rfc4585_6_3_1_a_pli_makes_the_player_skip_to_the_next_key_frame() {
    let dir = std::env::temp_dir().join(format!("sansrtc-media-pli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let video_out = dir.join("out.ivf");
    let player = Player::new(PlayOptions {
        video: Some(data("ffmpeg_vp8.ivf")),
        ..PlayOptions::default()
    })
    .unwrap();
    let saver = AskingForAKeyFrame {
        saver: Saver::new(SaveOptions {
            video: Some(video_out.clone()),
            ..SaveOptions::default()
        })
        .unwrap(),
        video_frames: 0,
    };
    let (play_in, play_out, play) =
        start(Box::new(player), Role::Offer, Some(Duration::from_secs(2)));
    let (save_in, save_out, save) = start(Box::new(saver), Role::Answer, None);
    let wait = Duration::from_secs(20);
    save_in
        .send(Input::Line(play_out.recv_timeout(wait).unwrap()))
        .unwrap();
    play_in
        .send(Input::Line(save_out.recv_timeout(wait).unwrap()))
        .unwrap();
    play.join().unwrap().unwrap();
    save.join().unwrap().unwrap();
    let play_stats: serde_json::Value = serde_json::from_str(&play_out.recv().unwrap()).unwrap();
    eprintln!("player: {play_stats}");
    assert_eq!(
        play_stats["video"]["rtp"]["plis_received"], 1,
        "{play_stats}"
    );
    let skipped = play_stats["video"]["skipped_waiting_for_keyframe"]
        .as_u64()
        .unwrap();
    // The 12th frame is frame 1 of the file's third loop; frames up to the key frame at 5 are
    // held back (how many depends on when the PLI arrives: at most four).
    assert!((1..=4).contains(&skipped), "{play_stats}");

    let source = ivf_frames(&std::fs::read(data("ffmpeg_vp8.ivf")).unwrap());
    let saved = ivf_frames(&std::fs::read(&video_out).unwrap());
    let mut at = 0; // position in the looped source
    let mut gaps = 0;
    for (i, f) in saved.iter().enumerate() {
        if f != &source[at % source.len()] {
            // A gap: the stream must go on at the file's next key frame.
            let next_key = (at..).find(|j| j % 5 == 0).unwrap();
            assert_eq!(f, &source[next_key % source.len()], "frame {i} after a gap");
            at = next_key;
            gaps += 1;
        }
        at += 1;
    }
    assert_eq!(gaps, 1);
    let _ = std::fs::remove_dir_all(&dir);
}
