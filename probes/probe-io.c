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

#include "probes/probe-io.h"

#include <errno.h>
#include <poll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "coverage.h"
#include "dp-packet.h"
#include "dpif-dvel/dpif-dvel.h"
#include "flow.h"
#include "hash.h"
#include "latch.h"
#include "mpsc-queue.h"
#include "dpif.h"
#include "dpif-provider.h"
#include "odp-util.h"
#include "ofproto/ofproto-dpif.h"
#include "ofproto/ofproto-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "openvswitch/poll-loop.h"
#include "probes/probe-engine.h"
#include "probes/y1731.h"
#include "seq.h"
#include "util.h"
#include "uuid.h"

VLOG_DEFINE_THIS_MODULE(probe_io);

COVERAGE_DEFINE(probe_io_rx);
COVERAGE_DEFINE(probe_io_rx_overflow);
COVERAGE_DEFINE(probe_io_tx);
COVERAGE_DEFINE(probe_io_tx_error);

/* Frames waiting in the receive queue beyond this are dropped, so that a
 * flood of forged probes costs a bounded amount of memory. */
#define PROBE_IO_RX_MAX 65536

/* Longest frame kept; probe PDUs are far shorter. */
#define PROBE_IO_FRAME_MAX 1518

/* Frames handled per turn of the probe thread before it lets the main
 * thread have the bridges again. */
#define PROBE_IO_RX_BATCH 1024

struct probe_rx {
    struct mpsc_queue_node node;
    struct uuid ofproto_uuid;
    uint32_t probe_id;          /* Low bits of the rule cookie. */
    odp_port_t in_port;
    uint64_t rx_ns;
    size_t len;
    uint8_t frame[];
};

struct probe_tx {
    struct ovs_list node;
    struct uuid ofproto_uuid;   /* The bridge, looked up when sending. */
    ofp_port_t port;
    size_t len;
    uint8_t frame[];
};

/* Per (bridge, port) counters kept by the probe thread.  Frames received
 * are known by datapath port, frames sent by OpenFlow port. */
struct probe_port_stats {
    struct hmap_node node;
    struct uuid ofproto_uuid;
    bool is_odp;
    uint32_t port;
    uint64_t n_rx;
    uint64_t n_tx;
    uint64_t last_rx_ns;
};

/* A datapath that probes on ordinary ports go straight to.  The handle is
 * the probe engine's own, not a bridge's, so that it stays valid while a
 * frame is being sent even if every bridge on the datapath is deleted
 * meanwhile: sending then needs neither the main thread nor the bridges.
 * The datapath itself lives until the last handle closes. */
struct probe_io_dp {
    struct hmap_node node;      /* In 'dps', by name, or in 'dead_dps'. */
    char *name;                 /* dpif_name(), "TYPE@NAME". */
    struct dpif *dpif;
    unsigned int n_refs;        /* Guarded by 'dps_mutex'. */

    /* Bumped each time the datapath's ports changed: see port_is_current().
     * Guarded by the probe engine's mutex, which every transmission holds. */
    uint64_t port_gen;
};

static struct ovs_mutex dps_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap dps OVS_GUARDED_BY(dps_mutex) = HMAP_INITIALIZER(&dps);
static struct hmap dead_dps OVS_GUARDED_BY(dps_mutex)
    = HMAP_INITIALIZER(&dead_dps);

/* Held by the main thread while bridges may be created or destroyed (see
 * probe_io_bridges_lock()) and by the probe thread while it uses one, so
 * that a bridge cannot go away under a frame being sent.  The probe thread
 * takes it only when it has to: while some lane has no probe_io_dp (a
 * tunnel lane, whose frames need OpenFlow translation), or a frame from
 * dvel/send-frame is waiting.  Otherwise a busy main loop, which holds it
 * across the whole of bridge_run(), would hold up probes and replies. */
static struct ovs_mutex bridges_mutex = OVS_MUTEX_INITIALIZER;
static atomic_bool need_bridges = ATOMIC_VAR_INIT(false);

/* Whether this thread holds 'bridges_mutex'. */
DEFINE_STATIC_PER_THREAD_DATA(bool, bridges_held, false);

static struct mpsc_queue rx_queue;
static atomic_uint32_t rx_queued = ATOMIC_VAR_INIT(0);
static struct seq *probe_seq;

static struct ovs_mutex tx_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list tx_queue OVS_GUARDED_BY(tx_mutex)
    = OVS_LIST_INITIALIZER(&tx_queue);

static struct ovs_mutex stats_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap port_stats OVS_GUARDED_BY(stats_mutex)
    = HMAP_INITIALIZER(&port_stats);
static uint64_t n_tx_errors OVS_GUARDED_BY(stats_mutex);

static pthread_t probe_thread;
static struct latch exit_latch;
static bool started;

/* If true, the main thread takes received probes from the queue and
 * timestamps them as it gets to them, instead of the probe thread with
 * the datapath thread's timestamps: for comparison only (see
 * probe_io_set_main_thread_rx()). */
static atomic_bool rx_in_main = ATOMIC_VAR_INIT(false);
static uint64_t main_seqno;     /* probe_seq, as the main thread read it. */

static struct probe_port_stats *
port_stats_get(const struct uuid *ofproto_uuid, bool is_odp, uint32_t port)
    OVS_REQUIRES(stats_mutex)
{
    uint32_t hash = hash_int(port, uuid_hash(ofproto_uuid)) + is_odp;
    struct probe_port_stats *ps;

    HMAP_FOR_EACH_WITH_HASH (ps, node, hash, &port_stats) {
        if (ps->port == port && ps->is_odp == is_odp
            && uuid_equals(&ps->ofproto_uuid, ofproto_uuid)) {
            return ps;
        }
    }
    ps = xzalloc(sizeof *ps);
    ps->ofproto_uuid = *ofproto_uuid;
    ps->is_odp = is_odp;
    ps->port = port;
    hmap_insert(&port_stats, &ps->node, hash);
    return ps;
}

/* Datapath thread: copies the frame into the receive queue. */
static void
probe_io_rx(const struct dp_packet *packet, const struct uuid *ofproto_uuid,
            uint64_t rule_cookie, odp_port_t in_port, uint64_t rx_ns,
            void *aux OVS_UNUSED)
{
    size_t len = MIN(dp_packet_size(packet), PROBE_IO_FRAME_MAX);
    uint32_t queued;
    struct probe_rx *rx;

    atomic_add_relaxed(&rx_queued, 1, &queued);
    if (queued >= PROBE_IO_RX_MAX) {
        atomic_sub_relaxed(&rx_queued, 1, &queued);
        COVERAGE_INC(probe_io_rx_overflow);
        return;
    }

    rx = xmalloc(sizeof *rx + len);
    rx->ofproto_uuid = *ofproto_uuid;
    rx->probe_id = rule_cookie & DPIF_DVEL_PROBE_ID_MASK;
    rx->in_port = in_port;
    rx->rx_ns = rx_ns;
    rx->len = len;
    memcpy(rx->frame, dp_packet_data(packet), len);
    mpsc_queue_insert(&rx_queue, &rx->node);
    COVERAGE_INC(probe_io_rx);
    if (!queued) {
        /* Wake the probe thread only when the queue stops being empty:
         * seq_change() takes a process-wide mutex, which a flood of frames
         * must not make datapath threads fight over. */
        seq_change(probe_seq);
    }
}

static uint64_t realtime_ns(void);

/* Probe thread (or main thread, see probe_io_run()): hands up to
 * PROBE_IO_RX_BATCH frames from the receive queue to the probe engine.
 * If 'restamp', each frame gets the time it is taken from the queue
 * instead of the one the datapath thread gave it. */
static void
drain_rx(bool restamp)
{
    struct mpsc_queue_node *node;
    size_t n = 0;

    mpsc_queue_acquire(&rx_queue);
    while (n++ < PROBE_IO_RX_BATCH && (node = mpsc_queue_pop(&rx_queue))) {
        struct probe_rx *rx = CONTAINER_OF(node, struct probe_rx, node);
        struct probe_port_stats *ps;
        uint32_t queued;

        if (restamp) {
            rx->rx_ns = realtime_ns();
        }

        ovs_mutex_lock(&stats_mutex);
        ps = port_stats_get(&rx->ofproto_uuid, true,
                            odp_to_u32(rx->in_port));
        ps->n_rx++;
        ps->last_rx_ns = rx->rx_ns;
        ovs_mutex_unlock(&stats_mutex);

        probe_engine_receive(rx->probe_id, &rx->ofproto_uuid, rx->frame,
                             rx->len, rx->rx_ns);

        atomic_sub_relaxed(&rx_queued, 1, &queued);
        free(rx);
    }
    mpsc_queue_release(&rx_queue);

    /* A producer that found the count above zero did not wake us; if it
     * inserted after the last pop, go round again rather than sleep. */
    uint32_t left;
    atomic_read_relaxed(&rx_queued, &left);
    if (left) {
        poll_immediate_wake();
    }
}

static void
count_tx_error(void)
{
    ovs_mutex_lock(&stats_mutex);
    n_tx_errors++;
    ovs_mutex_unlock(&stats_mutex);
    COVERAGE_INC(probe_io_tx_error);
}

static void
send_one(struct probe_tx *tx)
    OVS_REQUIRES(bridges_mutex)
{
    struct ofproto_dpif *ofproto
        = ofproto_dpif_lookup_by_uuid(&tx->ofproto_uuid);
    uint64_t ofpacts_stub[64 / 8];
    struct ofpbuf ofpacts;
    struct dp_packet packet;
    struct flow flow;
    int error;

    if (!ofproto) {
        /* The bridge was deleted after the frame was queued. */
        COVERAGE_INC(probe_io_tx_error);
        return;
    }
    ofpbuf_use_stub(&ofpacts, ofpacts_stub, sizeof ofpacts_stub);
    ofpact_put_OUTPUT(&ofpacts)->port = tx->port;

    dp_packet_init(&packet, tx->len);
    dp_packet_put(&packet, tx->frame, tx->len);
    flow_extract(&packet, &flow);
    flow.in_port.ofp_port = OFPP_NONE;

    error = ofproto_dpif_execute_actions(
        ofproto, ofproto_dpif_get_tables_version(ofproto), &flow, NULL,
        ofpacts.data, ofpacts.size, &packet);

    ovs_mutex_lock(&stats_mutex);
    if (error) {
        COVERAGE_INC(probe_io_tx_error);
        n_tx_errors++;
    } else {
        COVERAGE_INC(probe_io_tx);
        port_stats_get(&ofproto->uuid, false, ofp_to_u16(tx->port))->n_tx++;
    }
    ovs_mutex_unlock(&stats_mutex);

    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
        VLOG_WARN_RL(&rl, "%s: sending on port %"PRIu16" failed: %s",
                     ofproto->up.name, ofp_to_u16(tx->port),
                     ovs_strerror(error));
    }
    dp_packet_uninit(&packet);
    ofpbuf_uninit(&ofpacts);
}

static void
drain_tx(void)
    OVS_REQUIRES(bridges_mutex)
{
    struct ovs_list batch;
    struct probe_tx *tx;

    ovs_mutex_lock(&tx_mutex);
    ovs_list_move(&batch, &tx_queue);
    ovs_list_init(&tx_queue);
    ovs_mutex_unlock(&tx_mutex);

    LIST_FOR_EACH_POP (tx, node, &batch) {
        send_one(tx);
        free(tx);
    }
}

static void
lock_bridges(void)
    OVS_ACQUIRES(bridges_mutex)
{
    /* The main thread may hold 'bridges_mutex' across an RCU grace period
     * (bridge_run() can wait for one), so be quiescent while waiting. */
    ovsrcu_quiesce_start();
    ovs_mutex_lock(&bridges_mutex);
    ovsrcu_quiesce_end();
    *bridges_held_get() = true;
}

static void
unlock_bridges(void)
    OVS_RELEASES(bridges_mutex)
{
    *bridges_held_get() = false;
    ovs_mutex_unlock(&bridges_mutex);
}

/* Whether the probe thread must take the bridges for its next turn. */
static bool
bridges_needed(void)
{
    bool needed;

    atomic_read_relaxed(&need_bridges, &needed);
    if (!needed) {
        ovs_mutex_lock(&tx_mutex);
        needed = !ovs_list_is_empty(&tx_queue);
        ovs_mutex_unlock(&tx_mutex);
    }
    return needed;
}

static uint64_t
realtime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Whether the datapath port that 'cfg' sends on is still the port the main
 * thread found.  Ports come and go in bridge_run(), which the probe thread
 * does not wait for, and a deleted port's number can go to the next port
 * added before the main thread tells the engine: so after any change to
 * the datapath's ports each lane checks its port's name once before it
 * sends on it again.  (A change between this check and the send itself is
 * not caught.) */
static bool
port_is_current(struct probe_lane_cfg *cfg)
{
    struct probe_io_dp *dp = cfg->dp;
    struct dpif_port dpif_port;
    char *devname;
    int error;

    while ((error = dpif_port_poll(dp->dpif, &devname)) != EAGAIN) {
        if (!error) {
            free(devname);
        }
        dp->port_gen++;
        if (error == ENOBUFS) {
            break;
        }
    }
    if (cfg->port_gen == dp->port_gen) {
        return true;
    }
    /* Straight to the provider: dpif_port_query_by_number() would log a
     * warning for a port that is gone, which is what is being checked. */
    if (dp->dpif->dpif_class->port_query_by_number(dp->dpif, cfg->odp_port,
                                                   &dpif_port)) {
        return false;
    }
    bool same = cfg->port_name && !strcmp(dpif_port.name, cfg->port_name);
    dpif_port_destroy(&dpif_port);
    if (same) {
        cfg->port_gen = dp->port_gen;
    }
    return same;
}

/* Probe thread (or the main thread, see probe_io_run()), with the probe
 * engine's mutex held: sends 'frame' on the lane that 'cfg' describes.  If
 * 'ts_offset' is not SIZE_MAX, writes the current time as a Y.1731
 * timestamp at that offset in 'frame' at the last moment before the
 * datapath gets it, and stores it in '*stamped' if nonnull.
 *
 * A lane on an ordinary port goes straight to the datapath with a single
 * "output" action: no OpenFlow translation between the timestamp and the
 * wire.  A tunnel lane needs the tunnel header that translation builds, so
 * it goes through ofproto-dpif's action execution. */
int
probe_io_transmit(struct probe_lane_cfg *cfg, const void *frame,
                  size_t len,
                  size_t ts_offset, struct y1731_ts *stamped)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct ofproto_dpif *ofproto = NULL;
    bool direct = cfg->dp != NULL;
    bool trylocked = false;
    struct dp_packet packet;
    struct flow flow;
    int error;

    if (direct && !port_is_current(cfg)) {
        /* The port went away: the main thread will say where the lane is
         * now, if anywhere. */
        count_tx_error();
        return ENODEV;
    } else if (!direct) {
        if (!*bridges_held_get()) {
            /* The lane was configured after this turn of the probe thread
             * began without the bridges: the next turn takes them. */
            if (ovs_mutex_trylock(&bridges_mutex)) {
                count_tx_error();
                return EAGAIN;
            }
            trylocked = true;
        }
        ofproto = ofproto_dpif_lookup_by_uuid(&cfg->ofproto_uuid);
        if (!ofproto) {
            if (trylocked) {
                ovs_mutex_unlock(&bridges_mutex);
            }
            count_tx_error();
            return ENODEV;
        }
    }

    /* A malloc'd packet: the datapath may swap or steal its buffer. */
    dp_packet_init(&packet, len);
    dp_packet_put(&packet, frame, len);
    flow_extract(&packet, &flow);
    flow.in_port.ofp_port = OFPP_NONE;

    if (direct) {
        uint64_t odp_actions_stub[64 / 8];
        struct ofpbuf odp_actions;
        struct dpif_execute execute = {
            .packet = &packet,
            .flow = &flow,
        };

        ofpbuf_use_stub(&odp_actions, odp_actions_stub,
                        sizeof odp_actions_stub);
        nl_msg_put_odp_port(&odp_actions, OVS_ACTION_ATTR_OUTPUT,
                            cfg->odp_port);
        execute.actions = odp_actions.data;
        execute.actions_len = odp_actions.size;
        pkt_metadata_init(&packet.md, ODPP_NONE);

        if (ts_offset != SIZE_MAX) {
            struct y1731_ts ts = y1731_ts_from_ns(realtime_ns());
            y1731_ts_put((uint8_t *) dp_packet_data(&packet) + ts_offset,
                         ts);
            if (stamped) {
                *stamped = ts;
            }
        }
        error = dpif_execute(cfg->dp->dpif, &execute);
        ofpbuf_uninit(&odp_actions);
    } else {
        uint64_t ofpacts_stub[128 / 8];
        struct ofpbuf ofpacts;

        ofpbuf_use_stub(&ofpacts, ofpacts_stub, sizeof ofpacts_stub);
        if (cfg->has_key) {
            ovs_be64 key = htonll(cfg->key);
            ofpact_put_set_field(&ofpacts, mf_from_id(MFF_TUN_ID), &key,
                                 NULL);
        }
        ofpact_put_OUTPUT(&ofpacts)->port = cfg->ofp_port;
        if (ts_offset != SIZE_MAX) {
            struct y1731_ts ts = y1731_ts_from_ns(realtime_ns());
            y1731_ts_put((uint8_t *) dp_packet_data(&packet) + ts_offset,
                         ts);
            if (stamped) {
                *stamped = ts;
            }
        }
        error = ofproto_dpif_execute_actions(
            ofproto, ofproto_dpif_get_tables_version(ofproto), &flow, NULL,
            ofpacts.data, ofpacts.size, &packet);
        ofpbuf_uninit(&ofpacts);
        if (trylocked) {
            ovs_mutex_unlock(&bridges_mutex);
        }
    }

    dp_packet_uninit(&packet);

    ovs_mutex_lock(&stats_mutex);
    if (error) {
        COVERAGE_INC(probe_io_tx_error);
        n_tx_errors++;
    } else {
        COVERAGE_INC(probe_io_tx);
        port_stats_get(&cfg->ofproto_uuid, false,
                       ofp_to_u16(cfg->ofp_port))->n_tx++;
    }
    ovs_mutex_unlock(&stats_mutex);
    return error;
}

/* Makes received probes go through the main thread, which timestamps
 * them when it takes them from the queue, if 'enable', or through the
 * probe thread with the timestamps the datapath threads took on reception
 * (the default, and the point of dvel's design), otherwise.  The main
 * thread is where a probe handled as an OpenFlow packet-in or by an
 * ofproto-level module would be seen: this exists to measure what
 * timestamping in the datapath buys (the accuracy benchmark). */
void
probe_io_set_main_thread_rx(bool enable)
{
    bool old;

    atomic_read_relaxed(&rx_in_main, &old);
    if (old != enable) {
        VLOG_INFO("received probes are timestamped %s",
                  enable ? "in the main thread (for comparison)"
                  : "by the datapath threads");
        atomic_store_relaxed(&rx_in_main, enable);
        probe_io_wake();
    }
}

/* Main thread: takes received probes from the queue if
 * probe_io_set_main_thread_rx() said so. */
void
probe_io_run(void)
{
    bool in_main;

    atomic_read_relaxed(&rx_in_main, &in_main);
    if (in_main && started) {
        main_seqno = seq_read(probe_seq);
        lock_bridges();
        drain_rx(true);
        unlock_bridges();
    }
}

void
probe_io_wait(void)
{
    bool in_main;

    atomic_read_relaxed(&rx_in_main, &in_main);
    if (in_main && started) {
        seq_wait(probe_seq, main_seqno);
    }
}

/* Wakes the probe thread, for example because its timers changed. */
void
probe_io_wake(void)
{
    if (started) {
        seq_change(probe_seq);
    }
}

/* The main thread calls these around whatever may create or destroy
 * bridges, that is, OVS's bridge_run() and bridge_exit(). */
void
probe_io_bridges_lock(void)
    OVS_ACQUIRES(bridges_mutex)
{
    ovs_mutex_lock(&bridges_mutex);
}

void
probe_io_bridges_unlock(void)
    OVS_RELEASES(bridges_mutex)
{
    ovs_mutex_unlock(&bridges_mutex);
}

/* Probe thread: makes the next poll_block() return at 'when' (time_usec()),
 * or within a second.
 *
 * OVS's poll loop counts in milliseconds: poll_timer_wait_until() passes
 * poll() the whole milliseconds left, counted from the current time
 * truncated to the millisecond, so it wakes up to a millisecond late.  At
 * 1 ms probe intervals that is a third of the detection time, and rounds
 * that drift within each millisecond.  A timerfd, 'tfd', wakes the thread
 * to the microsecond (if it could not be created, -1: milliseconds).  It
 * is armed relative to OVS's clock, not at an absolute time, so that the
 * tests' warped clock ("time/warp") works as with poll_timer_wait(). */
static void
probe_timer_wait_until(int tfd, long long int when)
{
    long long int delay = when - time_usec();

    if (delay <= 0) {
        poll_immediate_wake();
        return;
    }
    delay = MIN(delay, 1000 * 1000);
    if (tfd >= 0) {
        struct itimerspec its = {
            .it_value = { .tv_sec = delay / 1000000,
                          .tv_nsec = delay % 1000000 * 1000 },
        };

        /* Arming the timer again also clears an expiry not yet read. */
        if (!timerfd_settime(tfd, 0, &its, NULL)) {
            poll_fd_wait(tfd, POLLIN);
            return;
        }
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

        VLOG_WARN_RL(&rl, "timerfd_settime failed (%s)",
                     ovs_strerror(errno));
    }
    poll_timer_wait(DIV_ROUND_UP(delay, 1000));
}

static void *
probe_thread_main(void *arg OVS_UNUSED)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

    if (tfd < 0) {
        VLOG_WARN("timerfd_create failed (%s): probe rounds and detection "
                  "deadlines will be kept to the millisecond only",
                  ovs_strerror(errno));
    }
    while (!latch_is_set(&exit_latch)) {
        uint64_t seqno = seq_read(probe_seq);
        bool locked = bridges_needed();
        long long int next;
        bool in_main;

        if (locked) {
            lock_bridges();
        }
        atomic_read_relaxed(&rx_in_main, &in_main);
        if (!in_main) {
            drain_rx(false);
        }
        next = probe_engine_run();
        if (locked) {
            drain_tx();
            unlock_bridges();
        }

        /* Publishes this thread's coverage counters, as PMD threads do. */
        coverage_try_clear();

        seq_wait(probe_seq, seqno);
        latch_wait(&exit_latch);
        probe_timer_wait_until(tfd, next);
        poll_block();
    }
    if (tfd >= 0) {
        close(tfd);
    }
    lock_bridges();
    drain_tx();
    unlock_bridges();
    return NULL;
}

/* Queues 'frame' for transmission on 'port' of 'ofproto' by the probe
 * thread.  Returns 0 or a positive errno value. */
int
probe_io_send(struct ofproto *ofproto, ofp_port_t port, const void *frame,
              size_t len)
{
    struct probe_tx *tx;

    if (!started || len > PROBE_IO_FRAME_MAX || len < ETH_HEADER_LEN) {
        return EINVAL;
    }
    if (ofproto->ofproto_class != &ofproto_dpif_class) {
        return ENODEV;
    }
    tx = xmalloc(sizeof *tx + len);
    tx->ofproto_uuid = CONTAINER_OF(ofproto, struct ofproto_dpif, up)->uuid;
    tx->port = port;
    tx->len = len;
    memcpy(tx->frame, frame, len);

    ovs_mutex_lock(&tx_mutex);
    ovs_list_push_back(&tx_queue, &tx->node);
    ovs_mutex_unlock(&tx_mutex);
    seq_change(probe_seq);
    return 0;
}

/* Main thread: returns a reference to a datapath handle of the probe
 * engine's own for the datapath that 'dpif' (a bridge's) is open on, or
 * NULL if it cannot be opened (the lane's frames then go through the
 * bridge).  The caller releases it with probe_io_dp_unref(). */
struct probe_io_dp *
probe_io_dp_get(const struct dpif *dpif)
{
    const char *name = dpif_name(dpif);
    uint32_t hash = hash_string(name, 0);
    struct probe_io_dp *dp;

    ovs_mutex_lock(&dps_mutex);
    HMAP_FOR_EACH_WITH_HASH (dp, node, hash, &dps) {
        if (!strcmp(dp->name, name)) {
            dp->n_refs++;
            ovs_mutex_unlock(&dps_mutex);
            return dp;
        }
    }
    ovs_mutex_unlock(&dps_mutex);

    struct dpif *own;
    int error = dpif_open(dpif_base_name(dpif), dpif_type(dpif), &own);
    if (error) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

        VLOG_WARN_RL(&rl, "%s: cannot open the datapath for probes (%s); "
                     "they go through the bridge instead", name,
                     ovs_strerror(error));
        return NULL;
    }
    dp = xzalloc(sizeof *dp);
    dp->name = xstrdup(name);
    dp->dpif = own;
    dp->n_refs = 1;
    dp->port_gen = 1;
    ovs_mutex_lock(&dps_mutex);
    hmap_insert(&dps, &dp->node, hash);
    ovs_mutex_unlock(&dps_mutex);
    return dp;
}

/* Returns another reference to 'dp' (which may be NULL). */
struct probe_io_dp *
probe_io_dp_ref(struct probe_io_dp *dp)
{
    if (dp) {
        ovs_mutex_lock(&dps_mutex);
        dp->n_refs++;
        ovs_mutex_unlock(&dps_mutex);
    }
    return dp;
}

/* Main thread: releases a reference to 'dp' (which may be NULL).  The
 * probe thread sends on a handle only through a lane's configuration,
 * which the engine releases with its mutex held, so a handle whose last
 * reference is gone is no longer in use; it is closed by the next
 * probe_io_dp_sweep(), not here: closing a datapath's last handle frees
 * the datapath, which must not happen with the engine's mutex held (the
 * probe thread may be waiting for it, not quiescent). */
void
probe_io_dp_unref(struct probe_io_dp *dp)
{
    if (!dp) {
        return;
    }
    ovs_mutex_lock(&dps_mutex);
    if (!--dp->n_refs) {
        hmap_remove(&dps, &dp->node);
        hmap_insert(&dead_dps, &dp->node, 0);
    }
    ovs_mutex_unlock(&dps_mutex);
}

/* Main thread, holding none of the probe engine's locks: closes the
 * handles that have no reference left. */
void
probe_io_dp_sweep(void)
{
    struct hmap dead = HMAP_INITIALIZER(&dead);
    struct probe_io_dp *dp;

    ovs_mutex_lock(&dps_mutex);
    hmap_swap(&dead, &dead_dps);
    ovs_mutex_unlock(&dps_mutex);

    HMAP_FOR_EACH_POP (dp, node, &dead) {
        dpif_close(dp->dpif);
        free(dp->name);
        free(dp);
    }
    hmap_destroy(&dead);
}

/* Main thread: tells the probe thread whether some lane's frames go
 * through a bridge (see 'bridges_mutex'). */
void
probe_io_set_bridges_needed(bool needed)
{
    atomic_store_relaxed(&need_bridges, needed);
}

/* Appends the probe thread's counters to 's'. */
void
probe_io_format(struct ds *s)
{
    struct dpif_dvel_stats dp;
    struct probe_port_stats *ps;
    uint32_t queued;
    bool in_main;

    dpif_dvel_get_stats(&dp);
    atomic_read_relaxed(&rx_queued, &queued);
    atomic_read_relaxed(&rx_in_main, &in_main);
    ds_put_format(s, "datapath: intercepted %"PRIu64", no consumer "
                  "%"PRIu64"\n", dp.intercepted, dp.no_consumer);

    ovs_mutex_lock(&stats_mutex);
    ds_put_format(s, "probe thread: rx queued %"PRIu32", tx errors "
                  "%"PRIu64"\n", queued, n_tx_errors);
    ds_put_format(s, "received probes timestamped by: %s\n",
                  in_main ? "the main thread (for comparison)"
                  : "the datapath threads");
    HMAP_FOR_EACH (ps, node, &port_stats) {
        const struct ofproto_dpif *ofproto
            = ofproto_dpif_lookup_by_uuid(&ps->ofproto_uuid);

        ds_put_format(s, "  %s %s %"PRIu32": rx %"PRIu64" tx %"PRIu64"\n",
                      ofproto ? ofproto->up.name : "(deleted bridge)",
                      ps->is_odp ? "dp port" : "port", ps->port,
                      ps->n_rx, ps->n_tx);
    }
    ovs_mutex_unlock(&stats_mutex);

    /* The lanes each datapath handle serves. */
    const struct probe_io_dp *pdp;
    bool bridges;

    ovs_mutex_lock(&dps_mutex);
    HMAP_FOR_EACH (pdp, node, &dps) {
        ds_put_format(s, "sends straight to %s for %u lane(s)\n", pdp->name,
                      pdp->n_refs);
    }
    ovs_mutex_unlock(&dps_mutex);
    atomic_read_relaxed(&need_bridges, &bridges);
    ds_put_format(s, "waits for the bridges: %s\n",
                  bridges ? "yes, some lane's frames need OpenFlow translation"
                  : "no");
}

/* Starts the probe thread.  Main thread only, never from a constructor. */
void
probe_io_init(void)
{
    if (started) {
        return;
    }
    mpsc_queue_init(&rx_queue);
    probe_seq = seq_create();
    latch_init(&exit_latch);
    probe_thread = ovs_thread_create("dvel_probe", probe_thread_main, NULL);
    dpif_dvel_set_rx_cb(probe_io_rx, NULL);
    started = true;
}

void
probe_io_exit(void)
{
    struct mpsc_queue_node *node;
    struct probe_port_stats *ps;

    if (!started) {
        return;
    }
    dpif_dvel_set_rx_cb(NULL, NULL);
    latch_set(&exit_latch);
    xpthread_join(probe_thread, NULL);
    started = false;

    /* Datapath threads may still have been inside probe_io_rx() when the
     * callback was cleared; the queue is freed only at process exit, so the
     * nodes left in it are released here and the queue itself is kept. */
    mpsc_queue_acquire(&rx_queue);
    MPSC_QUEUE_FOR_EACH_POP (node, &rx_queue) {
        free(CONTAINER_OF(node, struct probe_rx, node));
    }
    mpsc_queue_release(&rx_queue);

    ovs_mutex_lock(&stats_mutex);
    HMAP_FOR_EACH_POP (ps, node, &port_stats) {
        free(ps);
    }
    ovs_mutex_unlock(&stats_mutex);
    latch_destroy(&exit_latch);
}
