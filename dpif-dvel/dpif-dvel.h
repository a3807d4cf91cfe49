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

#ifndef DPIF_DVEL_H
#define DPIF_DVEL_H 1

/* The "dvel" datapath type.
 *
 * A bridge with datapath_type=dvel runs on Open vSwitch's userspace
 * datapath (dpif-netdev) exactly as datapath_type=netdev does: the class is
 * a copy of dpif_netdev_class under another name, so DPDK and AF_XDP ports,
 * userspace tunnels, meters and conntrack all work unchanged.  What dvel
 * adds is an interception point in the upcall path: a frame that a hidden
 * dvel rule sends to "controller" with dvel's cookie is handed to the probe
 * engine in the thread that received it (a PMD thread for DPDK or AF_XDP
 * ports) and never reaches ofproto, packet-in or OpenFlow controllers. */

#include <stdint.h>
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"

struct dp_packet;

#define DPIF_DVEL_TYPE "dvel"

/* The OpenFlow cookies of dvel's hidden "send to the probe engine" rules
 * have these top 16 bits; the low 32 bits are the lane's probe ID.  The
 * datapath recognises intercepted frames by this prefix in the controller
 * action's userdata. */
#define DPIF_DVEL_PROBE_COOKIE_PREFIX 0xd7e2000000000000ULL
#define DPIF_DVEL_PROBE_COOKIE_MASK   0xffff000000000000ULL
#define DPIF_DVEL_PROBE_ID_MASK       0x00000000ffffffffULL

/* Called in the receiving datapath thread for each intercepted frame.
 * 'packet' belongs to the datapath: copy what you keep.  'rx_ns' is the
 * receive time (CLOCK_REALTIME, nanoseconds), 'ofproto_uuid' names the
 * bridge, 'rule_cookie' is the cookie of the rule that sent the frame here
 * and 'in_port' is the datapath ingress port (the controller action's
 * cookie carries no OpenFlow port). */
typedef void dpif_dvel_rx_cb(const struct dp_packet *packet,
                             const struct uuid *ofproto_uuid,
                             uint64_t rule_cookie, odp_port_t in_port,
                             uint64_t rx_ns, void *aux);

void dpif_dvel_set_rx_cb(dpif_dvel_rx_cb *, void *aux);

struct dpif_dvel_stats {
    uint64_t intercepted;       /* Frames consumed by the upcall hook. */
    uint64_t no_consumer;       /* Intercepted with no rx callback set. */
};
void dpif_dvel_get_stats(struct dpif_dvel_stats *);

void dpif_dvel_init(void);

#endif /* dpif-dvel.h */
