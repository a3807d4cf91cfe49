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

#ifndef PROBES_LANE_HISTORY_H
#define PROBES_LANE_HISTORY_H 1

/* One summary per second of a lane's measurements, for the last N seconds.
 *
 * Samples are added as they arrive and folded into the summary of the
 * second they arrived in; a second with no samples still gets a summary
 * (with no delay), so that gaps show in a plot.  Records are 28 bytes and
 * the ring grows as the lane ages, so a lane pays for its history only as
 * it accumulates: about 100 KiB for an hour. */

#include <stddef.h>
#include <stdint.h>

struct ds;

enum lane_history_state {
    LANE_HISTORY_INIT,
    LANE_HISTORY_UP,
    LANE_HISTORY_DEGRADED,
    LANE_HISTORY_DOWN,
};

struct lane_history_rec {
    uint32_t sec;               /* Monotonic second (OVS time / 1000). */
    uint8_t state;              /* enum lane_history_state at its end. */
    uint8_t pad;
    uint16_t n_delays;          /* Delays measured in the second. */
    uint32_t rtt_min_us, rtt_mean_us, rtt_max_us;
    uint16_t slm_sent, far_lost, near_lost;
};

struct lane_history {
    struct lane_history_rec *recs;
    uint32_t capacity;          /* Allocated records. */
    uint32_t max;               /* Records kept at most (0: no history). */
    uint32_t n;                 /* Records stored. */
    uint32_t head;              /* Next record to write, once full. */

    /* The second being accumulated (records keep 16 bits of counts, so
     * 32 bits, saturating, are plenty here). */
    long long int cur_sec;      /* -1 before the first sample. */
    int64_t sum_ns, min_ns, max_ns;
    uint32_t n_delays;
    uint32_t slm_sent, far_lost, near_lost;
};

void lane_history_init(struct lane_history *, size_t max_seconds);
void lane_history_destroy(struct lane_history *);
void lane_history_clear(struct lane_history *);
void lane_history_set_max(struct lane_history *, size_t max_seconds);

/* Closes every second before 'now_ms', recording 'state' for them. */
void lane_history_advance(struct lane_history *, long long int now_ms,
                          enum lane_history_state state);
void lane_history_add_delay(struct lane_history *, long long int now_ms,
                            int64_t delay_ns, enum lane_history_state);
void lane_history_add_loss(struct lane_history *, long long int now_ms,
                           uint64_t sent, uint64_t far_lost,
                           uint64_t near_lost, enum lane_history_state);

size_t lane_history_count(const struct lane_history *);
size_t lane_history_memory(const struct lane_history *);
const struct lane_history_rec *lane_history_get(const struct lane_history *,
                                                size_t i);

/* Appends the history to 's' as whitespace-separated columns with a
 * commented header, oldest first, ready for gnuplot.  Each second is
 * labelled with wall-clock time: 'wall_ms' and 'mono_ms' are the same
 * instant on the two clocks. */
void lane_history_format(const struct lane_history *, long long int wall_ms,
                         long long int mono_ms, struct ds *);

const char *lane_history_state_to_string(enum lane_history_state);

#endif /* probes/lane-history.h */
