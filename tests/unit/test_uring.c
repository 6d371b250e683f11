// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring helpers with real operations: the lock is released for
 * exactly the time the thread blocks (another thread must be able to take
 * it to complete the I/O, or the test deadlocks and times out), and a
 * completion that is already there does not touch the lock at all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "unit.h"

static struct kgil *g;
static struct io_uring ring;

static void setup(void)
{
	g = ut_open();
	cr_assert_eq(io_uring_queue_init(8, &ring, 0), 0);
	cr_assert_geq(kgil_attach(g), 1);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
}

static void teardown(void)
{
	if (!g)
		return;
	io_uring_queue_exit(&ring);
	kgil_release(g);
	kgil_detach(g);
	kgil_close(g);
}

TestSuite(uring, .init = setup, .fini = teardown, .timeout = UT_TIMEOUT);

/*
 * A thread that can only do its part (write to fd) while holding the lock:
 * it proves the waiting thread released it.
 */
struct writer {
	pthread_t thread;
	int fd;
	const char *msg;
	int err;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	int ret = kgil_attach(g);

	if (ret >= 0)
		ret = kgil_acquire(g, NULL);
	if (ret >= 0) {
		if (write(w->fd, w->msg, strlen(w->msg)) != (ssize_t)strlen(w->msg))
			ret = -EIO;
		kgil_release(g);
	}
	if (ret >= 0)
		ret = kgil_detach(g);
	w->err = ret < 0 ? ret : 0;
	return NULL;
}

static void writer_start(struct writer *w, int fd, const char *msg)
{
	w->fd = fd;
	w->msg = msg;
	w->err = 0;
	cr_assert_eq(pthread_create(&w->thread, NULL, writer_main, w), 0);
}

static void writer_join(struct writer *w)
{
	pthread_join(w->thread, NULL);
	cr_assert_eq(w->err, 0, "writer: %s", strerror(-w->err));
}

static void expect_holding(void)
{
	struct kgil_stats s = { .scope = KGIL_STATS_DOMAIN };

	cr_assert_eq(kgil_stats_query(g, &s), 0);
	cr_assert_eq(s.holder_id, kgil_self_id(), "the helper returned without the lock");
}

Test(uring, pipe_read_waits_with_the_lock_released)
{
	struct io_uring_cqe *cqe;
	struct writer w;
	char buf[16] = { 0 };
	int p[2];
	uint64_t io_before = ut_self_stats(g).io_begins;

	cr_assert_eq(pipe(p), 0);
	io_uring_prep_read(io_uring_get_sqe(&ring), p[0], buf, sizeof(buf), 0);
	cr_assert_eq(io_uring_submit(&ring), 1);
	writer_start(&w, p[1], "hello");
	cr_assert_eq(kgil_uring_wait_cqe(g, &ring, &cqe), 0);
	cr_assert_eq(cqe->res, 5);
	cr_assert_str_eq(buf, "hello");
	io_uring_cqe_seen(&ring, cqe);
	expect_holding();
	writer_join(&w);
	cr_assert_eq(ut_self_stats(g).io_begins, io_before + 1);
	close(p[0]);
	close(p[1]);
}

static int tcp_pair(int *server, int *client)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(l, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(l, 1), 0);
	cr_assert_eq(getsockname(l, (struct sockaddr *)&a, &len), 0);
	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(connect(*client, (struct sockaddr *)&a, sizeof(a)), 0);
	*server = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(*server, 0);
	close(l);
	return 0;
}

Test(uring, loopback_tcp_echo)
{
	struct io_uring_cqe *cqe;
	struct writer w;
	char buf[16] = { 0 }, back[16] = { 0 };
	int srv, cli;

	tcp_pair(&srv, &cli);
	/* Server side: receive through the ring, lock released meanwhile. */
	io_uring_prep_recv(io_uring_get_sqe(&ring), srv, buf, sizeof(buf), 0);
	writer_start(&w, cli, "ping");
	cr_assert_eq(kgil_uring_submit_and_wait(g, &ring, 1), 1);
	cr_assert_eq(io_uring_peek_cqe(&ring, &cqe), 0);
	cr_assert_eq(cqe->res, 4);
	io_uring_cqe_seen(&ring, cqe);
	writer_join(&w);
	expect_holding();
	/* Echo it back through the ring, and read it on the client. */
	io_uring_prep_send(io_uring_get_sqe(&ring), srv, buf, 4, 0);
	cr_assert_eq(kgil_uring_submit_and_wait(g, &ring, 1), 1);
	cr_assert_eq(kgil_uring_wait_cqe(g, &ring, &cqe), 0);
	cr_assert_eq(cqe->res, 4);
	io_uring_cqe_seen(&ring, cqe);
	cr_assert_eq(recv(cli, back, sizeof(back), 0), 4);
	cr_assert_str_eq(back, "ping");
	expect_holding();
	close(srv);
	close(cli);
}

Test(uring, timeout_op)
{
	struct __kernel_timespec ts = { .tv_nsec = 20000000 };
	struct io_uring_cqe *cqe;
	uint64_t t0, io_before = ut_self_stats(g).io_begins;

	io_uring_prep_timeout(io_uring_get_sqe(&ring), &ts, 0, 0);
	cr_assert_eq(io_uring_submit(&ring), 1);
	t0 = now_ns();
	cr_assert_eq(kgil_uring_wait_cqe(g, &ring, &cqe), 0);
	cr_assert_eq(cqe->res, -ETIME);
	cr_assert_geq(now_ns() - t0, 15000000, "the timeout fired early");
	io_uring_cqe_seen(&ring, cqe);
	expect_holding();
	cr_assert_eq(ut_self_stats(g).io_begins, io_before + 1);
}

Test(uring, wait_with_timeout_and_nothing_to_wait_for)
{
	struct __kernel_timespec ts = { .tv_nsec = 10000000 };
	struct io_uring_cqe *cqe;
	uint64_t io_before = ut_self_stats(g).io_begins;

	cr_assert_eq(kgil_uring_wait_cqe_timeout(g, &ring, &cqe, &ts), -ETIME);
	expect_holding();
	cr_assert_eq(ut_self_stats(g).io_begins, io_before + 1);
	cr_assert_eq(kgil_tick(), 0, "ticks work again after the wait");
}

Test(uring, submit_and_wait_on_a_timeout)
{
	struct __kernel_timespec ts = { .tv_nsec = 5000000 };
	struct io_uring_cqe *cqe;

	io_uring_prep_timeout(io_uring_get_sqe(&ring), &ts, 0, 0);
	cr_assert_eq(kgil_uring_submit_and_wait(g, &ring, 1), 1);
	cr_assert_eq(io_uring_peek_cqe(&ring, &cqe), 0);
	cr_assert_eq(cqe->res, -ETIME);
	io_uring_cqe_seen(&ring, cqe);
	expect_holding();
}

Test(uring, completed_cqe_does_not_touch_the_lock)
{
	struct io_uring_cqe *cqe;
	struct kgil_counters before, after;

	/* Complete a NOP without the helpers: the CQE is waiting in the ring. */
	io_uring_prep_nop(io_uring_get_sqe(&ring));
	cr_assert_eq(io_uring_submit_and_wait(&ring, 1), 1);
	io_uring_prep_nop(io_uring_get_sqe(&ring));
	cr_assert_eq(io_uring_submit_and_wait(&ring, 2), 1);
	before = ut_stats(g);
	cr_assert_eq(kgil_uring_wait_cqe(g, &ring, &cqe), 0);
	cr_assert_eq(cqe->res, 0);
	io_uring_cqe_seen(&ring, cqe);
	/* Two were there, one is left: submit-and-wait for 1 need not wait. */
	cr_assert_eq(kgil_uring_submit_and_wait(g, &ring, 1), 0);
	cr_assert_eq(kgil_uring_wait_cqe_timeout(g, &ring, &cqe, NULL), 0);
	io_uring_cqe_seen(&ring, cqe);
	after = ut_stats(g);
	cr_assert_eq(after.io_begins, before.io_begins);
	cr_assert_eq(after.releases, before.releases);
	cr_assert_eq(after.acquisitions, before.acquisitions);
	cr_assert_eq(after.checks, before.checks);
}

Test(uring, misuse)
{
	struct io_uring_cqe *cqe;

	cr_assert_eq(kgil_uring_wait_cqe(g, NULL, &cqe), -EINVAL);
	cr_assert_eq(kgil_uring_wait_cqe(g, &ring, NULL), -EINVAL);
	cr_assert_eq(kgil_uring_submit_and_wait(g, NULL, 1), -EINVAL);
	cr_assert_eq(kgil_release(g), 0);
	cr_assert_eq(kgil_uring_wait_cqe(g, &ring, &cqe), -EPERM);
	cr_assert_eq(kgil_uring_wait_cqe_timeout(g, &ring, &cqe, NULL), -EPERM);
	cr_assert_eq(kgil_uring_submit_and_wait(g, &ring, 1), -EPERM);
	cr_assert_eq(kgil_acquire(g, NULL), 0);
}
