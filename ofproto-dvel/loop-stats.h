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

#ifndef OFPROTO_DVEL_LOOP_STATS_H
#define OFPROTO_DVEL_LOOP_STATS_H 1

/* The time each main-loop iteration spends in bridge_run() and in dvel's
 * part of it, for "ovs-appctl dvel/loop-show".  Main thread only.  See
 * loop-stats.c. */

enum loop_section {
    LOOP_BRIDGE_RUN,            /* bridge_run(): Open vSwitch's and dvel's
                                 * work together. */
    LOOP_DVEL_RUN,              /* dvel_run(): dvel's part. */
    N_LOOP_SECTIONS
};

void loop_stats_init(void);
void loop_stats_add(enum loop_section, long long int usec);

#endif /* ofproto-dvel/loop-stats.h */
