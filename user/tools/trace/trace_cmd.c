// SPDX-License-Identifier: GPL-2.0
/* `kgil trace`: the subcommands that read a trace.dat. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace_analysis.h"
#include "trace/trace_cmd.h"
#include "trace/trace_draw.h"
#include "trace/trace_export.h"
#include "trace/trace_read.h"
#include "trace/trace_report.h"
#include "support/spawn.h"
#include "trace/trace_timeline.h"

static int trace_usage(FILE *f)
{
	fprintf(f,
		"usage: kgil trace record [-o FILE] [-b KB] [--no-sched] -- COMMAND [ARG...]\n"
		"       kgil trace report FILE [--json] [-o OUT]\n"
		"       kgil trace timeline FILE -o OUT.png|OUT.svg [--from MS] [--to MS]\n"
		"                           [--domain ID] [--at failed|drop|handoff|death[:N]]\n"
		"                           [--span MS] [--title TEXT] [--width PX] [--data PREFIX]\n"
		"       kgil trace export FILE -o OUT.json\n"
		"FILE is a trace-cmd trace.dat (see docs/tracing.md).\n");
	return f == stderr ? 2 : 0;
}

/* Read and replay FILE; prints the error. */
static int load(const char *path, struct kt_trace *t, struct kt_analysis *a)
{
	int ret = kt_read_tracedat(path, t);

	if (ret) {
		fprintf(stderr, "kgil trace: cannot read %s: %s\n", path,
			ret == -EINVAL ? "not a trace-cmd trace.dat" : strerror(-ret));
		return ret;
	}
	ret = kt_analyze(t, a);
	if (ret)
		fprintf(stderr, "kgil trace: %s: %s\n", path, strerror(-ret));
	if (!ret && (t->lost_events || t->lost_unknown))
		fprintf(stderr, "kgil trace: warning: %s lost events (ring buffer "
			"overrun): counts are incomplete\n", path);
	return ret;
}

static FILE *open_out(const char *out)
{
	FILE *f = !out || !strcmp(out, "-") ? stdout : fopen(out, "w");

	if (!f)
		fprintf(stderr, "kgil trace: cannot write %s: %s\n", out,
			strerror(errno));
	return f;
}

static int close_out(FILE *f)
{
	int bad = ferror(f);

	if (f == stdout)
		return fflush(f) || bad ? 1 : 0;
	return fclose(f) || bad ? 1 : 0;
}

/* FILE plus -o and flags, common to report / timeline / export. */
struct args {
	const char *file, *out, *title, *data, *at;
	bool json, help;
	double from_ms, to_ms, span_ms;
	int width;
	unsigned long long domain;
};

static int parse(int argc, char **argv, struct args *r)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "title", required_argument, NULL, 't' },
		{ "width", required_argument, NULL, 'w' },
		{ "data", required_argument, NULL, 'd' },
		{ "domain", required_argument, NULL, 'D' },
		{ "at", required_argument, NULL, 'a' },
		{ "span", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(r, 0, sizeof(*r));
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': r->out = optarg; break;
		case 'j': r->json = true; break;
		case 'F': r->from_ms = atof(optarg); break;
		case 'T': r->to_ms = atof(optarg); break;
		case 't': r->title = optarg; break;
		case 'w': r->width = atoi(optarg); break;
		case 'd': r->data = optarg; break;
		case 'D': r->domain = strtoull(optarg, NULL, 0); break;
		case 'a': r->at = optarg; break;
		case 's': r->span_ms = atof(optarg); break;
		case 'h': r->help = true; return 0;
		default: return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	r->file = argv[optind];
	return 0;
}

static int cmd_report(const struct args *r, struct kt_trace *t,
		      struct kt_analysis *a)
{
	FILE *f = open_out(r->out);

	if (!f)
		return 1;
	if (r->json)
		kt_report_json(f, t, a);
	else
		kt_report_text(f, t, a);
	return close_out(f);
}

static int cmd_export(const struct args *r, struct kt_trace *t,
		      struct kt_analysis *a)
{
	FILE *f;

	(void)t;
	if (!r->out) {
		fprintf(stderr, "kgil trace export: -o OUT.json is required\n");
		return 2;
	}
	f = open_out(r->out);
	if (!f)
		return 1;
	kt_export_chrome(f, a);
	return close_out(f);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* --at failed|drop|handoff|death[:N] */
static int parse_at(const char *at, struct kt_timeline_opts *o)
{
	static const char *const kinds[KT_NR_MARKS] = {
		[KT_MARK_FAILED] = "failed", [KT_MARK_DROP] = "drop",
		[KT_MARK_OWNER_DEATH] = "death", [KT_MARK_HANDOFF] = "handoff",
	};
	const char *colon = strchr(at, ':');
	size_t n = colon ? (size_t)(colon - at) : strlen(at);

	o->at_index = colon ? atol(colon + 1) : -1;
	for (int k = 0; k < KT_NR_MARKS; k++) {
		if (strlen(kinds[k]) == n && !strncmp(at, kinds[k], n)) {
			o->at_kind = k + 1;
			return 0;
		}
	}
	fprintf(stderr, "kgil trace timeline: --at failed|drop|handoff|death[:N]\n");
	return -1;
}

static int cmd_timeline(const struct args *r, struct kt_trace *t,
			struct kt_analysis *a)
{
	struct kt_timeline_opts o = {
		.title = r->title, .from_ms = r->from_ms, .to_ms = r->to_ms,
		.width = r->width, .out = r->out, .domain = r->domain,
		.span_ms = r->span_ms,
	};
	char title[PATH_MAX + 32];

	(void)t;
	if (!r->out || !(ends_with(r->out, ".png") || ends_with(r->out, ".svg"))) {
		fprintf(stderr, "kgil trace timeline: -o OUT.png or -o OUT.svg is required\n");
		return 2;
	}
	if (r->at && parse_at(r->at, &o))
		return 2;
	o.png = ends_with(r->out, ".png");
	if (!o.title) {
		snprintf(title, sizeof(title), "kgil timeline: %s", r->file);
		o.title = title;
	}
	return kt_timeline_draw(a, &o, r->data);
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return trace_usage(stdout);
}

/*
 * The subcommands: those that parse their own arguments, and those that
 * read a trace.dat (the common options, the trace loaded and analysed).
 */
struct trace_command {
	const char *name;
	int (*run)(int argc, char **argv);
	int (*read)(const struct args *r, struct kt_trace *t,
		    struct kt_analysis *a);
};

static const struct trace_command trace_commands[] = {
	{ "record", kt_cmd_record, NULL },
	{ "__run", kt_cmd_run, NULL },
	{ "help", cmd_help, NULL },
	{ "-h", cmd_help, NULL },
	{ "--help", cmd_help, NULL },
	{ "report", NULL, cmd_report },
	{ "timeline", NULL, cmd_timeline },
	{ "export", NULL, cmd_export },
	{ NULL, NULL, NULL },
};

static int read_trace(const struct trace_command *c, int argc, char **argv)
{
	struct kt_trace t = { 0 };
	struct kt_analysis a = { 0 };
	struct args r;
	int ret;

	if (parse(argc, argv, &r))
		return trace_usage(stderr);
	if (r.help)
		return trace_usage(stdout);
	ret = load(r.file, &t, &a) ? 1 : c->read(&r, &t, &a);
	kt_analysis_free(&a);
	kt_trace_free(&t);
	return ret;
}

int cmd_trace(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	for (const struct trace_command *c = trace_commands; c->name; c++) {
		if (strcmp(sub, c->name))
			continue;
		return c->run ? c->run(argc - 1, argv + 1) :
				read_trace(c, argc - 1, argv + 1);
	}
	return trace_usage(stderr);
}
