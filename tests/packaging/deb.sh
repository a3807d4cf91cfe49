#!/bin/bash
# deb.sh: build the Debian package from a clean copy of this tree, check it
# with lintian, install it beside Debian's Open vSwitch, run the stock
# services with the dvel switch, configure a circuit, go back to the stock
# switch, remove and purge the package, and check what is left.
#
# Root only, on Debian 12.  It installs openvswitch-switch (and the build
# tools) with apt-get, and leaves the machine as it found it: the services
# it started are stopped and the packages it installed are purged.
#
#   tests/packaging/deb.sh [--keep-build]
#
# DVEL_DEB: test this .deb instead of building one.
set -e -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
work=$top/_deb
dvel_vswitchd=/usr/lib/openvswitch-switch-dvel/ovs-vswitchd-dvel
stock_vswitchd=/usr/lib/openvswitch-switch/ovs-vswitchd
rundir=/var/run/openvswitch
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

say() { printf 'deb.sh: %s\n' "$*"; }
fail() { printf 'deb.sh: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || { echo "deb.sh: must run as root" >&2; exit 1; }

# ---------------------------------------------------------------- cleanup
installed_by_us=
policy_moved=no
runlevel_moved=no
cleanup() {
    status=$?
    set +e
    if [ $status != 0 ]; then
        say "failed; logs follow"
        tail -30 /var/log/openvswitch/ovs-vswitchd.log 2>/dev/null
        tail -10 /var/log/openvswitch/ovsdb-server.log 2>/dev/null
    fi
    ovs-vsctl --timeout=5 --if-exists del-br dvpkbr >/dev/null 2>&1
    ip link del dvpk-u0 2>/dev/null
    ip link del dvpk-l0 2>/dev/null
    if [ -x /etc/init.d/openvswitch-switch ]; then
        /etc/init.d/openvswitch-switch stop >/dev/null 2>&1
    fi
    purge=
    for p in $installed_by_us; do
        dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -v not-installed >/dev/null \
            && purge="$purge $p"
    done
    if [ -n "$purge" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $purge \
            > "$work/cleanup.log" 2>&1 \
            || { say "could not purge$purge:"; tail -5 "$work/cleanup.log"; }
    fi
    [ $policy_moved = yes ] && mv /usr/sbin/policy-rc.d.dvel-test \
                                  /usr/sbin/policy-rc.d
    [ $runlevel_moved = yes ] && mv /sbin/runlevel.dvel-test /sbin/runlevel
    exit $status
}
trap cleanup EXIT INT TERM

# ---------------------------------------------------------------- helpers

# The executable of the running ovs-vswitchd, or nothing.
vswitchd_exe() {
    local pid
    pid=$(cat $rundir/ovs-vswitchd.pid 2>/dev/null) || return 0
    readlink /proc/"$pid"/exe 2>/dev/null || true
}

# wait_for DESCRIPTION COMMAND...: polls COMMAND for up to 30 s.
wait_for() {
    local what=$1 i
    shift
    for i in $(seq 300); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    fail "timed out waiting for $what"
}

lane_is_active() {
    ovs-appctl dvel/lane-show e1 | grep "^  \* lane $1:" >/dev/null
}

restart_ovs() {
    service openvswitch-switch restart >/dev/null
    wait_for "ovs-vswitchd" test -S "$rundir/db.sock"
}

# ---------------------------------------------------------------- build
export DEBIAN_FRONTEND=noninteractive
tools=
for p in debhelper dpkg-dev fakeroot lintian man-db; do
    dpkg-query -W -f='${Status}' $p 2>/dev/null | grep 'ok installed' >/dev/null \
        || tools="$tools $p"
done
if [ -n "$tools" ]; then
    say "installing$tools"
    apt-get install -y -q --no-install-recommends $tools >/dev/null
fi

if [ -n "$DVEL_DEB" ]; then
    deb=$DVEL_DEB
else
    say "building the package in $work (Open vSwitch is built too)"
    rm -rf "$work"
    mkdir -p "$work"
    git -C "$top" clone -q "$top" "$work/dvel"
    start=$(date +%s)
    (cd "$work/dvel" &&
     DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
         dpkg-buildpackage -us -uc -b > "$work/build.log" 2>&1) \
        || { tail -40 "$work/build.log"; fail "dpkg-buildpackage"; }
    say "built in $(( $(date +%s) - start )) s"
    deb=$(ls "$work"/openvswitch-switch-dvel_*.deb)
fi
say "package: $(basename "$deb")"
dpkg-deb --info "$deb" | sed -n 's/^ \(Depends\|Version\):/  \1:/p'

# lintian: no errors or warnings beyond the overrides in debian/.
lintian --allow-root --fail-on error,warning --tag-display-limit 0 "$deb" \
    | tee "$work/lintian.log" || fail "lintian (see above)"

# ---------------------------------------------------------------- install
# A container's policy-rc.d forbids starting services; this test is about
# services, so lift it while it runs (it is put back on exit).
if [ -e /usr/sbin/policy-rc.d ]; then
    mv /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.dvel-test
    policy_moved=yes
fi
# Without an init system (PID 1 of a container or a micro-VM), runlevel(8)
# fails and invoke-rc.d, which the maintainer scripts must use, does
# nothing.  Act as a machine booted with sysvinit at runlevel 2, so that
# the scripts' service actions run as they would there.
if ! /sbin/runlevel >/dev/null 2>&1; then
    mv /sbin/runlevel /sbin/runlevel.dvel-test
    runlevel_moved=yes
    printf '#!/bin/sh\necho N 2\n' > /sbin/runlevel
    chmod +x /sbin/runlevel
fi
for p in openvswitch-switch openvswitch-common python3-openvswitch; do
    dpkg-query -W -f='${Status}' $p 2>/dev/null | grep 'ok installed' >/dev/null \
        || installed_by_us="$installed_by_us $p"
done
installed_by_us="$installed_by_us openvswitch-switch-dvel"
say "installing $(basename "$deb") and Open vSwitch"
apt-get install -y -q "$deb" > "$work/install.log" 2>&1 \
    || { tail -30 "$work/install.log"; fail "apt-get install"; }

# Installed, but the running switch is still the stock one.
service openvswitch-switch start >/dev/null
wait_for "ovsdb-server" test -S "$rundir/db.sock"
[ "$(vswitchd_exe)" = $stock_vswitchd ] \
    || fail "installing changed the running switch: $(vswitchd_exe)"
update-alternatives --query ovs-vswitchd | grep -x "Alternative: $dvel_vswitchd" >/dev/null \
    || fail "ovs-vswitchd-dvel is not an alternative"
say "ok: installed, registered as an alternative, stock switch still runs"

# Manuals and commands.
for page in dvel-ctl dvel-db dvel-lane-emu ovs-vswitchd-dvel; do
    man -w "$page" >/dev/null || fail "no man page for $page"
    man "$page" 2>/dev/null | grep . >/dev/null || fail "man $page is empty"
done
man 5 dvel 2>/dev/null | grep 'EVC TABLE' >/dev/null || fail "man 5 dvel"
[ -f /usr/share/bash-completion/completions/dvel-ctl ] \
    || fail "no bash completion"
dvel-ctl --version | grep '^dvel-ctl (dvel)' >/dev/null || fail "dvel-ctl --version"
say "ok: man pages, bash completion, dvel-ctl"

# The database exists and the stock ovsdb-server serves it.
service openvswitch-switch-dvel start >/dev/null
/usr/share/dvel/scripts/dvel-db status \
    || fail "the dvel database is not served"
[ -f /var/lib/openvswitch/dvel.db ] || fail "no /var/lib/openvswitch/dvel.db"
say "ok: dvel database created and served"

# ---------------------------------------------------------------- run dvel
update-alternatives --set ovs-vswitchd $dvel_vswitchd
restart_ovs
service openvswitch-switch-dvel start >/dev/null
wait_for "ovs-vswitchd-dvel" test "$(vswitchd_exe)" = $dvel_vswitchd
ovs-vsctl get Open_vSwitch . datapath_types | grep dvel >/dev/null \
    || fail "datapath type dvel not offered"
say "ok: the stock service runs ovs-vswitchd-dvel"

ip link add dvpk-u0 type veth peer name dvpk-u1
ip link add dvpk-l0 type veth peer name dvpk-l1
for i in dvpk-u0 dvpk-u1 dvpk-l0 dvpk-l1; do ip link set $i up; done
ovs-vsctl add-br dvpkbr -- set bridge dvpkbr datapath_type=dvel \
    -- add-port dvpkbr dvpk-u0 -- add-port dvpkbr dvpk-l0
dvel-ctl --timeout=30 --wait add-evc e1 dvpkbr dvpk-u0 \
    -- add-lane e1 west dvpk-l0 vlan=100 probe:enable=false
wait_for "lane west active" lane_is_active west
ovs-appctl dvel/lane-show e1
ovs-ofctl --names --no-stats dump-flows dvpkbr | tee "$work/flows.txt"
grep -qF 'in_port="dvpk-u0" actions=mod_vlan_vid:100,output:"dvpk-l0"' \
    "$work/flows.txt" || fail "no flow carrying e1 on VLAN 100"
say "ok: EVC e1 configured with dvel-ctl and carried on lane west"

# A restart keeps the circuit (the database is attached again).
restart_ovs
service openvswitch-switch-dvel start >/dev/null
wait_for "lane west active after restart" lane_is_active west
say "ok: the circuit survives a restart of Open vSwitch"

# Reinstalling (as an upgrade does) restarts a running dvel switch so that
# it runs the installed binary, and keeps the circuit.  Make the database
# one an older release left (schema 1.0.0, before EVC and Lane had options
# columns), served as it was: the upgrade must convert it and keep a copy.
db=/var/lib/openvswitch/dvel.db
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
s["version"] = "1.0.0"
del s["tables"]["EVC"]["columns"]["options"]
del s["tables"]["Lane"]["columns"]["options"]
json.dump(s, open(sys.argv[2], "w"), indent=2)
' /usr/share/dvel/dvel.ovsschema "$work/old.ovsschema"
/usr/share/dvel/scripts/dvel-db detach >/dev/null
ovsdb-tool convert $db "$work/old.ovsschema"
rm -f $db.backup*
ovs-appctl -t ovsdb-server ovsdb-server/add-db $db
[ "$(ovsdb-client get-schema-version dvel)" = 1.0.0 ] \
    || fail "could not serve a 1.0.0 dvel database"
old_pid=$(cat $rundir/ovs-vswitchd.pid)
dpkg -i "$deb" > "$work/reinstall.log" 2>&1 \
    || { cat "$work/reinstall.log"; fail "reinstall"; }
wait_for "ovs-vswitchd-dvel after reinstall" \
    test "$(vswitchd_exe)" = $dvel_vswitchd
[ "$(cat $rundir/ovs-vswitchd.pid)" != "$old_pid" ] \
    || fail "the reinstall did not restart ovs-vswitchd-dvel"
wait_for "lane west active after reinstall" lane_is_active west
[ "$(ovsdb-client get-schema-version dvel)" = \
  "$(ovsdb-tool schema-version /usr/share/dvel/dvel.ovsschema)" ] \
    || fail "the upgrade did not convert the dvel database"
ls $db.backup1.0.0-* >/dev/null 2>&1 || fail "no backup of the old database"
dvel-ctl get Lane west vlan | grep -x 100 >/dev/null || fail "the lane was lost"
say "ok: reinstalling converts the database, restarts the dvel switch and keeps the circuit"

# ---------------------------------------------------------------- go back
update-alternatives --auto ovs-vswitchd
restart_ovs
wait_for "stock ovs-vswitchd" test "$(vswitchd_exe)" = $stock_vswitchd
say "ok: back to the stock switch with update-alternatives --auto"

# ---------------------------------------------------------------- remove
update-alternatives --set ovs-vswitchd $dvel_vswitchd
restart_ovs
wait_for "ovs-vswitchd-dvel" test "$(vswitchd_exe)" = $dvel_vswitchd
apt-get remove -y -q openvswitch-switch-dvel > "$work/remove.log" 2>&1 \
    || { cat "$work/remove.log"; fail "apt-get remove"; }
wait_for "stock ovs-vswitchd after remove" \
    test "$(vswitchd_exe)" = $stock_vswitchd
for exe in /proc/[0-9]*/exe; do
    case $(readlink "$exe" 2>/dev/null) in
        $dvel_vswitchd*|/usr/bin/dvel-*)
            fail "still running after remove: $(readlink "$exe")" ;;
    esac
done
update-alternatives --query ovs-vswitchd | grep dvel >/dev/null \
    && fail "the alternative was not removed"
[ -f /var/lib/openvswitch/dvel.db ] || fail "remove deleted the database"
say "ok: removed; nothing of dvel runs; the database is kept"

apt-get purge -y -q openvswitch-switch-dvel > "$work/purge.log" 2>&1 \
    || { cat "$work/purge.log"; fail "apt-get purge"; }
ls /var/lib/openvswitch/ | grep dvel >/dev/null && fail "purge left dvel files"
say "ok: purged; no dvel files left"
say "all package checks passed"
