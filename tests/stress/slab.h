/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leak check through /proc/slabinfo.  kgil allocates its domains and
 * threads with kmalloc, so they live in shared kmalloc-N caches: a
 * calibration (allocate many kgil objects, see which caches grow by as
 * many) finds those caches, and a run that leaves them much fuller than
 * before it leaked.  SLUB counts per-CPU slabs as in use, hence the
 * tolerance; the module's own counters ("kgil: leak" at unload) and
 * kmemleak on the debug kernel give the exact answer.
 */
#ifndef KGIL_STRESS_SLAB_H
#define KGIL_STRESS_SLAB_H

#include <stdio.h>
#include <string.h>

#define SLAB_MAX 400

struct slab_snap {
	int n;
	struct {
		char name[48];
		long active;
	} c[SLAB_MAX];
};

/* 0, or -1 when /proc/slabinfo cannot be read (not root, no SLUB_DEBUG). */
static inline int slab_snapshot(struct slab_snap *s)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "re");

	s->n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && s->n < SLAB_MAX) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%47s %ld", s->c[s->n].name, &s->c[s->n].active) == 2)
			s->n++;
	}
	fclose(f);
	return 0;
}

static inline long slab_active(const struct slab_snap *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return s->c[i].active;
	return 0;
}

#endif /* KGIL_STRESS_SLAB_H */
