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

#include "ofproto-dvel/lane-probe.h"

#include <errno.h>
#include <stdlib.h>

#include "packets.h"
#include "probes/probe-engine.h"
#include "smap.h"
#include "util.h"

/* Reads integer 'key' of 'probe' into '*value' if present.  Returns an
 * error message if it is there but not an integer in [min, max]. */
static char *
get_int(const struct smap *probe, const char *key, long long int min,
        long long int max, long long int *value)
{
    const char *s = smap_get(probe, key);
    char *end;

    if (!s) {
        return NULL;
    }
    errno = 0;
    long long int x = strtoll(s, &end, 0);
    if (errno || !s[0] || *end || x < min || x > max) {
        return xasprintf("probe:%s must be an integer from %lld to %lld, "
                         "not '%s'", key, min, max, s);
    }
    *value = x;
    return NULL;
}

static char *
get_bool(const struct smap *probe, const char *key, bool *value)
{
    const char *s = smap_get(probe, key);

    if (!s) {
        return NULL;
    }
    if (!strcmp(s, "true")) {
        *value = true;
    } else if (!strcmp(s, "false")) {
        *value = false;
    } else {
        return xasprintf("probe:%s must be true or false, not '%s'", key,
                         s);
    }
    return NULL;
}

static void
set_defaults(struct lane_probe *p, int interval_ms)
{
    *p = (struct lane_probe) {
        .enable = true,
        .dm = true,
        .slm = true,
        .level = PROBE_DEFAULT_LEVEL,
        .mep_id = PROBE_DEFAULT_MEP_ID,
        .test_id = PROBE_DEFAULT_TEST_ID,
        .interval_ms = interval_ms,
        .detect_mult = PROBE_DEFAULT_DETECT_MULT,
        .jitter_pct = PROBE_DEFAULT_JITTER_PCT,
        .max_rtt_ms = PROBE_DEFAULT_MAX_RTT_MS,
        .max_loss_pct = PROBE_DEFAULT_MAX_LOSS_PCT,
    };
}

/* Parses a Lane row's "probe" map and "probe_interval" into '*p'.  Returns
 * NULL, or an error message (and '*p' holds the defaults). */
char *
lane_probe_parse(const struct smap *probe, const int64_t *interval,
                 size_t n_interval, struct lane_probe *p)
{
    static const char *const keys[] = {
        "enable", "dm", "slm", "level", "mep-id", "remote-mep-id",
        "test-id", "remote-mac", "detect-mult", "jitter", "max-rtt",
        "max-loss", "max-delay",
    };
    const struct smap_node *node;
    char *error = NULL;

    int interval_ms = n_interval ? *interval : PROBE_DEFAULT_INTERVAL_MS;

    set_defaults(p, interval_ms);

    SMAP_FOR_EACH (node, probe) {
        bool known = false;
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            known |= !strcmp(node->key, keys[i]);
        }
        if (!known) {
            return xasprintf("probe:%s is not a probe setting", node->key);
        }
    }

    long long int level = p->level, mep = p->mep_id, rmep = 0;
    long long int test = p->test_id, mult = p->detect_mult;
    long long int jitter = p->jitter_pct, max_rtt = p->max_rtt_ms;
    long long int max_loss = p->max_loss_pct, max_delay = 0;
    if ((error = get_bool(probe, "enable", &p->enable))
        || (error = get_bool(probe, "dm", &p->dm))
        || (error = get_bool(probe, "slm", &p->slm))
        || (error = get_int(probe, "level", 0, 7, &level))
        || (error = get_int(probe, "mep-id", 1, 8191, &mep))
        || (error = get_int(probe, "remote-mep-id", 1, 8191, &rmep))
        || (error = get_int(probe, "test-id", 0, UINT32_MAX, &test))
        || (error = get_int(probe, "detect-mult", 1, 255, &mult))
        || (error = get_int(probe, "jitter", 0, 50, &jitter))
        || (error = get_int(probe, "max-rtt", 1, 60000, &max_rtt))
        || (error = get_int(probe, "max-loss", 0, 100, &max_loss))
        || (error = get_int(probe, "max-delay", 0, 60000, &max_delay))) {
        set_defaults(p, interval_ms);
        return error;
    }
    p->level = level;
    p->mep_id = mep;
    p->remote_mep_id = rmep;
    p->test_id = test;
    p->detect_mult = mult;
    p->jitter_pct = jitter;
    p->max_rtt_ms = max_rtt;
    p->max_loss_pct = max_loss;
    p->max_delay_ms = max_delay;

    const char *mac = smap_get(probe, "remote-mac");
    if (mac) {
        if (!eth_addr_from_string(mac, &p->remote_mac)
            || eth_addr_is_multicast(p->remote_mac)
            || eth_addr_is_zero(p->remote_mac)) {
            error = xasprintf("probe:remote-mac must be a unicast Ethernet "
                              "address, not '%s'", mac);
            set_defaults(p, interval_ms);
            return error;
        }
        p->has_remote_mac = true;
    }
    if (p->enable && !p->dm && !p->slm) {
        error = xstrdup("probe:dm and probe:slm cannot both be false while "
                        "probing is enabled");
        set_defaults(p, interval_ms);
        return error;
    }
    return NULL;
}
