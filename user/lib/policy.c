// SPDX-License-Identifier: LGPL-2.1
/* Policy defaults and the validity rules of struct kgil_policy. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "libkgil.h"

int kgil_policy_default(uint32_t policy, struct kgil_policy *out)
{
	if (!out || policy < KGIL_POLICY_LEGACY || policy > KGIL_POLICY_MAX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->policy = policy;
	/* CPython 3 switches by force (FORCE_SWITCHING is always defined). */
	out->flags = policy == KGIL_POLICY_NEWGIL ? KGIL_POLICY_FORCE_SWITCH : 0;
	out->check_interval = KGIL_DEFAULT_CHECK_INTERVAL;
	out->switch_interval_ns = KGIL_DEFAULT_SWITCH_INTERVAL_NS;
	out->io_boost_ns = KGIL_DEFAULT_IO_BOOST_NS;
	/* The handoff policies spin for a due handoff (docs/policies.md). */
	if (policy == KGIL_POLICY_FIFO || policy == KGIL_POLICY_IOPRIO)
		out->spin_ns = KGIL_DEFAULT_SPIN_NS;
	return 0;
}

/*
 * The UAPI rule: every field valid whether the policy uses it or not,
 * within the bounds kgil.h gives (the module checks the same ones), and
 * reserved fields zero.
 */
int kgil__policy_validate(const struct kgil_policy *p)
{
	if (!p)
		return -EINVAL;
	if (p->policy < KGIL_POLICY_LEGACY || p->policy > KGIL_POLICY_MAX)
		return -EINVAL;
	if (p->flags & ~KGIL_POLICY_FLAGS_ALL)
		return -EINVAL;
	if (p->check_interval < KGIL_MIN_CHECK_INTERVAL ||
	    p->check_interval > KGIL_MAX_CHECK_INTERVAL)
		return -EINVAL;
	if (p->switch_interval_ns < KGIL_MIN_SWITCH_INTERVAL_NS ||
	    p->switch_interval_ns > KGIL_MAX_SWITCH_INTERVAL_NS)
		return -EINVAL;
	if (p->io_boost_ns < KGIL_MIN_IO_BOOST_NS ||
	    p->io_boost_ns > KGIL_MAX_IO_BOOST_NS)
		return -EINVAL;
	if (p->spin_ns > KGIL_MAX_SPIN_NS)
		return -EINVAL;
	if (p->reserved0)
		return -EINVAL;
	for (unsigned int i = 0; i < sizeof(p->reserved) / sizeof(p->reserved[0]); i++)
		if (p->reserved[i])
			return -EINVAL;
	return 0;
}
