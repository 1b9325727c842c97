//! Ogg pages and packets (RFC 3533).
//!
//! A page is a 27-byte header (`OggS`, version 0, flags, granule position, stream serial
//! number, page sequence number, CRC, number of segments), a segment table of lacing values,
//! and the data. A packet is the concatenation of segments up to the first one shorter than
//! 255 bytes (RFC 3533 §5), so a packet of a multiple of 255 bytes ends with a zero-length
//! segment, and a packet may continue on the next page (header flag 0x01). The granule position
//! of a page belongs to the last packet that *ends* on it; a page on which no packet ends has
//! granule position -1 (RFC 3533 §6). The CRC is CRC-32 with polynomial 0x04c11db7, initial
//! value 0, not reflected, no final XOR, over the whole page with the CRC field zeroed.

use std::io::{Read, Write};

use super::{Error, read_exact_or_eof};

const FORMAT: &str = "Ogg";
/// Bytes of the fixed part of a page header.
pub const PAGE_HEADER_LEN: usize = 27;
/// The most segments (lacing values) a page holds.
pub const MAX_SEGMENTS: usize = 255;
/// The largest packet a [`PacketReader`] reassembles (bytes).
pub const MAX_PACKET: usize = 1 << 20;

/// Header type flag: the page's first packet continues one from the previous page.
pub const CONTINUED: u8 = 0x01;
/// Header type flag: beginning of stream (the first page of a logical stream).
pub const BOS: u8 = 0x02;
/// Header type flag: end of stream (its last page).
pub const EOS: u8 = 0x04;

const CRC_TABLE: [u32; 256] = crc_table();

// A const fn cannot use `get_mut`; `i < 256` bounds the index.
#[allow(clippy::indexing_slicing)]
const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut r = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            r = if r & 0x8000_0000 != 0 {
                (r << 1) ^ 0x04c1_1db7
            } else {
                r << 1
            };
            bit += 1;
        }
        table[i] = r;
        i += 1;
    }
    table
}

/// Continues the Ogg page CRC (RFC 3533 §6) over `data`; start with 0.
pub fn crc_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        let index = ((crc >> 24) as u8 ^ b) as usize;
        crc = (crc << 8) ^ CRC_TABLE.get(index).copied().unwrap_or(0);
    }
    crc
}

/// The CRC of a whole page whose CRC field (bytes 22..26) is taken as zero.
pub fn page_crc(header: &[u8], body: &[u8]) -> u32 {
    let crc = crc_update(0, header.get(..22).unwrap_or(header));
    let crc = crc_update(crc, &[0; 4]);
    let crc = crc_update(crc, header.get(26..).unwrap_or_default());
    crc_update(crc, body)
}

/// Builds pages of one logical stream and writes them.
#[derive(Debug)]
pub struct PageWriter<W: Write> {
    inner: W,
    serial: u32,
    sequence: u32,
    lacing: Vec<u8>,
    data: Vec<u8>,
    /// Granule position of the last packet completed on the pending page (-1: none).
    granule: i64,
    /// The pending page starts inside a packet.
    continued: bool,
    /// Packets completed on the pending page.
    packets: usize,
    /// No page written yet (the next one carries BOS).
    first: bool,
    header: Vec<u8>,
}

impl<W: Write> PageWriter<W> {
    /// A writer of stream `serial`.
    pub fn new(inner: W, serial: u32) -> Self {
        PageWriter {
            inner,
            serial,
            sequence: 0,
            lacing: Vec::with_capacity(MAX_SEGMENTS),
            data: Vec::new(),
            granule: -1,
            continued: false,
            packets: 0,
            first: true,
            header: Vec::with_capacity(PAGE_HEADER_LEN + MAX_SEGMENTS),
        }
    }

    /// Adds a packet that ends at `granule`; a page that fills up is written (the packet then
    /// continues on the next page).
    pub fn write_packet(&mut self, packet: &[u8], granule: i64) -> Result<(), Error> {
        let mut rest = packet;
        loop {
            if self.lacing.len() == MAX_SEGMENTS {
                self.write_page(0)?;
                self.continued = true;
            }
            let n = rest.len().min(255);
            let (segment, tail) = rest.split_at(n);
            self.lacing.push(n as u8);
            self.data.extend_from_slice(segment);
            rest = tail;
            if n < 255 {
                break;
            }
        }
        self.granule = granule;
        self.packets += 1;
        Ok(())
    }

    /// Packets completed on the pending page.
    pub fn pending_packets(&self) -> usize {
        self.packets
    }

    /// Bytes of data on the pending page.
    pub fn pending_bytes(&self) -> usize {
        self.data.len()
    }

    /// Ends the pending page here (if it has anything): the next packet starts a new page.
    pub fn flush_page(&mut self) -> Result<(), Error> {
        if !self.lacing.is_empty() {
            self.write_page(0)?;
        }
        self.inner.flush()?;
        Ok(())
    }

    /// Writes the last page with the end-of-stream flag (an empty one if nothing is pending)
    /// and returns the writer.
    pub fn finish(mut self, last_granule: i64) -> Result<W, Error> {
        if self.lacing.is_empty() {
            self.granule = last_granule;
        }
        self.write_page(EOS)?;
        self.inner.flush()?;
        Ok(self.inner)
    }

    fn write_page(&mut self, flags: u8) -> Result<(), Error> {
        let mut kind = flags;
        if self.continued {
            kind |= CONTINUED;
        }
        if self.first {
            kind |= BOS;
        }
        // A page on which no packet ends has granule position -1 (RFC 3533 §6).
        let granule = if self.packets == 0 && !self.lacing.is_empty() {
            -1
        } else {
            self.granule
        };
        self.header.clear();
        self.header.extend_from_slice(b"OggS");
        self.header.push(0);
        self.header.push(kind);
        self.header.extend_from_slice(&granule.to_le_bytes());
        self.header.extend_from_slice(&self.serial.to_le_bytes());
        self.header.extend_from_slice(&self.sequence.to_le_bytes());
        self.header.extend_from_slice(&[0; 4]);
        self.header.push(self.lacing.len() as u8);
        self.header.extend_from_slice(&self.lacing);
        let crc = page_crc(&self.header, &self.data);
        if let Some(field) = self.header.get_mut(22..26) {
            field.copy_from_slice(&crc.to_le_bytes());
        }
        self.inner.write_all(&self.header)?;
        self.inner.write_all(&self.data)?;
        self.sequence = self.sequence.wrapping_add(1);
        self.first = false;
        self.continued = false;
        self.packets = 0;
        self.lacing.clear();
        self.data.clear();
        Ok(())
    }
}

/// One page as read.
#[derive(Debug, Clone, Default)]
struct Page {
    flags: u8,
    granule: i64,
    serial: u32,
    sequence: u32,
    lacing: Vec<u8>,
    data: Vec<u8>,
}

/// What is known about a packet a [`PacketReader`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketInfo {
    /// The granule position of the page, when this packet is the last one ending on it.
    pub granule: Option<i64>,
    /// The packet is on the stream's first page.
    pub bos: bool,
    /// The packet ends on the stream's last page.
    pub eos: bool,
    /// A page of the stream was missing before this packet (a partial packet was dropped).
    pub after_gap: bool,
}

/// Reads the packets of the first logical stream of an Ogg file, checking every page's CRC.
#[derive(Debug)]
pub struct PacketReader<R> {
    inner: R,
    serial: Option<u32>,
    page: Page,
    /// Next segment of `page` to read, and the data offset it starts at.
    segment: usize,
    offset: usize,
    /// A packet that started on an earlier page.
    partial: Vec<u8>,
    partial_open: bool,
    next_sequence: Option<u32>,
    gap: bool,
    ended: bool,
    max_packet: usize,
}

impl<R: Read> PacketReader<R> {
    /// A reader; nothing is read yet.
    pub fn new(inner: R) -> Self {
        PacketReader {
            inner,
            serial: None,
            page: Page::default(),
            segment: 0,
            offset: 0,
            partial: Vec::new(),
            partial_open: false,
            next_sequence: None,
            gap: false,
            ended: false,
            max_packet: MAX_PACKET,
        }
    }

    /// The serial number of the stream being read (once a page was read).
    pub fn serial(&self) -> Option<u32> {
        self.serial
    }

    /// Reads the next packet into `packet` (cleared first); `None` at the end of the stream
    /// or of the file.
    pub fn next_packet(&mut self, packet: &mut Vec<u8>) -> Result<Option<PacketInfo>, Error> {
        packet.clear();
        loop {
            if self.segment >= self.page.lacing.len() {
                if self.ended || !self.read_page()? {
                    return Ok(None);
                }
                continue;
            }
            // Collect segments of the current page until one shorter than 255.
            let mut complete = false;
            while let Some(&len) = self.page.lacing.get(self.segment) {
                let len = usize::from(len);
                let bytes = self
                    .page
                    .data
                    .get(self.offset..self.offset + len)
                    .ok_or_else(|| Error::malformed(FORMAT, "lacing beyond the page data"))?;
                if self.partial.len() + len > self.max_packet {
                    return Err(Error::TooLarge {
                        format: FORMAT,
                        what: "packet",
                        len: self.partial.len() + len,
                        max: self.max_packet,
                    });
                }
                self.partial.extend_from_slice(bytes);
                self.segment += 1;
                self.offset += len;
                if len < 255 {
                    complete = true;
                    break;
                }
            }
            if !complete {
                // The packet continues on the next page.
                self.partial_open = true;
                continue;
            }
            self.partial_open = false;
            let last_on_page = !self
                .page
                .lacing
                .get(self.segment..)
                .unwrap_or_default()
                .iter()
                .any(|&l| l < 255);
            let info = PacketInfo {
                granule: last_on_page.then_some(self.page.granule),
                bos: self.page.flags & BOS != 0,
                eos: last_on_page && self.page.flags & EOS != 0,
                after_gap: std::mem::take(&mut self.gap),
            };
            std::mem::swap(packet, &mut self.partial);
            self.partial.clear();
            return Ok(Some(info));
        }
    }

    /// Reads the next page of our stream; `false` at the end of the file.
    fn read_page(&mut self) -> Result<bool, Error> {
        loop {
            let mut h = [0u8; PAGE_HEADER_LEN];
            if !read_exact_or_eof(&mut self.inner, &mut h, FORMAT)? {
                return Ok(false);
            }
            if !h.starts_with(b"OggS") {
                return Err(Error::malformed(FORMAT, "no OggS capture pattern"));
            }
            let (version, flags, segments) = (h[4], h[5], h[26]);
            if version != 0 {
                return Err(Error::malformed(FORMAT, format!("version {version}")));
            }
            let mut page = std::mem::take(&mut self.page);
            page.flags = flags;
            page.granule = i64::from_le_bytes([h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13]]);
            page.serial = super::le32(&h, 14);
            page.sequence = super::le32(&h, 18);
            let crc = super::le32(&h, 22);
            page.lacing.clear();
            page.lacing.resize(usize::from(segments), 0);
            if segments > 0 && !read_exact_or_eof(&mut self.inner, &mut page.lacing, FORMAT)? {
                return Err(Error::Truncated(FORMAT));
            }
            let body: usize = page.lacing.iter().map(|&l| usize::from(l)).sum();
            page.data.clear();
            page.data.resize(body, 0);
            if body > 0 && !read_exact_or_eof(&mut self.inner, &mut page.data, FORMAT)? {
                return Err(Error::Truncated(FORMAT));
            }
            let mut header = h.to_vec();
            header.extend_from_slice(&page.lacing);
            if page_crc(&header, &page.data) != crc {
                return Err(Error::malformed(
                    FORMAT,
                    format!("CRC mismatch on page {}", page.sequence),
                ));
            }
            let serial = *self.serial.get_or_insert(page.serial);
            if page.serial != serial {
                self.page = page;
                self.page.lacing.clear();
                continue; // another logical stream: not ours
            }
            if self
                .next_sequence
                .is_some_and(|expected| expected != page.sequence)
            {
                // A page was lost: a packet that spanned it is dropped.
                self.gap = true;
                self.partial.clear();
                self.partial_open = false;
            }
            self.next_sequence = Some(page.sequence.wrapping_add(1));
            let continued = page.flags & CONTINUED != 0;
            self.segment = 0;
            self.offset = 0;
            if continued && !self.partial_open {
                // The continuation of a packet we never saw the start of: skip it.
                while let Some(&l) = page.lacing.get(self.segment) {
                    self.segment += 1;
                    self.offset += usize::from(l);
                    if l < 255 {
                        break;
                    }
                }
            } else if !continued && self.partial_open {
                self.partial.clear();
                self.partial_open = false;
                self.gap = true;
            }
            self.ended = page.flags & EOS != 0;
            self.page = page;
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read_all(bytes: &[u8]) -> Vec<(Vec<u8>, PacketInfo)> {
        let mut r = PacketReader::new(Cursor::new(bytes));
        let mut out = Vec::new();
        let mut p = Vec::new();
        while let Some(info) = r.next_packet(&mut p).unwrap() {
            out.push((p.clone(), info));
        }
        out
    }

    /// RFC 3533 §6 CRC parameters: the check value of the ASCII digits "123456789" for CRC-32
    /// with polynomial 0x04c11db7, init 0, no reflection, no final XOR is 0x89a1897f.
    #[test]
    fn rfc3533_6_crc_check_value() {
        assert_eq!(crc_update(0, b"123456789"), 0x89a1_897f);
    }

    /// RFC 3533 §5: a packet of a multiple of 255 bytes ends with a zero lacing value; a
    /// packet longer than 255 segments continues on the next page, which carries the
    /// continued flag, and the page on which no packet ends has granule position -1.
    #[test]
    fn rfc3533_5_lacing_and_continued_packets() {
        let mut w = PageWriter::new(Vec::new(), 0x1234);
        let big: Vec<u8> = (0..255 * 300).map(|i| i as u8).collect();
        w.write_packet(&[7; 255], 10).unwrap();
        w.write_packet(&big, 20).unwrap();
        w.write_packet(&[], 30).unwrap();
        let bytes = w.finish(30).unwrap();
        // First page: 255 + 1 (zero) + 253 segments of the big packet = 255 segments.
        assert_eq!(&bytes[..4], b"OggS");
        assert_eq!(bytes[5], BOS);
        assert_eq!(bytes[26], 255);
        assert_eq!(i64::from_le_bytes(bytes[6..14].try_into().unwrap()), 10);
        let packets = read_all(&bytes);
        assert_eq!(packets.len(), 3);
        assert_eq!(packets[0].0, vec![7; 255]);
        assert_eq!(packets[1].0, big);
        assert_eq!(packets[2].0, Vec::<u8>::new());
        assert_eq!(packets[2].1.granule, Some(30));
        assert!(packets[2].1.eos);
        // The second page starts inside the big packet.
        let second = PAGE_HEADER_LEN + 255 + 255 + 253 * 255;
        assert_eq!(&bytes[second..second + 4], b"OggS");
        assert_eq!(bytes[second + 5], CONTINUED | EOS);
    }

    #[test]
    fn corrupted_page_is_refused() {
        let mut w = PageWriter::new(Vec::new(), 1);
        w.write_packet(b"hello", 0).unwrap();
        let mut bytes = w.finish(0).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let mut r = PacketReader::new(Cursor::new(&bytes));
        assert!(matches!(
            r.next_packet(&mut Vec::new()),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn pages_of_other_streams_are_skipped() {
        let mut a = PageWriter::new(Vec::new(), 1);
        a.write_packet(b"a1", 1).unwrap();
        a.flush_page().unwrap();
        let mut b = PageWriter::new(Vec::new(), 2);
        b.write_packet(b"b1", 1).unwrap();
        let b = b.finish(1).unwrap();
        a.write_packet(b"a2", 2).unwrap();
        let a = a.finish(2).unwrap();
        // Interleave: a's first page, b's page, a's last page.
        let first_len = PAGE_HEADER_LEN + 1 + 2;
        let mut file = a[..first_len].to_vec();
        file.extend_from_slice(&b);
        file.extend_from_slice(&a[first_len..]);
        let packets: Vec<Vec<u8>> = read_all(&file).into_iter().map(|(p, _)| p).collect();
        assert_eq!(packets, vec![b"a1".to_vec(), b"a2".to_vec()]);
    }

    proptest::proptest! {
        #[test]
        fn packets_roundtrip(packets in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1000), 0..40), flush_every in 1usize..10) {
            let mut w = PageWriter::new(Vec::new(), 9);
            for (i, p) in packets.iter().enumerate() {
                w.write_packet(p, i as i64).unwrap();
                if i % flush_every == 0 {
                    w.flush_page().unwrap();
                }
            }
            let bytes = w.finish(packets.len() as i64).unwrap();
            let got: Vec<Vec<u8>> = read_all(&bytes).into_iter().map(|(p, _)| p).collect();
            proptest::prop_assert_eq!(got, packets);
        }

        #[test]
        fn any_bytes_parse_without_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let mut r = PacketReader::new(Cursor::new(&bytes));
            let mut p = Vec::new();
            while let Ok(Some(_)) = r.next_packet(&mut p) {}
        }
    }
}
