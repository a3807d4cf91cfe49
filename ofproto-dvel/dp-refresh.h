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

#ifndef OFPROTO_DVEL_DP_REFRESH_H
#define OFPROTO_DVEL_DP_REFRESH_H 1

#include <stdbool.h>
#include "openvswitch/types.h"

/* Datapath flows brought up to date right after dvel changes an EVC's
 * rules, ahead of Open vSwitch's revalidators.  See dp-refresh.c. */

struct ofproto;
struct ds;

void dp_refresh_set_enabled(bool);
bool dp_refresh_is_enabled(void);

void dp_refresh_add(struct ofproto *, odp_port_t in_port);
void dp_refresh_run(void);

void dp_refresh_format_stats(struct ds *);

#endif /* ofproto-dvel/dp-refresh.h */
