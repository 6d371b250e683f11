// SPDX-License-Identifier: GPL-2.0
/*
 * kgil-fuzz: throw random, malformed and racing calls at /dev/kgil.
 *
 *   kgil-fuzz --iterations N --seed S [--threads T] [--max-seconds M] [-v]
 *
 * Worker threads pick operations from a weighted table: well-formed and
 * malformed ioctls (unknown numbers, known numbers with other sizes or
 * directions, reserved bits, bad policies and parameters, NULL, unmapped,
 * kernel, non-canonical, misaligned, read-only and page-straddling
 * pointers), attach/detach, real acquire/check/release sequences, policy
 * changes, close-and-reopen of the shared descriptors (while others wait
 * on them), dup, mmap with every protection (writable must be refused),
 * mprotect, munmap, fork (the child uses the inherited descriptor and may
 * die holding the lock), io_uring acquire commands when the module has
 * them, and thread exit while attached or holding.
 *
 * The module must answer everything with an errno, never with a splat (the
 * VM's dmesg gate judges that) and never by accepting what it must refuse;
 * those checks ("violations") are listed in docs/reliability.md.  At the
 * end every domain's statistics must balance and every dead thread must be
 * gone from it.
 *
 * Reproducible: each worker draws from its own stream derived from the
 * seed, so a worker's sequence of calls is fixed by (seed, worker); with
 * --threads 1 the whole run is.  The fuzzer never hangs: a waiting call
 * is interrupted by a signal after a while (which also exercises -EINTR),
 * a call that a signal cannot end is reported as stuck, and an alarm ends
 * the run after --max-seconds.
 */
#include <errno.h>
#include <inttypes.h>
#include <liburing.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kgil.h"
#include "args.h"
#include "clock.h"
#include "invariants.h"
#include "raw.h"
#include "rng.h"

#define NSLOTS		8	/* shared domains, reopened at random */
#define MAX_WORKERS	64
#define MAX_MAPS	4
#define MAX_ERRNO	134
#define KICK_AFTER_NS	(50 * 1000000ull)	/* signal a call this old */
#define STUCK_NS	(30 * 1000000000ull)	/* ... and give up here */

/* ---- what the module is asked ---------------------------------------- */

enum arg_kind { ARG_NONE, ARG_FEATURES, ARG_POLICY, ARG_ATTACH, ARG_ACQUIRE,
		ARG_STATS };

struct cmd_desc {
	unsigned long cmd;
	const char *name;
	enum arg_kind kind;
	bool reads;		/* copies its argument in (in or in/out) */
	bool writes;		/* copies a result back to userspace */
	uint64_t feature;	/* advertised by this KGIL_FEAT_* bit */
};

static const struct cmd_desc cmds[] = {
	{ KGIL_IOC_FEATURES, "FEATURES", ARG_FEATURES, false, true, 0 },
	{ KGIL_IOC_SET_POLICY, "SET_POLICY", ARG_POLICY, true, false, KGIL_FEAT_LOCK },
	{ KGIL_IOC_GET_POLICY, "GET_POLICY", ARG_POLICY, false, true, KGIL_FEAT_LOCK },
	{ KGIL_IOC_ATTACH, "ATTACH", ARG_ATTACH, true, true, KGIL_FEAT_LOCK },
	{ KGIL_IOC_DETACH, "DETACH", ARG_NONE, false, false, KGIL_FEAT_LOCK },
	{ KGIL_IOC_ACQUIRE, "ACQUIRE", ARG_ACQUIRE, true, true, KGIL_FEAT_LOCK },
	{ KGIL_IOC_RELEASE, "RELEASE", ARG_NONE, false, false, KGIL_FEAT_LOCK },
	{ KGIL_IOC_CHECK, "CHECK", ARG_ACQUIRE, true, true, KGIL_FEAT_LOCK },
	{ KGIL_IOC_IO_BEGIN, "IO_BEGIN", ARG_NONE, false, false, KGIL_FEAT_IO },
	{ KGIL_IOC_IO_END, "IO_END", ARG_ACQUIRE, true, true, KGIL_FEAT_IO },
	{ KGIL_IOC_STATS, "STATS", ARG_STATS, true, true, KGIL_FEAT_STATS },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static size_t arg_size(enum arg_kind k)
{
	switch (k) {
	case ARG_FEATURES: return sizeof(struct kgil_features);
	case ARG_POLICY: return sizeof(struct kgil_policy);
	case ARG_ATTACH: return sizeof(struct kgil_attach);
	case ARG_ACQUIRE: return sizeof(struct kgil_acquire);
	case ARG_STATS: return sizeof(struct kgil_stats);
	default: return 0;
	}
}

static const struct cmd_desc *find_cmd(unsigned long cmd)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (cmds[i].cmd == cmd)
			return &cmds[i];
	return NULL;
}

/* Addresses no user copy may touch (all below mmap_min_addr or not user). */
static const uint64_t bad_addrs[] = {
	0, 0x10, 0x1000, 0xfff8,
	0x0000800000000000ull,		/* first non-canonical */
	0xffff800000000000ull,
	0xffff888000000000ull,		/* direct map */
	0xffffffff81000000ull,		/* kernel text */
	0xffffffffff600000ull,		/* vsyscall page */
	0xfffffffffffff000ull, ~0ull,
};
#define NBAD (sizeof(bad_addrs) / sizeof(bad_addrs[0]))

/* Magics with generic VFS ioctls (FIOCLEX, FIFREEZE, FS_IOC_*, FICLONE,
 * FIGETBSZ...) that must not be fired at random at a device file. */
static bool magic_is_vfs(unsigned int m)
{
	return m == 0x00 || m == 'T' || m == 'X' || m == 'f' || m == 0x94;
}

/* ---- shared state ------------------------------------------------------ */

static struct {
	uint64_t iterations, seed, threads, max_seconds, fail_slab;
	bool verbose;
} opt = { .iterations = 20000, .threads = 8, .max_seconds = 600 };

static _Atomic int slot_fd[NSLOTS];
static struct kgil_features feat;
static void *ro_page;		/* PROT_READ, zero: writes must fault */
static void *none_page;		/* PROT_NONE: every access faults */
static long page_size;
static atomic_bool stopping;
static sem_t exited;		/* a worker returned */

struct counts {
	uint64_t calls, errs[MAX_ERRNO + 1];
	uint64_t maps, reopens, forks, deaths, uring, violations;
};

struct worker {
	pthread_t th;
	unsigned int idx, gen;
	uint64_t todo, iter;
	struct rng rng;
	struct counts n;
	unsigned char *buf;	/* a page, then a PROT_NONE page */
	struct { void *addr; size_t len; } maps[MAX_MAPS];
	struct io_uring ring;
	bool ring_ok;
	unsigned int uring_pending;
	/* read by the kicker */
	_Atomic uint64_t call_start;	/* 0: not in a call */
	_Atomic unsigned long call_cmd;
	atomic_uint kicks;
	pthread_mutex_t lock;		/* alive vs. pthread_kill */
	bool alive, started;
	int fail_fd;			/* make-it-fail, -1 without faults */
	bool finished;
};

static struct worker workers[MAX_WORKERS];

static bool has_feat(uint64_t bit)
{
	return (feat.features & bit) == bit;
}

#define violation(w, fmt, ...) do {					\
	(w)->n.violations++;						\
	fprintf(stderr, "kgil-fuzz: VIOLATION (worker %u gen %u iter %"	\
		PRIu64 "): " fmt "\n", (w)->idx, (w)->gen, (w)->iter,	\
		##__VA_ARGS__);						\
} while (0)

/*
 * With --fail-slab 1 on a fault-injection kernel (failslab set up by
 * tests/device.d/74-failslab.sh), the kernel allocations a worker's kgil
 * calls make fail at random: switched on just around those calls, since
 * a failure in a page fault of the fuzzer's own would only kill it
 * (SIGBUS).
 */
static void inject_faults(struct worker *w, bool on)
{
	if (w->fail_fd >= 0 && pwrite(w->fail_fd, on ? "1" : "0", 1, 0) < 0)
		w->fail_fd = -1;
}

/* One ioctl, timed for the kicker, its errno counted. */
static int fz_ioctl(struct worker *w, int fd, unsigned long cmd, void *arg)
{
	int ret;

	atomic_store(&w->call_cmd, cmd);
	atomic_store(&w->call_start, now_ns());
	inject_faults(w, true);
	ret = raw_ioctl(fd, cmd, arg);
	inject_faults(w, false);
	atomic_store(&w->call_start, 0);
	w->n.calls++;
	w->n.errs[-ret <= MAX_ERRNO ? -ret : 0]++;
	return ret;
}

/*
 * Whether fd is (still) a kgil domain: a slot closed by another worker may
 * have had its number reused by an io_uring ring in the meantime.
 */
static dev_t kgil_rdev;

static bool is_kgil(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == kgil_rdev;
}

static int pick_fd(struct worker *w)
{
	return atomic_load(&slot_fd[rng_below(&w->rng, NSLOTS)]);
}

static uint64_t pick_timeout(struct rng *r)
{
	static const uint64_t t[] = { 0, 1000, 100000, 1000000, 5000000,
				      20000000 };

	return t[rng_below(r, sizeof(t) / sizeof(t[0]))];
}

/* ---- argument generation ---------------------------------------------- */

/*
 * Fill an argument of kind k at p: mostly valid, sometimes with reserved
 * bits, unknown flags or out-of-range values.  Returns true when the
 * header says the module must refuse it (EINVAL) whatever its state.
 */
static bool gen_policy(struct rng *r, struct kgil_policy *p)
{
	static const uint64_t sw[] = {
		0, KGIL_MIN_SWITCH_INTERVAL_NS - 1, KGIL_MIN_SWITCH_INTERVAL_NS,
		KGIL_DEFAULT_SWITCH_INTERVAL_NS, 100000, KGIL_MAX_SWITCH_INTERVAL_NS,
		KGIL_MAX_SWITCH_INTERVAL_NS + 1, ~0ull,
	};
	bool bad = false;

	kgil_policy_default(1 + (uint32_t)rng_below(r, KGIL_POLICY_MAX), p);
	if (rng_pct(r, 10))
		p->policy = rng_pct(r, 50) ? (uint32_t)rng_below(r, 8) : (uint32_t)rng_next(r);
	if (rng_pct(r, 10))
		p->flags = (uint32_t)rng_next(r);
	if (rng_pct(r, 10))
		p->check_interval = rng_pct(r, 50) ? 0 : (uint32_t)rng_next(r);
	if (rng_pct(r, 30))
		p->switch_interval_ns = sw[rng_below(r, sizeof(sw) / sizeof(sw[0]))];
	if (rng_pct(r, 10))
		p->io_boost_ns = rng_next(r) >> rng_below(r, 64);
	if (rng_pct(r, 5))
		p->reserved0 = 1;
	if (rng_pct(r, 10))
		p->spin_ns = rng_pct(r, 50) ? rng_below(r, 2 * KGIL_MAX_SPIN_NS) :
					      rng_next(r);
	if (rng_pct(r, 5))
		p->reserved[rng_below(r, 3)] = rng_next(r) | 1;

	bad |= p->policy < 1 || p->policy > KGIL_POLICY_MAX;
	bad |= p->policy == KGIL_POLICY_BPF;	/* only by name */
	bad |= !bad && (feat.features >> 32) && !has_feat(KGIL_FEAT_POLICY(p->policy));
	bad |= (p->flags & ~KGIL_POLICY_FLAGS_ALL) != 0;
	bad |= p->check_interval == 0;
	bad |= p->switch_interval_ns < KGIL_MIN_SWITCH_INTERVAL_NS ||
	       p->switch_interval_ns > KGIL_MAX_SWITCH_INTERVAL_NS;
	bad |= p->io_boost_ns < KGIL_MIN_SWITCH_INTERVAL_NS ||
	       p->io_boost_ns > KGIL_MAX_SWITCH_INTERVAL_NS;
	bad |= p->spin_ns > KGIL_MAX_SPIN_NS;
	bad |= p->reserved0 || p->reserved[0] || p->reserved[1] ||
	       p->reserved[2];
	return bad;
}

static bool gen_acquire(struct rng *r, struct kgil_acquire *a)
{
	memset(a, 0, sizeof(*a));
	switch (rng_below(r, 10)) {
	case 0: a->flags = KGIL_ACQUIRE_TRY; break;
	case 1: a->flags = 0; break;		/* blocking: the kicker ends it */
	case 2: a->flags = (uint32_t)rng_next(r); break;
	default: a->flags = KGIL_ACQUIRE_TIMEOUT; break;
	}
	a->timeout_ns = rng_pct(r, 5) ? rng_next(r) : pick_timeout(r);
	if (rng_pct(r, 10)) {		/* out fields: must be ignored */
		a->result = (uint32_t)rng_next(r);
		a->wait_ns = rng_next(r);
		a->failed_attempts = (uint32_t)rng_next(r);
	}
	if (rng_pct(r, 5))
		a->reserved0 = (uint32_t)rng_next(r) | 1;
	/* A resume token: any value is valid; only its own cut wait's
	 * start resumes, anything else starts a new wait. */
	if (rng_pct(r, 5))
		a->resume_ns = rng_pct(r, 50) ? rng_next(r) : now_ns();
	/*
	 * A restart's deadline, valid only with the TIMEOUT flag, which the
	 * caller may still add (blocking forms): not counted as invalid,
	 * like a timeout without the flag.
	 */
	if (rng_pct(r, 5))
		a->deadline_ns = rng_pct(r, 50) ? rng_next(r) | 1 :
				 now_ns() + pick_timeout(r);
	return (a->flags & ~KGIL_ACQUIRE_FLAGS_ALL) || a->reserved0;
}

static bool gen_arg(struct rng *r, enum arg_kind k, void *p)
{
	switch (k) {
	case ARG_POLICY:
		return gen_policy(r, p);
	case ARG_ACQUIRE:
		return gen_acquire(r, p);
	case ARG_ATTACH: {
		struct kgil_attach *a = p;

		memset(a, 0, sizeof(*a));
		if (rng_pct(r, 5))
			a->flags = (uint32_t)rng_next(r) | 1;
		if (rng_pct(r, 5))
			a->reserved[rng_below(r, 2)] = rng_next(r) | 1;
		if (rng_pct(r, 10))
			a->id = (uint32_t)rng_next(r);	/* out: ignored */
		return a->flags || a->reserved[0] || a->reserved[1];
	}
	case ARG_STATS: {
		struct kgil_stats *s = p;

		memset(s, 0, sizeof(*s));
		s->scope = rng_pct(r, 90) ? (uint32_t)rng_below(r, 2) : (uint32_t)rng_next(r) | 2;
		s->id = rng_pct(r, 50) ? 0 : (uint32_t)rng_below(r, 12);
		if (rng_pct(r, 5))
			s->id = (uint32_t)rng_next(r);
		return s->scope > KGIL_STATS_THREAD;
	}
	case ARG_FEATURES:
		memset(p, rng_pct(r, 10) ? 0xa5 : 0, arg_size(k));
		return false;
	default:
		return false;
	}
}

/* ---- operations ---------------------------------------------------------- */

/* A known command, well or badly formed, at an aligned or misaligned spot. */
static void op_ioctl(struct worker *w)
{
	const struct cmd_desc *c = &cmds[rng_below(&w->rng, NCMDS)];
	unsigned char *p = w->buf + (rng_pct(&w->rng, 20) ? 1 + rng_below(&w->rng, 7) : 0);
	uint64_t arg = (uintptr_t)p;
	bool bad = false;
	int fd, ret;

	if (c->kind == ARG_NONE) {
		/* No argument: whatever is passed must be ignored. */
		arg = rng_pct(&w->rng, 70) ? 0 : rng_next(&w->rng);
	} else if (rng_pct(&w->rng, 5)) {
		for (size_t i = 0; i < arg_size(c->kind); i++)
			p[i] = (unsigned char)rng_next(&w->rng);
		arg = (uintptr_t)p;
	} else {
		/* Only what the module reads can be invalid. */
		bad = gen_arg(&w->rng, c->kind, p) && c->reads;
	}
	/* Blocking forms only sometimes: they cost a kick each. */
	if (c->kind == ARG_ACQUIRE && !(((struct kgil_acquire *)p)->flags &
					 (KGIL_ACQUIRE_TIMEOUT | KGIL_ACQUIRE_TRY)) &&
	    rng_pct(&w->rng, 80))
		((struct kgil_acquire *)p)->flags |= KGIL_ACQUIRE_TIMEOUT;

	fd = pick_fd(w);
	ret = fz_ioctl(w, fd, c->cmd, (void *)(uintptr_t)arg);
	if (ret == -ENOTTY && has_feat(c->feature) && c->feature && is_kgil(fd))
		violation(w, "%s answered ENOTTY though its feature is advertised", c->name);
	if (bad && ret == 0)
		violation(w, "%s accepted an argument the header says is invalid", c->name);
}

/* A known command with an address it must not be able to use. */
static void op_bad_pointer(struct worker *w)
{
	const struct cmd_desc *c;
	unsigned int kind = (unsigned int)rng_below(&w->rng, 4);
	uint64_t addr;
	bool must_fail;
	int ret;

	do
		c = &cmds[rng_below(&w->rng, NCMDS)];
	while (c->kind == ARG_NONE);

	switch (kind) {
	case 0: /* unmapped, kernel or non-canonical */
		addr = bad_addrs[rng_below(&w->rng, NBAD)];
		must_fail = true;
		break;
	case 1: /* mapped, no access */
		addr = (uintptr_t)none_page + rng_below(&w->rng, 64);
		must_fail = true;
		break;
	case 2: /* read-only: a command that writes back must fault */
		addr = (uintptr_t)ro_page;
		must_fail = c->writes;
		break;
	default: { /* the struct's tail runs into the PROT_NONE page */
		unsigned char tmp[sizeof(struct kgil_stats)];
		size_t head = arg_size(c->kind) / 2;

		addr = (uintptr_t)w->buf + page_size - head;
		gen_arg(&w->rng, c->kind, tmp);
		memcpy((void *)(uintptr_t)addr, tmp, head);
		must_fail = true;
		break;
	}
	}
	/* A valid acquire read from the zero page blocks: bound it. */
	ret = fz_ioctl(w, pick_fd(w), c->cmd, (void *)(uintptr_t)addr);
	if (must_fail && ret == 0)
		violation(w, "%s succeeded with an unusable pointer %#" PRIx64,
			  c->name, addr);
	if (must_fail && ret && ret != -EFAULT && ret != -ENOTTY &&
	    ret != -EBADF && opt.verbose)
		fprintf(stderr, "kgil-fuzz: note: %s with pointer %#" PRIx64
			" gave %s, not EFAULT\n", c->name, addr, strerrorname_np(-ret));
}

/* A command number the module does not have: it must say ENOTTY. */
static void op_bad_command(struct worker *w)
{
	const struct cmd_desc *c = &cmds[rng_below(&w->rng, NCMDS)];
	unsigned int dir = _IOC_DIR(c->cmd), nr = _IOC_NR(c->cmd);
	unsigned int size = _IOC_SIZE(c->cmd), magic = KGIL_IOC_MAGIC;
	unsigned long cmd;
	int ret;

	switch (rng_below(&w->rng, 4)) {
	case 0: { /* known number, another size */
		static const int d[] = { -8, 8, -1, 1, 4096 };

		size = rng_pct(&w->rng, 30) ? (unsigned int)rng_below(&w->rng, 1u << _IOC_SIZEBITS)
					    : size + (unsigned int)d[rng_below(&w->rng, 5)];
		break;
	}
	case 1: /* known number, another direction */
		dir = (dir + 1 + (unsigned int)rng_below(&w->rng, 3)) & 3;
		break;
	case 2: /* unknown number */
		nr = 0x0b + (unsigned int)rng_below(&w->rng, 0x100 - 0x0b);
		size = (unsigned int)rng_below(&w->rng, 512);
		dir = (unsigned int)rng_below(&w->rng, 4);
		break;
	default: /* another driver's magic */
		do
			magic = (unsigned int)rng_below(&w->rng, 256);
		while (magic == KGIL_IOC_MAGIC || magic_is_vfs(magic));
		nr = (unsigned int)rng_below(&w->rng, 256);
		break;
	}
	size &= (1u << _IOC_SIZEBITS) - 1;
	cmd = _IOC(dir, magic, nr, size);
	if (find_cmd(cmd))
		return;
	memset(w->buf, 0, (size_t)page_size);
	ret = fz_ioctl(w, pick_fd(w), cmd, w->buf);
	if (ret != -ENOTTY && ret != -EBADF)
		violation(w, "unknown command %#lx answered %s, not ENOTTY", cmd,
			  ret ? strerrorname_np(-ret) : "success");
}

/* What a thread does with a GIL, in a short burst. */
/*
 * Every random choice of an operation is drawn before its first call, so
 * that the stream, and with it the sequence of calls, does not depend on
 * what the module answered.
 */
static void op_lock_burst(struct worker *w)
{
	struct rng *r = &w->rng;
	int fd = pick_fd(w);
	bool attach = rng_pct(r, 60), check = rng_pct(r, 40), io = rng_pct(r, 20);
	bool release = rng_pct(r, 90), detach = rng_pct(r, 20);
	uint32_t flags = rng_pct(r, 10) ? KGIL_ACQUIRE_TRY : KGIL_ACQUIRE_TIMEOUT;
	uint64_t hold_ns = rng_below(r, 20000), io_us = rng_below(r, 200);
	uint64_t t_acq = pick_timeout(r), t_check = pick_timeout(r), t_io = pick_timeout(r);
	struct kgil_attach at = { 0 };
	struct kgil_acquire a = { .timeout_ns = t_acq };
	uint64_t end;

	a.flags = rng_pct(r, 3) ? 0 : flags;
	if (attach)
		fz_ioctl(w, fd, KGIL_IOC_ATTACH, &at);
	if (fz_ioctl(w, fd, KGIL_IOC_ACQUIRE, &a))
		return;
	/* Hold it for a few microseconds of "bytecode". */
	end = now_ns() + hold_ns;
	while (now_ns() < end)
		;
	if (check) {
		memset(&a, 0, sizeof(a));
		a.flags = KGIL_ACQUIRE_TIMEOUT;
		a.timeout_ns = t_check;
		fz_ioctl(w, fd, KGIL_IOC_CHECK, &a);
	}
	if (io) {
		fz_ioctl(w, fd, KGIL_IOC_IO_BEGIN, NULL);
		usleep((useconds_t)io_us);
		memset(&a, 0, sizeof(a));
		a.flags = KGIL_ACQUIRE_TIMEOUT;
		a.timeout_ns = t_io;
		fz_ioctl(w, fd, KGIL_IOC_IO_END, &a);
	}
	if (release)
		fz_ioctl(w, fd, KGIL_IOC_RELEASE, NULL);
	if (detach)
		fz_ioctl(w, fd, KGIL_IOC_DETACH, NULL);
}

static void op_policy(struct worker *w)
{
	struct kgil_policy p;
	int fd = pick_fd(w);

	kgil_policy_default(1 + (uint32_t)rng_below(&w->rng, KGIL_POLICY_MAX), &p);

	p.switch_interval_ns = 1000 + rng_below(&w->rng, 10000000);
	p.check_interval = 1 + (uint32_t)rng_below(&w->rng, 1000);
	fz_ioctl(w, fd, KGIL_IOC_SET_POLICY, &p);
	fz_ioctl(w, fd, KGIL_IOC_GET_POLICY, &p);
}

/* Close a shared domain under the other workers' feet and open another. */
static void op_reopen(struct worker *w)
{
	unsigned int i = (unsigned int)rng_below(&w->rng, NSLOTS);
	int fd, old;

	if (rng_pct(&w->rng, 20)) {
		/* Through /proc: a new open file, so a new, separate domain. */
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", atomic_load(&slot_fd[i]));
		fd = open(path, O_RDWR | O_CLOEXEC);
	} else {
		inject_faults(w, true);
		fd = open(KGIL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		inject_faults(w, false);
	}
	if (fd < 0)
		return;
	old = atomic_exchange(&slot_fd[i], fd);
	close(old);
	w->n.reopens++;
}

/* A second descriptor of one domain: it must behave as the first. */
static void op_dup(struct worker *w)
{
	int fd = dup(pick_fd(w));
	struct kgil_stats st;

	memset(&st, 0, sizeof(st));
	fz_ioctl(w, fd, KGIL_IOC_STATS, &st);
	if (fd >= 0)
		close(fd);
}

static void unmap_one(struct worker *w, unsigned int i)
{
	if (w->maps[i].addr) {
		munmap(w->maps[i].addr, w->maps[i].len);
		w->maps[i].addr = NULL;
	}
}

/* The shared page: every protection, offset and size; read what maps. */
static void op_mmap(struct worker *w)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_WRITE, PROT_READ | PROT_EXEC, PROT_NONE };
	int prot = prots[rng_below(&w->rng, 5)];
	int flags = rng_pct(&w->rng, 80) ? MAP_SHARED : MAP_PRIVATE;
	size_t len = (size_t)page_size * (rng_pct(&w->rng, 85) ? 1 : 1 + rng_below(&w->rng, 3));
	off_t off = rng_pct(&w->rng, 90) ? 0 : (off_t)(page_size * (long)rng_below(&w->rng, 4));
	unsigned int i = (unsigned int)rng_below(&w->rng, MAX_MAPS);
	bool keep = rng_pct(&w->rng, 50);
	void *m;

	if (rng_pct(&w->rng, 5))
		len = 1 + rng_below(&w->rng, (uint64_t)page_size);
	m = mmap(NULL, len, prot, flags, pick_fd(w), off);
	w->n.maps++;
	if (m == MAP_FAILED)
		return;
	if ((prot & PROT_WRITE) && has_feat(KGIL_FEAT_MMAP))
		violation(w, "mmap with PROT_WRITE (%s) succeeded",
			  flags == MAP_SHARED ? "shared" : "private");
	if ((prot & PROT_READ) && off == 0) {
		const volatile struct kgil_shared *s = m;
		uint64_t sink = s->drop_request + s->holder_id + s->switch_number +
				s->policy + s->nr_waiting + s->domain_id;

		(void)sink;
	}
	if (has_feat(KGIL_FEAT_MMAP) && !(prot & PROT_WRITE) &&
	    mprotect(m, len, PROT_READ | PROT_WRITE) == 0)
		violation(w, "mprotect made the shared page writable");
	unmap_one(w, i);
	w->maps[i].addr = m;
	w->maps[i].len = len;
	/* Sometimes keep it past the close of its descriptor. */
	if (!keep)
		unmap_one(w, i);
}

/* A child process uses the inherited domain and may die holding it. */
static void op_fork(struct worker *w)
{
	uint64_t r = rng_next(&w->rng);
	int fd = pick_fd(w), status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		struct kgil_acquire a = { .flags = KGIL_ACQUIRE_TIMEOUT,
					  .timeout_ns = 5000000 };
		struct kgil_attach at = { 0 };
		struct sigaction sa = { .sa_handler = SIG_DFL };

		sigaction(SIGALRM, &sa, NULL);
		alarm(5);
		ioctl(fd, KGIL_IOC_ATTACH, &at);
		if (ioctl(fd, KGIL_IOC_ACQUIRE, &a) == 0 && (r & 1))
			ioctl(fd, KGIL_IOC_RELEASE, NULL);
		if (r & 2)
			ioctl(fd, KGIL_IOC_DETACH, NULL);
		_exit(0);	/* holding, attached, or clean */
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	w->n.forks++;
}

/* io_uring acquire commands, left in flight across calls and ring exit. */
static void op_uring(struct worker *w)
{
	struct __kernel_timespec ts = { .tv_nsec = 20000000 };
	struct rng *r = &w->rng;
	uint32_t op = rng_pct(r, 80) ? KGIL_URING_CMD_ACQUIRE : (uint32_t)rng_next(r);
	uint64_t addr = rng_pct(r, 10) ? rng_next(r) : 0;
	uint32_t len = rng_pct(r, 10) ? (uint32_t)rng_next(r) : 0;
	bool teardown = rng_pct(r, 10);
	int fd = pick_fd(w);
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;

	if (!w->ring_ok) {
		if (io_uring_queue_init(8, &w->ring, 0))
			return;
		w->ring_ok = true;
	}
	sqe = io_uring_get_sqe(&w->ring);
	if (sqe) {
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd;
		sqe->cmd_op = op;
		sqe->addr = addr;
		sqe->len = len;
		sqe->user_data = (uint64_t)fd;
		if (io_uring_submit(&w->ring) == 1)
			w->uring_pending++;
		w->n.uring++;
	}
	while (w->uring_pending &&
	       io_uring_wait_cqe_timeout(&w->ring, &cqe, &ts) == 0) {
		if (cqe->res == 0)	/* granted: give it back */
			fz_ioctl(w, (int)cqe->user_data, KGIL_IOC_RELEASE, NULL);
		io_uring_cqe_seen(&w->ring, cqe);
		w->uring_pending--;
	}
	/* Now and then tear the ring down with commands in flight. */
	if (w->uring_pending && teardown) {
		io_uring_queue_exit(&w->ring);
		w->ring_ok = false;
		w->uring_pending = 0;
	}
}

enum op { OP_IOCTL, OP_BADPTR, OP_BADCMD, OP_LOCK, OP_POLICY, OP_REOPEN,
	  OP_DUP, OP_MMAP, OP_FORK, OP_URING, OP_EXIT, NR_OPS };

static const unsigned int op_weight[NR_OPS] = {
	[OP_IOCTL] = 300, [OP_BADPTR] = 100, [OP_BADCMD] = 100,
	[OP_LOCK] = 300, [OP_POLICY] = 40, [OP_REOPEN] = 15, [OP_DUP] = 20,
	[OP_MMAP] = 50, [OP_FORK] = 4, [OP_URING] = 30, [OP_EXIT] = 2,
};

static enum op pick_op(struct rng *r)
{
	static unsigned int total;
	unsigned int x;

	if (!total)
		for (int i = 0; i < NR_OPS; i++)
			total += op_weight[i];
	x = (unsigned int)rng_below(r, total);
	for (int i = 0; i < NR_OPS; i++) {
		if (x < op_weight[i])
			return (enum op)i;
		x -= op_weight[i];
	}
	return OP_IOCTL;
}

static void worker_cleanup(struct worker *w)
{
	struct __kernel_timespec ts = { .tv_nsec = 100000000 };
	struct io_uring_cqe *cqe;

	if (w->ring_ok) {
		/* Let what the lock will still grant complete, then exit. */
		for (int i = 0; i < 20 && w->uring_pending; i++) {
			if (io_uring_wait_cqe_timeout(&w->ring, &cqe, &ts))
				continue;
			if (cqe->res == 0)
				fz_ioctl(w, (int)cqe->user_data, KGIL_IOC_RELEASE, NULL);
			io_uring_cqe_seen(&w->ring, cqe);
			w->uring_pending--;
		}
		io_uring_queue_exit(&w->ring);
		w->ring_ok = false;
		w->uring_pending = 0;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (opt.fail_slab) {
		w->fail_fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
		if (w->fail_fd < 0)
			fprintf(stderr, "kgil-fuzz: no fault injection: %s\n", strerror(errno));
	}

	while (w->todo && !atomic_load(&stopping)) {
		enum op op = pick_op(&w->rng);

		w->todo--;
		w->iter++;
		switch (op) {
		case OP_IOCTL: op_ioctl(w); break;
		case OP_BADPTR: op_bad_pointer(w); break;
		case OP_BADCMD: op_bad_command(w); break;
		case OP_LOCK: op_lock_burst(w); break;
		case OP_POLICY: op_policy(w); break;
		case OP_REOPEN: op_reopen(w); break;
		case OP_DUP: op_dup(w); break;
		case OP_MMAP: op_mmap(w); break;
		case OP_FORK: op_fork(w); break;
		case OP_URING:
			if (has_feat(KGIL_FEAT_URING_CMD))
				op_uring(w);
			break;
		case OP_EXIT:
		default:
			/* Die as it is: attached, maybe holding, maybe waiting
			 * in the ring.  The main thread starts a successor. */
			w->n.deaths++;
			goto out;
		}
	}
	worker_cleanup(w);
	w->finished = true;
out:
	if (w->fail_fd >= 0)
		close(w->fail_fd);
	w->fail_fd = -1;
	pthread_mutex_lock(&w->lock);
	w->alive = false;
	pthread_mutex_unlock(&w->lock);
	sem_post(&exited);
	return NULL;
}

static int start_worker(struct worker *w)
{
	int ret;

	rng_seed(&w->rng, opt.seed, (uint64_t)w->idx << 32 | w->gen);
	w->alive = true;
	w->started = true;
	ret = pthread_create(&w->th, NULL, worker_main, w);
	if (ret) {
		w->alive = w->started = false;
		fprintf(stderr, "kgil-fuzz: pthread_create: %s\n", strerror(ret));
	}
	return -ret;
}

/* ---- the kicker: signals for long waits, and the stuck detector ------- */

static void on_kick(int sig)
{
	(void)sig;
}

static void on_alarm(int sig)
{
	static const char msg[] = "kgil-fuzz: watchdog: --max-seconds exceeded, giving up\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(4);
	_exit(4);
}

static void *kicker_main(void *arg)
{
	struct rng r;

	(void)arg;
	rng_seed(&r, opt.seed, ~0ull);
	while (!atomic_load(&stopping)) {
		usleep(5000 + (useconds_t)rng_below(&r, 20000));
		for (unsigned int i = 0; i < opt.threads; i++) {
			struct worker *w = &workers[i];
			uint64_t start = atomic_load(&w->call_start);
			uint64_t age = start ? now_ns() - start : 0;

			if (age > STUCK_NS) {
				const struct cmd_desc *c = find_cmd(atomic_load(&w->call_cmd));

				fprintf(stderr, "kgil-fuzz: FAIL: worker %u stuck in %s "
					"for %" PRIu64 " s despite %u signals "
					"(a lost wakeup or an uninterruptible wait)\n",
					i, c ? c->name : "an ioctl", (uint64_t)(age / 1000000000ull),
					atomic_load(&w->kicks));
				_exit(3);
			}
			if (!(age > KICK_AFTER_NS || (start && rng_pct(&r, 2))))
				continue;
			pthread_mutex_lock(&w->lock);
			if (w->alive) {
				pthread_kill(w->th, SIGUSR1);
				atomic_fetch_add(&w->kicks, 1);
			}
			pthread_mutex_unlock(&w->lock);
		}
	}
	return NULL;
}

/* ---- set-up, run, report ---------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: kgil-fuzz [--iterations N] [--seed S] [--threads T] "
		"[--max-seconds M] [-v]\n"
		"  --iterations N   operations in all (default 20000)\n"
		"  --seed S         random seed (default: from the clock, printed)\n"
		"  --threads T      worker threads, 1..%d (default 8; 1 is fully "
		"reproducible)\n"
		"  --max-seconds M  fail if the run takes longer (default 600)\n"
		"  --fail-slab 1    make the workers' kernel allocations fail as\n"
		"                   /sys/kernel/debug/failslab says (task-filter)\n"
		"exit: 0 clean, 1 violations, 2 usage/set-up, 3 stuck call, 4 watchdog\n",
		MAX_WORKERS);
}

static int parse_args(int argc, char **argv)
{
	struct num_opt o[] = {
		{ .name = "--iterations", .val = &opt.iterations, .min = 0, .max = UINT64_MAX },
		{ .name = "--seed", .val = &opt.seed, .min = 0, .max = UINT64_MAX },
		{ .name = "--threads", .val = &opt.threads, .min = 1, .max = MAX_WORKERS },
		{ .name = "--max-seconds", .val = &opt.max_seconds, .min = 1, .max = 86400 },
		{ .name = "--fail-slab", .val = &opt.fail_slab, .min = 0, .max = 1 },
	};
	int ret = parse_num_opts(argc, argv, o, sizeof(o) / sizeof(o[0]), &opt.verbose);

	if (ret == 1) {
		usage(stdout);
		exit(0);
	}
	if (!o[1].seen)
		opt.seed = clock_seed();
	return ret;
}

static int setup(void)
{
	struct sigaction sa = { .sa_handler = on_kick };
	struct stat st;
	int fd, ret;

	page_size = sysconf(_SC_PAGESIZE);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: waits end in EINTR */
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd = raw_open(O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kgil-fuzz: open %s: %s\n", KGIL_DEVICE_PATH, strerror(-fd));
		return -1;
	}
	if (fstat(fd, &st) == 0)
		kgil_rdev = st.st_rdev;
	ret = raw_features(fd, &feat);
	if (ret) {
		fprintf(stderr, "kgil-fuzz: FEATURES: %s\n", strerror(-ret));
		return -1;
	}
	atomic_store(&slot_fd[0], fd);
	for (int i = 1; i < NSLOTS; i++) {
		fd = raw_open(O_CLOEXEC);
		if (fd < 0)
			return -1;
		atomic_store(&slot_fd[i], fd);
	}
	ro_page = mmap(NULL, (size_t)page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none_page = mmap(NULL, (size_t)page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page == MAP_FAILED || none_page == MAP_FAILED)
		return -1;
	for (unsigned int i = 0; i < opt.threads; i++) {
		struct worker *w = &workers[i];

		w->idx = i;
		w->fail_fd = -1;
		w->todo = opt.iterations / opt.threads + (i < opt.iterations % opt.threads);
		pthread_mutex_init(&w->lock, NULL);
		w->buf = mmap(NULL, 2 * (size_t)page_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w->buf == MAP_FAILED ||
		    mprotect(w->buf + page_size, (size_t)page_size, PROT_NONE))
			return -1;
	}
	return 0;
}

/* Workers run out their share; one that died is followed by a successor. */
static void run_workers(void)
{
	unsigned int running = 0;

	for (unsigned int i = 0; i < opt.threads; i++)
		running += start_worker(&workers[i]) == 0;
	while (running) {
		while (sem_wait(&exited) < 0 && errno == EINTR)
			;
		for (unsigned int i = 0; i < opt.threads; i++) {
			struct worker *w = &workers[i];
			bool gone;

			pthread_mutex_lock(&w->lock);
			gone = !w->alive && w->started;
			pthread_mutex_unlock(&w->lock);
			if (!gone)
				continue;
			pthread_join(w->th, NULL);
			w->started = false;
			running--;
			if (!w->finished && w->todo) {
				w->gen++;
				running += start_worker(w) == 0;
			}
		}
	}
}

/* Quiet now: every domain must balance and have no thread left. */
static uint64_t check_domains(void)
{
	uint64_t bad = 0;

	for (int i = 0; i < NSLOTS; i++) {
		int fd = atomic_load(&slot_fd[i]);
		struct kgil_stats st;
		int ret;

		/* A thread's exit is reaped just after pthread_join returns. */
		for (int ms = 0; ms < 2000; ms += 10) {
			if (raw_stats(fd, KGIL_STATS_DOMAIN, 0, &st) ||
			    (!st.nr_threads && !st.holder_id))
				break;
			usleep(10000);
		}
		ret = check_balance(fd, "kgil-fuzz", 0, &st);

		if (ret == -ENOTTY)
			continue;	/* no STATS in this module yet */
		if (ret < 0) {
			fprintf(stderr, "kgil-fuzz: STATS on domain %d: %s\n", i, strerror(-ret));
			bad++;
			continue;
		}
		bad += ret == 0;
		if (st.holder_id || st.nr_threads) {
			fprintf(stderr, "kgil-fuzz: domain %" PRIu64 ": every thread "
				"has exited, yet %u remain attached and thread %u "
				"holds the lock\n", (uint64_t)st.domain_id, st.nr_threads, st.holder_id);
			bad++;
		}
		if (opt.verbose)
			printf("kgil-fuzz: domain %" PRIu64 ": %" PRIu64 " acquisitions, "
			       "%" PRIu64 " owner deaths\n", (uint64_t)st.domain_id,
			       (uint64_t)st.c.acquisitions, (uint64_t)st.c.owner_deaths);
	}
	return bad;
}

int main(int argc, char **argv)
{
	struct counts t = { 0 };
	pthread_t kicker;
	uint64_t start, bad;

	if (parse_args(argc, argv)) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("kgil-fuzz: seed %" PRIu64 ", %" PRIu64 " iterations, %" PRIu64 " threads "
	       "(reproduce: kgil-fuzz --iterations %" PRIu64 " --seed %" PRIu64
	       " --threads %" PRIu64 ")\n", opt.seed, opt.iterations, opt.threads,
	       opt.iterations, opt.seed, opt.threads);
	if (sem_init(&exited, 0, 0) || setup())
		return 2;
	printf("kgil-fuzz: module %s, api %u, features %#" PRIx64 "\n",
	       feat.version, feat.api_version, (uint64_t)feat.features);
	alarm(opt.max_seconds);
	start = now_ns();
	if (pthread_create(&kicker, NULL, kicker_main, NULL))
		return 2;
	run_workers();
	atomic_store(&stopping, true);
	pthread_join(kicker, NULL);

	for (unsigned int i = 0; i < opt.threads; i++) {
		struct counts *n = &workers[i].n;

		t.calls += n->calls;
		for (int e = 0; e <= MAX_ERRNO; e++)
			t.errs[e] += n->errs[e];
		t.maps += n->maps;
		t.reopens += n->reopens;
		t.forks += n->forks;
		t.deaths += n->deaths;
		t.uring += n->uring;
		t.violations += n->violations;
	}
	bad = check_domains();
	printf("kgil-fuzz: %" PRIu64 " iterations in %.1f s: %" PRIu64 " ioctls, "
	       "%" PRIu64 " mmaps, %" PRIu64 " reopens, %" PRIu64 " forks, %" PRIu64
	       " thread deaths, %" PRIu64 " uring cmds\n", opt.iterations,
	       (double)(now_ns() - start) / 1e9, t.calls, t.maps, t.reopens,
	       t.forks, t.deaths, t.uring);
	printf("kgil-fuzz: results:");
	for (int e = 0; e <= MAX_ERRNO; e++)
		if (t.errs[e])
			printf(" %s %" PRIu64, e ? strerrorname_np(e) : "ok", t.errs[e]);
	printf("\n");
	for (int i = 0; i < NSLOTS; i++)
		close(atomic_load(&slot_fd[i]));
	if (t.violations || bad) {
		printf("kgil-fuzz: FAIL: %" PRIu64 " violations, %" PRIu64
		       " unbalanced or unclean domains (seed %" PRIu64 ")\n",
		       t.violations, bad, opt.seed);
		return 1;
	}
	printf("kgil-fuzz: PASS: no violations, every domain balanced\n");
	return 0;
}
