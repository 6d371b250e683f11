/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kgil sweep`: a bench scenario over a grid of one or two options'
 * values, under several series (backend x policy).  The model shared by
 * the command (sweep.c), its files (sweep_out.c) and pictures
 * (sweep_plot.c).
 */
#ifndef KGIL_TOOLS_SWEEP_H
#define KGIL_TOOLS_SWEEP_H

#include <stdint.h>
#include <stdio.h>

#include "kgil.h"
#include "sweep/sweep_fig.h"
#include "sweep/sweep_grid.h"

#define SWEEP_MAX_PARAMS 2
#define SWEEP_MAX_SERIES 32
/* All points of all series: more is a typo, not a sweep. */
#define SWEEP_MAX_POINTS 1000

struct res;

struct sweep_param {
	const char *opt;	/* the bench option, "switch-interval" */
	char col[48];		/* its column, "switch_interval_ns" (times in ns) */
	enum sweep_unit unit;
	uint64_t *v;
	int n;
};

/* A series' backend or --policy value: "bpf:PATH" may be long. */
#define SWEEP_NAME_LEN 256

struct sweep_series {
	enum kgil_backend backend;
	uint32_t policy;	/* 0: the backend's default */
	char backend_name[24];
	char policy_arg[SWEEP_NAME_LEN];	/* what --policy gets */
	/*
	 * As the results say it: the default's own name, a BPF policy's
	 * "bpf:NAME", once a run said it
	 */
	char policy_name[SWEEP_NAME_LEN];
};

struct sweep_point {
	int series;
	int idx[SWEEP_MAX_PARAMS];	/* into par[p].v */
	struct res **runs;		/* the runs that worked */
	int nruns, failed;
	struct sweep_figs figs;
};

struct sweep {
	const char *scenario;
	int repeat;
	struct sweep_param par[SWEEP_MAX_PARAMS];
	int npar;
	struct sweep_series ser[SWEEP_MAX_SERIES];
	int nser;
	struct sweep_point *pts;
	int npts;
	struct sweep_names figs;	/* every point's figures: the CSV's columns */
};

/* Point pt's value of parameter p, and that value as the option takes it. */
uint64_t sweep_value(const struct sweep *sw, const struct sweep_point *pt, int p);
void sweep_value_str(const struct sweep *sw, const struct sweep_point *pt, int p,
		     char *buf, size_t len);

int cmd_sweep(int argc, char **argv);

#endif
