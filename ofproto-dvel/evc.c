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

#include "ofproto-dvel/evc.h"

#include <errno.h>
#include <stdlib.h>

#include "coverage.h"
#include "dpif.h"
#include "dpif-dvel/dpif-dvel.h"
#include "hash.h"
#include "hmapx.h"
#include "netdev.h"
#include "openvswitch/poll-loop.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "ofproto-dvel/dvel-idl.h"
#include "ofproto-dvel/dp-refresh.h"
#include "ofproto-dvel/dvel.h"
#include "ofproto-dvel/evc-rules.h"
#include "ofproto-dvel/link-watch.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "probes/probe-engine.h"
#include "probes/probe-io.h"
#include "probes/y1731.h"
#include "seq.h"
#include "simap.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(evc);

COVERAGE_DEFINE(dvel_lane_switch);
COVERAGE_DEFINE(dvel_lane_failover);
COVERAGE_DEFINE(dvel_evc_conflict);
COVERAGE_DEFINE(dvel_evc_eval_all);
COVERAGE_DEFINE(dvel_evc_eval_probed);
COVERAGE_DEFINE(dvel_evc_eval_forced);
COVERAGE_DEFINE(dvel_evc_eval_link);
COVERAGE_DEFINE(dvel_evc_link_scan);


static struct hmap all_evcs = HMAP_INITIALIZER(&all_evcs);

/* Order in which dvel first saw each EVC: older EVCs win clashes. */
static unsigned long long int evc_seq;

/* The names of the bridges EVCs use and of their lanes' ports, and whether
 * something that the EVCs' evaluation depends on changed since it last ran
 * (see evc_run()). */
static struct sset bridge_names = SSET_INITIALIZER(&bridge_names);
static struct sset lane_ports = SSET_INITIALIZER(&lane_ports);
static bool needs_eval = true;
static uint32_t last_signature;

/* The ports' administrative and link states, apart from the rest of
 * world_signature(), and whether the kernel reported a lane port's link
 * changed (see evc_links_changed()): a port going up or down changes
 * whether the lanes on it are up, not what any EVC claims or probes, so
 * it is enough to look again at the EVCs with a lane there. */
static uint32_t last_link_signature;
static bool links_changed;

/* Probe IDs: never reused while the process runs, never zero. */
static uint32_t next_probe_id = 1;

/* Dvel_Global other_config:lane-history. */
static int probe_history_sec = PROBE_DEFAULT_HISTORY_SEC;

/* probe_engine_seq() when the lanes' probe states were last read. */
static uint64_t probe_seqno;

/* The EVCs whose status (or their lanes') may have changed since
 * evc_take_status_changes() last handed them over, or 'status_all' for
 * every EVC: with thousands of EVCs, a lane going down must not cost
 * rewriting every row's status. */
static struct hmapx status_evcs = HMAPX_INITIALIZER(&status_evcs);
static bool status_all = true;

/* The EVCs that moved and whose rules and datapath flows have not yet
 * changed over (see evc_note_moves_done()), and when the current main-loop
 * iteration began (wall clock, microseconds): the time a failure that
 * does not come from the probes, a link going down for one, is seen. */
static struct hmapx moving_evcs = HMAPX_INITIALIZER(&moving_evcs);
static long long int iteration_wall_usec;

/* The EVCs that dvel/lane-set or dvel/lane-clear forced onto a lane, or
 * handed back, since the last evc_run(): each is looked at again on its
 * own (with 10 000 EVCs, a full evaluation took 246 ms). */
static struct hmapx forced_evcs = HMAPX_INITIALIZER(&forced_evcs);

/* Every lane, by 'probe_id': the probe engine names the lanes whose state
 * changed by it. */
static struct hmap lanes_by_probe_id = HMAP_INITIALIZER(&lanes_by_probe_id);

/* When a flow_mod failed, the time to evaluate again, or LLONG_MAX. */
#define FLOW_RETRY_MSEC 1000
static long long int retry_msec = LLONG_MAX;

/* With a measuring policy, how often an EVC compares its lanes' figures,
 * and the earliest time an EVC wants its lanes compared again. */
#define EVC_SELECT_INTERVAL_MS 1000
static long long int next_select_msec = LLONG_MAX;

static void evc_remove_flows(struct dvel_evc *, struct ofproto *);

/* Sets '*dst' to a copy of 'src' (which may be NULL) and returns true if
 * that changed its value. */
static bool
set_string(char **dst, const char *src)
{
    if (nullable_string_is_equal(*dst, src)) {
        return false;
    }
    free(*dst);
    *dst = nullable_xstrdup(src);
    return true;
}

static void
set_problem(char **problem, char *msg)
{
    free(*problem);
    *problem = msg;
}

/* ------------------------------------------------------------------------
 * Building the model from the database. */

static struct dvel_lane *
lane_find_in(const struct hmap *lanes, const struct uuid *uuid)
{
    struct dvel_lane *lane;

    HMAP_FOR_EACH_WITH_HASH (lane, node, uuid_hash(uuid), lanes) {
        if (uuid_equals(&lane->uuid, uuid)) {
            return lane;
        }
    }
    return NULL;
}

static struct dvel_lane *
lane_find(const struct dvel_evc *evc, const struct uuid *uuid)
{
    return lane_find_in(&evc->lanes, uuid);
}

static struct dvel_evc *
evc_find_in(const struct hmap *evcs, const struct uuid *uuid)
{
    struct dvel_evc *evc;

    HMAP_FOR_EACH_WITH_HASH (evc, node, uuid_hash(uuid), evcs) {
        if (uuid_equals(&evc->uuid, uuid)) {
            return evc;
        }
    }
    return NULL;
}

static struct dvel_lane *
lane_by_probe_id(uint32_t probe_id)
{
    struct dvel_lane *lane;

    HMAP_FOR_EACH_WITH_HASH (lane, probe_node, hash_int(probe_id, 0),
                             &lanes_by_probe_id) {
        if (lane->probe_id == probe_id) {
            return lane;
        }
    }
    return NULL;
}

static void
lane_destroy(struct dvel_lane *lane)
{
    if (lane) {
        hmap_remove(&lanes_by_probe_id, &lane->probe_node);
        free(lane->name);
        free(lane->port);
        free(lane->problem);
        free(lane->next_problem);
        free(lane->probe_error);
        free(lane->options_error);
        free(lane);
    }
}

static void
evc_destroy(struct dvel_evc *evc)
{
    struct dvel_lane *lane;

    hmapx_find_and_delete(&status_evcs, evc);
    hmapx_find_and_delete(&moving_evcs, evc);
    hmapx_find_and_delete(&forced_evcs, evc);
    evc_remove_flows(evc, ofproto_lookup(evc->bridge));
    HMAP_FOR_EACH_POP (lane, node, &evc->lanes) {
        lane_destroy(lane);
    }
    hmap_destroy(&evc->lanes);
    lane_select_evc_destroy(&evc->sel);
    free(evc->order);
    free(evc->name);
    free(evc->bridge);
    free(evc->uni_port);
    free(evc->last_reason);
    free(evc->problem);
    free(evc->next_problem);
    free(evc->options_error);
    free(evc);
}

static int
compare_lanes(const void *a_, const void *b_)
{
    const struct dvel_lane *const *a = a_;
    const struct dvel_lane *const *b = b_;

    if ((*a)->preference != (*b)->preference) {
        return (*a)->preference < (*b)->preference ? -1 : 1;
    }
    return strcmp((*a)->name, (*b)->name);
}

static void
lane_configure(struct dvel_lane *lane, const struct dvelrec_lane *row)
{
    set_string(&lane->name, row->name);
    set_string(&lane->port, row->port);
    lane->vlan = row->n_vlan ? row->vlan[0] : 0;
    lane->has_key = row->n_tunnel_key > 0;
    lane->key = lane->has_key ? row->tunnel_key[0] : 0;
    lane->preference = row->preference;

    const char *tpid = smap_get_def(&row->options, "tpid", "0x8100");
    lane->tpid = (!strcmp(tpid, "0x88a8") || !strcmp(tpid, "0x88A8")
                  ? ETH_TYPE_VLAN_8021AD : ETH_TYPE_VLAN_8021Q);
    lane->bad_tpid = lane->tpid == ETH_TYPE_VLAN_8021Q
                     && strcmp(tpid, "0x8100");

    free(lane->probe_error);
    lane->probe_error = lane_probe_parse(&row->probe, row->probe_interval,
                                         row->n_probe_interval,
                                         &lane->probe);

    char *error = lane_select_parse_capacity(&row->options,
                                             &lane->sel.capacity_bps);
    if (error && !nullable_string_is_equal(error, lane->options_error)) {
        VLOG_WARN("lane %s: %s (ignored)", lane->name, error);
    }
    free(lane->options_error);
    lane->options_error = error;
    lane->sel.name = lane->name;
}

static void
evc_configure(struct dvel_evc *evc, const struct dvelrec_evc *row)
{
    struct dvel_lane *lane;
    size_t i;

    if (evc->bridge && strcmp(evc->bridge, row->bridge)) {
        /* Flows installed in the old bridge must go before the EVC moves. */
        evc_remove_flows(evc, ofproto_lookup(evc->bridge));
    }
    set_string(&evc->bridge, row->bridge);
    set_string(&evc->name, row->name);
    set_string(&evc->uni_port, row->uni_port);
    evc->c_vlan = row->n_c_vlan ? row->c_vlan[0] : 0;
    evc->rewrite = !strcmp(smap_get_def(&row->options, "vlan-mode", "push"),
                           "rewrite");
    enum evc_policy policy = EVC_POLICY_PREFERENCE;
    if (row->policy) {
        evc_policy_from_string(row->policy, &policy);
    }
    if (policy != evc->policy) {
        lane_select_reset(&evc->sel);
        evc->policy = policy;
    }

    char *error = lane_select_params_parse(&row->options, &evc->sel_params);
    if (error && !nullable_string_is_equal(error, evc->options_error)) {
        VLOG_WARN("%s: %s (using the defaults)", row->name, error);
    }
    free(evc->options_error);
    evc->options_error = error;
    evc->next_select = LLONG_MIN;   /* Compare lanes at the next run. */
    struct uuid pinned = UUID_ZERO;
    if (row->pinned_lane) {
        pinned = row->pinned_lane->header_.uuid;
    }
    if (!uuid_equals(&pinned, &evc->pinned)) {
        /* An operator's choice: whatever replaces it applies at once. */
        evc->pinned = pinned;
        evc->sel.immediate = true;
    }

    /* Lanes: keep the objects of lanes that stay, so that the active lane
     * survives unrelated changes. */
    struct hmap old = HMAP_INITIALIZER(&old);
    hmap_swap(&old, &evc->lanes);
    free(evc->order);
    evc->order = xmalloc(MAX(row->n_lanes, 1) * sizeof *evc->order);
    evc->n_lanes = 0;
    for (i = 0; i < row->n_lanes; i++) {
        const struct dvelrec_lane *lrow = row->lanes[i];
        const struct uuid *uuid = &lrow->header_.uuid;

        lane = lane_find_in(&old, uuid);
        if (lane) {
            hmap_remove(&old, &lane->node);
        } else {
            lane = xzalloc(sizeof *lane);
            lane->uuid = *uuid;
            lane->evc = evc;
            lane->ofp_port = OFPP_NONE;
            lane_select_lane_init(&lane->sel, NULL);
            lane->probe_id = next_probe_id++;
            if (!next_probe_id) {
                next_probe_id = 1;
            }
            hmap_insert(&lanes_by_probe_id, &lane->probe_node,
                        hash_int(lane->probe_id, 0));
        }
        lane_configure(lane, lrow);
        hmap_insert(&evc->lanes, &lane->node, uuid_hash(uuid));
        evc->order[evc->n_lanes++] = lane;
    }
    HMAP_FOR_EACH_POP (lane, node, &old) {
        if (evc->sel.challenger == &lane->sel) {
            lane_select_reset(&evc->sel);
        }
        if (evc->active == lane) {
            evc->active = NULL;
            set_string(&evc->last_reason, "active lane deleted");
        }
        lane_destroy(lane);
    }
    hmap_destroy(&old);
    qsort(evc->order, evc->n_lanes, sizeof *evc->order, compare_lanes);
    evc->flows_dirty = true;
}

/* Brings the model in line with the dvel database in 'idl'. */
void
evc_reconfigure(struct ovsdb_idl *idl)
{
    const struct dvelrec_evc *row;
    struct dvel_evc *evc;
    struct hmap old = HMAP_INITIALIZER(&old);

    const struct dvelrec_dvel_global *global
        = dvelrec_dvel_global_first(idl);
    int history = global ? smap_get_int(&global->other_config,
                                        "lane-history",
                                        PROBE_DEFAULT_HISTORY_SEC)
                         : PROBE_DEFAULT_HISTORY_SEC;
    probe_history_sec = MIN(MAX(history, 0), 86400);

    hmap_swap(&old, &all_evcs);
    DVELREC_EVC_FOR_EACH (row, idl) {
        const struct uuid *uuid = &row->header_.uuid;

        evc = evc_find_in(&old, uuid);
        if (evc) {
            hmap_remove(&old, &evc->node);
        } else {
            evc = xzalloc(sizeof *evc);
            evc->uuid = *uuid;
            evc->seq = ++evc_seq;
            hmap_init(&evc->lanes);
            evc->uni_ofp_port = OFPP_NONE;
            lane_select_evc_init(&evc->sel);
            VLOG_INFO("%s: new EVC", row->name);
        }
        evc_configure(evc, row);
        hmap_insert(&all_evcs, &evc->node, uuid_hash(uuid));
    }
    HMAP_FOR_EACH_POP (evc, node, &old) {
        VLOG_INFO("%s: EVC deleted", evc->name);
        evc_destroy(evc);
    }
    hmap_destroy(&old);

    sset_clear(&bridge_names);
    sset_clear(&lane_ports);
    HMAP_FOR_EACH (evc, node, &all_evcs) {
        struct dvel_lane *lane;

        sset_add(&bridge_names, evc->bridge);
        HMAP_FOR_EACH (lane, node, &evc->lanes) {
            if (lane->port) {
                sset_add(&lane_ports, lane->port);
            }
        }
    }
    needs_eval = true;
}

/* Whether a lane of some EVC is on a port named 'name' (on any bridge):
 * a change to that port's link may matter. */
bool
evc_uses_port(const char *name)
{
    return sset_contains(&lane_ports, name);
}

/* ------------------------------------------------------------------------
 * Resolving the model against the running bridges. */

/* Something an EVC or lane takes for itself on a bridge port: the whole
 * port, one VLAN on it, or one tunnel key on it. */
struct claim {
    struct hmap_node node;          /* In 'exact' of "struct claims". */
    const char *bridge;
    const char *port;
    const struct dvel_evc *evc;
    const struct dvel_lane *lane;   /* NULL for the UNI. */
    int vlan;                       /* 0: none. */
    bool has_key;
    uint32_t key;
};

static char *
claim_describe(const struct claim *c)
{
    return c->lane
           ? xasprintf("lane %s of EVC %s", c->lane->name, c->evc->name)
           : xasprintf("the UNI of EVC %s", c->evc->name);
}

/* What has been claimed on one port, so that a whole-port claim is checked
 * against the port in one step however many VLANs or keys it carries. */
struct port_claims {
    struct hmap_node node;
    const char *bridge;
    const char *port;
    const struct claim *whole;      /* A whole-port claim, or NULL. */
    const struct claim *vlan;       /* Some VLAN claim, or NULL. */
    const struct claim *key;        /* Some tunnel key claim, or NULL. */
};

/* Everything claimed during one evaluation: VLAN and key claims indexed
 * exactly, so that many VLANs on one port cost nothing extra. */
struct claims {
    struct hmap exact;              /* "struct claim"s with a VLAN or key. */
    struct hmap ports;              /* "struct port_claims"s. */
    struct ovs_list all;            /* Every "struct claim_node". */
};

struct claim_node {
    struct ovs_list list_node;
    struct claim claim;
};

static void
claims_init(struct claims *cl)
{
    hmap_init(&cl->exact);
    hmap_init(&cl->ports);
    ovs_list_init(&cl->all);
}

static void
claims_destroy(struct claims *cl)
{
    struct port_claims *pc;
    struct claim_node *cn;

    HMAP_FOR_EACH_POP (pc, node, &cl->ports) {
        free(pc);
    }
    LIST_FOR_EACH_POP (cn, list_node, &cl->all) {
        free(cn);
    }
    hmap_destroy(&cl->ports);
    hmap_destroy(&cl->exact);
}

static uint32_t
claim_exact_hash(const struct claim *c)
{
    uint32_t h = hash_string(c->port, hash_string(c->bridge, 0));

    return hash_2words(h, c->vlan ? c->vlan : c->key ^ 0x80000000);
}

static bool
claims_same_exact(const struct claim *a, const struct claim *b)
{
    return (!strcmp(a->bridge, b->bridge) && !strcmp(a->port, b->port)
            && a->vlan == b->vlan && a->has_key == b->has_key
            && a->key == b->key);
}

static struct port_claims *
port_claims_get(struct claims *cl, const char *bridge, const char *port)
{
    uint32_t hash = hash_string(port, hash_string(bridge, 0));
    struct port_claims *pc;

    HMAP_FOR_EACH_WITH_HASH (pc, node, hash, &cl->ports) {
        if (!strcmp(pc->bridge, bridge) && !strcmp(pc->port, port)) {
            return pc;
        }
    }
    pc = xzalloc(sizeof *pc);
    pc->bridge = bridge;
    pc->port = port;
    hmap_insert(&cl->ports, &pc->node, hash);
    return pc;
}

/* Adds 'c' to 'cl' unless it clashes with a claim already there; returns
 * an error message describing the clash, or NULL.  Two claims on one port
 * clash unless both name different VLANs or both different tunnel keys. */
static char *
claim_add(struct claims *cl, const struct claim *c)
{
    struct port_claims *pc = port_claims_get(cl, c->bridge, c->port);
    const struct claim *other = NULL;

    if (pc->whole) {
        other = pc->whole;
    } else if (!c->vlan && !c->has_key) {
        other = pc->vlan ? pc->vlan : pc->key;
    } else if (c->vlan && pc->key) {
        other = pc->key;
    } else if (c->has_key && pc->vlan) {
        other = pc->vlan;
    } else {
        const struct claim *e;

        HMAP_FOR_EACH_WITH_HASH (e, node, claim_exact_hash(c), &cl->exact) {
            if (claims_same_exact(e, c)) {
                other = e;
                break;
            }
        }
    }

    if (other) {
        char *who = claim_describe(other);
        struct ds msg = DS_EMPTY_INITIALIZER;

        ds_put_format(&msg, "port %s", c->port);
        if (c->vlan) {
            ds_put_format(&msg, " VLAN %d", c->vlan);
        } else if (c->has_key) {
            ds_put_format(&msg, " tunnel key %"PRIu32, c->key);
        }
        ds_put_format(&msg, " already used by %s", who);
        free(who);
        COVERAGE_INC(dvel_evc_conflict);
        return ds_steal_cstr(&msg);
    }

    struct claim_node *cn = xmalloc(sizeof *cn);

    cn->claim = *c;
    ovs_list_push_back(&cl->all, &cn->list_node);
    if (!c->vlan && !c->has_key) {
        pc->whole = &cn->claim;
    } else {
        hmap_insert(&cl->exact, &cn->claim.node, claim_exact_hash(c));
        if (c->vlan) {
            pc->vlan = pc->vlan ? pc->vlan : &cn->claim;
        } else {
            pc->key = pc->key ? pc->key : &cn->claim;
        }
    }
    return NULL;
}

/* Returns the name of another bridge that has a port named 'port', or
 * NULL.  The caller frees it. */
static char *
port_elsewhere(const char *port, const char *bridge)
{
    struct sset types, names;
    const char *type, *br;
    char *found = NULL;

    sset_init(&types);
    ofproto_enumerate_types(&types);
    SSET_FOR_EACH (type, &types) {
        sset_init(&names);
        ofproto_enumerate_names(type, &names);
        SSET_FOR_EACH (br, &names) {
            struct ofproto *ofproto = ofproto_lookup(br);

            if (!found && strcmp(br, bridge) && ofproto
                && shash_find(&ofproto->port_by_name, port)) {
                found = xstrdup(br);
            }
        }
        sset_destroy(&names);
    }
    sset_destroy(&types);
    return found;
}

static char *
port_missing(const char *what, const char *port, const char *bridge)
{
    char *other = port_elsewhere(port, bridge);
    char *msg = (other
                 ? xasprintf("%s port %s is on bridge %s, not on bridge %s",
                             what, port, other, bridge)
                 : xasprintf("%s port %s not found on bridge %s", what,
                             port, bridge));
    free(other);
    return msg;
}

/* Whether the port can carry a lane, and if not why (in '*why', unless
 * 'why' is NULL).  For a port on a
 * Linux device, the kernel's latest word on its link, when there is one,
 * is taken over the bridge's, which is an iteration of the main loop
 * older (see link-watch.c). */
static bool
port_is_up(const struct ofproto *ofproto, ofp_port_t ofp_port, char **why)
{
    const struct ofport *ofport = ofproto_get_port(ofproto, ofp_port);

    const char *msg = NULL;

    if (!ofport) {
        msg = "not in the bridge";
    } else {
        enum link_watch_state kernel = link_watch_get(ofport->netdev);

        if (ofport->pp.config & OFPUTIL_PC_PORT_DOWN
            || kernel == LINK_WATCH_ADMIN_DOWN) {
            msg = "is administratively down";
        } else if (kernel == LINK_WATCH_NO_CARRIER) {
            msg = "has no carrier";
        } else if (kernel == LINK_WATCH_UNKNOWN
                   && ofport->pp.state & OFPUTIL_PS_LINK_DOWN) {
            msg = "link down";
        }
    }
    if (msg && why) {
        *why = (ofport
                ? xasprintf("port %s %s", netdev_get_name(ofport->netdev), msg)
                : xasprintf("port %s", msg));
    }
    return !msg;
}

static ofp_port_t
port_lookup(const struct ofproto *ofproto, const char *name)
{
    const struct ofport *ofport = shash_find_data(&ofproto->port_by_name,
                                                  name);
    return ofport ? ofport->ofp_port : OFPP_NONE;
}

/* Checks a lane's own configuration; returns an error message or NULL. */
static char *
lane_check_config(const struct dvel_evc *evc, const struct dvel_lane *lane)
{
    if (!lane->name[0]) {
        return xstrdup("lane has an empty name");
    }
    if (lane->bad_tpid) {
        return xstrdup("options:tpid must be 0x8100 or 0x88a8");
    }
    if (lane->tpid != ETH_TYPE_VLAN_8021Q && evc->rewrite && evc->c_vlan) {
        return xstrdup("options:tpid applies to vlan-mode=push only");
    }
    if (lane->vlan && lane->has_key) {
        return xstrdup("vlan and tunnel_key cannot both be set");
    }
    if (lane->probe_error) {
        return xstrdup(lane->probe_error);
    }
    for (size_t i = 0; i < evc->n_lanes; i++) {
        const struct dvel_lane *other = evc->order[i];
        if (other != lane && !strcmp(other->name, lane->name)) {
            return xasprintf("another lane of EVC %s is named %s",
                             evc->name, lane->name);
        }
    }
    return NULL;
}

/* Checks what can be checked of an EVC on its own (not against other EVCs)
 * and returns an error message or NULL.  Sets '*ofprotop' to the EVC's
 * bridge and 'evc->uni_ofp_port' when there is no error. */
static char *
evc_check(struct dvel_evc *evc, struct ofproto **ofprotop)
{
    struct ofproto *ofproto = ofproto_lookup(evc->bridge);

    *ofprotop = NULL;
    evc->uni_ofp_port = OFPP_NONE;
    evc->pending = false;
    if (!evc->name[0]) {
        return xstrdup("EVC has an empty name");
    }
    if (!ofproto) {
        if (dvel_bridge_configured(evc->bridge)) {
            /* In the Open_vSwitch database but not created yet, as at
             * start-up: not an error, and it will be along shortly. */
            evc->pending = true;
            return xasprintf("bridge %s is not running yet", evc->bridge);
        }
        return xasprintf("bridge %s not found", evc->bridge);
    }
    if (strcmp(ofproto->type, DPIF_DVEL_TYPE)) {
        return xasprintf("bridge %s has datapath_type %s; EVCs need "
                         "datapath_type=%s", evc->bridge, ofproto->type,
                         DPIF_DVEL_TYPE);
    }
    evc->uni_ofp_port = port_lookup(ofproto, evc->uni_port);
    if (evc->uni_ofp_port == OFPP_NONE) {
        return port_missing("UNI", evc->uni_port, evc->bridge);
    }
    *ofprotop = ofproto;
    return NULL;
}

/* A request for a claim.  Requests are granted in order of precedence, so
 * that what a working EVC holds is never taken from it by a newcomer, even
 * one whose name sorts first: what was held at the previous run comes
 * first, then older EVCs, then names. */
struct claim_req {
    struct claim claim;
    struct dvel_evc *evc;
    struct dvel_lane *lane;     /* NULL for the UNI. */
    bool held;                  /* Granted at the previous run. */
};

static int
compare_reqs(const void *a_, const void *b_)
{
    const struct claim_req *a = a_;
    const struct claim_req *b = b_;
    int cmp;

    if (a->held != b->held) {
        return a->held ? -1 : 1;
    }
    if (a->evc->seq != b->evc->seq) {
        return a->evc->seq < b->evc->seq ? -1 : 1;
    }
    cmp = strcmp(a->evc->name, b->evc->name);
    if (cmp) {
        return cmp;
    }
    if (!a->lane || !b->lane) {
        /* An EVC's UNI comes before its own lanes. */
        return !a->lane && !b->lane ? 0 : !a->lane ? -1 : 1;
    }
    return strcmp(a->lane->name, b->lane->name);
}

struct claim_reqs {
    struct claim_req *reqs;
    size_t n, allocated;
};

static void
claim_reqs_add(struct claim_reqs *r, const struct claim_req *req)
{
    if (r->n >= r->allocated) {
        r->reqs = x2nrealloc(r->reqs, &r->allocated, sizeof *r->reqs);
    }
    r->reqs[r->n++] = *req;
}

/* Grants the requests in 'r' (UNIs and lanes together, so that what a
 * working EVC holds comes first whatever kind of claim takes it), recording
 * refusals as the EVCs' and lanes' 'next_problem'.  A lane row listed by
 * two EVCs belongs to the first that is granted it. */
static void
grant_all(struct claim_reqs *r, struct claims *claims)
{
    struct hmap owners = HMAP_INITIALIZER(&owners);
    struct claim *c;

    qsort(r->reqs, r->n, sizeof *r->reqs, compare_reqs);
    for (size_t i = 0; i < r->n; i++) {
        struct claim_req *req = &r->reqs[i];
        struct dvel_lane *lane = req->lane;

        if (!lane) {
            char *problem = claim_add(claims, &req->claim);
            if (problem) {
                req->evc->uni_ofp_port = OFPP_NONE;
                set_problem(&req->evc->next_problem, problem);
            }
            continue;
        }
        if (req->evc->next_problem) {
            /* The EVC's UNI was refused: its lanes claim nothing. */
            continue;
        }

        uint32_t hash = uuid_hash(&lane->uuid);
        struct claim *owner = NULL;
        HMAP_FOR_EACH_WITH_HASH (c, node, hash, &owners) {
            if (uuid_equals(&c->lane->uuid, &lane->uuid)) {
                owner = c;
                break;
            }
        }
        if (owner) {
            set_problem(&lane->next_problem,
                        xasprintf("lane row is already in EVC %s",
                                  owner->evc->name));
            continue;
        }
        owner = xmemdup(&req->claim, sizeof req->claim);
        hmap_insert(&owners, &owner->node, hash);
        lane->row_owner = true;
        set_problem(&lane->next_problem, claim_add(claims, &req->claim));
    }
    HMAP_FOR_EACH_POP (c, node, &owners) {
        free(c);
    }
    hmap_destroy(&owners);
}

/* ------------------------------------------------------------------------
 * What the probe engine needs to know about a lane. */

/* The bridge's own MAC, that of its local port: the source address of its
 * probes and the destination of replies to them. */
static bool
bridge_mac(const struct ofproto *ofproto, struct eth_addr *mac)
{
    const struct ofport *local = ofproto_get_port(ofproto, OFPP_LOCAL);

    return (local && !netdev_get_etheraddr(local->netdev, mac)
            && !eth_addr_is_zero(*mac));
}

/* The datapath port that sends on 'ofp_port' directly, or ODPP_NONE if
 * frames must go through OpenFlow translation (tunnels, patch ports). */
static odp_port_t
direct_odp_port(struct ofproto *ofproto_, ofp_port_t ofp_port)
{
    struct ofproto_dpif *ofproto = CONTAINER_OF(ofproto_,
                                                struct ofproto_dpif, up);
    const struct ofport *ofport = ofproto_get_port(ofproto_, ofp_port);
    struct dpif_port dpif_port;
    odp_port_t odp_port = ODPP_NONE;

    if (!ofport || netdev_get_tunnel_config(ofport->netdev)
        || !strcmp(netdev_get_type(ofport->netdev), "patch")) {
        return ODPP_NONE;
    }
    if (!dpif_port_query_by_name(ofproto->backer->dpif,
                                 netdev_get_name(ofport->netdev),
                                 &dpif_port)) {
        odp_port = dpif_port.port_no;
        dpif_port_destroy(&dpif_port);
    }
    return odp_port;
}

/* Fills 'cfg' with what the probe engine needs for a lane.  The caller
 * frees it with probe_lane_cfg_destroy(). */
static void
lane_make_probe_cfg(const struct lane_probe *p, uint32_t id,
                    const char *evc_name, const char *lane_name,
                    struct ofproto *ofproto, ofp_port_t ofp_port, int vlan,
                    uint16_t tpid, bool has_key, uint32_t key,
                    const struct eth_addr mac, struct probe_lane_cfg *cfg)
{
    struct ofproto_dpif *dpif_ofproto = CONTAINER_OF(ofproto,
                                                     struct ofproto_dpif, up);
    odp_port_t odp_port = direct_odp_port(ofproto, ofp_port);
    bool direct = odp_port != ODPP_NONE && !has_key;

    *cfg = (struct probe_lane_cfg) {
        .id = id,
        .name = xasprintf("%s/%s", evc_name, lane_name),
        .ofproto_uuid = dpif_ofproto->uuid,
        .ofp_port = ofp_port,
        .odp_port = odp_port,
        .dp = direct ? probe_io_dp_get(dpif_ofproto->backer->dpif) : NULL,
        .vid = vlan,
        .tpid = tpid,
        .has_key = has_key,
        .key = key,
        .mac = mac,
        .initiate = p->enable,
        .dm = p->dm,
        .slm = p->slm,
        .level = p->level,
        .mep_id = p->mep_id,
        .remote_mep_id = p->remote_mep_id,
        .test_id = p->test_id,
        .has_remote_mac = p->has_remote_mac,
        .remote_mac = p->remote_mac,
        .interval_ms = p->interval_ms,
        .detect_mult = p->detect_mult,
        .jitter_pct = p->jitter_pct,
        .max_rtt_ms = p->max_rtt_ms,
        .max_loss_pct = p->max_loss_pct,
        .max_delay_ms = p->max_delay_ms,
        .history_sec = probe_history_sec,
    };
    if (cfg->dp) {
        const struct ofport *ofport = ofproto_get_port(ofproto, ofp_port);
        cfg->port_name = xstrdup(netdev_get_name(ofport->netdev));
    }
}

/* Fills in what lane selection sees of 'lane' that changes at run time:
 * its state, and the median delay and far-end loss over the last minute
 * that its probes measured.
 * The far-end loss is the loss of this end's transmit direction, the one
 * this end chooses the lane for. */
static void
lane_refresh_select_inputs(struct dvel_lane *lane)
{
    struct probe_status ps;
    struct lane_select_lane *sel = &lane->sel;

    sel->up = lane->up;
    sel->degraded = false;
    sel->rtt_ns = -1;
    sel->loss = -1;
    if (lane->usable && probe_engine_get_status(lane->probe_id, &ps)) {
        sel->degraded = ps.state == PROBE_DEGRADED;
        sel->rtt_ns = ps.rtt_p50_ns;
        sel->loss = ps.far_loss_long;
    }
}

/* Decides whether 'lane' of 'evc' is up: 'problem' (which this takes) is
 * what is wrong with its configuration, or NULL; then the port's link and
 * the lane's probes decide. */
static void
lane_finish(struct dvel_evc *evc, struct dvel_lane *lane,
            const struct ofproto *ofproto, char *problem)
{
    lane->usable = lane->up = lane->link_up = false;
    if (!problem) {
        lane->usable = true;
        lane->up = lane->link_up = port_is_up(ofproto, lane->ofp_port,
                                              &problem);
        if (!bridge_mac(ofproto, &lane->mac)) {
            lane->mac = eth_addr_zero;
        }
        if (lane->up) {
            char *why = NULL;
            if (probe_engine_get_state(lane->probe_id, &why) == PROBE_DOWN) {
                lane->up = false;
                problem = xasprintf("probes: %s", why ? why : "lost");
            }
            free(why);
        }
    } else {
        lane->ofp_port = OFPP_NONE;
    }
    if (!nullable_string_is_equal(problem, lane->problem)) {
        if (problem && evc->problem) {
            /* The EVC's own problem, already logged. */
        } else if (problem) {
            VLOG_WARN("%s: lane %s: %s", evc->name, lane->name, problem);
        } else {
            VLOG_INFO("%s: lane %s is up", evc->name, lane->name);
        }
        evc->flows_dirty = true;
    }
    set_problem(&lane->problem, problem);
    lane_refresh_select_inputs(lane);
}

/* Sets each lane of 'evc' from its 'next_problem', logging changes. */
static void
evc_finish_lanes(struct dvel_evc *evc, const struct ofproto *ofproto)
{
    for (size_t i = 0; i < evc->n_lanes; i++) {
        struct dvel_lane *lane = evc->order[i];
        char *problem = lane->next_problem;

        lane->next_problem = NULL;
        lane_finish(evc, lane, ofproto, problem);
    }
}

static struct dvel_lane *
lane_by_uuid_if_up(const struct dvel_evc *evc, const struct uuid *uuid)
{
    struct dvel_lane *lane = uuid_is_zero(uuid) ? NULL
                                                : lane_find(evc, uuid);
    return lane && lane->up ? lane : NULL;
}

/* Chooses the lane 'evc' should use, appends why to 'reason' and sets
 * 'evc->next_select' to when to look again if nothing else changes.
 *
 * A lane forced at run time with dvel/lane-set wins while it is up, then a
 * lane pinned in the database.  Otherwise the policy decides, through
 * lane-select.c. */
static struct dvel_lane *
evc_select(struct dvel_evc *evc, long long int now, struct ds *reason)
{
    struct lane_select_lane **sel = xmalloc(MAX(evc->n_lanes, 1)
                                            * sizeof *sel);
    struct dvel_lane *lane;
    int active = -1;

    for (size_t i = 0; i < evc->n_lanes; i++) {
        sel[i] = &evc->order[i]->sel;
        if (evc->order[i] == evc->active) {
            active = i;
        }
    }
    lane_select_update(&evc->sel_params, sel, evc->n_lanes, now);

    /* With a measuring policy, compare lanes again in a while even if no
     * lane changes state: their figures move. */
    evc->next_select = LLONG_MAX;
    if (evc_policy_is_measured(evc->policy)) {
        evc->next_select = now + EVC_SELECT_INTERVAL_MS;
    }

    if ((lane = lane_by_uuid_if_up(evc, &evc->forced))) {
        ds_put_cstr(reason, "forced by dvel/lane-set");
    } else if ((lane = lane_by_uuid_if_up(evc, &evc->pinned))) {
        ds_put_cstr(reason, "pinned_lane");
    } else {
        enum lane_select_why why;
        int i = lane_select_choose(&evc->sel_params, evc->policy, sel,
                                   evc->n_lanes, active, &evc->sel, now,
                                   &why, reason, &evc->next_select);
        lane = i >= 0 ? evc->order[i] : NULL;
        if (!lane) {
            ds_put_cstr(reason, "no lane is up");
        }
    }
    free(sel);

    if (evc->next_select < next_select_msec) {
        next_select_msec = evc->next_select;
    }
    return lane;
}

static void
evc_switch(struct dvel_evc *evc, struct dvel_lane *new, const char *why)
{
    struct dvel_lane *old = evc->active;
    struct ds reason = DS_EMPTY_INITIALIZER;
    bool failover = old && !old->up;

    if (old && !old->up && old->problem) {
        ds_put_format(&reason, "%s down (%s); ", old->name, old->problem);
    }
    ds_put_format(&reason, "%s", why);

    VLOG_INFO("%s: lane %s -> %s: %s", evc->name, old ? old->name : "none",
              new ? new->name : "none", ds_cstr(&reason));
    COVERAGE_INC(dvel_lane_switch);

    evc->active = new;
    evc->last_change = time_wall_msec();
    evc->move_usec = time_wall_usec();
    evc->move_cause_usec = MIN(iteration_wall_usec, evc->move_usec);
    evc->move_done_usec = 0;
    if (failover) {
        /* Down by its probes: the probe thread's verdict came first. */
        struct probe_status ps;
        if (old->usable && probe_engine_get_status(old->probe_id, &ps)
            && ps.state == PROBE_DOWN && ps.state_wall_usec
            && ps.state_wall_usec < evc->move_cause_usec) {
            evc->move_cause_usec = ps.state_wall_usec;
        }
    }
    hmapx_add(&moving_evcs, evc);
    if (old && new) {
        evc->n_switches++;
        lane_select_switched(&evc->sel, time_msec());
        if (failover) {
            evc->n_failovers++;
            COVERAGE_INC(dvel_lane_failover);
        }
    }
    free(evc->last_reason);
    evc->last_reason = ds_steal_cstr(&reason);
    evc->flows_dirty = true;
}

/* Chooses 'evc''s lane and moves it if needed.  Returns true if it moved. */
static bool
evc_choose(struct dvel_evc *evc, bool configured, long long int now)
{
    struct ds reason = DS_EMPTY_INITIALIZER;
    struct dvel_lane *new;

    if (configured) {
        new = evc_select(evc, now, &reason);
    } else {
        new = NULL;
        evc->next_select = LLONG_MAX;
        ds_put_cstr(&reason, "EVC configuration error");
    }

    bool moved = new != evc->active;
    if (moved) {
        evc_switch(evc, new, ds_cstr(&reason));
    }
    ds_destroy(&reason);
    return moved;
}

/* ------------------------------------------------------------------------
 * The EVC's OpenFlow rules. */

uint64_t
evc_cookie(const struct dvel_evc *evc)
{
    return DVEL_COOKIE_PREFIX | evc->uuid.parts[0];
}

/* A hash of everything evc_rules_create() reads that evaluation may change,
 * so that flows are rebuilt when, for example, a port is re-added under
 * another OpenFlow number while nothing else changed. */
static uint32_t
evc_flow_signature(const struct dvel_evc *evc)
{
    uint32_t h = hash_2words(ofp_to_u16(evc->uni_ofp_port),
                             evc->active ? hash_pointer(evc->active, 0) : 0);

    for (size_t i = 0; i < evc->n_lanes; i++) {
        const struct dvel_lane *lane = evc->order[i];
        h = hash_2words(h, ofp_to_u16(lane->ofp_port) << 1 | lane->usable);
        h = hash_bytes(&lane->mac, sizeof lane->mac, h);
    }
    return h;
}

/* Marks the flows of 'evc' dirty if what they are built from changed, and
 * returns whether they must be synced. */
static bool
evc_flows_need_sync(struct dvel_evc *evc)
{
    uint32_t sig = evc_flow_signature(evc);

    if (sig != evc->flow_signature) {
        evc->flow_signature = sig;
        evc->flows_dirty = true;
    }
    return evc->flows_dirty;
}

/* Asks for the datapath flows of 'evc''s UNI to be brought up to date with
 * its rules at once (see dp-refresh.c): frames from the UNI must leave a
 * dead lane now, not when the revalidators get to it.  Done for every
 * change of the EVC's rules, not only failovers: a flow that dvel modified
 * is one the revalidators' own record (the ukey) still has the old actions
 * for until their next pass, and a change back to those actions before
 * that pass would look to them like no change at all, leaving the
 * datapath flow on the lane dvel had moved it to.  Refreshing after every
 * change keeps the datapath flow on the current rules whatever the
 * revalidators believe. */
static void
evc_refresh_dp(const struct dvel_evc *evc, struct ofproto *ofproto)
{
    dp_refresh_add(ofproto, direct_odp_port(ofproto, evc->uni_ofp_port));
}

/* Whether any rule of 'evc' may be installed. */
static bool
evc_has_flows(const struct dvel_evc *evc)
{
    return evc->rules || evc->partial;
}

/* Returns the rules installed for 'evc' without changing them: its
 * 'partial' set if it has one, otherwise 'tmp', made from 'evc->rules'.
 * The caller destroys 'tmp' (initialized here) when done. */
static const struct dvel_flow_set *
evc_installed_flows(const struct dvel_evc *evc, struct dvel_flow_set *tmp)
{
    dvel_flow_set_init(tmp);
    if (evc->partial) {
        return evc->partial;
    }
    if (evc->rules) {
        evc_rules_build(evc->rules, tmp);
        tmp->ofproto_uuid = evc->rules_ofproto_uuid;
    }
    return tmp;
}

/* Moves the rules installed for 'evc' into 'set' (initialized here), for
 * the caller to change and give back with evc_set_installed(). */
static void
evc_take_installed(struct dvel_evc *evc, struct dvel_flow_set *set)
{
    dvel_flow_set_init(set);
    if (evc->partial) {
        hmap_swap(&set->flows, &evc->partial->flows);
        set->ofproto_uuid = evc->partial->ofproto_uuid;
        dvel_flow_set_destroy(evc->partial);
        free(evc->partial);
        evc->partial = NULL;
    } else if (evc->rules) {
        evc_rules_build(evc->rules, set);
        set->ofproto_uuid = evc->rules_ofproto_uuid;
    }
    free(evc->rules);
    evc->rules = NULL;
}

/* Records what is installed for 'evc': the rules made from 'rules' (taking
 * ownership of it), or if NULL exactly 'set' (whose flows are moved out). */
static void
evc_set_installed(struct dvel_evc *evc, struct evc_rules *rules,
                  struct dvel_flow_set *set)
{
    ovs_assert(!evc->rules && !evc->partial);
    if (rules) {
        evc->rules = rules;
        evc->rules_ofproto_uuid = set->ofproto_uuid;
    } else if (dvel_flow_set_count(set)) {
        evc->partial = xmalloc(sizeof *evc->partial);
        dvel_flow_set_init(evc->partial);
        hmap_swap(&evc->partial->flows, &set->flows);
        evc->partial->ofproto_uuid = set->ofproto_uuid;
    }
}

/* Deletes the rules installed for 'evc' from 'ofproto' (NULL if the bridge
 * is gone) and forgets them. */
static void
evc_remove_flows(struct dvel_evc *evc, struct ofproto *ofproto)
{
    struct dvel_flow_set set;

    evc_take_installed(evc, &set);
    dvel_flows_remove(ofproto, &set);
    dvel_flow_set_destroy(&set);
}

/* Puts back the rules of 'evc' that someone deleted or changed in
 * 'ofproto'.  Returns how many. */
static size_t
evc_repair_flows(const struct dvel_evc *evc, struct ofproto *ofproto)
{
    struct dvel_flow_set tmp;
    size_t n;

    n = dvel_flows_repair(ofproto, evc_installed_flows(evc, &tmp));
    dvel_flow_set_destroy(&tmp);
    return n;
}

static void
evc_sync_flows(struct dvel_evc *evc, struct ofproto *ofproto)
{
    if (!ofproto || evc->uni_ofp_port == OFPP_NONE) {
        /* Not carried: remove whatever was installed, from the bridge the
         * flows went into if it still exists. */
        if (evc_has_flows(evc)) {
            evc_remove_flows(evc, ofproto_lookup(evc->bridge));
        }
        evc->flows_dirty = false;
        return;
    }

    const struct uuid *ofproto_uuid = dvel_ofproto_uuid(ofproto);
    if (!evc->flows_dirty && evc->rules
        && uuid_equals(&evc->rules_ofproto_uuid, ofproto_uuid)) {
        return;
    }

    struct evc_rules *rules = evc_rules_create(evc);
    if (evc->rules && evc_rules_equal(rules, evc->rules)
        && uuid_equals(&evc->rules_ofproto_uuid, ofproto_uuid)) {
        /* Whatever changed does not change the rules. */
        free(rules);
        evc->flows_dirty = false;
        return;
    }

    struct dvel_flow_set installed, desired;
    evc_take_installed(evc, &installed);
    dvel_flow_set_init(&desired);
    evc_rules_build(rules, &desired);
    if (dvel_flows_sync(ofproto, &installed, &desired)) {
        /* Keep exactly what went in, and try the failed flow_mods again in
         * a while. */
        evc_set_installed(evc, NULL, &installed);
        free(rules);
        retry_msec = time_msec() + FLOW_RETRY_MSEC;
    } else {
        evc_set_installed(evc, rules, &installed);
        evc->flows_dirty = false;
        evc_refresh_dp(evc, ofproto);
    }
    dvel_flow_set_destroy(&installed);
    dvel_flow_set_destroy(&desired);
}

/* ------------------------------------------------------------------------
 * The main-loop step. */

/* The bridge's current flow table version.  Handler threads may bump it
 * (for "learn" actions), so read it the way they publish it. */
static ovs_version_t
tables_version(const struct ofproto *ofproto)
{
    return ofproto_dpif_get_tables_version(
        CONTAINER_OF(ofproto, struct ofproto_dpif, up));
}

/* Per-bridge record of the flow table version dvel last checked, so that
 * rules deleted behind dvel's back are noticed at the next iteration. */
struct bridge_version {
    struct hmap_node node;
    struct uuid ofproto_uuid;
    ovs_version_t version;
};
static struct hmap bridge_versions = HMAP_INITIALIZER(&bridge_versions);

static struct bridge_version *
bridge_version_get(const struct ofproto *ofproto)
{
    struct bridge_version *bv;

    HMAP_FOR_EACH_WITH_HASH (bv, node, uuid_hash(dvel_ofproto_uuid(ofproto)),
                             &bridge_versions) {
        if (uuid_equals(&bv->ofproto_uuid, dvel_ofproto_uuid(ofproto))) {
            return bv;
        }
    }
    bv = xzalloc(sizeof *bv);
    bv->ofproto_uuid = *dvel_ofproto_uuid(ofproto);
    hmap_insert(&bridge_versions, &bv->node,
                uuid_hash(dvel_ofproto_uuid(ofproto)));
    return bv;
}

/* Syncs the flows of 'evc' into 'ofproto' outside a full evaluation.  If
 * nobody but dvel changed the bridge's tables since they were last
 * checked, dvel's own change is taken as checked too: otherwise every such
 * change would make the next iteration look over every EVC's flows for
 * repairs (evc_repair_only()). */
static void
evc_sync_flows_checked(struct dvel_evc *evc, struct ofproto *ofproto)
{
    struct bridge_version *bv = bridge_version_get(ofproto);
    bool current = bv->version == tables_version(ofproto);

    evc_sync_flows(evc, ofproto);
    if (current) {
        bv->version = tables_version(ofproto);
    }
}

/* Records each bridge's flow table version after dvel's own changes, so
 * that only someone else's changes trigger a repair, and forgets bridges
 * that no longer exist. */
static void
bridge_versions_update(void)
{
    struct bridge_version *bv;

    HMAP_FOR_EACH_SAFE (bv, node, &bridge_versions) {
        struct ofproto_dpif *ofproto
            = ofproto_dpif_lookup_by_uuid(&bv->ofproto_uuid);
        if (ofproto) {
            bv->version = tables_version(&ofproto->up);
        } else {
            hmap_remove(&bridge_versions, &bv->node);
            free(bv);
        }
    }
}

/* Tells the probe engine about every lane that carries an EVC: each of
 * them answers probes, and initiates them unless probing is off. */
static void
evc_publish_probes(struct dvel_evc **evcs, struct ofproto **ofprotos,
                   size_t n)
{
    struct probe_lane_cfg *cfgs = NULL;
    size_t n_cfgs = 0, allocated = 0;

    for (size_t i = 0; i < n; i++) {
        const struct dvel_evc *evc = evcs[i];

        if (!ofprotos[i] || evc->uni_ofp_port == OFPP_NONE) {
            continue;
        }
        for (size_t j = 0; j < evc->n_lanes; j++) {
            const struct dvel_lane *lane = evc->order[j];

            if (!lane->usable) {
                continue;
            }
            if (n_cfgs >= allocated) {
                cfgs = x2nrealloc(cfgs, &allocated, sizeof *cfgs);
            }
            lane_make_probe_cfg(&lane->probe, lane->probe_id, evc->name,
                                lane->name, ofprotos[i], lane->ofp_port,
                                lane->vlan, lane->tpid, lane->has_key,
                                lane->key, lane->mac, &cfgs[n_cfgs++]);
        }
    }
    probe_engine_set(cfgs, n_cfgs);
    for (size_t i = 0; i < n_cfgs; i++) {
        probe_lane_cfg_destroy(&cfgs[i]);
    }
    free(cfgs);
    probe_io_dp_sweep();
}

/* Resolves every EVC against the running bridges, chooses lanes and keeps
 * the flows installed.  Returns true if anything an operator sees in the
 * status columns may have changed. */
static bool
evc_evaluate(void)
{
    struct claim_reqs reqs = { .reqs = NULL };
    struct claims claims;
    bool changed = false;
    size_t n;

    struct dvel_evc **evcs = evc_sorted(&n);
    struct ofproto **ofprotos = xcalloc(MAX(n, 1), sizeof *ofprotos);
    long long int now = time_msec();

    COVERAGE_INC(dvel_evc_eval_all);
    claims_init(&claims);
    next_select_msec = LLONG_MAX;

    /* Each EVC and lane on its own; what passes becomes a claim. */
    for (size_t i = 0; i < n; i++) {
        struct dvel_evc *evc = evcs[i];

        evc->next_problem = evc_check(evc, &ofprotos[i]);
        for (size_t j = 0; j < evc->n_lanes; j++) {
            struct dvel_lane *lane = evc->order[j];
            char *lp = NULL;

            lane->row_owner = false;
            lane->ofp_port = OFPP_NONE;
            if (!evc->next_problem && !(lp = lane_check_config(evc, lane))) {
                lane->ofp_port = port_lookup(ofprotos[i], lane->port);
                if (lane->ofp_port == OFPP_NONE) {
                    lp = port_missing("lane", lane->port, evc->bridge);
                }
            }
            set_problem(&lane->next_problem, lp);
            if (!evc->next_problem && !lp) {
                struct claim_req req = {
                    .claim = { .bridge = evc->bridge, .port = lane->port,
                               .evc = evc, .lane = lane, .vlan = lane->vlan,
                               .has_key = lane->has_key, .key = lane->key },
                    .evc = evc,
                    .lane = lane,
                    .held = lane->usable,
                };
                claim_reqs_add(&reqs, &req);
            }
        }
        if (!evc->next_problem) {
            struct claim_req req = {
                .claim = { .bridge = evc->bridge, .port = evc->uni_port,
                           .evc = evc, .vlan = evc->c_vlan },
                .evc = evc,
                .held = evc->established,
            };
            claim_reqs_add(&reqs, &req);
        }
    }

    /* Then all claims against each other. */
    grant_all(&reqs, &claims);

    for (size_t i = 0; i < n; i++) {
        struct dvel_evc *evc = evcs[i];
        char *problem = evc->next_problem;

        evc->next_problem = NULL;
        if (!nullable_string_is_equal(problem, evc->problem)) {
            if (problem && evc->pending) {
                VLOG_INFO("%s: %s", evc->name, problem);
            } else if (problem) {
                VLOG_WARN("%s: %s", evc->name, problem);
            } else if (evc->problem) {
                VLOG_INFO("%s: configuration is now valid", evc->name);
            }
            changed = true;
        }
        set_problem(&evc->problem, problem);
        evc->established = !problem;
        if (problem) {
            ofprotos[i] = NULL;
            for (size_t j = 0; j < evc->n_lanes; j++) {
                set_problem(&evc->order[j]->next_problem, xstrdup(problem));
            }
        }
    }

    /* Choose lanes and keep the flows installed. */
    for (size_t i = 0; i < n; i++) {
        struct dvel_evc *evc = evcs[i];
        struct ofproto *ofproto = ofprotos[i];

        evc_finish_lanes(evc, ofproto);
        changed |= evc_choose(evc, ofproto != NULL, now);

        /* Repair before syncing: the sync trusts the installed set. */
        if (ofproto) {
            struct bridge_version *bv = bridge_version_get(ofproto);
            if (bv->version != tables_version(ofproto)) {
                size_t n_fixed = evc_repair_flows(evc, ofproto);
                if (n_fixed) {
                    VLOG_INFO("%s: restored %"PRIuSIZE" deleted or modified "
                              "flow(s)", evc->name, n_fixed);
                    evc_refresh_dp(evc, ofproto);
                }
            }
        }
        changed |= evc_flows_need_sync(evc);
        evc_sync_flows(evc, ofproto);
    }

    bridge_versions_update();
    evc_publish_probes(evcs, ofprotos, n);
    if (changed) {
        status_all = true;
    }

    free(reqs.reqs);
    free(ofprotos);
    free(evcs);
    claims_destroy(&claims);
    return changed;
}

/* What the evaluation of EVCs depends on outside the dvel database: for
 * each bridge an EVC names, whether it exists (and which incarnation), and
 * each of its ports' number and device; and in '*link_sig', apart, its
 * ports' administrative and link states, which decide only whether lanes
 * are up (see evc_reevaluate_links()).  Combined order-independently,
 * because hmap order is not stable. */
static uint32_t
world_signature(uint32_t *link_sig)
{
    uint32_t sig = 0;
    const char *name;

    *link_sig = 0;
    SSET_FOR_EACH (name, &bridge_names) {
        const struct ofproto *ofproto = ofproto_lookup(name);
        uint32_t h = hash_string(name, 0);

        if (ofproto) {
            const struct ofport *ofport;

            h = hash_bytes(dvel_ofproto_uuid(ofproto), sizeof(struct uuid),
                           h);
            h = hash_string(ofproto->type, h);

            /* The bridge's MAC is in the hidden probe rules. */
            struct eth_addr mac;
            if (bridge_mac(ofproto, &mac)) {
                h = hash_bytes(&mac, sizeof mac, h);
            }
            HMAP_FOR_EACH (ofport, hmap_node, &ofproto->ports) {
                uint32_t ph = hash_pointer(ofport->netdev,
                                           ofp_to_u16(ofport->ofp_port));
                sig += ph;
                *link_sig += hash_2words(hash_int(ofport->pp.config, ph),
                                         ofport->pp.state);
            }
        }
        sig += h;
    }
    return sig;
}

/* Re-adds the flows of EVCs whose bridge's flow table changed since dvel
 * last looked, without re-evaluating anything else. */
static void
evc_repair_only(void)
{
    struct bridge_version *bv;
    bool stale = false;

    HMAP_FOR_EACH (bv, node, &bridge_versions) {
        const struct ofproto_dpif *ofproto
            = ofproto_dpif_lookup_by_uuid(&bv->ofproto_uuid);
        if (ofproto && tables_version(&ofproto->up) != bv->version) {
            stale = true;
        }
    }
    if (!stale) {
        return;
    }

    struct dvel_evc *evc;
    HMAP_FOR_EACH (evc, node, &all_evcs) {
        struct ofproto *ofproto = ofproto_lookup(evc->bridge);

        if (ofproto && evc_has_flows(evc)
            && bridge_version_get(ofproto)->version
               != tables_version(ofproto)) {
            size_t n_fixed = evc_repair_flows(evc, ofproto);
            if (n_fixed) {
                VLOG_INFO("%s: restored %"PRIuSIZE" deleted or modified "
                          "flow(s)", evc->name, n_fixed);
                evc_refresh_dp(evc, ofproto);
            }
        }
    }
    bridge_versions_update();
}

/* Compares the lanes of the EVCs that asked for it (a measuring policy, a
 * pending move, a hold-down or damping ending) without resolving anything
 * else again.  Returns true if an EVC moved. */
static bool
evc_reselect(void)
{
    long long int now = time_msec();
    bool changed = false;
    struct dvel_evc *evc;

    next_select_msec = LLONG_MAX;
    HMAP_FOR_EACH (evc, node, &all_evcs) {
        if (evc->next_select <= now) {
            struct ofproto *ofproto = (evc->problem ? NULL
                                       : ofproto_lookup(evc->bridge));
            if (ofproto) {
                for (size_t i = 0; i < evc->n_lanes; i++) {
                    lane_refresh_select_inputs(evc->order[i]);
                }
                if (evc_choose(evc, true, now)) {
                    changed = true;
                    hmapx_add(&status_evcs, evc);
                    evc_sync_flows_checked(evc, ofproto);
                }
            } else {
                evc->next_select = LLONG_MAX;
            }
        }
        next_select_msec = MIN(next_select_msec, evc->next_select);
    }
    return changed;
}

/* Chooses a lane for 'evc' again from what its lanes' probes and the last
 * full evaluation say, and keeps its flows in line.  Everything else about
 * it (its configuration, its claims on ports and VLANs, its ports) is as
 * that evaluation left it, which is right only while nothing else changed
 * since: the callers run only then.  Returns false if 'evc' is not carried
 * at all, for a reason neither probes nor a forced lane can change. */
static bool
evc_reevaluate_one(struct dvel_evc *evc, long long int now)
{
    struct ofproto *ofproto = (evc->problem ? NULL
                               : ofproto_lookup(evc->bridge));

    if (!ofproto) {
        return false;
    }
    hmapx_add(&status_evcs, evc);
    for (size_t i = 0; i < evc->n_lanes; i++) {
        struct dvel_lane *lane = evc->order[i];
        if (lane->usable) {
            lane_finish(evc, lane, ofproto, NULL);
        }
    }
    evc_choose(evc, true, now);
    next_select_msec = MIN(next_select_msec, evc->next_select);
    evc_flows_need_sync(evc);
    evc_sync_flows_checked(evc, ofproto);
    return true;
}

/* Looks again at the EVCs of the lanes whose probe state changed (the
 * 'n' probe IDs in 'ids'), and at nothing else: with nothing else changed
 * since the last evaluation, the rest of every EVC (its configuration, its
 * claims on ports and VLANs, its ports) is as that evaluation left it.
 * This keeps a lane going down from costing every EVC's evaluation.
 * Returns true if anything an operator sees may have changed. */
static bool
evc_reevaluate_probed(const uint32_t *ids, size_t n)
{
    struct hmapx evcs = HMAPX_INITIALIZER(&evcs);
    long long int now = time_msec();
    struct hmapx_node *node;
    bool changed = false;

    for (size_t i = 0; i < n; i++) {
        struct dvel_lane *lane = lane_by_probe_id(ids[i]);
        if (lane) {
            hmapx_add(&evcs, lane->evc);
        }
    }
    HMAPX_FOR_EACH (node, &evcs) {
        if (evc_reevaluate_one(node->data, now)) {
            COVERAGE_INC(dvel_evc_eval_probed);
            changed = true;
        }
    }
    hmapx_destroy(&evcs);
    return changed;
}

/* Looks again at the EVCs with a lane whose port went up or down since the
 * last look, by the kernel's word or the bridge's (see port_is_up()), and
 * at nothing else (see evc_reevaluate_probed()).  Finding them means a
 * look at every lane's port, which with 10 000 EVCs is a small part of
 * evaluating them all.  Returns true if anything an operator sees may
 * have changed. */
static bool
evc_reevaluate_links(void)
{
    long long int now = time_msec();
    bool changed = false;
    struct dvel_evc *evc;

    COVERAGE_INC(dvel_evc_link_scan);
    HMAP_FOR_EACH (evc, node, &all_evcs) {
        const struct ofproto *ofproto = (evc->problem ? NULL
                                         : ofproto_lookup(evc->bridge));
        bool link_changed = false;

        for (size_t i = 0; ofproto && i < evc->n_lanes; i++) {
            const struct dvel_lane *lane = evc->order[i];

            if (lane->usable
                && port_is_up(ofproto, lane->ofp_port, NULL)
                   != lane->link_up) {
                link_changed = true;
                break;
            }
        }
        if (link_changed && evc_reevaluate_one(evc, now)) {
            COVERAGE_INC(dvel_evc_eval_link);
            changed = true;
        }
    }
    return changed;
}

/* Looks again at the EVCs that dvel/lane-set or dvel/lane-clear changed,
 * and at nothing else (see evc_reevaluate_probed()).  Returns true if
 * anything an operator sees may have changed. */
static bool
evc_reevaluate_forced(void)
{
    long long int now = time_msec();
    struct hmapx_node *node;
    bool changed = false;

    HMAPX_FOR_EACH (node, &forced_evcs) {
        struct dvel_evc *evc = node->data;

        /* Its forced_lane status changed, carried or not. */
        hmapx_add(&status_evcs, evc);
        changed = true;
        COVERAGE_INC(dvel_evc_eval_forced);
        evc_reevaluate_one(evc, now);
    }
    hmapx_clear(&forced_evcs);
    return changed;
}

/* Records the start of a main-loop iteration, before Open vSwitch looks at
 * its ports: what dvel finds changed in this iteration was seen then. */
void
evc_note_iteration_start(void)
{
    iteration_wall_usec = time_wall_usec();
}

/* Makes the next evc_run() look at the lanes' links: the kernel reported a
 * lane port's link changed before the bridges know (see link-watch.c),
 * which world_signature() cannot see. */
void
evc_links_changed(void)
{
    links_changed = true;
}

/* Records, for the EVCs that moved, when their rules and (see dp-refresh.c)
 * datapath flows are in: for dvel/evc-show, how long a move takes from
 * its cause to the traffic's new path. */
static void
evc_note_moves_done(void)
{
    struct hmapx_node *node;
    long long int now = 0;

    HMAPX_FOR_EACH_SAFE (node, &moving_evcs) {
        struct dvel_evc *evc = node->data;
        if (!evc->flows_dirty) {
            now = now ? now : time_wall_usec();
            evc->move_done_usec = now;
            hmapx_delete(&moving_evcs, node);
        }
    }
}

/* The main-loop step: evaluates every EVC when the database or the
 * bridges' ports changed since the last evaluation; otherwise looks again
 * only at the EVCs that a port's link, a lane's probes or a run-time
 * command changed, and repairs flows that someone deleted, so that an
 * idle switch with many EVCs costs next to nothing and one circuit's
 * failover does not wait for all the others.  Returns true if anything an
 * operator sees in the status columns may have changed. */
bool
evc_run(void)
{
    uint32_t link_sig;
    uint32_t sig = world_signature(&link_sig);
    uint64_t pseq = seq_read(probe_engine_seq());
    uint32_t *probed = NULL;
    size_t n_probed = 0;
    bool changed;

    if (pseq != probe_seqno) {
        /* Lanes' probes changed their state: look at their EVCs, or at
         * every EVC if the engine lost count. */
        probe_seqno = pseq;
        if (!probe_engine_take_changed(&probed, &n_probed)) {
            needs_eval = true;
        }
    }
    if (time_msec() >= retry_msec) {
        retry_msec = LLONG_MAX;
        needs_eval = true;
    }
    if (!needs_eval && sig == last_signature) {
        changed = false;
        if (links_changed || link_sig != last_link_signature) {
            links_changed = false;
            last_link_signature = link_sig;
            changed |= evc_reevaluate_links();
        }
        changed |= evc_reevaluate_probed(probed, n_probed);
        changed |= evc_reevaluate_forced();
        evc_repair_only();
        if (time_msec() >= next_select_msec) {
            changed |= evc_reselect();
        }
    } else {
        needs_eval = false;
        last_signature = sig;
        last_link_signature = link_sig;
        links_changed = false;
        hmapx_clear(&forced_evcs);
        changed = evc_evaluate();
    }
    free(probed);
    dp_refresh_run();
    evc_note_moves_done();
    return changed;
}

void
evc_wait(void)
{
    seq_wait(probe_engine_seq(), probe_seqno);
    if (retry_msec != LLONG_MAX) {
        poll_timer_wait_until(retry_msec);
    }
    if (next_select_msec != LLONG_MAX) {
        poll_timer_wait_until(next_select_msec);
    }
}

/* ------------------------------------------------------------------------
 * Queries and run-time control. */

/* Tells what to write to the status columns: returns true if every EVC's
 * status may have changed; otherwise moves the EVCs whose status may have
 * changed into 'evcs' (an initialized, empty hmapx).  Then starts
 * collecting afresh. */
bool
evc_take_status_changes(struct hmapx *evcs)
{
    bool all = status_all;

    if (!all) {
        hmapx_swap(evcs, &status_evcs);
    }
    hmapx_clear(&status_evcs);
    status_all = false;
    return all;
}

/* Makes the next evc_take_status_changes() return true: after a change
 * to the configuration, on reconnecting to the database, after a failed
 * status transaction and every stats-interval. */
void
evc_status_all_changed(void)
{
    status_all = true;
}

const struct hmap *
evc_all(void)
{
    return &all_evcs;
}

/* Adds the EVC and lane counts and the memory of their dvel state (not of
 * their OpenFlow rules, which ofproto reports as "rules") to 'usage'. */
void
evc_get_memory_usage(struct simap *usage)
{
    const struct dvel_evc *evc;
    size_t n_lanes = 0, bytes = 0;

    HMAP_FOR_EACH (evc, node, &all_evcs) {
        const struct dvel_lane *lane;

        bytes += (sizeof *evc + evc_rules_memory(evc->rules)
                  + (evc->partial ? dvel_flow_set_memory(evc->partial) : 0)
                  + lane_select_evc_memory(&evc->sel));
        HMAP_FOR_EACH (lane, node, &evc->lanes) {
            bytes += sizeof *lane;
            n_lanes++;
        }
    }
    simap_increase(usage, "evcs", hmap_count(&all_evcs));
    simap_increase(usage, "evc-lanes", n_lanes);
    simap_increase(usage, "evc-bytes", bytes);
}

static int
compare_evcs_by_name(const void *a_, const void *b_)
{
    const struct dvel_evc *const *a = a_;
    const struct dvel_evc *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

/* Returns a newly allocated array of every EVC, sorted by name. */
struct dvel_evc **
evc_sorted(size_t *n)
{
    struct dvel_evc **evcs = xmalloc(MAX(hmap_count(&all_evcs), 1)
                                     * sizeof *evcs);
    struct dvel_evc *evc;

    *n = 0;
    HMAP_FOR_EACH (evc, node, &all_evcs) {
        evcs[(*n)++] = evc;
    }
    qsort(evcs, *n, sizeof *evcs, compare_evcs_by_name);
    return evcs;
}

struct dvel_evc *
evc_find_by_name(const char *name)
{
    struct dvel_evc *evc;

    HMAP_FOR_EACH (evc, node, &all_evcs) {
        if (!strcmp(evc->name, name)) {
            return evc;
        }
    }
    return NULL;
}

struct dvel_lane *
evc_find_lane(const struct dvel_evc *evc, const char *name)
{
    for (size_t i = 0; i < evc->n_lanes; i++) {
        if (!strcmp(evc->order[i]->name, name)) {
            return evc->order[i];
        }
    }
    return NULL;
}

/* Forces 'evc' onto 'lane' while it is up, or hands the choice back to the
 * pin and the policy if 'lane' is NULL.  Takes effect at the next
 * evc_run(). */
void
evc_force_lane(struct dvel_evc *evc, const struct dvel_lane *lane)
{
    if (lane) {
        evc->forced = lane->uuid;
    } else {
        uuid_zero(&evc->forced);
    }
    evc->sel.immediate = true;
    hmapx_add(&forced_evcs, evc);
}

static const char *
evc_state(const struct dvel_evc *evc)
{
    return (evc->problem && !evc->pending ? "error"
            : evc->active ? "up"
            : "down");
}

static const char *
lane_state(const struct dvel_lane *lane)
{
    return lane->up ? "up" : lane->usable ? "down" : "error";
}

void
evc_get_status(const struct dvel_evc *evc, struct smap *status)
{
    smap_add(status, "state", evc_state(evc));
    if (evc->active) {
        smap_add(status, "active_lane", evc->active->name);
    }
    if (evc->problem) {
        smap_add(status, evc->pending ? "reason" : "error", evc->problem);
    }
    if (evc->last_reason && !(evc->problem && evc->pending)) {
        smap_add(status, "reason", evc->last_reason);
    }
    if (evc->last_change) {
        smap_add_format(status, "last_change", "%lld", evc->last_change);
    }
    smap_add_format(status, "switches", "%u", evc->n_switches);
    smap_add_format(status, "failovers", "%u", evc->n_failovers);
    if (evc->options_error) {
        smap_add(status, "options_error", evc->options_error);
    }
    struct dvel_lane *forced = uuid_is_zero(&evc->forced)
                               ? NULL : lane_find(evc, &evc->forced);
    if (forced) {
        smap_add(status, "forced_lane", forced->name);
    }
    smap_add_format(status, "cookie", "%#"PRIx64, evc_cookie(evc));
}

void
evc_lane_get_status(const struct dvel_lane *lane, struct smap *status)
{
    smap_add(status, "state", lane_state(lane));
    if (lane->problem) {
        smap_add(status, lane->usable ? "reason" : "error", lane->problem);
    }
    if (lane->ofp_port != OFPP_NONE) {
        smap_add_format(status, "ofport", "%"PRIu16,
                        ofp_to_u16(lane->ofp_port));
    }
    smap_add(status, "active",
             lane->evc->active == lane ? "true" : "false");

    struct probe_status ps;
    if (lane->usable && probe_engine_get_status(lane->probe_id, &ps)) {
        smap_add(status, "probe_state", probe_state_to_string(ps.state));
        if (ps.rtt_p50_ns >= 0) {
            smap_add_format(status, "rtt_p50_us", "%"PRId64,
                            ps.rtt_p50_ns / 1000);
            smap_add_format(status, "rtt_p99_us", "%"PRId64,
                            ps.rtt_p99_ns / 1000);
        }
        if (ps.variation_ns >= 0) {
            smap_add_format(status, "delay_variation_us", "%"PRId64,
                            ps.variation_ns / 1000);
        }
        if (ps.far_loss_short >= 0) {
            smap_add_format(status, "far_loss_1s", "%.3f",
                            ps.far_loss_short * 100);
        }
        if (ps.near_loss_short >= 0) {
            smap_add_format(status, "near_loss_1s", "%.3f",
                            ps.near_loss_short * 100);
        }
        if (ps.far_loss_long >= 0) {
            smap_add_format(status, "far_loss_60s", "%.3f",
                            ps.far_loss_long * 100);
        }
        if (ps.near_loss_long >= 0) {
            smap_add_format(status, "near_loss_60s", "%.3f",
                            ps.near_loss_long * 100);
        }
        if (ps.state != PROBE_DISABLED) {
            smap_add_format(status, "probe_down_count", "%"PRIu64,
                            ps.n_down);
        }
    }

    const struct lane_select_lane *sel = &lane->sel;
    if (lane->evc->policy == EVC_POLICY_MAX_THROUGHPUT) {
        double bps = lane_select_mathis_bps(&lane->evc->sel_params, sel);
        if (bps >= 0) {
            smap_add_format(status, "predicted_mbps", "%.1f", bps / 1e6);
        }
    }
    if (sel->n_flaps) {
        smap_add_format(status, "flaps", "%u", sel->n_flaps);
    }
    if (sel->penalty >= 1) {
        smap_add_format(status, "damping_penalty", "%.0f", sel->penalty);
    }
    if (sel->suppressed) {
        smap_add(status, "suppressed", "true");
    }
    if (lane->options_error) {
        smap_add(status, "options_error", lane->options_error);
    }
}

static void
format_smap(const struct smap *smap, struct ds *s)
{
    const struct smap_node **nodes = smap_sort(smap);

    for (size_t i = 0; i < smap_count(smap); i++) {
        ds_put_format(s, " %s=%s", nodes[i]->key, nodes[i]->value);
    }
    free(nodes);
}

/* Formats 'evc' for dvel/evc-show. */
void
evc_format(const struct dvel_evc *evc, struct ds *s)
{
    struct smap status = SMAP_INITIALIZER(&status);

    ds_put_format(s, "evc %s: bridge %s uni %s", evc->name, evc->bridge,
                  evc->uni_port);
    if (evc->c_vlan) {
        ds_put_format(s, " c-vlan %d", evc->c_vlan);
    }
    ds_put_format(s, " policy %s\n ", evc_policy_to_string(evc->policy));
    evc_get_status(evc, &status);
    format_smap(&status, s);
    ds_put_char(s, '\n');
    smap_destroy(&status);

    if (evc->move_usec) {
        ds_put_format(s, "  last move: at %lld.%06lld, %lld us after its "
                      "cause was seen, ", evc->move_usec / 1000000,
                      evc->move_usec % 1000000,
                      evc->move_usec - evc->move_cause_usec);
        if (evc->move_done_usec) {
            ds_put_format(s, "flows changed over %lld us after the move\n",
                          evc->move_done_usec - evc->move_usec);
        } else {
            ds_put_cstr(s, "flows not changed over yet\n");
        }
    }

    struct dvel_flow_set tmp;
    const struct dvel_flow_set *flows = evc_installed_flows(evc, &tmp);
    ds_put_format(s, "  flows: %"PRIuSIZE"\n", dvel_flow_set_count(flows));
    dvel_flow_set_format(flows, s);
    dvel_flow_set_destroy(&tmp);
}

/* Formats the lanes of 'evc' for dvel/lane-show. */
void
evc_format_lanes(const struct dvel_evc *evc, struct ds *s)
{
    ds_put_format(s, "evc %s:\n", evc->name);
    for (size_t i = 0; i < evc->n_lanes; i++) {
        const struct dvel_lane *lane = evc->order[i];
        struct smap status = SMAP_INITIALIZER(&status);

        ds_put_format(s, "  %s lane %s: port %s",
                      evc->active == lane ? "*" : " ", lane->name,
                      lane->port);
        if (lane->vlan) {
            ds_put_format(s, " vlan %d", lane->vlan);
        }
        if (lane->has_key) {
            ds_put_format(s, " key %"PRIu32, lane->key);
        }
        ds_put_format(s, " preference %d\n     ", lane->preference);
        evc_lane_get_status(lane, &status);
        format_smap(&status, s);
        ds_put_char(s, '\n');
        smap_destroy(&status);
    }
}

void
evc_destroy_all(void)
{
    struct bridge_version *bv;
    struct dvel_evc *evc;

    HMAP_FOR_EACH_POP (evc, node, &all_evcs) {
        evc_destroy(evc);
    }
    HMAP_FOR_EACH_POP (bv, node, &bridge_versions) {
        free(bv);
    }
    sset_destroy(&bridge_names);
    sset_destroy(&lane_ports);
}
