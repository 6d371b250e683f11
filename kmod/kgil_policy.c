// SPDX-License-Identifier: GPL-2.0
/*
 * The policy registry, the parameter rules common to every policy, and
 * the core's calls into a domain's policy: the one place that calls the
 * hooks of struct kgil_policy_ops, each with its default.
 */
#include "kgil_bpf.h"
#include "kgil_internal.h"

/* A new policy adds one line here (and its file to Kbuild). */
static const struct kgil_policy_ops *const kgil_policies[KGIL_POLICY_MAX + 1] = {
	[KGIL_POLICY_LEGACY] = &kgil_policy_legacy,
	[KGIL_POLICY_NEWGIL] = &kgil_policy_newgil,
	[KGIL_POLICY_FIFO] = &kgil_policy_fifo,
	[KGIL_POLICY_IOPRIO] = &kgil_policy_ioprio,
#ifdef KGIL_HAVE_BPF_STRUCT_OPS
	/* chosen by name (SET_POLICY_NAMED), never by SET_POLICY */
	[KGIL_POLICY_BPF] = &kgil_policy_bpf,
#endif
};

const struct kgil_policy_ops *kgil_policy_find(u32 id)
{
	if (id > KGIL_POLICY_MAX)
		return NULL;
	return kgil_policies[id];
}

u64 kgil_policy_features(void)
{
	u64 f = 0;
	u32 id;

	for (id = 0; id <= KGIL_POLICY_MAX; id++)
		if (kgil_policies[id] &&
		    (id != KGIL_POLICY_BPF || kgil_bpf_available()))
			f |= KGIL_FEAT_POLICY(id);
	return f;
}

/*
 * -EINVAL for anything malformed or an id outside enum kgil_policy_id;
 * -EOPNOTSUPP for a well-formed request naming a policy this module does
 * not implement (not in KGIL_FEAT_POLICY()).
 */
int kgil_policy_validate(const struct kgil_policy *p)
{
	const struct kgil_policy_ops *ops;

	if (kgil_policy_invalid(p))
		return -EINVAL;
	ops = kgil_policy_find(p->policy);
	if (!ops)
		return -EOPNOTSUPP;
	return ops->validate ? ops->validate(p) : 0;
}

/* A new domain: newgil with CPython's defaults (5 ms, forced switching). */
void kgil_policy_defaults(struct kgil_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->policy = KGIL_POLICY_NEWGIL;
	p->flags = KGIL_POLICY_FORCE_SWITCH;
	p->check_interval = KGIL_DEFAULT_CHECK_INTERVAL;
	p->switch_interval_ns = KGIL_DEFAULT_SWITCH_INTERVAL_NS;
	p->io_boost_ns = KGIL_DEFAULT_IO_BOOST_NS;
}

/* ---- the core's calls into the policy; dom->lock held -------------- */

/*
 * SET_POLICY: the policy starts afresh, its state zeroed in the domain,
 * every thread and every waiter, whatever the previous policy left.
 */
void kgil_policy_activate(struct kgil_domain *dom)
{
	struct kgil_thread *t;
	struct kgil_waiter *w;

	lockdep_assert_held(&dom->lock);
	memset(&dom->ps, 0, sizeof(dom->ps));
	list_for_each_entry(t, &dom->threads, dnode)
		memset(&t->ps, 0, sizeof(t->ps));
	list_for_each_entry(w, &dom->waiters, node)
		memset(&w->ps, 0, sizeof(w->ps));
	if (dom->ops->activate)
		dom->ops->activate(dom);
}

bool kgil_policy_may_take(struct kgil_domain *dom, struct kgil_thread *t,
			  struct kgil_waiter *w)
{
	return !dom->ops->may_take || dom->ops->may_take(dom, t, w);
}

void kgil_policy_wait_start(struct kgil_domain *dom, struct kgil_waiter *w)
{
	if (dom->ops->on_wait_start)
		dom->ops->on_wait_start(dom, w);
}

ktime_t kgil_policy_wait_deadline(struct kgil_domain *dom,
				  struct kgil_waiter *w, ktime_t now)
{
	return dom->ops->wait_deadline ?
	       dom->ops->wait_deadline(dom, w, now) : KTIME_MAX;
}

void kgil_policy_wait_timeout(struct kgil_domain *dom, struct kgil_waiter *w)
{
	if (dom->ops->on_wait_timeout)
		dom->ops->on_wait_timeout(dom, w);
}

void kgil_policy_wait_abort(struct kgil_domain *dom, struct kgil_waiter *w)
{
	if (dom->ops->on_wait_abort)
		dom->ops->on_wait_abort(dom, w);
}

void kgil_policy_release(struct kgil_domain *dom, struct kgil_thread *t,
			 enum kgil_release_reason reason)
{
	if (dom->ops->on_release)
		dom->ops->on_release(dom, t, reason);
	else
		kgil_wake_one(dom);
}

void kgil_policy_grant(struct kgil_domain *dom, struct kgil_thread *t,
		       struct kgil_waiter *w)
{
	if (dom->ops->on_grant)
		dom->ops->on_grant(dom, t, w);
}

enum kgil_check_action kgil_policy_check(struct kgil_domain *dom,
					 struct kgil_thread *t)
{
	return dom->ops->check(dom, t);
}

bool kgil_policy_may_spin(struct kgil_domain *dom, struct kgil_waiter *w)
{
	return dom->ops->may_spin && dom->ops->may_spin(dom, w);
}

bool kgil_policy_switch_wait(struct kgil_domain *dom, struct kgil_thread *t,
			     enum kgil_release_reason reason)
{
	return dom->ops->switch_wait && dom->ops->switch_wait(dom, t, reason);
}

/*
 * The policy's due time, within the handoff layer's bound on a tenure:
 * counted from the oldest waiter's arrival (or the grant, if later), so
 * that waiters a policy puts ahead of it cannot move the bound (a later
 * answer past it is overruled and counted, kgil_counters.policy_clamps).
 */
u64 kgil_policy_handoff_due(struct kgil_domain *dom)
{
	struct kgil_waiter *oldest = kgil_oldest_waiter(dom);
	u64 due, limit;

	if (!dom->ops->handoff_due)
		return KGIL_HANDOFF_NEVER;
	due = dom->ops->handoff_due(dom);
	if (!dom->holder || !oldest)
		return due;
	limit = max(dom->grant_ns, oldest->start_ns) +
		KGIL_MAX_TENURE_INTERVALS * dom->params.switch_interval_ns;
	if (due <= limit)
		return due;
	dom->c.policy_clamps++;
	return limit;
}
