#!/usr/bin/env python3
"""aiortc_peer.py — PyPI aiortc as a WebRTC data-channel peer for the interop tests.

Same command line and signaling as chromium_peer.js (the `sansrtc offer` / `sansrtc answer`
contract): one JSON session description per line, ours on stdout once gathering is complete, the
remote's on stdin.

  python aiortc_peer.py --role offer|answer --mode drive --case NAME [--timeout S]
  python aiortc_peer.py --role offer|answer --mode echo [--echo] [--label chat] [--negotiated ID]

--mode drive runs one test case and prints {"type":"result","ok":...}; --mode echo stands in for
the sansrtc binary. The messages are those of cases.js (keep both in step). aioice ignores
127.0.0.1 and ::1, so run this inside a network namespace with a real interface (netns_setup.sh).
"""
import argparse
import asyncio
import json
import os
import sys
import threading
import time

from aiortc import RTCPeerConnection, RTCSessionDescription

RELIABLE_COUNT = 1000
NEGOTIATED_ID = 7
BYE = "bye from the echo side"
SPECIAL = {0: 0, 1: 0, 2: 1, 3: 1, 4: 16384, 5: 16384, 6: 262144, 7: 262144, 998: 262144, 999: 262144}


def message(i):
    """Message i of a reliable echo run (cases.js): even i text, odd i binary."""
    n = SPECIAL.get(i, (i * 37) % 1500)
    if i % 2 == 1:
        return bytes(((i * 31 + j * 7 + 3) & 255) for j in range(n))
    return "".join(chr(97 + (i + j) % 26) for j in range(n))


def describe(d):
    if isinstance(d, str):
        return "text of %d chars: %r" % (len(d), d[:24])
    return "binary of %d bytes" % len(d)


class Stdin:
    """stdin lines as an asyncio queue; None marks end of input."""

    def __init__(self, loop):
        self.queue = asyncio.Queue()

        def pump():
            for line in sys.stdin:
                loop.call_soon_threadsafe(self.queue.put_nowait, line.rstrip("\n"))
            loop.call_soon_threadsafe(self.queue.put_nowait, None)

        threading.Thread(target=pump, daemon=True).start()

    async def next(self):
        return await self.queue.get()


class Channel:
    """A data channel with a message queue, so cases can await the next message."""

    def __init__(self, ch, on_message=None):
        self.ch = ch
        self.queue = asyncio.Queue()
        self.opened = asyncio.Event()
        self.closed = asyncio.Event()
        if ch.readyState == "open":
            self.opened.set()
        ch.on("open", self.opened.set)
        ch.on("close", self.closed.set)

        @ch.on("message")
        def _m(m):
            self.queue.put_nowait(m)
            if on_message:
                on_message(self, m)

    async def wait_open(self, timeout):
        await asyncio.wait_for(self.opened.wait(), timeout)

    async def next(self, timeout):
        return await asyncio.wait_for(self.queue.get(), timeout)

    async def send(self, data):
        if self.ch.bufferedAmount > (4 << 20):
            low = asyncio.Event()
            self.ch.bufferedAmountLowThreshold = 1 << 20
            self.ch.once("bufferedamountlow", low.set)
            await low.wait()
        self.ch.send(data)


class Peer:
    def __init__(self, o):
        self.o = o
        self.pc = RTCPeerConnection()
        self.channels = []
        self.remote = asyncio.Queue()
        self.main = None
        on_message = (lambda w, m: w.ch.send(m)) if (o.mode == "echo" and o.echo) else None
        self.on_message = on_message

        @self.pc.on("datachannel")
        def _dc(ch):
            w = self.wrap(ch)
            self.remote.put_nowait(w)

    def wrap(self, ch):
        w = Channel(ch, self.on_message)
        self.channels.append(w)
        return w

    def local(self):
        d = self.pc.localDescription
        return {"type": d.type, "sdp": d.sdp}

    async def offer(self):
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.local()

    async def answer_to(self, offer):
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.local()

    async def main_channel(self, timeout):
        if self.main is None:
            self.main = await asyncio.wait_for(self.remote.get(), timeout)
        await self.main.wait_open(timeout)
        return self.main

    async def open(self, label, timeout, **options):
        w = self.wrap(self.pc.createDataChannel(label, **options))
        await w.wait_open(timeout)
        return w


async def echo_in_order(w, n, timeout):
    async def sender():
        for i in range(n):
            await w.send(message(i))

    task = asyncio.ensure_future(sender())
    for i in range(n):
        got = await w.next(timeout)
        want = message(i)
        if type(got) is not type(want) or got != want:
            raise AssertionError("%s: echo %d differs (%s)" % (w.ch.label, i, describe(got)))
    await task
    return n


async def echo_any_order(w, n, timeout):
    for i in range(n):
        await w.send("u%d" % i)
    seen = set()
    deadline = time.monotonic() + timeout
    while len(seen) < n and time.monotonic() < deadline:
        try:
            got = await w.next(max(0.01, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            break
        if not isinstance(got, str) or not got.startswith("u") or not got[1:].isdigit() or int(got[1:]) >= n:
            raise AssertionError("unexpected echo " + describe(got))
        seen.add(got)
    return len(seen)


async def echo_one_by_one(w, n, timeout):
    """Partial reliability lets a sender drop what it cannot send at once: one message at a time."""
    back = 0
    deadline = time.monotonic() + 15  # a stall shows as a count, not as the peer's timeout
    for i in range(n):
        if time.monotonic() > deadline:
            break
        await w.send("r%d" % i)
        try:
            while await w.next(timeout) != "r%d" % i:
                pass
            back += 1
        except asyncio.TimeoutError:
            if w.closed.is_set():
                break
    return back


async def expect_failure(p, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.pc.connectionState in ("failed", "closed"):
            return {"ok": True, "state": p.pc.connectionState}
        if any(not w.queue.empty() for w in p.channels):
            return {"ok": False, "reason": "data arrived despite the wrong fingerprint"}
        await asyncio.sleep(0.05)
    opened = [w.ch.label for w in p.channels if w.opened.is_set()]
    if opened:
        return {"ok": False, "reason": "channel opened despite the wrong fingerprint: %s" % opened}
    return {"ok": True, "state": p.pc.connectionState}


async def run_case(p, case):
    t = 20
    if case == "echo":
        w = await p.main_channel(t)
        return {"ok": True, "echoed": await echo_in_order(w, RELIABLE_COUNT, t)}
    if case == "unordered":
        await p.main_channel(t)
        w = await p.open("unordered", t, ordered=False)
        n = await echo_any_order(w, 200, 5)
        return {"ok": n == 200, "echoed": n, "reason": "%d of 200 echoed" % n}
    if case == "max-retransmits-0":
        await p.main_channel(t)
        w = await p.open("lossy", t, maxRetransmits=0)
        n = await echo_one_by_one(w, 200, 0.5)
        return {"ok": n >= 180, "echoed": n, "reason": "%d of 200 echoed one by one within 15 s (need 180: no loss on this link)" % n}
    if case == "five-channels":
        await p.main_channel(t)
        ws = await asyncio.gather(*(p.open("ch%d" % i, t) for i in range(5)))
        counts = await asyncio.gather(*(echo_in_order(w, 50, t) for w in ws))
        return {"ok": True, "echoed": counts}
    if case == "negotiated":
        await p.main_channel(t)
        w = await p.open("negotiated", t, negotiated=True, id=NEGOTIATED_ID)
        return {"ok": True, "echoed": await echo_in_order(w, 50, t)}
    if case == "close-local":
        w = await p.main_channel(t)
        await echo_in_order(w, 10, t)
        w.ch.close()
        await asyncio.wait_for(w.closed.wait(), t)
        return {"ok": True}
    if case == "close-remote":
        # The remote runs without --echo: it sends what the harness writes to its stdin, and
        # closes on end of input.
        w = await p.main_channel(t)
        print(json.dumps({"type": "ready"}), flush=True)
        got = await w.next(t)
        if got != BYE:
            return {"ok": False, "reason": "expected the line %r, got %s" % (BYE, describe(got))}
        await asyncio.wait_for(w.closed.wait(), t)
        return {"ok": True}
    if case == "wrong-fingerprint":
        return await expect_failure(p, 15)
    return {"ok": False, "reason": "unknown case " + case}


async def serve_echo(p, stdin):
    """The stand-in for `sansrtc offer|answer`: forward stdin lines, exit when the remote is gone."""

    async def forward():
        if p.main is None:  # the answerer's main channel is the first one the offerer opens
            p.main = await p.remote.get()
        await p.main.opened.wait()
        while True:
            line = await stdin.next()
            if line is None:
                break
            if not p.main.closed.is_set():
                p.main.ch.send(line)
        if not p.o.echo:
            # aiortc resets the stream at once on close(): let what was sent go out first.
            while p.main.ch.bufferedAmount > 0:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)
            for w in p.channels:
                w.ch.close()

    asyncio.ensure_future(forward())
    ever_open = False
    while True:
        ever_open = ever_open or any(w.opened.is_set() for w in p.channels)
        if p.pc.connectionState == "failed":
            return "connection failed"
        if p.pc.connectionState == "closed":
            return None
        if ever_open and all(w.closed.is_set() for w in p.channels):
            return None
        await asyncio.sleep(0.1)


async def run(o):
    stdin = Stdin(asyncio.get_running_loop())
    p = Peer(o)
    if o.mode == "echo":
        if o.role == "offer":
            p.main = p.wrap(p.pc.createDataChannel(o.label))
        for i in o.negotiated:
            p.wrap(p.pc.createDataChannel("negotiated-%d" % i, negotiated=True, id=i))
    elif o.role == "offer":
        p.main = p.wrap(p.pc.createDataChannel("chat"))
    if o.role == "offer":
        print(json.dumps(await p.offer()), flush=True)
        line = await stdin.next()
        if line is None:
            return {"ok": False, "reason": "stdin closed before the answer"}
        d = json.loads(line)
        await p.pc.setRemoteDescription(RTCSessionDescription(sdp=d["sdp"], type=d["type"]))
    else:
        line = await stdin.next()
        if line is None:
            return {"ok": False, "reason": "stdin closed before the offer"}
        print(json.dumps(await p.answer_to(json.loads(line))), flush=True)
    try:
        if o.mode == "echo":
            reason = await serve_echo(p, stdin)
            return {"ok": reason is None, "reason": reason}
        try:
            result = await run_case(p, o.case)
        except (AssertionError, asyncio.TimeoutError) as e:
            result = {"ok": False, "reason": "%s (pc %s)" % (repr(e), p.pc.connectionState)}
        # Close the channels first so the remote sees its streams reset, then the connection.
        for w in p.channels:
            w.ch.close()
        try:
            await asyncio.wait_for(asyncio.gather(*(w.closed.wait() for w in p.channels)), 2)
        except asyncio.TimeoutError:
            pass
        return result
    finally:
        await p.pc.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", choices=["offer", "answer"], required=True)
    ap.add_argument("--mode", choices=["drive", "echo"], default="drive")
    ap.add_argument("--case", default="echo")
    ap.add_argument("--echo", action="store_true")
    ap.add_argument("--label", default="chat")
    ap.add_argument("--negotiated", type=int, action="append", default=[])
    ap.add_argument("--timeout", type=float, default=40)
    o = ap.parse_args()

    async def bounded():
        try:
            return await asyncio.wait_for(run(o), o.timeout)
        except asyncio.TimeoutError:
            return {"ok": False, "reason": "timeout after %g s" % o.timeout}

    res = asyncio.run(bounded())
    res.update(type="result", peer="aiortc", role=o.role, mode=o.mode, case=o.case)
    if o.mode == "drive":
        print(json.dumps(res, default=str), flush=True)
    if not res["ok"]:
        print("aiortc_peer: %s" % res.get("reason"), file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(0 if res["ok"] else 1)


if __name__ == "__main__":
    main()
