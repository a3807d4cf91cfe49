#! /usr/bin/env python3
# Copyright (c) 2026 The dvel authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Traffic for dvel's lab: a sequence-numbered UDP stream that tells how
long the EVC was interrupted, and a TCP stream that tells its throughput.

  dvel-lab-traffic.py seq-recv PORT SUMMARY-FILE
      Receives the stream until SIGTERM, then reads what is still in
      its socket's buffer (64 MiB, as root) and writes one line:
      "received N lost N longest_run R sent_at S gap_ms G".  The run is
      the longest interruption: of the gaps in which frames were lost,
      the one whose two ends were sent furthest apart, by the send times
      the frames carry.  R is the frames lost in it, S the wall-clock
      time (seconds since the epoch) the last frame before it was sent
      and G the time between the sending of the frames on either side.
      Send times measure the interruption whatever the pacing: a sender
      held up and catching up in a burst puts more frames than its rate
      in a gap, a sender held up within the gap fewer, and a receiver
      held up only delays what it reads.
  dvel-lab-traffic.py seq-send HOST PORT RATE SECONDS
      Sends RATE frames per second for SECONDS seconds.
  dvel-lab-traffic.py tcp-recv PORT LOG-FILE
      Accepts one connection and logs "TIME BYTES" every second.
  dvel-lab-traffic.py tcp-send HOST PORT SECONDS
      Sends as fast as TCP allows for SECONDS seconds.
"""

import os
import select
import signal
import socket
import struct
import sys
import time

HDR = struct.Struct("!Qd")      # Sequence number, send time.


# SO_RCVBUFFORCE (Linux): sets a socket's buffer past net.core.rmem_max,
# for root.  Python's socket module does not name it.
SO_RCVBUFFORCE = 33


def seq_recv(port, summary):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # A large buffer, so that frames are lost only on their way here: with
    # the default one (about 200 small datagrams) this receiver, descheduled
    # for 20 ms on a busy machine, would drop frames itself and count them
    # against the switches.  As root, 64 MiB whatever net.core.rmem_max
    # says (seconds of the stream: the switches and emulators of the lab
    # under SCHED_FIFO may keep this receiver off the cores that long);
    # otherwise as much as rmem_max allows.
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("0.0.0.0", int(port)))
    state = {"n": 0, "last_seq": -1, "last_sent": 0.0,
             "run": 0, "run_sent": 0.0, "gap_s": 0.0}

    def count(data):
        if len(data) < HDR.size:
            return
        seq, sent = HDR.unpack_from(data)
        if seq <= state["last_seq"]:
            state["n"] += 1     # Late, out of order: not lost after all.
            return
        run = seq - state["last_seq"] - 1
        gap = sent - state["last_sent"]
        if run and gap > state["gap_s"] and state["last_seq"] >= 0:
            state["run"] = run
            state["run_sent"] = state["last_sent"]
            state["gap_s"] = gap
        state["last_seq"] = seq
        state["last_sent"] = sent
        state["n"] += 1

    def drain():
        while True:
            try:
                count(s.recv(2048))
            except BlockingIOError:
                return

    # SIGTERM or SIGINT ends it, by a byte on a pipe (set_wakeup_fd) that
    # the loop below waits on with the socket, so that no frame is counted
    # half: and what arrived but was not read yet (this receiver held up)
    # is read before the summary, not counted lost.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGTERM, lambda *_: None)
    signal.signal(signal.SIGINT, lambda *_: None)
    s.setblocking(False)
    while True:
        ready = select.select([s, wake_r], [], [])[0]
        drain()
        if wake_r in ready:
            break
    lost = state["last_seq"] + 1 - state["n"]
    with open(summary, "w") as f:
        f.write("received %d lost %d longest_run %d sent_at %.6f "
                "gap_ms %.2f\n"
                % (state["n"], max(lost, 0), state["run"],
                   state["run_sent"], state["gap_s"] * 1000))


def seq_send(host, port, rate, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rate = float(rate)
    start = time.monotonic()
    n = int(rate * float(seconds))
    pad = b"\0" * 36
    for seq in range(n):
        due = start + seq / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            s.sendto(HDR.pack(seq, time.time()) + pad, (host, int(port)))
        except OSError:
            pass                # No route for a moment: a lost frame.


def tcp_recv(port, log):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", int(port)))
    ls.listen(1)
    conn, _ = ls.accept()
    conn.settimeout(0.2)
    total = 0
    next_log = time.time() + 1
    with open(log, "w", buffering=1) as f:
        while True:
            try:
                data = conn.recv(1 << 16)
                if not data:
                    break
                total += len(data)
            except socket.timeout:
                pass
            now = time.time()
            if now >= next_log:
                f.write("%.3f %d\n" % (now, total))
                next_log += 1


def tcp_send(host, port, seconds):
    s = socket.create_connection((host, int(port)), timeout=30)
    buf = b"\0" * (1 << 16)
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        try:
            s.send(buf)
        except OSError:
            time.sleep(0.01)
    s.close()


def main():
    cmds = {"seq-recv": (seq_recv, 2), "seq-send": (seq_send, 4),
            "tcp-recv": (tcp_recv, 2), "tcp-send": (tcp_send, 3)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds \
            or len(sys.argv) != 2 + cmds[sys.argv[1]][1]:
        sys.exit(__doc__)
    cmds[sys.argv[1]][0](*sys.argv[2:])


if __name__ == "__main__":
    main()
