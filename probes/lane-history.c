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

#include "probes/lane-history.h"

#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

static void
acc_reset(struct lane_history *h)
{
    h->n_delays = 0;
    h->sum_ns = h->min_ns = h->max_ns = 0;
    h->slm_sent = h->far_lost = h->near_lost = 0;
}

void
lane_history_init(struct lane_history *h, size_t max_seconds)
{
    memset(h, 0, sizeof *h);
    h->max = max_seconds;
    h->cur_sec = -1;
}

void
lane_history_destroy(struct lane_history *h)
{
    free(h->recs);
    h->recs = NULL;
}

void
lane_history_clear(struct lane_history *h)
{
    size_t max = h->max;

    lane_history_destroy(h);
    lane_history_init(h, max);
}

/* Bytes of memory the records of 'h' take (not 'h' itself). */
size_t
lane_history_memory(const struct lane_history *h)
{
    return h->capacity * sizeof *h->recs;
}

/* Changing the length keeps nothing: a rare, operator-made event. */
void
lane_history_set_max(struct lane_history *h, size_t max_seconds)
{
    if (max_seconds != h->max) {
        lane_history_destroy(h);
        lane_history_init(h, max_seconds);
    }
}

static uint32_t
ns_to_us(int64_t ns)
{
    int64_t us = ns / 1000;
    return us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : us;
}

static uint16_t
clamp16(uint64_t x)
{
    return MIN(x, UINT16_MAX);
}

static void
push(struct lane_history *h, const struct lane_history_rec *rec)
{
    if (!h->max) {
        return;
    }
    if (h->n < h->max) {
        if (h->n == h->capacity) {
            h->capacity = MIN(h->max, MAX(h->capacity * 2, 64));
            h->recs = xrealloc(h->recs, h->capacity * sizeof *h->recs);
        }
        h->recs[h->n++] = *rec;
        h->head = h->n % h->max;
    } else {
        h->recs[h->head] = *rec;
        h->head = (h->head + 1) % h->max;
    }
}

static void
close_second(struct lane_history *h, enum lane_history_state state)
{
    struct lane_history_rec rec = {
        .sec = h->cur_sec,
        .state = state,
        .n_delays = clamp16(h->n_delays),
        .slm_sent = clamp16(h->slm_sent),
        .far_lost = clamp16(h->far_lost),
        .near_lost = clamp16(h->near_lost),
    };

    if (h->n_delays) {
        rec.rtt_min_us = ns_to_us(h->min_ns);
        rec.rtt_mean_us = ns_to_us(h->sum_ns / (int64_t) h->n_delays);
        rec.rtt_max_us = ns_to_us(h->max_ns);
    }
    push(h, &rec);
    acc_reset(h);
}

void
lane_history_advance(struct lane_history *h, long long int now_ms,
                     enum lane_history_state state)
{
    long long int sec = now_ms / 1000;

    if (h->cur_sec < 0) {
        h->cur_sec = sec;
        acc_reset(h);
        return;
    }
    if (sec <= h->cur_sec) {
        return;
    }

    /* Close the second being accumulated, then the empty ones after it,
     * but never more than the ring holds. */
    close_second(h, state);
    long long int first_empty = MAX(h->cur_sec + 1,
                                    sec - (long long int) h->max);
    for (long long int s = first_empty; s < sec; s++) {
        h->cur_sec = s;
        close_second(h, state);
    }
    h->cur_sec = sec;
}

void
lane_history_add_delay(struct lane_history *h, long long int now_ms,
                       int64_t delay_ns, enum lane_history_state state)
{
    lane_history_advance(h, now_ms, state);
    if (!h->n_delays || delay_ns < h->min_ns) {
        h->min_ns = delay_ns;
    }
    if (!h->n_delays || delay_ns > h->max_ns) {
        h->max_ns = delay_ns;
    }
    h->sum_ns += delay_ns;
    h->n_delays += h->n_delays < UINT32_MAX;
}

void
lane_history_add_loss(struct lane_history *h, long long int now_ms,
                      uint64_t sent, uint64_t far_lost, uint64_t near_lost,
                      enum lane_history_state state)
{
    lane_history_advance(h, now_ms, state);
    h->slm_sent = MIN((uint64_t) h->slm_sent + sent, UINT32_MAX);
    h->far_lost = MIN((uint64_t) h->far_lost + far_lost, UINT32_MAX);
    h->near_lost = MIN((uint64_t) h->near_lost + near_lost, UINT32_MAX);
}

size_t
lane_history_count(const struct lane_history *h)
{
    return h->n;
}

/* The 'i'th record, oldest first. */
const struct lane_history_rec *
lane_history_get(const struct lane_history *h, size_t i)
{
    ovs_assert(i < h->n);
    return &h->recs[h->n < h->max ? i : (h->head + i) % h->max];
}

const char *
lane_history_state_to_string(enum lane_history_state state)
{
    switch (state) {
    case LANE_HISTORY_INIT: return "init";
    case LANE_HISTORY_UP: return "up";
    case LANE_HISTORY_DEGRADED: return "degraded";
    case LANE_HISTORY_DOWN: return "down";
    }
    return "unknown";
}

void
lane_history_format(const struct lane_history *h, long long int wall_ms,
                    long long int mono_ms, struct ds *s)
{
    ds_put_cstr(s, "# time state rtt_min_us rtt_mean_us rtt_max_us "
                "n_delays slm_sent far_lost near_lost\n");
    for (size_t i = 0; i < h->n; i++) {
        const struct lane_history_rec *r = lane_history_get(h, i);
        /* The wall-clock second nearest to the record's start. */
        long long int t = (wall_ms - mono_ms + r->sec * 1000LL + 500) / 1000;

        ds_put_format(s, "%lld %s ", t,
                      lane_history_state_to_string(r->state));
        if (r->n_delays) {
            ds_put_format(s, "%"PRIu32" %"PRIu32" %"PRIu32, r->rtt_min_us,
                          r->rtt_mean_us, r->rtt_max_us);
        } else {
            /* gnuplot's default missing-data marker. */
            ds_put_cstr(s, "? ? ?");
        }
        ds_put_format(s, " %"PRIu16" %"PRIu16" %"PRIu16" %"PRIu16"\n",
                      r->n_delays, r->slm_sent, r->far_lost, r->near_lost);
    }
}
