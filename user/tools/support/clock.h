/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_CLOCK_H
#define KGIL_TOOLS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC, the clock of every figure the harness reports. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline double now_s(void)
{
	return now_ns() / 1e9;
}

#endif
