// SPDX-License-Identifier: GPL-2.0
/*
 * Lock domains: life cycle, policy, statistics.  One domain per open file
 * description; see struct kgil_domain for its references.
 */
#include <linux/gfp.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "kgil_internal.h"
#include "kgil_trace.h"

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
	INIT_LIST_HEAD(&dom->waiters);
	dom->id = atomic64_inc_return(&kgil_next_domain_id);
	dom->uid = uid;
	kgil_policy_defaults(&dom->params);
	dom->ops = kgil_policy_find(dom->params.policy);
	dom->shared->domain_id = dom->id;
	kgil_publish_policy(dom);
	atomic_inc(&kgil_nr_domains);
	return dom;
}

/* Atomic context is fine: the exit probe may drop the last reference. */
static void kgil_domain_free(struct kref *ref)
{
	struct kgil_domain *dom = container_of(ref, struct kgil_domain, ref);

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
 * terms.
 */
int kgil_domain_set_policy(struct kgil_domain *dom, const struct kgil_policy *p)
{
	const struct kgil_policy_ops *ops;
	u32 old;
	int ret;

	ret = kgil_policy_validate(p);
	if (ret)
		return ret;
	ops = kgil_policy_find(p->policy);

	spin_lock(&dom->lock);
	old = dom->params.policy;
	dom->params = *p;
	dom->ops = ops;
	dom->policy_gen++;
	kgil_publish_policy(dom);
	kgil_policy_activate(dom);
	trace_kgil_policy_change(dom, old);
	kgil_kick_waiters(dom);
	spin_unlock(&dom->lock);
	return 0;
}

void kgil_domain_get_policy(struct kgil_domain *dom, struct kgil_policy *p)
{
	spin_lock(&dom->lock);
	*p = dom->params;
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
