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

#include "dpif-dvel/dpif-dvel.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "coverage.h"
#include "dp-packet.h"
#include "dpif-provider.h"
#include "netdev-provider.h"
#include "netdev.h"
#include "odp-util.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "sset.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dpif_dvel);

COVERAGE_DEFINE(dpif_dvel_intercept);
COVERAGE_DEFINE(dpif_dvel_upcall_passed);

/* The class is filled in at registration time from dpif_netdev_class. */
static struct dpif_class dpif_dvel_class;

/* dpif-netdev keeps one upcall callback per datapath, and there is one
 * datapath per type, so one saved callback is enough.  It is written by the
 * main thread (registration) before any datapath thread can run an upcall
 * for it, and read by datapath threads. */
static upcall_callback *orig_upcall_cb;
static void *orig_upcall_aux;

/* The consumer of intercepted frames, published as one unit so that a
 * datapath thread never pairs one consumer with another's 'aux'. */
struct rx_consumer {
    dpif_dvel_rx_cb *cb;
    void *aux;
};
static OVSRCU_TYPE(struct rx_consumer *) rx_consumer;

static atomic_uint64_t n_intercepted = ATOMIC_VAR_INIT(0);
static atomic_uint64_t n_no_consumer = ATOMIC_VAR_INIT(0);

static uint64_t
realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Returns true if 'userdata' is the cookie of a controller action that a
 * dvel probe rule produced, and stores the bridge. */
static bool
is_dvel_userdata(const struct nlattr *userdata, struct uuid *ofproto_uuid,
                 uint64_t *rule_cookie)
{
    struct user_action_cookie cookie;

    if (!userdata || nl_attr_get_size(userdata) != sizeof cookie) {
        return false;
    }
    memcpy(&cookie, nl_attr_get(userdata), sizeof cookie);
    if (cookie.type != USER_ACTION_COOKIE_CONTROLLER
        || ((ntohll(get_32aligned_be64(&cookie.controller.rule_cookie))
             & DPIF_DVEL_PROBE_COOKIE_MASK)
            != DPIF_DVEL_PROBE_COOKIE_PREFIX)) {
        return false;
    }
    *ofproto_uuid = cookie.ofproto_uuid;
    *rule_cookie = ntohll(get_32aligned_be64(&cookie.controller.rule_cookie));
    return true;
}

static int
dpif_dvel_upcall(const struct dp_packet *packet, const struct flow *flow,
                 ovs_u128 *ufid, unsigned pmd_id, enum dpif_upcall_type type,
                 const struct nlattr *userdata, struct ofpbuf *actions,
                 struct flow_wildcards *wc, struct ofpbuf *put_actions,
                 void *aux OVS_UNUSED)
{
    struct uuid ofproto_uuid;
    uint64_t rule_cookie;

    if (type == DPIF_UC_ACTION
        && is_dvel_userdata(userdata, &ofproto_uuid, &rule_cookie)) {
        /* Taken first, before anything else touches the frame. */
        uint64_t rx_ns = realtime_ns();
        struct rx_consumer *c = ovsrcu_get(struct rx_consumer *,
                                           &rx_consumer);
        uint64_t orig;

        COVERAGE_INC(dpif_dvel_intercept);
        atomic_add_relaxed(&n_intercepted, 1, &orig);
        if (c) {
            c->cb(packet, &ofproto_uuid, rule_cookie, flow->in_port.odp_port,
                  rx_ns, c->aux);
        } else {
            atomic_add_relaxed(&n_no_consumer, 1, &orig);
        }
        /* A DPIF_UC_ACTION upcall executes no further actions and installs
         * no flow: returning 0 with 'actions' empty consumes the frame. */
        return 0;
    }

    COVERAGE_INC(dpif_dvel_upcall_passed);
    return orig_upcall_cb(packet, flow, ufid, pmd_id, type, userdata,
                          actions, wc, put_actions, orig_upcall_aux);
}

static void
dpif_dvel_register_upcall_cb(struct dpif *dpif, upcall_callback *cb,
                             void *aux)
{
    orig_upcall_cb = cb;
    orig_upcall_aux = aux;
    dpif_netdev_class.register_upcall_cb(dpif, dpif_dvel_upcall, NULL);
}

/* Internal ports are tap devices, exactly as on a datapath_type=netdev
 * bridge (dpif-netdev makes them dummies only for its dummy copies). */
static const char *
dpif_dvel_port_open_type(const struct dpif_class *class OVS_UNUSED,
                         const char *type)
{
    return strcmp(type, "internal") ? type : "tap";
}

/* Sets the consumer of intercepted frames (NULL for none).  Main thread
 * only. */
void
dpif_dvel_set_rx_cb(dpif_dvel_rx_cb *cb, void *aux)
{
    struct rx_consumer *old = ovsrcu_get_protected(struct rx_consumer *,
                                                   &rx_consumer);
    struct rx_consumer *new = NULL;

    if (cb) {
        new = xmalloc(sizeof *new);
        new->cb = cb;
        new->aux = aux;
    }
    ovsrcu_set(&rx_consumer, new);
    if (old) {
        ovsrcu_postpone(free, old);
    }
}

void
dpif_dvel_get_stats(struct dpif_dvel_stats *stats)
{
    atomic_read_relaxed(&n_intercepted, &stats->intercepted);
    atomic_read_relaxed(&n_no_consumer, &stats->no_consumer);
}

/* Registers the "dvel" datapath type.  Called from the main thread before
 * the bridge is initialised: registration needs netdev_initialize() to have
 * run (it has, from ovs-vswitchd's option parsing) and must not happen in
 * a constructor. */
void
dpif_dvel_init(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    struct sset types;
    int error;

    if (!ovsthread_once_start(&once)) {
        return;
    }

    sset_init(&types);
    netdev_enumerate_types(&types);

    /* dpif-netdev opens the datapath's own local port with type
     * "dummy-internal" for any class that is not dpif_netdev_class itself.
     * Outside the test suite nothing provides that type, so give it the
     * behaviour the local port has on a netdev datapath: a tap device. */
    if (!sset_contains(&types, "dummy-internal")) {
        struct netdev_class *local = xmemdup(&netdev_tap_class,
                                             sizeof netdev_tap_class);
        local->type = "dummy-internal";
        error = netdev_register_provider(local);
        if (error) {
            VLOG_ERR("cannot register the local port type of the dvel "
                     "datapath: %s", ovs_strerror(error));
            free(local);
        }
    }
    sset_destroy(&types);

    dpif_dvel_class = dpif_netdev_class;
    dpif_dvel_class.type = DPIF_DVEL_TYPE;
    dpif_dvel_class.port_open_type = dpif_dvel_port_open_type;
    dpif_dvel_class.register_upcall_cb = dpif_dvel_register_upcall_cb;
    error = dp_register_provider(&dpif_dvel_class);
    if (error) {
        VLOG_ERR("cannot register the \"%s\" datapath type: %s",
                 DPIF_DVEL_TYPE, ovs_strerror(error));
    } else {
        VLOG_INFO("registered datapath type \"%s\"", DPIF_DVEL_TYPE);
    }
    ovsthread_once_done(&once);
}
