// SPDX-License-Identifier: LGPL-2.1
/* Names of backends and policies, as the tools and $KGIL_BACKEND spell them. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kgil.h"

static const char *const backend_names[] = {
	[KGIL_BACKEND_KERNEL] = "kernel",
	[KGIL_BACKEND_USER_LEGACY] = "user-legacy",
	[KGIL_BACKEND_USER_NEWGIL] = "user-newgil",
};

static const char *const policy_names[] = {
	[KGIL_POLICY_LEGACY] = "legacy",
	[KGIL_POLICY_NEWGIL] = "newgil",
	[KGIL_POLICY_FIFO] = "fifo",
	[KGIL_POLICY_IOPRIO] = "ioprio",
	/* Any BPF policy; each has a name of its own (kgil_get_policy_name). */
	[KGIL_POLICY_BPF] = "bpf",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *kgil_backend_name(enum kgil_backend b)
{
	if ((unsigned int)b >= ARRAY_LEN(backend_names))
		return NULL;
	return backend_names[b];
}

int kgil_backend_parse(const char *name, enum kgil_backend *out)
{
	if (!name || !out)
		return -EINVAL;
	for (unsigned int i = 0; i < ARRAY_LEN(backend_names); i++) {
		if (!strcmp(name, backend_names[i])) {
			*out = (enum kgil_backend)i;
			return 0;
		}
	}
	return -EINVAL;
}

int kgil_backend_from_env(enum kgil_backend def, enum kgil_backend *out)
{
	const char *v = getenv("KGIL_BACKEND");

	if (!out)
		return -EINVAL;
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	return kgil_backend_parse(v, out);
}

const char *kgil_policy_name(uint32_t policy)
{
	if (policy >= ARRAY_LEN(policy_names))
		return NULL;
	return policy_names[policy];
}

int kgil_policy_parse(const char *name, uint32_t *out)
{
	if (!name || !out)
		return -EINVAL;
	for (uint32_t i = 0; i < ARRAY_LEN(policy_names); i++) {
		if (policy_names[i] && !strcmp(name, policy_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* A whole decimal number in [lo, hi] from $name; 0 if unset or empty. */
static int env_u64(const char *name, uint64_t lo, uint64_t hi, __u64 *out,
		   bool *set)
{
	const char *v = getenv(name);
	unsigned long long x;
	char *end;

	if (!v || !*v)
		return 0;
	if (*v < '0' || *v > '9')	/* no sign, no space: strtoull takes both */
		return -EINVAL;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -EINVAL;
	*out = x;
	*set = true;
	return 0;
}

int kgil_policy_from_env(uint32_t def, struct kgil_policy *out)
{
	const char *name = getenv("KGIL_POLICY");
	uint32_t id = def;
	__u64 v;
	bool set = false;
	int saved = errno, ret;

	if (!out)
		return -EINVAL;
	if (name && *name) {
		ret = kgil_policy_parse(name, &id);
		if (ret)
			return ret;
		set = true;
	}
	/* A BPF policy is chosen by name (kgil_set_policy_named), not here. */
	if (id == KGIL_POLICY_BPF)
		return -EINVAL;
	ret = kgil_policy_default(id, out);
	if (ret)
		return ret;

	v = out->check_interval;
	ret = env_u64("KGIL_CHECK_INTERVAL", KGIL_MIN_CHECK_INTERVAL,
		      KGIL_MAX_CHECK_INTERVAL, &v, &set);
	out->check_interval = (uint32_t)v;
	if (!ret)
		ret = env_u64("KGIL_SWITCH_INTERVAL_NS", KGIL_MIN_SWITCH_INTERVAL_NS,
			      KGIL_MAX_SWITCH_INTERVAL_NS,
			      &out->switch_interval_ns, &set);
	if (!ret)
		ret = env_u64("KGIL_IO_BOOST_NS", KGIL_MIN_IO_BOOST_NS,
			      KGIL_MAX_IO_BOOST_NS, &out->io_boost_ns, &set);
	if (!ret)
		ret = env_u64("KGIL_SPIN_NS", 0, KGIL_MAX_SPIN_NS,
			      &out->spin_ns, &set);
	if (!ret) {
		v = 2;
		ret = env_u64("KGIL_FORCE_SWITCH", 0, 1, &v, &set);
		if (v == 1)
			out->flags |= KGIL_POLICY_FORCE_SWITCH;
		else if (v == 0)
			out->flags &= ~KGIL_POLICY_FORCE_SWITCH;
	}
	errno = saved;
	if (ret)
		return ret;
	return set ? 1 : 0;
}
