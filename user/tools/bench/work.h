/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calibrated busy work: a "tick" stands for one interpreter instruction,
 * a work_ns() call for a C extension's GIL-released loop.
 */
#ifndef KGIL_TOOLS_WORK_H
#define KGIL_TOOLS_WORK_H

#include <stdint.h>

/*
 * The default cost of one tick.  Beazley's count() loop took 24.6 s for
 * 2 x 10^8 iterations (123 ns each) on the 2009 machine, and Python 2
 * counts about 5 ticks per iteration of that loop (the ticker skips the
 * fast_next_opcode instructions): ~25 ns per tick.  Keeping the 2009
 * proportion keeps the check interval (100 ticks, ~2.5 us) in the same
 * ratio to the cost of signalling a thread as in the talk.
 */
#define WORK_DEFAULT_TICK_NS 25.0

/*
 * Measure the spin loop's speed; tick_ns is the wall time of one
 * instruction: a tick's work plus the lock's inline check (kgil_tick()
 * with nothing due), so the work per tick is tick_ns less that check.
 */
void work_calibrate(double tick_ns);
double work_tick_ns(void);
/* What an instruction (tick and check) costs as calibrated: more than
 * tick_ns only when the bookkeeping alone is dearer. */
double work_measured_tick_ns(void);
/* Spin iterations per nanosecond, as calibrated. */
double work_iters_per_ns(void);

/* One tick's worth of work (fractional iteration counts accumulate). */
void work_tick(void);
/* About ns nanoseconds of work, without reading a clock. */
void work_ns(uint64_t ns);

#endif
