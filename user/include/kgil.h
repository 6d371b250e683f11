/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libkgil: drive a Python-style global interpreter lock from C.
 *
 * One API, three backends chosen when a domain is opened:
 *   KGIL_BACKEND_KERNEL      the kgil kernel module, /dev/kgil;
 *   KGIL_BACKEND_USER_LEGACY a pthread mutex + condition variable lock with
 *                            a tick-counted check interval, as Python 2's
 *                            thread_pthread.h + ceval.c did it;
 *   KGIL_BACKEND_USER_NEWGIL CPython 3's Python/ceval_gil.c: switch
 *                            interval, drop request, forced switching.
 * so that one workload can run on the kernel lock and on the userspace
 * reference locks side by side.
 *
 * Conventions
 *  - Every function returns 0 (or a count) on success and a negative errno
 *    value on failure; errno itself is left alone.  Nothing is printed.
 *  - A domain (struct kgil) is shared by the threads of a process.  A thread
 *    must kgil_attach() before any lock call and should kgil_detach()
 *    before it exits (one that does not is cleaned up, see below).
 *  - A thread is attached to at most one domain at a time.
 *
 * Thread-safety rules
 *  - kgil_open/kgil_close: once per domain; close only when no thread of
 *    this process is attached any more (-EBUSY otherwise).
 *  - kgil_set_policy, kgil_get_policy, kgil_stats, kgil_thread_stats: any
 *    thread, any time, lock held or not.
 *  - kgil_acquire: attached, not holding (-EDEADLK if holding).
 *  - kgil_release, kgil_check, kgil_tick, kgil_io_begin: attached and
 *    holding; misuse returns -EPERM, never crashes.  A check (also from a
 *    tick) that fails to retake the lock (-EINTR, -EBADF: kernel) leaves
 *    the thread without it.
 *  - kgil_io_end: attached, after kgil_io_begin; it reacquires the lock.
 *  - kgil_uring_*: attached and holding on entry; holding again on return
 *    (also on error, unless the error is from reacquiring, -EINTR/-EBADF).
 *
 * Misuse, uniformly on every backend (checked by the library before the
 * backend is asked): a NULL domain is -EINVAL; a lock call (acquire,
 * release, check, tick, io_*, uring_*) from a thread that is not attached
 * to that domain is -ENOENT; release/check/tick/io_begin without holding
 * is -EPERM; io_end without a pending io_begin is -EPERM; acquire while
 * holding is -EDEADLK; attach while attached (to any domain) is -EBUSY.
 *
 * A thread that exits attached is cleaned up: the user backends release
 * the lock if it held it and tell the next acquirer (owner_dead, counter
 * owner_deaths), as the kernel module does for the kernel backend.
 */
#ifndef KGIL_H
#define KGIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kgil.h>

#include "kgil_version.h"	/* KGIL_LIB_VERSION, generated from VERSION */

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version string. */
const char *kgil_lib_version(void);

/*
 * Query the module behind an open /dev/kgil descriptor (or open
 * KGIL_DEVICE_PATH when fd < 0).
 */
int kgil_query_features(int fd, struct kgil_features *out);

/* ---- backends and domains ------------------------------------------ */

enum kgil_backend {
	KGIL_BACKEND_KERNEL = 0,
	KGIL_BACKEND_USER_LEGACY = 1,
	KGIL_BACKEND_USER_NEWGIL = 2,
};

/* "kernel", "user-legacy", "user-newgil"; NULL for an unknown value. */
const char *kgil_backend_name(enum kgil_backend b);
/* Parse a backend name; -EINVAL if unknown. */
int kgil_backend_parse(const char *name, enum kgil_backend *out);
/* The backend named by $KGIL_BACKEND, or def when it is unset. */
int kgil_backend_from_env(enum kgil_backend def, enum kgil_backend *out);

/* "legacy", "newgil", "fifo", "ioprio", "bpf"; NULL if unknown. */
const char *kgil_policy_name(uint32_t policy);
int kgil_policy_parse(const char *name, uint32_t *out);

/*
 * The policy the environment asks for, for programs (such as the patched
 * CPython, docs/python.md) that take their lock settings from it:
 *   KGIL_POLICY              legacy|newgil|fifo|ioprio (unset or empty: def)
 *   KGIL_CHECK_INTERVAL      ticks, [KGIL_MIN_CHECK_INTERVAL, _MAX_]
 *   KGIL_SWITCH_INTERVAL_NS  [KGIL_MIN_SWITCH_INTERVAL_NS, _MAX_]
 *   KGIL_IO_BOOST_NS         [KGIL_MIN_IO_BOOST_NS, _MAX_]
 *   KGIL_SPIN_NS             [0, KGIL_MAX_SPIN_NS]
 *   KGIL_FORCE_SWITCH        0|1 (clears or sets KGIL_POLICY_FORCE_SWITCH)
 * Numbers are whole decimal numbers (no sign, no unit, no spaces).  *out
 * gets kgil_policy_default() of the policy, with the fields the
 * environment sets.  Returns 1 if any of these variables is set (not
 * empty), 0 if none is (*out is def's defaults), -EINVAL for an unknown
 * policy, "bpf" (chosen by name), a malformed or out-of-range number, or
 * def not a built-in policy id.  errno is left alone.
 */
int kgil_policy_from_env(uint32_t def, struct kgil_policy *out);

struct kgil;

/*
 * Open a new lock domain.  The kernel backend opens /dev/kgil (-ENOENT if
 * the module is not loaded) and maps its shared page; the user backends
 * allocate their lock.  The initial policy is the backend's default:
 * newgil for kernel and user-newgil, legacy for user-legacy.
 */
int kgil_open(enum kgil_backend backend, struct kgil **out);
int kgil_close(struct kgil *g);
/*
 * In the child of fork(), instead of kgil_close(): let go of a domain
 * inherited from the parent without touching its lock, which belongs to
 * the parent (it may hold it, and the kernel backend's domain is the
 * parent's open file).  The calling thread is no longer attached to g
 * (and may attach to a new domain); the kernel backend's descriptor and
 * shared page are unmapped and closed in this process only; a user
 * backend's lock memory is left as fork copied it, unused.  g must not be
 * used afterwards.  Returns 0, -EINVAL for NULL.
 */
int kgil_forget_after_fork(struct kgil *g);
/* g must be an open domain (not NULL). */
enum kgil_backend kgil_backend_of(const struct kgil *g);
/* The kernel backend's descriptor, -1 for the user backends (and once lost). */
int kgil_fd(const struct kgil *g);

/*
 * The kernel backend's descriptor is an ordinary descriptor of the
 * process, which code that does not know of it may close (a daemon's
 * "close every descriptor from 3 up"; docs/design.md, "the domain's
 * descriptor").  Closing it is closing the domain for this process: the
 * module detaches all its threads (->flush), waiters get -EBADF.
 *
 * kgil_fd_move() moves the descriptor to the lowest free number >= min_fd
 * (close-on-exec), out of the range such code closes, and returns it (or
 * -errno: -EINVAL for min_fd < 0 or at or above RLIMIT_NOFILE, -EMFILE,
 * -EBADF if the descriptor was closed already; -EOPNOTSUPP on the user
 * backends).  Threads stay attached and a holder keeps the lock: the new
 * number refers to the same open file before the old one is closed.  A
 * thread that read the old number just before the move could still issue
 * its call on it, so move only when no other thread can be calling into g
 * without the lock (at open, or holding it with every other thread
 * waiting inside the kernel or outside libkgil).
 *
 * kgil_lost(g): the descriptor is no longer the domain's (a call on g
 * returned -EBADF, or -ENOTTY/-ENOENT because the number now refers to
 * another file).  From then on every call on g fails with -EBADF without
 * reaching the number (kgil_fd() is -1), and kgil_close() will not close
 * it.  The calling thread, if attached to g, is no longer, without any
 * call to the module (which detached it at the close): it may attach to
 * another domain.  Each thread attached to g calls kgil_lost(g) itself
 * once one of its calls fails; kgil_close(g) frees g once all have.
 * Returns 0, -EINVAL for NULL, -EOPNOTSUPP on the user backends.
 */
int kgil_fd_move(struct kgil *g, int min_fd);
int kgil_lost(struct kgil *g);

/*
 * Policies.  The user backends implement one policy each (user-legacy:
 * KGIL_POLICY_LEGACY, user-newgil: KGIL_POLICY_NEWGIL) and accept only
 * that one, with its parameters (-EOPNOTSUPP for another policy).
 * kgil_policy_default() fills the defaults for a policy id; for
 * KGIL_POLICY_BPF those are fifo's (switch interval, spin_ns), the
 * parameters a BPF policy most likely reads, with policy = KGIL_POLICY_BPF.
 * kgil_set_policy() cannot choose KGIL_POLICY_BPF (-EINVAL, as the
 * module's SET_POLICY): a BPF policy is chosen by name.
 */
int kgil_policy_default(uint32_t policy, struct kgil_policy *out);
int kgil_set_policy(struct kgil *g, const struct kgil_policy *p);
int kgil_get_policy(struct kgil *g, struct kgil_policy *out);

/*
 * Policies by name.  With p->policy KGIL_POLICY_BPF, name chooses a
 * registered BPF policy (kernel backend, KGIL_FEAT_BPF: -ENOENT if none
 * has that name; -EOPNOTSUPP on a module or backend without BPF
 * policies, which the user backends all are).  With a built-in id, name
 * is NULL, empty or that policy's own ("fifo"), else -EINVAL, and the
 * call is kgil_set_policy().  A name of KGIL_POLICY_NAME_LEN bytes or
 * more: -EINVAL.
 *
 * kgil_get_policy_name() gives the name of the domain's policy: a BPF
 * policy's own, a built-in's as kgil_policy_name() spells it.  When a
 * BPF policy is unregistered, the domains that used it are back on
 * fifo (with the same parameters).
 */
int kgil_set_policy_named(struct kgil *g, const struct kgil_policy *p,
			  const char *name);
int kgil_get_policy_name(struct kgil *g, char name[KGIL_POLICY_NAME_LEN]);

/* ---- BPF policies --------------------------------------------------- */

/*
 * A BPF policy is an object file with one SEC(".struct_ops.link") map of
 * the module's struct_ops type kgil_bpf_policy (user/bpf/, docs/bpf.md).
 * It is registered under the map's `name` while its link lives: as long
 * as the loading process keeps it, or for as long as it is pinned in
 * bpffs.  They need Linux 6.12 (KGIL_FEAT_BPF) and a libkgil built with
 * libbpf >= 1.4; otherwise these calls return -EOPNOTSUPP.
 *
 * kgil_bpf_list() opens KGIL_DEVICE_PATH itself and fills up to room
 * names (NUL-terminated) of the registered BPF policies, in registration
 * order; *count gets how many are registered, which may be more than room.
 */
int kgil_bpf_list(char (*names)[KGIL_POLICY_NAME_LEN], unsigned int room,
		  unsigned int *count);

struct kgil_bpf;

/*
 * Open, load and attach the object at path: the policy is registered
 * when this returns 0.  The object must have exactly one struct_ops map,
 * of type kgil_bpf_policy (-EINVAL otherwise).  On failure returns
 * -errno (-ENOENT: no such file; -EINVAL: not a BPF object or not a kgil
 * policy; -EOPNOTSUPP: no BPF policies here; -ENODEV: no /dev/kgil; what
 * the kernel said, e.g. -EACCES from the verifier, -EEXIST for a name
 * already registered) and, when log is not NULL, a NUL-terminated
 * account of why in log: libbpf's messages and the last lines of the
 * verifier's log, which say what it refused.  log_size 4096 or more
 * keeps a verifier's verdict readable.
 */
int kgil_bpf_load(const char *path, char *log, size_t log_size,
		  struct kgil_bpf **out);
/* The name the policy is registered under (the struct_ops map's name). */
const char *kgil_bpf_name(const struct kgil_bpf *bp);
/*
 * The descriptor of one of the loaded object's maps, by its name in the
 * program (the lottery's "tickets"), for bpf_map_update_elem(): valid
 * until kgil_bpf_unload().  -ENOENT: no such map.
 */
int kgil_bpf_map_fd(const struct kgil_bpf *bp, const char *map);
/*
 * Pin the policy's link at path (in bpffs, e.g. /sys/fs/bpf/kgil/NAME;
 * missing parent directories are created): it then stays registered
 * after kgil_bpf_unload() and the process's exit, until the pin is
 * removed (kgil_bpf_unpin()) or the machine reboots.  -EEXIST if path exists.
 */
int kgil_bpf_pin(struct kgil_bpf *bp, const char *path);
/*
 * Remove a pin: the policy is unregistered once nothing else holds its
 * link.  Works without libbpf (it is an unlink in bpffs).
 */
int kgil_bpf_unpin(const char *path);
/* Unregister (unless pinned) and free; NULL is fine. */
void kgil_bpf_unload(struct kgil_bpf *bp);

/* ---- threads -------------------------------------------------------- */

/* Attach the calling thread; returns its id (>= 1) in the domain. */
int kgil_attach(struct kgil *g);
int kgil_detach(struct kgil *g);
/* The calling thread's id in its domain, 0 if not attached. */
uint32_t kgil_self_id(void);

/* ---- the lock ------------------------------------------------------- */

/* Extra information from an acquisition, optional (NULL is fine). */
struct kgil_acquire_info {
	uint64_t wait_ns;
	uint32_t failed_attempts;
	bool owner_dead;	/* the previous holder died holding the lock */
	bool switched;		/* kgil_check: the lock went to another thread */
};

/*
 * Waits for the lock.  Kernel backend: a signal whose handler runs ends
 * the wait with -EINTR (the caller does not hold the lock); the thread's
 * next kgil_acquire() (kgil_io_end() after an interrupted kgil_io_end())
 * resumes that wait, in its place in the queue and with its deadline, so
 * that a thread retrying after each signal of a periodic timer is not
 * starved (uapi kgil.h, "Resuming").  The user backends are not
 * interrupted by signals: their waits go on through a handler.
 */
int kgil_acquire(struct kgil *g, struct kgil_acquire_info *info);
/* -ETIMEDOUT after timeout_ns; timeout_ns == 0 is a try (-EBUSY). */
int kgil_acquire_timeout(struct kgil *g, uint64_t timeout_ns,
			 struct kgil_acquire_info *info);
int kgil_release(struct kgil *g);

/*
 * The periodic check, slow path: what the policy does at a check interval
 * or on a drop request (legacy: release, signal, retake; newgil: drop and,
 * with forced switching, wait for a taker, then retake).  Returns 1 if the
 * lock went to another thread meanwhile, 0 if not.
 */
int kgil_check(struct kgil *g, struct kgil_acquire_info *info);

/* ---- the tick fast path -------------------------------------------- */

/*
 * kgil_tick's thread-local state is reached with the initial-exec TLS model
 * so that the inlined fast path is a %fs-relative access, never a call to
 * __tls_get_addr (even from a shared library or PIC code).
 */
#if defined(__GNUC__)
#define KGIL__TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#define KGIL__TLS_MODEL
#endif

/*
 * Per-thread state behind kgil_tick(); private, in the header only so the
 * fast path can be inlined.  countdown reaches 0 at the check interval;
 * drop is the domain's drop-request word (the kernel's read-only shared
 * page, or the user backend's atomic), checked at every tick like CPython's
 * eval breaker.  interval is what countdown is reloaded with: the policy's
 * check_interval under legacy, a long refresh period (the slow path then
 * only re-reads the policy) under the time-based policies.  countdown is
 * kept at 0 while the thread does not hold the lock, so a misplaced tick
 * reaches the slow path and gets its error.
 */
struct kgil__tls {
	struct kgil *g;
	int32_t countdown;
	int32_t interval;
	const volatile uint32_t *drop;
	uint64_t ticks;
};
extern __thread struct kgil__tls kgil__tls KGIL__TLS_MODEL;
int kgil__tick_slow(void);

/*
 * kgil_tick in two steps, for an interpreter that must put its own state
 * aside before the lock can change hands (CPython swaps its thread state
 * out around take_gil/drop_gil).  kgil_tick_due() counts the tick like
 * kgil_tick and says whether the slow path is due: the countdown ran out,
 * or the domain's drop request is set.  It never calls, locks or blocks.
 * kgil_tick_run() is that slow path, with kgil_tick's results: 0, 1 if
 * the lock went to another thread meanwhile, -ENOENT (not attached),
 * -EPERM (not holding), or an error of retaking the lock.  A tick that
 * is due and not run stays due: the next kgil_tick_due() says so again.
 * kgil_tick() is exactly kgil_tick_due() ? kgil_tick_run() : 0.
 */
static inline bool kgil_tick_due(void)
{
	struct kgil__tls *t = &kgil__tls;

	t->ticks++;
	if (__builtin_expect(--t->countdown <= 0 || (t->drop && *t->drop), 0)) {
		/* Stays due until kgil_tick_run() reloads it. */
		t->countdown = 0;
		return true;
	}
	return false;
}

int kgil_tick_run(void);

/*
 * One "interpreter instruction".  With nothing to do it is a decrement, a
 * load and two predictable branches: no call, no system call.  Returns 0,
 * what the slow path returned (1 if the lock was handed over), or a
 * negative errno on misuse (-ENOENT not attached, -EPERM not holding).
 */
static inline int kgil_tick(void)
{
	return __builtin_expect(kgil_tick_due(), 0) ? kgil__tick_slow() : 0;
}

/* ---- I/O ------------------------------------------------------------ */

/* Release the lock around blocking I/O (tagged as I/O) and retake it. */
int kgil_io_begin(struct kgil *g);
int kgil_io_end(struct kgil *g, struct kgil_acquire_info *info);

struct io_uring;
struct io_uring_cqe;
struct __kernel_timespec;

/*
 * io_uring waits with the lock released for exactly the time the thread
 * blocks: if a completion is already there, the lock is not touched at
 * all; otherwise io_begin, wait, io_end.  Return what liburing returns
 * (0 or -errno), or the error of reacquiring.
 */
int kgil_uring_wait_cqe(struct kgil *g, struct io_uring *ring,
			struct io_uring_cqe **cqe);
int kgil_uring_wait_cqe_timeout(struct kgil *g, struct io_uring *ring,
				struct io_uring_cqe **cqe,
				struct __kernel_timespec *ts);
/* Submit what is queued and wait for wait_nr completions, lock released. */
int kgil_uring_submit_and_wait(struct kgil *g, struct io_uring *ring,
			       unsigned int wait_nr);

/*
 * Acquiring through io_uring (kernel backend, KGIL_FEAT_URING_CMD;
 * -EOPNOTSUPP on the user backends).
 *
 * kgil_uring_prep_acquire() fills a (64-byte) SQE with the module's
 * KGIL_URING_CMD_ACQUIRE on g; user_data is the caller's.  Its CQE comes
 * once the lock has been granted to the submitting thread (res >= 0,
 * KGIL_ACQUIRED_* bits) or with -errno (uapi/linux/kgil.h).  A granted
 * acquire leaves the thread holding the lock even if nobody reaps the CQE.
 *
 * kgil_uring_io_acquire(): io_sqe is the I/O request just prepared on
 * ring (by a thread attached and holding).  It is hard-linked to an
 * acquire and both are submitted; if the I/O did not complete inline,
 * the lock is released as for I/O and one wait returns once the I/O has
 * completed and the lock is held again: the I/O-bound thread waits for
 * its I/O and the lock in one io_uring_enter().  *io_res gets the I/O's
 * cqe->res.  Returns 0 with the lock held, or the error of reacquiring
 * (not held).  The ring must have no other request in flight (both
 * completions are reaped here).
 */
struct io_uring_sqe;
int kgil_uring_prep_acquire(struct io_uring_sqe *sqe, struct kgil *g);
int kgil_uring_io_acquire(struct kgil *g, struct io_uring *ring,
			  struct io_uring_sqe *io_sqe, int *io_res,
			  struct kgil_acquire_info *info);

/* ---- statistics ----------------------------------------------------- */

/*
 * The same counters for every backend (see struct kgil_counters), with
 * these meanings:
 *  - acquisitions/releases count changes of ownership: a check that gives
 *    the lock back to the same thread (nobody took it) counts neither; at
 *    any quiet moment acquisitions == releases + (1 if someone holds).
 *  - every acquisition adds its wait to total_wait_ns, max_wait_ns and one
 *    wait_hist bucket, so the histogram sums to acquisitions.
 *  - handoffs: acquisitions by a thread other than the previous holder.
 *  - failed_acquires: a waiter woken by a release (or spuriously) found the
 *    lock taken again and slept again; newgil's own interval timer
 *    expiring is not a failed attempt (it is how drop requests are made).
 *  - drop_requests: a waiter raised the drop request (from 0 to 1);
 *    forced_switches: a releaser waited for a taker (newgil FORCE_SWITCH).
 *  - checks: slow-path checks performed (a legacy tick check, a newgil
 *    drop-request check, kgil_check); io_begins; timeouts of
 *    kgil_acquire_timeout; interrupts (kernel only: signals).
 * Domain counters are the sums of the thread counters, those of the
 * threads that have left included.  A thread's own record goes when it
 * detaches (or exits attached), on every backend: kgil_thread_stats() of
 * its id is then -ENOENT, and a process that runs many short threads
 * does not grow.
 */
int kgil_stats(struct kgil *g, struct kgil_counters *out);
/* One thread's counters; id 0 is the calling thread. */
int kgil_thread_stats(struct kgil *g, uint32_t id, struct kgil_counters *out);
/*
 * The whole UAPI struct: set s->scope (KGIL_STATS_DOMAIN or _THREAD) and
 * s->id (0 for DOMAIN; for THREAD a thread id, 0 meaning the caller), the
 * rest is filled (nr_threads, holder_id, domain_id, counters).  -EINVAL
 * for a bad scope or an id with DOMAIN, -ENOENT for an unknown thread.
 */
int kgil_stats_query(struct kgil *g, struct kgil_stats *s);

#ifdef __cplusplus
}
#endif

#endif /* KGIL_H */
