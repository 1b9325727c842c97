//! RTCP compound packets (RFC 3550 §6, RFC 5506) and the feedback messages WebRTC uses
//! (RFC 4585 generic NACK and PLI, RFC 5104 FIR, REMB, transport-wide congestion control).
//!
//! [`Compound`] iterates a compound (or RFC 5506 reduced-size) datagram without allocating and
//! yields one [`RtcpPacket`] view per packet. Views borrow the datagram; every length was checked
//! when the view was made, so their accessors and iterators cannot fail. A packet whose body is
//! malformed is reported as an `Err` and iteration continues with the next packet (its length
//! field is still trustworthy); a broken length field ends the iteration. Unknown packet types
//! and feedback formats are returned as [`RtcpPacket::Unknown`] so callers can skip them.
//!
//! [`RtcpWriter`] appends packets to a caller's buffer to build a compound packet;
//! [`check_compound`] applies RFC 3550 A.2's validity checks (relaxed per RFC 5506).

mod twcc;
mod twcc_recorder;
mod writer;

pub use twcc::{PacketStatus, TransportCc, TransportCcPackets};
pub use twcc_recorder::TransportCcRecorder;
pub use writer::RtcpWriter;

use crate::wire::{u8_at, u16_at, u32_at, u64_at};
use crate::{Error, Result};

/// Length of the RTCP common header (RFC 3550 §6.4.1).
pub const HEADER_LEN: usize = 4;

/// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1).
pub mod packet_type {
    /// Sender report.
    pub const SR: u8 = 200;
    /// Receiver report.
    pub const RR: u8 = 201;
    /// Source description.
    pub const SDES: u8 = 202;
    /// Goodbye.
    pub const BYE: u8 = 203;
    /// Application-defined.
    pub const APP: u8 = 204;
    /// Transport-layer feedback.
    pub const RTPFB: u8 = 205;
    /// Payload-specific feedback.
    pub const PSFB: u8 = 206;
}

/// Feedback message types (FMT) used with RTPFB and PSFB.
pub mod fmt {
    /// RTPFB: generic NACK (RFC 4585 §6.2.1).
    pub const NACK: u8 = 1;
    /// RTPFB: transport-wide congestion control feedback.
    pub const TRANSPORT_CC: u8 = 15;
    /// PSFB: picture loss indication (RFC 4585 §6.3.1).
    pub const PLI: u8 = 1;
    /// PSFB: full intra request (RFC 5104 §4.3.1).
    pub const FIR: u8 = 4;
    /// PSFB: application layer feedback (REMB lives here).
    pub const AFB: u8 = 15;
}

/// SDES item types (RFC 3550 §6.5).
pub mod sdes_item {
    /// Canonical end-point identifier.
    pub const CNAME: u8 = 1;
    /// User name.
    pub const NAME: u8 = 2;
    /// Email address.
    pub const EMAIL: u8 = 3;
    /// Phone number.
    pub const PHONE: u8 = 4;
    /// Geographic location.
    pub const LOC: u8 = 5;
    /// Application or tool name.
    pub const TOOL: u8 = 6;
    /// Notice/status.
    pub const NOTE: u8 = 7;
    /// Private extension.
    pub const PRIV: u8 = 8;
}

/// One packet of a compound RTCP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket<'a> {
    /// SR (RFC 3550 §6.4.1).
    SenderReport(SenderReport<'a>),
    /// RR (RFC 3550 §6.4.2).
    ReceiverReport(ReceiverReport<'a>),
    /// SDES (RFC 3550 §6.5).
    SourceDescription(SourceDescription<'a>),
    /// BYE (RFC 3550 §6.6).
    Bye(Bye<'a>),
    /// APP (RFC 3550 §6.7).
    App(App<'a>),
    /// Generic NACK (RFC 4585 §6.2.1).
    Nack(Nack<'a>),
    /// Transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
    TransportCc(TransportCc<'a>),
    /// Picture loss indication (RFC 4585 §6.3.1).
    Pli(Pli),
    /// Full intra request (RFC 5104 §4.3.1).
    Fir(Fir<'a>),
    /// Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03 §2.2).
    Remb(Remb<'a>),
    /// Any other packet type or feedback format, skipped safely.
    Unknown {
        /// PT field.
        packet_type: u8,
        /// The 5-bit count / FMT field.
        count: u8,
        /// Body after the common header, padding removed.
        body: &'a [u8],
    },
}

impl<'a> RtcpPacket<'a> {
    /// Parses one packet whose common header says `count` and `packet_type`, given its body.
    pub fn parse(packet_type: u8, count: u8, body: &'a [u8]) -> Result<Self> {
        Ok(match (packet_type, count) {
            (packet_type::SR, _) => Self::SenderReport(SenderReport::parse(count, body)?),
            (packet_type::RR, _) => Self::ReceiverReport(ReceiverReport::parse(count, body)?),
            (packet_type::SDES, _) => {
                Self::SourceDescription(SourceDescription::parse(count, body)?)
            }
            (packet_type::BYE, _) => Self::Bye(Bye::parse(count, body)?),
            (packet_type::APP, _) => Self::App(App::parse(count, body)?),
            (packet_type::RTPFB, fmt::NACK) => Self::Nack(Nack::parse(body)?),
            (packet_type::RTPFB, fmt::TRANSPORT_CC) => Self::TransportCc(TransportCc::parse(body)?),
            (packet_type::PSFB, fmt::PLI) => Self::Pli(Pli::parse(body)?),
            (packet_type::PSFB, fmt::FIR) => Self::Fir(Fir::parse(body)?),
            (packet_type::PSFB, fmt::AFB) if body.get(8..12) == Some(b"REMB") => {
                Self::Remb(Remb::parse(body)?)
            }
            _ => Self::Unknown {
                packet_type,
                count,
                body,
            },
        })
    }
}

/// Whether `data` looks like RTCP rather than RTP when both share a port (RFC 5761 §4):
/// the second byte (PT with the marker bit) is 192..=223.
pub fn is_rtcp(data: &[u8]) -> bool {
    matches!(data.get(1), Some(192..=223))
}

/// The header validity checks of RFC 3550 Appendix A.2 for a whole datagram: every packet
/// has version 2, only the last may be padded, and the length fields add up to the datagram.
/// A full compound must also start with an SR or RR; with `reduced_size` (RFC 5506 §3.4.2,
/// negotiated by `a=rtcp-rsize`) any packet type may come first.
///
/// [`Compound`] does not require this: use it where a stricter receiver is wanted (for
/// example to tell RTCP from garbage on a port that is not SRTCP-protected).
pub fn check_compound(datagram: &[u8], reduced_size: bool) -> Result<()> {
    let mut rest = datagram;
    let mut first = true;
    if rest.is_empty() {
        return Err(Error::Truncated {
            needed: HEADER_LEN,
            have: 0,
        });
    }
    while !rest.is_empty() {
        let b0 = u8_at(rest, 0);
        let pt = u8_at(rest, 1);
        let (_, _, _, after) = split_packet(rest)?;
        if first && !reduced_size && pt != packet_type::SR && pt != packet_type::RR {
            return Err(Error::MalformedRtcp(
                "compound does not start with SR or RR (RFC 3550 §6.1)",
            ));
        }
        if b0 & 0x20 != 0 && !after.is_empty() {
            return Err(Error::BadPadding);
        }
        first = false;
        rest = after;
    }
    Ok(())
}

/// Iterator over the packets of a compound RTCP datagram (RFC 3550 §6.1, RFC 5506 §3).
///
/// No compound-packet rule is enforced on parse (RFC 5506 reduced-size packets may start with
/// any type); unknown types are yielded as [`RtcpPacket::Unknown`].
#[derive(Debug, Clone)]
pub struct Compound<'a> {
    rest: &'a [u8],
}

impl<'a> Compound<'a> {
    /// Iterates the packets of `datagram`.
    #[inline]
    pub fn new(datagram: &'a [u8]) -> Self {
        Self { rest: datagram }
    }
}

impl<'a> Iterator for Compound<'a> {
    type Item = Result<RtcpPacket<'a>>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match split_packet(self.rest) {
            Ok((packet_type, count, body, rest)) => {
                self.rest = rest;
                Some(RtcpPacket::parse(packet_type, count, body))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Splits the first packet off a compound datagram: (PT, count, body without padding, rest).
#[inline]
fn split_packet(data: &[u8]) -> Result<(u8, u8, &[u8], &[u8])> {
    let have = data.len();
    if have < HEADER_LEN {
        return Err(Error::Truncated {
            needed: HEADER_LEN,
            have,
        });
    }
    let b0 = u8_at(data, 0);
    if b0 >> 6 != 2 {
        return Err(Error::BadVersion(b0 >> 6));
    }
    let len = (usize::from(u16_at(data, 2)) + 1) * 4;
    let (packet, rest) = data.split_at_checked(len).ok_or(Error::BadRtcpLength)?;
    let mut body = packet.get(HEADER_LEN..).unwrap_or_default();
    if b0 & 0x20 != 0 {
        let pad = usize::from(u8_at(packet, len - 1));
        if pad == 0 || pad > body.len() {
            return Err(Error::BadPadding);
        }
        body = body.get(..body.len() - pad).unwrap_or_default();
    }
    Ok((u8_at(data, 1), b0 & 0x1f, body, rest))
}

/// The sender information block of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SenderInfo {
    /// NTP timestamp (32.32 fixed point).
    pub ntp_time: u64,
    /// RTP timestamp corresponding to `ntp_time`.
    pub rtp_time: u32,
    /// Sender's packet count.
    pub packet_count: u32,
    /// Sender's octet count.
    pub octet_count: u32,
}

impl SenderInfo {
    fn read(b: &[u8]) -> Self {
        Self {
            ntp_time: u64_at(b, 0),
            rtp_time: u32_at(b, 8),
            packet_count: u32_at(b, 12),
            octet_count: u32_at(b, 16),
        }
    }

    /// The middle 32 bits of the NTP timestamp: the LSR value receivers echo (RFC 3550 §6.4.1).
    pub fn compact_ntp(&self) -> u32 {
        (self.ntp_time >> 16) as u32
    }
}

/// A reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportBlock {
    /// SSRC of the source reported on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative number of packets lost (24-bit signed).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_sequence: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// LSR: middle 32 bits of the last SR's NTP time.
    pub last_sr: u32,
    /// DLSR: delay since last SR in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// Length of one report block.
pub const REPORT_BLOCK_LEN: usize = 24;

impl ReportBlock {
    fn read(b: &[u8]) -> Self {
        let lost = u32_at(b, 4);
        Self {
            ssrc: u32_at(b, 0),
            fraction_lost: (lost >> 24) as u8,
            // Sign-extend the 24-bit field.
            cumulative_lost: ((lost << 8) as i32) >> 8,
            extended_highest_sequence: u32_at(b, 8),
            jitter: u32_at(b, 12),
            last_sr: u32_at(b, 16),
            delay_since_last_sr: u32_at(b, 20),
        }
    }
}

/// Iterator over report blocks.
#[derive(Debug, Clone)]
pub struct ReportBlocks<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for ReportBlocks<'_> {
    type Item = ReportBlock;

    #[inline]
    fn next(&mut self) -> Option<ReportBlock> {
        self.chunks.next().map(ReportBlock::read)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for ReportBlocks<'_> {}

fn blocks(body: &[u8], at: usize, count: u8) -> (&[u8], &[u8]) {
    let end = at + usize::from(count) * REPORT_BLOCK_LEN;
    (
        body.get(at..end).unwrap_or_default(),
        body.get(end..).unwrap_or_default(),
    )
}

fn need(body: &[u8], needed: usize) -> Result<()> {
    if body.len() < needed {
        return Err(Error::Truncated {
            needed,
            have: body.len(),
        });
    }
    Ok(())
}

/// A sender report (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport<'a> {
    body: &'a [u8],
    count: u8,
}

impl<'a> SenderReport<'a> {
    fn parse(count: u8, body: &'a [u8]) -> Result<Self> {
        need(body, 24 + usize::from(count) * REPORT_BLOCK_LEN)?;
        Ok(Self { body, count })
    }

    /// SSRC of the sender.
    pub fn ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }

    /// The sender information block.
    pub fn sender_info(&self) -> SenderInfo {
        SenderInfo::read(self.body.get(4..).unwrap_or_default())
    }

    /// The reception report blocks.
    pub fn report_blocks(&self) -> ReportBlocks<'a> {
        ReportBlocks {
            chunks: blocks(self.body, 24, self.count)
                .0
                .chunks_exact(REPORT_BLOCK_LEN),
        }
    }

    /// Profile-specific extension after the report blocks.
    pub fn profile_extension(&self) -> &'a [u8] {
        blocks(self.body, 24, self.count).1
    }
}

/// A receiver report (RFC 3550 §6.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverReport<'a> {
    body: &'a [u8],
    count: u8,
}

impl<'a> ReceiverReport<'a> {
    fn parse(count: u8, body: &'a [u8]) -> Result<Self> {
        need(body, 4 + usize::from(count) * REPORT_BLOCK_LEN)?;
        Ok(Self { body, count })
    }

    /// SSRC of the packet sender.
    pub fn ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }

    /// The reception report blocks.
    pub fn report_blocks(&self) -> ReportBlocks<'a> {
        ReportBlocks {
            chunks: blocks(self.body, 4, self.count)
                .0
                .chunks_exact(REPORT_BLOCK_LEN),
        }
    }

    /// Profile-specific extension after the report blocks.
    pub fn profile_extension(&self) -> &'a [u8] {
        blocks(self.body, 4, self.count).1
    }
}

/// A source description packet (RFC 3550 §6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceDescription<'a> {
    body: &'a [u8],
    count: u8,
}

/// One SDES chunk: an SSRC/CSRC and its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesChunk<'a> {
    /// The source described.
    pub ssrc: u32,
    items: &'a [u8],
}

/// One SDES item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesItem<'a> {
    /// Item type ([`sdes_item`]).
    pub kind: u8,
    /// Item text (UTF-8 per RFC 3550, not checked here).
    pub value: &'a [u8],
}

/// Splits one SDES chunk off `data`: (ssrc, item bytes up to the null item, rest after the
/// 32-bit aligned end). RFC 3550 §6.5: items end with one or more null octets, padding the chunk
/// to a 32-bit boundary.
fn split_sdes_chunk(data: &[u8]) -> Result<(u32, &[u8], &[u8])> {
    need(data, 4)?;
    let mut at = 4;
    loop {
        match data.get(at) {
            None => {
                return Err(Error::MalformedRtcp(
                    "SDES chunk without terminating null item",
                ));
            }
            Some(0) => break,
            Some(_) => {
                let len = usize::from(u8_at(data, at + 1));
                at += 2 + len;
                if at > data.len() {
                    return Err(Error::MalformedRtcp("SDES item overruns the chunk"));
                }
            }
        }
    }
    let items = data.get(4..at).unwrap_or_default();
    // The null item plus padding to the next 32-bit boundary.
    let end = (at + 1).div_ceil(4) * 4;
    let rest = data
        .get(end..)
        .ok_or(Error::MalformedRtcp("SDES chunk padding missing"))?;
    Ok((u32_at(data, 0), items, rest))
}

impl<'a> SourceDescription<'a> {
    fn parse(count: u8, body: &'a [u8]) -> Result<Self> {
        let mut rest = body;
        for _ in 0..count {
            rest = split_sdes_chunk(rest)?.2;
        }
        Ok(Self { body, count })
    }

    /// The chunks, in order.
    pub fn chunks(&self) -> impl Iterator<Item = SdesChunk<'a>> + 'a {
        let mut rest = self.body;
        (0..self.count).map_while(move |_| {
            let (ssrc, items, next) = split_sdes_chunk(rest).ok()?;
            rest = next;
            Some(SdesChunk { ssrc, items })
        })
    }
}

impl<'a> SdesChunk<'a> {
    /// The items of this chunk, in order.
    pub fn items(&self) -> impl Iterator<Item = SdesItem<'a>> + 'a {
        let mut rest = self.items;
        core::iter::from_fn(move || {
            let (&kind, after) = rest.split_first()?;
            let (&len, after) = after.split_first()?;
            let (value, after) = after.split_at_checked(usize::from(len))?;
            rest = after;
            Some(SdesItem { kind, value })
        })
    }

    /// The CNAME item, if present.
    pub fn cname(&self) -> Option<&'a [u8]> {
        self.items()
            .find(|i| i.kind == sdes_item::CNAME)
            .map(|i| i.value)
    }
}

/// A goodbye packet (RFC 3550 §6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bye<'a> {
    ssrcs: &'a [u8],
    reason: Option<&'a [u8]>,
}

impl<'a> Bye<'a> {
    fn parse(count: u8, body: &'a [u8]) -> Result<Self> {
        let (ssrcs, rest) = body
            .split_at_checked(usize::from(count) * 4)
            .ok_or(Error::MalformedRtcp("BYE shorter than its SSRC count"))?;
        let reason = match rest.split_first() {
            Some((&len, text)) if len > 0 => Some(
                text.get(..usize::from(len))
                    .ok_or(Error::MalformedRtcp("BYE reason overruns the packet"))?,
            ),
            _ => None,
        };
        Ok(Self { ssrcs, reason })
    }

    /// The sources leaving.
    pub fn ssrcs(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        self.ssrcs.chunks_exact(4).map(|c| u32_at(c, 0))
    }

    /// The reason for leaving, if given.
    pub fn reason(&self) -> Option<&'a [u8]> {
        self.reason
    }
}

/// An application-defined packet (RFC 3550 §6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct App<'a> {
    body: &'a [u8],
    subtype: u8,
}

impl<'a> App<'a> {
    fn parse(subtype: u8, body: &'a [u8]) -> Result<Self> {
        need(body, 8)?;
        Ok(Self { body, subtype })
    }

    /// The 5-bit subtype.
    pub fn subtype(&self) -> u8 {
        self.subtype
    }

    /// SSRC of the sender.
    pub fn ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }

    /// The four-character name.
    pub fn name(&self) -> [u8; 4] {
        u32_at(self.body, 4).to_be_bytes()
    }

    /// Application-dependent data.
    pub fn data(&self) -> &'a [u8] {
        self.body.get(8..).unwrap_or_default()
    }
}

/// One NACK FCI entry: a lost packet ID and a bitmask of the 16 following (RFC 4585 §6.2.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NackPair {
    /// PID: a lost sequence number.
    pub pid: u16,
    /// BLP: bit i set means `pid + i + 1` is lost too.
    pub blp: u16,
}

impl NackPair {
    /// Every sequence number this entry reports lost, in order.
    pub fn lost(self) -> impl Iterator<Item = u16> {
        core::iter::once(self.pid).chain(
            (0..16u16)
                .filter(move |i| self.blp & (1 << i) != 0)
                .map(move |i| self.pid.wrapping_add(i + 1)),
        )
    }

    /// Packs sorted (in RTP order) lost sequence numbers into as few entries as possible,
    /// calling `emit` for each.
    pub fn pack(lost: impl IntoIterator<Item = u16>, mut emit: impl FnMut(NackPair)) {
        let mut current: Option<NackPair> = None;
        for seq in lost {
            match current.as_mut() {
                Some(pair) => {
                    let diff = seq.wrapping_sub(pair.pid);
                    if diff == 0 {
                        continue;
                    }
                    if (1..=16).contains(&diff) {
                        pair.blp |= 1 << (diff - 1);
                        continue;
                    }
                    emit(*pair);
                    current = Some(NackPair { pid: seq, blp: 0 });
                }
                None => current = Some(NackPair { pid: seq, blp: 0 }),
            }
        }
        if let Some(pair) = current {
            emit(pair);
        }
    }
}

fn feedback_header(body: &[u8]) -> Result<(u32, u32, &[u8])> {
    need(body, 8)?;
    Ok((
        u32_at(body, 0),
        u32_at(body, 4),
        body.get(8..).unwrap_or_default(),
    ))
}

/// Generic NACK (RFC 4585 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nack<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source the NACK is about.
    pub media_ssrc: u32,
    fci: &'a [u8],
}

impl<'a> Nack<'a> {
    fn parse(body: &'a [u8]) -> Result<Self> {
        let (sender_ssrc, media_ssrc, fci) = feedback_header(body)?;
        if fci.is_empty() || !fci.len().is_multiple_of(4) {
            return Err(Error::MalformedRtcp(
                "NACK FCI is not a non-empty list of 4-byte entries",
            ));
        }
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            fci,
        })
    }

    /// The FCI entries.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = NackPair> + 'a {
        self.fci.chunks_exact(4).map(|c| NackPair {
            pid: u16_at(c, 0),
            blp: u16_at(c, 2),
        })
    }

    /// Every lost sequence number, in FCI order.
    pub fn lost(&self) -> impl Iterator<Item = u16> + 'a {
        self.pairs().flat_map(NackPair::lost)
    }
}

/// Picture loss indication (RFC 4585 §6.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pli {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source that lost a picture.
    pub media_ssrc: u32,
}

impl Pli {
    fn parse(body: &[u8]) -> Result<Self> {
        let (sender_ssrc, media_ssrc, _) = feedback_header(body)?;
        Ok(Self {
            sender_ssrc,
            media_ssrc,
        })
    }
}

/// One FIR FCI entry (RFC 5104 §4.3.1.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FirEntry {
    /// The media sender asked for a decoder refresh point.
    pub ssrc: u32,
    /// Command sequence number, incremented per new request.
    pub sequence_number: u8,
}

/// Full intra request (RFC 5104 §4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fir<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    fci: &'a [u8],
}

impl<'a> Fir<'a> {
    fn parse(body: &'a [u8]) -> Result<Self> {
        let (sender_ssrc, _media_ssrc_unused, fci) = feedback_header(body)?;
        if fci.is_empty() || !fci.len().is_multiple_of(8) {
            return Err(Error::MalformedRtcp(
                "FIR FCI is not a non-empty list of 8-byte entries",
            ));
        }
        Ok(Self { sender_ssrc, fci })
    }

    /// The FCI entries.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = FirEntry> + 'a {
        self.fci.chunks_exact(8).map(|c| FirEntry {
            ssrc: u32_at(c, 0),
            sequence_number: u8_at(c, 4),
        })
    }
}

/// Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remb<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// Estimated total bitrate in bits per second (saturating).
    pub bitrate: u64,
    ssrcs: &'a [u8],
}

impl<'a> Remb<'a> {
    fn parse(body: &'a [u8]) -> Result<Self> {
        let (sender_ssrc, _, fci) = feedback_header(body)?;
        need(fci, 8)?;
        let num = usize::from(u8_at(fci, 4));
        let word = u32_at(fci, 4);
        let exp = (word >> 18) & 0x3f;
        let mantissa = u64::from(word & 0x3_ffff);
        let bitrate = if mantissa == 0 {
            0
        } else if exp > mantissa.leading_zeros() {
            u64::MAX
        } else {
            mantissa << exp
        };
        let ssrcs = fci
            .get(8..8 + 4 * num)
            .ok_or(Error::MalformedRtcp("REMB SSRC list overruns the packet"))?;
        Ok(Self {
            sender_ssrc,
            bitrate,
            ssrcs,
        })
    }

    /// The media sources the estimate applies to.
    pub fn ssrcs(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        self.ssrcs.chunks_exact(4).map(|c| u32_at(c, 0))
    }
}
