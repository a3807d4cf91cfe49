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

/* libFuzzer target for the Y.1731 frame decoder and the responder: any
 * input must be decoded or refused without reading out of bounds, whatever
 * decodes must encode back to a frame that decodes to the same PDU, and a
 * request must turn into a reply that encodes and decodes as one.
 *
 * Built by "make fuzz-y1731" with clang; tests/fuzz-run.sh runs it. */

#include "probes/responder.h"
#include "probes/y1731.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void *xrealloc(void *, size_t);

/* The responder's one allocation, its table, for the one responder here:
 * always the same block, big enough for the largest table, so that its
 * contents are kept as realloc() would keep them. */
void *
xrealloc(void *p, size_t size)
{
    static struct responder_slm_test table[RESPONDER_SLM_TESTS];

    if ((p && p != table) || size > sizeof table) {
        __builtin_trap();
    }
    return table;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct y1731_frame frame, frame2;
    struct y1731_pdu pdu, pdu2;
    uint8_t buf[Y1731_FRAME_MAX_HEADER + 70000];
    size_t len;
    int64_t delay;

    if (y1731_frame_decode(data, size, &frame, &pdu) != Y1731_OK) {
        return 0;
    }
    y1731_dm_two_way_delay(&pdu, UINT64_MAX, &delay);
    if (y1731_frame_encode(&frame, &pdu, buf, sizeof buf, &len)
        != Y1731_OK
        || y1731_frame_decode(buf, len, &frame2, &pdu2) != Y1731_OK
        || pdu2.opcode != pdu.opcode || pdu2.level != pdu.level
        || pdu2.version != pdu.version || pdu2.flags != pdu.flags
        || pdu2.data_len != pdu.data_len
        || memcmp(&pdu2.dm, &pdu.dm, sizeof pdu.dm)) {
        __builtin_trap();   /* A crash libFuzzer reports. */
    }

    /* The responder keeps state across inputs, as it does across frames. */
    static struct responder responder = { .mep_id = 1 };
    uint8_t op = pdu.opcode;
    if (responder_reply(&responder, &pdu, pdu.dm.tx_f, pdu.dm.tx_f)) {
        if ((op != Y1731_OP_DMM && op != Y1731_OP_SLM)
            || (pdu.opcode != Y1731_OP_DMR && pdu.opcode != Y1731_OP_SLR)
            || y1731_frame_encode(&frame, &pdu, buf, sizeof buf, &len)
               != Y1731_OK
            || y1731_frame_decode(buf, len, &frame2, &pdu2) != Y1731_OK
            || pdu2.opcode != pdu.opcode) {
            __builtin_trap();
        }
    } else if (op == Y1731_OP_DMM || op == Y1731_OP_SLM) {
        __builtin_trap();
    }
    return 0;
}
