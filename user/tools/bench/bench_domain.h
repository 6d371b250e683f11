/* SPDX-License-Identifier: GPL-2.0 */
/* Lock domains as the options ask for them. */
#ifndef KGIL_TOOLS_BENCH_DOMAIN_H
#define KGIL_TOOLS_BENCH_DOMAIN_H

#include <stdbool.h>

#include "kgil.h"

struct bench_opts;
struct crew_member;
struct res;

/*
 * Open a domain on o->backend and set the policy and parameters the
 * options name (the backend's default policy otherwise).  Prints what
 * failed and returns -errno.
 */
int domain_open(const struct bench_opts *o, struct kgil **out);
/*
 * Record backend, policy and its parameters as a domain opened with
 * these options has them (a scenario's first keys).
 */
int domain_describe(const struct bench_opts *o, struct res *out);

/*
 * A worker attaches, waits for the crew's start, then acquires: threads
 * that acquired before the start would block the others at the barrier.
 * Each prints what failed; a failed acquire also detaches.
 */
int domain_attach(struct kgil *g);
int domain_acquire(struct kgil *g);
/* A crew worker's start: attach, crew_start(), acquire. */
int domain_join(struct kgil *g, struct crew_member *m);
/* Attach and acquire, for a thread alone in its domain. */
int domain_enter(struct kgil *g);
/* Release (if held) and detach. */
void domain_leave(struct kgil *g, bool holding);

#endif
