#!/usr/bin/env python3
# Copyright (c) 2026 The dvel authors.
# Licensed under the Apache License, Version 2.0.
"""Scale benchmark helper: configure N EVCs with L lanes each in one
transaction on the dvel database and time it until the switch has applied
it and its OpenFlow rules are in place.

dvel-ctl cannot carry 10 000 EVCs in one transaction: its command line
would exceed the kernel's limit on arguments.  This sends the same kind
of transaction (the rows "dvel-ctl add-evc ... -- add-lane ..." would
insert, and next_cfg incremented as "dvel-ctl --wait" does) as one OVSDB
JSON-RPC "transact", then waits as "--wait" does for cur_cfg to reach
next_cfg, then for "ovs-ofctl dump-aggregate" to count every EVC's rules.

Usage: scale-txn.py DB-SOCKET BRIDGE N LANES PREFIX
  UNIs u0, u1, ... take 4000 C-VLANs each; lanes go on ports l0, l1, ...
  (4000 S-VLANs each).  Prints one line: applied_ms flows_ms flows.
"""

import json
import socket
import subprocess
import sys
import time

VLANS_PER_PORT = 4000


class Rpc:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.decoder = json.JSONDecoder()
        self.next_id = 0

    def call(self, method, params):
        self.next_id += 1
        msg = {"method": method, "params": params, "id": self.next_id}
        self.sock.sendall(json.dumps(msg).encode())
        while True:
            text = self.buf.decode(errors="replace").lstrip()
            if text:
                try:
                    reply, end = self.decoder.raw_decode(text)
                    self.buf = text[end:].encode()
                    if reply.get("id") == self.next_id:
                        return reply
                    continue    # Notifications and echoes: not ours.
                except ValueError:
                    pass
            data = self.sock.recv(1 << 20)
            if not data:
                raise SystemExit("scale-txn: connection closed")
            self.buf += data


def transact(rpc, ops):
    reply = rpc.call("transact", ["dvel"] + ops)
    if reply.get("error"):
        raise SystemExit("scale-txn: %s" % reply["error"])
    for result in reply["result"]:
        if result and "error" in result:
            raise SystemExit("scale-txn: %s" % json.dumps(result))
    return reply["result"]


def cfg(rpc):
    rows = transact(rpc, [{"op": "select", "table": "Dvel_Global",
                           "where": [],
                           "columns": ["next_cfg", "cur_cfg"]}])[0]["rows"]
    return rows[0]["next_cfg"], rows[0]["cur_cfg"]


def flow_count(bridge):
    out = subprocess.run(["ovs-ofctl", "dump-aggregate", bridge],
                         capture_output=True, text=True).stdout
    for word in out.split():
        if word.startswith("flow_count="):
            return int(word.split("=")[1])
    return -1


def main():
    db, bridge, n, lanes, prefix = sys.argv[1:6]
    n, lanes = int(n), int(lanes)
    rpc = Rpc(db)

    ops = []
    evc_refs = []
    lane_no = 0
    for i in range(n):
        lane_refs = []
        for j in range(lanes):
            name = "l%d" % lane_no
            ops.append({"op": "insert", "table": "Lane", "uuid-name": name,
                        "row": {"name": "%s%d-%d" % (prefix, i, j),
                                "port": "l%d" % (lane_no // VLANS_PER_PORT),
                                "vlan": 1 + lane_no % VLANS_PER_PORT,
                                "preference": j * 10,
                                "probe_interval": 10000}})
            lane_refs.append(["named-uuid", name])
            lane_no += 1
        evc = "e%d" % i
        ops.append({"op": "insert", "table": "EVC", "uuid-name": evc,
                    "row": {"name": "%s%d" % (prefix, i), "bridge": bridge,
                            "uni_port": "u%d" % (i // VLANS_PER_PORT),
                            "c_vlan": 1 + i % VLANS_PER_PORT,
                            "lanes": ["set", lane_refs]}})
        evc_refs.append(["named-uuid", evc])
    ops.append({"op": "mutate", "table": "Dvel_Global", "where": [],
                "mutations": [["evcs", "insert", ["set", evc_refs]],
                              ["next_cfg", "+=", 1]]})

    start = time.monotonic()
    transact(rpc, ops)
    want, _ = cfg(rpc)
    while True:
        _, cur = cfg(rpc)
        if cur >= want:
            break
        time.sleep(0.01)
    applied = time.monotonic()
    while flow_count(bridge) < n * (1 + lanes):
        time.sleep(0.01)
    flows = time.monotonic()
    print("%.0f %.0f %d" % ((applied - start) * 1000, (flows - start) * 1000,
                            flow_count(bridge)))


if __name__ == "__main__":
    main()
