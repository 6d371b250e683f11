/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracecap: record kgil tracepoints in a private tracefs instance during a
 * test and read them back with libtraceevent, so tests assert on real
 * kernel events.  One instance per capture keeps parallel tests apart.
 */
#ifndef KGIL_TESTS_TRACECAP_H
#define KGIL_TESTS_TRACECAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACECAP_MAX_FIELDS 8

struct tracecap_event {
	char name[48];			/* e.g. "kgil_open" */
	uint64_t ts;			/* ns, trace clock */
	int cpu;
	int nr_fields;
	char field[TRACECAP_MAX_FIELDS][24];
	long long value[TRACECAP_MAX_FIELDS];
};

struct tracecap;

/* Create an instance and enable "system:event" (event may be NULL for all). */
struct tracecap *tracecap_start(const char *system, const char *event);
/* Stop recording and read every event; returns the number read or -errno. */
int tracecap_stop(struct tracecap *tc);
size_t tracecap_count(const struct tracecap *tc, const char *name);
/* The n-th event named name (0-based), or NULL. */
const struct tracecap_event *tracecap_find(const struct tracecap *tc,
					   const char *name, size_t n);
const struct tracecap_event *tracecap_at(const struct tracecap *tc, size_t i);
size_t tracecap_len(const struct tracecap *tc);
/* Look a numeric field up; false if the event has no such field. */
bool tracecap_field(const struct tracecap_event *ev, const char *field,
		    long long *val);
/* Remove the instance and free everything. */
void tracecap_free(struct tracecap *tc);

#endif
