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
#ifndef OFPROTO_DVEL_LINK_WATCH_H
#define OFPROTO_DVEL_LINK_WATCH_H 1

#include <stdbool.h>

/* The kernel's own word on its network devices' links, read before Open
 * vSwitch's, so that a lane whose port lost its carrier is left at once.
 * See link-watch.c. */

struct netdev;
struct sset;

enum link_watch_state {
    LINK_WATCH_UNKNOWN,         /* No word yet: ask Open vSwitch. */
    LINK_WATCH_RUNNING,         /* Up, with carrier. */
    LINK_WATCH_ADMIN_DOWN,      /* Administratively down. */
    LINK_WATCH_NO_CARRIER,      /* Up, without carrier. */
};

void link_watch_init(void);
void link_watch_destroy(void);
void link_watch_run(struct sset *names);
void link_watch_wait(void);
enum link_watch_state link_watch_get(const struct netdev *);

#endif /* ofproto-dvel/link-watch.h */
