// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "tracecap.h"

struct tracecap {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	char system[32];
	struct tracecap_event *ev;
	size_t len, cap;
};

static int collect(struct tep_event *event, struct tep_record *rec, int cpu,
		   void *data)
{
	struct tracecap *tc = data;
	struct tracecap_event *e;
	struct tep_format_field **fields;

	if (strcmp(event->system, tc->system))
		return 0;
	if (tc->len == tc->cap) {
		size_t ncap = tc->cap ? tc->cap * 2 : 256;
		void *p = realloc(tc->ev, ncap * sizeof(*tc->ev));

		if (!p)
			return -1;
		tc->ev = p;
		tc->cap = ncap;
	}
	e = &tc->ev[tc->len++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", event->name);
	e->ts = rec->ts;
	e->cpu = cpu;
	fields = tep_event_fields(event);
	for (int i = 0; fields && fields[i] && e->nr_fields < TRACECAP_MAX_FIELDS; i++) {
		unsigned long long v;

		if (tep_read_number_field(fields[i], rec->data, &v))
			continue;
		snprintf(e->field[e->nr_fields], sizeof(e->field[0]), "%s",
			 fields[i]->name);
		/* Sign-extend signed fields (tid, ret) to their width. */
		if (fields[i]->flags & TEP_FIELD_IS_SIGNED) {
			switch (fields[i]->size) {
			case 1: v = (long long)(int8_t)v; break;
			case 2: v = (long long)(int16_t)v; break;
			case 4: v = (long long)(int32_t)v; break;
			}
		}
		e->value[e->nr_fields++] = (long long)v;
	}
	free(fields);
	return 0;
}

struct tracecap *tracecap_start(const char *system, const char *event)
{
	struct tracecap *tc = calloc(1, sizeof(*tc));
	char name[64];

	if (!tc)
		return NULL;
	snprintf(tc->system, sizeof(tc->system), "%s", system);
	snprintf(name, sizeof(name), "kgil-test-%d", (int)getpid());
	tc->inst = tracefs_instance_create(name);
	if (!tc->inst)
		goto fail;
	tracefs_trace_off(tc->inst);
	tracefs_instance_file_clear(tc->inst, "trace");
	if (tracefs_event_enable(tc->inst, system, event) < 0)
		goto fail;
	tracefs_trace_on(tc->inst);
	return tc;
fail:
	tracecap_free(tc);
	return NULL;
}

int tracecap_stop(struct tracecap *tc)
{
	const char *systems[] = { tc->system, NULL };

	tracefs_trace_off(tc->inst);
	tc->tep = tracefs_local_events_system(NULL, systems);
	if (!tc->tep)
		return -errno ? -errno : -EIO;
	if (tracefs_iterate_raw_events(tc->tep, tc->inst, NULL, 0, collect, tc) < 0)
		return -EIO;
	return (int)tc->len;
}

size_t tracecap_len(const struct tracecap *tc)
{
	return tc->len;
}

const struct tracecap_event *tracecap_at(const struct tracecap *tc, size_t i)
{
	return i < tc->len ? &tc->ev[i] : NULL;
}

size_t tracecap_count(const struct tracecap *tc, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < tc->len; i++)
		n += !strcmp(tc->ev[i].name, name);
	return n;
}

const struct tracecap_event *tracecap_find(const struct tracecap *tc,
					   const char *name, size_t n)
{
	for (size_t i = 0; i < tc->len; i++)
		if (!strcmp(tc->ev[i].name, name) && n-- == 0)
			return &tc->ev[i];
	return NULL;
}

bool tracecap_field(const struct tracecap_event *ev, const char *field,
		    long long *val)
{
	for (int i = 0; i < ev->nr_fields; i++) {
		if (!strcmp(ev->field[i], field)) {
			*val = ev->value[i];
			return true;
		}
	}
	return false;
}

void tracecap_free(struct tracecap *tc)
{
	if (!tc)
		return;
	if (tc->inst) {
		tracefs_event_disable(tc->inst, NULL, NULL);
		tracefs_instance_destroy(tc->inst);
		tracefs_instance_free(tc->inst);
	}
	if (tc->tep)
		tep_free(tc->tep);
	free(tc->ev);
	free(tc);
}
