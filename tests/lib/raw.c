// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "raw.h"

int raw_open(int flags)
{
	int fd = open(KGIL_DEVICE_PATH, O_RDWR | flags);

	return fd < 0 ? -errno : fd;
}

int raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int raw_features(int fd, struct kgil_features *f)
{
	memset(f, 0, sizeof(*f));
	return raw_ioctl(fd, KGIL_IOC_FEATURES, f);
}

int raw_attach(int fd)
{
	struct kgil_attach a = { 0 };
	int ret = raw_ioctl(fd, KGIL_IOC_ATTACH, &a);

	return ret ? ret : (int)a.id;
}

int raw_detach(int fd)
{
	return raw_ioctl(fd, KGIL_IOC_DETACH, NULL);
}

int raw_lock(int fd, unsigned long cmd, uint32_t flags, uint64_t timeout_ns,
	     struct kgil_acquire *out)
{
	struct kgil_acquire a = { .flags = flags, .timeout_ns = timeout_ns };
	int ret = raw_ioctl(fd, cmd, &a);

	if (out)
		*out = a;
	return ret;
}

int raw_acquire(int fd, uint32_t flags, uint64_t timeout_ns,
		struct kgil_acquire *out)
{
	return raw_lock(fd, KGIL_IOC_ACQUIRE, flags, timeout_ns, out);
}

int raw_check(int fd, struct kgil_acquire *out)
{
	return raw_lock(fd, KGIL_IOC_CHECK, 0, 0, out);
}

int raw_io_begin(int fd)
{
	return raw_ioctl(fd, KGIL_IOC_IO_BEGIN, NULL);
}

int raw_io_end(int fd, struct kgil_acquire *out)
{
	return raw_lock(fd, KGIL_IOC_IO_END, 0, 0, out);
}

int raw_release(int fd)
{
	return raw_ioctl(fd, KGIL_IOC_RELEASE, NULL);
}

int raw_stats(int fd, uint32_t scope, uint32_t id, struct kgil_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->scope = scope;
	st->id = id;
	return raw_ioctl(fd, KGIL_IOC_STATS, st);
}

int raw_domain_stats(int fd, struct kgil_stats *st)
{
	return raw_stats(fd, KGIL_STATS_DOMAIN, 0, st);
}

int raw_thread_stats(int fd, uint32_t id, struct kgil_stats *st)
{
	return raw_stats(fd, KGIL_STATS_THREAD, id, st);
}

int raw_set_policy(int fd, const struct kgil_policy *p)
{
	return raw_ioctl(fd, KGIL_IOC_SET_POLICY, (void *)p);
}

int raw_get_policy(int fd, struct kgil_policy *p)
{
	return raw_ioctl(fd, KGIL_IOC_GET_POLICY, p);
}

const volatile struct kgil_shared *raw_map(int fd)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

void raw_unmap(const volatile struct kgil_shared *sh)
{
	munmap((void *)sh, 4096);
}

int raw_map_errno(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}
