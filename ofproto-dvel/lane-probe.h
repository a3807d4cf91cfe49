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

#ifndef OFPROTO_DVEL_LANE_PROBE_H
#define OFPROTO_DVEL_LANE_PROBE_H 1

/* A lane's probe settings: the Lane table's "probe" and "probe_interval"
 * columns, checked, with the defaults dvel(5) documents.  Shared by
 * ovs-vswitchd-dvel and dvel-ctl, which refuses bad settings up front. */

#include <stdbool.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct smap;

struct lane_probe {
    bool enable;                /* Initiate probes (the responder is always
                                 * on). */
    bool dm, slm;
    int level;
    int mep_id;
    int remote_mep_id;          /* 0: any. */
    uint32_t test_id;
    bool has_remote_mac;
    struct eth_addr remote_mac;
    int interval_ms;
    int detect_mult;
    int jitter_pct;
    int max_rtt_ms;
    int max_loss_pct;
    int max_delay_ms;
};

char *lane_probe_parse(const struct smap *probe, const int64_t *interval,
                       size_t n_interval, struct lane_probe *)
    OVS_WARN_UNUSED_RESULT;

#endif /* ofproto-dvel/lane-probe.h */
