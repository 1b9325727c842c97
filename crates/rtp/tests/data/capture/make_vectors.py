#!/usr/bin/env python3
"""Turns the JSON written by extract.py (and capture.js's sessions.json) into the
tests/data/chromium_<session>.txt vector files: the first video frames, a few audio packets,
RTX packets and RTCP compounds of each shape, with the SDP facts the tests need."""
import json, re, sys
cap, sessions_file, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
frames_wanted = int(sys.argv[4]) if len(sys.argv) > 4 else 12
packets = json.load(open(cap))
sessions = json.load(open(sessions_file))
flows = {}
for x in packets:
    flows.setdefault(tuple(sorted((x['sp'], x['dp']))), []).append(x)
order = sorted(flows, key=lambda k: flows[k][0]['t'])
for key, s in zip(order, sessions):
    offer = s['offer'].split('\r\n')
    media = None; facts = []; pts = {}
    for l in offer:
        if l.startswith('m='): media = l.split()[0][2:]
        m = re.match(r'a=rtpmap:(\d+) ([^/]+)/', l)
        if m: pts[int(m.group(1))] = (media, m.group(2))
        m = re.match(r'a=fmtp:(\d+) apt=(\d+)', l)
        if m: facts.append(f'rtx {m.group(1)} {m.group(2)}')
        if l.startswith('a=extmap:') and media == 'video': facts.append('extmap-video ' + l[9:])
        if l.startswith('a=extmap:') and media == 'audio': facts.append('extmap-audio ' + l[9:])
        m = re.match(r'a=ssrc-group:FID (\d+) (\d+)', l)
        if m: facts.append(f'video-ssrc {m.group(1)}'); facts.append(f'rtx-ssrc {m.group(2)}')
        m = re.match(r'a=ssrc:(\d+) cname:(\S+)', l)
        if m and media == 'audio': facts.append(f'audio-ssrc {m.group(1)}')
        if m: cname = m.group(2)
    facts.append('cname ' + cname)
    used = {}
    for x in flows[key]:
        b = bytes.fromhex(x['hex'])
        if x['kind'] == 'rtp': used[b[1] & 0x7f] = pts.get(b[1] & 0x7f)
    for pt, (kind, name) in sorted(used.items()):
        facts.append(f'pt {pt} {kind} {name}')
    video_pt = [pt for pt, (k, n) in used.items() if k == 'video' and n != 'rtx'][0]
    sender = next(x['sp'] for x in flows[key] if x['kind'] == 'rtp')
    t0 = flows[key][0]['t']
    lines = []; frames = []; audio = 0; rtcp_shapes = {}
    for x in flows[key]:
        b = bytes.fromhex(x['hex'])
        d = 's' if x['sp'] == sender else 'r'
        keep = False
        if x['kind'] == 'rtp':
            pt = b[1] & 0x7f; kind, name = pts[pt]
            if pt == video_pt:
                ts = b[4:8]
                if not frames or frames[-1] != ts: frames.append(ts)
                keep = len(frames) <= frames_wanted
            elif name == 'rtx':
                keep = True
            else:
                audio += 1; keep = audio <= 6
        else:
            i = 0; shape = []
            while i + 4 <= len(b):
                shape.append((b[i + 1], b[i] & 31)); i += (b[i + 2] << 8 | b[i + 3]) * 4 + 4
            shape = (d, tuple(shape))
            rtcp_shapes[shape] = rtcp_shapes.get(shape, 0) + 1
            keep = rtcp_shapes[shape] <= 3
        if keep:
            lines.append(f"{x['kind']} {d} {round((x['t'] - t0) * 1000)} {x['hex']}")
    with open(f"{outdir}/chromium_{s['name']}.txt", 'w') as f:
        f.write(f"# Chromium 156 (Debian), two RTCPeerConnections in one headless page, fake camera 640x360@30\n")
        f.write(f"# and microphone, --disable-webrtc-encryption, captured on loopback (capture/README.md).\n")
        f.write(f"# session {s['name']}: first {frames_wanted} video frames, 6 audio packets, all RTX, up to 3 RTCP\n")
        f.write("# compounds of each shape. Lines: rtp|rtcp, s (sender) or r (receiver), µs since start, hex.\n")
        for fa in facts: f.write('@ ' + fa + '\n')
        for l in lines: f.write(l + '\n')
    print(s['name'], len(lines), 'lines')
