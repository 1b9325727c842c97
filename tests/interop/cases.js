// cases.js — the messages the interop drivers send, shared by the Chromium page and node.
// aiortc_peer.py implements the same definitions (keep them in step).
'use strict';

function defineCases(root) {
  // Message i of a reliable echo run: even i text, odd i binary. The first messages are the edge
  // sizes (0 and 1 byte, 16 KiB, 256 KiB = Chromium's and aiortc's a=max-message-size), the
  // last two are 256 KiB again, everything else is (i * 37) % 1500 bytes.
  const SPECIAL = { 0: 0, 1: 0, 2: 1, 3: 1, 4: 16384, 5: 16384, 6: 262144, 7: 262144, 998: 262144, 999: 262144 };
  const size = i => (i in SPECIAL ? SPECIAL[i] : (i * 37) % 1500);
  root.Cases = {
    RELIABLE_COUNT: 1000,
    NEGOTIATED_ID: 7,
    // The line the harness writes to the echo side's stdin in close-remote, before closing it.
    BYE: 'bye from the echo side',
    message(i) {
      const n = size(i);
      if (i % 2 === 1) {
        const bytes = new Uint8Array(n);
        for (let j = 0; j < n; j++) bytes[j] = (i * 31 + j * 7 + 3) & 255;
        return { binary: true, bytes };
      }
      const chars = new Array(n);
      for (let j = 0; j < n; j++) chars[j] = String.fromCharCode(97 + ((i + j) % 26));
      return { binary: false, text: chars.join('') };
    },
    equalBytes(a, b) {
      if (a.length !== b.length) return false;
      for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
      return true;
    },
    describe(d) {
      if (typeof d === 'string') return 'text of ' + d.length + ' chars: ' + JSON.stringify(d.slice(0, 24));
      if (d instanceof ArrayBuffer) return 'binary of ' + d.byteLength + ' bytes';
      return String(d);
    },
  };
}

module.exports = { source: () => '(' + defineCases.toString() + ')(window);' };
