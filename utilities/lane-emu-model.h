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

#ifndef UTILITIES_LANE_EMU_MODEL_H
#define UTILITIES_LANE_EMU_MODEL_H 1

/* The impairment model of dvel-lane-emu: what happens to one frame on one
 * direction of an emulated lane.  No I/O and no clock: the caller passes
 * the arrival time, so that tests check the model's figures exactly.
 *
 * A frame that arrives at time t is:
 *
 *   - dropped if the lane is in an outage;
 *   - dropped by the loss process: independent losses with probability
 *     'loss', or, with 'burst' > 1, a two-state Gilbert channel whose bad
 *     state loses every frame, with mean burst length 'burst' frames and
 *     the same long-run loss ratio;
 *   - dropped if 'limit' frames already wait;
 *   - otherwise serialised on a link of 'rate' bit/s (if set) after the
 *     frames before it, then delayed by 'delay' plus a jitter drawn
 *     uniformly from [-jitter, +jitter] (never below zero), and never
 *     delivered before the frame ahead of it: the lane keeps order, as a
 *     real path does.
 *
 * OAM frames (CFM and Y.1731, EtherType 0x8902), if 'oam_priority', skip
 * the rate-limited queue and keep order only among themselves, as carrier
 * networks forward OAM with priority: probes then measure the path, not
 * the queue that the lane's own traffic builds. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lane_emu_params {
    int64_t delay_ns;
    int64_t jitter_ns;
    double loss;                /* 0...1. */
    double burst;               /* Mean loss burst, frames, >= 1. */
    uint64_t rate_bps;          /* 0: no limit. */
    size_t limit;               /* Frames waiting, at most. */
    bool outage;
    bool oam_priority;          /* OAM frames skip the queue. */
};

void lane_emu_params_init(struct lane_emu_params *);

/* Applies "key=value" (delay=MS, jitter=MS, loss=PCT, burst=N, rate=MBPS,
 * limit=N, outage=on|off, oam-priority=on|off; times and rates may have
 * decimals) to 'p'.
 * Returns NULL or an error message, leaving 'p' unchanged. */
char *lane_emu_params_set(struct lane_emu_params *, const char *arg);

/* Appends the parameters, as "delay=10.000 jitter=0.000 ..." to 's'. */
struct ds;
void lane_emu_params_format(const struct lane_emu_params *, struct ds *);

/* One direction's state. */
struct lane_emu_dir {
    uint64_t rng;               /* Generator state, nonzero. */
    bool bad;                   /* Gilbert channel in its bad state. */
    int64_t link_free;          /* When the rate-limited link is free. */
    int64_t last_due;           /* Delivery time of the last frame... */
    int64_t last_oam_due;       /* ...and of the last priority frame. */
    size_t queued;              /* Frames waiting (the caller's count). */

    uint64_t n_in, n_out;
    uint64_t n_lost, n_outage, n_overflow;
};

void lane_emu_dir_init(struct lane_emu_dir *, uint64_t seed);

enum lane_emu_verdict {
    LANE_EMU_PASS,
    LANE_EMU_LOST,
    LANE_EMU_OUTAGE,
    LANE_EMU_OVERFLOW,
};

/* Decides the fate of a frame of 'len' bytes arriving at 'now' (ns),
 * 'oam' if it is an OAM frame.  For LANE_EMU_PASS, stores its delivery
 * time in '*due' and, unless it went ahead as OAM ('*ahead' set), counts
 * it as queued: the caller decrements 'queued' when it delivers it. */
enum lane_emu_verdict lane_emu_admit(const struct lane_emu_params *,
                                     struct lane_emu_dir *, size_t len,
                                     bool oam, int64_t now, int64_t *due,
                                     bool *ahead);

/* True if the Ethernet frame 'data' of 'len' bytes is CFM or Y.1731 OAM,
 * untagged or behind one or two VLAN tags. */
bool lane_emu_is_oam(const uint8_t *data, size_t len);

#endif /* utilities/lane-emu-model.h */
