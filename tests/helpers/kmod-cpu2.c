// SPDX-License-Identifier: GPL-2.0
/*
 * kmod-cpu2: Beazley's experiment on the kernel lock.  Two CPU-bound
 * "interpreter" threads share one kgil domain; the same work done by one
 * thread after the other is the baseline.  Printed per policy: threaded
 * time / sequential time, CHECK syscalls, failed attempts, handoffs, drop
 * requests, forced switches, context switches (getrusage) and idle_ms,
 * the threaded run's wall time during which nobody held the lock (thread
 * start-up plus every handoff's latency: on a loaded host, mostly the time
 * an idle vCPU takes to be scheduled again).
 *
 *   kmod-cpu2 [--policy legacy|newgil|both] [--ticks N] [--tick-ns NS]
 *             [--reps R] [--one-cpu]
 *
 * A tick is a calibrated busy loop of about --tick-ns (default 50 ns:
 * a bytecode's cost) followed by the interpreter's check, as the
 * interpreters did it:
 *  - legacy: every check_interval (100) ticks, a CHECK syscall only when
 *    somebody waits (nr_waiting in the shared page): Python 2 with an
 *    uncontended semaphore made no system call;
 *  - newgil: a load of drop_request at every tick (CPython's eval
 *    breaker), CHECK only when it is set.
 * Each thread runs --ticks ticks (default 5M); sequentially, one thread
 * runs both shares.  Each policy runs --reps (default 5) pairs of a
 * sequential run followed at once by a threaded one, so that both see
 * the same load on a shared host; the pair with the median ratio is
 * printed.  Raw ioctls only (the policy's defaults from libkgil).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/kgil.h>

#include "busy.h"
#include "clock.h"
#include "kgil.h"
#include "raw.h"

/* One tick's work: busy_work() iterations, calibrated in main(). */
static unsigned long spin_per_tick = 8;

struct domain {
	int fd;
	const volatile struct kgil_shared *sh;
};

struct worker {
	struct domain *d;
	uint32_t policy;
	long ticks;
	int cpu;		/* pin here, or -1 */
	int err;
	long checks;
};

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* The interpreter loop: ticks, with the policy's check. */
static int run_ticks(struct worker *w)
{
	const volatile struct kgil_shared *sh = w->d->sh;
	uint32_t interval = sh->check_interval;
	struct kgil_acquire a;
	int countdown = (int)interval, ret;

	for (long i = 0; i < w->ticks; i++) {
		busy_work(spin_per_tick);
		if (w->policy == KGIL_POLICY_LEGACY) {
			if (--countdown > 0)
				continue;
			countdown = (int)interval;
			if (!sh->nr_waiting)
				continue;
		} else if (!sh->drop_request) {
			continue;
		}
		memset(&a, 0, sizeof(a));
		w->checks++;
		ret = raw_ioctl(w->d->fd, KGIL_IOC_CHECK, &a);
		if (ret)
			return ret;
	}
	return 0;
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct kgil_attach at = { 0 };
	struct kgil_acquire a = { 0 };

	pin(w->cpu);
	w->err = raw_ioctl(w->d->fd, KGIL_IOC_ATTACH, &at);
	if (!w->err)
		w->err = raw_ioctl(w->d->fd, KGIL_IOC_ACQUIRE, &a);
	if (!w->err)
		w->err = run_ticks(w);
	if (!w->err)
		w->err = raw_ioctl(w->d->fd, KGIL_IOC_RELEASE, NULL);
	raw_ioctl(w->d->fd, KGIL_IOC_DETACH, NULL);
	return NULL;
}

static int open_domain(struct domain *d, uint32_t policy)
{
	struct kgil_policy p;
	int ret = kgil_policy_default(policy, &p);

	if (ret)
		return ret;
	d->fd = raw_open(O_CLOEXEC);
	if (d->fd < 0)
		return d->fd;
	ret = raw_set_policy(d->fd, &p);
	if (ret)
		return ret;
	d->sh = raw_map(d->fd);
	return d->sh ? 0 : -errno;
}

static void close_domain(struct domain *d)
{
	raw_unmap(d->sh);
	close(d->fd);
}

struct result {
	double secs;
	long ctxsw;
	long checks;
	struct kgil_counters c;
};

static long ctx_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* nthreads workers share 2 * ticks ticks. */
static int run_once(uint32_t policy, int nthreads, long ticks, bool one_cpu,
		    struct result *r)
{
	struct worker w[2];
	pthread_t th[2];
	struct domain d;
	struct kgil_stats st = { .scope = KGIL_STATS_DOMAIN };
	long cs0;
	uint64_t t0;
	int ret;

	ret = open_domain(&d, policy);
	if (ret)
		return ret;
	memset(w, 0, sizeof(w));
	cs0 = ctx_switches();
	t0 = now_ns();
	for (int i = 0; i < nthreads; i++) {
		w[i].d = &d;
		w[i].policy = policy;
		w[i].ticks = 2 * ticks / nthreads;
		w[i].cpu = one_cpu ? 0 : -1;
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	r->checks = 0;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		if (w[i].err)
			ret = w[i].err;
		r->checks += w[i].checks;
	}
	r->secs = (double)(now_ns() - t0) / 1e9;
	r->ctxsw = ctx_switches() - cs0;
	if (!ret)
		ret = raw_ioctl(d.fd, KGIL_IOC_STATS, &st);
	r->c = st.c;
	close_domain(&d);
	return ret;
}

struct pair {
	struct result seq, thr;
	double ratio;
};

static int cmp_pair(const void *a, const void *b)
{
	double x = ((const struct pair *)a)->ratio;
	double y = ((const struct pair *)b)->ratio;

	return (x > y) - (x < y);
}

/*
 * reps pairs (sequential, then threaded right after, so both see the same
 * host load); the pair with the median ratio is the result.
 */
static int run_pairs(uint32_t policy, long ticks, bool one_cpu, int reps,
		     struct pair *out)
{
	struct pair p[15];
	int ret;

	for (int i = 0; i < reps; i++) {
		ret = run_once(policy, 1, ticks, one_cpu, &p[i].seq);
		if (!ret)
			ret = run_once(policy, 2, ticks, one_cpu, &p[i].thr);
		if (ret)
			return ret;
		p[i].ratio = p[i].thr.secs / p[i].seq.secs;
	}
	qsort(p, (size_t)reps, sizeof(p[0]), cmp_pair);
	*out = p[reps / 2];
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kmod-cpu2 [--policy legacy|newgil|both] [--ticks N] "
		   "[--tick-ns NS] [--reps R] [--one-cpu]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "ticks", required_argument, NULL, 't' },
		{ "tick-ns", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "one-cpu", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *which = "both";
	long ticks = 5000000, tick_ns = 50;
	int reps = 5, c, ret;
	bool one_cpu = false;
	uint32_t policies[2];
	int np = 0;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'p': which = optarg; break;
		case 't': ticks = atol(optarg); break;
		case 'n': tick_ns = atol(optarg); break;
		case 'r': reps = atoi(optarg); break;
		case '1': one_cpu = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (ticks < 1000 || tick_ns < 1 || reps < 1 || reps > 15) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(which, "legacy") || !strcmp(which, "both"))
		policies[np++] = KGIL_POLICY_LEGACY;
	if (!strcmp(which, "newgil") || !strcmp(which, "both"))
		policies[np++] = KGIL_POLICY_NEWGIL;
	if (!np) {
		usage(stderr);
		return 2;
	}
	pin(one_cpu ? 0 : -1);
	spin_per_tick = busy_calibrate((uint64_t)tick_ns);
	printf("kmod-cpu2: %ld CPUs%s, 2 x %ld ticks of ~%ld ns (%lu spins), "
	       "median ratio of %d sequential/threaded pairs\n", sysconf(_SC_NPROCESSORS_ONLN),
	       one_cpu ? " (pinned to 1)" : "", ticks, tick_ns, spin_per_tick,
	       reps);
	printf("%-7s %8s %8s %6s %9s %9s %8s %7s %7s %8s %8s %8s\n", "policy",
	       "seq_s", "thr_s", "ratio", "checks", "failed", "handoffs",
	       "drops", "forced", "cs_seq", "cs_thr", "idle_ms");
	for (int i = 0; i < np; i++) {
		struct pair pr;
		struct result *seq = &pr.seq, *thr = &pr.thr;

		ret = run_pairs(policies[i], ticks, one_cpu, reps, &pr);
		if (ret) {
			fprintf(stderr, "kmod-cpu2: %s\n", strerror(-ret));
			return 1;
		}
		printf("%-7s %8.3f %8.3f %6.2f %9ld %9llu %8llu %7llu %7llu %8ld %8ld %8.1f\n",
		       policies[i] == KGIL_POLICY_LEGACY ? "legacy" : "newgil",
		       seq->secs, thr->secs, pr.ratio, thr->checks,
		       (unsigned long long)thr->c.failed_acquires,
		       (unsigned long long)thr->c.handoffs,
		       (unsigned long long)thr->c.drop_requests,
		       (unsigned long long)thr->c.forced_switches,
		       seq->ctxsw, thr->ctxsw,
		       (thr->secs * 1e9 - (double)thr->c.total_hold_ns) / 1e6);
	}
	return 0;
}
