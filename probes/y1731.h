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

#ifndef PROBES_Y1731_H
#define PROBES_Y1731_H 1

/* ITU-T Y.1731 delay and synthetic loss measurement PDUs.
 *
 * Encoding and decoding of ETH-DM (DMM/DMR) and ETH-SLM (SLM/SLR) frames,
 * EtherType 0x8902, optionally in one or two VLAN tags.  Frames come from
 * the network, so the decoder trusts nothing: every length is checked
 * before it is used, the TLV chain must end with an End TLV inside the
 * frame, and each error has its own code so that it can be counted.
 *
 * This file depends on nothing but the C library, so that it can be unit
 * tested and fuzzed on its own. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define Y1731_ETH_TYPE 0x8902

/* Common CFM header: MEG level and version, opcode, flags, TLV offset. */
#define Y1731_HEADER_LEN 4

enum y1731_opcode {
    Y1731_OP_DMR = 46,
    Y1731_OP_DMM = 47,
    Y1731_OP_SLR = 54,
    Y1731_OP_SLM = 55,
};

/* The "first TLV offset" each PDU carries: the length of its fixed part
 * after the common header. */
#define Y1731_DM_TLV_OFFSET 32
#define Y1731_SL_TLV_OFFSET 16

/* TLV types this code knows. */
#define Y1731_TLV_END 0
#define Y1731_TLV_DATA 3
#define Y1731_TLV_TEST 32

/* A Y.1731 timestamp: the PTP format, 32 bits of seconds (wrapping every
 * 136 years) and 32 bits of nanoseconds. */
struct y1731_ts {
    uint32_t sec;
    uint32_t nsec;
};

struct y1731_pdu {
    uint8_t level;              /* MEG level, 0...7. */
    uint8_t version;            /* 0 (1 is accepted on input). */
    uint8_t opcode;             /* enum y1731_opcode. */
    uint8_t flags;
    union {
        struct {                /* DMM, DMR. */
            struct y1731_ts tx_f;   /* TxTimeStampf. */
            struct y1731_ts rx_f;   /* RxTimeStampf (0 in DMM). */
            struct y1731_ts tx_b;   /* TxTimeStampb (0 in DMM). */
            struct y1731_ts rx_b;   /* RxTimeStampb (receiver's own). */
        } dm;
        struct {                /* SLM, SLR. */
            uint16_t src_mep;       /* Source MEP ID. */
            uint16_t resp_mep;      /* Responder MEP ID (0 in SLM). */
            uint32_t test_id;
            uint32_t tx_fc_f;       /* Initiator's count. */
            uint32_t tx_fc_b;       /* Responder's count (0 in SLM). */
        } sl;
    };
    uint16_t data_len;          /* Length of a Data TLV to pad with (encode)
                                 * or found (decode), 0 for none. */
};

enum y1731_error {
    Y1731_OK = 0,
    Y1731_ERR_SHORT,            /* Shorter than its headers or fixed part. */
    Y1731_ERR_ETHERTYPE,        /* Not EtherType 0x8902. */
    Y1731_ERR_VERSION,          /* Version other than 0 or 1. */
    Y1731_ERR_OPCODE,           /* Not DMM, DMR, SLM or SLR. */
    Y1731_ERR_TLV_OFFSET,       /* Offset does not fit the opcode. */
    Y1731_ERR_TLV,              /* A TLV runs past the end of the frame. */
    Y1731_ERR_NO_END_TLV,       /* No End TLV before the end. */
    Y1731_ERR_SPACE,            /* (Encoding) the buffer is too small. */
    Y1731_N_ERRORS
};

const char *y1731_error_to_string(enum y1731_error);
const char *y1731_opcode_to_string(uint8_t opcode);
bool y1731_opcode_is_dm(uint8_t opcode);

/* PDU: from the first byte after the EtherType. */
enum y1731_error y1731_pdu_decode(const void *, size_t len,
                                  struct y1731_pdu *);
size_t y1731_pdu_len(const struct y1731_pdu *);
enum y1731_error y1731_pdu_encode(const struct y1731_pdu *, void *buf,
                                  size_t size, size_t *lenp);

/* Ethernet framing around a PDU: addresses and up to two VLAN tags. */
struct y1731_frame {
    uint8_t dst[6];
    uint8_t src[6];
    uint16_t tpid[2];           /* TPID of each tag, outer first. */
    uint16_t vid[2];            /* VLAN ID of each tag, outer first. */
    uint8_t n_tags;             /* 0, 1 or 2. */
};

#define Y1731_FRAME_MAX_HEADER (14 + 2 * 4)

enum y1731_error y1731_frame_decode(const void *, size_t len,
                                    struct y1731_frame *,
                                    struct y1731_pdu *);
enum y1731_error y1731_frame_encode(const struct y1731_frame *,
                                    const struct y1731_pdu *, void *buf,
                                    size_t size, size_t *lenp);

/* The class 1 multicast destination for MEG level 'level':
 * 01-80-C2-00-00-3x with x = level. */
void y1731_multicast_dst(uint8_t level, uint8_t dst[6]);

/* Timestamps. */
struct y1731_ts y1731_ts_from_ns(uint64_t ns);
void y1731_ts_put(void *, struct y1731_ts);

/* Byte offsets, from the first byte of an encoded DMM or DMR, of the
 * timestamps that are written as late as possible: TxTimeStampf (set by
 * the initiator just before the DMM leaves) and TxTimeStampb (set by the
 * responder just before the DMR leaves). */
#define Y1731_DM_TX_F_OFFSET Y1731_HEADER_LEN
#define Y1731_DM_TX_B_OFFSET (Y1731_HEADER_LEN + 16)

int64_t y1731_ts_diff_ns(struct y1731_ts a, struct y1731_ts b);

/* The two-way frame delay of a DMR, in nanoseconds:
 * (RxTimeStampb - TxTimeStampf) - (TxTimeStampb - RxTimeStampf).
 * The responder's time is subtracted only if it filled both of its
 * timestamps.  Returns false, and leaves '*delay_ns' alone, if the
 * timestamps are impossible: a reply before its request, a responder that
 * took negative time or longer than the whole round trip, or a delay above
 * 'max_ns'. */
bool y1731_dm_two_way_delay(const struct y1731_pdu *dmr, uint64_t max_ns,
                            int64_t *delay_ns);

#endif /* probes/y1731.h */
