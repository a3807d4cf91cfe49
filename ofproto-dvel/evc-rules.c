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

#include <config.h>

#include "ofproto-dvel/evc-rules.h"

#include <string.h>

#include "byte-order.h"
#include "dpif-dvel/dpif-dvel.h"
#include "ofproto-dvel/evc.h"
#include "ofproto-dvel/evc-flows.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "packets.h"
#include "probes/y1731.h"
#include "util.h"

/* EtherType of ITU-T Y.1731 / IEEE 802.1ag OAM frames. */
#define ETH_TYPE_CFM 0x8902

static void
rules_lane_init(struct evc_rules_lane *rl, const struct dvel_lane *lane)
{
    /* Field by field into zeroed memory, so that padding is zero too and
     * evc_rules_equal() may compare bytes. */
    memset(rl, 0, sizeof *rl);
    rl->key = lane->has_key ? lane->key : 0;
    rl->probe_id = lane->probe_id;
    rl->ofp_port = lane->ofp_port;
    rl->vlan = lane->vlan;
    rl->tpid = lane->tpid;
    rl->mac = lane->mac;
    rl->level = lane->probe.level;
    rl->has_key = lane->has_key;
}

/* Returns what the rules of 'evc' are made from now, owned by the caller
 * (free() it). */
struct evc_rules *
evc_rules_create(const struct dvel_evc *evc)
{
    size_t n_usable = 0;

    for (size_t i = 0; i < evc->n_lanes; i++) {
        n_usable += evc->order[i]->usable;
    }

    struct evc_rules *r = xzalloc(sizeof *r + n_usable * sizeof *r->lanes);
    r->cookie = evc_cookie(evc);
    r->uni_ofp_port = evc->uni_ofp_port;
    r->c_vlan = evc->c_vlan;
    r->rewrite = evc->rewrite;
    if (evc->active) {
        r->has_active = true;
        rules_lane_init(&r->active, evc->active);
    }
    for (size_t i = 0; i < evc->n_lanes; i++) {
        if (evc->order[i]->usable) {
            rules_lane_init(&r->lanes[r->n_lanes++], evc->order[i]);
        }
    }
    return r;
}

static size_t
rules_size(const struct evc_rules *r)
{
    return sizeof *r + r->n_lanes * sizeof *r->lanes;
}

bool
evc_rules_equal(const struct evc_rules *a, const struct evc_rules *b)
{
    return (a->n_lanes == b->n_lanes
            && !memcmp(a, b, rules_size(a)));
}

size_t
evc_rules_memory(const struct evc_rules *r)
{
    return r ? rules_size(r) : 0;
}

static void
put_set_vid(struct ofpbuf *ofpacts, int vid)
{
    struct ofpact_vlan_vid *v = ofpact_put_SET_VLAN_VID(ofpacts);
    v->vlan_vid = vid;
    v->push_vlan_if_needed = false;
    v->flow_has_vlan = true;
}

/* Appends to 'ofpacts' the actions that carry a UNI frame onto 'lane'. */
static void
put_lane_encap(const struct evc_rules *r, const struct evc_rules_lane *lane,
               struct ofpbuf *ofpacts)
{
    if (lane->vlan) {
        if (r->rewrite && r->c_vlan) {
            put_set_vid(ofpacts, lane->vlan);
        } else {
            ofpact_put_PUSH_VLAN(ofpacts)->ethertype = htons(lane->tpid);
            put_set_vid(ofpacts, lane->vlan);
        }
    } else if (lane->has_key) {
        ovs_be64 key = htonll(lane->key);
        ofpact_put_set_field(ofpacts, mf_from_id(MFF_TUN_ID), &key, NULL);
    }
    ofpact_put_OUTPUT(ofpacts)->port = lane->ofp_port;
}

/* Sets 'match' to the frames of the EVC that arrive on 'lane'. */
static void
lane_match(const struct evc_rules_lane *lane, struct match *match)
{
    match_init_catchall(match);
    match_set_in_port(match, lane->ofp_port);
    if (lane->vlan) {
        match_set_dl_vlan(match, htons(lane->vlan), 0);
    } else if (lane->has_key) {
        match_set_tun_id(match, htonll(lane->key));
    }
}

/* Adds the rules made from 'r' to 'set'. */
void
evc_rules_build(const struct evc_rules *r, struct dvel_flow_set *set)
{
    struct ofpbuf ofpacts;
    struct match match;

    ofpbuf_init(&ofpacts, 64);

    /* UNI to the active lane, or to nowhere: with no lane up, the UNI's
     * frames must not fall through to the bridge's other rules. */
    match_init_catchall(&match);
    match_set_in_port(&match, r->uni_ofp_port);
    if (r->c_vlan) {
        match_set_dl_vlan(&match, htons(r->c_vlan), 0);
    }
    if (r->has_active) {
        put_lane_encap(r, &r->active, &ofpacts);
    }
    dvel_flow_set_add(set, &match,
                      r->c_vlan ? DVEL_PRIO_TAGGED : DVEL_PRIO_PORT,
                      r->cookie, &ofpacts);

    /* Every usable lane back to the UNI, so that frames in flight on a lane
     * arrive after a switch and the far end may choose its own lane. */
    for (size_t i = 0; i < r->n_lanes; i++) {
        const struct evc_rules_lane *lane = &r->lanes[i];

        lane_match(lane, &match);
        ofpbuf_clear(&ofpacts);
        if (lane->vlan) {
            if (r->rewrite && r->c_vlan) {
                put_set_vid(&ofpacts, r->c_vlan);
            } else {
                ofpact_put_STRIP_VLAN(&ofpacts);
            }
        }
        ofpact_put_OUTPUT(&ofpacts)->port = r->uni_ofp_port;
        dvel_flow_set_add(set, &match,
                          lane->vlan || lane->has_key ? DVEL_PRIO_TAGGED
                                                      : DVEL_PRIO_PORT,
                          r->cookie, &ofpacts);

        /* Hidden: Y.1731 frames on the lane for this end's maintenance
         * point go to the probe engine: those addressed to the bridge and
         * those to the multicast address of the lane's MEG level.  Other
         * CFM frames (the customer's, at its own levels and addresses) are
         * left to the rule above and cross the EVC untouched. */
        struct eth_addr dsts[2];
        size_t n_dsts = 0;

        y1731_multicast_dst(lane->level, dsts[n_dsts++].ea);
        if (!eth_addr_is_zero(lane->mac)) {
            dsts[n_dsts++] = lane->mac;
        }
        ofpbuf_clear(&ofpacts);
        struct ofpact_controller *oc = ofpact_put_CONTROLLER(&ofpacts);
        oc->max_len = UINT16_MAX;
        oc->reason = OFPR_ACTION;
        oc->meter_id = NX_CTLR_NO_METER;
        oc->provider_meter_id = UINT32_MAX;
        ofpact_finish_CONTROLLER(&ofpacts, &oc);
        match_set_dl_type(&match, htons(ETH_TYPE_CFM));
        for (size_t j = 0; j < n_dsts; j++) {
            match_set_dl_dst(&match, dsts[j]);
            dvel_flow_set_add(set, &match, DVEL_PRIO_PROBE,
                              DPIF_DVEL_PROBE_COOKIE_PREFIX | lane->probe_id,
                              &ofpacts);
        }
    }
    ofpbuf_uninit(&ofpacts);
}
