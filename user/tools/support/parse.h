/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_PARSE_H
#define KGIL_TOOLS_PARSE_H

#include <sched.h>
#include <stdint.h>

#include "bench/spinners.h"

/* A decimal count: 0 or -EINVAL (signs, junk, overflow). */
int parse_u64(const char *s, uint64_t *out);
/* A time in ns: "5ms", "250us", "100ns", "2s", or "0.5" (seconds). */
int parse_time_ns(const char *s, uint64_t *out);
/* A CPU list like "0", "0-1", "0,2-3" (non-empty): 0 or -EINVAL. */
int parse_cpus(const char *s, cpu_set_t *out);

/* "auto", "on", "off" (spinners.h). */
int parse_spin_mode(const char *s, enum spin_mode *out);

#endif
