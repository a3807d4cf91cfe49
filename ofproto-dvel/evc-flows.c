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

#include "ofproto-dvel/evc-flows.h"

#include "classifier.h"
#include "coverage.h"
#include "hash.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ofproto/ofproto-dpif.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(evc_flows);

COVERAGE_DEFINE(dvel_flow_add);
COVERAGE_DEFINE(dvel_flow_del);
COVERAGE_DEFINE(dvel_flow_repair);

static uint32_t
dvel_flow_key_hash(const struct minimatch *match, int priority)
{
    return minimatch_hash(match, priority);
}

static struct dvel_flow *
flow_find(const struct dvel_flow_set *set, const struct minimatch *match,
          int priority)
{
    struct dvel_flow *f;

    HMAP_FOR_EACH_WITH_HASH (f, node, dvel_flow_key_hash(match, priority),
                             &set->flows) {
        if (f->priority == priority && minimatch_equal(&f->match, match)) {
            return f;
        }
    }
    return NULL;
}

static void
flow_free(struct dvel_flow *f)
{
    minimatch_destroy(&f->match);
    free(f->ofpacts);
    free(f);
}

/* Returns the UUID that OVS gives the bridge 'ofproto' (it names the
 * bridge in datapath upcalls, and a re-created bridge gets a new one). */
const struct uuid *
dvel_ofproto_uuid(const struct ofproto *ofproto)
{
    ovs_assert(ofproto->ofproto_class == &ofproto_dpif_class);
    return &CONTAINER_OF(ofproto, struct ofproto_dpif, up)->uuid;
}

void
dvel_flow_set_init(struct dvel_flow_set *set)
{
    hmap_init(&set->flows);
    uuid_zero(&set->ofproto_uuid);
}

void
dvel_flow_set_destroy(struct dvel_flow_set *set)
{
    struct dvel_flow *f;

    HMAP_FOR_EACH_POP (f, node, &set->flows) {
        flow_free(f);
    }
    hmap_destroy(&set->flows);
}

size_t
dvel_flow_set_count(const struct dvel_flow_set *set)
{
    return hmap_count(&set->flows);
}

/* Bytes of memory dvel's copy of the rules in 'set' holds (ofproto keeps
 * its own, reported as "rules" by "ovs-appctl memory/show"). */
size_t
dvel_flow_set_memory(const struct dvel_flow_set *set)
{
    const struct dvel_flow *f;
    size_t bytes = 0;

    HMAP_FOR_EACH (f, node, &set->flows) {
        bytes += (sizeof *f + f->ofpacts_len
                  + 2 * sizeof(struct miniflow)
                  + MINIFLOW_VALUES_SIZE(miniflow_n_values(f->match.flow))
                  + MINIFLOW_VALUES_SIZE(miniflow_n_values(
                                             &f->match.mask->masks)));
    }
    return bytes;
}

void
dvel_flow_set_add(struct dvel_flow_set *set, const struct match *match,
                  int priority, uint64_t cookie, const struct ofpbuf *ofpacts)
{
    struct dvel_flow *f = xzalloc(sizeof *f);

    minimatch_init(&f->match, match);
    f->priority = priority;
    f->cookie = cookie;
    f->ofpacts = xmemdup(ofpacts->data, ofpacts->size);
    f->ofpacts_len = ofpacts->size;
    hmap_insert(&set->flows, &f->node,
                dvel_flow_key_hash(&f->match, priority));
}

static enum ofperr
flow_mod(struct ofproto *ofproto, const struct dvel_flow *f,
         enum ofp_flow_mod_command command)
{
    struct ofputil_flow_mod fm = {
        .priority = f->priority,
        .new_cookie = command == OFPFC_ADD ? htonll(f->cookie) : OVS_BE64_MAX,
        .cookie = command == OFPFC_ADD ? 0 : htonll(f->cookie),
        .cookie_mask = command == OFPFC_ADD ? 0 : OVS_BE64_MAX,
        .table_id = DVEL_FLOW_TABLE,
        .command = command,
        .buffer_id = UINT32_MAX,
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .ofpacts = f->ofpacts,
        .ofpacts_len = f->ofpacts_len,
    };
    enum ofperr error;

    minimatch_clone(&fm.match, &f->match);
    error = ofproto_flow_mod(ofproto, &fm);
    minimatch_destroy(&fm.match);

    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        struct ds s = DS_EMPTY_INITIALIZER;

        minimatch_format(&f->match, NULL, NULL, &s, f->priority);
        VLOG_WARN_RL(&rl, "%s: %s of flow %s failed: %s", ofproto->name,
                     command == OFPFC_ADD ? "add" : "delete", ds_cstr(&s),
                     ofperr_to_string(error));
        ds_destroy(&s);
    }
    return error;
}

/* Makes the flows installed in 'ofproto' for one EVC, recorded in
 * 'installed', equal to 'desired', then moves 'desired' into 'installed'
 * (leaving 'desired' empty).  A flow that could not be added is left out of
 * 'installed', so that the next sync tries it again.  Returns the number of
 * flow_mods that failed. */
size_t
dvel_flows_sync(struct ofproto *ofproto, struct dvel_flow_set *installed,
                struct dvel_flow_set *desired)
{
    struct dvel_flow *f, *old;
    size_t n_errors = 0;

    if (!uuid_equals(&installed->ofproto_uuid, dvel_ofproto_uuid(ofproto))) {
        /* A different (or re-created) bridge: nothing of ours is there. */
        dvel_flow_set_destroy(installed);
        dvel_flow_set_init(installed);
    }

    /* Add new and changed flows first, so that traffic moves from the old
     * rule to the new one without a gap. */
    HMAP_FOR_EACH_SAFE (f, node, &desired->flows) {
        old = flow_find(installed, &f->match, f->priority);
        if (!old || old->cookie != f->cookie
            || !ofpacts_equal(old->ofpacts, old->ofpacts_len,
                              f->ofpacts, f->ofpacts_len)) {
            COVERAGE_INC(dvel_flow_add);
            if (flow_mod(ofproto, f, OFPFC_ADD)) {
                hmap_remove(&desired->flows, &f->node);
                flow_free(f);
                n_errors++;
            }
        }
        if (old) {
            hmap_remove(&installed->flows, &old->node);
            flow_free(old);
        }
    }

    /* What is left was installed and is no longer wanted. */
    HMAP_FOR_EACH_POP (old, node, &installed->flows) {
        COVERAGE_INC(dvel_flow_del);
        if (flow_mod(ofproto, old, OFPFC_DELETE_STRICT)) {
            n_errors++;
        }
        flow_free(old);
    }

    hmap_swap(&installed->flows, &desired->flows);
    installed->ofproto_uuid = *dvel_ofproto_uuid(ofproto);
    return n_errors;
}

/* Deletes every flow in 'installed' from 'ofproto' (which may be NULL if
 * the bridge is gone) and empties 'installed'. */
void
dvel_flows_remove(struct ofproto *ofproto, struct dvel_flow_set *installed)
{
    struct dvel_flow *f;

    if (ofproto && !uuid_equals(&installed->ofproto_uuid,
                                dvel_ofproto_uuid(ofproto))) {
        ofproto = NULL;
    }
    HMAP_FOR_EACH_POP (f, node, &installed->flows) {
        if (ofproto) {
            COVERAGE_INC(dvel_flow_del);
            flow_mod(ofproto, f, OFPFC_DELETE_STRICT);
        }
        flow_free(f);
    }
    uuid_zero(&installed->ofproto_uuid);
}

/* Re-adds every flow of 'set' that is missing from 'ofproto' or differs
 * from what dvel installed (someone deleted or replaced it).  Returns the
 * number of flows put back. */
size_t
dvel_flows_repair(struct ofproto *ofproto, const struct dvel_flow_set *set)
{
    const struct classifier *cls = &ofproto->tables[DVEL_FLOW_TABLE].cls;
    const struct dvel_flow *f;
    size_t n = 0;

    if (!uuid_equals(&set->ofproto_uuid, dvel_ofproto_uuid(ofproto))) {
        return 0;
    }
    HMAP_FOR_EACH (f, node, &set->flows) {
        const struct rule *rule = rule_from_cls_rule(
            classifier_find_minimatch_exactly(cls, &f->match, f->priority,
                                              OVS_VERSION_MAX));
        const struct rule_actions *actions = rule ? rule->actions : NULL;

        if (!rule || ntohll(rule->flow_cookie) != f->cookie
            || !ofpacts_equal(actions->ofpacts, actions->ofpacts_len,
                              f->ofpacts, f->ofpacts_len)) {
            COVERAGE_INC(dvel_flow_repair);
            flow_mod(ofproto, f, OFPFC_ADD);
            n++;
        }
    }
    return n;
}

void
dvel_flow_set_format(const struct dvel_flow_set *set, struct ds *s)
{
    const struct dvel_flow *f;

    HMAP_FOR_EACH (f, node, &set->flows) {
        struct ofpact_format_params fp = { .s = s };

        ds_put_format(s, "    cookie=%#"PRIx64", priority=%d,", f->cookie,
                      f->priority);
        minimatch_format(&f->match, NULL, NULL, s, OFP_DEFAULT_PRIORITY);
        ds_put_cstr(s, " actions=");
        ofpacts_format(f->ofpacts, f->ofpacts_len, &fp);
        ds_put_char(s, '\n');
    }
}
