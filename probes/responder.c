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

/* No <config.h>: like y1731.c, this file builds on its own for the unit
 * tests and the fuzz target.  Its one allocation goes through xrealloc(),
 * Open vSwitch's in the switch and the unit tests, the fuzz target's own
 * there. */

#include "probes/responder.h"

#include <stdlib.h>
#include <string.h>

void *xrealloc(void *, size_t);

void
responder_init(struct responder *r, uint16_t mep_id)
{
    memset(r, 0, sizeof *r);
    r->mep_id = mep_id;
}

void
responder_destroy(struct responder *r)
{
    free(r->tests);
    r->tests = NULL;
    r->n_tests = r->allocated_tests = 0;
}

/* Bytes of memory 'r' holds beyond itself. */
size_t
responder_memory(const struct responder *r)
{
    return r->allocated_tests * sizeof *r->tests;
}

/* Returns an entry for a pair not in the table: a new one while the table
 * may grow, otherwise the least recently used. */
static struct responder_slm_test *
new_test(struct responder *r)
{
    if (r->n_tests < r->allocated_tests) {
        return &r->tests[r->n_tests++];
    }
    if (r->allocated_tests < RESPONDER_SLM_TESTS) {
        /* 1, 2, 4, then the limit. */
        size_t n = r->allocated_tests ? 2 * r->allocated_tests : 1;

        n = n < RESPONDER_SLM_TESTS ? n : RESPONDER_SLM_TESTS;
        r->tests = xrealloc(r->tests, n * sizeof *r->tests);
        r->allocated_tests = n;
        return &r->tests[r->n_tests++];
    }

    struct responder_slm_test *victim = &r->tests[0];
    for (size_t i = 1; i < r->n_tests; i++) {
        if (r->tests[i].last_used < victim->last_used) {
            victim = &r->tests[i];
        }
    }
    r->n_recycled++;
    return victim;
}

/* Returns the count of SLMs for ('src_mep', 'test_id'), after counting one
 * more. */
static uint32_t
count_slm(struct responder *r, uint16_t src_mep, uint32_t test_id)
{
    struct responder_slm_test *t;

    r->clock++;
    for (size_t i = 0; i < r->n_tests; i++) {
        t = &r->tests[i];
        if (t->src_mep == src_mep && t->test_id == test_id) {
            t->last_used = r->clock;
            return ++t->count;
        }
    }

    t = new_test(r);
    *t = (struct responder_slm_test) {
        .src_mep = src_mep,
        .test_id = test_id,
        .last_used = r->clock,
        .count = 1,
    };
    return 1;
}
bool
responder_reply(struct responder *r, struct y1731_pdu *pdu,
                struct y1731_ts rx, struct y1731_ts tx)
{
    switch (pdu->opcode) {
    case Y1731_OP_DMM:
        /* TxTimeStampf is echoed; RxTimeStampb belongs to the initiator
         * and goes out as zero. */
        pdu->opcode = Y1731_OP_DMR;
        pdu->dm.rx_f = rx;
        pdu->dm.tx_b = tx;
        pdu->dm.rx_b = (struct y1731_ts) { 0, 0 };
        return true;

    case Y1731_OP_SLM:
        pdu->opcode = Y1731_OP_SLR;
        pdu->sl.resp_mep = r->mep_id;
        pdu->sl.tx_fc_b = count_slm(r, pdu->sl.src_mep, pdu->sl.test_id);
        return true;

    default:
        return false;
    }
}
