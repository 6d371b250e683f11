// SPDX-License-Identifier: GPL-2.0
/* A BPF policy for the length of a run, and how BPF errors are said. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy_spec.h"

void policy_bpf_error(const char *who, const char *what, int err,
		      const char *log)
{
	const char *last = log && *log ? strrchr(log, '\n') : NULL;

	if (err == -EOPNOTSUPP) {
		struct kgil_features f;

		/* The module has them: then it is this libkgil that has not. */
		if (!kgil_query_features(-1, &f) && (f.features & KGIL_FEAT_BPF))
			fprintf(stderr, "%s: %s: this libkgil was built without "
				"libbpf >= 1.4: no BPF policies\n", who, what);
		else
			fprintf(stderr, "%s: %s: BPF policies need Linux 6.12 or "
				"later (KGIL_FEAT_BPF)\n", who, what);
		return;
	}
	/* The log's last line is libkgil's own summary: the one line. */
	if (!log || !*log) {
		fprintf(stderr, "%s: %s: %s\n", who, what, strerror(-err));
		return;
	}
	fprintf(stderr, "%s: %s\n", who, last ? last + 1 : log);
	/* What libbpf and the verifier said before it, unless nothing new. */
	if (!last || err == -ENOENT || err == -ENODEV)
		return;
	for (const char *l = log; l <= last;) {
		const char *nl = strchr(l, '\n');

		fprintf(stderr, "  %.*s\n", (int)(nl - l), l);
		l = nl + 1;
	}
}

/* Whether a policy of that name is registered: 1, 0 or -errno. */
static int registered(const char *name)
{
	char names[64][KGIL_POLICY_NAME_LEN];
	unsigned int n;
	int ret = kgil_bpf_list(names, 64, &n);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < n && i < 64; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

int policy_run_begin(const char *who, const struct policy_spec *s,
		     struct policy_run *r)
{
	char log[4096], what[POLICY_SPEC_LEN + 16];
	int ret;

	memset(r, 0, sizeof(*r));
	if (s->id != KGIL_POLICY_BPF)
		return 0;
	snprintf(what, sizeof(what), "bpf:%s", s->bpf);
	if (s->bpf_path) {
		ret = kgil_bpf_load(s->bpf, log, sizeof(log), &r->bp);
		if (ret) {
			policy_bpf_error(who, what, ret, log);
			return ret;
		}
		snprintf(r->name, sizeof(r->name), "%.*s", KGIL_POLICY_NAME_LEN - 1,
			 kgil_bpf_name(r->bp));
		return 0;
	}
	ret = registered(s->bpf);
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: %s: %s: %s (module not loaded?)\n", who, what,
			KGIL_DEVICE_PATH, strerror(-ret));
		return ret;
	}
	if (ret < 0) {
		policy_bpf_error(who, what, ret, NULL);
		return ret;
	}
	if (!ret) {
		fprintf(stderr, "%s: %s: no BPF policy of that name is registered "
			"(kgil policy list; kgil policy load PATH)\n", who, what);
		return -ENOENT;
	}
	/* policy_spec_parse() took no longer NAME. */
	snprintf(r->name, sizeof(r->name), "%.*s", KGIL_POLICY_NAME_LEN - 1, s->bpf);
	return 0;
}

void policy_run_end(struct policy_run *r)
{
	kgil_bpf_unload(r->bp);
	r->bp = NULL;
}
