#!/bin/bash
# dvel-setup.sh: prepare a Debian 12 machine to build and test dvel.
#
# 1. installs the build and test dependencies with apt-get when missing;
# 2. unpacks Debian's openvswitch-source tarball and builds Open vSwitch once
#    (DPDK shared, AF_XDP) in $DVEL_OVS_DIR, reused by later runs;
# 3. configures and builds dvel against that tree.
#
# Running it a second time does no work: every step checks a stamp first.
set -e -o pipefail

usage() {
    cat <<USAGE
usage: $0 [--check | --demo] [--deps-only] [--ovs-only] [--no-deps]
  (no option)  install dependencies, build OVS once, build dvel
  --check      ... then run the test suite ("make check")
  --demo       ... then run the lab demo (utilities/dvel-lab.sh, as root)
Environment:
  DVEL_OVS_DIR    where Open vSwitch is unpacked and built
                  (default: /var/cache/dvel/ovs)
  DVEL_OVS_TARBALL  OVS source tarball
                  (default: /usr/src/openvswitch/openvswitch.tar.gz)
  DVEL_CONFIGURE_FLAGS  extra flags for dvel's configure
  DVEL_LAB_TESTS  "no" to leave the lab tests out of --check
USAGE
}

deps=yes
build_dvel=yes
then_run=
for arg; do
    case $arg in
        --check) then_run=check ;;
        --demo) then_run=demo ;;
        --deps-only) build_dvel=no; ovs_only=no; deps_only=yes ;;
        --ovs-only) build_dvel=no ;;
        --no-deps) deps=no ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$0: unknown option $arg" >&2; usage >&2; exit 1 ;;
    esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
OVS_DIR=${DVEL_OVS_DIR:-/var/cache/dvel/ovs}
OVS_TARBALL=${DVEL_OVS_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
jobs=$(nproc 2>/dev/null || echo 2)

say() { printf 'dvel-setup: %s\n' "$*"; }

# Packages needed to build OVS (with DPDK and AF_XDP) and dvel, and to run
# the test suite.
PACKAGES="build-essential autoconf automake libtool pkg-config python3
  openvswitch-source libssl-dev libcap-ng-dev libunbound-dev libnuma-dev
  libdpdk-dev libbpf-dev libxdp-dev libnl-3-dev libnl-route-3-dev
  python3-sortedcontainers iproute2 iputils-ping tshark python3-scapy procps
  gnuplot-nox clang libclang-rt-14-dev git ethtool"

install_deps() {
    missing=
    for p in $PACKAGES; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
                | grep 'install ok installed' >/dev/null; then
            missing="$missing $p"
        fi
    done
    if [ -z "$missing" ]; then
        say "build dependencies already installed"
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "dvel-setup: missing packages:$missing (run as root)" >&2
        exit 1
    fi
    say "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; keep the default.
    echo "wireshark-common wireshark-common/install-setuid boolean false" \
        | debconf-set-selections
    apt-get update -q
    apt-get install -y -q --no-install-recommends $missing
}

ovs_configure_flags() {
    echo "--with-dpdk=shared --enable-afxdp --disable-ssl-check
          --prefix=/usr --localstatedir=/var --sysconfdir=/etc"
}

build_ovs() {
    [ -f "$OVS_TARBALL" ] || { echo "dvel-setup: $OVS_TARBALL not found" >&2; exit 1; }
    # The stamp names the tarball and the flags, so a new tarball or new
    # flags rebuild and anything else reuses the tree.
    want="$(sha256sum < "$OVS_TARBALL" | cut -d' ' -f1) $(ovs_configure_flags | tr -s ' \n' ' ')"
    if [ -f "$OVS_DIR/.dvel-stamp" ] && [ "$(cat "$OVS_DIR/.dvel-stamp")" = "$want" ]; then
        say "Open vSwitch already built in $OVS_DIR"
        return
    fi
    say "building Open vSwitch in $OVS_DIR (a few minutes)"
    rm -rf "$OVS_DIR"
    mkdir -p "$OVS_DIR"
    tar -xzf "$OVS_TARBALL" -C "$OVS_DIR" --strip-components=1
    (cd "$OVS_DIR" &&
     ./configure $(ovs_configure_flags) > configure.log 2>&1 ||
         { tail -30 configure.log; exit 1; }
     make -j"$jobs" > make.log 2>&1 || { tail -50 make.log; exit 1; })
    echo "$want" > "$OVS_DIR/.dvel-stamp"
}

build_dvel() {
    cd "$top"
    if [ ! -x configure ] || [ configure.ac -nt configure ] \
       || [ Makefile.am -nt configure ]; then
        say "bootstrapping dvel"
        ./boot.sh
    fi
    if [ ! -f config.status ] \
       || ! grep -q -- "--with-ovs-source=$OVS_DIR" config.status; then
        say "configuring dvel"
        ./configure --with-ovs-source="$OVS_DIR" ${DVEL_CONFIGURE_FLAGS:-}
    fi
    say "building dvel"
    make -j"$jobs"
}

# DPDK ports (in the test suite, the demo, the lab) need hugepages: as
# root, make sure hugetlbfs is mounted and 256 2-MiB pages (512 MiB) are
# free, allocating only what is missing.
ensure_hugepages() {
    local want=256 free total
    [ "$(id -u)" = 0 ] || return 0
    if ! mount | grep 'type hugetlbfs' >/dev/null; then
        mkdir -p /dev/hugepages
        mount -t hugetlbfs none /dev/hugepages || { say "cannot mount hugetlbfs: DPDK tests will be skipped"; return 0; }
    fi
    free=$(sed -n 's/^HugePages_Free: *//p' /proc/meminfo)
    total=$(cat /proc/sys/vm/nr_hugepages)
    if [ "${free:-0}" -lt $want ]; then
        echo $((total + want - free)) > /proc/sys/vm/nr_hugepages || true
    fi
    say "hugepages: $(sed -n 's/^HugePages_Free: *//p' /proc/meminfo) free"
}

[ "$deps" = yes ] && install_deps
[ "${deps_only:-no}" = yes ] && exit 0
build_ovs
[ "$build_dvel" = yes ] && build_dvel
say "built"

case $then_run in
    check)
        ensure_hugepages
        cd "$top"
        status=0
        rm -f tests/testsuite-main.log
        make check TESTSUITEFLAGS="${TESTSUITEFLAGS:--j$jobs}" \
            LAB_TESTS="${DVEL_LAB_TESTS:-yes}" || status=$?
        # One summary line in the form CI tools read, from the results
        # autotest records ("N. NAME (FILE:LINE): ok|FAILED|skipped ...").
        # "make check" runs the suite in two passes (the lab tests last,
        # alone); the first pass's log is kept as testsuite-main.log.
        logs=tests/testsuite.log
        [ -f tests/testsuite-main.log ] \
            && logs="tests/testsuite-main.log $logs"
        if [ -f tests/testsuite.log ]; then
            # What a failed test last did, for a CI log that keeps only
            # its end: the check that failed and the lines before it.
            for n in $(cat $logs | sed -n 's/^\([0-9]*\)\. .*): FAILED .*/\1/p'); do
                f=tests/testsuite.dir/$(printf %02d $n)/testsuite.log
                [ -f "$f" ] || f=tests/testsuite.dir/$n/testsuite.log
                [ -f "$f" ] || continue
                echo "--- test $n failed; the end of $f:"
                tail -n 30 "$f"
            done
            n_pass=$(cat $logs | grep -cE '^[0-9]+\. .*\): ok ' || true)
            n_fail=$(cat $logs | grep -cE '^[0-9]+\. .*\): FAILED ' || true)
            n_skip=$(cat $logs | grep -cE '^[0-9]+\. .*\): skipped ' || true)
            echo "$n_pass passed, $n_fail failed, $n_skip skipped"
        fi
        exit $status
        ;;
    demo)
        exec "$top/utilities/dvel-lab.sh" --demo
        ;;
esac
