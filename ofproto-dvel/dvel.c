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

#include "ofproto-dvel/dvel.h"

#include "ofproto-dvel/dvel-idl.h"
#include "ofproto-dvel/dvel-unixctl.h"
#include "ofproto-dvel/evc.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "openvswitch/poll-loop.h"
#include "probes/probe-io.h"
#include "smap.h"
#include "sset.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"
#include "vswitch-idl.h"

VLOG_DEFINE_THIS_MODULE(dvel);

/* Status columns are written at most this often, except that a pending
 * "--wait" (next_cfg ahead of cur_cfg) is answered at once. */
#define STATUS_INTERVAL_MS 100

/* ovs-vswitchd's own database, of which dvel reads only
 * Open_vSwitch:external_ids:dvel-remote. */
static char *ovs_remote;
static struct ovsdb_idl *ovs_idl;

/* The dvel database. */
static char *dvel_remote;
static struct ovsdb_idl *dvel_idl;
static unsigned int dvel_idl_seqno;

static struct ovsdb_idl_txn *status_txn;
static bool status_dirty;
static long long int next_status_msec;

static void
status_txn_abort(void)
{
    if (status_txn) {
        ovsdb_idl_txn_destroy(status_txn);
        status_txn = NULL;
    }
}

static void
dvel_connect(const char *remote)
{
    if (dvel_remote && !strcmp(remote, dvel_remote)) {
        return;
    }
    if (dvel_idl) {
        status_txn_abort();
        ovsdb_idl_destroy(dvel_idl);
    }
    free(dvel_remote);
    dvel_remote = xstrdup(remote);
    VLOG_INFO("dvel database: %s", dvel_remote);

    dvel_idl = ovsdb_idl_create(dvel_remote, &dvelrec_idl_class, true, true);
    /* dvel writes these itself; changes to them need no reconfiguration. */
    ovsdb_idl_omit_alert(dvel_idl, &dvelrec_evc_col_status);
    ovsdb_idl_omit_alert(dvel_idl, &dvelrec_lane_col_status);
    ovsdb_idl_omit_alert(dvel_idl, &dvelrec_dvel_global_col_cur_cfg);
    dvel_idl_seqno = ovsdb_idl_get_seqno(dvel_idl);
    status_dirty = true;
}

void
dvel_init(const char *remote)
{
    ovs_remote = xstrdup(remote);
    ovs_idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    ovsdb_idl_add_table(ovs_idl, &ovsrec_table_open_vswitch);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_open_vswitch_col_external_ids);
    ovsdb_idl_add_table(ovs_idl, &ovsrec_table_bridge);
    ovsdb_idl_add_column(ovs_idl, &ovsrec_bridge_col_name);

    dvel_connect(remote);
    evc_init();
    probe_io_init();
    dvel_unixctl_register();
}

/* Follows Open_vSwitch:external_ids:dvel-remote, which names the dvel
 * database when it is not where ovs-vswitchd's own database is. */
static void
dvel_follow_remote(void)
{
    const struct ovsrec_open_vswitch *cfg;
    const char *remote = NULL;

    ovsdb_idl_run(ovs_idl);
    if (!ovsdb_idl_has_ever_connected(ovs_idl)) {
        return;
    }
    cfg = ovsrec_open_vswitch_first(ovs_idl);
    if (cfg) {
        remote = smap_get(&cfg->external_ids, "dvel-remote");
    }
    dvel_connect(remote && remote[0] ? remote : ovs_remote);
}

/* Returns true if a bridge named 'name' is in the Open_vSwitch database,
 * or if that database has not been read yet (so that nothing is called
 * missing at start-up before it is known). */
bool
dvel_bridge_configured(const char *name)
{
    const struct ovsrec_bridge *br;

    if (!ovsdb_idl_has_ever_connected(ovs_idl)) {
        return true;
    }
    OVSREC_BRIDGE_FOR_EACH (br, ovs_idl) {
        if (!strcmp(br->name, name)) {
            return true;
        }
    }
    return false;
}

static void
write_status(void)
{
    const struct dvelrec_dvel_global *global;
    const struct dvelrec_evc *row;
    struct sset lanes_done = SSET_INITIALIZER(&lanes_done);
    size_t n;

    /* Lane rows are written from their owning EVC first: EVCs are visited
     * in the order that decides ownership. */
    struct dvel_evc **evcs = evc_sorted(&n);
    for (size_t i = 0; i < n; i++) {
        const struct dvel_evc *evc = evcs[i];
        struct smap status = SMAP_INITIALIZER(&status);

        row = dvelrec_evc_get_for_uuid(dvel_idl, &evc->uuid);
        if (!row) {
            continue;
        }
        evc_get_status(evc, &status);
        if (!smap_equal(&row->status, &status)) {
            dvelrec_evc_set_status(row, &status);
        }
        smap_destroy(&status);

        for (size_t j = 0; j < evc->n_lanes; j++) {
            const struct dvel_lane *lane = evc->order[j];
            const struct dvelrec_lane *lrow;
            char uuid_s[UUID_LEN + 1];

            snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&lane->uuid));
            lrow = dvelrec_lane_get_for_uuid(dvel_idl, &lane->uuid);
            if (!lrow || !sset_add(&lanes_done, uuid_s)) {
                continue;
            }
            smap_init(&status);
            evc_lane_get_status(lane, &status);
            if (!smap_equal(&lrow->status, &status)) {
                dvelrec_lane_set_status(lrow, &status);
            }
            smap_destroy(&status);
        }
    }
    free(evcs);
    sset_destroy(&lanes_done);

    global = dvelrec_dvel_global_first(dvel_idl);
    if (global && global->cur_cfg != global->next_cfg) {
        dvelrec_dvel_global_set_cur_cfg(global, global->next_cfg);
    }
}

static bool
cfg_pending(void)
{
    const struct dvelrec_dvel_global *global
        = dvelrec_dvel_global_first(dvel_idl);
    return global && global->cur_cfg != global->next_cfg;
}

static void
status_run(void)
{
    if (status_txn) {
        enum ovsdb_idl_txn_status st = ovsdb_idl_txn_commit(status_txn);

        if (st == TXN_INCOMPLETE) {
            return;
        }
        if (st != TXN_SUCCESS && st != TXN_UNCHANGED) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
            VLOG_WARN_RL(&rl, "writing status to the dvel database failed: "
                         "%s", ovsdb_idl_txn_status_to_string(st));
            status_dirty = true;
        }
        ovsdb_idl_txn_destroy(status_txn);
        status_txn = NULL;
    }

    if ((status_dirty || cfg_pending())
        && ovsdb_idl_has_ever_connected(dvel_idl)
        && ovsdb_idl_is_connected(dvel_idl)
        && (time_msec() >= next_status_msec || cfg_pending())) {
        status_txn = ovsdb_idl_txn_create(dvel_idl);
        write_status();
        status_dirty = false;
        next_status_msec = time_msec() + STATUS_INTERVAL_MS;
        if (ovsdb_idl_txn_commit(status_txn) != TXN_INCOMPLETE) {
            ovsdb_idl_txn_destroy(status_txn);
            status_txn = NULL;
        }
    }
}

void
dvel_run(void)
{
    dvel_follow_remote();
    ovsdb_idl_run(dvel_idl);

    /* Until the first contents arrive, keep what is configured (nothing, at
     * start-up): an unreachable database must not delete EVCs. */
    if (ovsdb_idl_has_ever_connected(dvel_idl)) {
        unsigned int seqno = ovsdb_idl_get_seqno(dvel_idl);
        if (seqno != dvel_idl_seqno) {
            dvel_idl_seqno = seqno;
            evc_reconfigure(dvel_idl);
            status_dirty = true;
        }
    }

    if (evc_run()) {
        status_dirty = true;
    }
    status_run();
}

void
dvel_refresh(void)
{
    if (evc_run()) {
        status_dirty = true;
    }
    /* The commit happens in the next main-loop iteration. */
    poll_immediate_wake();
}

void
dvel_wait(void)
{
    ovsdb_idl_wait(ovs_idl);
    ovsdb_idl_wait(dvel_idl);
    if (status_txn) {
        ovsdb_idl_txn_wait(status_txn);
    } else if (status_dirty || cfg_pending()) {
        poll_timer_wait_until(cfg_pending() ? 0 : next_status_msec);
    }
}

void
dvel_exit(void)
{
    probe_io_exit();
    evc_destroy_all();
    status_txn_abort();
    ovsdb_idl_destroy(dvel_idl);
    dvel_idl = NULL;
    ovsdb_idl_destroy(ovs_idl);
    ovs_idl = NULL;
    free(dvel_remote);
    dvel_remote = NULL;
    free(ovs_remote);
    ovs_remote = NULL;
}
