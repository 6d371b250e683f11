/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sweep point's figures: every number of its runs' results (reached
 * through objects; arrays, the per-sample data, are left out), with the
 * median and the spread (min, max) over the runs.  Pure, unit-tested.
 */
#ifndef KGIL_TOOLS_SWEEP_FIG_H
#define KGIL_TOOLS_SWEEP_FIG_H

struct res;

/* Names in first-seen order, each once. */
struct sweep_names {
	char **v;
	int n, cap;
};

void sweep_names_add(struct sweep_names *s, const char *name);
int sweep_names_find(const struct sweep_names *s, const char *name);	/* -1: absent */
void sweep_names_free(struct sweep_names *s);

struct sweep_fig {
	double med, min, max;	/* NaN when no run has a number there */
};

struct sweep_figs {
	struct sweep_names names;	/* dotted paths: "loaded_p50_us", "tcp.speedup" */
	struct sweep_fig *v;		/* one per name */
};

/* The figures of n runs (the union of their numbers' paths): 0 or -ENOMEM. */
int sweep_figs_compute(struct res *const *runs, int n, struct sweep_figs *out);
/* The figure called name, or NULL. */
const struct sweep_fig *sweep_figs_get(const struct sweep_figs *f, const char *name);
void sweep_figs_free(struct sweep_figs *f);

#endif
