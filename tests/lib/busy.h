/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Busy work for the tests: CPU time spent without system calls, the
 * "interpreter instructions" of the device tests and helpers.
 */
#ifndef KGIL_TESTS_BUSY_H
#define KGIL_TESTS_BUSY_H

#include <stdint.h>

/* n iterations of a dependent multiply-add chain the compiler keeps. */
void busy_work(unsigned long n);
/* busy_work() in rounds of 64 until ns of CLOCK_MONOTONIC time passed. */
void busy_for_ns(uint64_t ns);
/*
 * Measure busy_work() on this CPU: the iterations that take about ns
 * (at least 1).
 */
unsigned long busy_calibrate(uint64_t ns);

#endif
