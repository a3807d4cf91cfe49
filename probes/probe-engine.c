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

#include <config.h>

#include "probes/probe-engine.h"

#include "coverage.h"
#include "hash.h"
#include "heap.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "packets.h"
#include "probes/lane-history.h"
#include "probes/lane-stats.h"
#include "probes/probe-io.h"
#include "probes/responder.h"
#include "probes/y1731.h"
#include "random.h"
#include "seq.h"
#include "simap.h"
#include "timeval.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(probe_engine);

COVERAGE_DEFINE(probe_tx_dmm);
COVERAGE_DEFINE(probe_tx_slm);
COVERAGE_DEFINE(probe_tx_reply);
COVERAGE_DEFINE(probe_rx_reply);
COVERAGE_DEFINE(probe_rx_rejected);
COVERAGE_DEFINE(probe_lane_down);

/* The timers count in microseconds of OVS's monotonic clock (time_usec()),
 * not in its milliseconds: at 1 ms intervals, rounds and detection
 * deadlines taken at whole milliseconds would be up to a third of the
 * detection time early or late. */
#define USEC_TO_PRIO(TIME) (LLONG_MAX - (TIME))
#define PRIO_TO_USEC(PRIO) (LLONG_MAX - (PRIO))

/* Delays kept for percentiles. */
#define DELAY_WINDOW 128

/* One probe round (a DMM and an SLM sent together) waiting for replies. */
struct probe_slot {
    uint32_t seq;               /* Round number; the SLM's TxFCf. */
    bool used;
    bool dmr_seen;
    bool slr_seen;
    struct y1731_ts dmm_tx;     /* TxTimeStampf of the DMM, as sent. */
};

/* Why a received frame was not used; each is counted per lane. */
enum reject {
    REJ_LEVEL,                  /* Another MEG level. */
    REJ_ADDRESS,                /* Not for us, or from a group address. */
    REJ_UNEXPECTED,             /* A reply to no probe we have pending. */
    REJ_DUPLICATE,              /* A second reply to one probe. */
    REJ_TIMESTAMP,              /* Impossible timestamps. */
    REJ_MEP,                    /* Another MEP ID or test ID. */
    N_REJECTS
};

static const char *const reject_names[N_REJECTS] = {
    [REJ_LEVEL] = "wrong-level",
    [REJ_ADDRESS] = "wrong-address",
    [REJ_UNEXPECTED] = "unexpected",
    [REJ_DUPLICATE] = "duplicate",
    [REJ_TIMESTAMP] = "bad-timestamp",
    [REJ_MEP] = "wrong-mep",
};

struct probe_session {
    struct hmap_node node;      /* In 'sessions', by 'cfg.id'. */
    struct heap_node heap_node; /* In 'timers', if 'in_heap'. */
    struct probe_lane_cfg cfg;

    /* Initiator. */
    long long int next_tx_us;   /* time_usec() of the next round. */
    uint32_t round;             /* Rounds sent. */
    uint32_t last_answered;     /* Highest round answered. */
    struct probe_slot *slots;   /* Ring of pending rounds, by 'seq'. */
    size_t n_slots;             /* Rounds that max-rtt allows in flight
                                 * (a round's slot is its number modulo
                                 * this; a slot knows its round, so the
                                 * wrap of 'round' costs a reply at most
                                 * once in 2**32 rounds). */
    long long int last_reply_us;    /* time_usec() of the last valid reply
                                     * (or of the restart, before any). */
    uint32_t round_at_reply;    /* 'round' when 'last_reply_us' was
                                 * taken. */
    uint32_t rx_fc_l;           /* SLRs received: RxFCl. */
    struct eth_addr peer_mac;   /* Learned from replies. */
    bool have_peer_mac;
    bool delay_degraded;
    long long int next_delay_check;

    /* State. */
    enum probe_state state;
    bool in_heap;               /* In 'timers'. */
    char *reason;
    long long int state_since;
    long long int state_wall_usec;  /* Wall clock at the last change, for
                                     * timing what the change caused. */
    uint64_t n_down;

    struct responder responder;
    struct lane_stats *stats;
    struct lane_history history;

    /* Counters. */
    uint64_t tx_dmm, tx_slm, rx_dmr, rx_slr;
    uint64_t rx_dmm, rx_slm, tx_errors;
    struct probe_drops *drops;  /* NULL until a frame is dropped. */
};

/* Frames a session dropped, by reason.  Apart, because most lanes never
 * see one. */
struct probe_drops {
    uint64_t decode_errors[Y1731_N_ERRORS];
    uint64_t rejects[N_REJECTS];
};

static struct probe_drops *
session_drops(struct probe_session *s)
{
    if (!s->drops) {
        s->drops = xzalloc(sizeof *s->drops);
    }
    return s->drops;
}

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct hmap sessions OVS_GUARDED_BY(mutex)
    = HMAP_INITIALIZER(&sessions);
static struct heap timers OVS_GUARDED_BY(mutex);
static bool timers_initialized;
static uint64_t n_unknown OVS_GUARDED_BY(mutex);
static struct seq *state_seq;

/* The lanes whose state changed since the main thread last took them, so
 * that it looks again at their EVCs only.  Past MAX_CHANGED it is told to
 * look at every EVC instead. */
#define MAX_CHANGED 4096
static uint32_t *changed_ids OVS_GUARDED_BY(mutex);
static size_t n_changed OVS_GUARDED_BY(mutex);
static size_t allocated_changed OVS_GUARDED_BY(mutex);
static bool changed_overflow OVS_GUARDED_BY(mutex);

const char *
probe_state_to_string(enum probe_state state)
{
    switch (state) {
    case PROBE_DISABLED: return "disabled";
    case PROBE_INIT: return "init";
    case PROBE_UP: return "up";
    case PROBE_DEGRADED: return "degraded";
    case PROBE_DOWN: return "down";
    }
    return "unknown";
}

static enum lane_history_state
history_state(enum probe_state state)
{
    switch (state) {
    case PROBE_UP: return LANE_HISTORY_UP;
    case PROBE_DEGRADED: return LANE_HISTORY_DEGRADED;
    case PROBE_DOWN: return LANE_HISTORY_DOWN;
    case PROBE_DISABLED:
    case PROBE_INIT:
    default:
        return LANE_HISTORY_INIT;
    }
}

void
probe_lane_cfg_destroy(struct probe_lane_cfg *cfg)
{
    if (cfg) {
        free(cfg->name);
        cfg->name = NULL;
        probe_io_dp_unref(cfg->dp);
        cfg->dp = NULL;
        free(cfg->port_name);
        cfg->port_name = NULL;
    }
}

struct seq *
probe_engine_seq(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        state_seq = seq_create();
        ovsthread_once_done(&once);
    }
    return state_seq;
}

static void
timers_init(void)
    OVS_REQUIRES(mutex)
{
    if (!timers_initialized) {
        heap_init(&timers);
        timers_initialized = true;
    }
}

static struct probe_session *
session_find(uint32_t id)
    OVS_REQUIRES(mutex)
{
    struct probe_session *s;

    HMAP_FOR_EACH_WITH_HASH (s, node, hash_int(id, 0), &sessions) {
        if (s->cfg.id == id) {
            return s;
        }
    }
    return NULL;
}

/* Tells the main thread that the state of 's' changed. */
static void
note_changed(const struct probe_session *s)
    OVS_REQUIRES(mutex)
{
    if (n_changed >= MAX_CHANGED) {
        changed_overflow = true;
    } else {
        if (n_changed >= allocated_changed) {
            changed_ids = x2nrealloc(changed_ids, &allocated_changed,
                                     sizeof *changed_ids);
        }
        changed_ids[n_changed++] = s->cfg.id;
    }
    seq_change(probe_engine_seq());
}

/* Hands over the IDs of the lanes whose state changed since the last call
 * (in '*ids', which the caller frees, and '*n'; an ID may appear more than
 * once).  Returns false if too many changed to list: then the caller must
 * look at every lane. */
bool
probe_engine_take_changed(uint32_t **ids, size_t *n)
{
    bool complete;

    ovs_mutex_lock(&mutex);
    complete = !changed_overflow;
    *ids = changed_ids;
    *n = n_changed;
    changed_ids = NULL;
    n_changed = allocated_changed = 0;
    changed_overflow = false;
    ovs_mutex_unlock(&mutex);
    return complete;
}

/* Changes 'state' and says so: in the log, and to the main thread, which
 * chooses lanes from it. */
static void
session_set_state(struct probe_session *s, enum probe_state state,
                  char *reason)
    OVS_REQUIRES(mutex)
{
    if (state == s->state) {
        free(reason);
        return;
    }
    if (state == PROBE_DOWN) {
        VLOG_WARN("%s: lane down: %s", s->cfg.name, reason);
        s->n_down++;
        COVERAGE_INC(probe_lane_down);
    } else if (state == PROBE_DEGRADED) {
        VLOG_WARN("%s: lane degraded: %s", s->cfg.name, reason);
    } else if (state == PROBE_UP) {
        VLOG_INFO("%s: lane up: %s", s->cfg.name, reason);
    }
    s->state = state;
    free(s->reason);
    s->reason = reason;
    s->state_since = time_msec();
    s->state_wall_usec = time_wall_usec();
    note_changed(s);
}

/* The lane is down when no reply came for 'detect_mult' intervals, as
 * BFD's detection time, counted from the last reply (or, before the
 * first, from max-rtt after the start, so that a lane longer than
 * detect-mult intervals is not down at start). */
static long long int
detect_deadline(const struct probe_session *s)
{
    long long int deadline = (s->last_reply_us
                              + (long long int) s->cfg.detect_mult
                                * s->cfg.interval_ms * 1000);
    if (s->state == PROBE_INIT) {
        deadline = MAX(deadline,
                       (s->state_since + s->cfg.max_rtt_ms) * 1000);
    }
    return deadline;
}

static bool
detect_armed(const struct probe_session *s)
{
    return s->state != PROBE_DOWN && s->state != PROBE_DISABLED;
}

/* Makes the session's timer fire at its next round or at its detection
 * deadline, whichever comes first.  A deadline already past was judged by
 * check_down() and left standing (see there): the next round judges it
 * again. */
static void
timer_update(struct probe_session *s, long long int now_us)
    OVS_REQUIRES(mutex)
{
    long long int when = s->next_tx_us;

    if (detect_armed(s)) {
        long long int deadline = detect_deadline(s);
        if (deadline > now_us) {
            when = MIN(when, deadline);
        }
    }
    if (s->in_heap) {
        heap_change(&timers, &s->heap_node, USEC_TO_PRIO(when));
    } else {
        heap_insert(&timers, &s->heap_node, USEC_TO_PRIO(when));
        s->in_heap = true;
    }
}

/* Schedules the next round at 'when_us'. */
static void
timer_set(struct probe_session *s, long long int when_us,
          long long int now_us)
    OVS_REQUIRES(mutex)
{
    s->next_tx_us = when_us;
    timer_update(s, now_us);
}

static void
timer_clear(struct probe_session *s)
    OVS_REQUIRES(mutex)
{
    if (s->in_heap) {
        heap_remove(&timers, &s->heap_node);
        s->in_heap = false;
    }
}

/* The ring of pending rounds must hold every round that may still be
 * answered: those sent in the last max-rtt. */
static size_t
slots_needed(const struct probe_lane_cfg *cfg)
{
    size_t want = cfg->max_rtt_ms / MAX(cfg->interval_ms, 1) + 2;

    return MIN(MAX(want, 8), 4096);
}

/* Restarts the initiator: new rounds, no reply pending, state "init". */
static void
session_restart(struct probe_session *s, long long int now_us)
    OVS_REQUIRES(mutex)
{
    long long int now = now_us / 1000;

    free(s->slots);
    s->n_slots = slots_needed(&s->cfg);
    s->slots = xcalloc(s->n_slots, sizeof *s->slots);
    s->round = 0;
    s->last_reply_us = now_us;
    s->round_at_reply = 0;
    s->last_answered = 0;
    s->delay_degraded = false;
    s->next_delay_check = now;

    if (s->cfg.initiate) {
        /* Start within one interval, at random unless jitter is off, so
         * that lanes configured together do not probe together. */
        uint32_t spread = s->cfg.jitter_pct ? s->cfg.interval_ms * 1000 : 0;
        if (s->state == PROBE_DISABLED) {
            s->state = PROBE_INIT;
            free(s->reason);
            s->reason = xstrdup("no reply yet");
            s->state_since = now;
            note_changed(s);
        }
        timer_set(s, now_us + (spread ? random_range(spread) : 0), now_us);
    } else {
        timer_clear(s);
        if (s->state != PROBE_DISABLED) {
            s->state = PROBE_DISABLED;
            free(s->reason);
            s->reason = NULL;
            s->state_since = now;
            note_changed(s);
        }
    }
}

/* Frees 's', which must no longer be in any hmap. */
static void
session_free(struct probe_session *s)
    OVS_REQUIRES(mutex)
{
    timer_clear(s);
    probe_lane_cfg_destroy(&s->cfg);
    free(s->slots);
    free(s->reason);
    responder_destroy(&s->responder);
    free(s->drops);
    lane_stats_destroy(s->stats);
    lane_history_destroy(&s->history);
    free(s);
}

/* Whether a change from 'a' to 'b' invalidates the probes in flight. */
static bool
cfg_restarts(const struct probe_lane_cfg *a, const struct probe_lane_cfg *b)
{
    return (a->initiate != b->initiate || a->dm != b->dm || a->slm != b->slm
            || a->level != b->level || a->mep_id != b->mep_id
            || a->test_id != b->test_id
            || a->interval_ms != b->interval_ms
            || a->detect_mult != b->detect_mult
            || a->max_rtt_ms != b->max_rtt_ms
            || a->has_key != b->has_key || a->key != b->key
            || a->vid != b->vid || a->tpid != b->tpid
            || a->ofp_port != b->ofp_port
            || !uuid_equals(&a->ofproto_uuid, &b->ofproto_uuid));
}

/* Main thread: makes the sessions those in 'cfgs', keeping the state and
 * statistics of the lanes that were already there. */
void
probe_engine_set(struct probe_lane_cfg *cfgs, size_t n)
{
    long long int now_us = time_usec();
    bool need_bridges = false;
    struct hmap old;

    ovs_mutex_lock(&mutex);
    timers_init();
    hmap_init(&old);
    hmap_swap(&old, &sessions);

    for (size_t i = 0; i < n; i++) {
        const struct probe_lane_cfg *cfg = &cfgs[i];
        struct probe_session *s = NULL, *c;

        need_bridges |= !cfg->dp;

        HMAP_FOR_EACH_WITH_HASH (c, node, hash_int(cfg->id, 0), &old) {
            if (c->cfg.id == cfg->id) {
                s = c;
                break;
            }
        }
        if (s) {
            bool restart = cfg_restarts(&s->cfg, cfg);

            hmap_remove(&old, &s->node);
            probe_lane_cfg_destroy(&s->cfg);
            s->cfg = *cfg;
            s->cfg.name = xstrdup(cfg->name);
            s->cfg.dp = probe_io_dp_ref(cfg->dp);
            s->cfg.port_name = nullable_xstrdup(cfg->port_name);
            s->responder.mep_id = cfg->mep_id;
            lane_history_set_max(&s->history, cfg->history_sec);
            hmap_insert(&sessions, &s->node, hash_int(cfg->id, 0));
            if (restart) {
                session_restart(s, now_us);
            }
        } else {
            s = xzalloc(sizeof *s);
            s->cfg = *cfg;
            s->cfg.name = xstrdup(cfg->name);
            s->cfg.dp = probe_io_dp_ref(cfg->dp);
            s->cfg.port_name = nullable_xstrdup(cfg->port_name);
            s->state = PROBE_DISABLED;
            s->state_since = now_us / 1000;
            responder_init(&s->responder, cfg->mep_id);
            s->stats = lane_stats_create(DELAY_WINDOW);
            lane_history_init(&s->history, cfg->history_sec);
            hmap_insert(&sessions, &s->node, hash_int(cfg->id, 0));
            session_restart(s, now_us);
        }
    }

    /* What is left is gone from the configuration. */
    struct probe_session *s;
    HMAP_FOR_EACH_POP (s, node, &old) {
        session_free(s);
    }
    hmap_destroy(&old);
    probe_io_set_bridges_needed(need_bridges);
    ovs_mutex_unlock(&mutex);

    /* The probe thread may have a new earliest timer. */
    probe_io_wake();
}

/* ------------------------------------------------------------------------
 * Transmission. */

static void
frame_header(const struct probe_session *s, const struct eth_addr dst,
             struct y1731_frame *eth)
{
    memset(eth, 0, sizeof *eth);
    memcpy(eth->dst, dst.ea, ETH_ADDR_LEN);
    memcpy(eth->src, s->cfg.mac.ea, ETH_ADDR_LEN);
    if (s->cfg.vid) {
        eth->n_tags = 1;
        eth->tpid[0] = s->cfg.tpid;
        eth->vid[0] = s->cfg.vid;
    }
}

/* Encodes 'pdu' for the lane and sends it.  If 'ts_offset' is not
 * SIZE_MAX, the current time is written at that offset within the PDU
 * just before the frame goes to the datapath, and stored in '*stamped'. */
static bool
session_send(struct probe_session *s, const struct eth_addr dst,
             const struct y1731_pdu *pdu, size_t ts_offset,
             struct y1731_ts *stamped)
    OVS_REQUIRES(mutex)
{
    uint8_t buf[Y1731_FRAME_MAX_HEADER + 128 + 1500];
    struct y1731_frame eth;
    size_t len;
    int error;

    frame_header(s, dst, &eth);
    if (y1731_frame_encode(&eth, pdu, buf, sizeof buf, &len)) {
        s->tx_errors++;
        return false;
    }
    size_t pdu_ofs = ETH_ADDR_LEN * 2 + 4 * eth.n_tags + 2;
    error = probe_io_transmit(&s->cfg, buf, len,
                              ts_offset == SIZE_MAX ? SIZE_MAX
                                                    : pdu_ofs + ts_offset,
                              stamped);
    if (error) {
        s->tx_errors++;
        return false;
    }
    return true;
}

static struct eth_addr
initiator_dst(const struct probe_session *s)
{
    struct eth_addr dst;

    if (s->cfg.has_remote_mac) {
        return s->cfg.remote_mac;
    } else if (s->have_peer_mac) {
        return s->peer_mac;
    }
    y1731_multicast_dst(s->cfg.level, dst.ea);
    return dst;
}

/* ------------------------------------------------------------------------
 * The initiator's rounds. */

/* Returns why 's' is degraded (for the caller to free), or NULL. */
static char *
degraded_why(struct probe_session *s, long long int now)
    OVS_REQUIRES(mutex)
{
    struct lane_stats_summary sum;

    /* Hysteresis: a degraded lane is healthy again only once it is well
     * within its limits (half the loss, 90% of the delay), so that a lane
     * hovering at a threshold does not flip at every probe. */
    bool was = s->state == PROBE_DEGRADED;

    /* The median needs a sort: once a second is enough. */
    if (s->cfg.max_delay_ms && now >= s->next_delay_check) {
        long long int limit = s->cfg.max_delay_ms * 1000000LL;

        lane_stats_summarize(s->stats, now, &sum);
        s->delay_degraded = (sum.n_window
                             && sum.p50 > (was ? limit * 9 / 10 : limit));
        s->next_delay_check = now + 1000;
    }

    struct lane_loss short_loss, long_loss;
    lane_stats_get_loss(s->stats, now, &short_loss, &long_loss);
    double far = lane_loss_far_ratio(&short_loss);
    double near = lane_loss_near_ratio(&short_loss);
    double max = s->cfg.max_loss_pct / 100.0 * (was ? 0.5 : 1);
    bool loss_degraded = s->cfg.max_loss_pct && (far > max || near > max);

    if (loss_degraded) {
        return xasprintf("loss over the last second: far-end %.1f%%, "
                         "near-end %.1f%% (max-loss %d%%)",
                         MAX(far, 0) * 100, MAX(near, 0) * 100,
                         s->cfg.max_loss_pct);
    } else if (s->delay_degraded) {
        return xasprintf("median delay above max-delay %d ms",
                         s->cfg.max_delay_ms);
    }
    return NULL;
}

static void
check_degraded(struct probe_session *s, long long int now)
    OVS_REQUIRES(mutex)
{
    if (s->state == PROBE_UP || s->state == PROBE_DEGRADED) {
        char *why = degraded_why(s, now);
        if (why) {
            session_set_state(s, PROBE_DEGRADED, why);
        } else {
            session_set_state(s, PROBE_UP,
                              xstrdup("loss and delay within limits"));
        }
    }
}

/* Declares the lane down if no reply came for detect-mult intervals and
 * at least detect-mult rounds went out meanwhile.  The deadline alone
 * gives BFD's detection time, detect-mult intervals after the last reply,
 * wherever in a round the failure fell.  The rounds keep a stalled
 * thread, which neither sent probes nor heard replies, from taking its
 * own silence for the lane's: after a stall the lane is judged again at
 * each round. */
static void
check_down(struct probe_session *s, long long int now_us)
    OVS_REQUIRES(mutex)
{
    if (detect_armed(s) && now_us >= detect_deadline(s)
        && s->round - s->round_at_reply >= (uint32_t) s->cfg.detect_mult) {
        long long int silent_us = now_us - s->last_reply_us;

        session_set_state(s, PROBE_DOWN,
                          xasprintf("no reply for %d probe intervals "
                                    "(%lld.%03lld ms)", s->cfg.detect_mult,
                                    silent_us / 1000, silent_us % 1000));
    }
}

/* One round: judge the replies so far, then send a DMM and an SLM. */
static void
session_round(struct probe_session *s, long long int now_us)
    OVS_REQUIRES(mutex)
{
    long long int now = now_us / 1000;
    uint32_t round = ++s->round;

    check_down(s, now_us);
    check_degraded(s, now);
    lane_history_advance(&s->history, now, history_state(s->state));

    struct probe_slot *slot = &s->slots[round % s->n_slots];
    struct eth_addr dst = initiator_dst(s);

    memset(slot, 0, sizeof *slot);
    slot->used = true;
    slot->seq = round;

    if (s->cfg.dm) {
        struct y1731_pdu dmm = {
            .level = s->cfg.level,
            .opcode = Y1731_OP_DMM,
        };
        if (session_send(s, dst, &dmm, Y1731_DM_TX_F_OFFSET,
                         &slot->dmm_tx)) {
            s->tx_dmm++;
            COVERAGE_INC(probe_tx_dmm);
        }
    }
    if (s->cfg.slm) {
        struct y1731_pdu slm = {
            .level = s->cfg.level,
            .opcode = Y1731_OP_SLM,
            .sl = {
                .src_mep = s->cfg.mep_id,
                .test_id = s->cfg.test_id,
                .tx_fc_f = round,
            },
        };
        if (session_send(s, dst, &slm, SIZE_MAX, NULL)) {
            s->tx_slm++;
            COVERAGE_INC(probe_tx_slm);
        }
    }

    /* The next round: one interval after this one was due, shortened at
     * random by up to 'jitter_pct' percent; after a stall, one interval
     * from now rather than a burst of rounds to catch up. */
    long long int interval_us = s->cfg.interval_ms * 1000LL;
    long long int next = s->next_tx_us + interval_us;
    uint32_t jitter = interval_us * s->cfg.jitter_pct / 100;
    if (jitter > 0) {
        next -= random_range(jitter + 1);
    }
    if (next <= now_us) {
        next = now_us + interval_us;
    }
    timer_set(s, next, now_us);
}

/* Probe thread: runs every round that is due.  Returns when the next one
 * is due (time_usec()), or LLONG_MAX. */
long long int
probe_engine_run(void)
{
    long long int now_us = time_usec();
    long long int next;

    ovs_mutex_lock(&mutex);
    timers_init();
    while (!heap_is_empty(&timers)
           && PRIO_TO_USEC(heap_max(&timers)->priority) <= now_us) {
        struct probe_session *s = CONTAINER_OF(heap_max(&timers),
                                               struct probe_session,
                                               heap_node);
        if (s->next_tx_us <= now_us) {
            session_round(s, now_us);
        } else {
            check_down(s, now_us);
            timer_update(s, now_us);
        }
    }
    next = (heap_is_empty(&timers) ? LLONG_MAX
            : PRIO_TO_USEC(heap_max(&timers)->priority));
    ovs_mutex_unlock(&mutex);
    return next;
}

/* ------------------------------------------------------------------------
 * Reception. */

static void
reject(struct probe_session *s, enum reject why)
    OVS_REQUIRES(mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

    session_drops(s)->rejects[why]++;
    COVERAGE_INC(probe_rx_rejected);
    VLOG_DBG_RL(&rl, "%s: dropped a probe frame: %s", s->cfg.name,
                reject_names[why]);
}

/* Counts a valid reply to 'round'; 'is_slr' if it is an SLR, whose
 * counters have just told what was lost meanwhile. */
static void
reply_ok(struct probe_session *s, const struct y1731_frame *eth,
         uint32_t round, bool is_slr, long long int now_us)
    OVS_REQUIRES(mutex)
{
    long long int now = now_us / 1000;

    s->last_reply_us = now_us;
    s->round_at_reply = s->round;
    COVERAGE_INC(probe_rx_reply);
    if (round > s->last_answered) {
        s->last_answered = round;
    }
    if (!s->cfg.has_remote_mac) {
        memcpy(s->peer_mac.ea, eth->src, ETH_ADDR_LEN);
        s->have_peer_mac = true;
    }
    /* A lane comes back with what it lost while it was down known, so
     * that it comes back degraded rather than up for an instant: after an
     * SLR when it measures loss (unless the far end never answered SLMs,
     * as a responder with delay measurement only would). */
    if ((s->state == PROBE_INIT || s->state == PROBE_DOWN)
        && (is_slr || !s->cfg.slm || !s->rx_slr)) {
        char *why = degraded_why(s, now);
        session_set_state(s, why ? PROBE_DEGRADED : PROBE_UP,
                          why ? why : xstrdup("replies received"));
    }
}

static void
receive_dmr(struct probe_session *s, const struct y1731_frame *eth,
            struct y1731_pdu *pdu, uint64_t rx_ns, long long int now_us)
    OVS_REQUIRES(mutex)
{
    struct probe_slot *slot = NULL;

    if (!s->cfg.initiate || !s->cfg.dm) {
        reject(s, REJ_UNEXPECTED);
        return;
    }

    /* The DMR echoes our TxTimeStampf, which names the round; look from
     * the newest round back. */
    for (size_t i = 0; i < s->n_slots && i < s->round; i++) {
        struct probe_slot *c
            = &s->slots[(s->round - i) % s->n_slots];
        if (c->used && c->dmm_tx.sec == pdu->dm.tx_f.sec
            && c->dmm_tx.nsec == pdu->dm.tx_f.nsec) {
            slot = c;
            break;
        }
    }
    if (!slot) {
        reject(s, REJ_UNEXPECTED);
        return;
    }
    if (slot->dmr_seen) {
        reject(s, REJ_DUPLICATE);
        return;
    }
    slot->dmr_seen = true;

    int64_t delay;
    pdu->dm.rx_b = y1731_ts_from_ns(rx_ns);
    if (!y1731_dm_two_way_delay(pdu, s->cfg.max_rtt_ms * 1000000ULL,
                                &delay)) {
        reject(s, REJ_TIMESTAMP);
        return;
    }
    s->rx_dmr++;
    lane_stats_add_delay(s->stats, delay);
    lane_history_add_delay(&s->history, now_us / 1000, delay,
                           history_state(s->state));
    reply_ok(s, eth, slot->seq, false, now_us);
}

static void
receive_slr(struct probe_session *s, const struct y1731_frame *eth,
            const struct y1731_pdu *pdu, long long int now_us)
    OVS_REQUIRES(mutex)
{
    long long int now = now_us / 1000;

    if (!s->cfg.initiate || !s->cfg.slm) {
        reject(s, REJ_UNEXPECTED);
        return;
    }
    if (pdu->sl.src_mep != s->cfg.mep_id || pdu->sl.test_id != s->cfg.test_id
        || (s->cfg.remote_mep_id
            && pdu->sl.resp_mep != s->cfg.remote_mep_id)) {
        reject(s, REJ_MEP);
        return;
    }

    uint32_t seq = pdu->sl.tx_fc_f;
    struct probe_slot *slot = &s->slots[seq % s->n_slots];
    if (!slot->used || slot->seq != seq || seq > s->round) {
        reject(s, REJ_UNEXPECTED);
        return;
    }
    if (slot->slr_seen) {
        reject(s, REJ_DUPLICATE);
        return;
    }
    slot->slr_seen = true;

    struct lane_loss delta;
    s->rx_slr++;
    s->rx_fc_l++;
    if (lane_stats_add_slr(s->stats, now, seq, pdu->sl.tx_fc_b, s->rx_fc_l,
                           &delta)) {
        lane_history_add_loss(&s->history, now, delta.sent, delta.far_lost,
                              delta.near_lost, history_state(s->state));
    }
    reply_ok(s, eth, seq, true, now_us);
}

static void
respond(struct probe_session *s, const struct y1731_frame *eth,
        struct y1731_pdu *pdu, uint64_t rx_ns)
    OVS_REQUIRES(mutex)
{
    struct eth_addr dst;
    bool is_dm = pdu->opcode == Y1731_OP_DMM;

    if (is_dm) {
        s->rx_dmm++;
    } else {
        s->rx_slm++;
    }
    memcpy(dst.ea, eth->src, ETH_ADDR_LEN);
    responder_reply(&s->responder, pdu, y1731_ts_from_ns(rx_ns),
                    (struct y1731_ts) { 0, 0 });
    if (session_send(s, dst, pdu, is_dm ? Y1731_DM_TX_B_OFFSET : SIZE_MAX,
                     NULL)) {
        COVERAGE_INC(probe_tx_reply);
    }
}

/* Probe thread: one frame that the datapath intercepted on the lane whose
 * probe ID is 'id', in bridge 'ofproto_uuid', received at 'rx_ns'. */
void
probe_engine_receive(uint32_t id, const struct uuid *ofproto_uuid,
                     const void *frame, size_t len, uint64_t rx_ns)
{
    struct probe_session *s;
    struct y1731_frame eth;
    struct y1731_pdu pdu;
    enum y1731_error error;
    long long int now_us = time_usec();

    ovs_mutex_lock(&mutex);
    s = session_find(id);
    if (!s || !uuid_equals(&s->cfg.ofproto_uuid, ofproto_uuid)) {
        /* A lane removed while its frames were queued. */
        n_unknown++;
        goto out;
    }

    error = y1731_frame_decode(frame, len, &eth, &pdu);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

        session_drops(s)->decode_errors[error]++;
        COVERAGE_INC(probe_rx_rejected);
        VLOG_DBG_RL(&rl, "%s: malformed probe frame: %s", s->cfg.name,
                    y1731_error_to_string(error));
        goto out;
    }
    if (pdu.level != s->cfg.level) {
        reject(s, REJ_LEVEL);
        goto out;
    }

    /* For us: our address or the multicast address of our level.  Never
     * answer a group source address: that would make us an amplifier. */
    uint8_t mcast[ETH_ADDR_LEN];
    y1731_multicast_dst(s->cfg.level, mcast);
    if ((memcmp(eth.dst, s->cfg.mac.ea, ETH_ADDR_LEN)
         && memcmp(eth.dst, mcast, ETH_ADDR_LEN))
        || (eth.src[0] & 1)) {
        reject(s, REJ_ADDRESS);
        goto out;
    }

    switch (pdu.opcode) {
    case Y1731_OP_DMM:
    case Y1731_OP_SLM:
        respond(s, &eth, &pdu, rx_ns);
        break;
    case Y1731_OP_DMR:
        receive_dmr(s, &eth, &pdu, rx_ns, now_us);
        break;
    case Y1731_OP_SLR:
        receive_slr(s, &eth, &pdu, now_us);
        break;
    }

out:
    ovs_mutex_unlock(&mutex);
}

/* ------------------------------------------------------------------------
 * Queries, from the main thread. */

enum probe_state
probe_engine_get_state(uint32_t id, char **reason)
{
    struct probe_session *s;
    enum probe_state state;

    ovs_mutex_lock(&mutex);
    s = session_find(id);
    state = s ? s->state : PROBE_DISABLED;
    if (reason) {
        *reason = s && s->reason ? xstrdup(s->reason) : NULL;
    }
    ovs_mutex_unlock(&mutex);
    return state;
}

bool
probe_engine_get_status(uint32_t id, struct probe_status *st)
{
    struct lane_stats_summary sum;
    struct probe_session *s;

    ovs_mutex_lock(&mutex);
    s = session_find(id);
    if (s) {
        lane_stats_summarize(s->stats, time_msec(), &sum);
        st->state = s->state;
        st->n_delays = sum.n_delays;
        st->n_slrs = sum.n_slrs;
        st->n_down = s->n_down;
        st->state_wall_usec = s->state_wall_usec;
        st->rtt_p50_ns = sum.n_window ? sum.p50 : -1;
        st->rtt_p99_ns = sum.n_window ? sum.p99 : -1;
        st->variation_ns = sum.n_window > 1 ? sum.variation : -1;
        st->far_loss_short = lane_loss_far_ratio(&sum.short_loss);
        st->near_loss_short = lane_loss_near_ratio(&sum.short_loss);
        st->far_loss_long = lane_loss_far_ratio(&sum.long_loss);
        st->near_loss_long = lane_loss_near_ratio(&sum.long_loss);
    }
    ovs_mutex_unlock(&mutex);
    return s != NULL;
}

static void
format_ms(struct ds *s, const char *name, int64_t ns)
{
    ds_put_format(s, " %s %"PRId64".%03"PRId64, name, ns / 1000000,
                  (ns >= 0 ? ns : -ns) / 1000 % 1000);
}

static void
format_loss(struct ds *s, const char *window, const struct lane_loss *loss)
{
    ds_put_format(s, "  loss %s: far-end %"PRIu64"/%"PRIu64, window,
                  loss->far_lost, loss->sent);
    if (loss->sent) {
        ds_put_format(s, " (%.1f%%)", 100.0 * loss->far_lost / loss->sent);
    }
    ds_put_format(s, ", near-end %"PRIu64"/%"PRIu64, loss->near_lost,
                  loss->returned);
    if (loss->returned) {
        ds_put_format(s, " (%.1f%%)",
                      100.0 * loss->near_lost / loss->returned);
    }
    ds_put_char(s, '\n');
}

static void
session_format(const struct probe_session *s, struct ds *ds)
    OVS_REQUIRES(mutex)
{
    const struct probe_lane_cfg *c = &s->cfg;
    long long int now = time_msec();
    struct lane_stats_summary sum;

    ds_put_format(ds, "  state: %s", probe_state_to_string(s->state));
    if (s->reason) {
        ds_put_format(ds, " (%s)", s->reason);
    }
    ds_put_format(ds, ", for %lld ms, down %"PRIu64" times\n",
                  now - s->state_since, s->n_down);

    ds_put_format(ds, "  mep: level %d, mep-id %d, remote-mep-id ",
                  c->level, c->mep_id);
    if (c->remote_mep_id) {
        ds_put_format(ds, "%d", c->remote_mep_id);
    } else {
        ds_put_cstr(ds, "any");
    }
    ds_put_format(ds, ", test-id %"PRIu32", mac "ETH_ADDR_FMT"\n",
                  c->test_id, ETH_ADDR_ARGS(c->mac));
    if (c->initiate) {
        struct eth_addr dst = initiator_dst(s);
        ds_put_format(ds, "  initiator: interval %d ms, detect-mult %d, "
                      "jitter %d%%, to "ETH_ADDR_FMT"%s\n",
                      c->interval_ms, c->detect_mult, c->jitter_pct,
                      ETH_ADDR_ARGS(dst),
                      c->has_remote_mac ? " (configured)"
                      : s->have_peer_mac ? " (learned)" : " (multicast)");
        ds_put_format(ds, "  sent: dmm %"PRIu64", slm %"PRIu64
                      "; valid replies: dmr %"PRIu64", slr %"PRIu64"\n",
                      s->tx_dmm, s->tx_slm, s->rx_dmr, s->rx_slr);
    } else {
        ds_put_cstr(ds, "  initiator: off\n");
    }
    ds_put_format(ds, "  answered: dmm %"PRIu64", slm %"PRIu64"\n",
                  s->rx_dmm, s->rx_slm);

    lane_stats_summarize(s->stats, now, &sum);
    if (sum.n_window) {
        ds_put_format(ds, "  rtt ms (last %"PRIuSIZE"):", sum.n_window);
        format_ms(ds, "last", sum.last);
        format_ms(ds, "min", sum.min);
        format_ms(ds, "mean", sum.mean);
        format_ms(ds, "p50", sum.p50);
        format_ms(ds, "p99", sum.p99);
        format_ms(ds, "max", sum.max);
        ds_put_char(ds, '\n');
        ds_put_cstr(ds, "  delay variation ms:");
        format_ms(ds, "mean", sum.variation);
        ds_put_char(ds, '\n');
    } else {
        ds_put_cstr(ds, "  rtt: no sample\n");
    }
    format_loss(ds, "1s", &sum.short_loss);
    format_loss(ds, "60s", &sum.long_loss);

    /* Everything that was dropped, by reason, if anything was. */
    struct ds rej = DS_EMPTY_INITIALIZER;
    for (int i = 0; s->drops && i < Y1731_N_ERRORS; i++) {
        if (s->drops->decode_errors[i]) {
            ds_put_format(&rej, " malformed(%s)=%"PRIu64,
                          y1731_error_to_string(i),
                          s->drops->decode_errors[i]);
        }
    }
    for (int i = 0; s->drops && i < N_REJECTS; i++) {
        if (s->drops->rejects[i]) {
            ds_put_format(&rej, " %s=%"PRIu64, reject_names[i],
                          s->drops->rejects[i]);
        }
    }
    if (sum.n_anomalies) {
        ds_put_format(&rej, " counter-anomaly=%"PRIu64, sum.n_anomalies);
    }
    if (s->tx_errors) {
        ds_put_format(&rej, " tx-error=%"PRIu64, s->tx_errors);
    }
    ds_put_format(ds, "  rejected:%s\n", rej.length ? ds_cstr(&rej)
                                                    : " none");
    ds_destroy(&rej);
}

/* Appends the state and statistics of session 'id' to 'ds'.  Returns
 * false if there is no such session. */
bool
probe_engine_format(uint32_t id, struct ds *ds)
{
    struct probe_session *s;

    ovs_mutex_lock(&mutex);
    s = session_find(id);
    if (s) {
        session_format(s, ds);
    }
    ovs_mutex_unlock(&mutex);
    return s != NULL;
}

bool
probe_engine_format_history(uint32_t id, struct ds *ds)
{
    struct probe_session *s;

    ovs_mutex_lock(&mutex);
    s = session_find(id);
    if (s) {
        lane_history_format(&s->history, time_wall_msec(), time_msec(), ds);
    }
    ovs_mutex_unlock(&mutex);
    return s != NULL;
}

static void
session_clear_stats(struct probe_session *s)
    OVS_REQUIRES(mutex)
{
    lane_stats_clear(s->stats);
    lane_history_clear(&s->history);
    s->tx_dmm = s->tx_slm = s->rx_dmr = s->rx_slr = 0;
    s->rx_dmm = s->rx_slm = s->tx_errors = 0;
    s->n_down = 0;
    free(s->drops);
    s->drops = NULL;
}

void
probe_engine_clear_stats(uint32_t id)
{
    struct probe_session *s;

    ovs_mutex_lock(&mutex);
    s = session_find(id);
    if (s) {
        session_clear_stats(s);
    }
    ovs_mutex_unlock(&mutex);
}

void
probe_engine_clear_all_stats(void)
{
    struct probe_session *s;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH (s, node, &sessions) {
        session_clear_stats(s);
    }
    n_unknown = 0;
    ovs_mutex_unlock(&mutex);
}

void
probe_engine_format_global(struct ds *ds)
{
    ovs_mutex_lock(&mutex);
    ds_put_format(ds, "probe engine: %"PRIuSIZE" lanes, %"PRIuSIZE
                  " probing, %"PRIu64" frames for removed lanes\n",
                  hmap_count(&sessions),
                  timers_initialized ? heap_count(&timers) : 0, n_unknown);
    ovs_mutex_unlock(&mutex);
}

/* Adds to 'usage' the probe engine's lanes and the memory they hold, for
 * "ovs-appctl memory/show": "probe-lanes", "probe-lane-bytes" (the state
 * every lane has: session, statistics, rounds in flight) and
 * "probe-history-bytes" (per-second history, which grows as lanes age up
 * to Dvel_Global other_config:lane-history). */
void
probe_engine_get_memory_usage(struct simap *usage)
{
    const struct probe_session *s;
    size_t lane_bytes = 0, history_bytes = 0;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH (s, node, &sessions) {
        lane_bytes += (sizeof *s
                       + s->n_slots * sizeof *s->slots
                       + lane_stats_memory(s->stats)
                       + responder_memory(&s->responder)
                       + (s->drops ? sizeof *s->drops : 0)
                       + (s->reason ? strlen(s->reason) + 1 : 0));
        history_bytes += lane_history_memory(&s->history);
    }
    simap_increase(usage, "probe-lanes", hmap_count(&sessions));
    ovs_mutex_unlock(&mutex);

    simap_increase(usage, "probe-lane-bytes", lane_bytes);
    simap_increase(usage, "probe-history-bytes", history_bytes);
}

void
probe_engine_destroy_all(void)
{
    struct probe_session *s;

    ovs_mutex_lock(&mutex);
    HMAP_FOR_EACH_POP (s, node, &sessions) {
        session_free(s);
    }
    if (timers_initialized) {
        heap_destroy(&timers);
        timers_initialized = false;
    }
    free(changed_ids);
    changed_ids = NULL;
    n_changed = allocated_changed = 0;
    changed_overflow = false;
    ovs_mutex_unlock(&mutex);
}
