#!/bin/bash
# Scale benchmark (not a test): how ovs-vswitchd-dvel copes with many EVCs.
#
# For each size N (default 10, 1000, 10000 EVCs, 3 lanes each): two fresh
# switches, A and B, each its own ovsdb-server and ovs-vswitchd-dvel in its
# own network namespace, joined by 8 veth pairs (the uplinks l0..l7, 4000
# S-VLANs each); the EVCs take C-VLANs of internal UNI ports u0..u2.  Both
# get the same N EVCs in one transaction each (tests/bench/scale-txn.py:
# dvel-ctl's command line cannot hold 10 000 EVCs); every lane probes every
# 10 s, so B answers A's probes and the lanes come up.  On A it measures:
#
#   - the time from the transaction to the switch reporting it applied
#     (cur_cfg, as "dvel-ctl --wait" sees it) and to all the EVCs' OpenFlow
#     rules being there ("ovs-ofctl dump-aggregate");
#   - memory: the growth of A's resident set from before the transaction to
#     after it, per lane (everything the switch keeps for a lane: dvel's
#     state, its probe state and history, its OpenFlow rules, the IDL's copy
#     of the rows), and what dvel itself holds per lane, as "ovs-appctl
#     memory/show" reports it;
#   - the main loop: how long each iteration spends in bridge_run() (Open
#     vSwitch's work and dvel's together) and in dvel's part of it, from
#     "ovs-appctl dvel/loop-show" over SECONDS_STEADY seconds once every
#     lane is up, and the process's CPU meanwhile.
#
# Usage: tests/bench/scale.sh [N...]
# Environment: SECONDS_STEADY (default 10), OVS_BUILDDIR (default
# /var/cache/dvel/ovs), OUT (default bench-out/scale).
#
# Must run as root (network namespaces).  The machine is shared: compare
# figures from one run, not across runs.

set -e -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
OVS_BUILDDIR=${OVS_BUILDDIR:-/var/cache/dvel/ovs}
SECONDS_STEADY=${SECONDS_STEADY:-10}
OUT=${OUT:-$top/bench-out/scale}
sizes=${*:-10 1000 10000}
LANES=3
UPLINKS=8
UNIS=3

if test "$(id -u)" != 0; then
    echo "$0: must run as root (network namespaces)" >&2
    exit 1
fi
export PATH=$top/utilities:$top/ofproto-dvel:$OVS_BUILDDIR/utilities:$OVS_BUILDDIR/ovsdb:$PATH
for prog in ovs-vswitchd-dvel dvel-ctl ovsdb-server ovs-vsctl ovs-appctl ovs-ofctl python3; do
    command -v $prog >/dev/null || { echo "$0: $prog not found; build first" >&2; exit 1; }
done

work=$(mktemp -d /tmp/dvel-scale.XXXXXX)
mkdir -p "$OUT"
tag=dvs$$
stop_switches () {
    local sw d
    for sw in a b; do
        for d in ovs-vswitchd ovsdb-server; do
            if test -f $work/$sw/$d.pid; then
                kill $(cat $work/$sw/$d.pid) 2>/dev/null || true
                rm -f $work/$sw/$d.pid
            fi
        done
        ip netns del $tag-$sw 2>/dev/null || true
    done
    rm -rf $work/a $work/b
}
cleanup () {
    stop_switches
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# on SW CMD...: runs CMD against switch SW's daemons.
on () {
    local sw=$1; shift
    OVS_RUNDIR=$work/$sw OVS_LOGDIR=$work/$sw OVS_DBDIR=$work/$sw \
    OVS_SYSCONFDIR=$work/$sw DVEL_DB=unix:$work/$sw/db.sock \
        "$@"
}

appctl () {
    local sw=$1; shift
    ovs-appctl -t $work/$sw/vswitchd.ctl "$@"
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s for SECONDS of
# wall-clock time (a busy switch can take seconds to answer one poll).
wait_until () {
    local deadline=$(( $(date +%s) + $1 ))
    shift
    while test $(date +%s) -lt $deadline; do
        "$@" && return 0
        sleep 0.1
    done
    echo "$0: timed out: $*" >&2
    return 1
}

start_switch () {
    local sw=$1 mac=$2 args= i
    mkdir -p $work/$sw
    ip netns add $tag-$sw
    ip -n $tag-$sw link set lo up
    ovsdb-tool create $work/$sw/conf.db $OVS_BUILDDIR/vswitchd/vswitch.ovsschema
    ovsdb-tool create $work/$sw/dvel.db $top/ofproto-dvel/dvel.ovsschema
    on $sw ovsdb-server --detach --no-chdir --pidfile=$work/$sw/ovsdb-server.pid \
        --log-file=$work/$sw/ovsdb-server.log -vconsole:off \
        --remote=punix:$work/$sw/db.sock $work/$sw/conf.db $work/$sw/dvel.db
    on $sw ovs-vsctl --no-wait init
    on $sw dvel-ctl init
    on $sw ip netns exec $tag-$sw ovs-vswitchd-dvel unix:$work/$sw/db.sock \
        --detach --no-chdir --pidfile=$work/$sw/ovs-vswitchd.pid \
        --log-file=$work/$sw/ovs-vswitchd.log -vconsole:off \
        --unixctl=$work/$sw/vswitchd.ctl
    for i in $(seq 0 $((UNIS - 1))); do
        args="$args -- add-port br0 u$i -- set Interface u$i type=internal"
    done
    on $sw ovs-vsctl add-br br0 \
        -- set bridge br0 datapath_type=dvel fail-mode=secure \
           other_config:hwaddr=$mac $args
}

start_pair () {
    local i args=
    start_switch a aa:55:aa:55:00:0a
    start_switch b aa:55:aa:55:00:0b
    for i in $(seq 0 $((UPLINKS - 1))); do
        ip link add $tag-a$i type veth peer name $tag-b$i
        ip link set $tag-a$i netns $tag-a name l$i
        ip link set $tag-b$i netns $tag-b name l$i
        ip -n $tag-a link set l$i up
        ip -n $tag-b link set l$i up
        args="$args -- add-port br0 l$i"
    done
    on a ovs-vsctl $args
    on b ovs-vsctl $args
}

rss_kib () {
    awk '/^VmRSS:/ { print $2 }' /proc/$(cat $work/a/ovs-vswitchd.pid)/status
}

cpu_ticks () {
    awk '{ print $14 + $15 }' /proc/$(cat $work/a/ovs-vswitchd.pid)/stat
}

lanes_up () {
    test "$(appctl a dvel/probe-show | grep -c '^  state: up')" -ge "$1"
}

# memory KEY: one figure of "ovs-appctl memory/show" on A.
memory () {
    appctl a memory/show | tr ' ' '\n' | sed -n "s/^$1://p"
}

# loop_time NAME: "p95 average max" of the main loop's time in bridge_run
# or dvel_run, in us, from dvel/loop-show.
loop_time () {
    appctl a dvel/loop-show | awk -v name=$1 '
        /^[a-z]/ { this = ($1 == name) }
        this && /average:/ { avg = $2; max = $8 }
        this && /percentiles:/ { p95 = $6 }
        END { printf "%.0f %.1f %.0f\n", p95, avg, max }'
}

hz=$(getconf CLK_TCK)
csv=$OUT/scale.csv
echo "evcs,lanes,applied_ms,flows_ms,flows,rss_before_kib,rss_after_kib,rss_bytes_per_lane,dvel_bytes_per_lane,history_bytes_per_lane,bridge_run_p95_us,bridge_run_avg_us,bridge_run_max_us,dvel_run_p95_us,dvel_run_avg_us,dvel_run_max_us,cpu_pct" > $csv

printf '%7s %7s %10s %9s %9s %11s %10s %9s %12s %12s %11s %6s\n' \
    evcs lanes applied_ms flows_ms rss_MiB rss_B/lane dvel_B/l hist_B/l \
    run_p95_us run_avg_us dvel_avg_us cpu%
for n in $sizes; do
    start_pair
    rss0=$(rss_kib)
    # B first, so that A's probes find it ready.
    on b python3 $top/tests/bench/scale-txn.py $work/b/db.sock br0 $n $LANES e >/dev/null
    read applied flows nflows < <(on a python3 $top/tests/bench/scale-txn.py \
                                      $work/a/db.sock br0 $n $LANES e)
    echo "  $n EVCs: applied in $applied ms, all flows in $flows ms" >&2
    # Steady state: every lane up, then the main loop over SECONDS_STEADY.
    # If they do not all come up, say how many did and measure anyway.
    if ! wait_until 120 lanes_up $((n * LANES)) 2>/dev/null; then
        echo "  $n EVCs: only $(appctl a dvel/probe-show | grep -c '^  state: up')" \
             "of $((n * LANES)) lanes up after 120 s" >&2
    fi
    appctl a dvel/loop-stats-clear >/dev/null
    c0=$(cpu_ticks); t0=$(date +%s.%N)
    sleep $SECONDS_STEADY
    c1=$(cpu_ticks); t1=$(date +%s.%N)
    read run_p95 run_avg run_max < <(loop_time bridge_run)
    read dvel_p95 dvel_avg dvel_max < <(loop_time dvel_run)
    rss2=$(rss_kib)
    dvel_bytes=$(( $(memory evc-bytes) + $(memory probe-lane-bytes) ))
    hist_bytes=$(memory probe-history-bytes)
    awk -v n=$n -v l=$LANES -v ap=$applied -v fl=$flows -v nf=$nflows \
        -v r0=$rss0 -v r1=$rss2 -v rp=$run_p95 -v ra=$run_avg -v rm=$run_max \
        -v dp=$dvel_p95 -v da=$dvel_avg -v dm=$dvel_max \
        -v db=$dvel_bytes -v hb=$hist_bytes \
        -v c=$((c1 - c0)) -v hz=$hz -v t0=$t0 -v t1=$t1 -v csv=$csv 'BEGIN {
        lanes = n * l
        per = (r1 - r0) * 1024 / lanes
        cpu = 100 * c / hz / (t1 - t0)
        printf "%7d %7d %10d %9d %9.1f %11.0f %10.0f %9.0f %12d %12.1f %11.1f %6.1f\n",
               n, lanes, ap, fl, r1 / 1024, per, db / lanes, hb / lanes,
               rp, ra, da, cpu
        printf "%d,%d,%d,%d,%d,%d,%d,%.0f,%.0f,%.0f,%d,%.1f,%d,%d,%.1f,%d,%.1f\n",
               n, lanes, ap, fl, nf, r0, r1, per, db / lanes, hb / lanes,
               rp, ra, rm, dp, da, dm, cpu >> csv
    }'
    stop_switches
done

echo
echo "applied_ms: from the transaction to the switch reporting it applied"
echo "(cur_cfg); flows_ms: to all of the EVCs' OpenFlow rules being installed;"
echo "rss_MiB: switch A's resident set with the EVCs; rss_B/lane: its growth"
echo "from before the transaction, per lane (all of it: OpenFlow rules, the"
echo "database's copy, dvel's state); dvel_B/l: what dvel itself holds per lane"
echo "(memory/show: evc-bytes + probe-lane-bytes); hist_B/l: per-second history"
echo "so far (it grows 28 B a second to lane-history, 3600 s by default);"
echo "run_p95_us, run_avg_us: time per"
echo "main-loop iteration in bridge_run() (Open vSwitch and dvel), 95th"
echo "percentile and long-term average; dvel_avg_us: dvel's part; cpu%: switch"
echo "A's process, percent of one core, with every lane probing every 10 s."
echo "CSV: $csv"

if command -v gnuplot >/dev/null; then
    gnuplot <<EOF
set terminal png size 800,500
set output "$OUT/scale.png"
set datafile separator ","
set logscale xy
set xlabel "EVCs (3 lanes each)"
set ylabel "ms, us or bytes (see key)"
set key top left
plot "$csv" every ::1 using 1:4 with linespoints title "transaction to flows (ms)", \
     "$csv" every ::1 using 1:12 with linespoints title "bridge_run per iteration, avg (us)", \
     "$csv" every ::1 using 1:15 with linespoints title "dvel_run per iteration, avg (us)", \
     "$csv" every ::1 using 1:8 with linespoints title "resident memory per lane (bytes)", \
     "$csv" every ::1 using 1:9 with linespoints title "dvel state per lane (bytes)"
EOF
    echo "Plot: $OUT/scale.png"
fi
