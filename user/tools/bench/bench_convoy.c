// SPDX-License-Identifier: GPL-2.0
/*
 * convoy: bpo-7946.  An I/O thread answers pings from another process
 * over a socketpair; each answer needs the lock back after the wait.
 * Alone (K=0) it gets it at once; with K CPU-bound threads holding the
 * lock it waits for the policy to hand it over: up to a switch interval
 * per round trip under newgil.  The CPU threads' throughput is measured
 * with and without the I/O thread, so a policy cannot buy latency with
 * CPU time unseen.
 */
#include <errno.h>
#include <liburing.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "support/clock.h"
#include "bench/convoy_figures.h"
#include "bench/convoy_peer.h"
#include "bench/bench_domain.h"
#include "bench/interp.h"
#include "bench/phase.h"
#include "support/progress.h"
#include "support/result.h"
#include "bench/uring_one.h"

#define CONVOY_DEFAULT_ROUNDS 200
#define CONVOY_WARMUP 10

/* Handling a message: a few dozen bytecodes of an echo handler. */
#define CONVOY_TICKS_PER_MSG 50
#define CONVOY_CHUNK (1 << 14)

struct convoy_job {
	struct kgil *g;
	int fd;			/* our end of the socketpair */
	bool with_io;		/* member 0 is the I/O thread */
	atomic_int stop;	/* the I/O thread is done: CPU threads stop */
	atomic_uint_fast64_t cpu_ticks;
	double t_cpu_start, t_cpu_end;
	int io_err;
};

/* Echo until the peer says quit; the lock is released while waiting. */
static int io_thread(struct convoy_job *j, struct crew_member *m)
{
	struct io_uring ring;
	int err = 0, ret = io_uring_queue_init(4, &ring, 0);

	if (ret < 0)
		return ret;
	ret = domain_join(j->g, m);
	if (ret < 0) {
		io_uring_queue_exit(&ring);
		return ret;
	}
	for (;;) {
		char c;

		io_uring_prep_recv(io_uring_get_sqe(&ring), j->fd, &c, 1, 0);
		ret = uring_one(j->g, &ring);
		if (ret <= 0 || c != CONVOY_PING)
			break;
		interp_run(CONVOY_TICKS_PER_MSG, NULL, &err);
		io_uring_prep_send(io_uring_get_sqe(&ring), j->fd, &c, 1, MSG_NOSIGNAL);
		ret = uring_one(j->g, &ring);
		if (ret < 0)
			break;
	}
	atomic_store(&j->stop, 1);
	crew_finish(m);
	domain_leave(j->g, ret != -EINTR && ret != -EBADF);
	io_uring_queue_exit(&ring);
	if (ret < 0) {
		fprintf(stderr, "kgil: convoy: I/O thread: %s\n", strerror(-ret));
		return ret;
	}
	return err;
}

static int cpu_thread(struct convoy_job *j, struct crew_member *m)
{
	uint64_t done = 0;
	int err = 0, ret = domain_join(j->g, m);

	if (ret < 0)
		return ret;
	while (!atomic_load(&j->stop) && !crew_stopped(m) && !err)
		done += interp_run(CONVOY_CHUNK, &j->stop, &err);
	crew_finish(m);
	atomic_fetch_add(&j->cpu_ticks, done);
	domain_leave(j->g, true);
	if (err < 0)
		fprintf(stderr, "kgil: convoy: CPU thread: check: %s\n", strerror(-err));
	return err;
}

static int convoy_worker(struct crew_member *m)
{
	struct convoy_job *j = m->arg;

	if (j->with_io && m->idx == 0)
		return io_thread(j, m);
	return cpu_thread(j, m);
}

struct convoy_phase {
	struct convoy_report rep;
	double wall_s;
	uint64_t cpu_ticks;
	struct phase_cost cost;
};

/*
 * k CPU threads, with the I/O thread and its peer when rounds > 0;
 * without, the CPU threads run for cpu_s.
 */
static int convoy_phase(const struct bench_opts *o, int k, int rounds, double cpu_s,
			struct convoy_phase *out)
{
	struct convoy_job j = { .fd = -1, .with_io = rounds > 0 };
	struct phase p;
	int sv[2] = { -1, -1 }, ret;
	pid_t pid = -1;

	memset(out, 0, sizeof(*out));
	if (j.with_io) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -errno;
		ret = convoy_peer_spawn(sv[1], rounds, CONVOY_WARMUP, o->convoy.gap_ns, &pid);
		close(sv[1]);
		if (ret < 0) {
			close(sv[0]);
			fprintf(stderr, "kgil: convoy: spawning the peer: %s\n", strerror(-ret));
			return ret;
		}
		j.fd = sv[0];
	}
	ret = phase_run(o, k + j.with_io, convoy_worker, &j, &j.g,
			j.with_io ? o->cap_s : cpu_s, &p);
	if (j.with_io) {
		int r2 = ret < 0 ? 0 : convoy_peer_collect(sv[0], pid, &out->rep);

		if (ret < 0) {
			/* The peer is blocked on us: closing our end ends it. */
			close(sv[0]);
			sv[0] = -1;
			waitpid(pid, NULL, 0);
		} else if (r2 < 0) {
			fprintf(stderr, "kgil: convoy: peer report: %s\n", strerror(-r2));
			ret = r2;
		}
		if (sv[0] >= 0)
			close(sv[0]);
	}
	out->wall_s = p.wall_s;
	out->cost = p.cost;
	out->cpu_ticks = atomic_load(&j.cpu_ticks);
	return ret;
}

/* A phase's round trips, sorted, as an array of microseconds; frees them. */
static void put_rtts(struct res *out, const char *key, struct convoy_report *rep)
{
	struct res *arr = res_arr(out, key);

	for (uint64_t i = 0; rep->rtt_ns && i < rep->rounds; i++)
		res_num(arr, NULL, rep->rtt_ns[i] / 1e3);
	free(rep->rtt_ns);
	rep->rtt_ns = NULL;
}

int bench_convoy(const struct bench_opts *o, struct res *out)
{
	int k = o->threads ? o->threads : 1;
	int rounds = o->convoy.rounds ? o->convoy.rounds : CONVOY_DEFAULT_ROUNDS;
	struct convoy_phase idle, loaded, alone;
	double alone_rate, loaded_rate;
	int ret = domain_describe(o, out);

	if (ret < 0)
		return ret;
	convoy_put_setup(out, k, rounds, o->convoy.gap_ns);

	progress(false, "convoy: I/O thread alone, %d round trips", rounds);
	ret = convoy_phase(o, 0, rounds, 0, &idle);
	if (ret < 0)
		return ret;
	progress(false, "convoy: I/O thread with %d CPU thread(s)", k);
	ret = convoy_phase(o, k, rounds, 0, &loaded);
	if (ret < 0) {
		free(idle.rep.rtt_ns);
		return ret;
	}
	/* The same CPU threads alone, for as long as the loaded phase. */
	progress(false, "convoy: %d CPU thread(s) alone", k);
	ret = k ? convoy_phase(o, k, 0, loaded.wall_s, &alone) : 0;
	if (ret < 0) {
		free(idle.rep.rtt_ns);
		free(loaded.rep.rtt_ns);
		return ret;
	}

	convoy_put_latency(out, &idle.rep, &loaded.rep);
	put_rtts(out, "idle_rtt_us", &idle.rep);
	put_rtts(out, "loaded_rtt_us", &loaded.rep);
	phase_cost_put(out, "loaded_", &loaded.cost);
	if (k) {
		alone_rate = alone.cpu_ticks / alone.wall_s;
		loaded_rate = loaded.cpu_ticks / loaded.wall_s;
		convoy_put_cpu(out, "ticks", alone_rate, loaded_rate);
	} else {
		res_null(out, "cpu_alone_ticks_per_s");
		res_null(out, "cpu_loaded_ticks_per_s");
		res_null(out, "cpu_throughput_ratio");
	}
	return 0;
}
