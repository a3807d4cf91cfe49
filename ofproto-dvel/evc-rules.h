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

#ifndef OFPROTO_DVEL_EVC_RULES_H
#define OFPROTO_DVEL_EVC_RULES_H 1

/* What an EVC's OpenFlow rules are made from, and making them.
 *
 * An EVC's rules (see evc-flows.h) follow from a handful of its fields and
 * of its lanes': ports, VLANs, keys, the active lane, the bridge's MAC.
 * dvel keeps, for each EVC, a copy of those fields as they were when its
 * installed rules were made ("struct evc_rules", about 30 bytes a lane),
 * not the rules themselves (match and actions, about 600 bytes a lane),
 * and makes the rules again when it needs them: to change them, repair
 * them or show them, which takes microseconds and happens seldom. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/types.h"

struct dvel_evc;
struct dvel_flow_set;

/* One lane, as its rules see it. */
struct evc_rules_lane {
    uint32_t key;               /* Tunnel key, if 'has_key'. */
    uint32_t probe_id;          /* Cookie of its probe rules. */
    ofp_port_t ofp_port;
    uint16_t vlan;              /* S-VLAN, or 0. */
    uint16_t tpid;
    struct eth_addr mac;        /* The bridge's, for probes addressed to
                                 * it; all-zeros if unknown. */
    uint8_t level;              /* MEG level of its probes. */
    bool has_key;
};

struct evc_rules {
    uint64_t cookie;
    ofp_port_t uni_ofp_port;
    uint16_t c_vlan;            /* C-VLAN, or 0 for a port-based UNI. */
    bool rewrite;               /* options:vlan-mode=rewrite. */
    bool has_active;            /* Otherwise the UNI's frames are dropped. */
    struct evc_rules_lane active;
    size_t n_lanes;
    struct evc_rules_lane lanes[]; /* Usable lanes, by preference. */
};

struct evc_rules *evc_rules_create(const struct dvel_evc *);
bool evc_rules_equal(const struct evc_rules *, const struct evc_rules *);
size_t evc_rules_memory(const struct evc_rules *);
void evc_rules_build(const struct evc_rules *, struct dvel_flow_set *);

#endif /* ofproto-dvel/evc-rules.h */
