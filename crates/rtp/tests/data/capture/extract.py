import struct, json, sys
def packets(path):
    d = open(path,'rb').read()
    magic = struct.unpack('<I', d[:4])[0]
    if magic == 0x0a0d0d0a:  # pcapng
        pos = 0; out = []; ts_base=None
        while pos < len(d):
            btype, blen = struct.unpack('<II', d[pos:pos+8])
            if btype == 6:
                _, tsh, tsl, caplen, _ = struct.unpack('<IIIII', d[pos+8:pos+28])
                out.append(((tsh<<32|tsl)/1e6, d[pos+28:pos+28+caplen]))  # tshark writes ns: this is ms
            pos += blen
        return out
    raise SystemExit('pcap')
def udp(frame):
    # ethernet (lo uses DLT_EN10MB)
    et = struct.unpack('>H', frame[12:14])[0]
    p = frame[14:]
    if et == 0x0800:
        ihl = (p[0]&15)*4; proto = p[9]; p2 = p[ihl:]
    elif et == 0x86dd:
        proto = p[6]; p2 = p[40:]
    else: return None
    if proto != 17: return None
    sp, dp, ln = struct.unpack('>HHH', p2[:6])
    return sp, dp, p2[8:ln]
res = []
for t, f in packets(sys.argv[1]):
    u = udp(f)
    if not u: continue
    sp, dp, pl = u
    if not pl or not (128 <= pl[0] < 192): continue
    kind = 'rtcp' if 192 <= pl[1] <= 223 else 'rtp'
    res.append({'t': t, 'sp': sp, 'dp': dp, 'kind': kind, 'hex': pl.hex()})
json.dump(res, open(sys.argv[2],'w'))
print(len(res), 'rtp/rtcp packets')
