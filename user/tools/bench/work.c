// SPDX-License-Identifier: GPL-2.0
/*
 * The work is a dependent multiply-add chain the compiler cannot drop or
 * vectorise, so its cost per iteration is a few cycles and stable.  It is
 * calibrated against CLOCK_MONOTONIC once at start-up; afterwards work is
 * counted in iterations, never timed, so a thread that is descheduled in
 * the middle of a tick still does exactly the work of a tick.
 */
#include "support/clock.h"
#include "bench/work.h"

/* Iterations per tick in 16.16 fixed point: under TCG a tick is a couple
 * of iterations, so the fraction matters.  0 before calibration. */
static uint64_t tick_fp;
static double iters_per_ns = 1.0;
static double tick_ns = WORK_DEFAULT_TICK_NS;
static double measured_tick_ns;
static __thread uint64_t tick_acc;

/*
 * One dependency chain across all the spins of a thread: were each spin a
 * chain of its own, the CPU would overlap consecutive short spins (ticks)
 * and run them several times faster than the long calibration loop.
 */
static __thread uint64_t chain = 1;

static inline void spin(uint64_t n)
{
	uint64_t x = chain;

	while (n--) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	chain = x;
}

/* Fastest of a few timings of fn(arg): preemption only slows one down. */
static double fastest_s(void (*fn)(uint64_t), uint64_t arg)
{
	double best = 0;

	for (int i = 0; i < 7; i++) {
		double t0 = now_s(), dt;

		fn(arg);
		dt = now_s() - t0;
		if (!best || dt < best)
			best = dt;
	}
	return best;
}

/*
 * The lock's inline check as kgil_tick() does it when nothing is due (a
 * thread-local counter, a countdown, a load through the drop pointer), on
 * a private copy: calibration runs before any lock exists, and an
 * instruction is to cost tick_ns with its check, as a bytecode does with
 * the eval breaker's.  Under TCG this bookkeeping is a good part of 25 ns.
 */
static const volatile uint32_t no_drop;
static __thread struct {
	int32_t countdown;
	const volatile uint32_t *drop;
	uint64_t ticks;
} check = { .countdown = INT32_MAX, .drop = &no_drop };

static void ticks(uint64_t n)
{
	while (n--) {
		work_tick();
		check.ticks++;
		if (__builtin_expect(--check.countdown <= 0 || (check.drop && *check.drop), 0))
			check.countdown = INT32_MAX;
	}
}

void work_calibrate(double ns_per_tick)
{
	uint64_t n = 1 << 16, nt = 1 << 14;
	double overhead_ns;

	/* Grow the sample until it takes ~2 ms (also warms up TCG). */
	for (;;) {
		double t0 = now_s();

		spin(n);
		if (now_s() - t0 > 0.002 || n >= (1ULL << 34))
			break;
		n *= 2;
	}
	iters_per_ns = n / (fastest_s(spin, n) * 1e9);

	/*
	 * An instruction is also a call, the fraction's bookkeeping and the
	 * inline check: a few ns on hardware, tens under TCG.  Time them with
	 * no spin at all and give the spin only what is left of tick_ns.
	 */
	tick_fp = 0;
	overhead_ns = fastest_s(ticks, nt) * 1e9 / nt;
	tick_ns = ns_per_tick;
	if (overhead_ns < tick_ns)
		tick_fp = (uint64_t)((tick_ns - overhead_ns) * iters_per_ns * 65536.0 + 0.5);
	measured_tick_ns = fastest_s(ticks, nt) * 1e9 / nt;
}

double work_measured_tick_ns(void)
{
	return measured_tick_ns;
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
