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

/* Datapath flows brought up to date right after dvel changes an EVC's
 * rules, a failover above all.
 *
 * When an EVC moves away from a lane that failed, dvel changes its OpenFlow
 * rules at once, but the customer's frames follow the datapath's cached
 * flows, and those are Open vSwitch's revalidator threads' to bring up to
 * date.  They do, but a revalidator starts at most one pass every 5 ms
 * (udpif_revalidator() in ofproto/ofproto-dpif-upcall.c), and a link going
 * down has usually just made it start one (the route table is re-read on
 * any link change), so dvel's change waits for the next: frames keep going
 * to the dead lane for up to 5 ms more.
 *
 * So, right after it changes an EVC's rules, dvel does for the flows that
 * enter on the EVC's UNI port what a revalidator would do
 * (revalidate_ukey__()):
 * it translates each flow again against the new rules and, if only its
 * actions changed, modifies the flow in place.  The datapath swaps the
 * actions atomically (RCU in dpif-netdev), so no frame sees a half-made
 * flow.  A revalidator's next pass, which dvel's rule change triggers
 * anyway, translates to the same actions and only brings its own record
 * (the ukey) up to date.  What cannot be changed safely this way is left to
 * the revalidators: a flow whose mask would have to become narrower, one
 * that the translation sends to the slow path or that needs
 * recirculation (whose IDs the revalidator's record must hold).  Why every
 * change and not only failovers: see evc_refresh_dp() in evc.c.
 *
 * It costs one dump of the datapath's flows per main-loop iteration in
 * which some EVC's rules changed, and nothing otherwise.  The dump runs in the
 * main thread, so it stops after REFRESH_BUDGET_USEC and leaves the rest
 * to the revalidators: a datapath with a very large number of flows must
 * not stall the main loop, and other EVCs' failovers with it. */

#include <config.h>

#include "ofproto-dvel/dp-refresh.h"

#include "coverage.h"
#include "dpif.h"
#include "flow.h"
#include "hmapx.h"
#include "odp-util.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-dpif-xlate.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dp_refresh);

COVERAGE_DEFINE(dvel_dp_refresh);
COVERAGE_DEFINE(dvel_dp_refresh_flow);
COVERAGE_DEFINE(dvel_dp_refresh_left);

/* A UNI port, in its datapath, whose flows are to be refreshed. */
struct refresh_port {
    struct dpif_backer *backer;
    odp_port_t port;
};

#define REFRESH_BUDGET_USEC 50000

static struct refresh_port *ports;
static size_t n_ports, allocated_ports;
static bool enabled = true;

/* What the last refresh did, for dvel/dp-show. */
static struct {
    unsigned long long int n_runs;
    unsigned long long int n_modified;  /* Flows given new actions. */
    unsigned long long int n_left;      /* Left to the revalidators. */
    unsigned long long int n_cut;       /* Refreshes stopped by the budget. */
    size_t last_dumped;                 /* Flows looked at, last time. */
    size_t last_modified;
    long long int last_usec;            /* How long the last one took. */
} stats;

void
dp_refresh_set_enabled(bool enable)
{
    enabled = enable;
    if (!enable) {
        n_ports = 0;
    }
}

bool
dp_refresh_is_enabled(void)
{
    return enabled;
}

/* Asks for the datapath flows that enter on 'in_port' (of 'ofproto_''s
 * datapath) to be refreshed at the next dp_refresh_run(), which must come
 * in the same main-loop iteration. */
void
dp_refresh_add(struct ofproto *ofproto_, odp_port_t in_port)
{
    struct ofproto_dpif *ofproto = CONTAINER_OF(ofproto_,
                                                struct ofproto_dpif, up);

    if (!enabled || in_port == ODPP_NONE) {
        return;
    }
    if (n_ports >= allocated_ports) {
        ports = x2nrealloc(ports, &allocated_ports, sizeof *ports);
    }
    ports[n_ports++] = (struct refresh_port) {
        .backer = ofproto->backer,
        .port = in_port,
    };
}

/* Translates 'f' again, as a revalidator would, into 'odp_actions'.
 * Returns true if 'f' may be given them in place. */
static bool
translate_flow(const struct dpif_backer *backer, const struct flow *flow,
               const struct dpif_flow *f, struct ofpbuf *odp_actions)
{
    struct ofproto_dpif *ofproto;
    struct flow_wildcards wc, dp_mask;
    struct xlate_out xout;
    struct xlate_in xin;
    ofp_port_t ofp_in_port;
    bool ok;

    if (xlate_lookup(backer, flow, &ofproto, NULL, NULL, NULL, &ofp_in_port,
                     NULL)) {
        return false;
    }
    ofpbuf_clear(odp_actions);
    xlate_in_init(&xin, ofproto, ofproto_dpif_get_tables_version(ofproto),
                  flow, ofp_in_port, NULL, 0, NULL, &wc, odp_actions);
    ok = (xlate_actions(&xin, &xout) == XLATE_OK
          && !xout.slow && !xout.avoid_caching && !xout.recircs.n_recircs
          && odp_flow_key_to_mask(f->mask, f->mask_len, &dp_mask, flow,
                                  NULL) != ODP_FIT_ERROR
          /* The installed flow must not match more than the new
           * translation allows. */
          && !flow_wildcards_has_extra(&dp_mask, &wc));
    xlate_out_uninit(&xout);
    return ok;
}

/* Refreshes the flows of 'backer''s datapath that enter on a port in
 * 'in_ports' (odp port numbers as pointers), until 'deadline' (time_usec()).
 * Returns false if it stopped there. */
static bool
refresh_backer(struct dpif_backer *backer, const struct hmapx *in_ports,
               long long int deadline)
{
    struct dpif_flow_dump *dump = dpif_flow_dump_create(backer->dpif, false,
                                                        NULL);
    struct dpif_flow_dump_thread *thread = dpif_flow_dump_thread_create(dump);
    uint64_t stub[1024 / 8];
    struct ofpbuf odp_actions = OFPBUF_STUB_INITIALIZER(stub);
    struct dpif_flow flows[64];
    bool finished = true;
    int n;

    while ((n = dpif_flow_dump_next(thread, flows, ARRAY_SIZE(flows))) > 0) {
        if (time_usec() > deadline) {
            finished = false;
            break;
        }
        for (int i = 0; i < n; i++) {
            const struct dpif_flow *f = &flows[i];
            struct flow flow;

            stats.last_dumped++;
            if (odp_flow_key_to_flow(f->key, f->key_len, &flow, NULL)
                == ODP_FIT_ERROR
                || flow.recirc_id
                || !hmapx_contains(in_ports, (void *) (uintptr_t)
                                   odp_to_u32(flow.in_port.odp_port))) {
                continue;
            }
            if (!translate_flow(backer, &flow, f, &odp_actions)) {
                COVERAGE_INC(dvel_dp_refresh_left);
                stats.n_left++;
                continue;
            }
            if (f->actions_len == odp_actions.size
                && !memcmp(f->actions, odp_actions.data, f->actions_len)) {
                continue;
            }

            int error = dpif_flow_put(backer->dpif, DPIF_FP_MODIFY,
                                      f->key, f->key_len,
                                      f->mask, f->mask_len,
                                      odp_actions.data, odp_actions.size,
                                      f->ufid_present ? &f->ufid : NULL,
                                      f->pmd_id, NULL);
            if (error) {
                /* Gone meanwhile, most likely: the revalidators will deal
                 * with whatever it was. */
                static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
                VLOG_WARN_RL(&rl, "%s: modifying a datapath flow failed "
                             "(%s)", dpif_name(backer->dpif),
                             ovs_strerror(error));
                stats.n_left++;
                continue;
            }
            COVERAGE_INC(dvel_dp_refresh_flow);
            stats.n_modified++;
            stats.last_modified++;
        }
    }
    dpif_flow_dump_thread_destroy(thread);
    int error = dpif_flow_dump_destroy(dump);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "%s: dumping datapath flows failed (%s)",
                     dpif_name(backer->dpif), ovs_strerror(error));
    }
    ofpbuf_uninit(&odp_actions);
    return finished;
}

/* Refreshes the flows asked for since the last call, one dump per
 * datapath. */
void
dp_refresh_run(void)
{
    if (!n_ports) {
        return;
    }

    long long int start = time_usec();
    bool finished = true;

    COVERAGE_INC(dvel_dp_refresh);
    stats.n_runs++;
    stats.last_dumped = 0;
    stats.last_modified = 0;
    while (n_ports) {
        struct dpif_backer *backer = ports[0].backer;
        struct hmapx in_ports = HMAPX_INITIALIZER(&in_ports);
        size_t n_other = 0;

        for (size_t i = 0; i < n_ports; i++) {
            if (ports[i].backer == backer) {
                hmapx_add(&in_ports,
                          (void *) (uintptr_t) odp_to_u32(ports[i].port));
            } else {
                ports[n_other++] = ports[i];
            }
        }
        n_ports = n_other;
        if (finished) {
            finished = refresh_backer(backer, &in_ports,
                                      start + REFRESH_BUDGET_USEC);
        }
        hmapx_destroy(&in_ports);
    }
    stats.last_usec = time_usec() - start;
    if (!finished) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
        VLOG_INFO_RL(&rl, "refreshing datapath flows after a rule change took "
                     "over %d ms, after %"PRIuSIZE" flows: leaving the rest "
                     "to the revalidators", REFRESH_BUDGET_USEC / 1000,
                     stats.last_dumped);
        stats.n_cut++;
    }
    VLOG_DBG("refreshed %"PRIuSIZE" of %"PRIuSIZE" datapath flows in "
             "%lld us", stats.last_modified, stats.last_dumped,
             stats.last_usec);
}

void
dp_refresh_format_stats(struct ds *s)
{
    ds_put_format(s, "datapath flows refreshed after rule changes: %s\n",
                  enabled ? "yes" : "no (left to the revalidators)");
    if (stats.n_runs) {
        ds_put_format(s, "  %llu refresh(es): %llu flow(s) modified, %llu "
                      "left to the revalidators; the last looked at %"
                      PRIuSIZE" flow(s), modified %"PRIuSIZE", took %lld us\n",
                      stats.n_runs, stats.n_modified, stats.n_left,
                      stats.last_dumped, stats.last_modified,
                      stats.last_usec);
        if (stats.n_cut) {
            ds_put_format(s, "  %llu refresh(es) stopped after %d ms, the "
                          "rest left to the revalidators\n",
                          stats.n_cut, REFRESH_BUDGET_USEC / 1000);
        }
    }
}
