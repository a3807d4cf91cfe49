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

#ifndef PROBES_PROBE_IO_H
#define PROBES_PROBE_IO_H 1

/* The probe thread and its two queues.
 *
 * Receive: the dvel datapath hands every intercepted frame to
 * probe_io_rx(), in the thread that received it; the frame is copied into
 * a lock-free multi-producer queue and the probe thread drains it.
 *
 * Transmit: the probe engine, in the probe thread, calls
 * probe_io_transmit() for each frame.  A lane on an ordinary port goes
 * straight to the datapath through a datapath handle of the probe
 * thread's own (struct probe_io_dp), so that neither the main thread nor
 * the bridges are needed for it; a tunnel lane goes through ofproto-dpif's
 * action execution, the way OVS's monitor thread sends BFD and CFM, with
 * the bridges held.  probe_io_send() queues a raw frame for a port of a
 * bridge, for the same path. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct dpif;
struct ofproto;
struct ds;
struct probe_lane_cfg;
struct y1731_ts;

void probe_io_init(void);
void probe_io_exit(void);

int probe_io_send(struct ofproto *, ofp_port_t, const void *frame,
                  size_t len);

/* Main thread only. */
struct probe_io_dp *probe_io_dp_get(const struct dpif *);
struct probe_io_dp *probe_io_dp_ref(struct probe_io_dp *);
void probe_io_dp_unref(struct probe_io_dp *);
void probe_io_dp_sweep(void);
void probe_io_set_bridges_needed(bool);

int probe_io_transmit(struct probe_lane_cfg *, const void *frame,
                      size_t len, size_t ts_offset, struct y1731_ts *);
void probe_io_wake(void);

void probe_io_set_main_thread_rx(bool enable);
void probe_io_run(void);
void probe_io_wait(void);

void probe_io_bridges_lock(void);
void probe_io_bridges_unlock(void);

void probe_io_format(struct ds *);

#endif /* probes/probe-io.h */
