// SPDX-License-Identifier: GPL-2.0
/*
 * kgil-security: the device's permission model and its per-user limits,
 * checked as root with children that drop to other uids.
 *
 *   kgil-security [--uid U]   (root; U and U+1 are unprivileged uids,
 *                              65000 by default)
 *
 * Model (docs/reliability.md): /dev/kgil is mode 0666 and each open is a
 * private domain.  A domain is reached only through its descriptor: an
 * unprivileged user can open and use domains of its own, but cannot get
 * at another user's one (no /proc/PID/fd reopen, no pidfd_getfd, and a
 * path reopen would be a new domain anyway) unless the descriptor is
 * handed over (SCM_RIGHTS), and then still cannot map its page writable.
 * Kernel memory per user is bounded by max_domains_per_user (EMFILE) and
 * per domain by max_threads (ENOSPC), both root-only module parameters.
 *
 * Prints one "ok"/"FAIL" line per check; exit 0 when all pass.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "raw.h"

#define PARAMS "/sys/module/kgil/parameters/"

static int failures;
static uid_t uid_a = 65000, uid_b = 65001;

static void check(bool ok, const char *what, int err)
{
	if (ok)
		printf("ok   - %s\n", what);
	else
		printf("FAIL - %s (%s)\n", what, err ? strerrorname_np(err) : "no error");
	failures += !ok;
}

/* ---- module parameters, restored at exit ------------------------------ */

static char saved_threads[32], saved_domains[32];

static int param_read(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	return read_line(path, buf, len);
}

static int param_write(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	return write_text(path, val);
}

static void restore_params(void)
{
	if (saved_threads[0])
		param_write("max_threads", saved_threads);
	if (saved_domains[0])
		param_write("max_domains_per_user", saved_domains);
}

/* ---- children under another uid ----------------------------------------- */

/*
 * Run fn(arg) in a child with uid (real, effective, saved) and gid set to
 * uid and no supplementary groups; its exit status (0 ok, else an errno)
 * comes back.
 */
static int as_user(uid_t uid, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return errno;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			_exit(100);
		_exit(fn(arg) & 0xff);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

/* An unprivileged user can open a domain of its own and use the lock. */
static int use_own_domain(void *arg)
{
	struct kgil_acquire a;
	struct kgil_stats st;
	int fd = raw_open(O_CLOEXEC), id, ret;

	(void)arg;
	if (fd < 0)
		return -fd;
	id = raw_attach(fd);
	if (id < 0)
		return -id;
	ret = raw_lock(fd, KGIL_IOC_ACQUIRE, 0, 0, &a);
	if (!ret)
		ret = raw_lock(fd, KGIL_IOC_CHECK, 0, 0, &a);
	if (!ret)
		ret = raw_release(fd);
	if (!ret)
		ret = raw_stats(fd, KGIL_STATS_DOMAIN, 0, &st);
	if (!ret && st.c.acquisitions < 1)
		ret = -EPROTO;
	return -ret;
}

struct victim {
	pid_t pid;	/* root's process */
	int fd;		/* its domain */
};

/* Another user's domain through /proc/PID/fd: must be refused. */
static int reopen_via_proc(void *arg)
{
	const struct victim *v = arg;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", v->pid, v->fd);
	fd = open(path, O_RDWR);
	if (fd >= 0)
		return 0;	/* opened: the check fails */
	return errno;
}

/* ... and through pidfd_getfd() (and ptrace): must be refused too. */
static int grab_via_pidfd(void *arg)
{
	const struct victim *v = arg;
	int pidfd = (int)syscall(SYS_pidfd_open, v->pid, 0), fd;

	if (pidfd < 0)
		return errno;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, v->fd, 0);
	if (fd >= 0)
		return 0;
	return errno;
}

static int ptrace_victim(void *arg)
{
	const struct victim *v = arg;

	if (ptrace(PTRACE_ATTACH, v->pid, NULL, NULL) == 0)
		return 0;
	return errno;
}

/* Reading the trace (which names every domain's threads) is root's. */
static int read_trace(void *arg)
{
	int fd = open("/sys/kernel/tracing/trace", O_RDONLY);

	(void)arg;
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static int write_param(void *arg)
{
	return -param_write(arg, "100000");
}

/* ---- a domain handed over with SCM_RIGHTS ------------------------------ */

static int send_fd(int sock, int fd)
{
	char c = 'k';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * The receiving side: it may use the domain it was given (attach and take
 * the lock), but the page stays read-only.  Exit codes: 0 all as
 * expected, 1 no descriptor, 2 attach/acquire failed, 3 a writable
 * mapping was allowed, 4 the read-only mapping failed.
 */
static int use_passed_domain(void *arg)
{
	int sock = *(int *)arg, fd = recv_fd(sock);
	void *m;

	if (fd < 0)
		return 1;
	if (raw_attach(fd) < 0 || raw_lock(fd, KGIL_IOC_ACQUIRE, 0, 0, NULL) ||
	    raw_release(fd))
		return 2;
	m = mmap(NULL, (size_t)getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED)
		return 3;
	m = mmap(NULL, (size_t)getpagesize(), PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 4;
	if (mprotect(m, (size_t)getpagesize(), PROT_READ | PROT_WRITE) == 0)
		return 3;
	return 0;
}

/* ---- limits ----------------------------------------------------------- */

/* Open domains until refused; returns how many, the errno in *err. */
static int open_until_refused(int max, int *err, int *fds)
{
	int n = 0;

	*err = 0;
	for (; n < max; n++) {
		fds[n] = raw_open(O_CLOEXEC);
		if (fds[n] < 0) {
			*err = -fds[n];
			break;
		}
	}
	return n;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* As uid_a with max_domains_per_user 8: the 9th open is EMFILE. */
static int user_domain_limit(void *arg)
{
	int fds[16], err, n = open_until_refused(16, &err, fds);

	(void)arg;
	close_all(fds, n);
	return n == 8 && err == EMFILE ? 0 : (n != 8 ? 1 : 2);
}

struct attacher {
	int fd;
	pthread_barrier_t *all_tried;
	int ret;
};

/* Attach, then stay (attached) until every thread has tried. */
static void *attach_thread(void *arg)
{
	struct attacher *a = arg;

	a->ret = raw_attach(a->fd);
	pthread_barrier_wait(a->all_tried);
	return NULL;
}

/* max_threads 4: of five threads, four attach and one gets ENOSPC. */
static void test_thread_limit(void)
{
	int fd = raw_open(O_CLOEXEC), ok = 0, refused = 0, other = 0;
	struct attacher a[5];
	pthread_barrier_t b;
	pthread_t th[5];

	if (fd < 0) {
		check(false, "max_threads: open", -fd);
		return;
	}
	pthread_barrier_init(&b, NULL, 6);
	for (int i = 0; i < 5; i++) {
		a[i] = (struct attacher){ .fd = fd, .all_tried = &b };
		pthread_create(&th[i], NULL, attach_thread, &a[i]);
	}
	pthread_barrier_wait(&b);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 5; i++) {
		if (a[i].ret > 0)
			ok++;
		else if (a[i].ret == -ENOSPC)
			refused++;
		else
			other++;
	}
	check(ok == 4 && refused == 1 && !other,
	      "max_threads 4: a fifth thread's ATTACH is refused with ENOSPC", other ? EPROTO : 0);
	close(fd);
}

int main(int argc, char **argv)
{
	struct victim v = { .pid = getpid() };
	struct kgil_features f;
	int fd2, sv[2], ret;

	if (argc == 3 && !strcmp(argv[1], "--uid"))
		uid_a = (uid_t)atoi(argv[2]), uid_b = uid_a + 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("kgil-security: needs root (it changes uid and module parameters); skipped\n");
		return 0;
	}

	/* The device is open to everyone: mode 0666. */
	ret = as_user(uid_a, use_own_domain, NULL);
	check(ret == 0, "an unprivileged user opens a domain and uses its lock", ret);

	/* Root's domain, held, and what another user can do about it. */
	v.fd = raw_open(O_CLOEXEC);
	if (v.fd < 0 || raw_attach(v.fd) < 0 || raw_lock(v.fd, KGIL_IOC_ACQUIRE, 0, 0, NULL)) {
		check(false, "root holds a domain", EIO);
		return 1;
	}
	ret = as_user(uid_a, reopen_via_proc, &v);
	check(ret == EACCES || ret == EPERM,
	      "another user cannot reopen root's domain via /proc/PID/fd", ret);
	ret = as_user(uid_a, grab_via_pidfd, &v);
	check(ret == EPERM || ret == EACCES || ret == ESRCH,
	      "another user cannot take root's descriptor with pidfd_getfd", ret);
	ret = as_user(uid_a, ptrace_victim, &v);
	check(ret == EPERM, "another user cannot ptrace the domain's owner", ret);
	ret = as_user(uid_a, read_trace, NULL);
	check(ret == EACCES || ret == EPERM || ret == ENOENT,
	      "another user cannot read the kgil trace", ret);
	ret = as_user(uid_a, write_param, "max_threads");
	check(ret == EACCES || ret == EPERM, "another user cannot change max_threads", ret);

	/* Even root reopening the path gets a new, separate domain. */
	{
		char path[64];
		struct kgil_stats s1, s2;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", v.fd);
		fd2 = open(path, O_RDWR | O_CLOEXEC);
		check(fd2 >= 0 && !raw_stats(v.fd, KGIL_STATS_DOMAIN, 0, &s1) &&
		      !raw_stats(fd2, KGIL_STATS_DOMAIN, 0, &s2) &&
		      s1.domain_id != s2.domain_id && s2.holder_id == 0,
		      "reopening a domain's path opens a new domain, not the same one",
		      fd2 < 0 ? errno : 0);
		if (fd2 >= 0)
			close(fd2);
	}

	/* Handed over explicitly: usable, but the page stays read-only. */
	raw_release(v.fd);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
		pid_t pid = fork();

		if (pid == 0) {
			close(sv[0]);
			if (setgroups(0, NULL) || setresgid(uid_a, uid_a, uid_a) ||
			    setresuid(uid_a, uid_a, uid_a))
				_exit(100);
			_exit(use_passed_domain(&sv[1]));
		}
		close(sv[1]);
		send_fd(sv[0], v.fd);
		waitpid(pid, &ret, 0);
		ret = WIFEXITED(ret) ? WEXITSTATUS(ret) : 200;
		check(ret == 0, "a domain passed with SCM_RIGHTS is usable by its receiver", ret == 2 ? EACCES : 0);
		check(ret != 3, "... which still cannot map its page writable", 0);
		close(sv[0]);
	}
	close(v.fd);

	/* Limits: root-only parameters, per user and per domain. */
	if (param_read("max_domains_per_user", saved_domains, sizeof(saved_domains)) ||
	    param_read("max_threads", saved_threads, sizeof(saved_threads))) {
		check(false, "module parameters max_threads and max_domains_per_user exist", ENOENT);
		return 1;
	}
	atexit(restore_params);
	printf("#    defaults: max_threads %s, max_domains_per_user %s\n",
	       saved_threads, saved_domains);
	check(param_write("max_domains_per_user", "8") == 0, "root sets max_domains_per_user 8", 0);
	fd2 = raw_open(O_CLOEXEC);
	check(fd2 >= 0 && !raw_features(fd2, &f) && f.max_domains_per_user == 8,
	      "FEATURES reports max_domains_per_user", 0);
	ret = as_user(uid_a, user_domain_limit, NULL);
	check(ret == 0, "a user's 9th domain is refused with EMFILE", ret == 1 ? ERANGE : 0);
	/* ... per user: another user, and root, are not affected. */
	ret = as_user(uid_b, user_domain_limit, NULL);
	check(ret == 0, "another user still gets its own 8", ret == 1 ? ERANGE : 0);
	if (fd2 >= 0)
		close(fd2);
	/* Closing gives the domains back. */
	ret = as_user(uid_a, user_domain_limit, NULL);
	check(ret == 0, "closed domains no longer count", ret == 1 ? ERANGE : 0);
	param_write("max_domains_per_user", saved_domains);

	check(param_write("max_threads", "4") == 0, "root sets max_threads 4", 0);
	test_thread_limit();
	param_write("max_threads", saved_threads);

	printf("kgil-security: %s (%d failed)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
