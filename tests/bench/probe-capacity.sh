#!/bin/bash
# Probe capacity benchmark (not a test): how many Y.1731 probes per second
# one ovs-vswitchd-dvel initiates and answers, with the CPU it uses and the
# accuracy of what it measures, at several rates.
#
# Each switch has N EVCs (C-VLANs 1..N of one UNI) with one lane each
# (S-VLAN 1..N), probing every INTERVAL ms: it initiates 2*N*1000/INTERVAL
# probe frames per second (a DMM and an SLM per round), answers as many,
# and takes as many replies.  Two set-ups, PORTS:
#
#   dpdk:   the fast path dvel is built for.  One switch; its lanes are on
#           a DPDK ring port (net_ring) that loops back, so every probe
#           the switch sends comes back to it: it answers its own probes
#           and takes the replies, which is per probe the work of
#           initiating one and answering one from a peer.  One PMD thread
#           on core 1 receives and timestamps the probes; every other
#           thread is kept on core 0.  CPU is the PMD thread's busy share
#           (its processing cycles, from dpif-netdev/pmd-stats-show, not
#           the 100% it spins) plus the CPU time of every other thread.
#           The two-way delay measured is what the switch adds: the ring
#           itself takes no time.
#   system: two switches, each in its own network namespace, joined by a
#           veth pair: ordinary Linux ports on the userspace datapath, read
#           by the main thread (no PMD thread spins, so the CPU is the work
#           done), the kernel's veth work shared with them.
#
# And two loads, LOADS: "idle", nothing but the probes; "busy", each switch
# also has LOAD_RULES OpenFlow rules (in a table no packet reaches) whose
# statistics a controller reads every LOAD_PERIOD ms ("ovs-ofctl
# dump-flows"), so that the main loop is busy building replies: probes
# must not wait for it.
#
# Usage: tests/bench/probe-capacity.sh [RATE...]
#   RATE: probe frames per second each switch initiates (default
#   "1000 10000 100000").  Environment: PORTS (default "dpdk system"),
#   LOADS (default "idle"), LOAD_RULES (default 20000), LOAD_PERIOD
#   (default 200), SECONDS_PER_RATE (default 10), INTERVAL_MS (default 10), OVS_BUILDDIR
#   (default /var/cache/dvel/ovs), OUT (default bench-out/probe-capacity),
#   where the CSV and the PNG go.
#
# Must run as root (network namespaces, hugepages).  The machine is shared:
# compare figures from one run, not across runs.

set -e -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
OVS_BUILDDIR=${OVS_BUILDDIR:-/var/cache/dvel/ovs}
SECONDS_PER_RATE=${SECONDS_PER_RATE:-10}
INTERVAL_MS=${INTERVAL_MS:-10}
PORTS=${PORTS:-dpdk system}
LOADS=${LOADS:-idle}
LOAD_RULES=${LOAD_RULES:-20000}
LOAD_PERIOD=${LOAD_PERIOD:-200}
OUT=${OUT:-$top/bench-out/probe-capacity}
rates=${*:-1000 10000 100000}

if test "$(id -u)" != 0; then
    echo "$0: must run as root (network namespaces, hugepages)" >&2
    exit 1
fi
export PATH=$top/utilities:$top/ofproto-dvel:$OVS_BUILDDIR/utilities:$OVS_BUILDDIR/ovsdb:$PATH
for prog in ovs-vswitchd-dvel dvel-ctl ovsdb-server ovs-vsctl ovs-appctl; do
    command -v $prog >/dev/null || { echo "$0: $prog not found; build first" >&2; exit 1; }
done
for ports in $PORTS; do
    case $ports in
        dpdk)
            grep -q '^#define DPDK_NETDEV 1' $OVS_BUILDDIR/config.h \
                || { echo "$0: Open vSwitch was built without DPDK" >&2; exit 1; } ;;
        system) ;;
        *) echo "$0: PORTS: unknown set-up '$ports'" >&2; exit 1 ;;
    esac
done
for load in $LOADS; do
    case $load in
        idle|busy) ;;
        *) echo "$0: LOADS: unknown load '$load'" >&2; exit 1 ;;
    esac
done

. "$top/tests/bench/bench-lib.sh"

# A veth pair hands frames to the kernel's per-CPU backlog, 1000 frames by
# default: bursts of probes at 100k/s overflow it and the veth counts them
# as dropped on receive.  Raise it for the run (a NIC has rings instead),
# and put it back afterwards.
old_backlog=$(cat /proc/sys/net/core/netdev_max_backlog)
work=$(mktemp -d /tmp/dvel-bench.XXXXXX)
mkdir -p "$OUT"
tag=dvb$$
stop_switches () {
    local sw d
    for sw in a b; do
        for d in ovs-vswitchd ovsdb-server; do
            if test -f $work/$sw/$d.pid; then
                local p=$(cat $work/$sw/$d.pid) i
                kill $p 2>/dev/null || true
                for i in $(seq 100); do     # DPDK takes a moment to let go.
                    kill -0 $p 2>/dev/null || break
                    sleep 0.1
                done
                rm -f $work/$sw/$d.pid
            fi
        done
        ip netns del $tag-$sw 2>/dev/null || true
    done
}
cleanup () {
    load_stop
    stop_switches
    hugepages_release
    rm -rf "$work"
    echo $old_backlog > /proc/sys/net/core/netdev_max_backlog
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

# start_switch SW MAC [NETNS]: a database, a switch (in network namespace
# NETNS, if given) and bridge br0 with an internal port u0, the UNI.
start_switch () {
    local sw=$1 mac=$2 netns=$3 i
    rm -rf $work/$sw
    mkdir -p $work/$sw
    ovsdb-tool create $work/$sw/conf.db $OVS_BUILDDIR/vswitchd/vswitch.ovsschema
    ovsdb-tool create $work/$sw/dvel.db $top/ofproto-dvel/dvel.ovsschema
    on $sw ovsdb-server --detach --no-chdir --pidfile=$work/$sw/ovsdb-server.pid \
        --log-file=$work/$sw/ovsdb-server.log -vconsole:off --remote=punix:$work/$sw/db.sock \
        $work/$sw/conf.db $work/$sw/dvel.db
    on $sw ovs-vsctl --db=unix:$work/$sw/db.sock --no-wait init
    if test $ports = dpdk; then
        on $sw ovs-vsctl --db=unix:$work/$sw/db.sock --no-wait \
            set Open_vSwitch . other_config:dpdk-init=true \
            other_config:dpdk-socket-mem=256 other_config:dpdk-socket-limit=256 \
            other_config:pmd-cpu-mask=0x2 \
            "other_config:dpdk-extra=--no-pci --no-telemetry --file-prefix=$tag"
    fi
    on $sw ${netns:+ip netns exec $netns} ovs-vswitchd-dvel unix:$work/$sw/db.sock \
        --detach --no-chdir --pidfile=$work/$sw/ovs-vswitchd.pid \
        --log-file=$work/$sw/ovs-vswitchd.log -vconsole:off \
        --unixctl=$work/$sw/vswitchd.ctl
    if test $ports = dpdk; then
        for i in $(seq 300); do
            test "$(on $sw ovs-vsctl --db=unix:$work/$sw/db.sock get Open_vSwitch . dpdk_initialized)" = true && break
            sleep 0.2
        done
    fi
    on $sw ovs-vsctl --db=unix:$work/$sw/db.sock add-br br0 \
        -- set bridge br0 datapath_type=dvel fail-mode=secure \
           other_config:hwaddr=$mac \
        -- add-port br0 u0 -- set Interface u0 type=internal
}

# setup: the switches of set-up $ports; sets 'lanes' to "SW PORT" pairs.
setup () {
    case $ports in
        dpdk)
            hugepages_reserve 160
            start_switch a aa:55:aa:55:00:0a
            on a ovs-vsctl --db=unix:$work/a/db.sock add-port br0 r0 \
                -- set Interface r0 type=dpdk options:dpdk-devargs=net_ring0
            pin_non_pmd $(cat $work/a/ovs-vswitchd.pid)
            pin_non_pmd $(cat $work/a/ovsdb-server.pid)
            lanes="a r0"
            ;;
        system)
            ip netns add $tag-a
            ip netns add $tag-b
            ip -n $tag-a link set lo up
            ip -n $tag-b link set lo up
            start_switch a aa:55:aa:55:00:0a $tag-a
            start_switch b aa:55:aa:55:00:0b $tag-b
            ip link add $tag-va type veth peer name $tag-vb
            ip link set $tag-va netns $tag-a name va
            ip link set $tag-vb netns $tag-b name vb
            ip -n $tag-a link set va up
            ip -n $tag-b link set vb up
            on a ovs-vsctl --db=unix:$work/a/db.sock add-port br0 va
            on b ovs-vsctl --db=unix:$work/b/db.sock add-port br0 vb
            lanes="a va b vb"
            echo 30000 > /proc/sys/net/core/netdev_max_backlog
            ;;
    esac
}

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

# summarize SW: sums over every lane of probe-show: "sent replies answered
# p50_median_us p99_max_us lanes_up down_events".
summarize () {
    appctl $1 dvel/probe-show | awk '
        /^  state: up/ { up++ }
        /^  state:/ { for (i = 1; i < NF; i++) { if ($(i + 1) ~ /^times/) { down += $i } } }
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
            printf "%d %d %d %.0f %.0f %d %d\n", sent, replies, answered, med, p99max, up, down
        }'
}

# pmd_busy_pct: the PMD thread's processing cycles since the last
# pmd-stats-clear, in percent of its cycles (that is, of one core), or 0
# without PMD threads.
pmd_busy_pct () {
    appctl a dpif-netdev/pmd-stats-show | awk '
        /idle cycles:/ { idle += $3 }
        /processing cycles:/ { busy += $3 }
        END { printf "%.1f\n", idle + busy ? 100 * busy / (idle + busy) : 0 }'
}

# cpu_pct T0 T1 SECONDS: from two thread_ticks snapshots of switch A,
# "process probe_thread main_thread" in percent of one core, PMD threads
# left out (they spin: pmd_busy_pct says what they do).
cpu_pct () {
    join $1 $2 | awk -v hz=$(getconf CLK_TCK) -v dt=$3 -v pid=$pid '
        $2 ~ /^pmd/ { next }
        { d = 100 * ($5 - $3) / hz / dt; all += d }
        $2 ~ /^dvel_probe/ { probe += d; next }
        $1 == pid { main += d }
        END { printf "%.1f %.1f %.1f\n", all, probe, main }'
}

# load_prepare: adds LOAD_RULES rules to table 250 of each switch, in one
# bundle, unless it did already.
load_prepare () {
    local sw
    if ! test -f $work/load-rules.txt; then
        awk -v n=$LOAD_RULES 'BEGIN { for (i = 0; i < n; i++)
            printf "table=250,priority=%d,udp,nw_dst=10.%d.%d.%d,actions=drop\n",
                   1 + i % 100, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' \
            > $work/load-rules.txt
        for sw in $switches; do
            ovs-ofctl -O OpenFlow14 --bundle add-flows unix:$work/$sw/br0.mgmt \
                $work/load-rules.txt
        done
    fi
}

# load_start: on each switch, every LOAD_PERIOD ms until load_stop, reads
# the statistics of those rules, as a controller polling them would: the
# main loop builds the whole reply in one go.
load_pids=
load_start () {
    local sw
    touch $work/load.run
    for sw in $switches; do
        (
            while test -f $work/load.run; do
                ovs-ofctl dump-flows unix:$work/$sw/br0.mgmt table=250 > /dev/null || exit 1
                sleep $(awk -v p=$LOAD_PERIOD 'BEGIN { print p / 1000 }')
            done
        ) &
        load_pids="$load_pids $!"
    done
}

load_stop () {
    rm -f $work/load.run
    test -n "$load_pids" && wait $load_pids 2>/dev/null
    load_pids=
}

csv=$OUT/probe-capacity.csv
echo "ports,load,target_per_s,lanes,interval_ms,initiated_per_s,answered_per_s,reply_ratio,rtt_p50_us,rtt_p99_us,lanes_down,cpu_total_pct,cpu_pmd_busy_pct,cpu_probe_thread_pct,cpu_main_thread_pct" > $csv

printf '%-6s %4s %7s %5s %11s %10s %8s %7s %7s %5s %6s %6s %6s %6s\n' \
    ports load target lanes initiated/s answered/s replies p50_us p99_us downs cpu% pmd% probe% main%
for ports in $PORTS; do
    setup
    switches=$(echo $lanes | awk '{ for (i = 1; i <= NF; i += 2) printf "%s ", $i }')
    pid=$(cat $work/a/ovs-vswitchd.pid)
    for load in $LOADS; do
    for rate in $rates; do
        n=$(( (rate * INTERVAL_MS + 1999) / 2000 ))
        set -- $lanes
        while test $# -gt 0; do
            configure $1 $2 $n >/dev/null
            shift 2
        done
        test $load = busy && load_prepare
        # Wait until every lane of A is up.
        for i in $(seq 600); do
            up=$(summarize a | awk '{ print $6 }')
            test "$up" = "$n" && break
            sleep 0.1
        done
        set -- $lanes
        while test $# -gt 0; do
            appctl $1 dvel/probe-stats-clear >/dev/null
            shift 2
        done
        test $ports = dpdk && appctl a dpif-netdev/pmd-stats-clear >/dev/null
        test $load = busy && load_start
        d0=$(summarize a | awk '{ print $7 }')
        thread_ticks $pid > $work/ticks0
        t0=$(date +%s.%N)
        sleep $SECONDS_PER_RATE
        thread_ticks $pid > $work/ticks1
        t1=$(date +%s.%N)
        load_stop
        pmd=0
        test $ports = dpdk && pmd=$(pmd_busy_pct)
        read sent replies answered p50 p99 up d1 < <(summarize a)
        read cpu probe main < <(cpu_pct $work/ticks0 $work/ticks1 \
                                 $(awk -v a=$t0 -v b=$t1 'BEGIN { print b - a }'))
        awk -v ports=$ports -v load=$load -v rate=$rate -v n=$n -v iv=$INTERVAL_MS \
            -v sent=$sent -v rep=$replies -v ans=$answered -v p50=$p50 \
            -v p99=$p99 -v downs=$((d1 - d0)) -v t0=$t0 -v t1=$t1 \
            -v cpu=$cpu -v pmd=$pmd -v probe=$probe -v main=$main \
            -v csv=$csv 'BEGIN {
            dt = t1 - t0
            ratio = sent ? rep / sent : 0
            total = cpu + pmd
            printf "%-6s %4s %7d %5d %11.0f %10.0f %8.4f %7.0f %7.0f %5d %6.1f %6.1f %6.1f %6.1f\n",
                   ports, load, rate, n, sent / dt, ans / dt, ratio, p50, p99, downs,
                   total, pmd, probe, main
            printf "%s,%s,%d,%d,%d,%.0f,%.0f,%.5f,%.0f,%.0f,%d,%.1f,%.1f,%.1f,%.1f\n",
                   ports, load, rate, n, iv, sent / dt, ans / dt, ratio, p50, p99,
                   downs, total, pmd, probe, main >> csv
        }'
    done
    done
    stop_switches
    rm -f $work/load-rules.txt
    hugepages_release
done

echo
echo "initiated/s: DMMs and SLMs switch A sent; answered/s: DMMs and SLMs A"
echo "answered; replies: valid DMRs and SLRs per probe sent; p50_us: median"
echo "over lanes of each lane's median two-way delay; p99_us: the worst lane's"
echo "99th percentile; downs: lanes declared down during the run; cpu%: what"
echo "switch A used in percent of one core: pmd% (its PMD thread's busy"
echo "share; dpdk only) plus every other thread, of which probe% is the probe"
echo "thread and main% the main thread (which reads the veth in system)."
echo "CSV: $csv"

if command -v gnuplot >/dev/null; then
    gnuplot <<EOF
set terminal png size 800,500
set output "$OUT/probe-capacity.png"
set datafile separator ","
set logscale x
set xlabel "probe frames initiated per second (and as many answered)"
set ylabel "CPU, percent of one core"
set key top left
set grid
set xrange [500:300000]
set yrange [0:110]
plot "< grep '^dpdk,idle,' $csv" using 6:12 with linespoints title "dpdk, idle: CPU used", \
     "< grep '^dpdk,idle,' $csv" using 6:14 with linespoints title "dpdk, idle: probe thread", \
     "< grep '^dpdk,busy,' $csv" using 6:12 with linespoints title "dpdk, busy: CPU used", \
     "< grep '^system,idle,' $csv" using 6:12 with linespoints title "system, idle: CPU used", \
     100 with lines dashtype 2 title "one core"
EOF
    echo "Plot: $OUT/probe-capacity.png"
fi
