// SPDX-License-Identifier: GPL-2.0
/*
 * trace.dat -> kt_trace.  libtracecmd merges the per-CPU buffers in
 * timestamp order; every field is looked up by name in the format the
 * kernel wrote into the file, so a field moved inside the record (the
 * formats are additive-only, not layout-frozen) is still found.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <trace-cmd.h>

#include "trace/trace_read.h"

#define KT_MAX_FIELDS 8

struct kt_format {
	int id;				/* tep event id, -1 if absent */
	struct tep_format_field *f[KT_MAX_FIELDS];
};

/* The fields each event is decoded from, in the order decode() uses. */
static const struct {
	const char *system, *name;
	const char *fields[KT_MAX_FIELDS];
} formats[KT_NR_TYPES] = {
	[KT_OPEN] = { "kgil", "kgil_open", { "domain", "pid", "uid" } },
	[KT_CLOSE] = { "kgil", "kgil_close", { "domain", "nr_threads" } },
	[KT_ATTACH] = { "kgil", "kgil_attach", { "domain", "tid", "id" } },
	[KT_DETACH] = { "kgil", "kgil_detach", { "domain", "tid", "id" } },
	[KT_FAILED_ACQUIRE] = { "kgil", "kgil_failed_acquire",
				{ "domain", "tid", "id" } },
	[KT_OWNER_DEATH] = { "kgil", "kgil_owner_death",
			     { "domain", "tid", "id" } },
	[KT_ACQUIRE_BEGIN] = { "kgil", "kgil_acquire_begin",
			       { "domain", "tid", "id", "io" } },
	[KT_ACQUIRE_END] = { "kgil", "kgil_acquire_end",
			     { "domain", "tid", "id", "wait_ns", "failed", "ret",
			       "owner_dead" } },
	[KT_RELEASE] = { "kgil", "kgil_release",
			 { "domain", "tid", "id", "hold_ns", "reason" } },
	[KT_DROP_REQUEST] = { "kgil", "kgil_drop_request",
			      { "domain", "requester", "holder" } },
	[KT_HANDOFF] = { "kgil", "kgil_handoff",
			 { "domain", "from_tid", "from", "to_tid", "to",
			   "latency_ns" } },
	[KT_POLICY_CHANGE] = { "kgil", "kgil_policy_change",
			       { "domain", "old_policy", "new_policy",
				 "check_interval", "switch_interval_ns", "flags" } },
	[KT_SCHED_SWITCH] = { "sched", "sched_switch",
			      { "prev_pid", "next_pid", "prev_state", "prev_comm",
				"next_comm" } },
	[KT_SCHED_WAKEUP] = { "sched", "sched_wakeup",
			      { "pid", "target_cpu", "comm" } },
};

struct reader {
	struct tep_handle *tep;
	struct kt_format fmt[KT_NR_TYPES];
	struct kt_trace *t;
	int err;
};

static unsigned long long num(const struct kt_format *fm, int i,
			      const struct tep_record *rec)
{
	unsigned long long v = 0;

	if (fm->f[i])
		tep_read_number_field(fm->f[i], rec->data, &v);
	return v;
}

static void str(const struct kt_format *fm, int i, const struct tep_record *rec,
		char *out)
{
	const struct tep_format_field *f = fm->f[i];
	size_t n;

	out[0] = '\0';
	if (!f || rec->size < 0 || (long)f->offset + f->size > (long)rec->size)
		return;
	n = (size_t)f->size < KT_COMM_LEN - 1 ? (size_t)f->size : KT_COMM_LEN - 1;
	memcpy(out, (const char *)rec->data + f->offset, n);
	out[n] = '\0';
}

static void decode(enum kt_type type, const struct kt_format *fm,
		   const struct tep_record *rec, struct kt_event *e)
{
#define N(i) num(fm, i, rec)
	/* Fields are zero-extended: the 32-bit signed ones are cast back. */
	switch (type) {
	case KT_OPEN:
		e->open.pid = (int32_t)N(1);
		e->open.uid = (uint32_t)N(2);
		break;
	case KT_CLOSE:
		e->close.nr_threads = (uint32_t)N(1);
		break;
	case KT_ATTACH:
	case KT_DETACH:
	case KT_FAILED_ACQUIRE:
	case KT_OWNER_DEATH:
		e->thread.tid = (int32_t)N(1);
		e->thread.id = (uint32_t)N(2);
		break;
	case KT_ACQUIRE_BEGIN:
		e->acquire_begin.tid = (int32_t)N(1);
		e->acquire_begin.id = (uint32_t)N(2);
		e->acquire_begin.io = N(3) != 0;
		break;
	case KT_ACQUIRE_END:
		e->acquire_end.tid = (int32_t)N(1);
		e->acquire_end.id = (uint32_t)N(2);
		e->acquire_end.wait_ns = N(3);
		e->acquire_end.failed = (uint32_t)N(4);
		e->acquire_end.ret = (int32_t)N(5);
		e->acquire_end.owner_dead = N(6) != 0;
		break;
	case KT_RELEASE:
		e->release.tid = (int32_t)N(1);
		e->release.id = (uint32_t)N(2);
		e->release.hold_ns = N(3);
		e->release.reason = (int32_t)N(4);
		break;
	case KT_DROP_REQUEST:
		e->drop.requester = (uint32_t)N(1);
		e->drop.holder = (uint32_t)N(2);
		break;
	case KT_HANDOFF:
		e->handoff.from_tid = (int32_t)N(1);
		e->handoff.from = (uint32_t)N(2);
		e->handoff.to_tid = (int32_t)N(3);
		e->handoff.to = (uint32_t)N(4);
		e->handoff.latency_ns = N(5);
		break;
	case KT_POLICY_CHANGE:
		e->policy.old_policy = (uint32_t)N(1);
		e->policy.new_policy = (uint32_t)N(2);
		e->policy.check_interval = (uint32_t)N(3);
		e->policy.switch_interval_ns = N(4);
		e->policy.flags = (uint32_t)N(5);
		break;
	case KT_SCHED_SWITCH:
		e->sched_switch.prev_pid = (int32_t)N(0);
		e->sched_switch.next_pid = (int32_t)N(1);
		e->sched_switch.prev_state = (int64_t)N(2);
		str(fm, 3, rec, e->sched_switch.prev_comm);
		str(fm, 4, rec, e->sched_switch.next_comm);
		return;
	case KT_SCHED_WAKEUP:
		e->sched_wakeup.pid = (int32_t)N(0);
		e->sched_wakeup.target_cpu = (int32_t)N(1);
		str(fm, 2, rec, e->sched_wakeup.comm);
		return;
	default:
		return;
	}
	e->domain = N(0);
#undef N
}

static int on_record(struct tracecmd_input *h, struct tep_record *rec, int cpu,
		     void *data)
{
	struct reader *r = data;
	struct kt_event e = { 0 };
	int id;

	(void)h;
	if (rec->missed_events > 0)
		r->t->lost_events += (uint64_t)rec->missed_events;
	else if (rec->missed_events < 0)
		r->t->lost_unknown = true;
	id = tep_data_type(r->tep, rec);
	for (int type = 0; type < KT_NR_TYPES; type++) {
		if (r->fmt[type].id != id)
			continue;
		e.type = type;
		e.ts = rec->ts;
		e.cpu = cpu;
		decode(type, &r->fmt[type], rec, &e);
		if (kt_trace_push(r->t, &e)) {
			r->err = -ENOMEM;
			return -1;
		}
		break;
	}
	return 0;
}

static void lookup_formats(struct reader *r)
{
	for (int type = 0; type < KT_NR_TYPES; type++) {
		struct tep_event *ev = tep_find_event_by_name(r->tep,
				formats[type].system, formats[type].name);

		r->fmt[type].id = ev ? ev->id : -1;
		for (int i = 0; ev && i < KT_MAX_FIELDS && formats[type].fields[i]; i++)
			r->fmt[type].f[i] = tep_find_field(ev, formats[type].fields[i]);
	}
}

static bool is_kgil_tid(const int32_t *tids, size_t n, int32_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

/*
 * The scheduler events of every task on the machine dwarf the kgil ones:
 * keep those that concern a thread seen in a kgil event.
 */
static int keep_relevant_sched(struct kt_trace *t)
{
	int32_t *tids = NULL;
	size_t n = 0, cap = 0, out = 0;

	for (size_t i = 0; i < t->len; i++) {
		int32_t tid = kt_event_tid(&t->ev[i]);

		if (tid <= 0 || is_kgil_tid(tids, n, tid))
			continue;
		if (kt_grow(&tids, &cap, n, sizeof(*tids))) {
			free(tids);
			return -ENOMEM;
		}
		tids[n++] = tid;
	}
	for (size_t i = 0; i < t->len; i++) {
		const struct kt_event *e = &t->ev[i];
		bool keep = true;

		if (e->type == KT_SCHED_SWITCH)
			keep = is_kgil_tid(tids, n, e->sched_switch.prev_pid) ||
			       is_kgil_tid(tids, n, e->sched_switch.next_pid);
		else if (e->type == KT_SCHED_WAKEUP)
			keep = is_kgil_tid(tids, n, e->sched_wakeup.pid);
		if (keep)
			t->ev[out++] = *e;
	}
	t->len = out;
	free(tids);
	return 0;
}

int kt_read_tracedat(const char *path, struct kt_trace *t)
{
	struct reader r = { .t = t };
	struct tracecmd_input *h;
	int ret;

	if (access(path, R_OK))
		return -errno;
	tracecmd_set_loglevel(TEP_LOG_CRITICAL);
	h = tracecmd_open(path, 0);
	if (!h)
		return -EINVAL;
	r.tep = tracecmd_get_tep(h);
	t->nr_cpus = (size_t)tep_get_cpus(r.tep);
	lookup_formats(&r);
	ret = tracecmd_iterate_events(h, NULL, 0, on_record, &r);
	tracecmd_close(h);
	if (r.err)
		return r.err;
	if (ret < 0)
		return -EIO;
	return keep_relevant_sched(t);
}
