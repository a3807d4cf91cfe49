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

#ifndef OFPROTO_DVEL_EVC_FLOWS_H
#define OFPROTO_DVEL_EVC_FLOWS_H 1

/* The OpenFlow rules that carry an EVC, and keeping them installed.
 *
 * Every rule dvel owns lives in table 0 and carries a cookie whose top 16
 * bits are 0xd7e1; the low 32 bits are the first 32 bits of the EVC's UUID
 * in the dvel database, so "ovs-ofctl dump-flows br0
 * cookie=0xd7e1000000000000/0xffff000000000000" lists dvel's rules and the
 * cookie of one EVC lists that EVC's.  Visible rules use priorities
 * DVEL_PRIO_MIN to DVEL_PRIO_MAX; the probe interception rules are hidden
 * (priority above 65535), like OVS's in-band rules.
 *
 * A set of flows is what dvel believes is installed for one EVC on one
 * bridge.  dvel_flows_sync() turns it into the desired set with the fewest
 * flow_mods; dvel_flows_repair() re-adds any that someone deleted or
 * changed, leaving every other rule in the table alone. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/uuid.h"

struct ofproto;
struct ofpbuf;
struct ds;

#define DVEL_COOKIE_PREFIX   0xd7e1000000000000ULL
#define DVEL_COOKIE_MASK     0xffff000000000000ULL
#define DVEL_FLOW_TABLE      0

/* Visible priorities (see dvel(5)): a match on a VLAN or tunnel key is
 * more specific than a whole port, so it wins where both exist. */
#define DVEL_PRIO_MIN        40000
#define DVEL_PRIO_PORT       40000  /* Whole port: port-based UNI, lane
                                     * on a dedicated port. */
#define DVEL_PRIO_TAGGED     40010  /* Port and C-VLAN, S-VLAN or key. */
#define DVEL_PRIO_MAX        40099

/* Hidden: send Y.1731 frames on a lane to the probe engine. */
#define DVEL_PRIO_PROBE      200000

struct dvel_flow {
    struct hmap_node node;      /* In a dvel_flow_set, by match+priority. */
    struct minimatch match;
    int priority;
    uint64_t cookie;
    struct ofpact *ofpacts;
    size_t ofpacts_len;
};

struct dvel_flow_set {
    struct hmap flows;          /* Contains "struct dvel_flow"s. */
    struct uuid ofproto_uuid;   /* Bridge the flows are installed in. */
};

const struct uuid *dvel_ofproto_uuid(const struct ofproto *);

void dvel_flow_set_init(struct dvel_flow_set *);
void dvel_flow_set_destroy(struct dvel_flow_set *);
size_t dvel_flow_set_count(const struct dvel_flow_set *);
size_t dvel_flow_set_memory(const struct dvel_flow_set *);

void dvel_flow_set_add(struct dvel_flow_set *, const struct match *,
                       int priority, uint64_t cookie,
                       const struct ofpbuf *ofpacts);

size_t dvel_flows_sync(struct ofproto *, struct dvel_flow_set *installed,
                       struct dvel_flow_set *desired);
void dvel_flows_remove(struct ofproto *, struct dvel_flow_set *installed);
size_t dvel_flows_repair(struct ofproto *, const struct dvel_flow_set *);

void dvel_flow_set_format(const struct dvel_flow_set *, struct ds *);

#endif /* ofproto-dvel/evc-flows.h */
