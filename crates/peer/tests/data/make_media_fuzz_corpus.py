#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/fuzz_targets/peer_media_receive.rs from the Chromium RTP/RTCP
captures of crates/rtp/tests/data (real packets of every format). Header extension IDs are
remapped by URI to the IDs the fuzz harness negotiates (mid 4, transport-cc 3, abs-send-time 2,
audio-level 1, rid 10, repaired-rid 11; others to unused IDs), so the packets route by mid.
Run from the repository root: python3 crates/peer/tests/data/make_media_fuzz_corpus.py"""
import glob, os, struct

DATA = 'crates/rtp/tests/data'
CORPUS = 'fuzz/corpus/peer_media_receive'
OURS = {
    'urn:ietf:params:rtp-hdrext:ssrc-audio-level': 1,
    'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time': 2,
    'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01': 3,
    'urn:ietf:params:rtp-hdrext:sdes:mid': 4,
    'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id': 10,
    'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id': 11,
}
SPARE = [5, 6, 7, 8, 9, 12, 13, 14]


def load(path):
    facts, packets = {}, []
    for line in open(path):
        if line.startswith('@ '):
            k, v = line[2:].strip().split(' ', 1)
            facts.setdefault(k, []).append(v)
        elif not line.startswith('#') and line.strip():
            kind, d, t, h = line.split()
            packets.append((kind, d, int(t), bytes.fromhex(h)))
    return facts, packets


def id_map(facts):
    m = {}
    for key in ('extmap-video', 'extmap-audio'):
        spare = list(SPARE)
        for v in facts.get(key, []):
            i, uri = v.split(' ', 1)
            m[int(i)] = OURS.get(uri) or spare.pop(0)
    return m


def remap(b, ids, mids):
    """Rewrites extension IDs (one- and two-byte forms); the mid value becomes "0" (audio)
    or "1" (video)."""
    if not b[0] & 0x10:
        return b
    b = bytearray(b)
    at = 12 + 4 * (b[0] & 15)
    profile = b[at] << 8 | b[at + 1]
    two_byte = profile & 0xfff0 == 0x1000
    if profile != 0xBEDE and not two_byte:
        return bytes(b)
    end = at + 4 + 4 * (b[at + 2] << 8 | b[at + 3])
    i = at + 4
    while i < end and i < len(b):
        if b[i] == 0:
            i += 1
            continue
        if two_byte:
            eid, ln, hl = b[i], b[i + 1], 2
        else:
            eid, ln, hl = b[i] >> 4, (b[i] & 15) + 1, 1
            if eid == 15:
                break
        new = ids.get(eid, 14)
        if two_byte:
            b[i] = new
        else:
            b[i] = new << 4 | (b[i] & 15)
        if new == 4 and ln == 1:
            b[i + hl] = mids
        i += hl + ln
    return bytes(b)


def main():
    os.makedirs(CORPUS, exist_ok=True)
    for path in sorted(glob.glob(f'{DATA}/chromium_*.txt')):
        name = os.path.basename(path)[9:-4]
        facts, packets = load(path)
        ids = id_map(facts)
        audio_pts = {int(v.split()[0]) for v in facts.get('pt', []) if v.split()[1] == 'audio'}
        out, last = bytearray(), 0
        for kind, d, t, raw in packets:
            ms = min((t - last) // 1000, 63)
            last = t
            if kind == 'rtp' and d == 's':
                pt = raw[1] & 0x7f
                mid = ord('0') if pt in audio_pts else ord('1')
                p = remap(raw, ids, mid)
                op = ms << 2
            elif kind == 'rtcp':
                p = raw
                op = (ms << 2) | (1 if d == 's' else 2)
            else:
                continue
            out += struct.pack('>BH', op, len(p)) + p
        # The first byte picks the formats the sender sends: 0 (Opus, VP8).
        open(f'{CORPUS}/{name}', 'wb').write(b'\x00' + bytes(out))
    # Small hand-made seeds: the SSRC-rewriting form and a written frame.
    vp8 = bytes([0x90, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 1, 0x40, ord('1'), 0, 0,
                 0x90, 0x80, 0x10, 0x02, 0x00])
    seed = struct.pack('>BH', 0, len(vp8) + 2) + b'\x00\x01' + vp8
    seed += struct.pack('>BH', 3 | 20 << 2, 5) + b'\x01\x10\x02\x00\x00'
    # The same with every video format the sender can pick (seed 0-4) and G.711 (5, 10).
    for choice in [0, 1, 2, 3, 4, 5, 10]:
        open(f'{CORPUS}/handmade_{choice}', 'wb').write(bytes([choice]) + seed)


main()
