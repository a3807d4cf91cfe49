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
 * tests and the fuzz target. */

#include "probes/responder.h"

#include <string.h>

void
responder_init(struct responder *r, uint16_t mep_id)
{
    memset(r, 0, sizeof *r);
    r->mep_id = mep_id;
}

/* Returns the count of SLMs for ('src_mep', 'test_id'), after counting one
 * more. */
static uint32_t
count_slm(struct responder *r, uint16_t src_mep, uint32_t test_id)
{
    struct responder_slm_test *victim = NULL;

    r->clock++;
    for (size_t i = 0; i < RESPONDER_SLM_TESTS; i++) {
        struct responder_slm_test *t = &r->tests[i];

        if (t->in_use && t->src_mep == src_mep && t->test_id == test_id) {
            t->last_used = r->clock;
            return ++t->count;
        }
        if (!victim || !t->in_use
            || (victim->in_use && t->last_used < victim->last_used)) {
            victim = t;
        }
    }
    if (victim->in_use) {
        r->n_recycled++;
    }
    victim->in_use = true;
    victim->src_mep = src_mep;
    victim->test_id = test_id;
    victim->last_used = r->clock;
    victim->count = 1;
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
