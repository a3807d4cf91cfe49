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

#ifndef PROBES_LANE_STATS_H
#define PROBES_LANE_STATS_H 1

/* Measurements of one lane, from its probes.
 *
 * Delay: the two-way delays of the last 'window' DMRs, from which the last,
 * minimum, mean, median (p50) and p99 delays and the delay variation (the
 * mean absolute difference between successive delays) are computed on
 * demand.
 *
 * Loss: from the counters that SLRs carry (ITU-T Y.1731 8.4).  Between two
 * SLRs of one test,
 *
 *     far-end loss  = (TxFCf[c] - TxFCf[p]) - (TxFCb[c] - TxFCb[p])
 *     near-end loss = (TxFCb[c] - TxFCb[p]) - (RxFCl[c] - RxFCl[p])
 *
 * where TxFCf counts the SLMs the initiator sent, TxFCb the SLMs the
 * responder received (and so the SLRs it sent), and RxFCl the SLRs the
 * initiator received.  Counters are 32 bits and wrap; differences are
 * taken modulo 2**32.  Losses are kept in time buckets, so that the ratio
 * over the last second (in tenths) and the last minute (in 5-second steps,
 * so the last 55 to 60 s) is available at any time.
 * Counters that cannot be true (a responder that received more SLMs than
 * were sent, a jump of more than 2**31) are counted as anomalies and
 * restart the baseline instead of producing a loss figure.
 *
 * Times are in milliseconds of whatever clock the caller uses (OVS time,
 * so that tests can warp it). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lane_stats;

struct lane_stats *lane_stats_create(size_t delay_window);
void lane_stats_destroy(struct lane_stats *);
void lane_stats_clear(struct lane_stats *);
size_t lane_stats_memory(const struct lane_stats *);

/* Delays are kept to the nearest 100 ns (negative ones as 0). */
void lane_stats_add_delay(struct lane_stats *, int64_t delay_ns);

/* Loss windows. */
#define LANE_STATS_SHORT_MS 1000
#define LANE_STATS_LONG_MS 60000

struct lane_loss {
    uint64_t sent;              /* SLMs sent in the window. */
    uint64_t far_lost;          /* ...that the responder never saw. */
    uint64_t returned;          /* SLRs the responder sent. */
    uint64_t near_lost;         /* ...that never arrived here. */
};

struct lane_stats_summary {
    /* Delay, in nanoseconds, over the delay window. */
    uint64_t n_delays;          /* Samples ever added (since clear). */
    size_t n_window;            /* Samples in the window. */
    int64_t last, min, max, mean, p50, p99;
    int64_t variation;          /* Mean |d[i] - d[i-1]|. */

    /* Loss. */
    struct lane_loss short_loss, long_loss;
    uint64_t n_slrs;            /* SLRs counted (since clear). */
    uint64_t n_anomalies;       /* Impossible counters seen. */
};

/* Adds the counters of an SLR.  If this SLR and the previous one give a
 * loss figure, stores it in '*delta' (if nonnull) and returns true. */
bool lane_stats_add_slr(struct lane_stats *, long long int now_ms,
                        uint32_t tx_fc_f, uint32_t tx_fc_b, uint32_t rx_fc_l,
                        struct lane_loss *delta);

void lane_stats_summarize(const struct lane_stats *, long long int now_ms,
                          struct lane_stats_summary *);

/* The loss over the short and the long window, without the cost of the
 * delay percentiles. */
void lane_stats_get_loss(const struct lane_stats *, long long int now_ms,
                         struct lane_loss *short_loss,
                         struct lane_loss *long_loss);

/* Loss ratio of a window, far-end or near-end, or -1 if nothing was sent
 * in it. */
double lane_loss_far_ratio(const struct lane_loss *);
double lane_loss_near_ratio(const struct lane_loss *);

#endif /* probes/lane-stats.h */
