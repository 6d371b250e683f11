// SPDX-License-Identifier: GPL-2.0
/* Parsing a --policy value (policy_spec.h). */
#include <errno.h>
#include <string.h>

#include "policy/policy_spec.h"

#define BPF_PREFIX "bpf:"

int policy_spec_parse(const char *s, struct policy_spec *out)
{
	size_t n;

	if (!s || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (strncmp(s, BPF_PREFIX, strlen(BPF_PREFIX))) {
		/* A bare "bpf" says which policy but not which program. */
		if (kgil_policy_parse(s, &out->id) < 0 || out->id == KGIL_POLICY_BPF)
			return -EINVAL;
		return 0;
	}
	s += strlen(BPF_PREFIX);
	n = strlen(s);
	if (!n || n >= sizeof(out->bpf))
		return -EINVAL;
	out->bpf_path = strchr(s, '/') || (n > 2 && !strcmp(s + n - 2, ".o"));
	if (!out->bpf_path && n >= KGIL_POLICY_NAME_LEN)
		return -EINVAL;
	out->id = KGIL_POLICY_BPF;
	memcpy(out->bpf, s, n + 1);
	return 0;
}
