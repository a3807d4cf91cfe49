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

#ifndef OFPROTO_DVEL_LANE_SELECT_H
#define OFPROTO_DVEL_LANE_SELECT_H 1

/* Lane selection: which lane an EVC should carry its traffic on, given
 * each lane's state and measurements, a policy and the EVC's history.
 *
 * This is the decision logic only.  It does no I/O and reads no clock: the
 * caller passes the time, so that unit tests replay recorded series and the
 * switch drives it with OVS time (which tests warp).
 *
 * Lanes fall in classes, best first:
 *
 *   healthy:    up, not degraded, not suppressed by damping;
 *   degraded:   up, but over a delay or loss threshold;
 *   suppressed: up, but flapping (see damping below).
 *
 * A lane that is down is never chosen.  Within the best class present the
 * policy ranks lanes; ties go to the more preferred lane.  Then:
 *
 *   - An EVC whose lane is down (or that has none) moves to the best lane
 *     at once: a failover waits for nothing.
 *   - An EVC whose lane is in a worse class than the best lane moves at
 *     once too, unless it already made max-switches switches in the last
 *     minute.
 *   - Otherwise the EVC moves only to a lane that is better than its own
 *     by at least min-gain percent (for "preference", any more preferred
 *     lane), has been so at every comparison for better-for milliseconds,
 *     more than hold-down milliseconds after the EVC's last switch, and
 *     within max-switches switches a minute.
 *
 * Damping, as in BGP route-flap damping (RFC 2439): a lane earns
 * damp-penalty each time it goes from up to down or from healthy to
 * degraded; the penalty halves every damp-half-life; a lane whose penalty
 * reaches damp-suppress is suppressed until it decays below damp-reuse.
 * The penalty never exceeds damp-max, which bounds how long a lane stays
 * suppressed after it stops flapping. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ds;
struct smap;

enum evc_policy {
    EVC_POLICY_PREFERENCE,
    EVC_POLICY_LOWEST_DELAY,
    EVC_POLICY_LOWEST_LOSS,
    EVC_POLICY_MAX_THROUGHPUT,
    EVC_POLICY_MANUAL,
};

const char *evc_policy_to_string(enum evc_policy);
bool evc_policy_from_string(const char *, enum evc_policy *);

/* True for the policies that choose by measured figures (which change
 * without any lane changing state, so that lanes must be compared again
 * from time to time). */
bool evc_policy_is_measured(enum evc_policy);

/* An EVC's selection settings, from its "options" column. */
struct lane_select_params {
    int min_gain_pct;           /* Relative gain to move, percent. */
    int better_for_ms;          /* How long a lane must stay better. */
    int hold_down_ms;           /* No voluntary move after a move. */
    int max_switches;           /* Per minute, 0 for no limit. */
    int mss;                    /* For max-throughput, bytes. */
    double loss_floor;          /* Loss ratio assumed when none is seen. */
    bool damping;
    int damp_penalty;
    int damp_suppress;
    int damp_reuse;
    int damp_max;
    int damp_half_life_ms;
};

/* Defaults, documented in dvel(5). */
#define LANE_SELECT_MIN_GAIN_PCT 20
#define LANE_SELECT_BETTER_FOR_MS 3000
#define LANE_SELECT_HOLD_DOWN_MS 10000
#define LANE_SELECT_MAX_SWITCHES 6
#define LANE_SELECT_MAX_SWITCHES_LIMIT 60
#define LANE_SELECT_MSS 1460
#define LANE_SELECT_LOSS_FLOOR 0.0001
#define LANE_SELECT_DAMP_PENALTY 1000
#define LANE_SELECT_DAMP_SUPPRESS 2000
#define LANE_SELECT_DAMP_REUSE 750
#define LANE_SELECT_DAMP_MAX 6000
#define LANE_SELECT_DAMP_HALF_LIFE_MS 30000

void lane_select_params_default(struct lane_select_params *);

/* Fills '*p' from the selection keys of 'options' (other keys are left
 * alone).  Returns NULL, or an error message naming the first bad key, in
 * which case '*p' holds the defaults.  The caller frees the message. */
char *lane_select_params_parse(const struct smap *options,
                               struct lane_select_params *p);

/* True if 'key' is one of the keys lane_select_params_parse() reads. */
bool lane_select_is_param(const char *key);

/* Reads a lane's "options:capacity" (Mbit/s) into '*bps', 0 if absent.
 * Returns NULL or an error message (and sets '*bps' to 0). */
char *lane_select_parse_capacity(const struct smap *lane_options,
                                 uint64_t *bps);

/* One lane, as the selection sees it. */
struct lane_select_lane {
    /* Inputs, set by the caller before each lane_select_update(). */
    const char *name;
    bool up;                    /* Usable: port up, probes not lost. */
    bool degraded;              /* Over a delay or loss threshold. */
    int64_t rtt_ns;             /* Median round-trip delay, -1 unknown. */
    double loss;                /* Loss ratio 0...1, -1 unknown. */
    uint64_t capacity_bps;      /* Cap on predicted throughput, 0: none. */

    /* Kept by lane_select_update(). */
    double penalty;             /* Damping penalty... */
    long long int penalty_at;   /* ...as of this time. */
    bool suppressed;
    bool was_up;
    bool was_healthy;
    unsigned int n_flaps;
};

void lane_select_lane_init(struct lane_select_lane *, const char *name);

/* One EVC's selection state. */
struct lane_select_evc {
    const struct lane_select_lane *challenger;
    long long int challenger_since;
    long long int last_switch;  /* LLONG_MIN if none. */
    long long int *recent;      /* Switches in the last minute, oldest
                                 * first; NULL if none (most EVCs, most
                                 * of the time: allocated on a switch,
                                 * freed when the minute has passed). */
    size_t n_recent, allocated_recent;
    bool immediate;             /* An operator handed the choice back to
                                 * the policy: take its best lane at the
                                 * next choice, without waiting. */
};

void lane_select_evc_init(struct lane_select_evc *);
void lane_select_evc_destroy(struct lane_select_evc *);
size_t lane_select_evc_memory(const struct lane_select_evc *);

/* Brings the lanes' damping up to 'now' from their 'up' and 'degraded'
 * inputs.  Returns true if a lane became suppressed or reusable. */
bool lane_select_update(const struct lane_select_params *,
                        struct lane_select_lane **, size_t n,
                        long long int now);

/* What lane_select_choose() decided. */
enum lane_select_why {
    LANE_SELECT_KEEP,           /* Stay on the active lane. */
    LANE_SELECT_NONE,           /* No lane is up. */
    LANE_SELECT_FAILOVER,       /* The active lane is down, or none. */
    LANE_SELECT_CLASS,          /* The active lane is degraded or
                                 * suppressed and a better one is not. */
    LANE_SELECT_BETTER,         /* A lane is better by the policy. */
    LANE_SELECT_POLICY,         /* 'immediate' was set. */
};

/* Chooses among 'lanes' (in preference order, most preferred first) for
 * an EVC whose active lane is 'lanes[active]', or none if 'active' is -1.
 * Returns the index of the lane to use (== 'active' to stay), or -1 if no
 * lane is up.  Stores why in '*why' and, for a move, a sentence with the
 * figures in 'reason'.  Lowers '*next' to the time by which it must be
 * called again if nothing else changes (a pending move, a hold-down or rate
 * limit ending, a suppressed lane becoming reusable).
 *
 * Does not record the move: the caller calls lane_select_switched() when
 * it moves the EVC, whether or not this function asked for it. */
int lane_select_choose(const struct lane_select_params *, enum evc_policy,
                       struct lane_select_lane **lanes, size_t n,
                       int active, struct lane_select_evc *,
                       long long int now, enum lane_select_why *why,
                       struct ds *reason, long long int *next);

/* Records that the EVC moved from one lane to another at 'now'. */
void lane_select_switched(struct lane_select_evc *, long long int now);

/* Forgets a pending challenger (when lanes are reconfigured). */
void lane_select_reset(struct lane_select_evc *);

/* The policy's figure of merit for 'lane', higher is better, or -1 if the
 * lane is not measured enough to have one.  For max-throughput it is the
 * predicted TCP throughput in bit/s. */
double lane_select_merit(const struct lane_select_params *, enum evc_policy,
                         const struct lane_select_lane *);

/* The predicted bulk TCP throughput of 'lane', in bit/s (Mathis et al.,
 * "The Macroscopic Behavior of the TCP Congestion Avoidance Algorithm",
 * 1997):  MSS * 8 / RTT * sqrt(3/2) / sqrt(p), with p at least the loss
 * floor and the result at most the lane's capacity.  -1 if the lane's
 * delay is not measured. */
double lane_select_mathis_bps(const struct lane_select_params *,
                              const struct lane_select_lane *);

/* Appends "rtt 12.3 ms loss 0.00%" (and predicted throughput for
 * max-throughput) for 'lane' to 's'. */
void lane_select_format_figures(const struct lane_select_params *,
                                enum evc_policy,
                                const struct lane_select_lane *,
                                struct ds *s);

#endif /* ofproto-dvel/lane-select.h */
