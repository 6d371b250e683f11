// SPDX-License-Identifier: GPL-2.0
/*
 * Verdict rules.  Each threshold is stated in `rule` (printed under the
 * table and in results/reproduce.md) and chosen to test the claim's
 * direction and rough size, not the published figure exactly: our work is
 * calibrated ticks, not Python 2.6 on a 2009 MacBook, and under TCG every
 * system call costs ~10x more than on hardware.
 */
#include <math.h>
#include <stdio.h>

#include "reproduce/reproduce_rows.h"
#include "support/result.h"

void repro_fmt_count(char *buf, size_t len, double v)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.0fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

static void fmt_us(char *buf, size_t len, double us)
{
	if (us >= 1000)
		snprintf(buf, len, "%.1f ms", us / 1000);
	else
		snprintf(buf, len, "%.0f us", us);
}

static enum verdict ratio_above(const struct res *exp, const char *path, double min,
				char *fig, size_t len)
{
	double r = res_get_num(exp, path);

	if (isnan(r))
		return V_NO_DATA;
	snprintf(fig, len, "%.2fx", r);
	return r > min ? V_REPRODUCED : V_NOT;
}

/* 1: the releaser wins its own check back; the woken waiter fails. */
static enum verdict judge_battle(const struct res *exp, char *fig, size_t len)
{
	double checks = res_get_num(exp, "cpu_all.checks");
	double handoffs = res_get_num(exp, "cpu_all.handoffs");
	double failed = res_get_num(exp, "cpu_all.failed_acquires");
	double retake;

	if (isnan(checks) || isnan(handoffs) || isnan(failed) || checks <= 0)
		return V_NO_DATA;
	retake = 1 - handoffs / checks;
	if (retake < 0)
		retake = 0;
	snprintf(fig, len, "%.1f%% retaken, %.1f failed/switch", 100 * retake,
		 handoffs ? failed / handoffs : failed);
	return retake >= 0.5 && failed > 0 ? V_REPRODUCED : V_NOT;
}

static enum verdict judge_slower_all(const struct res *exp, char *fig, size_t len)
{
	return ratio_above(exp, "cpu_all.ratio", 1.2, fig, len);
}

static enum verdict judge_slower_one(const struct res *exp, char *fig, size_t len)
{
	return ratio_above(exp, "cpu_1cpu.ratio", 1.2, fig, len);
}

static enum verdict judge_more_cores_worse(const struct res *exp, char *fig, size_t len)
{
	double all = res_get_num(exp, "cpu_all.ratio");
	double one = res_get_num(exp, "cpu_1cpu.ratio");

	if (isnan(all) || isnan(one))
		return V_NO_DATA;
	snprintf(fig, len, "%.2fx (%.2f vs %.2f)", all / one, all, one);
	return all / one > 1.05 ? V_REPRODUCED : V_NOT;
}

static enum verdict syscalls(const struct res *exp, const char *cpu, char *fig, size_t len,
			     double *threaded)
{
	char path[64], a[16], b[16];
	double seq, thr;

	snprintf(path, sizeof(path), "%s.sequential_syscalls", cpu);
	seq = res_get_num(exp, path);
	snprintf(path, sizeof(path), "%s.syscalls", cpu);
	thr = res_get_num(exp, path);
	if (isnan(seq) || isnan(thr))
		return V_NO_DATA;
	repro_fmt_count(a, sizeof(a), seq);
	repro_fmt_count(b, sizeof(b), thr);
	snprintf(fig, len, "%s -> %s (%.0fx)", a, b, thr / (seq > 1 ? seq : 1));
	if (threaded)
		*threaded = thr;
	return thr >= 100 * (seq > 1 ? seq : 1) ? V_REPRODUCED : V_NOT;
}

static enum verdict judge_syscalls_one(const struct res *exp, char *fig, size_t len)
{
	return syscalls(exp, "cpu_1cpu", fig, len, NULL);
}

static enum verdict judge_syscalls_all(const struct res *exp, char *fig, size_t len)
{
	double all = 0, one = 0;
	char unused[64];
	enum verdict v = syscalls(exp, "cpu_all", fig, len, &all);

	if (v == V_NO_DATA || syscalls(exp, "cpu_1cpu", unused, sizeof(unused), &one) == V_NO_DATA)
		return v;
	return v == V_REPRODUCED && all > one ? V_REPRODUCED : V_NOT;
}

/* 4: the speedup curve of slide 104. */
static enum verdict judge_cext(const struct res *exp, char *fig, size_t len)
{
	const struct res *pts = res_get(exp, "cext.points");
	double first = NAN, best = 0, best_ns = 0, at4 = NAN, d4 = INFINITY;

	if (!pts || !pts->first)
		return V_NO_DATA;
	for (const struct res *p = pts->first; p; p = p->next) {
		double s = res_get_num(p, "speedup"), ns = res_get_num(p, "work_ns");

		if (isnan(s))
			continue;
		if (isnan(first))
			first = s;
		if (s > best)
			best = s, best_ns = ns;
		if (fabs(ns - 4000) < d4)
			d4 = fabs(ns - 4000), at4 = s;
	}
	if (isnan(first))
		return V_NO_DATA;
	snprintf(fig, len, "%.2fx @4us, max %.2fx @%.0fus, %.2fx @0", at4, best,
		 best_ns / 1000, first);
	return best >= 1.7 && best - first >= 0.3 ? V_REPRODUCED : V_NOT;
}

static enum verdict judge_io(const struct res *exp, char *fig, size_t len)
{
	double s = res_get_num(exp, "io.speedup");

	if (isnan(s))
		return V_NO_DATA;
	snprintf(fig, len, "%.2fx (%.3f -> %.3f s)", s, res_get_num(exp, "io.sequential_s"),
		 res_get_num(exp, "io.threaded_s"));
	return s >= 2.0 ? V_REPRODUCED : V_NOT;
}

static enum verdict judge_processes(const struct res *exp, char *fig, size_t len)
{
	return ratio_above(exp, "cpu_all.processes_speedup", 1.6, fig, len);
}

/* 7: switches come from the interval, by drop request. */
static enum verdict judge_newgil(const struct res *exp, char *fig, size_t len)
{
	double mean_us = res_get_num(exp, "cpu_all.mean_switch_interval_us");
	double interval_us = res_get_num(exp, "cpu_all.switch_interval_ns") / 1e3;
	double drops = res_get_num(exp, "cpu_all.drop_requests");
	double handoffs = res_get_num(exp, "cpu_all.handoffs");
	char m[16];

	if (isnan(mean_us) || isnan(interval_us) || isnan(drops) || !(handoffs > 0))
		return V_NO_DATA;
	fmt_us(m, sizeof(m), mean_us);
	snprintf(fig, len, "%s/switch, %.0f%% requested", m, 100 * drops / handoffs);
	return mean_us >= 0.8 * interval_us && mean_us <= 3 * interval_us &&
	       drops >= 0.5 * handoffs ? V_REPRODUCED : V_NOT;
}

/* 8: the I/O thread waits about a switch interval per round trip. */
static enum verdict judge_convoy(const struct res *exp, char *fig, size_t len)
{
	double idle = res_get_num(exp, "convoy.idle_p50_us");
	double loaded = res_get_num(exp, "convoy.loaded_p50_us");
	double interval_us = res_get_num(exp, "convoy.switch_interval_ns") / 1e3;
	char a[16], b[16];

	if (isnan(idle) || isnan(loaded) || isnan(interval_us))
		return V_NO_DATA;
	fmt_us(a, sizeof(a), idle);
	fmt_us(b, sizeof(b), loaded);
	snprintf(fig, len, "%s -> %s (%.0fx)", a, b, loaded / idle);
	return loaded >= 0.5 * interval_us && loaded / idle >= 10 ? V_REPRODUCED : V_NOT;
}

const struct repro_row repro_rows[] = {
	{ "1", "old GIL: the releaser retakes its check (battle)",
	  "no handoff, \"GIL battle\"",
	  "reproduced if >= 50% of the checks end with the releaser holding the lock again "
	  "and the waiter records failed acquisitions (2 threads, all CPUs)",
	  A_LEGACY, judge_battle },
	{ "2a", "2 CPU threads / sequential time, 2 CPUs",
	  "1.85x (Peretin 1.48x)", "reproduced if the ratio is > 1.2 (threads slower)",
	  A_LEGACY, judge_slower_all },
	{ "2b", "2 CPU threads / sequential time, 1 CPU", "1.54x",
	  "reproduced if the ratio is > 1.2", A_LEGACY, judge_slower_one },
	{ "2c", "2 CPUs worse than 1 (ratio 2 CPUs / 1 CPU)", "1.20x (45.5 vs 38.0 s)",
	  "reproduced if > 1.05", A_LEGACY, judge_more_cores_worse },
	{ "3a", "system calls, sequential -> threads, 1 CPU", "736 -> 3.3M",
	  "reproduced if threaded >= 100x sequential (perf raw_syscalls:sys_enter)",
	  A_LEGACY, judge_syscalls_one },
	{ "3b", "system calls, sequential -> threads, 2 CPUs", "736 -> 9.5M",
	  "reproduced if threaded >= 100x sequential and more than on 1 CPU",
	  A_LEGACY, judge_syscalls_all },
	{ "4", "C extension releasing the GIL: 2-thread speedup",
	  "~2x at ~4 us/call",
	  "reproduced if the best speedup is >= 1.7 and exceeds the smallest size's by >= 0.3",
	  A_ALL, judge_cext },
	{ "5", "3 I/O requests: sequential / threads time", "2.6x (0.375 -> 0.145 s)",
	  "reproduced if the speedup is >= 2.0", A_ALL, judge_io },
	{ "6", "2 processes: sequential / processes time", "1.97x (24.6 -> 12.5 s)",
	  "reproduced if the speedup is > 1.6", A_ALL, judge_processes },
	{ "7", "new GIL: a switch per interval, on request", "5 ms, forced",
	  "reproduced if the mean time between switches is 0.8x-3x the interval and >= half "
	  "the switches follow a drop request",
	  A_NEWGIL, judge_newgil },
	{ "8", "convoy: I/O round trip p50, alone -> +1 CPU thread",
	  "14 us -> 10.2 ms (~700x)",
	  "reproduced if the loaded p50 is >= half a switch interval and >= 10x the idle p50",
	  A_NEWGIL, judge_convoy },
};

const size_t repro_nrows = sizeof(repro_rows) / sizeof(repro_rows[0]);
