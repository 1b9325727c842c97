// chromium_peer.js — headless Debian Chromium as a WebRTC data-channel peer for the interop tests.
//
// Signaling is the `sansrtc offer` / `sansrtc answer` contract: this process writes its session
// description as one JSON line ({"type":"offer","sdp":"..."}) on stdout once ICE gathering is
// complete (no trickle), and reads the remote description as one JSON line on stdin.
//
//   node chromium_peer.js --role offer|answer --mode drive --case NAME [--mdns] [--timeout S]
//   node chromium_peer.js --role offer|answer --mode echo [--echo] [--label chat] [--negotiated ID]
//
// --mode drive runs one test case (see cases.js), prints {"type":"result","ok":...} and exits
// 0 when the case passed. --mode echo behaves like the sansrtc binary, so the harness itself can be
// validated against Chromium ↔ aiortc before it is used on sansrtc: as offerer it opens a channel
// (--label), it echoes every message with --echo, sends each further stdin line as a text message,
// closes everything on stdin EOF unless --echo, and exits 0 when the remote closed the connection
// or all its channels, 1 on failure or timeout (with a one-line reason on stderr).
//
// Chromium is Debian's /usr/bin/chromium driven over CDP by npm playwright-core (no downloaded
// browser); ignoreDefaultArgs so that only the flags listed here are used. Without --mdns, host
// candidates carry raw IP addresses; with --mdns they are hidden behind <uuid>.local names (the
// browser default), and the remote can only reach them through peer-reflexive candidates.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const cases = require('./cases.js');

let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error('playwright-core not found (set NODE_PATH=<deps>/node_modules)');
  process.exit(3);
}

function parseArgs(argv) {
  const o = { role: null, mode: 'drive', testCase: 'echo', echo: false, label: 'chat', negotiated: [],
    timeout: 40, mdns: false, loopback: false, verbose: false, exe: process.env.CHROMIUM || '/usr/bin/chromium' };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i], v = () => argv[++i];
    switch (a) {
      case '--role': o.role = v(); break;
      case '--mode': o.mode = v(); break;
      case '--case': o.testCase = v(); break;
      case '--echo': o.echo = true; break;
      case '--label': o.label = v(); break;
      case '--negotiated': o.negotiated.push(+v()); break;
      case '--timeout': o.timeout = +v(); break;
      case '--mdns': o.mdns = true; break;
      case '--loopback': o.loopback = true; break;
      case '--verbose': o.verbose = true; break;
      default: console.error('unknown argument ' + a); process.exit(2);
    }
  }
  if (!['offer', 'answer'].includes(o.role) || !['drive', 'echo'].includes(o.mode)) {
    console.error('need --role offer|answer and --mode drive|echo'); process.exit(2);
  }
  return o;
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

// stdin as a queue of lines, plus an end-of-input flag.
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

function chromiumArgs(o, userDataDir) {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
    '--disable-extensions', '--disable-dev-shm-usage', '--password-store=basic', '--use-mock-keychain', '--mute-audio',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE *.local', '--remote-debugging-pipe',
    '--user-data-dir=' + userDataDir, '--no-startup-window'];
  if (!o.mdns) args.push('--disable-features=WebRtcHideLocalIpsWithMdns');
  if (o.loopback) args.push('--allow-loopback-in-peer-connection');
  return args;
}

(async () => {
  const o = parseArgs(process.argv);
  const result = { type: 'result', peer: 'chromium', role: o.role, mode: o.mode, case: o.testCase, ok: false, errors: [] };
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'sansrtc-chromium-'));
  let browser = null, finished = false;
  const finish = async (code, reason) => {
    if (finished) return; finished = true;
    if (reason) result.errors.push(reason);
    if (o.mode === 'drive') console.log(JSON.stringify(result));
    if (code !== 0 && reason) console.error('chromium_peer: ' + reason);
    try { if (browser) await Promise.race([browser.close(), sleep(5000)]); } catch (e) { /* exiting anyway */ }
    try { fs.rmSync(udd, { recursive: true, force: true }); } catch (e) { /* best effort */ }
    process.exit(code);
  };
  const hardStop = setTimeout(() => finish(1, 'timeout after ' + o.timeout + ' s'), o.timeout * 1000);
  hardStop.unref();
  const stdin = stdinLines();
  try {
    browser = await chromium.launch({ executablePath: o.exe, ignoreDefaultArgs: true, args: chromiumArgs(o, udd), timeout: 30000 });
    result.version = browser.version();
    const page = await browser.newPage();
    page.on('console', m => { if (o.verbose) console.error('page: ' + m.text()); });
    // The page tells us when the harness should act (for example: "ready" for close-remote).
    await page.exposeFunction('toHarness', line => console.log(JSON.stringify(line)));
    await page.route('http://localhost/**', r => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>peer</title>' }));
    await page.goto('http://localhost/peer.html');
    await page.addScriptTag({ content: cases.source() });
    await page.addScriptTag({ content: PAGE_LIB });
    const cfg = { role: o.role, testCase: o.testCase, echo: o.echo, label: o.label, negotiated: o.negotiated, mode: o.mode };
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
    if (o.mode === 'drive') {
      const r = await page.evaluate(c => runCase(c), cfg);
      Object.assign(result, r);
      await page.evaluate(() => closeGracefully(2000));
      result.log = await page.evaluate(() => LOG);
      return finish(result.ok ? 0 : 1, result.ok ? null : (r.reason || 'case failed'));
    }
    // echo mode: forward stdin lines, then watch the connection.
    (async () => {
      for (;;) {
        const line = await stdin.next();
        if (line === null) break;
        await page.evaluate(l => sendLine(l), line);
      }
      if (!o.echo) await page.evaluate(() => closeAll());
    })();
    for (;;) {
      const s = await page.evaluate(() => echoState());
      if (s.failed) return finish(1, 'connection ' + s.failed);
      if (s.done) return finish(0, null);
      await sleep(100);
    }
  } catch (e) {
    return finish(1, String(e && e.stack || e).split('\n').slice(0, 2).join(' | '));
  }
})();

// Runs inside the page, after cases.js.
const PAGE_LIB = `
window.LOG = [];
const log = s => LOG.push(Math.round(performance.now()) + ' ' + s);
const gathered = () => new Promise(r => {
  if (pc.iceGatheringState === 'complete') return r();
  pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') r(); });
});
const desc = () => ({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });

// A channel wrapper with a message queue, so cases can await the next message.
window.channels = [];
function wrap(ch) {
  ch.binaryType = 'arraybuffer';
  const w = { ch, queue: [], waiters: [], opened: ch.readyState === 'open', closed: false };
  const wake = () => w.waiters.splice(0).forEach(f => f());
  ch.addEventListener('open', () => { w.opened = true; log('open ' + ch.label); wake(); });
  ch.addEventListener('close', () => { w.closed = true; log('close ' + ch.label); wake(); });
  ch.addEventListener('message', m => { w.queue.push(m.data); wake(); if (window.onAnyMessage) onAnyMessage(w, m.data); });
  w.wait = (pred, ms) => new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('timeout on ' + ch.label)), ms);
    const check = () => { if (pred()) { clearTimeout(t); res(); } else w.waiters.push(check); };
    check();
  });
  w.next = async ms => { await w.wait(() => w.queue.length || w.closed, ms); if (!w.queue.length) throw new Error(ch.label + ' closed'); return w.queue.shift(); };
  channels.push(w);
  return w;
}
window.remoteChannels = [];
let remoteWaiters = [];
window.nextRemoteChannel = ms => new Promise((res, rej) => {
  const t = setTimeout(() => rej(new Error('no remote data channel')), ms);
  const check = () => { if (remoteChannels.length) { clearTimeout(t); res(remoteChannels.shift()); } else remoteWaiters.push(check); };
  check();
});

window.start = async cfg => {
  window.pc = new RTCPeerConnection({});
  pc.addEventListener('connectionstatechange', () => log('pc ' + pc.connectionState));
  pc.addEventListener('datachannel', e => { remoteChannels.push(wrap(e.channel)); remoteWaiters.splice(0).forEach(f => f()); });
  if (cfg.mode === 'echo') setUpEcho(cfg);
  else if (cfg.role === 'offer') window.main = wrap(pc.createDataChannel('chat'));
  if (cfg.role === 'offer') { await pc.setLocalDescription(await pc.createOffer()); await gathered(); return desc(); }
  return null;
};
window.answerTo = async offer => {
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered();
  return desc();
};

// --- echo mode (the stand-in for the sansrtc binary) ---
let everOpen = false;
function setUpEcho(cfg) {
  if (cfg.echo) window.onAnyMessage = (w, data) => w.ch.send(data);
  if (cfg.role === 'offer') window.main = wrap(pc.createDataChannel(cfg.label));
  for (const id of cfg.negotiated) wrap(pc.createDataChannel('negotiated-' + id, { negotiated: true, id }));
}
window.sendLine = line => { const w = window.main || channels[0]; if (w && w.opened && !w.closed) w.ch.send(line); };
window.closeAll = () => { channels.forEach(w => w.ch.close()); pc.close(); };
// The end of a drive: close the channels (the remote sees the streams reset), then the connection.
window.closeGracefully = async ms => {
  channels.forEach(w => w.ch.close());
  const t0 = performance.now();
  while (channels.some(w => !w.closed) && performance.now() - t0 < ms) await new Promise(r => setTimeout(r, 20));
  pc.close();
};
window.echoState = () => {
  if (channels.some(w => w.opened)) everOpen = true;
  if (pc.connectionState === 'failed') return { failed: 'failed' };
  if (pc.signalingState === 'closed' || pc.connectionState === 'closed') return { done: true };
  if (everOpen && channels.every(w => w.closed)) return { done: true };
  return {};
};

// --- drive mode ---
// The offerer's channel 'chat' exists from the start; an answerer uses the one the offerer opened.
async function mainChannel(cfg, ms) {
  if (!window.main) window.main = await nextRemoteChannel(ms);
  await main.wait(() => main.opened || main.closed, ms);
  if (!main.opened) throw new Error('chat never opened');
  return main;
}
function open(label, options, ms) {
  const w = wrap(pc.createDataChannel(label, options));
  return w.wait(() => w.opened || w.closed, ms).then(() => { if (!w.opened) throw new Error(label + ' closed before open'); return w; });
}
async function send(w, data) {
  if (w.ch.bufferedAmount > (4 << 20)) {
    w.ch.bufferedAmountLowThreshold = 1 << 20;
    await new Promise(r => w.ch.addEventListener('bufferedamountlow', r, { once: true }));
  }
  w.ch.send(data);
}
const toData = m => m.binary ? m.bytes.buffer : m.text;
const same = (got, m) => m.binary ? (got instanceof ArrayBuffer && Cases.equalBytes(new Uint8Array(got), m.bytes))
  : (typeof got === 'string' && got === m.text);

// Sends n generated messages on w and checks the echoes arrive, in order, unchanged.
async function echoInOrder(w, n, ms) {
  const sending = (async () => { for (let i = 0; i < n; i++) await send(w, toData(Cases.message(i))); })();
  for (let i = 0; i < n; i++) {
    const got = await w.next(ms);
    if (!same(got, Cases.message(i))) throw new Error(w.ch.label + ': echo ' + i + ' differs (' + Cases.describe(got) + ')');
  }
  await sending;
  return n;
}
// Sends n small messages and counts the distinct echoes that come back within ms (any order).
async function echoAnyOrder(w, n, ms) {
  for (let i = 0; i < n; i++) await send(w, 'u' + i);
  const seen = new Set();
  const deadline = performance.now() + ms;
  while (seen.size < n && performance.now() < deadline) {
    let got;
    try { got = await w.next(Math.max(1, deadline - performance.now())); } catch (e) { break; }
    if (typeof got !== 'string' || !/^u[0-9]+$/.test(got) || +got.slice(1) >= n) throw new Error('unexpected echo ' + Cases.describe(got));
    seen.add(got);
  }
  return seen.size;
}
// Partial reliability allows a sender to drop what it cannot send at once, so one message at a
// time: send, wait up to ms for its echo, go on. Returns how many came back.
async function echoOneByOne(w, n, ms) {
  let back = 0;
  const deadline = performance.now() + 15000; // a stall shows as a count, not as the timeout
  for (let i = 0; i < n && performance.now() < deadline; i++) {
    await send(w, 'r' + i);
    try {
      for (;;) { const got = await w.next(ms); if (got === 'r' + i) { back++; break; } }
    } catch (e) { if (w.closed) break; }
  }
  return back;
}
async function expectFailure(ms) {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') return { ok: true, state: pc.connectionState };
    if (channels.some(w => w.queue.length)) return { ok: false, reason: 'data arrived despite the wrong fingerprint' };
    await new Promise(r => setTimeout(r, 50));
  }
  // Never failed outright, but no channel may have opened either.
  const opened = channels.filter(w => w.opened).map(w => w.ch.label);
  return opened.length ? { ok: false, reason: 'channel opened despite the wrong fingerprint: ' + opened } : { ok: true, state: pc.connectionState };
}

window.runCase = async cfg => {
  const ms = 20000;
  try {
    switch (cfg.testCase) {
      case 'echo': {
        const w = await mainChannel(cfg, ms);
        return { ok: true, echoed: await echoInOrder(w, Cases.RELIABLE_COUNT, ms) };
      }
      case 'unordered': {
        await mainChannel(cfg, ms);
        const w = await open('unordered', { ordered: false }, ms);
        const n = await echoAnyOrder(w, 200, 5000);
        return { ok: n === 200, echoed: n, reason: n + ' of 200 echoed' };
      }
      case 'max-retransmits-0': {
        await mainChannel(cfg, ms);
        const w = await open('lossy', { maxRetransmits: 0 }, ms);
        const n = await echoOneByOne(w, 200, 500);
        return { ok: n >= 180, echoed: n, reason: n + ' of 200 echoed one by one within 15 s (need 180: no loss on this link)' };
      }
      case 'five-channels': {
        await mainChannel(cfg, ms);
        const ws = await Promise.all([0, 1, 2, 3, 4].map(i => open('ch' + i, {}, ms)));
        const counts = await Promise.all(ws.map(w => echoInOrder(w, 50, ms)));
        return { ok: true, echoed: counts };
      }
      case 'negotiated': {
        await mainChannel(cfg, ms);
        const w = await open('negotiated', { negotiated: true, id: Cases.NEGOTIATED_ID }, ms);
        return { ok: true, echoed: await echoInOrder(w, 50, ms) };
      }
      case 'close-local': {
        const w = await mainChannel(cfg, ms);
        await echoInOrder(w, 10, ms);
        w.ch.close();
        await w.wait(() => w.closed, ms);
        return { ok: true };
      }
      case 'close-remote': {
        // The remote runs without --echo: it sends what the harness writes to its stdin, and
        // closes on end of input.
        const w = await mainChannel(cfg, ms);
        toHarness({ type: 'ready' });
        const got = await w.next(ms);
        if (got !== Cases.BYE) return { ok: false, reason: 'expected the line ' + Cases.BYE + ', got ' + Cases.describe(got) };
        await w.wait(() => w.closed, ms);
        return { ok: true };
      }
      case 'wrong-fingerprint':
        return await expectFailure(15000);
      default:
        return { ok: false, reason: 'unknown case ' + cfg.testCase };
    }
  } catch (e) {
    return { ok: false, reason: String(e && e.message || e) + ' (pc ' + pc.connectionState + ')' };
  }
};
`;
