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

#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H 1

/* A minimal check macro for dvel's unit test programs: each failed check
 * is reported with its line, and unit_check_report() prints the totals and
 * returns the exit status.  Needs nothing but the C library, so that tests
 * of OVS-free code (such as probes/y1731.c) stay free of OVS too. */

#include <stdio.h>

static int unit_n_checks;
static int unit_n_failed;

#define CHECK(COND)                                                     \
    do {                                                                \
        unit_n_checks++;                                                \
        if (!(COND)) {                                                  \
            unit_n_failed++;                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n",                \
                    __FILE__, __LINE__, #COND);                         \
        }                                                               \
    } while (0)

static inline int
unit_check_report(void)
{
    printf("%d checks, %d failed\n", unit_n_checks, unit_n_failed);
    return unit_n_failed ? 1 : 0;
}

#endif /* tests/unit-check.h */
