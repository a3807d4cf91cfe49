#!/bin/bash
# Failover time benchmark (not a test): how long an EVC's traffic stops
# when its active lane dies, at several probe intervals, and how long the
# switch takes to apply a lane change as the number of EVCs grows.
#
# Part "lab" runs utilities/dvel-lab.sh (two hosts, two switches, three
# lanes through dvel-lane-emu, real packets) with a numbered UDP stream
# from h1 to h2 (utilities/dvel-lab-traffic.py) at RATE frames/s.  The
# three lanes are made alike (LANE_DELAY_MS each way, no jitter, loss or
# rate limit), so that the lane the EVC lands on does not matter and a
# move between healthy lanes neither loses nor reorders frames.  The EVC
# uses the preference policy with a hold-down of an hour, so that it stays
# where a failover put it instead of moving back in the middle of a later
# run (a failover is immediate whatever the hold-down and damping).  For
# each probe interval
# (every lane of the EVC, both switches; detect-mult 3), it first runs
# the stream alone (steady-state loss, and lanes that the probes declared
# down although nothing failed), then kills the active lane REPS times in
# each of two ways:
#   outage     the lane's emulator drops every frame, both ways
#              ("lane-emu/set outage=on"): only the probes can tell;
#   link-down  the far end of s1's lane port goes down (aN in the wan
#              namespace, by one ioctl that tests/bench/set-link.py
#              times), so that s1's port loses carrier and Open vSwitch
#              reports its link down.
# For each run: frames lost, the interruption, and when s1 moved, counted
# from the failure: as "dvel/evc-show" timed the move, to the microsecond,
# with when the switch saw its cause and when its rules and datapath flows
# had changed over (or, for stock Open vSwitch, as logged, in ms).
# The interruption is how long the frames
# sent were lost: of the gaps in which frames were lost, the widest by
# the send times the frames carry (the time between the sending of the
# frames either side, less one frame's spacing), so that neither a sender
# that falls behind and catches up nor a receiver held up changes it.
# The failure of a link is taken to be when the last frame through before
# that gap was sent (it reached the lane within a fraction of a
# millisecond), kept within the ioctl that took the link down; an outage
# is when the emulator began it ("outage since" in lane-emu/show), to the
# microsecond.  Frames lost at the end of a stream, when traffic had not
# come back before it ended, count too: such a run is "unrecovered", its
# interruption at least what was lost / RATE.  A run in which the stream
# lost nothing ("no-loss": its sender, with ordinary scheduling, was held
# up across the failure and caught up after) counts for when the switch
# moved, not for the loss and interruption.
#
# Part "norefresh" runs part lab again with Dvel_Global
# other_config:datapath-refresh=false on both switches: after a failover,
# the datapath's flows are left to Open vSwitch's revalidators instead of
# being refreshed by dvel at once (ofproto-dvel/dp-refresh.c); if both
# ran, a table comparing the two.
#
# Part "bfd" runs the same stream, steady state and failures against what
# operators use today: utilities/dvel-lab.sh --switch=ovs-bfd, Open
# vSwitch's own ovs-vswitchd with BFD on each lane port (min_tx = min_rx =
# the interval, detect multiplier 3) and an OpenFlow fast-failover group
# whose buckets watch the lane ports (l1, then l2, then l3), started
# afresh for each interval.  A lane "moves" when s1 marks its active lane
# port not live (its first OpenFlow port-status message without LIVE, as
# "ovs-ofctl --timestamp monitor" receives it: the switch logs BFD state
# changes at most 20 a minute, and nothing for a carrier loss); "lanes
# declared down" counts those messages and "moves" the changes of the
# first live bucket.  Then, if part "lab" ran too, a table comparing the
# two, interval by interval.
#
# Part "revalidation" runs one ovs-vswitchd-dvel on the dummy datapath
# with N EVCs (each a C-VLAN of a UNI, two lanes, probes off, one
# datapath flow each), and times "dvel/lane-set" of one EVC and the link
# of every EVC's active lane going down, until the datapath flows have
# the new output, with the revalidators' own time for a pass over all the
# datapath flows.
#
# Usage: tests/bench/failover-time.sh
#   Environment: PARTS (default "lab norefresh bfd revalidation"),
#   INTERVALS (probe intervals in ms, default "1 3 10 100"), REPS (runs
#   per interval and failure, default 5), RATE (frames/s, default 10000),
#   LANE_DELAY_MS (default 5), KINDS (failures, default "outage
#   link-down"), LAB_PORTS (the lab's --ports, default
#   system), LAB_REALTIME (yes: the lab's --realtime, switches and lane
#   emulators under SCHED_FIFO; default no), FAR_INTERVAL (part lab: s2's
#   own probe interval, in ms; default the same as s1's: s2 answers s1's
#   probes whatever its own, and the stream goes from h1 to h2, so that
#   s1's failover is what it times), STREAM_FIFO (the stream's
#   sender under SCHED_FIFO at this priority; default none: see "sender"
#   below), STEADY_SECONDS
#   (default 5), EVCS (default "10 1000 10000"),
#   OVS_BUILDDIR (default /var/cache/dvel/ovs), OUT (default
#   bench-out/failover-time), where the CSVs and the PNG go (part lab:
#   failover-runs.csv and failover.csv; part norefresh: the same, named
#   failover-norefresh*; part bfd: failover-bfd-runs.csv and
#   failover-bfd.csv; lab and bfd: failover-compare.csv).
#
# Must run as root (network namespaces).  The machine is shared: compare
# figures from one run, not across runs.

set -e -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
OVS_BUILDDIR=${OVS_BUILDDIR:-/var/cache/dvel/ovs}
PARTS=${PARTS:-lab norefresh bfd revalidation}
INTERVALS=${INTERVALS:-1 3 10 100}
REPS=${REPS:-5}
RATE=${RATE:-10000}
LANE_DELAY_MS=${LANE_DELAY_MS:-5}
KINDS=${KINDS:-outage link-down}
LAB_PORTS=${LAB_PORTS:-system}
LAB_REALTIME=${LAB_REALTIME:-no}
lab_rt=
test "$LAB_REALTIME" = yes && lab_rt=--realtime
# The stream's sender: tests/bench/stream-send (C, built with the rest),
# or failing that the Python one.  STREAM_FIFO=PRIO runs it under
# SCHED_FIFO at PRIO (above the lab's 10 so that the switches' work during
# a failover does not hold it up; it sleeps between frames).  The receiver
# keeps ordinary scheduling: its socket's buffer holds seconds of the
# stream, and what it had not read when the stream stops is read before
# it counts.  Frames the kernel dropped, by that socket or by a backlog
# queue on any hop (whose softirq threads have ordinary scheduling), are
# counted in each run as rx_dropped: they were not lost by the switches.
sender="python3 $top/utilities/dvel-lab-traffic.py seq-send"
if test -x "$top/tests/bench/stream-send"; then
    sender=$top/tests/bench/stream-send
fi
STREAM_FIFO=${STREAM_FIFO:-}
if test -n "$STREAM_FIFO"; then
    sender="chrt -f $STREAM_FIFO $sender"
fi
STEADY_SECONDS=${STEADY_SECONDS:-5}
EVCS=${EVCS:-10 1000 10000}
OUT=${OUT:-$top/bench-out/failover-time}

# Each failure run: the stream runs this long, and the lane dies this far
# into it.
STREAM_SECONDS=3
FAIL_AFTER=1

if test "$(id -u)" != 0; then
    echo "$0: must run as root (network namespaces)" >&2
    exit 1
fi
export PATH=$top/utilities:$top/ofproto-dvel:$OVS_BUILDDIR/utilities:$OVS_BUILDDIR/ovsdb:$PATH
for prog in ovs-vswitchd-dvel dvel-ctl dvel-lane-emu ovsdb-server ovs-vsctl \
            ovs-appctl python3 ss; do
    command -v $prog >/dev/null || { echo "$0: $prog not found; build first" >&2; exit 1; }
done
case " $PARTS " in
    *" bfd "*)
        command -v ovs-ofctl >/dev/null && test -x $OVS_BUILDDIR/vswitchd/ovs-vswitchd || {
            echo "$0: part bfd needs Open vSwitch's own ovs-vswitchd and ovs-ofctl in $OVS_BUILDDIR" >&2
            exit 1
        }
        ;;
esac

mkdir -p "$OUT"
bench=$(mktemp -d /tmp/dvel-failover.XXXXXX)
lab_state=$bench/lab.state
tag=
work=
pids=()
sandbox_ns=
# The switch the lab runs: dvel, or ovs-bfd (part bfd), and the latter's
# port-status monitor.
switch_kind=dvel
mon_pid=
mon_file=$bench/port-status.txt
cleanup () {
    set +e
    trap - EXIT INT TERM
    for pid in "${pids[@]}" $mon_pid; do
        kill $pid 2>/dev/null
    done
    if test -f "$lab_state"; then
        dvel-lab.sh --stop --state="$lab_state" --out="$bench/lab" >/dev/null 2>&1
    fi
    for d in ovs-vswitchd ovsdb-server; do
        test -f $bench/sb/$d.pid && kill $(cat $bench/sb/$d.pid) 2>/dev/null
    done
    test -n "$sandbox_ns" && ip netns del $sandbox_ns 2>/dev/null
    rm -rf "$bench"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_until SECONDS CMD...: polls CMD every 20 ms until it succeeds;
# fails after SECONDS.
wait_until () {
    local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
    shift
    until "$@"; do
        if test $(date +%s%N) -gt $deadline; then
            return 1
        fi
        sleep 0.02
    done
}

# median and max of the numbers on standard input: "MEDIAN MAX", or "- -".
median_max () {
    sort -g | awk '{ v[n++] = $1 }
        END { if (!n) { print "- -"; exit }
              m = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
              print m, v[n - 1] }'
}

# ---------------------------------------------------------------------------
# Part 1: the lab.

s1 () { ovs-appctl -t $work/s1/vswitchd.ctl "$@"; }
emu () { local i=$1; shift; ovs-appctl -t $work/emu$i.ctl "$@"; }
dctl () { local sw=$1; shift; dvel-ctl --db=unix:$work/$sw/db.sock "$@"; }
ofctl1 () { ovs-ofctl -O OpenFlow13 "$1" unix:$work/s1/br0.mgmt "${@:2}"; }

# With --switch=ovs-bfd (switch_kind), the EVC is s1's fast-failover
# group: its active lane is the first lane port that s1 has live.
# live_ports: those ports, in order.
live_ports () {
    ofctl1 dump-ports-desc | awk '
        /^ *[0-9A-Z]+\(/ { p = ""; if (match($0, /\(l[123]\)/)) p = substr($0, RSTART + 1, 2) }
        /^ *state:/ && / LIVE/ && p != "" { print p }' | sort
}
# port_events [FROM]: "PORT LIVE TIME" for each port-status message about
# a lane port that the monitor received after line FROM of its output
# (LIVE 1 or 0; TIME as ovs-ofctl printed it, UTC, ms).
port_events () {
    tail -n +$((${1:-0} + 1)) $mon_file | awk '
        /OFPT_PORT_STATUS/ { t = $1 " " $2; sub(/:$/, "", t); p = ""
                             if (match($0, /\(l[123]\)/)) p = substr($0, RSTART + 1, 2)
                             next }
        /^ *state:/ && p != "" { print p, (/ LIVE/ ? 1 : 0), t; p = "" }'
}
monitor_start () {
    : > $mon_file
    ovs-ofctl -O OpenFlow13 --timestamp monitor unix:$work/s1/br0.mgmt 128 \
        > $mon_file 2>&1 &
    mon_pid=$!
}
monitor_stop () {
    kill $mon_pid 2>/dev/null
    wait $mon_pid 2>/dev/null || true
    mon_pid=
}

# active: s1's active lane of EVC e1.
active () {
    if test $switch_kind = ovs-bfd; then
        live_ports | head -1
        return
    fi
    s1 dvel/lane-show e1 | sed -n 's/^  \* lane \([^:]*\):.*/\1/p'
}
# lanes_up: true if s1 has all three lanes up and EVC e1 on one of them.
lanes_up () {
    if test $switch_kind = ovs-bfd; then
        # And each session at its fast rate: one that just came up still
        # runs at the 1 s it used while down until a poll sequence has
        # changed both ends' intervals, and would take 3 s to time out.
        test "$(live_ports | wc -l)" = 3 \
            && test "$(s1 bfd/show | grep -c "^  [TR]X Interval: Approx ${bfd_iv}ms$")" = 6
        return
    fi
    test "$(s1 dvel/lane-show e1 | grep -c ' state=up')" = 3 \
        && test -n "$(active)"
}
# down_count: how many times s1's probes declared a lane down, all lanes
# (ovs-bfd: how many times s1 marked a lane port not live since the
# monitor started, all lanes up then).
down_count () {
    if test $switch_kind = ovs-bfd; then
        port_events | awk '{ if (!($1 in up)) up[$1] = 1
                             if (up[$1] && !$2) n++
                             up[$1] = $2 }
                           END { print n + 0 }'
        return
    fi
    s1 dvel/lane-show e1 \
        | sed -n 's/.* probe_down_count=\([0-9]*\).*/\1/p' \
        | awk '{ n += $1 } END { print n + 0 }'
}
# moves: how many times s1 moved EVC e1 (ovs-bfd: how many times the
# group's first live bucket changed since the monitor started).
moves () {
    if test $switch_kind = ovs-bfd; then
        port_events | awk '
            BEGIN { up["l1"] = up["l2"] = up["l3"] = 1; a = "l1" }
            { up[$1] = $2
              b = up["l1"] ? "l1" : up["l2"] ? "l2" : up["l3"] ? "l3" : ""
              if (b != a) n++
              a = b }
            END { print n + 0 }'
        return
    fi
    s1 dvel/evc-show e1 | sed -n 's/.* switches=\([0-9]*\).*/\1/p'
}
# moved_off LANE: true once s1 has moved EVC e1 off LANE; for dvel, what
# dvel/evc-show said then is kept in $bench/evc-show.txt, its last move
# the one off LANE (read later, it could be a move after it).
moved_off () {
    if test $switch_kind = ovs-bfd; then
        test "$(active)" != "$1"
        return
    fi
    s1 dvel/evc-show e1 > $bench/evc-show.txt
    ! grep " active_lane=$1 " $bench/evc-show.txt >/dev/null
}
# move_mark: where s1's record of moves is now (a line count);
# move_time LANE MARK: when s1 first moved off LANE after MARK, in
# seconds since the epoch, or 0 if it did not: dvel logs its move;
# ovs-bfd is the port-status message that took LANE's port out of the
# group.
move_mark () {
    if test $switch_kind = ovs-bfd; then
        wc -l < $mon_file
    else
        wc -l < $work/s1/ovs-vswitchd.log
    fi
}
move_time () {
    local ts
    if test $switch_kind = ovs-bfd; then
        ts=$(port_events $2 | awk -v l=$1 '!done && $1 == l && !$2 { print $3, $4; done = 1 }')
    else
        ts=$(tail -n +$(($2 + 1)) $work/s1/ovs-vswitchd.log \
             | grep -m1 "|evc|INFO|e1: lane $1 -> " || true)
        ts=${ts%%|*}
    fi
    if test -n "$ts"; then
        log_epoch "$ts" 2>/dev/null || echo 0
    else
        echo 0
    fi
}

receiver_listening () {
    test -n "$(ip netns exec $tag-h2 ss -Hlun 'sport = :5001')"
}
# rx_drops: frames the kernel dropped so far, not a switch: by h2's UDP
# sockets (buffer full) and by the backlog queues of all CPUs (any hop,
# any namespace; the lab is all there is on the machine).
rx_drops () {
    local udp backlog=0 cpu dropped rest
    udp=$(ip netns exec $tag-h2 awk '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1; next } $1 == "Udp:" { print $c }' /proc/net/snmp)
    while read cpu dropped rest; do
        backlog=$((backlog + 0x$dropped))
    done < /proc/net/softnet_stat
    echo $((${udp:-0} + backlog))
}
# stream_start SECONDS: RATE numbered frames a second from h1 to h2.
stream_start () {
    rm -f $bench/seq.txt
    ip netns exec $tag-h2 python3 $top/utilities/dvel-lab-traffic.py \
        seq-recv 5001 $bench/seq.txt &
    recv_pid=$!
    pids+=($recv_pid)
    wait_until 10 receiver_listening
    ip netns exec $tag-h1 $sender 10.77.0.2 5001 $RATE $1 &
    send_pid=$!
    pids+=($send_pid)
    stream_frames=$((RATE * $1))
}
# stream_stop: waits for the sender, stops the receiver and sets 'summary'
# to its summary, "received N lost N longest_run R sent_at S gap_ms G"
# (see utilities/dvel-lab-traffic.py), and
# 'stream_tail' to the frames lost at the end of the stream, after the
# last one received (which the receiver cannot count): 0 unless they are
# more than 10 ms of the stream, when traffic had not come back by the
# end.
stream_stop () {
    wait $send_pid
    sleep 0.1                   # The last frames on their way.
    kill $recv_pid
    wait $recv_pid || true
    pids=()
    summary=$(cat $bench/seq.txt)
    set -- $summary
    stream_tail=$((stream_frames - $2 - $4))
    if test $((stream_tail * 100)) -le $RATE; then
        stream_tail=0
    fi
}

# log_epoch TIMESTAMP: an ovs-vswitchd log time (UTC) in seconds.
log_epoch () {
    date -u -d "${1%Z}" +%s.%3N
}

# fail KIND LANE: lane LANE (l1, l2 or l3) dies, and prints when, as
# "BEFORE AFTER" in seconds since the epoch: a link going down, around the
# ioctl (see set-link.py); an outage, when the emulator began it, to the
# microsecond, twice.  Either may be well after the command began: the
# command itself (ovs-appctl, python3) has ordinary scheduling and, with
# the lab under SCHED_FIFO, may wait milliseconds for a core.  repair
# KIND LANE.
fail () {
    case $1 in
        outage) emu ${2#l} lane-emu/set outage=on >/dev/null
                emu ${2#l} lane-emu/show \
                    | sed -n 's/^  outage since \([0-9.]*\)$/\1 \1/p' \
                    | head -1 ;;
        link-down) ip netns exec $tag-wan \
                       python3 $top/tests/bench/set-link.py a${2#l} down ;;
    esac
}
repair () {
    case $1 in
        outage) emu ${2#l} lane-emu/set outage=off >/dev/null ;;
        link-down) ip -n $tag-wan link set a${2#l} up ;;
    esac
}

# failover_run KIND INTERVAL RUN: one run; appends a line to the runs CSV,
# or returns 1 if the run does not count (the EVC moved before the
# failure).
failover_run () {
    local kind=$1 iv=$2 run=$3
    wait_until 30 lanes_up || {
        echo "$0: lanes not up after 30 s (probes every $iv ms)" >&2
        return 2
    }
    local n0 victim t_fail t_done rx0
    rx0=$(rx_drops)
    stream_start $STREAM_SECONDS
    sleep $FAIL_AFTER           # The stream runs before the failure.
    n0=$(move_mark)
    if test $switch_kind = ovs-bfd; then
        # BFD sessions that went down stay down for a second or more (a
        # session not up sends once a second): the run counts only if
        # every lane is up when the active one fails.
        victim=$(live_ports | tr '\n' ' ')
        set -- $victim
        victim=
        test $# = 3 && victim=$1
    else
        victim=$(active)
    fi
    if test -z "$victim"; then
        stream_stop
        return 1                # No lane up at this moment (1 ms probes).
    fi
    t_fail=$(date +%s.%N)
    fail $kind $victim > $bench/fail-times.txt
    t_done=$(date +%s.%N)
    if test -s $bench/fail-times.txt; then
        read t_fail t_done < $bench/fail-times.txt
    fi
    local moved=yes
    rm -f $bench/evc-show.txt
    wait_until $((STREAM_SECONDS - FAIL_AFTER)) moved_off $victim || moved=no
    stream_stop
    local rx_dropped=$(($(rx_drops) - rx0))
    repair $kind $victim

    # The move, as s1 logged it, and when the failure came: while the
    # command ran, between t_fail and t_done; the last frame through
    # before the interruption was sent just before it, if that
    # interruption was this failure.
    local ts mv=
    if test $switch_kind = dvel && test -s $bench/evc-show.txt; then
        # dvel's own record of the move off the victim, in microseconds:
        # when, how long after its cause was seen, how long its flows took
        # to change over.
        mv=$(sed -n 's/^  last move: at \([0-9.]*\), \([0-9]*\) us after its cause was seen, flows changed over \([0-9]*\) us after the move$/\1 \2 \3/p' $bench/evc-show.txt)
    fi
    set -- $mv
    local mv_at=${1:-0} mv_seen=${2:-0} mv_done=${3:-0}
    if test -n "$mv"; then
        ts=$mv_at
    else
        ts=$(move_time $victim $n0)
    fi
    set -- $summary
    local lost=$4 longest=$6 sent_at=$8 gap_ms=${10} result
    if test "$2" = 0; then
        return 1                # Nothing came through: no lane carried it.
    fi
    result=$(awk -v kind=$kind -v iv=$iv -v run=$run -v rate=$RATE \
        -v lost=$lost -v longest=$longest -v sent_at=$sent_at -v ts=$ts \
        -v gap_ms=$gap_ms -v t0=$t_fail -v t1=$t_done -v moved=$moved \
        -v tail=$stream_tail -v mv_at=$mv_at -v mv_seen=$mv_seen \
        -v mv_done=$mv_done -v rx_dropped=$rx_dropped '
    BEGIN {
        fail = sent_at
        interruption = longest ? gap_ms - 1000 / rate : 0
        # A run longer than all the frames lost is frames reordered, not
        # lost: count only what was lost.
        if (longest > lost) {
            longest = lost
            interruption = lost * 1000 / rate
        }
        # Traffic that had not come back when the stream ended: the
        # interruption is at least what was lost after the last frame
        # received ("unrecovered"), and the failure is only known to
        # within the command.
        if (tail * 1000 / rate > interruption) {
            longest = tail
            interruption = tail * 1000 / rate
            fail = t0
        }
        lost += tail
        fail = fail < t0 ? t0 : fail > t1 ? t1 : fail
        # A move before the command, or well before the failure (more than
        # the error of the estimate, a late receiver), was not caused by it.
        if (ts > 0 && (ts + 0.001 < t0 || ts + 0.005 < fail)) {
            print "spurious"
            exit
        }
        dec = ts > 0 ? sprintf("%.1f", (ts + 0.0005 - fail) * 1000) : ""
        # dvel timed its move to the microsecond.
        seen = flows = ""
        if (mv_at > 0) {
            dec = sprintf("%.2f", (mv_at - fail) * 1000)
            seen = sprintf("%.2f", (mv_at - mv_seen / 1e6 - fail) * 1000)
            flows = sprintf("%.2f", (mv_at + mv_done / 1e6 - fail) * 1000)
        }
        # A sender held up in the gap put fewer frames in it than its
        # rate: then the gap, by send times, is an upper bound.
        held = longest > 0 && longest < interruption * rate / 1000 / 2 \
               ? "yes" : "no"
        printf "%s,%d,%d,%d,%d,%.1f,%s,%s,%s,%s,%d,%s\n", kind, iv, run,
               lost, longest, interruption, dec,
               (moved != "yes" ? "no-failover" \
                : tail > 0 ? "unrecovered" : lost == 0 ? "no-loss" : "ok"),
               seen, flows, rx_dropped, held
    }')
    if test "$result" = spurious; then
        return 1
    fi
    echo "$result" >> $runs_csv
    echo "$result" | awk -F, '{
        printf "  %-9s %4d ms  run %d: lost %5d, longest run %5d, interruption %7.1f ms, moved after %6s ms%s%s%s%s\n",
               $1, $2, $3, $4, $5, $6, $7 == "" ? "?" : $7,
               $9 == "" ? "" : sprintf(" (seen %s, flows changed over %s)", $9, $10),
               ($11 > 0) ? sprintf("  (%d dropped by the kernel)", $11) : "",
               $12 == "yes" ? "  (sender held up in the gap)" : "",
               $8 == "ok" ? "" : $8 == "unrecovered" ? "  (traffic not back when the stream ended: at least that)" \
                             : $8 == "no-loss" ? "  (no frame lost: the sender was held up across the failure; its loss and interruption are left out)" \
                             : "  (NO FAILOVER while the stream ran)"
    }'
}

# lanes_alike: the three lanes made alike (see the top).
lanes_alike () {
    local i
    for i in 1 2 3; do
        emu $i lane-emu/set delay=$LANE_DELAY_MS jitter=0 loss=0 rate=0 \
            limit=10000 >/dev/null
    done
}

# interval_runs IV: with the lab up and probing every IV ms, the steady
# state, then REPS runs of each failure; appends to runs_csv and
# steady_csv.
interval_runs () {
    local iv=$1
    wait_until 30 lanes_up || {
        echo "$0: lanes not up after 30 s (probes every $iv ms)" >&2
        # BFD sessions that flap (1 ms) may never be all up at once for
        # long: measure what can be.
        test $switch_kind = ovs-bfd || return 1
    }

    # Steady state: the stream alone.
    local d0 m0 l0 logged=
    d0=$(down_count); m0=$(moves)
    l0=$(wc -l < $work/s1/ovs-vswitchd.log)
    stream_start $STEADY_SECONDS
    stream_stop
    set -- $summary
    set -- "$1" "$2" "$3" $(($4 + stream_tail)) "$5" $(($6 > stream_tail ? $6 : stream_tail))
    local downs=$(( $(down_count) - d0 )) nmoves=$(( $(moves) - m0 ))
    echo "$iv $4 $6 $downs $nmoves" >> $steady_csv
    if test $switch_kind = ovs-bfd; then
        logged=" (s1 logged $(tail -n +$((l0 + 1)) $work/s1/ovs-vswitchd.log \
            | grep -c 'BFD state change: up->down' || true) BFD up->down; it logs at most 20 a minute)"
        printf '%s %s %s%s\n' \
            "BFD every $iv ms, steady state ($STEADY_SECONDS s, nothing failed):" \
            "$4 of $((RATE * STEADY_SECONDS)) frames lost (longest run $6)," \
            "lane ports not live $downs times, group moved $nmoves times" "$logged"
    else
        printf '%s %s %s\n' \
            "probes every $iv ms, steady state ($STEADY_SECONDS s, nothing failed):" \
            "$4 of $((RATE * STEADY_SECONDS)) frames lost (longest run $6)," \
            "lanes declared down $downs times, EVC moved $nmoves times"
    fi

    local kind
    for kind in $KINDS; do
        local run=1 tries=0 rc
        while test $run -le $REPS && test $tries -lt $((REPS * 3)); do
            tries=$((tries + 1))
            rc=0
            failover_run $kind $iv $run || rc=$?
            case $rc in
                0) run=$((run + 1)) ;;
                2) if test $switch_kind = ovs-bfd; then
                       echo "  (giving up on $kind at $iv ms: the lanes were not all up, at full rate, for 30 s)"
                       break
                   fi
                   return 1 ;;
                1) if test $switch_kind = ovs-bfd; then
                       echo "  (run discarded: a lane port was not live at the failure, or the group had moved just before it)"
                   else
                       echo "  (run discarded: the EVC moved just before the failure, or had no lane)"
                   fi ;;
                *) if test $switch_kind = ovs-bfd; then
                       # BFD at 1 ms can leave the lab in a state a
                       # command of the run fails in: measure the rest.
                       echo "  (run failed, status $rc: giving up on $kind at $iv ms)"
                       break
                   fi
                   return 1 ;;
            esac
        done
    done
}

# summarize CSV: the median and max of each interval and failure, from
# runs_csv and steady_csv, printed and written to CSV.
summarize () {
    local csv=$1
    echo "failure,interval_ms,runs,lost_median,lost_max,\
interruption_ms_median,interruption_ms_max,moved_ms_median,failed_runs,\
steady_lost,steady_frames,steady_lane_downs,steady_moves,unrecovered_runs,\
seen_ms_median,flows_ms_median,sender_held_runs,rx_dropped" > $csv
    echo
    printf '%-10s %8s %5s %12s %12s %17s %17s %10s %8s %6s %8s %9s %5s %8s\n' failure interval runs \
        lost_med lost_max interrupt_ms_med interrupt_ms_max moved_ms failed unrec \
        seen_ms flows_ms held rx_drop
    local kind iv
    for kind in $KINDS; do
        for iv in $INTERVALS; do
            local rows lost int mv nok nfail nunrec steady seen flows nheld rxd
            rows=$(awk -F, -v k=$kind -v iv=$iv '$1 == k && $2 == iv' $runs_csv)
            # A run in which the stream lost nothing tells when the switch
            # moved, not how long traffic stopped.
            lost=$(echo "$rows" | awk -F, 'NF > 1 && $8 != "no-failover" && $8 != "no-loss" { print $4 }' | median_max)
            int=$(echo "$rows" | awk -F, 'NF > 1 && $8 != "no-failover" && $8 != "no-loss" { print $6 }' | median_max)
            mv=$(echo "$rows" | awk -F, 'NF > 1 && $8 != "no-failover" && $7 != "" { print $7 }' | median_max)
            seen=$(echo "$rows" | awk -F, 'NF > 1 && $8 != "no-failover" && $9 != "" { print $9 }' | median_max)
            flows=$(echo "$rows" | awk -F, 'NF > 1 && $8 != "no-failover" && $10 != "" { print $10 }' | median_max)
            seen=${seen%% *} flows=${flows%% *}
            nok=$(echo "$rows" | awk -F, 'NF > 1 && $8 != "no-failover"' | grep -c . || true)
            nfail=$(echo "$rows" | awk -F, 'NF > 1 && $8 == "no-failover"' | grep -c . || true)
            nunrec=$(echo "$rows" | awk -F, 'NF > 1 && $8 == "unrecovered"' | grep -c . || true)
            nheld=$(echo "$rows" | awk -F, 'NF > 1 && $8 != "no-failover" && $12 == "yes"' | grep -c . || true)
            rxd=$(echo "$rows" | awk -F, 'NF > 1 { n += $11 } END { print n + 0 }')
            steady=$(awk -v iv=$iv '$1 == iv { print $2, $4, $5 }' $steady_csv)
            set -- $lost $int $mv $steady
            printf '%-10s %5d ms %5d %12s %12s %17s %17s %10s %8d %6d %8s %9s %5d %8d\n' $kind $iv \
                $nok $1 $2 $3 $4 $5 $nfail $nunrec ${seen:--} ${flows:--} $nheld $rxd
            echo "$kind,$iv,$nok,$1,$2,$3,$4,$5,$nfail,$7,$((RATE * STEADY_SECONDS)),$8,$9,$nunrec,$seen,$flows,$nheld,$rxd" >> $csv
        done
    done
}

# lab_part [REFRESH]: the lab with Dvel_Global other_config:datapath-refresh
# REFRESH (default true) on both switches; with false (part "norefresh"),
# its files are failover-norefresh*.
lab_part () {
    local refresh=${1:-true} sfx=
    test $refresh = true || sfx=-norefresh
    echo "Starting the lab (utilities/dvel-lab.sh --start), datapath-refresh=$refresh"
    switch_kind=dvel
    local first
    first=$(echo $INTERVALS | awk '{ print $1 }')
    dvel-lab.sh --start --state="$lab_state" --out="$bench/lab" \
        --ports=$LAB_PORTS $lab_rt --interval=$first --policy=preference \
        > $bench/lab-start.log 2>&1 || {
        cat $bench/lab-start.log
        return 1
    }
    . "$lab_state"
    lanes_alike
    # The EVC stays where a failover put it: a move back to the most
    # preferred lane once hold-down passed (10 s by default) would come
    # in the middle of a later run, which then would not count.  The
    # lanes are alike; which one the EVC is on does not matter.
    for sw in s1 s2; do
        dctl $sw --wait set Dvel_Global . other_config:datapath-refresh=$refresh \
            -- set EVC e1 options:hold-down=3600000
    done

    runs_csv=$OUT/failover$sfx-runs.csv
    echo "failure,interval_ms,run,lost,longest_run,interruption_ms,moved_ms,result,seen_ms,flows_ms,rx_dropped,sender_held" > $runs_csv
    steady_csv=$bench/steady.txt
    : > $steady_csv
    echo "Lanes: $LANE_DELAY_MS ms each way, no jitter, loss or rate limit;" \
         "stream: $RATE frames/s; $REPS runs per interval and failure;" \
         "switches and emulators under SCHED_FIFO: $LAB_REALTIME"
    for iv in $INTERVALS; do
        local sw_iv
        for sw in s1 s2; do
            sw_iv=$iv
            test $sw = s2 && sw_iv=${FAR_INTERVAL:-$iv}
            dctl $sw --wait set Lane l1 probe_interval=$sw_iv \
                -- set Lane l2 probe_interval=$sw_iv -- set Lane l3 probe_interval=$sw_iv
        done
        test -n "$FAR_INTERVAL" \
            && echo "s2 probes every $FAR_INTERVAL ms (it answers s1's at any interval)"
        interval_runs $iv || return 1
    done
    dvel-lab.sh --stop --state="$lab_state" --out="$bench/lab" >/dev/null 2>&1
    rm -f "$lab_state"

    # The summary: median and max of each interval and failure.
    local csv=$OUT/failover$sfx.csv
    summarize $csv
    echo
    echo "lost: frames of the $RATE/s stream lost in a run; interrupt_ms: the widest"
    echo "gap in which frames were lost, by when the frames either side were sent,"
    echo "less one frame's spacing; moved_ms: when s1 moved, counted from the failure"
    echo "(an outage: when the emulator began it; a link down: when the last frame"
    echo "through was sent, put within the ioctl that took the link down): as"
    echo "dvel/evc-show timed it, to the microsecond, or failing that as s1 logged it"
    echo "(in ms); seen_ms: when s1 saw the cause of the move (the main-loop iteration"
    echo "that found the port down began, or the probes declared the lane down);"
    echo "flows_ms: when its rules and datapath flows had changed over (medians);"
    echo "failed: runs in which the EVC did not move while the stream ran; unrec:"
    echo "runs in which traffic was not back when the stream ended (counted, with"
    echo "what was lost until then).  Runs in which the stream lost nothing (its"
    echo "sender held up across the failure) count for moved, seen and flows only;"
    echo "held: runs whose widest gap held fewer than half the frames the rate puts"
    echo "there (the sender was held up in it: its interrupt_ms is an upper bound);"
    echo "rx_drop: frames the kernel dropped (h2's socket buffer, a backlog queue),"
    echo "counted in lost though no switch lost them.  After an outage, replies"
    echo "already on their way arrive for up to one one-way delay; the lane is down"
    echo "3 intervals after the last: expect the one-way delay plus 2 to 4 intervals."
    echo "Runs: $runs_csv; summary: $csv"

    if command -v gnuplot >/dev/null; then
        gnuplot <<EOF
set terminal pngcairo size 800,500
set output "$OUT/failover$sfx.png"
set title "failover in the lab: lanes $LANE_DELAY_MS ms each way, $RATE frames/s, datapath-refresh=$refresh"
set datafile separator ","
set logscale xy
set xrange [0.7:150]
set xtics ("1" 1, "3" 3, "10" 10, "30" 30, "100" 100)
set xlabel "probe interval, ms (detect-mult 3)"
set ylabel "interruption, ms (widest gap of frames lost, by send time)"
set key top left
set grid
plot "< grep '^outage,' $csv" using 2:6:6:7 with yerrorlines title "lane outage: median, up to max", \
     "< grep '^link-down,' $csv" using 2:6:6:7 with yerrorlines title "link down: median, up to max", \
     [x=0.7:150] $LANE_DELAY_MS + 2 * x with lines dt 2 lc rgb "#777777" title "outage, expected: one-way delay + 2 to 4 intervals", \
     [x=0.7:150] $LANE_DELAY_MS + 4 * x with lines dt 2 lc rgb "#777777" notitle
EOF
        echo "Plot: $OUT/failover$sfx.png"
    fi
}

# ---------------------------------------------------------------------------
# Part "bfd": the same against stock Open vSwitch, BFD and a fast-failover
# group.

bfd_part () {
    echo
    echo "Stock Open vSwitch, BFD on each lane port, a fast-failover group" \
         "(utilities/dvel-lab.sh --start --switch=ovs-bfd, afresh for each interval)"
    switch_kind=ovs-bfd
    runs_csv=$OUT/failover-bfd-runs.csv
    echo "failure,interval_ms,run,lost,longest_run,interruption_ms,moved_ms,result,seen_ms,flows_ms,rx_dropped,sender_held" > $runs_csv
    steady_csv=$bench/steady-bfd.txt
    : > $steady_csv
    echo "Lanes: $LANE_DELAY_MS ms each way, no jitter, loss or rate limit;" \
         "stream: $RATE frames/s; $REPS runs per interval and failure;" \
         "switches and emulators under SCHED_FIFO: $LAB_REALTIME"
    local iv rc
    for iv in $INTERVALS; do
        dvel-lab.sh --start --switch=ovs-bfd --state="$lab_state" \
            --out="$bench/lab-bfd" --ports=$LAB_PORTS $lab_rt --interval=$iv \
            > $bench/lab-start.log 2>&1 || {
            cat $bench/lab-start.log
            return 1
        }
        . "$lab_state"
        lanes_alike
        monitor_start
        bfd_iv=$iv
        rc=0
        interval_runs $iv || rc=$?
        monitor_stop
        cp $mon_file $OUT/bfd-port-status-$iv.txt
        dvel-lab.sh --stop --state="$lab_state" --out="$bench/lab-bfd" >/dev/null 2>&1
        rm -f "$lab_state"
        test $rc = 0 || return 1
    done

    local csv=$OUT/failover-bfd.csv
    summarize $csv
    echo
    echo "As part lab, but moved_ms: when s1 marked the active lane's port not"
    echo "live (the OpenFlow port-status message, as ovs-ofctl monitor received"
    echo "it, in ms), which takes it out of the fast-failover group; failed: runs"
    echo "in which the group's first live port did not change while the stream"
    echo "ran.  BFD declares a session down when nothing came for 3 intervals."
    echo "Runs: $runs_csv; summary: $csv"
}

# compare: dvel against OVS BFD and fast failover, interval by interval,
# from this run's failover.csv and failover-bfd.csv.
compare () {
    local d=$OUT/failover.csv b=$OUT/failover-bfd.csv csv=$OUT/failover-compare.csv
    echo
    echo "Comparison (this run): median (max) interruption in ms, and when s1"
    echo "moved (ms, median); steady state: frames lost of $((RATE * STEADY_SECONDS)),"
    echo "lanes declared down (dvel) / lane ports not live (BFD)"
    echo "interval_ms,switch,steady_lost,steady_lane_downs,steady_moves,\
outage_ms_median,outage_ms_max,outage_moved_ms,outage_failed,\
link_down_ms_median,link_down_ms_max,link_down_moved_ms,link_down_failed" > $csv
    printf '%8s %-8s %15s %22s %22s\n' interval switch "steady lost/downs" \
        "outage med (max) mv" "link-down med (max) mv"
    local iv sw f
    for iv in $INTERVALS; do
        for sw in dvel ovs-bfd; do
            f=$d
            test $sw = ovs-bfd && f=$b
            awk -F, -v iv=$iv -v sw=$sw '
                $2 == iv && $1 == "outage" { o = $6 "," $7 "," $8 "," $9; so = $10 "," $12 "," $13
                                             po = sprintf("%s (%s) %s", $6, $7, $8); ss = $10 "/" $12 }
                $2 == iv && $1 == "link-down" { l = $6 "," $7 "," $8 "," $9
                                                pl = sprintf("%s (%s) %s", $6, $7, $8) }
                END { print iv "," sw "," so "," o "," l > "/dev/stderr"
                      printf "%5d ms %-8s %15s %22s %22s\n", iv, sw, ss, po, pl }' $f 2>> $csv
        done
    done
    echo "CSV: $csv"
}

# compare_refresh: datapath-refresh on (part lab) against off (part
# norefresh), interval by interval, from this run's CSVs.
compare_refresh () {
    local on=$OUT/failover.csv off=$OUT/failover-norefresh.csv
    echo
    echo "datapath-refresh (this run): median (max) interruption in ms, and when"
    echo "s1 moved (ms, median), with dvel refreshing the datapath flows itself"
    echo "after a failover and with that left to the revalidators"
    printf '%-10s %8s %24s %24s\n' failure interval "refresh: med (max) mv" \
        "revalidators: med (max) mv"
    local kind iv
    for kind in $KINDS; do
        for iv in $INTERVALS; do
            printf '%-10s %5d ms %24s %24s\n' $kind $iv \
                "$(awk -F, -v k=$kind -v iv=$iv '$1 == k && $2 == iv { printf "%s (%s) %s", $6, $7, $8 }' $on)" \
                "$(awk -F, -v k=$kind -v iv=$iv '$1 == k && $2 == iv { printf "%s (%s) %s", $6, $7, $8 }' $off)"
        done
    done
}

# ---------------------------------------------------------------------------
# Part 2: revalidation as EVCs grow.

# The sandbox: one switch, dummy ports.  EVC i (1..N) is C-VLAN v of UNI
# u<g>, with lane a<i> on port pa<g> and lane b<i> on port pb<g>, both
# S-VLAN v, where g = (i - 1) / 4000 and v = (i - 1) % 4000 + 1 (a port
# has 4094 VLANs).  Policy "manual": an EVC leaves its lane only when it
# goes down, and does not come back by itself.
EVCS_PER_GROUP=4000
sb () { ovs-appctl -t $bench/sb/vswitchd.ctl "$@"; }
sbctl () { dvel-ctl --db=unix:$bench/sb/db.sock "$@"; }

sandbox_start () {
    local groups=$1 d=$bench/sb
    rm -rf $d
    mkdir -p $d
    sandbox_ns=dvf$$-sb
    ip netns add $sandbox_ns
    ip -n $sandbox_ns link set lo up
    ovsdb-tool create $d/conf.db $OVS_BUILDDIR/vswitchd/vswitch.ovsschema
    ovsdb-tool create $d/dvel.db $top/ofproto-dvel/dvel.ovsschema
    OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d \
        ovsdb-server --detach --no-chdir --pidfile=$d/ovsdb-server.pid \
        --log-file=$d/ovsdb-server.log -vconsole:off \
        --remote=punix:$d/db.sock $d/conf.db $d/dvel.db 2>/dev/null
    ovs-vsctl --db=unix:$d/db.sock --no-wait init
    dvel-ctl --db=unix:$d/db.sock --no-wait init
    OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d DVEL_DB=unix:$d/db.sock \
        ip netns exec $sandbox_ns ovs-vswitchd-dvel unix:$d/db.sock \
        --enable-dummy --disable-system --disable-system-route \
        --detach --no-chdir --pidfile=$d/ovs-vswitchd.pid \
        --log-file=$d/ovs-vswitchd.log -vconsole:off \
        --unixctl=$d/vswitchd.ctl 2>/dev/null
    # Datapath flows must outlive the run and not be limited.  Ports us,
    # px and py are EVC "solo"'s alone (see sandbox_configure).
    local args= g
    for g in us px py; do
        args="$args -- add-port br0 $g -- set Interface $g type=dummy"
    done
    for g in $(seq 0 $((groups - 1))); do
        args="$args -- add-port br0 u$g -- set Interface u$g type=dummy"
        args="$args -- add-port br0 pa$g -- set Interface pa$g type=dummy"
        args="$args -- add-port br0 pb$g -- set Interface pb$g type=dummy"
    done
    ovs-vsctl --db=unix:$d/db.sock \
        set Open_vSwitch . other_config:max-idle=3600000 \
                          other_config:flow-limit=1000000 \
        -- add-br br0 -- set bridge br0 datapath_type=dvel fail-mode=secure \
                                        other_config:hwaddr=aa:55:aa:55:00:0a \
        $args
}

sandbox_stop () {
    local d pid
    for d in ovs-vswitchd ovsdb-server; do
        pid=$(cat $bench/sb/$d.pid)
        kill $pid
        wait_until 10 eval '! kill -0 $pid 2>/dev/null'
    done
    ip netns del $sandbox_ns
    sandbox_ns=
}

# sandbox_configure N: EVCs e1..eN, written to the database in one
# transaction (dvel-ctl validates the whole configuration again for each
# command it runs, which makes adding thousands of EVCs take minutes: see
# README.md), then waits until the switch has them; then one frame of
# each EVC into its UNI, so that each has a datapath flow.
sandbox_configure () {
    local n=$1 g v first
    python3 - $bench/sb/db.sock $n $EVCS_PER_GROUP <<'EOF'
import json
import socket
import sys

path, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ops, evcs = [], []
for i in range(1, n + 1):
    g, v = (i - 1) // per, (i - 1) % per + 1
    for lane, port, pref in (("a", "pa", 0), ("b", "pb", 10)):
        ops.append({"op": "insert", "table": "Lane",
                    "uuid-name": "l%s%d" % (lane, i),
                    "row": {"name": "%s%d" % (lane, i),
                            "port": "%s%d" % (port, g), "vlan": v,
                            "preference": pref,
                            "probe": ["map", [["enable", "false"]]]}})
    ops.append({"op": "insert", "table": "EVC", "uuid-name": "e%d" % i,
                "row": {"name": "e%d" % i, "bridge": "br0",
                        "uni_port": "u%d" % g, "c_vlan": v,
                        "policy": "manual",
                        "lanes": ["set", [["named-uuid", "la%d" % i],
                                          ["named-uuid", "lb%d" % i]]]}})
    evcs.append(["named-uuid", "e%d" % i])
# One more EVC on ports of its own: a link of one circuit among many.
for lane, port, pref in (("a", "px", 0), ("b", "py", 10)):
    ops.append({"op": "insert", "table": "Lane", "uuid-name": "ls" + lane,
                "row": {"name": "solo-" + lane, "port": port, "vlan": 1,
                        "preference": pref,
                        "probe": ["map", [["enable", "false"]]]}})
ops.append({"op": "insert", "table": "EVC", "uuid-name": "solo",
            "row": {"name": "solo", "bridge": "br0", "uni_port": "us",
                    "c_vlan": 1, "policy": "manual",
                    "lanes": ["set", [["named-uuid", "lsa"],
                                      ["named-uuid", "lsb"]]]}})
evcs.append(["named-uuid", "solo"])
ops.append({"op": "mutate", "table": "Dvel_Global", "where": [],
            "mutations": [["evcs", "insert", ["set", evcs]]]})
s = socket.socket(socket.AF_UNIX)
s.connect(path)
s.sendall(json.dumps({"method": "transact", "params": ["dvel"] + ops,
                      "id": 0}).encode())
buf, decoder = "", json.JSONDecoder()
while True:
    data = s.recv(1 << 20)
    if not data:
        sys.exit("ovsdb-server closed the connection")
    buf += data.decode()
    try:
        msg, end = decoder.raw_decode(buf)
    except ValueError:
        continue
    buf = buf[end:].lstrip()
    if msg.get("method") == "echo":
        s.sendall(json.dumps({"result": msg["params"], "error": None,
                              "id": msg["id"]}).encode())
        continue
    if msg.get("id") == 0:
        break
errors = [r for r in msg.get("result") or [] if r and "error" in r]
if msg.get("error") or errors:
    sys.exit("transaction failed: %s" % (msg.get("error") or errors[:3]))
EOF
    wait_until 600 eval 'sb dvel/lane-show e$n 2>/dev/null | grep "^  \* lane" >/dev/null' || {
        echo "$0: the switch did not apply $n EVCs in 600 s" >&2
        return 1
    }
    # A dummy port queues at most 100 frames: 100 to a command.  Send
    # again until every EVC has its flow (the revalidators raise their
    # flow limit step by step).
    for try in $(seq 30); do
        for g in $(seq 0 $(( (n - 1) / EVCS_PER_GROUP ))); do
            local last=$(( n - g * EVCS_PER_GROUP < EVCS_PER_GROUP
                           ? n - g * EVCS_PER_GROUP : EVCS_PER_GROUP ))
            for first in $(seq 1 100 $last); do
                local frames= frame
                for v in $(seq $first $((first + 99 < last ? first + 99 : last))); do
                    printf -v frame '0200000000020200000000018100%04x88b5%092d' $v 0
                    frames="$frames $frame"
                done
                sb netdev-dummy/receive u$g $frames >/dev/null
            done
        done
        printf -v frame '0200000000020200000000018100%04x88b5%092d' 1 0
        sb netdev-dummy/receive us $frame >/dev/null
        test $(dp_flows) -gt $n && return 0
    done
    echo "$0: only $(dp_flows) datapath flows for $n EVCs" >&2
    return 1
}
dp_flows () {
    sb dpctl/show | sed -n 's/^ *flows: *//p'
}
# dp_port NAME: datapath port number of NAME.
dp_port () {
    sb dpctl/show | sed -n "s/^ *port \([0-9]*\): $1 .*/\1/p"
}
# flows_to REGEX: datapath flows whose actions end with output to a port
# number matching REGEX.
flows_to () {
    sb dpctl/dump-flows | grep -Ec "actions:.*,($1)\$" || true
}
# solo_on PORT: true if EVC solo's datapath flow outputs to datapath port
# PORT.
solo_on () {
    sb dpctl/dump-flows "filter=in_port=$us" | grep "actions:.*,$1\$" >/dev/null
}
# e1_on PORT: true if EVC e1's datapath flow outputs to datapath port PORT.
e1_on () {
    sb dpctl/dump-flows "filter=in_port=$u0,dl_vlan=1" \
        | grep "actions:.*,$1\$" >/dev/null
}
dump_ms () {
    sb upcall/show | sed -n 's/^ *dump duration : \([0-9]*\)ms.*/\1/p'
}
ms_since () {
    echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

revalidation_part () {
    local n
    echo
    echo "Revalidation: one switch on the dummy datapath, N EVCs of two lanes"
    echo "each (probes off), each EVC with one datapath flow"
    local csv=$OUT/revalidation.csv
    echo "evcs,config_s,event,run,command_ms,visible_ms,moved_ms,dump_ms" > $csv
    local base t0
    for n in $EVCS; do
        local groups=$(( (n + EVCS_PER_GROUP - 1) / EVCS_PER_GROUP ))
        sandbox_start $groups
        t0=$(date +%s%N); sb version >/dev/null; base=$(ms_since $t0)
        local pa= pb= g
        for g in $(seq 0 $((groups - 1))); do
            pa=$pa${pa:+|}$(dp_port pa$g); pb=$pb${pb:+|}$(dp_port pb$g)
        done
        local pa0=$(dp_port pa0) pb0=$(dp_port pb0) u0=$(dp_port u0)
        local us=$(dp_port us) px=$(dp_port px) py=$(dp_port py)
        t0=$(date +%s%N)
        sandbox_configure $n
        local config_s=$(( $(ms_since $t0) / 1000 ))
        printf '  %5d EVCs: configured and one flow each in %d s\n' $n $config_s
        local run
        # dvel/lane-set of one EVC: the command returns once dvel has
        # changed its OpenFlow rules; then until its datapath flow has
        # the new output.
        for run in $(seq $REPS); do
            local lane=b1 port=$pb0
            test $((run % 2)) = 0 && { lane=a1; port=$pa0; }
            t0=$(date +%s%N)
            sb dvel/lane-set e1 $lane >/dev/null
            local cmd=$(ms_since $t0)
            wait_until 60 e1_on $port || {
                echo "$0: e1's datapath flow not on $lane after 60 s" >&2
                return 1
            }
            local vis=$(ms_since $t0)
            echo "$n,$config_s,lane-set,$run,$cmd,$vis,,$(dump_ms)" >> $csv
        done
        # The link of one EVC's active lane goes down, on a port of its
        # own: that EVC alone moves, while the N others stay.
        for run in $(seq $REPS); do
            local from=px to=$py
            test $((run % 2)) = 0 && { from=py; to=$px; }
            local log=$bench/sb/ovs-vswitchd.log n0=$(wc -l < $bench/sb/ovs-vswitchd.log)
            t0=$(date +%s%N)
            local t0s=$(echo $t0 | sed 's/\(.*\)\(.........\)$/\1.\2/')
            sb netdev-dummy/set-admin-state $from down >/dev/null
            local cmd=$(ms_since $t0)
            wait_until 60 solo_on $to || {
                echo "$0: solo's datapath flow not on $to after 60 s" >&2
                return 1
            }
            local vis=$(ms_since $t0) last moved
            last=$(tail -n +$((n0 + 1)) $log | grep '|evc|INFO|solo: lane .* -> ' | tail -1)
            moved=$(awk -v ts=$(log_epoch "${last%%|*}") -v t0=$t0s \
                    'BEGIN { printf "%.0f", (ts - t0) * 1000 }')
            echo "$n,$config_s,link-down-one,$run,$cmd,$vis,$moved,$(dump_ms)" >> $csv
            sb netdev-dummy/set-admin-state $from up >/dev/null
        done
        # The link of every EVC's active lane goes down: every EVC moves,
        # with dvel refreshing the datapath flows itself (link-down) and
        # leaving them to the revalidators (link-down-norefresh).
        local refresh event k=0
        for refresh in true false; do
            event=link-down
            test $refresh = true || event=link-down-norefresh
            sbctl --wait set Dvel_Global . other_config:datapath-refresh=$refresh
            for run in $(seq $REPS); do
                local from=pa to=$pb old=$pa
                k=$((k + 1))
                if test $((k % 2)) = 0; then
                    from=pb to=$pa old=$pb
                fi
                local log=$bench/sb/ovs-vswitchd.log n0=$(wc -l < $bench/sb/ovs-vswitchd.log)
                t0=$(date +%s%N)
                local t0s=$(echo $t0 | sed 's/\(.*\)\(.........\)$/\1.\2/')
                for g in $(seq 0 $((groups - 1))); do
                    sb netdev-dummy/set-admin-state $from$g down >/dev/null
                done
                local cmd=$(ms_since $t0)
                wait_until 120 eval 'test $(flows_to "$old") = 0' || {
                    echo "$0: datapath flows still on the down ports after 120 s" >&2
                    return 1
                }
                local vis=$(ms_since $t0)
                # When dvel logged its last move.
                local last moved
                last=$(tail -n +$((n0 + 1)) $log | grep '|evc|INFO|e[0-9]*: lane .* -> ' | tail -1)
                moved=$(awk -v ts=$(log_epoch "${last%%|*}") -v t0=$t0s \
                        'BEGIN { printf "%.0f", (ts - t0) * 1000 }')
                echo "$n,$config_s,$event,$run,$cmd,$vis,$moved,$(dump_ms)" >> $csv
                for g in $(seq 0 $((groups - 1))); do
                    sb netdev-dummy/set-admin-state $from$g up >/dev/null
                done
            done
        done
        sandbox_stop
    done

    echo
    printf '%6s %-19s %5s %16s %16s %16s %12s\n' evcs event runs command_ms \
        moved_ms visible_ms dump_ms
    for n in $EVCS; do
        for event in lane-set link-down-one link-down link-down-norefresh; do
            local rows=$(awk -F, -v n=$n -v e=$event '$1 == n && $3 == e' $csv)
            local c=$(echo "$rows" | cut -d, -f5 | median_max)
            local v=$(echo "$rows" | cut -d, -f6 | median_max)
            local m=$(echo "$rows" | cut -d, -f7 | grep . | median_max)
            local d=$(echo "$rows" | cut -d, -f8 | median_max)
            printf '%6d %-19s %5d %16s %16s %16s %12s\n' $n $event \
                $(echo "$rows" | grep -c .) "$(echo $c | tr ' ' /)" \
                "$(echo $m | tr ' ' /)" "$(echo $v | tr ' ' /)" \
                "$(echo $d | tr ' ' /)"
        done
    done
    echo
    echo "Median/max over the runs, in ms from the command: command_ms: the"
    echo "ovs-appctl command(s) themselves (lane-set returns once dvel has"
    echo "changed its OpenFlow rules; an ovs-appctl call costs $base ms here);"
    echo "moved_ms: dvel logged its last move; visible_ms: the datapath flows"
    echo "had the new output (polled with dpctl/dump-flows, which itself takes"
    echo "longer as flows grow); dump_ms: the revalidators' last full pass over"
    echo "the datapath flows (upcall/show).  lane-set moves one EVC;"
    echo "link-down-one one more EVC, on ports of its own, by its active lane's"
    echo "link; link-down all of them, with dvel refreshing their datapath flows"
    echo "itself (link-down) or leaving them to the revalidators"
    echo "(link-down-norefresh)."
    echo "CSV: $csv"
}

for part in $PARTS; do
    case $part in
        lab|norefresh|bfd|revalidation) ;;
        *) echo "$0: unknown part $part (lab, norefresh, bfd, revalidation)" >&2; exit 1 ;;
    esac
done
ran=
for part in $PARTS; do
    case $part in
        lab) lab_part true ;;
        norefresh) lab_part false ;;
        bfd) bfd_part ;;
        revalidation) revalidation_part ;;
    esac
    ran="$ran $part "
    case $part in
        lab|bfd)
            case $ran in *" lab "*) case $ran in *" bfd "*) compare ;; esac ;; esac ;;
    esac
    case $part in
        lab|norefresh)
            case $ran in *" lab "*) case $ran in *" norefresh "*) compare_refresh ;; esac ;; esac ;;
    esac
done
