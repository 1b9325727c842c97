// serve_media_page.js — a person pressing the media buttons of `sansrtc serve`, played by
// headless Chromium with its fake camera and microphone: "Play a file to me" until the page's
// getStats shows --min-frames video frames decoded, Stop; then "Send my camera to disk" until
// --min-frames frames were sent, Stop. Prints {"type":"result","ok":...,"play":{...},"save":{...}}.
//   node serve_media_page.js --url http://127.0.0.1:8080/ [--min-frames 60] [--timeout 60]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const url = arg('--url', 'http://127.0.0.1:8080/');
const minFrames = +arg('--min-frames', 60);
const timeout = +arg('--timeout', 60) * 1000;

(async () => {
  const result = { type: 'result', ok: false };
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'sansrtc-serve-media-'));
  const stop = setTimeout(() => { console.log(JSON.stringify({ ...result, reason: 'timeout' })); process.exit(1); }, timeout);
  let browser;
  try {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', ignoreDefaultArgs: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-extensions', '--disable-dev-shm-usage',
        '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
        '--mute-audio', '--remote-debugging-pipe', '--user-data-dir=' + udd, '--no-startup-window'] });
    const page = await browser.newPage();
    await page.goto(url);
    const until = async (what, pred) => {
      const t0 = Date.now();
      for (;;) {
        const s = await page.evaluate(() => Object.assign({}, mediaStats));
        if (pred(s)) return s;
        if (String(s.state).startsWith('failed')) throw new Error(what + ': ' + s.state);
        if (Date.now() - t0 > 20000) throw new Error(what + ': ' + JSON.stringify(s));
        await new Promise(r => setTimeout(r, 200));
      }
    };
    await page.click('#play');
    result.play = await until('play', s => s.framesDecoded >= minFrames);
    result.play.status = await page.textContent('#mstatus');
    await page.click('#stop');
    console.log(JSON.stringify({ type: 'played' }));
    await page.click('#save');
    result.save = await until('save', s => s.framesSent >= minFrames);
    result.save.status = await page.textContent('#mstatus');
    await page.click('#stop');
    result.ok = true;
  } catch (e) {
    result.reason = String(e && e.message || e).split('\n')[0];
  }
  clearTimeout(stop);
  console.log(JSON.stringify(result));
  try { await Promise.race([browser && browser.close(), new Promise(r => setTimeout(r, 3000))]); } catch (e) { /* exiting */ }
  fs.rmSync(udd, { recursive: true, force: true });
  process.exit(result.ok ? 0 : 1);
})();
