//! Received packets: verification tags (RFC 9260 §8.5), out-of-the-blue packets (§8.4), the
//! handshake and its collisions (§5.1, §5.2), DATA and SACK (§6), heartbeats (§8.3), shutdown
//! (§9.2) and unknown chunks and parameters (§3.2).

use std::time::{Duration, Instant};

use super::{Association, Caps, CloseReason, Event, Standalone, State, Tcb};
use crate::Error;
use crate::cookie::Cookie;
use crate::packet::{
    Chunk, ChunkType, ErrorCauses, ForwardTsn, IForwardTsn, Init, Packet, RawChunk, Sack,
    UnknownChunkAction, UnknownParamAction, begin_chunk, cause_code, end_chunk, param_type,
    write_init, write_param, write_simple_chunk,
};
use crate::rx::reassembly::{Fragment, TooLarge};
use crate::rx::tsn_tracker::Observed;
use crate::timer::Timer;

/// What the rest of the packet should do after a chunk.
enum Flow {
    Continue,
    /// Stop processing the packet (unknown chunk with a stop action, association ended...).
    Stop,
}

impl Association {
    /// Handles one received SCTP packet: one decrypted DTLS application-data record (RFC 8261
    /// §5). Malformed, unauthenticated or misaddressed packets are dropped and counted in
    /// [`Stats::packets_dropped`](super::Stats).
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        self.tick(now);
        if self.closed.is_some() {
            return;
        }
        match self.process_packet(now, datagram) {
            Ok(()) => self.stats.packets_received += 1,
            Err(_) => self.stats.packets_dropped += 1,
        }
        if self.closed.is_some() {
            return;
        }
        self.maybe_progress_shutdown(now);
        self.maybe_start_reset(now);
    }

    fn process_packet(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        let packet = Packet::new_checked(datagram)?;
        if !cfg!(fuzzing) && !packet.verify_checksum() {
            return Err(Error::BadChecksum);
        }
        if packet.destination_port() != self.cfg.local_port
            || packet.source_port() != self.cfg.remote_port
        {
            return Err(Error::InvalidParameter);
        }
        let vtag = packet.verification_tag();
        let mut chunks = packet.chunks();
        let first = chunks.next().ok_or(Error::Truncated)??;
        self.check_verification_tag(&first, vtag, chunks.next().is_some())?;
        let mut had_data = false;
        for raw in packet.chunks() {
            let raw = raw?;
            match self.handle_chunk(now, raw, vtag, &mut had_data)? {
                Flow::Continue => {}
                Flow::Stop => break,
            }
            if self.closed.is_some() {
                return Ok(());
            }
        }
        if had_data {
            self.after_data(now);
        }
        Ok(())
    }

    /// §8.5.1: which verification tag each first chunk must carry. Packets with no association
    /// are out of the blue (§8.4).
    fn check_verification_tag(
        &mut self,
        first: &RawChunk<'_>,
        vtag: u32,
        more: bool,
    ) -> Result<(), Error> {
        let no_tcb = self.tcb.is_none() && self.state == State::Closed;
        match first.chunk_type {
            ChunkType::INIT => {
                // INIT travels alone with tag 0 (§6.10, §8.5.1 A).
                if vtag != 0 || more {
                    return Err(Error::InvalidParameter);
                }
            }
            ChunkType::ABORT | ChunkType::SHUTDOWN_COMPLETE => {
                let t_bit = first.flags & 1 != 0;
                let ok = if t_bit {
                    self.peer_tag != 0 && vtag == self.peer_tag
                } else {
                    vtag == self.local_tag
                };
                if !ok || no_tcb {
                    return Err(Error::InvalidParameter);
                }
            }
            ChunkType::COOKIE_ECHO => {} // checked against the cookie
            ChunkType::SHUTDOWN_ACK if no_tcb => {
                // §8.4 rule 5: SHUTDOWN COMPLETE with the T bit.
                let mut bytes = Vec::new();
                write_simple_chunk(&mut bytes, ChunkType::SHUTDOWN_COMPLETE, 1, &[]);
                self.standalone.push_back(Standalone { vtag, bytes });
                return Err(Error::NotEstablished);
            }
            _ if no_tcb => {
                // §8.4 rule 8: ABORT with the T bit (reflecting the packet's tag).
                let mut bytes = Vec::new();
                write_simple_chunk(&mut bytes, ChunkType::ABORT, 1, &[]);
                self.standalone.push_back(Standalone { vtag, bytes });
                return Err(Error::NotEstablished);
            }
            ChunkType::INIT_ACK if self.state == State::CookieWait => {
                if vtag != self.local_tag {
                    return Err(Error::InvalidParameter);
                }
            }
            _ => {
                if vtag != self.local_tag {
                    return Err(Error::InvalidParameter);
                }
            }
        }
        Ok(())
    }

    fn handle_chunk(
        &mut self,
        now: Instant,
        raw: RawChunk<'_>,
        vtag: u32,
        had_data: &mut bool,
    ) -> Result<Flow, Error> {
        let chunk = match Chunk::parse(raw) {
            Ok(c) => c,
            Err(Error::EmptyData) => {
                // §6.2: a DATA chunk without user data is answered with ABORT (No User Data).
                let tsn = raw.value.get(..4).unwrap_or(&[]);
                self.send_abort(cause_code::NO_USER_DATA, tsn);
                self.close(CloseReason::Aborted(
                    "DATA chunk without user data".to_owned(),
                ));
                return Ok(Flow::Stop);
            }
            Err(e) => return Err(e),
        };
        match chunk {
            Chunk::Data(d) => {
                *had_data = true;
                if self.tcb.as_ref().is_some_and(|t| t.caps.interleaving) {
                    self.protocol_violation("DATA chunk while I-DATA is negotiated");
                    return Ok(Flow::Stop);
                }
                let f = Fragment {
                    tsn: 0,
                    stream_id: d.stream_id,
                    unordered: d.is_unordered(),
                    ssn_mid: u32::from(d.ssn),
                    fsn: 0,
                    ppid: d.ppid,
                    begin: d.is_begin(),
                    end: d.is_end(),
                    payload: d.payload,
                };
                self.handle_data(
                    now,
                    d.tsn,
                    f,
                    d.flags & crate::packet::data_flags::IMMEDIATE != 0,
                );
            }
            Chunk::IData(d) => {
                *had_data = true;
                if !self.tcb.as_ref().is_some_and(|t| t.caps.interleaving) {
                    self.protocol_violation("I-DATA chunk while not negotiated");
                    return Ok(Flow::Stop);
                }
                let f = Fragment {
                    tsn: 0,
                    stream_id: d.stream_id,
                    unordered: d.is_unordered(),
                    ssn_mid: d.mid,
                    fsn: d.fsn(),
                    ppid: d.ppid_or_fsn,
                    begin: d.is_begin(),
                    end: d.is_end(),
                    payload: d.payload,
                };
                self.handle_data(
                    now,
                    d.tsn,
                    f,
                    d.flags & crate::packet::data_flags::IMMEDIATE != 0,
                );
            }
            Chunk::Init(init) => self.handle_init(now, &init),
            Chunk::InitAck(ack) => self.handle_init_ack(now, &ack),
            Chunk::CookieEcho(c) => self.handle_cookie_echo(now, c, vtag)?,
            Chunk::CookieAck => {
                // §5.2.5: only meaningful in COOKIE-ECHOED.
                if self.state == State::CookieEchoed {
                    self.enter_established(now, false);
                }
            }
            Chunk::Sack(s) => self.handle_sack(now, &s),
            Chunk::Heartbeat(info) => {
                if self.tcb.is_some() {
                    let mut bytes = Vec::with_capacity(info.len() + 8);
                    crate::packet::write_heartbeat(&mut bytes, ChunkType::HEARTBEAT_ACK, info);
                    self.control.push_back(bytes);
                }
            }
            Chunk::HeartbeatAck(info) => self.handle_heartbeat_ack(now, info),
            Chunk::Abort { causes, .. } => {
                self.timers.stop_all();
                self.close(CloseReason::AbortedByPeer(causes.describe()));
                return Ok(Flow::Stop);
            }
            Chunk::Shutdown(cum) => self.handle_shutdown(now, cum),
            Chunk::ShutdownAck => {
                if matches!(self.state, State::ShutdownSent | State::ShutdownAckSent) {
                    let mut bytes = Vec::new();
                    write_simple_chunk(&mut bytes, ChunkType::SHUTDOWN_COMPLETE, 0, &[]);
                    self.standalone.push_back(Standalone {
                        vtag: self.peer_tag,
                        bytes,
                    });
                    self.close(CloseReason::Shutdown);
                    return Ok(Flow::Stop);
                }
            }
            Chunk::ShutdownComplete { .. } => {
                if self.state == State::ShutdownAckSent {
                    self.close(CloseReason::Shutdown);
                    return Ok(Flow::Stop);
                }
            }
            Chunk::Error(causes) => self.handle_error(now, &causes),
            Chunk::ForwardTsn(f) => self.handle_forward_tsn(&f),
            Chunk::IForwardTsn(f) => self.handle_iforward_tsn(&f),
            Chunk::ReConfig(r) => self.handle_reconfig(now, &r),
            Chunk::Pad => {}
            Chunk::Unknown(raw) => return Ok(self.handle_unknown_chunk(&raw)),
        }
        Ok(if self.closed.is_some() {
            Flow::Stop
        } else {
            Flow::Continue
        })
    }

    /// §3.2: the two high bits of an unknown chunk type say whether to skip it and whether to
    /// report it.
    fn handle_unknown_chunk(&mut self, raw: &RawChunk<'_>) -> Flow {
        let action = UnknownChunkAction::of(raw.chunk_type);
        if matches!(
            action,
            UnknownChunkAction::StopAndReport | UnknownChunkAction::SkipAndReport
        ) && self.tcb.is_some()
        {
            let mut bytes = Vec::new();
            let start = begin_chunk(&mut bytes, ChunkType::ERROR, 0);
            let cut = raw.bytes.get(..raw.bytes.len().min(256)).unwrap_or(&[]);
            write_param(&mut bytes, cause_code::UNRECOGNIZED_CHUNK_TYPE, cut);
            end_chunk(&mut bytes, start);
            self.control.push_back(bytes);
        }
        match action {
            UnknownChunkAction::Stop | UnknownChunkAction::StopAndReport => Flow::Stop,
            UnknownChunkAction::Skip | UnknownChunkAction::SkipAndReport => Flow::Continue,
        }
    }

    // --- association establishment (§5) --------------------------------------------------

    /// The parameters of an INIT or INIT ACK to report as unrecognized (§3.2.1 bits 01 and 11),
    /// as whole TLVs.
    fn unrecognized_params(init: &Init<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        for p in init.params() {
            let known = matches!(
                p.param_type,
                param_type::IPV4_ADDRESS
                    | param_type::IPV6_ADDRESS
                    | param_type::STATE_COOKIE
                    | param_type::COOKIE_PRESERVATIVE
                    | param_type::HOST_NAME_ADDRESS
                    | param_type::SUPPORTED_ADDRESS_TYPES
                    | param_type::ECN_CAPABLE
                    | param_type::ZERO_CHECKSUM_ACCEPTABLE
                    | param_type::SUPPORTED_EXTENSIONS
                    | param_type::FORWARD_TSN_SUPPORTED
                    | param_type::UNRECOGNIZED_PARAMETER
            ) || (0x8002..=0x8004).contains(&p.param_type); // AUTH (RFC 4895): ignored
            if known {
                continue;
            }
            let action = UnknownParamAction::of(p.param_type);
            if action.report() && out.len() + p.bytes.len() <= 512 {
                out.extend_from_slice(p.bytes);
                out.resize(out.len().div_ceil(4) * 4, 0);
            }
            if action.stop() {
                break;
            }
        }
        out
    }

    fn handle_init(&mut self, now: Instant, init: &Init<'_>) {
        if self.state == State::ShutdownAckSent {
            // §9.2: the peer lost our SHUTDOWN COMPLETE; repeat SHUTDOWN ACK.
            if let Some(tcb) = &mut self.tcb {
                tcb.shutdown_ack_due = true;
            }
            return;
        }
        let unrecognized = Self::unrecognized_params(init);
        // §5.2.1 (COOKIE-WAIT, COOKIE-ECHOED): our original tag and TSN. §5.2.2 (an association
        // exists): a new tag and TSN, with the current tags as tie-tags.
        let (tag, tsn, tie) = match self.state {
            State::Closed | State::CookieWait => (self.local_tag, self.local_initial_tsn, (0, 0)),
            State::CookieEchoed => (
                self.local_tag,
                self.local_initial_tsn,
                (self.local_tag, self.peer_tag),
            ),
            _ => (
                self.rng.nonzero_u32(),
                self.rng.next_u32(),
                (self.local_tag, self.peer_tag),
            ),
        };
        let caps = Caps::negotiate(&self.cfg, init);
        let cookie = Cookie {
            local_tag: tag,
            peer_tag: init.initiate_tag,
            local_initial_tsn: tsn,
            peer_initial_tsn: init.initial_tsn,
            peer_a_rwnd: init.a_rwnd,
            tie_local: tie.0,
            tie_peer: tie.1,
            created_ms: self.now_ms(now),
            outbound_streams: self.cfg.streams.min(init.inbound_streams),
            inbound_streams: self.cfg.streams.min(init.outbound_streams),
            caps: caps.to_bits(),
        }
        .encode(&self.cookie_secret);
        let mut bytes = Vec::with_capacity(128);
        write_init(
            &mut bytes,
            ChunkType::INIT_ACK,
            &self.init_fields(tag, tsn, Some(&cookie), &unrecognized),
        );
        self.standalone.push_back(Standalone {
            vtag: init.initiate_tag,
            bytes,
        });
    }

    fn handle_init_ack(&mut self, now: Instant, ack: &Init<'_>) {
        if self.state != State::CookieWait {
            return; // §5.2.3
        }
        let Some(cookie) = ack.state_cookie() else {
            // §5.1: a missing State Cookie: report and keep waiting for T1-init.
            let mut bytes = Vec::new();
            let start = begin_chunk(&mut bytes, ChunkType::ERROR, 0);
            let mut info = [0u8; 6];
            info[..4].copy_from_slice(&1u32.to_be_bytes());
            info[4..].copy_from_slice(&param_type::STATE_COOKIE.to_be_bytes());
            write_param(&mut bytes, cause_code::MISSING_MANDATORY_PARAMETER, &info);
            end_chunk(&mut bytes, start);
            self.standalone.push_back(Standalone {
                vtag: ack.initiate_tag,
                bytes,
            });
            return;
        };
        self.timers.stop(Timer::T1Init);
        self.peer_tag = ack.initiate_tag;
        let caps = Caps::negotiate(&self.cfg, ack);
        let params = Cookie {
            local_tag: self.local_tag,
            peer_tag: ack.initiate_tag,
            local_initial_tsn: self.local_initial_tsn,
            peer_initial_tsn: ack.initial_tsn,
            peer_a_rwnd: ack.a_rwnd,
            tie_local: 0,
            tie_peer: 0,
            created_ms: 0,
            outbound_streams: self.cfg.streams.min(ack.inbound_streams),
            inbound_streams: self.cfg.streams.min(ack.outbound_streams),
            caps: caps.to_bits(),
        };
        self.tcb = Some(Tcb::new(&self.cfg, &params));
        let mut chunk = Vec::with_capacity(cookie.len() + 4);
        write_simple_chunk(&mut chunk, ChunkType::COOKIE_ECHO, 0, cookie);
        self.handshake.chunk = chunk;
        // §3.2.2: unrecognized INIT ACK parameters are reported in an ERROR with the COOKIE ECHO.
        let unrecognized = Self::unrecognized_params(ack);
        self.handshake.error.clear();
        if !unrecognized.is_empty() {
            let start = begin_chunk(&mut self.handshake.error, ChunkType::ERROR, 0);
            write_param(
                &mut self.handshake.error,
                cause_code::UNRECOGNIZED_PARAMETERS,
                &unrecognized,
            );
            end_chunk(&mut self.handshake.error, start);
        }
        self.handshake.cookie_echo_due = true;
        self.state = State::CookieEchoed;
        self.handshake.retransmits = 0;
        self.handshake.rto = self.cfg.rto_initial;
        self.timers.set(Timer::T1Cookie, now + self.handshake.rto);
    }

    /// §5.1.5 and §5.2.4 (Table 12).
    fn handle_cookie_echo(&mut self, now: Instant, bytes: &[u8], vtag: u32) -> Result<(), Error> {
        let Some(c) = Cookie::decode(bytes, &self.cookie_secret) else {
            return Err(Error::InvalidParameter); // §5.1.5 step 2: silently discard
        };
        if vtag != c.local_tag {
            return Err(Error::InvalidParameter);
        }
        let local_match = c.local_tag == self.local_tag;
        let peer_match = self.peer_tag != 0 && c.peer_tag == self.peer_tag;
        let age = self.now_ms(now).saturating_sub(c.created_ms);
        let lifetime = u64::try_from(self.cfg.cookie_lifetime.as_millis()).unwrap_or(u64::MAX);
        if age > lifetime && !(local_match && peer_match) {
            // §5.1.5 step 3: Stale Cookie error with the staleness in microseconds.
            let mut err = Vec::new();
            let start = begin_chunk(&mut err, ChunkType::ERROR, 0);
            let stale = u32::try_from((age - lifetime).saturating_mul(1000)).unwrap_or(u32::MAX);
            write_param(&mut err, cause_code::STALE_COOKIE, &stale.to_be_bytes());
            end_chunk(&mut err, start);
            self.standalone.push_back(Standalone {
                vtag: c.peer_tag,
                bytes: err,
            });
            return Ok(());
        }
        let tie_match = c.tie_local == self.local_tag && c.tie_peer == self.peer_tag;
        match self.state {
            State::Closed => self.establish_from_cookie(now, &c, false),
            _ if !local_match && !peer_match && tie_match && c.tie_local != 0 => {
                // Action A: the peer restarted.
                if self.state == State::ShutdownAckSent {
                    let mut err = Vec::new();
                    let start = begin_chunk(&mut err, ChunkType::ERROR, 0);
                    write_param(
                        &mut err,
                        cause_code::COOKIE_RECEIVED_WHILE_SHUTTING_DOWN,
                        &[],
                    );
                    end_chunk(&mut err, start);
                    self.control.push_back(err);
                    if let Some(tcb) = &mut self.tcb {
                        tcb.shutdown_ack_due = true;
                    }
                    return Ok(());
                }
                self.send_queue.restart();
                self.drop_undelivered_messages();
                self.timers.stop_all();
                self.rto = crate::rto::RtoEstimator::new(
                    self.cfg.rto_initial,
                    self.cfg.rto_min,
                    self.cfg.rto_max,
                );
                self.establish_from_cookie(now, &c, true);
            }
            _ if local_match && !peer_match => {
                // Action B: setup collision; the peer's tag (and, before ESTABLISHED, its
                // parameters) come from the cookie.
                if self.is_established() {
                    self.peer_tag = c.peer_tag;
                    if let Some(tcb) = &mut self.tcb {
                        tcb.cookie_ack_due = true;
                    }
                } else {
                    self.establish_from_cookie(now, &c, false);
                }
            }
            _ if local_match && peer_match => {
                // Action D (also case E: our COOKIE ACK was lost).
                if let Some(tcb) = &mut self.tcb {
                    tcb.cookie_ack_due = true;
                }
                if self.state == State::CookieEchoed {
                    self.enter_established(now, false);
                }
            }
            _ => {} // Action C or no match: silently discard.
        }
        Ok(())
    }

    /// Messages of a restarted association that the application has not polled yet are still
    /// delivered; only their accounting is reset.
    fn drop_undelivered_messages(&mut self) {
        self.delivered_bytes = 0;
    }

    // --- data (§6) -------------------------------------------------------------------------

    fn handle_data(&mut self, now: Instant, wire_tsn: u32, mut f: Fragment<'_>, immediate: bool) {
        if !matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownSent
        ) {
            return;
        }
        let rwnd = self.a_rwnd() as usize;
        let hard_cap = self.cfg.receive_buffer;
        let used = hard_cap.saturating_sub(rwnd);
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        if rwnd < f.payload.len() {
            // §6.2: with the window full, drop new DATA above the highest TSN received; a peer
            // that overruns twice the buffer loses everything but gap fills.
            if !tcb.rx.is_below_highest(wire_tsn) || used > 2 * hard_cap {
                tcb.sack_due = true;
                return;
            }
        }
        let tsn = match tcb.rx.observe(wire_tsn) {
            Observed::New(tsn) => tsn,
            Observed::Duplicate => {
                self.stats.duplicate_data_chunks += 1;
                tcb.sack_due = true;
                return;
            }
            Observed::TooFar => {
                tcb.sack_due = true;
                return;
            }
        };
        self.stats.data_chunks_received += 1;
        f.tsn = tsn;
        if tcb.rx.has_gaps() || immediate {
            tcb.sack_due = true; // §6.7: report gaps at once; RFC 7053 I bit
        }
        if tcb.reconfig.defer_fragment(&f) {
            return;
        }
        let events = &mut self.events;
        let delivered = &mut self.delivered_bytes;
        let result = tcb.reassembly.insert(&f, &mut |m| {
            *delivered += m.payload.len();
            events.push_back(Event::Message(m));
        });
        if result == Err(TooLarge) {
            // RFC 8841 / RFC 8831 §6.6: larger than a=max-message-size: abort cleanly.
            self.protocol_violation("message exceeds the maximum message size");
            return;
        }
        self.maybe_perform_deferred_reset(now);
    }

    /// §6.2: after a packet with DATA, SACK at once (every second packet, gaps, duplicates)
    /// or arm the delayed SACK timer.
    fn after_data(&mut self, now: Instant) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        tcb.unacked_packets += 1;
        if tcb.unacked_packets >= 2 || tcb.rx.has_dups() {
            tcb.sack_due = true;
        }
        if self.state == State::ShutdownSent {
            // §9.2: answer each DATA packet with SHUTDOWN and restart T2.
            tcb.shutdown_due = true;
            tcb.sack_due = true;
            self.timers.set(Timer::T2Shutdown, now + self.rto.rto());
        }
        if !tcb.sack_due && !self.timers.is_running(Timer::DelayedAck) {
            self.timers
                .set(Timer::DelayedAck, now + self.cfg.delayed_ack);
        }
    }

    fn handle_forward_tsn(&mut self, f: &ForwardTsn<'_>) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        if tcb.caps.interleaving {
            self.protocol_violation("FORWARD TSN while I-DATA is negotiated");
            return;
        }
        tcb.sack_due = true;
        if !tcb.rx.forward_to(f.new_cum_tsn) {
            return;
        }
        let cum = tcb.rx.cum_unwrapped();
        let events = &mut self.events;
        let delivered = &mut self.delivered_bytes;
        tcb.reassembly.forward_tsn(cum, f.streams(), &mut |m| {
            *delivered += m.payload.len();
            events.push_back(Event::Message(m));
        });
        if let Some(now) = self.last_now {
            self.maybe_perform_deferred_reset(now);
        }
    }

    fn handle_iforward_tsn(&mut self, f: &IForwardTsn<'_>) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        if !tcb.caps.interleaving {
            self.protocol_violation("I-FORWARD-TSN while I-DATA is not negotiated");
            return;
        }
        tcb.sack_due = true;
        if !tcb.rx.forward_to(f.new_cum_tsn) {
            return;
        }
        let events = &mut self.events;
        let delivered = &mut self.delivered_bytes;
        tcb.reassembly.iforward_tsn(f.streams(), &mut |m| {
            *delivered += m.payload.len();
            events.push_back(Event::Message(m));
        });
        if let Some(now) = self.last_now {
            self.maybe_perform_deferred_reset(now);
        }
    }

    fn handle_sack(&mut self, now: Instant, sack: &Sack<'_>) {
        if !matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownReceived
                | State::ShutdownSent
        ) {
            return;
        }
        self.process_ack(now, sack.cum_tsn, Some(sack.a_rwnd), sack.gap_blocks());
    }

    /// SACK processing (§6.2.1) shared with the cumulative ack carried by SHUTDOWN (§9.2).
    fn process_ack(
        &mut self,
        now: Instant,
        cum_tsn: u32,
        a_rwnd: Option<u32>,
        gaps: impl Iterator<Item = crate::packet::GapBlock>,
    ) {
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        let in_recovery = tcb.cc.in_fast_recovery();
        let out = match tcb.tx.handle_sack(now, cum_tsn, gaps, in_recovery) {
            Ok(Some(out)) => out,
            Ok(None) => return,
            Err(_) => {
                self.protocol_violation("SACK acknowledges a TSN never sent");
                return;
            }
        };
        if let Some(a_rwnd) = a_rwnd {
            tcb.peer_a_rwnd = a_rwnd;
        }
        if out.newly_acked > 0 || out.cum_advanced {
            // §8.1: DATA was acknowledged (an abandoned chunk the cumulative TSN now covers
            // counts: the peer answered).
            self.error_count = 0;
        }
        if let Some(rtt) = out.rtt {
            self.rto.observe(rtt);
        }
        let cum = tcb.tx.cum_ack();
        tcb.cc
            .on_ack(out.newly_acked, out.flight_before, out.cum_advanced, cum);
        if out.fast_retransmit {
            if tcb.cc.on_fast_retransmit(tcb.tx.highest_sent()) {
                self.stats.fast_retransmits += 1;
            }
            tcb.fast_retransmit_due = true;
        }
        self.abandon(now);
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        if tcb.caps.forward_tsn && tcb.tx.forward_tsn(&mut self.skipped, usize::MAX).is_some() {
            // RFC 3758 §3.5 C3/C5: (re)send FORWARD TSN while the peer lags behind.
            tcb.forward_tsn_due = true;
        }
        // §6.3.2 R2/R3.
        if tcb.tx.is_empty() {
            self.timers.stop(Timer::T3Rtx);
            tcb.cc.on_idle();
        } else if out.cum_advanced {
            self.timers.set(Timer::T3Rtx, now + self.rto.rto());
        }
        if out.cum_advanced
            && tcb.heartbeat_nonce.is_none()
            && let Some(hb) = self.cfg.heartbeat_interval
        {
            self.timers.set(Timer::Heartbeat, now + hb);
        }
        self.maybe_start_reset(now);
    }

    fn handle_heartbeat_ack(&mut self, now: Instant, info: &[u8]) {
        let now_ms = self.now_ms(now);
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        let word = |at: usize| {
            info.get(at..at + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
        };
        let (Some(nonce), Some(sent_ms)) = (word(0), word(8)) else {
            return;
        };
        if tcb.heartbeat_nonce != Some(nonce) {
            return;
        }
        tcb.heartbeat_nonce = None;
        self.error_count = 0;
        self.rto
            .observe(Duration::from_millis(now_ms.saturating_sub(sent_ms)));
        if let Some(hb) = self.cfg.heartbeat_interval {
            self.timers.set(Timer::Heartbeat, now + hb);
        }
    }

    fn handle_shutdown(&mut self, now: Instant, cum: u32) {
        if !matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownSent
                | State::ShutdownReceived
        ) {
            return;
        }
        // §9.2: the Cumulative TSN Ack acknowledges data like a SACK without gap blocks.
        self.process_ack(now, cum, None, core::iter::empty());
        if self.closed.is_some() {
            return;
        }
        match self.state {
            State::Established | State::ShutdownPending | State::ShutdownSent => {
                self.state = State::ShutdownReceived;
                self.timers.stop(Timer::T2Shutdown);
            }
            _ => {}
        }
        self.maybe_progress_shutdown(now);
    }

    fn handle_error(&mut self, now: Instant, causes: &ErrorCauses<'_>) {
        for c in causes.iter() {
            if c.code == cause_code::STALE_COOKIE && self.state == State::CookieEchoed {
                // §5.2.6 option 1: start over with a new INIT.
                self.tcb = None;
                self.peer_tag = 0;
                self.state = State::Closed;
                self.timers.stop(Timer::T1Cookie);
                self.connect(now);
                return;
            }
        }
    }
}
