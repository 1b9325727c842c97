//! A jitter buffer for one media stream: puts packets back in order, reassembles frames with a
//! [`Depacketizer`], and hands out complete frames in order, bounded in packets, bytes and
//! waiting time.
//!
//! A frame is the run of consecutive sequence numbers from a start packet to an end packet
//! that share one RTP timestamp. A packet starts a frame when its payload format says so
//! ([`PayloadInfo::frame_start`]) or when the packet before it ended a frame (RTP marker, or a
//! different timestamp); a packet ends one when the format says so (the marker bit for video,
//! every packet for audio) or the next packet has another timestamp.
//!
//! The first packet received fixes where the stream begins: if its format does not mark it as
//! a frame start, it is taken as one once `max_wait` passed without an earlier packet (a
//! packet from before it that arrives after a frame was released is late).
//!
//! Frames are released in sequence order as soon as they are complete. When a packet is
//! missing, later frames wait for it (a retransmission may still come) until `max_wait` after
//! the first packet that arrived behind the gap; then the buffer gives up on the gap, drops
//! what cannot form a frame, and marks the next frame as a [`Frame::discontinuity`]. With
//! [`JitterConfig::wait_for_keyframe`] it then drops frames until a key frame and says so once
//! with [`JitterEvent::KeyframeRequired`] (send a PLI). There is no playout delay here: the
//! caller schedules playout from the timestamps.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use sansrtc_rtp::jitter::{JitterBuffer, JitterConfig};
//! use sansrtc_rtp::payload::opus::OpusDepacketizer;
//! use sansrtc_rtp::{RtpHeader, RtpPacket};
//!
//! let t0 = Instant::now();
//! let mut jb = JitterBuffer::new(OpusDepacketizer, JitterConfig::audio());
//! let mut buf = [0u8; 64];
//! let mut frame = Vec::new();
//! let mut released = Vec::new();
//! // Packet 3 overtakes packet 2.
//! for (ms, seq) in [(0, 1u16), (20, 3), (30, 2)] {
//!     let h = RtpHeader { payload_type: 111, sequence_number: seq, timestamp: 960 * u32::from(seq), ..Default::default() };
//!     let n = h.write_packet(&[0xf8, seq as u8], 0, &mut buf)?;
//!     jb.handle_packet(t0 + Duration::from_millis(ms), &RtpPacket::new_checked(&buf[..n])?)?;
//!     if seq == 3 {
//!         // 3 waits for 2, at most 60 ms (JitterConfig::audio().max_wait).
//!         assert_eq!(jb.poll_timeout(), Some(t0 + Duration::from_millis(80)));
//!     }
//!     while let Some(f) = jb.poll_frame(&mut frame) {
//!         released.push((f.first_sequence, frame[1]));
//!     }
//! }
//! assert_eq!(released, [(1, 1), (2, 2), (3, 3)]);
//! assert_eq!(jb.poll_timeout(), None);
//! # Ok::<(), sansrtc_rtp::Error>(())
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::packet::RtpPacket;
use crate::payload::{Depacketizer, PayloadInfo};
use crate::unwrap::SequenceUnwrapper;
use crate::{Error, Result};

/// Slot buffers larger than this are freed with the packet rather than kept for reuse, so
/// memory stays bounded by `max_bytes` even if a peer sends outsized packets.
const RETAINED_SLOT_CAPACITY: usize = 2048;

/// Limits of a [`JitterBuffer`].
///
/// Memory: `max_packets` slots, each keeping its buffer (up to 2 KiB) for reuse, plus at most
/// `max_bytes` of payload held at a time; larger packets are freed when they leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Packets held (the sequence-number window). Older packets are given up to make room.
    pub max_packets: usize,
    /// Payload bytes held, over all packets.
    pub max_bytes: usize,
    /// How long later frames wait for a missing packet before it is given up.
    pub max_wait: Duration,
    /// After a discontinuity, drop frames until a key frame (video).
    pub wait_for_keyframe: bool,
}

impl JitterConfig {
    /// Video: 1024 packets, 8 MiB, 200 ms of waiting for retransmissions, key frame after
    /// loss (and at the start).
    pub fn video() -> Self {
        Self {
            max_packets: 1024,
            max_bytes: 8 << 20,
            max_wait: Duration::from_millis(200),
            wait_for_keyframe: true,
        }
    }

    /// Audio: 256 packets, 256 KiB, 60 ms of waiting; every frame decodes on its own.
    pub fn audio() -> Self {
        Self {
            max_packets: 256,
            max_bytes: 256 << 10,
            max_wait: Duration::from_millis(60),
            wait_for_keyframe: false,
        }
    }
}

impl Default for JitterConfig {
    fn default() -> Self {
        Self::video()
    }
}

/// A reassembled frame handed out by [`JitterBuffer::poll_frame`]; its bytes are in the
/// caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// The RTP timestamp.
    pub timestamp: u32,
    /// Sequence number of the first packet.
    pub first_sequence: u16,
    /// Sequence number of the last packet.
    pub last_sequence: u16,
    /// Number of packets.
    pub packets: usize,
    /// A key frame ([`PayloadInfo::keyframe`] on any of its packets).
    pub keyframe: bool,
    /// Packets before this frame were given up or dropped: a decoder that needs reference
    /// frames should start again from a key frame.
    pub discontinuity: bool,
    /// Arrival of the frame's first and last packet.
    pub first_arrival: Instant,
    /// Arrival of the last packet that completed the frame.
    pub last_arrival: Instant,
    /// Bytes written to the caller's buffer.
    pub len: usize,
}

/// Something the jitter buffer wants the application to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JitterEvent {
    /// Frames are being dropped until a key frame: request one (PLI, RFC 4585 §6.3.1).
    KeyframeRequired,
}

/// Counters of a [`JitterBuffer`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Packets accepted into the buffer.
    pub packets: u64,
    /// Frames handed out.
    pub frames: u64,
    /// Packets received twice.
    pub duplicates: u64,
    /// Packets that came after their place was released or given up.
    pub late: u64,
    /// Sequence numbers given up as lost.
    pub lost: u64,
    /// Packets received but discarded (incomplete frames, frames before a key frame, buffer
    /// limits).
    pub dropped: u64,
    /// Payloads or frames the depacketizer rejected.
    pub malformed: u64,
}

#[derive(Debug, Clone)]
struct Slot {
    occupied: bool,
    seq: i64,
    timestamp: u32,
    info: PayloadInfo,
    /// Set whenever `occupied` is.
    arrival: Option<Instant>,
    /// The payload is `data[start..end]`: all of it when copied in, the payload of the whole
    /// RTP packet when the packet's buffer was taken over.
    data: Vec<u8>,
    start: usize,
    end: usize,
}

impl Slot {
    fn payload(&self) -> &[u8] {
        self.data.get(self.start..self.end).unwrap_or_default()
    }
}

/// A packet's payload as it comes in: borrowed (copied into a slot), or a whole RTP packet in
/// the caller's buffer, which the slot takes (handing its old buffer back), with the payload
/// at `start..end`.
enum Incoming<'a> {
    Borrowed(&'a [u8]),
    Owned(&'a mut Vec<u8>, usize, usize),
}

impl Incoming<'_> {
    fn len(&self) -> usize {
        match self {
            Incoming::Borrowed(p) => p.len(),
            Incoming::Owned(_, start, end) => end.saturating_sub(*start),
        }
    }
}

/// How far [`JitterBuffer::try_release`] got through the frame at `head` without finding its
/// end: packets `head..next` all share `timestamp` and none ends the frame. Valid only while
/// the head stays where it was (every change of `head` clears it); slots at or after the head
/// only change by being stored into, and the scan never goes past `contiguous_end`.
#[derive(Debug, Clone, Copy)]
struct Scan {
    head: i64,
    next: i64,
    timestamp: u32,
    keyframe: bool,
    last_arrival: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Ready {
    first: i64,
    last: i64,
    timestamp: u32,
    keyframe: bool,
    discontinuity: bool,
    first_arrival: Instant,
    last_arrival: Instant,
}

/// The slot of unwrapped sequence number `seq` in a ring of `len` slots: a mask when `len` is a
/// power of two (the default configurations), else the Euclidean remainder (a division).
#[inline]
fn slot_index(seq: i64, len: usize) -> usize {
    if len.is_power_of_two() {
        // Two's complement: the low bits are `seq mod len` for negative `seq` too.
        (seq as usize) & (len - 1)
    } else {
        seq.rem_euclid(len.max(1) as i64) as usize
    }
}

/// Reorders and reassembles the packets of one stream (one SSRC) into frames.
#[derive(Debug, Clone)]
pub struct JitterBuffer<D> {
    depacketizer: D,
    config: JitterConfig,
    slots: Vec<Slot>,
    unwrapper: SequenceUnwrapper,
    /// First sequence number not yet released or given up; `None` before the first packet.
    head: Option<i64>,
    /// The packet before `head` ended a frame.
    head_known_start: bool,
    /// `head..=contiguous_end` are all present.
    contiguous_end: i64,
    highest: i64,
    bytes: usize,
    ready: VecDeque<Ready>,
    released_any: bool,
    gave_up_any: bool,
    /// The next released frame follows a gap.
    discontinuity: bool,
    waiting_for_keyframe: bool,
    keyframe_event: bool,
    /// A far-behind sequence number seen once; a second in a row restarts the stream.
    restart_candidate: Option<i64>,
    deadline: Option<Instant>,
    deadline_dirty: bool,
    /// The release scan of the head frame so far (packets arrive one by one; each is looked
    /// at once, not once per later packet of its frame).
    scan: Option<Scan>,
    stats: JitterStats,
}

impl<D: Depacketizer> JitterBuffer<D> {
    /// A jitter buffer reassembling with `depacketizer`; `config.max_packets` slots are
    /// allocated here.
    pub fn new(depacketizer: D, config: JitterConfig) -> Self {
        let max_packets = config.max_packets.max(1);
        Self {
            depacketizer,
            config: JitterConfig {
                max_packets,
                ..config
            },
            slots: (0..max_packets)
                .map(|_| Slot {
                    occupied: false,
                    seq: 0,
                    timestamp: 0,
                    info: PayloadInfo::default(),
                    arrival: None,
                    data: Vec::new(),
                    start: 0,
                    end: 0,
                })
                .collect(),
            unwrapper: SequenceUnwrapper::new(),
            head: None,
            head_known_start: false,
            contiguous_end: 0,
            highest: 0,
            bytes: 0,
            ready: VecDeque::with_capacity(max_packets.min(1024)),
            released_any: false,
            gave_up_any: false,
            discontinuity: false,
            waiting_for_keyframe: config.wait_for_keyframe,
            keyframe_event: false,
            restart_candidate: None,
            deadline: None,
            deadline_dirty: false,
            scan: None,
            stats: JitterStats::default(),
        }
    }

    fn index(&self, seq: i64) -> usize {
        slot_index(seq, self.slots.len())
    }

    fn slot(&self, seq: i64) -> Option<&Slot> {
        self.slots
            .get(self.index(seq))
            .filter(|s| s.occupied && s.seq == seq)
    }

    fn free(&mut self, seq: i64) -> Option<(u32, PayloadInfo)> {
        let i = self.index(seq);
        let slot = self
            .slots
            .get_mut(i)
            .filter(|s| s.occupied && s.seq == seq)?;
        slot.occupied = false;
        self.bytes -= slot.end - slot.start;
        if slot.data.capacity() > RETAINED_SLOT_CAPACITY {
            slot.data = Vec::new();
        }
        Some((slot.timestamp, slot.info))
    }

    fn oldest_held(&self) -> i64 {
        self.ready
            .front()
            .map_or(self.head.unwrap_or(0), |r| r.first)
    }

    /// Accepts one RTP packet of the stream that arrived at `now`. A payload the depacketizer
    /// rejects is counted and returned as an error; everything else (duplicates, late packets)
    /// is absorbed and counted in [`Self::stats`].
    pub fn handle_packet<T: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        packet: &RtpPacket<T>,
    ) -> Result<()> {
        let payload = packet.payload();
        let info = self
            .depacketizer
            .parse(payload, packet.marker())
            .inspect_err(|_| self.stats.malformed += 1)?;
        self.accept(
            now,
            packet.sequence_number(),
            packet.timestamp(),
            info,
            Incoming::Borrowed(payload),
        )
    }

    /// [`Self::handle_packet`] for the RTP packet that fills `buffer`, without copying its
    /// payload: when the packet is kept, its buffer moves into the jitter buffer and `buffer`
    /// is given one the jitter buffer no longer needs (contents unspecified, capacity reused);
    /// when it is not (a duplicate, late, malformed), `buffer` is left as it was.
    pub fn handle_packet_buffer(&mut self, now: Instant, buffer: &mut Vec<u8>) -> Result<()> {
        let (seq, timestamp, info, start, end) = {
            let packet = RtpPacket::new_checked(&buffer[..])?;
            let payload = packet.payload();
            let info = self
                .depacketizer
                .parse(payload, packet.marker())
                .inspect_err(|_| self.stats.malformed += 1)?;
            let start = packet.header_len();
            (
                packet.sequence_number(),
                packet.timestamp(),
                info,
                start,
                start + payload.len(),
            )
        };
        self.accept(
            now,
            seq,
            timestamp,
            info,
            Incoming::Owned(buffer, start, end),
        )
    }

    fn accept(
        &mut self,
        now: Instant,
        seq: u16,
        timestamp: u32,
        info: PayloadInfo,
        payload: Incoming<'_>,
    ) -> Result<()> {
        let s = self.unwrapper.unwrap(seq);
        let cap = self.slots.len() as i64;
        let Some(head) = self.head else {
            self.reset_at(s);
            return self.store(now, s, timestamp, info, payload);
        };
        if s < head {
            let behind_everything = self.highest - s >= cap;
            if !self.released_any && self.ready.is_empty() && !behind_everything {
                // Reordering at the very start: the stream begins earlier than we thought.
                self.head = Some(s);
                self.scan = None;
                self.head_known_start = false;
                self.reset_contiguity();
            } else if behind_everything && self.restart_candidate == Some(s - 1) {
                // Two in a row far behind: the sender restarted its sequence numbers.
                self.flush();
                self.reset_at(s);
                return self.store(now, s, timestamp, info, payload);
            } else {
                if behind_everything {
                    self.restart_candidate = Some(s);
                }
                self.stats.late += 1;
                return Ok(());
            }
        }
        self.restart_candidate = None;
        if s - self.highest >= cap {
            // A jump past everything held: nothing held can complete any more.
            self.flush();
            self.reset_at(s);
            return self.store(now, s, timestamp, info, payload);
        }
        while s - self.oldest_held() >= cap {
            self.make_room(now);
        }
        if self.slot(s).is_some() {
            self.stats.duplicates += 1;
            return Ok(());
        }
        self.store(now, s, timestamp, info, payload)
    }

    fn reset_at(&mut self, s: i64) {
        self.head = Some(s);
        self.scan = None;
        self.head_known_start = false;
        self.highest = s;
        self.contiguous_end = s - 1;
        self.discontinuity = self.released_any;
        self.deadline = None;
        self.deadline_dirty = true;
    }

    fn reset_contiguity(&mut self) {
        let head = self.head.unwrap_or(0);
        self.contiguous_end = head - 1;
        while self.slot(self.contiguous_end + 1).is_some() {
            self.contiguous_end += 1;
        }
        self.deadline_dirty = true;
    }

    fn store(
        &mut self,
        now: Instant,
        s: i64,
        timestamp: u32,
        info: PayloadInfo,
        payload: Incoming<'_>,
    ) -> Result<()> {
        let i = self.index(s);
        let slot = self.slots.get_mut(i).ok_or(Error::BufferTooSmall)?;
        if slot.occupied {
            // Cannot happen after make_room; keep the accounting right regardless.
            self.bytes -= slot.end - slot.start;
            self.stats.dropped += 1;
        }
        let len = payload.len();
        slot.occupied = true;
        slot.seq = s;
        slot.timestamp = timestamp;
        slot.info = info;
        slot.arrival = Some(now);
        match payload {
            Incoming::Borrowed(payload) => {
                slot.data.clear();
                slot.data.extend_from_slice(payload);
                (slot.start, slot.end) = (0, payload.len());
            }
            Incoming::Owned(buffer, start, end) => {
                core::mem::swap(&mut slot.data, buffer);
                (slot.start, slot.end) = (start, end);
            }
        }
        self.bytes += len;
        self.stats.packets += 1;
        self.highest = self.highest.max(s);
        if s == self.contiguous_end + 1 {
            while self.slot(self.contiguous_end + 1).is_some() {
                self.contiguous_end += 1;
            }
            self.deadline_dirty = true;
        } else if self.head.is_some_and(|h| s > h) && self.deadline.is_none() {
            self.deadline = Some(now + self.config.max_wait);
        }
        while self.bytes > self.config.max_bytes {
            self.make_room(now);
        }
        self.process(now);
        Ok(())
    }

    /// Frees the oldest held data: an unpolled frame, or else the head is given up.
    fn make_room(&mut self, now: Instant) {
        if let Some(r) = self.ready.pop_front() {
            for seq in r.first..=r.last {
                self.free(seq);
                self.stats.dropped += 1;
            }
            // The frame after the dropped one is the discontinuity, released or not.
            match self.ready.front_mut() {
                Some(next) => next.discontinuity = true,
                None => self.discontinuity = true,
            }
            return;
        }
        self.give_up();
        self.process(now);
    }

    /// Drops everything held.
    fn flush(&mut self) {
        while let Some(r) = self.ready.pop_front() {
            for seq in r.first..=r.last {
                self.free(seq);
                self.stats.dropped += 1;
            }
        }
        if let Some(head) = self.head {
            for seq in head..=self.highest {
                if self.free(seq).is_some() {
                    self.stats.dropped += 1;
                }
            }
        }
        self.mark_discontinuity();
    }

    fn mark_discontinuity(&mut self) {
        self.discontinuity = true;
        if self.config.wait_for_keyframe {
            self.waiting_for_keyframe = true;
        }
    }

    /// Nothing was released or given up yet, and the first packet is held but does not say
    /// that it starts a frame.
    fn at_stream_start(&self) -> bool {
        !self.released_any
            && !self.gave_up_any
            && !self.head_known_start
            && self.head.is_some_and(|h| self.slot(h).is_some())
    }

    fn startable(&self, seq: i64) -> bool {
        self.slot(seq)
            .is_some_and(|s| s.info.frame_start || self.head_known_start)
    }

    /// Releases every complete frame at the head, and handles an expired wait.
    fn process(&mut self, now: Instant) {
        loop {
            while self.try_release() {}
            if self.deadline_dirty {
                self.recompute_deadline();
            }
            match self.deadline {
                Some(d) if d <= now => {
                    if self.at_stream_start() {
                        // Nothing earlier came within max_wait: the stream starts here, even
                        // though the payload format does not say so (H.264 slices, AV1).
                        self.head_known_start = true;
                        self.deadline_dirty = true;
                    } else {
                        self.give_up();
                    }
                }
                _ => break,
            }
        }
    }

    /// Releases the frame at the head if it is complete.
    fn try_release(&mut self) -> bool {
        let Some(head) = self.head else {
            return false;
        };
        if !self.startable(head) {
            return false;
        }
        let Some(first) = self.slot(head) else {
            return false;
        };
        let timestamp = first.timestamp;
        let Some(first_arrival) = first.arrival else {
            return false;
        };
        // Resume where the last look at this head stopped (everything before it is known to
        // belong to the frame and not end it).
        let (start, mut keyframe, mut last_arrival) = match self.scan {
            Some(scan) if scan.head == head && scan.timestamp == timestamp => {
                (scan.next, scan.keyframe, scan.last_arrival)
            }
            _ => (head, false, first_arrival),
        };
        let mut end = None;
        let mut next = start;
        for seq in start..=self.contiguous_end {
            let Some(s) = self.slot(seq) else {
                break;
            };
            if s.timestamp != timestamp {
                // A new timestamp ends the previous frame even without a marker.
                end = Some(seq - 1);
                break;
            }
            keyframe |= s.info.keyframe;
            last_arrival = s.arrival.map_or(last_arrival, |a| last_arrival.max(a));
            if s.info.frame_end {
                end = Some(seq);
                break;
            }
            next = seq + 1;
        }
        let Some(end) = end.filter(|&e| e >= head) else {
            self.scan = Some(Scan {
                head,
                next,
                timestamp,
                keyframe,
                last_arrival,
            });
            return false;
        };
        self.head = Some(end + 1);
        self.scan = None;
        self.head_known_start = true;
        self.released_any = true;
        self.deadline_dirty = true;
        let discontinuity = core::mem::take(&mut self.discontinuity);
        if self.waiting_for_keyframe && !keyframe {
            for seq in head..=end {
                self.free(seq);
                self.stats.dropped += 1;
            }
            self.discontinuity = true;
            self.keyframe_event = true;
            return true;
        }
        self.waiting_for_keyframe = false;
        self.ready.push_back(Ready {
            first: head,
            last: end,
            timestamp,
            keyframe,
            discontinuity,
            first_arrival,
            last_arrival,
        });
        true
    }

    /// Gives up on the head: discards it (lost or incomplete) and what follows it until a
    /// packet that starts a frame.
    fn give_up(&mut self) {
        let Some(mut head) = self.head else {
            return;
        };
        let discard = |this: &mut Self, seq: i64| -> Option<(u32, bool)> {
            match this.free(seq) {
                Some((ts, info)) => {
                    this.stats.dropped += 1;
                    Some((ts, info.frame_end))
                }
                None => {
                    this.stats.lost += 1;
                    None
                }
            }
        };
        self.gave_up_any = true;
        let mut prev = discard(self, head);
        head += 1;
        while head <= self.highest {
            match self.slot(head) {
                None => {
                    self.stats.lost += 1;
                    prev = None;
                }
                Some(s) => {
                    let starts = s.info.frame_start
                        || prev.is_some_and(|(ts, end)| end || ts != s.timestamp);
                    if starts {
                        break;
                    }
                    prev = discard(self, head);
                }
            }
            head += 1;
        }
        self.head_known_start = match self.slot(head) {
            Some(s) => prev.is_some_and(|(ts, end)| end || ts != s.timestamp),
            None => prev.is_some_and(|(_, end)| end),
        };
        self.head = Some(head);
        self.scan = None;
        self.mark_discontinuity();
        self.reset_contiguity();
    }

    /// The earliest moment a packet that is blocked behind a gap (or an unstartable head)
    /// arrived, plus `max_wait`.
    fn recompute_deadline(&mut self) {
        self.deadline_dirty = false;
        let Some(head) = self.head else {
            self.deadline = None;
            return;
        };
        let mut earliest: Option<Instant> = None;
        if let Some(s) = self.slot(head)
            && !self.startable(head)
        {
            earliest = s.arrival;
        }
        for seq in self.contiguous_end + 2..=self.highest {
            if let Some(a) = self.slot(seq).and_then(|s| s.arrival) {
                earliest = Some(earliest.map_or(a, |e| e.min(a)));
            }
        }
        self.deadline = earliest.map(|t| t + self.config.max_wait);
    }

    /// Time has reached [`Self::poll_timeout`]: gives up on what waited too long.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.process(now);
    }

    /// When a missing packet will be given up, if anything is waiting.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Writes the next complete frame's bitstream into `out` (cleared first) and describes
    /// it; `None` when no frame is ready. A frame the depacketizer rejects is skipped and
    /// counted, and the next one is marked as a discontinuity.
    pub fn poll_frame(&mut self, out: &mut Vec<u8>) -> Option<Frame> {
        while let Some(r) = self.ready.pop_front() {
            out.clear();
            let result = {
                let slots = &self.slots;
                let len = slots.len();
                let payloads = (r.first..=r.last).map(|seq| {
                    slots
                        .get(slot_index(seq, len))
                        .map_or(&[][..], Slot::payload)
                });
                self.depacketizer.depacketize(payloads, out)
            };
            for seq in r.first..=r.last {
                self.free(seq);
            }
            if result.is_err() {
                self.stats.malformed += 1;
                self.stats.dropped += (r.last - r.first + 1) as u64;
                out.clear();
                self.discontinuity = true;
                if let Some(next) = self.ready.front_mut() {
                    next.discontinuity = true;
                }
                if self.config.wait_for_keyframe {
                    self.keyframe_event = true;
                }
                continue;
            }
            self.stats.frames += 1;
            return Some(Frame {
                timestamp: r.timestamp,
                first_sequence: r.first as u16,
                last_sequence: r.last as u16,
                packets: (r.last - r.first + 1) as usize,
                keyframe: r.keyframe,
                discontinuity: r.discontinuity,
                first_arrival: r.first_arrival,
                last_arrival: r.last_arrival,
                len: out.len(),
            });
        }
        None
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<JitterEvent> {
        core::mem::take(&mut self.keyframe_event).then_some(JitterEvent::KeyframeRequired)
    }

    /// Counters since creation.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Packets currently held (waiting or in unpolled frames).
    pub fn held_packets(&self) -> usize {
        self.slots.iter().filter(|s| s.occupied).count()
    }

    /// Payload bytes currently held.
    pub fn held_bytes(&self) -> usize {
        self.bytes
    }
}
