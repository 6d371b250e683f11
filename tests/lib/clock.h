/* SPDX-License-Identifier: GPL-2.0 */
/* Clocks and sleeps for the tests: nanoseconds as uint64_t. */
#ifndef KGIL_TESTS_CLOCK_H
#define KGIL_TESTS_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC (the module's clock for the times it reports). */
uint64_t now_ns(void);
/* CLOCK_THREAD_CPUTIME_ID: the calling thread's CPU time, kernel time
 * included (other jobs on a shared machine do not count). */
uint64_t thread_cpu_ns(void);
/* Sleep ns, resumed after a signal. */
void sleep_ns(uint64_t ns);

#endif
