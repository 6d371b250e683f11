/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kgil-check's reference model: what the UAPI promises, as code.
 *
 * Written from include/uapi/linux/kgil.h, docs/design.md, docs/policies.md
 * and the lifecycle rules of issue 12 (close, exit, signals, the CHECK
 * debt), not from kmod/.  Where those texts allow more than one outcome —
 * who takes a free lock under legacy and newgil, the order in which the
 * threads of a killed process exit, whether a policy timer has fired yet,
 * where a restarted wait queues again — the model does not pick one: it
 * calls ck_choose(), and the driver enumerates every sequence of choices.
 * So one step maps a state to the set of states the texts allow, each
 * carrying the results (events) the workers must report; the driver keeps
 * the states that agree with what the module showed.
 *
 * The world: CK_PROCS process slots, each with CK_THREADS worker threads
 * and CK_FDS descriptor slots, over at most CK_DOMS domains.  Steps run
 * one at a time and are observed once everything they set off has
 * settled, so "quiescent" rules hold between steps: under legacy and
 * newgil a free lock has no waiters (a signalled waiter has taken it),
 * and no holder is in the middle of a forced switch.
 */
#ifndef KGIL_CHECK_MODEL_H
#define KGIL_CHECK_MODEL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/kgil.h>

#define CK_PROCS	4
#define CK_THREADS	3
#define CK_FDS		3
#define CK_DOMS		4
#define CK_NT		(CK_PROCS * CK_THREADS)
#define CK_EVENTS	64
#define CK_CHOICES	48

/* How an ACQUIRE, IO_END or CHECK waits (ck_step.arg). */
enum { CK_BLOCK, CK_TRY, CK_TIMEOUT_SHORT, CK_TIMEOUT_LONG };
#define CK_SHORT_NS	1000000ULL		/* expires within its step */
#define CK_LONG_NS	3600000000000ULL	/* never, within a run */
/* An io_boost_ns below which every burst is longer (demotion is sure). */
#define CK_TINY_NS	10000ULL

enum ck_op {
	OP_NONE, OP_SPAWN, OP_FORK, OP_KILL, OP_EXIT, OP_STOPCONT, OP_SIGNAL,
	OP_OPEN, OP_CLOSE, OP_DUP, OP_ATTACH, OP_DETACH, OP_ACQUIRE,
	OP_RELEASE, OP_CHECK, OP_IO_BEGIN, OP_IO_END, OP_URING, OP_POLICY,
	OP_MMAP, OP__N
};

/*
 * One step.  p, t: the process slot and its worker; s, s2: descriptor
 * slots of p; q: the process slot a SPAWN or FORK fills; arg: the wait
 * mode (CK_BLOCK...), the signal (0 SIGUSR1 without SA_RESTART, 1 SIGUSR2
 * with it) or the io_uring SQE's defect (0 none, 1 addr, 2 len, 3 the
 * command area); pol: SET_POLICY's argument.
 */
struct ck_step {
	uint8_t op, p, t, s, s2, q, arg;
	struct kgil_policy pol;
};

/* What a worker (or the manager, or the driver) reports. */
enum { EV_DONE = 1, EV_CQE, EV_JOIN, EV_READY };
/* How a returned kgil_acquire.timeout_ns must relate to the one passed. */
enum { TO_ANY, TO_ZERO, TO_LE, TO_LT };
#define CK_RET_POS	INT32_MIN	/* any value >= 0 (a descriptor, a pid) */

struct ck_event {
	uint32_t seq;			/* the step that started it */
	uint8_t kind, held, to_rule;
	int8_t t;			/* the worker, -1 for the manager */
	int32_t ret;
	uint32_t res, res_mask;		/* KGIL_ACQUIRED_* that must match */
	uint64_t to_in;
	uint32_t hold[CK_FDS][2];	/* EV_JOIN: holder ids allowed */
};

enum { NO, YES, MAYBE };		/* what the texts leave open */

enum ck_counter {
	C_ACQ, C_REL, C_HANDOFF, C_DROP, C_FORCED, C_DEATH, C_CHECK,
	C_IOBEGIN, C_TIMEOUT, C_INTR, CK_NC
};
enum ck_reason { R_EXPLICIT, R_IO, R_CHECK, R_DETACH, R_CLOSE, R_EXIT };

struct ck_wait {			/* one entry of a domain's queue */
	int8_t t;
	uint8_t uring, io, prio;
	uint64_t since;			/* the step it began in (ns) */
};

struct ck_att {				/* a thread's attachment to a domain */
	uint32_t id;			/* 0: not attached */
	uint32_t uring;			/* seq of its pending io_uring acquire */
	uint8_t in_io;			/* NO/YES/MAYBE: after IO_BEGIN */
	uint8_t owes;			/* NO/YES/MAYBE: a CHECK cut by a
					 * signal owes the re-take */
	uint8_t hold_io, hold_prio;	/* ioprio: how this tenure began */
	uint8_t demoted;		/* ioprio: NO/YES/MAYBE */
};

struct ck_thread {
	uint8_t alive, dying;
	uint8_t op;			/* the call it is blocked in, 0: idle */
	uint8_t op_dom, op_slot, op_mode, op_owed, op_restarted;
	uint32_t op_seq;
	struct ck_att a[CK_DOMS];
};

struct ck_proc {
	uint8_t alive;
	int8_t fd[CK_FDS];		/* domain of each slot, -1: closed */
};

struct ck_dom {
	uint8_t live;			/* some process holds a descriptor */
	uint8_t ever_held, owner_dead, drop, nq;
	int8_t holder, last;		/* thread, -1: none */
	struct kgil_policy pol;
	uint32_t next_id, nr_threads;
	uint64_t switch_nr, grant_lo;
	int64_t budget_lo;		/* ioprio: a lower bound of the budget */
	struct ck_wait q[CK_NT];	/* waiters, in the order of the queue */
	uint64_t lo[CK_NC], hi[CK_NC];	/* counters: known to lie in [lo, hi] */
};

struct ck_state {
	struct ck_proc p[CK_PROCS];
	struct ck_thread t[CK_NT];
	struct ck_dom d[CK_DOMS];
	uint8_t nev, overflow;
	struct ck_event ev[CK_EVENTS];	/* expected since the last look */
};

/*
 * One step's context: its time window (a state records times as the
 * earliest they can be, a deadline is due once the window's end passes
 * it) and the choice sequence being enumerated.
 */
struct ck_ctx {
	uint64_t now_lo, now_hi;
	uint32_t seq;
	int len, pos;
	bool overflow;
	uint8_t path[CK_CHOICES], width[CK_CHOICES];
};

/* One of n outcomes; the driver replays every path (see ck_successors). */
static inline int ck_choose(struct ck_ctx *c, int n)
{
	if (n <= 1)
		return 0;
	if (c->pos >= CK_CHOICES) {
		c->overflow = true;
		return 0;
	}
	if (c->pos >= c->len) {
		c->path[c->pos] = 0;
		c->len = c->pos + 1;
	}
	c->width[c->pos] = (uint8_t)n;
	return c->path[c->pos++];
}

static inline int ck_ti(int p, int t)
{
	return p * CK_THREADS + t;
}

static inline bool ck_waits(const struct ck_thread *T)
{
	return T->op == OP_ACQUIRE || T->op == OP_IO_END || T->op == OP_CHECK;
}

/* fifo and ioprio hand the lock over; legacy and newgil let waiters race. */
static inline bool ck_handoff(const struct ck_dom *D)
{
	return D->pol.policy == KGIL_POLICY_FIFO ||
	       D->pol.policy == KGIL_POLICY_IOPRIO;
}

static inline void ck_count(struct ck_dom *D, int k, int lo, int hi)
{
	D->lo[k] += (uint64_t)lo;
	D->hi[k] += (uint64_t)hi;
}

static inline uint32_t ck_id(const struct ck_state *s, int d, int t)
{
	return t < 0 ? 0 : s->t[t].a[d].id;
}

/* ---- events ---------------------------------------------------------- */

static struct ck_event *ck_emit(struct ck_state *s, int t, uint32_t seq,
				int kind, int32_t ret)
{
	struct ck_event *e;

	if (t >= 0 && s->t[t].dying)	/* nobody will report it */
		return NULL;
	if (s->nev >= CK_EVENTS) {
		s->overflow = 1;
		return NULL;
	}
	e = &s->ev[s->nev++];
	memset(e, 0, sizeof(*e));
	e->seq = seq;
	e->kind = (uint8_t)kind;
	e->t = (int8_t)t;
	e->ret = ret;
	return e;
}

/* t's current call returns ret (result bits res, those in mask checked). */
static void ck_finish(struct ck_state *s, int t, int32_t ret, uint32_t res,
		      uint32_t mask)
{
	struct ck_thread *T = &s->t[t];
	struct ck_event *e = ck_emit(s, t, T->op_seq, EV_DONE, ret);
	bool timed = T->op_mode == CK_TIMEOUT_SHORT ||
		     T->op_mode == CK_TIMEOUT_LONG;

	if (e) {
		e->res = res;
		e->res_mask = ret ? 0 : mask;
		e->to_in = T->op_mode == CK_TIMEOUT_SHORT ? CK_SHORT_NS :
			   T->op_mode == CK_TIMEOUT_LONG ? CK_LONG_NS : 0;
		/*
		 * Only an interrupted timed wait writes the time left back
		 * (issue 12); an untimed one never touches it.
		 */
		if (T->op != OP_ACQUIRE && T->op != OP_IO_END &&
		    T->op != OP_CHECK)
			e->to_rule = TO_ANY;
		else if (!timed)
			e->to_rule = TO_ZERO;
		else
			e->to_rule = ret == -EINTR ? TO_LT : TO_LE;
	}
	T->op = 0;
	/* Completions posted while it slept are reaped now. */
	for (int i = 0; i < s->nev; i++)
		if (s->ev[i].t == t)
			s->ev[i].held = 0;
}

static void ck_restart(struct ck_state *s, struct ck_ctx *c, int t,
		       int ilo, int ihi);
static void ck_lock(struct ck_state *s, struct ck_ctx *c, int d, int t,
		    bool io);
static void ck_check(struct ck_state *s, struct ck_ctx *c, int d, int t);

/*
 * t's pending io_uring acquire on d completes with res.  The CQE is
 * posted by task work in t's own context: if t sleeps in a wait, the
 * wait restarts transparently (issue 12) and t reaps it afterwards.
 */
static void ck_cqe(struct ck_state *s, struct ck_ctx *c, int t, int d,
		   int32_t res)
{
	struct ck_thread *T = &s->t[t];
	struct ck_event *e = ck_emit(s, t, T->a[d].uring, EV_CQE, res);

	T->a[d].uring = 0;
	if (e && ck_waits(T)) {
		e->held = 1;
		ck_restart(s, c, t, 0, 1);
	}
}

/* ---- the queue ------------------------------------------------------- */

static int ck_qfind(const struct ck_dom *D, int t, bool uring)
{
	for (int i = 0; i < D->nq; i++)
		if (D->q[i].t == t && D->q[i].uring == uring)
			return i;
	return -1;
}

static void ck_qdel(struct ck_dom *D, int i)
{
	memmove(&D->q[i], &D->q[i + 1], (size_t)(D->nq - i - 1) * sizeof(D->q[0]));
	D->nq--;
	memset(&D->q[D->nq], 0, sizeof(D->q[0]));
}

static void ck_request_drop(struct ck_dom *D)
{
	if (!D->drop) {
		D->drop = 1;
		ck_count(D, C_DROP, 1, 1);
	}
}

/*
 * May a policy timer have raised the drop request by the end of the step?
 * newgil: a waiter that slept a switch interval; fifo and ioprio: the
 * lock contended for a switch interval, or (ioprio) a priority waiter
 * behind a holder past its protected burst.  Only ever "may": timers are
 * not observed directly, the page tells whether one fired.
 */
static bool ck_timer_due(const struct ck_state *s, const struct ck_dom *D,
			 const struct ck_ctx *c)
{
	const struct kgil_policy *p = &D->pol;
	const struct ck_wait *h = &D->q[0];
	uint64_t from;
	int d = (int)(D - s->d);

	if (D->holder < 0 || !D->nq || D->drop)
		return false;
	if (p->policy == KGIL_POLICY_NEWGIL) {
		for (int i = 0; i < D->nq; i++)
			if (c->now_hi >= D->q[i].since + p->switch_interval_ns)
				return true;
		return false;
	}
	if (!ck_handoff(D))
		return false;
	if (p->policy == KGIL_POLICY_IOPRIO && h->prio)
		from = D->grant_lo + (s->t[D->holder].a[d].hold_prio ?
				      p->io_boost_ns : 0);
	else
		from = (D->grant_lo > h->since ? D->grant_lo : h->since) +
		       p->switch_interval_ns;
	return c->now_hi >= from;
}

/* A timer may fire now: at the step's ends, and in the states between. */
static void ck_maybe_drop(struct ck_state *s, struct ck_ctx *c, int d)
{
	if (s->d[d].live && ck_timer_due(s, &s->d[d], c) && ck_choose(c, 2))
		ck_request_drop(&s->d[d]);
}

static void ck_timers(struct ck_state *s, struct ck_ctx *c)
{
	for (int d = 0; d < CK_DOMS; d++)
		ck_maybe_drop(s, c, d);
}

/* ioprio rule 1: is t's return from I/O a priority waiter? */
static bool ck_prio_ok(struct ck_state *s, struct ck_ctx *c, int d, int t)
{
	struct ck_dom *D = &s->d[d];
	struct ck_att *a = &s->t[t].a[d];

	if (a->demoted == MAYBE)
		a->demoted = ck_choose(c, 2) ? YES : NO;
	if (a->demoted == YES)
		return false;
	/* Rule 4: a whole burst left in the budget. */
	if (D->budget_lo >= (int64_t)D->pol.io_boost_ns)
		return true;
	return ck_choose(c, 2);
}

/* t starts to wait on d: a sleeping call, or its io_uring acquire. */
static void ck_enqueue(struct ck_state *s, struct ck_ctx *c, int d, int t,
		       bool uring, bool io)
{
	struct ck_dom *D = &s->d[d];
	struct ck_wait w = { .t = (int8_t)t, .uring = uring, .io = io,
			     .since = c->now_lo };
	int i = D->nq;

	if (D->pol.policy == KGIL_POLICY_IOPRIO && io && ck_prio_ok(s, c, d, t)) {
		/* Behind the priority waiters, ahead of everybody else. */
		w.prio = 1;
		for (i = 0; i < D->nq && D->q[i].prio; i++)
			;
	}
	memmove(&D->q[i + 1], &D->q[i], (size_t)(D->nq - i) * sizeof(D->q[0]));
	D->q[i] = w;
	D->nq++;
	/* Rules 1, 2: ask at once, unless the holder is on its own burst. */
	if (w.prio && D->holder >= 0 &&
	    (!s->t[D->holder].a[d].hold_prio ||
	     D->pol.io_boost_ns <= CK_TINY_NS || ck_choose(c, 2)))
		ck_request_drop(D);
}

/* t's wait on d ends without the lock (timeout, signal, detach, exit). */
static void ck_abandon(struct ck_state *s, struct ck_ctx *c, int d, int t,
		       bool uring)
{
	int i = ck_qfind(&s->d[d], t, uring);

	ck_maybe_drop(s, c, d);		/* it may have timed the holder first */
	if (i >= 0)
		ck_qdel(&s->d[d], i);
}

/*
 * A wait restarted by a signal whose handler does not run (SIGSTOP and
 * SIGCONT, task work): it goes on and counts an interrupt.  Whether it
 * keeps its place or queues again as a new arrival, the texts leave open.
 *
 * The restart repeats the system call on the same descriptor number
 * (kgil.h): if another thread closed it meanwhile, a dup keeping the
 * domain open, the call fails with -EBADF; if it now names another
 * domain, the call is that domain's, the deadline kept.  Either way the
 * first wait ended by a signal: a CHECK's debt stays.
 */
static void ck_restart(struct ck_state *s, struct ck_ctx *c, int t,
		       int ilo, int ihi)
{
	struct ck_thread *T = &s->t[t];
	struct ck_dom *D = &s->d[T->op_dom];
	int i = ck_qfind(D, t, false);
	int d2 = s->p[t / CK_THREADS].fd[T->op_slot];

	ck_count(D, C_INTR, ilo, ihi);
	if (d2 != T->op_dom) {
		ck_abandon(s, c, T->op_dom, t, false);
		if (T->op == OP_CHECK)
			T->a[T->op_dom].owes = YES;
		T->op_restarted = 1;
		if (d2 < 0)
			ck_finish(s, t, -EBADF, 0, 0);
		else if (T->op == OP_CHECK)
			ck_check(s, c, d2, t);
		else
			ck_lock(s, c, d2, t, T->op == OP_IO_END);
		return;
	}
	if (T->op == OP_CHECK)		/* the restarted call may count again */
		ck_count(D, C_CHECK, 0, 1);
	T->op_restarted = 1;
	if (i >= 0 && ck_choose(c, 2)) {
		bool io = D->q[i].io;

		ck_qdel(D, i);
		ck_enqueue(s, c, T->op_dom, t, false, io);
	}
}

/* ---- grant and release ---------------------------------------------- */

/*
 * t gets d's lock; w is its queue entry (already removed), NULL when it
 * took a free lock without waiting.  Returns the KGIL_ACQUIRED_* bits.
 */
static uint32_t ck_grant(struct ck_state *s, struct ck_ctx *c, int d, int t,
			 const struct ck_wait *w, bool io)
{
	struct ck_dom *D = &s->d[d];
	struct ck_att *a = &s->t[t].a[d];
	bool ioprio = D->pol.policy == KGIL_POLICY_IOPRIO;
	uint32_t res = 0;

	if (D->last != t) {
		/* switch_number and handoffs count changes of holder. */
		D->switch_nr++;
		if (D->ever_held)
			ck_count(D, C_HANDOFF, 1, 1);
		D->last = (int8_t)t;
		res |= KGIL_ACQUIRED_SWITCHED;
	}
	D->holder = (int8_t)t;
	D->ever_held = 1;
	D->drop = 0;			/* whoever takes it consumes the request */
	D->grant_lo = c->now_lo;
	if (D->owner_dead)		/* told to the next acquirer, once */
		res |= KGIL_ACQUIRED_OWNER_DEAD;
	D->owner_dead = 0;
	ck_count(D, C_ACQ, 1, 1);
	if (io)
		a->in_io = NO;
	else if (a->in_io == YES)
		a->in_io = MAYBE;	/* does a plain grant end the I/O? */
	a->owes = 0;
	/* A return from I/O that did not queue: a burst to judge, or not. */
	a->hold_io = !ioprio ? NO : w ? (w->io ? YES : NO) : (io ? MAYBE : NO);
	a->hold_prio = ioprio && w && w->prio;
	return res;
}

/* w, granted d's lock with bits res, wakes up holding it. */
static void ck_wake_granted(struct ck_state *s, struct ck_ctx *c, int d,
			    const struct ck_wait *w, uint32_t res)
{
	struct ck_thread *T = &s->t[w->t];
	uint32_t mask = ~0u;

	if (w->uring) {
		ck_cqe(s, c, w->t, d, (int32_t)(res & KGIL_ACQUIRED_OWNER_DEAD));
		return;
	}
	if (T->op != OP_CHECK)
		res &= ~(uint32_t)KGIL_ACQUIRED_SWITCHED;
	else if (T->op_owed || T->op_restarted)
		mask &= ~(uint32_t)KGIL_ACQUIRED_SWITCHED;
	ck_finish(s, w->t, 0, res, mask);
}

/* The i-th waiter of d takes the free lock. */
static void ck_take(struct ck_state *s, struct ck_ctx *c, int d, int i)
{
	struct ck_wait w = s->d[d].q[i];

	ck_qdel(&s->d[d], i);
	ck_wake_granted(s, c, d, &w, ck_grant(s, c, d, w.t, &w, w.io));
	ck_maybe_drop(s, c, d);		/* the next in line times it at once */
}

/* ioprio: judge the tenure that ends (rules 3 and 4). */
static void ck_ioprio_judge(struct ck_dom *D, struct ck_att *a,
			    const struct ck_ctx *c)
{
	bool tiny = D->pol.io_boost_ns <= CK_TINY_NS;

	if (a->hold_prio)
		D->budget_lo -= (int64_t)(c->now_hi - D->grant_lo);
	/* Every burst is longer than a tiny boost; others may go both ways. */
	if (a->hold_io == YES && tiny)
		a->demoted = YES;
	else if (a->hold_io != NO && !(tiny && a->demoted == YES))
		a->demoted = MAYBE;
	a->hold_io = NO;
	a->hold_prio = 0;
}

/* d's holder lets go for reason; the policy passes the lock on. */
static void ck_release(struct ck_state *s, struct ck_ctx *c, int d, int reason)
{
	struct ck_dom *D = &s->d[d];
	int t = D->holder;

	D->holder = -1;
	ck_count(D, C_REL, 1, 1);
	if (reason == R_EXIT) {		/* the robust-futex convention */
		ck_count(D, C_DEATH, 1, 1);
		D->owner_dead = 1;
	}
	if (D->pol.policy == KGIL_POLICY_IOPRIO)
		ck_ioprio_judge(D, &s->t[t].a[d], c);
	if (ck_handoff(D) && D->nq)
		ck_take(s, c, d, 0);
	/* legacy, newgil: a signalled waiter takes it in ck_settle(). */
}

/* ---- threads leave ---------------------------------------------------- */

static void ck_detach(struct ck_state *s, struct ck_ctx *c, int d, int t,
		      int reason)
{
	struct ck_thread *T = &s->t[t];
	struct ck_att *a = &T->a[d];
	struct ck_dom *D = &s->d[d];

	if (!a->id)
		return;
	if (D->holder == t)
		ck_release(s, c, d, reason);
	/* A detached thread is never granted and never stays queued. */
	if (ck_waits(T) && T->op_dom == d) {
		ck_abandon(s, c, d, t, false);
		ck_finish(s, t, -EBADF, 0, 0);
	}
	if (a->uring) {
		ck_abandon(s, c, d, t, true);
		ck_cqe(s, c, t, d, -EBADF);
	}
	memset(a, 0, sizeof(*a));	/* the debt ends too */
	D->nr_threads--;
	if (D->last == t)
		D->last = -1;
}

static bool ck_proc_refs(const struct ck_state *s, int p, int d)
{
	for (int i = 0; i < CK_FDS; i++)
		if (s->p[p].fd[i] == d)
			return true;
	return false;
}

/*
 * Process p closed its last descriptor of d: its threads leave d, every
 * non-holder first (waits end with -EBADF), then the holder, whose lock
 * goes on to a waiter of another process.
 */
static void ck_proc_close(struct ck_state *s, struct ck_ctx *c, int p, int d)
{
	int h = s->d[d].holder;

	for (int t = ck_ti(p, 0); t < ck_ti(p + 1, 0); t++)
		if (t != h)
			ck_detach(s, c, d, t, R_CLOSE);
	if (h >= 0 && h / CK_THREADS == p)
		ck_detach(s, c, d, h, R_CLOSE);
}

static void ck_exit_thread(struct ck_state *s, struct ck_ctx *c, int t)
{
	for (int d = 0; d < CK_DOMS; d++)
		ck_detach(s, c, d, t, R_EXIT);
	memset(&s->t[t], 0, sizeof(s->t[t]));
}

/*
 * What happens on its own before the system is quiet again: the threads
 * of a killed process exit one by one, in any order, and under legacy
 * and newgil a signalled waiter (any of them) takes a free lock.
 */
static void ck_settle(struct ck_state *s, struct ck_ctx *c)
{
	int act[CK_NT + CK_DOMS * CK_NT][2];

	for (;;) {
		int n = 0, k;

		for (int t = 0; t < CK_NT; t++)
			if (s->t[t].dying)
				act[n][0] = -1, act[n++][1] = t;
		for (int d = 0; d < CK_DOMS; d++) {
			struct ck_dom *D = &s->d[d];

			if (D->live && !ck_handoff(D) && D->holder < 0)
				for (int i = 0; i < D->nq; i++)
					act[n][0] = d, act[n++][1] = i;
		}
		if (!n)
			return;
		k = ck_choose(c, n);
		if (act[k][0] < 0)
			ck_exit_thread(s, c, act[k][1]);
		else
			ck_take(s, c, act[k][0], act[k][1]);
	}
}

/* ---- the operations -------------------------------------------------- */

static void ck_dom_init(struct ck_dom *D)
{
	memset(D, 0, sizeof(*D));
	D->live = 1;
	D->holder = D->last = -1;
	/* A new domain: newgil with CPython's defaults (design.md). */
	D->pol.policy = KGIL_POLICY_NEWGIL;
	D->pol.flags = KGIL_POLICY_FORCE_SWITCH;
	D->pol.check_interval = KGIL_DEFAULT_CHECK_INTERVAL;
	D->pol.switch_interval_ns = KGIL_DEFAULT_SWITCH_INTERVAL_NS;
	D->pol.io_boost_ns = KGIL_DEFAULT_IO_BOOST_NS;
}

static int ck_free_dom(const struct ck_state *s)
{
	for (int d = 0; d < CK_DOMS; d++)
		if (!s->d[d].live)
			return d;
	return -1;
}

static void ck_proc_new(struct ck_state *s, int q, int parent)
{
	s->p[q].alive = 1;
	for (int i = 0; i < CK_FDS; i++)
		s->p[q].fd[i] = (int8_t)(parent >= 0 ? s->p[parent].fd[i] : -1);
	for (int t = ck_ti(q, 0); t < ck_ti(q + 1, 0); t++) {
		memset(&s->t[t], 0, sizeof(s->t[t]));
		s->t[t].alive = 1;
	}
}

/* ACQUIRE, IO_END, and CHECK by a thread that owes a re-take. */
static void ck_lock(struct ck_state *s, struct ck_ctx *c, int d, int t,
		    bool io)
{
	struct ck_thread *T = &s->t[t];
	struct ck_att *a = &T->a[d];
	struct ck_dom *D = &s->d[d];
	uint32_t res;

	if (!a->id)
		return ck_finish(s, t, -ENOENT, 0, 0);
	if (D->holder == t)
		return ck_finish(s, t, -EDEADLK, 0, 0);
	if (a->uring) {
		/* Refused before it waits: does that end a debt? */
		if (a->owes)
			a->owes = MAYBE;
		return ck_finish(s, t, -EALREADY, 0, 0);
	}
	/* Free, and (fifo, ioprio) nobody queues before it. */
	if (D->holder < 0 && (!ck_handoff(D) || !D->nq)) {
		res = ck_grant(s, c, d, t, NULL, io);
		if (T->op == OP_CHECK)
			return ck_finish(s, t, 0, res,
					 ~(uint32_t)KGIL_ACQUIRED_SWITCHED);
		return ck_finish(s, t, 0, res & KGIL_ACQUIRED_OWNER_DEAD, ~0u);
	}
	/*
	 * A wait that ends otherwise than by a signal ends a debt too
	 * (kgil.h, KGIL_FEAT_RESTART).
	 */
	if (T->op_mode == CK_TRY) {
		a->owes = NO;
		return ck_finish(s, t, -EBUSY, 0, 0);
	}
	T->op_dom = (uint8_t)d;
	ck_enqueue(s, c, d, t, false, io);
	if (T->op_mode == CK_TIMEOUT_SHORT) {
		ck_abandon(s, c, d, t, false);
		ck_count(D, C_TIMEOUT, 1, 1);
		a->owes = NO;
		ck_finish(s, t, -ETIMEDOUT, 0, 0);
	}
}

/*
 * newgil with forced switching and a pending request: the releaser
 * clears it and waits until a waiter has taken the lock.
 */
static bool ck_force_switch(struct ck_dom *D)
{
	if (D->pol.policy != KGIL_POLICY_NEWGIL ||
	    !(D->pol.flags & KGIL_POLICY_FORCE_SWITCH) || !D->drop)
		return false;
	D->drop = 0;
	return true;
}

/* RELEASE and IO_BEGIN. */
static void ck_unlock(struct ck_state *s, struct ck_ctx *c, int d, int t,
		      bool io)
{
	struct ck_att *a = &s->t[t].a[d];
	struct ck_dom *D = &s->d[d];
	bool force;
	int n = D->nq;

	if (!a->id)
		return ck_finish(s, t, -ENOENT, 0, 0);
	if (D->holder != t)
		return ck_finish(s, t, -EPERM, 0, 0);
	if (io) {
		ck_count(D, C_IOBEGIN, 1, 1);
		a->in_io = YES;
	}
	force = ck_force_switch(D);
	ck_release(s, c, d, io ? R_IO : R_EXPLICIT);
	if (force && n) {
		ck_take(s, c, d, ck_choose(c, n));
		ck_count(D, C_FORCED, 1, 1);
	}
	ck_finish(s, t, 0, 0, ~0u);
}

static void ck_check(struct ck_state *s, struct ck_ctx *c, int d, int t)
{
	struct ck_thread *T = &s->t[t];
	struct ck_att *a = &T->a[d];
	struct ck_dom *D = &s->d[d];
	bool force;
	int n, k;

	if (!a->id)
		return ck_finish(s, t, -ENOENT, 0, 0);
	if (D->holder != t) {
		if (a->owes == MAYBE)
			a->owes = ck_choose(c, 2) ? YES : NO;
		if (!a->owes)
			return ck_finish(s, t, -EPERM, 0, 0);
		/* Issue 12: it waits to take the lock back. */
		ck_count(D, C_CHECK, 0, 1);
		T->op_owed = 1;
		return ck_lock(s, c, d, t, false);
	}
	ck_count(D, C_CHECK, 1, 1);
	/* legacy always yields; the others when the drop request is up. */
	if (D->pol.policy != KGIL_POLICY_LEGACY && !D->drop)
		return ck_finish(s, t, 0, 0, ~0u);
	force = ck_force_switch(D);
	n = D->nq;
	ck_release(s, c, d, R_CHECK);
	/*
	 * legacy, newgil: a signalled waiter may get in before the releaser
	 * takes it back (with forced switching, one surely does).
	 */
	if (!ck_handoff(D) && n) {
		k = force ? 1 + ck_choose(c, n) : ck_choose(c, n + 1);
		if (k) {
			ck_take(s, c, d, k - 1);
			if (force)
				ck_count(D, C_FORCED, 1, 1);
		}
	}
	if (D->holder < 0)
		return ck_finish(s, t, 0, ck_grant(s, c, d, t, NULL, false), ~0u);
	T->op_dom = (uint8_t)d;
	ck_enqueue(s, c, d, t, false, false);
}

/* The io_uring acquire: the submission's own result, then a CQE. */
static void ck_uring(struct ck_state *s, struct ck_ctx *c, int d, int t,
		     int defect)
{
	struct ck_att *a = &s->t[t].a[d];
	struct ck_dom *D = &s->d[d];
	int32_t res = 0;
	bool io;

	ck_finish(s, t, 1, 0, 0);	/* io_uring_submit(): one SQE */
	if (defect)
		res = -EINVAL;
	else if (!a->id)
		res = -ENOENT;
	else if (D->holder == t)
		res = -EDEADLK;
	else if (a->uring)
		res = -EALREADY;
	if (res) {
		ck_emit(s, t, c->seq, EV_CQE, res);
		return;
	}
	/* After IO_BEGIN it counts as a return from I/O. */
	if (a->in_io == MAYBE)
		a->in_io = ck_choose(c, 2) ? YES : NO;
	io = a->in_io == YES;
	if (D->holder < 0 && !D->nq) {
		res = (int32_t)(ck_grant(s, c, d, t, NULL, io) &
				KGIL_ACQUIRED_OWNER_DEAD);
		ck_emit(s, t, c->seq, EV_CQE, res);
		return;
	}
	a->uring = c->seq;
	ck_enqueue(s, c, d, t, true, io);
}

/* SET_POLICY's checks: the UAPI's own rule, then the ids built. */
static int ck_validate(const struct kgil_policy *p)
{
	if (kgil_policy_invalid(p))
		return -EINVAL;
	/* A BPF policy is chosen by name (SET_POLICY_NAMED), never here. */
	if (p->policy == KGIL_POLICY_BPF)
		return -EINVAL;
	/* Id 5 is retired: well-formed, implemented by no module. */
	if (p->policy > KGIL_POLICY_IOPRIO)
		return -EOPNOTSUPP;
	return 0;
}

static void ck_set_policy(struct ck_state *s, int d, const struct kgil_policy *p)
{
	struct ck_dom *D = &s->d[d];

	D->pol = *p;
	if (p->policy == KGIL_POLICY_LEGACY)
		D->drop = 0;		/* legacy asks nobody to drop */
	if (p->policy != KGIL_POLICY_IOPRIO)
		return;
	/* ioprio starts afresh: a full budget, nobody demoted or priority. */
	D->budget_lo = (int64_t)(p->switch_interval_ns > p->io_boost_ns ?
				 p->switch_interval_ns : p->io_boost_ns);
	for (int t = 0; t < CK_NT; t++) {
		struct ck_att *a = &s->t[t].a[d];

		a->hold_io = a->hold_prio = 0;
		a->demoted = NO;
	}
	for (int i = 0; i < D->nq; i++)
		D->q[i].prio = 0;
}

/* t exits (pthread_exit); its manager joins it and reports the holders. */
static void ck_exit_op(struct ck_state *s, struct ck_ctx *c, int p, int t)
{
	bool held[CK_DOMS];
	struct ck_event *e;

	for (int d = 0; d < CK_DOMS; d++)
		held[d] = s->d[d].holder == t;
	s->t[t].dying = 1;
	ck_settle(s, c);
	e = ck_emit(s, -1, c->seq, EV_JOIN, 0);
	for (int i = 0; e && i < CK_FDS; i++) {
		int d = s->p[p].fd[i];

		if (d < 0)
			continue;
		/*
		 * Released before pthread_join() returns (issue 12); under
		 * legacy and newgil the waiter that takes it may not have run
		 * yet.
		 */
		e->hold[i][0] = e->hold[i][1] = ck_id(s, d, s->d[d].holder);
		if (held[d] && !ck_handoff(&s->d[d]))
			e->hold[i][1] = 0;
	}
	s->t[t].alive = 1;		/* the manager starts a new one */
}

static void ck_kill(struct ck_state *s, struct ck_ctx *c, int p)
{
	for (int t = ck_ti(p, 0); t < ck_ti(p + 1, 0); t++) {
		/* SIGKILL may end a wait before the exit does: an interrupt. */
		if (ck_waits(&s->t[t]))
			ck_count(&s->d[s->t[t].op_dom], C_INTR, 0, 1);
		s->t[t].dying = s->t[t].alive;
	}
	ck_settle(s, c);
	/* Then its descriptors close: nobody of it is attached any more. */
	memset(s->p[p].fd, -1, sizeof(s->p[p].fd));
	s->p[p].alive = 0;
}

/* Apply step st (sequence number c->seq) to s. */
static void ck_apply(struct ck_state *s, const struct ck_step *st,
		     struct ck_ctx *c)
{
	int p = st->p, t = ck_ti(st->p, st->t);
	int d = s->p[p].fd[st->s], old;
	struct ck_thread *T = &s->t[t];

	ck_timers(s, c);
	if (st->op >= OP_ATTACH && st->op <= OP_URING) {
		T->op = st->op;
		T->op_seq = c->seq;
		T->op_slot = st->s;
		T->op_mode = st->op == OP_CHECK ? CK_BLOCK : st->arg;
		T->op_owed = T->op_restarted = 0;
	}
	switch (st->op) {
	case OP_SPAWN:
		ck_proc_new(s, st->q, -1);
		break;
	case OP_FORK:
		ck_emit(s, -1, c->seq, EV_DONE, CK_RET_POS);
		ck_proc_new(s, st->q, p);
		break;
	case OP_KILL:
		ck_kill(s, c, p);
		break;
	case OP_EXIT:
		ck_exit_op(s, c, p, t);
		break;
	case OP_STOPCONT:
		for (t = ck_ti(p, 0); t < ck_ti(p + 1, 0); t++)
			if (ck_waits(&s->t[t]))
				ck_restart(s, c, t, 1, 1);
		break;
	case OP_SIGNAL:
		/* A handler runs: the wait ends, SA_RESTART or not. */
		if (!ck_waits(T))
			break;
		ck_abandon(s, c, T->op_dom, t, false);
		ck_count(&s->d[T->op_dom], C_INTR, 1, 1);
		if (T->op == OP_CHECK)
			T->a[T->op_dom].owes = YES;
		ck_finish(s, t, -EINTR, 0, 0);
		break;
	case OP_OPEN:
		d = ck_free_dom(s);
		ck_dom_init(&s->d[d]);
		s->p[p].fd[st->s] = (int8_t)d;
		ck_emit(s, -1, c->seq, EV_DONE, CK_RET_POS);
		break;
	case OP_CLOSE:
		s->p[p].fd[st->s] = -1;
		ck_emit(s, -1, c->seq, EV_DONE, 0);
		if (!ck_proc_refs(s, p, d))
			ck_proc_close(s, c, p, d);
		break;
	case OP_DUP:			/* dup, or dup2 over a used slot */
		old = s->p[p].fd[st->s2];
		s->p[p].fd[st->s2] = (int8_t)d;
		ck_emit(s, -1, c->seq, EV_DONE, CK_RET_POS);
		if (old >= 0 && !ck_proc_refs(s, p, old))
			ck_proc_close(s, c, p, old);
		break;
	case OP_ATTACH:
		if (T->a[d].id)
			ck_finish(s, t, -EEXIST, 0, 0);
		else {
			memset(&T->a[d], 0, sizeof(T->a[d]));
			T->a[d].id = ++s->d[d].next_id;
			s->d[d].nr_threads++;
			ck_finish(s, t, (int32_t)T->a[d].id, 0, 0);
		}
		break;
	case OP_DETACH:
		if (!T->a[d].id) {
			ck_finish(s, t, -ENOENT, 0, 0);
			break;
		}
		ck_detach(s, c, d, t, R_DETACH);
		ck_finish(s, t, 0, 0, 0);
		break;
	case OP_ACQUIRE:
	case OP_IO_END:
		ck_lock(s, c, d, t, st->op == OP_IO_END);
		break;
	case OP_RELEASE:
	case OP_IO_BEGIN:
		ck_unlock(s, c, d, t, st->op == OP_IO_BEGIN);
		break;
	case OP_CHECK:
		ck_check(s, c, d, t);
		break;
	case OP_URING:
		ck_uring(s, c, d, t, st->arg);
		break;
	case OP_POLICY: {
		int ret = ck_validate(&st->pol);

		ck_emit(s, -1, c->seq, EV_DONE, ret);
		if (!ret)
			ck_set_policy(s, d, &st->pol);
		break;
	}
	case OP_MMAP:			/* the driver's checks, all as specified */
		ck_emit(s, -1, c->seq, EV_DONE, 0);
		break;
	}
	ck_settle(s, c);
	ck_timers(s, c);
	/* A domain no process holds any more is gone for good. */
	for (d = 0; d < CK_DOMS; d++) {
		bool used = false;

		for (p = 0; p < CK_PROCS; p++)
			used |= s->p[p].alive && ck_proc_refs(s, p, d);
		if (!s->d[d].live || used)
			continue;
		memset(&s->d[d], 0, sizeof(s->d[d]));
		for (t = 0; t < CK_NT; t++)
			memset(&s->t[t].a[d], 0, sizeof(s->t[t].a[d]));
	}
}

#endif /* KGIL_CHECK_MODEL_H */
