/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact per-domain event counts from the kernel's own hist triggers, to
 * hold the statistics against the trace: a ring buffer would drop events
 * under 256 threads, a hist trigger counts every hit.  The triggers live in
 * a tracefs instance of their own, so they neither see nor disturb anybody
 * else's triggers on the same events (one hist file shows one trigger).
 */
#ifndef KGIL_STRESS_TRACE_HIST_H
#define KGIL_STRESS_TRACE_HIST_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "files.h"

#define TRACEFS_INSTANCES "/sys/kernel/tracing/instances"

struct trace_hist {
	const char *event;	/* kgil_acquire_end, ... */
	const char *filter;	/* "" or " if ret == 0" */
	bool on;
};

static char hist_dir[128];	/* the instance, once created */

/* A private instance; 0 or -errno (no tracefs, not root). */
static inline int hist_instance_create(const char *prefix)
{
	snprintf(hist_dir, sizeof(hist_dir), TRACEFS_INSTANCES "/%s-%d", prefix, (int)getpid());
	if (mkdir(hist_dir, 0700)) {
		hist_dir[0] = 0;
		return -errno;
	}
	return 0;
}

static inline void hist_instance_remove(void)
{
	if (hist_dir[0] && rmdir(hist_dir) == 0)
		hist_dir[0] = 0;
}

static inline int hist_trigger(const struct trace_hist *h, bool on)
{
	char path[256], spec[128];

	snprintf(path, sizeof(path), "%s/events/kgil/%s/trigger", hist_dir, h->event);
	snprintf(spec, sizeof(spec), "%shist:keys=domain:size=2048%s", on ? "" : "!", h->filter);
	return write_text(path, spec);
}

/* Start counting event hits per domain.  0 or -errno. */
static inline int hist_start(struct trace_hist *h)
{
	int ret = hist_dir[0] ? hist_trigger(h, true) : -ENOENT;

	h->on = ret == 0;
	return ret;
}

static inline void hist_stop(struct trace_hist *h)
{
	if (h->on)
		hist_trigger(h, false);
	h->on = false;
}

/* The hit count of one domain (0 if it never hit), or -errno. */
static inline int64_t hist_count(const struct trace_hist *h, uint64_t domain)
{
	char path[256], line[256];
	unsigned long long d, n;
	int64_t count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/kgil/%s/hist", hist_dir, h->event);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "{ domain: %llu } hitcount: %llu", &d, &n) == 2 && d == domain)
			count += (int64_t)n;
	fclose(f);
	return count;
}

#endif /* KGIL_STRESS_TRACE_HIST_H */
