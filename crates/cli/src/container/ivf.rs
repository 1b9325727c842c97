//! IVF, the container of the libvpx tools (and of ffmpeg's `-f ivf`) for VP8, VP9 and AV1.
//!
//! The file header is 32 bytes, little-endian:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 4 | signature `DKIF` |
//! | 4 | 2 | version (0) |
//! | 6 | 2 | header length (32) |
//! | 8 | 4 | codec FourCC: `VP80`, `VP90`, `AV01` |
//! | 12 | 2 | width |
//! | 14 | 2 | height |
//! | 16 | 4 | time base denominator (for example 30, or 90000) |
//! | 20 | 4 | time base numerator (1) |
//! | 24 | 4 | number of frames (ffmpeg writes it when it finishes; may be 0 or wrong) |
//! | 28 | 4 | unused |
//!
//! Each frame is a 12-byte header (frame size u32, timestamp u64 in time-base units) and the
//! frame. The reader never trusts the frame count: it reads until the end of the file.

use std::io::{Read, Seek, SeekFrom, Write};

use sansrtc_rtp::payload::Codec;

use super::{Error, MAX_FRAME, read_exact_or_eof};

const FORMAT: &str = "IVF";
/// Bytes of the file header.
pub const HEADER_LEN: usize = 32;
/// Bytes of a frame header.
pub const FRAME_HEADER_LEN: usize = 12;
/// The most header bytes beyond the 32 defined ones a reader skips (a longer header length is
/// refused as malformed).
const MAX_HEADER_EXTRA: usize = 1024;

/// The IVF file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IvfHeader {
    /// The codec FourCC (`VP80`, `VP90`, `AV01`; others are carried as they are).
    pub fourcc: [u8; 4],
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Time base denominator: timestamps count `numerator / denominator` seconds.
    pub timebase_denominator: u32,
    /// Time base numerator.
    pub timebase_numerator: u32,
    /// Number of frames as the header says.
    pub frame_count: u32,
}

impl IvfHeader {
    /// A header for `codec` (VP8, VP9 or AV1) with timestamps in 1/`rate` seconds.
    pub fn new(codec: Codec, width: u16, height: u16, rate: u32) -> Result<Self, Error> {
        Ok(IvfHeader {
            fourcc: fourcc(codec).ok_or(Error::Unsupported {
                format: FORMAT,
                codec,
            })?,
            width,
            height,
            timebase_denominator: rate,
            timebase_numerator: 1,
            frame_count: 0,
        })
    }

    /// The codec of the FourCC, if sansrtc knows it.
    pub fn codec(&self) -> Option<Codec> {
        match &self.fourcc {
            b"VP80" => Some(Codec::Vp8),
            b"VP90" => Some(Codec::Vp9),
            b"AV01" => Some(Codec::Av1),
            b"H264" | b"h264" | b"avc1" => Some(Codec::H264),
            _ => None,
        }
    }

    /// Parses the 32-byte header; returns it and the header length it declares.
    pub fn parse(b: &[u8; HEADER_LEN]) -> Result<(Self, usize), Error> {
        let u16_at = |i: usize| super::le16(b, i);
        let u32_at = |i: usize| super::le32(b, i);
        if !b.starts_with(b"DKIF") {
            return Err(Error::malformed(FORMAT, "no DKIF signature"));
        }
        if u16_at(4) != 0 {
            return Err(Error::malformed(FORMAT, format!("version {}", u16_at(4))));
        }
        let len = usize::from(u16_at(6));
        if !(HEADER_LEN..=HEADER_LEN + MAX_HEADER_EXTRA).contains(&len) {
            return Err(Error::malformed(FORMAT, format!("header length {len}")));
        }
        let header = IvfHeader {
            fourcc: u32_at(8).to_le_bytes(),
            width: u16_at(12),
            height: u16_at(14),
            timebase_denominator: u32_at(16),
            timebase_numerator: u32_at(20),
            frame_count: u32_at(24),
        };
        if header.timebase_denominator == 0 || header.timebase_numerator == 0 {
            return Err(Error::malformed(FORMAT, "zero in the time base"));
        }
        Ok((header, len))
    }

    /// The 32 header bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        let mut put = |at: usize, bytes: &[u8]| {
            if let Some(dst) = b.get_mut(at..at + bytes.len()) {
                dst.copy_from_slice(bytes);
            }
        };
        put(0, b"DKIF");
        put(4, &0u16.to_le_bytes());
        put(6, &(HEADER_LEN as u16).to_le_bytes());
        put(8, &self.fourcc);
        put(12, &self.width.to_le_bytes());
        put(14, &self.height.to_le_bytes());
        put(16, &self.timebase_denominator.to_le_bytes());
        put(20, &self.timebase_numerator.to_le_bytes());
        put(24, &self.frame_count.to_le_bytes());
        b
    }

    /// A timestamp in time-base units as seconds.
    pub fn seconds(&self, timestamp: u64) -> f64 {
        timestamp as f64 * f64::from(self.timebase_numerator)
            / f64::from(self.timebase_denominator.max(1))
    }
}

/// The FourCC of a codec IVF carries.
pub fn fourcc(codec: Codec) -> Option<[u8; 4]> {
    match codec {
        Codec::Vp8 => Some(*b"VP80"),
        Codec::Vp9 => Some(*b"VP90"),
        Codec::Av1 => Some(*b"AV01"),
        _ => None,
    }
}

/// Reads the frames of an IVF file in order.
#[derive(Debug)]
pub struct IvfReader<R> {
    inner: R,
    header: IvfHeader,
    max_frame: usize,
}

impl<R: Read> IvfReader<R> {
    /// Reads the file header.
    pub fn new(mut inner: R) -> Result<Self, Error> {
        let mut b = [0u8; HEADER_LEN];
        if !read_exact_or_eof(&mut inner, &mut b, FORMAT)? {
            return Err(Error::Truncated(FORMAT));
        }
        let (header, len) = IvfHeader::parse(&b)?;
        let mut extra = vec![0u8; len - HEADER_LEN];
        if !extra.is_empty() && !read_exact_or_eof(&mut inner, &mut extra, FORMAT)? {
            return Err(Error::Truncated(FORMAT));
        }
        Ok(IvfReader {
            inner,
            header,
            max_frame: MAX_FRAME,
        })
    }

    /// The file header.
    pub fn header(&self) -> &IvfHeader {
        &self.header
    }

    /// Reads the next frame into `frame` (cleared first) and returns its timestamp, or `None`
    /// at the end of the file.
    pub fn next_frame(&mut self, frame: &mut Vec<u8>) -> Result<Option<u64>, Error> {
        let mut h = [0u8; FRAME_HEADER_LEN];
        if !read_exact_or_eof(&mut self.inner, &mut h, FORMAT)? {
            return Ok(None);
        }
        let [s0, s1, s2, s3, t @ ..] = h;
        let size = u32::from_le_bytes([s0, s1, s2, s3]) as usize;
        let timestamp = u64::from_le_bytes(t);
        if size > self.max_frame {
            return Err(Error::TooLarge {
                format: FORMAT,
                what: "frame",
                len: size,
                max: self.max_frame,
            });
        }
        frame.clear();
        // Grows with what arrives, so a header announcing a large frame in a short file costs
        // no large allocation.
        (&mut self.inner).take(size as u64).read_to_end(frame)?;
        if frame.len() < size {
            return Err(Error::Truncated(FORMAT));
        }
        Ok(Some(timestamp))
    }

    /// The reader back.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

/// Writes an IVF file; [`finish`](Self::finish) puts the frame count (and a size learnt from
/// the frames, see [`set_size`](Self::set_size)) into the header.
#[derive(Debug)]
pub struct IvfWriter<W: Write + Seek> {
    inner: W,
    header: IvfHeader,
    frames: u32,
}

impl<W: Write + Seek> IvfWriter<W> {
    /// Writes the header.
    pub fn new(mut inner: W, header: IvfHeader) -> Result<Self, Error> {
        inner.write_all(&header.to_bytes())?;
        Ok(IvfWriter {
            inner,
            header,
            frames: 0,
        })
    }

    /// Appends one frame with its timestamp in time-base units.
    pub fn write_frame(&mut self, timestamp: u64, frame: &[u8]) -> Result<(), Error> {
        let size = u32::try_from(frame.len()).map_err(|_| Error::TooLarge {
            format: FORMAT,
            what: "frame",
            len: frame.len(),
            max: u32::MAX as usize,
        })?;
        let mut h = [0u8; FRAME_HEADER_LEN];
        h[..4].copy_from_slice(&size.to_le_bytes());
        h[4..].copy_from_slice(&timestamp.to_le_bytes());
        self.inner.write_all(&h)?;
        self.inner.write_all(frame)?;
        self.frames = self.frames.saturating_add(1);
        Ok(())
    }

    /// Sets the width and height the header will say (from a key frame).
    pub fn set_size(&mut self, width: u16, height: u16) {
        self.header.width = width;
        self.header.height = height;
    }

    /// Flushes what was written to the inner writer.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.inner.flush()?;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// The header as it will be written by [`finish`](Self::finish).
    pub fn header(&self) -> IvfHeader {
        IvfHeader {
            frame_count: self.frames,
            ..self.header
        }
    }

    /// Rewrites the header with the frame count and size, flushes, and returns the writer.
    pub fn finish(mut self) -> Result<W, Error> {
        let header = self.header();
        let end = self.inner.stream_position()?;
        self.inner.seek(SeekFrom::Start(0))?;
        self.inner.write_all(&header.to_bytes())?;
        self.inner.seek(SeekFrom::Start(end))?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn roundtrip_frames_and_header() {
        let header = IvfHeader::new(Codec::Vp8, 0, 0, 90_000).unwrap();
        let mut w = IvfWriter::new(Cursor::new(Vec::new()), header).unwrap();
        w.write_frame(0, &[1, 2, 3]).unwrap();
        w.write_frame(3000, &[]).unwrap();
        w.write_frame(6000, &[9; 1000]).unwrap();
        w.set_size(640, 480);
        let bytes = w.finish().unwrap().into_inner();
        assert_eq!(bytes.len(), 32 + 3 * 12 + 3 + 1000);

        let mut r = IvfReader::new(Cursor::new(&bytes)).unwrap();
        let h = *r.header();
        assert_eq!(h.codec(), Some(Codec::Vp8));
        assert_eq!((h.width, h.height, h.frame_count), (640, 480, 3));
        assert_eq!((h.timebase_denominator, h.timebase_numerator), (90_000, 1));
        let mut f = Vec::new();
        assert_eq!(r.next_frame(&mut f).unwrap(), Some(0));
        assert_eq!(f, [1, 2, 3]);
        assert_eq!(r.next_frame(&mut f).unwrap(), Some(3000));
        assert!(f.is_empty());
        assert_eq!(r.next_frame(&mut f).unwrap(), Some(6000));
        assert_eq!(f.len(), 1000);
        assert_eq!(r.next_frame(&mut f).unwrap(), None);
        assert!((h.seconds(6000) - 0.0667).abs() < 1e-3);
    }

    #[test]
    fn malformed_files_are_errors() {
        let good = IvfHeader::new(Codec::Av1, 1, 1, 30).unwrap().to_bytes();
        assert!(IvfReader::new(Cursor::new(&good[..20])).is_err());
        let mut bad = good;
        bad[0] = b'X';
        assert!(IvfReader::new(Cursor::new(&bad[..])).is_err());
        let mut bad = good;
        bad[16..20].copy_from_slice(&0u32.to_le_bytes());
        assert!(IvfReader::new(Cursor::new(&bad[..])).is_err());
        // A frame header announcing more than the limit.
        let mut file = good.to_vec();
        file.extend_from_slice(&(u32::MAX).to_le_bytes());
        file.extend_from_slice(&[0; 8]);
        let mut r = IvfReader::new(Cursor::new(&file)).unwrap();
        assert!(matches!(
            r.next_frame(&mut Vec::new()),
            Err(Error::TooLarge { .. })
        ));
        // A frame cut short.
        let mut file = good.to_vec();
        file.extend_from_slice(&10u32.to_le_bytes());
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&[1, 2, 3]);
        let mut r = IvfReader::new(Cursor::new(&file)).unwrap();
        assert!(matches!(
            r.next_frame(&mut Vec::new()),
            Err(Error::Truncated(_))
        ));
    }

    #[test]
    fn h264_is_not_an_ivf_codec() {
        assert!(IvfHeader::new(Codec::H264, 1, 1, 30).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_without_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let mut file = IvfHeader::new(Codec::Vp9, 2, 2, 30).unwrap().to_bytes().to_vec();
            file.extend_from_slice(&bytes);
            if let Ok(mut r) = IvfReader::new(Cursor::new(&file)) {
                let mut f = Vec::new();
                while let Ok(Some(_)) = r.next_frame(&mut f) {}
            }
            let _ = IvfReader::new(Cursor::new(&bytes));
        }
    }
}
