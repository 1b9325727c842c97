//! The RTP fixed header and its writer (RFC 3550 §5.1, §5.3.1; RFC 8285 §4).
//!
//! [`RtpPacket`] is a zero-copy view: [`RtpPacket::new_checked`] validates the version, the CSRC
//! list, the extension block and the padding once, and every accessor afterwards is a few loads.
//! [`RtpHeader`] writes a header (and optionally payload and padding) into a caller's buffer.

use crate::extension::{Extension, ExtensionForm, Extensions};
use crate::wire::{put, put_u8, put_u16, put_u32, u8_at, u16_at, u32_at, zero};
use crate::{Error, Result};

/// Length of the fixed RTP header (RFC 3550 §5.1).
pub const FIXED_HEADER_LEN: usize = 12;
/// The only RTP version this crate speaks.
pub const VERSION: u8 = 2;

mod field {
    pub const FLAGS: usize = 0; // V(2) P(1) X(1) CC(4)
    pub const MARKER_PT: usize = 1; // M(1) PT(7)
    pub const SEQUENCE: usize = 2;
    pub const TIMESTAMP: usize = 4;
    pub const SSRC: usize = 8;
    pub const CSRC: usize = 12;
}

/// A validated, zero-copy view of one RTP packet.
///
/// Works over `&[u8]` for reading and `&mut [u8]` (or `Vec<u8>`) for rewriting fields in place
/// (sequence number, SSRC, extension values: what an RTX sender or pacer changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<T: AsRef<[u8]>> {
    buffer: T,
    /// End of the CSRC list; the extension header (if any) starts here.
    csrc_end: usize,
    /// Fixed header + CSRCs + extension block.
    header_len: usize,
    /// `buffer.len()` minus the padding.
    payload_end: usize,
}

impl<T: AsRef<[u8]>> RtpPacket<T> {
    /// Validates `buffer` as an RTP packet (RFC 3550 §5.1, RFC 8285 §4.2).
    ///
    /// Checks that the version is 2, the CSRC list and the extension block fit, and that the
    /// padding count (if P is set) is non-zero and no larger than what follows the header.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let data = buffer.as_ref();
        let have = data.len();
        if have < FIXED_HEADER_LEN {
            return Err(Error::Truncated {
                needed: FIXED_HEADER_LEN,
                have,
            });
        }
        let flags = u8_at(data, field::FLAGS);
        let version = flags >> 6;
        if version != VERSION {
            return Err(Error::BadVersion(version));
        }
        let csrc_end = field::CSRC + 4 * usize::from(flags & 0x0f);
        let mut header_len = csrc_end;
        if flags & 0x10 != 0 {
            if have < csrc_end + 4 {
                return Err(Error::Truncated {
                    needed: csrc_end + 4,
                    have,
                });
            }
            header_len = csrc_end + 4 + 4 * usize::from(u16_at(data, csrc_end + 2));
        }
        if have < header_len {
            return Err(Error::Truncated {
                needed: header_len,
                have,
            });
        }
        let mut payload_end = have;
        if flags & 0x20 != 0 {
            let padding = usize::from(u8_at(data, have - 1));
            if padding == 0 || padding > have - header_len {
                return Err(Error::BadPadding);
            }
            payload_end = have - padding;
        }
        Ok(Self {
            buffer,
            csrc_end,
            header_len,
            payload_end,
        })
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole packet as bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Version field (always 2 after `new_checked`).
    #[inline]
    pub fn version(&self) -> u8 {
        u8_at(self.buffer.as_ref(), field::FLAGS) >> 6
    }

    /// P: the packet carries padding.
    #[inline]
    pub fn has_padding(&self) -> bool {
        u8_at(self.buffer.as_ref(), field::FLAGS) & 0x20 != 0
    }

    /// X: a header extension follows the CSRC list.
    #[inline]
    pub fn has_extension(&self) -> bool {
        u8_at(self.buffer.as_ref(), field::FLAGS) & 0x10 != 0
    }

    /// CC: the number of CSRC identifiers.
    #[inline]
    pub fn csrc_count(&self) -> u8 {
        u8_at(self.buffer.as_ref(), field::FLAGS) & 0x0f
    }

    /// M: the marker bit (end of a video frame, start of an audio talkspurt).
    #[inline]
    pub fn marker(&self) -> bool {
        u8_at(self.buffer.as_ref(), field::MARKER_PT) & 0x80 != 0
    }

    /// PT: the payload type.
    #[inline]
    pub fn payload_type(&self) -> u8 {
        u8_at(self.buffer.as_ref(), field::MARKER_PT) & 0x7f
    }

    /// The 16-bit sequence number.
    #[inline]
    pub fn sequence_number(&self) -> u16 {
        u16_at(self.buffer.as_ref(), field::SEQUENCE)
    }

    /// The 32-bit media timestamp.
    #[inline]
    pub fn timestamp(&self) -> u32 {
        u32_at(self.buffer.as_ref(), field::TIMESTAMP)
    }

    /// The synchronization source.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        u32_at(self.buffer.as_ref(), field::SSRC)
    }

    /// The contributing sources, in order.
    #[inline]
    pub fn csrcs(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.buffer
            .as_ref()
            .get(field::CSRC..self.csrc_end)
            .unwrap_or_default()
            .chunks_exact(4)
            .map(|c| u32_at(c, 0))
    }

    /// Length of everything before the payload: fixed header, CSRCs and extension block.
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The "defined by profile" field of the extension header, if X is set.
    ///
    /// `0xBEDE` is the RFC 8285 one-byte form, `0x100x` the two-byte form.
    #[inline]
    pub fn extension_profile(&self) -> Option<u16> {
        self.has_extension()
            .then(|| u16_at(self.buffer.as_ref(), self.csrc_end))
    }

    /// The extension block after its 4-byte header (empty if X is not set).
    #[inline]
    pub fn extension_data(&self) -> &[u8] {
        if !self.has_extension() {
            return &[];
        }
        self.buffer
            .as_ref()
            .get(self.csrc_end + 4..self.header_len)
            .unwrap_or_default()
    }

    /// Iterates the RFC 8285 extension elements without allocating.
    ///
    /// Yields nothing for a non-RFC 8285 profile. Padding is skipped; iteration stops at a
    /// one-byte ID 15 (RFC 8285 §4.2) or at an element that would overrun the block.
    #[inline]
    pub fn extensions(&self) -> Extensions<'_> {
        match self.extension_profile() {
            Some(profile) => {
                Extensions::new(ExtensionForm::from_profile(profile), self.extension_data())
            }
            None => Extensions::new(None, &[]),
        }
    }

    /// Where the value of the extension element with local `id` lies in the packet (a range
    /// of byte offsets from the start of the header), if present: for writing it later
    /// without parsing the header again (a sender stamping send times into queued packets).
    pub fn extension_range(&self, id: u8) -> Option<core::ops::Range<usize>> {
        let start = self.csrc_end + 4;
        let mut it = self.extensions();
        loop {
            let (offset, e) = it.next_with_offset()?;
            if e.id == id {
                return Some(start + offset..start + offset + e.data.len());
            }
        }
    }

    /// The value of the extension element with local `id`, if present.
    #[inline]
    pub fn extension(&self, id: u8) -> Option<&[u8]> {
        self.extensions().find(|e| e.id == id).map(|e| e.data)
    }

    /// The payload: what lies between the header and the padding.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(self.header_len..self.payload_end)
            .unwrap_or_default()
    }

    /// Number of padding bytes at the end (0 if P is not set).
    #[inline]
    pub fn padding_len(&self) -> usize {
        self.buffer.as_ref().len() - self.payload_end
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> RtpPacket<T> {
    /// Sets the marker bit.
    pub fn set_marker(&mut self, marker: bool) {
        if let Some(b) = self.buffer.as_mut().get_mut(field::MARKER_PT) {
            *b = (*b & 0x7f) | (u8::from(marker) << 7);
        }
    }

    /// Sets the payload type (7 bits; the high bit is ignored).
    pub fn set_payload_type(&mut self, pt: u8) {
        if let Some(b) = self.buffer.as_mut().get_mut(field::MARKER_PT) {
            *b = (*b & 0x80) | (pt & 0x7f);
        }
    }

    /// Sets the sequence number.
    pub fn set_sequence_number(&mut self, seq: u16) {
        let _ = put_u16(self.buffer.as_mut(), field::SEQUENCE, seq);
    }

    /// Sets the timestamp.
    pub fn set_timestamp(&mut self, ts: u32) {
        let _ = put_u32(self.buffer.as_mut(), field::TIMESTAMP, ts);
    }

    /// Sets the SSRC.
    pub fn set_ssrc(&mut self, ssrc: u32) {
        let _ = put_u32(self.buffer.as_mut(), field::SSRC, ssrc);
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (start, end) = (self.header_len, self.payload_end);
        self.buffer.as_mut().get_mut(start..end).unwrap_or_default()
    }

    /// The value of extension element `id`, writable in place (e.g. a pacer stamping
    /// abs-send-time or a transport-wide sequence number just before sending).
    pub fn extension_mut(&mut self, id: u8) -> Option<&mut [u8]> {
        let start = self.csrc_end + 4;
        let (offset, len) = {
            let mut it = self.extensions();
            loop {
                let (offset, e) = it.next_with_offset()?;
                if e.id == id {
                    break (offset, e.data.len());
                }
            }
        };
        self.buffer
            .as_mut()
            .get_mut(start + offset..start + offset + len)
    }
}

/// Everything needed to write an RTP header (RFC 3550 §5.1) into a caller's buffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RtpHeader<'a> {
    /// M bit.
    pub marker: bool,
    /// PT (7 bits).
    pub payload_type: u8,
    /// Sequence number.
    pub sequence_number: u16,
    /// Media timestamp.
    pub timestamp: u32,
    /// SSRC.
    pub ssrc: u32,
    /// Contributing sources (at most 15).
    pub csrcs: &'a [u32],
    /// RFC 8285 extension elements. The one-byte form is used when every element fits it
    /// (ID 1..=14, 1..=16 bytes), the two-byte form otherwise.
    pub extensions: &'a [Extension<'a>],
}

impl RtpHeader<'_> {
    fn extension_form(&self) -> Option<ExtensionForm> {
        if self.extensions.is_empty() {
            None
        } else if self.extensions.iter().all(Extension::fits_one_byte) {
            Some(ExtensionForm::OneByte)
        } else {
            Some(ExtensionForm::TwoByte)
        }
    }

    fn extension_body_len(&self, form: ExtensionForm) -> usize {
        let raw: usize = self
            .extensions
            .iter()
            .map(|e| e.data.len() + form.element_header_len())
            .sum();
        raw.div_ceil(4) * 4
    }

    /// The number of bytes [`RtpHeader::write`] will produce.
    pub fn len(&self) -> usize {
        let ext = self
            .extension_form()
            .map_or(0, |form| 4 + self.extension_body_len(form));
        FIXED_HEADER_LEN + 4 * self.csrcs.len() + ext
    }

    /// Always false: a header has at least 12 bytes.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes the header into the start of `buf` and returns its length.
    pub fn write(&self, buf: &mut [u8]) -> Result<usize> {
        let cc = u8::try_from(self.csrcs.len())
            .ok()
            .filter(|&cc| cc <= 15)
            .ok_or(Error::InvalidInput("more than 15 CSRCs"))?;
        let len = self.len();
        if buf.len() < len {
            return Err(Error::BufferTooSmall);
        }
        let form = self.extension_form();
        let x = if form.is_some() { 0x10 } else { 0 };
        put_u8(buf, 0, (VERSION << 6) | x | cc)?;
        put_u8(
            buf,
            1,
            (u8::from(self.marker) << 7) | (self.payload_type & 0x7f),
        )?;
        put_u16(buf, 2, self.sequence_number)?;
        put_u32(buf, 4, self.timestamp)?;
        put_u32(buf, 8, self.ssrc)?;
        let mut at = FIXED_HEADER_LEN;
        for csrc in self.csrcs {
            put_u32(buf, at, *csrc)?;
            at += 4;
        }
        if let Some(form) = form {
            let body = self.extension_body_len(form);
            let words = u16::try_from(body / 4)
                .map_err(|_| Error::InvalidInput("extension block too long"))?;
            put_u16(buf, at, form.profile())?;
            put_u16(buf, at + 2, words)?;
            at += 4;
            let end = at + body;
            for e in self.extensions {
                at += e.write(form, buf.get_mut(at..end).ok_or(Error::BufferTooSmall)?)?;
            }
            zero(buf, at, end - at)?;
        }
        Ok(len)
    }

    /// Writes a whole packet: header, `payload`, and `padding` bytes of RFC 3550 padding
    /// (0 for none). Returns the packet length.
    pub fn write_packet(&self, payload: &[u8], padding: u8, buf: &mut [u8]) -> Result<usize> {
        let header_len = self.write(buf)?;
        put(buf, header_len, payload)?;
        let mut len = header_len + payload.len();
        if padding > 0 {
            let pad = usize::from(padding);
            zero(buf, len, pad - 1)?;
            put_u8(buf, len + pad - 1, padding)?;
            len += pad;
            if let Some(flags) = buf.first_mut() {
                *flags |= 0x20;
            }
        }
        Ok(len)
    }
}
