//! H.264 byte streams (ITU-T H.264 Annex B): NAL units after `00 00 01` / `00 00 00 01` start
//! codes, as ffmpeg's `-f h264` writes and reads them. IVF cannot carry H.264 for ffmpeg, so the
//! demos use raw `.h264` files.
//!
//! [`AccessUnits`] groups NAL units into access units (one picture, the unit a peer sends as a
//! frame) by the rules of H.264 §7.4.1.2.3: an access unit delimiter (type 9), SPS (7), PPS (8),
//! SEI (6) or types 14..=18 after a slice starts a new one, and so does a slice (types 1 and 5)
//! whose `first_mb_in_slice` is 0 (its first header bit, ue(v) = 0, is a 1) after a slice.

use std::io::Read;

use super::{Error, MAX_FRAME};

const FORMAT: &str = "H.264 Annex B";
/// The largest `.h264` file a reader loads.
pub const MAX_FILE: usize = 256 << 20;

/// The NAL units of Annex B data, without their start codes.
#[derive(Debug, Clone)]
pub struct NalUnits<'a> {
    rest: &'a [u8],
}

impl<'a> NalUnits<'a> {
    /// The NAL units in `data`; bytes before the first start code are skipped.
    pub fn new(data: &'a [u8]) -> Self {
        let rest = match find_start_code(data) {
            Some((at, len)) => data.get(at + len..).unwrap_or_default(),
            None => &[],
        };
        NalUnits { rest }
    }
}

/// The position and length (3 or 4) of the first start code in `data`.
fn find_start_code(data: &[u8]) -> Option<(usize, usize)> {
    let at = data.windows(3).position(|w| w == [0, 0, 1])?;
    if at > 0 && data.get(at - 1) == Some(&0) {
        Some((at - 1, 4))
    } else {
        Some((at, 3))
    }
}

impl<'a> Iterator for NalUnits<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let (nal, rest) = match find_start_code(self.rest) {
            Some((at, len)) => (
                self.rest.get(..at).unwrap_or_default(),
                self.rest.get(at + len..).unwrap_or_default(),
            ),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        // Trailing zero bytes belong to no NAL unit (H.264 B.1.1 trailing_zero_8bits).
        let end = nal.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        Some(nal.get(..end).unwrap_or_default())
    }
}

/// Splits an Annex B stream into access units, each returned in Annex B form (4-byte start
/// codes), the form a peer's `write_frame` takes for H.264.
#[derive(Debug)]
pub struct AccessUnits {
    data: Vec<u8>,
    /// Offset of the next NAL unit's start code search.
    position: usize,
    pending: Vec<u8>,
    pending_has_slice: bool,
}

impl AccessUnits {
    /// Reads a whole `.h264` file (at most [`MAX_FILE`] bytes).
    pub fn read(mut r: impl Read) -> Result<Self, Error> {
        let mut data = Vec::new();
        r.by_ref()
            .take(MAX_FILE as u64 + 1)
            .read_to_end(&mut data)?;
        if data.len() > MAX_FILE {
            return Err(Error::TooLarge {
                format: FORMAT,
                what: "file",
                len: data.len(),
                max: MAX_FILE,
            });
        }
        if find_start_code(&data).is_none() {
            return Err(Error::malformed(FORMAT, "no start code"));
        }
        Ok(Self::from_bytes(data))
    }

    /// The access units of `data`.
    pub fn from_bytes(data: Vec<u8>) -> Self {
        AccessUnits {
            data,
            position: 0,
            pending: Vec::new(),
            pending_has_slice: false,
        }
    }

    /// Starts again from the first access unit.
    pub fn rewind(&mut self) {
        self.position = 0;
        self.pending.clear();
        self.pending_has_slice = false;
    }

    /// The next access unit into `au` (cleared first); `false` at the end.
    pub fn next_access_unit(&mut self, au: &mut Vec<u8>) -> Result<bool, Error> {
        au.clear();
        loop {
            let rest = self.data.get(self.position..).unwrap_or_default();
            let Some((at, len)) = find_start_code(rest) else {
                self.position = self.data.len();
                if self.pending.is_empty() {
                    return Ok(false);
                }
                std::mem::swap(au, &mut self.pending);
                self.pending.clear();
                self.pending_has_slice = false;
                return Ok(true);
            };
            let body = rest.get(at + len..).unwrap_or_default();
            let end = find_start_code(body).map_or(body.len(), |(next, _)| next);
            self.position += at + len + end;
            let nal = body.get(..end).unwrap_or_default();
            let nal = nal
                .get(..nal.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1))
                .unwrap_or_default();
            if nal.is_empty() {
                continue;
            }
            let kind = nal.first().map_or(0, |h| h & 0x1f);
            let slice = matches!(kind, 1 | 5);
            let first_mb_zero = nal.get(1).is_some_and(|b| b & 0x80 != 0);
            let starts_new = self.pending_has_slice
                && (matches!(kind, 6..=9 | 14..=18) || (slice && first_mb_zero));
            let done = if starts_new {
                std::mem::swap(au, &mut self.pending);
                self.pending.clear();
                self.pending_has_slice = false;
                true
            } else {
                false
            };
            if self.pending.len() + nal.len() + 4 > MAX_FRAME {
                return Err(Error::TooLarge {
                    format: FORMAT,
                    what: "access unit",
                    len: self.pending.len() + nal.len() + 4,
                    max: MAX_FRAME,
                });
            }
            self.pending.extend_from_slice(&[0, 0, 0, 1]);
            self.pending.extend_from_slice(nal);
            self.pending_has_slice |= slice;
            if done {
                return Ok(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nal_units_with_3_and_4_byte_start_codes() {
        let data = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 1, 0x65, 4,
        ];
        let units: Vec<&[u8]> = NalUnits::new(&data).collect();
        assert_eq!(units, vec![&[0x67, 1, 2][..], &[0x68, 3], &[0x65, 4]]);
        assert_eq!(NalUnits::new(&[1, 2, 3]).count(), 0);
    }

    /// H.264 §7.4.1.2.3: parameter sets after a slice and a slice with first_mb_in_slice 0
    /// start access units; a second slice of the same picture (first_mb_in_slice > 0) does not.
    #[test]
    fn access_units_split_at_the_first_slice_of_each_picture() {
        let sc = [0u8, 0, 0, 1];
        let mut data = Vec::new();
        for nal in [
            &[0x67u8, 0x42][..], // SPS
            &[0x68, 0xce],       // PPS
            &[0x65, 0x88, 1],    // IDR slice, first_mb 0
            &[0x65, 0x40, 2],    // IDR slice, first_mb > 0 (same picture)
            &[0x41, 0x9a, 3],    // P slice, first_mb 0: new picture
            &[0x06, 0x05],       // SEI: new access unit
            &[0x41, 0x9a, 4],
        ] {
            data.extend_from_slice(&sc);
            data.extend_from_slice(nal);
        }
        let mut aus = AccessUnits::from_bytes(data);
        let mut au = Vec::new();
        let mut got = Vec::new();
        while aus.next_access_unit(&mut au).unwrap() {
            got.push(NalUnits::new(&au).map(|n| n[0]).collect::<Vec<u8>>());
        }
        assert_eq!(
            got,
            vec![vec![0x67, 0x68, 0x65, 0x65], vec![0x41], vec![0x06, 0x41]]
        );
        aus.rewind();
        assert!(aus.next_access_unit(&mut au).unwrap());
        assert_eq!(au[4], 0x67);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_split_without_panic(bytes in proptest::collection::vec(0u8..4, 0..300)) {
            let mut aus = AccessUnits::from_bytes(bytes);
            let mut au = Vec::new();
            let mut n = 0;
            while aus.next_access_unit(&mut au).unwrap() { n += 1; proptest::prop_assert!(n < 1000); }
        }
    }
}
