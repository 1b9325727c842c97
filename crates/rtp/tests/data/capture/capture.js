// Captures plain RTP/RTCP from two RTCPeerConnections in one headless Chromium page
// (--disable-webrtc-encryption), one session per codec, for sansrtc-rtp's test vectors.
'use strict';
const fs = require('fs'), os = require('os'), path = require('path');
const { chromium } = require('playwright-core');
const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'rtpcap-'));
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
  '--disable-extensions', '--disable-dev-shm-usage', '--mute-audio',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost', '--remote-debugging-pipe', '--no-startup-window',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection', '--disable-webrtc-encryption', '--user-data-dir=' + udd];
const sessions = JSON.parse(process.argv[2]);
const hard = setTimeout(() => { console.log('hard timeout'); process.exit(1); }, 240000);
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', ignoreDefaultArgs: true, args, timeout: 30000 });
  const page = await browser.newPage();
  page.on('console', m => console.log('page:', m.text()));
  await page.route('http://localhost/**', r => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>cap</title>' }));
  await page.goto('http://localhost/cap.html');
  const results = [];
  for (const s of sessions) {
    const r = await page.evaluate(async (s) => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 30 } });
      const a = new RTCPeerConnection(), b = new RTCPeerConnection();
      a.onicecandidate = e => e.candidate && b.addIceCandidate(e.candidate);
      b.onicecandidate = e => e.candidate && a.addIceCandidate(e.candidate);
      const vt = a.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', sendEncodings: s.scalability ? [{ scalabilityMode: s.scalability }] : undefined });
      const at = a.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' });
      const pick = (kind, mime, fmtp) => RTCRtpReceiver.getCapabilities(kind).codecs.filter(c =>
        c.mimeType.toLowerCase() === mime.toLowerCase() && (!fmtp || (c.sdpFmtpLine || '').includes(fmtp)));
      const vcodecs = pick('video', s.video, s.fmtp);
      const rtx = RTCRtpReceiver.getCapabilities('video').codecs.filter(c => c.mimeType === 'video/rtx');
      vt.setCodecPreferences([...vcodecs.slice(0, 1), ...rtx]);
      at.setCodecPreferences(pick('audio', s.audio));
      let offer = await a.createOffer();
      let sdp = offer.sdp;
      if (s.noTwcc) sdp = sdp.split('\r\n').filter(l => !l.includes('transport-cc') && !l.includes('transport-wide-cc')).join('\r\n');
      await a.setLocalDescription({ type: 'offer', sdp });
      await b.setRemoteDescription({ type: 'offer', sdp });
      const answer = await b.createAnswer();
      await b.setLocalDescription(answer);
      await a.setRemoteDescription(answer);
      await new Promise(r => setTimeout(r, s.ms));
      const stats = [];
      (await b.getStats()).forEach(x => { if (x.type === 'inbound-rtp') stats.push({ kind: x.kind, codec: x.codecId, frames: x.framesDecoded, packets: x.packetsReceived, nack: x.nackCount, pli: x.pliCount }); });
      const out = { name: s.name, offer: a.localDescription.sdp, answer: b.localDescription.sdp, stats };
      a.close(); b.close(); stream.getTracks().forEach(t => t.stop());
      return out;
    }, s);
    console.log(JSON.stringify({ name: r.name, stats: r.stats }));
    results.push(r);
    await new Promise(r => setTimeout(r, 500));
  }
  fs.writeFileSync('/tmp/rtpcap/sessions.json', JSON.stringify(results, null, 1));
  await browser.close();
  fs.rmSync(udd, { recursive: true, force: true });
  clearTimeout(hard);
  process.exit(0);
})().catch(e => { console.error('ERR', e); process.exit(1); });
