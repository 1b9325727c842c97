#!/usr/bin/env python3
"""Writes seed corpora for the rtp_* fuzz targets from the Chromium captures in tests/data.
Run from the repository root: python3 crates/rtp/tests/data/capture/make_fuzz_corpus.py"""
import glob, os, struct

DATA = 'crates/rtp/tests/data'
CORPUS = 'fuzz/corpus'

def load(name):
    facts, packets = {}, []
    for line in open(f'{DATA}/chromium_{name}.txt'):
        if line.startswith('@ '):
            k, v = line[2:].strip().split(' ', 1)
            facts.setdefault(k, []).append(v)
        elif not line.startswith('#') and line.strip():
            kind, d, t, h = line.split()
            packets.append((kind, d, int(t), bytes.fromhex(h)))
    return facts, packets

def payload(b):
    hl = 12 + 4 * (b[0] & 15)
    if b[0] & 0x10:
        hl += 4 + 4 * (b[hl + 2] << 8 | b[hl + 3])
    pad = b[-1] if b[0] & 0x20 else 0
    return b[hl:len(b) - pad]

def pt_of(facts, kind, name):
    for v in facts['pt']:
        pt, k, n = v.split()
        if k == kind and n.lower() == name.lower():
            return int(pt)

def write(target, name, data):
    os.makedirs(f'{CORPUS}/{target}', exist_ok=True)
    open(f'{CORPUS}/{target}/{name}', 'wb').write(data)

def record(p, marker):
    return struct.pack('>H', len(p) | (0x8000 if marker else 0)) + p

sessions = [os.path.basename(f)[9:-4] for f in sorted(glob.glob(f'{DATA}/chromium_*.txt'))]
codecs = {'VP8': 'vp8', 'VP9': 'vp9', 'H264': 'h264', 'AV1': 'av1', 'opus': 'opus', 'PCMU': 'g711', 'PCMA': 'g711'}
for s in sessions:
    facts, packets = load(s)
    rtp = [p for p in packets if p[0] == 'rtp']
    rtcp = [p for p in packets if p[0] == 'rtcp']
    for i, p in enumerate(rtp[:6]):
        write('rtp_packet', f'{s}_{i}', p[3])
    shapes = set()
    for i, p in enumerate(rtcp):
        key = (p[1], p[3][1], len(p[3]) // 64)
        if key not in shapes:
            shapes.add(key)
            write('rtp_rtcp', f'{s}_{i}', p[3])
    for v in facts['pt']:
        pt, kind, name = v.split()
        if name not in codecs:
            continue
        pt = int(pt)
        media = [p for p in rtp if p[3][1] & 0x7f == pt]
        # Frames: runs of one timestamp.
        frames, cur = [], None
        for p in media:
            ts = p[3][4:8]
            if cur is None or cur[0] != ts:
                cur = [ts, []]
                frames.append(cur)
            cur[1].append(p[3])
        for i, (_, f) in enumerate(frames[:4]):
            data = b''.join(record(payload(b), b[1] & 0x80 != 0) for b in f)
            write(f'rtp_depacketize_{codecs[name]}', f'{s}_{i}', data)
        # The jitter buffer: the first 24 packets of the stream, 3 ms apart.
        seq = b''.join(b'\x10' + struct.pack('>H', len(b)) + b + b'\xc3' for b in (p[3] for p in media[:24]))
        write('rtp_jitter_buffer', f'{s}_{codecs[name]}', seq)
    # Receive helpers: video RTP then the receiver's RTCP, in capture order.
    ops = b''
    for kind, d, t, b in packets[:40]:
        op = (4 << 1) | (1 if kind == 'rtcp' else 0)
        ops += bytes([op]) + struct.pack('>H', len(b)) + b
    write('rtp_receive', s, ops)
print('ok')
