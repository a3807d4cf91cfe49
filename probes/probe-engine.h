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

#ifndef PROBES_PROBE_ENGINE_H
#define PROBES_PROBE_ENGINE_H 1

/* The probe engine: one Y.1731 maintenance end point per lane.
 *
 * Each lane that carries an EVC is a "session", known by a probe ID that
 * the main thread gives it.  The ID is also the low 32 bits of the cookie
 * of the lane's hidden interception rules, so a frame the datapath
 * intercepts names its session without any parsing.  A session answers
 * DMMs and SLMs that arrive on its lane (the responder) and, if probing is
 * enabled, sends a DMM and an SLM every interval and measures the replies
 * (the initiator).
 *
 * Threads: the main thread publishes the set of sessions with
 * probe_engine_set() after each evaluation of the EVCs and reads their
 * state and statistics; the probe thread (probe-io.c) calls
 * probe_engine_receive() for each intercepted frame and probe_engine_run()
 * when a timer is due.  One mutex guards everything, as in OVS's BFD.
 *
 * Lane state, from the initiator's point of view:
 *
 *   init:     no reply yet, and fewer than detect-mult probes sent or
 *             less than max-rtt since the first.
 *   up:       replies arrive.
 *   degraded: replies arrive but the loss over the last second or the
 *             median delay is over the lane's threshold.
 *   down:     no reply arrived during the last detect-mult intervals, that
 *             is, detect-mult probes in a row went unanswered.
 *
 * A lane that is not probing is "disabled" and never changes state. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"

struct ds;
struct probe_io_dp;
struct simap;
struct seq;

enum probe_state {
    PROBE_DISABLED,
    PROBE_INIT,
    PROBE_UP,
    PROBE_DEGRADED,
    PROBE_DOWN,
};

const char *probe_state_to_string(enum probe_state);

/* Defaults, documented in dvel(5). */
#define PROBE_DEFAULT_INTERVAL_MS 100
#define PROBE_MIN_INTERVAL_MS 1
#define PROBE_MAX_INTERVAL_MS 10000
#define PROBE_DEFAULT_LEVEL 4
#define PROBE_DEFAULT_MEP_ID 1
#define PROBE_DEFAULT_TEST_ID 1
#define PROBE_DEFAULT_DETECT_MULT 3
#define PROBE_DEFAULT_JITTER_PCT 10
#define PROBE_DEFAULT_MAX_RTT_MS 1000
#define PROBE_DEFAULT_MAX_LOSS_PCT 10
#define PROBE_DEFAULT_HISTORY_SEC 3600

/* What the main thread tells the engine about one lane. */
struct probe_lane_cfg {
    uint32_t id;                /* Probe ID, nonzero, unique. */
    int history_sec;            /* Seconds of per-second history. */
    char *name;                 /* "EVC/LANE", for logs. */

    /* Where the lane is. */
    struct uuid ofproto_uuid;   /* Bridge. */
    ofp_port_t ofp_port;        /* Lane port. */
    odp_port_t odp_port;        /* Its datapath port, or ODPP_NONE to send
                                 * through the OpenFlow pipeline. */
    struct probe_io_dp *dp;     /* Datapath to send on directly, with
                                 * 'odp_port', or NULL.  A reference: see
                                 * probe_io_dp_get(). */
    char *port_name;            /* The datapath port's name, if 'dp'. */
    uint64_t port_gen;          /* Probe thread: see probe_io_transmit(). */
    uint16_t vid;               /* S-VLAN to tag probes with, or 0. */
    uint16_t tpid;              /* ...and its TPID. */
    bool has_key;               /* Tunnel lane: set the tunnel key. */
    uint32_t key;
    struct eth_addr mac;        /* This end's MAC. */

    /* The maintenance end point. */
    bool initiate;              /* Send probes, or only answer. */
    bool dm, slm;               /* Which measurements to make. */
    uint8_t level;              /* MEG level, 0...7. */
    uint16_t mep_id;            /* Local MEP ID, 1...8191. */
    uint16_t remote_mep_id;     /* Expected responder MEP ID, 0 for any. */
    uint32_t test_id;
    bool has_remote_mac;
    struct eth_addr remote_mac; /* Far end, if configured. */
    int interval_ms;
    int detect_mult;
    int jitter_pct;             /* Intervals shortened by up to this. */
    int max_rtt_ms;             /* Delays above this are impossible. */
    int max_loss_pct;           /* Degraded above this loss, 0: never. */
    int max_delay_ms;           /* Degraded above this median, 0: never. */
};

void probe_lane_cfg_destroy(struct probe_lane_cfg *);

/* Main thread. */
void probe_engine_set(struct probe_lane_cfg *cfgs, size_t n);
struct seq *probe_engine_seq(void);
bool probe_engine_take_changed(uint32_t **ids, size_t *n);
enum probe_state probe_engine_get_state(uint32_t id, char **reason);
bool probe_engine_format(uint32_t id, struct ds *);
bool probe_engine_format_history(uint32_t id, struct ds *);
void probe_engine_clear_stats(uint32_t id);
void probe_engine_clear_all_stats(void);

/* Summary for the status columns; false if 'id' is unknown. */
struct probe_status {
    enum probe_state state;
    int64_t rtt_p50_ns, rtt_p99_ns, variation_ns;  /* -1: not measured. */
    double far_loss_short, near_loss_short;        /* -1: not measured. */
    double far_loss_long, near_loss_long;
    uint64_t n_delays, n_slrs, n_down;
    long long int state_wall_usec;  /* When 'state' last changed, wall-clock
                                     * microseconds (0: not since start). */
};
bool probe_engine_get_status(uint32_t id, struct probe_status *);

/* Probe thread. */
void probe_engine_receive(uint32_t id, const struct uuid *ofproto_uuid,
                          const void *frame, size_t len, uint64_t rx_ns);
long long int probe_engine_run(void);
void probe_engine_format_global(struct ds *);
void probe_engine_get_memory_usage(struct simap *);

void probe_engine_destroy_all(void);

#endif /* probes/probe-engine.h */
