// SPDX-License-Identifier: GPL-2.0
/*
 * py-convoy: bpo-7946 on real Python (user/python/echo_convoy.py).  A
 * threaded echo server answers the convoy peer (a separate process, the
 * one convoy uses, which does not touch kgil) over a socketpair, alone
 * and beside K CPU-bound threads; the same K threads also count alone
 * (before and after), so a policy cannot buy latency with CPU time
 * unseen.  The figures are convoy's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_py.h"
#include "bench/convoy_figures.h"
#include "bench/convoy_peer.h"
#include "support/progress.h"
#include "support/result.h"

#define PY_CONVOY_DEFAULT_ROUNDS 200
/* The interpreter starts while the peer already pings: more warm-up. */
#define PY_CONVOY_WARMUP 20

struct py_convoy_phase {
	struct convoy_report rep;
	double cpu_iters, cpu_s;
	struct py_out r;
};

/* K CPU threads beside the echo server (rounds > 0), or alone for cpu_s. */
static int py_convoy_phase(const struct bench_opts *o, int k, int rounds, double cpu_s,
			   struct py_convoy_phase *ph)
{
	char cpu[16], fd[8], secs[32];
	char *args[] = { "--cpu", cpu, rounds ? "--fd" : "--seconds", rounds ? fd : secs, NULL };
	int sv[2] = { -1, -1 }, ret, r2 = 0;
	pid_t peer = -1;
	struct py_proc p;
	struct py_out *r = &ph->r;

	memset(ph, 0, sizeof(*ph));
	snprintf(cpu, sizeof(cpu), "%d", k);
	snprintf(fd, sizeof(fd), "3");
	snprintf(secs, sizeof(secs), "%g", cpu_s);
	if (rounds) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return -errno;
		ret = convoy_peer_spawn(sv[1], rounds, PY_CONVOY_WARMUP, o->convoy.gap_ns, &peer);
		close(sv[1]);
		if (ret < 0) {
			close(sv[0]);
			return ret;
		}
	}
	ret = py_start(o, "echo_convoy.py", args, sv[0], &p);
	if (ret == 0)
		ret = py_finish(&p, r);
	if (rounds) {
		/* The script left the peer's report on our copy of the socket. */
		if (ret == 0)
			r2 = convoy_peer_collect(sv[0], peer, &ph->rep);
		close(sv[0]);
		if (ret < 0)
			waitpid(peer, NULL, 0);
		else if (r2 < 0)
			ret = r2;
	}
	if (ret < 0)
		return ret;
	if (py_get(r, "cpu_iters", -1, &ph->cpu_iters) || py_get(r, "cpu_s", -1, &ph->cpu_s))
		return -EPROTO;
	return 0;
}

int bench_py_convoy(const struct bench_opts *o, struct res *out)
{
	int k = o->threads ? o->threads : 1;
	int rounds = o->convoy.rounds ? o->convoy.rounds : PY_CONVOY_DEFAULT_ROUNDS;
	struct py_convoy_phase idle, loaded, before, alone;
	double alone_rate, loaded_rate, before_s;
	int ret = py_describe(o, out);

	if (ret < 0)
		return ret;
	convoy_put_setup(out, k, rounds, o->convoy.gap_ns);
	progress(false, "py-convoy: echo server alone, %d round trips", rounds);
	ret = py_convoy_phase(o, 0, rounds, 0, &idle);
	if (ret < 0)
		return ret;
	/*
	 * The CPU threads alone both before and after the loaded phase: the
	 * host's speed drifts (up to 2x over seconds here, more under TCG), so
	 * one phase after would compare two different machines.  Before: as
	 * long as the idle phase took, at least 0.2 s; after: as long as the
	 * loaded phase.
	 */
	before_s = (double)rounds * (double)(idle.rep.mean_ns + o->convoy.gap_ns) / 1e9;
	progress(false, "py-convoy: %d CPU thread(s) alone", k);
	ret = py_convoy_phase(o, k, 0, before_s > 0.2 ? before_s : 0.2, &before);
	if (ret < 0)
		goto out_idle;
	progress(false, "py-convoy: echo server with %d CPU thread(s)", k);
	ret = py_convoy_phase(o, k, rounds, 0, &loaded);
	if (ret < 0)
		goto out_idle;
	progress(false, "py-convoy: %d CPU thread(s) alone again", k);
	ret = py_convoy_phase(o, k, 0, loaded.cpu_s, &alone);
	if (ret < 0)
		goto out_loaded;
	convoy_put_latency(out, &idle.rep, &loaded.rep);
	py_put_stats(out, "loaded_", &loaded.r);
	/* What one connection could do at that latency, the gap aside. */
	res_num(out, "idle_round_trips_per_s", 1e9 / (double)idle.rep.mean_ns);
	res_num(out, "loaded_round_trips_per_s", 1e9 / (double)loaded.rep.mean_ns);
	alone_rate = (before.cpu_iters + alone.cpu_iters) / (before.cpu_s + alone.cpu_s);
	loaded_rate = loaded.cpu_iters / loaded.cpu_s;
	convoy_put_cpu(out, "iters", alone_rate, loaded_rate);
out_loaded:
	free(loaded.rep.rtt_ns);
out_idle:
	free(idle.rep.rtt_ns);
	return ret;
}
