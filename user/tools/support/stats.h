/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_STATS_H
#define KGIL_TOOLS_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Median of n values (sorts v in place); NaN when n == 0. */
double median(double *v, int n);
/* Nearest-rank percentile (0 < p <= 100) of n samples, sorted in place. */
uint64_t percentile_u64(uint64_t *v, size_t n, double p);

#endif
