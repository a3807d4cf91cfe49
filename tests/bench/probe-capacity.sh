#!/bin/bash
# Probe capacity benchmark (not a test): how many Y.1731 probes per second
# one ovs-vswitchd-dvel initiates and answers, with the CPU it uses and the
# accuracy of what it measures, at several rates.
#
# Two switches, A and B, each its own ovsdb-server and ovs-vswitchd-dvel in
# its own network namespace, joined by a veth pair.  Each switch has N EVCs
# (C-VLANs 1..N of one UNI) with one lane each (S-VLAN 1..N on the veth),
# probing every INTERVAL ms: each switch initiates 2*N*1000/INTERVAL probe
# frames per second (a DMM and an SLM per round) and answers as many from
# the other.  The veth ports are ordinary Linux ports on the userspace
# datapath ("system" type, read by the main thread), so no PMD thread
# spins and the CPU figures are the work done.
#
# Usage: tests/bench/probe-capacity.sh [RATE...]
#   RATE: probe frames per second each switch initiates (default
#   "1000 10000 100000").  Environment: SECONDS_PER_RATE (default 10),
#   INTERVAL_MS (default 10), OVS_BUILDDIR (default /var/cache/dvel/ovs),
#   OUT (default bench-out/probe-capacity), where the CSV and the PNG go.
#
# Must run as root (network namespaces).  The machine is shared: compare
# figures from one run, not across runs.

set -e -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
OVS_BUILDDIR=${OVS_BUILDDIR:-/var/cache/dvel/ovs}
SECONDS_PER_RATE=${SECONDS_PER_RATE:-10}
INTERVAL_MS=${INTERVAL_MS:-10}
OUT=${OUT:-$top/bench-out/probe-capacity}
rates=${*:-1000 10000 100000}

if test "$(id -u)" != 0; then
    echo "$0: must run as root (network namespaces)" >&2
    exit 1
fi
export PATH=$top/utilities:$top/ofproto-dvel:$OVS_BUILDDIR/utilities:$OVS_BUILDDIR/ovsdb:$PATH
for prog in ovs-vswitchd-dvel dvel-ctl ovsdb-server ovs-vsctl ovs-appctl; do
    command -v $prog >/dev/null || { echo "$0: $prog not found; build first" >&2; exit 1; }
done

# A veth pair hands frames to the kernel's per-CPU backlog, 1000 frames by
# default: bursts of probes at 100k/s overflow it and the veth counts them
# as dropped on receive.  Raise it for the run (a NIC has rings instead),
# and put it back afterwards.
old_backlog=$(cat /proc/sys/net/core/netdev_max_backlog)
work=$(mktemp -d /tmp/dvel-bench.XXXXXX)
mkdir -p "$OUT"
tag=dvb$$
cleanup () {
    for sw in a b; do
        for d in ovs-vswitchd ovsdb-server; do
            test -f $work/$sw/$d.pid && kill $(cat $work/$sw/$d.pid) 2>/dev/null || true
        done
        ip netns del $tag-$sw 2>/dev/null || true
    done
    rm -rf "$work"
    echo $old_backlog > /proc/sys/net/core/netdev_max_backlog
}
trap cleanup EXIT INT TERM
echo 30000 > /proc/sys/net/core/netdev_max_backlog

# on SW CMD...: runs CMD against switch SW's daemons.
on () {
    local sw=$1; shift
    OVS_RUNDIR=$work/$sw OVS_LOGDIR=$work/$sw OVS_DBDIR=$work/$sw \
    OVS_SYSCONFDIR=$work/$sw DVEL_DB=unix:$work/$sw/db.sock \
        "$@"
}

start_switch () {
    local sw=$1 mac=$2
    mkdir -p $work/$sw
    ip netns add $tag-$sw
    ip -n $tag-$sw link set lo up
    ovsdb-tool create $work/$sw/conf.db $OVS_BUILDDIR/vswitchd/vswitch.ovsschema
    ovsdb-tool create $work/$sw/dvel.db $top/ofproto-dvel/dvel.ovsschema
    on $sw ovsdb-server --detach --no-chdir --pidfile=$work/$sw/ovsdb-server.pid \
        --log-file=$work/$sw/ovsdb-server.log -vconsole:off --remote=punix:$work/$sw/db.sock \
        $work/$sw/conf.db $work/$sw/dvel.db
    on $sw ovs-vsctl --db=unix:$work/$sw/db.sock --no-wait init
    on $sw ip netns exec $tag-$sw ovs-vswitchd-dvel unix:$work/$sw/db.sock \
        --detach --no-chdir --pidfile=$work/$sw/ovs-vswitchd.pid \
        --log-file=$work/$sw/ovs-vswitchd.log -vconsole:off \
        --unixctl=$work/$sw/vswitchd.ctl
    on $sw ovs-vsctl --db=unix:$work/$sw/db.sock add-br br0 \
        -- set bridge br0 datapath_type=dvel fail-mode=secure \
           other_config:hwaddr=$mac \
        -- add-port br0 u0 -- set Interface u0 type=internal
}

appctl () {
    local sw=$1; shift
    ovs-appctl -t $work/$sw/vswitchd.ctl "$@"
}

start_switch a aa:55:aa:55:00:0a
start_switch b aa:55:aa:55:00:0b
ip link add $tag-va type veth peer name $tag-vb
ip link set $tag-va netns $tag-a name va
ip link set $tag-vb netns $tag-b name vb
ip -n $tag-a link set va up
ip -n $tag-b link set vb up
on a ovs-vsctl --db=unix:$work/a/db.sock add-port br0 va
on b ovs-vsctl --db=unix:$work/b/db.sock add-port br0 vb

# configure SW PORT N: N EVCs with one lane each on PORT, instead of
# whatever was there.  EVCs and lanes no longer listed in Dvel_Global are
# garbage-collected by the database.
configure () {
    local sw=$1 port=$2 n=$3 args=
    for i in $(seq $n); do
        args="$args -- add-evc e$i br0 u0 c-vlan=$i -- add-lane e$i l$i $port vlan=$i probe-interval=$INTERVAL_MS"
    done
    dvel-ctl --db=unix:$work/$sw/db.sock --wait -- clear Dvel_Global . evcs
    dvel-ctl --db=unix:$work/$sw/db.sock --wait $args
}

# cpu_ticks PID [COMM]: utime+stime of the process, or of its thread whose
# name starts with COMM.
cpu_ticks () {
    local pid=$1 comm=$2
    if test -z "$comm"; then
        awk '{ print $14 + $15 }' /proc/$pid/stat
        return
    fi
    local t
    for t in /proc/$pid/task/*; do
        if grep -q "^$comm" $t/comm; then
            awk '{ print $14 + $15 }' $t/stat
            return
        fi
    done
    echo 0
}

# summarize SW: sums over every lane of probe-show: "sent replies answered
# p50_median_us p99_max_us lanes_up".
summarize () {
    appctl $1 dvel/probe-show | awk '
        /^  state: up/ { up++ }
        /^  sent:/ { gsub(/[,;]/, ""); sent += $3 + $5; replies += $9 + $11 }
        /^  answered:/ { gsub(/,/, ""); answered += $3 + $5 }
        /^  rtt ms/ {
            for (i = 1; i <= NF; i++) {
                if ($i == "p50") { p50[n++] = $(i + 1) * 1000 }
                if ($i == "p99" && $(i + 1) * 1000 > p99max) { p99max = $(i + 1) * 1000 }
            }
        }
        END {
            for (i = 1; i < n; i++) {       # Insertion sort: mawk has no asort.
                x = p50[i]
                for (j = i - 1; j >= 0 && p50[j] > x; j--) { p50[j + 1] = p50[j] }
                p50[j + 1] = x
            }
            med = n ? p50[int((n - 1) / 2)] : 0
            printf "%d %d %d %.0f %.0f %d\n", sent, replies, answered, med, p99max, up
        }'
}

hz=$(getconf CLK_TCK)
csv=$OUT/probe-capacity.csv
echo "target_per_s,lanes,interval_ms,initiated_per_s,answered_per_s,reply_ratio,rtt_p50_us,rtt_p99_us,cpu_process_pct,cpu_probe_thread_pct,cpu_main_thread_pct" > $csv

printf '%-9s %6s %12s %12s %9s %9s %9s %9s %8s %8s\n' \
    target lanes initiated/s answered/s replies p50_us p99_us cpu% probe% main%
for rate in $rates; do
    n=$(( (rate * INTERVAL_MS + 1999) / 2000 ))
    configure a va $n >/dev/null
    configure b vb $n >/dev/null
    # Wait until every lane of A is up.
    for i in $(seq 600); do
        up=$(summarize a | awk '{ print $6 }')
        test "$up" = "$n" && break
        sleep 0.1
    done
    appctl a dvel/probe-stats-clear >/dev/null
    appctl b dvel/probe-stats-clear >/dev/null
    pid=$(cat $work/a/ovs-vswitchd.pid)
    c0=$(cpu_ticks $pid); p0=$(cpu_ticks $pid dvel_probe); m0=$(cpu_ticks $pid ovs-vswitchd)
    t0=$(date +%s.%N)
    sleep $SECONDS_PER_RATE
    c1=$(cpu_ticks $pid); p1=$(cpu_ticks $pid dvel_probe); m1=$(cpu_ticks $pid ovs-vswitchd)
    t1=$(date +%s.%N)
    read sent replies answered p50 p99 up < <(summarize a)
    awk -v rate=$rate -v n=$n -v iv=$INTERVAL_MS -v sent=$sent -v rep=$replies \
        -v ans=$answered -v p50=$p50 -v p99=$p99 -v t0=$t0 -v t1=$t1 \
        -v c=$((c1 - c0)) -v p=$((p1 - p0)) -v m=$((m1 - m0)) -v hz=$hz \
        -v csv=$csv 'BEGIN {
        dt = t1 - t0
        ratio = sent ? rep / sent : 0
        printf "%-9d %6d %12.0f %12.0f %9.4f %9.0f %9.0f %8.1f %8.1f %8.1f\n",
               rate, n, sent / dt, ans / dt, ratio, p50, p99,
               100 * c / hz / dt, 100 * p / hz / dt, 100 * m / hz / dt
        printf "%d,%d,%d,%.0f,%.0f,%.5f,%.0f,%.0f,%.1f,%.1f,%.1f\n",
               rate, n, iv, sent / dt, ans / dt, ratio, p50, p99,
               100 * c / hz / dt, 100 * p / hz / dt, 100 * m / hz / dt >> csv
    }'
done

echo
echo "initiated/s: DMMs and SLMs switch A sent; answered/s: DMMs and SLMs from"
echo "switch B that A answered; replies: valid DMRs and SLRs per probe sent;"
echo "p50_us: median over lanes of each lane's median two-way delay; p99_us: the"
echo "worst lane's 99th percentile; cpu%: switch A's process, its probe thread"
echo "and its main thread (which reads the veth), in percent of one core."
echo "CSV: $csv"

if command -v gnuplot >/dev/null; then
    gnuplot <<EOF
set terminal png size 800,500
set output "$OUT/probe-capacity.png"
set datafile separator ","
set logscale x
set xlabel "probe frames initiated per second (and as many answered)"
set ylabel "CPU, percent of one core"
set y2label "two-way delay, us"
set y2tics
set key top left
plot "$csv" every ::1 using 4:9 with linespoints title "process CPU", \
     "$csv" every ::1 using 4:10 with linespoints title "probe thread CPU", \
     "$csv" every ::1 using 4:8 axes x1y2 with linespoints title "p99 RTT (us)"
EOF
    echo "Plot: $OUT/probe-capacity.png"
fi
