// SPDX-License-Identifier: GPL-2.0
/*
 * `kgil sweep SCENARIO [bench options] [-o DIR]`: a bench scenario over a
 * grid (docs/bench.md).
 *
 * The points run in this process: each gets its own bench_opts, parsed by
 * bench_parse() from the sweep's options with the point's values put in,
 * and bench_run() is called on it, once per repetition.  That is safe:
 * a scenario keeps its state in its own stack and its domains, opened and
 * closed per phase; the only process-wide state is the work calibration
 * (redone here when --tick-ns changes), the idle spinners (started once
 * for the sweep), uring_one's mode (set by every bench_run) and getopt's
 * (reset by bench_parse).  Spawning `kgil bench --json` per point would
 * cost a process start and a calibration per run, seconds under TCG.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/bench.h"
#include "support/progress.h"
#include "support/result.h"
#include "bench/spinners.h"
#include "sweep/sweep.h"
#include "sweep/sweep_out.h"
#include "sweep/sweep_plot.h"
#include "bench/work.h"

#define SWEEP_DEFAULT_REPEAT 3
#define SWEEP_MAX_ARGS 128

/* The bench options that take a number and so can be swept. */
static const struct { const char *opt; enum sweep_unit unit; } sweepable[] = {
	{ "check-interval", SWEEP_COUNT }, { "switch-interval", SWEEP_TIME },
	{ "handoff-spin", SWEEP_TIME }, { "threads", SWEEP_COUNT },
	{ "tick-ns", SWEEP_COUNT }, { "duration", SWEEP_TIME },
	{ "work", SWEEP_COUNT }, { "latency", SWEEP_TIME },
	{ "rounds", SWEEP_COUNT }, { "gap", SWEEP_TIME },
	{ "hold", SWEEP_TIME }, { "cap", SWEEP_TIME },
};

/*
 * Presets: a scenario and its options, as if typed after `kgil sweep`;
 * what the user adds comes after (so -o, --repeat, --quiet, or a single
 * --rounds override).
 *
 * tradeoff: 3 policies x 6 intervals x --repeat 3 = 54 convoy runs.  50
 * round trips a phase (1 ms gap) keep the slowest point (newgil at 20 ms:
 * ~21 ms a round trip, loaded then alone, ~2.5 s) and the whole preset
 * at about 3-5 minutes in the kgil VM under TCG, well under 10.  No
 * syscall count: each count enables and disables the raw_syscalls
 * tracepoint, patching kernel text, and 54 runs of that under TCG once
 * oopsed the guest (int3 in syscall_trace_enter: QEMU's translated code
 * racing the patch); the trade-off does not need the count.
 */
static const struct preset {
	const char *name, *summary;
	const char *args[16];
} presets[] = {
	{ "tradeoff", "convoy's latency against CPU throughput over the switch interval",
	  { "convoy", "--backend", "kernel", "--policy", "newgil,fifo,ioprio",
	    "--switch-interval", "1us,10us,100us,1ms,5ms,20ms", "--rounds", "50",
	    "--repeat", "3", "--no-syscall-count", NULL } },
	/*
	 * py-tradeoff: the same trade-off on real Python (make python).  Each
	 * run starts the interpreter four times (~1-2 s each under TCG), so
	 * fewer intervals: 3 x 3 x 3 = 27 runs; one run a point took 2 min 36 s
	 * in the VM, so about 8 minutes.
	 */
	{ "py-tradeoff", "the trade-off on real Python threads: py-convoy over the switch interval",
	  { "py-convoy", "--backend", "kernel", "--policy", "newgil,fifo,ioprio",
	    "--switch-interval", "1ms,5ms,20ms", "--rounds", "50", "--repeat", "3", NULL } },
	{ NULL, NULL, { NULL } },
};

struct sweep_args {
	struct sweep sw;
	const char *out;
	bool quiet;
	const char *backends, *policies;
	char *pass[SWEEP_MAX_ARGS];	/* bench options kept as they are */
	int npass;
};

static void usage(FILE *f)
{
	fputs("usage: kgil sweep SCENARIO [bench options] [-o DIR]\n"
	      "       kgil sweep --preset NAME [-o DIR] [--repeat N] [--quiet]\n\n"
	      "Runs a `kgil bench` scenario (kgil bench --help) at every point of a grid.\n"
	      "Up to two of these options take a GRID instead of one value:\n"
	      "  --check-interval --switch-interval --handoff-spin --threads --tick-ns\n"
	      "  --duration --work --latency --rounds --gap --hold --cap\n"
	      "GRID: comma list of values and ranges, e.g. 1us,10us,1ms; 1..8 (step 1);\n"
	      "      1..8:2 (add 2); 1us..10ms*10 (multiply by 10; a time range needs\n"
	      "      :STEP or *FACTOR); at most 1000 values.\n"
	      "  --backend LIST, --policy LIST  the series (every backend x policy)\n"
	      "  --repeat N           runs per point: median, min, max (default 3)\n"
	      "  -o, --out DIR        sweep.json, sweep.csv, the plots (default\n"
	      "                       results/sweep-SCENARIO or results/sweep-PRESET)\n"
	      "  --quiet              no progress on stderr\n\npresets:\n", f);
	for (const struct preset *p = presets; p->name; p++)
		fprintf(f, "  %-12s %s\n", p->name, p->summary);
}

/* One-line error, exit status 2 from the caller. */
__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("kgil sweep: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int add_param(struct sweep_args *a, const char *opt, enum sweep_unit unit,
		     const char *spec)
{
	struct sweep_param *p = &a->sw.par[a->sw.npar];
	char err[256];

	for (int i = 0; i < a->sw.npar; i++)
		if (!strcmp(a->sw.par[i].opt, opt))
			return fail("--%s given twice", opt);
	if (a->sw.npar == SWEEP_MAX_PARAMS)
		return fail("at most two options can be swept: --%s is a third", opt);
	if (sweep_grid_parse(spec, unit, &p->v, &p->n, err, sizeof(err)) < 0)
		return fail("--%s: %s", opt, err);
	p->opt = opt;
	p->unit = unit;
	snprintf(p->col, sizeof(p->col), "%s%s", opt, unit == SWEEP_TIME ? "_ns" : "");
	for (char *c = p->col; *c; c++)
		if (*c == '-')
			*c = '_';
	a->sw.npar++;
	return 0;
}

/* Keep a bench option (opt, or opt and its value) for every point. */
static int pass(struct sweep_args *a, const char *opt, const char *val)
{
	if (a->npass >= SWEEP_MAX_ARGS - 16)
		return fail("too many options (%s)", opt);
	a->pass[a->npass++] = (char *)opt;
	if (val)
		a->pass[a->npass++] = (char *)val;
	return 0;
}

/* One value of a sweepable option: checked as a grid item would be (one error style). */
static int pass_value(struct sweep_args *a, const char *name, enum sweep_unit unit,
		      const char *opt, const char *next, const char *val)
{
	uint64_t *v;
	char err[256];
	int n;

	if (sweep_grid_parse(val, unit, &v, &n, err, sizeof(err)) < 0)
		return fail("--%s: %s", name, err);
	free(v);
	return pass(a, opt, next);
}

/* One option (and its value): a series list, a grid, the sweep's own, or bench's. */
static int parse_opt(struct sweep_args *a, int argc, char **argv, int *i)
{
	char name[64];
	const char *arg = argv[*i], *val = NULL, *eq, *opt;
	size_t len;
	int kind;

	if (!strcmp(arg, "-o"))
		arg = "--out";
	if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
		usage(stdout);
		exit(0);
	}
	if (strncmp(arg, "--", 2))
		return fail("unexpected argument '%s'", arg);
	eq = strchr(arg, '=');
	len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	snprintf(name, sizeof(name), "%.*s", (int)len, arg + 2);
	if (!strcmp(name, "quiet")) {
		a->quiet = true;
		return 0;
	}
	if (!strcmp(name, "json"))
		return fail("--json: the sweep writes sweep.json into -o DIR");
	kind = !strcmp(name, "out") || !strcmp(name, "preset") ? 1 : bench_option_arg(name);
	if (kind < 0)
		return fail("unknown option '%s'", argv[*i]);
	if (kind == 0)
		return eq ? fail("--%s takes no value", name) : pass(a, argv[*i], NULL);
	if (eq)
		val = eq + 1;
	else if (*i + 1 < argc)
		val = argv[++*i];
	else
		return fail("--%s needs a value", name);
	/* "--gap=1ms" passes as it is, "--gap 1ms" as two words. */
	opt = eq ? arg : argv[*i - 1];
	if (!strcmp(name, "out")) {
		a->out = val;
		return 0;
	}
	if (!strcmp(name, "preset"))
		return fail("--preset comes first: kgil sweep --preset NAME");
	if (!strcmp(name, "repeat")) {
		uint64_t v;

		if (parse_u64(val, &v) < 0 || !v || v > 1000)
			return fail("--repeat: bad value '%s' (1 to 1000)", val);
		a->sw.repeat = (int)v;
		return 0;
	}
	if (!strcmp(name, "backend") || !strcmp(name, "policy")) {
		*(name[0] == 'b' ? &a->backends : &a->policies) = val;
		return 0;
	}
	for (size_t k = 0; k < sizeof(sweepable) / sizeof(sweepable[0]); k++)
		if (!strcmp(name, sweepable[k].opt))
			return strchr(val, ',') || strstr(val, "..") ?
				add_param(a, sweepable[k].opt, sweepable[k].unit, val) :
				pass_value(a, sweepable[k].opt, sweepable[k].unit, opt,
					   eq ? NULL : val, val);
	/* --cpus and --work-ns take a list of their own: passed as it is. */
	if (strchr(val, ',') && strcmp(name, "cpus") && strcmp(name, "work-ns"))
		return fail("--%s cannot be swept (a list: '%s')", name, val);
	return pass(a, opt, eq ? NULL : val);
}

/* Split a comma list of names; each checked by parse. */
static int split(const char *list, const char *what, int max,
		 char names[][SWEEP_NAME_LEN], int *n, int (*check)(const char *s))
{
	char buf[1024], *save = NULL;

	*n = 0;
	if (strlen(list) >= sizeof(buf) || !*list)
		return fail("--%s: bad list '%s'", what, list);
	strcpy(buf, list);
	if (strstr(buf, ",,") || buf[0] == ',' || buf[strlen(buf) - 1] == ',')
		return fail("--%s: empty item in '%s'", what, list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (*n == max || strlen(t) >= SWEEP_NAME_LEN)
			return fail("--%s: too many or too long items in '%s'", what, list);
		if (check(t) < 0) {
			fprintf(stderr, "kgil sweep: --%s: unknown item '%s' in '%s'\n",
				what, t, list);
			return -1;
		}
		strcpy(names[(*n)++], t);
	}
	return 0;
}

static int check_backend(const char *s)
{
	enum kgil_backend b;

	return kgil_backend_parse(s, &b);
}

static int check_policy_name(const char *s)
{
	struct policy_spec p;

	return policy_spec_parse(s, &p);
}

/* Series: every backend x policy a backend implements (the others skipped, said). */
static int make_series(struct sweep_args *a)
{
	static char bn[SWEEP_MAX_SERIES][SWEEP_NAME_LEN], pn[SWEEP_MAX_SERIES][SWEEP_NAME_LEN];
	int nb = 1, np = 1;
	struct sweep *sw = &a->sw;
	struct bench_opts def;

	bench_opts_init(&def);
	snprintf(bn[0], sizeof(bn[0]), "%s", kgil_backend_name(def.backend));
	pn[0][0] = '\0';
	if (a->backends && split(a->backends, "backend", SWEEP_MAX_SERIES, bn, &nb,
				 check_backend) < 0)
		return -1;
	if (a->policies && split(a->policies, "policy", SWEEP_MAX_SERIES, pn, &np,
				 check_policy_name) < 0)
		return -1;
	for (int b = 0; b < nb; b++) {
		for (int p = 0; p < np; p++) {
			struct sweep_series *s = &sw->ser[sw->nser];
			struct policy_spec spec = { 0 };
			uint32_t only;

			kgil_backend_parse(bn[b], &s->backend);
			if (pn[p][0])
				policy_spec_parse(pn[p], &spec);
			s->policy = spec.id;
			only = bench_backend_only_policy(s->backend);
			if (only && s->policy && s->policy != only) {
				fprintf(stderr, "kgil sweep: skipping %s with %s: the backend "
					"implements %s only\n", bn[b], pn[p], kgil_policy_name(only));
				continue;
			}
			if (sw->nser == SWEEP_MAX_SERIES)
				return fail("more than %d series", SWEEP_MAX_SERIES);
			/* split() kept the names shorter than these. */
			/* check_backend() took only real, short, names. */
			snprintf(s->backend_name, sizeof(s->backend_name), "%.23s", bn[b]);
			strcpy(s->policy_arg, pn[p]);
			strcpy(s->policy_name, pn[p][0] ? pn[p] : "default");
			sw->nser++;
		}
	}
	return sw->nser ? 0 : fail("no backend implements the policies asked for");
}

/* Every series x every value of the first parameter x of the second. */
static int make_points(struct sweep *sw)
{
	int n0 = sw->npar > 0 ? sw->par[0].n : 1, n1 = sw->npar > 1 ? sw->par[1].n : 1;
	long total = (long)sw->nser * n0 * n1;

	if (total > SWEEP_MAX_POINTS)
		return fail("%ld points (series x values): more than %d", total,
			    SWEEP_MAX_POINTS);
	sw->pts = calloc((size_t)total, sizeof(*sw->pts));
	if (!sw->pts)
		return fail("out of memory");
	for (int s = 0; s < sw->nser; s++)
		for (int i = 0; i < n0; i++)
			for (int j = 0; j < n1; j++)
				sw->pts[sw->npts++] = (struct sweep_point){
					.series = s, .idx = { i, j } };
	return 0;
}

/*
 * The point's bench options: the sweep's own bench options, its series
 * and its values, parsed as `kgil bench` would (so every value is checked
 * the same way); one run each, the sweep repeats.
 */
static int point_opts(const struct sweep_args *a, const struct sweep_point *pt,
		      struct bench_opts *o)
{
	const struct sweep *sw = &a->sw;
	const struct sweep_series *s = &sw->ser[pt->series];
	char *argv[SWEEP_MAX_ARGS], opts[SWEEP_MAX_PARAMS][48], vals[SWEEP_MAX_PARAMS][32];
	int argc = 0;

	argv[argc++] = "sweep";
	for (int i = 0; i < a->npass; i++)
		argv[argc++] = a->pass[i];
	argv[argc++] = "--backend";
	argv[argc++] = (char *)s->backend_name;
	if (s->policy) {
		argv[argc++] = "--policy";
		argv[argc++] = (char *)s->policy_arg;
	}
	for (int p = 0; p < sw->npar; p++) {
		snprintf(opts[p], sizeof(opts[p]), "--%s", sw->par[p].opt);
		sweep_value_str(sw, pt, p, vals[p], sizeof(vals[p]));
		argv[argc++] = opts[p];
		argv[argc++] = vals[p];
	}
	argv[argc] = NULL;
	bench_opts_init(o);
	o->scenario = sw->scenario;
	if (bench_parse(o, argc, argv) < 0)
		return -1;
	o->repeat = 1;
	o->quiet = a->quiet;
	return 0;
}

static int mkdir_p(const char *dir)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *c = path + 1;; c++) {
		if (*c == '/' || !*c) {
			char end = *c;

			*c = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				return -errno;
			if (!end)
				return 0;
			*c = end;
		}
	}
}

/* Run a point's repetitions; its figures; the series' default policy's name. */
static void run_point(struct sweep_args *a, struct sweep_point *pt, int k, double *tick_ns)
{
	struct sweep *sw = &a->sw;
	struct sweep_series *s = &sw->ser[pt->series];
	struct bench_opts o;
	char label[160];

	sweep_point_label(sw, pt, label, sizeof(label));
	pt->runs = calloc((size_t)sw->repeat, sizeof(*pt->runs));
	if (!pt->runs || point_opts(a, pt, &o) < 0) {
		pt->failed = sw->repeat;
		return;
	}
	/* The calibration is the process's: redone when the point's tick changes. */
	if (o.tick_ns != *tick_ns) {
		work_calibrate(o.tick_ns);
		*tick_ns = o.tick_ns;
	}
	for (int r = 0; r < sw->repeat; r++) {
		struct res *out = res_new_obj();

		progress(true, "sweep: point %d/%d: %s, run %d/%d", k + 1, sw->npts, label,
			 r + 1, sw->repeat);
		if (bench_run(&o, out) < 0) {
			res_free(out);
			pt->failed++;
		} else {
			pt->runs[pt->nruns++] = out;
		}
		progress_done(1);
	}
	if (sweep_figs_compute(pt->runs, pt->nruns, &pt->figs) < 0)
		pt->failed = sw->repeat;
	for (int i = 0; i < pt->figs.names.n; i++)
		sweep_names_add(&sw->figs, pt->figs.names.v[i]);
	/* The default's name, and bpf:PATH's bpf:NAME. */
	if ((!s->policy || s->policy == KGIL_POLICY_BPF) && pt->nruns) {
		const struct res *p = res_get(pt->runs[0], "policy");

		if (p && p->kind == RES_STR)
			snprintf(s->policy_name, sizeof(s->policy_name), "%s", p->str);
	}
}

/* The preset's words, then the user's after `--preset NAME`. */
static int expand_preset(int argc, char **argv, char ***out, int *outc, const char **name)
{
	const struct preset *p = presets;
	static char *words[SWEEP_MAX_ARGS];
	int n = 0;

	if (argc < 3)
		return fail("--preset needs a name");
	while (p->name && strcmp(p->name, argv[2]))
		p++;
	if (!p->name)
		return fail("unknown preset '%s'", argv[2]);
	words[n++] = argv[0];
	for (int i = 0; p->args[i]; i++)
		words[n++] = (char *)p->args[i];
	for (int i = 3; i < argc && n < SWEEP_MAX_ARGS - 1; i++)
		words[n++] = argv[i];
	words[n] = NULL;
	*out = words;
	*outc = n;
	*name = p->name;
	return 0;
}

static int parse_args(struct sweep_args *a, int argc, char **argv)
{
	const char *name = NULL;

	if (!strcmp(argv[1], "--preset") && expand_preset(argc, argv, &argv, &argc, &name) < 0)
		return -1;
	a->sw.scenario = argv[1];
	a->sw.repeat = SWEEP_DEFAULT_REPEAT;
	if (!bench_find(a->sw.scenario))
		return fail("unknown scenario '%s' (kgil bench --help lists them)",
			    a->sw.scenario);
	for (int i = 2; i < argc; i++)
		if (parse_opt(a, argc, argv, &i) < 0)
			return -1;
	if (make_series(a) < 0 || make_points(&a->sw) < 0)
		return -1;
	if (!a->out) {
		static char dflt[128];

		snprintf(dflt, sizeof(dflt), "results/sweep-%s", name ? name : a->sw.scenario);
		a->out = dflt;
	}
	/* Every point's options checked before the first run: a typo costs nothing. */
	for (int k = 0; k < a->sw.npts; k++) {
		struct bench_opts o;

		if (point_opts(a, &a->sw.pts[k], &o) < 0)
			return -1;
	}
	return 0;
}

static void free_sweep(struct sweep *sw)
{
	for (int k = 0; k < sw->npts; k++) {
		for (int r = 0; r < sw->pts[k].nruns; r++)
			res_free(sw->pts[k].runs[r]);
		free(sw->pts[k].runs);
		sweep_figs_free(&sw->pts[k].figs);
	}
	free(sw->pts);
	for (int p = 0; p < sw->npar; p++)
		free(sw->par[p].v);
	sweep_names_free(&sw->figs);
}

/* Into dir: sweep.csv, the pictures, then sweep.json (which takes the runs). */
static int write_file(struct sweep *sw, const char *dir, const char *name,
		      void (*fn)(FILE *f, struct sweep *sw))
{
	char path[4096];
	FILE *f;
	int bad;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "kgil sweep: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fn(f, sw);
	bad = ferror(f);
	if (fclose(f) || bad) {
		fprintf(stderr, "kgil sweep: writing %s failed\n", path);
		return -1;
	}
	return 0;
}

static void csv(FILE *f, struct sweep *sw)
{
	sweep_write_csv(f, sw);
}

static int write_all(struct sweep *sw, const char *dir)
{
	int ret = write_file(sw, dir, "sweep.csv", csv);

	progress(false, "sweep: drawing the plots");
	if (sweep_plots(sw, dir))
		ret = -1;
	sweep_print_table(stdout, sw);
	if (write_file(sw, dir, "sweep.json", sweep_write_json) < 0)
		ret = -1;
	printf("sweep: %d points x %d runs: %s/sweep.json, sweep.csv, plots\n", sw->npts,
	       sw->repeat, dir);
	return ret;
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_args a = { 0 };
	struct bench_opts first;
	double tick_ns = 0;
	int failed = 0, ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	progress_init();
	if (parse_args(&a, argc, argv) < 0) {
		free_sweep(&a.sw);
		return 2;
	}
	ret = mkdir_p(a.out);
	if (ret < 0) {
		fprintf(stderr, "kgil sweep: cannot create %s: %s\n", a.out, strerror(-ret));
		free_sweep(&a.sw);
		return 1;
	}
	progress_quiet(a.quiet);
	point_opts(&a, &a.sw.pts[0], &first);
	if (spinners_wanted(first.spin) && spinners_start() < 0)
		fprintf(stderr, "kgil sweep: cannot start the idle spinners\n");
	/* The pace is measured: one nominal unit a run, its seconds as they come. */
	progress_plan((double)a.sw.npts * a.sw.repeat);
	for (int k = 0; k < a.sw.npts; k++) {
		run_point(&a, &a.sw.pts[k], k, &tick_ns);
		failed += a.sw.pts[k].failed;
	}
	spinners_stop();
	ret = write_all(&a.sw, a.out);
	if (failed)
		fprintf(stderr, "kgil sweep: %d of %d runs failed\n", failed,
			a.sw.npts * a.sw.repeat);
	free_sweep(&a.sw);
	return failed || ret < 0 ? 1 : 0;
}
