// SPDX-License-Identifier: LGPL-2.1
/*
 * Policies by name: a BPF policy is chosen by its name, a built-in may
 * be.  The rules of the name are checked here, for every backend, so
 * that a user backend refuses what the module would (kgil.h).
 */
#include <errno.h>
#include <string.h>

#include "libkgil.h"

int kgil_set_policy_named(struct kgil *g, const struct kgil_policy *p,
			  const char *name)
{
	const char *own;

	if (!g || !p)
		return -EINVAL;
	if (!name)
		name = "";
	if (strnlen(name, KGIL_POLICY_NAME_LEN) == KGIL_POLICY_NAME_LEN)
		return -EINVAL;
	if (p->policy == KGIL_POLICY_BPF) {
		if (!g->ops->set_policy_named)
			return -EOPNOTSUPP;
		return g->ops->set_policy_named(g, p, name);
	}
	own = kgil_policy_name(p->policy);
	if (*name && (!own || strcmp(name, own)))
		return -EINVAL;
	/* A built-in: the plain call, which every module has. */
	return kgil_set_policy(g, p);
}

int kgil_get_policy_name(struct kgil *g, char name[KGIL_POLICY_NAME_LEN])
{
	struct kgil_policy p;
	const char *own;
	int ret = -EOPNOTSUPP;

	if (!g || !name)
		return -EINVAL;
	memset(name, 0, KGIL_POLICY_NAME_LEN);
	if (g->ops->get_policy_named) {
		ret = g->ops->get_policy_named(g, &p, name);
		if (ret != -EOPNOTSUPP)
			return ret;
	}
	/* No names here (a user backend, a module before KGIL_FEAT_BPF). */
	ret = g->ops->get_policy(g, &p);
	if (ret)
		return ret;
	own = kgil_policy_name(p.policy);
	if (own)
		memcpy(name, own, strnlen(own, KGIL_POLICY_NAME_LEN - 1));
	return 0;
}
