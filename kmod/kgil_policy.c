// SPDX-License-Identifier: GPL-2.0
/*
 * The policy registry and the parameter rules common to every policy.
 */
#include "kgil_policy.h"

/* A new policy adds one line here (and its file to Kbuild). */
static const struct kgil_policy_ops *const kgil_policies[KGIL_POLICY_MAX + 1] = {
	[KGIL_POLICY_LEGACY] = &kgil_policy_legacy,
	[KGIL_POLICY_NEWGIL] = &kgil_policy_newgil,
	[KGIL_POLICY_FIFO] = &kgil_policy_fifo,
	[KGIL_POLICY_IOPRIO] = &kgil_policy_ioprio,
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
		if (kgil_policies[id])
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
	size_t i;

	if (p->policy < KGIL_POLICY_LEGACY || p->policy > KGIL_POLICY_MAX)
		return -EINVAL;
	if (p->flags & ~KGIL_POLICY_FLAGS_ALL)
		return -EINVAL;
	if (!p->check_interval)
		return -EINVAL;
	if (p->switch_interval_ns < KGIL_MIN_SWITCH_INTERVAL_NS ||
	    p->switch_interval_ns > KGIL_MAX_SWITCH_INTERVAL_NS)
		return -EINVAL;
	if (p->io_boost_ns < KGIL_MIN_SWITCH_INTERVAL_NS ||
	    p->io_boost_ns > KGIL_MAX_SWITCH_INTERVAL_NS)
		return -EINVAL;
	if (p->spin_ns > KGIL_MAX_SPIN_NS)
		return -EINVAL;
	if (p->reserved0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(p->reserved); i++)
		if (p->reserved[i])
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
