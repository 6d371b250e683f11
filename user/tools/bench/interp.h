/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "interpreter": a thread that holds the lock runs instructions, each
 * a tick of calibrated work followed by the lock's tick (the periodic
 * check, an inline countdown and a load of the drop request), the way
 * CPython's eval loop runs bytecodes.
 */
#ifndef KGIL_TOOLS_INTERP_H
#define KGIL_TOOLS_INTERP_H

#include <stdatomic.h>
#include <stdint.h>

#include "kgil.h"
#include "bench/work.h"

/*
 * Run n instructions, or fewer if *stop becomes set (looked at every
 * 4096 instructions, so the load costs nothing).  Returns the number run;
 * *err keeps the first error of the check's slow path.
 */
static inline uint64_t interp_run(uint64_t n, atomic_int *stop, int *err)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		int r;

		work_tick();
		r = kgil_tick();
		if (__builtin_expect(r < 0, 0) && !*err)
			*err = r;
		if (!(i & 4095) && stop &&
		    atomic_load_explicit(stop, memory_order_relaxed))
			break;
	}
	return i;
}

#endif
