/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * The part the two userspace reference GILs share: a "locked" flag guarded
 * by a pthread mutex, the condition variables threads sleep on, the table
 * of attached threads and the counters.  How a thread waits for the lock
 * and how it lets go is each backend's own (ulock_legacy.c,
 * ulock_newgil.c): that is where Python 2 and CPython 3 differ.
 */
#ifndef KGIL_ULOCK_H
#define KGIL_ULOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "libkgil.h"

/* Library internals: not exported from libkgil.so. */
#pragma GCC visibility push(hidden)

/*
 * One attached thread.  Freed when it detaches (or exits attached), its
 * counters folded into the domain's retired ones: a process that starts
 * and ends threads for ever must not grow (issue 25).
 */
struct kgil_uthread {
	uint32_t id;
	uint64_t acquired_at;		/* ns, while it holds the lock */
	struct kgil_counters c;		/* written under ul->mutex */
	struct kgil_uthread *next;
};

struct kgil_ulock;

/*
 * What makes Python 2's lock and CPython 3's differ: how a thread waits for
 * the lock (returns 1 if it changed hands since the thread last had it, 0,
 * or -errno), how it lets go (io: for I/O; by_check: at a check), the
 * periodic check, and what kgil_tick does.  Each backend file defines one.
 */
struct kgil_upolicy {
	uint32_t policy;	/* the one policy id it implements */
	int (*take)(struct kgil_ulock *ul, struct kgil_uthread *rec,
		    const struct kgil_acq_req *req,
		    struct kgil_acquire_info *info);
	void (*let_go)(struct kgil_ulock *ul, struct kgil_uthread *rec,
		       bool io, bool by_check);
	int (*check)(struct kgil_ulock *ul, struct kgil_uthread *rec,
		     struct kgil_acquire_info *info);
	/* The countdown ran out or the drop word is set. */
	int (*tick)(struct kgil_ulock *ul, struct kgil_uthread *rec,
		    const struct kgil__tls *t);
	void (*tick_reload)(struct kgil_ulock *ul, struct kgil__tls *t);
};

extern const struct kgil_upolicy kgil__upolicy_legacy;
extern const struct kgil_upolicy kgil__upolicy_newgil;

struct kgil_ulock {
	const struct kgil_upolicy *pol;

	/* mutex protects every field below except where noted. */
	pthread_mutex_t mutex;
	/* Signalled when the lock is released (Python 2's lock_released,
	 * CPython's gil->cond). */
	pthread_cond_t cond;
	/* Signalled when a thread takes the lock or a waiter gives up
	 * (CPython's switch_cond, for FORCE_SWITCHING). */
	pthread_cond_t switch_cond;

	bool locked;
	struct kgil_uthread *holder;
	struct kgil_uthread *last_holder;
	uint64_t switch_number;		/* changes of holder */
	uint32_t nr_waiting;
	uint32_t nr_threads;		/* attached now */
	/* Read by the holder's kgil_tick without the mutex: written with
	 * __atomic stores, under the mutex. */
	uint32_t drop_request;
	bool owner_dead;		/* tell the next acquirer */
	/*
	 * A check let the lock go and its thread has not taken it back yet.
	 * If another thread takes it, that is a release and an acquisition;
	 * if the same thread retakes it first, nothing changed hands and
	 * nothing is counted (see struct kgil_counters in kgil.h).
	 */
	struct kgil_uthread *check_releaser;
	uint64_t check_released_at;

	/* check_interval is also read without the mutex (__atomic load) by
	 * the tick of the holder. */
	struct kgil_policy policy;
	uint64_t domain_id;
	uint32_t next_id;
	struct kgil_uthread *threads;	/* the attached threads */
	/* The counters of the threads that have left, for the domain's sums. */
	struct kgil_counters retired;
	/*
	 * Stands for a last holder that has left, in last_holder: its record
	 * is freed, and a new thread's record may get the same address, which
	 * would then not count its first acquisition as a handoff.
	 */
	struct kgil_uthread gone;
};

/* Absolute deadline of a request started at start_ns, 0 for none. */
uint64_t kgil__ulock_deadline(const struct kgil_acq_req *req,
			      uint64_t start_ns);
/* Wait on cond (with ul->mutex held) until deadline_ns (0: no limit);
 * returns 0 or ETIMEDOUT. */
int kgil__ulock_wait(struct kgil_ulock *ul, pthread_cond_t *cond,
		     uint64_t deadline_ns);

/*
 * Under the mutex, the lock free: rec takes it.  Accounts the acquisition
 * (wait since start_ns, 0 if it did not wait; failed attempts), settles a
 * pending check release, fills info and wakes a releaser waiting in a
 * forced switch.  Returns true if the lock changed hands since rec last
 * had it.
 */
bool kgil__ulock_grant(struct kgil_ulock *ul, struct kgil_uthread *rec,
		       uint64_t start_ns, uint32_t failed,
		       struct kgil_acquire_info *info);
/* Under the mutex: rec lets go, for I/O or at a check (by_check defers
 * the accounting of the release, see check_releaser). */
void kgil__ulock_ungrant(struct kgil_ulock *ul, struct kgil_uthread *rec,
			 bool io, bool by_check);

#pragma GCC visibility pop

#endif /* KGIL_ULOCK_H */
