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

/* No <config.h>: this file uses nothing of OVS, so that the fuzz target
 * and the unit tests build it on its own (see y1731.h). */
#include "probes/y1731.h"

#include <string.h>

#define NSEC_PER_SEC 1000000000ULL

#define ETH_TYPE_VLAN_8021Q 0x8100
#define ETH_TYPE_VLAN_8021AD 0x88a8

/* Big-endian reads and writes on byte buffers, so that nothing depends on
 * the alignment of a frame in memory. */
static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t) p[0] << 8 | p[1];
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t) get16(p) << 16 | get16(p + 2);
}

static void
put16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
}

static void
put32(uint8_t *p, uint32_t x)
{
    put16(p, x >> 16);
    put16(p + 2, x);
}

static struct y1731_ts
get_ts(const uint8_t *p)
{
    return (struct y1731_ts) { .sec = get32(p), .nsec = get32(p + 4) };
}

/* Writes 'ts' in wire format at 'p_'. */
void
y1731_ts_put(void *p_, struct y1731_ts ts)
{
    uint8_t *p = p_;

    put32(p, ts.sec);
    put32(p + 4, ts.nsec);
}

const char *
y1731_error_to_string(enum y1731_error error)
{
    switch (error) {
    case Y1731_OK: return "ok";
    case Y1731_ERR_SHORT: return "truncated";
    case Y1731_ERR_ETHERTYPE: return "not Y.1731";
    case Y1731_ERR_VERSION: return "unknown version";
    case Y1731_ERR_OPCODE: return "unknown opcode";
    case Y1731_ERR_TLV_OFFSET: return "wrong TLV offset";
    case Y1731_ERR_TLV: return "TLV past the end";
    case Y1731_ERR_NO_END_TLV: return "no End TLV";
    case Y1731_ERR_SPACE: return "buffer too small";
    case Y1731_N_ERRORS:
    default: return "unknown error";
    }
}

const char *
y1731_opcode_to_string(uint8_t opcode)
{
    switch (opcode) {
    case Y1731_OP_DMM: return "DMM";
    case Y1731_OP_DMR: return "DMR";
    case Y1731_OP_SLM: return "SLM";
    case Y1731_OP_SLR: return "SLR";
    default: return "unknown";
    }
}

bool
y1731_opcode_is_dm(uint8_t opcode)
{
    return opcode == Y1731_OP_DMM || opcode == Y1731_OP_DMR;
}

static int
fixed_len(uint8_t opcode)
{
    switch (opcode) {
    case Y1731_OP_DMM:
    case Y1731_OP_DMR:
        return Y1731_DM_TLV_OFFSET;
    case Y1731_OP_SLM:
    case Y1731_OP_SLR:
        return Y1731_SL_TLV_OFFSET;
    default:
        return -1;
    }
}

/* Walks the TLVs in 'p' (of 'len' bytes) up to the End TLV.  Stores the
 * length of the first Data or Test TLV's value in '*data_len'. */
static enum y1731_error
walk_tlvs(const uint8_t *p, size_t len, uint16_t *data_len)
{
    size_t ofs = 0;

    *data_len = 0;
    for (;;) {
        uint16_t tlv_len;
        uint8_t type;

        if (ofs >= len) {
            return Y1731_ERR_NO_END_TLV;
        }
        type = p[ofs];
        if (type == Y1731_TLV_END) {
            /* The End TLV has no length field; anything after it is
             * padding (for example up to the Ethernet minimum). */
            return Y1731_OK;
        }
        if (len - ofs < 3) {
            return Y1731_ERR_TLV;
        }
        tlv_len = get16(&p[ofs + 1]);
        if (len - ofs - 3 < tlv_len) {
            return Y1731_ERR_TLV;
        }
        if ((type == Y1731_TLV_DATA || type == Y1731_TLV_TEST)
            && !*data_len) {
            *data_len = tlv_len;
        }
        ofs += 3 + tlv_len;
    }
}

enum y1731_error
y1731_pdu_decode(const void *data, size_t len, struct y1731_pdu *pdu)
{
    const uint8_t *p = data;
    enum y1731_error error;
    int fixed;

    memset(pdu, 0, sizeof *pdu);
    if (len < Y1731_HEADER_LEN) {
        return Y1731_ERR_SHORT;
    }
    pdu->level = p[0] >> 5;
    pdu->version = p[0] & 0x1f;
    pdu->opcode = p[1];
    pdu->flags = p[2];
    if (pdu->version > 1) {
        return Y1731_ERR_VERSION;
    }
    fixed = fixed_len(pdu->opcode);
    if (fixed < 0) {
        return Y1731_ERR_OPCODE;
    }
    if (p[3] != fixed) {
        return Y1731_ERR_TLV_OFFSET;
    }
    if (len - Y1731_HEADER_LEN < fixed) {
        return Y1731_ERR_SHORT;
    }

    p += Y1731_HEADER_LEN;
    if (fixed == Y1731_DM_TLV_OFFSET) {
        pdu->dm.tx_f = get_ts(p);
        pdu->dm.rx_f = get_ts(p + 8);
        pdu->dm.tx_b = get_ts(p + 16);
        pdu->dm.rx_b = get_ts(p + 24);
    } else {
        pdu->sl.src_mep = get16(p);
        pdu->sl.resp_mep = get16(p + 2);
        pdu->sl.test_id = get32(p + 4);
        pdu->sl.tx_fc_f = get32(p + 8);
        pdu->sl.tx_fc_b = get32(p + 12);
    }

    error = walk_tlvs(p + fixed, len - Y1731_HEADER_LEN - fixed,
                      &pdu->data_len);
    return error;
}

/* The encoded length of 'pdu': header, fixed part, an optional Data TLV,
 * the End TLV. */
size_t
y1731_pdu_len(const struct y1731_pdu *pdu)
{
    int fixed = fixed_len(pdu->opcode);

    return (Y1731_HEADER_LEN + (fixed < 0 ? 0 : fixed)
            + (pdu->data_len ? 3 + pdu->data_len : 0) + 1);
}

enum y1731_error
y1731_pdu_encode(const struct y1731_pdu *pdu, void *buf, size_t size,
                 size_t *lenp)
{
    int fixed = fixed_len(pdu->opcode);
    size_t len = y1731_pdu_len(pdu);
    uint8_t *p = buf;

    if (fixed < 0) {
        return Y1731_ERR_OPCODE;
    }
    if (size < len) {
        return Y1731_ERR_SPACE;
    }
    p[0] = (pdu->level & 7) << 5 | (pdu->version & 0x1f);
    p[1] = pdu->opcode;
    p[2] = pdu->flags;
    p[3] = fixed;
    p += Y1731_HEADER_LEN;
    if (fixed == Y1731_DM_TLV_OFFSET) {
        y1731_ts_put(p, pdu->dm.tx_f);
        y1731_ts_put(p + 8, pdu->dm.rx_f);
        y1731_ts_put(p + 16, pdu->dm.tx_b);
        y1731_ts_put(p + 24, pdu->dm.rx_b);
    } else {
        put16(p, pdu->sl.src_mep);
        put16(p + 2, pdu->sl.resp_mep);
        put32(p + 4, pdu->sl.test_id);
        put32(p + 8, pdu->sl.tx_fc_f);
        put32(p + 12, pdu->sl.tx_fc_b);
    }
    p += fixed;
    if (pdu->data_len) {
        /* A Data TLV of zeros, to make probes as long as traffic. */
        p[0] = Y1731_TLV_DATA;
        put16(p + 1, pdu->data_len);
        memset(p + 3, 0, pdu->data_len);
        p += 3 + pdu->data_len;
    }
    p[0] = Y1731_TLV_END;
    *lenp = len;
    return Y1731_OK;
}

enum y1731_error
y1731_frame_decode(const void *data, size_t len, struct y1731_frame *frame,
                   struct y1731_pdu *pdu)
{
    const uint8_t *p = data;
    size_t ofs = 12;
    uint16_t type;

    memset(frame, 0, sizeof *frame);
    memset(pdu, 0, sizeof *pdu);
    if (len < 14) {
        return Y1731_ERR_SHORT;
    }
    memcpy(frame->dst, p, 6);
    memcpy(frame->src, p + 6, 6);
    type = get16(p + ofs);
    while (type == ETH_TYPE_VLAN_8021Q || type == ETH_TYPE_VLAN_8021AD) {
        if (frame->n_tags >= 2) {
            return Y1731_ERR_ETHERTYPE;
        }
        if (len - ofs < 6) {
            return Y1731_ERR_SHORT;
        }
        frame->tpid[frame->n_tags] = type;
        frame->vid[frame->n_tags] = get16(p + ofs + 2) & 0xfff;
        frame->n_tags++;
        ofs += 4;
        type = get16(p + ofs);
    }
    if (type != Y1731_ETH_TYPE) {
        return Y1731_ERR_ETHERTYPE;
    }
    ofs += 2;
    return y1731_pdu_decode(p + ofs, len - ofs, pdu);
}

enum y1731_error
y1731_frame_encode(const struct y1731_frame *frame,
                   const struct y1731_pdu *pdu, void *buf, size_t size,
                   size_t *lenp)
{
    uint8_t *p = buf;
    size_t ofs, pdu_len;
    enum y1731_error error;

    if (frame->n_tags > 2) {
        return Y1731_ERR_ETHERTYPE;
    }
    ofs = 12 + 4 * frame->n_tags + 2;
    if (size < ofs) {
        return Y1731_ERR_SPACE;
    }
    memcpy(p, frame->dst, 6);
    memcpy(p + 6, frame->src, 6);
    for (int i = 0; i < frame->n_tags; i++) {
        put16(p + 12 + 4 * i, frame->tpid[i]);
        put16(p + 14 + 4 * i, frame->vid[i] & 0xfff);
    }
    put16(p + ofs - 2, Y1731_ETH_TYPE);

    error = y1731_pdu_encode(pdu, p + ofs, size - ofs, &pdu_len);
    if (error) {
        return error;
    }
    *lenp = ofs + pdu_len;
    return Y1731_OK;
}

void
y1731_multicast_dst(uint8_t level, uint8_t dst[6])
{
    static const uint8_t base[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x30 };

    memcpy(dst, base, 6);
    dst[5] |= level & 7;
}

struct y1731_ts
y1731_ts_from_ns(uint64_t ns)
{
    return (struct y1731_ts) {
        .sec = ns / NSEC_PER_SEC,       /* Modulo 2**32, as on the wire. */
        .nsec = ns % NSEC_PER_SEC,
    };
}

/* Returns 'a' - 'b' in nanoseconds.  Seconds are compared modulo 2**32, so
 * a difference across the wrap of the seconds field comes out right as long
 * as the true difference is under 68 years. */
int64_t
y1731_ts_diff_ns(struct y1731_ts a, struct y1731_ts b)
{
    int32_t dsec = (int32_t) (a.sec - b.sec);

    return (int64_t) dsec * (int64_t) NSEC_PER_SEC
           + ((int64_t) a.nsec - (int64_t) b.nsec);
}

static bool
ts_valid(struct y1731_ts ts)
{
    return ts.nsec < NSEC_PER_SEC;
}

static bool
ts_is_zero(struct y1731_ts ts)
{
    return !ts.sec && !ts.nsec;
}

bool
y1731_dm_two_way_delay(const struct y1731_pdu *dmr, uint64_t max_ns,
                       int64_t *delay_ns)
{
    const struct y1731_ts tx_f = dmr->dm.tx_f, rx_f = dmr->dm.rx_f;
    const struct y1731_ts tx_b = dmr->dm.tx_b, rx_b = dmr->dm.rx_b;
    int64_t round_trip, responder = 0;

    if (!ts_valid(tx_f) || !ts_valid(rx_f) || !ts_valid(tx_b)
        || !ts_valid(rx_b) || ts_is_zero(tx_f)) {
        return false;
    }
    round_trip = y1731_ts_diff_ns(rx_b, tx_f);
    if (round_trip < 0) {
        return false;           /* The reply arrived before the request. */
    }
    if (!ts_is_zero(rx_f) && !ts_is_zero(tx_b)) {
        responder = y1731_ts_diff_ns(tx_b, rx_f);
        if (responder < 0 || responder > round_trip) {
            return false;
        }
    }
    if ((uint64_t) (round_trip - responder) > max_ns) {
        return false;
    }
    *delay_ns = round_trip - responder;
    return true;
}
