// serve_page.js — a person's visit to `sansrtc serve`, played by headless Chromium: open the
// page, wait for the Rust peer's greeting in the chat, type a line and press Send, tell the
// harness {"type":"ready"} (it then types a line into the server's terminal), wait for that line
// in the chat and for the echo channel's round trip. Prints {"type":"result","ok":...}.
//   node serve_page.js --url http://127.0.0.1:8080/ [--timeout 40] [--screenshot FILE]
// Chromium keeps its default mDNS host-candidate obfuscation: the Rust peer learns the
// browser's address as a peer-reflexive candidate.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { chromium } = require('playwright-core');

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const url = arg('--url', 'http://127.0.0.1:8080/');
const timeout = +arg('--timeout', 40) * 1000;
const screenshot = arg('--screenshot', null);
const TYPED_HERE = 'hello from the browser';
const TYPED_THERE = 'hello from the terminal';

(async () => {
  const result = { type: 'result', ok: false, steps: [] };
  const udd = fs.mkdtempSync(path.join(os.tmpdir(), 'sansrtc-serve-'));
  const stop = setTimeout(() => { console.log(JSON.stringify({ ...result, reason: 'timeout' })); process.exit(1); }, timeout);
  let browser;
  try {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', ignoreDefaultArgs: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-extensions', '--disable-dev-shm-usage',
        '--remote-debugging-pipe', '--user-data-dir=' + udd, '--no-startup-window'] });
    const page = await browser.newPage();
    await page.goto(url);
    const log = page.locator('#log');
    await log.getByText('hello, browser').waitFor({ timeout });
    result.steps.push('greeted');
    await page.fill('#text', TYPED_HERE);
    await page.click('#send');
    result.steps.push('typed');
    console.log(JSON.stringify({ type: 'ready' }));
    await log.getByText('sansrtc: ' + TYPED_THERE).waitFor({ timeout });
    result.steps.push('heard the terminal');
    await page.locator('#echo').getByText('came back').waitFor({ timeout });
    result.echo = await page.textContent('#echo');
    result.status = await page.textContent('#status');
    if (screenshot) await page.screenshot({ path: screenshot });
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
