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

#include "ofproto-dvel/dvel-unixctl.h"

#include "ofproto/ofproto-provider.h"
#include "ofproto-dvel/dp-refresh.h"
#include "ofproto-dvel/dvel.h"
#include "ofproto-dvel/evc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "probes/probe-engine.h"
#include "probes/probe-io.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dvel_unixctl);

/* Finds the EVC named 'name', or replies with an error and returns NULL. */
static struct dvel_evc *
find_evc_or_reply(struct unixctl_conn *conn, const char *name)
{
    struct dvel_evc *evc = evc_find_by_name(name);

    if (!evc) {
        char *msg = xasprintf("no EVC named %s", name);
        unixctl_command_reply_error(conn, msg);
        free(msg);
    }
    return evc;
}

/* Finds lane 'name' of 'evc', or replies with an error and returns NULL. */
static struct dvel_lane *
find_lane_or_reply(struct unixctl_conn *conn, const struct dvel_evc *evc,
                   const char *name)
{
    struct dvel_lane *lane = evc_find_lane(evc, name);

    if (!lane) {
        char *msg = xasprintf("EVC %s has no lane named %s", evc->name,
                              name);
        unixctl_command_reply_error(conn, msg);
        free(msg);
    }
    return lane;
}

typedef void format_func(const struct dvel_evc *, struct ds *);

static void
show_evcs(struct unixctl_conn *conn, int argc, const char *argv[],
          format_func *format)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    if (argc > 1) {
        const struct dvel_evc *evc = find_evc_or_reply(conn, argv[1]);
        if (!evc) {
            return;
        }
        format(evc, &s);
    } else {
        size_t n;
        struct dvel_evc **evcs = evc_sorted(&n);

        for (size_t i = 0; i < n; i++) {
            format(evcs[i], &s);
        }
        free(evcs);
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
dvel_unixctl_evc_show(struct unixctl_conn *conn, int argc,
                      const char *argv[], void *aux OVS_UNUSED)
{
    show_evcs(conn, argc, argv, evc_format);
}

static void
dvel_unixctl_lane_show(struct unixctl_conn *conn, int argc,
                       const char *argv[], void *aux OVS_UNUSED)
{
    show_evcs(conn, argc, argv, evc_format_lanes);
}

static void
dvel_unixctl_lane_set(struct unixctl_conn *conn, int argc OVS_UNUSED,
                      const char *argv[], void *aux OVS_UNUSED)
{
    struct dvel_evc *evc = find_evc_or_reply(conn, argv[1]);
    struct dvel_lane *lane;
    char *msg;

    if (!evc) {
        return;
    }
    lane = find_lane_or_reply(conn, evc, argv[2]);
    if (!lane) {
        return;
    }

    VLOG_INFO("%s: lane %s forced by dvel/lane-set", evc->name, lane->name);
    evc_force_lane(evc, lane);
    dvel_refresh();

    if (evc->active == lane) {
        msg = xasprintf("%s: now on lane %s", evc->name, lane->name);
    } else {
        msg = xasprintf("%s: lane %s forced but not usable (%s); staying on "
                        "%s until it is", evc->name, lane->name,
                        lane->problem ? lane->problem : "down",
                        evc->active ? evc->active->name : "no lane");
    }
    unixctl_command_reply(conn, msg);
    free(msg);
}

static void
dvel_unixctl_lane_clear(struct unixctl_conn *conn, int argc OVS_UNUSED,
                        const char *argv[], void *aux OVS_UNUSED)
{
    struct dvel_evc *evc = find_evc_or_reply(conn, argv[1]);
    char *msg;

    if (!evc) {
        return;
    }
    VLOG_INFO("%s: forced lane cleared by dvel/lane-clear", evc->name);
    evc_force_lane(evc, NULL);
    dvel_refresh();
    msg = xasprintf("%s: lane chosen by policy %s: %s", evc->name,
                    evc_policy_to_string(evc->policy),
                    evc->active ? evc->active->name : "no lane up");
    unixctl_command_reply(conn, msg);
    free(msg);
}

struct lane_list {
    const struct dvel_lane **lanes;
    size_t n;
};

/* Collects the lanes that "[EVC [LANE]]" arguments name: all lanes of all
 * EVCs, of one EVC, or one lane.  Returns false after replying with an
 * error if a name is unknown. */
static bool
select_lanes(struct unixctl_conn *conn, int argc, const char *argv[],
             struct lane_list *out)
{
    const struct dvel_lane **lanes = NULL;
    size_t n_lanes = 0, allocated = 0;
    struct dvel_evc **evcs;
    size_t n_evcs;

    if (argc > 1) {
        struct dvel_evc *evc = find_evc_or_reply(conn, argv[1]);
        if (!evc) {
            return false;
        }
        evcs = xmalloc(sizeof *evcs);
        evcs[0] = evc;
        n_evcs = 1;
    } else {
        evcs = evc_sorted(&n_evcs);
    }

    for (size_t i = 0; i < n_evcs; i++) {
        for (size_t j = 0; j < evcs[i]->n_lanes; j++) {
            const struct dvel_lane *lane = evcs[i]->order[j];

            if (argc > 2 && strcmp(lane->name, argv[2])) {
                continue;
            }
            if (n_lanes >= allocated) {
                lanes = x2nrealloc(lanes, &allocated, sizeof *lanes);
            }
            lanes[n_lanes++] = lane;
        }
    }
    if (argc > 2 && !n_lanes) {
        find_lane_or_reply(conn, evcs[0], argv[2]);
        free(evcs);
        free(lanes);
        return false;
    }
    free(evcs);
    out->lanes = lanes;
    out->n = n_lanes;
    return true;
}

static void
dvel_unixctl_probe_show(struct unixctl_conn *conn, int argc,
                        const char *argv[], void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct lane_list list;

    if (!select_lanes(conn, argc, argv, &list)) {
        return;
    }
    for (size_t i = 0; i < list.n; i++) {
        const struct dvel_lane *lane = list.lanes[i];

        ds_put_format(&s, "evc %s lane %s:\n", lane->evc->name, lane->name);
        if (!probe_engine_format(lane->probe_id, &s)) {
            ds_put_format(&s, "  no probes: %s\n",
                          lane->problem ? lane->problem
                                        : "lane does not carry the EVC");
        }
    }
    free(list.lanes);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
dvel_unixctl_probe_stats_clear(struct unixctl_conn *conn, int argc,
                               const char *argv[], void *aux OVS_UNUSED)
{
    struct lane_list list;

    if (argc == 1) {
        probe_engine_clear_all_stats();
    } else {
        if (!select_lanes(conn, argc, argv, &list)) {
            return;
        }
        for (size_t i = 0; i < list.n; i++) {
            probe_engine_clear_stats(list.lanes[i]->probe_id);
        }
        free(list.lanes);
    }
    unixctl_command_reply(conn, "statistics cleared");
}

static void
dvel_unixctl_lane_history(struct unixctl_conn *conn, int argc OVS_UNUSED,
                          const char *argv[], void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    const struct dvel_evc *evc = find_evc_or_reply(conn, argv[1]);
    const struct dvel_lane *lane;

    if (!evc || !(lane = find_lane_or_reply(conn, evc, argv[2]))) {
        return;
    }
    if (!probe_engine_format_history(lane->probe_id, &s)) {
        unixctl_command_reply_error(conn, "the lane does not carry the EVC, "
                                    "so it has no measurements");
    } else {
        unixctl_command_reply(conn, ds_cstr(&s));
    }
    ds_destroy(&s);
}

static void
dvel_unixctl_dp_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    probe_io_format(&s);
    probe_engine_format_global(&s);
    dp_refresh_format_stats(&s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* dvel/send-frame BRIDGE PORT HEX: transmits a raw frame on a port from
 * the probe thread, the path every probe takes. */
static void
dvel_unixctl_send_frame(struct unixctl_conn *conn, int argc OVS_UNUSED,
                        const char *argv[], void *aux OVS_UNUSED)
{
    struct ofproto *ofproto = ofproto_lookup(argv[1]);
    const struct ofport *ofport;
    struct ofpbuf frame;
    int error;

    if (!ofproto) {
        unixctl_command_reply_error(conn, "no such bridge");
        return;
    }
    ofport = shash_find_data(&ofproto->port_by_name, argv[2]);
    if (!ofport) {
        unixctl_command_reply_error(conn, "no such port on that bridge");
        return;
    }
    ofpbuf_init(&frame, 0);
    if (ofpbuf_put_hex(&frame, argv[3], NULL)[0] != '\0') {
        unixctl_command_reply_error(conn, "frame is not valid hex");
        ofpbuf_uninit(&frame);
        return;
    }
    error = probe_io_send(ofproto, ofport->ofp_port, frame.data, frame.size);
    ofpbuf_uninit(&frame);
    if (error) {
        char *msg = xasprintf("cannot send: %s", ovs_strerror(error));
        unixctl_command_reply_error(conn, msg);
        free(msg);
        return;
    }
    unixctl_command_reply(conn, "queued for the probe thread");
}

void
dvel_unixctl_register(void)
{
    unixctl_command_register("dvel/evc-show", "[EVC]", 0, 1,
                             dvel_unixctl_evc_show, NULL);
    unixctl_command_register("dvel/lane-show", "[EVC]", 0, 1,
                             dvel_unixctl_lane_show, NULL);
    unixctl_command_register("dvel/lane-set", "EVC LANE", 2, 2,
                             dvel_unixctl_lane_set, NULL);
    unixctl_command_register("dvel/lane-clear", "EVC", 1, 1,
                             dvel_unixctl_lane_clear, NULL);
    unixctl_command_register("dvel/probe-show", "[EVC [LANE]]", 0, 2,
                             dvel_unixctl_probe_show, NULL);
    unixctl_command_register("dvel/probe-stats-clear", "[EVC [LANE]]", 0, 2,
                             dvel_unixctl_probe_stats_clear, NULL);
    unixctl_command_register("dvel/lane-history", "EVC LANE", 2, 2,
                             dvel_unixctl_lane_history, NULL);
    unixctl_command_register("dvel/dp-show", "", 0, 0,
                             dvel_unixctl_dp_show, NULL);
    unixctl_command_register("dvel/send-frame", "BRIDGE PORT HEX", 3, 3,
                             dvel_unixctl_send_frame, NULL);
}
