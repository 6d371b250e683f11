/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact per-domain event counts from the kernel's own hist triggers
 * (tracefs events/kgil/<event>/trigger), to hold the statistics against
 * the trace: a ring buffer would drop events under 256 threads, a hist
 * trigger counts every hit.  Each trigger is named after the process, so
 * concurrent users of the same event do not collide.
 */
#ifndef KGIL_STRESS_TRACE_HIST_H
#define KGIL_STRESS_TRACE_HIST_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "files.h"

#define KGIL_EVENTS_DIR "/sys/kernel/tracing/events/kgil"

struct trace_hist {
	const char *event;	/* kgil_acquire_end, ... */
	const char *filter;	/* "" or " if ret == 0" */
	char name[64];
	char spec[160];
	bool on;
};

static inline int hist_write(const char *event, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), KGIL_EVENTS_DIR "/%s/trigger", event);
	return write_text(path, text);
}

/* Start counting event hits per domain.  0 or -errno. */
static inline int hist_start(struct trace_hist *h)
{
	int ret;

	snprintf(h->name, sizeof(h->name), "kgilstress%d_%s", (int)getpid(), h->event);
	snprintf(h->spec, sizeof(h->spec), "hist:name=%s:keys=domain:size=2048%s",
		 h->name, h->filter);
	ret = hist_write(h->event, h->spec);
	h->on = ret == 0;
	return ret;
}

static inline void hist_stop(struct trace_hist *h)
{
	char text[170];

	if (!h->on)
		return;
	snprintf(text, sizeof(text), "!%s", h->spec);
	hist_write(h->event, text);
	h->on = false;
}

/* The hit count of one domain (0 if it never hit), or -errno. */
static inline int64_t hist_count(const struct trace_hist *h, uint64_t domain)
{
	char path[256], line[256];
	unsigned long long d, n;
	int64_t count = 0;
	bool ours = false;
	FILE *f;

	snprintf(path, sizeof(path), KGIL_EVENTS_DIR "/%s/hist", h->event);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* The file lists every hist trigger of the event: read ours only. */
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "# trigger info:", 15))
			ours = strstr(line, h->name) != NULL;
		else if (ours && sscanf(line, "{ domain: %llu } hitcount: %llu", &d, &n) == 2 &&
			 d == domain)
			count += (int64_t)n;
	}
	fclose(f);
	return count;
}

#endif /* KGIL_STRESS_TRACE_HIST_H */
