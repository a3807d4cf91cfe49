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

/* Unit tests of the lane emulator's impairment model
 * (utilities/lane-emu-model.c): its losses, bursts, delays, jitter and
 * rate come out as configured. */

#include <config.h>
#include "utilities/lane-emu-model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "openvswitch/dynamic-string.h"

#include "tests/unit-check.h"

#define MS 1000000LL

static void
set(struct lane_emu_params *p, const char *arg)
{
    char *error = lane_emu_params_set(p, arg);
    CHECK(!error);
    free(error);
}

static void
test_params(void)
{
    struct lane_emu_params p;
    struct ds s = DS_EMPTY_INITIALIZER;
    char *error;

    lane_emu_params_init(&p);
    set(&p, "delay=12.5");
    set(&p, "jitter=0.25");
    set(&p, "loss=1.5");
    set(&p, "burst=3");
    set(&p, "rate=100");
    set(&p, "limit=50");
    set(&p, "outage=on");
    lane_emu_params_format(&p, &s);
    CHECK(!strcmp(ds_cstr(&s), "delay=12.500 jitter=0.250 loss=1.500 "
                  "burst=3.0 rate=100.000 limit=50 outage=on "
                  "oam-priority=on"));
    ds_destroy(&s);

    error = lane_emu_params_set(&p, "loss=101");
    CHECK(error && !strcmp(error, "loss=101: expected a percentage"));
    free(error);
    error = lane_emu_params_set(&p, "delay=-1");
    CHECK(error != NULL);
    free(error);
    error = lane_emu_params_set(&p, "burst=0.5");
    CHECK(error != NULL);
    free(error);
    error = lane_emu_params_set(&p, "speed=1");
    CHECK(error && strstr(error, "unknown key"));
    free(error);
    error = lane_emu_params_set(&p, "delay");
    CHECK(error && strstr(error, "expected KEY=VALUE"));
    free(error);
    CHECK(p.loss == 0.015 && p.delay_ns == 12500000);   /* Unchanged. */
}

/* Sends 'n' frames, one every 'gap' ns, through 'p', and returns the
 * fraction lost; the longest and mean runs of losses go to '*max_run' and
 * '*mean_run'. */
static double
loss_run(const struct lane_emu_params *p, int n, double *mean_run,
         int *max_run)
{
    struct lane_emu_dir d;
    int lost = 0, runs = 0, run = 0;
    bool ahead;

    lane_emu_dir_init(&d, 42);
    *max_run = 0;
    for (int i = 0; i < n; i++) {
        int64_t due;
        if (lane_emu_admit(p, &d, 100, false, i * 1000LL, &due, &ahead)
            == LANE_EMU_LOST) {
            lost++;
            if (!run++) {
                runs++;
            }
            *max_run = run > *max_run ? run : *max_run;
        } else {
            run = 0;
            d.queued--;
        }
    }
    *mean_run = runs ? (double) lost / runs : 0;
    CHECK(d.n_lost == lost && d.n_in == n);
    return (double) lost / n;
}

static void
test_loss(void)
{
    struct lane_emu_params p;
    double mean_run;
    int max_run;

    lane_emu_params_init(&p);
    CHECK(loss_run(&p, 10000, &mean_run, &max_run) == 0);

    /* Independent losses: 10% of 200000 frames, runs of 1/(1-0.1). */
    set(&p, "loss=10");
    double loss = loss_run(&p, 200000, &mean_run, &max_run);
    CHECK(fabs(loss - 0.10) < 0.003);
    CHECK(fabs(mean_run - 1 / 0.9) < 0.03);

    /* Bursts: the same loss ratio in runs of 8 on average. */
    set(&p, "loss=5");
    set(&p, "burst=8");
    loss = loss_run(&p, 200000, &mean_run, &max_run);
    CHECK(fabs(loss - 0.05) < 0.005);
    CHECK(fabs(mean_run - 8) < 0.5);
    CHECK(max_run > 20);

    /* Everything lost. */
    set(&p, "loss=100");
    CHECK(loss_run(&p, 1000, &mean_run, &max_run) == 1);
}

static void
test_delay_and_jitter(void)
{
    struct lane_emu_params p;
    struct lane_emu_dir d;
    int64_t due, last = 0;
    bool ahead;

    lane_emu_params_init(&p);
    lane_emu_dir_init(&d, 7);
    set(&p, "delay=10");
    CHECK(lane_emu_admit(&p, &d, 64, false, 5 * MS, &due, &ahead)
          == LANE_EMU_PASS);
    CHECK(due == 15 * MS);

    /* Jitter: within +-2 ms, centred on 10 ms, in order. */
    set(&p, "jitter=2");
    double sum = 0;
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 20000; i++) {
        int64_t now = 100 * MS + i * 5 * MS;
        CHECK(lane_emu_admit(&p, &d, 64, false, now, &due, &ahead)
              == LANE_EMU_PASS);
        CHECK(due >= last);
        last = due;
        lo = due - now < lo ? due - now : lo;
        hi = due - now > hi ? due - now : hi;
        sum += due - now;
        d.queued--;
    }
    CHECK(lo >= 8 * MS && hi <= 12 * MS);
    CHECK(lo < 8.1 * MS && hi > 11.9 * MS);
    CHECK(fabs(sum / 20000 - 10 * MS) < 0.05 * MS);

    /* Frames 1 us apart with 2 ms of jitter: order wins over jitter. */
    last = 0;
    for (int i = 0; i < 1000; i++) {
        CHECK(lane_emu_admit(&p, &d, 64, false, 1000 * MS + i * 1000, &due,
                             &ahead)
              == LANE_EMU_PASS);
        CHECK(due >= last);
        last = due;
    }
}

static void
test_rate_limit_outage(void)
{
    struct lane_emu_params p;
    struct lane_emu_dir d;
    int64_t due;
    bool ahead;

    /* 10 Mbit/s: a 1250-byte frame takes 1 ms.  Ten at once leave 1 ms
     * apart, after the delay. */
    lane_emu_params_init(&p);
    lane_emu_dir_init(&d, 1);
    set(&p, "rate=10");
    set(&p, "delay=5");
    for (int i = 1; i <= 10; i++) {
        CHECK(lane_emu_admit(&p, &d, 1250, false, 0, &due, &ahead)
              == LANE_EMU_PASS);
        CHECK(due == i * MS + 5 * MS);
    }

    /* The queue holds 'limit' frames. */
    set(&p, "limit=12");
    CHECK(lane_emu_admit(&p, &d, 1250, false, 0, &due, &ahead)
          == LANE_EMU_PASS);
    CHECK(lane_emu_admit(&p, &d, 1250, false, 0, &due, &ahead)
          == LANE_EMU_PASS);
    CHECK(lane_emu_admit(&p, &d, 1250, false, 0, &due, &ahead)
          == LANE_EMU_OVERFLOW);
    CHECK(d.n_overflow == 1 && d.queued == 12);

    /* OAM goes ahead of the queue: the delay only, whatever waits. */
    CHECK(lane_emu_admit(&p, &d, 64, true, 0, &due, &ahead)
          == LANE_EMU_PASS);
    CHECK(ahead && due == 5 * MS && d.queued == 12);
    set(&p, "oam-priority=off");
    CHECK(lane_emu_admit(&p, &d, 64, true, 0, &due, &ahead)
          == LANE_EMU_OVERFLOW);
    CHECK(!ahead);

    set(&p, "outage=on");
    d.queued = 0;
    CHECK(lane_emu_admit(&p, &d, 64, false, 0, &due, &ahead)
          == LANE_EMU_OUTAGE);
    CHECK(d.n_outage == 1);
}

static void
test_is_oam(void)
{
    uint8_t f[64] = { 0 };

    f[12] = 0x89, f[13] = 0x02;
    CHECK(lane_emu_is_oam(f, sizeof f));
    f[12] = 0x81, f[13] = 0x00, f[16] = 0x89, f[17] = 0x02;
    CHECK(lane_emu_is_oam(f, sizeof f));
    f[16] = 0x88, f[17] = 0xa8, f[20] = 0x89, f[21] = 0x02;
    CHECK(lane_emu_is_oam(f, sizeof f));
    f[20] = 0x08, f[21] = 0x00;
    CHECK(!lane_emu_is_oam(f, sizeof f));
    CHECK(!lane_emu_is_oam(f, 13));
}

int
main(void)
{
    test_params();
    test_loss();
    test_delay_and_jitter();
    test_rate_limit_outage();
    test_is_oam();
    return unit_check_report();
}
