// SPDX-License-Identifier: GPL-2.0
/*
 * io: Peretin's three urlopen() calls (2013, slide 27).  M tasks each make
 * a request that spends most of its time waiting: a TCP request/response
 * to a server thread on 127.0.0.1 that answers after --latency, and a
 * "remote call" that is an IORING_OP_TIMEOUT of --latency.  The tasks
 * wait through io_uring with the lock released (kgil_uring_*), so M
 * threads overlap their waits where one thread runs them in a row.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_domain.h"
#include "bench/interp.h"
#include "bench/phase.h"
#include "support/progress.h"
#include "support/result.h"
#include "bench/uring_one.h"

#define IO_DEFAULT_TASKS 3
#define IO_DEFAULT_LATENCY_NS 40000000ULL
/* Interpreter work around each request: build it, parse the answer. */
#define IO_TICKS_PER_REQUEST 2000
#define IO_REQUEST "GET / HTTP/1.0\r\n\r\n"
#define IO_RESPONSE_LEN 512

/* ---- the server: one thread per connection, on loopback only -------- */

struct server {
	int lfd;
	struct sockaddr_in addr;
	uint64_t latency_ns;
	pthread_t tid;
	atomic_int active;	/* connection threads still running */
};

struct conn {
	struct server *s;
	int fd;
};

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *conn_thread(void *p)
{
	struct conn *c = p;
	char buf[256], resp[IO_RESPONSE_LEN];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	if (n > 0) {
		sleep_ns(c->s->latency_ns);	/* the remote end's service time */
		memset(resp, 'x', sizeof(resp));
		memcpy(resp, "HTTP/1.0 200 OK\r\n\r\n", 19);
		if (send(c->fd, resp, sizeof(resp), MSG_NOSIGNAL) < 0)
			n = -1;
	}
	close(c->fd);
	atomic_fetch_sub(&c->s->active, 1);
	free(c);
	return NULL;
}

static void *accept_thread(void *p)
{
	struct server *s = p;

	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;
		pthread_t t;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;	/* shutdown() of the listener */
		}
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		*c = (struct conn){ .s = s, .fd = fd };
		atomic_fetch_add(&s->active, 1);
		if (pthread_create(&t, NULL, conn_thread, c)) {
			atomic_fetch_sub(&s->active, 1);
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}

static int server_start(struct server *s, uint64_t latency_ns)
{
	socklen_t len = sizeof(s->addr);

	memset(s, 0, sizeof(*s));
	s->latency_ns = latency_ns;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	s->addr.sin_family = AF_INET;
	s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s->lfd, (struct sockaddr *)&s->addr, sizeof(s->addr)) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&s->addr, &len) < 0 ||
	    listen(s->lfd, 64) < 0) {
		int ret = -errno;

		close(s->lfd);
		return ret;
	}
	if (pthread_create(&s->tid, NULL, accept_thread, s)) {
		close(s->lfd);
		return -EAGAIN;
	}
	return 0;
}

static void server_stop(struct server *s)
{
	shutdown(s->lfd, SHUT_RDWR);	/* wakes accept() */
	pthread_join(s->tid, NULL);
	close(s->lfd);
	while (atomic_load(&s->active))
		sleep_ns(1000000);
}

/* ---- the client tasks ----------------------------------------------- */

struct io_job {
	struct kgil *g;
	const struct server *srv;
	enum io_kind kind;	/* IO_TCP or IO_TIMEOUT */
	int requests;		/* per thread */
	uint64_t latency_ns;
};

static int tcp_request(struct io_job *j, struct io_uring *ring)
{
	char buf[IO_RESPONSE_LEN];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	io_uring_prep_connect(io_uring_get_sqe(ring), fd,
			      (const struct sockaddr *)&j->srv->addr, sizeof(j->srv->addr));
	ret = uring_one(j->g, ring);
	if (ret < 0)
		goto out;
	io_uring_prep_send(io_uring_get_sqe(ring), fd, IO_REQUEST, strlen(IO_REQUEST), MSG_NOSIGNAL);
	ret = uring_one(j->g, ring);
	if (ret < 0)
		goto out;
	while (got < sizeof(buf)) {
		io_uring_prep_recv(io_uring_get_sqe(ring), fd, buf + got, sizeof(buf) - got, 0);
		ret = uring_one(j->g, ring);
		if (ret <= 0) {
			ret = ret ? ret : -ECONNRESET;
			goto out;
		}
		got += (size_t)ret;
	}
	ret = 0;
out:
	close(fd);
	return ret;
}

static int remote_call(struct io_job *j, struct io_uring *ring)
{
	struct __kernel_timespec ts = {
		.tv_sec = (long long)(j->latency_ns / 1000000000ULL),
		.tv_nsec = (long long)(j->latency_ns % 1000000000ULL),
	};
	int ret;

	io_uring_prep_timeout(io_uring_get_sqe(ring), &ts, 0, 0);
	ret = uring_one(j->g, ring);
	return ret == -ETIME ? 0 : ret < 0 ? ret : -EPROTO;
}

static int io_worker(struct crew_member *m)
{
	struct io_job *j = m->arg;
	struct io_uring ring;
	int err = 0, ret = io_uring_queue_init(8, &ring, 0);

	if (ret < 0) {
		fprintf(stderr, "kgil: io: io_uring_queue_init: %s\n", strerror(-ret));
		return ret;
	}
	ret = domain_join(j->g, m);
	if (ret < 0) {
		io_uring_queue_exit(&ring);
		return ret;
	}
	for (int r = 0; r < j->requests && !ret; r++) {
		interp_run(IO_TICKS_PER_REQUEST / 2, NULL, &err);
		ret = j->kind == IO_TCP ? tcp_request(j, &ring) : remote_call(j, &ring);
		interp_run(IO_TICKS_PER_REQUEST / 2, NULL, &err);
	}
	crew_finish(m);
	/* An error from reacquiring leaves the lock not held (kgil.h). */
	domain_leave(j->g, ret != -EINTR && ret != -EBADF);
	io_uring_queue_exit(&ring);
	if (ret < 0)
		fprintf(stderr, "kgil: io: %s request: %s\n",
			j->kind == IO_TCP ? "tcp" : "timeout", strerror(-ret));
	return ret < 0 ? ret : err;
}

static int io_kind_run(const struct bench_opts *o, struct io_job *j, int tasks,
		       struct res *r)
{
	struct phase seq, thr;
	int per_task = j->requests, ret;

	j->requests = per_task * tasks;
	ret = phase_run(o, 1, io_worker, j, &j->g, o->cap_s, &seq);
	if (ret < 0)
		return ret;
	j->requests = per_task;
	ret = phase_run(o, tasks, io_worker, j, &j->g, o->cap_s, &thr);
	if (ret < 0)
		return ret;
	res_num(r, "sequential_s", seq.wall_s);
	res_num(r, "threaded_s", thr.wall_s);
	res_num(r, "speedup", seq.wall_s / thr.wall_s);
	phase_cost_put(r, "threaded_", &thr.cost);
	return 0;
}

int bench_io(const struct bench_opts *o, struct res *out)
{
	int tasks = o->threads ? o->threads : IO_DEFAULT_TASKS;
	uint64_t latency = o->io.latency_ns ? o->io.latency_ns : IO_DEFAULT_LATENCY_NS;
	struct io_job j = { .latency_ns = latency, .requests = o->work ? (int)o->work : 1 };
	struct server srv;
	double seq = 0, thr = 0;
	int ret = domain_describe(o, out);

	if (ret < 0)
		return ret;
	res_int(out, "tasks", tasks);
	res_int(out, "requests_per_task", j.requests);
	res_num(out, "latency_us", latency / 1e3);
	ret = server_start(&srv, latency);
	if (ret < 0) {
		fprintf(stderr, "kgil: io: loopback server: %s\n", strerror(-ret));
		return ret;
	}
	j.srv = &srv;
	for (int k = IO_TCP; k <= IO_TIMEOUT && ret == 0; k++) {
		const char *name = k == IO_TCP ? "tcp" : "timeout";
		struct res *r;

		if (o->io.kind != IO_BOTH && o->io.kind != (enum io_kind)k)
			continue;
		progress(false, "io: %s, %d tasks", name, tasks);
		j.kind = (enum io_kind)k;
		r = res_obj(out, name);
		ret = io_kind_run(o, &j, tasks, r);
		seq += res_get_num(r, "sequential_s");
		thr += res_get_num(r, "threaded_s");
	}
	server_stop(&srv);
	if (ret < 0)
		return ret;
	res_num(out, "sequential_s", seq);
	res_num(out, "threaded_s", thr);
	res_num(out, "speedup", seq / thr);
	return 0;
}
