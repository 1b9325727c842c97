#!/usr/bin/env python3
"""aiortc_peer.py — PyPI aiortc as a WebRTC data-channel peer for the interop tests.

Same command line and signaling as chromium_peer.js (the `sansrtc offer` / `sansrtc answer`
contract): one JSON session description per line, ours on stdout once gathering is complete, the
remote's on stdin.

  python aiortc_peer.py --role offer|answer --mode drive --case NAME [--timeout S]
  python aiortc_peer.py --role offer|answer --mode echo [--echo] [--label chat] [--negotiated ID]
  ... [--drop-out P] [--drop-in P] [--drop-seed N]

--drop-out / --drop-in lose that fraction of the SCTP packets (DTLS application-data datagrams)
aiortc sends / receives once the first data channel is open (the machine has no netem);
AIORTC_DROP_OUT / AIORTC_DROP_IN set the defaults. The *-lossy cases set their own.

--mode drive runs one test case and prints {"type":"result","ok":...}; --mode echo stands in for
the sansrtc binary. The messages are those of cases.js (keep both in step). aioice ignores
127.0.0.1 and ::1, so run this inside a network namespace with a real interface (netns_setup.sh).
"""
import argparse
import asyncio
import json
import os
import random
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


class Loss:
    """Drops a fraction of the SCTP packets aiortc sends and receives: its ICE transport's send
    and receive are wrapped, and only DTLS application data (first byte 23) is dropped, so ICE,
    consent and the DTLS handshake are untouched. Nothing is dropped before `arm()`."""

    def __init__(self, out, into, seed):
        self.out, self.into = out, into
        self.rng = random.Random(seed)
        self.armed = False
        self.dropped = {"out": 0, "in": 0}
        self.passed = {"out": 0, "in": 0}
        self.install()  # before the RTCPeerConnection creates its ICE transport

    def arm(self, out=None, into=None):
        """Starts dropping, at the given rates unless the command line set them."""
        if out is not None and not self.out:
            self.out = out
        if into is not None and not self.into:
            self.into = into
        self.armed = True

    def disarm(self):
        self.armed = False

    def drop(self, way, data, p):
        if not (self.armed and p and data[:1] == b"\x17"):
            return False
        if self.rng.random() < p:
            self.dropped[way] += 1
            return True
        self.passed[way] += 1
        return False

    def install(self):
        from aiortc import rtcicetransport

        cls = rtcicetransport.RTCIceTransport
        if getattr(cls, "_lossy", False):
            return
        cls._lossy = True
        init = cls.__init__
        loss = self

        def patched(ice, *args, **kwargs):
            init(ice, *args, **kwargs)
            send, recv = ice._send, ice._recv

            async def lossy_send(data):
                if not loss.drop("out", data, loss.out):
                    await send(data)

            async def lossy_recv():
                while True:
                    data = await recv()
                    if not loss.drop("in", data, loss.into):
                        return data

            ice._send, ice._recv = lossy_send, lossy_recv

        cls.__init__ = patched

    def report(self):
        return {"dropped": self.dropped, "passed": self.passed}


LOSS = None


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
        if LOSS.out or LOSS.into:
            LOSS.arm()
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


def lossy_message(i, fragments):
    """Message i of a lossy run: short, or with `fragments` every third one in three DATA chunks."""
    return ("r%d:" % i).ljust(2500 if fragments and i % 3 == 2 else 8, "x")


async def echo_through_loss(w, n, timeout, fragments):
    """One message at a time through packet loss, then (loss off) ten more that must all come
    back: a lost message may cost its echo and, on an ordered channel, the few behind it until
    the FORWARD TSN skips it, but the channel must never stall."""
    back, worst, gap = 0, 0, 0
    deadline = time.monotonic() + 20
    for i in range(n):
        if time.monotonic() > deadline:
            break
        want = lossy_message(i, fragments)
        await w.send(want)
        try:
            while await w.next(timeout) != want:
                pass
            back += 1
            gap = 0
        except asyncio.TimeoutError:
            if w.closed.is_set():
                break
            gap += 1
            worst = max(worst, gap)
    LOSS.disarm()
    after = 0
    for i in range(10):
        want = "f%d" % i
        await w.send(want)
        try:
            # The first may wait for a FORWARD TSN still on its way (T3-rtx, backed off).
            while await w.next(8 if i == 0 else timeout) != want:
                pass
            after += 1
        except asyncio.TimeoutError:
            break
    return back, worst, after


# The lossy cases. aiortc 1.16 loses a complete ordered message that arrived in the gap of an
# abandoned *fragmented* message some of whose fragments it holds, when the FORWARD TSN comes:
# its InboundStream.pop_messages stops at the stale fragments, then prune_chunks drops every
# chunk up to the new cumulative TSN, the complete message included, and the stream waits for
# that SSN until the next FORWARD TSN names a later one (a stall once the loss stops). So the
# ordered case with fragments loses only what aiortc sends (aiortc abandons, sansrtc skips);
# loss both ways is run ordered with short messages and unordered with fragments.
LOSSY_CASES = {
    # case: (ordered, drop what aiortc sends, drop what it receives, fragments)
    "max-retransmits-0-lossy": (True, 0.10, 0.0, True),
    "max-retransmits-0-lossy-both": (True, 0.05, 0.05, False),
    "max-retransmits-0-unordered-lossy": (False, 0.05, 0.05, True),
}


async def lossy_case(p, t, case):
    ordered, out, into, fragments = LOSSY_CASES[case]
    await p.main_channel(t)
    w = await p.open("lossy", t, maxRetransmits=0, ordered=ordered)
    LOSS.arm(out=out, into=into)
    n = 60
    back, worst, after = await echo_through_loss(w, n, 0.3, fragments)
    ok = after == 10 and back >= n // 3 and worst <= 15
    return {
        "ok": ok,
        "echoed": back,
        "longest_gap": worst,
        "after_loss": after,
        "loss": LOSS.report(),
        "reason": "%d of %d echoed through loss (need %d), longest run of misses %d (at most 15), "
        "%d of 10 echoed after the loss stopped (need all)" % (back, n, n // 3, worst, after),
    }


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
    if case in LOSSY_CASES:
        return await lossy_case(p, t, case)
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
        if LOSS.out or LOSS.into:
            LOSS.arm()
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
    ap.add_argument("--drop-out", type=float, default=float(os.environ.get("AIORTC_DROP_OUT", 0)))
    ap.add_argument("--drop-in", type=float, default=float(os.environ.get("AIORTC_DROP_IN", 0)))
    ap.add_argument("--drop-seed", type=int, default=None)
    o = ap.parse_args()
    global LOSS
    LOSS = Loss(o.drop_out, o.drop_in, o.drop_seed)

    async def bounded():
        try:
            return await asyncio.wait_for(run(o), o.timeout)
        except asyncio.TimeoutError:
            return {"ok": False, "reason": "timeout after %g s" % o.timeout}

    res = asyncio.run(bounded())
    res.update(type="result", peer="aiortc", role=o.role, mode=o.mode, case=o.case)
    if LOSS.out or LOSS.into:
        res.setdefault("loss", LOSS.report())
        print("aiortc_peer: induced loss %s" % json.dumps(LOSS.report()), file=sys.stderr, flush=True)
    if o.mode == "drive":
        print(json.dumps(res, default=str), flush=True)
    if not res["ok"]:
        print("aiortc_peer: %s" % res.get("reason"), file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(0 if res["ok"] else 1)


if __name__ == "__main__":
    main()
