#!/bin/bash
# dvel-lab: two Data Transfer Nodes joined by an EVC over three emulated WAN
# lanes, with real packets, real processes and real kernel interfaces, on
# one machine:
#
#   h1 ---- [s1: ovs-vswitchd-dvel] ==l1== emu1 ==l1== [s2: ...] ---- h2
#   eth0    uni                     ==l2== emu2 ==l2==        uni    eth0
#   10.77.0.1                       ==l3== emu3 ==l3==          10.77.0.2
#
# h1, s1, wan, s2 and h2 are network namespaces joined by veth pairs.  s1
# and s2 each run their own ovsdb-server and ovs-vswitchd-dvel (own run
# directories); the switches' ports are Linux ports on the userspace
# datapath ("system", read with AF_PACKET sockets), or AF_XDP with
# --ports=afxdp.  The wan namespace runs one dvel-lane-emu per lane, each
# with its own delay, jitter and loss.  Lane li is VLAN 100+i.
#
# With --switch=ovs-bfd, s1 and s2 run what operators use today instead:
# Open vSwitch's own ovs-vswitchd (from $OVS_BUILDDIR/vswitchd, same run
# directories) with a "netdev" bridge, no dvel database; BFD on each lane
# port (bfd:min_tx and bfd:min_rx at --interval, detect multiplier 3, no
# decay) and OpenFlow 1.3 rules equivalent to the EVC: frames from uni go
# to a fast-failover group whose buckets, in the lanes' order of
# preference, watch l1, l2 and l3 and push that lane's VLAN (101 to 103);
# frames from lane li with VLAN 100+i have it popped and go to uni.  The
# switch marks a lane port not live when its carrier is lost or its BFD
# session stops forwarding, and the group then uses the next live bucket.
# BFD frames (UDP) are not OAM to the lane emulator: they wait in its
# queue behind the EVC's traffic.
#
# Usage: utilities/dvel-lab.sh [--demo | --shell | --start | --stop]
#                               [OPTIONS]
#   --demo          (default) the scripted demo: traffic, a live table of
#                   the lanes, a lane failure, a degradation, a summary and
#                   a plot, then tear down
#   --shell         set the lab up, print how to reach it, and wait for
#                   Ctrl-C
#   --start         set the lab up and leave it running; write where it is
#                   to the --state file (for scripts and tests)
#   --stop          tear down the lab that --start described in --state
#   --state=FILE    (default lab-out/lab.state)
#   --ports=TYPE    system (default), afxdp, or dpdk (DPDK's af_packet
#                   driver on the same veths, one PMD thread per switch;
#                   it mounts hugetlbfs and reserves 2-MiB pages if needed,
#                   and gives them back)
#   --switch=KIND   dvel (default): ovs-vswitchd-dvel and EVC e1; or
#                   ovs-bfd: stock ovs-vswitchd, BFD on the lane ports and
#                   a fast-failover group (not with --demo)
#   --interval=MS   probe interval (default 10); with ovs-bfd, BFD's
#                   min_tx and min_rx
#   --policy=P      the EVC's policy (default max-throughput; dvel only)
#   --out=DIR       where logs, the summary and the plot go
#                   (default lab-out/)
#   --realtime      run the two switches and the three lane emulators
#                   under SCHED_FIFO (chrt -f 10), as if each had a core of
#                   its own: on a small shared machine, ordinary scheduling
#                   can hold a switch off its ports for milliseconds, which
#                   probes every millisecond take for a dead lane.  The
#                   hosts and their traffic keep ordinary scheduling.
#
# Must run as root.  It tears down everything it created on exit, on
# Ctrl-C and on failure, and touches nothing else.

set -e -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
OVS_BUILDDIR=${OVS_BUILDDIR:-/var/cache/dvel/ovs}
mode=demo
ports=system
switch=dvel
interval=10
policy=max-throughput
out=$top/lab-out
state=
rt=
for arg; do
    case $arg in
        --demo) mode=demo ;;
        --shell) mode=shell ;;
        --start) mode=start ;;
        --stop) mode=stop ;;
        --state=*) state=${arg#*=} ;;
        --ports=*) ports=${arg#*=} ;;
        --switch=*) switch=${arg#*=} ;;
        --interval=*) interval=${arg#*=} ;;
        --policy=*) policy=${arg#*=} ;;
        --out=*) out=${arg#*=} ;;
        --realtime) rt="chrt -f 10" ;;
        -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "$0: unknown argument $arg (try --help)" >&2; exit 1 ;;
    esac
done
case $ports in
    system|afxdp|dpdk) ;;
    *) echo "$0: --ports must be system, afxdp or dpdk" >&2; exit 1 ;;
esac
case $switch in
    dvel) ;;
    ovs-bfd)
        if test $mode = demo; then
            echo "$0: the demo needs dvel's switch (it shows what dvel measured and did); with --switch=ovs-bfd use --shell or --start" >&2
            exit 1
        fi
        ;;
    *) echo "$0: --switch must be dvel or ovs-bfd" >&2; exit 1 ;;
esac

state=${state:-$out/lab.state}

if test "$(id -u)" != 0; then
    echo "$0: must run as root (network namespaces)" >&2
    exit 1
fi
export PATH=$top/utilities:$top/ofproto-dvel:$OVS_BUILDDIR/utilities:$OVS_BUILDDIR/ovsdb:$PATH
progs="ovs-vswitchd-dvel dvel-ctl dvel-lane-emu ovsdb-server ovs-vsctl ovs-appctl ethtool python3 gnuplot"
if test $switch = ovs-bfd; then
    progs="dvel-lane-emu ovsdb-server ovs-vsctl ovs-appctl ovs-ofctl ethtool python3"
fi
for prog in $progs; do
    command -v $prog >/dev/null || {
        echo "$0: $prog not found (utilities/dvel-setup.sh installs and builds everything)" >&2
        exit 1
    }
done
if test -n "$rt" && ! $rt true 2>/dev/null; then
    echo "$0: --realtime: this machine does not allow SCHED_FIFO (chrt -f 10 failed)" >&2
    exit 1
fi
stock_vswitchd=$OVS_BUILDDIR/vswitchd/ovs-vswitchd
if test $switch = ovs-bfd && test ! -x $stock_vswitchd; then
    echo "$0: $stock_vswitchd not found (utilities/dvel-setup.sh builds it)" >&2
    exit 1
fi

# The three lanes: one-way delay (ms), jitter (ms), loss (%), and a link
# of 50 Mbit/s with a short queue (64 frames, 15 ms), so that the TCP
# stream fills a lane as it would a WAN path instead of the CPU.
lane_emu_args=(
    "delay=5 jitter=0.2 rate=50 limit=64"
    "delay=8 jitter=0.5 loss=0.5 burst=2 rate=50 limit=64"
    "delay=15 jitter=0.2 rate=50 limit=64"
)

pids=()
hp_mounted=no
hp_added=0
if test $mode = stop; then
    test -f "$state" || { echo "$0: $state: no lab state" >&2; exit 1; }
    . "$state"
else
    tag=dvl$$
    work=$(mktemp -d /tmp/dvel-lab.XXXXXX)
    mkdir -p "$out"
    rm -f "$out"/*.log "$out"/*.dat "$out"/summary.txt "$out"/lab.png
fi

# DPDK ports need hugepages: mount hugetlbfs and reserve 2-MiB pages as
# far as they are missing, noting what was done so that cleanup undoes it.
HUGEPAGES_WANTED=160
reserve_hugepages () {
    local free
    if ! grep -q ' hugetlbfs ' /proc/mounts; then
        mkdir -p /dev/hugepages
        mount -t hugetlbfs none /dev/hugepages
        hp_mounted=yes
    fi
    free=$(sed -n 's/^HugePages_Free: *//p' /proc/meminfo)
    if test "$free" -lt $HUGEPAGES_WANTED; then
        hp_added=$((HUGEPAGES_WANTED - free))
        echo $(( $(cat /proc/sys/vm/nr_hugepages) + hp_added )) \
            > /proc/sys/vm/nr_hugepages
        free=$(sed -n 's/^HugePages_Free: *//p' /proc/meminfo)
        if test "$free" -lt $HUGEPAGES_WANTED; then
            echo "$0: only $free free 2-MiB hugepages, DPDK ports need $HUGEPAGES_WANTED" >&2
            exit 1
        fi
    fi
}

release_hugepages () {
    local pid i
    # The switches must be gone before their pages can be given back.
    for pid in $switch_pids; do
        for i in $(seq 100); do
            kill -0 $pid 2>/dev/null || break
            sleep 0.1
        done
    done
    if test "$hp_added" -gt 0; then
        echo $(( $(cat /proc/sys/vm/nr_hugepages) - hp_added )) \
            > /proc/sys/vm/nr_hugepages
    fi
    test $hp_mounted = yes && umount /dev/hugepages
}

cleanup () {
    set +e
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do
        kill $pid 2>/dev/null
    done
    switch_pids=$(cat $work/s1/ovs-vswitchd.pid $work/s2/ovs-vswitchd.pid 2>/dev/null)
    for sw in s1 s2; do
        for d in ovs-vswitchd ovsdb-server; do
            test -f $work/$sw/$d.pid && kill $(cat $work/$sw/$d.pid) 2>/dev/null
        done
    done
    for i in 1 2 3; do
        test -f $work/emu$i.pid && kill $(cat $work/emu$i.pid) 2>/dev/null
    done
    release_hugepages
    # Keep the logs.
    for f in $work/*/*.log $work/*.log; do
        test -f "$f" && cp "$f" "$out/$(basename $(dirname $f))-$(basename $f)"
    done
    for ns in h1 s1 wan s2 h2; do
        ip netns del $tag-$ns 2>/dev/null
    done
    rm -rf "$work"
    test $mode = stop && rm -f "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if test $mode = stop; then
    exit 0
fi

say () {
    printf '\n\033[1m== %s\033[0m\n' "$*"
}

# veth NS1 DEV1 NS2 DEV2: a veth pair between two namespaces, up, with
# segmentation and checksum offloads off (frames cross AF_PACKET sockets,
# which see what the offloads would leave undone).
veth () {
    ip link add $tag-x type veth peer name $tag-y
    ip link set $tag-x netns $tag-$1
    ip -n $tag-$1 link set $tag-x name $2
    ip link set $tag-y netns $tag-$3
    ip -n $tag-$3 link set $tag-y name $4
    for end in "$1 $2" "$3 $4"; do
        set -- $end
        ip -n $tag-$1 link set $2 up
        ip netns exec $tag-$1 ethtool -K $2 rx off tx off gso off tso off \
            gro off >/dev/null 2>&1 || true
    done
}

# on SW CMD...: CMD with SW's databases and directories.
on () {
    local sw=$1; shift
    OVS_RUNDIR=$work/$sw OVS_LOGDIR=$work/$sw OVS_DBDIR=$work/$sw \
    OVS_SYSCONFDIR=$work/$sw DVEL_DB=unix:$work/$sw/db.sock \
        "$@"
}
vsctl () { local sw=$1; shift; ovs-vsctl --db=unix:$work/$sw/db.sock "$@"; }
dctl () { local sw=$1; shift; dvel-ctl --db=unix:$work/$sw/db.sock "$@"; }
appctl () { local sw=$1; shift; ovs-appctl -t $work/$sw/vswitchd.ctl "$@"; }
ofctl () { local sw=$1; shift; ovs-ofctl -O OpenFlow13 "$1" unix:$work/$sw/br0.mgmt "${@:2}"; }
emu () { local i=$1; shift; ovs-appctl -t $work/emu$i.ctl "$@"; }

start_switch () {
    local sw=$1 mac=$2
    local dbs=$work/$sw/conf.db vswitchd=ovs-vswitchd-dvel dp=dvel
    mkdir -p $work/$sw
    ovsdb-tool create $work/$sw/conf.db $OVS_BUILDDIR/vswitchd/vswitch.ovsschema
    if test $switch = dvel; then
        ovsdb-tool create $work/$sw/dvel.db $top/ofproto-dvel/dvel.ovsschema
        dbs="$dbs $work/$sw/dvel.db"
    else
        vswitchd=$stock_vswitchd dp=netdev
    fi
    on $sw ovsdb-server --detach --no-chdir --pidfile=$work/$sw/ovsdb-server.pid \
        --log-file=$work/$sw/ovsdb-server.log -vconsole:off \
        --remote=punix:$work/$sw/db.sock $dbs \
        2>/dev/null
    vsctl $sw --no-wait init
    if test $ports != system; then
        # AF_XDP and DPDK ports are polled by PMD threads: one per switch,
        # on a core of its own, which sleeps when it has nothing to do
        # rather than spin (two spinning switches, the emulators and the
        # hosts' traffic would not fit on a small machine).
        vsctl $sw --no-wait set Open_vSwitch . other_config:pmd-cpu-mask=$3 \
            other_config:pmd-maxsleep=100
    fi
    if test $ports = dpdk; then
        # One DPDK instance per switch: its own file prefix and 128 MB.
        vsctl $sw --no-wait set Open_vSwitch . other_config:dpdk-init=true \
            other_config:dpdk-socket-mem=128 other_config:dpdk-socket-limit=128 \
            "other_config:dpdk-extra=--file-prefix=$tag-$sw --no-pci --no-telemetry"
    fi
    on $sw ip netns exec $tag-$sw $rt $vswitchd unix:$work/$sw/db.sock \
        --detach --no-chdir --pidfile=$work/$sw/ovs-vswitchd.pid \
        --log-file=$work/$sw/ovs-vswitchd.log -vconsole:off \
        --unixctl=$work/$sw/vswitchd.ctl 2>/dev/null
    local opts=
    test $ports = afxdp && opts="type=afxdp options:xdp-mode=generic"
    vsctl $sw add-br br0 \
        -- set bridge br0 datapath_type=$dp fail-mode=secure \
           other_config:hwaddr=$mac
    local i=0
    for p in uni l1 l2 l3; do
        if test $ports = dpdk; then
            opts="type=dpdk options:dpdk-devargs=net_af_packet$i,iface=$p"
        fi
        vsctl $sw add-port br0 $p ${opts:+-- set Interface $p $opts}
        i=$((i + 1))
    done
    if test $switch = ovs-bfd; then
        start_bfd $sw
        return
    fi
    dctl $sw --no-wait set Dvel_Global . other_config:stats-interval=1000
    dctl $sw --wait add-evc e1 br0 uni policy=$policy \
        -- add-lane e1 l1 l1 vlan=101 probe-interval=$interval \
        -- add-lane e1 l2 l2 vlan=102 probe-interval=$interval preference=10 \
        -- add-lane e1 l3 l3 vlan=103 probe-interval=$interval preference=20
}

# start_bfd SW: BFD on SW's lane ports and the EVC's equivalent in
# OpenFlow 1.3 (see the top).  OVS's BFD (lib/bfd.c): min_tx and min_rx
# are whole milliseconds, at least 1; while a session is not up it sends
# once a second (RFC 5880 6.8.3), and it is declared down when nothing
# came for mult (3) times the negotiated receive interval; decay_min_rx=0
# keeps the receive interval from growing on a quiet port.  The group's
# buckets watch the ports: OVS takes a port's liveness from its carrier
# and its BFD session's "forwarding" (ofproto-dpif.c, may_enable_port()).
start_bfd () {
    local sw=$1 i
    for i in 1 2 3; do
        vsctl $sw set Interface l$i bfd:enable=true bfd:min_tx=$interval \
            bfd:min_rx=$interval bfd:decay_min_rx=0 bfd:mult=3
    done
    ofctl $sw add-group "group_id=1,type=ff,bucket=watch_port:l1,actions=push_vlan:0x8100,set_field:4197->vlan_vid,output:l1,bucket=watch_port:l2,actions=push_vlan:0x8100,set_field:4198->vlan_vid,output:l2,bucket=watch_port:l3,actions=push_vlan:0x8100,set_field:4199->vlan_vid,output:l3"
    ofctl $sw add-flow "priority=100,in_port=uni,actions=group:1"
    for i in 1 2 3; do
        ofctl $sw add-flow "priority=100,in_port=l$i,dl_vlan=10$i,actions=pop_vlan,output:uni"
    done
}

# live_ports SW: the lane ports that SW has live (OpenFlow port state
# LIVE), in order.
live_ports () {
    ofctl $1 dump-ports-desc | awk '
        /^ *[0-9A-Z]+\(/ { p = ""; if (match($0, /\(l[123]\)/)) p = substr($0, RSTART + 1, 2) }
        /^ *state:/ && / LIVE/ && p != "" { print p }' | sort
}

say "Building the lab: hosts h1 and h2, switches s1 and s2, three lanes"
for ns in h1 s1 wan s2 h2; do
    ip netns add $tag-$ns
    ip -n $tag-$ns link set lo up
done
veth h1 eth0 s1 uni
veth s2 uni h2 eth0
for i in 1 2 3; do
    veth s1 l$i wan a$i
    veth wan b$i s2 l$i
done
ip -n $tag-h1 addr add 10.77.0.1/24 dev eth0
ip -n $tag-h2 addr add 10.77.0.2/24 dev eth0

for i in 1 2 3; do
    ip netns exec $tag-wan $rt dvel-lane-emu --detach --no-chdir \
        --pidfile=$work/emu$i.pid --log-file=$work/emu$i.log \
        --unixctl=$work/emu$i.ctl -vconsole:off ${lane_emu_args[i-1]} a$i b$i \
        2>/dev/null
done
test $ports = dpdk && reserve_hugepages
start_switch s1 aa:55:aa:55:00:01 0x1
start_switch s2 aa:55:aa:55:00:02 0x2

for i in 1 2 3; do
    echo "  lane l$i: $(emu $i lane-emu/show | sed -n '1s/^a-b ([^)]*): //p')"
done
if test $switch = dvel; then
    echo "  ports: $ports; probes every $interval ms; policy $policy"
else
    echo "  ports: $ports; stock ovs-vswitchd, BFD every $interval ms on each lane, fast-failover group l1, l2, l3"
fi
test -n "$rt" && echo "  switches and lane emulators under SCHED_FIFO ($rt)"

# Wait until the EVC is up on both sides and h1 reaches h2 (ovs-bfd: until
# every lane's BFD session is up on both sides, which takes a few seconds
# at BFD's one packet a second while down).
evc_up () {
    if test $switch = ovs-bfd; then
        test "$(live_ports s1 2>/dev/null | wc -l)" = 3 \
            && test "$(live_ports s2 2>/dev/null | wc -l)" = 3
        return
    fi
    test "$(dctl s1 get EVC e1 status:state 2>/dev/null)" = '"up"' \
        && test "$(dctl s2 get EVC e1 status:state 2>/dev/null)" = '"up"'
}
for i in $(seq 100); do
    if evc_up && ip netns exec $tag-h1 ping -c 1 -W 1 10.77.0.2 >/dev/null 2>&1; then
        break
    fi
    sleep 0.2
done
if ! ip netns exec $tag-h1 ping -c 1 -W 1 10.77.0.2 >/dev/null 2>&1; then
    echo "$0: h1 cannot reach h2 over the EVC; see $out" >&2
    exit 1
fi

# table: one line per lane as s1 sees it.
table () {
    local active
    if test $switch = ovs-bfd; then
        # The group's active bucket is the first live one.
        active=$(live_ports s1 | head -1)
        printf '  %-5s %-6s %-10s %-7s %5s\n' lane bfd forwarding remote flaps
        for l in l1 l2 l3; do
            vsctl s1 get Interface $l bfd_status | tr -d '{}"' | tr ',' '\n' \
                | awk -v l=$l -v a="$active" -F= '
                    { gsub(/ /, "", $1); v[$1] = $2 }
                    END { printf "%s %-4s %-6s %-10s %-7s %5s\n", (l == a ? "*" : " "), l,
                                 v["state"], v["forwarding"], v["remote_state"], v["flap_count"] }'
        done
        return
    fi
    active=$(appctl s1 dvel/evc-show e1 | sed -n 's/.* active_lane=\([^ ]*\).*/\1/p')
    printf '  %-5s %-9s %9s %9s %9s %10s\n' lane state "rtt p50" "rtt p99" "loss 1s" "loss 60s"
    for l in l1 l2 l3; do
        appctl s1 dvel/probe-show e1 $l | awk -v l=$l -v a="$active" '
            /^  state:/ { st = $2 }
            /^  rtt ms/ { for (i = 1; i <= NF; i++) { if ($i == "p50") p50 = $(i+1); if ($i == "p99") p99 = $(i+1) } }
            /^  loss 1s:/ { l1 = $5; gsub(/[(),]/, "", l1) }
            /^  loss 60s:/ { l60 = $5; gsub(/[(),]/, "", l60) }
            END { printf "%s %-4s %-9s %6s ms %6s ms %9s %10s\n", (l == a ? "*" : " "), l, st, p50, p99, l1, l60 }'
    done
}

if test $mode = start; then
    printf 'tag=%s\nwork=%s\nout=%s\nhp_mounted=%s\nhp_added=%s\nswitch=%s\n' \
        $tag $work "$out" $hp_mounted $hp_added $switch > "$state"
    trap - EXIT
    echo "  lab up: state in $state"
    exit 0
fi

if test $mode = shell && test $switch = ovs-bfd; then
    say "The lab is up"
    table
    cat <<EOF

  h1:  ip netns exec $tag-h1 ping 10.77.0.2
  s1:  ovs-appctl -t $work/s1/vswitchd.ctl bfd/show
       ovs-ofctl -O OpenFlow13 dump-group-stats unix:$work/s1/br0.mgmt
       ovs-ofctl -O OpenFlow13 dump-ports-desc unix:$work/s1/br0.mgmt
  lane l1: ovs-appctl -t $work/emu1.ctl lane-emu/set outage=on
  (s2, h2, lanes l2 and l3 likewise.)  Ctrl-C tears it all down.
EOF
    while sleep 3600; do :; done
fi
if test $mode = shell; then
    say "The lab is up"
    table
    cat <<EOF

  h1:  ip netns exec $tag-h1 ping 10.77.0.2
  s1:  ovs-appctl -t $work/s1/vswitchd.ctl dvel/probe-show
       dvel-ctl --db=unix:$work/s1/db.sock show
  lane l1: ovs-appctl -t $work/emu1.ctl lane-emu/set outage=on
  (s2, h2, lanes l2 and l3 likewise.)  Ctrl-C tears it all down.
EOF
    while sleep 3600; do :; done
fi

# ---------------------------------------------------------------------------
# The demo.

# live UNTIL: the table every second until UNTIL seconds into the demo.
live () {
    while test $(( $(date +%s) - t0 )) -lt $1; do
        sleep 1
        printf '\033[2m  t=%ss\033[0m\n' $(( $(date +%s) - t0 ))
        table
    done
}

traffic () {
    ip netns exec $tag-h2 python3 $top/utilities/dvel-lab-traffic.py \
        seq-recv 5001 $work/seq.txt &
    pids+=($!)
    ip netns exec $tag-h2 python3 $top/utilities/dvel-lab-traffic.py \
        tcp-recv 5002 $work/tcp.log &
    pids+=($!)
    sleep 0.5
    ip netns exec $tag-h1 python3 $top/utilities/dvel-lab-traffic.py \
        seq-send 10.77.0.2 5001 1000 $1 &
    pids+=($!)
    ip netns exec $tag-h1 python3 $top/utilities/dvel-lab-traffic.py \
        tcp-send 10.77.0.2 5002 $1 &
    pids+=($!)
    ip netns exec $tag-h1 ping -i 0.2 -w $1 10.77.0.2 > $work/ping.log 2>&1 &
    pids+=($!)
}

t0=$(date +%s)
say "Traffic: 1000 numbered frames/s, a TCP stream and a ping from h1 to h2"
traffic 34
live 6

active=$(appctl s1 dvel/evc-show e1 | sed -n 's/.* active_lane=\([^ ]*\).*/\1/p')
say "Failure: lane $active (the active one) goes dark for 6 s"
fail_at=$(date +%s.%N)
emu ${active#l} lane-emu/set outage=on >/dev/null
echo "$fail_at $active-dark" >> $work/events.dat
live 12
emu ${active#l} lane-emu/set outage=off >/dev/null
echo "$(date +%s.%N) $active-repaired" >> $work/events.dat
say "Lane $active is repaired (its loss over the last minute stays high)"
live 18

active=$(appctl s1 dvel/evc-show e1 | sed -n 's/.* active_lane=\([^ ]*\).*/\1/p')
say "Degradation: lane $active, the active one, starts losing 3% of frames"
emu ${active#l} lane-emu/set loss=3 >/dev/null
echo "$(date +%s.%N) $active-3%-loss" >> $work/events.dat
live 33

say "Results"
for p in "${pids[@]}"; do
    kill $p 2>/dev/null || true
done
wait 2>/dev/null || true
pids=()
{
    echo "What dvel did (s1, transmit direction h1 -> h2):"
    grep -h '|evc|INFO|e1: lane [a-z0-9]* -> ' $work/s1/ovs-vswitchd.log \
        | sed 's/|[0-9]*|evc|INFO|/ /; s/^/  /'
    echo
    read -r _ rx _ lost _ run _ sent_at _ gap_ms _ < $work/seq.txt
    echo "Numbered stream (1000 frames/s): $rx received, $lost lost in all" \
         "(the lossy lanes' share too); the longest interruption lost $run" \
         "frames in a row; the frames either side of it were sent ${gap_ms} ms" \
         "apart, the first" \
         "$(awk -v t=$sent_at -v f=$fail_at 'BEGIN { printf "%+.3f", t - f }') s" \
         "from the failure."
    echo "(Probes every $interval ms, detect-mult 3: the lane is declared" \
         "down $((3 * interval)) ms after its last reply, $((2 * interval))-$((3 * interval)) ms" \
         "after the failure; the frames already on their way over the dead lane are lost" \
         "too.)"
    awk 'NR > 1 { d = $2 - b; if (d * 8 / 1e6 > 0) printf "%s%.1f", (n++ ? " " : "TCP stream, Mbit/s each second: "), d * 8 / 1e6 } { b = $2 } END { print "" }' $work/tcp.log
    awk '/time=/ { n++; for (i = 1; i <= NF; i++) if ($i ~ /^time=/) { sub("time=", "", $i); t[n] = $i + 0 } }
         END { for (i = 2; i <= n; i++) { v = t[i]; for (j = i - 1; j >= 1 && t[j] > v; j--) t[j + 1] = t[j]; t[j + 1] = v }
               printf "ping (every 0.2 s): %d replies, median RTT %.1f ms\n", n, n ? t[int((n + 1) / 2)] : 0 }' $work/ping.log
} | tee "$out/summary.txt"

# The plot: each lane's RTT and the loss seen from s1, with the moves.
for l in l1 l2 l3; do
    appctl s1 dvel/lane-history e1 $l > "$out/$l.dat"
done
grep -h '|evc|INFO|e1: lane [a-z0-9]* -> ' $work/s1/ovs-vswitchd.log \
    | while IFS='|' read -r ts _ _ _ msg; do
        echo "$(date -d "${ts%Z}" +%s.%N) $(echo "$msg" | sed 's/^e1: lane \([^ ]*\) -> \([^:]*\):.*/\1->\2/')"
    done > "$out/switches.dat"
cp $work/events.dat "$out/events.dat"
gnuplot <<EOF
set terminal pngcairo size 1100,700
set output "$out/lab.png"
set multiplot layout 2,1 title "dvel lab: the lanes as switch s1 measured them, and where it sent h1's traffic"
set xdata time
set timefmt "%s"
set format x "%M:%S"
set xtics 5
set key outside right
set grid
set style line 9 lc rgb "#aa0000" dt 2 lw 1.5
set style line 8 lc rgb "#555555" dt 3
set ylabel "RTT (ms), mean per second"
set yrange [0:60]
plot "$out/l1.dat" using 1:(\$4 / 1000) with lines lw 2 title "l1", \
     "$out/l2.dat" using 1:(\$4 / 1000) with lines lw 2 title "l2", \
     "$out/l3.dat" using 1:(\$4 / 1000) with lines lw 2 title "l3", \
     "$out/switches.dat" using 1:(0):(0):(60) with vectors nohead ls 9 title "EVC moves", \
     "$out/switches.dat" using 1:(57):2 with labels left offset 0.3,0 font ",8" tc rgb "#aa0000" notitle, \
     "$out/events.dat" using 1:(0):(0):(60) with vectors nohead ls 8 title "injected", \
     "$out/events.dat" using 1:(50):2 with labels left offset 0.3,0 font ",8" notitle
set ylabel "loss (%) per second, far + near end"
set yrange [0:100]
loss(f, n, s) = s > 0 ? ((f + n) * 100.0 / s > 100 ? 100 : (f + n) * 100.0 / s) : 1/0
plot "$out/l1.dat" using 1:(loss(\$8, \$9, \$7)) with steps lw 2 title "l1", \
     "$out/l2.dat" using 1:(loss(\$8, \$9, \$7)) with steps lw 2 title "l2", \
     "$out/l3.dat" using 1:(loss(\$8, \$9, \$7)) with steps lw 2 title "l3", \
     "$out/switches.dat" using 1:(0):(0):(100) with vectors nohead ls 9 title "EVC moves", \
     "$out/events.dat" using 1:(0):(0):(100) with vectors nohead ls 8 title "injected"
unset multiplot
EOF
echo
echo "Plot: $out/lab.png; summary, histories and logs: $out/"
