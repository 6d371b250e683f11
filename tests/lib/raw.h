/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw /dev/kgil calls for the device tests, the stress tools and the
 * helpers: straight ioctls and mmap, no libkgil, so that what reaches the
 * module is exactly what the test chose (libkgil checks arguments and
 * state before the kernel sees them).  Every function returns 0 or a value
 * on success, -errno on failure, and never asserts: worker threads use
 * them and report back.
 */
#ifndef KGIL_TESTS_RAW_H
#define KGIL_TESTS_RAW_H

#include <fcntl.h>		/* raw_open()'s flags */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/kgil.h>

/* Open a new domain with open(2)'s extra flags (O_CLOEXEC...): fd. */
int raw_open(int flags);
/* ioctl() as 0 / -errno. */
int raw_ioctl(int fd, unsigned long cmd, void *arg);
int raw_features(int fd, struct kgil_features *f);

/* Attach the calling thread: its id in the domain (>= 1). */
int raw_attach(int fd);
int raw_detach(int fd);
/* ACQUIRE, CHECK or IO_END (cmd) with flags and a relative timeout; out
 * (optional) receives the struct as the module left it. */
int raw_lock(int fd, unsigned long cmd, uint32_t flags, uint64_t timeout_ns,
	     struct kgil_acquire *out);
int raw_acquire(int fd, uint32_t flags, uint64_t timeout_ns,
		struct kgil_acquire *out);
int raw_check(int fd, struct kgil_acquire *out);
int raw_io_begin(int fd);
int raw_io_end(int fd, struct kgil_acquire *out);
int raw_release(int fd);

/* STATS of scope (KGIL_STATS_DOMAIN, KGIL_STATS_THREAD) and thread id. */
int raw_stats(int fd, uint32_t scope, uint32_t id, struct kgil_stats *st);
/* The domain's counters; thread id's (0: the caller). */
int raw_domain_stats(int fd, struct kgil_stats *st);
int raw_thread_stats(int fd, uint32_t id, struct kgil_stats *st);

int raw_set_policy(int fd, const struct kgil_policy *p);
int raw_get_policy(int fd, struct kgil_policy *p);

/* The domain's shared page, read-only, or NULL (errno set). */
const volatile struct kgil_shared *raw_map(int fd);
void raw_unmap(const volatile struct kgil_shared *sh);
/* mmap() of fd with these arguments: 0 (unmapped again) or -errno. */
int raw_map_errno(int fd, size_t len, int prot, int flags, off_t off);

#endif /* KGIL_TESTS_RAW_H */
