// SPDX-License-Identifier: GPL-2.0
/*
 * kgil: the command-line harness.  Subcommands are dispatched from the
 * table below; each gets argc/argv with argv[0] its own name.
 */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "kgil.h"
#include "policy/policy_cmd.h"
#include "reproduce/report.h"
#include "reproduce/reproduce.h"
#include "sweep/sweep.h"
#include "trace/trace_cmd.h"

static int cmd_info(int argc, char **argv)
{
	struct kgil_features f;
	int ret;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: kgil info\n");
		return 2;
	}
	ret = kgil_query_features(-1, &f);
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

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;	/* NULL: internal, not listed */
};

static const struct command commands[] = {
	{ "info", cmd_info, "the loaded module's version and features" },
	{ "bench", cmd_bench, "run a scenario (kgil bench --help)" },
	{ "reproduce", cmd_reproduce, "the published GIL experiments, one table (make run)" },
	{ "policy", cmd_policy, "load, list and unload BPF policies (kgil policy --help)" },
	{ "sweep", cmd_sweep, "a scenario over a grid of settings (kgil sweep --help)" },
	{ "report", cmd_report, "a run's pictures and results/index.html, again" },
	{ "trace", cmd_trace, "record and analyse the kgil tracepoints" },
	{ "__convoy-peer", cmd_convoy_peer, NULL },
	{ NULL, NULL, NULL },
};

static int usage(FILE *f)
{
	fprintf(f, "usage: kgil --version | kgil COMMAND [ARGS]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		if (c->summary)
			fprintf(f, "  %-10s %s\n", c->name, c->summary);
	return f == stderr ? 2 : 0;
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
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "kgil: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
