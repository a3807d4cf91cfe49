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
#include "ofproto-dvel/dvel.h"
#include "ofproto-dvel/evc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
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
    lane = evc_find_lane(evc, argv[2]);
    if (!lane) {
        msg = xasprintf("EVC %s has no lane named %s", evc->name, argv[2]);
        unixctl_command_reply_error(conn, msg);
        free(msg);
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

static void
dvel_unixctl_dp_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    probe_io_format(&s);
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
    unixctl_command_register("dvel/dp-show", "", 0, 0,
                             dvel_unixctl_dp_show, NULL);
    unixctl_command_register("dvel/send-frame", "BRIDGE PORT HEX", 3, 3,
                             dvel_unixctl_send_frame, NULL);
}
