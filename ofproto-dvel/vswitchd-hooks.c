/*
 * Copyright (c) 2026 The dvel authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* How dvel runs inside an unmodified ovs-vswitchd.
 *
 * ovs-vswitchd-dvel is linked from OVS's own vswitchd objects with
 * "-Wl,--wrap=SYMBOL" for the functions below: the linker sends
 * ovs-vswitchd.c's calls to __wrap_SYMBOL, which calls the original as
 * __real_SYMBOL and runs dvel's step beside it.  This gives dvel a place in
 * the main loop right after bridge_run() (so bridges, ports and link states
 * are current when dvel looks at them), its own poll-loop wait, and an
 * orderly exit, without a line of OVS changed.  A netdev class with only
 * run/wait callbacks would also be called every iteration, but at a point
 * in the loop dvel does not choose and with no initialisation hook. */

#include <config.h>

#include <stdio.h>

#include "dpif-dvel/dpif-dvel.h"
#include "ofproto-dvel/dvel.h"
#include "ofproto-dvel/loop-stats.h"
#include "probes/probe-io.h"
#include "timeval.h"
#include "util.h"

void __real_bridge_init(const char *remote);
void __wrap_bridge_init(const char *remote);
void __real_bridge_run(void);
void __wrap_bridge_run(void);
void __real_bridge_wait(void);
void __wrap_bridge_wait(void);
void __real_bridge_exit(bool delete_datapath);
void __wrap_bridge_exit(bool delete_datapath);
void __real_bridge_get_memory_usage(struct simap *);
void __wrap_bridge_get_memory_usage(struct simap *);
void __real_ovs_print_version(uint8_t min_ofp, uint8_t max_ofp);
void __wrap_ovs_print_version(uint8_t min_ofp, uint8_t max_ofp);

void
__wrap_bridge_init(const char *remote)
{
    /* The datapath type must exist before the first bridge is opened. */
    dpif_dvel_init();
    __real_bridge_init(remote);
    dvel_init(remote);

    /* How long each main-loop iteration spends in bridge_run() (Open
     * vSwitch's and dvel's work together) and in dvel's part of it:
     * "ovs-appctl dvel/loop-show" reports them, and the scale benchmark
     * reads them. */
    loop_stats_init();
}

void
__wrap_bridge_run(void)
{
    /* Bridges are created and destroyed only in here: keep the probe
     * thread off them meanwhile. */
    long long int start = time_usec();

    /* Before Open vSwitch runs its bridges: a lane port that lost its
     * carrier is left now, not after them (see link-watch.c). */
    dvel_iteration_start();
    probe_io_bridges_lock();
    __real_bridge_run();
    probe_io_bridges_unlock();

    long long int dvel_start = time_usec();
    dvel_run();
    long long int end = time_usec();
    loop_stats_add(LOOP_DVEL_RUN, end - dvel_start);
    loop_stats_add(LOOP_BRIDGE_RUN, end - start);
}

void
__wrap_bridge_wait(void)
{
    __real_bridge_wait();
    dvel_wait();
}

void
__wrap_bridge_exit(bool delete_datapath)
{
    dvel_exit();
    __real_bridge_exit(delete_datapath);
}

void
__wrap_bridge_get_memory_usage(struct simap *usage)
{
    __real_bridge_get_memory_usage(usage);
    dvel_get_memory_usage(usage);
}

void
__wrap_ovs_print_version(uint8_t min_ofp, uint8_t max_ofp)
{
    __real_ovs_print_version(min_ofp, max_ofp);
    printf("dvel %s\n", DVEL_VERSION);
}
