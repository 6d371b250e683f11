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
	/*
	 * The handoff policies spin for a due handoff (docs/policies.md); a
	 * BPF policy gets fifo's defaults, spinning included: the core hands
	 * over as for fifo unless the policy's may_spin says otherwise.
	 */
	if (policy == KGIL_POLICY_FIFO || policy == KGIL_POLICY_IOPRIO ||
	    policy == KGIL_POLICY_BPF)
		out->spin_ns = KGIL_DEFAULT_SPIN_NS;
	return 0;
}

/* The UAPI's rule (kgil_policy_invalid()), the one the module applies. */
int kgil__policy_validate(const struct kgil_policy *p)
{
	return !p || kgil_policy_invalid(p) ? -EINVAL : 0;
}
