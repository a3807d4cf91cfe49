#!/bin/bash
# dvel-demo.sh: a sandbox with two dvel switches, in the spirit of OVS's
# ovs-sandbox.  Each switch runs its own ovsdb-server and ovs-vswitchd-dvel
# (on OVS's dummy datapath, so no kernel module or NIC is needed).  They are
# joined by three "cables" (dummy stream ports), the lanes of one EVC.  A
# stream of frames enters switch A's UNI; the demo moves the EVC from lane
# to lane with "ovs-appctl dvel/lane-set" and shows the OpenFlow counters of
# each lane moving, and the frames still arriving at switch B's UNI.
#
# Runs from the build tree.  Everything lives in one directory that is
# removed on exit (keep it with --keep).

set -e -o pipefail

usage() {
    cat <<EOF
usage: $0 [--keep] [--frames N]
  --keep      leave the sandbox running and print how to use it
  --frames N  frames sent per step (default 200)
EOF
}

keep=no
frames=200
while [ $# -gt 0 ]; do
    case $1 in
        --keep) keep=yes ;;
        --frames) frames=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 1 ;;
    esac
    shift
done

top=$(cd "$(dirname "$0")/.." && pwd)
ovs=$(sed -n 's/^OVS_BUILDDIR = //p' "$top/Makefile" 2>/dev/null)
if [ ! -x "$top/ofproto-dvel/ovs-vswitchd-dvel" ] || [ -z "$ovs" ]; then
    echo "$0: build dvel first (utilities/dvel-setup.sh)" >&2
    exit 1
fi
export PATH="$top/utilities:$top/ofproto-dvel:$ovs/utilities:$ovs/ovsdb:$PATH"
schema_ovs=$(sed -n 's/^OVS_SRCDIR = //p' "$top/Makefile")/vswitchd/vswitch.ovsschema
schema_dvel=$top/ofproto-dvel/dvel.ovsschema

dir=$(mktemp -d /tmp/dvel-demo.XXXXXX)
pids=()
netns=()
cleanup() {
    [ "$keep" = yes ] && return
    for sw in A B; do
        OVS_RUNDIR=$dir/$sw ovs-appctl -t ovs-vswitchd exit 2>/dev/null || true
        OVS_RUNDIR=$dir/$sw ovs-appctl -t ovsdb-server exit 2>/dev/null || true
    done
    for ns in "${netns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
on() { local sw=$1; shift; (export OVS_RUNDIR=$dir/$sw OVS_LOGDIR=$dir/$sw OVS_DBDIR=$dir/$sw; "$@"); }

start_switch() {
    local sw=$1 d=$dir/$1
    mkdir -p "$d"
    ovsdb-tool create "$d/conf.db" "$schema_ovs"
    ovsdb-tool create "$d/dvel.db" "$schema_dvel"
    on $sw ovsdb-server --detach --no-chdir --pidfile --log-file \
        --remote=punix:"$d/db.sock" "$d/conf.db" "$d/dvel.db"
    on $sw ovs-vsctl --no-wait init
    # Internal ports are tap devices: as root, give each switch a network
    # namespace so that they appear nowhere else.
    local nsexec=
    if [ "$(id -u)" = 0 ] && ip netns add dvel-demo-$$-$sw 2>/dev/null; then
        netns+=(dvel-demo-$$-$sw)
        nsexec="ip netns exec dvel-demo-$$-$sw"
    fi
    on $sw $nsexec bash -c 'exec -a ovs-vswitchd "$0" "$@"' \
        "$(command -v ovs-vswitchd-dvel)" --enable-dummy --disable-system \
        --disable-system-route --detach --no-chdir --pidfile --log-file
    on $sw ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dvel \
        fail-mode=secure \
        -- add-port br0 uni -- set Interface uni type=dummy ofport_request=1
}

bold "Starting switches A and B (ovsdb-server + ovs-vswitchd-dvel each) in $dir"
start_switch A
start_switch B
on A ovs-vswitchd-dvel --version | head -2

bold "Joining them with three links, one per lane"
for i in 1 2 3; do
    on A ovs-vsctl add-port br0 l$i -- set Interface l$i type=dummy \
        ofport_request=$((i + 1)) options:pstream=punix:"$dir/link$i.sock"
    on B ovs-vsctl add-port br0 l$i -- set Interface l$i type=dummy \
        ofport_request=$((i + 1)) options:stream=unix:"$dir/link$i.sock"
done

bold "Configuring EVC e1 (UNI 'uni') with lanes a, b, c on both switches"
for sw in A B; do
    echo "[$sw] dvel-ctl --wait add-evc e1 br0 uni -- add-lane e1 a l1 vlan=100 ..."
    on $sw dvel-ctl --wait add-evc e1 br0 uni \
        -- add-lane e1 a l1 vlan=100 \
        -- add-lane e1 b l2 vlan=200 preference=10 \
        -- add-lane e1 c l3 vlan=300 preference=20
done
# Wait (at most 5 s) until B's side of each link has connected.
for i in $(seq 50); do
    n=$(on B ovs-appctl netdev-dummy/conn-state | grep -c ': connected$' || true)
    [ "$n" = 3 ] && break
    sleep 0.1
done
on A dvel-ctl show

bold "Switch A's flows (ovs-ofctl dump-flows br0)"
on A ovs-ofctl -O OpenFlow13 dump-flows br0

frame='in_port(1),eth(src=50:54:00:00:00:0a,dst=50:54:00:00:00:0b),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=5000,dst=5001)'

lane_packets() {
    on $1 ovs-ofctl dump-flows br0 "$2" | sed -n 's/.*n_packets=\([0-9]*\).*/\1/p' \
        | awk '{ s += $1 } END { print s + 0 }'
}

b_lanes_total() {
    echo $(( $(lane_packets B in_port=l1) \
             + $(lane_packets B in_port=l2) \
             + $(lane_packets B in_port=l3) ))
}

counters() {
    printf '  %-34s %7s %7s %7s\n' "" "lane a" "lane b" "lane c"
    printf '  %-34s %7s %7s %7s\n' "frames B received on each lane:" \
        "$(lane_packets B in_port=l1)" \
        "$(lane_packets B in_port=l2)" \
        "$(lane_packets B in_port=l3)"
}

sent=0
stream() {
    echo "  sending $frames frames into A's UNI (A's active lane: $(on A dvel-ctl get EVC e1 status:active_lane | tr -d '"'))"
    for i in $(seq $frames); do
        on A ovs-appctl netdev-dummy/receive uni "$frame" >/dev/null
    done
    sent=$((sent + frames))
    # Flow counters are updated by OVS's revalidators about twice a
    # second: wait until B has counted every frame (at most 10 s).
    for i in $(seq 100); do
        [ "$(b_lanes_total)" -ge $sent ] && break
        sleep 0.1
    done
    counters
    echo "  total: A sent $sent, B received $(b_lanes_total) and passed them to its UNI"
}

bold "Streaming frames from A's UNI to B's UNI"
stream

for lane in b c a; do
    bold "ovs-appctl dvel/lane-set e1 $lane   (on switch A)"
    on A ovs-appctl dvel/lane-set e1 $lane
    stream
done

bold "Lane a loses its link on A: the EVC moves by itself"
on A ovs-appctl dvel/lane-clear e1
on A ovs-appctl netdev-dummy/set-admin-state l1 down >/dev/null
# The switch reacts in its next main-loop iteration; show its state once it
# has (at most 5 s).
for i in $(seq 50); do
    [ "$(on A dvel-ctl get EVC e1 status:active_lane | tr -d '"')" = b ] && break
    sleep 0.1
done
on A ovs-appctl dvel/lane-show e1
stream
on A ovs-appctl netdev-dummy/set-admin-state l1 up >/dev/null

bold "dvel-ctl show on A (live status from the database)"
on A dvel-ctl show
bold "What switch A logged"
grep '|evc|' "$dir/A/ovs-vswitchd.log" | sed 's/^[^|]*|[^|]*|//'

if [ "$keep" = yes ]; then
    bold "The sandbox keeps running.  To use switch A:"
    echo "  export PATH=$PATH"
    echo "  export OVS_RUNDIR=$dir/A OVS_LOGDIR=$dir/A OVS_DBDIR=$dir/A"
    echo "  dvel-ctl show; ovs-appctl dvel/lane-show; ovs-ofctl dump-flows br0"
    echo "Stop it with: OVS_RUNDIR=$dir/A ovs-appctl exit; OVS_RUNDIR=$dir/B ovs-appctl exit (and ovsdb-server)"
fi
