// SPDX-License-Identifier: LGPL-2.1
/*
 * The kernel backend: each domain is an open file of /dev/kgil, every lock
 * operation an ioctl (include/uapi/linux/kgil.h), and the shared page the
 * module maps read-only tells kgil_tick, without a system call, whether a
 * check is due: drop_request under every policy, and under legacy the
 * number of waiters when the check interval runs out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libkgil.h"

struct kgil_kernel {
	/*
	 * -1 once kgil_lost() said the number is not the domain's any more
	 * (closed, maybe reused, behind the library's back): no call reaches
	 * it again.  Moved by kgil_fd_move() while other threads may read it.
	 */
	atomic_int fd;
	/* Written by the module only; NULL without KGIL_FEAT_MMAP. */
	const volatile struct kgil_shared *shared;
	size_t map_len;
	/*
	 * The last policy set through this library, for the tick when there
	 * is no shared page to read it from.
	 */
	uint32_t policy;
	uint32_t check_interval;
};

static struct kgil_kernel *kk(struct kgil *g)
{
	return g->priv;
}

int kgil__kernel_fd(const struct kgil *g)
{
	struct kgil_kernel *k = g->priv;

	return atomic_load_explicit(&k->fd, memory_order_relaxed);
}

static int kioctl(struct kgil *g, unsigned long cmd, void *arg)
{
	int fd = atomic_load_explicit(&kk(g)->fd, memory_order_relaxed);

	if (fd < 0)
		return -EBADF;
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/*
 * The new number holds the same open file before the old one is closed,
 * so the module's ->flush finds another descriptor of the domain in the
 * table and detaches nobody.  A thread that read the old number just
 * before the store may still issue its call on it: the caller moves the
 * descriptor only when no other thread can be between reading it and
 * entering the kernel (kgil.h).
 */
int kgil__kernel_fd_move(struct kgil *g, int min_fd)
{
	struct kgil_kernel *k = kk(g);
	int old = atomic_load(&k->fd), fd;

	if (old < 0)
		return -EBADF;
	fd = fcntl(old, F_DUPFD_CLOEXEC, min_fd);
	if (fd < 0)
		return -errno;
	atomic_store(&k->fd, fd);
	close(old);
	return fd;
}

void kgil__kernel_lose(struct kgil *g)
{
	atomic_store(&kk(g)->fd, -1);
}

static int kernel_open(struct kgil *g)
{
	struct kgil_kernel *k = calloc(1, sizeof(*k));
	struct kgil_features f;
	void *map;
	int ret, fd;

	if (!k)
		return -ENOMEM;
	fd = open(KGIL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto err_free;
	}
	atomic_init(&k->fd, fd);
	ret = kgil_query_features(fd, &f);
	if (ret)
		goto err_close;
	if (!(f.features & KGIL_FEAT_LOCK)) {
		ret = -EOPNOTSUPP;
		goto err_close;
	}
	k->policy = KGIL_POLICY_NEWGIL;
	k->check_interval = KGIL_DEFAULT_CHECK_INTERVAL;
	if (f.features & KGIL_FEAT_MMAP) {
		k->map_len = (size_t)sysconf(_SC_PAGESIZE);
		map = mmap(NULL, k->map_len, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			ret = -errno;
			goto err_close;
		}
		k->shared = map;
	}
	g->priv = k;
	return 0;

err_close:
	close(fd);
err_free:
	free(k);
	return ret;
}

static void kernel_close(struct kgil *g)
{
	struct kgil_kernel *k = kk(g);

	if (k->shared)
		munmap((void *)k->shared, k->map_len);
	/* A lost number may be another file's now: not ours to close. */
	if (atomic_load(&k->fd) >= 0)
		close(atomic_load(&k->fd));
	free(k);
	g->priv = NULL;
}

static int kernel_set_policy(struct kgil *g, const struct kgil_policy *p)
{
	int ret;

	if (!p)
		return -EINVAL;
	ret = kioctl(g, KGIL_IOC_SET_POLICY, (void *)p);
	if (!ret) {
		kk(g)->policy = p->policy;
		kk(g)->check_interval = p->check_interval;
	}
	return ret;
}

static int kernel_get_policy(struct kgil *g, struct kgil_policy *out)
{
	memset(out, 0, sizeof(*out));
	return kioctl(g, KGIL_IOC_GET_POLICY, out);
}

/* A module from before KGIL_FEAT_BPF has no such command: -ENOTTY. */
static int kernel_set_policy_named(struct kgil *g, const struct kgil_policy *p,
				   const char *name)
{
	struct kgil_policy_named n = { .p = *p };
	int ret;

	/* policy_named.c checked the length; the rest stays zero. */
	memcpy(n.name, name, strnlen(name, sizeof(n.name) - 1));
	ret = kioctl(g, KGIL_IOC_SET_POLICY_NAMED, &n);
	if (ret == -ENOTTY)
		return -EOPNOTSUPP;
	if (!ret) {
		kk(g)->policy = p->policy;
		kk(g)->check_interval = p->check_interval;
	}
	return ret;
}

static int kernel_get_policy_named(struct kgil *g, struct kgil_policy *out,
				   char name[KGIL_POLICY_NAME_LEN])
{
	struct kgil_policy_named n = { 0 };
	int ret = kioctl(g, KGIL_IOC_GET_POLICY_NAMED, &n);

	if (ret == -ENOTTY)
		return -EOPNOTSUPP;
	if (!ret) {
		*out = n.p;
		memcpy(name, n.name, KGIL_POLICY_NAME_LEN);
		name[KGIL_POLICY_NAME_LEN - 1] = '\0';
	}
	return ret;
}

static int kernel_attach(struct kgil *g)
{
	struct kgil_attach a = { 0 };
	int ret = kioctl(g, KGIL_IOC_ATTACH, &a);

	if (!ret)
		kgil__self.id = a.id;
	return ret;
}

static int kernel_detach(struct kgil *g)
{
	return kioctl(g, KGIL_IOC_DETACH, NULL);
}

/* The module notices the exit itself (owner death); nothing to say. */
static void kernel_thread_exit(struct kgil *g)
{
	(void)g;
}

static void fill_info(struct kgil_acquire_info *info,
		      const struct kgil_acquire *a)
{
	if (!info)
		return;
	info->wait_ns = a->wait_ns;
	info->failed_attempts = a->failed_attempts;
	info->owner_dead = a->result & KGIL_ACQUIRED_OWNER_DEAD;
	info->switched = a->result & KGIL_ACQUIRED_SWITCHED;
}

/*
 * A wait a signal ended is resumed by the thread's next wait of the same
 * kind (kgil.h, "Resuming"): kgil_acquire() after -EINTR keeps its place
 * and its deadline, as a CPython thread's wait for the GIL does across a
 * signal.  Any other call starts afresh (the kernel keeps one cut wait a
 * thread, and the value names it only until the thread waits again).
 */
static uint64_t resume_take(bool io)
{
	uint64_t v = kgil__self.resume_io == io ? kgil__self.resume_ns : 0;

	kgil__self.resume_ns = 0;
	return v;
}

static void resume_keep(int ret, const struct kgil_acquire *a, bool io)
{
	if (ret == -EINTR) {
		kgil__self.resume_ns = a->resume_ns;
		kgil__self.resume_io = io;
	}
}

static int kernel_acquire(struct kgil *g, const struct kgil_acq_req *req,
			  struct kgil_acquire_info *info)
{
	struct kgil_acquire a = {
		.flags = req->flags,
		.timeout_ns = req->timeout_ns,
		.resume_ns = resume_take(req->io),
	};
	int ret;

	ret = kioctl(g, req->io ? KGIL_IOC_IO_END : KGIL_IOC_ACQUIRE, &a);
	resume_keep(ret, &a, req->io);
	fill_info(info, &a);
	return ret;
}

static int kernel_release(struct kgil *g, bool io)
{
	return kioctl(g, io ? KGIL_IOC_IO_BEGIN : KGIL_IOC_RELEASE, NULL);
}

static int kernel_check(struct kgil *g, struct kgil_acquire_info *info)
{
	struct kgil_acquire a = { .resume_ns = resume_take(false) };
	int ret = kioctl(g, KGIL_IOC_CHECK, &a);

	resume_keep(ret, &a, false);
	fill_info(info, &a);
	if (ret)
		return ret;
	return (a.result & KGIL_ACQUIRED_SWITCHED) ? 1 : 0;
}

static void kernel_tick_reload(struct kgil *g, struct kgil__tls *t)
{
	const volatile struct kgil_shared *sh = kk(g)->shared;
	uint32_t policy = sh ? sh->policy : kk(g)->policy;
	uint32_t ci = sh ? sh->check_interval : kk(g)->check_interval;

	if (ci < 1 || ci > INT32_MAX)
		ci = KGIL_DEFAULT_CHECK_INTERVAL;
	/* Without the page, a CHECK every interval is all we can do. */
	t->interval = (policy == KGIL_POLICY_LEGACY || !sh) ?
		(int32_t)ci : KGIL_TICK_REFRESH;
	t->countdown = t->interval;
	t->drop = sh ? &sh->drop_request : NULL;
}

/*
 * The countdown ran out or a drop was requested.  Legacy with nobody
 * waiting resets the countdown without entering the kernel, as Python 2's
 * release + reacquire of an uncontended lock never left userspace; the
 * time-based policies only refresh their view of the policy.
 */
static int kernel_tick(struct kgil *g, struct kgil__tls *t)
{
	const volatile struct kgil_shared *sh = kk(g)->shared;

	(void)t;
	if (sh && !sh->drop_request) {
		if (sh->policy != KGIL_POLICY_LEGACY || !sh->nr_waiting)
			return 0;
	}
	return kernel_check(g, NULL);
}

static int kernel_stats(struct kgil *g, struct kgil_stats *s)
{
	return kioctl(g, KGIL_IOC_STATS, s);
}

const struct kgil_ops kgil__kernel_ops = {
	.open = kernel_open,
	.close = kernel_close,
	.set_policy = kernel_set_policy,
	.get_policy = kernel_get_policy,
	.set_policy_named = kernel_set_policy_named,
	.get_policy_named = kernel_get_policy_named,
	.attach = kernel_attach,
	.detach = kernel_detach,
	.thread_exit = kernel_thread_exit,
	.acquire = kernel_acquire,
	.release = kernel_release,
	.check = kernel_check,
	.tick = kernel_tick,
	.tick_reload = kernel_tick_reload,
	.stats = kernel_stats,
};
