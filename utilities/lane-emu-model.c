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
#include "utilities/lane-emu-model.h"

#include <string.h>
#include "openvswitch/dynamic-string.h"
#include "openvswitch/util.h"
#include "util.h"

#define LANE_EMU_DEFAULT_LIMIT 10000

void
lane_emu_params_init(struct lane_emu_params *p)
{
    *p = (struct lane_emu_params) {
        .burst = 1,
        .limit = LANE_EMU_DEFAULT_LIMIT,
        .oam_priority = true,
    };
}

/* Parses 'value' as a decimal in [min, max]. */
static bool
parse_double(const char *value, double min, double max, double *d)
{
    return str_to_double(value, d) && *d >= min && *d <= max;
}

char *
lane_emu_params_set(struct lane_emu_params *p, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        return xasprintf("%s: expected KEY=VALUE", arg);
    }

    char *key = xmemdup0(arg, eq - arg);
    const char *value = eq + 1;
    struct lane_emu_params new = *p;
    char *error = NULL;
    double d;

    if (!strcmp(key, "delay") || !strcmp(key, "jitter")) {
        if (!parse_double(value, 0, 3600000, &d)) {
            error = xasprintf("%s: expected milliseconds from 0 to 3600000",
                              arg);
        } else if (key[0] == 'd') {
            new.delay_ns = d * 1e6;
        } else {
            new.jitter_ns = d * 1e6;
        }
    } else if (!strcmp(key, "loss")) {
        if (!parse_double(value, 0, 100, &d)) {
            error = xasprintf("%s: expected a percentage", arg);
        } else {
            new.loss = d / 100;
        }
    } else if (!strcmp(key, "burst")) {
        if (!parse_double(value, 1, 1000000, &d)) {
            error = xasprintf("%s: expected a mean burst length of at least "
                              "1 frame", arg);
        } else {
            new.burst = d;
        }
    } else if (!strcmp(key, "rate")) {
        if (!parse_double(value, 0, 1e7, &d)) {
            error = xasprintf("%s: expected Mbit/s (0 for no limit)", arg);
        } else {
            new.rate_bps = d * 1e6;
        }
    } else if (!strcmp(key, "limit")) {
        if (!parse_double(value, 1, 1000000, &d) || d != (size_t) d) {
            error = xasprintf("%s: expected a number of frames from 1 to "
                              "1000000", arg);
        } else {
            new.limit = d;
        }
    } else if (!strcmp(key, "outage") || !strcmp(key, "oam-priority")) {
        if (!strcmp(value, "on") || !strcmp(value, "off")) {
            bool *flag = (!strcmp(key, "outage") ? &new.outage
                          : &new.oam_priority);
            *flag = !strcmp(value, "on");
        } else {
            error = xasprintf("%s: expected on or off", arg);
        }
    } else {
        error = xasprintf("%s: unknown key (expected delay, jitter, loss, "
                          "burst, rate, limit, outage or oam-priority)",
                          arg);
    }
    free(key);
    if (!error) {
        *p = new;
    }
    return error;
}

void
lane_emu_params_format(const struct lane_emu_params *p, struct ds *s)
{
    ds_put_format(s, "delay=%.3f jitter=%.3f loss=%.3f burst=%.1f "
                  "rate=%.3f limit=%"PRIuSIZE" outage=%s oam-priority=%s",
                  p->delay_ns / 1e6, p->jitter_ns / 1e6, p->loss * 100,
                  p->burst, p->rate_bps / 1e6, p->limit,
                  p->outage ? "on" : "off", p->oam_priority ? "on" : "off");
}

void
lane_emu_dir_init(struct lane_emu_dir *d, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    d->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

/* xorshift64* (Vigna, 2014): fast, and good enough for loss and jitter. */
static double
random_unit(struct lane_emu_dir *d)
{
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    /* The top 53 bits, as a fraction in [0, 1). */
    return ((d->rng * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

static bool
decide_loss(const struct lane_emu_params *p, struct lane_emu_dir *d)
{
    if (p->loss <= 0) {
        d->bad = false;
        return false;
    }
    if (p->loss >= 1) {
        return true;
    }
    if (p->burst <= 1) {
        return random_unit(d) < p->loss;
    }

    /* Gilbert channel: the bad state lasts 1/r frames on average; good to
     * bad with probability p so that p / (p + r) is the loss ratio. */
    double r = 1.0 / p->burst;
    double to_bad = MIN(1, p->loss * r / (1 - p->loss));
    if (d->bad) {
        if (random_unit(d) < r) {
            d->bad = false;
        }
        return true;
    }
    if (random_unit(d) < to_bad) {
        d->bad = true;
    }
    return false;
}

enum lane_emu_verdict
lane_emu_admit(const struct lane_emu_params *p, struct lane_emu_dir *d,
               size_t len, bool oam, int64_t now, int64_t *due, bool *ahead)
{
    *ahead = oam && p->oam_priority;
    d->n_in++;
    if (p->outage) {
        d->n_outage++;
        return LANE_EMU_OUTAGE;
    }
    if (decide_loss(p, d)) {
        d->n_lost++;
        return LANE_EMU_LOST;
    }
    if (!*ahead && d->queued >= p->limit) {
        d->n_overflow++;
        return LANE_EMU_OVERFLOW;
    }

    int64_t sent = now;
    if (p->rate_bps && !*ahead) {
        int64_t start = MAX(now, d->link_free);
        d->link_free = start + (int64_t) (len * 8 * 1e9 / p->rate_bps);
        sent = d->link_free;
    }

    int64_t delay = p->delay_ns;
    if (p->jitter_ns) {
        delay += (int64_t) ((2 * random_unit(d) - 1) * p->jitter_ns);
        delay = MAX(delay, 0);
    }
    int64_t *last = *ahead ? &d->last_oam_due : &d->last_due;
    *due = MAX(sent + delay, *last);
    *last = *due;
    if (!*ahead) {
        d->queued++;
    }
    d->n_out++;
    return LANE_EMU_PASS;
}

bool
lane_emu_is_oam(const uint8_t *data, size_t len)
{
    size_t ofs = 12;

    for (int i = 0; i < 3 && ofs + 2 <= len; i++) {
        uint16_t type = (data[ofs] << 8) | data[ofs + 1];
        if (type == 0x8902) {
            return true;
        } else if (type == 0x8100 || type == 0x88a8) {
            ofs += 4;
        } else {
            return false;
        }
    }
    return false;
}
