/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kt: small helpers for the device tests, over raw ioctls (the tests do
 * not depend on libkgil).  Functions return 0 or -errno, never assert, so
 * worker threads can use them and report back to the test's main thread.
 */
#ifndef KGIL_TESTS_KT_H
#define KGIL_TESTS_KT_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/kgil.h>

/*
 * Suite fixture: a new domain and its page (the test fails if either
 * cannot be had), and their teardown.
 */
void kt_setup(int *fd, const volatile struct kgil_shared **sh);
void kt_teardown(int *fd, const volatile struct kgil_shared **sh);

/* A Criterion suite whose tests each get a fresh domain: fd and sh. */
#define KT_DOMAIN_SUITE(suite, secs)					\
	static int fd = -1;						\
	static const volatile struct kgil_shared *sh;			\
	static void suite##_setup(void) { kt_setup(&fd, &sh); }		\
	static void suite##_teardown(void) { kt_teardown(&fd, &sh); }	\
	TestSuite(suite, .init = suite##_setup,				\
		  .fini = suite##_teardown, .timeout = (secs))

/* ioctl() as 0 / -errno. */
int kt_ioctl(int fd, unsigned long cmd, void *arg);
/* Open a new domain: fd, or -errno. */
int kt_open(void);

/* Attach the calling thread: its id (>= 1), or -errno. */
int kt_attach(int fd);
int kt_detach(int fd);
/* ACQUIRE with flags/timeout; out (optional) receives the result. */
int kt_acquire(int fd, uint32_t flags, uint64_t timeout_ns,
	       struct kgil_acquire *out);
int kt_release(int fd);
int kt_check(int fd, struct kgil_acquire *out);
int kt_io_begin(int fd);
int kt_io_end(int fd, struct kgil_acquire *out);

/* SET_POLICY with the defaults of the other fields. */
/* fifo/ioprio with a spin bound (kgil_policy.spin_ns), no flags. */
int kt_set_policy_spin(int fd, uint32_t policy, uint64_t switch_interval_ns,
		       uint64_t spin_ns);
int kt_set_policy(int fd, uint32_t policy, uint32_t flags,
		  uint64_t switch_interval_ns);
void kt_policy_defaults(struct kgil_policy *p, uint32_t policy);

/* Domain counters; thread counters of id (0: the caller). */
int kt_stats(int fd, struct kgil_stats *st);
int kt_thread_stats(int fd, uint32_t id, struct kgil_stats *st);

/*
 * Wait until thread id is gone from the domain (or nr_threads drops to
 * nr when id is 0): a thread that exits attached is detached at
 * sched_process_exit, just after pthread_join() has been woken.
 */
bool kt_wait_gone(int fd, uint32_t id, uint32_t nr);

/* The shared page, read-only, or NULL. */
const volatile struct kgil_shared *kt_map(int fd);
void kt_unmap(const volatile struct kgil_shared *sh);
/* mmap() of fd with these arguments: 0 (unmapped again) or -errno. */
int kt_map_errno(int fd, size_t len, int prot, int flags, off_t off);

uint64_t kt_now_ns(void);
void kt_sleep_ns(uint64_t ns);
/* Burn about n iterations of a dependent arithmetic loop. */
void kt_work(unsigned long n);
/*
 * Poll until *word == want (or != want when !equal) or timeout_ns passes;
 * true when it happened.
 */
bool kt_wait_u32(const volatile uint32_t *word, uint32_t want, bool equal,
		 uint64_t timeout_ns);
/* Poll until *flag >= want or timeout_ns passes; true when it happened. */
bool kt_wait_flag(atomic_int *flag, int want, uint64_t timeout_ns);
/*
 * Spin on the page, as a holder's ticks do (no sleep: a sleeping holder
 * would change what is measured), until the drop request shows: the
 * time it showed, or 0 if limit_ns passed first.
 */
uint64_t kt_spin_until_drop(const volatile struct kgil_shared *sh,
			    uint64_t limit_ns);
/* An iteration count from the environment, or def (bounded to >= 1). */
long kt_env_long(const char *name, long def);
/* Path of a helper program next to the test binary. */
const char *kt_helper_path(const char *name, char *buf, size_t len);
/*
 * Spawn build/tests/helpers/kmod-holder on domain fd (inherited as fd 100)
 * in mode and wait for its report: its pid, or -errno.  *tid and *id get
 * the helper's thread id and domain id.
 */
pid_t kt_spawn_holder(int fd, const char *mode, pid_t *tid, uint32_t *id);
/* The same for another helper with kmod-holder's calling convention. */
pid_t kt_spawn_helper(const char *helper, int fd, const char *mode,
		      pid_t *tid, uint32_t *id);

/*
 * A peer: kmod-holder in serve mode on domain fd (inherited), a second
 * process the test drives by commands (see tests/helpers/kmod-holder.c),
 * each answered by one line of numbers.  kt_peer_send() returns at once,
 * so the test can act (close, signal, stop) while the peer blocks in the
 * module, then collect the answer with kt_peer_reply().
 */
struct kt_peer {
	pid_t pid, tid;
	int cmd, reply;		/* our ends of its stdin and its answers */
};

/* Spawn the peer and wait until it runs (not attached yet): 0 or -errno. */
int kt_peer_start(struct kt_peer *p, int fd);
int kt_peer_send(struct kt_peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The next answer's numbers, up to n, into v: how many were read,
 * -ETIMEDOUT if none came within timeout_ns, -EPIPE if the peer died.
 */
int kt_peer_reply(struct kt_peer *p, uint64_t timeout_ns, long long *v,
		  int n);
/* Send, and wait for the answer (up to 20 s): as kt_peer_reply(). */
int kt_peer_call(struct kt_peer *p, long long *v, int n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* SIGKILL and reap it, close the pipes (a stopped peer too). */
void kt_peer_stop(struct kt_peer *p);

/*
 * io_uring: an SQE of KGIL_URING_CMD_ACQUIRE on domain dfd, zeroed but
 * for opcode, fd, cmd_op and user_data (NULL when the ring is full); and
 * the next CQE's res (and user_data) within timeout_ns, or KT_NO_CQE.
 */
#define KT_NO_CQE	INT_MIN
struct io_uring;
struct io_uring_sqe;
struct io_uring_sqe *kt_uring_prep_acquire(struct io_uring *ring, int dfd,
					   uint64_t data);
int kt_uring_next_cqe(struct io_uring *ring, uint64_t timeout_ns,
		      uint64_t *data);
/*
 * One acquire on a fresh ring, its SQE given cmd_op, the command area's
 * first word, addr and len: the CQE's res (within 10 s, else
 * KT_NO_CQE), or the ring's -errno.
 */
int kt_uring_acquire_once(int dfd, uint32_t cmd_op, uint64_t cmd_word,
			  uint64_t addr, uint32_t len);

/* Write a module parameter (in the VM, as root); -errno on failure. */
int kt_set_param(const char *name, const char *value);
int kt_get_param(const char *name, char *buf, size_t len);

/*
 * A CPU-bound "interpreter" thread for kt_interp_run(): attach, acquire,
 * run `ticks` ticks of `work` kt_work() units each, with a check at every
 * tick that the mode says is due, then release and detach.
 */
enum kt_check_mode {
	KT_CHECK_ALWAYS,	/* CHECK syscall at every tick */
	KT_CHECK_WAITERS,	/* only when nr_waiting != 0 (legacy) */
	KT_CHECK_DROP,		/* only when drop_request != 0 (newgil) */
	KT_CHECK_PAGE,		/* by the policy in the shared page */
};

struct kt_interp {
	/* in */
	int fd;
	const volatile struct kgil_shared *sh;
	long ticks;
	unsigned long work;
	unsigned int check_every;	/* ticks between checks (>= 1) */
	enum kt_check_mode mode;
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
void kt_interp_init(struct kt_interp *in, int n, int fd,
		    const volatile struct kgil_shared *sh, long ticks,
		    unsigned long work, unsigned int check_every,
		    enum kt_check_mode mode, volatile long *counter);
void *kt_interp_run(void *arg);
/*
 * Run n interpreters in threads, all attached before the first acquires
 * (a start barrier, so they contend even on a slow kernel); wait for them.
 */
void kt_interp_all(struct kt_interp *in, int n);

/*
 * Two CPU-bound threads under legacy (a check every 100 ticks of `work`,
 * CHECK only when somebody waits), `ticks` each, again up to `rounds`
 * times until a failed attempt shows (a loaded host can keep the waiter's
 * vCPU away for a whole round).  Returns the domain's failed attempts, or
 * -errno; in[] holds the last round.
 */
long kt_legacy_battle(int fd, const volatile struct kgil_shared *sh,
		      long ticks, int rounds, struct kt_interp in[2]);

#endif
