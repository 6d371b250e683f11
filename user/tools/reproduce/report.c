// SPDX-License-Identifier: GPL-2.0
/*
 * A run's pictures and its page.  The charts come from the result tree
 * (report_plots.c), the timelines from the short traces `kgil reproduce`
 * records beside it; a picture that cannot be drawn is listed with the
 * reason, on the terminal and on the page, and the rest still are.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/gnuplot.h"
#include "support/json_read.h"
#include "reproduce/report.h"
#include "reproduce/report_html.h"
#include "reproduce/report_plots.h"
#include "reproduce/report_text.h"
#include "support/result.h"
#include "trace/trace_analysis.h"
#include "trace/trace_draw.h"
#include "trace/trace_read.h"

const char *const report_trace_policies[] = { "legacy", "newgil" };
const int report_ntrace_policies = 2;

struct chart {
	const char *file, *title, *caption;
	int (*plot)(FILE *gp, const struct res *root, const char *out);
	const char *policy;	/* a timeline of this policy's trace */
};

static const struct chart charts[] = {
	{ "cext-speedup.png", "C extensions: speedup against work per call (row 4)",
	  "Beazley's slide 104: two threads each calling a C function that releases "
	  "the GIL, against one thread making all the calls. The speedup grows with the "
	  "work a call does with the lock released, one line per lock. Dashed: the "
	  "published ~2x, reached at ~4 us per call on 2009 hardware. Where the curve "
	  "levels off depends on what a release and re-acquire cost on this machine "
	  "(under the kgil VM's TCG, tens of microseconds).",
	  plot_cext, NULL },
	{ "cpu-threads.png", "CPU-bound threads against sequential, 1 and 2 CPUs (rows 2a-2c)",
	  "Beazley's <code>count()</code> in two threads against the same work done in a row, "
	  "on one CPU and on two (slide 80; hatched), and Peretin's 2013 rerun (2 CPUs). "
	  "Above the dashed line the threads are slower than sequential. The claim is about "
	  "the old GIL (legacy columns); the new GIL's bars are there to compare.",
	  plot_cpu, NULL },
	{ "syscalls.png", "System calls, sequential against threaded (rows 3a, 3b)",
	  "The system calls the kernel counted (perf <code>raw_syscalls:sys_enter</code>) "
	  "in the sequential and the threaded runs on 1 and 2 CPUs, log scale. Beazley's "
	  "OS X counts (hatched): 736 Unix calls sequential, about 3.3 and 9.5 million Mach "
	  "calls threaded (slides 96-97).",
	  plot_syscalls, NULL },
	{ "convoy-rtt.png", "The convoy: I/O round trips alone and beside a CPU thread (row 8)",
	  "bpo-7946: an I/O thread answers pings from another process, alone (dashed) and "
	  "beside one CPU-bound thread (solid); each curve is the fraction of round trips "
	  "at most that long. Under the new GIL the solid curve moves right by about a "
	  "switch interval (dotted line): each answer waits for the CPU thread to honour a "
	  "drop request. Crosses: the published medians (CPython 3.11, 2 cores).",
	  plot_convoy, NULL },
	{ "timeline-legacy.png", "Timeline: the legacy GIL battle",
	  "Recorded during this run (<code>kgil trace record</code> of "
	  "<code>kgil bench cpu --policy legacy</code>, 2 threads): half a millisecond around "
	  "a failed acquisition. The holder releases at every check and takes the lock "
	  "straight back; the waiter, woken, finds it taken again (red dots) and sleeps: "
	  "Beazley's GIL battle drawn from kernel events. Green: holding; pink: waiting; "
	  "black strips: on a CPU; arrows: handoffs.",
	  NULL, "legacy" },
	{ "timeline-newgil.png", "Timeline: newgil switches",
	  "The same recording under newgil: the threads take turns in slices of about a "
	  "switch interval, each ended by the waiter's drop request (purple), the holder "
	  "dropping the lock at its next check (orange: holding, drop requested) and a "
	  "handoff (arrow).",
	  NULL, "newgil" },
};

#define NCHARTS ((int)(sizeof(charts) / sizeof(charts[0])))

/* The paths of a picture and of its script (the timeline's data beside it). */
struct job_paths {
	char png[PATH_MAX], prefix[PATH_MAX], script[PATH_MAX + 4];
};

static void job_paths(const char *dir, const char *file, struct job_paths *j)
{
	snprintf(j->png, sizeof(j->png), "%s/%s", dir, file);
	snprintf(j->prefix, sizeof(j->prefix), "%s/gnuplot/%.*s", dir,
		 (int)(strlen(file) - 4), file);	/* without ".png" */
	snprintf(j->script, sizeof(j->script), "%s.gp", j->prefix);
}

/* Write a chart's script; false (and why in p) if there is nothing to run. */
static bool chart_script(const struct res *root, const struct chart *c,
			 const struct job_paths *j, struct report_pic *p)
{
	FILE *f = fopen(j->script, "we");
	int n;

	if (!f) {
		snprintf(p->missing, sizeof(p->missing), "cannot write %.160s: %s", j->script,
			 strerror(errno));
		return false;
	}
	n = c->plot(f, root, j->png);
	if (fclose(f)) {
		snprintf(p->missing, sizeof(p->missing), "cannot write %.200s", j->script);
		return false;
	}
	if (!n) {
		snprintf(p->missing, sizeof(p->missing), "this run has no data for it");
		return false;
	}
	return true;
}

/* Why the run has no trace of policy: what reproduce recorded, or a guess. */
static void no_trace(const struct res *root, const char *policy, struct report_pic *p)
{
	char path[64];
	const struct res *why;

	snprintf(path, sizeof(path), "traces.%s.status", policy);
	why = res_get(root, path);
	snprintf(p->missing, sizeof(p->missing), "no trace of the %s policy in this run (%s)",
		 policy, why && why->kind == RES_STR ? why->str :
		 "recording needs the module, root and trace-cmd");
}

/* Write a timeline's data and script from the run's trace of its policy. */
static bool timeline_script(const char *dir, const struct res *root, const struct chart *c,
			    const struct job_paths *j, struct report_pic *p)
{
	bool legacy = !strcmp(c->policy, "legacy"), ok = false;
	char dat[PATH_MAX], name[64];
	struct kt_trace t = { 0 };
	struct kt_analysis a = { 0 };
	struct kt_timeline_opts o = {
		.width = 1200, .png = true, .at_index = -1, .out = j->png,
		/* The battle is microseconds long, a newgil slice milliseconds. */
		.at_kind = 1 + (legacy ? KT_MARK_FAILED : KT_MARK_DROP),
		.span_ms = legacy ? 0.5 : 60,
		.title = legacy ? "legacy, 2 CPU-bound threads: 0.5 ms around a failed "
				  "acquisition (release, signal, retake)" :
				  "newgil, 2 CPU-bound threads: 60 ms of drop requests and "
				  "forced switches",
	};
	int ret;

	snprintf(name, sizeof(name), REPORT_TRACE_FMT, c->policy);
	snprintf(dat, sizeof(dat), "%s/%s", dir, name);
	if (access(dat, R_OK)) {
		no_trace(root, c->policy, p);
		return false;
	}
	ret = kt_read_tracedat(dat, &t);
	if (!ret)
		ret = kt_analyze(&t, &a);
	if (ret) {
		snprintf(p->missing, sizeof(p->missing), "cannot read %s: %s", name,
			 strerror(-ret));
	} else if (!(o.domain = kt_busiest_domain(&a))) {
		snprintf(p->missing, sizeof(p->missing), "%s has no kgil domain", name);
	} else {
		/*
		 * The battle where it is fiercest: on a busy host a vCPU can
		 * stall mid-run, and a window around any one failed
		 * acquisition may show a single long hold instead.
		 */
		if (legacy)
			o.at_index = kt_busiest_mark(&a, o.domain, KT_MARK_FAILED, o.span_ms);
		if (kt_timeline_script(&a, &o, j->prefix))
			snprintf(p->missing, sizeof(p->missing),
				 "cannot write the timeline of %s", name);
		else
			ok = true;
	}
	kt_analysis_free(&a);
	kt_trace_free(&t);
	return ok;
}

int report_write(const char *dir, const struct res *root, FILE *out)
{
	struct report_pic pics[NCHARTS];
	struct job_paths paths[NCHARTS];
	struct gp_job jobs[NCHARTS];
	char path[PATH_MAX], tmp[PATH_MAX];
	int missing = 0, drawn = 0, njobs = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/gnuplot", dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(out, "cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < NCHARTS; i++) {
		bool run;

		pics[i] = (struct report_pic){ charts[i].file, charts[i].title,
					       charts[i].caption, "" };
		job_paths(dir, charts[i].file, &paths[i]);
		unlink(paths[i].png);
		run = charts[i].plot ? chart_script(root, &charts[i], &paths[i], &pics[i]) :
				       timeline_script(dir, root, &charts[i], &paths[i], &pics[i]);
		if (run)
			jobs[njobs++] = (struct gp_job){ paths[i].script, paths[i].png,
							 pics[i].missing, sizeof(pics[i].missing) };
	}
	gp_run_jobs(jobs, njobs);
	for (int i = 0; i < NCHARTS; i++) {
		if (pics[i].missing[0])
			missing++;
		else
			drawn++;
	}
	/* Whole or not at all: a browser never sees half a page. */
	snprintf(path, sizeof(path), "%s/index.html", dir);
	snprintf(tmp, sizeof(tmp), "%s/.index.html.tmp", dir);
	f = fopen(tmp, "we");
	if (!f || report_html_write(f, root, pics, NCHARTS, dir) < 0 || fclose(f) ||
	    rename(tmp, path) < 0) {
		fprintf(out, "cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	{
		char line[1024];
		int n = snprintf(line, sizeof(line), "wrote %s and %d pictures:", path, drawn);

		for (int i = 0; i < NCHARTS && n > 0 && (size_t)n < sizeof(line); i++)
			if (!pics[i].missing[0])
				n += snprintf(line + n, sizeof(line) - (size_t)n, " %s",
					      pics[i].file);
		wrap_print(out, "", "  ", line, REPORT_WIDTH);
	}
	for (int i = 0; i < NCHARTS; i++) {
		if (pics[i].missing[0]) {
			char line[512];

			snprintf(line, sizeof(line), "%s not drawn: %s", pics[i].file,
				 pics[i].missing);
			wrap_print(out, "  ", "    ", line, REPORT_WIDTH);
		}
	}
	return missing;
}

static void report_usage(FILE *f)
{
	fputs("usage: kgil report [--table | --wide] [DIR]\n"
	      "Draws the pictures of a `kgil reproduce` run and writes DIR/index.html\n"
	      "again, from DIR/reproduce.json and the traces beside it (default DIR:\n"
	      "results).  --table, --wide: print the run's table instead (--wide: a\n"
	      "column per lock, as in reproduce.md).\n", f);
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "table", no_argument, NULL, 't' },
		{ "wide", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = "results";
	char path[PATH_MAX], err[256];
	int opt, table = 0, ret;
	struct res *root;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			table = 1;
			break;
		case 'w':
			table = 2;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			report_usage(stderr);
			return 2;
		}
	}
	if (optind < argc - 1) {
		report_usage(stderr);
		return 2;
	}
	if (optind == argc - 1)
		dir = argv[optind];
	snprintf(path, sizeof(path), "%s/reproduce.json", dir);
	root = json_read_file(path, err, sizeof(err));
	if (!root) {
		fprintf(stderr, "kgil report: %s: %s\n", path, err);
		return 1;
	}
	if (table == 1)
		report_print_narrow(stdout, root, REPORT_WIDTH);
	else if (table == 2)
		report_print_wide(stdout, root, false);
	ret = table ? 0 : report_write(dir, root, stdout);
	res_free(root);
	return ret < 0 ? 1 : 0;
}
