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

#ifndef PROBES_RESPONDER_H
#define PROBES_RESPONDER_H 1

/* The Y.1731 responder: DMM becomes DMR, SLM becomes SLR.
 *
 * A responder answers any compliant initiator, dvel or not.  For ETH-SLM it
 * keeps one count of SLMs received per (source MEP ID, test ID), as
 * Y.1731 8.4 requires, so that several initiators (or several tests of
 * one) each see their own TxFCb.  Those pairs come from the network, so
 * the table has a fixed limit: a forger who sends SLMs with ever new pairs
 * only recycles the least recently used entries, and an entry recycled
 * restarts its count, which the initiator sees as an anomaly, not as
 * loss.  The table is allocated as pairs arrive: a lane almost always
 * answers one initiator, the far end's, and there are many lanes.
 *
 * Like y1731.c, this file depends on nothing but the C library. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "probes/y1731.h"

#define RESPONDER_SLM_TESTS 8

struct responder_slm_test {
    uint64_t last_used;         /* Responder-wide sequence, for LRU. */
    uint32_t test_id;
    uint32_t count;             /* SLMs received; TxFCb of the last SLR. */
    uint16_t src_mep;
};

struct responder {
    uint16_t mep_id;            /* Responder MEP ID, put in SLRs. */
    uint8_t n_tests;            /* Entries in use in 'tests'. */
    uint8_t allocated_tests;    /* At most RESPONDER_SLM_TESTS. */
    struct responder_slm_test *tests;
    uint64_t clock;             /* Advances with every SLM. */
    uint64_t n_recycled;        /* Entries taken from another test. */
};

void responder_init(struct responder *, uint16_t mep_id);
void responder_destroy(struct responder *);
size_t responder_memory(const struct responder *);

/* Turns the request 'pdu' (a DMM or an SLM) into its reply, in place.
 * For a DMM, 'rx' is the time the request was received and 'tx' the time
 * to put in TxTimeStampb (the caller may rewrite it later, just before the
 * frame leaves).  Returns false if 'pdu' is not a request. */
bool responder_reply(struct responder *, struct y1731_pdu *pdu,
                     struct y1731_ts rx, struct y1731_ts tx);

#endif /* probes/responder.h */
