// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kt.h"

void kt_setup(int *fd, const volatile struct kgil_shared **sh)
{
	*fd = kt_open();
	cr_assert_geq(*fd, 0, "open %s: %s", KGIL_DEVICE_PATH, strerror(-*fd));
	*sh = kt_map(*fd);
	cr_assert_not_null(*sh, "mmap: %s", strerror(errno));
}

void kt_teardown(int *fd, const volatile struct kgil_shared **sh)
{
	if (*sh)
		kt_unmap(*sh);
	*sh = NULL;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int kt_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int kt_open(void)
{
	int fd = open(KGIL_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int kt_attach(int fd)
{
	struct kgil_attach a = { 0 };
	int ret = kt_ioctl(fd, KGIL_IOC_ATTACH, &a);

	return ret ? ret : (int)a.id;
}

int kt_detach(int fd)
{
	return kt_ioctl(fd, KGIL_IOC_DETACH, NULL);
}

static int kt_lock_cmd(int fd, unsigned long cmd, uint32_t flags,
		       uint64_t timeout_ns, struct kgil_acquire *out)
{
	struct kgil_acquire a = { .flags = flags, .timeout_ns = timeout_ns };
	int ret = kt_ioctl(fd, cmd, &a);

	if (out)
		*out = a;
	return ret;
}

int kt_acquire(int fd, uint32_t flags, uint64_t timeout_ns,
	       struct kgil_acquire *out)
{
	return kt_lock_cmd(fd, KGIL_IOC_ACQUIRE, flags, timeout_ns, out);
}

int kt_release(int fd)
{
	return kt_ioctl(fd, KGIL_IOC_RELEASE, NULL);
}

int kt_check(int fd, struct kgil_acquire *out)
{
	return kt_lock_cmd(fd, KGIL_IOC_CHECK, 0, 0, out);
}

int kt_io_begin(int fd)
{
	return kt_ioctl(fd, KGIL_IOC_IO_BEGIN, NULL);
}

int kt_io_end(int fd, struct kgil_acquire *out)
{
	return kt_lock_cmd(fd, KGIL_IOC_IO_END, 0, 0, out);
}

void kt_policy_defaults(struct kgil_policy *p, uint32_t policy)
{
	memset(p, 0, sizeof(*p));
	p->policy = policy;
	p->flags = policy == KGIL_POLICY_NEWGIL ? KGIL_POLICY_FORCE_SWITCH : 0;
	p->check_interval = KGIL_DEFAULT_CHECK_INTERVAL;
	p->switch_interval_ns = KGIL_DEFAULT_SWITCH_INTERVAL_NS;
	p->io_boost_ns = KGIL_DEFAULT_IO_BOOST_NS;
}

static int set_policy(int fd, uint32_t policy, uint32_t flags,
		      uint64_t switch_interval_ns, uint64_t spin_ns)
{
	struct kgil_policy p;

	kt_policy_defaults(&p, policy);
	p.flags = flags;
	p.switch_interval_ns = switch_interval_ns;
	p.spin_ns = spin_ns;
	return kt_ioctl(fd, KGIL_IOC_SET_POLICY, &p);
}

int kt_set_policy(int fd, uint32_t policy, uint32_t flags,
		  uint64_t switch_interval_ns)
{
	return set_policy(fd, policy, flags, switch_interval_ns, 0);
}

int kt_set_policy_spin(int fd, uint32_t policy, uint64_t switch_interval_ns,
		       uint64_t spin_ns)
{
	return set_policy(fd, policy, 0, switch_interval_ns, spin_ns);
}


int kt_stats(int fd, struct kgil_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->scope = KGIL_STATS_DOMAIN;
	return kt_ioctl(fd, KGIL_IOC_STATS, st);
}

int kt_thread_stats(int fd, uint32_t id, struct kgil_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->scope = KGIL_STATS_THREAD;
	st->id = id;
	return kt_ioctl(fd, KGIL_IOC_STATS, st);
}

bool kt_wait_gone(int fd, uint32_t id, uint32_t nr)
{
	struct kgil_stats st;

	for (int i = 0; i < 5000; i++) {
		if (id ? kt_thread_stats(fd, id, &st) == -ENOENT :
			 kt_stats(fd, &st) == 0 && st.nr_threads <= nr)
			return true;
		kt_sleep_ns(1000000);
	}
	return false;
}

const volatile struct kgil_shared *kt_map(int fd)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

void kt_unmap(const volatile struct kgil_shared *sh)
{
	munmap((void *)sh, 4096);
}

int kt_map_errno(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

uint64_t kt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void kt_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void kt_work(unsigned long n)
{
	volatile unsigned long x = 1;

	for (unsigned long i = 0; i < n; i++)
		x = x * 2862933555777941757ul + 3037000493ul;
}

bool kt_wait_u32(const volatile uint32_t *word, uint32_t want, bool equal,
		 uint64_t timeout_ns)
{
	uint64_t end = kt_now_ns() + timeout_ns;

	while ((*word == want) != equal) {
		if (kt_now_ns() > end)
			return false;
		kt_sleep_ns(200000);
	}
	return true;
}

bool kt_wait_flag(atomic_int *flag, int want, uint64_t timeout_ns)
{
	uint64_t end = kt_now_ns() + timeout_ns;

	while (atomic_load(flag) < want) {
		if (kt_now_ns() > end)
			return false;
		kt_sleep_ns(200000);
	}
	return true;
}

uint64_t kt_spin_until_drop(const volatile struct kgil_shared *sh,
			    uint64_t limit_ns)
{
	uint64_t end = kt_now_ns() + limit_ns;

	while (!sh->drop_request)
		if (kt_now_ns() > end)
			return 0;
	return kt_now_ns();
}

long kt_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	long v = s ? strtol(s, NULL, 0) : def;

	return v >= 1 ? v : 1;
}

const char *kt_helper_path(const char *name, char *buf, size_t len)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return NULL;
	exe[n] = 0;
	snprintf(buf, len, "%s/helpers/%s", dirname(exe), name);
	return buf;
}

pid_t kt_spawn_holder(int fd, const char *mode, pid_t *tid, uint32_t *id)
{
	return kt_spawn_helper("kmod-holder", fd, mode, tid, id);
}

/*
 * posix_spawn helper on domain fd (as fd 100) with out_fd as its READY_FD
 * (101) and in_fd (if >= 0) as its standard input: its pid, or -errno.
 */
static pid_t kt_spawn_fds(const char *helper, int fd, const char *mode,
			  int in_fd, int out_fd)
{
	posix_spawn_file_actions_t fa;
	char path[4200];
	char *argv[] = { path, "100", "101", (char *)mode, NULL };
	pid_t pid;
	int ret;

	if (!kt_helper_path(helper, path, sizeof(path)))
		return -ENOENT;
	posix_spawn_file_actions_init(&fa);
	/* dup2 to a new number clears close-on-exec on the copy. */
	posix_spawn_file_actions_adddup2(&fa, fd, 100);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 101);
	if (in_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	ret = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return ret ? -ret : pid;
}

pid_t kt_spawn_helper(const char *helper, int fd, const char *mode,
		      pid_t *tid, uint32_t *id)
{
	char line[64];
	int pipefd[2];
	ssize_t n = 0, r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = kt_spawn_fds(helper, fd, mode, -1, pipefd[1]);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		return pid;
	}
	while (n < (ssize_t)sizeof(line) - 1 &&
	       (r = read(pipefd[0], line + n, sizeof(line) - 1 - (size_t)n)) > 0)
		n += r;
	close(pipefd[0]);
	line[n] = 0;
	if (sscanf(line, "%d %u", tid, id) != 2)
		return -EPROTO;
	return pid;
}

int kt_peer_start(struct kt_peer *p, int fd)
{
	int cmd[2], reply[2];
	long long v[2];
	int ret;

	memset(p, 0, sizeof(*p));
	p->cmd = p->reply = -1;
	if (pipe2(cmd, O_CLOEXEC))
		return -errno;
	if (pipe2(reply, O_CLOEXEC)) {
		ret = -errno;
		close(cmd[0]);
		close(cmd[1]);
		return ret;
	}
	p->pid = kt_spawn_fds("kmod-holder", fd, "serve", cmd[0], reply[1]);
	close(cmd[0]);
	close(reply[1]);
	p->cmd = cmd[1];
	p->reply = reply[0];
	if (p->pid < 0) {
		ret = p->pid;
		p->pid = 0;
		kt_peer_stop(p);
		return ret;
	}
	/* Its first line: "<tid> 0", it runs and reads commands. */
	ret = kt_peer_reply(p, 20000000000ull, v, 2);
	if (ret != 2) {
		kt_peer_stop(p);
		return ret < 0 ? ret : -EPROTO;
	}
	p->tid = (pid_t)v[0];
	return 0;
}

int kt_peer_send(struct kt_peer *p, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		return -EINVAL;
	line[n++] = '\n';
	return write(p->cmd, line, (size_t)n) == n ? 0 : -EIO;
}

int kt_peer_reply(struct kt_peer *p, uint64_t timeout_ns, long long *v,
		  int n)
{
	uint64_t end = kt_now_ns() + timeout_ns;
	char line[160];
	size_t len = 0;
	int got = 0;

	/* Byte by byte: the next line must stay in the pipe for later. */
	while (len < sizeof(line) - 1) {
		struct pollfd pfd = { .fd = p->reply, .events = POLLIN };
		uint64_t now = kt_now_ns();
		int ret;

		if (now >= end)
			return -ETIMEDOUT;
		ret = poll(&pfd, 1, (int)((end - now) / 1000000 + 1));
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret <= 0)
			continue;
		if (read(p->reply, line + len, 1) != 1)
			return -EPIPE;	/* the peer died */
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = 0;
	for (char *s = line, *e; got < n; s = e, got++) {
		v[got] = strtoll(s, &e, 10);
		if (e == s)
			break;
	}
	return got;
}

int kt_peer_call(struct kt_peer *p, long long *v, int n, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ret < 0 || ret >= (int)sizeof(line))
		return -EINVAL;
	ret = kt_peer_send(p, "%s", line);
	return ret ? ret : kt_peer_reply(p, 20000000000ull, v, n);
}

void kt_peer_stop(struct kt_peer *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	if (p->cmd >= 0)
		close(p->cmd);
	if (p->reply >= 0)
		close(p->reply);
	p->pid = 0;
	p->cmd = p->reply = -1;
}

struct io_uring_sqe *kt_uring_prep_acquire(struct io_uring *ring, int dfd,
					   uint64_t data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return NULL;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = dfd;
	sqe->cmd_op = KGIL_URING_CMD_ACQUIRE;
	sqe->user_data = data;
	return sqe;
}

int kt_uring_next_cqe(struct io_uring *ring, uint64_t timeout_ns,
		      uint64_t *data)
{
	struct __kernel_timespec ts = {
		.tv_sec = (long long)(timeout_ns / 1000000000ULL),
		.tv_nsec = (long long)(timeout_ns % 1000000000ULL),
	};
	struct io_uring_cqe *cqe;
	int ret;

	do
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	while (ret == -EINTR);
	if (ret)
		return KT_NO_CQE;
	ret = cqe->res;
	if (data)
		*data = cqe->user_data;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

int kt_uring_acquire_once(int dfd, uint32_t cmd_op, uint64_t cmd_word,
			  uint64_t addr, uint32_t len)
{
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int ret = io_uring_queue_init(4, &ring, 0);

	if (ret < 0)
		return ret;
	sqe = kt_uring_prep_acquire(&ring, dfd, 0xac);
	if (sqe) {
		sqe->cmd_op = cmd_op;
		sqe->addr3 = cmd_word;	/* the command area's first word */
		sqe->addr = addr;
		sqe->len = len;
	}
	ret = sqe && io_uring_submit(&ring) == 1 ?
	      kt_uring_next_cqe(&ring, 10000000000ull, NULL) : -EIO;
	io_uring_queue_exit(&ring);
	return ret;
}

static int kt_param_path(const char *name, char *path, size_t len)
{
	return snprintf(path, len, "/sys/module/kgil/parameters/%s", name) <
	       (int)len ? 0 : -ENAMETOOLONG;
}

int kt_set_param(const char *name, const char *value)
{
	char path[128];
	int fd, ret = 0;

	if (kt_param_path(name, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int kt_get_param(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	if (kt_param_path(name, path, sizeof(path)) || !len)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static bool kt_check_due(const struct kt_interp *in, long tick)
{
	const volatile struct kgil_shared *sh = in->sh;
	enum kt_check_mode mode = in->mode;

	if (mode == KT_CHECK_PAGE)
		mode = sh->policy == KGIL_POLICY_LEGACY ? KT_CHECK_WAITERS :
							   KT_CHECK_DROP;
	switch (mode) {
	case KT_CHECK_ALWAYS:
		return true;
	case KT_CHECK_WAITERS:
		return (tick + 1) % in->check_every == 0 && sh->nr_waiting;
	default:
		return sh->drop_request;
	}
}

void kt_interp_init(struct kt_interp *in, int n, int fd,
		    const volatile struct kgil_shared *sh, long ticks,
		    unsigned long work, unsigned int check_every,
		    enum kt_check_mode mode, volatile long *counter)
{
	memset(in, 0, sizeof(*in) * (size_t)n);
	for (int i = 0; i < n; i++) {
		in[i].fd = fd;
		in[i].sh = sh;
		in[i].ticks = ticks;
		in[i].work = work;
		in[i].check_every = check_every;
		in[i].mode = mode;
		in[i].counter = counter;
	}
}

void *kt_interp_run(void *arg)
{
	struct kt_interp *in = arg;
	struct kgil_acquire a;
	uint64_t t0 = kt_now_ns();
	int ret;

	if (!in->check_every)
		in->check_every = 1;
	ret = kt_attach(in->fd);
	/* Wait even on failure, or the others would wait forever. */
	if (in->start)
		pthread_barrier_wait(in->start);
	if (ret < 0)
		goto fail;
	in->id = (uint32_t)ret;
	ret = kt_acquire(in->fd, 0, 0, NULL);
	if (ret)
		goto fail;
	for (long i = 0; i < in->ticks; i++) {
		kt_work(in->work);
		if (in->counter) {
			/* A read-modify-write with a gap: any overlap loses. */
			long v = *in->counter;

			kt_work(8);
			*in->counter = v + 1;
		}
		if (in->sh->holder_id != in->id)
			in->violations++;
		if (!kt_check_due(in, i))
			continue;
		in->checks++;
		ret = kt_check(in->fd, &a);
		if (ret)
			goto fail;
		in->switched += !!(a.result & KGIL_ACQUIRED_SWITCHED);
	}
	ret = kt_release(in->fd);
	if (ret)
		goto fail;
	ret = kt_detach(in->fd);
	if (ret)
		goto fail;
	in->elapsed_ns = kt_now_ns() - t0;
	return NULL;
fail:
	in->err = ret;
	in->elapsed_ns = kt_now_ns() - t0;
	return NULL;
}

void kt_interp_all(struct kt_interp *in, int n)
{
	pthread_barrier_t start;
	pthread_t th[n];

	pthread_barrier_init(&start, NULL, (unsigned int)n);
	for (int i = 0; i < n; i++) {
		in[i].start = &start;
		pthread_create(&th[i], NULL, kt_interp_run, &in[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
}

long kt_legacy_battle(int fd, const volatile struct kgil_shared *sh,
		      long ticks, int rounds, struct kt_interp in[2])
{
	struct kgil_stats st;
	int ret = kt_set_policy(fd, KGIL_POLICY_LEGACY, 0, 5000000);

	for (int r = 0; !ret && r < rounds; r++) {
		kt_interp_init(in, 2, fd, sh, ticks, 4, 100, KT_CHECK_WAITERS,
			       NULL);
		kt_interp_all(in, 2);
		ret = in[0].err ? in[0].err : in[1].err;
		if (!ret)
			ret = kt_stats(fd, &st);
		if (!ret && st.c.failed_acquires)
			return (long)st.c.failed_acquires;
	}
	return ret;
}
