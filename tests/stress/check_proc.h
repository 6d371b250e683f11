/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kgil-check's worker processes: what runs the steps against the module.
 *
 * Each process slot holds one process: its main thread is the manager
 * (descriptor operations, fork, joining a worker that exits) and
 * CK_THREADS worker threads make the thread operations, one call at a
 * time, each on the driver's command.  Commands go through a shared
 * anonymous mapping (struct ck_shm, inherited by every process), with a
 * doorbell pipe per slot to wake the thread it is for; results come back
 * as events in a ring per slot, and a futex on ck_shm->events wakes the
 * driver.  A worker polls its doorbell and its io_uring ring together, so
 * a completion that arrives while it is idle is reported at once; one
 * that arrives while it is blocked in a wait is reported when that wait
 * returns.
 */
#ifndef KGIL_CHECK_PROC_H
#define KGIL_CHECK_PROC_H

#include <limits.h>
#include <liburing.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "check_model.h"
#include "raw.h"

#define CK_SLOTS	(CK_THREADS + 1)	/* the workers, then the manager */
#define CK_MGR		CK_THREADS
#define CK_RING		64

struct ck_cmd {
	uint32_t seq;
	struct ck_step st;
};

struct ck_wev {				/* an event as a worker reports it */
	uint32_t seq;
	uint8_t kind;
	int32_t ret;
	uint32_t result;
	uint64_t timeout_ns;
	uint32_t hold[CK_FDS];		/* EV_JOIN: holder_id of each slot */
};

struct ck_slot {
	_Atomic uint32_t cmd_seq;	/* bumped once cmd is written */
	struct ck_cmd cmd;
	_Atomic int32_t tid;
	_Atomic uint32_t head;		/* events written */
	struct ck_wev ev[CK_RING];
};

struct ck_shm {
	_Atomic uint32_t events;	/* futex: bumped at every event */
	_Atomic int32_t ctl_pid;
	_Atomic int32_t pid[CK_PROCS];
	_Atomic int32_t probe;		/* the mmap probe's verdict */
	struct ck_slot slot[CK_PROCS][CK_SLOTS];
};

static struct ck_shm *ck_shm;
/* Doorbells: the driver writes [1]; the slot's thread polls [0]. */
static int ck_bell[CK_PROCS][CK_SLOTS][2];

/* This process's own state (each process has its copy). */
struct ck_worker {
	int t;
	pthread_t th;
	struct io_uring ring;
	bool ring_ok;
	atomic_int exit_req;
};

static struct {
	int q;
	int fd[CK_FDS];
	struct ck_worker w[CK_THREADS];
} ck_me;

static long ck_futex(_Atomic uint32_t *w, int op, uint32_t val,
		     const struct timespec *ts)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

static void ck_post(struct ck_slot *sl, const struct ck_wev *e)
{
	uint32_t h = atomic_load_explicit(&sl->head, memory_order_relaxed);

	sl->ev[h % CK_RING] = *e;
	atomic_store_explicit(&sl->head, h + 1, memory_order_release);
	atomic_fetch_add(&ck_shm->events, 1);
	ck_futex(&ck_shm->events, FUTEX_WAKE, INT_MAX, NULL);
}

static void ck_drain(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void ck_ring_bell(int q, int slot)
{
	if (write(ck_bell[q][slot][1], "", 1) < 0) {
		/* full (nobody drains a dead slot's bell): it rings anyway */
	}
}

/* Handlers only have to exist: what matters is that one runs. */
static void ck_on_signal(int sig)
{
	(void)sig;
}

static void ck_reap(struct ck_worker *w, struct ck_slot *sl)
{
	struct io_uring_cqe *cqe;

	while (w->ring_ok && !io_uring_peek_cqe(&w->ring, &cqe)) {
		struct ck_wev e = {
			.seq = (uint32_t)cqe->user_data,
			.kind = EV_CQE,
			.ret = cqe->res,
		};

		io_uring_cqe_seen(&w->ring, cqe);
		ck_post(sl, &e);
	}
}

/* KGIL_URING_CMD_ACQUIRE, built by hand as user/lib/uring_acquire.c does. */
static int ck_uring_submit(struct ck_worker *w, int fd, const struct ck_cmd *cmd)
{
	struct io_uring_sqe *sqe;

	if (!w->ring_ok)
		return -ENXIO;
	sqe = io_uring_get_sqe(&w->ring);
	if (!sqe)
		return -EBUSY;
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = KGIL_URING_CMD_ACQUIRE;
	sqe->user_data = cmd->seq;
	if (cmd->st.arg == 1)
		sqe->addr = 1;
	else if (cmd->st.arg == 2)
		sqe->len = 1;
	else if (cmd->st.arg == 3)
		sqe->cmd[0] = 1;
	return io_uring_submit(&w->ring);
}

static const uint32_t ck_mode_flags[] = {
	[CK_BLOCK] = 0,
	[CK_TRY] = KGIL_ACQUIRE_TRY,
	[CK_TIMEOUT_SHORT] = KGIL_ACQUIRE_TIMEOUT,
	[CK_TIMEOUT_LONG] = KGIL_ACQUIRE_TIMEOUT,
};

static void ck_worker_cmd(struct ck_worker *w, struct ck_slot *sl,
			  const struct ck_cmd *cmd)
{
	const struct ck_step *st = &cmd->st;
	struct ck_wev e = { .seq = cmd->seq, .kind = EV_DONE };
	int fd = ck_me.fd[st->s];
	struct kgil_acquire a;
	unsigned long ioc = st->op == OP_ACQUIRE ? KGIL_IOC_ACQUIRE :
			    st->op == OP_IO_END ? KGIL_IOC_IO_END : KGIL_IOC_CHECK;
	uint8_t mode = st->op == OP_CHECK ? CK_BLOCK : st->arg;

	switch (st->op) {
	case OP_ATTACH:
		e.ret = raw_attach(fd);
		break;
	case OP_DETACH:
		e.ret = raw_detach(fd);
		break;
	case OP_ACQUIRE:
	case OP_IO_END:
	case OP_CHECK:
		e.ret = raw_lock(fd, ioc, ck_mode_flags[mode],
				 mode == CK_TIMEOUT_SHORT ? CK_SHORT_NS :
				 mode == CK_TIMEOUT_LONG ? CK_LONG_NS : 0, &a);
		e.result = a.result;
		e.timeout_ns = a.timeout_ns;
		break;
	case OP_RELEASE:
		e.ret = raw_release(fd);
		break;
	case OP_IO_BEGIN:
		e.ret = raw_ioctl(fd, KGIL_IOC_IO_BEGIN, NULL);
		break;
	case OP_URING:
		e.ret = ck_uring_submit(w, fd, cmd);
		break;
	default:
		e.ret = -ENOSYS;
	}
	ck_post(sl, &e);
}

static void *ck_worker_main(void *arg)
{
	struct ck_worker *w = arg;
	struct ck_slot *sl = &ck_shm->slot[ck_me.q][w->t];
	int bell = ck_bell[ck_me.q][w->t][0];
	uint32_t last = atomic_load(&sl->cmd_seq);

	w->ring_ok = !io_uring_queue_init(8, &w->ring, 0);
	ck_drain(bell);
	atomic_store(&sl->tid, (int32_t)gettid());
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = bell, .events = POLLIN },
			{ .fd = w->ring_ok ? w->ring.ring_fd : -1, .events = POLLIN },
		};
		uint32_t seq;

		ck_reap(w, sl);
		if (atomic_load(&w->exit_req))
			return NULL;	/* holding whatever it holds */
		seq = atomic_load_explicit(&sl->cmd_seq, memory_order_acquire);
		if (seq != last) {
			last = seq;
			ck_worker_cmd(w, sl, &sl->cmd);
			continue;
		}
		poll(pfd, 2, -1);
		ck_drain(bell);
	}
}

static void ck_worker_start(int t)
{
	struct ck_worker *w = &ck_me.w[t];
	struct ck_slot *sl = &ck_shm->slot[ck_me.q][t];

	w->t = t;
	atomic_store(&w->exit_req, 0);
	atomic_store(&sl->tid, 0);
	if (pthread_create(&w->th, NULL, ck_worker_main, w))
		_exit(3);
	while (!atomic_load(&sl->tid))
		usleep(100);
}

/* The manager's commands: descriptors, fork, a worker's exit. */
static void ck_proc_main(uint32_t ready_seq);

static void ck_manager_cmd(struct ck_slot *sl, const struct ck_cmd *cmd)
{
	const struct ck_step *st = &cmd->st;
	struct ck_wev e = { .seq = cmd->seq, .kind = EV_DONE };
	struct ck_worker *w = &ck_me.w[st->t];
	struct kgil_stats ks;
	pid_t pid;

	switch (st->op) {
	case OP_OPEN:
		e.ret = ck_me.fd[st->s] = raw_open(0);
		break;
	case OP_CLOSE:
		e.ret = close(ck_me.fd[st->s]) ? -errno : 0;
		ck_me.fd[st->s] = -1;
		break;
	case OP_DUP:
		e.ret = ck_me.fd[st->s2] < 0 ? dup(ck_me.fd[st->s]) :
			dup2(ck_me.fd[st->s], ck_me.fd[st->s2]);
		if (e.ret < 0)
			e.ret = -errno;
		else
			ck_me.fd[st->s2] = e.ret;
		break;
	case OP_FORK:
		pid = fork();
		if (!pid) {
			/* Only this thread came along; the rings stay behind. */
			for (int t = 0; t < CK_THREADS; t++)
				if (ck_me.w[t].ring_ok)
					io_uring_queue_exit(&ck_me.w[t].ring);
			ck_me.q = st->q;
			ck_proc_main(cmd->seq);
		}
		e.ret = pid < 0 ? -errno : pid;
		break;
	case OP_EXIT:
		/*
		 * The worker returns from its thread function, holding what
		 * it holds; right after pthread_join() every slot's holder is
		 * read, as another thread's TRY would see it.
		 */
		atomic_store(&w->exit_req, 1);
		ck_ring_bell(ck_me.q, st->t);
		pthread_join(w->th, NULL);
		for (int i = 0; i < CK_FDS; i++)
			if (ck_me.fd[i] >= 0 &&
			    !raw_stats(ck_me.fd[i], KGIL_STATS_DOMAIN, 0, &ks))
				e.hold[i] = ks.holder_id;
		if (w->ring_ok)
			io_uring_queue_exit(&w->ring);
		ck_worker_start(st->t);
		e.kind = EV_JOIN;
		break;
	default:
		e.ret = -ENOSYS;
	}
	ck_post(sl, &e);
}

/*
 * A process of slot ck_me.q (spawned by the driver, or forked by another
 * one's manager, keeping its descriptors): start the workers, say ready,
 * serve commands until killed.  It goes away by itself once the driver
 * has gone.
 */
static void ck_proc_main(uint32_t ready_seq)
{
	struct ck_slot *sl = &ck_shm->slot[ck_me.q][CK_MGR];
	int bell = ck_bell[ck_me.q][CK_MGR][0];
	struct sigaction sa = { .sa_handler = ck_on_signal };
	struct sigaction sc = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT };
	uint32_t last = atomic_load(&sl->cmd_seq);
	struct ck_wev e = { .seq = ready_seq, .kind = EV_READY };

	/* SIGUSR1 without SA_RESTART, SIGUSR2 with it: both must end a wait. */
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGCHLD, &sc, NULL);	/* forked children reap themselves */
	atomic_store(&ck_shm->pid[ck_me.q], (int32_t)getpid());
	ck_drain(bell);
	for (int t = 0; t < CK_THREADS; t++)
		ck_worker_start(t);
	atomic_store(&sl->tid, (int32_t)gettid());
	ck_post(sl, &e);
	for (;;) {
		struct pollfd pfd = { .fd = bell, .events = POLLIN };
		uint32_t seq = atomic_load_explicit(&sl->cmd_seq,
						    memory_order_acquire);

		if (seq != last) {
			last = seq;
			ck_manager_cmd(sl, &sl->cmd);
			continue;
		}
		if (!poll(&pfd, 1, 1000) &&
		    kill(atomic_load(&ck_shm->ctl_pid), 0) && errno == ESRCH)
			_exit(0);
		ck_drain(bell);
	}
}

#endif /* KGIL_CHECK_PROC_H */
