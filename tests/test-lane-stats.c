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

/* Unit tests of probes/lane-stats.c on known series. */

#include <config.h>

#include "probes/lane-stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit-check.h"

static bool
near(double a, double b)
{
    return fabs(a - b) < 0.000000001;
}

static void
test_delays(void)
{
    struct lane_stats *s = lane_stats_create(100);
    struct lane_stats_summary sum;

    /* Nothing yet. */
    lane_stats_summarize(s, 0, &sum);
    CHECK(!sum.n_delays && !sum.n_window && !sum.p99);

    /* One sample. */
    lane_stats_add_delay(s, 7000);
    lane_stats_summarize(s, 0, &sum);
    CHECK(sum.n_window == 1 && sum.last == 7000 && sum.min == 7000
          && sum.p50 == 7000 && sum.p99 == 7000 && sum.variation == 0);

    /* 0.1...10 us in a shuffled order: the order changes the variation,
     * not the distribution. */
    lane_stats_clear(s);
    for (int i = 0; i < 100; i++) {
        lane_stats_add_delay(s, ((i * 37) % 100 + 1) * 100);
    }
    lane_stats_summarize(s, 0, &sum);
    CHECK(sum.n_delays == 100 && sum.n_window == 100);
    CHECK(sum.min == 100 && sum.max == 10000 && sum.mean == 5050);
    CHECK(sum.p50 == 5000 && sum.p99 == 9900);
    CHECK(sum.last == ((99 * 37) % 100 + 1) * 100);
    /* Successive differences are 3.7 or 6.3 us. */
    CHECK(sum.variation >= 3700 && sum.variation <= 6300);

    /* In order, the variation is exactly 0.1 us. */
    lane_stats_clear(s);
    for (int i = 1; i <= 100; i++) {
        lane_stats_add_delay(s, i * 100);
    }
    lane_stats_summarize(s, 0, &sum);
    CHECK(sum.variation == 100 && sum.p50 == 5000 && sum.p99 == 9900);

    /* Delays are kept to the nearest 0.1 us, from 0 to 429 s. */
    lane_stats_clear(s);
    lane_stats_add_delay(s, 149);
    lane_stats_add_delay(s, 150);
    lane_stats_add_delay(s, -5);
    lane_stats_add_delay(s, 60LL * 1000 * 1000 * 1000);
    lane_stats_add_delay(s, 1000LL * 1000 * 1000 * 1000);
    lane_stats_summarize(s, 0, &sum);
    CHECK(sum.min == 0 && sum.p50 == 200);
    CHECK(sum.max == (int64_t) UINT32_MAX * 100);
    CHECK(sum.last == (int64_t) UINT32_MAX * 100);
    lane_stats_destroy(s);

    /* A window of 10: only the last 10 of 1...25 count. */
    s = lane_stats_create(10);
    for (int i = 1; i <= 25; i++) {
        lane_stats_add_delay(s, i * 1000);
    }
    lane_stats_summarize(s, 0, &sum);
    CHECK(sum.n_delays == 25 && sum.n_window == 10);
    CHECK(sum.min == 16000 && sum.max == 25000 && sum.last == 25000);
    CHECK(sum.mean == 20500 && sum.p50 == 20000 && sum.p99 == 25000);
    CHECK(sum.variation == 1000);
    lane_stats_destroy(s);
}

static void
test_loss(void)
{
    struct lane_stats *s = lane_stats_create(10);
    struct lane_stats_summary sum;

    /* Every 100 ms the initiator sends 10 SLMs; the responder gets 9
     * (10% far-end loss) and 8 of its 9 SLRs come back (1/9 near-end). */
    uint32_t f = 0, b = 0, l = 0;
    lane_stats_add_slr(s, 0, f, b, l, NULL);
    for (int t = 100; t <= 1000; t += 100) {
        f += 10;
        b += 9;
        l += 8;
        lane_stats_add_slr(s, t, f, b, l, NULL);
    }
    lane_stats_summarize(s, 1000, &sum);
    CHECK(sum.n_slrs == 11 && !sum.n_anomalies);
    /* The short window (1 s, in tenths) holds t = 100...1000. */
    CHECK(sum.short_loss.sent == 100 && sum.short_loss.far_lost == 10);
    CHECK(near(lane_loss_far_ratio(&sum.short_loss), 0.1));
    CHECK(near(lane_loss_near_ratio(&sum.short_loss), 10.0 / 90));
    CHECK(sum.long_loss.sent == 100);

    /* Two seconds later nothing is left in the short window, everything in
     * the long one. */
    lane_stats_summarize(s, 3000, &sum);
    CHECK(sum.short_loss.sent == 0);
    CHECK(lane_loss_far_ratio(&sum.short_loss) == -1.0);
    CHECK(sum.long_loss.sent == 100 && sum.long_loss.near_lost == 10);
    /* 55 s later they still count (the long window moves in 5 s steps),
     * and after a minute, nothing at all. */
    lane_stats_summarize(s, 55000, &sum);
    CHECK(sum.long_loss.sent == 100);
    lane_stats_summarize(s, 62000, &sum);
    CHECK(sum.long_loss.sent == 0);

    /* No loss at all. */
    lane_stats_clear(s);
    lane_stats_add_slr(s, 5000, 100, 100, 100, NULL);
    lane_stats_add_slr(s, 5100, 110, 110, 110, NULL);
    lane_stats_summarize(s, 5100, &sum);
    CHECK(near(lane_loss_far_ratio(&sum.short_loss), 0.0)
          && near(lane_loss_near_ratio(&sum.short_loss), 0.0));

    /* 32-bit counters that wrap between two SLRs. */
    lane_stats_clear(s);
    lane_stats_add_slr(s, 0, 0xfffffff0, 0xfffffff0, 0xfffffff0, NULL);
    lane_stats_add_slr(s, 100, 0x0000000a, 0x00000008, 0x00000008, NULL);
    lane_stats_summarize(s, 100, &sum);
    CHECK(sum.short_loss.sent == 26 && sum.short_loss.far_lost == 2
          && sum.short_loss.near_lost == 0 && !sum.n_anomalies);

    /* Impossible counters: the responder claims more SLMs than were sent,
     * then the initiator more SLRs than were returned.  Counted, no loss
     * figure, and the next sane pair is measured from the new baseline. */
    lane_stats_clear(s);
    lane_stats_add_slr(s, 0, 10, 10, 10, NULL);
    lane_stats_add_slr(s, 100, 20, 25, 20, NULL);
    lane_stats_add_slr(s, 200, 30, 35, 40, NULL);
    lane_stats_add_slr(s, 300, 40, 44, 48, NULL);
    lane_stats_summarize(s, 300, &sum);
    CHECK(sum.n_anomalies == 2);
    CHECK(sum.short_loss.sent == 10 && sum.short_loss.far_lost == 1
          && sum.short_loss.near_lost == 1);

    /* A counter that jumps by more than 2**31 (a replayed old SLR). */
    lane_stats_clear(s);
    lane_stats_add_slr(s, 0, 1000, 1000, 1000, NULL);
    lane_stats_add_slr(s, 100, 500, 500, 500, NULL);
    lane_stats_summarize(s, 100, &sum);
    CHECK(sum.n_anomalies == 1 && sum.short_loss.sent == 0);

    /* After a silence, a bucket the ring reuses starts from nothing: the
     * short window's tenth of t = 150 is the one of t = 1150 (and of
     * t = 2150), the long window's 5 s of t = 150 the one of t = 60150. */
    lane_stats_clear(s);
    lane_stats_add_slr(s, 0, 0, 0, 0, NULL);
    lane_stats_add_slr(s, 150, 10, 5, 5, NULL);
    lane_stats_add_slr(s, 1150, 20, 15, 15, NULL);
    lane_stats_summarize(s, 1150, &sum);
    CHECK(sum.short_loss.sent == 10 && sum.short_loss.far_lost == 0);
    CHECK(sum.long_loss.sent == 20 && sum.long_loss.far_lost == 5);
    lane_stats_add_slr(s, 60150, 30, 24, 24, NULL);
    lane_stats_summarize(s, 60150, &sum);
    CHECK(sum.long_loss.sent == 10 && sum.long_loss.far_lost == 1);
    /* A summary taken for a time before the ring's newest bucket counts
     * only what the ring still has. */
    lane_stats_summarize(s, 58000, &sum);
    CHECK(sum.long_loss.sent == 0);

    /* Buckets count in 16 bits: an SLR after a long gap at a high rate
     * saturates them rather than wrapping. */
    lane_stats_clear(s);
    lane_stats_add_slr(s, 0, 0, 0, 0, NULL);
    lane_stats_add_slr(s, 100, 100000, 50000, 50000, NULL);
    lane_stats_summarize(s, 100, &sum);
    CHECK(sum.short_loss.sent == UINT16_MAX
          && sum.short_loss.far_lost == 50000
          && sum.short_loss.returned == 50000);
    lane_stats_destroy(s);
}

int
main(void)
{
    test_delays();
    test_loss();
    return unit_check_report();
}
