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

/* Unit tests of the Y.1731 codec (probes/y1731.c).
 *
 *   test-y1731 unit         runs every check; exits 1 if one fails
 *   test-y1731 pcap FILE    writes one frame of each kind to a pcap file,
 *                           for decoding with tshark
 *   test-y1731 seeds DIR    writes the reference frames to DIR, one file
 *                           each, as a starting corpus for the fuzzer */

#include "probes/y1731.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit-check.h"

/* A DMM written out byte by byte from Y.1731 (figure 9.14-1): MEG level 5
 * in C-VLAN 100, TxTimeStampf 0x01020304.05060708, End TLV. */
static const uint8_t ref_dmm[] = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x35,             /* Dst: class 1, 5. */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,             /* Src. */
    0x81, 0x00, 0x00, 0x64,                         /* VLAN 100. */
    0x89, 0x02,                                     /* EtherType. */
    0xa0, 0x2f, 0x00, 0x20,                         /* MEL 5, v0, DMM. */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* TxTimeStampf. */
    0, 0, 0, 0, 0, 0, 0, 0,                         /* RxTimeStampf. */
    0, 0, 0, 0, 0, 0, 0, 0,                         /* TxTimeStampb. */
    0, 0, 0, 0, 0, 0, 0, 0,                         /* Reserved. */
    0x00,                                           /* End TLV. */
};

/* An SLR (figure 9.22-2): MEG level 4 in S-VLAN 200 (802.1ad) over
 * C-VLAN 10, source MEP 1, responder MEP 2, test ID 7, TxFCf 10,
 * TxFCb 9. */
static const uint8_t ref_slr[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x88, 0xa8, 0x00, 0xc8,                         /* S-VLAN 200. */
    0x81, 0x00, 0x00, 0x0a,                         /* C-VLAN 10. */
    0x89, 0x02,
    0x80, 0x36, 0x00, 0x10,                         /* MEL 4, v0, SLR. */
    0x00, 0x01, 0x00, 0x02,                         /* MEP IDs. */
    0x00, 0x00, 0x00, 0x07,                         /* Test ID. */
    0x00, 0x00, 0x00, 0x0a,                         /* TxFCf. */
    0x00, 0x00, 0x00, 0x09,                         /* TxFCb. */
    0x00,
};

static void
test_reference_frames(void)
{
    struct y1731_frame frame;
    struct y1731_pdu pdu;
    uint8_t buf[256];
    size_t len;

    CHECK(y1731_frame_decode(ref_dmm, sizeof ref_dmm, &frame, &pdu)
          == Y1731_OK);
    CHECK(frame.n_tags == 1 && frame.tpid[0] == 0x8100
          && frame.vid[0] == 100);
    CHECK(pdu.level == 5 && pdu.version == 0 && pdu.opcode == Y1731_OP_DMM);
    CHECK(pdu.dm.tx_f.sec == 0x01020304 && pdu.dm.tx_f.nsec == 0x05060708);
    CHECK(!pdu.dm.rx_f.sec && !pdu.dm.tx_b.nsec && !pdu.data_len);
    CHECK(y1731_frame_encode(&frame, &pdu, buf, sizeof buf, &len)
          == Y1731_OK);
    CHECK(len == sizeof ref_dmm && !memcmp(buf, ref_dmm, len));

    CHECK(y1731_frame_decode(ref_slr, sizeof ref_slr, &frame, &pdu)
          == Y1731_OK);
    CHECK(frame.n_tags == 2 && frame.tpid[0] == 0x88a8
          && frame.vid[0] == 200 && frame.tpid[1] == 0x8100
          && frame.vid[1] == 10);
    CHECK(pdu.level == 4 && pdu.opcode == Y1731_OP_SLR);
    CHECK(pdu.sl.src_mep == 1 && pdu.sl.resp_mep == 2
          && pdu.sl.test_id == 7 && pdu.sl.tx_fc_f == 10
          && pdu.sl.tx_fc_b == 9);
    CHECK(y1731_frame_encode(&frame, &pdu, buf, sizeof buf, &len)
          == Y1731_OK);
    CHECK(len == sizeof ref_slr && !memcmp(buf, ref_slr, len));

    uint8_t dst[6];
    y1731_multicast_dst(5, dst);
    CHECK(!memcmp(dst, ref_dmm, 6));
}

/* A small deterministic generator, so failures reproduce. */
static uint32_t
rnd(void)
{
    static uint32_t x = 2463534242u;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

static void
random_pdu(struct y1731_pdu *pdu)
{
    static const uint8_t ops[] = {
        Y1731_OP_DMM, Y1731_OP_DMR, Y1731_OP_SLM, Y1731_OP_SLR
    };

    memset(pdu, 0, sizeof *pdu);
    pdu->level = rnd() % 8;
    pdu->opcode = ops[rnd() % 4];
    pdu->flags = rnd() & 0xff;
    pdu->data_len = rnd() % 3 ? 0 : rnd() % 200;
    if (y1731_opcode_is_dm(pdu->opcode)) {
        pdu->dm.tx_f = (struct y1731_ts) { rnd(), rnd() % 1000000000 };
        pdu->dm.rx_f = (struct y1731_ts) { rnd(), rnd() % 1000000000 };
        pdu->dm.tx_b = (struct y1731_ts) { rnd(), rnd() % 1000000000 };
        pdu->dm.rx_b = (struct y1731_ts) { rnd(), rnd() % 1000000000 };
    } else {
        pdu->sl.src_mep = rnd() % 8192;
        pdu->sl.resp_mep = rnd() % 8192;
        pdu->sl.test_id = rnd();
        pdu->sl.tx_fc_f = rnd();
        pdu->sl.tx_fc_b = rnd();
    }
}

static bool
pdu_equal(const struct y1731_pdu *a, const struct y1731_pdu *b)
{
    if (a->level != b->level || a->version != b->version
        || a->opcode != b->opcode || a->flags != b->flags
        || a->data_len != b->data_len) {
        return false;
    }
    return (y1731_opcode_is_dm(a->opcode)
            ? !memcmp(&a->dm, &b->dm, sizeof a->dm)
            : !memcmp(&a->sl, &b->sl, sizeof a->sl));
}

static void
test_round_trips(void)
{
    for (int i = 0; i < 2000; i++) {
        struct y1731_frame frame = { .n_tags = rnd() % 3 }, frame2;
        struct y1731_pdu pdu, pdu2;
        uint8_t buf[512];
        size_t len;

        random_pdu(&pdu);
        for (int t = 0; t < frame.n_tags; t++) {
            frame.tpid[t] = t ? 0x8100 : 0x88a8;
            frame.vid[t] = rnd() % 4095;
        }
        CHECK(y1731_frame_encode(&frame, &pdu, buf, sizeof buf, &len)
              == Y1731_OK);
        CHECK(y1731_frame_decode(buf, len, &frame2, &pdu2) == Y1731_OK);
        CHECK(pdu_equal(&pdu, &pdu2));
        CHECK(frame2.n_tags == frame.n_tags
              && !memcmp(frame2.vid, frame.vid, sizeof frame.vid));

        /* No proper prefix of a frame is a valid frame. */
        for (size_t cut = 0; cut < len; cut += 1 + rnd() % 7) {
            CHECK(y1731_frame_decode(buf, cut, &frame2, &pdu2)
                  != Y1731_OK);
        }
        /* Padding after the End TLV is allowed. */
        memset(buf + len, 0xee, 20);
        CHECK(y1731_frame_decode(buf, len + 20, &frame2, &pdu2)
              == Y1731_OK);
        /* A buffer one byte short is refused, not overrun. */
        CHECK(y1731_frame_encode(&frame, &pdu, buf, len - 1, &len)
              == Y1731_ERR_SPACE);
    }
}

static enum y1731_error
decode_modified(size_t ofs, uint8_t value)
{
    uint8_t buf[sizeof ref_dmm + 8];
    struct y1731_frame frame;
    struct y1731_pdu pdu;

    memcpy(buf, ref_dmm, sizeof ref_dmm);
    buf[ofs] = value;
    return y1731_frame_decode(buf, sizeof ref_dmm, &frame, &pdu);
}

static void
test_malformed(void)
{
    struct y1731_frame frame;
    struct y1731_pdu pdu;
    uint8_t buf[128];

    CHECK(decode_modified(16, 0x08) == Y1731_ERR_ETHERTYPE);  /* IPv4. */
    CHECK(decode_modified(18, 0xa2) == Y1731_ERR_VERSION);
    CHECK(decode_modified(19, 0x01) == Y1731_ERR_OPCODE);     /* CCM. */
    CHECK(decode_modified(19, 0x2b) == Y1731_ERR_OPCODE);     /* LMM. */
    CHECK(decode_modified(21, 0x10) == Y1731_ERR_TLV_OFFSET);
    CHECK(decode_modified(21, 0xff) == Y1731_ERR_TLV_OFFSET);
    CHECK(decode_modified(sizeof ref_dmm - 1, 0x03) == Y1731_ERR_TLV);

    /* A Data TLV whose length runs past the end. */
    memcpy(buf, ref_dmm, sizeof ref_dmm);
    buf[sizeof ref_dmm - 1] = Y1731_TLV_DATA;
    buf[sizeof ref_dmm] = 0xff;
    buf[sizeof ref_dmm + 1] = 0xff;
    CHECK(y1731_frame_decode(buf, sizeof ref_dmm + 10, &frame, &pdu)
          == Y1731_ERR_TLV);
    /* A well-formed Data TLV with no End TLV after it. */
    buf[sizeof ref_dmm] = 0;
    buf[sizeof ref_dmm + 1] = 2;
    CHECK(y1731_frame_decode(buf, sizeof ref_dmm + 4, &frame, &pdu)
          == Y1731_ERR_NO_END_TLV);
    /* Three VLAN tags. */
    memcpy(buf, ref_dmm, 12);
    for (int i = 0; i < 3; i++) {
        memcpy(buf + 12 + 4 * i, "\x81\x00\x00\x01", 4);
    }
    memcpy(buf + 24, ref_dmm + 16, sizeof ref_dmm - 16);
    CHECK(y1731_frame_decode(buf, sizeof ref_dmm + 8, &frame, &pdu)
          == Y1731_ERR_ETHERTYPE);
    /* Nothing at all. */
    CHECK(y1731_frame_decode(buf, 0, &frame, &pdu) == Y1731_ERR_SHORT);
    CHECK(y1731_pdu_decode(buf, 3, &pdu) == Y1731_ERR_SHORT);
    for (int e = 0; e < Y1731_N_ERRORS; e++) {
        CHECK(strcmp(y1731_error_to_string(e), "unknown error"));
    }
}

static struct y1731_pdu
dmr(uint32_t tf_s, uint32_t tf_ns, uint32_t rf_s, uint32_t rf_ns,
    uint32_t tb_s, uint32_t tb_ns, uint32_t rb_s, uint32_t rb_ns)
{
    struct y1731_pdu pdu = { .opcode = Y1731_OP_DMR };

    pdu.dm.tx_f = (struct y1731_ts) { tf_s, tf_ns };
    pdu.dm.rx_f = (struct y1731_ts) { rf_s, rf_ns };
    pdu.dm.tx_b = (struct y1731_ts) { tb_s, tb_ns };
    pdu.dm.rx_b = (struct y1731_ts) { rb_s, rb_ns };
    return pdu;
}

static void
test_delay(void)
{
    const uint64_t max = 10ULL * 1000000000;   /* 10 s. */
    struct y1731_pdu p;
    int64_t d;

    /* 12.3 ms round trip, responder held it 300 us: 12 ms. */
    p = dmr(100, 0, 555, 1000, 555, 301000, 100, 12300000);
    CHECK(y1731_dm_two_way_delay(&p, max, &d) && d == 12000000);
    /* A responder that does not fill its timestamps: whole round trip. */
    p = dmr(100, 0, 0, 0, 0, 0, 100, 12300000);
    CHECK(y1731_dm_two_way_delay(&p, max, &d) && d == 12300000);
    /* The seconds field wraps between request and reply. */
    p = dmr(0xffffffff, 999000000, 7, 999999000, 8, 0, 0, 4000000);
    CHECK(y1731_dm_two_way_delay(&p, max, &d) && d == 4999000);
    CHECK(y1731_ts_diff_ns((struct y1731_ts) { 0, 0 },
                           (struct y1731_ts) { 0xffffffff, 0 })
          == 1000000000);
    /* Impossible: a reply before its request. */
    p = dmr(100, 5000, 0, 0, 0, 0, 100, 4000);
    CHECK(!y1731_dm_two_way_delay(&p, max, &d));
    /* Impossible: the responder held it longer than the round trip. */
    p = dmr(100, 0, 555, 0, 556, 0, 100, 500000000);
    CHECK(!y1731_dm_two_way_delay(&p, max, &d));
    /* Impossible: the responder's clock ran backwards. */
    p = dmr(100, 0, 555, 5000, 555, 1000, 100, 500000000);
    CHECK(!y1731_dm_two_way_delay(&p, max, &d));
    /* Beyond any plausible bound. */
    p = dmr(100, 0, 0, 0, 0, 0, 200, 0);
    CHECK(!y1731_dm_two_way_delay(&p, max, &d));
    /* Nanoseconds out of range, and a request with no timestamp. */
    p = dmr(100, 1000000000, 0, 0, 0, 0, 100, 1);
    CHECK(!y1731_dm_two_way_delay(&p, max, &d));
    p = dmr(0, 0, 0, 0, 0, 0, 100, 1);
    CHECK(!y1731_dm_two_way_delay(&p, max, &d));
    /* Conversions. */
    struct y1731_ts ts = y1731_ts_from_ns(5ULL * 1000000000 + 7);
    CHECK(ts.sec == 5 && ts.nsec == 7);
    ts = y1731_ts_from_ns((1ULL << 32) * 1000000000 + 3);
    CHECK(ts.sec == 0 && ts.nsec == 3);
}

static void
write_pcap(const char *file_name)
{
    static const uint8_t pcap_header[24] = {
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0,     /* Magic, version 2.4. */
        0, 0, 0, 0, 0, 0, 0, 0,                 /* Zone, accuracy. */
        0xff, 0xff, 0, 0, 1, 0, 0, 0,           /* Snaplen, Ethernet. */
    };
    static const uint8_t ops[] = {
        Y1731_OP_DMM, Y1731_OP_DMR, Y1731_OP_SLM, Y1731_OP_SLR
    };
    FILE *f = fopen(file_name, "wb");

    if (!f) {
        perror(file_name);
        exit(1);
    }
    fwrite(pcap_header, 1, sizeof pcap_header, f);
    for (int i = 0; i < 4; i++) {
        struct y1731_frame frame = {
            .src = { 0x02, 0, 0, 0, 0, 0x01 },
            .n_tags = 1, .tpid = { 0x8100 }, .vid = { 100 },
        };
        struct y1731_pdu pdu = { .level = 4, .opcode = ops[i] };
        uint8_t buf[256], rec[16] = { 0 };
        size_t len;

        y1731_multicast_dst(pdu.level, frame.dst);
        if (y1731_opcode_is_dm(pdu.opcode)) {
            pdu.dm.tx_f = (struct y1731_ts) { 1000, 250000000 };
            if (pdu.opcode == Y1731_OP_DMR) {
                pdu.dm.rx_f = (struct y1731_ts) { 2000, 1000 };
                pdu.dm.tx_b = (struct y1731_ts) { 2000, 9000 };
            }
        } else {
            pdu.sl.src_mep = 11;
            pdu.sl.test_id = 77;
            pdu.sl.tx_fc_f = 1234;
            if (pdu.opcode == Y1731_OP_SLR) {
                pdu.sl.resp_mep = 22;
                pdu.sl.tx_fc_b = 1200;
            }
        }
        if (y1731_frame_encode(&frame, &pdu, buf, sizeof buf, &len)) {
            exit(1);
        }
        rec[8] = rec[12] = len;
        fwrite(rec, 1, sizeof rec, f);
        fwrite(buf, 1, len, f);
    }
    fclose(f);
}

static void
write_seed(const char *dir, const char *name, const uint8_t *data,
           size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
        perror(path);
        exit(1);
    }
}

int
main(int argc, char *argv[])
{
    if (argc == 3 && !strcmp(argv[1], "pcap")) {
        write_pcap(argv[2]);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "seeds")) {
        write_seed(argv[2], "dmm", ref_dmm, sizeof ref_dmm);
        write_seed(argv[2], "slr", ref_slr, sizeof ref_slr);
        return 0;
    }
    if (argc != 2 || strcmp(argv[1], "unit")) {
        fprintf(stderr, "usage: %s unit | pcap FILE | seeds DIR\n",
                argv[0]);
        return 2;
    }
    test_reference_frames();
    test_round_trips();
    test_malformed();
    test_delay();
    return unit_check_report();
}
