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

#ifndef OFPROTO_DVEL_EVC_H
#define OFPROTO_DVEL_EVC_H 1

/* The EVC and lane model inside ovs-vswitchd.
 *
 * The model is built from the dvel database (evc_reconfigure()) and
 * resolved against the running bridges on every main-loop iteration
 * (evc_run()): which ports exist and are up, which configurations clash,
 * which lane each EVC uses.  Runtime state (the active lane, a lane forced
 * with dvel/lane-set, switch counters) survives database changes; it is
 * keyed by row UUID. */

#include <stdbool.h>
#include <stdint.h>
#include "ofproto-dvel/evc-flows.h"
#include "ofproto-dvel/lane-probe.h"
#include "ofproto-dvel/lane-select.h"
#include "openvswitch/hmap.h"
#include "openvswitch/types.h"
#include "openvswitch/uuid.h"

struct ds;
struct hmapx;
struct simap;
struct smap;
struct dvelrec_evc;
struct evc_rules;

struct dvel_lane {
    struct hmap_node node;      /* In dvel_evc's 'lanes', by UUID. */
    struct hmap_node probe_node; /* In evc.c's 'lanes_by_probe_id'. */
    struct uuid uuid;           /* Lane row. */
    struct dvel_evc *evc;

    /* Configuration. */
    char *name;
    char *port;
    int vlan;                   /* S-VLAN 1...4094, or 0 for none. */
    bool has_key;
    uint32_t key;               /* Tunnel key, if 'has_key'. */
    int preference;             /* Lower is preferred. */
    uint16_t tpid;              /* TPID of the pushed S-tag. */
    bool bad_tpid;              /* options:tpid is not understood. */
    bool row_owner;             /* This EVC owns the Lane row. */
    struct lane_probe probe;    /* Probe settings. */
    char *probe_error;          /* Why they are wrong, or NULL. */
    char *options_error;        /* Bad options:capacity, or NULL. */

    /* The lane's maintenance end point in the probe engine: its ID names
     * the lane in the cookie of its hidden rules. */
    uint32_t probe_id;

    /* Resolved by evc_run(). */
    ofp_port_t ofp_port;        /* OFPP_NONE if the port is not found. */
    bool usable;                /* Configuration valid, port present. */
    bool up;                    /* Usable, link up, probes not lost. */
    bool link_up;               /* Usable, port up (see port_is_up()). */
    struct eth_addr mac;        /* The bridge's MAC, when usable. */
    char *problem;              /* Why not up, or NULL. */
    char *next_problem;         /* Scratch for evc_run(). */

    /* What lane selection sees of the lane (including options:capacity),
     * and its damping. */
    struct lane_select_lane sel;
};

struct dvel_evc {
    struct hmap_node node;      /* In 'all_evcs', by UUID. */
    struct uuid uuid;           /* EVC row. */
    unsigned long long int seq; /* Older EVCs have lower values. */

    /* Configuration. */
    char *name;
    char *bridge;
    char *uni_port;
    int c_vlan;                 /* C-VLAN 1...4094, or 0 for port-based. */
    bool rewrite;               /* options:vlan-mode=rewrite. */
    enum evc_policy policy;
    struct hmap lanes;          /* Contains "struct dvel_lane"s. */
    struct dvel_lane **order;   /* Lanes by preference, then name. */
    size_t n_lanes;
    struct uuid pinned;         /* pinned_lane, or UUID_ZERO. */
    struct lane_select_params sel_params;  /* From 'options'. */
    char *options_error;        /* Why 'options' were ignored, or NULL. */

    /* Runtime. */
    struct uuid forced;         /* dvel/lane-set, or UUID_ZERO. */
    struct dvel_lane *active;   /* Lane carrying UNI traffic, or NULL. */
    long long int last_change;  /* Wall-clock msec of last lane change. */
    unsigned int n_switches;    /* Moves from one lane to another... */
    unsigned int n_failovers;   /* ...of which away from a lane down. */
    char *last_reason;
    /* How long the last move took, for dvel/evc-show: wall-clock
     * microseconds of when its cause was seen (the main-loop iteration
     * that saw it began, or the probes declared the lane down), of the
     * move, and of its rules and datapath flows changing over (0 until
     * they have). */
    long long int move_cause_usec;
    long long int move_usec;
    long long int move_done_usec;
    struct lane_select_evc sel; /* Hysteresis state. */
    long long int next_select;  /* OVS time to compare lanes again. */
    bool established;           /* Had valid configuration last run. */

    /* Resolved by evc_run(). */
    ofp_port_t uni_ofp_port;
    char *problem;              /* Configuration error, or NULL. */
    bool pending;               /* 'problem' is only that the bridge is
                                 * configured but not created yet. */
    char *next_problem;         /* Scratch for evc_run(). */

    /* Installed OpenFlow rules: made again from 'rules' when needed
     * (evc-rules.h), except after a change that failed in part, when
     * 'partial' holds exactly what went in.  NULL both: none. */
    struct evc_rules *rules;
    struct uuid rules_ofproto_uuid; /* Bridge they are in. */
    struct dvel_flow_set *partial;
    bool flows_dirty;
    uint32_t flow_signature;    /* What the flows were built from. */
};

void evc_destroy_all(void);

struct ovsdb_idl;
void evc_reconfigure(struct ovsdb_idl *);
bool evc_run(void);
void evc_note_iteration_start(void);
void evc_links_changed(void);
bool evc_uses_port(const char *name);
void evc_wait(void);

struct dvel_evc *evc_find_by_name(const char *);
struct dvel_lane *evc_find_lane(const struct dvel_evc *, const char *name);
void evc_force_lane(struct dvel_evc *, const struct dvel_lane *);

uint64_t evc_cookie(const struct dvel_evc *);
const struct hmap *evc_all(void);
void evc_get_memory_usage(struct simap *);
bool evc_take_status_changes(struct hmapx *);
void evc_status_all_changed(void);
struct dvel_evc **evc_sorted(size_t *n);

void evc_get_status(const struct dvel_evc *, struct smap *);
void evc_lane_get_status(const struct dvel_lane *, struct smap *);
void evc_format(const struct dvel_evc *, struct ds *);
void evc_format_lanes(const struct dvel_evc *, struct ds *);

#endif /* ofproto-dvel/evc.h */
