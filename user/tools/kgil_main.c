// SPDX-License-Identifier: GPL-2.0
/* kgil: the command-line harness.  Subcommands are dispatched from here. */
#include <stdio.h>
#include <string.h>

#include "kgil.h"
#include "trace_cmd.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: kgil --version | kgil info\n");
	return f == stderr ? 2 : 0;
}

static int cmd_info(void)
{
	struct kgil_features f;
	int ret = kgil_query_features(-1, &f);

	if (ret < 0) {
		fprintf(stderr, "kgil: cannot query %s: %s\n", KGIL_DEVICE_PATH,
			strerror(-ret));
		return 1;
	}
	printf("module version %s, api %u, features %#llx, max threads %u\n",
	       f.version, f.api_version, (unsigned long long)f.features,
	       f.max_threads);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "--version")) {
		printf("kgil %s\n", kgil_lib_version());
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout);
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "trace"))
		return cmd_trace(argc - 1, argv + 1);
	return usage(stderr);
}
