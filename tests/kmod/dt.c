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
#include <sys/wait.h>
#include <unistd.h>

#include "busy.h"
#include "clock.h"
#include "dt.h"
#include "kgil.h"
#include "raw.h"

void dt_domain_open(int *fd, const volatile struct kgil_shared **sh)
{
	*fd = raw_open(O_CLOEXEC);
	cr_assert_geq(*fd, 0, "open %s: %s", KGIL_DEVICE_PATH, strerror(-*fd));
	*sh = raw_map(*fd);
	cr_assert_not_null(*sh, "mmap: %s", strerror(errno));
}

void dt_domain_close(int *fd, const volatile struct kgil_shared **sh)
{
	if (*sh)
		raw_unmap(*sh);
	*sh = NULL;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The BPF policy standing in for a built-in one, if the run asks
 * (tests/device.d/66-bpf.sh runs the fifo and ioprio suites again with
 * KGIL_TEST_BPF_FIFO=bpf_fifo, KGIL_TEST_BPF_IOPRIO=bpf_ioprio): NULL
 * for the built-in.
 */
static const char *bpf_stand_in(uint32_t policy)
{
	const char *name = NULL;

	if (policy == KGIL_POLICY_FIFO)
		name = getenv("KGIL_TEST_BPF_FIFO");
	else if (policy == KGIL_POLICY_IOPRIO)
		name = getenv("KGIL_TEST_BPF_IOPRIO");
	return name && *name ? name : NULL;
}

static int set_policy(int fd, uint32_t policy, uint32_t flags,
		      uint64_t switch_interval_ns, uint64_t spin_ns)
{
	struct kgil_policy_named n;
	const char *bpf = bpf_stand_in(policy);
	int ret;

	memset(&n, 0, sizeof(n));
	ret = kgil_policy_default(policy, &n.p);
	if (ret)
		return ret;
	n.p.flags = flags;
	n.p.switch_interval_ns = switch_interval_ns;
	n.p.spin_ns = spin_ns;
	if (!bpf)
		return raw_ioctl(fd, KGIL_IOC_SET_POLICY, &n.p);
	n.p.policy = KGIL_POLICY_BPF;
	strncpy(n.name, bpf, sizeof(n.name) - 1);
	return raw_ioctl(fd, KGIL_IOC_SET_POLICY_NAMED, &n);
}

int dt_set_policy(int fd, uint32_t policy, uint32_t flags,
		  uint64_t switch_interval_ns)
{
	return set_policy(fd, policy, flags, switch_interval_ns, 0);
}

int dt_set_policy_spin(int fd, uint32_t policy, uint64_t switch_interval_ns,
		       uint64_t spin_ns)
{
	return set_policy(fd, policy, 0, switch_interval_ns, spin_ns);
}


bool dt_wait_gone(int fd, uint32_t id, uint32_t nr)
{
	struct kgil_stats st;

	for (int i = 0; i < 5000; i++) {
		if (id ? raw_thread_stats(fd, id, &st) == -ENOENT :
			 raw_domain_stats(fd, &st) == 0 && st.nr_threads <= nr)
			return true;
		sleep_ns(1000000);
	}
	return false;
}

bool dt_wait_u32(const volatile uint32_t *word, uint32_t want, bool equal,
		 uint64_t timeout_ns)
{
	uint64_t end = now_ns() + timeout_ns;

	while ((*word == want) != equal) {
		if (now_ns() > end)
			return false;
		sleep_ns(200000);
	}
	return true;
}

bool dt_wait_flag(atomic_int *flag, int want, uint64_t timeout_ns)
{
	uint64_t end = now_ns() + timeout_ns;

	while (atomic_load(flag) < want) {
		if (now_ns() > end)
			return false;
		sleep_ns(200000);
	}
	return true;
}

uint64_t dt_spin_until_drop(const volatile struct kgil_shared *sh,
			    uint64_t limit_ns)
{
	uint64_t end = now_ns() + limit_ns;

	while (!sh->drop_request)
		if (now_ns() > end)
			return 0;
	return now_ns();
}

long dt_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	long v = s ? strtol(s, NULL, 0) : def;

	return v >= 1 ? v : 1;
}

const char *dt_helper_path(const char *name, char *buf, size_t len)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return NULL;
	exe[n] = 0;
	snprintf(buf, len, "%s/helpers/%s", dirname(exe), name);
	return buf;
}

pid_t dt_spawn_holder(int fd, const char *mode, pid_t *tid, uint32_t *id)
{
	return dt_spawn_helper("kmod-holder", fd, mode, tid, id);
}

/*
 * posix_spawn helper on domain fd (as fd 100) with out_fd as its READY_FD
 * (101) and in_fd (if >= 0) as its standard input: its pid, or -errno.
 */
static pid_t dt_spawn_fds(const char *helper, int fd, const char *mode,
			  int in_fd, int out_fd)
{
	posix_spawn_file_actions_t fa;
	char path[4200];
	char *argv[] = { path, "100", "101", (char *)mode, NULL };
	pid_t pid;
	int ret;

	if (!dt_helper_path(helper, path, sizeof(path)))
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

int dt_spawn_report(const char *helper, int fd, const char *mode,
		    pid_t *pid, long long *v, int n)
{
	char line[128];
	int pipefd[2], got = 0;
	ssize_t len = 0, r;
	char *p = line, *end;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	*pid = dt_spawn_fds(helper, fd, mode, -1, pipefd[1]);
	close(pipefd[1]);
	if (*pid < 0) {
		close(pipefd[0]);
		return *pid;
	}
	while (len < (ssize_t)sizeof(line) - 1 &&
	       (r = read(pipefd[0], line + len,
			 sizeof(line) - 1 - (size_t)len)) > 0)
		len += r;
	close(pipefd[0]);
	line[len] = 0;
	for (; got < n; got++, p = end) {
		v[got] = strtoll(p, &end, 10);
		if (end == p)
			break;
	}
	return got;
}

pid_t dt_spawn_helper(const char *helper, int fd, const char *mode,
		      pid_t *tid, uint32_t *id)
{
	long long v[2];
	pid_t pid;
	int n = dt_spawn_report(helper, fd, mode, &pid, v, 2);

	if (n < 0)
		return n;
	if (n != 2)
		return -EPROTO;
	*tid = (pid_t)v[0];
	*id = (uint32_t)v[1];
	return pid;
}

int dt_peer_start(struct dt_peer *p, int fd)
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
	p->pid = dt_spawn_fds("kmod-holder", fd, "serve", cmd[0], reply[1]);
	close(cmd[0]);
	close(reply[1]);
	p->cmd = cmd[1];
	p->reply = reply[0];
	if (p->pid < 0) {
		ret = p->pid;
		p->pid = 0;
		dt_peer_stop(p);
		return ret;
	}
	/* Its first line: "<tid> 0", it runs and reads commands. */
	ret = dt_peer_reply(p, 20000000000ull, v, 2);
	if (ret != 2) {
		dt_peer_stop(p);
		return ret < 0 ? ret : -EPROTO;
	}
	p->tid = (pid_t)v[0];
	return 0;
}

int dt_peer_send(struct dt_peer *p, const char *fmt, ...)
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

int dt_peer_reply(struct dt_peer *p, uint64_t timeout_ns, long long *v,
		  int n)
{
	uint64_t end = now_ns() + timeout_ns;
	char line[160];
	size_t len = 0;
	int got = 0;

	/* Byte by byte: the next line must stay in the pipe for later. */
	while (len < sizeof(line) - 1) {
		struct pollfd pfd = { .fd = p->reply, .events = POLLIN };
		uint64_t now = now_ns();
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

int dt_peer_call(struct dt_peer *p, long long *v, int n, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ret < 0 || ret >= (int)sizeof(line))
		return -EINVAL;
	ret = dt_peer_send(p, "%s", line);
	return ret ? ret : dt_peer_reply(p, 20000000000ull, v, n);
}

void dt_peer_stop(struct dt_peer *p)
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

struct io_uring_sqe *dt_uring_prep_acquire(struct io_uring *ring, int dfd,
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

int dt_uring_next_cqe(struct io_uring *ring, uint64_t timeout_ns,
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
		return DT_NO_CQE;
	ret = cqe->res;
	if (data)
		*data = cqe->user_data;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

int dt_uring_acquire_once(int dfd, uint32_t cmd_op, uint64_t cmd_word,
			  uint64_t addr, uint32_t len)
{
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int ret = io_uring_queue_init(4, &ring, 0);

	if (ret < 0)
		return ret;
	sqe = dt_uring_prep_acquire(&ring, dfd, 0xac);
	if (sqe) {
		sqe->cmd_op = cmd_op;
		sqe->addr3 = cmd_word;	/* the command area's first word */
		sqe->addr = addr;
		sqe->len = len;
	}
	ret = sqe && io_uring_submit(&ring) == 1 ?
	      dt_uring_next_cqe(&ring, 10000000000ull, NULL) : -EIO;
	io_uring_queue_exit(&ring);
	return ret;
}

static bool dt_check_due(const struct dt_interp *in, long tick)
{
	const volatile struct kgil_shared *sh = in->sh;
	enum dt_check_mode mode = in->mode;

	if (mode == DT_CHECK_PAGE)
		mode = sh->policy == KGIL_POLICY_LEGACY ? DT_CHECK_WAITERS :
							   DT_CHECK_DROP;
	switch (mode) {
	case DT_CHECK_ALWAYS:
		return true;
	case DT_CHECK_WAITERS:
		return (tick + 1) % in->check_every == 0 && sh->nr_waiting;
	default:
		return sh->drop_request;
	}
}

void dt_interp_init(struct dt_interp *in, int n, int fd,
		    const volatile struct kgil_shared *sh, long ticks,
		    unsigned long work, unsigned int check_every,
		    enum dt_check_mode mode, volatile long *counter)
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

void *dt_interp_run(void *arg)
{
	struct dt_interp *in = arg;
	struct kgil_acquire a;
	uint64_t t0 = now_ns();
	int ret;

	if (!in->check_every)
		in->check_every = 1;
	ret = raw_attach(in->fd);
	/* Wait even on failure, or the others would wait forever. */
	if (in->start)
		pthread_barrier_wait(in->start);
	if (ret < 0)
		goto fail;
	in->id = (uint32_t)ret;
	ret = raw_acquire(in->fd, 0, 0, NULL);
	if (ret)
		goto fail;
	for (long i = 0; i < in->ticks; i++) {
		busy_work(in->work);
		if (in->counter) {
			/* A read-modify-write with a gap: any overlap loses. */
			long v = *in->counter;

			busy_work(8);
			*in->counter = v + 1;
		}
		if (in->sh->holder_id != in->id)
			in->violations++;
		if (!dt_check_due(in, i))
			continue;
		in->checks++;
		ret = raw_check(in->fd, &a);
		if (ret)
			goto fail;
		in->switched += !!(a.result & KGIL_ACQUIRED_SWITCHED);
	}
	ret = raw_release(in->fd);
	if (ret)
		goto fail;
	ret = raw_detach(in->fd);
	if (ret)
		goto fail;
	in->elapsed_ns = now_ns() - t0;
	return NULL;
fail:
	in->err = ret;
	in->elapsed_ns = now_ns() - t0;
	return NULL;
}

void dt_interp_all(struct dt_interp *in, int n)
{
	pthread_barrier_t start;
	pthread_t th[n];

	pthread_barrier_init(&start, NULL, (unsigned int)n);
	for (int i = 0; i < n; i++) {
		in[i].start = &start;
		pthread_create(&th[i], NULL, dt_interp_run, &in[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
}

long dt_legacy_battle(int fd, const volatile struct kgil_shared *sh,
		      long ticks, int rounds, struct dt_interp in[2])
{
	struct kgil_stats st;
	int ret = dt_set_policy(fd, KGIL_POLICY_LEGACY, 0, 5000000);

	for (int r = 0; !ret && r < rounds; r++) {
		dt_interp_init(in, 2, fd, sh, ticks, 4, 100, DT_CHECK_WAITERS,
			       NULL);
		dt_interp_all(in, 2);
		ret = in[0].err ? in[0].err : in[1].err;
		if (!ret)
			ret = raw_domain_stats(fd, &st);
		if (!ret && st.c.failed_acquires)
			return (long)st.c.failed_acquires;
	}
	return ret;
}
