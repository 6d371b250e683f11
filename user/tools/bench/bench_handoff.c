// SPDX-License-Identifier: GPL-2.0
/*
 * handoff: how long from one thread's release to the waiting thread's
 * return from acquire, against the same ping-pong on a bare futex word in
 * the same run.  The protocol keeps each handoff a real wake-up of a
 * sleeping waiter under every policy:
 *  - the holder releases only after the other thread has announced it is
 *    about to wait and hold_ns more have passed (it is asleep by then);
 *  - the releaser asks for the lock again only once the other thread has
 *    it, so no policy can let it barge back in.
 * One sample is release-to-acquired; the p50 of each is compared.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench/bench.h"
#include "support/clock.h"
#include "bench/bench_domain.h"
#include "bench/phase.h"
#include "support/progress.h"
#include "support/result.h"
#include "support/stats.h"

#define HANDOFF_DEFAULT_ROUNDS 2000
#define HANDOFF_DEFAULT_HOLD_NS 100000ULL

struct pingpong {
	struct kgil *g;
	bool futex;		/* the raw futex ping-pong instead of the lock */
	int rounds;
	uint64_t hold_ns;
	atomic_int owner;	/* futex word: whose turn it is (0 or 1) */
	atomic_int holder;	/* who has it now (set once timed) */
	atomic_int waiting;	/* who announced it is about to wait, or -1 */
	atomic_int quit;
	atomic_uint_fast64_t t_release;
	uint64_t *samples;
	int nsamples;
};

static long futex(atomic_int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* Spin (yielding now and then: --cpus 0 puts both threads on one CPU). */
static bool spin_until(atomic_int *word, int value, struct crew_member *m)
{
	for (unsigned int i = 1; atomic_load(word) != value; i++) {
		if (crew_stopped(m))
			return false;
		/* No PAUSE: under TCG it leaves translated code (spinners.c). */
		if (i % 256 == 0)
			sched_yield();
	}
	return true;
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		sched_yield();
}

static int pp_wait(struct pingpong *p, int me)
{
	if (!p->futex)
		return kgil_acquire(p->g, NULL);
	while (atomic_load(&p->owner) != me)
		if (futex(&p->owner, FUTEX_WAIT_PRIVATE, 1 - me) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			return -errno;
	return 0;
}

static int pp_pass(struct pingpong *p, int me)
{
	if (!p->futex)
		return kgil_release(p->g);
	atomic_store(&p->owner, 1 - me);
	return futex(&p->owner, FUTEX_WAKE_PRIVATE, 1) < 0 ? -errno : 0;
}

static int pp_worker(struct crew_member *m)
{
	struct pingpong *p = m->arg;
	int me = m->idx, other = 1 - me, ret = 0;
	bool holding = me == 0;	/* thread 0 starts with the lock */

	if (!p->futex) {
		ret = domain_attach(p->g);
		if (ret < 0)
			return ret;
		ret = holding ? domain_acquire(p->g) : 0;
		if (ret < 0)
			return ret;
	}
	crew_start(m);
	for (;;) {
		uint64_t t;

		if (holding) {
			if (!spin_until(&p->waiting, other, m))
				break;
			spin_ns(p->hold_ns);	/* the waiter is asleep by now */
			if (p->nsamples >= p->rounds)
				atomic_store(&p->quit, 1);
			atomic_store(&p->t_release, now_ns());
			ret = pp_pass(p, me);
			if (ret < 0)
				break;
			holding = false;
			if (atomic_load(&p->quit))
				break;
			/* Ask again only once the other has it: no barging. */
			if (!spin_until(&p->holder, other, m))
				break;
		}
		atomic_store(&p->waiting, me);
		ret = pp_wait(p, me);
		if (ret < 0)
			break;
		t = now_ns();
		holding = true;
		if (atomic_load(&p->quit))
			break;
		p->samples[p->nsamples++] = t - atomic_load(&p->t_release);
		atomic_store(&p->holder, me);
	}
	crew_finish(m);
	if (!p->futex)
		domain_leave(p->g, holding);
	return ret;
}

static int pingpong_run(const struct bench_opts *o, bool use_futex, int rounds,
			uint64_t hold_ns, double *p50_us, double *p99_us)
{
	struct pingpong p = {
		.futex = use_futex, .rounds = rounds, .hold_ns = hold_ns,
		.waiting = -1,
	};
	struct phase ph;
	int ret;

	p.samples = calloc(rounds, sizeof(*p.samples));
	if (!p.samples)
		return -ENOMEM;
	ret = phase_run(o, 2, pp_worker, &p, &p.g, o->cap_s, &ph);
	if (ret == 0 && p.nsamples) {
		*p50_us = percentile_u64(p.samples, p.nsamples, 50) / 1e3;
		*p99_us = percentile_u64(p.samples, p.nsamples, 99) / 1e3;
	} else if (ret == 0) {
		ret = -EIO;
	}
	free(p.samples);
	return ret;
}

int bench_handoff(const struct bench_opts *o, struct res *out)
{
	int rounds = o->handoff.rounds ? o->handoff.rounds : HANDOFF_DEFAULT_ROUNDS;
	uint64_t hold = o->handoff.hold_ns ? o->handoff.hold_ns : HANDOFF_DEFAULT_HOLD_NS;
	double h50, h99, f50, f99;
	int ret = domain_describe(o, out);

	if (ret < 0)
		return ret;
	res_int(out, "rounds", rounds);
	res_num(out, "hold_us", hold / 1e3);
	progress(false, "handoff: lock ping-pong, %d rounds", rounds);
	ret = pingpong_run(o, false, rounds, hold, &h50, &h99);
	if (ret < 0) {
		fprintf(stderr, "kgil: handoff: lock ping-pong: %s\n", strerror(-ret));
		return ret;
	}
	progress(false, "handoff: futex ping-pong, %d rounds", rounds);
	ret = pingpong_run(o, true, rounds, hold, &f50, &f99);
	if (ret < 0) {
		fprintf(stderr, "kgil: handoff: futex ping-pong: %s\n", strerror(-ret));
		return ret;
	}
	res_num(out, "handoff_p50_us", h50);
	res_num(out, "handoff_p99_us", h99);
	res_num(out, "futex_p50_us", f50);
	res_num(out, "futex_p99_us", f99);
	res_num(out, "ratio", h50 / f50);
	return 0;
}
