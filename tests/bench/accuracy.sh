#!/bin/bash
# Measurement accuracy benchmark (not a test): how far the round-trip
# delay dvel measures on each lane is from the delay the lane emulator
# imposes, with received probes timestamped where dvel timestamps them (in
# the datapath thread that received the frame) and, for comparison, in
# ovs-vswitchd's main thread when its main loop gets to the frame
# (Dvel_Global other_config:probe-timestamps=main-thread: what a design
# that handled probes as packet-ins or in an ofproto module would get),
# and how far ping's RTT over the same lane is.
#
# It runs utilities/dvel-lab.sh (two hosts, two switches, three lanes of
# 5, 8 and 15 ms each way through dvel-lane-emu, real packets) with the
# lanes' jitter and loss off, so that every frame on lane N is held
# exactly 2 * delay there and back: the error of a measurement is what it
# adds.  For each kind of ports (PORTS: "system" ports are read by the
# main thread itself, so there the two kinds of timestamps differ only by
# where in the main loop they are taken; DPDK ports by a PMD thread),
# each combination runs RUN_SECONDS:
#   timestamps  datapath | main-thread (both switches)
#   load        idle: nothing but the probes and the lab;
#               busy: each switch has LOAD_RULES OpenFlow rules (in a
#               table no packet reaches) whose statistics a controller
#               reads every LOAD_PERIOD ms ("ovs-ofctl dump-flows"): the
#               main loop builds each reply in one go.
# dvel's figures are its own: s1's "dvel/probe-show" min, p50 and p99
# over the last 128 probes, read once per 128 probes; the errors are the
# medians over those windows (and the worst window's p99).  The min error
# is the part every frame pays: the emulator's own forwarding and the
# stacks on the way.  ping: PINGS pings every 10 ms from h1 to h2 with the
# EVC pinned to the lane on both switches ("dvel/lane-set"); its path
# adds the hosts' stacks and both switches' forwarding, both ways, and
# ping prints 0.1 ms steps at these delays.
#
# Usage: tests/bench/accuracy.sh
#   Environment: PORTS (default "system dpdk"), INTERVAL (probe interval
#   in ms, default 10), RUN_SECONDS (default 20), PINGS (default 500),
#   LOAD_RULES (default 20000), LOAD_PERIOD (default 200), OVS_BUILDDIR
#   (default /var/cache/dvel/ovs), OUT (default bench-out/accuracy), where
#   the CSVs and the PNG go.
#
# Must run as root (network namespaces; DPDK ports need hugepages, which
# the lab reserves).  The machine is shared: compare figures from one
# run, not across runs.

set -e -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
OVS_BUILDDIR=${OVS_BUILDDIR:-/var/cache/dvel/ovs}
INTERVAL=${INTERVAL:-10}
RUN_SECONDS=${RUN_SECONDS:-20}
PINGS=${PINGS:-500}
LOAD_RULES=${LOAD_RULES:-20000}
LOAD_PERIOD=${LOAD_PERIOD:-200}
PORTS=${PORTS:-system dpdk}
OUT=${OUT:-$top/bench-out/accuracy}
export PATH=$top/utilities:$top/ofproto-dvel:$OVS_BUILDDIR/utilities:$OVS_BUILDDIR/ovsdb:$PATH

if test "$(id -u)" != 0; then
    echo "$0: must run as root (network namespaces)" >&2
    exit 1
fi

# The lab's lanes, one-way delay in ms (utilities/dvel-lab.sh).
lane_delay_ms=(5 8 15)

mkdir -p "$OUT"
state=$OUT/lab.state
load_pids=

load_stop () {
    local pid
    rm -f "$OUT/load.run"
    for pid in $load_pids; do
        wait $pid 2>/dev/null || true
    done
    load_pids=
}

lab_stop () {
    if test -f "$state"; then
        dvel-lab.sh --stop --state="$state" --out="$OUT/lab" >/dev/null 2>&1
    fi
}

cleanup () {
    set +e
    trap - EXIT INT TERM
    load_stop
    lab_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

appctl () { local sw=$1; shift; ovs-appctl -t $work/$sw/vswitchd.ctl "$@"; }
dctl () { local sw=$1; shift; dvel-ctl --db=unix:$work/$sw/db.sock "$@"; }
emu () { local i=$1; shift; ovs-appctl -t $work/emu$i.ctl "$@"; }
ofctl () { local sw=$1; shift; OVS_RUNDIR=$work/$sw ovs-ofctl "$@"; }

# lab_start PORTS: the lab with PORTS ports, the lanes without jitter or
# loss, and on each switch LOAD_RULES rules in table 250, which no packet
# reaches (the busy runs have them read).
lab_start () {
    dvel-lab.sh --start --ports=$1 --interval=$INTERVAL --policy=preference \
        --out="$OUT/lab" --state="$state" > "$OUT/lab-start.log" 2>&1 || {
        cat "$OUT/lab-start.log" >&2
        exit 1
    }
    . "$state"
    for i in 1 2 3; do
        emu $i lane-emu/set jitter=0 loss=0 >/dev/null
    done
    awk -v n=$LOAD_RULES 'BEGIN { for (i = 0; i < n; i++)
        printf "table=250,priority=%d,udp,nw_dst=10.%d.%d.%d,actions=drop\n",
               1 + i % 100, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' \
        > "$OUT/load-rules.txt"
    # In one bundle: one by one, a switch with PMD threads took a few ms
    # each (a table change each, and the revalidation that follows).
    for sw in s1 s2; do
        ofctl $sw -O OpenFlow14 --bundle add-flows br0 "$OUT/load-rules.txt"
    done
}

# load_start: on each switch, every LOAD_PERIOD ms until load_stop, reads
# the statistics of the LOAD_RULES rules, as a controller polling them
# would: the main loop builds the whole reply in one go.
load_start () {
    local sw
    touch "$OUT/load.run"
    for sw in s1 s2; do
        (
            while test -f "$OUT/load.run"; do
                ofctl $sw dump-flows br0 table=250 > /dev/null || exit 1
                sleep $(awk -v p=$LOAD_PERIOD 'BEGIN { print p / 1000 }')
            done
        ) 2>"$OUT/load-$sw.err" &
        load_pids="$load_pids $!"
    done
}

# window LANE: s1's min, p50 and p99 RTT over the last 128 probes on LANE,
# in us.
window () {
    appctl s1 dvel/probe-show e1 $1 | awk '
        /^  rtt ms/ { for (i = 1; i <= NF; i++) {
                          if ($i == "min") min = $(i + 1)
                          if ($i == "p50") p50 = $(i + 1)
                          if ($i == "p99") p99 = $(i + 1) }
                      printf "%.0f %.0f %.0f\n", min * 1000, p50 * 1000,
                             p99 * 1000 }'
}

raw=$OUT/accuracy-raw.csv
echo "ports,method,timestamps,load,lane,emulated_rtt_us,rtt_us_or_p50,rtt_p99_us,rtt_min_us" > "$raw"
rm -f "$OUT"/ping-*.csv
window_s=$(awk -v i=$INTERVAL 'BEGIN { printf "%.3f", i * 128 * 1.05 / 1000 }')
n_windows=$(awk -v r=$RUN_SECONDS -v w=$window_s 'BEGIN { n = int(r / w); print n < 1 ? 1 : n }')

# probes PORTS TIMESTAMPS LOAD: n_windows windows of each lane, into $raw.
probes () {
    local ports=$1 ts=$2 load=$3 sw i l
    for sw in s1 s2; do
        dctl $sw --wait set Dvel_Global . other_config:probe-timestamps=$ts
    done
    test $load = busy && load_start
    appctl s1 dvel/probe-stats-clear >/dev/null
    sleep $window_s
    for i in $(seq $n_windows); do
        sleep $window_s
        for l in 1 2 3; do
            window l$l | while read min p50 p99; do
                echo "$ports,dvel,$ts,$load,l$l,$((lane_delay_ms[l - 1] * 2000)),$p50,$p99,$min"
            done >> "$raw"
        done
    done
    load_stop
    echo "  $ports ports, dvel, $ts timestamps, $load: $n_windows windows of 128 probes per lane"
}

# pings PORTS LOAD: PINGS pings over each lane in turn, into
# $OUT/ping-PORTS-LOAD-lN.csv.
pings () {
    local ports=$1 load=$2 l i
    for sw in s1 s2; do
        dctl $sw --wait set Dvel_Global . other_config:probe-timestamps=datapath
    done
    test $load = busy && load_start
    for l in 1 2 3; do
        appctl s1 dvel/lane-set e1 l$l >/dev/null
        appctl s2 dvel/lane-set e1 l$l >/dev/null
        # Both ways on the lane, as far as the datapaths are concerned:
        # the pings' RTT is the lane's.
        for i in $(seq 100); do
            test "$(ip netns exec $tag-h1 ping -n -c 1 -W 1 10.77.0.2 \
                    | sed -n 's/.* time=\([0-9]*\).*/\1/p')" \
                 -ge $((lane_delay_ms[l - 1] * 2)) 2>/dev/null && break
        done
        ip netns exec $tag-h1 ping -q -c 3 -i 0.2 -W 1 10.77.0.2 >/dev/null
        ip netns exec $tag-h1 ping -n -c $PINGS -i 0.01 -W 1 10.77.0.2 \
            | sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' \
            | awk -v e=$((lane_delay_ms[l - 1] * 2000)) -v load=$load \
                  -v l=l$l -v p=$ports \
                '{ printf "%s,ping,,%s,%s,%d,%.0f,,\n", p, load, l, e, $1 * 1000 }' \
            > "$OUT/ping-$ports-$load-l$l.csv"
    done
    appctl s1 dvel/lane-clear e1 >/dev/null
    appctl s2 dvel/lane-clear e1 >/dev/null
    load_stop
    echo "  $ports ports, ping, $load: $PINGS pings per lane"
}

echo "Accuracy: probes every $INTERVAL ms, lanes ${lane_delay_ms[*]} ms each way, no jitter or loss"
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ports in $PORTS; do
    lab_start $ports
    for load in idle busy; do
        for ts in datapath main-thread; do
            probes $ports $ts $load
        done
        pings $ports $load
    done
    lab_stop
done

# The summary: per ports, method, timestamps, load and lane, the errors in
# us.
csv=$OUT/accuracy.csv
{
    echo "ports,method,timestamps,load,lane,emulated_rtt_us,samples,err_min_us,err_p50_us,err_p99_us,err_worst_us"
    { tail -n +2 "$raw"; cat "$OUT"/ping-*.csv; } \
        | sort -s -t, -k1,1r -k2,2 -k4,4r -k3,3 -k5,5 | awk -F, '
        function sorted_at(a, n, q,    i, j, v, b) {
            for (i = 1; i <= n; i++) b[i] = a[i]
            for (i = 2; i <= n; i++) {
                v = b[i]
                for (j = i - 1; j >= 1 && b[j] > v; j--) b[j + 1] = b[j]
                b[j + 1] = v
            }
            return b[int(q * (n - 1) + 1.5)]
        }
        function flush(    min, p50, p99, worst) {
            if (!n) return
            if (meth == "dvel") {
                # Median over windows of the window min, p50 and p99; the
                # worst p99.
                min = sorted_at(wmin, n, 0.5)
                p50 = sorted_at(w50, n, 0.5)
                p99 = sorted_at(w99, n, 0.5)
                worst = sorted_at(w99, n, 1)
            } else {
                min = sorted_at(w50, n, 0)
                p50 = sorted_at(w50, n, 0.5)
                p99 = sorted_at(w50, n, 0.99)
                worst = sorted_at(w50, n, 1)
            }
            printf "%s,%s,%s,%s,%s,%d,%d,%d,%d,%d,%d\n", ports, meth, ts,
                   load, lane, e, meth == "dvel" ? n * 128 : n, min - e,
                   p50 - e, p99 - e, worst - e
            n = 0
        }
        { key = $1 "," $2 "," $3 "," $4 "," $5 }
        key != last { flush(); last = key; ports = $1; meth = $2; ts = $3
                      load = $4; lane = $5; e = $6 }
        { n++; w50[n] = $7; w99[n] = $8; wmin[n] = $9 }
        END { flush() }'
} > "$csv"

echo
printf '%-6s %-5s %-12s %-5s %-5s %9s %8s %10s %10s %10s %10s\n' ports method timestamps load lane "rtt (us)" samples "err min" "err p50" "err p99" "err worst"
awk -F, 'NR > 1 { printf "%-6s %-5s %-12s %-5s %-5s %9d %8d %7d us %7d us %7d us %7d us\n", $1, $2, ($3 == "" ? "-" : $3), $4, $5, $6, $7, $8, $9, $10, $11 }' "$csv"
echo
echo "CSV: $csv (raw windows and pings: $raw, $OUT/ping-*.csv)"

if command -v gnuplot >/dev/null; then
    # One bar per ports/method/timestamps/load, clustered by lane: p50 and
    # p99 errors.
    awk -F, 'NR > 1 { k = $1 " " $2 ($3 == "" ? "" : " " $3) " " $4
                      if (!(k in col)) { col[k] = ++nk; name[nk] = k }
                      if (!($5 in row)) { row[$5] = ++nl; lname[nl] = $5 }
                      p50[row[$5], col[k]] = $9; p99[row[$5], col[k]] = $10 }
             END { printf "lane"; for (c = 1; c <= nk; c++) printf ",%s", name[c]; print ""
                   for (r = 1; r <= nl; r++) { printf "%s p50", lname[r]
                       for (c = 1; c <= nk; c++) printf ",%d", p50[r, c]; print ""
                       printf "%s p99", lname[r]
                       for (c = 1; c <= nk; c++) printf ",%d", p99[r, c]; print "" } }' \
        "$csv" > "$OUT/accuracy-plot.csv"
    ncols=$(head -1 "$OUT/accuracy-plot.csv" | awk -F, '{ print NF }')
    gnuplot <<EOF
set terminal png size 1200,600
set output "$OUT/accuracy.png"
set datafile separator ","
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7
set key outside right top
set logscale y
set yrange [1:*]
set ylabel "RTT error, us (measured - emulated; log scale)"
set title "RTT error by lane: dvel with datapath or main-thread timestamps, and ping"
plot for [c=2:$ncols] "$OUT/accuracy-plot.csv" using (column(c) > 0 ? column(c) : 1):xtic(1) title columnheader(c)
EOF
    echo "Plot: $OUT/accuracy.png"
fi
