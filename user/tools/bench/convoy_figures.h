/* SPDX-License-Identifier: GPL-2.0 */
/* The convoy figures, the same keys for convoy and py-convoy. */
#ifndef KGIL_TOOLS_CONVOY_FIGURES_H
#define KGIL_TOOLS_CONVOY_FIGURES_H

struct convoy_report;
struct res;

#include <stdint.h>

/* cpu_threads, rounds and gap_us. */
void convoy_put_setup(struct res *out, int k, int rounds, uint64_t gap_ns);
/* idle_/loaded_ p50, p99 and mean in µs, ratio_p50 and ratio_p99. */
void convoy_put_latency(struct res *out, const struct convoy_report *idle,
			const struct convoy_report *loaded);
/*
 * cpu_alone_UNIT_per_s, cpu_loaded_UNIT_per_s and cpu_throughput_ratio:
 * the CPU threads' rate beside the I/O thread against alone.
 */
void convoy_put_cpu(struct res *out, const char *unit, double alone_rate,
		    double loaded_rate);

#endif
