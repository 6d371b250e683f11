// SPDX-License-Identifier: GPL-2.0
/*
 * trace-workload: a short, bounded kgil workload for the tracing tests
 * (tests/kmod/test_trace_e2e.c) and the tracing-cost figure, run under
 * `kgil trace record`.  CPU-bound threads tick through a fixed amount of
 * work holding the lock; an optional I/O thread releases it around short
 * sleeps.  Before closing the domain it writes the module's own counters
 * (KGIL_IOC_STATS) to --stats, which the test compares with the trace.
 *
 * usage: trace-workload [--policy NAME] [--threads N] [--ticks N]
 *                       [--work N] [--io N] [--stats FILE]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "busy.h"
#include "kgil.h"

static struct kgil *g;
static long ticks = 20000, work = 50, io_rounds;

static void die(const char *what, int err)
{
	fprintf(stderr, "trace-workload: %s: %s\n", what, strerror(-err));
	exit(1);
}

/* One "interpreter instruction". */
static void spin(void)
{
	busy_work((unsigned long)work);
}

static void start_holding(void)
{
	int ret;

	if ((ret = kgil_attach(g)) < 0)
		die("attach", ret);
	if ((ret = kgil_acquire(g, NULL)))
		die("acquire", ret);
}

static void stop_holding(void)
{
	int ret;

	if ((ret = kgil_release(g)))
		die("release", ret);
	if ((ret = kgil_detach(g)))
		die("detach", ret);
}

static void *cpu_thread(void *arg)
{
	(void)arg;
	start_holding();
	for (long i = 0; i < ticks; i++) {
		spin();
		kgil_tick();
	}
	stop_holding();
	return NULL;
}

static void *io_thread(void *arg)
{
	struct timespec ts = { 0, 300000 };
	int ret;

	(void)arg;
	start_holding();
	for (long i = 0; i < io_rounds; i++) {
		if ((ret = kgil_io_begin(g)))
			die("io_begin", ret);
		nanosleep(&ts, NULL);
		if ((ret = kgil_io_end(g, NULL)))
			die("io_end", ret);
		for (int k = 0; k < 100; k++) {
			spin();
			kgil_tick();
		}
	}
	stop_holding();
	return NULL;
}

static void write_stats(const char *path)
{
	struct kgil_stats s = { .scope = KGIL_STATS_DOMAIN };
	const struct kgil_counters *c = &s.c;
	FILE *f;

	if (ioctl(kgil_fd(g), KGIL_IOC_STATS, &s))
		die("KGIL_IOC_STATS", -errno);
	f = fopen(path, "w");
	if (!f)
		die(path, -errno);
	fprintf(f, "domain_id %" PRIu64 "\nacquisitions %llu\nreleases %llu\n"
		"handoffs %llu\nfailed_acquires %llu\ndrop_requests %llu\n"
		"owner_deaths %llu\nio_begins %llu\n",
		(uint64_t)s.domain_id, c->acquisitions, c->releases, c->handoffs,
		c->failed_acquires, c->drop_requests, c->owner_deaths,
		c->io_begins);
	if (fclose(f))
		die(path, -errno);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 'n' },
		{ "ticks", required_argument, NULL, 't' },
		{ "work", required_argument, NULL, 'w' },
		{ "io", required_argument, NULL, 'i' },
		{ "stats", required_argument, NULL, 's' },
		{ 0 },
	};
	const char *policy = "newgil", *stats = NULL;
	pthread_t th[65];
	struct kgil_policy pol;
	uint32_t pid;
	int n = 2, nth = 0, c, ret;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': policy = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 't': ticks = atol(optarg); break;
		case 'w': work = atol(optarg); break;
		case 'i': io_rounds = atol(optarg); break;
		case 's': stats = optarg; break;
		default: return 2;
		}
	}
	if (n < 0 || n > 64 || kgil_policy_parse(policy, &pid))
		return 2;
	if ((ret = kgil_open(KGIL_BACKEND_KERNEL, &g)))
		die("open", ret);
	if ((ret = kgil_policy_default(pid, &pol)) || (ret = kgil_set_policy(g, &pol)))
		die("policy", ret);
	for (int i = 0; i < n; i++)
		if (pthread_create(&th[nth++], NULL, cpu_thread, NULL))
			die("pthread_create", -EAGAIN);
	if (io_rounds && pthread_create(&th[nth++], NULL, io_thread, NULL))
		die("pthread_create", -EAGAIN);
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (stats)
		write_stats(stats);
	if ((ret = kgil_close(g)))
		die("close", ret);
	return 0;
}
