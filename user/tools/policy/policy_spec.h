/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A --policy value as kgil bench and kgil sweep take it: a built-in's
 * name ("fifo"), or a BPF policy, "bpf:NAME" (registered already: kgil
 * policy load) or "bpf:PATH" (an object file, loaded for the run).
 */
#ifndef KGIL_TOOLS_POLICY_SPEC_H
#define KGIL_TOOLS_POLICY_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "kgil.h"

/* The longest "bpf:PATH" taken, NUL included. */
#define POLICY_SPEC_LEN 256

struct policy_spec {
	uint32_t id;			/* KGIL_POLICY_* */
	char bpf[POLICY_SPEC_LEN];	/* KGIL_POLICY_BPF: NAME or PATH */
	bool bpf_path;			/* bpf is a PATH: has a '/' or ends in .o */
};

/*
 * Parse s: 0, or -EINVAL (an unknown name, a bare "bpf", an empty or too
 * long NAME or PATH: a NAME has at most KGIL_POLICY_NAME_LEN - 1 bytes).
 */
int policy_spec_parse(const char *s, struct policy_spec *out);

/*
 * A BPF policy for the length of a run: bpf:PATH is loaded (and
 * unloaded by policy_run_end), bpf:NAME must be registered.  name is
 * what the domains choose.  Both print one line on error.
 */
struct kgil_bpf;
struct policy_run {
	struct kgil_bpf *bp;
	char name[KGIL_POLICY_NAME_LEN];
};
int policy_run_begin(const char *who, const struct policy_spec *s,
		     struct policy_run *r);
void policy_run_end(struct policy_run *r);

/*
 * One line on stderr for a failed BPF call: "WHO: WHAT: why", with the
 * case every user meets first said plainly (-EOPNOTSUPP: the kernel or
 * the library has no BPF policies); log, when not empty, follows.
 */
void policy_bpf_error(const char *who, const char *what, int err,
		      const char *log);

#endif
