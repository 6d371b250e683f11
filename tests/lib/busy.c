// SPDX-License-Identifier: GPL-2.0
#include "busy.h"
#include "clock.h"

void busy_work(unsigned long n)
{
	volatile unsigned long x = 1;

	for (unsigned long i = 0; i < n; i++)
		x = x * 2862933555777941757ul + 3037000493ul;
}

void busy_for_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		busy_work(64);
}

unsigned long busy_calibrate(uint64_t ns)
{
	const unsigned long calls = 2000000, per_call = 64;
	unsigned long n;
	uint64_t t0, dt;

	t0 = now_ns();
	for (unsigned long i = 0; i < calls; i++)
		busy_work(per_call);
	dt = now_ns() - t0;
	if (!dt)
		return 1;
	/* ns per iteration, then iterations per ns-long piece */
	n = (unsigned long)((double)ns * (double)(calls * per_call) /
			    (double)dt + 0.5);
	return n ? n : 1;
}
