//! Building outgoing packets: control chunks first, then retransmissions, then new DATA within
//! the congestion and receiver windows (RFC 9260 §6.1, §6.10 bundling, §7.2).

use std::time::Instant;

use super::{Association, Standalone, State};
use crate::packet::{
    COMMON_HEADER_LEN, ChunkType, DATA_HEADER_LEN, IDATA_HEADER_LEN, data_flags, end_chunk,
    finish_packet, write_common_header, write_data_header, write_forward_tsn, write_heartbeat,
    write_idata_header, write_iforward_tsn, write_sack, write_simple_chunk,
};
use crate::seq::wire;
use crate::timer::Timer;
use crate::tx::send_queue::Fragment;

/// SACK chunk: header, cumulative TSN, a_rwnd, counts.
const SACK_LEN: usize = 16;

impl Association {
    /// Writes the next SCTP packet (at most [`Config::mtu`](crate::Config) bytes) into `buf`,
    /// which is cleared first, and returns its length; `None` when there is nothing to send.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        self.tick(now);
        buf.clear();
        if let Some(Standalone { vtag, bytes }) = self.standalone.pop_front() {
            write_common_header(buf, self.cfg.local_port, self.cfg.remote_port, vtag);
            buf.extend_from_slice(&bytes);
            finish_packet(buf);
            self.stats.packets_sent += 1;
            return Some(buf.len());
        }
        if self.closed.is_some() {
            return None;
        }
        self.tcb.as_ref()?;
        write_common_header(
            buf,
            self.cfg.local_port,
            self.cfg.remote_port,
            self.peer_tag,
        );
        let mtu = self.cfg.mtu;
        self.write_handshake_chunks(buf, mtu);
        self.write_sack_if_due(buf, mtu);
        self.abandon_before_retransmission(now);
        self.write_control_chunks(now, buf, mtu);
        if matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownReceived
        ) {
            // A started message that ran out of lifetime ends the DATA of this packet, so that
            // its FORWARD TSN goes before any later DATA: in the next packet, or in this one
            // if it has no DATA yet.
            while self.write_data(now, buf, mtu) == DataOutcome::Expired {
                self.write_control_chunks(now, buf, mtu);
            }
        }
        if buf.len() <= COMMON_HEADER_LEN {
            buf.clear();
            return None;
        }
        finish_packet(buf);
        self.stats.packets_sent += 1;
        Some(buf.len())
    }

    /// COOKIE ECHO (with a pending ERROR report) and COOKIE ACK go first (§5.1, §6.10).
    fn write_handshake_chunks(&mut self, buf: &mut Vec<u8>, mtu: usize) {
        if self.state == State::CookieEchoed && self.handshake.cookie_echo_due {
            self.handshake.cookie_echo_due = false;
            buf.extend_from_slice(&self.handshake.chunk);
            if buf.len() + self.handshake.error.len() <= mtu {
                buf.extend_from_slice(&self.handshake.error);
            }
            self.handshake.error.clear();
        }
        if let Some(tcb) = &mut self.tcb
            && tcb.cookie_ack_due
        {
            tcb.cookie_ack_due = false;
            write_simple_chunk(buf, ChunkType::COOKIE_ACK, 0, &[]);
        }
    }

    fn write_sack_if_due(&mut self, buf: &mut Vec<u8>, mtu: usize) {
        let rwnd = self.a_rwnd();
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        // Piggyback a delayed SACK on outgoing DATA (§6.2).
        let piggyback = self.timers.is_running(Timer::DelayedAck)
            && (tcb.tx.has_lost() || !self.send_queue.is_empty());
        if !(tcb.sack_due || piggyback) {
            return;
        }
        let room = mtu.saturating_sub(buf.len() + SACK_LEN);
        tcb.rx.gap_blocks(&mut self.gaps, room / 4);
        let room = room.saturating_sub(4 * self.gaps.len());
        tcb.rx.take_dups(&mut self.dups);
        self.dups.truncate(room / 4);
        write_sack(buf, tcb.rx.cum_tsn(), rwnd, &self.gaps, &self.dups);
        tcb.sack_due = false;
        tcb.unacked_packets = 0;
        tcb.last_rwnd_advertised = rwnd;
        self.timers.stop(Timer::DelayedAck);
    }

    fn write_control_chunks(&mut self, now: Instant, buf: &mut Vec<u8>, mtu: usize) {
        while let Some(c) = self.control.front() {
            if buf.len() + c.len() > mtu {
                if buf.len() == COMMON_HEADER_LEN {
                    // Can never fit: drop it rather than stall.
                    self.control.pop_front();
                    continue;
                }
                break;
            }
            if let Some(c) = self.control.pop_front() {
                buf.extend_from_slice(&c);
            }
        }
        let now_ms = self.now_ms(now);
        let Some(tcb) = &mut self.tcb else {
            return;
        };
        if tcb.forward_tsn_due {
            tcb.forward_tsn_due = false;
            // Chunk header and new cumulative TSN, then 4 bytes per stream (I-FORWARD-TSN: 8).
            let entry = if tcb.caps.interleaving { 8 } else { 4 };
            let max_streams = mtu.saturating_sub(buf.len() + 8) / entry;
            if let Some(point) = tcb.tx.forward_tsn(&mut self.skipped, max_streams) {
                if tcb.caps.interleaving {
                    write_iforward_tsn(buf, wire(point), &self.skipped);
                } else {
                    self.fwd_ssn.clear();
                    self.fwd_ssn.extend(
                        self.skipped
                            .iter()
                            .filter(|(_, u, _)| !u)
                            .map(|&(s, _, ssn)| (s, ssn as u16)),
                    );
                    write_forward_tsn(buf, wire(point), &self.fwd_ssn);
                }
                if !self.timers.is_running(Timer::T3Rtx) {
                    self.timers.set(Timer::T3Rtx, now + self.rto.rto());
                }
            } else if buf.len() > COMMON_HEADER_LEN {
                // No room left in this packet (a long SACK): the next one carries it.
                tcb.forward_tsn_due = tcb.tx.forward_tsn(&mut self.skipped, usize::MAX).is_some();
            }
        }
        if tcb.reconfig.request_due && buf.len() + tcb.reconfig.request_len() <= mtu {
            tcb.reconfig.request_due = false;
            tcb.reconfig.write_request(buf);
        }
        if tcb.shutdown_due && buf.len() + 8 <= mtu {
            tcb.shutdown_due = false;
            write_simple_chunk(buf, ChunkType::SHUTDOWN, 0, &tcb.rx.cum_tsn().to_be_bytes());
        }
        if tcb.shutdown_ack_due && buf.len() + 4 <= mtu {
            tcb.shutdown_ack_due = false;
            write_simple_chunk(buf, ChunkType::SHUTDOWN_ACK, 0, &[]);
        }
        if tcb.heartbeat_due && buf.len() + 24 <= mtu {
            tcb.heartbeat_due = false;
            let nonce = self.rng.next_u64();
            tcb.heartbeat_nonce = Some(nonce);
            let mut info = [0u8; 16];
            info[..8].copy_from_slice(&nonce.to_be_bytes());
            info[8..].copy_from_slice(&now_ms.to_be_bytes());
            write_heartbeat(buf, ChunkType::HEARTBEAT, &info);
        }
    }

    /// RFC 3758 §4.1 TR4: chunks waiting for retransmission are abandoned if their lifetime
    /// ran out meanwhile (or, after a fast retransmit, their retransmissions are used up).
    fn abandon_before_retransmission(&mut self, now: Instant) {
        if !self.tcb.as_ref().is_some_and(|t| t.tx.has_lost()) {
            return;
        }
        self.abandon(now);
        if !self.abandoned.is_empty()
            && let Some(tcb) = &mut self.tcb
            && tcb.tx.forward_tsn(&mut self.skipped, usize::MAX).is_some()
        {
            tcb.forward_tsn_due = true;
        }
    }

    /// Retransmissions first (§6.1 rule C... §7.2.4), then new DATA while cwnd and the peer's
    /// window allow (§6.1 A/B), fragmenting to the room left in the packet.
    fn write_data(&mut self, now: Instant, buf: &mut Vec<u8>, mtu: usize) -> DataOutcome {
        let Some(tcb) = &mut self.tcb else {
            return DataOutcome::Done;
        };
        let header = if tcb.caps.interleaving {
            IDATA_HEADER_LEN
        } else {
            DATA_HEADER_LEN
        };
        let interleaving = tcb.caps.interleaving;
        let mut sent_any = false;
        let mut outcome = DataOutcome::Done;
        let ignore_cwnd = tcb.fast_retransmit_due;
        tcb.fast_retransmit_due = false;
        while tcb.tx.has_lost() {
            if !ignore_cwnd && tcb.tx.flight() >= tcb.cc.cwnd {
                break;
            }
            let room = mtu.saturating_sub(buf.len() + header) & !3;
            let Some(idx) = tcb.tx.next_retransmit(room) else {
                break;
            };
            if let Some(s) = tcb.tx.get(idx) {
                write_data_chunk(buf, interleaving, s.tsn, &s.frag);
            }
            tcb.tx.retransmitted(idx);
            self.stats.retransmissions += 1;
            sent_any = true;
        }
        if !tcb.tx.has_lost() {
            let max_fragment = mtu.saturating_sub(COMMON_HEADER_LEN + header) & !3;
            loop {
                if tcb.tx.flight() >= tcb.cc.cwnd {
                    break;
                }
                let rwnd = (tcb.peer_a_rwnd as usize).saturating_sub(tcb.tx.unacked_bytes());
                let probe = tcb.tx.unacked_bytes() == 0;
                if rwnd == 0 && !probe {
                    break;
                }
                // The chunk is padded to 4 bytes (RFC 9260 §3.2): keep the padding in the MTU.
                let room = mtu.saturating_sub(buf.len() + header) & !3;
                if room == 0 {
                    break;
                }
                let room = if probe { room } else { room.min(rwnd.max(1)) };
                let Some(frag) = self.send_queue.next_fragment(now, room, max_fragment / 4) else {
                    let Some(end) = self.send_queue.take_expired() else {
                        break;
                    };
                    // TR4: the rest of a started message is given up; its end takes the next
                    // TSN (abandoned, never sent), consecutive with what was sent (§6.9).
                    tcb.tx.abandon_expired(end);
                    self.stats.abandoned_messages += 1;
                    if tcb.caps.forward_tsn {
                        tcb.forward_tsn_due = true;
                    }
                    if !sent_any {
                        outcome = DataOutcome::Expired;
                    }
                    break;
                };
                let tsn = tcb.tx.next_tsn();
                write_data_chunk(buf, interleaving, tsn, &frag);
                tcb.tx.push(now, frag);
                self.stats.data_chunks_sent += 1;
                sent_any = true;
                if rwnd == 0 {
                    break;
                }
            }
        }
        if sent_any && !self.timers.is_running(Timer::T3Rtx) {
            self.timers.set(Timer::T3Rtx, now + self.rto.rto());
        }
        outcome
    }
}

/// How `write_data` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataOutcome {
    /// As much DATA as the windows and the packet allow.
    Done,
    /// Stopped, before any DATA, at a started message that ran out of lifetime: its FORWARD
    /// TSN goes first, then the DATA after it.
    Expired,
}

fn write_data_chunk(buf: &mut Vec<u8>, interleaving: bool, tsn: u64, f: &Fragment) {
    let start = if interleaving {
        let ppid_or_fsn = if f.flags & data_flags::BEGIN != 0 {
            f.ppid
        } else {
            f.fsn
        };
        write_idata_header(buf, f.flags, wire(tsn), f.stream_id, f.ssn_mid, ppid_or_fsn)
    } else {
        write_data_header(
            buf,
            f.flags,
            wire(tsn),
            f.stream_id,
            f.ssn_mid as u16,
            f.ppid,
        )
    };
    buf.extend_from_slice(&f.payload);
    end_chunk(buf, start);
}
