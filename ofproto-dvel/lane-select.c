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
#include "ofproto-dvel/lane-select.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "smap.h"
#include "util.h"

static const char *const policy_names[] = {
    [EVC_POLICY_PREFERENCE] = "preference",
    [EVC_POLICY_LOWEST_DELAY] = "lowest-delay",
    [EVC_POLICY_LOWEST_LOSS] = "lowest-loss",
    [EVC_POLICY_MAX_THROUGHPUT] = "max-throughput",
    [EVC_POLICY_MANUAL] = "manual",
};

const char *
evc_policy_to_string(enum evc_policy policy)
{
    return (policy < ARRAY_SIZE(policy_names) ? policy_names[policy]
            : "unknown");
}

bool
evc_policy_from_string(const char *s, enum evc_policy *policy)
{
    for (size_t i = 0; i < ARRAY_SIZE(policy_names); i++) {
        if (!strcmp(s, policy_names[i])) {
            *policy = i;
            return true;
        }
    }
    return false;
}

void
lane_select_params_default(struct lane_select_params *p)
{
    *p = (struct lane_select_params) {
        .min_gain_pct = LANE_SELECT_MIN_GAIN_PCT,
        .better_for_ms = LANE_SELECT_BETTER_FOR_MS,
        .hold_down_ms = LANE_SELECT_HOLD_DOWN_MS,
        .max_switches = LANE_SELECT_MAX_SWITCHES,
        .mss = LANE_SELECT_MSS,
        .loss_floor = LANE_SELECT_LOSS_FLOOR,
        .damping = true,
        .damp_penalty = LANE_SELECT_DAMP_PENALTY,
        .damp_suppress = LANE_SELECT_DAMP_SUPPRESS,
        .damp_reuse = LANE_SELECT_DAMP_REUSE,
        .damp_max = LANE_SELECT_DAMP_MAX,
        .damp_half_life_ms = LANE_SELECT_DAMP_HALF_LIFE_MS,
    };
}

/* The integer keys: name, field, range. */
struct int_param {
    const char *key;
    size_t offset;
    int min, max;
};

#define INT_PARAM(KEY, FIELD, MIN, MAX) \
    { KEY, offsetof(struct lane_select_params, FIELD), MIN, MAX }
static const struct int_param int_params[] = {
    INT_PARAM("min-gain", min_gain_pct, 0, 1000),
    INT_PARAM("better-for", better_for_ms, 0, 3600000),
    INT_PARAM("hold-down", hold_down_ms, 0, 3600000),
    INT_PARAM("max-switches", max_switches, 0,
              LANE_SELECT_MAX_SWITCHES_LIMIT),
    INT_PARAM("mss", mss, 64, 65535),
    INT_PARAM("damp-penalty", damp_penalty, 1, 1000000),
    INT_PARAM("damp-suppress", damp_suppress, 1, 1000000),
    INT_PARAM("damp-reuse", damp_reuse, 1, 1000000),
    INT_PARAM("damp-max", damp_max, 1, 1000000),
    INT_PARAM("damp-half-life", damp_half_life_ms, 1, 86400000),
};

bool
lane_select_is_param(const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(int_params); i++) {
        if (!strcmp(key, int_params[i].key)) {
            return true;
        }
    }
    return !strcmp(key, "loss-floor") || !strcmp(key, "damping");
}

char *
lane_select_params_parse(const struct smap *options,
                         struct lane_select_params *p)
{
    char *error = NULL;
    const char *s;

    lane_select_params_default(p);
    for (size_t i = 0; i < ARRAY_SIZE(int_params) && !error; i++) {
        const struct int_param *ip = &int_params[i];
        int value;

        s = smap_get(options, ip->key);
        if (!s) {
            continue;
        }
        if (!str_to_int(s, 10, &value) || value < ip->min
            || value > ip->max) {
            error = xasprintf("options:%s=%s: expected an integer from %d "
                              "to %d", ip->key, s, ip->min, ip->max);
        } else {
            memcpy((char *) p + ip->offset, &value, sizeof value);
        }
    }
    s = smap_get(options, "loss-floor");
    if (s && !error) {
        double d;
        if (!str_to_double(s, &d) || !(d > 0 && d <= 1)) {
            error = xasprintf("options:loss-floor=%s: expected a ratio "
                              "greater than 0, at most 1", s);
        } else {
            p->loss_floor = d;
        }
    }
    s = smap_get(options, "damping");
    if (s && !error) {
        if (!strcmp(s, "true") || !strcmp(s, "false")) {
            p->damping = !strcmp(s, "true");
        } else {
            error = xasprintf("options:damping=%s: expected true or false",
                              s);
        }
    }
    if (!error && !(p->damp_reuse < p->damp_suppress
                    && p->damp_suppress <= p->damp_max)) {
        error = xasprintf("damping thresholds must satisfy damp-reuse (%d) "
                          "< damp-suppress (%d) <= damp-max (%d)",
                          p->damp_reuse, p->damp_suppress, p->damp_max);
    }
    if (error) {
        lane_select_params_default(p);
    }
    return error;
}

char *
lane_select_parse_capacity(const struct smap *options, uint64_t *bps)
{
    const char *s = smap_get(options, "capacity");
    double mbps;

    *bps = 0;
    if (!s) {
        return NULL;
    }
    if (!str_to_double(s, &mbps) || !(mbps > 0 && mbps <= 1e7)) {
        return xasprintf("options:capacity=%s: expected Mbit/s, more than 0 "
                         "and at most 10000000", s);
    }
    *bps = mbps * 1e6;
    return NULL;
}

void
lane_select_lane_init(struct lane_select_lane *lane, const char *name)
{
    *lane = (struct lane_select_lane) {
        .name = name,
        .rtt_ns = -1,
        .loss = -1,
    };
}

void
lane_select_evc_init(struct lane_select_evc *evc)
{
    *evc = (struct lane_select_evc) { .last_switch = LLONG_MIN };
}

void
lane_select_evc_destroy(struct lane_select_evc *evc)
{
    free(evc->recent);
    evc->recent = NULL;
    evc->n_recent = evc->allocated_recent = 0;
}

/* Bytes of memory 'evc' holds beyond itself. */
size_t
lane_select_evc_memory(const struct lane_select_evc *evc)
{
    return evc->allocated_recent * sizeof *evc->recent;
}

void
lane_select_reset(struct lane_select_evc *evc)
{
    evc->challenger = NULL;
}

/* ------------------------------------------------------------------------
 * Damping. */

static double
decay(double penalty, long long int elapsed, int half_life_ms)
{
    return (elapsed <= 0 ? penalty
            : penalty * exp2(-(double) elapsed / half_life_ms));
}

bool
lane_select_update(const struct lane_select_params *p,
                   struct lane_select_lane **lanes, size_t n,
                   long long int now)
{
    bool changed = false;

    for (size_t i = 0; i < n; i++) {
        struct lane_select_lane *l = lanes[i];
        bool healthy = l->up && !l->degraded;
        bool flapped = ((l->was_up && !l->up)
                        || (l->was_healthy && l->up && l->degraded));
        bool suppressed = false;

        if (flapped) {
            l->n_flaps++;
        }
        if (p->damping) {
            l->penalty = decay(l->penalty, now - l->penalty_at,
                               p->damp_half_life_ms);
            if (l->penalty < 1) {
                l->penalty = 0;
            }
            if (flapped) {
                l->penalty = MIN(l->penalty + p->damp_penalty, p->damp_max);
            }
            suppressed = (l->suppressed ? l->penalty >= p->damp_reuse
                          : l->penalty >= p->damp_suppress);
        } else {
            l->penalty = 0;
        }
        l->penalty_at = now;
        if (suppressed != l->suppressed) {
            l->suppressed = suppressed;
            changed = true;
        }
        l->was_up = l->up;
        l->was_healthy = healthy;
    }
    return changed;
}

/* When the suppressed 'l' will have decayed below the reuse threshold. */
static long long int
reuse_time(const struct lane_select_params *p,
           const struct lane_select_lane *l)
{
    double ms = ceil(p->damp_half_life_ms * log2(l->penalty / p->damp_reuse));
    return l->penalty_at + (long long int) MAX(ms, 0) + 1;
}

/* ------------------------------------------------------------------------
 * Ranking. */

double
lane_select_mathis_bps(const struct lane_select_params *p,
                       const struct lane_select_lane *l)
{
    if (l->rtt_ns < 0) {
        return -1;
    }

    double rtt = MAX(l->rtt_ns, 1000) / 1e9;     /* At least 1 us. */
    double loss = MAX(l->loss, p->loss_floor);
    double bps = p->mss * 8.0 / rtt * sqrt(1.5) / sqrt(loss);

    if (l->capacity_bps && bps > l->capacity_bps) {
        bps = l->capacity_bps;
    }
    return bps;
}

double
lane_select_merit(const struct lane_select_params *p, enum evc_policy policy,
                  const struct lane_select_lane *l)
{
    switch (policy) {
    case EVC_POLICY_LOWEST_DELAY:
        return l->rtt_ns >= 0 ? 1e9 / MAX(l->rtt_ns, 1) : -1;
    case EVC_POLICY_LOWEST_LOSS:
        return l->loss >= 0 ? 1.0 / MAX(l->loss, p->loss_floor) : -1;
    case EVC_POLICY_MAX_THROUGHPUT:
        return lane_select_mathis_bps(p, l);
    case EVC_POLICY_PREFERENCE:
    case EVC_POLICY_MANUAL:
    default:
        return -1;
    }
}

bool
evc_policy_is_measured(enum evc_policy policy)
{
    return (policy == EVC_POLICY_LOWEST_DELAY
            || policy == EVC_POLICY_LOWEST_LOSS
            || policy == EVC_POLICY_MAX_THROUGHPUT);
}

static int
lane_class(const struct lane_select_lane *l)
{
    return l->suppressed ? 2 : l->degraded ? 1 : 0;
}

/* True if 'a' ranks strictly before 'b'.  Lanes are visited in preference
 * order, so that ties go to the more preferred. */
static bool
ranks_before(const struct lane_select_params *p, enum evc_policy policy,
             const struct lane_select_lane *a,
             const struct lane_select_lane *b)
{
    if (lane_class(a) != lane_class(b)) {
        return lane_class(a) < lane_class(b);
    }
    if (evc_policy_is_measured(policy)) {
        double ma = lane_select_merit(p, policy, a);
        double mb = lane_select_merit(p, policy, b);

        if ((ma >= 0) != (mb >= 0)) {
            return ma >= 0;     /* Measured lanes before the others. */
        }
        if (ma != mb) {
            return ma > mb;
        }
        if (policy == EVC_POLICY_LOWEST_LOSS
            && a->rtt_ns >= 0 && b->rtt_ns >= 0) {
            return a->rtt_ns < b->rtt_ns;
        }
    }
    return false;
}

/* ------------------------------------------------------------------------
 * Rate limit. */

#define MINUTE_MS 60000

static void
prune_recent(struct lane_select_evc *st, long long int now)
{
    size_t i = 0;

    while (i < st->n_recent && st->recent[i] <= now - MINUTE_MS) {
        i++;
    }
    if (i == st->n_recent) {
        lane_select_evc_destroy(st);
    } else if (i) {
        memmove(st->recent, &st->recent[i],
                (st->n_recent - i) * sizeof st->recent[0]);
        st->n_recent -= i;
    }
}

/* The earliest time, not before 'now', at which one more switch stays
 * within max-switches a minute. */
static long long int
rate_free_at(const struct lane_select_params *p, struct lane_select_evc *st,
             long long int now)
{
    prune_recent(st, now);
    if (!p->max_switches || st->n_recent < p->max_switches) {
        return now;
    }
    return st->recent[st->n_recent - p->max_switches] + MINUTE_MS;
}

void
lane_select_switched(struct lane_select_evc *st, long long int now)
{
    prune_recent(st, now);
    if (st->n_recent == LANE_SELECT_MAX_SWITCHES_LIMIT) {
        memmove(st->recent, &st->recent[1],
                (st->n_recent - 1) * sizeof st->recent[0]);
        st->n_recent--;
    } else if (st->n_recent == st->allocated_recent) {
        /* Room for a few more at first, then doubling, up to the limit. */
        size_t n = MIN(MAX(4, 2 * st->allocated_recent),
                       LANE_SELECT_MAX_SWITCHES_LIMIT);

        st->recent = xrealloc(st->recent, n * sizeof *st->recent);
        st->allocated_recent = n;
    }
    st->recent[st->n_recent++] = now;
    st->last_switch = now;
    st->challenger = NULL;
}

/* ------------------------------------------------------------------------
 * The choice. */

void
lane_select_format_figures(const struct lane_select_params *p,
                           enum evc_policy policy,
                           const struct lane_select_lane *l, struct ds *s)
{
    if (l->rtt_ns >= 0) {
        ds_put_format(s, "rtt %.3f ms", l->rtt_ns / 1e6);
    } else {
        ds_put_cstr(s, "rtt unknown");
    }
    if (l->loss >= 0) {
        ds_put_format(s, " loss %.2f%%", l->loss * 100);
    } else {
        ds_put_cstr(s, " loss unknown");
    }
    if (policy == EVC_POLICY_MAX_THROUGHPUT) {
        double bps = lane_select_mathis_bps(p, l);
        if (bps >= 0) {
            ds_put_format(s, " predicted %.1f Mbit/s", bps / 1e6);
        }
    }
}

static void
put_lane(const struct lane_select_params *p, enum evc_policy policy,
         const struct lane_select_lane *l, struct ds *s)
{
    ds_put_format(s, "%s ", l->name);
    lane_select_format_figures(p, policy, l, s);
}

/* Appends why the policy ranks 'l' first: "b rtt 1.000 ms loss 0.00%,
 * lowest delay", or "b, most preferred lane that is up". */
static void
put_choice(const struct lane_select_params *p, enum evc_policy policy,
           const struct lane_select_lane *l, struct ds *s)
{
    if (l->rtt_ns >= 0 || l->loss >= 0) {
        put_lane(p, policy, l, s);
    } else {
        ds_put_cstr(s, l->name);
    }
    if (lane_select_merit(p, policy, l) < 0) {
        ds_put_cstr(s, ", most preferred lane that is up");
    } else if (policy == EVC_POLICY_LOWEST_DELAY) {
        ds_put_cstr(s, ", lowest delay");
    } else if (policy == EVC_POLICY_LOWEST_LOSS) {
        ds_put_cstr(s, ", lowest loss");
    } else {
        ds_put_cstr(s, ", highest predicted throughput");
    }
}

static long long int
add_sat(long long int a, long long int b)
{
    return a > LLONG_MAX - b ? LLONG_MAX : a + b;
}

int
lane_select_choose(const struct lane_select_params *p,
                   enum evc_policy policy,
                   struct lane_select_lane **lanes, size_t n,
                   int active, struct lane_select_evc *st,
                   long long int now, enum lane_select_why *why,
                   struct ds *reason, long long int *next)
{
    int best = -1;

    prune_recent(st, now);
    for (size_t i = 0; i < n; i++) {
        if (lanes[i]->up
            && (best < 0 || ranks_before(p, policy, lanes[i], lanes[best]))) {
            best = i;
        }
        if (lanes[i]->suppressed) {
            *next = MIN(*next, reuse_time(p, lanes[i]));
        }
    }

    if (best < 0) {
        st->challenger = NULL;
        st->immediate = false;
        *why = LANE_SELECT_NONE;
        return -1;
    }
    if (active < 0 || active >= n || !lanes[active]->up) {
        st->challenger = NULL;
        st->immediate = false;
        *why = LANE_SELECT_FAILOVER;
        put_choice(p, policy, lanes[best], reason);
        return best;
    }

    const struct lane_select_lane *a = lanes[active];
    const struct lane_select_lane *b = lanes[best];
    if (best == active || policy == EVC_POLICY_MANUAL) {
        st->challenger = NULL;
        st->immediate = false;
        *why = LANE_SELECT_KEEP;
        return active;
    }
    if (st->immediate) {
        st->challenger = NULL;
        st->immediate = false;
        *why = LANE_SELECT_POLICY;
        ds_put_cstr(reason, "policy choice: ");
        put_choice(p, policy, b, reason);
        return best;
    }

    long long int rate_ok = rate_free_at(p, st, now);
    if (lane_class(b) < lane_class(a)) {
        /* The active lane is degraded or flapping and another is not:
         * its thresholds and damping already waited; move now. */
        st->challenger = NULL;
        if (rate_ok > now) {
            *next = MIN(*next, rate_ok);
            *why = LANE_SELECT_KEEP;
            return active;
        }
        *why = LANE_SELECT_CLASS;
        if (a->suppressed) {
            ds_put_format(reason, "%s flapping (%u flaps, penalty %.0f); ",
                          a->name, a->n_flaps, a->penalty);
        } else {
            ds_put_format(reason, "%s degraded; ", a->name);
        }
        put_choice(p, policy, b, reason);
        return best;
    }

    /* Same class: is 'b' better enough? */
    double ma = lane_select_merit(p, policy, a);
    double mb = lane_select_merit(p, policy, b);
    bool better = (policy == EVC_POLICY_PREFERENCE
                   || (ma >= 0 && mb > ma * (1 + p->min_gain_pct / 100.0)));
    if (!better) {
        st->challenger = NULL;
        *why = LANE_SELECT_KEEP;
        return active;
    }
    if (st->challenger != b) {
        st->challenger = b;
        st->challenger_since = now;
    }

    long long int due = add_sat(st->challenger_since, p->better_for_ms);
    if (st->last_switch != LLONG_MIN) {
        due = MAX(due, add_sat(st->last_switch, p->hold_down_ms));
    }
    due = MAX(due, rate_ok);
    if (now < due) {
        *next = MIN(*next, due);
        *why = LANE_SELECT_KEEP;
        return active;
    }

    *why = LANE_SELECT_BETTER;
    if (policy == EVC_POLICY_PREFERENCE) {
        ds_put_format(reason, "%s is preferred and has been up for %.1f s",
                      b->name, (now - st->challenger_since) / 1000.0);
    } else {
        ds_put_format(reason, "%s better by %.0f%% for %.1f s: ", b->name,
                      (mb / ma - 1) * 100,
                      (now - st->challenger_since) / 1000.0);
        put_lane(p, policy, b, reason);
        ds_put_cstr(reason, " vs ");
        put_lane(p, policy, a, reason);
    }
    st->challenger = NULL;
    return best;
}
