/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw /dev/kgil calls for the fuzzer and the stress test: straight ioctls,
 * no libkgil, so that what reaches the module is exactly what the test
 * chose (libkgil checks arguments and state before the kernel sees them).
 * Every function returns 0 / a value on success, -errno on failure.
 */
#ifndef KGIL_STRESS_RAW_H
#define KGIL_STRESS_RAW_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kgil.h>

static inline int raw_open(int flags)
{
	int fd = open(KGIL_DEVICE_PATH, O_RDWR | flags);

	return fd < 0 ? -errno : fd;
}

static inline int raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static inline int raw_features(int fd, struct kgil_features *f)
{
	memset(f, 0, sizeof(*f));
	return raw_ioctl(fd, KGIL_IOC_FEATURES, f);
}

/* Returns the thread's id in the domain (>= 1). */
static inline int raw_attach(int fd)
{
	struct kgil_attach a = { 0 };
	int ret = raw_ioctl(fd, KGIL_IOC_ATTACH, &a);

	return ret ? ret : (int)a.id;
}

static inline int raw_detach(int fd)
{
	return raw_ioctl(fd, KGIL_IOC_DETACH, NULL);
}

/* ACQUIRE, CHECK or IO_END (cmd) with flags and a relative timeout. */
static inline int raw_lock(int fd, unsigned long cmd, uint32_t flags,
			   uint64_t timeout_ns, struct kgil_acquire *out)
{
	struct kgil_acquire a = { .flags = flags, .timeout_ns = timeout_ns };
	int ret = raw_ioctl(fd, cmd, &a);

	if (out)
		*out = a;
	return ret;
}

static inline int raw_release(int fd)
{
	return raw_ioctl(fd, KGIL_IOC_RELEASE, NULL);
}

static inline int raw_stats(int fd, uint32_t scope, uint32_t id,
			    struct kgil_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->scope = scope;
	st->id = id;
	return raw_ioctl(fd, KGIL_IOC_STATS, st);
}

static inline int raw_set_policy(int fd, const struct kgil_policy *p)
{
	return raw_ioctl(fd, KGIL_IOC_SET_POLICY, (void *)p);
}

/* The defaults of a policy, as the header documents them. */
static inline struct kgil_policy raw_policy_default(uint32_t id)
{
	struct kgil_policy p = {
		.policy = id,
		.flags = id == KGIL_POLICY_NEWGIL ? KGIL_POLICY_FORCE_SWITCH : 0,
		.check_interval = KGIL_DEFAULT_CHECK_INTERVAL,
		.switch_interval_ns = KGIL_DEFAULT_SWITCH_INTERVAL_NS,
		.io_boost_ns = KGIL_DEFAULT_IO_BOOST_NS,
	};

	return p;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif /* KGIL_STRESS_RAW_H */
