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

#include <string.h>

#include "ofproto-dvel/dp-refresh.h"
#include "ofproto-dvel/dvel-idl.h"
#include "ofproto-dvel/dvel-unixctl.h"
#include "ofproto-dvel/evc.h"
#include "ofproto-dvel/link-watch.h"
#include "hmapx.h"
#include "openvswitch/vlog.h"
#include "ovsdb-idl.h"
#include "openvswitch/poll-loop.h"
#include "probes/probe-engine.h"
#include "probes/probe-io.h"
#include "simap.h"
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

/* When dvel started using 'dvel_remote', to warn once if the dvel database
 * is still not there a while later. */
#define DB_MISSING_WARN_MSEC 5000
static long long int dvel_connect_msec;
static bool db_missing_warned;

static struct ovsdb_idl_txn *status_txn;
static bool status_dirty;
static long long int next_status_msec;

/* Probe statistics in the Lane table's status column are refreshed this
 * often (Dvel_Global other_config:stats-interval), not with every probe. */
#define STATS_INTERVAL_DEFAULT_MS 5000
static int stats_interval_ms = STATS_INTERVAL_DEFAULT_MS;
static long long int next_stats_msec;

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
    evc_status_all_changed();
    dvel_connect_msec = time_msec();
    db_missing_warned = false;
}

/* Says once, clearly, when the dvel database cannot be read: ovsdb-server
 * may not serve it, or the remote may be wrong.  Nothing else notices. */
static void
dvel_check_db(void)
{
    if (!db_missing_warned && !ovsdb_idl_has_ever_connected(dvel_idl)
        && time_msec() >= dvel_connect_msec + DB_MISSING_WARN_MSEC) {
        VLOG_WARN("no dvel database at %s after %d s: EVCs are not "
                  "configured until it is there (ovsdb-server must serve "
                  "the dvel database, see dvel(5))", dvel_remote,
                  DB_MISSING_WARN_MSEC / 1000);
        db_missing_warned = true;
    }
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
    probe_io_init();
    link_watch_init();
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

/* Writes the status of 'lane' into its row, unless 'done' says the row
 * was written already in this transaction. */
static void
write_lane_status(const struct dvel_lane *lane, struct sset *done)
{
    const struct dvelrec_lane *row;
    struct smap status;
    char uuid_s[UUID_LEN + 1];

    snprintf(uuid_s, sizeof uuid_s, UUID_FMT, UUID_ARGS(&lane->uuid));
    row = dvelrec_lane_get_for_uuid(dvel_idl, &lane->uuid);
    if (!row || !sset_add(done, uuid_s)) {
        return;
    }
    smap_init(&status);
    evc_lane_get_status(lane, &status);
    if (!smap_equal(&row->status, &status)) {
        dvelrec_lane_set_status(row, &status);
    }
    smap_destroy(&status);
}

/* Writes the status column of 'evc''s row. */
static void
write_evc_status(const struct dvel_evc *evc)
{
    const struct dvelrec_evc *row
        = dvelrec_evc_get_for_uuid(dvel_idl, &evc->uuid);
    struct smap status = SMAP_INITIALIZER(&status);

    if (row) {
        evc_get_status(evc, &status);
        if (!smap_equal(&row->status, &status)) {
            dvelrec_evc_set_status(row, &status);
        }
    }
    smap_destroy(&status);
}

/* Writes the status columns: of every EVC and lane after a change to the
 * configuration and every stats-interval, otherwise only of the EVCs (and
 * their lanes) that evc.c says may have changed, so that with thousands
 * of EVCs a lane going down costs one row, not all of them. */
static void
write_status(void)
{
    const struct dvelrec_dvel_global *global;
    struct sset lanes_done = SSET_INITIALIZER(&lanes_done);
    struct hmapx changed = HMAPX_INITIALIZER(&changed);
    struct dvel_evc **evcs;
    size_t n;

    if (evc_take_status_changes(&changed)) {
        evcs = evc_sorted(&n);
    } else {
        struct hmapx_node *node;

        evcs = xmalloc(MAX(hmapx_count(&changed), 1) * sizeof *evcs);
        n = 0;
        HMAPX_FOR_EACH (node, &changed) {
            evcs[n++] = node->data;
        }
    }
    hmapx_destroy(&changed);

    for (size_t i = 0; i < n; i++) {
        write_evc_status(evcs[i]);
    }

    /* A Lane row listed by two EVCs shows the view of the EVC that owns
     * it: owners first, then rows that no EVC owns. */
    for (int owners = 1; owners >= 0; owners--) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < evcs[i]->n_lanes; j++) {
                const struct dvel_lane *lane = evcs[i]->order[j];
                if (lane->row_owner == owners) {
                    write_lane_status(lane, &lanes_done);
                }
            }
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
            evc_status_all_changed();
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

/* Dvel_Global other_config:probe-timestamps. */
static void
dvel_configure_timestamps(void)
{
    const struct dvelrec_dvel_global *global
        = dvelrec_dvel_global_first(dvel_idl);
    const char *where = (global
                         ? smap_get_def(&global->other_config,
                                        "probe-timestamps", "datapath")
                         : "datapath");

    if (!strcmp(where, "main-thread")) {
        probe_io_set_main_thread_rx(true);
    } else {
        if (strcmp(where, "datapath")) {
            VLOG_WARN("Dvel_Global other_config:probe-timestamps=%s: "
                      "unknown, using \"datapath\" (the other choice is "
                      "\"main-thread\")", where);
        }
        probe_io_set_main_thread_rx(false);
    }
}

/* Dvel_Global other_config:datapath-refresh. */
static void
dvel_configure_dp_refresh(void)
{
    const struct dvelrec_dvel_global *global
        = dvelrec_dvel_global_first(dvel_idl);

    dp_refresh_set_enabled(!global
                           || smap_get_bool(&global->other_config,
                                            "datapath-refresh", true));
}

/* Called at the start of each main-loop iteration, before Open vSwitch
 * runs its bridges: a lane port that the kernel says lost its carrier is
 * left now (see link-watch.c). */
void
dvel_iteration_start(void)
{
    struct sset changed = SSET_INITIALIZER(&changed);
    const char *name;

    evc_note_iteration_start();
    link_watch_run(&changed);
    SSET_FOR_EACH (name, &changed) {
        if (evc_uses_port(name)) {
            evc_links_changed();
            if (evc_run()) {
                status_dirty = true;
            }
            break;
        }
    }
    sset_destroy(&changed);
}

void
dvel_run(void)
{
    probe_io_run();
    dvel_follow_remote();
    ovsdb_idl_run(dvel_idl);
    dvel_check_db();

    /* Until the first contents arrive, keep what is configured (nothing, at
     * start-up): an unreachable database must not delete EVCs. */
    if (ovsdb_idl_has_ever_connected(dvel_idl)) {
        unsigned int seqno = ovsdb_idl_get_seqno(dvel_idl);
        if (seqno != dvel_idl_seqno) {
            dvel_idl_seqno = seqno;
            dvel_configure_timestamps();
            dvel_configure_dp_refresh();
            evc_reconfigure(dvel_idl);
            status_dirty = true;
            evc_status_all_changed();
        }
    }

    if (evc_run()) {
        status_dirty = true;
    }
    if (time_msec() >= next_stats_msec) {
        const struct dvelrec_dvel_global *global
            = dvelrec_dvel_global_first(dvel_idl);
        int interval = global ? smap_get_int(&global->other_config,
                                             "stats-interval",
                                             STATS_INTERVAL_DEFAULT_MS)
                              : STATS_INTERVAL_DEFAULT_MS;

        stats_interval_ms = MAX(interval, 1000);
        next_stats_msec = time_msec() + stats_interval_ms;
        if (hmap_count(evc_all())) {
            status_dirty = true;
            evc_status_all_changed();
        }
    }
    status_run();
}

void
dvel_refresh(void)
{
    evc_note_iteration_start();
    if (evc_run()) {
        status_dirty = true;
    }
    /* The commit happens in the next main-loop iteration. */
    poll_immediate_wake();
}

/* Called through vswitchd-hooks.c when ovs-vswitchd reports its memory
 * use ("ovs-appctl memory/show" and the log): EVCs, lanes and the bytes
 * dvel holds for them. */
void
dvel_get_memory_usage(struct simap *usage)
{
    evc_get_memory_usage(usage);
    probe_engine_get_memory_usage(usage);
}

void
dvel_wait(void)
{
    probe_io_wait();
    link_watch_wait();
    ovsdb_idl_wait(ovs_idl);
    ovsdb_idl_wait(dvel_idl);
    evc_wait();
    if (hmap_count(evc_all())) {
        poll_timer_wait_until(next_stats_msec);
    }
    if (!db_missing_warned && !ovsdb_idl_has_ever_connected(dvel_idl)) {
        poll_timer_wait_until(dvel_connect_msec + DB_MISSING_WARN_MSEC);
    }
    if (status_txn) {
        ovsdb_idl_txn_wait(status_txn);
    } else if (ovsdb_idl_is_connected(dvel_idl)
               && ovsdb_idl_has_ever_connected(dvel_idl)) {
        /* Only while connected: status_run() writes nothing otherwise, and
         * a timer in the past would spin the main loop until the database
         * comes back. */
        if (cfg_pending()) {
            poll_immediate_wake();
        } else if (status_dirty) {
            poll_timer_wait_until(next_status_msec);
        }
    }
}

void
dvel_exit(void)
{
    probe_io_exit();
    link_watch_destroy();
    evc_destroy_all();
    probe_engine_destroy_all();
    probe_io_dp_sweep();
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
