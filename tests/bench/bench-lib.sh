# Helpers shared by the benchmark scripts under tests/bench/.  Sourced, not
# run.  Each script keeps its own cleanup trap and calls
# hugepages_release from it.

# hugepages_reserve N: mounts hugetlbfs if it is not mounted and adds
# 2-MiB pages until N are free (DPDK takes its memory from them).  What it
# did is undone by hugepages_release.
hp_mounted=no
hp_added=0
hugepages_reserve () {
    local want=$1 free
    if ! grep -q ' hugetlbfs ' /proc/mounts; then
        mkdir -p /dev/hugepages
        mount -t hugetlbfs none /dev/hugepages
        hp_mounted=yes
    fi
    free=$(sed -n 's/^HugePages_Free: *//p' /proc/meminfo)
    if test "$free" -lt "$want"; then
        hp_added=$((want - free))
        echo $(( $(cat /proc/sys/vm/nr_hugepages) + hp_added )) \
            > /proc/sys/vm/nr_hugepages
        free=$(sed -n 's/^HugePages_Free: *//p' /proc/meminfo)
        if test "$free" -lt "$want"; then
            echo "$0: only $free free 2-MiB hugepages, $want needed" >&2
            return 1
        fi
    fi
}

hugepages_release () {
    if test "$hp_added" -gt 0; then
        echo $(( $(cat /proc/sys/vm/nr_hugepages) - hp_added )) \
            > /proc/sys/vm/nr_hugepages
        hp_added=0
    fi
    if test $hp_mounted = yes; then
        umount /dev/hugepages
        hp_mounted=no
    fi
}

# pin_non_pmd PID: every thread of process PID but its PMD threads onto
# core 0, as isolating the PMD cores (isolcpus) would, so that the
# switch's other threads take no time from its PMD thread on core 1.
pin_non_pmd () {
    local pid=$1 t
    for t in /proc/$pid/task/*; do
        case $(cat 2>/dev/null < $t/comm) in
            pmd*) ;;
            # A thread may end meanwhile.
            *) taskset -p -c 0 ${t##*/} >/dev/null 2>&1 || true ;;
        esac
    done
}

# thread_ticks PID: "TID COMM TICKS" for each thread of PID, sorted by
# TID, TICKS being its user and system CPU time in clock ticks.  A thread
# that ends while it is being read is left out.
thread_ticks () {
    local pid=$1 t comm stat
    for t in /proc/$pid/task/*; do
        comm=$(tr ' ' _ 2>/dev/null < $t/comm) || continue
        stat=$(cat $t/stat 2>/dev/null) || continue
        echo "$stat" | awk -v tid=${t##*/} -v comm="$comm" \
            '{ print tid, comm, $14 + $15 }'
    done | sort -k1,1
}
