#!/usr/bin/env python3
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

"""set-link.py IFACE up|down

Sets IFACE up or down with one SIOCSIFFLAGS ioctl and prints the wall-clock
times just before and just after it, "BEFORE AFTER" in seconds since the
epoch to the microsecond.  The failover benchmark takes a link down with
it to know when that happened to within the ioctl, where "ip link set"
would add its own start-up, a millisecond or more on a busy machine.  A
veth loses its carrier inside the ioctl, at the end of it (after the
kernel has waited for the device's transmitters to drain)."""

import fcntl
import socket
import struct
import sys
import time

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
IFREQ = "16sH22x"               # struct ifreq: name, ifr_flags, padding.


def usec(ns):
    return "%d.%06d" % (ns // 1000000000, ns // 1000 % 1000000)


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("up", "down"):
        sys.stderr.write("usage: %s IFACE up|down\n" % sys.argv[0])
        return 2
    name = sys.argv[1].encode()
    if len(name) >= 16:
        sys.stderr.write("%s: interface name too long\n" % sys.argv[1])
        return 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        ifr = fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack(IFREQ, name, 0))
    except OSError as e:
        sys.stderr.write("%s: %s\n" % (sys.argv[1], e.strerror))
        return 1
    flags = struct.unpack(IFREQ, ifr)[1]
    flags = flags | IFF_UP if sys.argv[2] == "up" else flags & ~IFF_UP
    ifr = struct.pack(IFREQ, name, flags)
    before = time.time_ns()
    fcntl.ioctl(sock, SIOCSIFFLAGS, ifr)
    after = time.time_ns()
    print(usec(before), usec(after))
    return 0


if __name__ == "__main__":
    sys.exit(main())
