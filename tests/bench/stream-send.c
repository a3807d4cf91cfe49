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

/* The failover benchmark's stream sender: RATE numbered UDP frames a
 * second to HOST:PORT for SECONDS seconds, each carrying its number and
 * the wall-clock time it was sent, in the format of
 * utilities/dvel-lab-traffic.py (whose "seq-recv" reads them): a 64-bit
 * sequence number and an IEEE 754 double of seconds since the epoch, both
 * big-endian, then 36 bytes of padding.
 *
 * The interruption is measured by those send times, so a sender held up
 * inside a gap widens it, and one held up across a whole failure loses
 * nothing and sees nothing.  On the lab with its switches under
 * SCHED_FIFO, the Python sender was held up that way in most outage runs
 * at 1 ms probes (10 of 14 runs; none of 7 with this one, minutes
 * later): it spends half its CPU time in the interpreter, and a task that
 * has used more than its share waits longer for a core.  This one sleeps to
 * absolute deadlines (clock_nanosleep) and spends its time in the kernel,
 * sending.  It keeps ordinary scheduling: under SCHED_FIFO it kept the
 * receiver and the kernel's softirq threads off the cores.
 *
 * Usage: stream-send HOST PORT RATE SECONDS */

#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "byte-order.h"
#include "util.h"

#define FRAME_LEN (8 + 8 + 36)

static uint64_t
ts_to_ns(const struct timespec *ts)
{
    return ts->tv_sec * 1000000000ULL + ts->tv_nsec;
}

int
main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    if (argc != 5) {
        ovs_fatal(0, "usage: %s HOST PORT RATE SECONDS", argv[0]);
    }

    struct sockaddr_in sin = { .sin_family = AF_INET };
    if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
        ovs_fatal(0, "%s: not an IPv4 address", argv[1]);
    }
    int port = atoi(argv[2]);
    double rate = atof(argv[3]);
    double seconds = atof(argv[4]);
    if (port <= 0 || port > 65535 || rate <= 0 || rate > 1e7
        || seconds <= 0) {
        ovs_fatal(0, "bad PORT, RATE or SECONDS");
    }
    sin.sin_port = htons(port);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        ovs_fatal(errno, "socket");
    }

    uint64_t n = rate * seconds;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint64_t start_ns = ts_to_ns(&start);

    for (uint64_t seq = 0; seq < n; seq++) {
        uint64_t due_ns = start_ns + (uint64_t) (seq * 1e9 / rate);
        struct timespec due = {
            .tv_sec = due_ns / 1000000000ULL,
            .tv_nsec = due_ns % 1000000000ULL,
        };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL)
               == EINTR) {
            continue;
        }

        uint8_t frame[FRAME_LEN] = { 0 };
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        double sent = now.tv_sec + now.tv_nsec / 1e9;
        uint64_t sent_bits;
        ovs_be64 be;

        be = htonll(seq);
        memcpy(frame, &be, 8);
        memcpy(&sent_bits, &sent, 8);
        be = htonll(sent_bits);
        memcpy(frame + 8, &be, 8);

        /* No route for a moment is a frame lost, as on a wire. */
        ignore(sendto(fd, frame, sizeof frame, 0,
                      (struct sockaddr *) &sin, sizeof sin));
    }
    close(fd);
    return 0;
}
