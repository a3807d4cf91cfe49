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

/* dvel-lane-emu: a wire between two Linux interfaces that adds delay,
 * jitter, loss (random or in bursts), a rate limit and outages, changeable
 * at run time with ovs-appctl.  It stands in for netem, which not every
 * kernel has, in dvel's lab and system tests.
 *
 * One thread forwards frames (AF_PACKET sockets, ppoll() with nanosecond
 * timeouts and a timer slack of 1 ns, so that frames leave within tens of
 * microseconds of their due time); the main thread serves the control
 * socket.  The impairment model is lane-emu-model.c. */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "command-line.h"
#include "daemon.h"
#include "fatal-signal.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "socket-util.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"
#include "utilities/lane-emu-model.h"

VLOG_DEFINE_THIS_MODULE(lane_emu);

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define MAX_FRAME 65536

struct frame {
    struct frame *next;
    int64_t due;
    size_t len;
    uint8_t data[];
};

/* One direction of the lane: frames read from 'in' are written to 'out'. */
struct direction {
    const char *name;           /* "a-b" or "b-a". */
    struct port *in, *out;

    /* Guarded by 'mutex'. */
    struct lane_emu_params params;
    struct lane_emu_dir state;
    uint64_t n_tx_error;
    long long int outage_since;     /* Wall-clock microseconds at which the
                                     * outage in 'params' began. */

    /* Forwarding thread only: the frames on their way, in order of
     * delivery, and OAM frames that went ahead of them. */
    struct frame *head, *tail;
    struct frame *oam_head, *oam_tail;
};

struct port {
    char *name;
    int fd;
};

static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
static struct port ports[2];
static struct direction dirs[2];
static int wake_pipe[2];
static bool exiting;                /* Guarded by 'mutex'. */

static char *unixctl_path;
static uint64_t seed;

static int64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
port_open(struct port *port, const char *name)
{
    int ifindex = if_nametoindex(name);
    if (!ifindex) {
        ovs_fatal(errno, "%s: no such interface", name);
    }

    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) {
        ovs_fatal(errno, "%s: AF_PACKET socket (are you root?)", name);
    }

    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = ifindex,
    };
    if (bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
        ovs_fatal(errno, "%s: bind", name);
    }

    /* VLAN tags that the interface took off: get them back. */
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one)) {
        ovs_fatal(errno, "%s: PACKET_AUXDATA", name);
    }
    /* Our own transmissions are not input. */
    if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
                   sizeof one)) {
        VLOG_WARN("%s: PACKET_IGNORE_OUTGOING: %s (filtering by packet "
                  "type instead)", name, ovs_strerror(errno));
    }

    struct packet_mreq mreq = {
        .mr_ifindex = ifindex,
        .mr_type = PACKET_MR_PROMISC,
    };
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq,
                   sizeof mreq)) {
        ovs_fatal(errno, "%s: promiscuous mode", name);
    }

    int size = 8 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    set_nonblocking(fd);

    port->name = xstrdup(name);
    port->fd = fd;
}

/* Reads one frame from 'port' into 'buf', putting back a VLAN tag that the
 * kernel moved to metadata.  Returns its length, 0 for a frame to ignore,
 * or -1 if none is waiting. */
static ssize_t
port_recv(struct port *port, uint8_t *buf)
{
    union {
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        struct cmsghdr align;
    } cmsg;
    struct sockaddr_ll from;
    struct iovec iov = { .iov_base = buf + 4, .iov_len = MAX_FRAME };
    struct msghdr msg = {
        .msg_name = &from,
        .msg_namelen = sizeof from,
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = &cmsg,
        .msg_controllen = sizeof cmsg,
    };

    ssize_t n = recvmsg(port->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
        return -1;
    }
    if (from.sll_pkttype == PACKET_OUTGOING || n < ETH_HLEN
        || n > MAX_FRAME) {
        return 0;
    }

    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
         c = CMSG_NXTHDR(&msg, c)) {
        struct tpacket_auxdata aux;

        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA
            || c->cmsg_len < CMSG_LEN(sizeof aux)) {
            continue;
        }
        memcpy(&aux, CMSG_DATA(c), sizeof aux);
        if (aux.tp_vlan_tci || aux.tp_status & TP_STATUS_VLAN_VALID) {
            uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID
                             ? aux.tp_vlan_tpid : ETH_P_8021Q);
            uint16_t tag[2] = { htons(tpid), htons(aux.tp_vlan_tci) };

            /* Move the MAC addresses 4 bytes forward, tag after them. */
            memmove(buf, buf + 4, 12);
            memcpy(buf + 12, tag, 4);
            return n + 4;
        }
    }
    memmove(buf, buf + 4, n);
    return n;
}

/* Sends the frames of the queue at '*head' that are due. */
static void
forward_queue(struct direction *d, struct frame **head, struct frame **tail,
              bool counted, int64_t now)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

    while (*head && (*head)->due <= now) {
        struct frame *f = *head;

        *head = f->next;
        if (!*head) {
            *tail = NULL;
        }
        bool error = send(d->out->fd, f->data, f->len, 0) < 0;
        if (error) {
            VLOG_WARN_RL(&rl, "%s: send %"PRIuSIZE" bytes: %s",
                         d->out->name, f->len, ovs_strerror(errno));
        }
        ovs_mutex_lock(&mutex);
        d->n_tx_error += error;
        d->state.queued -= counted;
        ovs_mutex_unlock(&mutex);
        free(f);
    }
}

static void
forward_due(struct direction *d, int64_t now)
{
    forward_queue(d, &d->oam_head, &d->oam_tail, false, now);
    forward_queue(d, &d->head, &d->tail, true, now);
}

static void
receive_all(struct direction *d, uint8_t *buf)
{
    for (int i = 0; i < 256; i++) {
        ssize_t n = port_recv(d->in, buf);
        if (n < 0) {
            return;
        } else if (!n) {
            continue;
        }

        int64_t due;
        bool ahead;
        bool oam = lane_emu_is_oam(buf, n);
        ovs_mutex_lock(&mutex);
        enum lane_emu_verdict v = lane_emu_admit(&d->params, &d->state, n,
                                                 oam, mono_ns(), &due,
                                                 &ahead);
        ovs_mutex_unlock(&mutex);
        if (v != LANE_EMU_PASS) {
            continue;
        }

        struct frame *f = xmalloc(sizeof *f + n);
        struct frame **head = ahead ? &d->oam_head : &d->head;
        struct frame **tail = ahead ? &d->oam_tail : &d->tail;
        f->next = NULL;
        f->due = due;
        f->len = n;
        memcpy(f->data, buf, n);
        if (*tail) {
            (*tail)->next = f;
        } else {
            *head = f;
        }
        *tail = f;
    }
}

static void *
forwarder_main(void *arg OVS_UNUSED)
{
    uint8_t *buf = xmalloc(MAX_FRAME + 4);

    /* Wake up when asked, not up to 50 us later. */
    prctl(PR_SET_TIMERSLACK, 1UL);
    for (;;) {
        ovs_mutex_lock(&mutex);
        bool stop = exiting;
        ovs_mutex_unlock(&mutex);
        if (stop) {
            break;
        }

        int64_t now = mono_ns();
        int64_t next = INT64_MAX;
        for (int i = 0; i < 2; i++) {
            forward_due(&dirs[i], now);
            if (dirs[i].head) {
                next = MIN(next, dirs[i].head->due);
            }
            if (dirs[i].oam_head) {
                next = MIN(next, dirs[i].oam_head->due);
            }
        }

        struct pollfd pfds[3] = {
            { .fd = ports[0].fd, .events = POLLIN },
            { .fd = ports[1].fd, .events = POLLIN },
            { .fd = wake_pipe[0], .events = POLLIN },
        };
        struct timespec ts, *tsp = NULL;
        if (next != INT64_MAX) {
            int64_t wait = MAX(next - mono_ns(), 0);
            ts.tv_sec = wait / 1000000000;
            ts.tv_nsec = wait % 1000000000;
            tsp = &ts;
        }
        if (ppoll(pfds, 3, tsp, NULL) > 0) {
            for (int i = 0; i < 2; i++) {
                if (pfds[i].revents) {
                    receive_all(&dirs[i], buf);
                }
            }
        }
    }

    for (int i = 0; i < 2; i++) {
        struct frame *lists[2] = { dirs[i].head, dirs[i].oam_head };
        for (int j = 0; j < 2; j++) {
            while (lists[j]) {
                struct frame *f = lists[j];
                lists[j] = f->next;
                free(f);
            }
        }
        dirs[i].head = dirs[i].tail = NULL;
        dirs[i].oam_head = dirs[i].oam_tail = NULL;
    }
    free(buf);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Control. */

static void
format_dir(const struct direction *d, struct ds *s)
    OVS_REQUIRES(mutex)
{
    const struct lane_emu_dir *st = &d->state;

    ds_put_format(s, "%s (%s -> %s): ", d->name, d->in->name, d->out->name);
    lane_emu_params_format(&d->params, s);
    ds_put_format(s, "\n  frames in %"PRIu64", out %"PRIu64", lost %"PRIu64
                  ", outage %"PRIu64", overflow %"PRIu64", send errors %"
                  PRIu64", queued %"PRIuSIZE"\n",
                  st->n_in, st->n_out, st->n_lost, st->n_outage,
                  st->n_overflow, d->n_tx_error, st->queued);
    if (d->params.outage) {
        /* To the microsecond, for timing what the outage causes: from
         * here on, every frame that arrives is dropped. */
        ds_put_format(s, "  outage since %lld.%06lld\n",
                      d->outage_since / 1000000, d->outage_since % 1000000);
    }
}

static void
emu_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    ovs_mutex_lock(&mutex);
    for (int i = 0; i < 2; i++) {
        format_dir(&dirs[i], &s);
    }
    ovs_mutex_unlock(&mutex);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static void
emu_set(struct unixctl_conn *conn, int argc, const char *argv[],
        void *aux OVS_UNUSED)
{
    int first = 1;
    bool which[2] = { true, true };

    if (!strcmp(argv[1], "a-b") || !strcmp(argv[1], "b-a")) {
        which[0] = argv[1][0] == 'a';
        which[1] = !which[0];
        first = 2;
    }
    if (first >= argc) {
        unixctl_command_reply_error(conn, "no KEY=VALUE given");
        return;
    }

    ovs_mutex_lock(&mutex);
    struct lane_emu_params p[2] = { dirs[0].params, dirs[1].params };
    char *error = NULL;
    for (int i = first; i < argc && !error; i++) {
        for (int j = 0; j < 2 && !error; j++) {
            if (which[j]) {
                error = lane_emu_params_set(&p[j], argv[i]);
            }
        }
    }

    struct ds s = DS_EMPTY_INITIALIZER;
    if (!error) {
        for (int j = 0; j < 2; j++) {
            if (which[j]) {
                size_t start = s.length;

                if (p[j].outage && !dirs[j].params.outage) {
                    dirs[j].outage_since = time_wall_usec();
                }
                dirs[j].params = p[j];
                ds_put_format(&s, "%s: ", dirs[j].name);
                lane_emu_params_format(&p[j], &s);
                VLOG_INFO("%s", ds_cstr(&s) + start);
                ds_put_char(&s, '\n');
            }
        }
    }
    ovs_mutex_unlock(&mutex);

    if (error) {
        unixctl_command_reply_error(conn, error);
        free(error);
    } else {
        unixctl_command_reply(conn, ds_cstr(&s));
    }
    ds_destroy(&s);
}

static void
emu_clear(struct unixctl_conn *conn, int argc OVS_UNUSED,
          const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    ovs_mutex_lock(&mutex);
    for (int i = 0; i < 2; i++) {
        struct lane_emu_dir *st = &dirs[i].state;
        st->n_in = st->n_out = st->n_lost = 0;
        st->n_outage = st->n_overflow = 0;
        dirs[i].n_tx_error = 0;
    }
    ovs_mutex_unlock(&mutex);
    unixctl_command_reply(conn, "counters cleared");
}

static void
emu_exit(struct unixctl_conn *conn, int argc OVS_UNUSED,
         const char *argv[] OVS_UNUSED, void *aux OVS_UNUSED)
{
    ovs_mutex_lock(&mutex);
    exiting = true;
    ovs_mutex_unlock(&mutex);
    unixctl_command_reply(conn, NULL);
}

/* ------------------------------------------------------------------------
 * Start-up. */

OVS_NO_RETURN static void
usage(void)
{
    printf("%s: a lane emulator: forwards frames between two interfaces "
           "with delay,\njitter, loss, a rate limit and outages\n"
           "usage: %s [OPTIONS] [KEY=VALUE]... IFACE-A IFACE-B\n"
           "\nKEY=VALUE (both directions; change them at run time with\n"
           "\"ovs-appctl -t CTL lane-emu/set [a-b|b-a] KEY=VALUE...\"):\n"
           "  delay=MS  jitter=MS  loss=PCT  burst=FRAMES  rate=MBPS\n"
           "  limit=FRAMES  outage=on|off  oam-priority=on|off\n"
           "\nOptions:\n"
           "  --seed=N                seed of the loss and jitter "
           "generators\n"
           "  --unixctl=SOCKET        control socket\n",
           program_name, program_name);
    daemon_usage();
    vlog_usage();
    printf("  -h, --help              display this help message\n"
           "  -V, --version           display version information\n");
    exit(EXIT_SUCCESS);
}

static void
parse_options(int argc, char *argv[])
{
    enum {
        OPT_SEED = UCHAR_MAX + 1,
        OPT_UNIXCTL,
        VLOG_OPTION_ENUMS,
        DAEMON_OPTION_ENUMS,
    };
    static const struct option long_options[] = {
        {"seed", required_argument, NULL, OPT_SEED},
        {"unixctl", required_argument, NULL, OPT_UNIXCTL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        DAEMON_LONG_OPTIONS,
        VLOG_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *short_options = ovs_cmdl_long_options_to_short_options(long_options);

    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_SEED:
            if (!str_to_ullong(optarg, 10, (unsigned long long *) &seed)) {
                ovs_fatal(0, "--seed=%s: expected a number", optarg);
            }
            break;
        case OPT_UNIXCTL:
            unixctl_path = optarg;
            break;
        case 'h':
            usage();
        case 'V':
            ovs_print_version(0, 0);
            exit(EXIT_SUCCESS);
        VLOG_OPTION_HANDLERS
        DAEMON_OPTION_HANDLERS
        case '?':
            exit(EXIT_FAILURE);
        default:
            OVS_NOT_REACHED();
        }
    }
    free(short_options);
}

int
main(int argc, char *argv[])
{
    struct lane_emu_params initial;
    struct unixctl_server *server;
    int error;

    set_program_name(argv[0]);
    service_start(&argc, &argv);
    parse_options(argc, argv);
    fatal_ignore_sigpipe();

    lane_emu_params_init(&initial);
    int i;
    for (i = optind; i < argc && strchr(argv[i], '='); i++) {
        char *msg = lane_emu_params_set(&initial, argv[i]);
        if (msg) {
            ovs_fatal(0, "%s", msg);
        }
    }
    if (argc - i != 2) {
        ovs_fatal(0, "expected two interface names (use --help for help)");
    }

    daemonize_start(false);
    port_open(&ports[0], argv[i]);
    port_open(&ports[1], argv[i + 1]);
    xpipe_nonblocking(wake_pipe);
    for (int j = 0; j < 2; j++) {
        dirs[j] = (struct direction) {
            .name = j ? "b-a" : "a-b",
            .in = &ports[j],
            .out = &ports[!j],
            .params = initial,
            .outage_since = initial.outage ? time_wall_usec() : 0,
        };
        lane_emu_dir_init(&dirs[j].state,
                          (seed ? seed : (uint64_t) time(NULL)) * 2 + j);
    }

    error = unixctl_server_create(unixctl_path, &server);
    if (error) {
        ovs_fatal(error, "failed to create unixctl server");
    }
    unixctl_command_register("lane-emu/show", "", 0, 0, emu_show, NULL);
    unixctl_command_register("lane-emu/set", "[a-b|b-a] KEY=VALUE...", 1,
                             INT_MAX, emu_set, NULL);
    unixctl_command_register("lane-emu/clear-counters", "", 0, 0, emu_clear,
                             NULL);
    unixctl_command_register("exit", "", 0, 0, emu_exit, NULL);

    pthread_t forwarder = ovs_thread_create("lane_emu_fwd", forwarder_main,
                                            NULL);
    daemonize_complete();
    VLOG_INFO("forwarding between %s and %s", ports[0].name, ports[1].name);

    for (;;) {
        unixctl_server_run(server);
        ovs_mutex_lock(&mutex);
        bool stop = exiting;
        ovs_mutex_unlock(&mutex);
        if (stop) {
            break;
        }
        unixctl_server_wait(server);
        poll_block();
    }

    ignore(write(wake_pipe[1], "", 1));
    xpthread_join(forwarder, NULL);
    unixctl_server_destroy(server);
    for (int j = 0; j < 2; j++) {
        close(ports[j].fd);
        free(ports[j].name);
    }
    close(wake_pipe[0]);
    close(wake_pipe[1]);
    service_stop();
    return 0;
}
