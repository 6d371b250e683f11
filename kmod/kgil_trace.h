/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of kgil, TRACE_SYSTEM kgil.  Every event carries the domain
 * id (as in struct kgil_stats.domain_id) and the acting thread: its kernel
 * tid and its id within the domain.  These formats are an interface: the
 * trace tools (user/tools/trace_*.c) parse them by field name (docs/tracing.md).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kgil

#if !defined(_KGIL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KGIL_TRACE_H

#include <linux/tracepoint.h>

#include "kgil_internal.h"

/* Why a holder let go (enum kgil_release_reason); shown by name. */
#define KGIL_RELEASE_REASONS				\
	EM(KGIL_REL_EXPLICIT, "explicit")		\
	EM(KGIL_REL_CHECK, "check")			\
	EM(KGIL_REL_IO, "io")				\
	EM(KGIL_REL_DETACH, "detach")			\
	EM(KGIL_REL_CLOSE, "close")			\
	EMe(KGIL_REL_EXIT, "exit")

/* The policies (enum kgil_policy_id); shown by name. */
#define KGIL_POLICIES					\
	EM(KGIL_POLICY_LEGACY, "legacy")		\
	EM(KGIL_POLICY_NEWGIL, "newgil")		\
	EM(KGIL_POLICY_FIFO, "fifo")			\
	EM(KGIL_POLICY_IOPRIO, "ioprio")		\
	EMe(KGIL_POLICY_BPF, "bpf")

#undef EM
#undef EMe
#define EM(a, b)	TRACE_DEFINE_ENUM(a);
#define EMe(a, b)	TRACE_DEFINE_ENUM(a);
KGIL_RELEASE_REASONS
KGIL_POLICIES
#undef EM
#undef EMe
#define EM(a, b)	{ a, b },
#define EMe(a, b)	{ a, b }

TRACE_EVENT(kgil_open,
	TP_PROTO(const struct kgil_domain *dom),
	TP_ARGS(dom),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(pid_t, pid)
		__field(uid_t, uid)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		__entry->pid = task_tgid_nr(current);
		__entry->uid = from_kuid_munged(current_user_ns(), dom->uid);
	),
	TP_printk("domain=%llu pid=%d uid=%u",
		  __entry->domain, __entry->pid, __entry->uid)
);

TRACE_EVENT(kgil_close,
	TP_PROTO(const struct kgil_domain *dom, u32 nr_threads),
	TP_ARGS(dom, nr_threads),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(u32, nr_threads)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		__entry->nr_threads = nr_threads;
	),
	TP_printk("domain=%llu nr_threads=%u",
		  __entry->domain, __entry->nr_threads)
);

DECLARE_EVENT_CLASS(kgil_thread_class,
	TP_PROTO(const struct kgil_domain *dom, const struct kgil_thread *t),
	TP_ARGS(dom, t),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(pid_t, tid)
		__field(u32, id)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		__entry->tid = t->tid;
		__entry->id = t->id;
	),
	TP_printk("domain=%llu tid=%d id=%u",
		  __entry->domain, __entry->tid, __entry->id)
);

DEFINE_EVENT(kgil_thread_class, kgil_attach,
	TP_PROTO(const struct kgil_domain *dom, const struct kgil_thread *t),
	TP_ARGS(dom, t));
DEFINE_EVENT(kgil_thread_class, kgil_detach,
	TP_PROTO(const struct kgil_domain *dom, const struct kgil_thread *t),
	TP_ARGS(dom, t));
/* A waiter woke up, found the lock taken and went back to sleep. */
DEFINE_EVENT(kgil_thread_class, kgil_failed_acquire,
	TP_PROTO(const struct kgil_domain *dom, const struct kgil_thread *t),
	TP_ARGS(dom, t));
/* A thread exited (or was killed) holding the lock; it was released. */
DEFINE_EVENT(kgil_thread_class, kgil_owner_death,
	TP_PROTO(const struct kgil_domain *dom, const struct kgil_thread *t),
	TP_ARGS(dom, t));

TRACE_EVENT(kgil_acquire_begin,
	TP_PROTO(const struct kgil_domain *dom, const struct kgil_thread *t,
		 bool io),
	TP_ARGS(dom, t, io),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(pid_t, tid)
		__field(u32, id)
		__field(u8, io)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		__entry->tid = t->tid;
		__entry->id = t->id;
		__entry->io = io;
	),
	TP_printk("domain=%llu tid=%d id=%u io=%u",
		  __entry->domain, __entry->tid, __entry->id, __entry->io)
);

/* ret is 0 when the lock was granted, else the negative errno returned. */
TRACE_EVENT(kgil_acquire_end,
	TP_PROTO(const struct kgil_domain *dom, const struct kgil_waiter *w,
		 u64 wait_ns, int ret),
	TP_ARGS(dom, w, wait_ns, ret),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(u64, wait_ns)
		__field(pid_t, tid)
		__field(u32, id)
		__field(u32, failed)
		__field(int, ret)
		__field(u8, owner_dead)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		__entry->wait_ns = wait_ns;
		__entry->tid = w->t->tid;
		__entry->id = w->t->id;
		__entry->failed = w->failed;
		__entry->ret = ret;
		__entry->owner_dead = !ret && w->owner_dead;
	),
	TP_printk("domain=%llu tid=%d id=%u wait_ns=%llu failed=%u ret=%d owner_dead=%u",
		  __entry->domain, __entry->tid, __entry->id, __entry->wait_ns,
		  __entry->failed, __entry->ret, __entry->owner_dead)
);

TRACE_EVENT(kgil_release,
	TP_PROTO(const struct kgil_domain *dom, const struct kgil_thread *t,
		 u64 hold_ns, enum kgil_release_reason reason),
	TP_ARGS(dom, t, hold_ns, reason),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(u64, hold_ns)
		__field(pid_t, tid)
		__field(u32, id)
		__field(int, reason)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		__entry->hold_ns = hold_ns;
		__entry->tid = t->tid;
		__entry->id = t->id;
		__entry->reason = reason;
	),
	TP_printk("domain=%llu tid=%d id=%u hold_ns=%llu reason=%s",
		  __entry->domain, __entry->tid, __entry->id, __entry->hold_ns,
		  __print_symbolic(__entry->reason, KGIL_RELEASE_REASONS))
);

/* A waiter (requester) asked the holder to drop the lock at its next check. */
TRACE_EVENT(kgil_drop_request,
	TP_PROTO(const struct kgil_domain *dom,
		 const struct kgil_thread *requester),
	TP_ARGS(dom, requester),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(u32, requester)
		__field(u32, holder)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		__entry->requester = requester->id;
		__entry->holder = dom->holder ? dom->holder->id : 0;
	),
	TP_printk("domain=%llu requester=%u holder=%u",
		  __entry->domain, __entry->requester, __entry->holder)
);

/*
 * The lock went from the last holder to "to"; latency_ns runs from the
 * release by "from" to the grant to "to" (from_tid/to_tid: kernel tids).
 * Fired before the domain records "to" as its last holder.
 */
TRACE_EVENT(kgil_handoff,
	TP_PROTO(const struct kgil_domain *dom, const struct kgil_thread *to,
		 u64 latency_ns),
	TP_ARGS(dom, to, latency_ns),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(u64, latency_ns)
		__field(pid_t, from_tid)
		__field(u32, from)
		__field(pid_t, to_tid)
		__field(u32, to)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		__entry->latency_ns = latency_ns;
		__entry->from_tid = dom->last_tid;
		__entry->from = dom->last_id;
		__entry->to_tid = to->tid;
		__entry->to = to->id;
	),
	TP_printk("domain=%llu from_tid=%d from=%u to_tid=%d to=%u latency_ns=%llu",
		  __entry->domain, __entry->from_tid, __entry->from,
		  __entry->to_tid, __entry->to, __entry->latency_ns)
);

/* SET_POLICY; the new parameters are the domain's. */
TRACE_EVENT(kgil_policy_change,
	TP_PROTO(const struct kgil_domain *dom, u32 old_policy),
	TP_ARGS(dom, old_policy),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(u64, switch_interval_ns)
		__field(u32, old_policy)
		__field(u32, new_policy)
		__field(u32, check_interval)
		__field(u32, flags)
		__array(char, name, KGIL_POLICY_NAME_LEN)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		strscpy_pad(__entry->name,
			    dom->bpf ? dom->bpf->name : dom->ops->name,
			    KGIL_POLICY_NAME_LEN);
		__entry->switch_interval_ns = dom->params.switch_interval_ns;
		__entry->old_policy = old_policy;
		__entry->new_policy = dom->params.policy;
		__entry->check_interval = dom->params.check_interval;
		__entry->flags = dom->params.flags;
	),
	TP_printk("domain=%llu old=%s new=%s name=%s check_interval=%u switch_interval_ns=%llu flags=%#x",
		  __entry->domain,
		  __print_symbolic(__entry->old_policy, KGIL_POLICIES),
		  __print_symbolic(__entry->new_policy, KGIL_POLICIES),
		  __entry->name, __entry->check_interval,
		  __entry->switch_interval_ns, __entry->flags)
);

/*
 * A BPF policy's hooks overran kgil.bpf_budget_ns too often in this
 * domain (kgil_bpf.c): it is ejected from every domain, which go to fifo.
 */
TRACE_EVENT(kgil_bpf_eject,
	TP_PROTO(const struct kgil_domain *dom, const char *name,
		 const char *hook, u64 ns),
	TP_ARGS(dom, name, hook, ns),
	TP_STRUCT__entry(
		__field(u64, domain)
		__field(u64, ns)
		__array(char, name, KGIL_POLICY_NAME_LEN)
		__array(char, hook, 16)
	),
	TP_fast_assign(
		__entry->domain = dom->id;
		__entry->ns = ns;
		strscpy_pad(__entry->name, name, KGIL_POLICY_NAME_LEN);
		strscpy_pad(__entry->hook, hook, sizeof(__entry->hook));
	),
	TP_printk("domain=%llu name=%s hook=%s ns=%llu",
		  __entry->domain, __entry->name, __entry->hook, __entry->ns)
);

#endif /* _KGIL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kgil_trace
#include <trace/define_trace.h>
