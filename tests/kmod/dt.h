/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dt ("device test"): helpers of the device tests beyond tests/lib's raw
 * calls (raw.h), clocks (clock.h), busy work (busy.h) and module
 * parameters (modparam.h): fixtures, waits, helper processes, io_uring
 * and interpreter threads.  Functions return 0 or -errno and never
 * assert (but for the fixture's), so worker threads can use them and
 * report back to the test's main thread.
 */
#ifndef KGIL_TESTS_DT_H
#define KGIL_TESTS_DT_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/kgil.h>

/*
 * A domain's fixture: open a new domain and map its page (the test fails
 * if either cannot be had); close both.  A suite whose tests each get a
 * fresh domain declares its own fd and sh and calls these from its
 * .init and .fini.
 */
void dt_domain_open(int *fd, const volatile struct kgil_shared **sh);
void dt_domain_close(int *fd, const volatile struct kgil_shared **sh);

/*
 * SET_POLICY: the policy's defaults (kgil_policy_default()) but for the
 * given fields and spin_ns, which is 0 (no handoff spinning) unless
 * given: dt_set_policy_spin() sets a spin bound and no flags.
 */
int dt_set_policy_spin(int fd, uint32_t policy, uint64_t switch_interval_ns,
		       uint64_t spin_ns);
int dt_set_policy(int fd, uint32_t policy, uint32_t flags,
		  uint64_t switch_interval_ns);

/*
 * Wait until thread id is gone from the domain (or nr_threads drops to
 * nr when id is 0): a thread that exits attached is detached at
 * sched_process_exit, just after pthread_join() has been woken.
 */
bool dt_wait_gone(int fd, uint32_t id, uint32_t nr);

/*
 * Poll until *word == want (or != want when !equal) or timeout_ns passes;
 * true when it happened.
 */
bool dt_wait_u32(const volatile uint32_t *word, uint32_t want, bool equal,
		 uint64_t timeout_ns);
/* Poll until *flag >= want or timeout_ns passes; true when it happened. */
bool dt_wait_flag(atomic_int *flag, int want, uint64_t timeout_ns);
/*
 * Spin on the page, as a holder's ticks do (no sleep: a sleeping holder
 * would change what is measured), until the drop request shows: the
 * time it showed, or 0 if limit_ns passed first.
 */
uint64_t dt_spin_until_drop(const volatile struct kgil_shared *sh,
			    uint64_t limit_ns);
/* An iteration count from the environment, or def (bounded to >= 1). */
long dt_env_long(const char *name, long def);
/* Path of a helper program next to the test binary. */
const char *dt_helper_path(const char *name, char *buf, size_t len);
/*
 * Spawn build/tests/helpers/kmod-holder on domain fd (inherited as fd 100)
 * in mode and wait for its report: its pid, or -errno.  *tid and *id get
 * the helper's thread id and domain id.
 */
pid_t dt_spawn_holder(int fd, const char *mode, pid_t *tid, uint32_t *id);
/* The same for another helper with kmod-holder's calling convention. */
pid_t dt_spawn_helper(const char *helper, int fd, const char *mode,
		      pid_t *tid, uint32_t *id);
/*
 * The same, for a report of up to n numbers into v: how many were read
 * (the helper is spawned, *pid set, whenever this is >= 0), or -errno.
 */
int dt_spawn_report(const char *helper, int fd, const char *mode,
		    pid_t *pid, long long *v, int n);

/*
 * A peer: kmod-holder in serve mode on domain fd (inherited), a second
 * process the test drives by commands (see tests/helpers/kmod-holder.c),
 * each answered by one line of numbers.  dt_peer_send() returns at once,
 * so the test can act (close, signal, stop) while the peer blocks in the
 * module, then collect the answer with dt_peer_reply().
 */
struct dt_peer {
	pid_t pid, tid;
	int cmd, reply;		/* our ends of its stdin and its answers */
};

/* Spawn the peer and wait until it runs (not attached yet): 0 or -errno. */
int dt_peer_start(struct dt_peer *p, int fd);
int dt_peer_send(struct dt_peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The next answer's numbers, up to n, into v: how many were read,
 * -ETIMEDOUT if none came within timeout_ns, -EPIPE if the peer died.
 */
int dt_peer_reply(struct dt_peer *p, uint64_t timeout_ns, long long *v,
		  int n);
/* Send, and wait for the answer (up to 20 s): as dt_peer_reply(). */
int dt_peer_call(struct dt_peer *p, long long *v, int n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* SIGKILL and reap it, close the pipes (a stopped peer too). */
void dt_peer_stop(struct dt_peer *p);

/*
 * io_uring: an SQE of KGIL_URING_CMD_ACQUIRE on domain dfd, zeroed but
 * for opcode, fd, cmd_op and user_data (NULL when the ring is full); and
 * the next CQE's res (and user_data) within timeout_ns, or DT_NO_CQE.
 */
#define DT_NO_CQE	INT_MIN
struct io_uring;
struct io_uring_sqe;
struct io_uring_sqe *dt_uring_prep_acquire(struct io_uring *ring, int dfd,
					   uint64_t data);
int dt_uring_next_cqe(struct io_uring *ring, uint64_t timeout_ns,
		      uint64_t *data);
/*
 * One acquire on a fresh ring, its SQE given cmd_op, the command area's
 * first word, addr and len: the CQE's res (within 10 s, else
 * DT_NO_CQE), or the ring's -errno.
 */
int dt_uring_acquire_once(int dfd, uint32_t cmd_op, uint64_t cmd_word,
			  uint64_t addr, uint32_t len);

/*
 * A CPU-bound "interpreter" thread for dt_interp_run(): attach, acquire,
 * run `ticks` ticks of `work` busy_work() iterations each, with a check at every
 * tick that the mode says is due, then release and detach.
 */
enum dt_check_mode {
	DT_CHECK_ALWAYS,	/* CHECK syscall at every tick */
	DT_CHECK_WAITERS,	/* only when nr_waiting != 0 (legacy) */
	DT_CHECK_DROP,		/* only when drop_request != 0 (newgil) */
	DT_CHECK_PAGE,		/* by the policy in the shared page */
};

struct dt_interp {
	/* in */
	int fd;
	const volatile struct kgil_shared *sh;
	long ticks;
	unsigned long work;
	unsigned int check_every;	/* ticks between checks (>= 1) */
	enum dt_check_mode mode;
	volatile long *counter;		/* optional, incremented under the lock */
	void *start;			/* optional pthread_barrier_t: all
					 * attached before anyone acquires */
	/* out */
	uint32_t id;
	int err;			/* first -errno, 0 if none */
	long violations;		/* the page named another holder */
	long checks;			/* CHECK syscalls made */
	long switched;			/* CHECKs that gave the lock away */
	uint64_t elapsed_ns;
};

/* Fill n interpreters on one domain with the same work. */
void dt_interp_init(struct dt_interp *in, int n, int fd,
		    const volatile struct kgil_shared *sh, long ticks,
		    unsigned long work, unsigned int check_every,
		    enum dt_check_mode mode, volatile long *counter);
void *dt_interp_run(void *arg);
/*
 * Run n interpreters in threads, all attached before the first acquires
 * (a start barrier, so they contend even on a slow kernel); wait for them.
 */
void dt_interp_all(struct dt_interp *in, int n);

/*
 * Two CPU-bound threads under legacy (a check every 100 ticks of `work`,
 * CHECK only when somebody waits), `ticks` each, again up to `rounds`
 * times until a failed attempt shows (a loaded host can keep the waiter's
 * vCPU away for a whole round).  Returns the domain's failed attempts, or
 * -errno; in[] holds the last round.
 */
long dt_legacy_battle(int fd, const volatile struct kgil_shared *sh,
		      long ticks, int rounds, struct dt_interp in[2]);

#endif
