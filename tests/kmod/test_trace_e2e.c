// SPDX-License-Identifier: GPL-2.0
/*
 * `kgil trace` end to end, on the real module: record a short workload
 * with `kgil trace record` (trace-cmd underneath), then hold the trace to
 * the module's own counters, which the workload saved from KGIL_IOC_STATS
 * before closing its domain.  Acquisitions, releases, handoffs, failed
 * attempts and drop requests must match exactly (the counters and the
 * tracepoints are bumped side by side under the domain lock), nobody may
 * hold the lock twice in the trace, each thread's events must be in order,
 * and the report, the Perfetto export and the timeline must come out as
 * what they claim to be.  Needs root, tracefs and trace-cmd: the VM.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace_analysis.h"
#include "trace/trace_read.h"
#include "support/spawn.h"

#define KGIL_BIN "build/kgil"
#define WORKLOAD "build/tests/helpers/trace-workload"

struct stats {
	unsigned long long domain_id, acquisitions, releases, handoffs,
		failed_acquires, drop_requests, owner_deaths, io_begins;
};

static char dir[64];

static void setup(void)
{
	if (access("/sys/kernel/tracing/events/kgil", F_OK) || geteuid())
		cr_skip_test("needs root and the kgil events in tracefs");
	snprintf(dir, sizeof(dir), "/tmp/kgil-trace-e2e.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	char *av[] = { "rm", "-rf", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "%s", dir);
	if (dir[0])
		spawn_wait(av);
}

static void path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void read_stats(const char *file, struct stats *s)
{
	FILE *f = fopen(file, "r");
	char key[32];
	unsigned long long v;

	cr_assert_not_null(f, "no stats from the workload");
	memset(s, 0, sizeof(*s));
	while (fscanf(f, "%31s %llu", key, &v) == 2) {
#define K(name) if (!strcmp(key, #name)) s->name = v
		K(domain_id); K(acquisitions); K(releases); K(handoffs);
		K(failed_acquires); K(drop_requests); K(owner_deaths);
		K(io_begins);
#undef K
	}
	fclose(f);
	cr_assert_neq(s->domain_id, 0);
}

/* Record the workload under policy; fills the trace and the stats. */
static void record(const char *policy, const char *ticks, struct kt_trace *t,
		   struct stats *s)
{
	char dat[96], st[96];
	char *av[] = { KGIL_BIN, "trace", "record", "-o", dat, "--", WORKLOAD,
		       "--policy", (char *)policy, "--threads", "2",
		       "--ticks", (char *)ticks, "--io", "20", "--stats", st, NULL };

	path(dat, sizeof(dat), "trace.dat");
	path(st, sizeof(st), "stats");
	cr_assert_eq(spawn_wait(av), 0, "kgil trace record failed");
	read_stats(st, s);
	cr_assert_eq(kt_read_tracedat(dat, t), 0);
	cr_assert_eq(t->lost_events, 0, "the ring buffer lost events");
	cr_assert(!t->lost_unknown, "the ring buffer lost events");
}

static const struct kt_domain *domain(const struct kt_analysis *a, uint64_t id)
{
	for (size_t i = 0; i < a->ndom; i++)
		if (a->dom[i].id == id)
			return &a->dom[i];
	cr_assert_fail("domain %llu not in the trace", (unsigned long long)id);
	return NULL;
}

/* Every thread's events in time order, straight from the file's order. */
static void assert_monotonic_per_thread(const struct kt_trace *t)
{
	for (size_t i = 0; i < t->len; i++) {
		int32_t tid = kt_event_tid(&t->ev[i]);

		if (tid <= 0)
			continue;
		for (size_t j = i + 1; j < t->len; j++) {
			if (kt_event_tid(&t->ev[j]) != tid ||
			    t->ev[j].domain != t->ev[i].domain)
				continue;
			cr_assert_geq(t->ev[j].ts, t->ev[i].ts,
				      "tid %d: %s after %s goes back in time", tid,
				      kt_type_name(t->ev[j].type),
				      kt_type_name(t->ev[i].type));
			break;
		}
	}
}

static void check_against_stats(const char *policy, const char *ticks,
				struct stats *out)
{
	struct kt_trace t = { 0 };
	struct kt_analysis a;
	const struct kt_domain *d;
	struct stats s;
	size_t nthr = 0, io_threads = 0;

	record(policy, ticks, &t, &s);
	cr_assert_eq(kt_analyze(&t, &a), 0);
	d = domain(&a, s.domain_id);

	cr_expect_eq(d->c.acquisitions, s.acquisitions, "%s: acquisitions %llu in the trace, %llu in STATS",
		     policy, (unsigned long long)d->c.acquisitions, s.acquisitions);
	cr_expect_eq(d->c.releases, s.releases, "%s: releases", policy);
	cr_expect_eq(d->handoffs, s.handoffs, "%s: handoffs %llu vs %llu", policy,
		     (unsigned long long)d->handoffs, s.handoffs);
	cr_expect_eq(d->c.failed, s.failed_acquires, "%s: failed %llu vs %llu",
		     policy, (unsigned long long)d->c.failed, s.failed_acquires);
	cr_expect_eq(d->c.failed_field, s.failed_acquires, "%s: acquire_end.failed", policy);
	cr_expect_eq(d->drop_requests, s.drop_requests, "%s: drop requests", policy);
	cr_expect_eq(d->c.owner_deaths, s.owner_deaths, "%s: owner deaths", policy);
	cr_expect_eq(d->c.acquire_errors, 0);
	/* Not vacuous: 3 threads took it, the I/O thread 21 times. */
	cr_expect_geq(s.acquisitions, 23);
	cr_expect_geq(s.handoffs, 2);

	cr_expect_eq(d->exclusion_violations, 0, "%s: two holders at once", policy);
	cr_expect_eq(a.sequence_errors, 0, "%s: events out of order", policy);
	cr_expect_eq(a.nonmonotonic, 0);
	assert_monotonic_per_thread(&t);

	for (size_t i = 0; i < a.nthr; i++) {
		if (a.thr[i].domain != d->id)
			continue;
		nthr++;
		if (a.thr[i].c.io_acquires) {
			io_threads++;
			cr_expect_eq(a.thr[i].c.io_acquires, 20);
			cr_expect_eq(a.thr[i].c.io_grant.n, 20);
			cr_expect_eq(a.thr[i].c.release_reason[KGIL_REL_IO], 20);
		}
	}
	cr_expect_eq(nthr, 3);
	cr_expect_eq(io_threads, 1);
	kt_analysis_free(&a);
	kt_trace_free(&t);
	if (out)
		*out = s;
}


static void file_starts_with(const char *file, const char *magic, size_t n,
			     off_t min_size)
{
	char buf[16] = { 0 };
	struct stat st;
	FILE *f;

	cr_assert_eq(stat(file, &st), 0, "%s missing", file);
	cr_expect_geq(st.st_size, min_size, "%s is only %lld bytes", file,
		      (long long)st.st_size);
	f = fopen(file, "rb");
	cr_assert_not_null(f);
	cr_assert_eq(fread(buf, 1, n, f), n);
	fclose(f);
	cr_expect_eq(memcmp(buf, magic, n), 0, "%s is not what it says", file);
}

/*
 * The command line on the trace the caller just recorded (each kgil
 * process parses the whole trace.dat again, seconds under TCG: one
 * recording serves both checks).
 */
static void check_cli(const struct stats *s)
{
	char dat[96], rep[96], js[96], png[96];
	char *report[] = { KGIL_BIN, "trace", "report", dat, "--json", "-o", rep, NULL };
	char *export[] = { KGIL_BIN, "trace", "export", dat, "-o", js, NULL };
	char *tl_png[] = { KGIL_BIN, "trace", "timeline", dat, "-o", png, NULL };
	/* The JSON parses and says what the trace holds. */
	char *check_report[] = { "python3", "-c",
		"import json,sys; r=json.load(open(sys.argv[1])); "
		"d=[d for d in r['domains'] if d['id']==int(sys.argv[2])][0]; "
		"assert d['handoffs']==int(sys.argv[3]), d['handoffs']; "
		"assert r['checks']['exclusion_violations']==0",
		rep, NULL, NULL, NULL };
	char *check_export[] = { "python3", "-c",
		"import json,sys; e=json.load(open(sys.argv[1]))['traceEvents']; "
		"ph=[x['ph'] for x in e]; "
		"assert ph.count('X')>20 and ph.count('s')==ph.count('f')>=2, ph[:9]; "
		"assert all(x['dur']>=0 for x in e if x['ph']=='X')",
		js, NULL };
	char dom[24], hand[24];

	path(dat, sizeof(dat), "trace.dat");
	path(rep, sizeof(rep), "report.json");
	path(js, sizeof(js), "trace.json");
	path(png, sizeof(png), "timeline.png");
	cr_assert_eq(spawn_wait(report), 0);
	snprintf(dom, sizeof(dom), "%llu", s->domain_id);
	snprintf(hand, sizeof(hand), "%llu", s->handoffs);
	check_report[4] = dom;
	check_report[5] = hand;
	cr_expect_eq(spawn_wait(check_report), 0, "report JSON");
	cr_assert_eq(spawn_wait(export), 0);
	cr_expect_eq(spawn_wait(check_export), 0, "Perfetto JSON");
	cr_assert_eq(spawn_wait(tl_png), 0);
	file_starts_with(png, "\x89PNG\r\n\x1a\n", 8, 10000);
	/* SVG is drawn by the unit test: gnuplot is slow to start in TCG. */
}

TestSuite(trace_e2e, .init = setup, .fini = teardown, .timeout = 600);

Test(trace_e2e, legacy_trace_matches_stats_and_cli)
{
	struct stats s;

	check_against_stats("legacy", "20000", &s);
	check_cli(&s);
}

Test(trace_e2e, newgil_trace_matches_stats)
{
	check_against_stats("newgil", "20000", NULL);
}
