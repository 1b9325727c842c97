//! The container readers on files ffmpeg 5.1 wrote (tests/data, made by the commands below), and
//! what the writers make of the same frames read back. ffprobe's view of what our writers write
//! is checked in tests/interop (containers_ffmpeg.rs), where ffmpeg is installed.
//!
//! ```text
//! ffmpeg -f lavfi -i testsrc=size=64x48:rate=30 -frames:v 10 -c:v libvpx -g 5 -b:v 100k ffmpeg_vp8.ivf
//! ffmpeg -f lavfi -i testsrc=size=64x48:rate=30 -frames:v 10 -c:v libvpx-vp9 -g 5 -b:v 100k ffmpeg_vp9.ivf
//! ffmpeg -f lavfi -i testsrc=size=64x48:rate=30 -frames:v 5 -c:v libaom-av1 -cpu-used 8 -g 5 ffmpeg_av1.ivf
//! ffmpeg -f lavfi -i sine=frequency=440:duration=0.5 -ac 2 -c:a libopus -b:a 24k ffmpeg_opus.ogg
//! ffmpeg -f lavfi -i testsrc=size=64x48:rate=30 -frames:v 10 -pix_fmt yuv420p -c:v libx264 \
//!        -profile:v baseline -g 5 -bf 0 ffmpeg_h264.h264
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Cursor;

use sansrtc_cli::container::annexb::AccessUnits;
use sansrtc_cli::container::is_keyframe;
use sansrtc_cli::container::ivf::{IvfHeader, IvfReader, IvfWriter};
use sansrtc_cli::container::ogg::PacketReader;
use sansrtc_cli::container::opus::{OggOpusReader, OggOpusWriter, OpusHead, OpusTags};
use sansrtc_rtp::payload::Codec;

const VP8: &[u8] = include_bytes!("data/ffmpeg_vp8.ivf");
const VP9: &[u8] = include_bytes!("data/ffmpeg_vp9.ivf");
const AV1: &[u8] = include_bytes!("data/ffmpeg_av1.ivf");
const OPUS: &[u8] = include_bytes!("data/ffmpeg_opus.ogg");
const H264: &[u8] = include_bytes!("data/ffmpeg_h264.h264");

/// (timestamp, key frame, data) of every frame.
fn ivf_frames(file: &[u8]) -> (IvfHeader, Vec<(u64, bool, Vec<u8>)>) {
    let mut r = IvfReader::new(Cursor::new(file)).unwrap();
    let header = *r.header();
    let codec = header.codec().unwrap();
    let mut frames = Vec::new();
    let mut f = Vec::new();
    while let Some(ts) = r.next_frame(&mut f).unwrap() {
        frames.push((ts, is_keyframe(codec, &f), f.clone()));
    }
    (header, frames)
}

#[test]
fn ffmpeg_ivf_vp8_vp9_av1() {
    for (file, codec, count, keys) in [
        (VP8, Codec::Vp8, 10, vec![0, 5]),
        (VP9, Codec::Vp9, 10, vec![0, 5]),
        (AV1, Codec::Av1, 5, vec![0]),
    ] {
        let (h, frames) = ivf_frames(file);
        assert_eq!(h.codec(), Some(codec));
        assert_eq!((h.width, h.height), (64, 48), "{codec:?}");
        assert_eq!((h.timebase_numerator, h.timebase_denominator), (1, 30));
        assert_eq!(h.frame_count as usize, count, "{codec:?}");
        assert_eq!(frames.len(), count, "{codec:?}");
        let timestamps: Vec<u64> = frames.iter().map(|f| f.0).collect();
        assert_eq!(timestamps, (0..count as u64).collect::<Vec<_>>());
        let found: Vec<usize> = (0..count).filter(|&i| frames[i].1).collect();
        assert_eq!(found, keys, "{codec:?} key frames");

        // Written again (90 kHz time base) and read back: the same frames.
        let mut w = IvfWriter::new(
            Cursor::new(Vec::new()),
            IvfHeader::new(codec, 64, 48, 90_000).unwrap(),
        )
        .unwrap();
        for (ts, _, data) in &frames {
            w.write_frame(ts * 3000, data).unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        let (h2, again) = ivf_frames(&bytes);
        assert_eq!(h2.frame_count as usize, count);
        assert_eq!(
            h2.seconds(again.last().unwrap().0),
            h.seconds(frames.last().unwrap().0)
        );
        assert!(again.iter().zip(&frames).all(|(a, b)| a.2 == b.2));
    }
}

#[test]
fn ffmpeg_vp8_keyframe_size() {
    let (_, frames) = ivf_frames(VP8);
    let size = sansrtc_rtp::payload::vp8::keyframe_size(&frames[0].2).unwrap();
    assert_eq!((size.width, size.height), (64, 48));
}

/// RFC 7845 as ffmpeg writes it: OpusHead (2 channels, pre-skip 312), OpusTags with Lavf's
/// vendor, 26 packets of 20 ms, the last page's granule = pre-skip + 0.5 s of samples.
#[test]
fn rfc7845_ffmpeg_ogg_opus() {
    let mut r = OggOpusReader::new(Cursor::new(OPUS)).unwrap();
    assert_eq!(r.head().channels, 2);
    assert_eq!(r.head().pre_skip, 312);
    assert_eq!(r.head().mapping_family, 0);
    assert!(r.tags().vendor.starts_with("Lavf"), "{:?}", r.tags());
    let mut packets = Vec::new();
    let mut p = Vec::new();
    while let Some(samples) = r.next_packet(&mut p).unwrap() {
        assert_eq!(samples, 960);
        packets.push(p.clone());
    }
    assert_eq!(packets.len(), 26);

    let mut pages = PacketReader::new(Cursor::new(OPUS));
    let mut last = None;
    while let Some(info) = pages.next_packet(&mut p).unwrap() {
        if info.eos {
            last = info.granule;
        }
    }
    // 0.5 s at 48 kHz plus the pre-skip (ffmpeg trims the end with the granule position).
    assert_eq!(last, Some(24_000 + 312));

    // Our writer with the same packets: read back identically.
    let head = OpusHead::new(2, 312, 48_000);
    let tags = OpusTags {
        vendor: "sansrtc".into(),
        comments: vec![],
    };
    let mut w = OggOpusWriter::new(Vec::new(), 42, &head, &tags, 10).unwrap();
    for p in &packets {
        w.write_packet(p).unwrap();
    }
    let bytes = w.finish().unwrap();
    let mut r = OggOpusReader::new(Cursor::new(&bytes)).unwrap();
    assert_eq!(r.head(), &head);
    let mut again = Vec::new();
    while r.next_packet(&mut p).unwrap().is_some() {
        again.push(p.clone());
    }
    assert_eq!(again, packets);
}

#[test]
fn ffmpeg_h264_access_units() {
    let mut aus = AccessUnits::read(Cursor::new(H264)).unwrap();
    let mut au = Vec::new();
    let mut keys = Vec::new();
    let mut n = 0;
    while aus.next_access_unit(&mut au).unwrap() {
        if is_keyframe(Codec::H264, &au) {
            keys.push(n);
        }
        n += 1;
    }
    assert_eq!(n, 10);
    assert_eq!(keys, vec![0, 5]);
}
