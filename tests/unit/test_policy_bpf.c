// SPDX-License-Identifier: GPL-2.0
/*
 * BPF policies from userspace: the names, the --policy bpf: specs, the
 * user backends' refusal, and kgil_bpf_load's errors on what is not a
 * policy.  Loading a real one needs the module on Linux 6.12: the VM
 * (tests/device.d).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy_spec.h"
#include "unit.h"

Test(policy_bpf, name_and_parse)
{
	uint32_t id;

	cr_assert_str_eq(kgil_policy_name(KGIL_POLICY_BPF), "bpf");
	cr_assert_eq(kgil_policy_parse("bpf", &id), 0);
	cr_assert_eq(id, KGIL_POLICY_BPF);
	cr_assert_eq(kgil_policy_parse("bpf:bpf_fifo", &id), -EINVAL,
		     "a spec is the tools' business, not a policy name");
}

/* A BPF policy gets fifo's defaults, id apart. */
Test(policy_bpf, default_is_fifos)
{
	struct kgil_policy p, fifo;

	cr_assert_eq(kgil_policy_default(KGIL_POLICY_BPF, &p), 0);
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_FIFO, &fifo), 0);
	cr_assert_eq(p.policy, KGIL_POLICY_BPF);
	fifo.policy = KGIL_POLICY_BPF;
	cr_assert_eq(memcmp(&p, &fifo, sizeof(p)), 0);
	cr_assert_eq(p.spin_ns, KGIL_DEFAULT_SPIN_NS);
}

Test(policy_bpf, specs)
{
	struct policy_spec s;
	char longname[KGIL_POLICY_NAME_LEN + 1], longpath[POLICY_SPEC_LEN + 8];

	cr_assert_eq(policy_spec_parse("fifo", &s), 0);
	cr_assert_eq(s.id, KGIL_POLICY_FIFO);
	cr_assert_eq(s.bpf[0], '\0');

	cr_assert_eq(policy_spec_parse("bpf:bpf_fifo", &s), 0);
	cr_assert_eq(s.id, KGIL_POLICY_BPF);
	cr_assert_str_eq(s.bpf, "bpf_fifo");
	cr_assert_not(s.bpf_path);

	/* A path: a slash, or an object file's ".o". */
	cr_assert_eq(policy_spec_parse("bpf:build/bpf/fifo.bpf.o", &s), 0);
	cr_assert_str_eq(s.bpf, "build/bpf/fifo.bpf.o");
	cr_assert(s.bpf_path);
	cr_assert_eq(policy_spec_parse("bpf:fifo.bpf.o", &s), 0);
	cr_assert(s.bpf_path);
	cr_assert_eq(policy_spec_parse("bpf:./x", &s), 0);
	cr_assert(s.bpf_path);
	cr_assert_eq(policy_spec_parse("bpf:/an/object_without_suffix", &s), 0);
	cr_assert(s.bpf_path);

	/* A name fits KGIL_POLICY_NAME_LEN with its NUL; a path is longer. */
	char spec[KGIL_POLICY_NAME_LEN + 8];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[KGIL_POLICY_NAME_LEN - 1] = '\0';	/* 15 bytes: fits */
	snprintf(spec, sizeof(spec), "bpf:%s", longname);
	cr_assert_eq(policy_spec_parse(spec, &s), 0, "%s", spec);
	cr_assert_str_eq(s.bpf, longname);
	longname[KGIL_POLICY_NAME_LEN - 1] = 'n';	/* 16: does not */
	longname[KGIL_POLICY_NAME_LEN] = '\0';
	snprintf(spec, sizeof(spec), "bpf:%s", longname);
	cr_assert_eq(policy_spec_parse(spec, &s), -EINVAL, "%s", spec);
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(longpath, "bpf:/", 5);
	cr_assert_eq(policy_spec_parse(longpath, &s), -EINVAL);

	cr_assert_eq(policy_spec_parse("bpf", &s), -EINVAL, "which one?");
	cr_assert_eq(policy_spec_parse("bpf:", &s), -EINVAL);
	cr_assert_eq(policy_spec_parse("BPF:x", &s), -EINVAL);
	cr_assert_eq(policy_spec_parse("vdl", &s), -EINVAL);
	cr_assert_eq(policy_spec_parse("", &s), -EINVAL);
}

/* The user backends have their built-in only. */
Test(policy_bpf, user_backends_refuse_bpf)
{
	struct kgil *g = ut_open();
	struct kgil_policy p;
	char name[KGIL_POLICY_NAME_LEN];

	if (ut_is_kernel())
		cr_skip_test("the kernel's answer depends on the module (device tests)");
	cr_assert_eq(kgil_policy_default(KGIL_POLICY_BPF, &p), 0);
	cr_assert_eq(kgil_set_policy_named(g, &p, "bpf_fifo"), -EOPNOTSUPP);
	cr_assert_eq(kgil_set_policy_named(g, &p, ""), -EOPNOTSUPP);
	cr_assert_eq(kgil_set_policy(g, &p), -EOPNOTSUPP);
	/* The domain kept its policy. */
	cr_assert_eq(kgil_get_policy_name(g, name), 0);
	cr_assert_str_eq(name, kgil_policy_name(ut_default_policy()));
	cr_assert_eq(kgil_close(g), 0);
}

/* A built-in by name: empty, NULL or its own; any other name is -EINVAL. */
Test(policy_bpf, builtin_by_name)
{
	struct kgil *g = ut_open();
	uint32_t own = ut_default_policy();
	struct kgil_policy p, got;
	char name[KGIL_POLICY_NAME_LEN], toolong[KGIL_POLICY_NAME_LEN + 1];

	cr_assert_eq(kgil_policy_default(own, &p), 0);
	p.switch_interval_ns = 2000000;
	cr_assert_eq(kgil_set_policy_named(g, &p, NULL), 0);
	cr_assert_eq(kgil_set_policy_named(g, &p, ""), 0);
	cr_assert_eq(kgil_set_policy_named(g, &p, kgil_policy_name(own)), 0);
	cr_assert_eq(kgil_get_policy(g, &got), 0);
	cr_assert_eq(got.switch_interval_ns, 2000000);
	cr_assert_eq(kgil_set_policy_named(g, &p, "bpf_fifo"), -EINVAL);
	cr_assert_eq(kgil_set_policy_named(g, &p, own == KGIL_POLICY_LEGACY ?
					   "newgil" : "legacy"), -EINVAL);
	memset(toolong, 'x', sizeof(toolong) - 1);
	toolong[sizeof(toolong) - 1] = '\0';
	cr_assert_eq(kgil_set_policy_named(g, &p, toolong), -EINVAL);
	cr_assert_eq(kgil_get_policy_name(g, name), 0);
	cr_assert_str_eq(name, kgil_policy_name(own));
	cr_assert_eq(kgil_set_policy_named(NULL, &p, NULL), -EINVAL);
	cr_assert_eq(kgil_get_policy_name(NULL, name), -EINVAL);
	cr_assert_eq(kgil_close(g), 0);
}

Test(policy_bpf, load_missing_file)
{
	struct kgil_bpf *bp = (struct kgil_bpf *)0x1;
	char log[1024];

#ifdef KGIL_HAVE_LIBBPF
	int want = -ENOENT;
#else
	int want = -EOPNOTSUPP;	/* a libkgil without libbpf, whatever the file */
#endif

	cr_assert_eq(kgil_bpf_load("/nonexistent/kgil/policy.bpf.o", log, sizeof(log), &bp),
		     want, "%s", log);
	cr_assert_eq(bp, (struct kgil_bpf *)0x1, "*out untouched on failure");
#ifdef KGIL_HAVE_LIBBPF
	cr_assert(strstr(log, "/nonexistent/kgil/policy.bpf.o"), "log: %s", log);
#endif
	cr_assert_eq(kgil_bpf_load(NULL, log, sizeof(log), &bp), -EINVAL);
}

/* What is not a BPF object: -EINVAL (-EOPNOTSUPP without libbpf). */
static void refused(const char *path)
{
	struct kgil_bpf *bp = NULL;
	char log[1024];
	int ret = kgil_bpf_load(path, log, sizeof(log), &bp);

	cr_assert(ret == -EINVAL || ret == -EOPNOTSUPP, "%s: %d", path, ret);
	cr_assert_null(bp);
	cr_assert(log[0], "%s: nothing in the log", path);
	if (ret == -EINVAL)
		cr_assert(strstr(log, "BPF object"), "%s: log: %s", path, log);
}

Test(policy_bpf, load_not_bpf)
{
	char text[] = "/tmp/kgil-unit-bpf-XXXXXX";
	int fd = mkstemp(text);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "not an object\n", 14), 14);
	close(fd);
	refused(text);
	unlink(text);
	/* An ELF object, but for the CPU, not BPF: this very program. */
	refused("/proc/self/exe");
}

/* The log: NUL-terminated within its size, even a tiny one; NULL is fine. */
Test(policy_bpf, load_log_sizes)
{
	struct kgil_bpf *bp = NULL;
	char log[8];

	memset(log, 'z', sizeof(log));
	cr_assert_lt(kgil_bpf_load("/nonexistent.o", log, sizeof(log), &bp), 0);
	cr_assert(memchr(log, '\0', sizeof(log)));
	cr_assert_lt(kgil_bpf_load("/nonexistent.o", NULL, 0, &bp), 0);
	cr_assert_eq(kgil_bpf_unpin("/nonexistent/pin"), -ENOENT);
	kgil_bpf_unload(NULL);
	cr_assert_null(kgil_bpf_name(NULL));
}
