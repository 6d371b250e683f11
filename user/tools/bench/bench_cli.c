// SPDX-License-Identifier: GPL-2.0
/* `kgil bench SCENARIO [options]`: option parsing and the scenario table. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "support/json.h"
#include "support/progress.h"
#include "support/result.h"
#include "support/table.h"
#include "bench/uring_one.h"
#include "bench/work.h"

const struct scenario bench_scenarios[] = {
	{ "cpu", "N CPU-bound threads vs the same work sequentially", bench_cpu, false },
	{ "cext", "2 threads calling GIL-releasing \"C\" work, swept over --work-ns", bench_cext, false },
	{ "io", "io_uring I/O-bound tasks (loopback TCP, timeouts): threads vs sequential", bench_io, false },
	{ "convoy", "an I/O thread's round trips with and without CPU-bound threads", bench_convoy, false },
	{ "handoff", "lock ping-pong latency vs a raw futex ping-pong", bench_handoff, false },
	{ "overhead", "an attached CPU loop vs the same loop with no lock", bench_overhead, false },
	{ "py-cpu", "real Python: countdown in N threads vs sequentially (make python)", bench_py_cpu, true },
	{ "py-convoy", "real Python: a threaded echo server beside CPU-bound threads", bench_py_convoy, true },
	{ "py-cext", "real Python: 2 threads hashing buffers of growing size", bench_py_cext, true },
	{ NULL, NULL, NULL, false },
};

const struct scenario *bench_find(const char *name)
{
	for (const struct scenario *s = bench_scenarios; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

void bench_usage(FILE *f)
{
	fputs("usage: kgil bench SCENARIO [options]\n\nscenarios:\n", f);
	for (const struct scenario *s = bench_scenarios; s->name; s++)
		fprintf(f, "  %-9s %s\n", s->name, s->summary);
	fputs("\n"
	      "options (TIME takes a unit: ns, us, ms, s; none means seconds):\n"
	      "  --backend B          kernel | user-legacy | user-newgil ($KGIL_BACKEND, else kernel);\n"
	      "                       py-*: also stock (CPython's own GIL)\n"
	      "  --policy P           legacy | newgil | fifo | ioprio (default: the backend's),\n"
	      "                       bpf:NAME (registered: kgil policy load) or bpf:PATH\n"
	      "                       (an object file, loaded for the run); kernel only\n"
	      "  --check-interval N   ticks between checks (legacy; default 100)\n"
	      "  --switch-interval T  switch interval (newgil and later; default 5ms)\n"
	      "  --handoff-spin T     fifo, ioprio: longest spin for a due handoff\n"
	      "                       before sleeping; 0: never spin (default 1ms)\n"
	      "  --threads N          threads (cpu: 2, cext: 2, io: 3 tasks, convoy: 1 CPU thread)\n"
	      "  --cpus LIST          run on these CPUs only, e.g. 0 or 0-1 (sched_setaffinity)\n"
	      "  --tick-ns N          wall time of one tick (default 25, see docs/bench.md)\n"
	      "  --duration T         size the work: sequential time of a phase\n"
	      "  --work N             size the work: ticks per thread (cpu, overhead),\n"
	      "                       calls per thread (cext), requests per task (io)\n"
	      "  --repeat N           run N times, report medians (default 1)\n"
	      "  --json               one JSON object on stdout (keys: docs/bench.md)\n"
	      "  --quiet              no progress lines on stderr\n"
	      "  --processes          cpu: also run the work in N processes\n"
	      "  --no-syscall-count   cpu, overhead: do not count system calls with perf\n"
	      "  --work-ns LIST       cext: GIL-released work per call, e.g. 250,1000,4000\n"
	      "  --kind K             io: tcp | timeout | both (default both)\n"
	      "  --latency T          io: server/remote-call latency (default 40ms)\n"
	      "  --rounds N           convoy: round trips per phase (200); handoff: 2000\n"
	      "  --gap T              convoy: peer's pause between round trips (1ms)\n"
	      "  --hold T             handoff: time each holder keeps the lock (100us)\n"
	      "  --cap T              stop a timed phase after T and extrapolate (120s)\n"
	      "  --py-io M            py-*: fd | all | nolock | none: which of Python's GIL\n"
	      "                       releases are I/O (KGIL_PY_IO, docs/python.md; fd)\n"
	      "  --uring-acquire      io, convoy: wait for the I/O and the lock in one\n"
	      "                       io_uring_enter (KGIL_URING_CMD_ACQUIRE; kernel)\n"
	      "  --idle-spinners M    off | on | auto: SCHED_IDLE spinners keep CPUs from\n"
	      "                       halting (default off; auto: on in the kgil VM)\n",
	      f);
}

static int parse_sizes(const char *s, struct bench_opts *o)
{
	char buf[512], *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	o->cext.nwork_ns = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (o->cext.nwork_ns == BENCH_MAX_SIZES || parse_u64(tok, &v) < 0)
			return -EINVAL;
		o->cext.work_ns[o->cext.nwork_ns++] = v;
	}
	return o->cext.nwork_ns ? 0 : -EINVAL;
}

void bench_opts_init(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->backend = KGIL_BACKEND_KERNEL;
	kgil_backend_from_env(KGIL_BACKEND_KERNEL, &o->backend);
	o->tick_ns = WORK_DEFAULT_TICK_NS;
	o->repeat = 1;
	o->count_syscalls = true;
	o->cap_s = 120;
	o->spin = SPIN_OFF;
	o->convoy.gap_ns = BENCH_DEFAULT_GAP_NS;
	o->handoff_spin_ns = -1;
}

enum {
	OPT_BACKEND = 256, OPT_POLICY, OPT_CHECK, OPT_SWITCH, OPT_THREADS, OPT_CPUS,
	OPT_TICK, OPT_DURATION, OPT_WORK, OPT_REPEAT, OPT_JSON, OPT_QUIET,
	OPT_PROCESSES, OPT_NO_SYSCALLS, OPT_WORK_NS, OPT_KIND, OPT_LATENCY,
	OPT_ROUNDS, OPT_GAP, OPT_HOLD, OPT_CAP, OPT_URING_ACQUIRE, OPT_SPIN, OPT_PY_IO,
	OPT_HANDOFF_SPIN,
};

static const struct option long_opts[] = {
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "check-interval", required_argument, NULL, OPT_CHECK },
	{ "switch-interval", required_argument, NULL, OPT_SWITCH },
	{ "handoff-spin", required_argument, NULL, OPT_HANDOFF_SPIN },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "tick-ns", required_argument, NULL, OPT_TICK },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "work", required_argument, NULL, OPT_WORK },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "processes", no_argument, NULL, OPT_PROCESSES },
	{ "no-syscall-count", no_argument, NULL, OPT_NO_SYSCALLS },
	{ "work-ns", required_argument, NULL, OPT_WORK_NS },
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "latency", required_argument, NULL, OPT_LATENCY },
	{ "rounds", required_argument, NULL, OPT_ROUNDS },
	{ "gap", required_argument, NULL, OPT_GAP },
	{ "hold", required_argument, NULL, OPT_HOLD },
	{ "cap", required_argument, NULL, OPT_CAP },
	{ "py-io", required_argument, NULL, OPT_PY_IO },
	{ "idle-spinners", required_argument, NULL, OPT_SPIN },
	{ "uring-acquire", no_argument, NULL, OPT_URING_ACQUIRE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A count option in [min, max]. */
static int parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return parse_u64(s, out) < 0 || *out < min || *out > max ? -EINVAL : 0;
}

static int parse_one(struct bench_opts *o, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case OPT_BACKEND:
		/* CPython's own GIL, for the py-* scenarios' reference column. */
		o->stock = !strcmp(arg, "stock");
		return o->stock ? 0 : kgil_backend_parse(arg, &o->backend);
	case OPT_POLICY:
		if (policy_spec_parse(arg, &o->bpf) < 0)
			return -EINVAL;
		o->policy = o->bpf.id;
		return 0;
	case OPT_CHECK:
		if (parse_count(arg, 1, UINT32_MAX, &v) < 0)
			return -EINVAL;
		o->check_interval = (uint32_t)v;
		return 0;
	case OPT_SWITCH:
		if (parse_time_ns(arg, &v) < 0 || v < KGIL_MIN_SWITCH_INTERVAL_NS ||
		    v > KGIL_MAX_SWITCH_INTERVAL_NS)
			return -EINVAL;
		o->switch_interval_ns = v;
		return 0;
	case OPT_HANDOFF_SPIN:
		if (parse_time_ns(arg, &v) < 0 || v > KGIL_MAX_SPIN_NS)
			return -EINVAL;
		o->handoff_spin_ns = (int64_t)v;
		return 0;
	case OPT_THREADS:
		if (parse_count(arg, 1, 1024, &v) < 0)
			return -EINVAL;
		o->threads = (int)v;
		return 0;
	case OPT_CPUS:
		if (strlen(arg) >= sizeof(o->cpus_str) || parse_cpus(arg, &o->cpus) < 0)
			return -EINVAL;
		strcpy(o->cpus_str, arg);
		o->cpus_set = true;
		return 0;
	case OPT_TICK:
		if (parse_count(arg, 1, 1000000, &v) < 0)
			return -EINVAL;
		o->tick_ns = (double)v;
		return 0;
	case OPT_DURATION:
		if (parse_time_ns(arg, &v) < 0 || !v)
			return -EINVAL;
		o->duration_s = v / 1e9;
		return 0;
	case OPT_WORK:
		return parse_count(arg, 1, UINT64_MAX / 4, &o->work);
	case OPT_REPEAT:
		if (parse_count(arg, 1, 1000, &v) < 0)
			return -EINVAL;
		o->repeat = (int)v;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	case OPT_PROCESSES:
		o->cpu.processes = true;
		return 0;
	case OPT_NO_SYSCALLS:
		o->count_syscalls = false;
		return 0;
	case OPT_WORK_NS:
		return parse_sizes(arg, o);
	case OPT_KIND:
		if (!strcmp(arg, "both"))
			o->io.kind = IO_BOTH;
		else if (!strcmp(arg, "tcp"))
			o->io.kind = IO_TCP;
		else if (!strcmp(arg, "timeout"))
			o->io.kind = IO_TIMEOUT;
		else
			return -EINVAL;
		return 0;
	case OPT_LATENCY:
		return parse_time_ns(arg, &o->io.latency_ns) < 0 || !o->io.latency_ns ? -EINVAL : 0;
	case OPT_ROUNDS:
		if (parse_count(arg, 1, 10000000, &v) < 0)
			return -EINVAL;
		o->convoy.rounds = o->handoff.rounds = (int)v;
		return 0;
	case OPT_GAP:
		return parse_time_ns(arg, &o->convoy.gap_ns);
	case OPT_HOLD:
		return parse_time_ns(arg, &o->handoff.hold_ns);
	case OPT_PY_IO:
		if (strcmp(arg, "fd") && strcmp(arg, "all") && strcmp(arg, "nolock") &&
		    strcmp(arg, "none"))
			return -EINVAL;
		o->py_io = arg;
		return 0;
	case OPT_CAP:
		if (parse_time_ns(arg, &v) < 0 || !v)
			return -EINVAL;
		o->cap_s = v / 1e9;
		return 0;
	case OPT_SPIN:
		return parse_spin_mode(arg, &o->spin);
	case OPT_URING_ACQUIRE:
		o->uring_acquire = true;
		return 0;
	}
	return -EINVAL;
}

int bench_option_arg(const char *name)
{
	for (const struct option *lo = long_opts; lo->name; lo++)
		if (!strcmp(lo->name, name))
			return lo->has_arg == required_argument;
	return -1;
}

uint32_t bench_backend_only_policy(enum kgil_backend backend)
{
	return backend == KGIL_BACKEND_USER_LEGACY ? KGIL_POLICY_LEGACY :
	       backend == KGIL_BACKEND_USER_NEWGIL ? KGIL_POLICY_NEWGIL : 0;
}

/* The user backends implement one policy each. */
static int check_policy(const struct bench_opts *o)
{
	uint32_t only = bench_backend_only_policy(o->backend);
	const struct scenario *sc = bench_find(o->scenario);

	if (only && o->policy && o->policy != only) {
		fprintf(stderr, "kgil bench: backend %s implements only policy %s\n",
			kgil_backend_name(o->backend), kgil_policy_name(only));
		return -1;
	}
	if (o->stock && (!sc || !sc->python)) {
		fprintf(stderr, "kgil bench: --backend stock is CPython's own GIL: py-* scenarios only\n");
		return -1;
	}
	if (o->stock && (o->policy || o->check_interval || o->switch_interval_ns || o->py_io)) {
		fprintf(stderr, "kgil bench: --backend stock takes no policy options\n");
		return -1;
	}
	if (o->uring_acquire && o->backend != KGIL_BACKEND_KERNEL) {
		fprintf(stderr, "kgil bench: --uring-acquire needs the kernel backend\n");
		return -1;
	}
	return 0;
}

int bench_parse(struct bench_opts *o, int argc, char **argv)
{
	int opt;

	/* getopt_long skips argv[0]: the scenario name stands there. */
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			bench_usage(stdout);
			exit(0);
		}
		if (opt == '?' || opt == ':') {
			fprintf(stderr, "kgil bench: %s: %s\n",
				opt == '?' ? "unknown option" : "missing argument",
				argv[optind - 1]);
			return -1;
		}
		if (parse_one(o, opt, optarg) < 0) {
			const struct option *lo = long_opts;

			while (lo->name && lo->val != opt)
				lo++;
			fprintf(stderr, "kgil bench: bad value for --%s: '%s'\n",
				lo->name ? lo->name : "?", optarg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kgil bench: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return check_policy(o);
}

static void put_common(const struct bench_opts *o, struct res *out)
{
	cpu_set_t now;

	sched_getaffinity(0, sizeof(now), &now);
	res_num(out, "tick_ns", o->tick_ns);
	res_num(out, "tick_ns_measured", work_measured_tick_ns());
	res_num(out, "spin_iters_per_ns", work_iters_per_ns());
	res_str(out, "cpus", o->cpus_set ? o->cpus_str : "all");
	res_int(out, "ncpus", CPU_COUNT(&now));
	res_int(out, "repeat", o->repeat);
	res_bool(out, "idle_spinners", spinners_running());
	if (o->uring_acquire)
		res_bool(out, "uring_acquire", true);
}

static int bench_run_policy(const struct bench_opts *o, struct res *out);

/*
 * A BPF policy is there for the whole run: bpf:PATH is loaded first and
 * unloaded last; every domain the scenario opens chooses it by name.
 */
int bench_run(const struct bench_opts *o, struct res *out)
{
	struct bench_opts run;
	struct policy_run pr;
	int ret;

	if (o->policy != KGIL_POLICY_BPF)
		return bench_run_policy(o, out);
	ret = policy_run_begin("kgil bench", &o->bpf, &pr);
	if (ret)
		return ret;
	run = *o;
	memcpy(run.bpf_name, pr.name, sizeof(run.bpf_name));
	ret = bench_run_policy(&run, out);
	policy_run_end(&pr);
	return ret;
}

static int bench_run_policy(const struct bench_opts *o, struct res *out)
{
	const struct scenario *s = bench_find(o->scenario);
	struct res **runs;
	cpu_set_t saved;
	int ret = 0, n = 0;

	if (!s)
		return -EINVAL;
	runs = calloc(o->repeat, sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	sched_getaffinity(0, sizeof(saved), &saved);
	if (o->cpus_set && sched_setaffinity(0, sizeof(o->cpus), &o->cpus) < 0) {
		ret = -errno;
		fprintf(stderr, "kgil bench: --cpus %s: %s\n", o->cpus_str, strerror(errno));
		free(runs);
		return ret;
	}
	res_str(out, "scenario", s->name);
	put_common(o, out);
	uring_one_acquire(o->uring_acquire);
	while (n < o->repeat) {
		if (o->repeat > 1)
			progress(false, "%s: run %d of %d", s->name, n + 1, o->repeat);
		runs[n] = res_new_obj();
		ret = s->run(o, runs[n++]);
		if (ret < 0)
			break;
	}
	if (o->cpus_set)
		sched_setaffinity(0, sizeof(saved), &saved);
	/* One run is itself; several give their medians, key by key. */
	if (ret == 0)
		res_splice(out, o->repeat > 1 ? res_median(runs, n) : runs[0]);
	for (int i = o->repeat > 1 || ret ? 0 : 1; i < n; i++)
		res_free(runs[i]);
	free(runs);
	return ret;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	struct res *out;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		bench_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	progress_init();
	bench_opts_init(&o);
	o.scenario = argv[1];
	if (!bench_find(o.scenario)) {
		fprintf(stderr, "kgil bench: unknown scenario '%s'\n", o.scenario);
		bench_usage(stderr);
		return 2;
	}
	if (bench_parse(&o, argc - 1, argv + 1) < 0) {
		bench_usage(stderr);
		return 2;
	}
	progress_quiet(o.quiet);
	if (spinners_wanted(o.spin) && spinners_start() < 0)
		fprintf(stderr, "kgil bench: cannot start the idle spinners\n");
	work_calibrate(o.tick_ns);
	out = res_new_obj();
	ret = bench_run(&o, out);
	spinners_stop();
	if (ret == 0) {
		if (o.json)
			json_write(stdout, out, 2);
		else
			table_print_result(stdout, out);
	}
	res_free(out);
	return ret ? 1 : 0;
}
