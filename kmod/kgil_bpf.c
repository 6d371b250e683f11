// SPDX-License-Identifier: GPL-2.0
/*
 * BPF policies: the struct_ops type kgil_bpf_policy (kgil_bpf.h), its
 * registry, and kgil_policy_bpf, the built-in policy whose hooks ask the
 * domain's BPF programs.
 *
 * Life of a BPF policy.  A loader (libkgil's kgil_bpf_load()) creates a
 * struct_ops map of type kgil_bpf_policy and attaches it through a link:
 * the kernel calls kgil_bpf_reg(), which adds an entry for it to
 * kgil_bpf_registry under its name.  SET_POLICY_NAMED points a domain's
 * dom->bpf at the entry.  When the link is destroyed (the loader exits,
 * the pin is removed), kgil_bpf_unreg() marks the entry gone, takes it
 * off the registry and moves every domain using it to fifo with the
 * same parameters; after that no domain points at it, and the kernel
 * frees the programs.  An ejected policy (a hook over budget,
 * kgil_bpf_overrun()) goes the same way, early: off the registry (onto
 * kgil_bpf_ejected) and out of every domain, its link still there until
 * its loader lets go.
 *
 * Why the programs cannot run after that: a program is only ever called
 * from kgil_policy_bpf's hooks, with dom->lock held and dom->bpf read
 * under it.  The fallback rewrites dom->bpf under the same lock, so once
 * the walk has visited a domain no call of its programs can start there,
 * and none is still running.  SET_POLICY_NAMED checks under dom->lock
 * that the entry is not gone, and the walk starts after it is marked
 * gone, so a domain cannot pick it behind the walk.
 *
 * Locks: kgil_bpf_mutex guards the two lists and the gone flag's
 * writers; it is never held while a domain's lock is awaited (a domain's
 * lock is held for as long as a program runs, and the mutex would stall
 * every SET_POLICY_NAMED and unregistration in the system behind it), nor
 * while user memory is touched.  kgil_domains_lock (kgil_domain.c) and
 * dom->lock are not nested either (kgil_domains_each()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/mutex.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kgil_bpf.h"
#include "kgil_handoff.h"
#include "kgil_trace.h"

#ifdef KGIL_HAVE_BPF_STRUCT_OPS
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/version.h>

/* bpf_map_get(): the maps a program names, checked before the verifier. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
MODULE_IMPORT_NS(BPF_INTERNAL);
#else
MODULE_IMPORT_NS("BPF_INTERNAL");
#endif

/* The registered policies, in registration order; the ejected ones. */
static DEFINE_MUTEX(kgil_bpf_mutex);
static LIST_HEAD(kgil_bpf_registry);	/* protected by kgil_bpf_mutex */
static LIST_HEAD(kgil_bpf_ejected);	/* protected by kgil_bpf_mutex */

static void kgil_bpf_entry_free(struct kref *ref)
{
	kfree(container_of(ref, struct kgil_bpf_entry, ref));
}

/* Any context: the last reference may be a domain's, freed atomically. */
void kgil_bpf_entry_put(struct kgil_bpf_entry *e)
{
	kref_put(&e->ref, kgil_bpf_entry_free);
}

/* ---- the policy's hooks, with the core's bounds; dom->lock held ------ */

/* An ejected policy's domain, until the ejection reaches it: fifo. */
static const struct kgil_bpf_policy kgil_bpf_none;

static const struct kgil_bpf_policy *kgil_bpf_of(struct kgil_domain *dom)
{
	lockdep_assert_held(&dom->lock);
	return dom->bpf_ejected ? &kgil_bpf_none : dom->bpf->ops;
}

static void kgil_bpf_clamped(struct kgil_domain *dom)
{
	dom->c.policy_clamps++;
}

/*
 * The run-time bound.  6.12 cannot stop a program that runs, so each
 * call is timed, and a policy whose calls in a domain overrun the
 * budget KGIL_BPF_OVERRUNS times within its last KGIL_BPF_WINDOW calls
 * is ejected: at once in this domain (its hooks answer fifo's defaults),
 * then in every domain by its work item.  Not at the first overrun: an
 * interrupt, or under a hypervisor a vCPU descheduled in the middle of a
 * call, makes any call look slow once in a while; a program that is
 * slow by itself is slow every time.
 */
static void kgil_bpf_eject_work(struct work_struct *work);

static void kgil_bpf_overrun(struct kgil_domain *dom, const char *hook,
			     u64 ns)
{
	struct kgil_bpf_entry *e = dom->bpf;

	if (hweight64(dom->bpf_window) < KGIL_BPF_OVERRUNS)
		return;
	dom->bpf_ejected = true;
	if (test_and_set_bit(KGIL_BPF_EJECTING, &e->flags))
		return;
	pr_warn("BPF policy %s ejected: its %s took %llu ns, over bpf_budget_ns (%u) %d times in %d calls; its domains go to fifo\n",
		e->name, hook, ns, READ_ONCE(kgil_bpf_budget_ns),
		KGIL_BPF_OVERRUNS, KGIL_BPF_WINDOW);
	trace_kgil_bpf_eject(dom, e->name, hook, ns);
	kref_get(&e->ref);
	schedule_work(&e->eject_work);
}

static u64 kgil_bpf_begin(struct kgil_domain *dom)
{
	dom->bpf_steps = 0;
	dom->bpf_credit_ns = 0;
	return local_clock();
}

/*
 * A call's time, less the first wake-up its kfuncs made: waking a
 * sleeping waiter is the core's work, and under a hypervisor an IPI can
 * take milliseconds.  Only the first: a program that loops on the kfuncs
 * pays for the rest.
 */
static void kgil_bpf_end(struct kgil_domain *dom, const char *hook, u64 t0)
{
	u64 ns = local_clock() - t0;
	bool over;

	ns -= min(ns, dom->bpf_credit_ns);
	over = ns > READ_ONCE(kgil_bpf_budget_ns);

	dom->bpf_window = (dom->bpf_window << 1) | over;
	if (unlikely(over) && !dom->bpf_ejected)
		kgil_bpf_overrun(dom, hook, ns);
}

static u64 kgil_bpf_handoff_due(struct kgil_domain *dom)
{
	const struct kgil_bpf_policy *b = kgil_bpf_of(dom);
	struct kgil_waiter *head = kgil_first_waiter(dom);
	u64 due, t0;

	if (!dom->holder || !head)
		return KGIL_HANDOFF_NEVER;
	if (!b->handoff_due)
		return max(dom->grant_ns, kgil_oldest_waiter(dom)->start_ns) +
		       dom->params.switch_interval_ns;
	/* The core clamps it (kgil_policy_handoff_due()). */
	t0 = kgil_bpf_begin(dom);
	due = b->handoff_due(dom, dom->holder, head);
	kgil_bpf_end(dom, "handoff_due", t0);
	return due;
}

static void kgil_bpf_activate(struct kgil_domain *dom)
{
	const struct kgil_bpf_policy *b = kgil_bpf_of(dom);
	u64 t0;

	if (!b->init)
		return;
	t0 = kgil_bpf_begin(dom);
	b->init(dom);
	kgil_bpf_end(dom, "init", t0);
}

/*
 * A class above 0 goes behind its class and the higher ones, as ioprio's
 * priority waiters do, and may make a handoff due at once.
 */
static void kgil_bpf_on_wait_start(struct kgil_domain *dom,
				   struct kgil_waiter *w)
{
	const struct kgil_bpf_policy *b = kgil_bpf_of(dom);
	struct kgil_waiter *pos;
	u32 class = 0;
	u64 t0;

	if (b->wait_class) {
		t0 = kgil_bpf_begin(dom);
		class = b->wait_class(dom, w);
		kgil_bpf_end(dom, "wait_class", t0);
	}
	w->ps.bpf.class = class;
	if (!class)
		return;
	w->placed = true;
	list_for_each_entry(pos, &dom->waiters, node)
		if (pos != w && pos->ps.bpf.class < class)
			break;
	list_move_tail(&w->node, &pos->node);
	if (ktime_get_ns() >= kgil_policy_handoff_due(dom)) {
		kgil_request_drop(dom, w->t);
		kgil_handoff_kick_spinner(dom, NULL);
	} else if (kgil_handoff_timekeeper(dom) != w) {
		kgil_handoff_kick_timekeeper(dom);
	}
}

/* Hand over to the waiter the program picked, moved to the head. */
static void kgil_bpf_on_release(struct kgil_domain *dom, struct kgil_thread *t,
				enum kgil_release_reason reason)
{
	const struct kgil_bpf_policy *b = kgil_bpf_of(dom);
	struct kgil_waiter *w;
	u32 pos = 0;
	u64 t0;

	if (b->on_release) {
		t0 = kgil_bpf_begin(dom);
		pos = b->on_release(dom, t, reason);
		kgil_bpf_end(dom, "on_release", t0);
	}
	if (pos) {
		list_for_each_entry(w, &dom->waiters, node)
			if (!pos--)
				break;
		if (list_entry_is_head(w, &dom->waiters, node))
			kgil_bpf_clamped(dom);
		else
			list_move(&w->node, &dom->waiters);
	}
	kgil_handoff_pass(dom, reason);
}

static void kgil_bpf_on_grant(struct kgil_domain *dom, struct kgil_thread *t,
			      struct kgil_waiter *w)
{
	const struct kgil_bpf_policy *b = kgil_bpf_of(dom);
	u64 t0;

	if (!b->on_grant)
		return;
	t0 = kgil_bpf_begin(dom);
	b->on_grant(dom, t, w);
	kgil_bpf_end(dom, "on_grant", t0);
}

static bool kgil_bpf_may_spin(struct kgil_domain *dom, struct kgil_waiter *w)
{
	const struct kgil_bpf_policy *b = kgil_bpf_of(dom);
	bool spin;
	u64 t0;

	if (kgil_handoff_may_spin(dom, w))
		return true;
	if (w != kgil_first_waiter(dom) || !b->may_spin)
		return false;
	t0 = kgil_bpf_begin(dom);
	spin = b->may_spin(dom, w);
	kgil_bpf_end(dom, "may_spin", t0);
	return spin;
}

const struct kgil_policy_ops kgil_policy_bpf = {
	.id = KGIL_POLICY_BPF,
	.name = "bpf",
	.activate = kgil_bpf_activate,
	.may_take = kgil_handoff_may_take,
	.on_wait_start = kgil_bpf_on_wait_start,
	.wait_deadline = kgil_handoff_wait_deadline,
	.on_wait_timeout = kgil_handoff_wait_timeout,
	.on_wait_abort = kgil_handoff_wait_abort,
	.on_release = kgil_bpf_on_release,
	.on_grant = kgil_bpf_on_grant,
	.check = kgil_handoff_check,
	.may_spin = kgil_bpf_may_spin,
	.handoff_due = kgil_bpf_handoff_due,
};

/* ---- kfuncs: what a program may do to the domain --------------------- */

/* The first waking kfunc of a hook's call: its time is not the program's. */
static void kgil_bpf_credit(struct kgil_domain *dom, u64 t0)
{
	if (!dom->bpf_credit_ns)
		dom->bpf_credit_ns = max_t(u64, local_clock() - t0, 1);
}

__bpf_kfunc_start_defs();

/**
 * kgil_bpf_request_drop() - ask the holder to drop at its next check
 * @dom: the domain of the hook's call
 *
 * The first waiter is woken to spin for the handoff if spin_ns allows.
 */
__bpf_kfunc void kgil_bpf_request_drop(struct kgil_domain *dom)
{
	u64 t0 = local_clock();

	lockdep_assert_held(&dom->lock);
	if (!dom->holder)
		return;
	kgil_request_drop(dom, dom->holder);
	kgil_handoff_kick_spinner(dom, NULL);
	kgil_bpf_credit(dom, t0);
}

/**
 * kgil_bpf_kick_spinner() - wake the next in line to spin for the lock
 * @dom: the domain of the hook's call
 *
 * The first waiter that is not the holder: from on_grant, the one after
 * the waiter being granted, still at the head (ioprio's CPU-bound thread
 * spinning through a priority holder's short burst).
 */
__bpf_kfunc void kgil_bpf_kick_spinner(struct kgil_domain *dom)
{
	struct kgil_waiter *head;
	u64 t0 = local_clock();

	lockdep_assert_held(&dom->lock);
	head = kgil_first_waiter(dom);
	kgil_handoff_kick_spinner(dom, head && head->t == dom->holder ?
				       head : NULL);
	kgil_bpf_credit(dom, t0);
}

/**
 * kgil_bpf_waiter_tid() - who waits at a queue position
 * @dom: the domain of the hook's call
 * @pos: 0 for the head
 *
 * It walks the queue to @pos: a program's calls in one hook call may walk
 * bpf_waiter_steps entries in all (a module parameter, 2^20 by default:
 * a draw over a queue of 1024 threads); past that it answers 0, so that
 * a loop of calls cannot hold the domain's lock for long.
 *
 * Return: the waiting thread's Linux thread id (gettid()), which a
 * userspace that fills a map by thread knows; 0 past the end of the
 * queue, or once the hook's call has walked its steps.
 */
__bpf_kfunc u32 kgil_bpf_waiter_tid(struct kgil_domain *dom, u32 pos)
{
	struct kgil_waiter *w;

	lockdep_assert_held(&dom->lock);
	if (pos >= dom->nr_waiting)
		return 0;
	if (dom->bpf_steps + pos > READ_ONCE(kgil_bpf_waiter_steps))
		return 0;
	dom->bpf_steps += pos + 1;
	list_for_each_entry(w, &dom->waiters, node)
		if (!pos--)
			return w->t->tid;
	return 0;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(kgil_bpf_kfunc_ids)
BTF_ID_FLAGS(func, kgil_bpf_request_drop, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, kgil_bpf_kick_spinner, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, kgil_bpf_waiter_tid, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(kgil_bpf_kfunc_ids)

/* The types whose words a program may write, and the struct_ops type. */
enum { KGIL_BTF_DOMAIN, KGIL_BTF_THREAD, KGIL_BTF_WAITER, KGIL_BTF_POLICY };
BTF_ID_LIST(kgil_bpf_btf_ids)
BTF_ID(struct, kgil_domain)
BTF_ID(struct, kgil_thread)
BTF_ID(struct, kgil_waiter)
BTF_ID(struct, kgil_bpf_policy)

static const struct btf *kgil_btf;	/* the module's, from init() */

/* Only the programs of a kgil_bpf_policy may call the kfuncs. */
static int kgil_bpf_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	if (prog->type != BPF_PROG_TYPE_STRUCT_OPS)
		return 0;
	if (prog->aux->attach_btf == kgil_btf &&
	    prog->aux->attach_btf_id == kgil_bpf_btf_ids[KGIL_BTF_POLICY])
		return 0;
	return -EACCES;
}

static const struct btf_kfunc_id_set kgil_bpf_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &kgil_bpf_kfunc_ids,
	.filter = kgil_bpf_kfunc_filter,
};

/* ---- the verifier's rules --------------------------------------------- */

/*
 * Only helpers whose cost does not grow with their arguments: the
 * verifier counts a helper call as one instruction, so a helper that
 * loops (bpf_loop() and its kind run a callback up to 2^23 times), walks
 * (an LPM trie's 2048 levels) or copies (bpf_probe_read_kernel() of a
 * 4 MB map value) multiplies the bound of a million instructions.  The
 * map helpers are safe on the maps kgil_bpf_map_refused() allows.  The
 * verifier says "program of this type cannot use helper NAME#ID" for the
 * others.
 */
static const struct bpf_func_proto *
kgil_bpf_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_update_elem:
	case BPF_FUNC_map_delete_elem:
	case BPF_FUNC_map_push_elem:
	case BPF_FUNC_map_pop_elem:
	case BPF_FUNC_map_peek_elem:
	case BPF_FUNC_ktime_get_ns:
	case BPF_FUNC_ktime_get_boot_ns:
	case BPF_FUNC_ktime_get_coarse_ns:
	case BPF_FUNC_jiffies64:
	case BPF_FUNC_get_prandom_u32:
	case BPF_FUNC_get_smp_processor_id:
	case BPF_FUNC_get_numa_node_id:
	case BPF_FUNC_trace_printk:
	case BPF_FUNC_ringbuf_reserve:
	case BPF_FUNC_ringbuf_submit:
	case BPF_FUNC_ringbuf_discard:
	case BPF_FUNC_ringbuf_query:
		return bpf_base_func_proto(func_id, prog);
	default:
		return NULL;
	}
}

/* The arguments, as BTF types; the context itself is never written. */
static bool kgil_bpf_is_valid_access(int off, int size,
				     enum bpf_access_type type,
				     const struct bpf_prog *prog,
				     struct bpf_insn_access_aux *info)
{
	if (type != BPF_READ)
		return false;
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

struct kgil_bpf_writable {
	int type;
	size_t start, end;
};

static const struct kgil_bpf_writable kgil_bpf_writable[] = {
	{ KGIL_BTF_DOMAIN, offsetof(struct kgil_domain, ps.bpf.data),
	  offsetofend(struct kgil_domain, ps.bpf.data) },
	{ KGIL_BTF_THREAD, offsetof(struct kgil_thread, ps.bpf.data),
	  offsetofend(struct kgil_thread, ps.bpf.data) },
	{ KGIL_BTF_WAITER, offsetof(struct kgil_waiter, ps.bpf.data),
	  offsetofend(struct kgil_waiter, ps.bpf.data) },
};

/*
 * Writes through a BTF pointer: only into the policy's own words, and
 * only through a pointer the hook was given (PTR_TRUSTED, not NULL).  A
 * pointer the program walked to (dom->holder, w->t, ...) is neither:
 * the holder is NULL in on_release, a waiter's thread may be going, and
 * the verifier cannot tell, so a write through it could hit address 0
 * or freed memory.  The holder, the queue, the flags and the counters
 * are the core's.  Either way the program is refused at load time.
 */
static int kgil_bpf_struct_access(struct bpf_verifier_log *log,
				  const struct bpf_reg_state *reg,
				  int off, int size)
{
	static const char *const what[] = { "kgil_domain", "kgil_thread",
					    "kgil_waiter" };
	const char *name = "a kernel object";
	size_t i;

	if (!(reg->type & PTR_TRUSTED) ||
	    (reg->type & (PTR_MAYBE_NULL | PTR_UNTRUSTED | MEM_RCU))) {
		bpf_log(log, "kgil: write through a pointer the hook was not given refused: a policy writes only the ps.bpf.data of its hook's own arguments\n");
		return -EACCES;
	}
	for (i = 0; i < ARRAY_SIZE(kgil_bpf_writable); i++) {
		const struct kgil_bpf_writable *a = &kgil_bpf_writable[i];

		if (reg->btf != kgil_btf ||
		    reg->btf_id != kgil_bpf_btf_ids[a->type])
			continue;
		if (off >= 0 && off >= a->start && off + size <= a->end)
			return 0;
		name = what[a->type];
		break;
	}
	bpf_log(log, "kgil: write to %s at offset %d refused: a policy writes only its ps.bpf.data\n",
		name, off);
	return -EACCES;
}

static const struct bpf_verifier_ops kgil_bpf_verifier_ops = {
	.get_func_proto = kgil_bpf_get_func_proto,
	.is_valid_access = kgil_bpf_is_valid_access,
	.btf_struct_access = kgil_bpf_struct_access,
};

/* ---- the struct_ops type ---------------------------------------------- */

static int kgil_bpf_st_init(struct btf *btf)
{
	kgil_btf = btf;
	return 0;
}

/* The largest map value a policy's maps may have: a map helper copies it. */
#define KGIL_BPF_MAX_VALUE	1024

/*
 * Maps whose lookups and updates take a bounded time: arrays, hash maps
 * (not with BPF_F_ZERO_SEED: a known seed lets a program build one long
 * bucket), queues, stacks, ring buffers, bloom filters; with values of at
 * most KGIL_BPF_MAX_VALUE bytes.  Not an LPM trie (a lookup walks up to
 * 2048 levels: an outside tester's policy held a domain's lock for 29 s
 * with 48,000 of them), nor maps of maps, sockets, programs (tail calls)
 * or an arena.  Every helper that works on a map takes it from a map
 * load (BPF_PSEUDO_MAP_FD), so those are the loads checked.
 */
static const char *kgil_bpf_map_type_refused(const struct bpf_map *map)
{
	const char *why = NULL;

	switch (map->map_type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		if (map->map_flags & BPF_F_ZERO_SEED)
			why = "it uses a hash map with BPF_F_ZERO_SEED";
		break;
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_BLOOM_FILTER:
		break;
	default:
		why = "it uses a map of a type whose operations can take long (an LPM trie, maps of maps, ...)";
		break;
	}
	if (!why && map->value_size > KGIL_BPF_MAX_VALUE)
		why = "it uses a map whose values are over 1024 bytes";
	return why;
}

/*
 * The map of a map load.  Linux 6.12 has already resolved it when
 * check_member() runs: the two halves of the instruction hold the map's
 * address, pinned by the verifier for the load.  Before that, it holds
 * the loader's descriptor (and a zero second half): a kernel address and
 * a descriptor cannot be mistaken for each other.
 */
static const char *kgil_bpf_map_refused(const struct bpf_insn *insn)
{
	u64 addr = (u64)(u32)insn[1].imm << 32 | (u32)insn[0].imm;
	struct bpf_map *map;
	const char *why;

	if (addr >= TASK_SIZE_MAX)
		return kgil_bpf_map_type_refused((const struct bpf_map *)addr);
	map = bpf_map_get(insn[0].imm);
	if (IS_ERR(map))
		return NULL;	/* the verifier says so */
	why = kgil_bpf_map_type_refused(map);
	bpf_map_put(map);
	return why;
}

/* A call of one of kgil's own kfuncs, the only ones a policy may call. */
static bool kgil_bpf_own_kfunc(const struct bpf_insn *insn)
{
	u32 i;

	if (!insn->off)		/* vmlinux's BTF */
		return false;
	for (i = 0; i < kgil_bpf_kfunc_ids.cnt; i++)
		if (kgil_bpf_kfunc_ids.pairs[i].id == insn->imm)
			return true;
	return false;
}

/* Why prog cannot run under a spinlock in bounded time, or NULL. */
static const char *kgil_bpf_unbounded(const struct bpf_prog *prog)
{
	u32 i;

	if (prog->sleepable)
		return "it is sleepable";
	/*
	 * The verifier walks a global function once, whatever calls it: a
	 * loop of 2200 calling one that loops 2200 times calling another
	 * passes in a few thousand steps and runs 10^10 (it held a domain's
	 * lock for 45 s).  A static function is walked at each call, inside
	 * the caller's loop, so its cost counts against the verifier's
	 * million instructions.
	 */
	for (i = 1; i < prog->aux->func_info_cnt; i++)
		if (prog->aux->func_info_aux[i].linkage == BTF_FUNC_GLOBAL)
			return "it calls a global function (make it static: a global one is verified once, not for each call)";
	for (i = 0; i < prog->len; i++) {
		const struct bpf_insn *insn = &prog->insnsi[i];
		const char *why;

		if (insn->code == (BPF_JMP | BPF_JCOND))
			return "it uses may_goto (can_loop), a loop of 2^23 rounds";
		if (insn->code == (BPF_JMP | BPF_CALL) &&
		    insn->src_reg == BPF_PSEUDO_KFUNC_CALL &&
		    !kgil_bpf_own_kfunc(insn))
			return "it calls a kfunc that is not kgil's (the kernel's open-coded iterators, bpf_for and bpf_repeat, loop up to 2^23 rounds)";
		if (insn->code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		switch (insn->src_reg) {
		case BPF_PSEUDO_MAP_FD:
			why = kgil_bpf_map_refused(insn);
			if (why)
				return why;
			break;
		case BPF_PSEUDO_MAP_IDX:
		case BPF_PSEUDO_MAP_IDX_VALUE:
			return "it names maps through fd_array, whose types kgil cannot check before the verifier";
		}
		i++;		/* the second half of the instruction */
	}
	return NULL;
}

/*
 * At load time, before the verifier walks the program: a hook runs under
 * dom->lock, so it must not sleep or loop without a small bound.  The
 * verifier's log then says "attach to unsupported member"; the reason
 * goes to the kernel log, and libkgil adds it to its message.
 */
static int kgil_bpf_check_member(const struct btf_type *t,
				 const struct btf_member *member,
				 const struct bpf_prog *prog)
{
	const char *why = kgil_bpf_unbounded(prog);

	if (!why)
		return 0;
	pr_warn_ratelimited("kgil refuses BPF program %s: %s; a kgil_bpf_policy hook runs under a spinlock\n",
			    prog->aux->name, why);
	return -EINVAL;
}

static int kgil_bpf_init_member(const struct btf_type *t,
				const struct btf_member *member,
				void *kdata, const void *udata)
{
	const struct kgil_bpf_policy *up = udata;
	struct kgil_bpf_policy *kp = kdata;

	if (__btf_member_bit_offset(t, member) / 8 !=
	    offsetof(struct kgil_bpf_policy, name))
		return 0;
	memcpy(kp->name, up->name, sizeof(kp->name));
	return 1;
}

/* A name as the UAPI has it: terminated, nothing after the NUL. */
static bool kgil_bpf_name_ok(const char *name)
{
	size_t len = strnlen(name, KGIL_POLICY_NAME_LEN);

	if (!len || len == KGIL_POLICY_NAME_LEN)
		return false;
	return !memchr_inv(name + len, 0, KGIL_POLICY_NAME_LEN - len);
}

static int kgil_bpf_validate(void *kdata)
{
	const struct kgil_bpf_policy *ops = kdata;

	return kgil_bpf_name_ok(ops->name) ? 0 : -EINVAL;
}

static struct kgil_bpf_entry *kgil_bpf_find(const char *name)
{
	struct kgil_bpf_entry *e;

	lockdep_assert_held(&kgil_bpf_mutex);
	list_for_each_entry(e, &kgil_bpf_registry, node)
		if (!strncmp(e->name, name, KGIL_POLICY_NAME_LEN))
			return e;
	return NULL;
}

/*
 * Only through a link.  A struct_ops map registered without one (its
 * update, SEC(".struct_ops")) has no owner: it stays registered after
 * its loader exits, nothing but a map delete removes it, and it pins the
 * module.  With a link it goes when its last link does.
 */
static int kgil_bpf_reg(void *kdata, struct bpf_link *link)
{
	struct kgil_bpf_policy *ops = kdata;
	struct kgil_bpf_entry *e;
	int ret = 0;

	if (!link) {
		pr_warn_ratelimited("BPF policy %.*s refused: registered without a link (SEC(\".struct_ops\")); use SEC(\".struct_ops.link\")\n",
				    KGIL_POLICY_NAME_LEN, ops->name);
		return -EOPNOTSUPP;
	}
	if (kgil_bpf_validate(kdata))
		return -EINVAL;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	kref_init(&e->ref);
	atomic_set(&e->users, 0);
	e->ops = ops;
	memcpy(e->name, ops->name, sizeof(e->name));
	INIT_WORK(&e->eject_work, kgil_bpf_eject_work);
	mutex_lock(&kgil_bpf_mutex);
	if (kgil_bpf_find(ops->name))
		ret = -EEXIST;
	else
		list_add_tail(&e->node, &kgil_bpf_registry);
	mutex_unlock(&kgil_bpf_mutex);
	if (ret)
		kfree(e);
	else
		pr_info("BPF policy %s registered\n", ops->name);
	return ret;
}

/* The entry of ops, registered or ejected; kgil_bpf_mutex held. */
static struct kgil_bpf_entry *kgil_bpf_entry_of(const void *ops)
{
	struct kgil_bpf_entry *e;

	lockdep_assert_held(&kgil_bpf_mutex);
	list_for_each_entry(e, &kgil_bpf_registry, node)
		if (e->ops == ops)
			return e;
	list_for_each_entry(e, &kgil_bpf_ejected, node)
		if (e->ops == ops)
			return e;
	return NULL;
}

static void kgil_bpf_unreg(void *kdata, struct bpf_link *link)
{
	struct kgil_bpf_entry *e;
	bool ejected = false;
	u32 moved;

	mutex_lock(&kgil_bpf_mutex);
	e = kgil_bpf_entry_of(kdata);
	if (e) {
		list_del(&e->node);
		ejected = test_and_set_bit(KGIL_BPF_GONE, &e->flags);
	}
	mutex_unlock(&kgil_bpf_mutex);
	if (!e)
		return;
	moved = kgil_domains_leave_bpf(e);
	/*
	 * Once every domain has left it, nothing can queue the ejection
	 * again; one queued meanwhile holds a reference of its own.
	 */
	if (cancel_work_sync(&e->eject_work))
		kgil_bpf_entry_put(e);
	pr_info("BPF policy %s unregistered%s, %u domain(s) back to fifo\n",
		e->name, ejected ? " (it had been ejected)" : "", moved);
	kgil_bpf_entry_put(e);
}

/*
 * The ejection, in process context: off the registry (the name is free
 * for a better version), marked gone, then out of every domain.  Its
 * link stays until its loader lets go; kgil_bpf_unreg() finds it on
 * kgil_bpf_ejected then.
 */
static void kgil_bpf_eject_work(struct work_struct *work)
{
	struct kgil_bpf_entry *e = container_of(work, struct kgil_bpf_entry,
						eject_work);
	bool first = false;
	u32 moved;

	mutex_lock(&kgil_bpf_mutex);
	if (!test_and_set_bit(KGIL_BPF_GONE, &e->flags)) {
		list_move_tail(&e->node, &kgil_bpf_ejected);
		first = true;
	}
	mutex_unlock(&kgil_bpf_mutex);
	if (first) {
		moved = kgil_domains_leave_bpf(e);
		pr_info("BPF policy %s ejected from %u domain(s)\n", e->name,
			moved);
	}
	kgil_bpf_entry_put(e);
}

/*
 * What the trampolines are built against (the kernel's CFI types): one
 * stub per hook, never called.  w__nullable: on_grant's waiter may be
 * NULL, and the verifier makes the program check.
 */
static void kgil_bpf_stub_init(struct kgil_domain *dom)
{
}

static u32 kgil_bpf_stub_wait_class(struct kgil_domain *dom,
				    struct kgil_waiter *w)
{
	return 0;
}

static u64 kgil_bpf_stub_handoff_due(struct kgil_domain *dom,
				     struct kgil_thread *holder,
				     struct kgil_waiter *head)
{
	return 0;
}

static u32 kgil_bpf_stub_on_release(struct kgil_domain *dom,
				    struct kgil_thread *t, u32 reason)
{
	return 0;
}

static void kgil_bpf_stub_on_grant(struct kgil_domain *dom,
				   struct kgil_thread *t,
				   struct kgil_waiter *w__nullable)
{
}

static bool kgil_bpf_stub_may_spin(struct kgil_domain *dom,
				   struct kgil_waiter *w)
{
	return false;
}

static struct kgil_bpf_policy kgil_bpf_stubs = {
	.init = kgil_bpf_stub_init,
	.wait_class = kgil_bpf_stub_wait_class,
	.handoff_due = kgil_bpf_stub_handoff_due,
	.on_release = kgil_bpf_stub_on_release,
	.on_grant = kgil_bpf_stub_on_grant,
	.may_spin = kgil_bpf_stub_may_spin,
};

static struct bpf_struct_ops kgil_bpf_st_ops = {
	.verifier_ops = &kgil_bpf_verifier_ops,
	.init = kgil_bpf_st_init,
	.check_member = kgil_bpf_check_member,
	.init_member = kgil_bpf_init_member,
	.validate = kgil_bpf_validate,
	.reg = kgil_bpf_reg,
	.unreg = kgil_bpf_unreg,
	.cfi_stubs = &kgil_bpf_stubs,
	.name = "kgil_bpf_policy",
	.owner = THIS_MODULE,
};

static bool kgil_bpf_ready;	/* written once, at module init */

void kgil_bpf_init(void)
{
	int ret;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&kgil_bpf_kfunc_set);
	if (!ret)
		ret = register_bpf_struct_ops(&kgil_bpf_st_ops, kgil_bpf_policy);
	if (ret) {
		pr_warn("no BPF policies: struct_ops kgil_bpf_policy not registered (%d)\n",
			ret);
		return;
	}
	kgil_bpf_ready = true;
}

bool kgil_bpf_available(void)
{
	return kgil_bpf_ready;
}

/*
 * Nothing to undo: a struct_ops type lives as long as the module's BTF,
 * and a registered policy's map holds a module reference, so the module
 * cannot go while one is registered (or ejected: it is still registered
 * with the kernel until its link goes), and unregistration waits for its
 * ejection work.
 */
void kgil_bpf_exit(void)
{
	WARN_ON_ONCE(!list_empty(&kgil_bpf_registry));
	WARN_ON_ONCE(!list_empty(&kgil_bpf_ejected));
}

/*
 * The entry is pinned, not locked: kgil_bpf_mutex is not held while the
 * domain's lock is awaited.  Gone is checked under dom->lock, after this
 * call counts itself among the policy's users; the walk that empties a
 * gone policy's domains goes round until it has no users, so either it
 * finds this domain using the policy, or this sees it gone.
 */
int kgil_bpf_set_policy(struct kgil_domain *dom, const struct kgil_policy *p,
			const char *name)
{
	struct kgil_bpf_entry *e;
	int ret = 0;

	if (!kgil_bpf_ready)
		return -EOPNOTSUPP;
	mutex_lock(&kgil_bpf_mutex);
	e = kgil_bpf_find(name);
	if (e)
		kref_get(&e->ref);
	mutex_unlock(&kgil_bpf_mutex);
	if (!e)
		return -ENOENT;
	spin_lock(&dom->lock);
	/* A user before the look at gone: kgil_domains_leave_bpf(). */
	atomic_inc(&e->users);
	smp_mb__after_atomic();
	if (test_bit(KGIL_BPF_GONE, &e->flags) ||
	    test_bit(KGIL_BPF_EJECTING, &e->flags))
		ret = -ENOENT;
	else
		kgil_domain_switch_locked(dom, p, &kgil_policy_bpf, e);
	atomic_dec(&e->users);
	spin_unlock(&dom->lock);
	kgil_bpf_entry_put(e);
	return ret;
}

/*
 * The names are copied out after kgil_bpf_mutex is let go: user memory
 * may fault for ever (a FUSE-backed page that never answers), and with
 * the mutex held every SET_POLICY_NAMED and unregistration would wait.
 */
int kgil_bpf_list(char __user *names, u32 *count)
{
	struct kgil_bpf_entry *e;
	u32 room = *count, n = 0, copied;
	char *buf = NULL;
	int ret = 0;

	if (!kgil_bpf_ready)
		return -EOPNOTSUPP;
	for (;;) {
		mutex_lock(&kgil_bpf_mutex);
		n = 0;
		list_for_each_entry(e, &kgil_bpf_registry, node) {
			if (buf && n < room)
				memcpy(buf + (size_t)n * KGIL_POLICY_NAME_LEN,
				       e->name, KGIL_POLICY_NAME_LEN);
			n++;
		}
		mutex_unlock(&kgil_bpf_mutex);
		copied = min(n, room);
		if (buf || !copied)
			break;
		/* As many as there are now; one more loop fills them. */
		room = copied;
		buf = kcalloc(room, KGIL_POLICY_NAME_LEN, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	if (copied && copy_to_user(names, buf,
				   (size_t)copied * KGIL_POLICY_NAME_LEN))
		ret = -EFAULT;
	kfree(buf);
	*count = n;
	return ret;
}

#else /* !KGIL_HAVE_BPF_STRUCT_OPS */

int kgil_bpf_set_policy(struct kgil_domain *dom, const struct kgil_policy *p,
			const char *name)
{
	return -EOPNOTSUPP;
}

int kgil_bpf_list(char __user *names, u32 *count)
{
	return -EOPNOTSUPP;
}

#endif /* KGIL_HAVE_BPF_STRUCT_OPS */
