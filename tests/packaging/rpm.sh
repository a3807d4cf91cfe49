#!/bin/bash
# rpm.sh: check the RPM spec on this (Debian) machine: it parses, and
# "rpmbuild -bs" makes a source RPM from the release tarball ("make dist")
# and the Open vSwitch tarball.  With --binary, also "rpmbuild -bb
# --nodeps": Debian has the build dependencies under Debian names, which
# rpm cannot see, but the build itself is the spec's.
#
#   tests/packaging/rpm.sh [--binary]
#
# Run from a configured tree (it runs "make dist").
set -e -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
work=$top/_rpm
spec=$top/rhel/openvswitch-dvel.spec
ovs_tarball=${DVEL_OVS_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
binary=no
[ "$1" = --binary ] && binary=yes

say() { printf 'rpm.sh: %s\n' "$*"; }
fail() { printf 'rpm.sh: FAILED: %s\n' "$*" >&2; exit 1; }

if ! command -v rpmbuild >/dev/null; then
    [ "$(id -u)" = 0 ] || fail "rpmbuild is missing (apt-get install rpm)"
    say "installing rpm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends rpm >/dev/null
fi

rm -rf "$work"
mkdir -p "$work/SOURCES"
rpm_defs=(--define "_topdir $work")

# The spec parses, and names the versions it builds.
rpmspec "${rpm_defs[@]}" --parse "$spec" > "$work/parsed.spec" \
    || fail "rpmspec --parse"
version=$(rpmspec "${rpm_defs[@]}" -q --srpm --qf '%{version}' "$spec")
ovs_version=$(sed -n 's/^%global ovs_version //p' "$spec")
configured=$(sed -n 's/^AC_INIT(dvel, *\([^,]*\),.*/\1/p' "$top/configure.ac")
[ "$version" = "$configured" ] \
    || fail "spec version $version, configure.ac says $configured"
say "ok: spec parses (dvel $version against Open vSwitch $ovs_version)"

# The Open vSwitch tarball must be the release the spec names.
ovs_ac=$(tar -xzOf "$ovs_tarball" --wildcards '*/configure.ac')
case $ovs_ac in
    *"AC_INIT(openvswitch, $ovs_version,"*) ;;
    *) fail "$ovs_tarball is not Open vSwitch $ovs_version" ;;
esac

(cd "$top" && make -s dist >/dev/null) || fail "make dist"
mv "$top/dvel-$version.tar.gz" "$work/SOURCES/"
cp "$ovs_tarball" "$work/SOURCES/openvswitch-$ovs_version.tar.gz"

rpmbuild "${rpm_defs[@]}" -bs "$spec" > "$work/srpm.log" 2>&1 \
    || { cat "$work/srpm.log"; fail "rpmbuild -bs"; }
srpm=$(ls "$work"/SRPMS/*.src.rpm)
rpm -qp --qf '%{name}-%{version}-%{release}\n' "$srpm" 2>/dev/null
say "ok: source RPM $(basename "$srpm")"

if [ $binary = yes ]; then
    say "rpmbuild -bb --nodeps (builds Open vSwitch and dvel)"
    rpmbuild "${rpm_defs[@]}" -bb --nodeps "$spec" > "$work/rpm.log" 2>&1 \
        || { tail -40 "$work/rpm.log"; fail "rpmbuild -bb"; }
    for rpm in "$work"/RPMS/*/*.rpm; do
        say "built $(basename "$rpm"):"
        rpm -qlp "$rpm" 2>/dev/null | sed 's/^/  /'
    done
    rpm -qlp "$work"/RPMS/*/openvswitch-dvel-"$version"-*.rpm 2>/dev/null \
        | grep -x /usr/sbin/ovs-vswitchd-dvel >/dev/null \
        || fail "the binary RPM has no ovs-vswitchd-dvel"
    say "ok: binary RPM"
fi
