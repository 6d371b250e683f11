/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The convoy scenario's measuring peer: a separate process (build/kgil
 * itself, started with posix_spawn in the hidden mode "__convoy-peer")
 * that pings the I/O thread over a socketpair and times the round trips.
 */
#ifndef KGIL_TOOLS_CONVOY_PEER_H
#define KGIL_TOOLS_CONVOY_PEER_H

#include <stdint.h>
#include <sys/types.h>

#define CONVOY_PEER_CMD "__convoy-peer"
#define CONVOY_PEER_MAGIC 0x6b67696c70656572ULL	/* "kgilpeer" */
#define CONVOY_PING 'p'
#define CONVOY_QUIT 'q'

/*
 * Sent back on the socket after CONVOY_QUIT, followed by the rounds
 * round trips themselves (uint64_t ns, sorted): the report's pictures
 * draw their distribution.
 */
struct convoy_report {
	uint64_t magic;
	uint64_t rounds;
	uint64_t p50_ns, p99_ns, mean_ns, max_ns;
	uint64_t *rtt_ns;	/* ours: filled by convoy_peer_collect (free it) */
};

/* Start the peer on fd (the peer's end of the socketpair). */
int convoy_peer_spawn(int fd, int rounds, int warmup, uint64_t gap_ns, pid_t *pid);
/* Read its report and round trips from our end and reap it. */
int convoy_peer_collect(int fd, pid_t pid, struct convoy_report *r);

#endif
