// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "support/clock.h"
#include "bench/convoy_peer.h"
#include "support/stats.h"

extern char **environ;

/* The peer's end becomes its fd 3; no other descriptor crosses over. */
#define PEER_FD 3

int convoy_peer_spawn(int fd, int rounds, int warmup, uint64_t gap_ns, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	char r[24], w[24], g[24], fdarg[8];
	char *argv[] = { "kgil", CONVOY_PEER_CMD, fdarg, r, w, g, NULL };
	int ret;

	snprintf(fdarg, sizeof(fdarg), "%d", PEER_FD);
	snprintf(r, sizeof(r), "%d", rounds);
	snprintf(w, sizeof(w), "%d", warmup);
	snprintf(g, sizeof(g), "%llu", (unsigned long long)gap_ns);
	posix_spawn_file_actions_init(&fa);
	/* dup2 clears FD_CLOEXEC on the copy; fd itself is CLOEXEC. */
	posix_spawn_file_actions_adddup2(&fa, fd, PEER_FD);
	ret = posix_spawn(pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return -ret;
}

/* Read exactly len bytes. */
static int read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

int convoy_peer_collect(int fd, pid_t pid, struct convoy_report *r)
{
	/* The pointer is ours, not the peer's: only the fields before it travel. */
	size_t wire = offsetof(struct convoy_report, rtt_ns);
	int st, ret = read_all(fd, r, wire);

	r->rtt_ns = NULL;
	if (!ret && r->magic == CONVOY_PEER_MAGIC && r->rounds && r->rounds < (1u << 24)) {
		r->rtt_ns = calloc(r->rounds, sizeof(*r->rtt_ns));
		ret = r->rtt_ns ? read_all(fd, r->rtt_ns, r->rounds * sizeof(*r->rtt_ns)) :
				  -ENOMEM;
	}
	if (waitpid(pid, &st, 0) < 0)
		ret = ret ? ret : -errno;
	else if (!ret && (r->magic != CONVOY_PEER_MAGIC || !r->rtt_ns || !WIFEXITED(st) ||
			  WEXITSTATUS(st)))
		ret = -EPROTO;
	if (ret) {
		free(r->rtt_ns);
		r->rtt_ns = NULL;
	}
	return ret;
}

static int xfer(int fd, char *c, bool out)
{
	for (;;) {
		ssize_t n = out ? write(fd, c, 1) : read(fd, c, 1);

		if (n == 1)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return n ? -errno : -EPIPE;
	}
}

/* kgil __convoy-peer FD ROUNDS WARMUP GAP_NS */
int cmd_convoy_peer(int argc, char **argv)
{
	struct convoy_report rep = { .magic = CONVOY_PEER_MAGIC };
	uint64_t fd, rounds, warmup, gap, *rtt, sum = 0;
	struct timespec ts;

	if (argc != 5 || parse_u64(argv[1], &fd) < 0 || parse_u64(argv[2], &rounds) < 0 ||
	    parse_u64(argv[3], &warmup) < 0 || parse_u64(argv[4], &gap) < 0 || !rounds) {
		fprintf(stderr, "usage: kgil %s FD ROUNDS WARMUP GAP_NS (internal)\n", CONVOY_PEER_CMD);
		return 2;
	}
	rtt = calloc(rounds, sizeof(*rtt));
	if (!rtt)
		return 1;
	ts.tv_sec = gap / 1000000000ULL;
	ts.tv_nsec = gap % 1000000000ULL;
	for (uint64_t i = 0; i < warmup + rounds; i++) {
		char c = CONVOY_PING;
		uint64_t t0 = now_ns();

		if (xfer((int)fd, &c, true) < 0 || xfer((int)fd, &c, false) < 0) {
			fprintf(stderr, "kgil: convoy peer: the I/O thread went away\n");
			return 1;
		}
		if (i >= warmup)
			rtt[i - warmup] = now_ns() - t0;
		if (gap)
			nanosleep(&ts, NULL);
	}
	for (uint64_t i = 0; i < rounds; i++) {
		sum += rtt[i];
		if (rtt[i] > rep.max_ns)
			rep.max_ns = rtt[i];
	}
	rep.rounds = rounds;
	rep.mean_ns = sum / rounds;
	rep.p50_ns = percentile_u64(rtt, rounds, 50);
	rep.p99_ns = percentile_u64(rtt, rounds, 99);
	char q = CONVOY_QUIT;

	/* percentile_u64 sorted rtt: the samples go back in order. */
	size_t wire = offsetof(struct convoy_report, rtt_ns);
	int bad = xfer((int)fd, &q, true) < 0 ||
		  write((int)fd, &rep, wire) != (ssize_t)wire ||
		  write((int)fd, rtt, rounds * sizeof(*rtt)) != (ssize_t)(rounds * sizeof(*rtt));

	free(rtt);
	return bad;
}
