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

/* Unit tests of the responder and of the per-second lane history. */

#include <config.h>

#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "probes/lane-history.h"
#include "probes/responder.h"
#include "tests/unit-check.h"

static struct y1731_pdu
make_slm(uint16_t src_mep, uint32_t test_id, uint32_t tx_fc_f)
{
    struct y1731_pdu pdu = {
        .level = 4,
        .opcode = Y1731_OP_SLM,
        .sl = { .src_mep = src_mep, .test_id = test_id, .tx_fc_f = tx_fc_f },
    };
    return pdu;
}

static void
test_responder_dmm(void)
{
    struct responder r;
    struct y1731_pdu pdu = {
        .level = 5,
        .opcode = Y1731_OP_DMM,
        .dm = { .tx_f = { 100, 200 }, .rx_b = { 7, 7 } },
        .data_len = 40,
    };

    responder_init(&r, 9);
    CHECK(responder_reply(&r, &pdu, (struct y1731_ts) { 300, 400 },
                          (struct y1731_ts) { 301, 500 }));
    CHECK(pdu.opcode == Y1731_OP_DMR);
    CHECK(pdu.level == 5);
    CHECK(pdu.dm.tx_f.sec == 100 && pdu.dm.tx_f.nsec == 200);
    CHECK(pdu.dm.rx_f.sec == 300 && pdu.dm.rx_f.nsec == 400);
    CHECK(pdu.dm.tx_b.sec == 301 && pdu.dm.tx_b.nsec == 500);
    /* The initiator's own receive time never comes from the network. */
    CHECK(pdu.dm.rx_b.sec == 0 && pdu.dm.rx_b.nsec == 0);
    /* Padding is returned as it came. */
    CHECK(pdu.data_len == 40);

    /* Replies are not requests. */
    CHECK(!responder_reply(&r, &pdu, pdu.dm.rx_f, pdu.dm.tx_b));
    pdu.opcode = Y1731_OP_SLR;
    CHECK(!responder_reply(&r, &pdu, pdu.dm.rx_f, pdu.dm.tx_b));

    /* DMMs need no table. */
    CHECK(responder_memory(&r) == 0);
    responder_destroy(&r);
}

static void
test_responder_slm_counts(void)
{
    struct y1731_ts zero = { 0, 0 };
    struct responder r;
    struct y1731_pdu pdu;

    responder_init(&r, 21);

    /* One count per (source MEP, test ID). */
    for (uint32_t i = 1; i <= 5; i++) {
        pdu = make_slm(7, 1, 1000 + i);
        CHECK(responder_reply(&r, &pdu, zero, zero));
        CHECK(pdu.opcode == Y1731_OP_SLR);
        CHECK(pdu.sl.resp_mep == 21);
        CHECK(pdu.sl.src_mep == 7 && pdu.sl.test_id == 1);
        CHECK(pdu.sl.tx_fc_f == 1000 + i);
        CHECK(pdu.sl.tx_fc_b == i);
    }
    pdu = make_slm(7, 2, 1);
    responder_reply(&r, &pdu, zero, zero);
    CHECK(pdu.sl.tx_fc_b == 1);
    pdu = make_slm(8, 1, 1);
    responder_reply(&r, &pdu, zero, zero);
    CHECK(pdu.sl.tx_fc_b == 1);
    pdu = make_slm(7, 1, 1006);
    responder_reply(&r, &pdu, zero, zero);
    CHECK(pdu.sl.tx_fc_b == 6);
    CHECK(r.n_recycled == 0);
    /* Three pairs: room for four, not for the limit. */
    CHECK(r.n_tests == 3);
    CHECK(responder_memory(&r) == 4 * sizeof r.tests[0]);

    /* A flood of new pairs recycles the least recently used entries and
     * never grows the table; the busiest test keeps its count while it is
     * used in between. */
    for (uint32_t t = 100; t < 100 + 10 * RESPONDER_SLM_TESTS; t++) {
        pdu = make_slm(99, t, 1);
        responder_reply(&r, &pdu, zero, zero);
        CHECK(pdu.sl.tx_fc_b == 1);
        pdu = make_slm(7, 1, 0);
        responder_reply(&r, &pdu, zero, zero);
    }
    CHECK(pdu.sl.tx_fc_b == 6 + 10 * RESPONDER_SLM_TESTS);
    CHECK(r.n_recycled > 0);
    CHECK(r.n_tests == RESPONDER_SLM_TESTS);
    CHECK(responder_memory(&r) == RESPONDER_SLM_TESTS * sizeof r.tests[0]);

    /* Counts wrap modulo 2**32, as the initiator expects. */
    r.tests[0].src_mep = 500;
    r.tests[0].test_id = 5;
    r.tests[0].count = UINT32_MAX;
    pdu = make_slm(500, 5, 1);
    responder_reply(&r, &pdu, zero, zero);
    CHECK(pdu.sl.tx_fc_b == 0);
    responder_destroy(&r);
}

static void
test_history_seconds(void)
{
    struct lane_history h;
    const struct lane_history_rec *rec;

    lane_history_init(&h, 10);

    /* Second 100: three delays and a loss report. */
    lane_history_add_delay(&h, 100000, 2000000, LANE_HISTORY_UP);
    lane_history_add_delay(&h, 100400, 4000000, LANE_HISTORY_UP);
    lane_history_add_delay(&h, 100999, 3000000, LANE_HISTORY_UP);
    lane_history_add_loss(&h, 100500, 10, 2, 1, LANE_HISTORY_UP);
    CHECK(lane_history_count(&h) == 0);

    /* Second 101 starts: 100 is closed. */
    lane_history_add_delay(&h, 101000, 1000000, LANE_HISTORY_DEGRADED);
    CHECK(lane_history_count(&h) == 1);
    rec = lane_history_get(&h, 0);
    CHECK(rec->sec == 100);
    CHECK(rec->n_delays == 3);
    CHECK(rec->rtt_min_us == 2000 && rec->rtt_max_us == 4000);
    CHECK(rec->rtt_mean_us == 3000);
    CHECK(rec->slm_sent == 10 && rec->far_lost == 2 && rec->near_lost == 1);
    CHECK(rec->state == LANE_HISTORY_DEGRADED);

    /* Three silent seconds show as three records with no delay. */
    lane_history_advance(&h, 105000, LANE_HISTORY_DOWN);
    CHECK(lane_history_count(&h) == 5);
    CHECK(lane_history_get(&h, 1)->sec == 101);
    CHECK(lane_history_get(&h, 1)->n_delays == 1);
    for (size_t i = 2; i < 5; i++) {
        rec = lane_history_get(&h, i);
        CHECK(rec->sec == 100 + i);
        CHECK(rec->n_delays == 0 && rec->state == LANE_HISTORY_DOWN);
    }

    /* The ring keeps the last 10 seconds, oldest first. */
    lane_history_advance(&h, 130000, LANE_HISTORY_UP);
    CHECK(lane_history_count(&h) == 10);
    CHECK(lane_history_get(&h, 0)->sec == 120);
    CHECK(lane_history_get(&h, 9)->sec == 129);
    lane_history_advance(&h, 131000, LANE_HISTORY_UP);
    CHECK(lane_history_get(&h, 0)->sec == 121);
    CHECK(lane_history_get(&h, 9)->sec == 130);

    /* The text form: a header and one line per second, gnuplot-ready. */
    struct ds s = DS_EMPTY_INITIALIZER;
    lane_history_format(&h, 1700000131000LL, 131000, &s);
    const char *p = ds_cstr(&s);
    CHECK(!strncmp(p, "# time state rtt_min_us", 23));
    CHECK(strstr(p, "\n1700000121 up ? ? ? 0 0 0 0\n") != NULL);
    int lines = 0;
    for (; *p; p++) {
        lines += *p == '\n';
    }
    CHECK(lines == 11);
    ds_destroy(&s);

    /* No history at all. */
    lane_history_set_max(&h, 0);
    lane_history_advance(&h, 200000, LANE_HISTORY_UP);
    lane_history_advance(&h, 205000, LANE_HISTORY_UP);
    CHECK(lane_history_count(&h) == 0);
    lane_history_destroy(&h);
}

int
main(void)
{
    test_responder_dmm();
    test_responder_slm_counts();
    test_history_seconds();
    return unit_check_report();
}
