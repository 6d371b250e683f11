// SPDX-License-Identifier: GPL-2.0
/*
 * kgil-stress: load and faults on /dev/kgil, with the lock's invariants
 * checked at the end.
 *
 *   kgil-stress --seconds N [--threads 256] [--domains 16] [--seed S] [-v]
 *
 * For N seconds, at once:
 *  - workers (256 by default, spread over 16 domains) loop acquire / hold /
 *    check / I/O begin+end / release with random flags and timeouts, and
 *    sometimes detach and attach again; each marks the domain's owner word
 *    in shared memory while it holds the lock, so two holders at once are
 *    seen (mutual exclusion);
 *  - a signaller sends SIGUSR1 to random workers (waits end in EINTR);
 *  - a killer posix_spawn()s helper processes that inherit a domain's
 *    descriptor, loop on its lock and are SIGKILLed at random points,
 *    often while holding it (owner death);
 *  - a forker fork()s children that use the inherited descriptor and
 *    exit, half of them holding the lock;
 *  - a closer opens extra domains, takes the lock, makes threads of its
 *    own process wait on them (in ACQUIRE or IO_END, attached before or
 *    after the holder, under a random policy, fifo and ioprio sometimes
 *    spinning) and closes the descriptor under them, its process's only
 *    one: every waiter must come back with EBADF; half the time another
 *    process shares the domain and waits too, and must then get the lock;
 *  - a policy changer switches the domains' policies and intervals.
 * Then everything stops and is checked: no two holders were ever seen;
 * every domain's counts balance (acquisitions = releases + held) with no
 * thread left attached; the kernel counted at least the acquisitions the
 * clients saw; the hist-trigger counts of kgil_acquire_end, kgil_release
 * and kgil_owner_death equal the statistics; the kmalloc caches that hold
 * kgil's objects (found by a calibration) are back to where they were.
 *
 * Exit status: 0 pass, 1 an invariant failed, 2 usage or set-up, 4 hang.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kgil.h"
#include "args.h"
#include "clock.h"
#include "invariants.h"
#include "raw.h"
#include "rng.h"
#include "slab.h"
#include "trace_hist.h"

#define MAX_DOMAINS	64
#define MAX_THREADS	1024
#define HELPER_DOM_FD	3	/* where a spawned helper finds its domain */
#define HELPER_SHM_FD	4	/* ... and the shared owner words */
#define CLOSE_WAITERS	3
#define HELPER_SLOTS	4	/* helpers alive at once */
#define CALIBRATE_N	256

extern char **environ;

/* ---- shared with helpers and children (a memfd) ---------------------- */

struct dom_shared {
	_Atomic uint32_t owner;		/* kgil id of the holder, 0 if none */
	_Atomic uint64_t client_acquisitions;
	_Atomic uint64_t exclusion_violations;
};

enum helper_state { HELPER_STARTING, HELPER_RUNNING, HELPER_HOLDING };

/* What the close round's peer process saw (one round at a time). */
struct close_peer_report {
	_Atomic int32_t id;		/* its thread id, or -errno of ATTACH */
	_Atomic int32_t ret;		/* its ACQUIRE; CLOSE_PEER_PENDING */
	_Atomic uint32_t holder, nr;	/* STATS right after it got the lock */
};
#define CLOSE_PEER_PENDING	1

struct shm_area {
	struct dom_shared d[MAX_DOMAINS];
	_Atomic uint32_t helper_state[HELPER_SLOTS];	/* enum helper_state */
	struct close_peer_report close_peer;
};

static struct shm_area *shm;
static int shm_fd;

/*
 * The caller now holds the lock: claim the owner word.  An ACQUIRE or an
 * IO_END that succeeded is an acquisition the module must have counted
 * (a CHECK that kept the lock is not).
 */
static void take(struct dom_shared *sd, uint32_t me, uint32_t result, bool count)
{
	uint32_t prev = 0;

	if (!atomic_compare_exchange_strong(&sd->owner, &prev, me)) {
		/* A holder that died holding leaves its mark: expected only
		 * when the module says so. */
		if (!(result & KGIL_ACQUIRED_OWNER_DEAD))
			atomic_fetch_add(&sd->exclusion_violations, 1);
		atomic_store(&sd->owner, me);
	}
	if (count)
		atomic_fetch_add(&sd->client_acquisitions, 1);
}

/* The caller is about to give the lock up: clear the word first. */
static void give(struct dom_shared *sd, uint32_t me)
{
	uint32_t prev = me;

	if (!atomic_compare_exchange_strong(&sd->owner, &prev, 0))
		atomic_fetch_add(&sd->exclusion_violations, 1);
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

/* Take the lock, retrying timeouts and signals; 0 or -errno. */
static int take_retrying(int fd, struct dom_shared *sd, uint32_t id)
{
	struct kgil_acquire a;
	int ret;

	do
		ret = raw_lock(fd, KGIL_IOC_ACQUIRE, KGIL_ACQUIRE_TIMEOUT, 20000000, &a);
	while (ret == -ETIMEDOUT || ret == -EINTR);
	if (!ret)
		take(sd, id, a.result, true);
	return ret;
}

/*
 * What a helper or a forked child does: attach, then take the lock, hold
 * it a moment and give it back, rounds times (0: until killed), and take
 * it once more.  *state (if any) tells the killer where it is.  Returns
 * the thread's id, holding the lock, or -errno.
 */
static int lock_rounds(int fd, struct dom_shared *sd, _Atomic uint32_t *state,
		       uint64_t seed, int rounds)
{
	_Atomic uint32_t dummy;
	struct rng r;
	int id = raw_attach(fd);

	if (id < 0)
		return id;
	if (!state)
		state = &dummy;
	atomic_store(state, HELPER_RUNNING);
	rng_seed(&r, seed, (uint64_t)getpid());
	for (int i = 0; !rounds || i < rounds; i++) {
		if (take_retrying(fd, sd, (uint32_t)id))
			return -EIO;
		atomic_store(state, HELPER_HOLDING);
		/* Hold it running, or hold it asleep as a thread blocked in
		 * a system call without releasing it would. */
		if (rng_pct(&r, 50))
			spin_ns(rng_below(&r, 200000));
		else
			usleep(1000 + (useconds_t)rng_below(&r, 10000));
		atomic_store(state, HELPER_RUNNING);
		give(sd, (uint32_t)id);
		raw_release(fd);
	}
	return take_retrying(fd, sd, (uint32_t)id) ?: id;
}

/* --helper D SLOT SEED: a process to be SIGKILLed at a random point. */
static int helper_main(unsigned int d, unsigned int slot, uint64_t seed)
{
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED,
		   HELPER_SHM_FD, 0);
	if (shm == MAP_FAILED || d >= MAX_DOMAINS || slot >= HELPER_SLOTS)
		return 2;
	alarm(60);	/* never outlive a lost parent for long */
	lock_rounds(HELPER_DOM_FD, &shm->d[d], &shm->helper_state[slot], seed, 0);
	return 0;
}

/*
 * --close-peer: the other process of a close round.  It waits for the
 * lock behind the closing process's threads and must get it once they
 * are gone: ACQUIRE's result, and STATS after it, go to shared memory.
 */
static int close_peer_main(void)
{
	struct close_peer_report *rep;
	struct kgil_stats st;
	int id, ret;

	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED,
		   HELPER_SHM_FD, 0);
	if (shm == MAP_FAILED)
		return 2;
	rep = &shm->close_peer;
	alarm(60);
	id = raw_attach(HELPER_DOM_FD);
	atomic_store(&rep->id, id);
	if (id < 0) {
		atomic_store(&rep->ret, id);
		return 3;
	}
	ret = raw_lock(HELPER_DOM_FD, KGIL_IOC_ACQUIRE, KGIL_ACQUIRE_TIMEOUT,
		       20000000000ull, NULL);
	/* Also on failure: who holds it then tells what went wrong. */
	if (!raw_stats(HELPER_DOM_FD, KGIL_STATS_DOMAIN, 0, &st)) {
		atomic_store(&rep->holder, st.holder_id);
		atomic_store(&rep->nr, st.nr_threads);
	}
	atomic_store(&rep->ret, ret);	/* last: the closer waits for it */
	if (!ret)
		raw_release(HELPER_DOM_FD);
	return 0;
}

/* ---- options and state -------------------------------------------------- */

static struct {
	uint64_t seconds, threads, domains, seed;
	bool verbose;
} opt = { .seconds = 10, .threads = 256, .domains = 16 };

static int dom_fd[MAX_DOMAINS];
static uint64_t dom_id[MAX_DOMAINS];
static struct kgil_features feat;
static atomic_bool stop_load;		/* workers and fault injectors */
static atomic_bool stop_signals;	/* the signaller, last to stop */
static char self_exe[4096];

struct worker {
	pthread_t th;
	unsigned int idx, dom;
	struct rng rng;
	uint64_t acquisitions, eintr, etimedout, ebusy, checks, ios, reattach;
	uint64_t unexpected;	/* an errno the state does not allow */
	int last_unexpected;
	const char *where;
};

static struct worker *workers;
/* Finished workers stay joinable, so the signaller may still aim at them. */
static atomic_uint workers_done;

static struct {
	atomic_ulong signals, kills, kills_holding, spawns, forks, forks_holding;
	atomic_ulong policy_changes;
	/* KGIL_STRESS_BPF: switches to that BPF policy, and -ENOENT ones */
	atomic_ulong bpf_changes, bpf_absent, bpf_errors;
	atomic_ulong closes, close_waiters, close_ebadf, close_stuck;
	atomic_ulong close_waiter_first, close_peers, close_peer_ok;
} faults;

static void note_unexpected(struct worker *w, const char *where, int ret)
{
	w->unexpected++;
	w->last_unexpected = ret;
	w->where = where;
}

/* ---- workers ---------------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct dom_shared *sd = &shm->d[w->dom];
	int fd = dom_fd[w->dom];
	int id, ret;

	/* Below the fault injectors, or 256 busy threads starve them. */
	setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
	id = raw_attach(fd);

	if (id < 0) {
		note_unexpected(w, "ATTACH", id);
		atomic_fetch_add(&workers_done, 1);
		return NULL;
	}
	while (!atomic_load(&stop_load)) {
		uint64_t r = rng_next(&w->rng);
		uint32_t flags = r % 16 == 0 ? KGIL_ACQUIRE_TRY :
				 r % 16 == 1 ? 0 : KGIL_ACQUIRE_TIMEOUT;
		uint64_t timeout = 1000000 + (r >> 8) % 50000000;
		uint64_t acq_timeout = flags == KGIL_ACQUIRE_TIMEOUT ? timeout : 0;
		struct kgil_acquire a;

		ret = raw_lock(fd, KGIL_IOC_ACQUIRE, flags, acq_timeout, &a);
		if (ret) {
			if (ret == -EINTR)
				w->eintr++;
			else if (ret == -ETIMEDOUT)
				w->etimedout++;
			else if (ret == -EBUSY && flags == KGIL_ACQUIRE_TRY)
				w->ebusy++;
			else
				note_unexpected(w, "ACQUIRE", ret);
			continue;
		}
		w->acquisitions++;
		take(sd, (uint32_t)id, a.result, true);
		spin_ns((r >> 20) % 20000);

		if ((r >> 32) % 4 == 0) {
			/* CHECK: may hand the lock over and take it back. */
			w->checks++;
			give(sd, (uint32_t)id);
			ret = raw_lock(fd, KGIL_IOC_CHECK, KGIL_ACQUIRE_TIMEOUT, timeout, &a);
			if (ret) {	/* not holding any more */
				if (ret != -EINTR && ret != -ETIMEDOUT)
					note_unexpected(w, "CHECK", ret);
				continue;
			}
			take(sd, (uint32_t)id, a.result, false);
		}
		if ((r >> 36) % 8 == 0) {
			/* Blocking I/O without the lock, then take it back. */
			w->ios++;
			give(sd, (uint32_t)id);
			ret = raw_ioctl(fd, KGIL_IOC_IO_BEGIN, NULL);
			if (ret) {
				note_unexpected(w, "IO_BEGIN", ret);
				continue;
			}
			usleep((useconds_t)((r >> 40) % 500));
			ret = raw_lock(fd, KGIL_IOC_IO_END, KGIL_ACQUIRE_TIMEOUT, timeout, &a);
			if (ret) {
				if (ret != -EINTR && ret != -ETIMEDOUT)
					note_unexpected(w, "IO_END", ret);
				continue;
			}
			w->acquisitions++;
			take(sd, (uint32_t)id, a.result, true);
		}
		give(sd, (uint32_t)id);
		ret = raw_release(fd);
		if (ret)
			note_unexpected(w, "RELEASE", ret);
		if ((r >> 44) % 64 == 0) {
			w->reattach++;
			ret = raw_detach(fd);
			if (ret)
				note_unexpected(w, "DETACH", ret);
			id = raw_attach(fd);
			if (id < 0) {
				note_unexpected(w, "ATTACH", id);
				atomic_fetch_add(&workers_done, 1);
				return NULL;
			}
		}
	}
	/* Not holding here: every path above released or failed. */
	ret = raw_detach(fd);
	if (ret)
		note_unexpected(w, "final DETACH", ret);
	atomic_fetch_add(&workers_done, 1);
	return NULL;
}

/* ---- fault injectors ---------------------------------------------------- */

/*
 * The injectors wake up every few milliseconds and must get the CPU then,
 * among 256 busy workers on two slow virtual CPUs: real-time priority when
 * allowed (root), else just the workers' nice 10.  SCHED_RESET_ON_FORK:
 * the helpers, children and threads they start are ordinary again.
 */
static void injector_priority(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp);
}

static void on_signal(int sig)
{
	(void)sig;
}

static void *signaller_main(void *arg)
{
	struct rng r;

	(void)arg;
	injector_priority();
	rng_seed(&r, opt.seed, 0x516e);
	while (!atomic_load(&stop_signals)) {
		for (int i = 0; i < 4; i++) {
			pthread_kill(workers[rng_below(&r, opt.threads)].th, SIGUSR1);
			atomic_fetch_add(&faults.signals, 1);
		}
		usleep(1000 + (useconds_t)rng_below(&r, 2000));
	}
	return NULL;
}

/*
 * Helpers: HELPER_SLOTS processes at a time, each spawned on a random
 * domain with its descriptor inherited, and SIGKILLed once it runs, either
 * as soon as it holds the lock (half of them: an owner death each) or at a
 * random time.  Times count from when it runs: starting one takes long on
 * a slow (debug, emulated) kernel.
 */
#define HELPER_START_NS	(20 * 1000000000ull)	/* give up waiting */
#define HELPER_HOLD_NS	(5 * 1000000000ull)	/* ... for it to hold */

struct helper {
	pid_t pid;
	bool at_hold;
	uint64_t spawned, running, delay;
};

static pid_t spawn_helper(struct rng *r, unsigned int slot)
{
	unsigned int d = (unsigned int)rng_below(r, opt.domains);
	posix_spawn_file_actions_t fa;
	char dom[16], sl[16], seed[32];
	char *argv[] = { self_exe, "--helper", dom, sl, seed, NULL };
	pid_t pid;
	int ret;

	snprintf(dom, sizeof(dom), "%u", d);
	snprintf(sl, sizeof(sl), "%u", slot);
	snprintf(seed, sizeof(seed), "%" PRIu64, rng_next(r));
	atomic_store(&shm->helper_state[slot], HELPER_STARTING);
	posix_spawn_file_actions_init(&fa);
	/* dup2 clears close-on-exec on the copies. */
	posix_spawn_file_actions_adddup2(&fa, dom_fd[d], HELPER_DOM_FD);
	posix_spawn_file_actions_adddup2(&fa, shm_fd, HELPER_SHM_FD);
	ret = posix_spawn(&pid, self_exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret) {
		fprintf(stderr, "kgil-stress: posix_spawn: %s\n", strerror(ret));
		return -1;
	}
	atomic_fetch_add(&faults.spawns, 1);
	return pid;
}

static void kill_helper(struct helper *h)
{
	kill(h->pid, SIGKILL);
	while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
		;
	h->pid = 0;
	atomic_fetch_add(&faults.kills, 1);
}

static void *killer_main(void *arg)
{
	struct helper h[HELPER_SLOTS] = { 0 };
	struct rng r;

	(void)arg;
	injector_priority();
	rng_seed(&r, opt.seed, 0x4b11);
	while (!atomic_load(&stop_load)) {
		for (unsigned int i = 0; i < HELPER_SLOTS; i++) {
			uint32_t state = atomic_load(&shm->helper_state[i]);
			uint64_t now = now_ns();

			if (!h[i].pid) {
				h[i].pid = spawn_helper(&r, i);
				if (h[i].pid < 0)
					h[i].pid = 0;
				h[i].at_hold = rng_pct(&r, 50);
				h[i].spawned = now;
				h[i].running = 0;
				h[i].delay = 1000000 + rng_below(&r, 100000000);
				continue;
			}
			if (state == HELPER_STARTING) {
				if (now - h[i].spawned > HELPER_START_NS)
					kill_helper(&h[i]);
				continue;
			}
			if (!h[i].running)
				h[i].running = now;
			if (h[i].at_hold && state == HELPER_HOLDING) {
				kill_helper(&h[i]);
				atomic_fetch_add(&faults.kills_holding, 1);
			} else if (now - h[i].running > (h[i].at_hold ? HELPER_HOLD_NS : h[i].delay)) {
				kill_helper(&h[i]);
			}
		}
		usleep(1000 + (useconds_t)rng_below(&r, 2000));
	}
	for (unsigned int i = 0; i < HELPER_SLOTS; i++)
		if (h[i].pid)
			kill_helper(&h[i]);
	return NULL;
}

/*
 * fork() with the descriptors open: up to FORK_SLOTS children at a time
 * use an inherited domain and exit, half of them holding its lock.
 */
#define FORK_SLOTS 4

static pid_t fork_child(struct rng *r)
{
	unsigned int d = (unsigned int)rng_below(r, opt.domains);
	bool die_holding = rng_pct(r, 50);
	uint64_t seed = rng_next(r);
	pid_t pid = fork();

	if (pid == 0) {
		int id;

		/* The alarm kills; it must not run the parent's watchdog. */
		signal(SIGALRM, SIG_DFL);
		alarm(30);
		id = lock_rounds(dom_fd[d], &shm->d[d], NULL, seed, 1);
		if (id > 0 && !die_holding) {
			give(&shm->d[d], (uint32_t)id);
			raw_release(dom_fd[d]);
		}
		_exit(0);	/* maybe holding: an owner death */
	}
	if (pid > 0) {
		atomic_fetch_add(&faults.forks, 1);
		if (die_holding)
			atomic_fetch_add(&faults.forks_holding, 1);
	}
	return pid;
}

static void *forker_main(void *arg)
{
	pid_t child[FORK_SLOTS] = { 0 };
	bool stopping = false;
	struct rng r;

	(void)arg;
	injector_priority();
	rng_seed(&r, opt.seed, 0xf0f0);
	for (;;) {
		unsigned int alive = 0;

		stopping = stopping || atomic_load(&stop_load);
		for (unsigned int i = 0; i < FORK_SLOTS; i++) {
			if (child[i] > 0 && waitpid(child[i], NULL, WNOHANG) == child[i])
				child[i] = 0;
			if (child[i] <= 0 && !stopping)
				child[i] = fork_child(&r);
			alive += child[i] > 0;
		}
		if (stopping && !alive)
			break;
		usleep(5000 + (useconds_t)rng_below(&r, 20000));
	}
	return NULL;
}

/* The policies the module knows, into ids: how many. */
static unsigned int known_policies(uint32_t ids[KGIL_POLICY_MAX])
{
	unsigned int n = 0;

	/* A BPF policy is chosen by name: kgil-stress --bpf-policy. */
	for (uint32_t id = 1; id <= KGIL_POLICY_MAX; id++)
		if (id != KGIL_POLICY_BPF &&
		    (feat.features & KGIL_FEAT_POLICY(id)))
			ids[n++] = id;
	return n;
}

/*
 * KGIL_STRESS_BPF=NAME: the policy changes also switch domains to that
 * registered BPF policy, which tests/device.d/66-bpf.sh unregisters and
 * registers again meanwhile (each time its domains fall back to fifo
 * under load).  -ENOENT while it is away is expected; anything else
 * fails the run.
 */
static const char *bpf_policy;

static void set_bpf_policy(int fd, const struct kgil_policy *p)
{
	struct kgil_policy_named n;
	int ret;

	memset(&n, 0, sizeof(n));
	n.p = *p;
	n.p.policy = KGIL_POLICY_BPF;
	n.p.flags = 0;
	strncpy(n.name, bpf_policy, sizeof(n.name) - 1);
	ret = raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n);
	if (!ret) {
		atomic_fetch_add(&faults.policy_changes, 1);
		atomic_fetch_add(&faults.bpf_changes, 1);
	} else if (ret == -ENOENT) {
		atomic_fetch_add(&faults.bpf_absent, 1);
	} else {
		fprintf(stderr, "kgil-stress: SET_POLICY_NAMED %s: %s\n",
			bpf_policy, strerror(-ret));
		atomic_fetch_add(&faults.bpf_errors, 1);
	}
}

static void *policy_main(void *arg)
{
	uint32_t ids[KGIL_POLICY_MAX];
	unsigned int n = known_policies(ids);
	struct rng r;

	(void)arg;
	injector_priority();
	if (!n)
		return NULL;
	rng_seed(&r, opt.seed, 0x9011);
	while (!atomic_load(&stop_load)) {
		struct kgil_policy p;

		/* The defaults without spinning (the close rounds spin). */
		kgil_policy_default(ids[rng_below(&r, n)], &p);
		p.spin_ns = 0;
		p.switch_interval_ns = 100000 + rng_below(&r, 10000000);
		p.check_interval = 1 + (uint32_t)rng_below(&r, 1000);
		if (rng_pct(&r, 50))
			p.flags ^= p.policy == KGIL_POLICY_NEWGIL ? KGIL_POLICY_FORCE_SWITCH : 0;
		if (bpf_policy && rng_pct(&r, 40)) {
			set_bpf_policy(dom_fd[rng_below(&r, opt.domains)], &p);
		} else if (raw_set_policy(dom_fd[rng_below(&r, opt.domains)],
					  &p) == 0) {
			atomic_fetch_add(&faults.policy_changes, 1);
		}
		usleep(10000 + (useconds_t)rng_below(&r, 90000));
	}
	return NULL;
}

/*
 * Keep our descriptors clear of HELPER_DOM_FD and HELPER_SHM_FD: a spawn
 * dup2()s them there in turn, and one landing on the other's source would
 * hand a helper the wrong file.
 */
static int high_fd(int fd)
{
	int hi;

	if (fd < 0)
		return fd;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 16);
	close(fd);
	return hi < 0 ? -errno : hi;
}

/* ---- close while threads wait ------------------------------------------- */

struct close_waiter {
	pthread_t th;
	int fd, ret;
	bool io;		/* waits in IO_END, back from an I/O */
	atomic_bool ready;	/* attached (and in I/O) */
	atomic_bool go;		/* wait now */
	atomic_bool done;
};

static void *close_waiter_main(void *arg)
{
	struct close_waiter *cw = arg;

	cw->ret = raw_attach(cw->fd);
	/* An I/O begun holding the lock: the closer takes it after this. */
	if (cw->ret >= 0 && cw->io) {
		cw->ret = raw_lock(cw->fd, KGIL_IOC_ACQUIRE, 0, 0, NULL);
		if (!cw->ret)
			cw->ret = raw_ioctl(cw->fd, KGIL_IOC_IO_BEGIN, NULL);
	}
	atomic_store(&cw->ready, true);
	while (!atomic_load(&cw->go))
		usleep(1000);
	if (cw->ret >= 0)
		cw->ret = raw_lock(cw->fd, cw->io ? KGIL_IOC_IO_END : KGIL_IOC_ACQUIRE,
				   0, 0, NULL);
	atomic_store(&cw->done, true);
	return NULL;
}

/* Start waiters [from, to) and wait until each is attached (and in I/O). */
static bool start_close_waiters(struct close_waiter *cw, int from, int to)
{
	uint64_t deadline = now_ns() + 5000000000ull;
	bool ready = true;

	for (int i = from; i < to; i++)
		pthread_create(&cw[i].th, NULL, close_waiter_main, &cw[i]);
	for (int i = from; i < to; i++) {
		while (!atomic_load(&cw[i].ready) && now_ns() < deadline)
			usleep(1000);
		ready = ready && atomic_load(&cw[i].ready) && cw[i].ret >= 0;
	}
	return ready;
}

/* Wake and join every started waiter of a round that is given up. */
static void abandon_close_waiters(struct close_waiter *cw, int n)
{
	for (int i = 0; i < n; i++) {
		atomic_store(&cw[i].go, true);
		while (!atomic_load(&cw[i].done)) {
			pthread_kill(cw[i].th, SIGUSR1);
			usleep(10000);
		}
		pthread_join(cw[i].th, NULL);
	}
}

/* The round's peer: self_exe --close-peer on fd, or -1. */
static pid_t spawn_close_peer(int fd)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { self_exe, "--close-peer", NULL };
	pid_t pid;
	int ret;

	atomic_store(&shm->close_peer.id, 0);
	atomic_store(&shm->close_peer.ret, CLOSE_PEER_PENDING);
	atomic_store(&shm->close_peer.holder, 0);
	atomic_store(&shm->close_peer.nr, 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, HELPER_DOM_FD);
	posix_spawn_file_actions_adddup2(&fa, shm_fd, HELPER_SHM_FD);
	ret = posix_spawn(&pid, self_exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return ret ? -1 : pid;
}

static void reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* After the close: the peer must get the lock and see itself holding it. */
static void check_close_peer(pid_t pid)
{
	struct close_peer_report *rep = &shm->close_peer;
	uint64_t deadline = now_ns() + 30000000000ull;	/* its 20 s, and more */
	int32_t ret;

	while ((ret = atomic_load(&rep->ret)) == CLOSE_PEER_PENDING &&
	       now_ns() < deadline)
		usleep(5000);
	atomic_fetch_add(&faults.close_peers, 1);
	if (!ret && atomic_load(&rep->holder) == (uint32_t)atomic_load(&rep->id) &&
	    atomic_load(&rep->nr) == 1)
		atomic_fetch_add(&faults.close_peer_ok, 1);
	else
		fprintf(stderr, "kgil-stress: the other process on a closed domain "
			"got %s from ACQUIRE, STATS holder %u (it is %d), %u "
			"threads: not the lock to itself\n",
			ret == CLOSE_PEER_PENDING ? "nothing" : strerrorname_np(-ret),
			atomic_load(&rep->holder), atomic_load(&rep->id),
			atomic_load(&rep->nr));
	reap(pid);
}

/* A random policy for a close round; fifo and ioprio spin half the time. */
static void close_policy(struct rng *r, int fd)
{
	uint32_t ids[KGIL_POLICY_MAX];
	unsigned int n = known_policies(ids);
	struct kgil_policy p;

	if (!n)
		return;
	kgil_policy_default(ids[rng_below(r, n)], &p);
	p.spin_ns = 0;
	if ((p.policy == KGIL_POLICY_FIFO || p.policy == KGIL_POLICY_IOPRIO) &&
	    (feat.features & KGIL_FEAT_SPIN) && rng_pct(r, 50))
		p.spin_ns = KGIL_DEFAULT_SPIN_NS;
	raw_set_policy(fd, &p);
}

/*
 * One round: a fresh domain under a random policy, whose lock the closer
 * holds while CLOSE_WAITERS threads of its process wait for it, in
 * ACQUIRE or IO_END; some of them (none, all, or a few) attached before
 * the holder, the rest after.  Half the time a peer process shares the
 * domain and waits too.  Then the closer closes its process's only
 * descriptor: the waiters must all come back, by themselves, with EBADF,
 * and the peer must get the lock.
 */
static void close_round(struct rng *r)
{
	struct close_waiter cw[CLOSE_WAITERS] = { 0 };
	int fd = high_fd(raw_open(O_CLOEXEC));
	const volatile struct kgil_shared *sh = MAP_FAILED;
	int before = (int)rng_below(r, CLOSE_WAITERS + 1), started = 0;
	bool with_peer = rng_pct(r, 50), all_waiting = false, set;
	uint32_t want = CLOSE_WAITERS + with_peer;
	pid_t peer = 0;
	uint64_t deadline;

	if (fd >= 0)
		sh = mmap(NULL, sizeof(*sh), PROT_READ, MAP_SHARED, fd, 0);
	if (sh == MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		return;
	}
	close_policy(r, fd);
	for (int i = 0; i < CLOSE_WAITERS; i++) {
		cw[i].fd = fd;
		cw[i].io = rng_pct(r, 50);
	}
	/* Waiters [0, before) attach before the holder, the rest after. */
	set = start_close_waiters(cw, 0, before);
	started = before;
	set = set && raw_attach(fd) >= 0;
	if (set) {
		set = start_close_waiters(cw, before, CLOSE_WAITERS);
		started = CLOSE_WAITERS;
	}
	/* IO_END waiters are in I/O by now: the lock is free. */
	set = set && !raw_lock(fd, KGIL_IOC_ACQUIRE, KGIL_ACQUIRE_TIMEOUT,
			       5000000000ull, NULL);
	if (set) {
		for (int i = 0; i < CLOSE_WAITERS; i++)
			atomic_store(&cw[i].go, true);
		if (with_peer)
			peer = spawn_close_peer(fd);
		/* Close only once every waiter sleeps inside the module: one
		 * that had not entered the ioctl yet could use a reused
		 * descriptor. */
		deadline = now_ns() + 5000000000ull;
		while (!all_waiting && now_ns() < deadline && peer >= 0) {
			usleep(2000);
			all_waiting = sh->nr_waiting == want;
		}
	}
	munmap((void *)sh, sizeof(*sh));
	if (!all_waiting) {
		/* Could not set the scene: clean up, and do not count it. */
		reap(peer);
		raw_release(fd);
		abandon_close_waiters(cw, started);
		close(fd);
		return;
	}
	close(fd);
	atomic_fetch_add(&faults.closes, 1);
	if (before)
		atomic_fetch_add(&faults.close_waiter_first, 1);
	deadline = now_ns() + 10000000000ull;
	for (int i = 0; i < CLOSE_WAITERS; i++) {
		while (!atomic_load(&cw[i].done) && now_ns() < deadline)
			usleep(5000);
		if (!atomic_load(&cw[i].done)) {
			atomic_fetch_add(&faults.close_stuck, 1);
			while (!atomic_load(&cw[i].done)) {
				pthread_kill(cw[i].th, SIGUSR1);
				usleep(10000);
			}
		}
		pthread_join(cw[i].th, NULL);
		atomic_fetch_add(&faults.close_waiters, 1);
		if (cw[i].ret == -EBADF)
			atomic_fetch_add(&faults.close_ebadf, 1);
		else
			fprintf(stderr, "kgil-stress: a waiter (in %s, %s the holder) "
				"on a closed domain got %s, not EBADF\n",
				cw[i].io ? "IO_END" : "ACQUIRE",
				i < before ? "attached before" : "attached after",
				cw[i].ret ? strerrorname_np(-cw[i].ret) : "the lock");
	}
	if (with_peer)
		check_close_peer(peer);
}

static void *closer_main(void *arg)
{
	struct rng r;

	(void)arg;
	injector_priority();
	rng_seed(&r, opt.seed, 0xc105e);
	while (!atomic_load(&stop_load)) {
		close_round(&r);
		usleep(200000);
	}
	return NULL;
}

/* ---- calibration and checks -------------------------------------------- */

struct slab_watch {
	bool on;
	int n;
	char name[8][48];
	long base[8];
};

/* Open n descriptors of path (attaching to each when kgil), in fds. */
static int open_many(const char *path, bool attach, int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		fds[i] = open(path, O_RDWR | O_CLOEXEC);
		if (fds[i] < 0 || (attach && raw_attach(fds[i]) < 0)) {
			if (fds[i] >= 0)
				close(fds[i]);
			while (i--)
				close(fds[i]);
			return -1;
		}
	}
	return 0;
}

static void close_many(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * Find the caches that hold kgil's objects: open CALIBRATE_N domains and
 * attach to each, and see which caches grew by about that many, but did
 * not when as many /dev/null files were opened (struct file and the like).
 */
static void slab_calibrate(struct slab_watch *sw)
{
	static struct slab_snap s0, s1, s2;
	int fds[CALIBRATE_N];

	/* A debug kernel: KASAN's quarantine holds freed objects back by
	 * the thousand, and kmemleak (scanned by the VM) answers exactly. */
	if (access("/sys/kernel/debug/kmemleak", F_OK) == 0)
		return;
	if (slab_snapshot(&s0) || open_many("/dev/null", false, fds, CALIBRATE_N))
		return;
	slab_snapshot(&s1);
	close_many(fds, CALIBRATE_N);
	if (open_many(KGIL_DEVICE_PATH, true, fds, CALIBRATE_N))
		return;
	slab_snapshot(&s2);
	close_many(fds, CALIBRATE_N);
	for (int i = 0; i < s2.n && sw->n < 8; i++) {
		const char *name = s2.c[i].name;
		long base = slab_active(&s0, name);

		if (s2.c[i].active - base >= CALIBRATE_N * 9 / 10 &&
		    slab_active(&s1, name) - base < CALIBRATE_N / 2) {
			snprintf(sw->name[sw->n], sizeof(sw->name[0]), "%s", name);
			sw->base[sw->n++] = base;
		}
	}
	sw->on = sw->n > 0;
}

/*
 * After the run the watched caches must come back to their size before
 * it.  Freed objects may wait for RCU (kfree_rcu batches them for up to
 * seconds): poll before calling it a leak.
 */
static int slab_check(const struct slab_watch *sw)
{
	static struct slab_snap s;
	long d[8] = { 0 };
	int bad = 1;

	if (!sw->on) {
		printf("kgil-stress: slab check skipped (a kmemleak kernel, no "
		       "/proc/slabinfo, or no cache that only kgil fills)\n");
		return 0;
	}
	for (int tries = 0; bad && tries < 20; tries++) {
		usleep(500000);
		slab_snapshot(&s);
		bad = 0;
		for (int i = 0; i < sw->n; i++) {
			d[i] = slab_active(&s, sw->name[i]) - sw->base[i];
			bad += d[i] > CALIBRATE_N / 2;
		}
	}
	printf("kgil-stress: slab:");
	for (int i = 0; i < sw->n; i++)
		printf(" %s %+ld", sw->name[i], d[i]);
	printf(" objects since the start (tolerance %d)\n", CALIBRATE_N / 2);
	if (bad)
		fprintf(stderr, "kgil-stress: kgil's kmalloc caches grew: leak?\n");
	return bad;
}

static struct trace_hist hists[] = {
	{ .event = "kgil_acquire_end", .filter = " if ret == 0" },
	{ .event = "kgil_release", .filter = "" },
	{ .event = "kgil_owner_death", .filter = "" },
};
#define NHISTS (sizeof(hists) / sizeof(hists[0]))

static bool traced;	/* the hist triggers ran for the whole load */

static void hists_stop(void)
{
	for (size_t i = 0; i < NHISTS; i++)
		hist_stop(&hists[i]);
	hist_instance_remove();
}

static void hists_start(void)
{
	hist_instance_create("kgil-stress");
	for (size_t i = 0; i < NHISTS; i++)
		if (hist_start(&hists[i]))
			break;
	traced = hists[NHISTS - 1].on;
	if (!traced) {
		hists_stop();
		printf("kgil-stress: no hist triggers (not root, no tracefs or "
		       "HIST_TRIGGERS): trace cross-check skipped\n");
	}
}

/* The statistics against the trace, per domain. */
static int trace_check(unsigned int d, const struct kgil_stats *st)
{
	const uint64_t want[NHISTS] = { st->c.acquisitions, st->c.releases,
					st->c.owner_deaths };
	int bad = 0;

	for (size_t i = 0; i < NHISTS; i++) {
		int64_t got;

		if (!hists[i].on)
			return 0;
		got = hist_count(&hists[i], st->domain_id);
		if (got != (int64_t)want[i]) {
			fprintf(stderr, "kgil-stress: domain %u: %s fired %" PRId64
				" times, the statistics say %" PRIu64 "\n",
				d, hists[i].event, got, want[i]);
			bad++;
		}
	}
	return bad;
}

/* Wait for a domain to have no thread (exiting helpers are reaped late). */
static void settle(int fd)
{
	struct kgil_stats st;

	for (int ms = 0; ms < 5000; ms += 10) {
		if (raw_stats(fd, KGIL_STATS_DOMAIN, 0, &st) || !st.nr_threads)
			return;
		usleep(10000);
	}
}

static int check_all(uint64_t *acq, uint64_t *deaths)
{
	int bad = 0;

	for (unsigned int d = 0; d < opt.domains; d++) {
		struct kgil_stats st = { 0 };
		uint64_t client = atomic_load(&shm->d[d].client_acquisitions);
		uint64_t excl = atomic_load(&shm->d[d].exclusion_violations);
		int ok;

		settle(dom_fd[d]);
		ok = check_balance(dom_fd[d], "kgil-stress", 2000, &st);
		if (ok < 0) {
			fprintf(stderr, "kgil-stress: STATS: %s\n", strerror(-ok));
			return bad + 1;
		}
		bad += !ok;
		if (st.nr_threads || st.holder_id) {
			fprintf(stderr, "kgil-stress: domain %u: %u threads still "
				"attached, holder %u, after every user left\n",
				d, st.nr_threads, st.holder_id);
			bad++;
		}
		if (excl) {
			fprintf(stderr, "kgil-stress: domain %u: MUTUAL EXCLUSION "
				"broken %" PRIu64 " times\n", d, excl);
			bad++;
		}
		if (st.c.acquisitions < client) {
			fprintf(stderr, "kgil-stress: domain %u: the module counted "
				"%" PRIu64 " acquisitions, clients saw %" PRIu64 "\n",
				d, (uint64_t)st.c.acquisitions, client);
			bad++;
		}
		bad += trace_check(d, &st);
		*acq += st.c.acquisitions;
		*deaths += st.c.owner_deaths;
		if (opt.verbose)
			printf("kgil-stress: domain %u: %" PRIu64 " acquisitions, "
			       "%" PRIu64 " handoffs, %" PRIu64 " owner deaths, %"
			       PRIu64 " failed acquires\n", d,
			       (uint64_t)st.c.acquisitions, (uint64_t)st.c.handoffs,
			       (uint64_t)st.c.owner_deaths, (uint64_t)st.c.failed_acquires);
	}
	return bad;
}

/* ---- main ----------------------------------------------------------- */

#define MIN_FAULTS 4

/*
 * Owner deaths come from helpers killed holding the lock and from children
 * that exit holding it, whichever the load lets through.
 */
static bool enough_faults(void)
{
	return atomic_load(&faults.kills_holding) + atomic_load(&faults.forks_holding) >=
		       MIN_FAULTS &&
	       atomic_load(&faults.kills) >= MIN_FAULTS &&
	       atomic_load(&faults.forks) >= MIN_FAULTS &&
	       atomic_load(&faults.closes) >= 1 &&
	       atomic_load(&faults.close_waiter_first) >= 1 &&
	       atomic_load(&faults.close_peers) >= 1 &&
	       atomic_load(&faults.policy_changes) >= MIN_FAULTS &&
	       atomic_load(&faults.signals) >= 100;
}

static void on_alarm(int sig)
{
	static const char msg[] = "kgil-stress: watchdog: the run did not end "
				  "(a thread stuck in the module?)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(4);
	_exit(4);
}

static int parse_args(int argc, char **argv)
{
	struct num_opt o[] = {
		{ .name = "--seconds", .val = &opt.seconds, .min = 1, .max = 86400 },
		{ .name = "--threads", .val = &opt.threads, .min = 1, .max = MAX_THREADS },
		{ .name = "--domains", .val = &opt.domains, .min = 1, .max = MAX_DOMAINS },
		{ .name = "--seed", .val = &opt.seed, .min = 0, .max = UINT64_MAX },
	};
	int ret = parse_num_opts(argc, argv, o, sizeof(o) / sizeof(o[0]), &opt.verbose);

	if (!o[3].seen)
		opt.seed = clock_seed();
	bpf_policy = getenv("KGIL_STRESS_BPF");
	if (bpf_policy && !*bpf_policy)
		bpf_policy = NULL;
	return ret ? -1 : 0;
}

/*
 * The helpers run this very program, from a copy in /tmp: in the VM the
 * repository is a 9p share without page cache, where every exec and page
 * fault of a helper is a round trip to the host (spawning took up to a
 * second under load); the VM's /tmp is a tmpfs.  The copy is removed at
 * exit.  Without a writable /tmp, the program itself.
 */
static void remove_copy(void)
{
	unlink(self_exe);
}

static int copy_self(void)
{
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), out;
	char buf[65536];
	ssize_t n = 0;

	if (in < 0)
		return -1;
	snprintf(self_exe, sizeof(self_exe), "/tmp/kgil-stress-helper.XXXXXX");
	out = mkostemp(self_exe, O_CLOEXEC);
	if (out >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				n = -1;
		if (close(out) || n < 0 || chmod(self_exe, 0700)) {
			unlink(self_exe);
			out = -1;
		}
	}
	close(in);
	if (out < 0) {
		n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
		if (n <= 0)
			return -1;
		self_exe[n] = 0;
		return 0;
	}
	atexit(remove_copy);
	return 0;
}

static int setup(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);		/* no SA_RESTART: EINTR */
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (copy_self())
		return -1;

	shm_fd = high_fd(memfd_create("kgil-stress", MFD_CLOEXEC));
	if (shm_fd < 0 || ftruncate(shm_fd, sizeof(*shm)))
		return -1;
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED)
		return -1;
	for (unsigned int d = 0; d < opt.domains; d++) {
		struct kgil_stats st;

		dom_fd[d] = high_fd(raw_open(O_CLOEXEC));
		if (dom_fd[d] < 0) {
			fprintf(stderr, "kgil-stress: open: %s\n", strerror(-dom_fd[d]));
			return -1;
		}
		if (raw_stats(dom_fd[d], KGIL_STATS_DOMAIN, 0, &st))
			return -1;
		dom_id[d] = st.domain_id;
	}
	if (raw_features(dom_fd[0], &feat))
		return -1;
	workers = calloc(opt.threads, sizeof(*workers));
	return workers ? 0 : -1;
}

int main(int argc, char **argv)
{
	pthread_t signaller, killer, forker, policy, closer;
	struct slab_watch sw = { 0 };
	pthread_attr_t attr;
	uint64_t acq = 0, deaths = 0, t0, t_setup, t_load, t_stop, t_check;
	uint64_t unexpected = 0, client_acq = 0;
	uint64_t eintr = 0, etimedout = 0;
	int bad = 0;

	if (argc == 2 && !strcmp(argv[1], "--close-peer"))
		return close_peer_main();
	if (argc == 5 && !strcmp(argv[1], "--helper"))
		return helper_main((unsigned int)atoi(argv[2]), (unsigned int)atoi(argv[3]),
				   strtoull(argv[4], NULL, 0));
	if (parse_args(argc, argv)) {
		fprintf(stderr, "usage: kgil-stress [--seconds N] [--threads T] "
			"[--domains D] [--seed S] [-v]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_setup = now_ns();
	slab_calibrate(&sw);
	if (setup()) {
		fprintf(stderr, "kgil-stress: set-up failed: %s\n", strerror(errno));
		return 2;
	}
	printf("kgil-stress: %" PRIu64 " s, %" PRIu64 " threads on %" PRIu64
	       " domains, seed %" PRIu64 "\n",
	       opt.seconds, opt.threads, opt.domains, opt.seed);
	hists_start();
	alarm(3 * opt.seconds + 180);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 128 * 1024);
	for (unsigned int i = 0; i < opt.threads; i++) {
		struct worker *w = &workers[i];

		w->idx = i;
		w->dom = i % opt.domains;
		rng_seed(&w->rng, opt.seed, i);
		if (pthread_create(&w->th, &attr, worker_main, w)) {
			fprintf(stderr, "kgil-stress: cannot start thread %u\n", i);
			return 2;
		}
	}
	t0 = now_ns();
	pthread_create(&signaller, &attr, signaller_main, NULL);
	pthread_create(&killer, &attr, killer_main, NULL);
	pthread_create(&forker, &attr, forker_main, NULL);
	pthread_create(&policy, &attr, policy_main, NULL);
	pthread_create(&closer, &attr, closer_main, NULL);

	if (opt.verbose)
		printf("kgil-stress: set-up took %.1f s\n", (double)(now_ns() - t_setup) / 1e9);
	/*
	 * The load runs for the time asked, and longer (up to three times)
	 * until every kind of fault was injected a few times: on a loaded
	 * host the injectors get little CPU, and a run that injected nothing
	 * would prove nothing.
	 */
	sleep(opt.seconds);
	while (!enough_faults() && now_ns() - t0 < 3ull * opt.seconds * 1000000000ull)
		usleep(100000);
	atomic_store(&stop_load, true);
	t_load = now_ns();
	pthread_join(killer, NULL);
	pthread_join(forker, NULL);
	pthread_join(policy, NULL);
	pthread_join(closer, NULL);
	/* Workers in an untimed wait need a signal to see stop_load: the
	 * signaller stops only when all are done, and before they are joined. */
	while (atomic_load(&workers_done) < opt.threads)
		usleep(10000);
	atomic_store(&stop_signals, true);
	pthread_join(signaller, NULL);
	for (unsigned int i = 0; i < opt.threads; i++)
		pthread_join(workers[i].th, NULL);

	for (unsigned int i = 0; i < opt.threads; i++) {
		struct worker *w = &workers[i];

		client_acq += w->acquisitions;
		eintr += w->eintr;
		etimedout += w->etimedout;
		unexpected += w->unexpected;
		if (w->unexpected)
			fprintf(stderr, "kgil-stress: thread %u: %" PRIu64 " unexpected "
				"errors, last %s from %s\n", i, w->unexpected,
				strerrorname_np(-w->last_unexpected), w->where);
	}
	bad += unexpected != 0;
	t_stop = now_ns();
	bad += check_all(&acq, &deaths);
	t_check = now_ns();
	hists_stop();
	for (unsigned int d = 0; d < opt.domains; d++)
		close(dom_fd[d]);
	bad += slab_check(&sw);
	if (opt.verbose)
		printf("kgil-stress: load %.1f s, stopping %.1f s, checks %.1f s, "
		       "slab %.1f s\n", (double)(t_load - t0) / 1e9,
		       (double)(t_stop - t_load) / 1e9, (double)(t_check - t_stop) / 1e9,
		       (double)(now_ns() - t_check) / 1e9);
	if (atomic_load(&faults.close_stuck) ||
	    atomic_load(&faults.close_ebadf) != atomic_load(&faults.close_waiters) ||
	    atomic_load(&faults.close_peer_ok) != atomic_load(&faults.close_peers)) {
		fprintf(stderr, "kgil-stress: closing a domain left %lu of %lu waiters "
			"asleep; %lu came back with EBADF; %lu of %lu other processes "
			"then got the lock\n",
			atomic_load(&faults.close_stuck), atomic_load(&faults.close_waiters),
			atomic_load(&faults.close_ebadf), atomic_load(&faults.close_peer_ok),
			atomic_load(&faults.close_peers));
		bad++;
	}

	if (bpf_policy) {
		printf("kgil-stress: BPF policy %s: %lu switches to it, %lu "
		       "refused while it was unregistered, %lu errors\n",
		       bpf_policy, atomic_load(&faults.bpf_changes),
		       atomic_load(&faults.bpf_absent),
		       atomic_load(&faults.bpf_errors));
		if (atomic_load(&faults.bpf_errors) ||
		    !atomic_load(&faults.bpf_changes))
			bad++;
	}

	printf("kgil-stress: %.1f s: %" PRIu64 " acquisitions (%" PRIu64 " seen by "
	       "the workers), %" PRIu64 " owner deaths; %" PRIu64 " EINTR, %" PRIu64
	       " ETIMEDOUT\n", (double)(now_ns() - t0) / 1e9, acq, client_acq,
	       deaths, eintr, etimedout);
	printf("kgil-stress: faults: %lu signals, %lu helpers SIGKILLed (%lu holding "
	       "the lock), %lu forks (%lu exited holding), %lu policy changes, %lu "
	       "closes (%lu with waiters attached before the holder) under %lu "
	       "waiters (%lu EBADF) and %lu other processes (%lu got the lock)\n",
	       atomic_load(&faults.signals),
	       atomic_load(&faults.kills), atomic_load(&faults.kills_holding),
	       atomic_load(&faults.forks),
	       atomic_load(&faults.forks_holding), atomic_load(&faults.policy_changes),
	       atomic_load(&faults.closes), atomic_load(&faults.close_waiter_first),
	       atomic_load(&faults.close_waiters), atomic_load(&faults.close_ebadf),
	       atomic_load(&faults.close_peers), atomic_load(&faults.close_peer_ok));
	if (!acq || !deaths || !enough_faults()) {
		fprintf(stderr, "kgil-stress: too few faults injected (fewer than %d of "
			"a kind, or no owner death) even in %" PRIu64 " s: the run proves "
			"little\n", MIN_FAULTS, 3 * opt.seconds);
		bad++;
	}
	if (bad) {
		printf("kgil-stress: FAIL (%d checks, seed %" PRIu64 ")\n", bad, opt.seed);
		return 1;
	}
	printf("kgil-stress: PASS: mutual exclusion held, counts balance%s, no leak\n",
	       traced ? " and agree with the trace" : "");
	return 0;
}
