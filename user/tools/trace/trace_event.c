// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "trace/trace_event.h"

static const char *const type_names[KT_NR_TYPES] = {
	[KT_OPEN] = "kgil_open",
	[KT_CLOSE] = "kgil_close",
	[KT_ATTACH] = "kgil_attach",
	[KT_DETACH] = "kgil_detach",
	[KT_FAILED_ACQUIRE] = "kgil_failed_acquire",
	[KT_OWNER_DEATH] = "kgil_owner_death",
	[KT_ACQUIRE_BEGIN] = "kgil_acquire_begin",
	[KT_ACQUIRE_END] = "kgil_acquire_end",
	[KT_RELEASE] = "kgil_release",
	[KT_DROP_REQUEST] = "kgil_drop_request",
	[KT_HANDOFF] = "kgil_handoff",
	[KT_POLICY_CHANGE] = "kgil_policy_change",
	[KT_SCHED_SWITCH] = "sched_switch",
	[KT_SCHED_WAKEUP] = "sched_wakeup",
};

static const char *const reason_names[KT_NR_REASONS] = {
	[KGIL_REL_EXPLICIT] = "explicit",
	[KGIL_REL_CHECK] = "check",
	[KGIL_REL_IO] = "io",
	[KGIL_REL_DETACH] = "detach",
	[KGIL_REL_CLOSE] = "close",
	[KGIL_REL_EXIT] = "exit",
};

const char *kt_type_name(enum kt_type type)
{
	return (unsigned int)type < KT_NR_TYPES ? type_names[type] : "?";
}

const char *kt_reason_name(int reason)
{
	return reason >= 0 && reason < KT_NR_REASONS ? reason_names[reason] : "?";
}

int32_t kt_event_tid(const struct kt_event *ev)
{
	switch (ev->type) {
	case KT_ATTACH:
	case KT_DETACH:
	case KT_FAILED_ACQUIRE:
	case KT_OWNER_DEATH:
		return ev->thread.tid;
	case KT_ACQUIRE_BEGIN:
		return ev->acquire_begin.tid;
	case KT_ACQUIRE_END:
		return ev->acquire_end.tid;
	case KT_RELEASE:
		return ev->release.tid;
	case KT_HANDOFF:
		return ev->handoff.to_tid;
	default:
		return -1;
	}
}

int kt_grow(void *buf, size_t *cap, size_t len, size_t elem)
{
	void **pp = buf, *p;
	size_t ncap;

	if (len < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*pp, ncap * elem);
	if (!p)
		return -ENOMEM;
	*pp = p;
	*cap = ncap;
	return 0;
}

int kt_trace_push(struct kt_trace *t, const struct kt_event *ev)
{
	if (kt_grow(&t->ev, &t->cap, t->len, sizeof(*t->ev)))
		return -ENOMEM;
	t->ev[t->len++] = *ev;
	return 0;
}

void kt_trace_free(struct kt_trace *t)
{
	free(t->ev);
	*t = (struct kt_trace){ 0 };
}
