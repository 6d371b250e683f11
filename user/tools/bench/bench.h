/* SPDX-License-Identifier: GPL-2.0 */
/* `kgil bench`: options and the scenario table. */
#ifndef KGIL_TOOLS_BENCH_H
#define KGIL_TOOLS_BENCH_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kgil.h"
#include "support/parse.h"
#include "bench/spinners.h"
#include "policy/policy_spec.h"

struct res;

#define BENCH_MAX_SIZES 16

/*
 * convoy: the peer "thinks" between round trips, as a client does.
 * Without a pause the peer answers within microseconds, the I/O thread
 * takes the lock back before a waiting CPU thread has even woken up, and
 * the CPU thread starves instead (cpu_throughput_ratio shows it): another
 * pathology, not the convoy.
 */
#define BENCH_DEFAULT_GAP_NS 1000000ULL

enum io_kind { IO_BOTH, IO_TCP, IO_TIMEOUT };

/* cpu: N threads against sequential work. */
struct bench_cpu_opts {
	bool processes;			/* also run N processes */
};

/* cext: 2 threads calling GIL-releasing work, swept over sizes. */
struct bench_cext_opts {
	uint64_t work_ns[BENCH_MAX_SIZES];
	int nwork_ns;
};

/* io: io_uring I/O-bound tasks. */
struct bench_io_opts {
	enum io_kind kind;
	uint64_t latency_ns;		/* server / remote call latency */
};

/* convoy: an I/O thread's round trips beside CPU-bound threads. */
struct bench_convoy_opts {
	int rounds;			/* round trips per phase */
	uint64_t gap_ns;		/* the peer's pause between pings */
};

/* handoff: lock ping-pong against a futex ping-pong. */
struct bench_handoff_opts {
	int rounds;
	uint64_t hold_ns;		/* time a holder keeps the lock */
};

/* Zero means "the scenario's default" for every number. */
struct bench_opts {
	const char *scenario;
	enum kgil_backend backend;
	bool stock;			/* py-*: --backend stock, CPython's GIL */
	const char *py_io;		/* py-*: KGIL_PY_IO, NULL: the default */
	uint32_t policy;		/* 0: the backend's default policy */
	/* KGIL_POLICY_BPF: --policy bpf:NAME|PATH, and the name a run chose */
	struct policy_spec bpf;
	char bpf_name[KGIL_POLICY_NAME_LEN];
	uint32_t check_interval;
	uint64_t switch_interval_ns;
	int64_t handoff_spin_ns;	/* -1: the policy's default */
	int threads;
	bool cpus_set;
	cpu_set_t cpus;
	char cpus_str[64];
	double tick_ns;
	double duration_s;
	uint64_t work;
	int repeat;
	bool json;
	bool quiet;
	bool count_syscalls;		/* perf syscall counter (cpu, overhead) */
	double cap_s;			/* longest a timed phase may run */
	enum spin_mode spin;		/* idle spinners (spinners.h) */
	bool uring_acquire;		/* io, convoy: KGIL_URING_CMD_ACQUIRE */
	/* Each scenario's own options (zero: its default). */
	struct bench_cpu_opts cpu;
	struct bench_cext_opts cext;
	struct bench_io_opts io;
	struct bench_convoy_opts convoy;
	struct bench_handoff_opts handoff;
};

struct scenario {
	const char *name;
	const char *summary;
	/* Fill out; 0, or -errno after printing what failed. */
	int (*run)(const struct bench_opts *o, struct res *out);
	/* Runs the patched interpreter: --backend stock (its own GIL) allowed. */
	bool python;
};

extern const struct scenario bench_scenarios[];

int bench_cpu(const struct bench_opts *o, struct res *out);
int bench_cext(const struct bench_opts *o, struct res *out);
int bench_io(const struct bench_opts *o, struct res *out);
int bench_convoy(const struct bench_opts *o, struct res *out);
int bench_handoff(const struct bench_opts *o, struct res *out);
int bench_overhead(const struct bench_opts *o, struct res *out);
int bench_py_cpu(const struct bench_opts *o, struct res *out);
int bench_py_convoy(const struct bench_opts *o, struct res *out);
int bench_py_cext(const struct bench_opts *o, struct res *out);

const struct scenario *bench_find(const char *name);
/* Defaults for everything; the backend from $KGIL_BACKEND or kernel. */
void bench_opts_init(struct bench_opts *o);
/*
 * Parse the options after the scenario name (argv[0] is the first
 * option).  Returns 0, or -1 after printing why (the caller exits 2).
 */
int bench_parse(struct bench_opts *o, int argc, char **argv);
void bench_usage(FILE *f);
/* --name (no dashes): 1 takes a value, 0 is a flag, -1 no such option. */
int bench_option_arg(const char *name);
/* The one policy a user backend implements; 0: any (the kernel). */
uint32_t bench_backend_only_policy(enum kgil_backend backend);
/* Run the scenario (o->repeat times, medians) into out: 0 or -errno. */
int bench_run(const struct bench_opts *o, struct res *out);

/* `kgil bench ...` and the convoy peer's hidden entry point. */
int cmd_bench(int argc, char **argv);
int cmd_convoy_peer(int argc, char **argv);


#endif
