// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>

#include "bench/convoy_figures.h"
#include "bench/convoy_peer.h"
#include "support/result.h"

void convoy_put_setup(struct res *out, int k, int rounds, uint64_t gap_ns)
{
	res_int(out, "cpu_threads", k);
	res_int(out, "rounds", rounds);
	res_num(out, "gap_us", gap_ns / 1e3);
}

void convoy_put_latency(struct res *out, const struct convoy_report *idle,
			const struct convoy_report *loaded)
{
	res_num(out, "idle_p50_us", idle->p50_ns / 1e3);
	res_num(out, "idle_p99_us", idle->p99_ns / 1e3);
	res_num(out, "idle_mean_us", idle->mean_ns / 1e3);
	res_num(out, "loaded_p50_us", loaded->p50_ns / 1e3);
	res_num(out, "loaded_p99_us", loaded->p99_ns / 1e3);
	res_num(out, "loaded_mean_us", loaded->mean_ns / 1e3);
	res_num(out, "ratio_p50", (double)loaded->p50_ns / (double)idle->p50_ns);
	res_num(out, "ratio_p99", (double)loaded->p99_ns / (double)idle->p99_ns);
}

void convoy_put_cpu(struct res *out, const char *unit, double alone_rate,
		    double loaded_rate)
{
	char key[64];

	snprintf(key, sizeof(key), "cpu_alone_%s_per_s", unit);
	res_num(out, key, alone_rate);
	snprintf(key, sizeof(key), "cpu_loaded_%s_per_s", unit);
	res_num(out, key, loaded_rate);
	res_num(out, "cpu_throughput_ratio", loaded_rate / alone_rate);
}
