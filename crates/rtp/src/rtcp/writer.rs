//! Building compound RTCP packets into a caller's buffer (RFC 3550 §6.1).

use super::twcc::{PacketStatus, encode_chunks};
use super::{FirEntry, NackPair, ReportBlock, SdesItem, SenderInfo, fmt, packet_type};
use crate::wire::{put, put_u8, put_u16, put_u32, put_u64, zero};
use crate::{Error, Result};

/// Appends RTCP packets to a caller's buffer, forming one compound packet.
///
/// Every method writes one complete packet (or nothing, on error) and returns `&mut Self` so
/// calls chain; [`RtcpWriter::len`] is the length of the compound so far. RFC 3550 §6.1 wants a
/// compound to start with an SR or RR and include an SDES CNAME; RFC 5506 allows reduced-size
/// packets (e.g. one NACK) when negotiated. The writer leaves that choice to the caller.
///
/// Only the last packet of a compound may carry padding (RFC 3550 §6.4.1). Transport-wide CC
/// feedback is padded with the P bit as libwebrtc does, so it must come last (or alone, as a
/// reduced-size packet); the writer refuses to append after a padded packet.
#[derive(Debug)]
pub struct RtcpWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    /// The last packet written carries padding: nothing may follow it.
    padded: bool,
}

fn count5(n: usize, what: &'static str) -> Result<u8> {
    u8::try_from(n)
        .ok()
        .filter(|&n| n <= 31)
        .ok_or(Error::InvalidInput(what))
}

impl<'b> RtcpWriter<'b> {
    /// Starts an empty compound packet at the beginning of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            padded: false,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Nothing written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of the buffer still free.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.len
    }

    /// The compound packet written so far.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// Writes one packet: the common header, then `body` fills the rest from offset 4 and
    /// returns the body length; padding to 32 bits is added with the P bit when `padded`,
    /// with zero bytes otherwise (only SDES needs those, and they are part of its chunks).
    fn packet(
        &mut self,
        count: u8,
        pt: u8,
        body: impl FnOnce(&mut [u8]) -> Result<usize>,
    ) -> Result<&mut Self> {
        if self.padded {
            return Err(Error::InvalidInput(
                "RTCP padding is only allowed on the last packet of a compound",
            ));
        }
        let start = self.len;
        let out = self.buf.get_mut(start..).ok_or(Error::BufferTooSmall)?;
        let body_len = body(out.get_mut(4..).ok_or(Error::BufferTooSmall)?)?;
        let unpadded = 4 + body_len;
        let total = unpadded.div_ceil(4) * 4;
        let pad = total - unpadded;
        if pad > 0 {
            zero(out, unpadded, pad - 1)?;
            put_u8(out, total - 1, pad as u8)?;
        }
        let words = u16::try_from(total / 4 - 1)
            .map_err(|_| Error::InvalidInput("RTCP packet too long"))?;
        let p = if pad > 0 { 0x20 } else { 0 };
        put_u8(out, 0, 0x80 | p | count)?;
        put_u8(out, 1, pt)?;
        put_u16(out, 2, words)?;
        self.len = start + total;
        self.padded = pad > 0;
        Ok(self)
    }

    /// Any packet, given its 5-bit count/FMT/subtype, packet type and body (a multiple of
    /// 4 bytes): for types this writer has no method for, such as XR (RFC 3611), or to
    /// forward an [`super::RtcpPacket::Unknown`].
    pub fn raw(&mut self, count: u8, packet_type: u8, body: &[u8]) -> Result<&mut Self> {
        let count = count5(usize::from(count), "RTCP count above 31")?;
        if !body.len().is_multiple_of(4) {
            return Err(Error::InvalidInput(
                "RTCP body must be a multiple of 32 bits",
            ));
        }
        self.packet(count, packet_type, |b| {
            put(b, 0, body)?;
            Ok(body.len())
        })
    }

    /// Sender report (RFC 3550 §6.4.1) with up to 31 report blocks.
    pub fn sender_report(
        &mut self,
        ssrc: u32,
        info: &SenderInfo,
        blocks: &[ReportBlock],
    ) -> Result<&mut Self> {
        let count = count5(blocks.len(), "more than 31 report blocks")?;
        self.packet(count, packet_type::SR, |b| {
            put_u32(b, 0, ssrc)?;
            put_u64(b, 4, info.ntp_time)?;
            put_u32(b, 12, info.rtp_time)?;
            put_u32(b, 16, info.packet_count)?;
            put_u32(b, 20, info.octet_count)?;
            write_blocks(b, 24, blocks)
        })
    }

    /// Receiver report (RFC 3550 §6.4.2) with up to 31 report blocks.
    pub fn receiver_report(&mut self, ssrc: u32, blocks: &[ReportBlock]) -> Result<&mut Self> {
        let count = count5(blocks.len(), "more than 31 report blocks")?;
        self.packet(count, packet_type::RR, |b| {
            put_u32(b, 0, ssrc)?;
            write_blocks(b, 4, blocks)
        })
    }

    /// Source description (RFC 3550 §6.5): one chunk per `(ssrc, items)`.
    pub fn sdes(&mut self, chunks: &[(u32, &[SdesItem<'_>])]) -> Result<&mut Self> {
        let count = count5(chunks.len(), "more than 31 SDES chunks")?;
        self.packet(count, packet_type::SDES, |b| {
            let mut at = 0;
            for (ssrc, items) in chunks {
                let chunk_start = at;
                put_u32(b, at, *ssrc)?;
                at += 4;
                for item in *items {
                    if item.kind == 0 {
                        return Err(Error::InvalidInput("SDES item type 0 is the terminator"));
                    }
                    let len = u8::try_from(item.value.len())
                        .map_err(|_| Error::InvalidInput("SDES item longer than 255 bytes"))?;
                    put_u8(b, at, item.kind)?;
                    put_u8(b, at + 1, len)?;
                    put(b, at + 2, item.value)?;
                    at += 2 + item.value.len();
                }
                // Null terminator plus zero padding to the next 32-bit boundary.
                let end = chunk_start + (at - chunk_start + 1).div_ceil(4) * 4;
                zero(b, at, end - at)?;
                at = end;
            }
            Ok(at)
        })
    }

    /// SDES with a single CNAME chunk, the one every compound packet carries.
    pub fn sdes_cname(&mut self, ssrc: u32, cname: &[u8]) -> Result<&mut Self> {
        self.sdes(&[(
            ssrc,
            &[SdesItem {
                kind: super::sdes_item::CNAME,
                value: cname,
            }],
        )])
    }

    /// Goodbye (RFC 3550 §6.6).
    pub fn bye(&mut self, ssrcs: &[u32], reason: Option<&[u8]>) -> Result<&mut Self> {
        let count = count5(ssrcs.len(), "more than 31 BYE sources")?;
        self.packet(count, packet_type::BYE, |b| {
            let mut at = 0;
            for ssrc in ssrcs {
                put_u32(b, at, *ssrc)?;
                at += 4;
            }
            if let Some(reason) = reason {
                let len = u8::try_from(reason.len())
                    .map_err(|_| Error::InvalidInput("BYE reason longer than 255"))?;
                put_u8(b, at, len)?;
                put(b, at + 1, reason)?;
                at += 1 + reason.len();
                // Pad with nulls rather than the P bit (RFC 3550 §6.6).
                let end = at.div_ceil(4) * 4;
                zero(b, at, end - at)?;
                at = end;
            }
            Ok(at)
        })
    }

    /// Application-defined packet (RFC 3550 §6.7); `data` must be a multiple of 4 bytes.
    pub fn app(&mut self, subtype: u8, ssrc: u32, name: [u8; 4], data: &[u8]) -> Result<&mut Self> {
        let subtype = count5(usize::from(subtype), "APP subtype above 31")?;
        if !data.len().is_multiple_of(4) {
            return Err(Error::InvalidInput(
                "APP data must be a multiple of 32 bits",
            ));
        }
        self.packet(subtype, packet_type::APP, |b| {
            put_u32(b, 0, ssrc)?;
            put(b, 4, &name)?;
            put(b, 8, data)?;
            Ok(8 + data.len())
        })
    }

    fn feedback(
        &mut self,
        fmt: u8,
        pt: u8,
        sender_ssrc: u32,
        media_ssrc: u32,
        fci: impl FnOnce(&mut [u8]) -> Result<usize>,
    ) -> Result<&mut Self> {
        self.packet(fmt, pt, |b| {
            put_u32(b, 0, sender_ssrc)?;
            put_u32(b, 4, media_ssrc)?;
            Ok(8 + fci(b.get_mut(8..).ok_or(Error::BufferTooSmall)?)?)
        })
    }

    /// Generic NACK (RFC 4585 §6.2.1) with the given FCI entries.
    pub fn nack(
        &mut self,
        sender_ssrc: u32,
        media_ssrc: u32,
        pairs: &[NackPair],
    ) -> Result<&mut Self> {
        if pairs.is_empty() {
            return Err(Error::InvalidInput("NACK needs at least one entry"));
        }
        self.feedback(
            fmt::NACK,
            packet_type::RTPFB,
            sender_ssrc,
            media_ssrc,
            |b| {
                let mut at = 0;
                for p in pairs {
                    put_u16(b, at, p.pid)?;
                    put_u16(b, at + 2, p.blp)?;
                    at += 4;
                }
                Ok(at)
            },
        )
    }

    /// Generic NACK for the lost sequence numbers `lost` (in RTP order), packed into entries.
    pub fn nack_lost(
        &mut self,
        sender_ssrc: u32,
        media_ssrc: u32,
        lost: impl IntoIterator<Item = u16>,
    ) -> Result<&mut Self> {
        let mut lost = lost.into_iter().peekable();
        if lost.peek().is_none() {
            return Err(Error::InvalidInput("NACK needs at least one entry"));
        }
        self.feedback(
            fmt::NACK,
            packet_type::RTPFB,
            sender_ssrc,
            media_ssrc,
            |b| {
                let mut at = 0;
                let mut result = Ok(());
                NackPair::pack(lost, |p| {
                    if result.is_ok() {
                        result = put_u16(b, at, p.pid).and_then(|()| put_u16(b, at + 2, p.blp));
                        at += 4;
                    }
                });
                result.map(|()| at)
            },
        )
    }

    /// Picture loss indication (RFC 4585 §6.3.1).
    pub fn pli(&mut self, sender_ssrc: u32, media_ssrc: u32) -> Result<&mut Self> {
        self.feedback(fmt::PLI, packet_type::PSFB, sender_ssrc, media_ssrc, |_| {
            Ok(0)
        })
    }

    /// Full intra request (RFC 5104 §4.3.1); the media SSRC field is zero as §4.3.1.2 requires.
    pub fn fir(&mut self, sender_ssrc: u32, entries: &[FirEntry]) -> Result<&mut Self> {
        if entries.is_empty() {
            return Err(Error::InvalidInput("FIR needs at least one entry"));
        }
        self.feedback(fmt::FIR, packet_type::PSFB, sender_ssrc, 0, |b| {
            let mut at = 0;
            for e in entries {
                put_u32(b, at, e.ssrc)?;
                put_u32(b, at + 4, u32::from(e.sequence_number) << 24)?;
                at += 8;
            }
            Ok(at)
        })
    }

    /// REMB (draft-alvestrand-rmcat-remb-03 §2.2): `bitrate` bps for `ssrcs`.
    pub fn remb(&mut self, sender_ssrc: u32, bitrate: u64, ssrcs: &[u32]) -> Result<&mut Self> {
        let num = u8::try_from(ssrcs.len())
            .map_err(|_| Error::InvalidInput("REMB with more than 255 SSRCs"))?;
        // Smallest exponent that fits the mantissa in 18 bits (rounding down).
        let exp = (64 - bitrate.leading_zeros()).saturating_sub(18);
        let mantissa = (bitrate >> exp) as u32;
        self.feedback(fmt::AFB, packet_type::PSFB, sender_ssrc, 0, |b| {
            put(b, 0, b"REMB")?;
            put_u32(b, 4, (u32::from(num) << 24) | (exp << 18) | mantissa)?;
            let mut at = 8;
            for ssrc in ssrcs {
                put_u32(b, at, *ssrc)?;
                at += 4;
            }
            Ok(at)
        })
    }

    /// Transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1)
    /// reporting `statuses` for sequence numbers `base_sequence..`.
    ///
    /// `reference_time` is in 64 ms units (24-bit signed); padding uses the P bit, as Chromium
    /// does.
    #[allow(clippy::too_many_arguments)]
    pub fn transport_cc(
        &mut self,
        sender_ssrc: u32,
        media_ssrc: u32,
        base_sequence: u16,
        reference_time: i32,
        feedback_count: u8,
        statuses: &[PacketStatus],
    ) -> Result<&mut Self> {
        let count = u16::try_from(statuses.len())
            .map_err(|_| Error::InvalidInput("more than 65535 statuses"))?;
        if !(-(1 << 23)..(1 << 23)).contains(&reference_time) {
            return Err(Error::InvalidInput("reference time does not fit 24 bits"));
        }
        self.feedback(
            fmt::TRANSPORT_CC,
            packet_type::RTPFB,
            sender_ssrc,
            media_ssrc,
            |b| {
                put_u16(b, 0, base_sequence)?;
                put_u16(b, 2, count)?;
                put_u32(
                    b,
                    4,
                    ((reference_time as u32) << 8) | u32::from(feedback_count),
                )?;
                let mut at = 8;
                encode_chunks(statuses, |chunk| {
                    put_u16(b, at, chunk)?;
                    at += 2;
                    Ok(())
                })?;
                for s in statuses {
                    if let PacketStatus::Received { delta } = *s {
                        if s.symbol() == 1 {
                            put_u8(b, at, delta as u8)?;
                            at += 1;
                        } else {
                            put_u16(b, at, delta as u16)?;
                            at += 2;
                        }
                    }
                }
                Ok(at)
            },
        )
    }
}

fn write_blocks(b: &mut [u8], mut at: usize, blocks: &[ReportBlock]) -> Result<usize> {
    for r in blocks {
        if !(-(1 << 23)..(1 << 23)).contains(&r.cumulative_lost) {
            return Err(Error::InvalidInput("cumulative lost does not fit 24 bits"));
        }
        put_u32(b, at, r.ssrc)?;
        put_u32(
            b,
            at + 4,
            (u32::from(r.fraction_lost) << 24) | (r.cumulative_lost as u32 & 0x00ff_ffff),
        )?;
        put_u32(b, at + 8, r.extended_highest_sequence)?;
        put_u32(b, at + 12, r.jitter)?;
        put_u32(b, at + 16, r.last_sr)?;
        put_u32(b, at + 20, r.delay_since_last_sr)?;
        at += 24;
    }
    Ok(at)
}
