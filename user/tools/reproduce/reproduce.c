// SPDX-License-Identifier: GPL-2.0
/*
 * `kgil reproduce`: run the published GIL experiments on every column (a backend
 * and policy), then print one table: each published figure beside ours,
 * with a verdict per column.  Writes results/reproduce.json (everything
 * measured) and results/reproduce.md (the table and the rules), records
 * two short traces, and draws the pictures and results/index.html
 * (report.c).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "support/json.h"
#include "reproduce/machine.h"
#include "support/progress.h"
#include "reproduce/report.h"
#include "reproduce/report_text.h"
#include "reproduce/reproduce.h"
#include "reproduce/reproduce_rows.h"
#include "reproduce/reproduce_trace.h"
#include "support/result.h"
#include "bench/work.h"

#define MAX_COLUMNS 8
#define DEFAULT_COLUMNS "kernel:legacy,kernel:newgil,user-legacy,user-newgil"

struct column {
	char label[32];
	enum kgil_backend backend;
	uint32_t policy;
	char skip[96];		/* why it was not run, "" if it ran */
	bool failed;		/* an experiment failed */
	struct res *exp;	/* experiment name -> the scenario's result */
};

struct sizing {
	double cpu_s;		/* sequential time of the cpu experiments */
	double cap_s;
	double cext_s;		/* per size */
	uint64_t cext_sizes[5];
	uint64_t io_latency_ns;
	int convoy_rounds;
	/*
	 * For the time left: what each experiment of a column took in the
	 * kgil VM (TCG, 2 vCPUs, a busy host), in run_column's order.
	 */
	double nominal_s[5];
};

static const struct sizing full = {
	.cpu_s = 1.5, .cap_s = 30, .cext_s = 0.4,
	.cext_sizes = { 0, 1000, 4000, 16000, 64000 },
	.io_latency_ns = 40000000, .convoy_rounds = 100,
	.nominal_s = { 25, 18, 7, 1, 7 },
};

static const struct sizing quick = {
	.cpu_s = 0.1, .cap_s = 5, .cext_s = 0.03,
	.cext_sizes = { 0, 1000, 4000, 16000, 64000 },
	.io_latency_ns = 10000000, .convoy_rounds = 15,
	.nominal_s = { 2, 1.5, 1, 0.3, 1.5 },
};

/* Drawing the pictures and writing the page, in the kgil VM. */
#define REPORT_NOMINAL_S 15.0

static void usage(FILE *f)
{
	fputs("usage: kgil reproduce [--quick] [--columns LIST] [--out DIR] [--tick-ns N]\n"
	      "                      [--idle-spinners auto|on|off] [--wide] [--no-report]\n"
	      "\n"
	      "Runs the published GIL experiments (rows 1-8 of docs/results.md) on\n"
	      "each column and prints the published figures beside ours, with a\n"
	      "verdict each; then draws the pictures and writes DIR/index.html\n"
	      "(kgil report).\n"
	      "  --quick        tiny work sizes (a smoke test, figures meaningless)\n"
	      "  --columns L    backend[:policy],... (default " DEFAULT_COLUMNS ")\n"
	      "  --out DIR      where reproduce.json, reproduce.md, the pictures and\n"
	      "                 index.html go (default results)\n"
	      "  --wide         the table with a column per lock (~260 columns wide)\n"
	      "  --no-report    no traces, pictures or index.html\n"
	      "  --tick-ns N    wall time of one tick (default 25)\n"
	      "  --idle-spinners M  off | on | auto: keep CPUs from halting (default off;\n"
	      "                 auto: on in the kgil VM; docs/bench.md)\n", f);
}

static int parse_columns(const char *s, struct column *cols, int *n)
{
	char buf[256], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	*n = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct column *c = &cols[*n];
		char *pol = strchr(tok, ':');

		if (*n == MAX_COLUMNS)
			return -EINVAL;
		memset(c, 0, sizeof(*c));
		if (pol)
			*pol++ = '\0';
		if (kgil_backend_parse(tok, &c->backend) < 0)
			return -EINVAL;
		if (pol) {
			if (kgil_policy_parse(pol, &c->policy) < 0)
				return -EINVAL;
		} else {
			c->policy = c->backend == KGIL_BACKEND_USER_LEGACY ? KGIL_POLICY_LEGACY :
								       KGIL_POLICY_NEWGIL;
		}
		if ((c->backend == KGIL_BACKEND_USER_LEGACY && c->policy != KGIL_POLICY_LEGACY) ||
		    (c->backend == KGIL_BACKEND_USER_NEWGIL && c->policy != KGIL_POLICY_NEWGIL))
			return -EINVAL;
		if (c->backend == KGIL_BACKEND_KERNEL)
			snprintf(c->label, sizeof(c->label), "kernel %s", kgil_policy_name(c->policy));
		else
			snprintf(c->label, sizeof(c->label), "%s", kgil_backend_name(c->backend));
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

/* Can this column run here?  Fills c->skip if not. */
static void check_column(struct column *c)
{
	struct kgil_features f;
	int ret;

	if (c->backend != KGIL_BACKEND_KERNEL)
		return;
	ret = kgil_query_features(-1, &f);
	if (ret < 0)
		snprintf(c->skip, sizeof(c->skip), "not run: %s: %s", KGIL_DEVICE_PATH,
			 strerror(-ret));
	else if (!(f.features & KGIL_FEAT_POLICY(c->policy)))
		snprintf(c->skip, sizeof(c->skip), "not run: module lacks policy %s",
			 kgil_policy_name(c->policy));
}

/* Run one scenario for a column and file its result under name. */
static int experiment(struct column *c, const char *name, struct bench_opts *o,
		      double nominal_s)
{
	struct res *r = res_new_obj();
	double t0 = progress_elapsed();
	int ret;

	o->backend = c->backend;
	o->policy = c->policy;
	o->quiet = true;
	progress(true, "%s: %s ...", c->label, name);
	ret = bench_run(o, r);
	progress_done(nominal_s);
	if (ret < 0) {
		fprintf(stderr, "kgil reproduce: %s: %s failed: %s\n", c->label, name,
			strerror(-ret));
		c->failed = true;
		res_free(r);
		res_str(c->exp, name, "failed");
		return ret;
	}
	res_num(r, "elapsed_s", progress_elapsed() - t0);
	res_adopt(c->exp, name, r);
	return 0;
}

static void opts_for(struct bench_opts *o, const char *scenario, const struct sizing *sz,
		     double tick_ns)
{
	bench_opts_init(o);
	o->scenario = scenario;
	o->tick_ns = tick_ns;
	o->cap_s = sz->cap_s;
}

static void run_column(struct column *c, const struct sizing *sz, double tick_ns)
{
	struct bench_opts o;

	c->exp = res_new_obj();
	if (c->skip[0])
		return;
	/* 1, 2a, 3b, 6, 7: two threads on all CPUs, and two processes. */
	opts_for(&o, "cpu", sz, tick_ns);
	o.threads = 2;
	o.duration_s = sz->cpu_s;
	o.cpu.processes = true;
	experiment(c, "cpu_all", &o, sz->nominal_s[0]);
	/* 2b, 2c, 3a: the same on one CPU. */
	o.cpu.processes = false;
	o.cpus_set = true;
	parse_cpus("0", &o.cpus);
	strcpy(o.cpus_str, "0");
	experiment(c, "cpu_1cpu", &o, sz->nominal_s[1]);
	/* 4 */
	opts_for(&o, "cext", sz, tick_ns);
	o.duration_s = sz->cext_s;
	o.cext.nwork_ns = (int)(sizeof(sz->cext_sizes) / sizeof(sz->cext_sizes[0]));
	memcpy(o.cext.work_ns, sz->cext_sizes, sizeof(sz->cext_sizes));
	experiment(c, "cext", &o, sz->nominal_s[2]);
	/* 5 */
	opts_for(&o, "io", sz, tick_ns);
	o.threads = 3;
	o.io.latency_ns = sz->io_latency_ns;
	experiment(c, "io", &o, sz->nominal_s[3]);
	/* 8 */
	opts_for(&o, "convoy", sz, tick_ns);
	o.threads = 1;
	o.convoy.rounds = sz->convoy_rounds;
	experiment(c, "convoy", &o, sz->nominal_s[4]);
}

static bool applies(const struct repro_row *r, const struct column *c)
{
	return r->applies == A_ALL ||
	       (r->applies == A_LEGACY && c->policy == KGIL_POLICY_LEGACY) ||
	       (r->applies == A_NEWGIL && c->policy == KGIL_POLICY_NEWGIL);
}

static const char *verdict_word(enum verdict v)
{
	return v == V_REPRODUCED ? "reproduced" : v == V_NOT ? "not" : "no data";
}

/* One cell: figure and verdict (or why there is none). */
static enum verdict judge_cell(const struct repro_row *r, const struct column *c,
			       char *fig, size_t len)
{
	enum verdict v;

	fig[0] = '\0';
	if (c->skip[0]) {
		snprintf(fig, len, "not run");
		return V_NO_DATA;
	}
	v = r->judge(c->exp, fig, len);
	if (v == V_NO_DATA && !fig[0])
		snprintf(fig, len, "no data");
	return v;
}

/* Judge every row on every column into rows (the table's JSON form). */
static void judge_rows(const struct column *cols, int ncols, struct res *rows)
{
	for (size_t i = 0; i < repro_nrows; i++) {
		const struct repro_row *r = &repro_rows[i];
		struct res *jr = res_obj(rows, NULL), *cells;

		res_str(jr, "id", r->id);
		res_str(jr, "claim", r->claim);
		res_str(jr, "published", r->published);
		res_str(jr, "rule", r->rule);
		res_str(jr, "applies_to", r->applies == A_ALL ? "all" :
				  r->applies == A_LEGACY ? "legacy" : "newgil");
		cells = res_arr(jr, "cells");
		for (int c = 0; c < ncols; c++) {
			char fig[96];
			enum verdict v = judge_cell(r, &cols[c], fig, sizeof(fig));
			struct res *cell = res_obj(cells, NULL);
			/* No figure, no verdict: "n/a" only where there is a figure. */
			const char *word = cols[c].skip[0] ? "not run" :
					   v == V_NO_DATA ? "no data" :
					   !applies(r, &cols[c]) ? "n/a" : verdict_word(v);

			res_str(cell, "column", cols[c].label);
			res_str(cell, "figure", fig);
			res_str(cell, "verdict", word);
		}
	}
}

static void put_environment(struct res *root, bool is_quick, double tick_ns)
{
	struct utsname u;
	char when[32];
	time_t now = time(NULL);

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	res_str(root, "date", when);
	if (uname(&u) == 0)
		res_str(root, "kernel", u.release);
	res_int(root, "ncpus", sysconf(_SC_NPROCESSORS_ONLN));
	res_bool(root, "quick", is_quick);
	res_bool(root, "idle_spinners", spinners_running());
	res_num(root, "tick_ns", tick_ns);
	res_num(root, "tick_ns_measured", work_measured_tick_ns());
	res_num(root, "spin_iters_per_ns", work_iters_per_ns());
	machine_describe(res_obj(root, "machine"));
}

static int write_outputs(const char *dir, const struct res *root)
{
	char path[512];
	FILE *f;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/reproduce.json", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	json_write(f, root, 2);
	if (fclose(f))
		return -errno;
	snprintf(path, sizeof(path), "%s/reproduce.md", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "# kgil reproduce: %s, kernel %s, %lld CPUs%s%s\n\n",
		res_get(root, "date")->str,
		res_get(root, "kernel") ? res_get(root, "kernel")->str : "?",
		(long long)res_get_num(root, "ncpus"),
		res_get(root, "idle_spinners")->b ? ", idle spinners" : "",
		res_get(root, "quick")->b ? " (quick mode: figures meaningless)" : "");
	report_print_wide(f, root, true);
	report_print_warnings(f, root, true, REPORT_WIDTH);
	report_print_rules(f, root, true, REPORT_WIDTH);
	return fclose(f) ? -errno : 0;
}

/* A kernel column of policy that ran, or NULL. */
static const struct column *kernel_column(const struct column *cols, int ncols,
					  const char *policy)
{
	for (int c = 0; c < ncols; c++)
		if (cols[c].backend == KGIL_BACKEND_KERNEL && !cols[c].skip[0] &&
		    !strcmp(kgil_policy_name(cols[c].policy), policy))
			return &cols[c];
	return NULL;
}

/* The report's timelines: a short trace per policy, when the module is here. */
static void record_traces(const char *dir, const struct column *cols, int ncols,
			  double tick_ns, struct res *traces)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return;
	for (int i = 0; i < report_ntrace_policies; i++) {
		const char *policy = report_trace_policies[i];
		struct res *t = res_obj(traces, policy);
		char why[256], name[64];

		snprintf(name, sizeof(name), REPORT_TRACE_FMT, policy);
		if (!kernel_column(cols, ncols, policy)) {
			res_null(t, "file");
			res_str(t, "status", "the kernel column of this policy did not run");
			continue;
		}
		progress(true, "trace: kgil bench cpu --policy %s, for the timeline ...", policy);
		if (reproduce_trace(dir, policy, tick_ns, why, sizeof(why)) < 0) {
			fprintf(stderr, "kgil reproduce: trace of %s: %s\n", policy, why);
			res_null(t, "file");
			res_str(t, "status", why);
		} else {
			res_str(t, "file", name);
			res_str(t, "status", "ok");
		}
		progress_done(REPRODUCE_TRACE_NOMINAL_S);
	}
}

/* The nominal cost of the whole run, for the time left; checks the columns. */
static double plan_s(struct column *cols, int ncols, const struct sizing *sz,
		     bool with_report)
{
	double column_s = 0, plan = 0;

	for (size_t i = 0; i < sizeof(sz->nominal_s) / sizeof(sz->nominal_s[0]); i++)
		column_s += sz->nominal_s[i];
	for (int c = 0; c < ncols; c++) {
		check_column(&cols[c]);
		if (!cols[c].skip[0])
			plan += column_s;
	}
	if (with_report) {
		for (int i = 0; i < report_ntrace_policies; i++)
			if (kernel_column(cols, ncols, report_trace_policies[i]))
				plan += REPRODUCE_TRACE_NOMINAL_S;
		plan += REPORT_NOMINAL_S;
	}
	return plan;
}

int cmd_reproduce(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "columns", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "tick-ns", required_argument, NULL, 't' },
		{ "idle-spinners", required_argument, NULL, 's' },
		{ "wide", no_argument, NULL, 'w' },
		{ "no-report", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct column cols[MAX_COLUMNS];
	const char *out_dir = "results", *columns = DEFAULT_COLUMNS;
	bool is_quick = false, any_failed = false, wide = false, with_report = true;
	double tick_ns = WORK_DEFAULT_TICK_NS;
	enum spin_mode spin = SPIN_OFF;
	const struct sizing *sz;
	struct res *root, *jcols;
	int ncols, opt, ret;
	uint64_t v;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			is_quick = true;
			break;
		case 'c':
			columns = optarg;
			break;
		case 'o':
			out_dir = optarg;
			break;
		case 't':
			if (parse_u64(optarg, &v) < 0 || !v || v > 1000000) {
				fprintf(stderr, "kgil reproduce: bad --tick-ns '%s'\n", optarg);
				usage(stderr);
				return 2;
			}
			tick_ns = (double)v;
			break;
		case 's':
			if (parse_spin_mode(optarg, &spin) < 0) {
				fprintf(stderr, "kgil reproduce: bad --idle-spinners '%s'\n", optarg);
				usage(stderr);
				return 2;
			}
			break;
		case 'w':
			wide = true;
			break;
		case 'R':
			with_report = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "kgil reproduce: %s: %s\n",
				opt == ':' ? "missing argument" : "unknown option", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || parse_columns(columns, cols, &ncols) < 0) {
		fprintf(stderr, "kgil reproduce: bad arguments\n");
		usage(stderr);
		return 2;
	}
	sz = is_quick ? &quick : &full;
	progress_init();
	progress_plan(plan_s(cols, ncols, sz, with_report));
	if (spinners_wanted(spin) && spinners_start() < 0)
		fprintf(stderr, "kgil reproduce: cannot start the idle spinners\n");
	work_calibrate(tick_ns);
	root = res_new_obj();
	put_environment(root, is_quick, tick_ns);
	jcols = res_arr(root, "columns");
	for (int c = 0; c < ncols; c++) {
		struct res *jc;

		run_column(&cols[c], sz, tick_ns);
		any_failed |= cols[c].failed;
		jc = res_obj(jcols, NULL);
		res_str(jc, "label", cols[c].label);
		res_str(jc, "backend", kgil_backend_name(cols[c].backend));
		res_str(jc, "policy", kgil_policy_name(cols[c].policy));
		res_str(jc, "status", cols[c].skip[0] ? cols[c].skip :
				      cols[c].failed ? "failed" : "ok");
		/* Judging reads the experiments, so they stay with the column. */
	}
	judge_rows(cols, ncols, res_arr(root, "rows"));
	/* Now the experiments move into the JSON. */
	for (struct res *jc = jcols->first; jc; jc = jc->next) {
		int c = 0;

		for (struct res *k = jcols->first; k != jc; k = k->next)
			c++;
		res_adopt(jc, "experiments", cols[c].exp);
	}
	res_num(root, "elapsed_s", progress_elapsed());
	/* No busy loops in the traces. */
	spinners_stop();
	if (with_report)
		record_traces(out_dir, cols, ncols, tick_ns, res_obj(root, "traces"));

	printf("\nkgil reproduce: the published results beside ours (%s)\n",
	       is_quick ? "QUICK MODE: figures meaningless" : "one run");
	printf("%s, kernel %s, %lld CPUs\n\n", res_get(root, "date")->str,
	       res_get(root, "kernel") ? res_get(root, "kernel")->str : "?",
	       (long long)res_get_num(root, "ncpus"));
	if (wide)
		report_print_wide(stdout, root, false);
	else
		report_print_narrow(stdout, root, REPORT_WIDTH);
	putchar('\n');
	report_print_summary(stdout, root, REPORT_WIDTH);
	putchar('\n');
	report_print_rules(stdout, root, false, REPORT_WIDTH);
	report_print_warnings(stdout, root, false, REPORT_WIDTH);
	putchar('\n');
	ret = write_outputs(out_dir, root);
	if (ret < 0) {
		fprintf(stderr, "kgil reproduce: writing %s: %s\n", out_dir, strerror(-ret));
	} else {
		printf("wrote %s/reproduce.json and %s/reproduce.md (%.0f s)\n", out_dir,
		       out_dir, progress_elapsed());
		if (with_report) {
			progress(true, "drawing the pictures ...");
			fflush(stdout);
			if (report_write(out_dir, root, stdout) >= 0)
				printf("open %s/index.html in a browser (%.0f s in all)\n", out_dir,
				       progress_elapsed());
		}
	}
	res_free(root);
	return ret < 0 || any_failed ? 1 : 0;
}
