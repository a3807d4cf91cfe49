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

"""A wire with a delay, for the autotest suite.

Connects to two netdev-dummy ports that listen on Unix sockets
(options:pstream=punix:PATH) and carries every frame from one to the other
after DELAY milliseconds of real time, in each direction, in order.
netdev-dummy frames a stream as a 2-byte big-endian length and the frame.

Usage: lane-relay.py SOCKET-A SOCKET-B DELAY-MS
Runs until either port closes its connection."""

import heapq
import select
import socket
import struct
import sys
import time


def connect(path):
    # The port may not be listening yet: try for ten seconds.
    for _ in range(1000):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.01)
    sys.exit("lane-relay: cannot connect to %s" % path)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    a, b = connect(sys.argv[1]), connect(sys.argv[2])
    delay = float(sys.argv[3]) / 1000.0
    peer = {a: b, b: a}
    bufs = {a: b"", b: b""}
    queue = []          # (due, sequence, destination, framed bytes)
    seq = 0

    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, dst, data = heapq.heappop(queue)
            dst.sendall(data)
        timeout = max(0.0, queue[0][0] - now) if queue else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        for s in readable:
            data = s.recv(65536)
            if not data:
                return
            buf = bufs[s] + data
            while len(buf) >= 2:
                n = struct.unpack("!H", buf[:2])[0]
                if len(buf) < 2 + n:
                    break
                seq += 1
                heapq.heappush(queue, (time.monotonic() + delay, seq,
                                       peer[s], buf[:2 + n]))
                buf = buf[2 + n:]
            bufs[s] = buf


if __name__ == "__main__":
    main()
