/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command lines of the stress programs: "-v", "-h" and "--name N" options
 * from a table, and the seed a run uses when none is given.
 */
#ifndef KGIL_STRESS_ARGS_H
#define KGIL_STRESS_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"

struct num_opt {
	const char *name;	/* "--seconds" */
	uint64_t *val;
	uint64_t min, max;
	bool seen;
};

/* 0 parsed, 1 help asked, -1 bad usage. */
static inline int parse_num_opts(int argc, char **argv, struct num_opt *o,
				 size_t n, bool *verbose)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		char *end = NULL;
		unsigned long long x = strtoull(v, &end, 0);
		size_t k;

		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			*verbose = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		for (k = 0; k < n && strcmp(a, o[k].name); k++)
			;
		if (k == n || !*v || *end || x < o[k].min || x > o[k].max)
			return -1;
		*o[k].val = x;
		o[k].seen = true;
		i++;
	}
	return 0;
}

/* A seed for a run that was given none (it is printed, to replay it). */
static inline uint64_t clock_seed(void)
{
	return now_ns() ^ ((uint64_t)getpid() << 32);
}

#endif /* KGIL_STRESS_ARGS_H */
