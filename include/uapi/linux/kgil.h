/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kgil: a Python-style global interpreter lock in the kernel.
 *
 * This header is the one contract between the kgil module and userspace.
 * It follows Documentation/driver-api/ioctl.rst and
 * Documentation/process/botching-up-ioctls.rst:
 *  - every struct has fixed-width fields, naturally aligned, padded to a
 *    multiple of 8 bytes, with explicit reserved fields that the kernel
 *    checks to be zero (-EINVAL otherwise), so they can gain a meaning later;
 *  - pointers travel as __u64, times as __u64 nanoseconds on CLOCK_MONOTONIC;
 *  - new behaviour comes as new commands or new feature bits, never as a
 *    changed meaning of an existing field: test KGIL_IOC_FEATURES first.
 *
 * Model: each open file description of /dev/kgil is one lock domain (one
 * "interpreter").  A thread ATTACHes to a domain, then ACQUIREs and RELEASEs
 * its lock, calls CHECK at its periodic check points, and brackets blocking
 * I/O with IO_BEGIN/IO_END.  The lock is cooperative: the module never takes
 * it away from a holder, it only asks (the drop request in the shared page).
 */
#ifndef _UAPI_LINUX_KGIL_H
#define _UAPI_LINUX_KGIL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define KGIL_DEVICE_PATH	"/dev/kgil"

/* Bumped when a command or struct is added; existing ones never change. */
#define KGIL_API_VERSION	1

/* Not claimed in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define KGIL_IOC_MAGIC		0xB8

/* ---- features query ------------------------------------------------- */

#define KGIL_FEAT_LOCK		(1ULL << 0)  /* acquire/release/check */
#define KGIL_FEAT_TIMEOUT	(1ULL << 1)  /* KGIL_ACQUIRE_TIMEOUT/TRY */
#define KGIL_FEAT_IO		(1ULL << 2)  /* IO_BEGIN / IO_END */
#define KGIL_FEAT_STATS		(1ULL << 3)  /* KGIL_IOC_STATS */
#define KGIL_FEAT_MMAP		(1ULL << 4)  /* struct kgil_shared page */
#define KGIL_FEAT_OWNER_DEATH	(1ULL << 5)  /* KGIL_ACQUIRED_OWNER_DEAD */
#define KGIL_FEAT_TRACEPOINTS	(1ULL << 6)  /* TRACE_SYSTEM kgil */
#define KGIL_FEAT_URING_CMD	(1ULL << 7)  /* KGIL_URING_CMD_ACQUIRE */
#define KGIL_FEAT_SPIN		(1ULL << 8)  /* kgil_policy.spin_ns, spin counters */
/* Waits restart after a signal with no handler; kgil_acquire.deadline_ns. */
#define KGIL_FEAT_RESTART	(1ULL << 9)
/*
 * BPF policies: KGIL_POLICY_BPF, SET/GET_POLICY_NAMED, BPF_POLICIES, the
 * policy's name in kgil_stats.policy_name and kgil_counters.policy_clamps.
 * Set on kernels where a module can define a BPF struct_ops type (6.12).
 */
#define KGIL_FEAT_BPF		(1ULL << 10)
/* A wait a signal ended resumes its place: kgil_acquire.resume_ns. */
#define KGIL_FEAT_RESUME	(1ULL << 11)
#define KGIL_FEAT_POLICY(id)	(1ULL << (32 + (id)))  /* policy id known */

struct kgil_features {
	__u32 api_version;	/* out: KGIL_API_VERSION of the module */
	__u32 max_threads;	/* out: per-domain thread limit */
	__u64 features;		/* out: KGIL_FEAT_* */
	char version[32];	/* out: module version, NUL-terminated */
	__u32 max_domains_per_user;	/* out: 0 means unlimited */
	__u32 reserved0;
	__u64 reserved[4];	/* out: zero */
};

/* ---- policies ------------------------------------------------------- */

enum kgil_policy_id {
	KGIL_POLICY_LEGACY = 1,	/* Python 2: ticks, release+signal+retake */
	KGIL_POLICY_NEWGIL = 2,	/* CPython 3.2+: switch interval, drop request */
	KGIL_POLICY_FIFO = 3,	/* strict handoff to the longest waiter */
	KGIL_POLICY_IOPRIO = 4,	/* threads back from I/O go first */
	/*
	 * 5 is retired and never reused: it named a virtual-deadline
	 * policy that was never built.  SET_POLICY with it: -EOPNOTSUPP,
	 * as for any well-formed id a module does not implement.
	 */
	/*
	 * A policy written in BPF: a struct_ops map of type kgil_bpf_policy,
	 * chosen by its name with KGIL_IOC_SET_POLICY_NAMED (KGIL_FEAT_BPF).
	 */
	KGIL_POLICY_BPF = 6,
	KGIL_POLICY_MAX = 6,	/* the highest id ever assigned */
};

/* A policy's name: NUL-terminated, the bytes after the NUL zero. */
#define KGIL_POLICY_NAME_LEN		16

#define KGIL_POLICY_FORCE_SWITCH	(1U << 0)  /* newgil: wait for a taker */
#define KGIL_POLICY_FLAGS_ALL		(KGIL_POLICY_FORCE_SWITCH)

/*
 * The parameters' defaults and bounds, inclusive.  SET_POLICY refuses a
 * value outside them with -EINVAL; libkgil's backends apply the same
 * bounds, from these definitions.
 */
#define KGIL_DEFAULT_CHECK_INTERVAL	100		/* Python 2 ticks */
#define KGIL_MIN_CHECK_INTERVAL		1
#define KGIL_MAX_CHECK_INTERVAL		0x7fffffff	/* fits an int counter */
#define KGIL_DEFAULT_SWITCH_INTERVAL_NS	5000000ULL	/* CPython 3: 5 ms */
#define KGIL_MIN_SWITCH_INTERVAL_NS	1000ULL		/* 1 us */
#define KGIL_MAX_SWITCH_INTERVAL_NS	10000000000ULL	/* 10 s */
#define KGIL_DEFAULT_IO_BOOST_NS	1000000ULL	/* ioprio: 1 ms */
#define KGIL_MIN_IO_BOOST_NS		1000ULL		/* 1 us */
#define KGIL_MAX_IO_BOOST_NS		10000000000ULL	/* 10 s */
#define KGIL_DEFAULT_SPIN_NS		1000000ULL	/* fifo/ioprio in libkgil: 1 ms */
#define KGIL_MAX_SPIN_NS		100000000ULL	/* 100 ms; 0 is allowed */

/*
 * SET_POLICY takes every field; GET_POLICY fills every field.  A field a
 * policy does not use must still be valid (nonzero intervals), so that a
 * later switch to a policy that uses it is well defined.
 */
struct kgil_policy {
	__u32 policy;		/* enum kgil_policy_id */
	__u32 flags;		/* KGIL_POLICY_* */
	__u32 check_interval;	/* ticks between checks (legacy); >= 1 */
	__u32 reserved0;
	__u64 switch_interval_ns; /* newgil/fifo/ioprio */
	/*
	 * ioprio: hold time after IO_END that keeps the priority; a holder
	 * past it is demoted
	 */
	__u64 io_boost_ns;
	/*
	 * fifo/ioprio: how long the next holder may spin for a handoff that
	 * is due instead of sleeping; 0: never (KGIL_FEAT_SPIN)
	 */
	__u64 spin_ns;
	__u64 reserved[3];
};

/*
 * SET_POLICY_NAMED: p as for SET_POLICY, and the policy's name.  With
 * p.policy KGIL_POLICY_BPF the name selects a registered BPF policy
 * (-ENOENT if none has it; -EOPNOTSUPP without KGIL_FEAT_BPF); with a
 * built-in id the name is empty or that policy's own ("fifo"), else
 * -EINVAL.  A name that is not NUL-terminated within the field, or has
 * nonzero bytes after its NUL: -EINVAL.  Plain SET_POLICY refuses
 * KGIL_POLICY_BPF with -EINVAL: a BPF policy is chosen by name.
 *
 * GET_POLICY_NAMED fills p as GET_POLICY does and the name of the
 * domain's policy, built-in or BPF.  Plain GET_POLICY reports a BPF
 * policy as KGIL_POLICY_BPF.
 *
 * When a BPF policy is unregistered (its struct_ops link destroyed, the
 * loader gone) every domain using it falls back to KGIL_POLICY_FIFO with
 * the same parameters, atomically for its waiters.
 */
struct kgil_policy_named {
	struct kgil_policy p;
	char name[KGIL_POLICY_NAME_LEN];
	__u64 reserved[2];
};

/*
 * BPF_POLICIES: the registered BPF policies' names, in registration
 * order.  count in: how many names fit at names (a user pointer to
 * count entries of KGIL_POLICY_NAME_LEN bytes; 0 with count 0); out: how
 * many are registered, which may be more than fit.  -EOPNOTSUPP without
 * KGIL_FEAT_BPF.
 */
struct kgil_bpf_policies {
	__u32 count;
	__u32 reserved0;
	__u64 names;
	__u64 reserved[2];
};

/*
 * Whether p breaks a rule every policy shares: the id outside
 * [KGIL_POLICY_LEGACY, KGIL_POLICY_MAX], an unknown flag, a parameter
 * outside the bounds above, a reserved field not zero.  SET_POLICY
 * refuses such a p with -EINVAL, and libkgil's backends refuse it from
 * this same definition.  (A well-formed id that a module does not
 * implement is SET_POLICY's -EOPNOTSUPP, not this.)
 */
static __inline__ int kgil_policy_invalid(const struct kgil_policy *p)
{
	return p->policy < KGIL_POLICY_LEGACY || p->policy > KGIL_POLICY_MAX ||
	       (p->flags & ~KGIL_POLICY_FLAGS_ALL) ||
	       p->check_interval < KGIL_MIN_CHECK_INTERVAL ||
	       p->check_interval > KGIL_MAX_CHECK_INTERVAL ||
	       p->switch_interval_ns < KGIL_MIN_SWITCH_INTERVAL_NS ||
	       p->switch_interval_ns > KGIL_MAX_SWITCH_INTERVAL_NS ||
	       p->io_boost_ns < KGIL_MIN_IO_BOOST_NS ||
	       p->io_boost_ns > KGIL_MAX_IO_BOOST_NS ||
	       p->spin_ns > KGIL_MAX_SPIN_NS || p->reserved0 ||
	       p->reserved[0] || p->reserved[1] || p->reserved[2];
}

/* ---- threads -------------------------------------------------------- */

/*
 * ATTACH: the calling thread joins the domain and gets its id, which
 * names it in STATS, the shared page's holder_id and the tracepoints.
 * Ids count up from 1 to 2^32 - 1 (the module parameter max_thread_id
 * lowers the top, for tests) and then start again from 1, skipping the
 * ids of threads still attached: at any time an id names at most one
 * attached thread, and an id is given again only after its thread left.
 * Errors: -EINVAL (flags or reserved not zero), -EEXIST (already
 * attached), -ENOSPC (max_threads threads are attached, or every id up
 * to max_thread_id is taken), -EBADF (the domain is being released).
 */
struct kgil_attach {
	__u32 flags;		/* in: 0 */
	__u32 id;		/* out: the thread's id in this domain, >= 1 */
	__u64 reserved[2];
};

/* ---- acquire -------------------------------------------------------- */

#define KGIL_ACQUIRE_TIMEOUT	(1U << 0)  /* give up after timeout_ns */
#define KGIL_ACQUIRE_TRY	(1U << 1)  /* never sleep: -EBUSY if held */
#define KGIL_ACQUIRE_FLAGS_ALL	(KGIL_ACQUIRE_TIMEOUT | KGIL_ACQUIRE_TRY)

#define KGIL_ACQUIRED_OWNER_DEAD (1U << 0) /* previous holder died holding */
#define KGIL_ACQUIRED_SWITCHED	 (1U << 1) /* CHECK: gave the lock away */

/*
 * Used by ACQUIRE, IO_END and CHECK.  Errors: -ETIMEDOUT, -EBUSY for TRY,
 * -EDEADLK if the caller already holds the lock, -ENOENT if the caller is
 * not attached, -EBADF if the caller was detached while waiting (its
 * process closed its last descriptor of the domain, or the thread
 * DETACHed from another call), -EALREADY if its io_uring acquire is
 * pending.  On any error the caller does not hold the lock (-EDEADLK:
 * it still does).
 *
 * Timeout: with KGIL_ACQUIRE_TIMEOUT the call's deadline is fixed when
 * it starts: deadline_ns if nonzero (absolute, CLOCK_MONOTONIC), else the
 * call's start plus timeout_ns.  A deadline at or past INT64_MAX ns (the
 * kernel's KTIME_MAX; timeout_ns = UINT64_MAX always is) is none: the
 * wait never times out.  A CHECK's deadline also counts from its start;
 * it bounds the wait to take the lock back, not the forced-switch wait
 * before it.
 *
 * Signals: a signal whose handler runs ends the wait with -EINTR, with or
 * without SA_RESTART, so the caller can act on it.  A signal whose
 * handler does not run (SIGSTOP/SIGCONT, an ignored signal, a debugger
 * attaching) does not end it: the call restarts transparently.  With
 * KGIL_ACQUIRE_TIMEOUT the deadline stays the same, however long the
 * thread was stopped and whichever wait was cut (CHECK's forced-switch
 * wait too): an interrupted call writes its absolute deadline into
 * deadline_ns (INT64_MAX for none), which the restarted call (or the
 * caller's own next call with the struct as the kernel left it, after
 * -EINTR) keeps, and the time it had left into timeout_ns, for
 * information (UINT64_MAX for none).  Every other outcome writes
 * deadline_ns back as 0, so the struct can be reused.
 * Resuming: a signal whose handler runs makes the caller leave the
 * queue (after -EINTR it never holds the lock), but the wait is not
 * forgotten.  -EINTR writes its start into resume_ns; the thread's next
 * call of the same kind (ACQUIRE or CHECK's re-acquire; IO_END) with
 * that value in resume_ns is the same wait again, as CPython's take_gil()
 * waits on through a signal: it queues where it was (ahead of the waiters
 * that came after it, unless the policy placed them ahead by class,
 * as ioprio's I/O returns), its time counts from the first start (so the
 * handoff the policy makes due after a switch interval of waiting comes
 * when it would have, and wait_ns covers the whole wait), and the
 * policy's pending deadline (newgil's interval) is kept.  A periodic
 * signal (a profiler's timer) can then delay a waiter but never starve
 * it.  Any other value starts a new wait, and so does the call when the
 * thread began or was granted another wait since (each thread has at
 * most one wait to resume: its last one cut; a TRY counts as a wait
 * begun, whatever it returns).  The transparent restart
 * passes the value back by itself, so a restarted call is the same wait
 * too.  The kind must match: ACQUIRE cannot resume an IO_END, which would
 * change the policy's treatment of the wait.
 *
 * A restart repeats the call on the same descriptor number: a thread
 * whose descriptor another thread closed (or replaced) while it waited
 * gets what any restarted system call would, -EBADF (or the other
 * file's answer), even when a dup keeps the domain open.
 *
 * CHECK gives the lock away and takes it back in one call.  If a signal
 * cuts it in between, the thread owes a re-acquire: after -EINTR it does
 * not hold the lock, and its next CHECK (or the transparent restart)
 * waits to take it back instead of failing with -EPERM; ACQUIRE also
 * takes it back.  The debt ends when the thread gets the lock, when its
 * next wait for it ends otherwise than by a signal (-ETIMEDOUT, -EBUSY,
 * ...), or when it leaves the domain.  CHECK by a thread that neither holds nor owes: -EPERM.
 * A CHECK whose thread's own io_uring acquire, issued while CHECK waited
 * for the forced switch, took the lock back returns -EDEADLK: it holds
 * the lock (the acquire's CQE says so too), and exactly one of the two
 * claims it.  That holds too when the acquire's task work (the
 * completion of a request it is linked behind, say) cut the wait and the
 * acquire was granted before the CHECK restarted: the restarted CHECK,
 * or after -EINTR the thread's next CHECK, returns -EDEADLK, once, and
 * keeps the lock (a RELEASE in between ends that).
 *
 * A thread that exits holding the lock releases it before its exit can
 * be seen (before pthread_join() returns, as a robust futex): the next
 * acquirer gets KGIL_ACQUIRED_OWNER_DEAD.  execve() counts as the death
 * of the thread's program image: past the exec's point of no return the
 * thread leaves every domain, a lock it held is released as at exit
 * (KGIL_ACQUIRED_OWNER_DEAD for the next owner), before the new image
 * runs, whether its descriptor is close-on-exec or survives the exec (the
 * new image may then ATTACH again, as a new thread).  When a process
 * closes its last descriptor of a domain, its threads leave it: waiters
 * return -EBADF, never the lock, and a holder among them releases it to
 * the threads of the other processes that share the domain.  "Process"
 * means the threads sharing the file table the descriptor was closed
 * from, as it is at the close: a thread that called unshare(CLONE_FILES)
 * is one of its own.
 */
struct kgil_acquire {
	__u32 flags;		/* in: KGIL_ACQUIRE_* */
	__u32 result;		/* out: KGIL_ACQUIRED_* */
	/*
	 * in: relative to the call's start, with KGIL_ACQUIRE_TIMEOUT
	 * (UINT64_MAX: no limit); out after -EINTR: the time that was left
	 */
	__u64 timeout_ns;
	__u64 wait_ns;		/* out: time spent waiting, to the grant (as STATS) */
	__u32 failed_attempts;	/* out: woke up, found it taken, slept again */
	__u32 reserved0;
	/*
	 * in/out: 0, or (with KGIL_ACQUIRE_TIMEOUT) the CLOCK_MONOTONIC
	 * deadline of a call a signal interrupted, which a restart keeps
	 * (INT64_MAX and beyond: none); nonzero without the flag: -EINVAL
	 * (KGIL_FEAT_RESTART)
	 */
	__u64 deadline_ns;
	/*
	 * in/out (KGIL_FEAT_RESUME): 0, or the CLOCK_MONOTONIC start of
	 * this thread's wait for the lock that a signal ended, written by
	 * the kernel with -EINTR (0 with every other outcome).  Passed back,
	 * the wait resumes (see "Resuming" above).  Before KGIL_FEAT_RESUME
	 * this was a reserved field and nonzero gave -EINVAL.
	 */
	__u64 resume_ns;
};

/* ---- statistics ----------------------------------------------------- */

#define KGIL_STATS_DOMAIN	0
#define KGIL_STATS_THREAD	1
#define KGIL_WAIT_HIST_BUCKETS	32	/* bucket i: wait in [2^i, 2^(i+1)) ns */

struct kgil_counters {
	__u64 acquisitions;
	__u64 releases;
	__u64 handoffs;		/* lock passed to a different thread */
	__u64 failed_acquires;
	__u64 drop_requests;
	__u64 forced_switches;	/* holder waited for a taker (newgil) */
	__u64 owner_deaths;
	__u64 checks;		/* CHECK calls (slow path only) */
	__u64 io_begins;
	__u64 timeouts;
	__u64 interrupts;	/* waits ended by a signal */
	__u64 total_wait_ns;
	__u64 total_hold_ns;
	__u64 max_wait_ns;
	__u64 wait_hist[KGIL_WAIT_HIST_BUCKETS];
	__u64 spins;		/* waits that spun for a due handoff */
	__u64 spin_grants;	/* ... and were granted the lock while spinning */
	/*
	 * A BPF policy's answers the core overrode (out of range, or a
	 * tenure past the bound), domain scope only (KGIL_FEAT_BPF)
	 */
	__u64 policy_clamps;
	__u64 reserved[5];
};

struct kgil_stats {
	__u32 scope;		/* in: KGIL_STATS_DOMAIN or KGIL_STATS_THREAD */
	__u32 id;		/* in: thread id for THREAD; 0 = the caller */
	__u32 nr_threads;	/* out: attached threads (DOMAIN) */
	__u32 holder_id;	/* out: current holder, 0 if free */
	__u64 domain_id;	/* out: as in the tracepoints */
	/*
	 * out: the domain's policy by name (KGIL_FEAT_BPF); in: ignored
	 * (the module before KGIL_FEAT_BPF checked it to be zero)
	 */
	char policy_name[KGIL_POLICY_NAME_LEN];
	struct kgil_counters c;	/* out */
};

/* ---- tracepoints ---------------------------------------------------- */

/*
 * Why a holder let go of the lock: the reason field of the kgil_release
 * tracepoint (TRACE_SYSTEM kgil), printed by name.  Trace ABI: values
 * never change.
 */
enum kgil_release_reason {
	KGIL_REL_EXPLICIT = 0,	/* KGIL_IOC_RELEASE */
	KGIL_REL_CHECK = 1,	/* a CHECK that gave the lock away */
	KGIL_REL_IO = 2,	/* KGIL_IOC_IO_BEGIN */
	KGIL_REL_DETACH = 3,	/* DETACH while holding */
	KGIL_REL_CLOSE = 4,	/* the holder's process closed the domain */
	KGIL_REL_EXIT = 5,	/* the holder exited, was killed, or exec'd */
	KGIL_REL_MAX = 5,
};

/* ---- the shared page (mmap, read-only, offset 0, one page) --------- */

/*
 * The hot check reads drop_request; a nonzero value means "the holder
 * should call KGIL_IOC_CHECK now".  All fields are written by the kernel
 * with WRITE_ONCE and only ever read by userspace.  mmap: one page at
 * offset 0 (else -EINVAL), PROT_READ only (PROT_WRITE or PROT_EXEC:
 * -EPERM; mprotect() adding either later: -EACCES).  The page comes back
 * on the next access after madvise(MADV_DONTNEED).
 */
struct kgil_shared {
	__u32 drop_request;
	__u32 holder_id;	/* 0: free */
	__u64 switch_number;	/* incremented at every change of holder */
	__u32 policy;
	__u32 nr_waiting;
	__u32 check_interval;
	__u32 reserved0;
	__u64 switch_interval_ns;
	__u64 domain_id;
};

/* ---- commands ------------------------------------------------------- */

#define KGIL_IOC_FEATURES	_IOR(KGIL_IOC_MAGIC, 0x00, struct kgil_features)
#define KGIL_IOC_SET_POLICY	_IOW(KGIL_IOC_MAGIC, 0x01, struct kgil_policy)
#define KGIL_IOC_GET_POLICY	_IOR(KGIL_IOC_MAGIC, 0x02, struct kgil_policy)
#define KGIL_IOC_ATTACH		_IOWR(KGIL_IOC_MAGIC, 0x03, struct kgil_attach)
#define KGIL_IOC_DETACH		_IO(KGIL_IOC_MAGIC, 0x04)
#define KGIL_IOC_ACQUIRE	_IOWR(KGIL_IOC_MAGIC, 0x05, struct kgil_acquire)
#define KGIL_IOC_RELEASE	_IO(KGIL_IOC_MAGIC, 0x06)
#define KGIL_IOC_CHECK		_IOWR(KGIL_IOC_MAGIC, 0x07, struct kgil_acquire)
#define KGIL_IOC_IO_BEGIN	_IO(KGIL_IOC_MAGIC, 0x08)
#define KGIL_IOC_IO_END		_IOWR(KGIL_IOC_MAGIC, 0x09, struct kgil_acquire)
#define KGIL_IOC_STATS		_IOWR(KGIL_IOC_MAGIC, 0x0a, struct kgil_stats)
#define KGIL_IOC_SET_POLICY_NAMED _IOW(KGIL_IOC_MAGIC, 0x0b, struct kgil_policy_named)
#define KGIL_IOC_GET_POLICY_NAMED _IOR(KGIL_IOC_MAGIC, 0x0c, struct kgil_policy_named)
#define KGIL_IOC_BPF_POLICIES	_IOWR(KGIL_IOC_MAGIC, 0x0d, struct kgil_bpf_policies)

/* ---- io_uring (IORING_OP_URING_CMD, sqe->cmd_op) -------------------- */

/*
 * Completes (cqe->res = 0, or a negative errno as for ACQUIRE) once the
 * lock has been granted to the submitting thread, which must be attached.
 * sqe->addr, sqe->len and the command area must be zero (-EINVAL; on
 * Linux 6.1 addr and len can be checked only for a request issued
 * straight from the submission ring, not for one linked behind another).
 * A nonnegative cqe->res means the lock is held and carries the
 * KGIL_ACQUIRED_* bits of the grant (KGIL_ACQUIRED_OWNER_DEAD).  Errors
 * besides ACQUIRE's: -EALREADY (the thread already has an acquisition
 * pending; a blocking ACQUIRE or IO_END meanwhile gets it too), -EBADF
 * (the thread detached, exited or closed the domain while it was
 * pending), -ECANCELED (the ring was torn down while it was pending, or
 * before io-wq issued it; or the thread was exiting or in execve()).
 *
 * Closing the ring (its last descriptor) with an acquire pending: a
 * grant made before the close stays, its CQE lost with the ring; the
 * thread's next call says whether it holds the lock (ACQUIRE: -EDEADLK,
 * RELEASE: 0 rather than -EPERM).  Once close() has returned, the
 * request never takes a free lock, whether io-wq issues it only then or
 * a wake-up re-evaluates it, except under a handoff policy (fifo,
 * ioprio): a request still queued when the ring closed can be handed
 * the lock by a release until the kernel cancels it (shortly after the
 * close on Linux 6.7 and later; up to 100 ms after on older kernels).
 * DETACH ends a pending acquire at once and never leaves the lock with
 * the thread: use it rather than the close to give up an acquire.
 */
#define KGIL_URING_CMD_ACQUIRE	0x4b01

#endif /* _UAPI_LINUX_KGIL_H */
