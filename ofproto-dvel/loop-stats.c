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

/* Time per main-loop iteration, counted in the main thread alone.
 *
 * Open vSwitch's stopwatches (lib/stopwatch.c) hand every start and every
 * stop to a thread of their own: a malloc, a mutex and a write to a pipe
 * each, four for two stopwatches per iteration, and a wake-up of that
 * thread.  With Linux ports, which the main thread reads itself, probes
 * every millisecond on the lab's three lanes make some 4 500 iterations a
 * second, and the stopwatch thread took 7% of a core per switch by itself
 * on a machine whose two cores the lab already keeps busy.  Here a sample
 * is a few additions, and the percentiles come from a histogram whose
 * buckets are an eighth of an octave wide (exact below 16 us), so that a
 * percentile is reported to within 12.5%, from above. */

#include <config.h>

#include "ofproto-dvel/loop-stats.h"

#include <limits.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

/* Exact values 0 to 15, then 8 buckets per octave up to 2**64. */
#define N_EXACT 16
#define N_BUCKETS (N_EXACT + (64 - 4) * 8)

struct loop_stat {
    const char *name;
    const char *what;
    unsigned long long int n;
    unsigned long long int sum;
    unsigned long long int min;
    unsigned long long int max;
    unsigned long long int buckets[N_BUCKETS];
};

static struct loop_stat stats[N_LOOP_SECTIONS] = {
    [LOOP_BRIDGE_RUN] = {
        .name = "bridge_run",
        .what = "Open vSwitch's work and dvel's in one main-loop iteration",
    },
    [LOOP_DVEL_RUN] = {
        .name = "dvel_run",
        .what = "dvel's part of it",
    },
};

/* OVS time of the last clear, for the rate. */
static long long int since_msec;

static unsigned int
bucket_of(unsigned long long int usec)
{
    if (usec < N_EXACT) {
        return usec;
    }
    int octave = log_2_floor(usec);     /* At least 4. */
    return N_EXACT + (octave - 4) * 8 + ((usec >> (octave - 3)) & 7);
}

/* The largest value bucket 'b' holds. */
static unsigned long long int
bucket_max(unsigned int b)
{
    if (b < N_EXACT) {
        return b;
    }
    int octave = (b - N_EXACT) / 8 + 4;
    int sub = (b - N_EXACT) % 8;
    if (octave == 63 && sub == 7) {
        return ULLONG_MAX;
    }
    return ((8ULL + sub + 1) << (octave - 3)) - 1;
}

/* The smallest bucket bound that at least 'pct' percent of the samples in
 * 'st' (which has some) are within, or the maximum if that is smaller. */
static unsigned long long int
percentile(const struct loop_stat *st, unsigned int pct)
{
    unsigned long long int want = (st->n * pct + 99) / 100;
    unsigned long long int seen = 0;

    for (unsigned int b = 0; b < N_BUCKETS; b++) {
        seen += st->buckets[b];
        if (seen >= want) {
            return MIN(bucket_max(b), st->max);
        }
    }
    return st->max;
}

void
loop_stats_add(enum loop_section section, long long int usec)
{
    struct loop_stat *st = &stats[section];
    unsigned long long int v = MAX(usec, 0);

    if (!st->n || v < st->min) {
        st->min = v;
    }
    st->max = MAX(st->max, v);
    st->n++;
    st->sum += v;
    st->buckets[bucket_of(v)]++;
}

static void
loop_stats_clear(void)
{
    for (size_t i = 0; i < N_LOOP_SECTIONS; i++) {
        struct loop_stat *st = &stats[i];

        st->n = st->sum = st->min = st->max = 0;
        memset(st->buckets, 0, sizeof st->buckets);
    }
    since_msec = time_msec();
}

static void
loop_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    long long int elapsed = MAX(time_msec() - since_msec, 1);
    struct ds s = DS_EMPTY_INITIALIZER;

    for (size_t i = 0; i < N_LOOP_SECTIONS; i++) {
        const struct loop_stat *st = &stats[i];

        ds_put_format(&s, "%s (%s):\n", st->name, st->what);
        ds_put_format(&s, "  samples: %llu in %.1f s (%.0f a second)\n",
                      st->n, elapsed / 1000.0, st->n * 1000.0 / elapsed);
        if (!st->n) {
            continue;
        }
        ds_put_format(&s, "  average: %.1f us, min %llu us, max %llu us\n",
                      (double) st->sum / st->n, st->min, st->max);
        ds_put_format(&s, "  percentiles: p50 %llu us, p95 %llu us, "
                      "p99 %llu us\n", percentile(st, 50),
                      percentile(st, 95), percentile(st, 99));
    }
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
loop_stats_clear_cmd(struct unixctl_conn *conn, int argc OVS_UNUSED,
                     const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    loop_stats_clear();
    unixctl_command_reply(conn, "statistics cleared");
}

void
loop_stats_init(void)
{
    since_msec = time_msec();
    unixctl_command_register("dvel/loop-show", "", 0, 0, loop_show, NULL);
    unixctl_command_register("dvel/loop-stats-clear", "", 0, 0,
                             loop_stats_clear_cmd, NULL);
}
