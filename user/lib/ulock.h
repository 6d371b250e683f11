/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * The part the two userspace reference GILs share: a "locked" flag guarded
 * by a pthread mutex, the condition variables threads sleep on, the table
 * of attached threads and the counters.  How a thread waits for the lock
 * and how it lets go is each backend's own (backend_user_legacy.c,
 * backend_user_newgil.c): that is where Python 2 and CPython 3 differ.
 */
#ifndef KGIL_ULOCK_H
#define KGIL_ULOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kgil_internal.h"

/* Library internals: not exported from libkgil.so. */
#pragma GCC visibility push(hidden)

/* One attached (or formerly attached) thread; freed with the domain. */
struct kgil_uthread {
	uint32_t id;
	bool attached;
	uint64_t acquired_at;		/* ns, while it holds the lock */
	struct kgil_counters c;		/* written under ul->mutex */
	struct kgil_uthread *next;
};

struct kgil_ulock;

/* How a backend waits for the lock (returns 1 if it changed hands, 0, or
 * -errno) and how it lets go (io: for I/O; by_check: at a check). */
typedef int kgil_utake_fn(struct kgil_ulock *ul, struct kgil_uthread *rec,
			  const struct kgil_acq_req *req,
			  struct kgil_acquire_info *info);
typedef void kgil_uletgo_fn(struct kgil_ulock *ul, struct kgil_uthread *rec,
			    bool io, bool by_check);

struct kgil_ulock {
	kgil_utake_fn *take;
	kgil_uletgo_fn *let_go;

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
	struct kgil_uthread *threads;
};

static inline struct kgil_ulock *kgil__ulock(struct kgil *g)
{
	return g->priv;
}

static inline struct kgil_uthread *kgil__urec(void)
{
	return kgil__self.rec;
}

/* Allocate the lock with policy `policy`'s defaults; g->priv. */
int kgil__ulock_open(struct kgil *g, uint32_t policy, kgil_utake_fn *take,
		     kgil_uletgo_fn *let_go);
/* The ops that only go through take/let_go. */
int kgil__ulock_acquire(struct kgil *g, const struct kgil_acq_req *req,
			struct kgil_acquire_info *info);
int kgil__ulock_release(struct kgil *g, bool io);
void kgil__ulock_close(struct kgil *g);
/* Only the backend's own policy is accepted (-EOPNOTSUPP otherwise). */
int kgil__ulock_set_policy(struct kgil *g, const struct kgil_policy *p);
int kgil__ulock_get_policy(struct kgil *g, struct kgil_policy *out);
int kgil__ulock_attach(struct kgil *g);
/* Under the mutex, lock released already: the thread leaves the table. */
void kgil__ulock_forget(struct kgil_ulock *ul, struct kgil_uthread *rec);
/* Release (the backend's way) if held, then leave the table. */
int kgil__ulock_detach(struct kgil *g);
void kgil__ulock_thread_exit(struct kgil *g);
int kgil__ulock_stats(struct kgil *g, struct kgil_stats *s);

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
 * pending check release,
 * fills info and wakes a releaser waiting in a forced switch.  Returns
 * true if the lock changed hands since rec last had it.
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
