//! Ogg Opus (RFC 7845): Opus packets in an Ogg stream.
//!
//! The first page carries only the identification header `OpusHead` (§5.1), the following
//! page(s) only the comment header `OpusTags` (§5.2), both with granule position 0; audio data
//! starts on a fresh page (§3). The granule position of an audio page is the number of 48 kHz
//! samples decoded up to the last packet ending on it, pre-skip included (§4), so a writer
//! counts every packet's duration from its TOC byte (RFC 6716 §3.1). A real-time stream with
//! lost or untransmitted packets has its gaps filled with packets of zero-length frames that
//! ask the decoder for packet loss concealment, with the TOC of the packet before the gap
//! (§4.1).

use std::io::{Read, Write};

use super::Error;
use super::ogg::{PacketReader, PageWriter};

const FORMAT: &str = "Ogg Opus";
/// Opus' RTP and granule clock (RFC 7587 §4.1, RFC 7845 §4).
pub const CLOCK_RATE: u32 = 48_000;
/// The pre-skip a writer declares when the encoder's is unknown: libopus' encoder delay at
/// 48 kHz (the encoder of browsers), 6.5 ms.
pub const DEFAULT_PRE_SKIP: u16 = 312;
/// The longest Opus packet, in 48 kHz samples (120 ms, RFC 6716 §3.2.5).
pub const MAX_PACKET_SAMPLES: u32 = 5760;
/// The longest gap a writer repairs with concealment packets (10 s); a longer jump in the RTP
/// timestamps is written as it is (the stream restarted).
pub const MAX_GAP_SAMPLES: u32 = 10 * CLOCK_RATE;

/// The identification header (RFC 7845 §5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpusHead {
    /// Version (1; readers accept 0..=15).
    pub version: u8,
    /// Output channels.
    pub channels: u8,
    /// Samples at 48 kHz to discard from the decoder output at the start.
    pub pre_skip: u16,
    /// The sample rate of the original input (informational).
    pub input_sample_rate: u32,
    /// Output gain, Q7.8 dB.
    pub output_gain: i16,
    /// Channel mapping family (0: mono/stereo, one stream).
    pub mapping_family: u8,
    /// For families other than 0: stream count, coupled stream count, one mapping byte per
    /// channel.
    pub mapping: Option<(u8, u8, Vec<u8>)>,
}

impl OpusHead {
    /// Family 0 (mono or stereo, one Opus stream).
    pub fn new(channels: u8, pre_skip: u16, input_sample_rate: u32) -> Self {
        OpusHead {
            version: 1,
            channels: channels.clamp(1, 2),
            pre_skip,
            input_sample_rate,
            output_gain: 0,
            mapping_family: 0,
            mapping: None,
        }
    }

    /// Parses the header packet.
    pub fn parse(p: &[u8]) -> Result<Self, Error> {
        let bad = |what: &str| Error::malformed(FORMAT, format!("OpusHead: {what}"));
        if !p.starts_with(b"OpusHead") || p.len() < 19 {
            return Err(bad("not an identification header"));
        }
        let byte = |i: usize| p.get(i).copied().unwrap_or(0);
        let version = byte(8);
        if version >> 4 != 0 {
            return Err(bad(&format!("unsupported version {version}")));
        }
        let channels = byte(9);
        if channels == 0 {
            return Err(bad("zero channels"));
        }
        let mapping_family = byte(18);
        let mapping = if mapping_family == 0 {
            if channels > 2 {
                return Err(bad("family 0 with more than two channels"));
            }
            None
        } else {
            let table = p
                .get(19..21 + usize::from(channels))
                .ok_or_else(|| bad("channel mapping table cut short"))?;
            let [streams, coupled, map @ ..] = table else {
                return Err(bad("channel mapping table cut short"));
            };
            if *streams == 0 || coupled > streams {
                return Err(bad("stream counts"));
            }
            Some((*streams, *coupled, map.to_vec()))
        };
        Ok(OpusHead {
            version,
            channels,
            pre_skip: super::le16(p, 10),
            input_sample_rate: super::le32(p, 12),
            output_gain: super::le16(p, 16) as i16,
            mapping_family,
            mapping,
        })
    }

    /// The header packet.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(21 + usize::from(self.channels));
        b.extend_from_slice(b"OpusHead");
        b.push(self.version);
        b.push(self.channels);
        b.extend_from_slice(&self.pre_skip.to_le_bytes());
        b.extend_from_slice(&self.input_sample_rate.to_le_bytes());
        b.extend_from_slice(&self.output_gain.to_le_bytes());
        b.push(self.mapping_family);
        if let Some((streams, coupled, table)) = &self.mapping {
            b.push(*streams);
            b.push(*coupled);
            b.extend_from_slice(table);
        }
        b
    }
}

/// The comment header (RFC 7845 §5.2): a vendor string and `NAME=value` comments.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpusTags {
    /// Who wrote the stream.
    pub vendor: String,
    /// User comments, `NAME=value`.
    pub comments: Vec<String>,
}

impl OpusTags {
    /// Parses the header packet.
    pub fn parse(p: &[u8]) -> Result<Self, Error> {
        let bad = |what: &str| Error::malformed(FORMAT, format!("OpusTags: {what}"));
        let mut rest = p
            .strip_prefix(b"OpusTags")
            .ok_or_else(|| bad("not a comment header"))?;
        let string = |rest: &mut &[u8]| -> Result<String, Error> {
            let len = super::le32(rest, 0) as usize;
            let s = rest
                .get(4..)
                .and_then(|r| r.get(..len))
                .ok_or_else(|| bad("string beyond the packet"))?;
            *rest = rest.get(4 + len..).unwrap_or_default();
            Ok(String::from_utf8_lossy(s).into_owned())
        };
        if rest.len() < 4 {
            return Err(bad("cut short"));
        }
        let vendor = string(&mut rest)?;
        if rest.len() < 4 {
            return Err(bad("no comment count"));
        }
        let count = super::le32(rest, 0) as usize;
        rest = rest.get(4..).unwrap_or_default();
        // Each comment takes at least its 4-byte length: the count cannot exceed that.
        if count > rest.len() / 4 {
            return Err(bad("more comments than bytes"));
        }
        let mut comments = Vec::with_capacity(count);
        for _ in 0..count {
            comments.push(string(&mut rest)?);
        }
        Ok(OpusTags { vendor, comments })
    }

    /// The header packet.
    pub fn to_bytes(&self) -> Vec<u8> {
        fn string(b: &mut Vec<u8>, s: &str) {
            b.extend_from_slice(&(s.len() as u32).to_le_bytes());
            b.extend_from_slice(s.as_bytes());
        }
        let mut b = Vec::new();
        b.extend_from_slice(b"OpusTags");
        string(&mut b, &self.vendor);
        b.extend_from_slice(&(self.comments.len() as u32).to_le_bytes());
        for c in &self.comments {
            string(&mut b, c);
        }
        b
    }
}

/// The duration of one frame of a TOC configuration, in 48 kHz samples (RFC 6716 §3.1,
/// Table 2): SILK 10/20/40/60 ms, Hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
pub fn frame_samples(toc: u8) -> u32 {
    let config = toc >> 3;
    let ms_x2 = match (config, config % 4) {
        (0..=11, 0) => 20,
        (0..=11, 1) => 40,
        (0..=11, 2) => 80,
        (0..=11, _) => 120,
        (12..=15, _) if config.is_multiple_of(2) => 20,
        (12..=15, _) => 40,
        (_, 0) => 5,
        (_, 1) => 10,
        (_, 2) => 20,
        (_, _) => 40,
    };
    // 2 × milliseconds × 24 samples per half millisecond at 48 kHz.
    ms_x2 * 24
}

/// The number of frames of an Opus packet (RFC 6716 §3.2: code 0 one, codes 1 and 2 two,
/// code 3 the count in its second byte).
pub fn frame_count(packet: &[u8]) -> Result<u32, Error> {
    let &toc = packet
        .first()
        .ok_or_else(|| Error::malformed(FORMAT, "empty Opus packet (RFC 6716 §3.4 R1)"))?;
    Ok(match toc & 0x03 {
        0 => 1,
        1 | 2 => 2,
        _ => {
            let m = packet
                .get(1)
                .ok_or_else(|| Error::malformed(FORMAT, "code 3 packet without frame count"))?
                & 0x3f;
            if m == 0 {
                return Err(Error::malformed(FORMAT, "code 3 packet with zero frames"));
            }
            u32::from(m)
        }
    })
}

/// The duration of an Opus packet in 48 kHz samples (at most 120 ms, RFC 6716 §3.4 R5).
pub fn packet_samples(packet: &[u8]) -> Result<u32, Error> {
    let frames = frame_count(packet)?;
    let toc = packet.first().copied().unwrap_or(0);
    let samples = frames * frame_samples(toc);
    if samples > MAX_PACKET_SAMPLES {
        return Err(Error::malformed(
            FORMAT,
            format!("packet of {samples} samples exceeds 120 ms"),
        ));
    }
    Ok(samples)
}

/// Writes an Ogg Opus stream.
#[derive(Debug)]
pub struct OggOpusWriter<W: Write> {
    pages: PageWriter<W>,
    /// Samples decoded so far (the granule position of the last packet).
    granule: u64,
    /// The RTP timestamp the next packet should have, and the TOC of the last packet.
    expected: Option<(u32, u8)>,
    /// Packets written (concealment packets included).
    pub packets: u64,
    /// Samples filled with concealment packets (RFC 7845 §4.1).
    pub concealed_samples: u64,
    /// Packets skipped because their TOC could not be read.
    pub skipped: u64,
    page_packets: usize,
}

impl<W: Write> OggOpusWriter<W> {
    /// Writes the two header pages. `page_packets`: audio packets per page (50 = 1 s of 20 ms
    /// packets).
    pub fn new(
        inner: W,
        serial: u32,
        head: &OpusHead,
        tags: &OpusTags,
        page_packets: usize,
    ) -> Result<Self, Error> {
        let mut pages = PageWriter::new(inner, serial);
        pages.write_packet(&head.to_bytes(), 0)?;
        pages.flush_page()?;
        pages.write_packet(&tags.to_bytes(), 0)?;
        pages.flush_page()?;
        Ok(OggOpusWriter {
            pages,
            granule: 0,
            expected: None,
            packets: 0,
            concealed_samples: 0,
            skipped: 0,
            page_packets: page_packets.max(1),
        })
    }

    /// The granule position so far (48 kHz samples, pre-skip included).
    pub fn granule(&self) -> u64 {
        self.granule
    }

    /// Appends one Opus packet. Returns its duration in samples.
    pub fn write_packet(&mut self, packet: &[u8]) -> Result<u32, Error> {
        let samples = packet_samples(packet)?;
        self.granule += u64::from(samples);
        self.pages.write_packet(packet, self.granule as i64)?;
        self.packets += 1;
        if self.pages.pending_packets() >= self.page_packets {
            self.pages.flush_page()?;
        }
        Ok(samples)
    }

    /// Appends a packet received over RTP with timestamp `rtp_timestamp` (48 kHz clock): a gap
    /// since the previous packet's end is first filled with concealment packets (§4.1). A packet
    /// whose TOC cannot be read is skipped and counted.
    pub fn write_rtp_packet(&mut self, rtp_timestamp: u32, packet: &[u8]) -> Result<(), Error> {
        if packet_samples(packet).is_err() {
            self.skipped += 1;
            return Ok(());
        }
        if let Some((expected, toc)) = self.expected {
            let gap = rtp_timestamp.wrapping_sub(expected);
            if gap > 0 && gap <= MAX_GAP_SAMPLES {
                self.conceal(toc, gap)?;
            }
        }
        let samples = self.write_packet(packet)?;
        let toc = packet.first().copied().unwrap_or(0);
        self.expected = Some((rtp_timestamp.wrapping_add(samples), toc));
        Ok(())
    }

    /// Fills `gap` samples with packets of zero-length frames of the configuration of `toc`
    /// (code 3, CBR: TOC, frame count, no frame data; RFC 6716 §3.2.5). A remainder shorter
    /// than one frame is not repairable with that configuration and is left out.
    fn conceal(&mut self, toc: u8, gap: u32) -> Result<(), Error> {
        let frame = frame_samples(toc);
        let mut frames = gap / frame;
        let per_packet = (MAX_PACKET_SAMPLES / frame).min(48);
        while frames > 0 {
            let n = frames.min(per_packet);
            let packet = [(toc & !0x03) | 0x03, n as u8];
            self.write_packet(&packet)?;
            self.concealed_samples += u64::from(n * frame);
            frames -= n;
        }
        Ok(())
    }

    /// Writes the last page (end of stream) and returns the writer.
    pub fn finish(self) -> Result<W, Error> {
        self.pages.finish(self.granule as i64)
    }
}

/// Reads an Ogg Opus stream: its headers, then packets with their durations.
#[derive(Debug)]
pub struct OggOpusReader<R> {
    packets: PacketReader<R>,
    head: OpusHead,
    tags: OpusTags,
}

impl<R: Read> OggOpusReader<R> {
    /// Reads and checks the two headers.
    pub fn new(inner: R) -> Result<Self, Error> {
        let mut packets = PacketReader::new(inner);
        let mut p = Vec::new();
        let info = packets
            .next_packet(&mut p)?
            .ok_or(Error::Truncated(FORMAT))?;
        if !info.bos {
            return Err(Error::malformed(FORMAT, "the first page is not a BOS page"));
        }
        let head = OpusHead::parse(&p)?;
        packets
            .next_packet(&mut p)?
            .ok_or(Error::Truncated(FORMAT))?;
        let tags = OpusTags::parse(&p)?;
        Ok(OggOpusReader {
            packets,
            head,
            tags,
        })
    }

    /// The identification header.
    pub fn head(&self) -> &OpusHead {
        &self.head
    }

    /// The comment header.
    pub fn tags(&self) -> &OpusTags {
        &self.tags
    }

    /// Reads the next audio packet into `packet` and returns its duration in 48 kHz samples;
    /// `None` at the end.
    pub fn next_packet(&mut self, packet: &mut Vec<u8>) -> Result<Option<u32>, Error> {
        match self.packets.next_packet(packet)? {
            None => Ok(None),
            Some(_) => Ok(Some(packet_samples(packet)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// RFC 6716 §3.1 Table 2 and §3.2: durations from the TOC byte.
    #[test]
    fn rfc6716_3_1_toc_durations() {
        // config 1 (SILK NB 20 ms), code 0.
        assert_eq!(packet_samples(&[1 << 3]).unwrap(), 960);
        // config 3 (SILK NB 60 ms), code 1: two frames.
        assert_eq!(packet_samples(&[(3 << 3) | 1, 0]).unwrap(), 5760);
        // config 16 (CELT NB 2.5 ms), code 3 with 48 frames = 120 ms.
        assert_eq!(packet_samples(&[(16 << 3) | 3, 48]).unwrap(), 5760);
        // 49 frames of 2.5 ms exceed 120 ms.
        assert!(packet_samples(&[(16 << 3) | 3, 49]).is_err());
        // config 13 (Hybrid SWB 20 ms), config 31 (CELT FB 20 ms).
        assert_eq!(packet_samples(&[13 << 3]).unwrap(), 960);
        assert_eq!(packet_samples(&[31 << 3]).unwrap(), 960);
        assert!(packet_samples(&[]).is_err());
        assert!(packet_samples(&[3]).is_err());
        assert!(packet_samples(&[3, 0]).is_err());
    }

    #[test]
    fn rfc7845_5_headers_roundtrip() {
        let head = OpusHead::new(2, 312, 48_000);
        let bytes = head.to_bytes();
        assert_eq!(bytes.len(), 19);
        assert_eq!(OpusHead::parse(&bytes).unwrap(), head);
        let tags = OpusTags {
            vendor: "sansrtc".into(),
            comments: vec!["TITLE=test".into(), "X=".into()],
        };
        assert_eq!(OpusTags::parse(&tags.to_bytes()).unwrap(), tags);
        // Family 1 carries a mapping table.
        let mut surround = OpusHead::new(1, 0, 0);
        surround.channels = 3;
        surround.mapping_family = 1;
        surround.mapping = Some((2, 1, vec![0, 2, 1]));
        assert_eq!(OpusHead::parse(&surround.to_bytes()).unwrap(), surround);
        assert!(OpusHead::parse(b"OpusHead\x10\x02").is_err());
        assert!(OpusTags::parse(b"OpusTags\x00\x00\x00\x00\xff\xff\xff\xff").is_err());
    }

    /// RFC 7845 §3: the ID header alone on the first page, the comment header on the second,
    /// both with granule position 0, audio on later pages with granule positions in samples.
    #[test]
    fn rfc7845_3_page_layout_and_granules() {
        let mut w = OggOpusWriter::new(
            Vec::new(),
            7,
            &OpusHead::new(1, 312, 48_000),
            &OpusTags::default(),
            2,
        )
        .unwrap();
        for _ in 0..5 {
            w.write_packet(&[1 << 3, 0xaa, 0xbb]).unwrap();
        }
        assert_eq!(w.granule(), 5 * 960);
        let bytes = w.finish().unwrap();
        let mut pages = PacketReader::new(Cursor::new(&bytes));
        let mut p = Vec::new();
        let head = pages.next_packet(&mut p).unwrap().unwrap();
        assert!(head.bos);
        assert_eq!(head.granule, Some(0));
        let tags = pages.next_packet(&mut p).unwrap().unwrap();
        assert_eq!(tags.granule, Some(0));
        let mut granules = Vec::new();
        while let Some(info) = pages.next_packet(&mut p).unwrap() {
            granules.push(info.granule);
        }
        assert_eq!(
            granules,
            vec![None, Some(1920), None, Some(3840), Some(4800)]
        );

        let mut r = OggOpusReader::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(r.head().pre_skip, 312);
        let mut total = 0;
        while let Some(n) = r.next_packet(&mut p).unwrap() {
            total += n;
        }
        assert_eq!(total, 4800);
    }

    /// RFC 7845 §4.1: a gap in the RTP timestamps is filled with zero-length frames of the
    /// previous packet's configuration, so the granule positions stay on the RTP timeline.
    #[test]
    fn rfc7845_4_1_gaps_are_concealed() {
        let mut w = OggOpusWriter::new(
            Vec::new(),
            1,
            &OpusHead::new(1, 0, 48_000),
            &OpusTags::default(),
            50,
        )
        .unwrap();
        let toc = 31 << 3 | 0x04; // CELT FB 20 ms, stereo flag
        w.write_rtp_packet(1000, &[toc, 1]).unwrap();
        w.write_rtp_packet(1960, &[toc, 2]).unwrap();
        // Three packets (60 ms) lost.
        w.write_rtp_packet(1960 + 4 * 960, &[toc, 3]).unwrap();
        assert_eq!(w.concealed_samples, 3 * 960);
        assert_eq!(w.granule(), 6 * 960);
        // A gap over the 10 s limit is a restart, not a loss.
        w.write_rtp_packet(1_000_000_000, &[toc, 4]).unwrap();
        assert_eq!(w.granule(), 7 * 960);
        // An unreadable packet is skipped.
        w.write_rtp_packet(1_000_000_960, &[]).unwrap();
        assert_eq!(w.skipped, 1);
        let bytes = w.finish().unwrap();
        let mut r = OggOpusReader::new(Cursor::new(&bytes)).unwrap();
        let mut p = Vec::new();
        let mut got = Vec::new();
        while r.next_packet(&mut p).unwrap().is_some() {
            got.push(p.clone());
        }
        assert_eq!(got.len(), 5);
        assert_eq!(got[2], vec![(31 << 3) | 0x04 | 0x03, 3]);
    }
}
