//! Media files for the driver's demos: the containers `sansrtc save-to-disk` writes and
//! `sansrtc play-from-disk` reads. Pure Rust, no external program.
//!
//! - [`ivf`]: IVF, the libvpx test container for VP8, VP9 and AV1 (a 32-byte file header, then
//!   a 12-byte header per frame).
//! - [`ogg`]: Ogg pages and packets (RFC 3533): lacing, continued packets, granule positions,
//!   the page CRC.
//! - [`opus`]: Ogg Opus (RFC 7845): the `OpusHead` identification and `OpusTags` comment
//!   headers on their own pages, granule positions in 48 kHz samples counted from the packets'
//!   TOC bytes (RFC 6716 §3.1), gaps in a real-time stream repaired with zero-length frames
//!   (RFC 7845 §4.1).
//! - [`annexb`]: H.264 byte streams (ITU-T H.264 Annex B) split into access units, which IVF
//!   cannot carry for ffmpeg.
//!
//! Every reader bounds what it holds ([`MAX_FRAME`], [`ogg::MAX_PACKET`]) and returns
//! [`Error`] for malformed input; none panics on a file's bytes.
//!
//! Not here: seeking, chained or multiplexed Ogg streams (a reader follows the first logical
//! stream and skips pages of others), Ogg Opus channel mapping families other than 0 and 1 on
//! write, any decoding.

pub mod annexb;
pub mod ivf;
pub mod ogg;
pub mod opus;

use std::io;

use sansrtc_rtp::payload::Codec;

/// The largest video frame a reader accepts (bytes).
pub const MAX_FRAME: usize = 16 << 20;

/// What is wrong with a media file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The bytes are not what the format says.
    #[error("{format}: {what}")]
    Malformed {
        /// The container.
        format: &'static str,
        /// What was wrong.
        what: String,
    },
    /// A frame, packet or header larger than the reader's limit.
    #[error("{format}: {what} of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The container.
        format: &'static str,
        /// What it was.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The file ended inside a header or a frame.
    #[error("{0}: the file ends in the middle of a frame or header")]
    Truncated(&'static str),
    /// A codec the container cannot carry.
    #[error("{format} cannot carry {codec:?}")]
    Unsupported {
        /// The container.
        format: &'static str,
        /// The codec.
        codec: Codec,
    },
}

impl Error {
    pub(crate) fn malformed(format: &'static str, what: impl Into<String>) -> Self {
        Error::Malformed {
            format,
            what: what.into(),
        }
    }
}

/// Reads exactly `buf.len()` bytes. `Ok(false)` at a clean end of input (no byte read);
/// [`Error::Truncated`] when the input ends after some bytes.
pub(crate) fn read_exact_or_eof(
    r: &mut impl io::Read,
    buf: &mut [u8],
    format: &'static str,
) -> Result<bool, Error> {
    let mut filled = 0;
    while filled < buf.len() {
        let rest = buf.get_mut(filled..).unwrap_or_default();
        match r.read(rest) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => return Err(Error::Truncated(format)),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

/// The little-endian u16 at `at` (0 past the end; callers check lengths first).
pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

/// The little-endian u32 at `at` (0 past the end).
pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// Whether an encoded frame can be decoded without earlier frames, as far as its first bytes
/// tell: VP8 (RFC 6386 §9.1 frame tag), VP9 (the uncompressed header's frame_type), AV1 (a
/// temporal unit that carries a sequence header OBU), H.264 (an IDR slice NAL unit, type 5).
/// Audio frames are always key frames.
pub fn is_keyframe(codec: Codec, frame: &[u8]) -> bool {
    match codec {
        Codec::Vp8 => sansrtc_rtp::payload::vp8::is_keyframe(frame),
        Codec::Vp9 => vp9_is_keyframe(frame),
        Codec::Av1 => av1_has_sequence_header(frame),
        Codec::H264 => {
            annexb::NalUnits::new(frame).any(|nal| nal.first().is_some_and(|h| h & 0x1f == 5))
        }
        _ => true,
    }
}

/// VP9 uncompressed header (VP9 bitstream spec §6.2): frame_marker (2 bits, = 2),
/// profile_low_bit, profile_high_bit, a reserved zero bit in profile 3, show_existing_frame,
/// frame_type (0 = KEY_FRAME).
fn vp9_is_keyframe(frame: &[u8]) -> bool {
    let Some(&b) = frame.first() else {
        return false;
    };
    if b >> 6 != 2 {
        return false;
    }
    let profile = ((b >> 5) & 1) | (((b >> 4) & 1) << 1);
    let mut bit = 4; // bits of b already used (from the top)
    if profile == 3 {
        bit += 1;
    }
    let show_existing = (b >> (7 - bit)) & 1;
    if show_existing == 1 {
        return false;
    }
    bit += 1;
    (b >> (7 - bit)) & 1 == 0
}

/// Whether an AV1 temporal unit (low-overhead OBU format, AV1 spec §5.2) carries a sequence
/// header OBU (type 1), which encoders emit with every key frame.
fn av1_has_sequence_header(mut tu: &[u8]) -> bool {
    use sansrtc_rtp::payload::av1::read_leb128;
    while let Some(&header) = tu.first() {
        let obu_type = (header >> 3) & 0x0f;
        if obu_type == 1 {
            return true;
        }
        let extension = usize::from(header & 0x04 != 0);
        if header & 0x02 == 0 {
            return false; // no size field: the last OBU
        }
        let Some(rest) = tu.get(1 + extension..) else {
            return false;
        };
        let Some((size, n)) = read_leb128(rest) else {
            return false;
        };
        let Some(next) = usize::try_from(size)
            .ok()
            .and_then(|s| s.checked_add(n))
            .and_then(|skip| rest.get(skip..))
        else {
            return false;
        };
        tu = next;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vp9_keyframe_bits() {
        // frame_marker 10, profile 0 (0 0), show_existing 0, frame_type 0 -> key.
        assert!(vp9_is_keyframe(&[0b1000_0000]));
        // frame_type 1 -> inter.
        assert!(!vp9_is_keyframe(&[0b1000_0100]));
        // show_existing_frame -> not a key frame.
        assert!(!vp9_is_keyframe(&[0b1000_1000]));
        // profile 3 has a reserved bit before show_existing_frame.
        assert!(vp9_is_keyframe(&[0b1011_0000]));
        assert!(!vp9_is_keyframe(&[0b1011_0010]));
        assert!(!vp9_is_keyframe(&[]));
    }

    #[test]
    fn av1_sequence_header_found_after_temporal_delimiter() {
        // Temporal delimiter (type 2, has_size, size 0), then a sequence header (type 1).
        assert!(av1_has_sequence_header(&[0x12, 0x00, 0x0a, 0x01, 0x00]));
        // Temporal delimiter, then a frame OBU (type 6).
        assert!(!av1_has_sequence_header(&[0x12, 0x00, 0x32, 0x01, 0x00]));
        assert!(!av1_has_sequence_header(&[0x12, 0x05]));
    }

    #[test]
    fn h264_idr_is_a_keyframe() {
        assert!(is_keyframe(
            Codec::H264,
            &[0, 0, 0, 1, 0x67, 1, 0, 0, 1, 0x65, 0x88]
        ));
        assert!(!is_keyframe(Codec::H264, &[0, 0, 0, 1, 0x41, 0x9a]));
    }
}
