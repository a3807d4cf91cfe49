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

#ifndef OFPROTO_DVEL_DVEL_H
#define OFPROTO_DVEL_DVEL_H 1

/* dvel inside ovs-vswitchd: the database connection and the main-loop
 * entry points, called from vswitchd-hooks.c around OVS's bridge_*(). */

#include <stdbool.h>

struct simap;

void dvel_init(const char *ovs_remote);
void dvel_iteration_start(void);
void dvel_run(void);
void dvel_wait(void);
void dvel_get_memory_usage(struct simap *);
void dvel_exit(void);

/* Re-evaluates every EVC now (after a run-time command). */
void dvel_refresh(void);

bool dvel_bridge_configured(const char *name);

#endif /* ofproto-dvel/dvel.h */
