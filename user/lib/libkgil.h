/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libkgil.h: the library's internals: the domain object, the calling thread's state and the
 * table of operations each backend implements.  The public entry points
 * (domain.c, io.c, tick.c) check arguments and the thread's state, so a
 * backend operation only runs for an attached thread in the right state.
 */
#ifndef LIBKGIL_H
#define LIBKGIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kgil.h"

/* Library internals: not exported from libkgil.so. */
#pragma GCC visibility push(hidden)

/*
 * Under the time-based policies countdown only paces a re-read of the
 * policy (so a switch to legacy at run time is noticed by a holder that
 * never waits): one slow-path call per this many ticks.
 */
#define KGIL_TICK_REFRESH	65536

/* What an acquisition asks for. */
struct kgil_acq_req {
	uint32_t flags;		/* KGIL_ACQUIRE_TRY / KGIL_ACQUIRE_TIMEOUT */
	uint64_t timeout_ns;	/* with KGIL_ACQUIRE_TIMEOUT */
	bool io;		/* the end of an io_begin/io_end bracket */
};

struct kgil_ops {
	int (*open)(struct kgil *g);
	void (*close)(struct kgil *g);
	int (*set_policy)(struct kgil *g, const struct kgil_policy *p);
	int (*get_policy)(struct kgil *g, struct kgil_policy *out);
	/*
	 * Policies by name (policy_named.c checks the arguments first); NULL
	 * for a backend without BPF policies, which only has its built-in.
	 */
	int (*set_policy_named)(struct kgil *g, const struct kgil_policy *p,
				const char *name);
	int (*get_policy_named)(struct kgil *g, struct kgil_policy *out,
				char name[KGIL_POLICY_NAME_LEN]);
	/* Sets kgil__self.id (and .rec); returns 0 or -errno. */
	int (*attach)(struct kgil *g);
	/* Releases the lock first if the thread holds it. */
	int (*detach)(struct kgil *g);
	/* The thread exits still attached (pthread key destructor). */
	void (*thread_exit)(struct kgil *g);
	int (*acquire)(struct kgil *g, const struct kgil_acq_req *req,
		       struct kgil_acquire_info *info);
	int (*release)(struct kgil *g, bool io);
	/* 1 if the lock went to another thread meanwhile, 0 if not. */
	int (*check)(struct kgil *g, struct kgil_acquire_info *info);
	/* kgil_tick's slow path for a holder: countdown ran out or drop set. */
	int (*tick)(struct kgil *g, struct kgil__tls *t);
	/* After an acquisition: set t->interval, t->countdown and t->drop. */
	void (*tick_reload)(struct kgil *g, struct kgil__tls *t);
	int (*stats)(struct kgil *g, struct kgil_stats *s);
};

extern const struct kgil_ops kgil__kernel_ops;
/* Both userspace reference locks (ulock.c; the policy is the difference). */
extern const struct kgil_ops kgil__user_ops;

struct kgil {
	const struct kgil_ops *ops;
	enum kgil_backend backend;
	atomic_int nr_attached;	/* threads of this process attached */
	void *priv;		/* the backend's state */
};

/*
 * The calling thread's state besides the public kgil__tls (whose .g is the
 * domain the thread is attached to, NULL if none).
 */
struct kgil_self {
	uint32_t id;		/* id in the domain, 0 when not attached */
	bool held;		/* holds the lock */
	bool in_io;		/* between kgil_io_begin and kgil_io_end */
	void *rec;		/* the user backends' per-thread record */
	/*
	 * Kernel backend: the start of this thread's wait that a signal
	 * ended (kgil_acquire.resume_ns), and whether it was an IO_END;
	 * its next wait of that kind resumes it.  0: none.
	 */
	uint64_t resume_ns;
	bool resume_io;
};
extern __thread struct kgil_self kgil__self;

/* Monotonic time in ns (vDSO: no system call). */
uint64_t kgil__now_ns(void);

/* Policy helpers shared by the backends (policy.c). */
int kgil__policy_validate(const struct kgil_policy *p);

/* Counter bookkeeping shared by the user backends (counters.c). */
void kgil__count_acquire(struct kgil_counters *c, uint64_t wait_ns,
			 uint32_t failed);
void kgil__count_release(struct kgil_counters *c, uint64_t hold_ns);
void kgil__counters_add(struct kgil_counters *dst,
			const struct kgil_counters *src);

/* self.c: the calling thread's state and the misuse rules. */
int kgil__check_attached(const struct kgil *g);	/* -EINVAL, -ENOENT */
int kgil__check_holding(const struct kgil *g);	/* ... or -EPERM */
void kgil__tick_on_acquired(struct kgil *g);
void kgil__tick_on_released(void);
int kgil__after_check(struct kgil *g, int ret);

/* domain.c: an acquisition by an attached thread (kgil_acquire, io_end). */
int kgil__acquire(struct kgil *g, const struct kgil_acq_req *req,
		  struct kgil_acquire_info *info);

/* backend_kernel.c */
int kgil__kernel_fd(const struct kgil *g);
int kgil__kernel_fd_move(struct kgil *g, int min_fd);
void kgil__kernel_lose(struct kgil *g);

/* bpf_log.c: libbpf's messages during a call, the tail kept for the caller. */
struct kgil_bpf_log;
struct kgil_bpf_log *kgil__bpf_log_begin(char *log, size_t log_size);
void kgil__bpf_log_say(struct kgil_bpf_log *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kgil__bpf_log_end(struct kgil_bpf_log *l);
bool kgil__bpf_log_has(const struct kgil_bpf_log *l, const char *needle);

#pragma GCC visibility pop

#endif /* LIBKGIL_H */
