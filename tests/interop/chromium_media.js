// chromium_media.js — headless Debian Chromium as an audio/video peer for the media interop tests.
//
// Signaling is the `sansrtc offer` / `sansrtc answer` contract (as in chromium_peer.js): this
// process writes its session description as one JSON line on stdout once ICE gathering is
// complete, and reads the remote description as one JSON line on stdin.
//
//   node chromium_media.js --role offer|answer --send    [--codec VP8|H264] [--duration S]
//   node chromium_media.js --role offer|answer --receive [--codec VP8|H264] [--duration S] [--min-frames N]
//
// --send: the fake camera (640x480, 30 fps) and fake microphone (a beep) from getUserMedia go
// out on sendonly transceivers, video with --codec first (setCodecPreferences); after the
// connection is up for --duration seconds the page reports its outbound-rtp stats and closes.
// --receive: recvonly (as offerer) or whatever the offer sends (as answerer); the remote video
// plays in a <video> element; after --duration seconds of connection the page reports its
// inbound-rtp stats and the element's playback quality.
// Either way the last stdout line is {"type":"result","ok":...,"stats":{...}}; ok means the
// connection came up and media flowed (--receive: video framesDecoded >= --min-frames, the
// negotiated codec is --codec, every received frame but the two in flight decoded, at most 5 %
// dropped, the <video> element showing a picture). The exit
// code is 0 for ok. The remote side's expectations (file contents, NACK counts) are checked by
// the Rust test. `--offer-codecs` prints the video codecs of this Chromium's offer and exits
// (used to skip H.264 where the build has none).
//
// Chromium is launched as in chromium_peer.js, plus --use-fake-device-for-media-stream and
// --use-fake-ui-for-media-stream (media permission granted, so host candidates carry raw IPs).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error('playwright-core not found (set NODE_PATH=<deps>/node_modules)');
  process.exit(3);
}

function parseArgs(argv) {
  const o = { role: null, send: false, receive: false, codec: 'VP8', duration: 5, minFrames: 1, timeout: 60,
    offerCodecs: false, verbose: false, exe: process.env.CHROMIUM || '/usr/bin/chromium' };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i], v = () => argv[++i];
    switch (a) {
      case '--role': o.role = v(); break;
      case '--send': o.send = true; break;
      case '--receive': o.receive = true; break;
      case '--codec': o.codec = v().toUpperCase(); break;
      case '--duration': o.duration = +v(); break;
      case '--min-frames': o.minFrames = +v(); break;
      case '--timeout': o.timeout = +v(); break;
      case '--offer-codecs': o.offerCodecs = true; break;
      case '--verbose': o.verbose = true; break;
      default: console.error('unknown argument ' + a); process.exit(2);
    }
  }
  if (!o.offerCodecs && (!['offer', 'answer'].includes(o.role) || o.send === o.receive)) {
    console.error('need --role offer|answer and one of --send / --receive'); process.exit(2);
  }
  return o;
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

function stdinLines() {
  const q = { lines: [], ended: false, waiters: [] };
  const rl = readline.createInterface({ input: process.stdin });
  const wake = () => { q.waiters.splice(0).forEach(w => w()); };
  rl.on('line', l => { q.lines.push(l); wake(); });
  rl.on('close', () => { q.ended = true; wake(); });
  q.next = async () => {
    while (!q.lines.length && !q.ended) await new Promise(r => q.waiters.push(r));
    return q.lines.length ? q.lines.shift() : null;
  };
  return q;
}

function chromiumArgs(userDataDir) {
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
    '--disable-extensions', '--disable-dev-shm-usage', '--password-store=basic', '--use-mock-keychain', '--mute-audio',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.local', '--remote-debugging-pipe',
    '--user-data-dir=' + userDataDir, '--no-startup-window',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
    '--disable-features=WebRtcHideLocalIpsWithMdns'];
}

(async () => {
  const o = parseArgs(process.argv);
  const result = { type: 'result', peer: 'chromium', role: o.role, send: o.send, codec: o.codec, ok: false, errors: [] };
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'sansrtc-chromium-media-'));
  let browser = null, finished = false;
  const finish = async (code, reason) => {
    if (finished) return; finished = true;
    if (reason) result.errors.push(reason);
    if (!o.offerCodecs) console.log(JSON.stringify(result));
    if (code !== 0 && reason) console.error('chromium_media: ' + reason);
    try { if (browser) await Promise.race([browser.close(), sleep(5000)]); } catch (e) { /* exiting anyway */ }
    try { fs.rmSync(udd, { recursive: true, force: true }); } catch (e) { /* best effort */ }
    process.exit(code);
  };
  const hardStop = setTimeout(() => finish(1, 'timeout after ' + o.timeout + ' s'), o.timeout * 1000);
  hardStop.unref();
  const stdin = stdinLines();
  try {
    browser = await chromium.launch({ executablePath: o.exe, ignoreDefaultArgs: true, args: chromiumArgs(udd), timeout: 30000 });
    result.version = browser.version();
    const page = await browser.newPage();
    page.on('console', m => { if (o.verbose) console.error('page: ' + m.text()); });
    await page.route('http://localhost/**', r => r.fulfill({ status: 200, contentType: 'text/html',
      body: '<!doctype html><title>media peer</title><video id="remote" autoplay muted playsinline></video>' }));
    await page.goto('http://localhost/media.html');
    await page.addScriptTag({ content: PAGE_LIB });
    if (o.offerCodecs) {
      const codecs = await page.evaluate(() => offerCodecs());
      console.log(JSON.stringify({ type: 'codecs', video: codecs }));
      return finish(0, null);
    }
    const cfg = { role: o.role, send: o.send, codec: o.codec, duration: o.duration, minFrames: o.minFrames };
    const local = await page.evaluate(c => start(c), cfg);
    if (o.role === 'offer') {
      console.log(JSON.stringify(local));
      const line = await stdin.next();
      if (line === null) return finish(1, 'stdin closed before the answer');
      await page.evaluate(d => pc.setRemoteDescription(d), JSON.parse(line));
    } else {
      const line = await stdin.next();
      if (line === null) return finish(1, 'stdin closed before the offer');
      const answer = await page.evaluate(d => answerTo(d), JSON.parse(line));
      console.log(JSON.stringify(answer));
    }
    const r = await page.evaluate(c => run(c), cfg);
    Object.assign(result, r);
    result.log = await page.evaluate(() => LOG);
    await page.evaluate(() => pc.close());
    return finish(result.ok ? 0 : 1, result.ok ? null : (r.reason || 'media check failed'));
  } catch (e) {
    return finish(1, String(e && e.stack || e).split('\n').slice(0, 2).join(' | '));
  }
})();

// Runs inside the page.
const PAGE_LIB = `
window.LOG = [];
const log = s => LOG.push(Math.round(performance.now()) + ' ' + s);
const gathered = () => new Promise(r => {
  if (pc.iceGatheringState === 'complete') return r();
  pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') r(); });
});
const desc = () => ({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });

// The video codecs of an offer this browser makes (m=video rtpmap names, in order).
window.offerCodecs = async () => {
  const p = new RTCPeerConnection();
  p.addTransceiver('video', { direction: 'recvonly' });
  const offer = await p.createOffer();
  p.close();
  const names = [];
  for (const line of offer.sdp.split(/\\r?\\n/)) {
    const m = /^a=rtpmap:[0-9]+ ([^/]+)\\//.exec(line);
    if (m && !names.includes(m[1])) names.push(m[1]);
  }
  return names;
};

// Puts the --codec first among the video codecs this transceiver offers or answers with.
function preferCodec(transceiver, codec) {
  const caps = RTCRtpReceiver.getCapabilities('video').codecs;
  const wanted = caps.filter(c => c.mimeType.toUpperCase() === 'VIDEO/' + codec);
  if (!wanted.length) throw new Error('this Chromium has no ' + codec);
  const rest = caps.filter(c => c.mimeType.toUpperCase() !== 'VIDEO/' + codec);
  transceiver.setCodecPreferences([...wanted, ...rest]);
}

let media = null;
window.start = async cfg => {
  window.cfgCodec = cfg.codec;
  window.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  pc.addEventListener('connectionstatechange', () => log('pc ' + pc.connectionState));
  pc.addEventListener('track', e => {
    log('track ' + e.track.kind);
    if (e.track.kind === 'video') {
      const v = document.getElementById('remote');
      v.srcObject = new MediaStream([e.track]);
      v.play().catch(err => log('play: ' + err));
    }
  });
  if (cfg.send) media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480, frameRate: 30 } });
  if (cfg.role === 'offer') {
    if (cfg.send) {
      for (const track of media.getTracks()) {
        const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [media] });
        if (track.kind === 'video') preferCodec(t, cfg.codec);
      }
    } else {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      preferCodec(pc.addTransceiver('video', { direction: 'recvonly' }), cfg.codec);
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered();
    return desc();
  }
  return null;
};

window.answerTo = async offer => {
  await pc.setRemoteDescription(offer);
  for (const t of pc.getTransceivers()) {
    const kind = t.receiver.track.kind;
    if (kind === 'video') preferCodec(t, window.cfgCodec || 'VP8');
  }
  if (media) {
    for (const track of media.getTracks()) {
      const t = pc.getTransceivers().find(x => x.receiver.track.kind === track.kind && !x.sender.track);
      if (t) { await t.sender.replaceTrack(track); t.direction = 'sendonly'; }
    }
  }
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered();
  return desc();
};

async function connected(ms) {
  const t0 = performance.now();
  while (pc.connectionState !== 'connected') {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') throw new Error('connection ' + pc.connectionState);
    if (performance.now() - t0 > ms) throw new Error('not connected after ' + ms + ' ms (' + pc.connectionState + ')');
    await new Promise(r => setTimeout(r, 50));
  }
}

// The getStats entries of one type, each with its codec's mimeType resolved.
async function statsOf(type) {
  const report = await pc.getStats();
  const out = {};
  report.forEach(s => {
    if (s.type !== type) return;
    const codec = s.codecId && report.get(s.codecId);
    out[s.kind] = Object.assign({}, s, { codec: codec ? codec.mimeType : null });
  });
  const pair = [...report.values()].find(s => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
  if (pair) out.rtt = pair.currentRoundTripTime;
  return out;
}

const pick = (s, keys) => s ? Object.fromEntries(keys.filter(k => k in s).map(k => [k, s[k]])) : null;
const OUT_KEYS = ['codec', 'packetsSent', 'bytesSent', 'framesEncoded', 'framesSent', 'keyFramesEncoded', 'nackCount',
  'pliCount', 'firCount', 'retransmittedPacketsSent', 'retransmittedBytesSent', 'encoderImplementation',
  'frameWidth', 'frameHeight', 'framesPerSecond', 'qualityLimitationReason', 'targetBitrate'];
const IN_KEYS = ['codec', 'packetsReceived', 'packetsLost', 'bytesReceived', 'jitter', 'framesReceived', 'framesDecoded',
  'keyFramesDecoded', 'framesDropped', 'freezeCount', 'pliCount', 'firCount', 'nackCount', 'frameWidth', 'frameHeight',
  'framesPerSecond', 'decoderImplementation', 'totalSamplesReceived', 'concealedSamples', 'retransmittedPacketsReceived'];

window.cfgCodec = 'VP8';
window.run = async cfg => {
  try {
    await connected(20000);
    log('connected');
    await new Promise(r => setTimeout(r, cfg.duration * 1000));
    if (cfg.send) {
      const s = await statsOf('outbound-rtp');
      const stats = { video: pick(s.video, OUT_KEYS), audio: pick(s.audio, OUT_KEYS), rtt: s.rtt };
      const ok = !!(stats.video && stats.video.packetsSent > 0 && stats.audio && stats.audio.packetsSent > 0);
      const codecOk = stats.video && stats.video.codec && stats.video.codec.toUpperCase() === 'VIDEO/' + cfg.codec;
      return { ok: ok && codecOk, stats, reason: !ok ? 'no audio or no video sent' : (!codecOk ? 'sent ' + (stats.video && stats.video.codec) : null) };
    }
    const s = await statsOf('inbound-rtp');
    const v = document.getElementById('remote');
    const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {};
    const stats = { video: pick(s.video, IN_KEYS), audio: pick(s.audio, IN_KEYS), rtt: s.rtt,
      element: { width: v.videoWidth, height: v.videoHeight, totalVideoFrames: q.totalVideoFrames,
        droppedVideoFrames: q.droppedVideoFrames, corruptedVideoFrames: q.corruptedVideoFrames } };
    const sv = stats.video || {};
    const decoded = sv.framesDecoded || 0;
    const reasons = [];
    if (decoded < cfg.minFrames) reasons.push('framesDecoded ' + decoded + ' < ' + cfg.minFrames);
    if (!sv.codec || sv.codec.toUpperCase() !== 'VIDEO/' + cfg.codec) reasons.push('codec ' + sv.codec + ', expected ' + cfg.codec);
    if ((sv.framesDropped || 0) > 0.05 * Math.max(1, sv.framesReceived || 0)) reasons.push('framesDropped ' + sv.framesDropped + ' of ' + sv.framesReceived);
    // A frame that fails to decode is received but never decoded (and makes Chromium ask for
    // a key frame: pliCount, which the Rust test checks); two may be in the decoder right now.
    if (decoded + 2 < (sv.framesReceived || 0)) reasons.push('framesDecoded ' + decoded + ' of ' + sv.framesReceived + ' received');
    if (!(stats.element.width > 0)) reasons.push('the video element shows nothing');
    return { ok: reasons.length === 0, stats, reason: reasons.join('; ') || null };
  } catch (e) {
    return { ok: false, reason: String(e && e.message || e) + ' (pc ' + pc.connectionState + ')' };
  }
};
`;
