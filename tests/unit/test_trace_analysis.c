// SPDX-License-Identifier: GPL-2.0
/*
 * The trace analysis (user/tools/trace/trace_analysis.c) on event lists built
 * here, in the exact shape the reader makes from the kgil tracepoints:
 * counts, percentiles, the handoff histogram, drop request -> release,
 * I/O -> grant, the mutual exclusion and order checks, the lanes, and the
 * three writers (report JSON, Perfetto JSON, gnuplot) run for real.
 * The device-side test (tests/kmod/test_trace_e2e.c) does the same on a
 * trace the module wrote.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace_analysis.h"
#include "trace/trace_export.h"
#include "trace/trace_report.h"
#include "support/spawn.h"
#include "trace/trace_timeline.h"

#define D 7	/* the domain id of the synthetic traces */

static struct kt_trace tr;
static struct kt_analysis an;

static void fini(void)
{
	kt_analysis_free(&an);
	kt_trace_free(&tr);
}

static void push(struct kt_event e)
{
	e.domain = e.type >= KT_SCHED_SWITCH ? 0 : D;
	cr_assert_eq(kt_trace_push(&tr, &e), 0);
}

static void attach(uint64_t ts, int32_t tid, uint32_t id)
{
	push((struct kt_event){ .ts = ts, .type = KT_ATTACH,
				.thread = { tid, id } });
}

static void begin(uint64_t ts, int32_t tid, uint32_t id, bool io)
{
	push((struct kt_event){ .ts = ts, .type = KT_ACQUIRE_BEGIN,
				.acquire_begin = { tid, id, io } });
}

static void granted(uint64_t ts, int32_t tid, uint32_t id, uint64_t wait,
		    uint32_t failed)
{
	push((struct kt_event){ .ts = ts, .type = KT_ACQUIRE_END,
				.acquire_end = { tid, id, wait, failed, 0, false } });
}

static void release(uint64_t ts, int32_t tid, uint32_t id, uint64_t hold,
		    int reason)
{
	push((struct kt_event){ .ts = ts, .type = KT_RELEASE,
				.release = { tid, id, hold, reason } });
}

static void failed(uint64_t ts, int32_t tid, uint32_t id)
{
	push((struct kt_event){ .ts = ts, .type = KT_FAILED_ACQUIRE,
				.thread = { tid, id } });
}

static void handoff(uint64_t ts, int32_t from_tid, uint32_t from,
		    int32_t to_tid, uint32_t to, uint64_t lat)
{
	push((struct kt_event){ .ts = ts, .type = KT_HANDOFF,
				.handoff = { from_tid, to_tid, from, to, lat } });
}

static void drop(uint64_t ts, uint32_t requester, uint32_t holder)
{
	push((struct kt_event){ .ts = ts, .type = KT_DROP_REQUEST,
				.drop = { requester, holder } });
}

static void sw(uint64_t ts, int32_t prev, int32_t next)
{
	struct kt_event e = { .ts = ts, .type = KT_SCHED_SWITCH };

	e.sched_switch.prev_pid = prev;
	e.sched_switch.next_pid = next;
	snprintf(e.sched_switch.prev_comm, KT_COMM_LEN, "w%d", prev);
	snprintf(e.sched_switch.next_comm, KT_COMM_LEN, "w%d", next);
	push(e);
}

static struct kt_thread *thread(int32_t tid)
{
	for (size_t i = 0; i < an.nthr; i++)
		if (an.thr[i].tid == tid)
			return &an.thr[i];
	cr_assert_fail("no thread %d", tid);
	return NULL;
}

/* Sum of the lengths of one thread's intervals in one state. */
static uint64_t time_in(int32_t tid, enum kt_state st)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < an.niv; i++)
		if (an.thr[an.iv[i].thread].tid == tid && an.iv[i].state == st)
			sum += an.iv[i].end - an.iv[i].start;
	return sum;
}

static size_t marks(enum kt_mark_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < an.nmark; i++)
		n += an.mark[i].kind == k;
	return n;
}

/*
 * A legacy-style battle: thread 100 (id 1) holds, thread 200 (id 2) waits,
 * fails twice, then gets the lock by a handoff; then the lock comes back.
 */
static void battle(void)
{
	push((struct kt_event){ .ts = 1000, .type = KT_OPEN, .open = { 99, 0 } });
	push((struct kt_event){ .ts = 1001, .type = KT_POLICY_CHANGE,
				.policy = { 2, 1, 100, 0, 5000000 } });
	attach(1010, 100, 1);
	attach(1020, 200, 2);
	begin(1100, 100, 1, false);
	granted(1100, 100, 1, 0, 0);
	begin(1200, 200, 2, false);
	failed(1300, 200, 2);
	failed(1400, 200, 2);
	release(1500, 100, 1, 400, KGIL_REL_CHECK);
	handoff(1530, 100, 1, 200, 2, 30);
	granted(1530, 200, 2, 330, 2);
	begin(1540, 100, 1, false);
	release(1800, 200, 2, 270, KGIL_REL_EXPLICIT);
	handoff(1900, 200, 2, 100, 1, 100);
	granted(1900, 100, 1, 360, 0);
	release(2000, 100, 1, 100, KGIL_REL_EXPLICIT);
}

Test(trace_analysis, battle_counts_and_checks, .fini = fini)
{
	struct kt_domain *d;

	battle();
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	cr_assert_eq(an.ndom, 1);
	d = &an.dom[0];
	cr_expect_eq(d->id, D);
	cr_expect_eq(d->pid, 99);
	cr_expect_eq(d->policy, 1);
	cr_expect_eq(d->check_interval, 100);
	cr_expect_eq(d->c.acquisitions, 3);
	cr_expect_eq(d->c.releases, 3);
	cr_expect_eq(d->handoffs, 2);
	cr_expect_eq(d->c.failed, 2);
	cr_expect_eq(d->c.failed_field, 2);
	cr_expect_eq(d->c.release_reason[KGIL_REL_CHECK], 1);
	cr_expect_eq(d->c.release_reason[KGIL_REL_EXPLICIT], 2);
	cr_expect_eq(an.exclusion_violations, 0);
	cr_expect_eq(an.sequence_errors, 0);
	cr_expect_eq(an.nonmonotonic, 0);
	cr_expect_eq(an.t0, 1000);
	cr_expect_eq(an.t1, 2000);
	cr_assert_eq(an.nthr, 2);
	cr_expect_eq(thread(200)->c.failed, 2);
	cr_expect_eq(thread(200)->c.acquisitions, 1);
	cr_expect_eq(thread(100)->c.acquisitions, 2);
	/* Handoff latencies 30 and 100 ns: buckets [16,32) and [64,128). */
	cr_expect_eq(d->handoff_hist[4], 1);
	cr_expect_eq(d->handoff_hist[6], 1);
	cr_expect_eq(kt_dist_max(&d->handoff), 100);
	cr_expect_eq(kt_dist_max(&d->c.hold), 400);
	cr_expect_eq(kt_dist_sum(&d->c.wait), 690);
}

Test(trace_analysis, battle_lanes_and_marks, .fini = fini)
{
	battle();
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	/* 100 holds 1100-1500 and 1900-2000, 200 holds 1530-1800. */
	cr_expect_eq(time_in(100, KT_ST_HOLD), 500);
	cr_expect_eq(time_in(200, KT_ST_HOLD), 270);
	cr_expect_eq(time_in(200, KT_ST_WAIT), 330);
	cr_expect_eq(time_in(100, KT_ST_WAIT), 360);
	cr_expect_eq(marks(KT_MARK_FAILED), 2);
	cr_expect_eq(marks(KT_MARK_HANDOFF), 2);
	for (size_t i = 0; i < an.nmark; i++) {
		if (an.mark[i].kind != KT_MARK_HANDOFF || an.mark[i].ts != 1530)
			continue;
		cr_expect_eq(an.thr[an.mark[i].thread].tid, 100);
		cr_expect_eq(an.thr[an.mark[i].other_thread].tid, 200);
		cr_expect_eq(an.mark[i].aux, 30);
	}
}

Test(trace_analysis, two_holders_is_a_violation, .fini = fini)
{
	attach(10, 1, 1);
	attach(11, 2, 2);
	begin(20, 1, 1, false);
	granted(20, 1, 1, 0, 0);
	begin(30, 2, 2, false);
	granted(40, 2, 2, 10, 0);	/* 1 never released */
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	cr_expect_eq(an.exclusion_violations, 1);
}

Test(trace_analysis, out_of_order_events_are_counted, .fini = fini)
{
	attach(10, 1, 1);
	release(20, 1, 1, 5, KGIL_REL_EXPLICIT);	/* never acquired */
	granted(30, 1, 1, 0, 0);		/* no acquire_begin */
	push((struct kt_event){ .ts = 25, .type = KT_DETACH, .thread = { 1, 1 } });
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	cr_expect_geq(an.sequence_errors, 2);
	cr_expect_eq(an.nonmonotonic, 1);
}

Test(trace_analysis, drop_request_to_release, .fini = fini)
{
	attach(10, 1, 1);
	attach(11, 2, 2);
	begin(20, 1, 1, false);
	granted(20, 1, 1, 0, 0);
	begin(30, 2, 2, false);
	drop(5000, 2, 1);
	drop(5500, 2, 1);	/* a second request before the check */
	release(6000, 1, 1, 5980, KGIL_REL_CHECK);
	granted(6010, 2, 2, 5980, 0);
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	cr_expect_eq(an.dom[0].drop_requests, 2);
	cr_expect_eq(an.dom[0].drops_honoured, 2);
	cr_expect_eq(an.dom[0].drop_honour.n, 2);
	cr_expect_eq(kt_dist_pct(&an.dom[0].drop_honour, 50), 500);
	cr_expect_eq(kt_dist_max(&an.dom[0].drop_honour), 1000);
	/* The holder is drawn as signalled from the request to the release. */
	cr_expect_eq(time_in(1, KT_ST_SIGNALLED), 1000);
	cr_expect_eq(time_in(1, KT_ST_HOLD), 4980);
	cr_expect_eq(marks(KT_MARK_DROP), 2);
}

Test(trace_analysis, io_completion_to_grant, .fini = fini)
{
	attach(10, 1, 1);
	attach(11, 2, 2);
	begin(20, 2, 2, false);
	granted(20, 2, 2, 0, 0);
	release(100, 2, 2, 80, KGIL_REL_IO);	/* 2 goes to I/O */
	begin(110, 1, 1, false);
	granted(110, 1, 1, 0, 0);		/* 1 is CPU-bound */
	begin(400, 2, 2, true);			/* 2's I/O completed */
	release(5400, 1, 1, 5290, KGIL_REL_CHECK);
	granted(5400, 2, 2, 5000, 0);
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	cr_expect_eq(thread(2)->c.io_acquires, 1);
	cr_expect_eq(thread(2)->c.io_grant.n, 1);
	cr_expect_eq(kt_dist_max(&thread(2)->c.io_grant), 5000);
	cr_expect_eq(thread(1)->c.io_grant.n, 0);
	cr_expect_eq(time_in(2, KT_ST_IO), 300);
	cr_expect_eq(an.exclusion_violations, 0);
	cr_expect_eq(an.sequence_errors, 0);
}

Test(trace_analysis, sched_switch_gives_oncpu_and_names, .fini = fini)
{
	sw(5, 0, 1);		/* before the first kgil event */
	attach(10, 1, 1);
	begin(20, 1, 1, false);
	granted(20, 1, 1, 0, 0);
	sw(50, 1, 0);
	sw(70, 0, 1);
	release(100, 1, 1, 80, KGIL_REL_EXPLICIT);
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	cr_expect_eq(an.nr_sched_events, 3);
	cr_expect_eq(time_in(1, KT_ST_ONCPU), 45 + 30);
	cr_expect_str_eq(thread(1)->comm, "w1");
}

Test(trace_analysis, nearest_rank_percentiles)
{
	struct kt_dist d = { 0 };

	for (uint64_t v = 100; v >= 1; v--)
		cr_assert_eq(kt_dist_add(&d, v), 0);
	cr_expect_eq(kt_dist_pct(&d, 50), 50);
	cr_expect_eq(kt_dist_pct(&d, 90), 90);
	cr_expect_eq(kt_dist_pct(&d, 99), 99);
	cr_expect_eq(kt_dist_max(&d), 100);
	cr_expect_eq(kt_dist_pct(&d, 0), 1);
	cr_expect_eq(kt_dist_sum(&d), 5050);
	free(d.v);
	cr_expect_eq(kt_hist_bucket(0), 0);
	cr_expect_eq(kt_hist_bucket(1), 0);
	cr_expect_eq(kt_hist_bucket(1023), 9);
	cr_expect_eq(kt_hist_bucket(1024), 10);
}

/* python3 says whether path holds valid JSON (0) or not. */
static int json_valid(const char *path)
{
	char *av[] = { "python3", "-c",
		       "import json,sys; json.load(open(sys.argv[1]))",
		       (char *)path, NULL };

	return spawn_wait(av);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(trace_analysis, report_and_export_are_json, .fini = fini)
{
	char path[] = "/tmp/kgil-trace-unit.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_geq(fd, 0);
	close(fd);
	battle();
	cr_assert_eq(kt_analyze(&tr, &an), 0);

	f = fopen(path, "w");
	kt_report_json(f, &tr, &an);
	fclose(f);
	cr_expect_eq(json_valid(path), 0, "report: %s", slurp(path));
	cr_expect_not_null(strstr(slurp(path), "\"handoffs\":2"));

	f = fopen(path, "w");
	kt_export_chrome(f, &an);
	fclose(f);
	cr_expect_eq(json_valid(path), 0, "export: %s", slurp(path));
	cr_expect_not_null(strstr(slurp(path), "\"ph\":\"f\""));
	cr_expect_not_null(strstr(slurp(path), "\"name\":\"failed acquire\""));
	unlink(path);
}

/* Draw the analysed trace into dir/t.EXT with gnuplot; check its magic. */
static void draw(const char *dir, bool png, const char *magic, size_t n)
{
	char dat[64], gp[64], out[64];
	char *av[] = { "gnuplot", gp, NULL };
	struct kt_timeline_opts o = { .png = png, .out = out };
	unsigned char head[8];
	struct stat st;
	FILE *df, *sf;

	snprintf(dat, sizeof(dat), "%s/t.dat", dir);
	snprintf(gp, sizeof(gp), "%s/t.gp", dir);
	snprintf(out, sizeof(out), "%s/t.%s", dir, png ? "png" : "svg");
	df = fopen(dat, "w");
	sf = fopen(gp, "w");
	/* hold x3, wait x3 (100's first wait is 0 ns long: not drawn). */
	cr_expect_geq(kt_timeline_write(df, sf, dat, &an, &o), 6);
	fclose(df);
	fclose(sf);
	cr_assert_eq(spawn_wait(av), 0, "gnuplot failed on %s", gp);
	cr_assert_eq(stat(out, &st), 0);
	cr_expect_gt(st.st_size, 2000);
	df = fopen(out, "rb");
	cr_assert_eq(fread(head, 1, n, df), n);
	fclose(df);
	cr_expect_eq(memcmp(head, magic, n), 0, "%s is not what it says", out);
	unlink(dat);
	unlink(gp);
	unlink(out);
}

Test(trace_analysis, timeline_draws_with_gnuplot, .fini = fini)
{
	char dir[] = "/tmp/kgil-trace-unit.XXXXXX";
	const char *vm = getenv("KGIL_IN_VM");

	/* gnuplot takes ~20 s to start under TCG; test_trace_e2e draws there. */
	if (vm && !strcmp(vm, "1"))
		cr_skip_test("drawn natively; the device test draws in the VM");
	cr_assert_not_null(mkdtemp(dir));
	battle();
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	draw(dir, true, "\x89PNG\r\n\x1a\n", 8);
	draw(dir, false, "<?xml", 5);
	rmdir(dir);
}

Test(trace_analysis, text_report_says_what_happened, .fini = fini)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	battle();
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	kt_report_text(f, &tr, &an);
	fclose(f);
	cr_expect_not_null(strstr(buf, "acquisitions 3, handoffs 2, failed acquisitions 2 (0.667 per acquisition)"), "%s", buf);
	cr_expect_not_null(strstr(buf, "mutual exclusion ok"), "%s", buf);
	cr_expect_not_null(strstr(buf, "policy legacy (check interval 100"), "%s", buf);
	cr_expect_not_null(strstr(buf, "thread tid 200 id 2"), "%s", buf);
	free(buf);
}

Test(trace_analysis, timeline_window_clips, .fini = fini)
{
	char *dbuf = NULL, *sbuf = NULL;
	size_t dlen = 0, slen = 0;
	FILE *df = open_memstream(&dbuf, &dlen), *sf = open_memstream(&sbuf, &slen);
	/* 1500..1800 ns after the trace's origin at 1000 ns. */
	struct kt_timeline_opts o = { .from_ms = 0.0005, .to_ms = 0.0008,
				      .out = "x.svg" };

	battle();
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	/* 100 unlocked then waiting, 200 waiting then holding. */
	cr_expect_eq(kt_timeline_write(df, sf, "x.dat", &an, &o), 4);
	fclose(df);
	fclose(sf);
	cr_expect_not_null(strstr(sbuf, "set xrange [0.000500:0.000800]"), "%s", sbuf);
	cr_expect_not_null(strstr(sbuf, "set terminal svg"), "%s", sbuf);
	free(dbuf);
	free(sbuf);
}

Test(trace_analysis, grant_before_the_receiver_runs, .fini = fini)
{
	attach(10, 1, 1);
	attach(11, 2, 2);
	begin(20, 1, 1, false);
	granted(20, 1, 1, 0, 0);
	begin(30, 2, 2, false);
	release(100, 1, 1, 80, KGIL_REL_EXPLICIT);
	handoff(100, 1, 1, 2, 2, 0);	/* the releaser hands it over */
	granted(170, 2, 2, 140, 0);	/* 2 runs 70 ns later */
	release(200, 2, 2, 100, KGIL_REL_EXPLICIT);
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	cr_expect_eq(time_in(2, KT_ST_WAIT), 70);
	cr_expect_eq(time_in(2, KT_ST_GRANTED), 70);
	cr_expect_eq(time_in(2, KT_ST_HOLD), 30);
	cr_expect_eq(an.sequence_errors, 0);
	cr_expect_eq(an.exclusion_violations, 0);
}

Test(trace_analysis, owner_death_is_counted_and_frees_the_lock, .fini = fini)
{
	attach(10, 1, 1);
	attach(11, 2, 2);
	begin(20, 1, 1, false);
	granted(20, 1, 1, 0, 0);
	begin(30, 2, 2, false);
	release(50, 1, 1, 30, KGIL_REL_EXIT);	/* 1 died holding it */
	push((struct kt_event){ .ts = 50, .type = KT_OWNER_DEATH, .thread = { 1, 1 } });
	push((struct kt_event){ .ts = 51, .type = KT_DETACH, .thread = { 1, 1 } });
	push((struct kt_event){ .ts = 60, .type = KT_ACQUIRE_END,
				.acquire_end = { 2, 2, 30, 0, 0, true } });
	cr_assert_eq(kt_analyze(&tr, &an), 0);
	cr_expect_eq(an.dom[0].c.owner_deaths, 1);
	cr_expect_eq(an.dom[0].c.owner_dead_grants, 1);
	cr_expect_eq(an.dom[0].c.release_reason[KGIL_REL_EXIT], 1);
	cr_expect_eq(marks(KT_MARK_OWNER_DEATH), 1);
	cr_expect_eq(an.exclusion_violations, 0);
	cr_expect_eq(an.sequence_errors, 0);
}
