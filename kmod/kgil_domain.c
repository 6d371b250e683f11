// SPDX-License-Identifier: GPL-2.0
/*
 * Lock domains: life cycle, policy, statistics.  One domain per open file
 * description; see struct kgil_domain for its references.
 */
#include <linux/gfp.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "kgil_bpf.h"
#include "kgil_internal.h"
#include "kgil_trace.h"

/*
 * Every live domain, for the walks that need them all: a BPF policy
 * going away or ejected (kgil_domains_each()).  A spinlock, because the
 * last reference may be dropped in atomic context.  Never held while a
 * dom->lock is taken: a domain's lock can be held for as long as a BPF
 * program runs, and then every open() and every other walk would wait.
 */
static LIST_HEAD(kgil_domains);
static DEFINE_SPINLOCK(kgil_domains_lock);

/* Domain ids only grow, so a trace never shows two domains with one id. */
static atomic64_t kgil_next_domain_id = ATOMIC64_INIT(0);

/* The shared page mirrors the policy for userspace's fast path. */
static void kgil_publish_policy(struct kgil_domain *dom)
{
	struct kgil_shared *sh = dom->shared;

	WRITE_ONCE(sh->policy, dom->params.policy);
	WRITE_ONCE(sh->check_interval, dom->params.check_interval);
	WRITE_ONCE(sh->switch_interval_ns, dom->params.switch_interval_ns);
}

struct kgil_domain *kgil_domain_alloc(kuid_t uid)
{
	struct kgil_domain *dom;

	dom = kzalloc(sizeof(*dom), GFP_KERNEL_ACCOUNT);
	if (!dom)
		return NULL;
	dom->shared = (struct kgil_shared *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!dom->shared) {
		kfree(dom);
		return NULL;
	}
	kref_init(&dom->ref);
	spin_lock_init(&dom->lock);
	init_waitqueue_head(&dom->switch_wq);
	INIT_LIST_HEAD(&dom->threads);
	xa_init_flags(&dom->ids, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&dom->waiters);
	INIT_LIST_HEAD(&dom->arrivals);
	dom->id = atomic64_inc_return(&kgil_next_domain_id);
	dom->uid = uid;
	kgil_policy_defaults(&dom->params);
	dom->ops = kgil_policy_find(dom->params.policy);
	dom->shared->domain_id = dom->id;
	kgil_publish_policy(dom);
	atomic_inc(&kgil_nr_domains);
	spin_lock(&kgil_domains_lock);
	list_add_tail(&dom->node, &kgil_domains);
	spin_unlock(&kgil_domains_lock);
	return dom;
}

/* Atomic context is fine: the exit probe may drop the last reference. */
static void kgil_domain_free(struct kref *ref)
{
	struct kgil_domain *dom = container_of(ref, struct kgil_domain, ref);

	spin_lock(&kgil_domains_lock);
	list_del(&dom->node);
	spin_unlock(&kgil_domains_lock);
	if (dom->bpf) {
		atomic_dec(&dom->bpf->users);
		kgil_bpf_entry_put(dom->bpf);
	}
	/* Empty: every thread freed its id at detach. */
	xa_destroy(&dom->ids);
	free_page((unsigned long)dom->shared);
	kfree(dom);
	atomic_dec(&kgil_nr_domains);
}

void kgil_domain_put(struct kgil_domain *dom)
{
	kref_put(&dom->ref, kgil_domain_free);
}

/*
 * Safe under load: the parameters change under dom->lock, and every
 * waiter (and a holder waiting for a forced switch) is kicked so that it
 * re-evaluates under the new policy instead of sleeping on the old one's
 * terms.  p is valid; bpf is the BPF policy when ops is kgil_policy_bpf
 * (the domain takes a reference; the caller makes sure it is not gone).
 */
void kgil_domain_switch_locked(struct kgil_domain *dom,
			       const struct kgil_policy *p,
			       const struct kgil_policy_ops *ops,
			       struct kgil_bpf_entry *bpf)
{
	u32 old = dom->params.policy;

	lockdep_assert_held(&dom->lock);
	if (bpf) {
		kref_get(&bpf->ref);
		atomic_inc(&bpf->users);
	}
	if (dom->bpf) {
		atomic_dec(&dom->bpf->users);
		kgil_bpf_entry_put(dom->bpf);
	}
	dom->params = *p;
	dom->ops = ops;
	/* Read without the lock by kgil_domain_leave_bpf(). */
	WRITE_ONCE(dom->bpf, bpf);
	dom->bpf_window = 0;
	dom->bpf_ejected = false;
	dom->policy_gen++;
	kgil_publish_policy(dom);
	kgil_policy_activate(dom);
	trace_kgil_policy_change(dom, old);
	kgil_kick_waiters(dom);
}


/*
 * name: NULL for SET_POLICY, the NUL-terminated name of SET_POLICY_NAMED
 * (checked by the caller to be well formed).
 */
int kgil_domain_set_policy(struct kgil_domain *dom, const struct kgil_policy *p,
			   const char *name)
{
	const struct kgil_policy_ops *ops;
	int ret;

	if (kgil_policy_invalid(p))
		return -EINVAL;
	if (p->policy == KGIL_POLICY_BPF) {
		if (!name)
			return -EINVAL;	/* a BPF policy is chosen by name */
		return kgil_bpf_set_policy(dom, p, name);
	}
	ret = kgil_policy_validate(p);
	if (ret)
		return ret;
	ops = kgil_policy_find(p->policy);
	if (name && name[0] && strcmp(name, ops->name))
		return -EINVAL;
	spin_lock(&dom->lock);
	kgil_domain_switch_locked(dom, p, ops, NULL);
	spin_unlock(&dom->lock);
	return 0;
}

/*
 * Call fn on every live domain, holding a reference to it and no lock,
 * so that fn may take dom->lock and wait there without holding up
 * open(), close() or another walk.  The domain being visited keeps its
 * place in the list (it is only unlinked when freed), so the walk goes
 * on from it; a domain whose last reference is going is skipped.
 * Domains opened during the walk are visited if they come after.
 */
void kgil_domains_each(void (*fn)(struct kgil_domain *dom, void *arg),
		       void *arg)
{
	struct kgil_domain *dom, *prev = NULL;

	spin_lock(&kgil_domains_lock);
	dom = list_first_entry(&kgil_domains, struct kgil_domain, node);
	for (;;) {
		while (!list_entry_is_head(dom, &kgil_domains, node) &&
		       !kref_get_unless_zero(&dom->ref))
			dom = list_next_entry(dom, node);
		if (list_entry_is_head(dom, &kgil_domains, node))
			break;
		spin_unlock(&kgil_domains_lock);
		/* The put may free prev, which takes kgil_domains_lock. */
		if (prev)
			kgil_domain_put(prev);
		fn(dom, arg);
		prev = dom;
		spin_lock(&kgil_domains_lock);
		dom = list_next_entry(dom, node);
	}
	spin_unlock(&kgil_domains_lock);
	if (prev)
		kgil_domain_put(prev);
}

struct kgil_leave_bpf {
	const struct kgil_bpf_entry *bpf;
	u32 moved;
};

static void kgil_domain_leave_bpf(struct kgil_domain *dom, void *arg)
{
	struct kgil_leave_bpf *l = arg;
	struct kgil_policy p;

	/*
	 * A domain that does not use it is not waited for: its lock may be
	 * held by another policy's long hook.  One that picks it behind this
	 * look is counted in its users, and the walk goes round again.
	 */
	if (READ_ONCE(dom->bpf) != l->bpf)
		return;
	spin_lock(&dom->lock);
	if (dom->bpf == l->bpf) {
		p = dom->params;
		p.policy = KGIL_POLICY_FIFO;
		kgil_domain_switch_locked(dom, &p, &kgil_policy_fifo, NULL);
		l->moved++;
	}
	spin_unlock(&dom->lock);
}

/*
 * A BPF policy is going away (or is ejected): its domains fall back to
 * fifo with their parameters.  Under dom->lock, as every call of its
 * programs, so none is running or can start once this returns.  The
 * kick that every switch makes re-evaluates each waiter under fifo: no
 * lost wake-up.  The caller has marked it gone first, so no domain can
 * pick it behind the walk (kgil_bpf_set_policy()).
 */
u32 kgil_domains_leave_bpf(struct kgil_bpf_entry *bpf)
{
	struct kgil_leave_bpf l = { .bpf = bpf };

	/*
	 * Pairs with kgil_bpf_set_policy(): it counts itself a user, then
	 * looks at gone; this marked it gone, then looks at the users.
	 * One of the two sees the other.
	 */
	smp_mb();
	while (atomic_read(&bpf->users)) {
		kgil_domains_each(kgil_domain_leave_bpf, &l);
		cond_resched();
	}
	return l.moved;
}

/* dom->lock held, or a snapshot: the name of the policy, built-in or BPF. */
const char *kgil_domain_policy_name(const struct kgil_domain *dom)
{
	return dom->bpf ? dom->bpf->name : dom->ops->name;
}

/* name: NULL, or KGIL_POLICY_NAME_LEN bytes to fill, zero-padded. */
void kgil_domain_get_policy(struct kgil_domain *dom, struct kgil_policy *p,
			    char *name)
{
	spin_lock(&dom->lock);
	*p = dom->params;
	if (name)
		strscpy_pad(name, kgil_domain_policy_name(dom),
			    KGIL_POLICY_NAME_LEN);
	spin_unlock(&dom->lock);
}

/* st->scope and st->id were checked by the caller. */
int kgil_domain_stats(struct kgil_domain *dom, struct kgil_stats *st)
{
	struct kgil_thread *t;
	int ret = 0;

	spin_lock(&dom->lock);
	st->nr_threads = dom->nr_threads;
	st->holder_id = dom->holder ? dom->holder->id : 0;
	st->domain_id = dom->id;
	strscpy_pad(st->policy_name, kgil_domain_policy_name(dom),
		    sizeof(st->policy_name));
	if (st->scope == KGIL_STATS_DOMAIN) {
		st->c = dom->c;
		goto unlock;
	}
	ret = -ENOENT;
	list_for_each_entry(t, &dom->threads, dnode) {
		if (st->id ? t->id == st->id : t->task == current) {
			st->c = t->c;
			ret = 0;
			break;
		}
	}
unlock:
	spin_unlock(&dom->lock);
	return ret;
}
