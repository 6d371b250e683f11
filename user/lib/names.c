// SPDX-License-Identifier: LGPL-2.1
/* Names of backends and policies, as the tools and $KGIL_BACKEND spell them. */
#include <errno.h>
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
