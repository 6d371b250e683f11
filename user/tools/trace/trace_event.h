/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kgil trace tools' view of one recorded event: the kgil tracepoints
 * (kmod/kgil_trace.h) and the two scheduler events recorded beside them,
 * decoded by field name into plain C.  The reader (trace_read.c) fills a
 * kt_trace from a trace.dat; the analysis, report, timeline and export work
 * on that array only, so they can be tested on event lists built in memory.
 */
#ifndef KGIL_TRACE_EVENT_H
#define KGIL_TRACE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kgil.h>

enum kt_type {
	KT_OPEN,
	KT_CLOSE,
	KT_ATTACH,
	KT_DETACH,
	KT_FAILED_ACQUIRE,
	KT_OWNER_DEATH,
	KT_ACQUIRE_BEGIN,
	KT_ACQUIRE_END,
	KT_RELEASE,
	KT_DROP_REQUEST,
	KT_HANDOFF,
	KT_POLICY_CHANGE,
	KT_SCHED_SWITCH,
	KT_SCHED_WAKEUP,
	KT_NR_TYPES,
};

/*
 * The release reasons are the UAPI's enum kgil_release_reason (the
 * tracepoint's field "reason"), 0 to KGIL_REL_MAX.
 */
#define KT_NR_REASONS (KGIL_REL_MAX + 1)

#define KT_COMM_LEN 16

struct kt_event {
	uint64_t ts;		/* ns, the trace clock (mono when recorded) */
	uint64_t domain;	/* 0 for the sched events */
	int cpu;
	enum kt_type type;
	union {
		struct { int32_t pid; uint32_t uid; } open;
		struct { uint32_t nr_threads; } close;
		/* attach, detach, failed_acquire, owner_death */
		struct { int32_t tid; uint32_t id; } thread;
		struct { int32_t tid; uint32_t id; bool io; } acquire_begin;
		struct {
			int32_t tid;
			uint32_t id;
			uint64_t wait_ns;
			uint32_t failed;
			int32_t ret;
			bool owner_dead;
		} acquire_end;
		struct {
			int32_t tid;
			uint32_t id;
			uint64_t hold_ns;
			int32_t reason;
		} release;
		struct { uint32_t requester, holder; } drop;
		struct {
			int32_t from_tid, to_tid;
			uint32_t from, to;
			uint64_t latency_ns;
		} handoff;
		struct {
			uint32_t old_policy, new_policy;
			uint32_t check_interval, flags;
			uint64_t switch_interval_ns;
		} policy;
		struct {
			int32_t prev_pid, next_pid;
			int64_t prev_state;
			char prev_comm[KT_COMM_LEN], next_comm[KT_COMM_LEN];
		} sched_switch;
		struct {
			int32_t pid, target_cpu;
			char comm[KT_COMM_LEN];
		} sched_wakeup;
	};
};

/* A growable array of events in timestamp order, with what the reader saw. */
struct kt_trace {
	struct kt_event *ev;
	size_t len, cap;
	uint64_t lost_events;	/* the ring buffer dropped these */
	bool lost_unknown;	/* it dropped some, count unknown */
	size_t nr_cpus;
};

/*
 * Make room for one more element in a growable array *buf of *cap elements
 * of elem bytes, len of them used (doubling); 0 or -ENOMEM.
 */
int kt_grow(void *buf, size_t *cap, size_t len, size_t elem);

/* Append a copy of ev; 0 or -ENOMEM. */
int kt_trace_push(struct kt_trace *t, const struct kt_event *ev);
void kt_trace_free(struct kt_trace *t);

/* "kgil_release", ...; the tracepoint's name without the system. */
const char *kt_type_name(enum kt_type type);
/* "explicit", "check", ...; "?" when out of range. */
const char *kt_reason_name(int reason);
/* The kernel tid an event is about (for the sched events: -1). */
int32_t kt_event_tid(const struct kt_event *ev);

#endif
