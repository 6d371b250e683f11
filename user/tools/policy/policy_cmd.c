// SPDX-License-Identifier: GPL-2.0
/*
 * `kgil policy load PATH | list | unload NAME`: a BPF policy registered
 * beyond the process that loaded it, by pinning its struct_ops link in
 * bpffs at DIR/NAME (POLICY_PIN_DIR); unloading removes the pin and the
 * module unregisters the policy once nothing else holds the link (domains
 * that used it go back to fifo).  Exit 0 on success, 1 when the
 * operation failed, 2 on a usage error; one line on stderr says why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kgil.h"
#include "policy/policy_cmd.h"
#include "policy/policy_spec.h"

#define MAX_LISTED 64

static int usage(FILE *f)
{
	fprintf(f,
		"usage: kgil policy load PATH [--pin-dir DIR]\n"
		"       kgil policy list [--pin-dir DIR]\n"
		"       kgil policy unload NAME [--pin-dir DIR]\n"
		"load registers the BPF policy in the object file PATH (user/bpf/,\n"
		"docs/bpf.md) and pins it at DIR/NAME (default " POLICY_PIN_DIR "),\n"
		"so it stays registered after kgil exits; it prints NAME, which\n"
		"kgil bench --policy bpf:NAME chooses.  unload removes the pin.\n");
	return f == stderr ? 2 : 0;
}

/* The words after the subcommand: one operand (or none) and --pin-dir. */
static int parse_args(int argc, char **argv, int operands, const char **operand,
		      const char **dir)
{
	int n = 0;

	*dir = POLICY_PIN_DIR;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pin-dir") && i + 1 < argc) {
			*dir = argv[++i];
		} else if (!strncmp(argv[i], "--pin-dir=", 10)) {
			*dir = argv[i] + 10;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "kgil policy %s: unknown option '%s'\n", argv[0], argv[i]);
			return -1;
		} else if (n++ < operands) {
			*operand = argv[i];
		} else {
			fprintf(stderr, "kgil policy %s: unexpected argument '%s'\n",
				argv[0], argv[i]);
			return -1;
		}
	}
	if (n < operands || !**dir) {
		fprintf(stderr, "kgil policy %s: missing %s\n", argv[0],
			n < operands ? "argument" : "--pin-dir");
		return -1;
	}
	return 0;
}

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	return snprintf(buf, len, "%s/%s", dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

static int policy_load(int argc, char **argv)
{
	const char *path = NULL, *dir;
	char log[8192], pin[4096];
	struct kgil_bpf *bp;
	int ret;

	if (parse_args(argc, argv, 1, &path, &dir) < 0)
		return usage(stderr);
	ret = kgil_bpf_load(path, log, sizeof(log), &bp);
	if (ret) {
		policy_bpf_error("kgil policy load", path, ret, log);
		return 1;
	}
	ret = pin_path(pin, sizeof(pin), dir, kgil_bpf_name(bp));
	if (!ret)
		ret = kgil_bpf_pin(bp, pin);
	if (ret) {
		fprintf(stderr, "kgil policy load: cannot pin '%s' at %s: %s%s\n",
			kgil_bpf_name(bp), pin, strerror(-ret),
			ret == -EEXIST ? " (kgil policy unload it first)" :
			ret == -EINVAL ? " (not in bpffs? mount -t bpf bpf /sys/fs/bpf)" : "");
		kgil_bpf_unload(bp);
		return 1;
	}
	printf("%s\n", kgil_bpf_name(bp));
	/* Pinned: the policy stays registered. */
	kgil_bpf_unload(bp);
	return 0;
}

static int policy_list(int argc, char **argv)
{
	char names[MAX_LISTED][KGIL_POLICY_NAME_LEN], pin[4096];
	const char *dir, *none = NULL;
	unsigned int n = 0;
	int ret;

	if (parse_args(argc, argv, 0, &none, &dir) < 0)
		return usage(stderr);
	for (uint32_t id = KGIL_POLICY_LEGACY; id <= KGIL_POLICY_MAX; id++) {
		const char *name = kgil_policy_name(id);

		if (name && id != KGIL_POLICY_BPF)
			printf("%-20s built-in\n", name);
	}
	ret = kgil_bpf_list(names, MAX_LISTED, &n);
	if (ret == -EOPNOTSUPP) {
		policy_bpf_error("kgil policy list", "no BPF policies", ret, NULL);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "kgil policy list: %s: %s%s\n", KGIL_DEVICE_PATH,
			strerror(-ret), ret == -ENOENT ? " (module not loaded?)" : "");
		return 1;
	}
	for (unsigned int i = 0; i < n && i < MAX_LISTED; i++) {
		struct stat st;
		char label[KGIL_POLICY_NAME_LEN + 4];

		snprintf(label, sizeof(label), "bpf:%.*s", KGIL_POLICY_NAME_LEN - 1, names[i]);
		if (!pin_path(pin, sizeof(pin), dir, names[i]) && !stat(pin, &st))
			printf("%-20s bpf       pinned at %s\n", label, pin);
		else
			printf("%-20s bpf\n", label);
	}
	if (n > MAX_LISTED)
		printf("(and %u more)\n", n - MAX_LISTED);
	return 0;
}

/* The module unregisters when the link's last reference goes: wait for it. */
static int still_registered(const char *name)
{
	char names[MAX_LISTED][KGIL_POLICY_NAME_LEN];
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (int tries = 0; tries < 100; tries++) {
		unsigned int n = 0;
		bool found = false;

		if (kgil_bpf_list(names, MAX_LISTED, &n))
			return 0;
		for (unsigned int i = 0; i < n && i < MAX_LISTED; i++)
			found |= !strcmp(names[i], name);
		if (!found)
			return 0;
		nanosleep(&ts, NULL);
	}
	return 1;
}

static int policy_unload(int argc, char **argv)
{
	const char *name = NULL, *dir;
	char pin[4096];
	int ret;

	if (parse_args(argc, argv, 1, &name, &dir) < 0)
		return usage(stderr);
	if (!strncmp(name, "bpf:", 4))
		name += 4;
	if (!*name || strchr(name, '/') || strlen(name) >= KGIL_POLICY_NAME_LEN) {
		fprintf(stderr, "kgil policy unload: '%s' is not a policy name\n", name);
		return 2;
	}
	ret = pin_path(pin, sizeof(pin), dir, name);
	if (!ret)
		ret = kgil_bpf_unpin(pin);
	if (ret) {
		fprintf(stderr, "kgil policy unload: %s: %s%s\n", pin, strerror(-ret),
			ret == -ENOENT ? " (not loaded by kgil policy load? "
			"kgil policy list)" : "");
		return 1;
	}
	if (still_registered(name))
		fprintf(stderr, "kgil policy unload: pin removed, but '%s' is still "
			"registered: another process holds its link\n", name);
	return 0;
}

int cmd_policy(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout);
	if (!strcmp(argv[1], "load"))
		return policy_load(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return policy_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "unload"))
		return policy_unload(argc - 1, argv + 1);
	fprintf(stderr, "kgil policy: unknown subcommand '%s'\n", argv[1]);
	return usage(stderr);
}
