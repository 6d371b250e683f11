// SPDX-License-Identifier: GPL-2.0
/*
 * BPF policies: the struct_ops type kgil_bpf_policy (kgil_bpf.h), its
 * registry, and kgil_policy_bpf, the built-in policy whose hooks ask the
 * domain's BPF programs.
 *
 * Life of a BPF policy.  A loader (libkgil's kgil_bpf_policy_load())
 * creates a struct_ops map of type kgil_bpf_policy and attaches it: the
 * kernel calls kgil_bpf_reg(), which adds it to kgil_bpf_registry under
 * its name.  SET_POLICY_NAMED points a domain's dom->bpf at it.  When the
 * link is destroyed (the loader exits, the pin is removed),
 * kgil_bpf_unreg() takes it off the registry and moves every domain
 * using it to fifo with the same parameters; after that no domain
 * points at it, and the kernel frees the programs.
 *
 * Why that is safe without reference counts: a program is only ever
 * called from kgil_policy_bpf's hooks, with dom->lock held and dom->bpf
 * read under it.  The fallback rewrites dom->bpf under the same lock, so
 * once kgil_bpf_unreg() has visited a domain no call of its programs can
 * start there, and none is still running.  kgil_bpf_mutex orders
 * registration, SET_POLICY_NAMED and the fallback: a domain cannot pick
 * a policy that is being unregistered.
 *
 * Lock order: kgil_bpf_mutex, then kgil_domains_lock (kgil_domain.c),
 * then dom->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kgil_bpf.h"
#include "kgil_handoff.h"

#ifdef KGIL_HAVE_BPF_STRUCT_OPS
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>

/* The registered policies, in registration order. */
struct kgil_bpf_entry {
	struct list_head node;
	struct kgil_bpf_policy *ops;	/* the struct_ops map's kdata */
};

static DEFINE_MUTEX(kgil_bpf_mutex);
static LIST_HEAD(kgil_bpf_registry);	/* protected by kgil_bpf_mutex */

/* ---- the policy's hooks, with the core's bounds; dom->lock held ------ */

static const struct kgil_bpf_policy *kgil_bpf_of(struct kgil_domain *dom)
{
	lockdep_assert_held(&dom->lock);
	return dom->bpf;
}

static void kgil_bpf_clamped(struct kgil_domain *dom)
{
	dom->c.policy_clamps++;
}

static u64 kgil_bpf_handoff_due(struct kgil_domain *dom)
{
	const struct kgil_bpf_policy *b = kgil_bpf_of(dom);
	struct kgil_waiter *head = kgil_first_waiter(dom);
	u64 base, due, limit;

	if (!dom->holder || !head)
		return KGIL_HANDOFF_NEVER;
	base = max(dom->grant_ns, head->start_ns);
	limit = base + KGIL_BPF_MAX_INTERVALS * dom->params.switch_interval_ns;
	if (!b->handoff_due)
		return base + dom->params.switch_interval_ns;
	due = b->handoff_due(dom, dom->holder, head);
	if (due > limit) {
		kgil_bpf_clamped(dom);
		due = limit;
	}
	return due;
}

static void kgil_bpf_activate(struct kgil_domain *dom)
{
	const struct kgil_bpf_policy *b = kgil_bpf_of(dom);

	if (b->init)
		b->init(dom);
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
	u32 class;

	class = b->wait_class ? b->wait_class(dom, w) : 0;
	w->ps.bpf.class = class;
	if (!class)
		return;
	list_for_each_entry(pos, &dom->waiters, node)
		if (pos != w && pos->ps.bpf.class < class)
			break;
	list_move_tail(&w->node, &pos->node);
	if (ktime_get_ns() >= kgil_bpf_handoff_due(dom)) {
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
	u32 pos;

	pos = b->on_release ? b->on_release(dom, t, reason) : 0;
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

	if (b->on_grant)
		b->on_grant(dom, t, w);
}

static bool kgil_bpf_may_spin(struct kgil_domain *dom, struct kgil_waiter *w)
{
	const struct kgil_bpf_policy *b = kgil_bpf_of(dom);

	if (kgil_handoff_may_spin(dom, w))
		return true;
	return w == kgil_first_waiter(dom) && b->may_spin &&
	       b->may_spin(dom, w);
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

__bpf_kfunc_start_defs();

/**
 * kgil_bpf_request_drop() - ask the holder to drop at its next check
 * @dom: the domain of the hook's call
 *
 * The first waiter is woken to spin for the handoff if spin_ns allows.
 */
__bpf_kfunc void kgil_bpf_request_drop(struct kgil_domain *dom)
{
	lockdep_assert_held(&dom->lock);
	if (!dom->holder)
		return;
	kgil_request_drop(dom, dom->holder);
	kgil_handoff_kick_spinner(dom, NULL);
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

	lockdep_assert_held(&dom->lock);
	head = kgil_first_waiter(dom);
	kgil_handoff_kick_spinner(dom, head && head->t == dom->holder ?
				       head : NULL);
}

/**
 * kgil_bpf_waiter_tid() - who waits at a queue position
 * @dom: the domain of the hook's call
 * @pos: 0 for the head
 *
 * Return: the waiting thread's Linux thread id (gettid()), which a
 * userspace that fills a map by thread knows; 0 past the end of the queue.
 */
__bpf_kfunc u32 kgil_bpf_waiter_tid(struct kgil_domain *dom, u32 pos)
{
	struct kgil_waiter *w;

	lockdep_assert_held(&dom->lock);
	if (pos >= dom->nr_waiting)
		return 0;
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

static const struct bpf_func_proto *
kgil_bpf_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
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
 * Writes through a BTF pointer: only into the policy's own words.  The
 * holder, the queue, the flags and the counters are the core's, and a
 * program that writes them is refused at load time.
 */
static int kgil_bpf_struct_access(struct bpf_verifier_log *log,
				  const struct bpf_reg_state *reg,
				  int off, int size)
{
	static const char *const what[] = { "kgil_domain", "kgil_thread",
					    "kgil_waiter" };
	const char *name = "a kernel object";
	size_t i;

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

static int kgil_bpf_check_member(const struct btf_type *t,
				 const struct btf_member *member,
				 const struct bpf_prog *prog)
{
	/* They run under a spinlock. */
	return prog->sleepable ? -EINVAL : 0;
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
		if (!strncmp(e->ops->name, name, KGIL_POLICY_NAME_LEN))
			return e;
	return NULL;
}

static int kgil_bpf_reg(void *kdata, struct bpf_link *link)
{
	struct kgil_bpf_policy *ops = kdata;
	struct kgil_bpf_entry *e;
	int ret = 0;

	if (kgil_bpf_validate(kdata))
		return -EINVAL;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->ops = ops;
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

static void kgil_bpf_unreg(void *kdata, struct bpf_link *link)
{
	struct kgil_bpf_policy *ops = kdata;
	struct kgil_bpf_entry *e;
	u32 moved;

	mutex_lock(&kgil_bpf_mutex);
	e = kgil_bpf_find(ops->name);
	if (e && e->ops == ops)
		list_del(&e->node);
	else
		e = NULL;
	moved = kgil_domains_leave_bpf(ops);
	mutex_unlock(&kgil_bpf_mutex);
	kfree(e);
	pr_info("BPF policy %s unregistered, %u domain(s) back to fifo\n",
		ops->name, moved);
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
 * cannot go while one is registered.
 */
void kgil_bpf_exit(void)
{
	WARN_ON_ONCE(!list_empty(&kgil_bpf_registry));
}

int kgil_bpf_set_policy(struct kgil_domain *dom, const struct kgil_policy *p,
			const char *name)
{
	struct kgil_bpf_entry *e;
	int ret;

	if (!kgil_bpf_ready)
		return -EOPNOTSUPP;
	mutex_lock(&kgil_bpf_mutex);
	e = kgil_bpf_find(name);
	ret = e ? kgil_domain_switch(dom, p, &kgil_policy_bpf, e->ops) :
		  -ENOENT;
	mutex_unlock(&kgil_bpf_mutex);
	return ret;
}

int kgil_bpf_list(char __user *names, u32 *count)
{
	struct kgil_bpf_entry *e;
	u32 room = *count, n = 0;
	int ret = 0;

	if (!kgil_bpf_ready)
		return -EOPNOTSUPP;
	mutex_lock(&kgil_bpf_mutex);
	list_for_each_entry(e, &kgil_bpf_registry, node) {
		if (n < room &&
		    copy_to_user(names + (size_t)n * KGIL_POLICY_NAME_LEN,
				 e->ops->name, KGIL_POLICY_NAME_LEN)) {
			ret = -EFAULT;
			break;
		}
		n++;
	}
	mutex_unlock(&kgil_bpf_mutex);
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
