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
/* A lane port's link going down, straight from the kernel.
 *
 * ovs-vswitchd learns that a Linux device lost its carrier from a netlink
 * notification that netdev_run() reads after bridge_run(); the bridges see
 * the port down in the next main-loop iteration, after Open vSwitch has
 * re-read its routing table (which any link change invalidates) and run
 * its bridges.  Measured in the lab, that was 1.3 to 1.8 ms from the
 * carrier loss to dvel's move, of which dvel's own part was a few hundred
 * microseconds.  So dvel listens to the same notifications
 * itself, through Open vSwitch's rtnetlink notifier, reads them first in
 * each iteration (dvel_iteration_start(), before bridge_run()), and takes
 * the kernel's latest word on a device's link over the bridges' older one
 * (evc.c's port_is_up()).
 *
 * Only devices the kernel has, those of netdev types backed by a Linux
 * device, are looked up here; a DPDK port's link changes reach Open
 * vSwitch from its own callback, with no iteration's delay.  What is
 * kept is the last state each device was reported in; a device that is
 * deleted goes back to unknown, when the bridges' view is used.  A
 * report without a message (the socket's buffer overflowed and
 * notifications were lost, or Open vSwitch asks its notifiers to look
 * again, as it does whenever a device's MAC is reported) makes every state
 * kept stale: the next look at a stale device asks the kernel for its
 * flags. */

#include <config.h>

#include "ofproto-dvel/link-watch.h"

#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>

#include "coverage.h"
#include "netdev.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "socket-util.h"
#include "sset.h"
#include "util.h"

#ifdef __linux__
#include <linux/rtnetlink.h>
#include "netlink-notifier.h"
#include "rtnetlink.h"
#endif

VLOG_DEFINE_THIS_MODULE(link_watch);

COVERAGE_DEFINE(dvel_link_watch_change);
COVERAGE_DEFINE(dvel_link_watch_stale);
COVERAGE_DEFINE(dvel_link_watch_ioctl);

/* Device name -> enum link_watch_state, cast to a pointer, with LINK_STALE
 * or'ed in when it must be read again from the kernel. */
static struct shash links = SHASH_INITIALIZER(&links);
#define LINK_STALE 0x100

/* The devices whose state changed since link_watch_run() last said. */
static struct sset changed = SSET_INITIALIZER(&changed);

static enum link_watch_state
state_from_flags(unsigned int flags)
{
    return (!(flags & IFF_UP) ? LINK_WATCH_ADMIN_DOWN
            : flags & IFF_RUNNING ? LINK_WATCH_RUNNING
            : LINK_WATCH_NO_CARRIER);
}

/* Records 'state' for device 'name'; says so if it changed. */
static void
link_watch_set(const char *name, enum link_watch_state state)
{
    struct shash_node *node = shash_find(&links, name);
    enum link_watch_state old = (node
                                 ? (enum link_watch_state)
                                   ((uintptr_t) node->data & ~LINK_STALE)
                                 : LINK_WATCH_UNKNOWN);

    if (state == old) {
        if (node) {
            node->data = (void *) (uintptr_t) state;
        }
        return;
    }
    if (state == LINK_WATCH_UNKNOWN) {
        shash_delete(&links, node);
    } else if (node) {
        node->data = (void *) (uintptr_t) state;
    } else {
        shash_add(&links, name, (void *) (uintptr_t) state);
    }
    COVERAGE_INC(dvel_link_watch_change);
    VLOG_DBG("%s: %s", name,
             (state == LINK_WATCH_RUNNING ? "running"
              : state == LINK_WATCH_ADMIN_DOWN ? "administratively down"
              : state == LINK_WATCH_NO_CARRIER ? "no carrier"
              : "deleted"));
    sset_add(&changed, name);
}

#ifdef __linux__
static struct nln_notifier *notifier;

static void
link_watch_cb(const struct rtnetlink_change *change, void *aux OVS_UNUSED)
{
    if (!change) {
        /* Something may have been missed: read again what is looked at. */
        struct shash_node *node;
        SHASH_FOR_EACH (node, &links) {
            node->data = (void *) ((uintptr_t) node->data | LINK_STALE);
        }
        COVERAGE_INC(dvel_link_watch_stale);
        return;
    }
    if (!change->ifname || change->irrelevant
        || strlen(change->ifname) >= IFNAMSIZ) {
        return;
    }
    if (change->nlmsg_type == RTM_DELLINK) {
        link_watch_set(change->ifname, LINK_WATCH_UNKNOWN);
    } else if (change->nlmsg_type == RTM_NEWLINK) {
        link_watch_set(change->ifname, state_from_flags(change->ifi_flags));
    }
}
#endif

void
link_watch_init(void)
{
#ifdef __linux__
    if (!notifier) {
        notifier = rtnetlink_notifier_create(link_watch_cb, NULL);
        if (!notifier) {
            VLOG_WARN("cannot listen to the kernel's link notifications: "
                      "lanes leave a port that lost its carrier only when "
                      "Open vSwitch reports it");
        }
    }
#endif
}

void
link_watch_destroy(void)
{
#ifdef __linux__
    rtnetlink_notifier_destroy(notifier);
    notifier = NULL;
#endif
    shash_destroy(&links);
    sset_destroy(&changed);
}

/* Reads the kernel's link notifications and puts in 'names', which must be
 * empty, the devices whose state changed since the last call. */
void
link_watch_run(struct sset *names)
{
    ovs_assert(sset_is_empty(names));
#ifdef __linux__
    if (notifier) {
        rtnetlink_run();
    }
#endif
    sset_swap(names, &changed);
}

void
link_watch_wait(void)
{
#ifdef __linux__
    if (notifier) {
        rtnetlink_wait();
    }
#endif
}

/* Whether 'netdev' is a Linux device (its state then comes from the kernel,
 * under the same name). */
static bool
is_linux_device(const struct netdev *netdev)
{
    const char *type = netdev_get_type(netdev);

    return (!strcmp(type, "system") || !strcmp(type, "tap")
            || !strcmp(type, "afxdp") || !strcmp(type, "afxdp-nonpmd"));
}

/* The kernel's latest word on 'netdev''s link, or LINK_WATCH_UNKNOWN. */
enum link_watch_state
link_watch_get(const struct netdev *netdev)
{
    if (shash_is_empty(&links) || !is_linux_device(netdev)) {
        return LINK_WATCH_UNKNOWN;
    }
    const char *name = netdev_get_name(netdev);
    void *found = shash_find_data(&links, name);
    uintptr_t data = (uintptr_t) found;
    if (data & LINK_STALE) {
        struct ifreq ifr;

        COVERAGE_INC(dvel_link_watch_ioctl);
        memset(&ifr, 0, sizeof ifr);
        link_watch_set(name, (af_inet_ifreq_ioctl(name, &ifr, SIOCGIFFLAGS,
                                                  "SIOCGIFFLAGS")
                              ? LINK_WATCH_UNKNOWN
                              : state_from_flags((uint16_t) ifr.ifr_flags)));
        found = shash_find_data(&links, name);
        data = (uintptr_t) found;
    }
    return (enum link_watch_state) data;
}
