#!/bin/bash
# Forwarding cost benchmark (not a test): what dvel costs the fast path.
#
# One PMD thread forwards 64-byte frames from a DPDK net_null port (which
# produces them as fast as they are read) to another (which drops them),
# through an EVC's rule: UNI n0 to a lane on n1, VLAN 100 pushed.  Two
# configurations, one after the other, alternating ROUNDS times:
#
#   stock: Open vSwitch's own ovs-vswitchd (the OVS build dvel is built
#          against), a datapath_type=netdev bridge, and the same OpenFlow
#          rules dvel installs, copied from the dvel run with ovs-ofctl;
#   dvel:  ovs-vswitchd-dvel, a datapath_type=dvel bridge, the EVC
#          configured with dvel-ctl, and a second EVC whose lane (on a
#          third net_null port that receives nothing) probes every 2 ms,
#          so that 1 000 probe frames a second go out through the datapath
#          while the traffic runs.
#
# The PMD thread runs on core 1 and every other thread of the switch is
# moved to core 0.  For each it reads the PMD thread's statistics over
# SECONDS_PER_RUN seconds (ovs-appctl dpif-netdev/pmd-stats-show): packets
# forwarded per second and the processing cycles per packet; and prints
# the ratio of
# dvel's cycles per packet to stock's.  With EVCS=N (default "1 1000") it
# does it again with N-1 more EVCs configured (C-VLANs 1..N-1 of an
# internal UNI, lanes on n1), to show what many EVCs cost.
#
# Usage: tests/bench/forwarding-cost.sh
# Environment: SECONDS_PER_RUN (default 10), ROUNDS (default 3), EVCS,
# OVS_BUILDDIR (default /var/cache/dvel/ovs), OUT (default
# bench-out/forwarding-cost).  Root only (hugepages); it mounts hugetlbfs
# and reserves 2-MiB pages if needed, and gives them back.

set -e -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
OVS_BUILDDIR=${OVS_BUILDDIR:-/var/cache/dvel/ovs}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
ROUNDS=${ROUNDS:-3}
EVCS=${EVCS:-1 1000}
OUT=${OUT:-$top/bench-out/forwarding-cost}
PMD_MASK=0x2

if test "$(id -u)" != 0; then
    echo "$0: must run as root (hugepages)" >&2
    exit 1
fi
export PATH=$top/utilities:$top/ofproto-dvel:$OVS_BUILDDIR/utilities:$OVS_BUILDDIR/ovsdb:$PATH
stock_vswitchd=$OVS_BUILDDIR/vswitchd/ovs-vswitchd
for prog in ovs-vswitchd-dvel dvel-ctl ovsdb-server ovs-vsctl ovs-appctl ovs-ofctl; do
    command -v $prog >/dev/null || { echo "$0: $prog not found; build first" >&2; exit 1; }
done
test -x $stock_vswitchd || { echo "$0: $stock_vswitchd not found" >&2; exit 1; }
grep -q '^#define DPDK_NETDEV 1' $OVS_BUILDDIR/config.h \
    || { echo "$0: Open vSwitch was built without DPDK" >&2; exit 1; }

. "$top/tests/bench/bench-lib.sh"
work=$(mktemp -d /tmp/dvel-fwd.XXXXXX)
mkdir -p "$OUT"
pid=

stop_switch () {
    local i
    if test -n "$pid"; then
        kill $pid 2>/dev/null || true
        for i in $(seq 100); do
            kill -0 $pid 2>/dev/null || break
            sleep 0.1
        done
        pid=
    fi
    if test -f $work/ovsdb-server.pid; then
        kill $(cat $work/ovsdb-server.pid) 2>/dev/null || true
        rm -f $work/ovsdb-server.pid
    fi
}
cleanup () {
    stop_switch
    hugepages_release
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Hugepages, as far as they are missing (one DPDK instance at a time).
hugepages_reserve 160

export OVS_RUNDIR=$work OVS_LOGDIR=$work OVS_DBDIR=$work OVS_SYSCONFDIR=$work
export DVEL_DB=unix:$work/db.sock

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_until () {
    local deadline=$(( $(date +%s) + $1 ))
    shift
    while test $(date +%s) -lt $deadline; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "$0: timed out: $*" >&2
    return 1
}

# start_switch BINARY TYPE: a fresh database and switch with DPDK and one
# PMD thread, a bridge br0 of datapath type TYPE with ports n0, n1 and n2.
start_switch () {
    local binary=$1 type=$2
    rm -f $work/*.db $work/.*.db.~lock~
    ovsdb-tool create $work/conf.db $OVS_BUILDDIR/vswitchd/vswitch.ovsschema
    ovsdb-tool create $work/dvel.db $top/ofproto-dvel/dvel.ovsschema
    ovsdb-server --detach --no-chdir --pidfile=$work/ovsdb-server.pid \
        --log-file=$work/ovsdb-server.log -vconsole:off \
        --remote=punix:$work/db.sock $work/conf.db $work/dvel.db
    ovs-vsctl --no-wait init -- set Open_vSwitch . \
        other_config:dpdk-init=true other_config:dpdk-socket-mem=256 \
        other_config:dpdk-socket-limit=256 other_config:pmd-cpu-mask=$PMD_MASK \
        "other_config:dpdk-extra=--no-pci --no-telemetry --file-prefix=dvfwd$$"
    dvel-ctl --no-wait init
    $binary unix:$work/db.sock --detach --no-chdir \
        --pidfile=$work/ovs-vswitchd.pid --log-file=$work/ovs-vswitchd.log \
        --unixctl=$work/vswitchd.ctl -vconsole:off
    pid=$(cat $work/ovs-vswitchd.pid)
    wait_until 60 test "$(ovs-vsctl get Open_vSwitch . dpdk_initialized)" = true
    ovs-vsctl add-br br0 -- set bridge br0 datapath_type=$type fail-mode=secure \
        other_config:hwaddr=aa:55:aa:55:00:01 \
        -- add-port br0 n0 -- set Interface n0 type=dpdk \
           options:dpdk-devargs=net_null0,size=64 ofport_request=1 \
        -- add-port br0 n1 -- set Interface n1 type=dpdk \
           options:dpdk-devargs=net_null1,size=64,no-rx=1 ofport_request=2 \
        -- add-port br0 n2 -- set Interface n2 type=dpdk \
           options:dpdk-devargs=net_null2,size=64,no-rx=1 ofport_request=3 \
        -- add-port br0 u1 -- set Interface u1 type=internal ofport_request=4 \
        -- add-port br0 u2 -- set Interface u2 type=internal ofport_request=5
}

# configure_dvel N: EVC e0 carries n0 on n1 VLAN 100; e-probe's lane on n2
# probes every 2 ms (1 000 probe frames a second); N-1 more EVCs on u1.
configure_dvel () {
    local n=$1 i args=
    dvel-ctl --wait add-evc e0 br0 n0 \
        -- add-lane e0 l0 n1 vlan=100 probe:enable=false \
        -- add-evc eprobe br0 u2 \
        -- add-lane eprobe lp n2 vlan=4000 probe-interval=2
    for i in $(seq 1 $((n - 1))); do
        args="$args -- add-evc e$i br0 u1 c-vlan=$i -- add-lane e$i l$i n1 vlan=$((100 + i)) probe:enable=false"
        if test $((i % 500)) = 0 || test $i = $((n - 1)); then
            dvel-ctl --wait $args
            args=
        fi
    done
    wait_until 30 sh -c "ovs-ofctl dump-aggregate br0 | grep 'flow_count=$(( (n + 1) * 2 ))' >/dev/null"
}

# measure: "Mpps cycles_per_packet" of the PMD thread over SECONDS_PER_RUN.
# Neither configuration's other threads (dvel's probe thread, OVS's
# handlers and revalidators, the main thread) take time from it.
measure () {
    pin_non_pmd $pid
    sleep 2                     # Past the first upcalls.
    ovs-appctl -t $work/vswitchd.ctl dpif-netdev/pmd-stats-clear >/dev/null
    sleep $SECONDS_PER_RUN
    ovs-appctl -t $work/vswitchd.ctl dpif-netdev/pmd-stats-show | awk -v t=$SECONDS_PER_RUN '
        /packets received:/ { rx += $3 }
        /avg processing cycles per packet:/ { cpp = $6 }
        END { printf "%.3f %.1f\n", rx / t / 1e6, cpp }'
}

csv=$OUT/forwarding-cost.csv
echo "evcs,round,config,mpps,cycles_per_packet" > $csv
printf '%6s %5s %-6s %8s %12s\n' evcs round config Mpps cycles/pkt
for n in $EVCS; do
    for r in $(seq $ROUNDS); do
        # dvel first: its rules are what stock gets.
        start_switch ovs-vswitchd-dvel dvel
        configure_dvel $n
        ovs-ofctl --no-stats --names dump-flows br0 > $work/flows.txt
        read mpps cpp < <(measure)
        printf '%6d %5d %-6s %8.3f %12.1f\n' $n $r dvel $mpps $cpp
        echo "$n,$r,dvel,$mpps,$cpp" >> $csv
        stop_switch

        start_switch $stock_vswitchd netdev
        ovs-ofctl --names add-flows br0 $work/flows.txt
        read mpps cpp < <(measure)
        printf '%6d %5d %-6s %8.3f %12.1f\n' $n $r stock $mpps $cpp
        echo "$n,$r,stock,$mpps,$cpp" >> $csv
        stop_switch
    done
done

echo
awk -F, 'NR > 1 {
        k = $1 " " $3; s[k] += $5; m[k] += $4; c[k]++
        if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 }
    }
    END {
        for (i = 0; i < n; i++) {
            e = order[i]
            d = s[e " dvel"] / c[e " dvel"]; st = s[e " stock"] / c[e " stock"]
            printf "%d EVCs: dvel %.1f cycles/packet (%.2f Mpps), stock %.1f (%.2f Mpps): ratio %.3f\n",
                   e, d, m[e " dvel"] / c[e " dvel"], st, m[e " stock"] / c[e " stock"], d / st
        }
    }' $csv | tee $OUT/summary.txt
echo "CSV: $csv"

if command -v gnuplot >/dev/null; then
    gnuplot <<EOF
set terminal png size 800,500
set output "$OUT/forwarding-cost.png"
set datafile separator ","
set style data histograms
set style fill solid 0.6
set ylabel "processing cycles per packet"
set xlabel "run (EVCs configured, round, configuration)"
set xtics rotate by -45
plot "$csv" every ::1 using 5:xtic(sprintf("%s/%s/%s", stringcolumn(1), stringcolumn(2), stringcolumn(3))) title "cycles per packet"
EOF
    echo "Plot: $OUT/forwarding-cost.png"
fi
