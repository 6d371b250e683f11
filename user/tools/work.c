// SPDX-License-Identifier: GPL-2.0
/*
 * The work is a dependent multiply-add chain the compiler cannot drop or
 * vectorise, so its cost per iteration is a few cycles and stable.  It is
 * calibrated against CLOCK_MONOTONIC once at start-up; afterwards work is
 * counted in iterations, never timed, so a thread that is descheduled in
 * the middle of a tick still does exactly the work of a tick.
 */
#include "clock.h"
#include "work.h"

/* Iterations per tick in 16.16 fixed point: under TCG a tick is a couple
 * of iterations, so the fraction matters. */
static uint64_t tick_fp;
static double iters_per_ns = 1.0;
static double tick_ns = WORK_DEFAULT_TICK_NS;
static __thread uint64_t tick_acc;

static inline void spin(uint64_t n)
{
	uint64_t x = n;

	while (n--) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
}

void work_calibrate(double ns_per_tick)
{
	enum { RUNS = 7 };
	double rate[RUNS];
	uint64_t n = 1 << 16;

	/* Grow the sample until it takes ~2 ms (also warms up TCG). */
	for (;;) {
		double t0 = now_s();

		spin(n);
		if (now_s() - t0 > 0.002 || n >= (1ULL << 34))
			break;
		n *= 2;
	}
	for (int i = 0; i < RUNS; i++) {
		double t0 = now_s(), dt;

		spin(n);
		dt = now_s() - t0;
		rate[i] = n / (dt * 1e9);
	}
	/* Preemption only ever slows a sample down: the fastest is the truth. */
	iters_per_ns = rate[0];
	for (int i = 1; i < RUNS; i++)
		if (rate[i] > iters_per_ns)
			iters_per_ns = rate[i];
	tick_ns = ns_per_tick;
	tick_fp = (uint64_t)(tick_ns * iters_per_ns * 65536.0 + 0.5);
	if (!tick_fp)
		tick_fp = 1;
}

double work_tick_ns(void)
{
	return tick_ns;
}

double work_iters_per_ns(void)
{
	return iters_per_ns;
}

void work_tick(void)
{
	tick_acc += tick_fp;
	spin(tick_acc >> 16);
	tick_acc &= 0xffff;
}

void work_ns(uint64_t ns)
{
	spin((uint64_t)(ns * iters_per_ns + 0.5));
}
