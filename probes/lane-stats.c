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

#include "probes/lane-stats.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Loss buckets: the short window in tenths of a second, the long one in
 * 5-second steps, so that the long one covers the last 55 to 60 seconds
 * (a minute in seconds would cost 60 buckets a lane, 1.2 KB). */
#define SHORT_BUCKETS 10
#define LONG_BUCKETS 12

/* A bucket counts the SLMs of one bucket's length: 5 000 at most at one
 * per millisecond, so 16 bits are plenty (a single SLR after a gap of
 * more than a minute at that rate saturates them, leaving a loss ratio of
 * about what it was).  Kept small because every lane has SHORT_BUCKETS +
 * LONG_BUCKETS of them. */
struct loss_bucket {
    uint16_t sent, far_lost, returned, near_lost;
};

/* A ring of buckets, one per 'bucket_ms' period: the bucket of period 'p'
 * (now_ms / bucket_ms + 1) is at p % n, and holds that period's counts if
 * 'p' is one of the 'n' periods up to 'last', the newest period written;
 * periods skipped since were cleared when 'last' moved past them. */
struct loss_window {
    uint32_t bucket_ms;
    uint32_t n;
    uint32_t last;              /* 0: nothing written yet. */
    struct loss_bucket *buckets;    /* 'n' of them. */
};

/* Delays are kept in tenths of a microsecond in 32 bits: up to 429 s, far
 * beyond the largest probe:max-rtt (60 s), at half the memory of
 * nanoseconds in 64 bits, and finer than any timestamp dvel can take. */
#define DELAY_UNIT_NS 100

struct lane_stats {
    /* SLR counters of the previous SLR, if 'have_prev'. */
    bool have_prev;
    uint32_t prev_tx_fc_f, prev_tx_fc_b, prev_rx_fc_l;
    uint64_t n_slrs, n_anomalies;

    struct loss_window short_w, long_w;
    struct loss_bucket short_buckets[SHORT_BUCKETS];
    struct loss_bucket long_buckets[LONG_BUCKETS];

    /* Delays, in DELAY_UNIT_NS, in a ring in arrival order. */
    uint64_t n_delays;
    uint32_t window;            /* Capacity. */
    uint32_t n;                 /* Samples in the ring. */
    uint32_t head;              /* Next slot to write. */
    uint32_t delays[];          /* 'window' of them. */
};

static void
loss_window_init(struct loss_window *w, long long int bucket_ms,
                 struct loss_bucket *buckets, size_t n)
{
    w->bucket_ms = bucket_ms;
    w->n = n;
    w->last = 0;
    w->buckets = buckets;
    memset(buckets, 0, n * sizeof *buckets);
}

/* The period of 'now_ms': 32 bits last 136 years in seconds and 13 in
 * tenths of a second of OVS's monotonic time, far beyond a lane's life. */
static uint32_t
loss_window_period(const struct loss_window *w, long long int now_ms)
{
    return now_ms / w->bucket_ms + 1;
}

/* Adds 'x' to '*c', stopping at UINT16_MAX rather than wrapping. */
static void
add_sat16(uint16_t *c, uint64_t x)
{
    *c = MIN((uint64_t) *c + x, UINT16_MAX);
}

static void
loss_window_add(struct loss_window *w, long long int now_ms,
                const struct lane_loss *loss)
{
    uint32_t p = loss_window_period(w, now_ms);

    if (p < w->last) {
        /* The clock went back (it does not in OVS): count it in the newest
         * period rather than in one that the ring has reused. */
        p = w->last;
    } else if (p > w->last) {
        /* Clear the periods skipped since 'last' and the new one. */
        uint32_t n_clear = w->last ? MIN(p - w->last, w->n) : w->n;

        for (uint32_t i = 0; i < n_clear; i++) {
            memset(&w->buckets[(p - i) % w->n], 0, sizeof *w->buckets);
        }
        w->last = p;
    }

    struct loss_bucket *b = &w->buckets[p % w->n];
    add_sat16(&b->sent, loss->sent);
    add_sat16(&b->far_lost, loss->far_lost);
    add_sat16(&b->returned, loss->returned);
    add_sat16(&b->near_lost, loss->near_lost);
}

static void
loss_window_sum(const struct loss_window *w, long long int now_ms,
                struct lane_loss *sum)
{
    uint32_t p = loss_window_period(w, now_ms);

    memset(sum, 0, sizeof *sum);
    if (!w->last) {
        return;
    }

    /* The periods both in the window ending at 'p' and in the ring, which
     * ends at 'last'. */
    int64_t newest = MIN(p, w->last);
    int64_t oldest = MAX((int64_t) p, (int64_t) w->last) - w->n + 1;
    for (int64_t q = MAX(oldest, 1); q <= newest; q++) {
        const struct loss_bucket *b = &w->buckets[q % w->n];

        sum->sent += b->sent;
        sum->far_lost += b->far_lost;
        sum->returned += b->returned;
        sum->near_lost += b->near_lost;
    }
}

struct lane_stats *
lane_stats_create(size_t window)
{
    struct lane_stats *s;

    window = MIN(MAX(window, 1), UINT32_MAX);
    s = xzalloc(sizeof *s + window * sizeof *s->delays);
    s->window = window;
    lane_stats_clear(s);
    return s;
}

void
lane_stats_destroy(struct lane_stats *s)
{
    free(s);
}

void
lane_stats_clear(struct lane_stats *s)
{
    s->n = s->head = 0;
    s->n_delays = 0;
    s->have_prev = false;
    s->n_slrs = s->n_anomalies = 0;
    loss_window_init(&s->short_w, LANE_STATS_SHORT_MS / SHORT_BUCKETS,
                     s->short_buckets, SHORT_BUCKETS);
    loss_window_init(&s->long_w, LANE_STATS_LONG_MS / LONG_BUCKETS,
                     s->long_buckets, LONG_BUCKETS);
}

/* Bytes of memory 's' holds. */
size_t
lane_stats_memory(const struct lane_stats *s)
{
    return s ? sizeof *s + s->window * sizeof *s->delays : 0;
}

void
lane_stats_add_delay(struct lane_stats *s, int64_t delay_ns)
{
    int64_t units = (MAX(delay_ns, 0) + DELAY_UNIT_NS / 2) / DELAY_UNIT_NS;

    s->delays[s->head] = MIN(units, UINT32_MAX);
    s->head = (s->head + 1) % s->window;
    if (s->n < s->window) {
        s->n++;
    }
    s->n_delays++;
}

bool
lane_stats_add_slr(struct lane_stats *s, long long int now_ms,
                   uint32_t tx_fc_f, uint32_t tx_fc_b, uint32_t rx_fc_l,
                   struct lane_loss *delta)
{
    bool have_delta = false;

    if (s->have_prev) {
        /* Unsigned arithmetic: right across a wrap of the counters. */
        uint32_t d_tx_f = tx_fc_f - s->prev_tx_fc_f;
        uint32_t d_tx_b = tx_fc_b - s->prev_tx_fc_b;
        uint32_t d_rx_l = rx_fc_l - s->prev_rx_fc_l;

        if (d_tx_b > d_tx_f || d_rx_l > d_tx_b || d_tx_f > INT32_MAX) {
            /* More received than sent, or counters that went backwards or
             * jumped: a restarted responder, a duplicate, a forgery.  No
             * loss figure from this pair; start again from here. */
            s->n_anomalies++;
        } else if (d_tx_f) {
            struct lane_loss loss = {
                .sent = d_tx_f,
                .far_lost = d_tx_f - d_tx_b,
                .returned = d_tx_b,
                .near_lost = d_tx_b - d_rx_l,
            };
            loss_window_add(&s->short_w, now_ms, &loss);
            loss_window_add(&s->long_w, now_ms, &loss);
            if (delta) {
                *delta = loss;
            }
            have_delta = true;
        }
    }
    s->have_prev = true;
    s->prev_tx_fc_f = tx_fc_f;
    s->prev_tx_fc_b = tx_fc_b;
    s->prev_rx_fc_l = rx_fc_l;
    s->n_slrs++;
    return have_delta;
}

static int
compare_int64(const void *a_, const void *b_)
{
    const int64_t *a = a_, *b = b_;

    return *a < *b ? -1 : *a > *b;
}

/* The nearest-rank percentile 'p' (0...100) of the 'n' sorted values. */
static int64_t
percentile(const int64_t *sorted, size_t n, unsigned int p)
{
    size_t rank = (n * p + 99) / 100;     /* ceil(n * p / 100). */

    return sorted[rank ? rank - 1 : 0];
}

void
lane_stats_summarize(const struct lane_stats *s, long long int now_ms,
                     struct lane_stats_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    sum->n_delays = s->n_delays;
    sum->n_window = s->n;
    sum->n_slrs = s->n_slrs;
    sum->n_anomalies = s->n_anomalies;
    loss_window_sum(&s->short_w, now_ms, &sum->short_loss);
    loss_window_sum(&s->long_w, now_ms, &sum->long_loss);
    if (!s->n) {
        return;
    }

    /* The oldest sample is at 'head' once the ring is full, else at 0. */
    size_t first = s->n == s->window ? s->head : 0;
    int64_t *sorted = xmalloc(s->n * sizeof *sorted);
    int64_t total = 0, dv_total = 0, prev = 0;

    for (size_t i = 0; i < s->n; i++) {
        int64_t d = (int64_t) s->delays[(first + i) % s->window]
                    * DELAY_UNIT_NS;

        sorted[i] = d;
        total += d;
        if (i) {
            dv_total += d > prev ? d - prev : prev - d;
        }
        prev = d;
    }
    sum->last = ((int64_t) s->delays[(s->head + s->window - 1) % s->window]
                 * DELAY_UNIT_NS);
    sum->mean = total / (int64_t) s->n;
    sum->variation = s->n > 1 ? dv_total / (int64_t) (s->n - 1) : 0;

    qsort(sorted, s->n, sizeof *sorted, compare_int64);
    sum->min = sorted[0];
    sum->max = sorted[s->n - 1];
    sum->p50 = percentile(sorted, s->n, 50);
    sum->p99 = percentile(sorted, s->n, 99);
    free(sorted);
}

void
lane_stats_get_loss(const struct lane_stats *s, long long int now_ms,
                    struct lane_loss *short_loss, struct lane_loss *long_loss)
{
    loss_window_sum(&s->short_w, now_ms, short_loss);
    loss_window_sum(&s->long_w, now_ms, long_loss);
}

double
lane_loss_far_ratio(const struct lane_loss *loss)
{
    return loss->sent ? (double) loss->far_lost / loss->sent : -1.0;
}

double
lane_loss_near_ratio(const struct lane_loss *loss)
{
    return loss->returned ? (double) loss->near_lost / loss->returned : -1.0;
}
