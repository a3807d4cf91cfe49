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

/* Unit tests of the lane selection logic (ofproto-dvel/lane-select.c) on
 * recorded and synthetic measurement series, replayed as the switch would:
 * at each step the inputs change, damping is updated, a lane is chosen and
 * a move is recorded. */

#include <config.h>
#include "ofproto-dvel/lane-select.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "smap.h"

#include "tests/unit-check.h"

#define MS 1000000LL            /* Nanoseconds per millisecond. */

/* An EVC under test: up to four lanes, "a" the most preferred. */
struct evc {
    struct lane_select_params p;
    enum evc_policy policy;
    struct lane_select_lane lanes[4];
    struct lane_select_lane *order[4];
    size_t n;
    int active;
    struct lane_select_evc st;
    unsigned int n_moves;
    enum lane_select_why why;   /* Of the last step. */
    long long int next;         /* Of the last step. */
    struct ds reason;           /* Of the last move. */
};

static void
evc_init(struct evc *e, enum evc_policy policy, size_t n)
{
    static const char *names[] = { "a", "b", "c", "d" };

    memset(e, 0, sizeof *e);
    lane_select_params_default(&e->p);
    e->policy = policy;
    e->n = n;
    e->active = -1;
    for (size_t i = 0; i < n; i++) {
        lane_select_lane_init(&e->lanes[i], names[i]);
        e->lanes[i].up = true;
        e->order[i] = &e->lanes[i];
    }
    lane_select_evc_init(&e->st);
    ds_init(&e->reason);
}

static void
set_lane(struct evc *e, int i, bool up, int64_t rtt_ns, double loss)
{
    e->lanes[i].up = up;
    e->lanes[i].rtt_ns = rtt_ns;
    e->lanes[i].loss = loss;
}

/* One evaluation at 'now'; returns the active lane's index, -1 if none. */
static int
step(struct evc *e, long long int now)
{
    struct ds reason = DS_EMPTY_INITIALIZER;

    e->next = LLONG_MAX;
    lane_select_update(&e->p, e->order, e->n, now);
    int i = lane_select_choose(&e->p, e->policy, e->order, e->n, e->active,
                               &e->st, now, &e->why, &reason, &e->next);
    if (i != e->active) {
        if (i >= 0 && e->active >= 0) {
            lane_select_switched(&e->st, now);
            e->n_moves++;
        }
        e->active = i;
        ds_destroy(&e->reason);
        e->reason = reason;
    } else {
        ds_destroy(&reason);
    }
    return e->active;
}

static void
evc_destroy(struct evc *e)
{
    lane_select_evc_destroy(&e->st);
    ds_destroy(&e->reason);
}

static void
test_single_lane(void)
{
    struct evc e;

    evc_init(&e, EVC_POLICY_LOWEST_DELAY, 1);
    CHECK(step(&e, 0) == 0 && e.why == LANE_SELECT_FAILOVER);
    set_lane(&e, 0, true, 5 * MS, 0);
    CHECK(step(&e, 1000) == 0 && e.why == LANE_SELECT_KEEP);
    set_lane(&e, 0, false, 5 * MS, 0);
    CHECK(step(&e, 2000) == -1 && e.why == LANE_SELECT_NONE);
    set_lane(&e, 0, true, 5 * MS, 0);
    CHECK(step(&e, 3000) == 0 && e.why == LANE_SELECT_FAILOVER);
    CHECK(e.n_moves == 0);
    evc_destroy(&e);
}

/* Preference: immediate failover, revert only after better-for and
 * hold-down. */
static void
test_preference(void)
{
    struct evc e;

    evc_init(&e, EVC_POLICY_PREFERENCE, 3);
    CHECK(step(&e, 0) == 0);
    e.lanes[0].up = false;
    CHECK(step(&e, 1000) == 1 && e.why == LANE_SELECT_FAILOVER);
    CHECK(!strcmp(ds_cstr(&e.reason), "b, most preferred lane that is up"));
    e.lanes[1].up = false;
    CHECK(step(&e, 1500) == 2 && e.why == LANE_SELECT_FAILOVER);

    /* "a" is back at 2000: better-for ends at 5000, but the hold-down of
     * the last move (1500) lasts until 11500. */
    e.lanes[0].up = e.lanes[1].up = true;
    CHECK(step(&e, 2000) == 2 && e.next == 11500);
    CHECK(step(&e, 11499) == 2);
    CHECK(step(&e, 11500) == 0 && e.why == LANE_SELECT_BETTER);
    CHECK(!strcmp(ds_cstr(&e.reason),
                  "a is preferred and has been up for 9.5 s"));
    CHECK(e.n_moves == 3);
    evc_destroy(&e);
}

/* Lowest delay on a recorded series (medians every second, in
 * microseconds, of two real WAN paths), with a tie and a change smaller
 * than the minimum gain. */
static void
test_lowest_delay(void)
{
    static const int a_us[] = { 20100, 20150, 20090, 20110, 20130, 20100,
                                20120, 20100, 20080, 20100, 20110, 20090,
                                20100, 20100, 20120, 20110, 20100, 20090 };
    static const int b_us[] = { 20100, 19800, 18500, 17400, 16950, 16900,
                                16880, 16920, 16910, 16900, 25000, 25100,
                                25050, 25000, 24980, 25010, 25000, 25020 };
    struct evc e;
    int seen_b = -1, back_a = -1;

    evc_init(&e, EVC_POLICY_LOWEST_DELAY, 2);
    for (int t = 0; t < ARRAY_SIZE(a_us); t++) {
        set_lane(&e, 0, true, a_us[t] * 1000LL, 0);
        set_lane(&e, 1, true, b_us[t] * 1000LL, 0);
        int i = step(&e, t * 1000LL);
        if (t == 0) {
            /* A tie: the preferred lane. */
            CHECK(i == 0 && e.why == LANE_SELECT_FAILOVER);
        }
        if (i == 1 && seen_b < 0) {
            seen_b = t;
        }
        if (i == 0 && seen_b >= 0 && back_a < 0) {
            back_a = t;
        }
    }
    /* b is 20% better (16.75 ms for a at 20.1 ms) from t=5 (16900):
     * 20100/16900 = 1.189 is less than 1.2, so never: b at its best is
     * 18.9% better. */
    CHECK(seen_b == -1);
    CHECK(e.n_moves == 0);

    /* With a 15% gain b wins from t=3 (20110/17400 = 1.156) and moves at
     * t=6 (better-for 3 s); b then worsens at t=10 and a wins back after
     * better-for (t=13) and the hold-down of 10 s from t=6, at t=16. */
    evc_destroy(&e);
    evc_init(&e, EVC_POLICY_LOWEST_DELAY, 2);
    e.p.min_gain_pct = 15;
    seen_b = back_a = -1;
    for (int t = 0; t < ARRAY_SIZE(a_us); t++) {
        set_lane(&e, 0, true, a_us[t] * 1000LL, 0);
        set_lane(&e, 1, true, b_us[t] * 1000LL, 0);
        int i = step(&e, t * 1000LL);
        if (i == 1 && seen_b < 0) {
            seen_b = t;
            CHECK(e.why == LANE_SELECT_BETTER);
            CHECK(strstr(ds_cstr(&e.reason), "b better by 19% for 3.0 s: "
                         "b rtt 16.880 ms loss 0.00% vs a rtt 20.120 ms"));
        }
        if (i == 0 && seen_b >= 0 && back_a < 0) {
            back_a = t;
        }
    }
    CHECK(seen_b == 6);
    CHECK(back_a == 16);
    CHECK(e.n_moves == 2);
    evc_destroy(&e);
}

/* Unmeasured lanes rank after measured ones; an unmeasured active lane is
 * not compared. */
static void
test_unmeasured(void)
{
    struct evc e;

    evc_init(&e, EVC_POLICY_LOWEST_DELAY, 2);
    CHECK(step(&e, 0) == 0);
    set_lane(&e, 1, true, 1 * MS, 0);
    for (long long int t = 0; t < 60000; t += 1000) {
        CHECK(step(&e, t) == 0);
    }
    /* A failover picks the measured lane over the preferred unmeasured. */
    evc_destroy(&e);
    evc_init(&e, EVC_POLICY_LOWEST_DELAY, 3);
    set_lane(&e, 2, true, 9 * MS, 0);
    CHECK(step(&e, 0) == 2);
    evc_destroy(&e);
}

static void
test_lowest_loss(void)
{
    struct evc e;

    /* Both lossless: a tie on loss goes to the lower delay. */
    evc_init(&e, EVC_POLICY_LOWEST_LOSS, 2);
    set_lane(&e, 0, true, 30 * MS, 0);
    set_lane(&e, 1, true, 10 * MS, 0);
    CHECK(step(&e, 0) == 1);

    /* b loses 0.5%: a is 50 times better (1/0.0001 vs 1/0.005). */
    set_lane(&e, 1, true, 10 * MS, 0.005);
    CHECK(step(&e, 1000) == 1 && e.next == 4000);
    CHECK(step(&e, 3999) == 1);
    CHECK(step(&e, 4000) == 0 && e.why == LANE_SELECT_BETTER);
    CHECK(strstr(ds_cstr(&e.reason), "a better by 4900%"));

    /* A challenger that stops being better at one comparison starts over:
     * b lossless at 15000 then lossy again, a lossy. */
    set_lane(&e, 0, true, 30 * MS, 0.01);
    set_lane(&e, 1, true, 10 * MS, 0);
    CHECK(step(&e, 15000) == 0);
    set_lane(&e, 1, true, 10 * MS, 0.02);
    CHECK(step(&e, 16000) == 0);
    set_lane(&e, 1, true, 10 * MS, 0);
    CHECK(step(&e, 17000) == 0 && e.next == 20000);
    CHECK(step(&e, 20000) == 1);
    evc_destroy(&e);
}

static void
test_max_throughput(void)
{
    struct lane_select_params p;
    struct lane_select_lane l;

    lane_select_params_default(&p);
    lane_select_lane_init(&l, "x");
    CHECK(lane_select_mathis_bps(&p, &l) == -1);

    /* 1460 * 8 / 0.010 * sqrt(1.5) / sqrt(0.01) = 14,305,020 bit/s. */
    l.rtt_ns = 10 * MS;
    l.loss = 0.01;
    CHECK(fabs(lane_select_mathis_bps(&p, &l) - 14305020) < 1);

    /* No loss seen: the floor, 0.0001. */
    l.loss = 0;
    CHECK(fabs(lane_select_mathis_bps(&p, &l) - 143050203) < 10);
    l.loss = -1;
    CHECK(fabs(lane_select_mathis_bps(&p, &l) - 143050203) < 10);

    /* A capacity caps it; a jumbo MSS raises it. */
    l.capacity_bps = 100000000;
    CHECK(lane_select_mathis_bps(&p, &l) == 100000000);
    l.capacity_bps = 0;
    p.mss = 8960;
    CHECK(fabs(lane_select_mathis_bps(&p, &l) - 143050203 * 8960.0 / 1460)
          < 100);

    /* A DTN choice: a short lossy lane against a long clean one. */
    struct evc e;
    evc_init(&e, EVC_POLICY_MAX_THROUGHPUT, 2);
    set_lane(&e, 0, true, 5 * MS, 0.02);     /* 20.2 Mbit/s. */
    set_lane(&e, 1, true, 40 * MS, 0);       /* 35.8 Mbit/s. */
    CHECK(step(&e, 0) == 1);
    /* ...unless the long one is capped below. */
    evc_destroy(&e);
    evc_init(&e, EVC_POLICY_MAX_THROUGHPUT, 2);
    set_lane(&e, 0, true, 5 * MS, 0.02);
    set_lane(&e, 1, true, 40 * MS, 0);
    e.lanes[1].capacity_bps = 10000000;
    CHECK(step(&e, 0) == 0);
    evc_destroy(&e);
}

/* A degraded active lane moves at once to a healthy one, whatever the
 * figures and the timers; a degraded lane is still better than none. */
static void
test_degraded(void)
{
    struct evc e;

    evc_init(&e, EVC_POLICY_LOWEST_DELAY, 2);
    set_lane(&e, 0, true, 10 * MS, 0);
    set_lane(&e, 1, true, 50 * MS, 0);
    CHECK(step(&e, 0) == 0);
    e.lanes[0].degraded = true;
    CHECK(step(&e, 100) == 1 && e.why == LANE_SELECT_CLASS);
    CHECK(!strcmp(ds_cstr(&e.reason),
                  "a degraded; b rtt 50.000 ms loss 0.00%, "
                  "lowest delay"));
    e.lanes[1].up = false;
    CHECK(step(&e, 200) == 0 && e.why == LANE_SELECT_FAILOVER);
    evc_destroy(&e);
}

/* A lane that goes down and up every 2 s under "preference", with the
 * timers out of the way: without damping the EVC follows it every time,
 * with damping it stops after the second flap and comes back once the
 * penalty has decayed. */
static unsigned int
flap_series(bool damping, long long int *back_at)
{
    struct evc e;

    evc_init(&e, EVC_POLICY_PREFERENCE, 2);
    e.p.damping = damping;
    e.p.better_for_ms = 0;
    e.p.hold_down_ms = 0;
    e.p.max_switches = 0;
    *back_at = -1;
    for (long long int t = 0; t <= 600000; t += 1000) {
        e.lanes[0].up = t >= 60000 || (t / 2000) % 2 == 0;
        int i = step(&e, t);
        if (t > 60000 && i == 0 && *back_at < 0) {
            *back_at = t;
        }
    }
    unsigned int n = e.n_moves;
    evc_destroy(&e);
    return n;
}

static void
test_damping(void)
{
    long long int back_at;

    /* 15 down-up cycles in the first minute: 30 moves. */
    CHECK(flap_series(false, &back_at) == 30);
    CHECK(back_at == 61000);    /* On "a" already at 60000. */

    /* With damping: a down at 2000 (1000), up at 4000, back to a; down at
     * 6000 (1000 * 2^(-4/30) + 1000 = 1912), up at 8000, back to a; down
     * at 10000: 2000 * ... reaches 2000 and suppresses.  After that the
     * penalty climbs to 6000, and once the flapping stops at 60000 it
     * takes 30 s * log2(6000 / 750) = 90 s to be reused. */
    unsigned int n = flap_series(true, &back_at);
    CHECK(n >= 4 && n <= 6);
    CHECK(back_at >= 140000 && back_at <= 152000);
}

/* At most max-switches voluntary moves a minute; failovers always. */
static void
test_rate_limit(void)
{
    struct evc e;

    evc_init(&e, EVC_POLICY_PREFERENCE, 2);
    e.p.damping = false;
    e.p.better_for_ms = 0;
    e.p.hold_down_ms = 0;
    e.p.max_switches = 2;
    CHECK(step(&e, 0) == 0);
    e.lanes[0].up = false;
    CHECK(step(&e, 1000) == 1);             /* Failover 1. */
    e.lanes[0].up = true;
    CHECK(step(&e, 2000) == 0);             /* Revert: 2 in the minute. */
    e.lanes[0].up = false;
    CHECK(step(&e, 3000) == 1);             /* Failover: never held. */
    e.lanes[0].up = true;
    CHECK(step(&e, 4000) == 1 && e.next == 62000);
    CHECK(step(&e, 61999) == 1);
    CHECK(step(&e, 62000) == 0);
    evc_destroy(&e);
}

/* The record of recent moves grows past its first allocation, keeps
 * limiting, and is given back once a minute has passed without a move. */
static void
test_rate_limit_memory(void)
{
    struct evc e;
    long long int t = 0;

    evc_init(&e, EVC_POLICY_PREFERENCE, 2);
    e.p.damping = false;
    e.p.better_for_ms = 0;
    e.p.hold_down_ms = 0;
    e.p.max_switches = 10;
    CHECK(step(&e, t) == 0);
    CHECK(lane_select_evc_memory(&e.st) == 0);

    /* 5 failovers and 5 reverts in 10 s: the 10 a minute allowed. */
    for (int i = 0; i < 5; i++) {
        e.lanes[0].up = false;
        CHECK(step(&e, t += 1000) == 1);
        e.lanes[0].up = true;
        CHECK(step(&e, t += 1000) == 0);
    }
    CHECK(e.n_moves == 10);
    CHECK(lane_select_evc_memory(&e.st) >= 10 * sizeof(long long int));

    /* The 11th voluntary move waits for the first to be a minute old. */
    e.lanes[0].up = false;
    CHECK(step(&e, t += 1000) == 1);        /* Failover: never held. */
    e.lanes[0].up = true;
    CHECK(step(&e, t += 1000) == 1 && e.next == 62000);
    CHECK(step(&e, 62000) == 0);

    /* The first choice after a quiet minute gives the record back. */
    CHECK(step(&e, 62000 + 60001) == 0);
    CHECK(lane_select_evc_memory(&e.st) == 0);
    evc_destroy(&e);
}

/* "manual" keeps the active lane while it is up. */
static void
test_manual(void)
{
    struct evc e;

    evc_init(&e, EVC_POLICY_MANUAL, 2);
    e.lanes[0].up = false;
    CHECK(step(&e, 0) == 1);
    e.lanes[0].up = true;
    for (long long int t = 0; t < 100000; t += 5000) {
        CHECK(step(&e, t) == 1);
    }
    evc_destroy(&e);
}

static void
test_params(void)
{
    struct lane_select_params p;
    struct smap o = SMAP_INITIALIZER(&o);
    char *error;

    CHECK(!lane_select_params_parse(&o, &p));
    CHECK(p.min_gain_pct == 20 && p.hold_down_ms == 10000 && p.damping);

    smap_add(&o, "min-gain", "35");
    smap_add(&o, "hold-down", "0");
    smap_add(&o, "damping", "false");
    smap_add(&o, "loss-floor", "0.001");
    smap_add(&o, "vlan-mode", "rewrite");   /* Not ours: ignored. */
    CHECK(!lane_select_params_parse(&o, &p));
    CHECK(p.min_gain_pct == 35 && !p.hold_down_ms && !p.damping
          && p.loss_floor == 0.001);

    smap_replace(&o, "hold-down", "10s");
    error = lane_select_params_parse(&o, &p);
    CHECK(error && !strcmp(error, "options:hold-down=10s: expected an "
                           "integer from 0 to 3600000"));
    CHECK(p.hold_down_ms == 10000 && p.min_gain_pct == 20);
    free(error);

    smap_replace(&o, "hold-down", "0");
    smap_add(&o, "damp-reuse", "3000");
    error = lane_select_params_parse(&o, &p);
    CHECK(error && strstr(error, "damp-reuse (3000) < damp-suppress"));
    free(error);
    smap_remove(&o, "damp-reuse");

    smap_replace(&o, "loss-floor", "0");
    error = lane_select_params_parse(&o, &p);
    CHECK(error != NULL);
    free(error);

    CHECK(lane_select_is_param("better-for"));
    CHECK(!lane_select_is_param("vlan-mode"));
    smap_destroy(&o);

    uint64_t bps;
    smap_init(&o);
    CHECK(!lane_select_parse_capacity(&o, &bps) && bps == 0);
    smap_add(&o, "capacity", "2.5");
    CHECK(!lane_select_parse_capacity(&o, &bps) && bps == 2500000);
    smap_replace(&o, "capacity", "fast");
    error = lane_select_parse_capacity(&o, &bps);
    CHECK(error && bps == 0);
    free(error);
    smap_destroy(&o);

    enum evc_policy policy;
    CHECK(evc_policy_from_string("max-throughput", &policy)
          && policy == EVC_POLICY_MAX_THROUGHPUT);
    CHECK(!evc_policy_from_string("fastest", &policy));
}

int
main(void)
{
    test_single_lane();
    test_preference();
    test_lowest_delay();
    test_unmeasured();
    test_lowest_loss();
    test_max_throughput();
    test_degraded();
    test_damping();
    test_rate_limit();
    test_rate_limit_memory();
    test_manual();
    test_params();
    return unit_check_report();
}
