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

/* dvel-ctl: the command-line tool for the "dvel" database.
 *
 * It is built on OVS's db-ctl-base, like vtep-ctl, and borrows --wait (the
 * next_cfg/cur_cfg handshake) and the implicit creation of the root row from
 * ovs-vsctl.  The high-level commands (add-evc, add-lane, ...) work directly
 * on the IDL: rows inserted and columns written earlier in the same
 * transaction (e.g. by an earlier command after "--") are visible to later
 * commands, so that no separate cache is needed. */

#include <config.h>

#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "compiler.h"
#include "db-ctl-base.h"
#include "fatal-signal.h"
#include "hmapx.h"
#include "ofproto-dvel/dvel-idl.h"
#include "ofproto-dvel/lane-probe.h"
#include "ofproto-dvel/lane-select.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-data.h"
#include "ovsdb-idl.h"
#include "process.h"
#include "smap.h"
#include "sset.h"
#include "stream.h"
#include "stream-ssl.h"
#include "svec.h"
#include "table.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(dvel_ctl);

#ifndef DVEL_VERSION
#define DVEL_VERSION "unknown"
#endif

/* --db: The database server to contact. */
static const char *db;

/* --oneline: Write each command's output as a single line? */
static bool oneline;

/* --dry-run: Do not commit any changes. */
static bool dry_run;

/* --wait: Wait for ovs-vswitchd-dvel to apply the changes?  Unlike
 * ovs-vsctl, the default is not to wait, so that configuring the database
 * before the switch runs never hangs. */
static bool wait_for_reload = false;

/* --timeout: Time to wait for a connection to 'db'. */
static unsigned int timeout;

/* Format for table output. */
static struct table_style table_style = TABLE_STYLE_DEFAULT;

/* The IDL we're using and the current transaction, if any.
 * This is for use by dvel_ctl_exit() only, to allow it to clean up.
 * Other code should use its context arguments. */
static struct ovsdb_idl *the_idl;
static struct ovsdb_idl_txn *the_idl_txn;

OVS_NO_RETURN static void dvel_ctl_exit(int status);
static void dvel_ctl_cmd_init(void);
OVS_NO_RETURN static void usage(void);
static void parse_options(int argc, char *argv[],
                          struct shash *local_options);
static void run_prerequisites(struct ctl_command[], size_t n_commands,
                              struct ovsdb_idl *);
static bool do_dvel_ctl(const char *args, struct ctl_command *, size_t n,
                        struct ovsdb_idl *);

int
main(int argc, char *argv[])
{
    struct ovsdb_idl *idl;
    struct ctl_command *commands;
    struct shash local_options;
    unsigned int seqno;
    size_t n_commands;

    set_program_name(argv[0]);
    fatal_ignore_sigpipe();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    vlog_set_levels_from_string_assert("reconnect:warn");

    dvel_ctl_cmd_init();

    /* Parse command line. */
    char *args = process_escape_args(argv);
    shash_init(&local_options);
    parse_options(argc, argv, &local_options);
    char *error = ctl_parse_commands(argc - optind, argv + optind,
                                     &local_options, &commands, &n_commands);
    if (error) {
        ctl_fatal("%s", error);
    }
    VLOG(ctl_might_write_to_db(commands, n_commands) ? VLL_INFO : VLL_DBG,
         "Called as %s", args);

    ctl_timeout_setup(timeout);

    /* Initialize IDL. */
    idl = the_idl = ovsdb_idl_create(db, &dvelrec_idl_class, false, false);
    run_prerequisites(commands, n_commands, idl);

    /* Execute the commands.
     *
     * 'seqno' is the database sequence number for which we last tried to
     * execute our transaction.  There's no point in trying to commit more
     * than once for any given sequence number, because if the transaction
     * fails it's because the database changed and we need to obtain an
     * up-to-date view of the database before we try the transaction
     * again. */
    seqno = ovsdb_idl_get_seqno(idl);
    for (;;) {
        ovsdb_idl_run(idl);
        if (!ovsdb_idl_is_alive(idl)) {
            int retval = ovsdb_idl_get_last_error(idl);
            ctl_fatal("%s: database connection failed (%s)",
                      db, ovs_retval_to_string(retval));
        }

        if (seqno != ovsdb_idl_get_seqno(idl)) {
            seqno = ovsdb_idl_get_seqno(idl);
            if (do_dvel_ctl(args, commands, n_commands, idl)) {
                free(args);
                exit(EXIT_SUCCESS);
            }
        }

        if (seqno == ovsdb_idl_get_seqno(idl)) {
            ovsdb_idl_wait(idl);
            poll_block();
        }
    }
}

static void
parse_options(int argc, char *argv[], struct shash *local_options)
{
    enum {
        OPT_DB = UCHAR_MAX + 1,
        OPT_ONELINE,
        OPT_NO_SYSLOG,
        OPT_WAIT,
        OPT_NO_WAIT,
        OPT_DRY_RUN,
        OPT_PEER_CA_CERT,
        OPT_LOCAL,
        OPT_COMMANDS,
        OPT_OPTIONS,
        VLOG_OPTION_ENUMS,
        TABLE_OPTION_ENUMS,
        SSL_OPTION_ENUMS,
    };
    static const struct option global_long_options[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"no-syslog", no_argument, NULL, OPT_NO_SYSLOG},
        {"wait", no_argument, NULL, OPT_WAIT},
        {"no-wait", no_argument, NULL, OPT_NO_WAIT},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"oneline", no_argument, NULL, OPT_ONELINE},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"commands", no_argument, NULL, OPT_COMMANDS},
        {"options", no_argument, NULL, OPT_OPTIONS},
        {"version", no_argument, NULL, 'V'},
        VLOG_LONG_OPTIONS,
        TABLE_LONG_OPTIONS,
        STREAM_SSL_LONG_OPTIONS,
        {"peer-ca-cert", required_argument, NULL, OPT_PEER_CA_CERT},
        {NULL, 0, NULL, 0},
    };
    const int n_global_long_options = ARRAY_SIZE(global_long_options) - 1;
    char *tmp, *short_options;

    struct option *options;
    size_t allocated_options;
    size_t n_options;
    size_t i;

    tmp = ovs_cmdl_long_options_to_short_options(global_long_options);
    short_options = xasprintf("+%s", tmp);
    free(tmp);

    /* We want to parse both global and command-specific options here, but
     * getopt_long() isn't too convenient for the job.  We copy our global
     * options into a dynamic array, then append all of the command-specific
     * options. */
    options = xmemdup(global_long_options, sizeof global_long_options);
    allocated_options = ARRAY_SIZE(global_long_options);
    n_options = n_global_long_options;
    ctl_add_cmd_options(&options, &n_options, &allocated_options, OPT_LOCAL);

    for (;;) {
        int idx;
        int c;

        c = getopt_long(argc, argv, short_options, options, &idx);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_DB:
            db = optarg;
            break;

        case OPT_ONELINE:
            oneline = true;
            break;

        case OPT_NO_SYSLOG:
            vlog_set_levels(&this_module, VLF_SYSLOG, VLL_WARN);
            break;

        case OPT_WAIT:
            wait_for_reload = true;
            break;

        case OPT_NO_WAIT:
            wait_for_reload = false;
            break;

        case OPT_DRY_RUN:
            dry_run = true;
            break;

        case OPT_LOCAL:
            if (shash_find(local_options, options[idx].name)) {
                ctl_fatal("'%s' option specified multiple times",
                          options[idx].name);
            }
            shash_add_nocopy(local_options,
                             xasprintf("--%s", options[idx].name),
                             nullable_xstrdup(optarg));
            break;

        case 'h':
            usage();

        case OPT_COMMANDS:
            ctl_print_commands();
            /* fall through */

        case OPT_OPTIONS:
            ctl_print_options(global_long_options);
            /* fall through */

        case 'V':
            printf("dvel-ctl (dvel) %s\n", DVEL_VERSION);
            exit(EXIT_SUCCESS);

        case 't':
            if (!str_to_uint(optarg, 10, &timeout) || !timeout) {
                ctl_fatal("value %s on -t or --timeout is invalid", optarg);
            }
            break;

        VLOG_OPTION_HANDLERS
        TABLE_OPTION_HANDLERS(&table_style)

        STREAM_SSL_OPTION_HANDLERS

        case OPT_PEER_CA_CERT:
            stream_ssl_set_peer_ca_cert_file(optarg);
            break;

        case '?':
            exit(EXIT_FAILURE);

        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);

    if (!db) {
        db = ctl_default_db();
    }

    for (i = n_global_long_options; options[i].name; i++) {
        free(CONST_CAST(char *, options[i].name));
    }
    free(options);
}

/* Frees the current transaction and the underlying IDL and then calls
 * exit(status).
 *
 * Freeing the transaction and the IDL is not strictly necessary, but it
 * makes for a clean memory leak report from valgrind in the normal case.
 * That makes it easier to notice real memory leaks. */
static void
dvel_ctl_exit(int status)
{
    if (the_idl_txn) {
        ovsdb_idl_txn_abort(the_idl_txn);
        ovsdb_idl_txn_destroy(the_idl_txn);
    }
    ovsdb_idl_destroy(the_idl);
    exit(status);
}

static void
usage(void)
{
    printf("%s: dvel configuration utility\n"
           "usage: %s [OPTIONS] COMMAND [ARG...]\n"
           "\n"
           "General commands:\n"
           "  init                        "
           "initialize database, if not yet initialized\n"
           "  show                        "
           "print overview of EVCs, lanes and status\n"
           "\n"
           "EVC commands:\n"
           "  add-evc EVC BRIDGE UNI-PORT [c-vlan=N] [policy=POLICY]\n"
           "                              "
           "create EVC on UNI-PORT of BRIDGE\n"
           "  del-evc EVC                 "
           "delete EVC and all of its lanes\n"
           "  list-evcs                   "
           "print the names of all the EVCs\n"
           "  set-policy EVC POLICY [KEY=VALUE]...\n"
           "                              "
           "set EVC's lane selection policy and settings\n"
           "  pin-lane EVC LANE           "
           "use LANE of EVC whenever it is up\n"
           "  unpin-lane EVC              "
           "remove EVC's pinned lane\n"
           "\n"
           "Lane commands:\n"
           "  add-lane EVC LANE PORT [vlan=N] [key=N] [preference=N] "
           "[probe-interval=N]\n"
           "                              [capacity=MBPS] "
           "[probe:KEY=VALUE]...\n"
           "                              "
           "add LANE on PORT to EVC\n"
           "  del-lane EVC LANE           "
           "delete LANE from EVC\n"
           "  list-lanes EVC              "
           "print the names of EVC's lanes, in order\n"
           "\n"
           "POLICY is one of: preference, lowest-delay, lowest-loss, "
           "max-throughput, manual.\n"
           "\n"
           "%s"
           "%s"
           "\n"
           "Options:\n"
           "  --db=DATABASE               connect to DATABASE\n"
           "                              (default: %s)\n"
           "  --wait                      "
           "wait for ovs-vswitchd-dvel to apply changes\n"
           "  --no-wait                   do not wait (the default)\n"
           "  -t, --timeout=SECS          wait at most SECS seconds\n"
           "  --dry-run                   "
           "do not commit changes to database\n"
           "  --oneline                   "
           "print exactly one line of output per command\n",
           program_name, program_name, ctl_get_db_cmd_usage(),
           ctl_list_db_tables_usage(), ctl_default_db());
    table_usage();
    vlog_usage();
    printf("  --no-syslog                 "
           "equivalent to --verbose=dvel_ctl:syslog:warn\n");
    stream_usage("database", true, true, false);
    printf("\n"
           "Other options:\n"
           "  -h, --help                  display this help message\n"
           "  -V, --version               display version information\n");
    exit(EXIT_SUCCESS);
}

/* dvel-ctl specific context.  Inherits the 'struct ctl_context' as base. */
struct dvel_ctl_context {
    struct ctl_context base;

    /* The root row, or NULL if there is none (only possible when the
     * commands cannot write to the database). */
    const struct dvelrec_dvel_global *global;
};

/* Casts 'base' into 'struct dvel_ctl_context'. */
static struct dvel_ctl_context *
dvel_ctl_context_cast(struct ctl_context *base)
{
    return CONTAINER_OF(base, struct dvel_ctl_context, base);
}

static char * OVS_WARN_UNUSED_RESULT
check_policy(const char *policy)
{
    enum evc_policy p;

    if (evc_policy_from_string(policy, &p)) {
        return NULL;
    }
    return xasprintf("unknown policy \"%s\" (expected preference, "
                     "lowest-delay, lowest-loss, max-throughput or manual)",
                     policy);
}

/* An integer argument of add-evc or add-lane: "NAME=VALUE". */
struct int_arg {
    const char *name;           /* e.g. "vlan". */
    const char *what;           /* e.g. "VLAN", for messages. */
    long long int min, max;     /* Range of valid values. */
};

static const struct int_arg c_vlan_arg = {"c-vlan", "C-VLAN", 1, 4094};
static const struct int_arg vlan_arg = {"vlan", "VLAN", 1, 4094};
static const struct int_arg key_arg = {"key", "tunnel key", 0, UINT32_MAX};
static const struct int_arg pref_arg = {"preference", "preference", 0, 65535};
static const struct int_arg probe_arg = {
    "probe-interval", "probe interval", 1, 10000
};

/* Parses 'value' as the value of 'arg' into '*valuep'.  Returns NULL if
 * successful, otherwise an error message that the caller must free. */
static char * OVS_WARN_UNUSED_RESULT
parse_int_arg(const struct int_arg *arg, const char *value, int64_t *valuep)
{
    long long int x;

    if (!str_to_llong(value, 10, &x) || x < arg->min || x > arg->max) {
        return xasprintf("%s=%s: %s must be an integer from %lld to %lld",
                         arg->name, value, arg->what, arg->min, arg->max);
    }
    *valuep = x;
    return NULL;
}

/* If 'argument' has the form "NAME=VALUE" with 'name' as NAME, returns
 * VALUE, otherwise NULL. */
static const char *
arg_value(const char *argument, const char *name)
{
    size_t len = strlen(name);

    return (!strncmp(argument, name, len) && argument[len] == '='
            ? &argument[len + 1]
            : NULL);
}

/* Adds the columns that the high-level commands use to the IDL. */
static void
pre_dvel(struct ctl_context *ctx)
{
    ovsdb_idl_add_column(ctx->idl, &dvelrec_dvel_global_col_evcs);
    for (size_t i = 0; i < DVELREC_EVC_N_COLUMNS; i++) {
        ovsdb_idl_add_column(ctx->idl, &dvelrec_evc_columns[i]);
    }
    for (size_t i = 0; i < DVELREC_LANE_N_COLUMNS; i++) {
        ovsdb_idl_add_column(ctx->idl, &dvelrec_lane_columns[i]);
    }
}

/* The EVC and Lane rows that exist in the current transaction.
 *
 * A reference column can refer to a row that an earlier command in the same
 * transaction deleted, e.g. "destroy Lane ..." on a lane that an EVC still
 * holds.  The column's parsed form ('evcs' in Dvel_Global, 'lanes' and
 * 'pinned_lane' in EVC) can then still point to that row, which the IDL's
 * verify and write functions refuse (they assert that the row exists) and
 * whose columns may no longer be read, or even to freed memory if the
 * transaction had also inserted the row.  So this file never follows those
 * parsed pointers: it looks up the UUIDs in the column among the rows that
 * iterating the table yields, which leaves out the rows deleted in the
 * transaction.
 *
 * Build one after any change to the set of rows, e.g. at the start of each
 * command. */
struct live_rows {
    struct ovsdb_idl *idl;
    struct hmapx evcs;          /* Contains "const struct dvelrec_evc *"s. */
    struct hmapx lanes;         /* Contains "const struct dvelrec_lane *"s. */
};

static void
live_rows_init(struct live_rows *live, struct ovsdb_idl *idl)
{
    const struct dvelrec_evc *evc;
    const struct dvelrec_lane *lane;

    live->idl = idl;
    hmapx_init(&live->evcs);
    DVELREC_EVC_FOR_EACH (evc, idl) {
        hmapx_add(&live->evcs, CONST_CAST(struct dvelrec_evc *, evc));
    }
    hmapx_init(&live->lanes);
    DVELREC_LANE_FOR_EACH (lane, idl) {
        hmapx_add(&live->lanes, CONST_CAST(struct dvelrec_lane *, lane));
    }
}

static void
live_rows_destroy(struct live_rows *live)
{
    hmapx_destroy(&live->evcs);
    hmapx_destroy(&live->lanes);
}

/* Returns the EVC row with UUID 'uuid', or NULL if there is none in 'live'
 * (for example, because it was deleted in the current transaction). */
static const struct dvelrec_evc *
live_evc(const struct live_rows *live, const struct uuid *uuid)
{
    const struct dvelrec_evc *evc = dvelrec_evc_get_for_uuid(live->idl, uuid);

    return evc && hmapx_contains(&live->evcs, evc) ? evc : NULL;
}

/* Returns the Lane row with UUID 'uuid', or NULL if there is none in 'live'
 * (for example, because it was deleted in the current transaction). */
static const struct dvelrec_lane *
live_lane(const struct live_rows *live, const struct uuid *uuid)
{
    const struct dvelrec_lane *lane = dvelrec_lane_get_for_uuid(live->idl,
                                                                 uuid);

    return lane && hmapx_contains(&live->lanes, lane) ? lane : NULL;
}

/* Returns the EVCs in the 'evcs' column of 'global', which must exist in the
 * current transaction, leaving out any that do not, in an array that the
 * caller must free.  Stores their number in '*n'.  If 'deleted' is nonnull,
 * stores in '*deleted' the UUID of an EVC left out, or NULL if there is
 * none. */
static struct dvelrec_evc **
get_global_evcs(const struct live_rows *live,
                const struct dvelrec_dvel_global *global, size_t *n,
                const struct uuid **deleted)
{
    const struct ovsdb_datum *refs;
    struct dvelrec_evc **evcs;

    refs = dvelrec_dvel_global_get_evcs(global, OVSDB_TYPE_UUID);
    evcs = xmalloc(MAX(refs->n, 1) * sizeof *evcs);
    *n = 0;
    if (deleted) {
        *deleted = NULL;
    }
    for (size_t i = 0; i < refs->n; i++) {
        const struct uuid *uuid = &refs->keys[i].uuid;
        const struct dvelrec_evc *evc = live_evc(live, uuid);

        if (evc) {
            evcs[(*n)++] = CONST_CAST(struct dvelrec_evc *, evc);
        } else if (deleted && !*deleted) {
            *deleted = uuid;
        }
    }
    return evcs;
}

/* Returns the lanes of 'evc', which must exist in the current transaction,
 * leaving out any that do not, in an array that the caller must free.
 * Stores their number in '*n'.  If 'deleted' is nonnull, stores in
 * '*deleted' the UUID of a lane left out, or NULL if there is none. */
static struct dvelrec_lane **
get_evc_lanes(const struct live_rows *live, const struct dvelrec_evc *evc,
              size_t *n, const struct uuid **deleted)
{
    const struct ovsdb_datum *refs;
    struct dvelrec_lane **lanes;

    refs = dvelrec_evc_get_lanes(evc, OVSDB_TYPE_UUID);
    lanes = xmalloc(MAX(refs->n, 1) * sizeof *lanes);
    *n = 0;
    if (deleted) {
        *deleted = NULL;
    }
    for (size_t i = 0; i < refs->n; i++) {
        const struct uuid *uuid = &refs->keys[i].uuid;
        const struct dvelrec_lane *lane = live_lane(live, uuid);

        if (lane) {
            lanes[(*n)++] = CONST_CAST(struct dvelrec_lane *, lane);
        } else if (deleted && !*deleted) {
            *deleted = uuid;
        }
    }
    return lanes;
}

/* Returns the pinned lane of 'evc', which must exist in the current
 * transaction, or NULL if it has none that exists. */
static const struct dvelrec_lane *
get_pinned_lane(const struct live_rows *live, const struct dvelrec_evc *evc)
{
    const struct ovsdb_datum *ref;

    ref = dvelrec_evc_get_pinned_lane(evc, OVSDB_TYPE_UUID);
    return ref->n ? live_lane(live, &ref->keys[0].uuid) : NULL;
}

/* Returns true if the 'lanes' column of any EVC that exists in the current
 * transaction holds 'lane'. */
static bool
lane_is_held(struct ovsdb_idl *idl, const struct dvelrec_lane *lane)
{
    union ovsdb_atom atom = { .uuid = lane->header_.uuid };
    const struct dvelrec_evc *evc;

    DVELREC_EVC_FOR_EACH (evc, idl) {
        const struct ovsdb_datum *refs;

        refs = dvelrec_evc_get_lanes(evc, OVSDB_TYPE_UUID);
        if (ovsdb_datum_find_key(refs, &atom, OVSDB_TYPE_UUID, NULL)) {
            return true;
        }
    }
    return false;
}

/* Makes the transaction fail (and be retried) if any of the columns that the
 * validation of a change reads changes in the meantime.
 *
 * Returns NULL if successful, otherwise an error message that the caller
 * must free: the configuration cannot be validated if an earlier command
 * (e.g. "destroy") deleted a row that the configuration still holds.  (Such
 * a deletion would have no effect anyway: the database deletes a row that
 * is not a root row only when nothing refers to it any longer.) */
static char * OVS_WARN_UNUSED_RESULT
verify_config(struct dvel_ctl_context *dctx, const struct live_rows *live)
{
    const struct uuid *deleted;
    const struct dvelrec_evc *evc;

    if (dctx->global) {
        const struct dvelrec_dvel_global *global;
        bool exists = false;

        DVELREC_DVEL_GLOBAL_FOR_EACH (global, dctx->base.idl) {
            exists = exists || global == dctx->global;
        }
        if (!exists) {
            return xstrdup("the Dvel_Global record was deleted by an earlier "
                           "command");
        }
        dvelrec_dvel_global_verify_evcs(dctx->global);

        size_t n;
        free(get_global_evcs(live, dctx->global, &n, &deleted));
        if (deleted) {
            return xasprintf("Dvel_Global still holds EVC "UUID_FMT", which "
                             "an earlier command deleted (use del-evc to "
                             "delete an EVC)", UUID_ARGS(deleted));
        }
    }
    DVELREC_EVC_FOR_EACH (evc, dctx->base.idl) {
        struct dvelrec_lane **lanes;
        size_t n_lanes;

        dvelrec_evc_verify_name(evc);
        dvelrec_evc_verify_bridge(evc);
        dvelrec_evc_verify_uni_port(evc);
        dvelrec_evc_verify_c_vlan(evc);
        dvelrec_evc_verify_lanes(evc);
        dvelrec_evc_verify_pinned_lane(evc);

        lanes = get_evc_lanes(live, evc, &n_lanes, &deleted);
        for (size_t i = 0; i < n_lanes; i++) {
            const struct dvelrec_lane *lane = lanes[i];

            dvelrec_lane_verify_name(lane);
            dvelrec_lane_verify_port(lane);
            dvelrec_lane_verify_vlan(lane);
            dvelrec_lane_verify_tunnel_key(lane);
        }
        free(lanes);

        if (deleted) {
            return xasprintf("EVC %s still holds lane "UUID_FMT", which an "
                             "earlier command deleted (use del-lane to "
                             "delete a lane)", evc->name, UUID_ARGS(deleted));
        }
    }
    return NULL;
}

/* Returns the EVC named 'name', or NULL if there is none.  If there is none
 * and 'must_exist' is true, also reports an error in 'ctx'.
 *
 * Like ovs-vsctl, verifies the names it reads, so that the transaction fails
 * (and is retried) if an EVC is renamed, deleted or replaced meanwhile. */
static const struct dvelrec_evc *
find_evc(struct ctl_context *ctx, const char *name, bool must_exist)
{
    const struct dvelrec_evc *evc;

    DVELREC_EVC_FOR_EACH (evc, ctx->idl) {
        dvelrec_evc_verify_name(evc);
        if (!strcmp(evc->name, name)) {
            return evc;
        }
    }
    if (must_exist) {
        ctl_error(ctx, "no EVC named %s", name);
    }
    return NULL;
}

/* Returns the lane of 'evc' named 'name', or NULL if there is none.  If
 * there is none and 'must_exist' is true, also reports an error in 'ctx'. */
static const struct dvelrec_lane *
find_lane(struct ctl_context *ctx, const struct live_rows *live,
          const struct dvelrec_evc *evc, const char *name, bool must_exist)
{
    const struct dvelrec_lane *lane = NULL;
    struct dvelrec_lane **lanes;
    size_t n;

    lanes = get_evc_lanes(live, evc, &n, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(lanes[i]->name, name)) {
            lane = lanes[i];
            break;
        }
    }
    free(lanes);
    if (lane) {
        return lane;
    }
    if (must_exist) {
        ctl_error(ctx, "EVC %s has no lane named %s", evc->name, name);
    }
    return NULL;
}

static int
compare_evcs(const void *a_, const void *b_)
{
    const struct dvelrec_evc *const *a = a_;
    const struct dvelrec_evc *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

/* Returns the EVCs sorted by name, in an array that the caller must free.
 * Stores the number of EVCs in '*n'. */
static const struct dvelrec_evc **
sorted_evcs(struct ovsdb_idl *idl, size_t *n)
{
    const struct dvelrec_evc **evcs = NULL;
    const struct dvelrec_evc *evc;
    size_t allocated = 0;

    *n = 0;
    DVELREC_EVC_FOR_EACH (evc, idl) {
        if (*n >= allocated) {
            evcs = x2nrealloc(evcs, &allocated, sizeof *evcs);
        }
        evcs[(*n)++] = evc;
    }
    if (*n) {
        qsort(evcs, *n, sizeof *evcs, compare_evcs);
    }
    return evcs;
}

static int
compare_lanes(const void *a_, const void *b_)
{
    const struct dvelrec_lane *const *a = a_;
    const struct dvelrec_lane *const *b = b_;

    if ((*a)->preference != (*b)->preference) {
        return (*a)->preference < (*b)->preference ? -1 : 1;
    }
    return strcmp((*a)->name, (*b)->name);
}

/* Returns the lanes of 'evc', sorted by preference then name, in an array
 * that the caller must free.  Stores their number in '*n'. */
static struct dvelrec_lane **
sorted_lanes(const struct live_rows *live, const struct dvelrec_evc *evc,
             size_t *n)
{
    struct dvelrec_lane **lanes = get_evc_lanes(live, evc, n, NULL);

    if (*n) {
        qsort(lanes, *n, sizeof *lanes, compare_lanes);
    }
    return lanes;
}

/* Checks that an EVC named 'name' on 'uni_port' of 'bridge', with C-VLAN
 * 'c_vlan' (if 'has_c_vlan'), does not clash with the UNI of another EVC.
 * Returns NULL if it does not, otherwise an error message that the caller
 * must free. */
static char * OVS_WARN_UNUSED_RESULT
check_uni(struct ovsdb_idl *idl, const char *name, const char *bridge,
          const char *uni_port, bool has_c_vlan, int64_t c_vlan)
{
    const struct dvelrec_evc **evcs;
    char *error = NULL;
    size_t n;

    evcs = sorted_evcs(idl, &n);
    for (size_t i = 0; i < n && !error; i++) {
        const struct dvelrec_evc *evc = evcs[i];

        if (strcmp(evc->bridge, bridge) || strcmp(evc->uni_port, uni_port)
            || !strcmp(evc->name, name)) {
            continue;
        }
        if (!has_c_vlan || !evc->n_c_vlan) {
            error = xasprintf("EVC %s: port %s already used by the UNI of "
                              "EVC %s", name, uni_port, evc->name);
        } else if (evc->c_vlan[0] == c_vlan) {
            error = xasprintf("EVC %s: port %s C-VLAN %"PRId64" already "
                              "used by the UNI of EVC %s",
                              name, uni_port, c_vlan, evc->name);
        }
    }
    free(evcs);
    return error;
}

/* A lane's claim on a port, for checking it against other lanes. */
struct lane_claim {
    const char *name;           /* Lane name. */
    const char *port;           /* Port name. */
    bool has_vlan;
    int64_t vlan;
    bool has_key;
    int64_t key;
};

/* Checks 'claim' against the lanes of 'evc'.  Returns NULL if there is no
 * clash, otherwise an error message that the caller must free.
 *
 * The rule is ovs-vswitchd-dvel's: two claims on one port clash unless both
 * name different VLANs or both name different tunnel keys.  So a lane with
 * neither (the whole port) clashes with any other lane on its port, and a
 * port carries VLAN lanes or tunnel key lanes, not both. */
static char * OVS_WARN_UNUSED_RESULT
check_lane_vs_evc_lanes(const struct live_rows *live,
                        const struct dvelrec_evc *evc,
                        const struct lane_claim *claim)
{
    struct dvelrec_lane **lanes;
    char *error = NULL;
    size_t n;

    lanes = sorted_lanes(live, evc, &n);
    for (size_t i = 0; i < n && !error; i++) {
        const struct dvelrec_lane *other = lanes[i];

        if (strcmp(other->port, claim->port)) {
            continue;
        }
        if (!claim->has_vlan && !claim->has_key) {
            error = xasprintf("lane %s: port %s (whole port) already "
                              "used by lane %s of EVC %s",
                              claim->name, claim->port,
                              other->name, evc->name);
        } else if (!other->n_vlan && !other->n_tunnel_key) {
            error = xasprintf("lane %s: port %s already used as a whole "
                              "by lane %s of EVC %s",
                              claim->name, claim->port,
                              other->name, evc->name);
        } else if (claim->has_vlan) {
            /* Clashes with the same VLAN, or with any tunnel key. */
            if (!other->n_vlan || other->vlan[0] == claim->vlan) {
                error = xasprintf("lane %s: port %s VLAN %"PRId64" already "
                                  "used by lane %s of EVC %s",
                                  claim->name, claim->port, claim->vlan,
                                  other->name, evc->name);
            }
        } else {
            /* Clashes with the same tunnel key, or with any VLAN. */
            if (!other->n_tunnel_key || other->tunnel_key[0] == claim->key) {
                error = xasprintf("lane %s: port %s tunnel key %"PRId64" "
                                  "already used by lane %s of EVC %s",
                                  claim->name, claim->port, claim->key,
                                  other->name, evc->name);
            }
        }
    }
    free(lanes);
    return error;
}

/* Checks that a new lane, described by 'claim', of EVC 'owner' (not yet
 * containing the lane) clashes neither with the UNI of any EVC on the same
 * bridge nor with any other lane on the bridge.  Returns NULL if it does not,
 * otherwise an error message that the caller must free.
 *
 * 'owner' is checked first, then the other EVCs in order of name, so that
 * the message is predictable. */
static char * OVS_WARN_UNUSED_RESULT
check_lane(struct ovsdb_idl *idl, const struct live_rows *live,
           const struct dvelrec_evc *owner, const struct lane_claim *claim)
{
    const struct dvelrec_evc **evcs;
    char *error = NULL;
    size_t n;

    evcs = sorted_evcs(idl, &n);
    if (!strcmp(owner->uni_port, claim->port)) {
        error = xasprintf("lane %s: port %s is the UNI port of EVC %s",
                          claim->name, claim->port, owner->name);
    }
    for (size_t i = 0; i < n && !error; i++) {
        const struct dvelrec_evc *evc = evcs[i];

        if (!strcmp(evc->bridge, owner->bridge)
            && !strcmp(evc->uni_port, claim->port)) {
            error = xasprintf("lane %s: port %s is the UNI port of EVC %s",
                              claim->name, claim->port, evc->name);
        }
    }
    if (!error) {
        error = check_lane_vs_evc_lanes(live, owner, claim);
    }
    for (size_t i = 0; i < n && !error; i++) {
        const struct dvelrec_evc *evc = evcs[i];

        if (evc != owner && !strcmp(evc->bridge, owner->bridge)) {
            error = check_lane_vs_evc_lanes(live, evc, claim);
        }
    }
    free(evcs);
    return error;
}

static void
cmd_init(struct ctl_context *ctx OVS_UNUSED)
{
}

static void
cmd_add_evc(struct ctl_context *ctx)
{
    struct dvel_ctl_context *dctx = dvel_ctl_context_cast(ctx);
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const char *name = ctx->argv[1];
    const char *bridge = ctx->argv[2];
    const char *uni_port = ctx->argv[3];
    const char *policy = NULL;
    bool has_c_vlan = false;
    int64_t c_vlan = 0;
    char *error;

    if (!name[0]) {
        ctl_error(ctx, "EVC name must not be empty");
        return;
    } else if (!bridge[0]) {
        ctl_error(ctx, "EVC %s: bridge name must not be empty", name);
        return;
    } else if (!uni_port[0]) {
        ctl_error(ctx, "EVC %s: UNI port name must not be empty", name);
        return;
    }

    for (int i = 4; i < ctx->argc; i++) {
        const char *arg = ctx->argv[i];
        const char *value;

        if ((value = arg_value(arg, "c-vlan"))) {
            error = parse_int_arg(&c_vlan_arg, value, &c_vlan);
            if (error) {
                ctx->error = error;
                return;
            }
            has_c_vlan = true;
        } else if ((value = arg_value(arg, "policy"))) {
            error = check_policy(value);
            if (error) {
                ctx->error = error;
                return;
            }
            policy = value;
        } else {
            ctl_error(ctx, "add-evc: unknown argument \"%s\" (expected "
                      "c-vlan=N or policy=POLICY)", arg);
            return;
        }
    }

    struct live_rows live;
    live_rows_init(&live, ctx->idl);
    error = verify_config(dctx, &live);
    if (!error && find_evc(ctx, name, false)) {
        if (!may_exist) {
            ctl_error(ctx, "EVC %s already exists", name);
        }
        live_rows_destroy(&live);
        return;
    }
    if (!error) {
        error = check_uni(ctx->idl, name, bridge, uni_port, has_c_vlan,
                          c_vlan);
    }
    if (error) {
        ctx->error = error;
        live_rows_destroy(&live);
        return;
    }

    const struct dvelrec_evc *evc = dvelrec_evc_insert(ctx->txn);
    dvelrec_evc_set_name(evc, name);
    dvelrec_evc_set_bridge(evc, bridge);
    dvelrec_evc_set_uni_port(evc, uni_port);
    if (has_c_vlan) {
        dvelrec_evc_set_c_vlan(evc, &c_vlan, 1);
    }
    if (policy) {
        dvelrec_evc_set_policy(evc, policy);
    }

    size_t n;
    struct dvelrec_evc **evcs = get_global_evcs(&live, dctx->global, &n,
                                                NULL);
    evcs = xrealloc(evcs, (n + 1) * sizeof *evcs);
    evcs[n] = CONST_CAST(struct dvelrec_evc *, evc);
    dvelrec_dvel_global_set_evcs(dctx->global, evcs, n + 1);
    free(evcs);
    live_rows_destroy(&live);
}

static void
cmd_del_evc(struct ctl_context *ctx)
{
    struct dvel_ctl_context *dctx = dvel_ctl_context_cast(ctx);
    bool must_exist = !shash_find(&ctx->options, "--if-exists");
    const struct dvelrec_evc *evc;
    struct live_rows live;

    live_rows_init(&live, ctx->idl);
    ctx->error = verify_config(dctx, &live);
    evc = ctx->error ? NULL : find_evc(ctx, ctx->argv[1], must_exist);
    if (!evc) {
        live_rows_destroy(&live);
        return;
    }

    /* Remove it from the root row. */
    struct dvelrec_evc **evcs;
    size_t n_evcs, n = 0;

    evcs = get_global_evcs(&live, dctx->global, &n_evcs, NULL);
    for (size_t i = 0; i < n_evcs; i++) {
        if (evcs[i] != evc) {
            evcs[n++] = evcs[i];
        }
    }
    dvelrec_dvel_global_set_evcs(dctx->global, evcs, n);
    free(evcs);

    /* Delete it and those of its lanes that no other EVC holds (another EVC
     * can hold the same lane row, if the database commands made it so).
     * The database would garbage-collect them, but deleting them here also
     * hides them from later commands. */
    struct dvelrec_lane **lanes;
    size_t n_lanes;

    lanes = get_evc_lanes(&live, evc, &n_lanes, NULL);
    dvelrec_evc_delete(evc);
    for (size_t i = 0; i < n_lanes; i++) {
        if (!lane_is_held(ctx->idl, lanes[i])) {
            dvelrec_lane_delete(lanes[i]);
        }
    }
    free(lanes);
    live_rows_destroy(&live);
}

static void
cmd_list_evcs(struct ctl_context *ctx)
{
    const struct dvelrec_evc **evcs;
    size_t n;

    evcs = sorted_evcs(ctx->idl, &n);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&ctx->output, "%s\n", evcs[i]->name);
    }
    free(evcs);
}

static void
cmd_add_lane(struct ctl_context *ctx)
{
    struct dvel_ctl_context *dctx = dvel_ctl_context_cast(ctx);
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const char *evc_name = ctx->argv[1];
    const char *name = ctx->argv[2];
    const char *port = ctx->argv[3];
    struct lane_claim claim = { .name = name, .port = port };
    int64_t preference = 0, probe_interval = 0;
    bool has_probe_interval = false;
    struct smap probe = SMAP_INITIALIZER(&probe);
    struct smap options = SMAP_INITIALIZER(&options);
    const struct dvelrec_evc *evc;
    char *error;

    if (!name[0]) {
        ctl_error(ctx, "lane name must not be empty");
        return;
    } else if (!port[0]) {
        ctl_error(ctx, "lane %s: port name must not be empty", name);
        return;
    }

    for (int i = 4; i < ctx->argc; i++) {
        const char *arg = ctx->argv[i];
        const char *value;

        error = NULL;
        if ((value = arg_value(arg, "vlan"))) {
            error = parse_int_arg(&vlan_arg, value, &claim.vlan);
            claim.has_vlan = true;
        } else if ((value = arg_value(arg, "key"))) {
            error = parse_int_arg(&key_arg, value, &claim.key);
            claim.has_key = true;
        } else if ((value = arg_value(arg, "preference"))) {
            error = parse_int_arg(&pref_arg, value, &preference);
        } else if ((value = arg_value(arg, "probe-interval"))) {
            error = parse_int_arg(&probe_arg, value, &probe_interval);
            has_probe_interval = true;
        } else if ((value = arg_value(arg, "capacity"))) {
            uint64_t bps;
            smap_replace(&options, "capacity", value);
            error = lane_select_parse_capacity(&options, &bps);
        } else if (!strncmp(arg, "probe:", 6) && strchr(arg, '=')) {
            const char *eq = strchr(arg, '=');
            char *key = xmemdup0(arg + 6, eq - (arg + 6));
            smap_replace(&probe, key, eq + 1);
            free(key);
        } else {
            error = xasprintf("add-lane: unknown argument \"%s\" (expected "
                              "vlan=N, key=N, preference=N, "
                              "probe-interval=N, capacity=MBPS or "
                              "probe:KEY=VALUE)", arg);
        }
        if (error) {
            ctx->error = error;
            smap_destroy(&probe);
            smap_destroy(&options);
            return;
        }
    }

    /* Probe settings are checked here exactly as ovs-vswitchd-dvel checks
     * them, so that a typo is refused instead of turning the lane into an
     * error in the status column. */
    struct lane_probe settings;
    error = lane_probe_parse(&probe, &probe_interval, has_probe_interval,
                             &settings);
    if (error) {
        ctl_error(ctx, "lane %s: %s", name, error);
        free(error);
        smap_destroy(&probe);
        smap_destroy(&options);
        return;
    }
    if (claim.has_vlan && claim.has_key) {
        ctl_error(ctx, "lane %s: a lane has a VLAN or a tunnel key, "
                  "not both", name);
        smap_destroy(&probe);
        smap_destroy(&options);
        return;
    }

    struct live_rows live;
    live_rows_init(&live, ctx->idl);
    ctx->error = verify_config(dctx, &live);
    evc = ctx->error ? NULL : find_evc(ctx, evc_name, true);
    if (!evc) {
        live_rows_destroy(&live);
        smap_destroy(&probe);
        smap_destroy(&options);
        return;
    }
    if (find_lane(ctx, &live, evc, name, false)) {
        if (!may_exist) {
            ctl_error(ctx, "EVC %s already has a lane named %s",
                      evc_name, name);
        }
        live_rows_destroy(&live);
        smap_destroy(&probe);
        smap_destroy(&options);
        return;
    }

    error = check_lane(ctx->idl, &live, evc, &claim);
    if (error) {
        ctx->error = error;
        live_rows_destroy(&live);
        smap_destroy(&probe);
        smap_destroy(&options);
        return;
    }

    const struct dvelrec_lane *lane = dvelrec_lane_insert(ctx->txn);
    dvelrec_lane_set_name(lane, name);
    dvelrec_lane_set_port(lane, port);
    if (claim.has_vlan) {
        dvelrec_lane_set_vlan(lane, &claim.vlan, 1);
    }
    if (claim.has_key) {
        dvelrec_lane_set_tunnel_key(lane, &claim.key, 1);
    }
    dvelrec_lane_set_preference(lane, preference);
    if (has_probe_interval) {
        dvelrec_lane_set_probe_interval(lane, &probe_interval, 1);
    }
    dvelrec_lane_set_probe(lane, &probe);
    smap_destroy(&probe);
    if (!smap_is_empty(&options)) {
        dvelrec_lane_set_options(lane, &options);
    }
    smap_destroy(&options);

    size_t n;
    struct dvelrec_lane **lanes = get_evc_lanes(&live, evc, &n, NULL);
    lanes = xrealloc(lanes, (n + 1) * sizeof *lanes);
    lanes[n] = CONST_CAST(struct dvelrec_lane *, lane);
    dvelrec_evc_set_lanes(evc, lanes, n + 1);
    free(lanes);
    live_rows_destroy(&live);
}

static void
cmd_del_lane(struct ctl_context *ctx)
{
    struct dvel_ctl_context *dctx = dvel_ctl_context_cast(ctx);
    bool must_exist = !shash_find(&ctx->options, "--if-exists");
    const struct dvelrec_evc *evc;
    const struct dvelrec_lane *lane;
    struct live_rows live;

    live_rows_init(&live, ctx->idl);
    ctx->error = verify_config(dctx, &live);
    evc = ctx->error ? NULL : find_evc(ctx, ctx->argv[1], must_exist);
    lane = evc ? find_lane(ctx, &live, evc, ctx->argv[2], must_exist) : NULL;
    if (!lane) {
        live_rows_destroy(&live);
        return;
    }

    if (get_pinned_lane(&live, evc) == lane) {
        dvelrec_evc_set_pinned_lane(evc, NULL);
    }

    struct dvelrec_lane **lanes;
    size_t n_lanes, n = 0;

    lanes = get_evc_lanes(&live, evc, &n_lanes, NULL);
    for (size_t i = 0; i < n_lanes; i++) {
        if (lanes[i] != lane) {
            lanes[n++] = lanes[i];
        }
    }
    dvelrec_evc_set_lanes(evc, lanes, n);
    free(lanes);

    /* Another EVC can hold the same lane row, if the database commands made
     * it so.  Then it keeps the lane. */
    if (!lane_is_held(ctx->idl, lane)) {
        dvelrec_lane_delete(lane);
    }
    live_rows_destroy(&live);
}

static void
cmd_list_lanes(struct ctl_context *ctx)
{
    const struct dvelrec_evc *evc = find_evc(ctx, ctx->argv[1], true);
    if (!evc) {
        return;
    }

    struct dvelrec_lane **lanes;
    struct live_rows live;
    size_t n;

    live_rows_init(&live, ctx->idl);
    lanes = sorted_lanes(&live, evc, &n);
    for (size_t i = 0; i < n; i++) {
        ds_put_format(&ctx->output, "%s\n", lanes[i]->name);
    }
    free(lanes);
    live_rows_destroy(&live);
}

static void
cmd_set_policy(struct ctl_context *ctx)
{
    const struct dvelrec_evc *evc;
    char *error;

    error = check_policy(ctx->argv[2]);
    if (error) {
        ctx->error = error;
        return;
    }
    evc = find_evc(ctx, ctx->argv[1], true);
    if (!evc) {
        return;
    }

    /* Selection settings: KEY=VALUE sets, KEY= puts back the default.  The
     * result is checked as ovs-vswitchd-dvel checks it. */
    struct smap options;
    smap_clone(&options, &evc->options);
    for (int i = 3; i < ctx->argc; i++) {
        const char *arg = ctx->argv[i];
        const char *eq = strchr(arg, '=');
        char *key = eq ? xmemdup0(arg, eq - arg) : NULL;

        if (!key || !lane_select_is_param(key)) {
            ctl_error(ctx, "set-policy: unknown setting \"%s\" (expected "
                      "KEY=VALUE with KEY one of min-gain, better-for, "
                      "hold-down, max-switches, mss, loss-floor, damping, "
                      "damp-penalty, damp-suppress, damp-reuse, damp-max, "
                      "damp-half-life)", arg);
            free(key);
            smap_destroy(&options);
            return;
        }
        if (eq[1]) {
            smap_replace(&options, key, eq + 1);
        } else {
            smap_remove(&options, key);
        }
        free(key);
    }

    struct lane_select_params params;
    error = lane_select_params_parse(&options, &params);
    if (error) {
        ctl_error(ctx, "EVC %s: %s", ctx->argv[1], error);
        free(error);
    } else {
        dvelrec_evc_set_policy(evc, ctx->argv[2]);
        if (ctx->argc > 3) {
            dvelrec_evc_set_options(evc, &options);
        }
    }
    smap_destroy(&options);
}

static void
cmd_pin_lane(struct ctl_context *ctx)
{
    const struct dvelrec_evc *evc;
    const struct dvelrec_lane *lane;

    evc = find_evc(ctx, ctx->argv[1], true);
    if (!evc) {
        return;
    }
    dvelrec_evc_verify_lanes(evc);

    struct live_rows live;
    live_rows_init(&live, ctx->idl);
    lane = find_lane(ctx, &live, evc, ctx->argv[2], true);
    if (lane) {
        dvelrec_lane_verify_name(lane);
        dvelrec_evc_set_pinned_lane(evc, lane);
    }
    live_rows_destroy(&live);
}

static void
cmd_unpin_lane(struct ctl_context *ctx)
{
    const struct dvelrec_evc *evc = find_evc(ctx, ctx->argv[1], true);
    if (evc) {
        dvelrec_evc_set_pinned_lane(evc, NULL);
    }
}

/* Appends "KEY: VALUE" to 'output', indented by 'indent' spaces, if 'smap'
 * has 'key'. */
static void
show_status(struct ds *output, int indent, const struct smap *smap,
            const char *key)
{
    const char *value = smap_get(smap, key);
    if (value) {
        ds_put_format(output, "%*s%s: %s\n", indent, "", key, value);
    }
}

/* Appends "NAME: {k=v, ...}" to 'output', indented by 'indent' spaces, if
 * 'smap' is nonempty. */
static void
show_smap(struct ds *output, int indent, const char *name,
          const struct smap *smap)
{
    if (smap_is_empty(smap)) {
        return;
    }

    const struct smap_node **nodes = smap_sort(smap);
    ds_put_format(output, "%*s%s: {", indent, "", name);
    for (size_t i = 0; i < smap_count(smap); i++) {
        ds_put_format(output, "%s%s=%s", i ? ", " : "",
                      nodes[i]->key, nodes[i]->value);
    }
    ds_put_cstr(output, "}\n");
    free(nodes);
}

static void
show_lane(struct ds *output, const struct dvelrec_lane *lane, bool pinned)
{
    ds_put_format(output, "    Lane %s%s\n", lane->name,
                  pinned ? " (pinned)" : "");
    ds_put_format(output, "        port: %s\n", lane->port);
    if (lane->n_vlan) {
        ds_put_format(output, "        vlan: %"PRId64"\n", lane->vlan[0]);
    }
    if (lane->n_tunnel_key) {
        ds_put_format(output, "        key: %"PRId64"\n",
                      lane->tunnel_key[0]);
    }
    ds_put_format(output, "        preference: %"PRId64"\n",
                  lane->preference);
    if (lane->n_probe_interval) {
        ds_put_format(output, "        probe_interval: %"PRId64"\n",
                      lane->probe_interval[0]);
    }
    show_smap(output, 8, "probe", &lane->probe);
    show_smap(output, 8, "options", &lane->options);
    show_status(output, 8, &lane->status, "state");
    show_status(output, 8, &lane->status, "error");
    show_status(output, 8, &lane->status, "reason");
    show_status(output, 8, &lane->status, "probe_state");
    show_status(output, 8, &lane->status, "rtt_p50_us");
    show_status(output, 8, &lane->status, "far_loss_60s");
    show_status(output, 8, &lane->status, "near_loss_60s");
}

static void
cmd_show(struct ctl_context *ctx)
{
    const struct dvelrec_evc **evcs;
    struct ds *output = &ctx->output;
    struct live_rows live;
    size_t n;

    live_rows_init(&live, ctx->idl);
    evcs = sorted_evcs(ctx->idl, &n);
    for (size_t i = 0; i < n; i++) {
        const struct dvelrec_evc *evc = evcs[i];
        const struct dvelrec_lane *pinned = get_pinned_lane(&live, evc);

        ds_put_format(output, "EVC %s\n", evc->name);
        ds_put_format(output, "    bridge: %s\n", evc->bridge);
        ds_put_format(output, "    uni_port: %s\n", evc->uni_port);
        if (evc->n_c_vlan) {
            ds_put_format(output, "    c_vlan: %"PRId64"\n", evc->c_vlan[0]);
        }
        ds_put_format(output, "    policy: %s\n",
                      evc->policy && evc->policy[0]
                      ? evc->policy : "preference");
        if (pinned) {
            ds_put_format(output, "    pinned_lane: %s\n", pinned->name);
        }
        show_smap(output, 4, "options", &evc->options);
        show_status(output, 4, &evc->status, "state");
        show_status(output, 4, &evc->status, "error");
        show_status(output, 4, &evc->status, "active_lane");
        show_status(output, 4, &evc->status, "forced_lane");
        show_status(output, 4, &evc->status, "switches");
        show_status(output, 4, &evc->status, "reason");

        size_t n_lanes;
        struct dvelrec_lane **lanes = sorted_lanes(&live, evc, &n_lanes);
        for (size_t j = 0; j < n_lanes; j++) {
            show_lane(output, lanes[j], lanes[j] == pinned);
        }
        free(lanes);
    }
    free(evcs);
    live_rows_destroy(&live);
}

static const struct ctl_table_class tables[DVELREC_N_TABLES] = {
    [DVELREC_TABLE_EVC].row_ids[0] = {&dvelrec_evc_col_name, NULL, NULL},
    [DVELREC_TABLE_LANE].row_ids[0] = {&dvelrec_lane_col_name, NULL, NULL},
};

static void
dvel_ctl_context_init_command(struct dvel_ctl_context *dctx,
                              struct ctl_command *command, bool last_command)
{
    ctl_context_init_command(&dctx->base, command, last_command);
}

static void
dvel_ctl_context_init(struct dvel_ctl_context *dctx,
                      struct ctl_command *command, struct ovsdb_idl *idl,
                      struct ovsdb_idl_txn *txn,
                      const struct dvelrec_dvel_global *global,
                      struct ovsdb_symbol_table *symtab)
{
    ctl_context_init(&dctx->base, command, idl, txn, symtab, NULL);
    dctx->global = global;
}

static void
dvel_ctl_context_done_command(struct dvel_ctl_context *dctx,
                              struct ctl_command *command)
{
    ctl_context_done_command(&dctx->base, command);
}

static void
dvel_ctl_context_done(struct dvel_ctl_context *dctx,
                      struct ctl_command *command)
{
    ctl_context_done(&dctx->base, command);
}

static void
run_prerequisites(struct ctl_command *commands, size_t n_commands,
                  struct ovsdb_idl *idl)
{
    struct ctl_command *c;

    ovsdb_idl_add_table(idl, &dvelrec_table_dvel_global);
    if (wait_for_reload) {
        ovsdb_idl_add_column(idl, &dvelrec_dvel_global_col_cur_cfg);
    }
    for (c = commands; c < &commands[n_commands]; c++) {
        if (c->syntax->prerequisites) {
            struct dvel_ctl_context dctx;

            ds_init(&c->output);
            c->table = NULL;

            dvel_ctl_context_init(&dctx, c, idl, NULL, NULL, NULL);
            (c->syntax->prerequisites)(&dctx.base);
            if (dctx.base.error) {
                ctl_fatal("%s", dctx.base.error);
            }
            dvel_ctl_context_done(&dctx, c);

            ovs_assert(!c->output.string);
            ovs_assert(!c->table);
        }
    }
}

/* Writes the output of 'commands' to stdout and frees them. */
static void
print_output(struct ctl_command *commands, size_t n_commands)
{
    struct ctl_command *c;

    for (c = commands; c < &commands[n_commands]; c++) {
        struct ds *ds = &c->output;

        if (c->table) {
            table_print(c->table, &table_style);
        } else if (oneline) {
            size_t j;

            ds_chomp(ds, '\n');
            for (j = 0; j < ds->length; j++) {
                int ch = ds->string[j];
                switch (ch) {
                case '\n':
                    fputs("\\n", stdout);
                    break;

                case '\\':
                    fputs("\\\\", stdout);
                    break;

                default:
                    putchar(ch);
                }
            }
            putchar('\n');
        } else {
            fputs(ds_cstr(ds), stdout);
        }
        ds_destroy(&c->output);
        table_destroy(c->table);
        free(c->table);

        shash_destroy_free_data(&c->options);
    }
    free(commands);
}

/* Waits until ovs-vswitchd-dvel reports, in Dvel_Global's cur_cfg, that it
 * has applied configuration 'next_cfg'. */
static void
wait_for_cur_cfg(struct ovsdb_idl *idl, int64_t next_cfg)
{
    /* Reconnect if the connection drops: otherwise we could wait forever for
     * an update that never comes. */
    ovsdb_idl_enable_reconnect(idl);
    for (;;) {
        const struct dvelrec_dvel_global *global;

        ovsdb_idl_run(idl);
        DVELREC_DVEL_GLOBAL_FOR_EACH (global, idl) {
            if (global->cur_cfg >= next_cfg) {
                return;
            }
        }
        ovsdb_idl_wait(idl);
        poll_block();
    }
}

static bool
do_dvel_ctl(const char *args, struct ctl_command *commands,
            size_t n_commands, struct ovsdb_idl *idl)
{
    struct ovsdb_idl_txn *txn;
    const struct dvelrec_dvel_global *global;
    enum ovsdb_idl_txn_status status;
    struct ovsdb_symbol_table *symtab;
    struct dvel_ctl_context dctx;
    struct ctl_command *c;
    struct shash_node *node;
    bool inserted_global = false;
    int64_t next_cfg = 0;

    txn = the_idl_txn = ovsdb_idl_txn_create(idl);
    if (dry_run) {
        ovsdb_idl_txn_set_dry_run(txn);
    }

    ovsdb_idl_txn_add_comment(txn, "dvel-ctl: %s", args);

    /* Like ovs-vsctl, create the root row if there is none yet, but only if
     * the commands might change the database. */
    global = dvelrec_dvel_global_first(idl);
    if (!global && ctl_might_write_to_db(commands, n_commands)) {
        global = dvelrec_dvel_global_insert(txn);
        inserted_global = true;
    }

    if (wait_for_reload && global) {
        if (inserted_global) {
            /* The server assigns the new row's UUID, so that the "mutate"
             * that ovsdb_idl_txn_increment() adds could not find it. */
            dvelrec_dvel_global_set_next_cfg(global, 1);
        } else {
            ovsdb_idl_txn_increment(txn, &global->header_,
                                    &dvelrec_dvel_global_col_next_cfg,
                                    false);
        }
    }

    symtab = ovsdb_symbol_table_create();
    for (c = commands; c < &commands[n_commands]; c++) {
        ds_init(&c->output);
        c->table = NULL;
    }
    dvel_ctl_context_init(&dctx, NULL, idl, txn, global, symtab);
    for (c = commands; c < &commands[n_commands]; c++) {
        dvel_ctl_context_init_command(&dctx, c,
                                      c == &commands[n_commands - 1]);
        if (c->syntax->run) {
            (c->syntax->run)(&dctx.base);
        }
        if (dctx.base.error) {
            ctl_fatal("%s", dctx.base.error);
        }
        dvel_ctl_context_done_command(&dctx, c);

        if (dctx.base.try_again) {
            dvel_ctl_context_done(&dctx, NULL);
            goto try_again;
        }
    }
    dvel_ctl_context_done(&dctx, NULL);

    SHASH_FOR_EACH (node, &symtab->sh) {
        struct ovsdb_symbol *symbol = node->data;
        if (!symbol->created) {
            ctl_fatal("row id \"%s\" is referenced but never created "
                      "(e.g. with \"-- --id=%s create ...\")",
                      node->name, node->name);
        }
        if (!symbol->strong_ref) {
            if (!symbol->weak_ref) {
                VLOG_WARN("row id \"%s\" was created but no reference to it "
                          "was inserted, so it will not actually appear in "
                          "the database", node->name);
            } else {
                VLOG_WARN("row id \"%s\" was created but only a weak "
                          "reference to it was inserted, so it will not "
                          "actually appear in the database", node->name);
            }
        }
    }

    status = ovsdb_idl_txn_commit_block(txn);
    if (wait_for_reload && status == TXN_SUCCESS) {
        next_cfg = (inserted_global ? 1
                    : ovsdb_idl_txn_get_increment_new_value(txn));
    }
    if (status == TXN_UNCHANGED || status == TXN_SUCCESS) {
        for (c = commands; c < &commands[n_commands]; c++) {
            if (c->syntax->postprocess) {
                dvel_ctl_context_init(&dctx, c, idl, txn, global, symtab);
                (c->syntax->postprocess)(&dctx.base);
                if (dctx.base.error) {
                    ctl_fatal("%s", dctx.base.error);
                }
                dvel_ctl_context_done(&dctx, c);
            }
        }
    }

    switch (status) {
    case TXN_UNCOMMITTED:
    case TXN_INCOMPLETE:
        OVS_NOT_REACHED();

    case TXN_ABORTED:
        /* Should not happen--we never call ovsdb_idl_txn_abort(). */
        ctl_fatal("transaction aborted");

    case TXN_UNCHANGED:
    case TXN_SUCCESS:
        break;

    case TXN_TRY_AGAIN:
        goto try_again;

    case TXN_ERROR:
        ctl_fatal("transaction error: %s", ovsdb_idl_txn_get_error(txn));

    case TXN_NOT_LOCKED:
        /* Should not happen--we never call ovsdb_idl_set_lock(). */
        ctl_fatal("database not locked");

    default:
        OVS_NOT_REACHED();
    }

    ovsdb_symbol_table_destroy(symtab);
    print_output(commands, n_commands);

    /* With --wait, wait for the switch only if the transaction changed the
     * database (otherwise ovsdb_idl_txn_increment() did nothing) and there is
     * something to wait for (not with --dry-run). */
    if (wait_for_reload && status == TXN_SUCCESS && next_cfg > 0
        && !dry_run) {
        fflush(stdout);
        wait_for_cur_cfg(idl, next_cfg);
    }

    ovsdb_idl_txn_destroy(txn);
    the_idl_txn = NULL;
    ovsdb_idl_destroy(idl);
    the_idl = NULL;

    return true;

try_again:
    /* Our transaction needs to be rerun, or a prerequisite was not met.  Free
     * resources and return so that the caller can try again. */
    ovsdb_idl_txn_abort(txn);
    ovsdb_idl_txn_destroy(txn);
    the_idl_txn = NULL;

    ovsdb_symbol_table_destroy(symtab);
    for (c = commands; c < &commands[n_commands]; c++) {
        ds_destroy(&c->output);
        table_destroy(c->table);
        free(c->table);
    }
    return false;
}

static const struct ctl_command_syntax dvel_commands[] = {
    /* General commands. */
    {"init", 0, 0, "", NULL, cmd_init, NULL, "", RW},
    {"show", 0, 0, "", pre_dvel, cmd_show, NULL, "", RO},

    /* EVC commands. */
    {"add-evc", 3, 5, "EVC BRIDGE UNI-PORT [c-vlan=N] [policy=POLICY]",
     pre_dvel, cmd_add_evc, NULL, "--may-exist", RW},
    {"del-evc", 1, 1, "EVC", pre_dvel, cmd_del_evc, NULL, "--if-exists", RW},
    {"list-evcs", 0, 0, "", pre_dvel, cmd_list_evcs, NULL, "", RO},
    {"set-policy", 2, INT_MAX, "EVC POLICY [KEY=VALUE]...", pre_dvel,
     cmd_set_policy, NULL, "", RW},
    {"pin-lane", 2, 2, "EVC LANE", pre_dvel, cmd_pin_lane, NULL, "", RW},
    {"unpin-lane", 1, 1, "EVC", pre_dvel, cmd_unpin_lane, NULL, "", RW},

    /* Lane commands. */
    {"add-lane", 3, INT_MAX,
     "EVC LANE PORT [vlan=N] [key=N] [preference=N] [probe-interval=N] "
     "[probe:KEY=VALUE]...",
     pre_dvel, cmd_add_lane, NULL, "--may-exist", RW},
    {"del-lane", 2, 2, "EVC LANE", pre_dvel, cmd_del_lane, NULL,
     "--if-exists", RW},
    {"list-lanes", 1, 1, "EVC", pre_dvel, cmd_list_lanes, NULL, "", RO},

    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, RO},
};

/* Registers dvel-ctl's and the common database commands. */
static void
dvel_ctl_cmd_init(void)
{
    ctl_init(&dvelrec_idl_class, dvelrec_table_classes, tables, NULL,
             dvel_ctl_exit);
    ctl_register_commands(dvel_commands);
}
