// SPDX-License-Identifier: GPL-2.0
/*
 * lib-overhead: what libkgil costs a CPU-bound thread that holds the lock
 * alone (no contention).
 *
 * The same loop runs with and without the lock: each iteration does a
 * fixed amount of "interpreter work" (work rounds of xorshift64, about a
 * nanosecond each) and, with the lock, one kgil_tick().  With work 0 the
 * difference per iteration is the cost of one uncontended tick; with a
 * work size like a bytecode's (tens of ns) it is the overhead a program
 * pays.  Times are the thread's CPU time, best of --repeat runs, the two
 * variants alternating, so that a busy machine disturbs them less.
 *
 * usage: lib-overhead [--backend NAME] [--policy NAME] [--iters N]
 *                     [--work K[,K...]] [--repeat R]
 * Backend from --backend, else $KGIL_BACKEND, else user-newgil.  Output:
 * one line per work size, key=value fields.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "kgil.h"

static inline uint64_t work(uint64_t x, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static volatile uint64_t sink;
static long tick_errors;

/* ns per iteration; the asm keeps both loops equally unoptimisable. */
static double run(bool locked, long iters, int rounds)
{
	uint64_t x = 88172645463325252ULL, t0 = thread_cpu_ns();

	if (locked) {
		for (long i = 0; i < iters; i++) {
			x = work(x, rounds);
			__asm__ volatile("" : "+r"(x));
			if (__builtin_expect(kgil_tick() < 0, 0))
				tick_errors++;
		}
	} else {
		for (long i = 0; i < iters; i++) {
			x = work(x, rounds);
			__asm__ volatile("" : "+r"(x));
		}
	}
	sink = x;
	return (double)(thread_cpu_ns() - t0) / (double)iters;
}

int main(int argc, char **argv)
{
	enum kgil_backend backend;
	long iters = 2000000;
	int repeat = 31, ret;
	char works[128] = "0,10,30";
	struct kgil_counters c;
	struct kgil_policy p;
	const char *policy = NULL;
	struct kgil *g;

	ret = kgil_backend_from_env(KGIL_BACKEND_USER_NEWGIL, &backend);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--backend") && v)
			ret = kgil_backend_parse(v, &backend);
		else if (!strcmp(argv[i], "--policy") && v)
			policy = v;
		else if (!strcmp(argv[i], "--iters") && v)
			iters = atol(v);
		else if (!strcmp(argv[i], "--work") && v)
			snprintf(works, sizeof(works), "%s", v);
		else if (!strcmp(argv[i], "--repeat") && v)
			repeat = atoi(v);
		else {
			fprintf(stderr, "usage: lib-overhead [--backend NAME] [--policy NAME] "
				"[--iters N] [--work K[,K...]] [--repeat R]\n");
			return 2;
		}
		i++;
	}
	if (ret < 0 || iters < 1 || repeat < 1) {
		fprintf(stderr, "lib-overhead: bad arguments\n");
		return 2;
	}
	ret = kgil_open(backend, &g);
	if (ret < 0) {
		fprintf(stderr, "lib-overhead: open %s: %s\n",
			kgil_backend_name(backend), strerror(-ret));
		return 1;
	}
	if (policy) {
		uint32_t id;

		ret = kgil_policy_parse(policy, &id);
		if (!ret)
			ret = kgil_policy_default(id, &p);
		if (!ret)
			ret = kgil_set_policy(g, &p);
		if (ret < 0) {
			fprintf(stderr, "lib-overhead: policy %s: %s\n", policy,
				strerror(-ret));
			return 1;
		}
	}
	kgil_get_policy(g, &p);
	if (kgil_attach(g) < 0 || kgil_acquire(g, NULL) < 0) {
		fprintf(stderr, "lib-overhead: attach/acquire failed\n");
		return 1;
	}
	for (char *tok = strtok(works, ","); tok; tok = strtok(NULL, ",")) {
		int rounds = atoi(tok);
		double best_lock = 1e30, best_free = 1e30;

		for (int r = 0; r < repeat; r++) {
			double f = run(false, iters, rounds);
			double l = run(true, iters, rounds);

			best_free = f < best_free ? f : best_free;
			best_lock = l < best_lock ? l : best_lock;
		}
		printf("backend=%s policy=%s work=%d iters=%ld no_lock_ns=%.3f "
		       "tick_ns=%.3f diff_ns=%.3f overhead_pct=%.2f\n",
		       kgil_backend_name(backend), kgil_policy_name(p.policy),
		       rounds, iters, best_free,
		       best_lock, best_lock - best_free,
		       100.0 * (best_lock - best_free) / best_free);
	}
	kgil_stats(g, &c);
	printf("backend=%s checks=%llu acquisitions=%llu tick_errors=%ld\n",
	       kgil_backend_name(backend), (unsigned long long)c.checks,
	       (unsigned long long)c.acquisitions, tick_errors);
	kgil_release(g);
	kgil_detach(g);
	kgil_close(g);
	return tick_errors ? 1 : 0;
}
