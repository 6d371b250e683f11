// SPDX-License-Identifier: GPL-2.0
/*
 * kgil-check: a differential checker.  Random sequences of operations run
 * against the module and against a reference model of the UAPI
 * (check_model.h), step by step, and every result is compared: each
 * call's return value, errno, result bits and timeout_ns, every io_uring
 * completion, the shared page and STATS of every domain, GET_POLICY.
 *
 *   kgil-check [--steps N] [--seconds T] [--seed S] [--replay FILE]
 *              [--episode N] [--intervals long|short|mixed] [--ops LIST]
 *              [--policies LIST] [--settle-ms M] [--shrink-seconds T]
 *              [--max-divergences N] [--save DIR] [--dry] [-v]
 *
 * The world (check_proc.h): up to CK_PROCS processes, each a manager and
 * CK_THREADS workers, CK_FDS descriptor slots, domains shared through
 * fork and dup.  A run is a series of episodes of --episode steps, each
 * from a fresh world; the steps are drawn from the seed and the model's
 * state (only steps the state allows: a blocked worker gets no command).
 *
 * A step: the model gives every state it allows next, with the events
 * each one expects (ck_successors()); the driver makes the step for real,
 * waits until the events match one of those states and nothing more
 * arrives for --settle-ms (a call that has not returned by then is
 * blocked, which the model must allow), reads every domain's page, STATS
 * and policy, and keeps the states that agree.  None left: a divergence.
 * It is printed, then shrunk — steps and chunks of steps are dropped
 * while the same divergence stays, each candidate run from scratch — and
 * the shortest sequence is printed in the form --replay reads: one step
 * a line, "OP p=P t=T s=S s2=S2 q=Q arg=A" (keys left out are 0; a policy
 * step adds pol= flags= ci= si= ib= spin=), '#' starts a comment, and a
 * step the state does not allow is skipped.  tests/stress/check-replays/
 * holds one for each rule of issue 12.
 *
 * Time: policy timers are only ever allowed, never required, and with
 * --intervals long (10 s switch intervals, the maximum) they do not fire
 * within a step; short intervals are for the timer-driven paths.
 *
 * Exit status: 0 no divergence, 1 a divergence, 2 usage or set-up
 * failure, 4 the watchdog ended a hung run.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include "args.h"
#include "clock.h"
#include "check_model.h"
#include "check_proc.h"
#include "raw.h"
#include "rng.h"

#define MAX_CAND	512		/* candidate states kept at once */
#define MAX_EP		1000		/* steps per episode */
#define MAX_OBS		256
#define STEP_MAX_NS	5000000000ULL	/* no step takes longer */
#define WAIT_NS		2000000000ULL	/* for events the model expects */
#define REPLY_NS	5000000000ULL	/* for a process to start */
#define PAGE		4096

static const char *const op_names[OP__N] = {
	"none", "spawn", "fork", "kill", "exit", "stopcont", "signal", "open",
	"close", "dup", "attach", "detach", "acquire", "release", "check",
	"io_begin", "io_end", "uring", "policy", "mmap",
};
static const char *const ev_names[] = { "?", "DONE", "CQE", "JOIN", "READY" };
static const char *const counter_names[CK_NC] = {
	"acquisitions", "releases", "handoffs", "drop_requests",
	"forced_switches", "owner_deaths", "checks", "io_begins", "timeouts",
	"interrupts",
};
/*
 * More bits of --ops, for what issue 12 changed, so that a run can leave
 * it out: defective SQEs, signals into long timed waits (the time left),
 * CHECKs that owe a re-take, closing a domain the process holds and
 * waits on, waits while an io_uring acquire of the thread is pending
 * (its completion's task work), closing the descriptor a blocked call
 * was made on while the process keeps the domain (a restart, which
 * looks the descriptor up again, then fails with -EBADF).
 */
enum { OPT_URINGBAD = OP__N, OPT_TIMED, OPT_DEBT, OPT_SHAPE, OPT_TASKWORK,
       OPT_FDREUSE, OPT__N };
#define OPS_ALL		(((1u << OPT__N) - 1) & ~1u)

static struct {
	uint64_t steps, seconds, seed, episode, settle_ms, shrink_seconds;
	uint64_t max_div;
	bool verbose, dry;
	int intervals;			/* 0 mixed, 1 long, 2 short */
	uint32_t ops;			/* 1 << op, 1 << OPT_* */
	uint32_t policies;		/* 1 << policy id */
	const char *replay, *save;
} opt = {
	.episode = 200, .settle_ms = 15, .shrink_seconds = 60, .max_div = 8,
};

/* ---- the candidate states ------------------------------------------ */

struct cset {
	int n;
	bool capped;
	struct ck_state v[MAX_CAND];
	uint64_t h[MAX_CAND];
};

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

static void cset_add(struct cset *cs, const struct ck_state *s)
{
	uint64_t h = fnv(s, sizeof(*s), 0xcbf29ce484222325ull);

	for (int i = 0; i < cs->n; i++)
		if (cs->h[i] == h && !memcmp(&cs->v[i], s, sizeof(*s)))
			return;
	if (cs->n == MAX_CAND) {
		cs->capped = true;
		return;
	}
	memcpy(&cs->v[cs->n], s, sizeof(*s));
	cs->h[cs->n++] = h;
}

/* Every state step st allows from every state of in (see ck_choose()). */
static void ck_successors(const struct cset *in, const struct ck_step *st,
			  const struct ck_ctx *base, struct cset *out)
{
	static struct ck_state tmp;

	out->n = 0;
	out->capped = false;
	for (int i = 0; i < in->n; i++) {
		struct ck_ctx c = *base;
		int leaves = 0;

		c.len = 0;
		for (;;) {
			int k;

			c.pos = 0;
			memcpy(&tmp, &in->v[i], sizeof(tmp));
			ck_apply(&tmp, st, &c);
			cset_add(out, &tmp);
			/* The next path: bump the last choice that has room. */
			for (k = c.pos - 1; k >= 0 && c.path[k] + 1 >= c.width[k]; k--)
				;
			if (k < 0 || ++leaves >= 8 * MAX_CAND)
				break;
			c.path[k]++;
			c.len = k + 1;
		}
		out->capped |= c.overflow;
	}
}

/* ---- the real world ------------------------------------------------ */

struct obs_ev {
	struct ck_wev e;
	bool used;
};

struct obs_dom {
	bool ok;
	struct kgil_shared page;
	struct kgil_stats st;
	struct kgil_policy pol;
};

static struct run {
	/* real */
	int pidfd[CK_PROCS];
	pid_t pid[CK_PROCS];
	int ctl_fd[CK_DOMS];		/* the driver's own descriptor */
	const volatile struct kgil_shared *page[CK_DOMS];
	uint32_t tail[CK_PROCS][CK_SLOTS];
	uint32_t seq;
	int nobs;
	struct obs_ev obs[MAX_OBS];
	struct obs_dom od[CK_DOMS];
	/* model */
	struct cset cur, pre, next;
	/* shrinking: less patience with a divergence that is known */
	bool shrinking;
	char note[256];			/* what the driver saw for itself */
	/* figures, of the runs that count (not the shrinking) */
	bool counting;
	uint64_t steps, episodes, max_cand, capped;
	struct {
		uint64_t blocked, ebadf, eintr, timedout, owner_dead, granted,
			 cqes, close_shape, debts, restarts, taskwork;
		uint64_t made[OP__N];
	} cov;
} R;

/* Distinct abstract states reached (see abstract()), an open hash set. */
#define SEEN_BITS 18
static uint64_t *seen;
static uint64_t nr_seen;

static uint64_t ns_now(void)
{
	return now_ns();
}

static void collect(void)
{
	for (int p = 0; p < CK_PROCS; p++)
		for (int k = 0; k < CK_SLOTS; k++) {
			struct ck_slot *sl = &ck_shm->slot[p][k];
			uint32_t h = atomic_load_explicit(&sl->head,
							  memory_order_acquire);

			for (; R.tail[p][k] != h; R.tail[p][k]++) {
				if (R.nobs == MAX_OBS)
					continue;
				R.obs[R.nobs].e = sl->ev[R.tail[p][k] % CK_RING];
				R.obs[R.nobs++].used = false;
			}
		}
}

/* Wait up to ns for any new event. */
static void wait_events(uint64_t ns)
{
	uint32_t v = atomic_load(&ck_shm->events);
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	collect();
	ck_futex(&ck_shm->events, FUTEX_WAIT, v, &ts);
	collect();
}

static struct obs_ev *find_obs(uint32_t seq, int kind)
{
	for (int i = 0; i < R.nobs; i++)
		if (R.obs[i].e.seq == seq && R.obs[i].e.kind == kind)
			return &R.obs[i];
	return NULL;
}

/* Wait for one event; false when it did not come. */
static bool await(uint32_t seq, int kind, uint64_t ns)
{
	uint64_t end = ns_now() + ns;

	collect();
	while (!find_obs(seq, kind) && ns_now() < end)
		wait_events(10000000);
	return find_obs(seq, kind);
}

static void local_event(uint32_t seq, int32_t ret)
{
	if (R.nobs < MAX_OBS)
		R.obs[R.nobs++] = (struct obs_ev){
			.e = { .seq = seq, .kind = EV_DONE, .ret = ret } };
}

static void command(int p, int slot, const struct ck_step *st, uint32_t seq)
{
	struct ck_slot *sl = &ck_shm->slot[p][slot];

	sl->cmd.seq = seq;
	sl->cmd.st = *st;
	atomic_fetch_add_explicit(&sl->cmd_seq, 1, memory_order_release);
	ck_ring_bell(p, slot);
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Wait until the process of pidfd is gone (all threads past exit). */
static bool pidfd_wait(int pidfd, int ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

static void forget_proc(int p)
{
	if (R.pidfd[p] >= 0)
		close(R.pidfd[p]);
	R.pidfd[p] = -1;
	R.pid[p] = 0;
}

static void drop_dom(int d)
{
	if (R.page[d])
		munmap((void *)R.page[d], PAGE);
	if (R.ctl_fd[d] >= 0)
		close(R.ctl_fd[d]);
	R.page[d] = NULL;
	R.ctl_fd[d] = -1;
}

/* A new process in slot q: from the driver (SPAWN) or a manager (FORK). */
static bool proc_started(int q, uint32_t seq)
{
	if (!await(seq, EV_READY, REPLY_NS))
		return false;
	R.pid[q] = atomic_load(&ck_shm->pid[q]);
	R.pidfd[q] = pidfd_open_(R.pid[q]);
	return R.pidfd[q] >= 0;
}

static bool spawn(int q, uint32_t seq)
{
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (!pid) {
		/* Not a sharer of the driver's domains, nor of its pidfds. */
		for (int d = 0; d < CK_DOMS; d++)
			drop_dom(d);
		for (int p = 0; p < CK_PROCS; p++)
			if (R.pidfd[p] >= 0)
				close(R.pidfd[p]);
		ck_me.q = q;
		memset(ck_me.fd, -1, sizeof(ck_me.fd));
		ck_proc_main(seq);
	}
	return proc_started(q, seq);
}

/* 'T' for every thread of pid (want), or for none. */
static bool stopped(pid_t pid, bool want)
{
	char path[320], buf[512];
	struct dirent *de;
	bool all = true, none = true;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return !want;
	while ((de = readdir(dir))) {
		FILE *f;
		char *p;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')'))) {
			bool t = p[2] == 'T' || p[2] == 't';

			all &= t;
			none &= !t;
		}
		fclose(f);
	}
	closedir(dir);
	return want ? all : none;
}

static void stop_cont(int p)
{
	uint64_t end;

	pidfd_signal(R.pidfd[p], SIGSTOP);
	for (end = ns_now() + 3000000000ull; !stopped(R.pid[p], true) &&
	     ns_now() < end;)
		usleep(1000);
	pidfd_signal(R.pidfd[p], SIGCONT);
	for (end = ns_now() + 3000000000ull; !stopped(R.pid[p], false) &&
	     ns_now() < end;)
		usleep(1000);
}

/*
 * The mapping rules (issue 12): read-only, not executable, one page at
 * offset 0, and a page zapped by MADV_DONTNEED comes back.  A bit per
 * rule broken; the madvise probe runs in a child, as the unfixed module
 * kills the reader with SIGBUS.
 */
static int mmap_checks(int fd)
{
	int bad = 0, pidfd;
	void *m;
	pid_t pid;

#define EXPECT_FAIL(bit, call, err)					\
	do {								\
		m = (call);						\
		if (m != MAP_FAILED) {					\
			munmap(m, PAGE);				\
			bad |= (bit);					\
		} else if (errno != (err)) {				\
			bad |= (bit);					\
		}							\
	} while (0)

	EXPECT_FAIL(1, mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EPERM);
	EXPECT_FAIL(2, mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0), EPERM);
	EXPECT_FAIL(4, mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	EXPECT_FAIL(4, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE), EINVAL);
#undef EXPECT_FAIL
	m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return bad | 8;
	if (!mprotect(m, PAGE, PROT_READ | PROT_WRITE) || errno != EACCES)
		bad |= 16;
	if (!mprotect(m, PAGE, PROT_READ | PROT_EXEC) || errno != EACCES)
		bad |= 32;
	munmap(m, PAGE);

	atomic_store(&ck_shm->probe, 0);
	pid = fork();
	if (!pid) {
		volatile struct kgil_shared *sh;
		uint64_t id;

		sh = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (sh == MAP_FAILED)
			_exit(0);
		id = sh->domain_id;
		madvise((void *)sh, PAGE, MADV_DONTNEED);
		atomic_store(&ck_shm->probe, id && sh->domain_id == id ? 1 : 2);
		_exit(0);
	}
	pidfd = pidfd_open_(pid);
	if (pidfd >= 0) {
		pidfd_wait(pidfd, 3000);
		close(pidfd);
	}
	if (atomic_load(&ck_shm->probe) != 1)
		bad |= 64;
	for (int i = 0; i < 7; i++)
		if (bad & (1 << i))
			snprintf(R.note + strlen(R.note), sizeof(R.note) - strlen(R.note),
				 "%s%s", R.note[0] ? ", " : "mmap rules broken: ",
				 (const char *const[]){ "PROT_WRITE mapped",
				 "PROT_EXEC mapped", "wrong size or offset mapped",
				 "read-only mapping refused", "mprotect(PROT_WRITE) allowed",
				 "mprotect(PROT_EXEC) allowed",
				 "no page after MADV_DONTNEED (SIGBUS)" }[i]);
	return bad;
}

/* Make step st happen; s is the model's state before it. */
static void real_step(const struct ck_step *st, uint32_t seq,
		      const struct ck_state *s)
{
	int p = st->p, d = st->op == OP_OPEN ? ck_free_dom(s) : s->p[p].fd[st->s];
	struct obs_ev *o;

	switch (st->op) {
	case OP_SPAWN:
		if (!spawn(st->q, seq))
			local_event(seq, -EIO);	/* no such event expected */
		break;
	case OP_FORK:
		command(p, CK_MGR, st, seq);
		if (await(seq, EV_DONE, REPLY_NS) && find_obs(seq, EV_DONE)->e.ret > 0)
			proc_started(st->q, seq);
		break;
	case OP_KILL:
		pidfd_signal(R.pidfd[p], SIGKILL);
		pidfd_wait(R.pidfd[p], 5000);
		forget_proc(p);
		break;
	case OP_STOPCONT:
		stop_cont(p);
		break;
	case OP_SIGNAL:
		syscall(SYS_tgkill, R.pid[p],
			atomic_load(&ck_shm->slot[p][st->t].tid),
			st->arg ? SIGUSR2 : SIGUSR1);
		break;
	case OP_OPEN:
		command(p, CK_MGR, st, seq);
		if (!await(seq, EV_DONE, REPLY_NS))
			break;
		o = find_obs(seq, EV_DONE);
		if (o->e.ret < 0 || d < 0)
			break;
		/* The driver's own descriptor: STATS and the page from here. */
		R.ctl_fd[d] = (int)syscall(SYS_pidfd_getfd, R.pidfd[p], o->e.ret, 0);
		if (R.ctl_fd[d] >= 0)
			R.page[d] = mmap(NULL, PAGE, PROT_READ, MAP_SHARED,
					 R.ctl_fd[d], 0);
		if (R.page[d] == MAP_FAILED)
			R.page[d] = NULL;
		break;
	case OP_CLOSE:
	case OP_DUP:
	case OP_EXIT:
		command(p, CK_MGR, st, seq);
		break;
	case OP_POLICY:
		local_event(seq, raw_set_policy(R.ctl_fd[d], &st->pol));
		break;
	case OP_MMAP:
		local_event(seq, mmap_checks(R.ctl_fd[d]));
		break;
	default:
		command(p, st->t, st, seq);
	}
}

static void observe(void)
{
	for (int d = 0; d < CK_DOMS; d++) {
		struct obs_dom *od = &R.od[d];

		memset(od, 0, sizeof(*od));
		if (R.ctl_fd[d] < 0 || !R.page[d])
			continue;
		memcpy(&od->page, (const void *)R.page[d], sizeof(od->page));
		od->ok = !raw_stats(R.ctl_fd[d], KGIL_STATS_DOMAIN, 0, &od->st) &&
			 !raw_ioctl(R.ctl_fd[d], KGIL_IOC_GET_POLICY, &od->pol);
	}
}

/* ---- comparing ------------------------------------------------------ */

struct why {
	char kind[64];
	char text[512];
};

static uint64_t counter(const struct kgil_counters *c, int k)
{
	const uint64_t v[CK_NC] = {
		c->acquisitions, c->releases, c->handoffs, c->drop_requests,
		c->forced_switches, c->owner_deaths, c->checks, c->io_begins,
		c->timeouts, c->interrupts,
	};

	return v[k];
}

#define MISMATCH(w, k, ...)						\
	do {								\
		snprintf((w)->kind, sizeof((w)->kind), "%s", k);	\
		snprintf((w)->text, sizeof((w)->text), __VA_ARGS__);	\
		return false;						\
	} while (0)

static bool event_ok(const struct ck_event *m, const struct ck_wev *e,
		     struct why *w)
{
	const char *k = ev_names[m->kind];

	if (m->ret == CK_RET_POS ? e->ret < 0 : e->ret != m->ret)
		MISMATCH(w, m->kind == EV_CQE ? "CQE res" : "return value",
			 "%s of step %u: returned %d (%s), expected %s%d", k,
			 m->seq, e->ret, e->ret < 0 ? strerror(-e->ret) : "-",
			 m->ret == CK_RET_POS ? ">= 0, not " : "",
			 m->ret == CK_RET_POS ? e->ret : m->ret);
	if ((e->result & m->res_mask) != (m->res & m->res_mask))
		MISMATCH(w, "result bits", "%s of step %u: result %#x, expected %#x",
			 k, m->seq, e->result, m->res & m->res_mask);
	if ((m->to_rule == TO_ZERO && e->timeout_ns) ||
	    (m->to_rule == TO_LE && e->timeout_ns > m->to_in) ||
	    (m->to_rule == TO_LT && e->timeout_ns >= m->to_in))
		MISMATCH(w, "timeout_ns", "%s of step %u: timeout_ns %" PRIu64
			 " back for %" PRIu64 " passed (%s)", k, m->seq,
			 e->timeout_ns, m->to_in,
			 m->to_rule == TO_LT ? "an interrupted wait must give the time left" :
			 "must not grow");
	for (int i = 0; m->kind == EV_JOIN && i < CK_FDS; i++) {
		char alt[16] = "";

		if (m->hold[i][1] != m->hold[i][0])
			snprintf(alt, sizeof(alt), " or %u", m->hold[i][1]);
		if (e->hold[i] != m->hold[i][0] && e->hold[i] != m->hold[i][1])
			MISMATCH(w, "holder after join",
				 "slot %d: holder_id %u right after pthread_join(), "
				 "expected %u%s", i, e->hold[i], m->hold[i][0], alt);
	}
	return true;
}

static bool dom_ok(const struct ck_state *s, int d, struct why *w)
{
	const struct ck_dom *D = &s->d[d];
	const struct obs_dom *od = &R.od[d];
	const struct kgil_shared *pg = &od->page;
	uint32_t hid = ck_id(s, d, D->holder);

	if (!od->ok)
		MISMATCH(w, "domain", "domain %d: no descriptor, page or STATS", d);
#define FIELD(name, got, want)						\
	do {								\
		if ((uint64_t)(got) != (uint64_t)(want))		\
			MISMATCH(w, name, "domain %d: %s %" PRIu64	\
				 ", expected %" PRIu64, d, name,	\
				 (uint64_t)(got), (uint64_t)(want));	\
	} while (0)
	FIELD("page.holder_id", pg->holder_id, hid);
	FIELD("stats.holder_id", od->st.holder_id, hid);
	FIELD("stats.nr_threads", od->st.nr_threads, D->nr_threads);
	FIELD("page.nr_waiting", pg->nr_waiting, D->nq);
	FIELD("page.drop_request", pg->drop_request, D->drop);
	FIELD("page.switch_number", pg->switch_number, D->switch_nr);
	FIELD("page.policy", pg->policy, D->pol.policy);
	FIELD("page.check_interval", pg->check_interval, D->pol.check_interval);
	FIELD("page.switch_interval_ns", pg->switch_interval_ns,
	      D->pol.switch_interval_ns);
	FIELD("policy.policy", od->pol.policy, D->pol.policy);
	FIELD("policy.flags", od->pol.flags, D->pol.flags);
	FIELD("policy.io_boost_ns", od->pol.io_boost_ns, D->pol.io_boost_ns);
	FIELD("policy.spin_ns", od->pol.spin_ns, D->pol.spin_ns);
#undef FIELD
	for (int k = 0; k < CK_NC; k++) {
		uint64_t v = counter(&od->st.c, k);
		char range[32] = "";

		if (D->hi[k] != D->lo[k])
			snprintf(range, sizeof(range), " to %" PRIu64, D->hi[k]);
		if (v < D->lo[k] || v > D->hi[k])
			MISMATCH(w, counter_names[k], "domain %d: %s %" PRIu64
				 ", expected %" PRIu64 "%s", d, counter_names[k], v,
				 D->lo[k], range);
	}
	return true;
}

/* Does state s agree with everything observed?  w says where not. */
static bool agrees(const struct ck_state *s, struct why *w)
{
	for (int i = 0; i < R.nobs; i++)
		R.obs[i].used = R.obs[i].e.kind == EV_READY;
	for (int i = 0; i < s->nev; i++) {
		const struct ck_event *m = &s->ev[i];
		struct obs_ev *o;

		if (m->held)
			continue;
		o = find_obs(m->seq, m->kind);
		if (!o)
			MISMATCH(w, m->kind == EV_CQE ? "missing CQE" : "blocked",
				 "no %s of step %u (expected %d): %s", ev_names[m->kind],
				 m->seq, m->ret == CK_RET_POS ? 0 : m->ret,
				 m->kind == EV_CQE ? "the io_uring acquire is still pending" :
				 "the call did not return");
		o->used = true;
		if (!event_ok(m, &o->e, w))
			return false;
	}
	for (int i = 0; i < R.nobs; i++)
		if (!R.obs[i].used)
			MISMATCH(w, R.obs[i].e.kind == EV_CQE ? "unexpected CQE" :
				 "returned", "unexpected %s of step %u: %d (%s)",
				 ev_names[R.obs[i].e.kind], R.obs[i].e.seq,
				 R.obs[i].e.ret, R.obs[i].e.ret < 0 ?
				 strerror(-R.obs[i].e.ret) : "-");
	for (int d = 0; d < CK_DOMS; d++)
		if (s->d[d].live && !dom_ok(s, d, w))
			return false;
	return true;
}

/* Could the observed events be complete for some state of cs? */
static bool events_settled(const struct cset *cs)
{
	int nobs = 0;

	for (int i = 0; i < R.nobs; i++)
		nobs += R.obs[i].e.kind != EV_READY;
	for (int k = 0; k < cs->n; k++) {
		const struct ck_state *s = &cs->v[k];
		int n = 0;
		bool all = true;

		for (int i = 0; i < s->nev && all; i++)
			if (!s->ev[i].held) {
				n++;
				all = find_obs(s->ev[i].seq, s->ev[i].kind);
			}
		if (all && n == nobs)
			return true;
	}
	return false;
}

/* Drop the events whose seq was cleared. */
static void filter_events(struct ck_state *s)
{
	int m = 0;

	for (int j = 0; j < s->nev; j++)
		if (s->ev[j].seq)
			s->ev[m++] = s->ev[j];
	memset(&s->ev[m], 0, (size_t)(s->nev - m) * sizeof(s->ev[0]));
	s->nev = (uint8_t)m;
}

/* Keep what agrees; counters are now known exactly, events consumed. */
static int filter(struct cset *cs, struct why *w)
{
	int n = 0;

	for (int i = 0; i < cs->n; i++) {
		struct ck_state *s = &cs->v[i];
		struct why tmp;

		if (!agrees(s, i ? &tmp : w)) {
			/* Say also what is wrong with the domains. */
			for (int d = 0; !i && d < CK_DOMS; d++)
				if (s->d[d].live && !dom_ok(s, d, &tmp) &&
				    !strstr(w->text, tmp.text))
					snprintf(w->text + strlen(w->text),
						 sizeof(w->text) - strlen(w->text),
						 "; and %.200s", tmp.text);
			continue;
		}
		for (int d = 0; d < CK_DOMS; d++)
			for (int k = 0; s->d[d].live && k < CK_NC; k++)
				s->d[d].lo[k] = s->d[d].hi[k] =
					counter(&R.od[d].st.c, k);
		/* Seen: forget them; a CQE still held is still to come. */
		for (int j = 0; j < s->nev; j++)
			if (!s->ev[j].held)
				s->ev[j].seq = 0;
		filter_events(s);
		if (n != i)
			memcpy(&cs->v[n], s, sizeof(*s));
		n++;
	}
	/* Identical now that the counters are pinned: keep one of each. */
	{
		static struct cset tmp;

		tmp.n = 0;
		for (int i = 0; i < n; i++)
			cset_add(&tmp, &cs->v[i]);
		memcpy(cs->v, tmp.v, (size_t)tmp.n * sizeof(cs->v[0]));
		memcpy(cs->h, tmp.h, (size_t)tmp.n * sizeof(cs->h[0]));
		cs->n = tmp.n;
	}
	return cs->n;
}

/* An abstraction of a state, for the count of distinct states reached. */
static uint64_t abstract(const struct ck_state *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (int d = 0; d < CK_DOMS; d++) {
		const struct ck_dom *D = &s->d[d];
		uint8_t v[8] = {
			D->live, (uint8_t)D->pol.policy,
			(uint8_t)(D->pol.flags | (D->pol.spin_ns ? 2 : 0)),
			D->holder >= 0, D->nq < 4 ? D->nq : 4, D->drop,
			D->owner_dead, (uint8_t)(D->nr_threads < 6 ? D->nr_threads : 6),
		};

		h = fnv(v, sizeof(v), h);
	}
	for (int t = 0; t < CK_NT; t++) {
		const struct ck_thread *T = &s->t[t];
		uint8_t v[4] = { T->alive, T->op, 0, 0 };

		for (int d = 0; d < CK_DOMS; d++) {
			v[2] += T->a[d].id != 0;
			v[3] |= (uint8_t)((T->a[d].uring ? 1 : 0) |
					  (T->a[d].owes ? 2 : 0));
		}
		h = fnv(v, sizeof(v), h);
	}
	return h;
}

static void seen_add(uint64_t h)
{
	size_t mask = ((size_t)1 << SEEN_BITS) - 1, i = h & mask;

	h |= 1;
	while (seen[i] && seen[i] != h)
		i = (i + 1) & mask;
	if (!seen[i] && nr_seen < mask / 2) {
		seen[i] = h;
		nr_seen++;
	}
}

/* ---- steps as text --------------------------------------------------- */

static void step_text(const struct ck_step *st, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s p=%u t=%u s=%u s2=%u q=%u arg=%u",
			 op_names[st->op], st->p, st->t, st->s, st->s2, st->q,
			 st->arg);

	if (st->op == OP_POLICY && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " pol=%u flags=%u ci=%u si=%" PRIu64
			 " ib=%" PRIu64 " spin=%" PRIu64, st->pol.policy,
			 st->pol.flags, st->pol.check_interval,
			 (uint64_t)st->pol.switch_interval_ns,
			 (uint64_t)st->pol.io_boost_ns, (uint64_t)st->pol.spin_ns);
}

static bool step_parse(const char *line, struct ck_step *st)
{
	char name[16], key[16];
	unsigned long long v;
	int n, op;

	memset(st, 0, sizeof(*st));
	if (sscanf(line, "%15s%n", name, &n) != 1)
		return false;
	for (op = 1; op < OP__N && strcmp(name, op_names[op]); op++)
		;
	if (op == OP__N)
		return false;
	st->op = (uint8_t)op;
	line += n;
	while (sscanf(line, " %15[a-z0-9]=%llu%n", key, &v, &n) == 2) {
		line += n;
		if (!strcmp(key, "p")) st->p = (uint8_t)v;
		else if (!strcmp(key, "t")) st->t = (uint8_t)v;
		else if (!strcmp(key, "s")) st->s = (uint8_t)v;
		else if (!strcmp(key, "s2")) st->s2 = (uint8_t)v;
		else if (!strcmp(key, "q")) st->q = (uint8_t)v;
		else if (!strcmp(key, "arg")) st->arg = (uint8_t)v;
		else if (!strcmp(key, "pol")) st->pol.policy = (uint32_t)v;
		else if (!strcmp(key, "flags")) st->pol.flags = (uint32_t)v;
		else if (!strcmp(key, "ci")) st->pol.check_interval = (uint32_t)v;
		else if (!strcmp(key, "si")) st->pol.switch_interval_ns = v;
		else if (!strcmp(key, "ib")) st->pol.io_boost_ns = v;
		else if (!strcmp(key, "spin")) st->pol.spin_ns = v;
		else
			return false;
	}
	return st->p < CK_PROCS && st->t < CK_THREADS && st->s < CK_FDS &&
	       st->s2 < CK_FDS && st->q < CK_PROCS && st->arg < 4;
}

/* May step st be made in state s?  (Replays skip the steps that may not.) */
static bool step_valid(const struct ck_state *s, const struct ck_step *st)
{
	const struct ck_proc *P = &s->p[st->p];
	const struct ck_thread *T = &s->t[ck_ti(st->p, st->t)];
	int d = P->fd[st->s];

	switch (st->op) {
	case OP_SPAWN:
		return !s->p[st->q].alive;
	case OP_FORK:
		return P->alive && !s->p[st->q].alive;
	case OP_KILL:
	case OP_STOPCONT:
		return P->alive;
	case OP_SIGNAL:
		return P->alive && T->alive;
	case OP_EXIT:
		return P->alive && T->alive && !T->op;
	case OP_OPEN:
		return P->alive && d < 0 && ck_free_dom(s) >= 0;
	case OP_DUP:
		return P->alive && d >= 0 && st->s2 != st->s;
	case OP_CLOSE:
	case OP_POLICY:
	case OP_MMAP:
		return P->alive && d >= 0;
	}
	if (!P->alive || !T->alive || T->op || d < 0)
		return false;
	/* Left open by the texts: a debt CHECK beside a pending acquire. */
	if (st->op == OP_CHECK && T->a[d].owes && T->a[d].uring)
		return false;
	/* A defective SQE from a thread that could otherwise start one. */
	if (st->op == OP_URING && st->arg)
		return T->a[d].id && s->d[d].holder != ck_ti(st->p, st->t) &&
		       !T->a[d].uring;
	return true;
}

/* ---- the generator --------------------------------------------------- */

struct gen {
	struct rng rng;
	bool short_mode;
};

static int below(struct gen *g, int n)
{
	return n > 0 ? (int)rng_below(&g->rng, (uint64_t)n) : 0;
}

static const uint8_t gen_weights[OP__N] = {
	[OP_SPAWN] = 1, [OP_FORK] = 2, [OP_KILL] = 1, [OP_EXIT] = 2,
	[OP_STOPCONT] = 3, [OP_SIGNAL] = 6, [OP_OPEN] = 2, [OP_CLOSE] = 3,
	[OP_DUP] = 2, [OP_ATTACH] = 8, [OP_DETACH] = 2, [OP_ACQUIRE] = 16,
	[OP_RELEASE] = 10, [OP_CHECK] = 10, [OP_IO_BEGIN] = 5, [OP_IO_END] = 7,
	[OP_URING] = 6, [OP_POLICY] = 3, [OP_MMAP] = 1,
};

static void gen_policy(struct gen *g, struct kgil_policy *p)
{
	uint32_t ids[4];
	int n = 0;

	for (uint32_t id = KGIL_POLICY_LEGACY; id <= KGIL_POLICY_IOPRIO; id++)
		if (opt.policies & (1u << id))
			ids[n++] = id;
	memset(p, 0, sizeof(*p));
	p->policy = ids[below(g, n)];
	p->flags = (p->policy == KGIL_POLICY_NEWGIL ? below(g, 2) : !below(g, 10)) ?
		   KGIL_POLICY_FORCE_SWITCH : 0;
	p->check_interval = 1 + (uint32_t)below(g, 1000);
	p->switch_interval_ns = g->short_mode ?
		1000000ull + (uint64_t)below(g, 20) * 1000000ull :
		KGIL_MAX_SWITCH_INTERVAL_NS;
	/* A tiny boost: every burst demotes, so ioprio stays predictable. */
	p->io_boost_ns = g->short_mode && below(g, 2) ? 2000000ull :
			 KGIL_MIN_IO_BOOST_NS;
	p->spin_ns = below(g, 2) ? KGIL_DEFAULT_SPIN_NS : 0;
	if (!below(g, 25)) {			/* refused, changing nothing */
		if (below(g, 2))
			p->policy = KGIL_POLICY_IOPRIO + 1;	/* retired */
		else
			p->check_interval = 0;
	}
}

/* A descriptor slot of p with domain d, or -1. */
static int slot_of(const struct ck_state *s, int p, int d)
{
	for (int i = 0; i < CK_FDS; i++)
		if (s->p[p].fd[i] == d)
			return i;
	return -1;
}

/* Does p keep a descriptor of d besides slot sl? */
static bool ck_proc_refs_but(const struct ck_state *s, int p, int d, int sl)
{
	for (int i = 0; i < CK_FDS; i++)
		if (i != sl && s->p[p].fd[i] == d)
			return true;
	return false;
}

/* Does process p hold d's lock, and does one of its threads wait on d? */
static void shape(const struct ck_state *s, int p, int d, bool *holds,
		  bool *waits)
{
	*holds = *waits = false;
	if (d < 0)
		return;
	*holds = s->d[d].holder >= 0 && s->d[d].holder / CK_THREADS == p;
	for (int k = ck_ti(p, 0); k < ck_ti(p + 1, 0); k++)
		*waits |= (ck_waits(&s->t[k]) && s->t[k].op_dom == d) ||
			  s->t[k].a[d].uring;
}

/*
 * How much step st, valid in s, is worth making: the steps that build or
 * break the interesting states weigh more — a holder with waiters, above
 * all a holder and a waiter in one process (then closing it), a waiter
 * to signal, a debt to pay back.
 */
static int interest(const struct ck_state *s, const struct ck_step *st)
{
	int t = ck_ti(st->p, st->t), d = s->p[st->p].fd[st->s];
	int d2 = s->p[st->p].fd[st->s2];
	const struct ck_thread *T = &s->t[t];
	const struct ck_dom *D = d >= 0 ? &s->d[d] : NULL;
	bool att = D && T->a[d].id, holder = D && D->holder == t;
	bool holds, waits, any = false, elsewhere = false, sleeper = false;

	for (int k = ck_ti(st->p, 0); k < ck_ti(st->p + 1, 0); k++)
		any |= ck_waits(&s->t[k]);
	shape(s, st->p, st->op == OP_DUP ? d2 : d, &holds, &waits);
	/*
	 * An io_uring acquire pending on another domain, or one in d's
	 * queue whose thread sleeps in a wait elsewhere: its completion's
	 * task work then lands in that wait.
	 */
	for (int k = 0; D && k < CK_DOMS; k++)
		elsewhere |= k != d && T->a[k].uring;
	for (int i = 0; D && i < D->nq; i++)
		sleeper |= D->q[i].uring && ck_waits(&s->t[D->q[i].t]);
	switch (st->op) {
	case OP_ATTACH:
		return att ? 1 : 8;
	case OP_DETACH:
		return att ? 3 : 1;
	case OP_ACQUIRE:
	case OP_IO_END:
	case OP_URING:
		if (att && elsewhere && D->holder >= 0 && st->op != OP_URING)
			return 20;
		return !att ? 1 : holds ? 16 : D->holder >= 0 ? 12 : 3;
	case OP_RELEASE:
	case OP_IO_BEGIN:
		if (holder && sleeper)
			return 20;
		return holder ? (D->nq ? 12 : 4) : 1;
	case OP_CHECK:
		return holder ? (D->nq ? 14 : 6) : att && T->a[d].owes ? 16 : 1;
	case OP_SIGNAL:			/* into an idle thread: rarely */
		return !ck_waits(T) ? 0 : T->op == OP_CHECK ? 30 : 10;
	case OP_STOPCONT:
		return any ? 12 : 0;
	case OP_EXIT:
		return holder ? 10 : att ? 2 : 0;
	case OP_CLOSE:
	case OP_DUP:
		if (st->op == OP_DUP && (d2 < 0 || d2 == d))
			return 2;
		return holds && waits ? 30 : holds || waits ? 6 : 1;
	case OP_KILL:
		return holds ? 4 : any ? 2 : 1;
	case OP_FORK:
		return 3;
	}
	return 2;
}

static bool want(int opt_bit)
{
	return opt.ops & (1u << opt_bit);
}

/* Is st, valid in s, of a kind --ops leaves in? */
static bool wanted(const struct ck_state *s, const struct ck_step *st)
{
	int t = ck_ti(st->p, st->t), d = s->p[st->p].fd[st->s];
	const struct ck_thread *T = &s->t[t];
	bool holds, waits, pending = false;

	if (st->arg == CK_TIMEOUT_LONG && !want(OPT_TIMED) &&
	    (st->op == OP_ACQUIRE || st->op == OP_IO_END))
		return false;
	if (st->op == OP_CHECK && !want(OPT_DEBT) && T->a[d].owes &&
	    s->d[d].holder != t)
		return false;
	if ((st->op == OP_CLOSE || st->op == OP_DUP) && !want(OPT_SHAPE)) {
		int c = st->op == OP_DUP ? s->p[st->p].fd[st->s2] : d;

		shape(s, st->p, c, &holds, &waits);
		if (holds && waits && (st->op == OP_CLOSE || c != d))
			return false;
	}
	if ((st->op == OP_CLOSE || st->op == OP_DUP) && !want(OPT_FDREUSE)) {
		int sl = st->op == OP_DUP ? st->s2 : st->s, dd = s->p[st->p].fd[sl];
		bool kept = false;

		/* The process keeps the domain: a restart would miss it. */
		for (int i = 0; i < CK_FDS; i++)
			kept |= i != sl && s->p[st->p].fd[i] == dd;
		for (int k = ck_ti(st->p, 0); kept && k < ck_ti(st->p + 1, 0); k++)
			if (ck_waits(&s->t[k]) && s->t[k].op_slot == sl &&
			    (st->op == OP_CLOSE || dd != d))
				return false;
	}
	for (int k = 0; k < CK_DOMS; k++)
		pending |= T->a[k].uring != 0;
	if (!want(OPT_TASKWORK) && pending &&
	    (st->op == OP_ACQUIRE || st->op == OP_IO_END || st->op == OP_CHECK))
		return false;
	return true;
}

/*
 * Steps that use a rare state while it lasts, when the state has one: an
 * io_uring acquire that will wait beside another held domain, a wait
 * there while it is pending, the release that completes it then, a signal into a blocked CHECK, the CHECK that pays a
 * debt back, the close by a process that holds and waits.  Up to max of
 * them, at random.
 */
static int hot_steps(struct gen *g, const struct ck_state *s,
		     struct ck_step *out, int max)
{
	struct ck_step all[32], st;
	int n = 0, k;

	for (int p = 0; p < CK_PROCS; p++)
		for (int t = 0; s->p[p].alive && t < CK_THREADS; t++)
			for (int sl = 0; sl < CK_FDS; sl++) {
				const struct ck_thread *T = &s->t[ck_ti(p, t)];
				int d = s->p[p].fd[sl];
				bool elsewhere = false, sleeper = false, holds, waits;
				bool other = false;

				if (d < 0)
					continue;
				for (int k2 = 0; k2 < CK_DOMS; k2++) {
					elsewhere |= k2 != d && T->a[k2].uring;
					other |= k2 != d && T->a[k2].id &&
						 s->d[k2].holder >= 0 &&
						 s->d[k2].holder != ck_ti(p, t);
				}
				for (int i = 0; i < s->d[d].nq; i++)
					sleeper |= s->d[d].q[i].uring &&
						   ck_waits(&s->t[s->d[d].q[i].t]);
				shape(s, p, d, &holds, &waits);
				memset(&st, 0, sizeof(st));
				st.p = (uint8_t)p;
				st.t = (uint8_t)t;
				st.s = (uint8_t)sl;
				if (elsewhere && s->d[d].holder >= 0 && T->a[d].id &&
				    s->d[d].holder != ck_ti(p, t))
					st.op = OP_ACQUIRE;
				else if (other && !elsewhere && T->a[d].id &&
					 s->d[d].holder >= 0 &&
					 s->d[d].holder != ck_ti(p, t) && !T->a[d].uring)
					st.op = OP_URING;
				else if (sleeper && s->d[d].holder == ck_ti(p, t))
					st.op = OP_RELEASE;
				else if (T->a[d].owes && s->d[d].holder != ck_ti(p, t))
					st.op = OP_CHECK;
				else if (T->op == OP_CHECK)
					st.op = OP_SIGNAL, st.arg = (uint8_t)below(g, 2);
				else if (holds && waits && t == 0 && slot_of(s, p, d) == sl &&
					 !ck_proc_refs_but(s, p, d, sl))
					st.op = OP_CLOSE;
				else
					continue;
				if (n < 32 && (opt.ops & (1u << st.op)) &&
				    step_valid(s, &st) && wanted(s, &st))
					all[n++] = st;
			}
	for (k = 0; k < max && n; k++) {
		int i = below(g, n);

		out[k] = all[i];
		all[i] = all[--n];
	}
	return k;
}

/* Draw the next step: one of a few valid draws, in proportion to interest. */
static void gen_step(struct gen *g, const struct ck_state *s, struct ck_step *st)
{
	struct ck_step cand[10];
	int total = 0, nlive = 0, ndom = 0, n = 0, w[10], sum = 0, r, best;

	for (int p = 0; p < CK_PROCS; p++)
		nlive += s->p[p].alive;
	for (int d = 0; d < CK_DOMS; d++)
		ndom += s->d[d].live;
	/* Long intervals for a new domain before anything else happens. */
	if (!g->short_mode)
		for (int d = 0; d < CK_DOMS; d++)
			for (int p = 0; s->d[d].live && p < CK_PROCS; p++)
				if (s->p[p].alive && slot_of(s, p, d) >= 0 &&
				    (s->d[d].pol.switch_interval_ns !=
				     KGIL_MAX_SWITCH_INTERVAL_NS ||
				     !(opt.policies & (1u << s->d[d].pol.policy))) &&
				    below(g, 10) < 8 && (opt.ops & (1u << OP_POLICY))) {
					memset(st, 0, sizeof(*st));
					st->op = OP_POLICY;
					st->p = (uint8_t)p;
					st->s = (uint8_t)slot_of(s, p, d);
					gen_policy(g, &st->pol);
					st->pol.switch_interval_ns = KGIL_MAX_SWITCH_INTERVAL_NS;
					if (!ck_validate(&st->pol))
						return;
				}
	for (int op = 1; op < OP__N; op++)
		if (opt.ops & (1u << op))
			total += gen_weights[op];
	for (int tries = 0; tries < 400 && n < 8; tries++) {
		struct ck_step *c = &cand[n];
		int op;

		r = below(g, total);
		for (op = 1; op < OP__N; op++)
			if ((opt.ops & (1u << op)) && (r -= gen_weights[op]) < 0)
				break;
		if (op == OP_SPAWN && nlive >= 2 && below(g, 4))
			continue;
		/* Two domains mostly, so that threads meet on them. */
		if (op == OP_OPEN && (ndom >= 3 || (ndom == 2 && below(g, 4))))
			continue;
		memset(c, 0, sizeof(*c));
		c->op = (uint8_t)op;
		if (op == OP_ACQUIRE || op == OP_IO_END)
			c->arg = (uint8_t)(below(g, 100) < 45 ? CK_BLOCK :
					   below(g, 3) == 0 ? CK_TRY :
					   below(g, 2) ? CK_TIMEOUT_SHORT : CK_TIMEOUT_LONG);
		else if (op == OP_SIGNAL)
			c->arg = (uint8_t)below(g, 2);
		else if (op == OP_URING && (opt.ops & (1u << OPT_URINGBAD)) &&
			 !below(g, 8))
			c->arg = (uint8_t)(1 + below(g, 3));
		else if (op == OP_POLICY)
			gen_policy(g, &c->pol);
		/* Its target: the most interesting of a few random ones. */
		best = -1;
		for (int k = 0; k < 10; k++) {
			struct ck_step tc = *c;
			int v;

			tc.p = (uint8_t)below(g, CK_PROCS);
			tc.t = (uint8_t)below(g, CK_THREADS);
			tc.s = (uint8_t)below(g, CK_FDS);
			tc.s2 = (uint8_t)((tc.s + 1 + below(g, CK_FDS - 1)) % CK_FDS);
			tc.q = (uint8_t)below(g, CK_PROCS);
			if (!step_valid(s, &tc) || !wanted(s, &tc))
				continue;
			v = interest(s, &tc);
			if (v > best) {
				best = v;
				*c = tc;
			}
		}
		if (best < 0)
			continue;
		w[n] = best;
		sum += w[n++];
	}
	for (int k = hot_steps(g, s, &cand[n], 2); k > 0; k--) {
		w[n] = 25;
		sum += w[n++];
	}
	if (n) {
		/* Weight 0: only when nothing else was drawn. */
		for (r = below(g, sum ? sum : n), n = 0;
		     (r -= sum ? w[n] : 1) >= 0; n++)
			;
		*st = cand[n];
		return;
	}
	memset(st, 0, sizeof(*st));	/* nothing else is possible */
	st->op = OP_SPAWN;
	for (st->q = 0; st->q < CK_PROCS - 1 && s->p[st->q].alive; st->q++)
		;
	if (s->p[st->q].alive)
		st->op = OP_KILL, st->p = st->q;
}

/* ---- episodes -------------------------------------------------------- */

struct episode {
	int n;				/* steps made */
	struct ck_step steps[MAX_EP];
	bool diverged;
	char sig[96];
	char msg[4096];
};

/* End of an episode: every process goes, also one the driver lost. */
static void kill_all(void)
{
	for (int p = 0; p < CK_PROCS; p++) {
		pid_t pid = atomic_exchange(&ck_shm->pid[p], 0);

		if (R.pidfd[p] < 0 && pid > 0 && pid != R.pid[p])
			R.pidfd[p] = pidfd_open_(pid);
		if (R.pidfd[p] >= 0) {
			pidfd_signal(R.pidfd[p], SIGKILL);
			pidfd_wait(R.pidfd[p], 5000);
		}
		forget_proc(p);
	}
	for (int d = 0; d < CK_DOMS; d++)
		drop_dom(d);
	/* What they reported while dying is no step's business. */
	collect();
	R.nobs = 0;
}

static void print_obs(char *buf, size_t len)
{
	size_t n = strlen(buf);

	for (int i = 0; i < R.nobs && n < len; i++) {
		const struct ck_wev *e = &R.obs[i].e;

		if (e->kind == EV_READY)
			continue;
		n += (size_t)snprintf(buf + n, len - n,
				      "\n    %s of step %u: %d%s%s result %#x timeout_ns %" PRIu64,
				      ev_names[e->kind], e->seq, e->ret,
				      e->ret < 0 ? " " : "",
				      e->ret < 0 ? strerror(-e->ret) : "",
				      e->result, e->timeout_ns);
	}
	for (int d = 0; d < CK_DOMS && n < len; d++) {
		const struct obs_dom *od = &R.od[d];

		if (!od->ok)
			continue;
		n += (size_t)snprintf(buf + n, len - n,
				      "\n    domain %d: policy %u holder %u waiting %u drop %u switch %" PRIu64
				      " threads %u; acq %" PRIu64 " rel %" PRIu64 " deaths %" PRIu64
				      " intr %" PRIu64 " timeouts %" PRIu64,
				      d, od->page.policy, od->page.holder_id,
				      od->page.nr_waiting, od->page.drop_request,
				      (uint64_t)od->page.switch_number, od->st.nr_threads,
				      (uint64_t)od->st.c.acquisitions,
				      (uint64_t)od->st.c.releases,
				      (uint64_t)od->st.c.owner_deaths,
				      (uint64_t)od->st.c.interrupts,
				      (uint64_t)od->st.c.timeouts);
	}
}

/* What the step covered, for the figures at the end. */
static void cover(const struct ck_step *st, uint32_t seq,
		  const struct ck_state *before)
{
	const struct ck_state *s = &R.cur.v[0];
	int t = ck_ti(st->p, st->t), d = before->p[st->p].fd[st->s];
	bool holds, waits;

	R.cov.made[st->op]++;
	for (int i = 0; i < R.nobs; i++) {
		const struct ck_wev *e = &R.obs[i].e;

		R.cov.ebadf += e->ret == -EBADF;
		R.cov.eintr += e->ret == -EINTR;
		R.cov.timedout += e->ret == -ETIMEDOUT;
		R.cov.cqes += e->kind == EV_CQE;
		if ((e->kind == EV_DONE || e->kind == EV_CQE) && e->seq != seq &&
		    e->ret >= 0)
			R.cov.granted++;	/* a wait that ended holding */
		R.cov.owner_dead += e->ret >= 0 &&
			(e->kind == EV_CQE ? e->ret : (int32_t)e->result) &
			KGIL_ACQUIRED_OWNER_DEAD;
	}
	if (st->op >= OP_ATTACH && st->op <= OP_CHECK && s->t[t].op &&
	    s->t[t].op_seq == seq)
		R.cov.blocked++;
	if (st->op == OP_CHECK && d >= 0 && before->t[t].a[d].owes)
		R.cov.debts++;
	if (st->op == OP_CLOSE || st->op == OP_DUP) {
		int c = st->op == OP_DUP ? before->p[st->p].fd[st->s2] : d;

		shape(before, st->p, c, &holds, &waits);
		R.cov.close_shape += holds && waits && c >= 0 &&
				     !ck_proc_refs(s, st->p, c);
	}
	for (int k = ck_ti(st->p, 0); st->op == OP_STOPCONT && k < ck_ti(st->p + 1, 0); k++)
		R.cov.restarts += ck_waits(&before->t[k]);
	/* A completion posted while its thread slept in another wait. */
	for (int i = 0; i < s->nev; i++) {
		bool old = false;

		for (int j = 0; j < before->nev; j++)
			old |= before->ev[j].seq == s->ev[i].seq &&
			       before->ev[j].kind == s->ev[i].kind;
		R.cov.taskwork += s->ev[i].held && !old;
	}
}

static int ck_choose_dry(int n)
{
	static uint64_t x = 1;

	return n > 1 ? (int)(splitmix64(&x) % (uint64_t)n) : 0;
}

/*
 * Make step st and compare: true if some state agrees.  The events the
 * model expects are waited for (WAIT_NS); then --settle-ms of quiet
 * shows nothing more comes.  A look that agrees with no state is taken
 * again later, twice, for a slow wake-up on a loaded machine.
 */
static bool do_step(const struct ck_step *st, struct why *w)
{
	uint32_t seq = ++R.seq;
	uint64_t t0 = ns_now(), settle = opt.settle_ms * 1000000ull, quiet;
	struct ck_ctx c = { .now_lo = t0, .now_hi = t0 + STEP_MAX_NS, .seq = seq };
	static const uint64_t again[] = { 0, 300000000ull, 2000000000ull };
	uint64_t wait = R.shrinking ? WAIT_NS / 4 : WAIT_NS;
	static struct ck_state before;
	int looks = R.shrinking ? 2 : 3;

	ck_successors(&R.cur, st, &c, &R.pre);
	memcpy(&before, &R.cur.v[0], sizeof(before));
	if (opt.dry) {
		/* No module: one allowed outcome stands for it (generator work). */
		struct ck_state *s = &R.pre.v[ck_choose_dry(R.pre.n)];

		memcpy(&R.cur.v[0], s, sizeof(*s));
		R.cur.n = 1;
		if (R.counting) {
			seen_add(abstract(&R.cur.v[0]));
			cover(st, seq, &before);
		}
		/* Seen, but for the completions still held. */
		for (int i = 0, m = R.cur.v[0].nev; i < m; i++)
			if (!R.cur.v[0].ev[i].held)
				R.cur.v[0].ev[i].seq = 0;
		filter_events(&R.cur.v[0]);
		return true;
	}
	R.nobs = 0;
	R.note[0] = 0;
	real_step(st, seq, &R.cur.v[0]);
	quiet = ns_now();
	for (;;) {
		uint64_t n = R.nobs, now;

		wait_events(settle / 2 ? settle / 2 : 1000000);
		now = ns_now();
		if ((uint64_t)R.nobs != n)
			quiet = now;
		if ((events_settled(&R.pre) && now - quiet >= settle) ||
		    now - t0 >= wait)
			break;
	}
	for (int k = 0; k < looks; k++) {
		uint64_t end = ns_now() + again[k];

		while (ns_now() < end)
			wait_events(end - ns_now());
		observe();
		c.now_hi = ns_now();
		ck_successors(&R.cur, st, &c, &R.next);
		if (R.next.capped)
			R.capped++;
		if (filter(&R.next, w))
			break;
	}
	if (opt.verbose) {
		char buf[2048] = "";

		print_obs(buf, sizeof(buf));
		printf("%s\n", buf[0] ? buf + 1 : "    (nothing)");
	}
	if (!R.next.n)
		return false;
	memcpy(R.cur.v, R.next.v, (size_t)R.next.n * sizeof(R.cur.v[0]));
	memcpy(R.cur.h, R.next.h, (size_t)R.next.n * sizeof(R.cur.h[0]));
	R.cur.n = R.next.n;
	if ((uint64_t)R.cur.n > R.max_cand)
		R.max_cand = (uint64_t)R.cur.n;
	/* A domain no process holds: the driver lets it go too. */
	for (int d = 0; d < CK_DOMS; d++)
		if (!R.cur.v[0].d[d].live && R.ctl_fd[d] >= 0)
			drop_dom(d);
	if (R.counting) {
		seen_add(abstract(&R.cur.v[0]));
		cover(st, seq, &before);
	}
	return true;
}

/*
 * One episode from a fresh world: the steps of replay (n of them, the
 * invalid ones skipped), or drawn from stream until max steps or the
 * deadline.  Stops at the first divergence.
 */
static void run_episode(const struct ck_step *replay, int n, uint64_t stream,
			bool short_mode, int max, uint64_t deadline,
			struct episode *ep)
{
	struct gen g = { .short_mode = short_mode };
	char text[160];

	rng_seed(&g.rng, opt.seed, stream);
	memset(&R.cur.v[0], 0, sizeof(R.cur.v[0]));
	for (int d = 0; d < CK_DOMS; d++)
		R.cur.v[0].d[d].holder = R.cur.v[0].d[d].last = -1;
	R.cur.n = 1;
	ep->n = 0;
	ep->diverged = false;
	for (int i = 0; replay ? i < n : i < max && ns_now() < deadline; i++) {
		struct ck_step st;
		struct why w = { "", "" };

		if (replay) {
			st = replay[i];
			if (!step_valid(&R.cur.v[0], &st))
				continue;
		} else if (i < 2) {
			memset(&st, 0, sizeof(st));	/* two processes to start */
			st.op = OP_SPAWN;
			st.q = (uint8_t)i;
		} else {
			gen_step(&g, &R.cur.v[0], &st);
		}
		ep->steps[ep->n++] = st;
		step_text(&st, text, sizeof(text));
		if (opt.verbose)
			printf("  %4d %s\n", ep->n - 1, text);
		if (do_step(&st, &w))
			continue;
		ep->diverged = true;
		snprintf(ep->sig, sizeof(ep->sig), "%s@%s", w.kind, op_names[st.op]);
		snprintf(ep->msg, sizeof(ep->msg),
			 "step %d (seq %u): %s\n  %s (%d candidate states before it)%s%s\n  observed:",
			 ep->n - 1, R.seq, text, w.text, R.cur.n,
			 R.note[0] ? "\n  " : "", R.note);
		print_obs(ep->msg, sizeof(ep->msg));
		break;
	}
	fflush(stdout);
	kill_all();
}

static void print_steps(FILE *f, const struct ck_step *steps, int n)
{
	char text[160];

	for (int i = 0; i < n; i++) {
		step_text(&steps[i], text, sizeof(text));
		fprintf(f, "%s\n", text);
	}
}

/* Does steps[0..n) still diverge the same way?  Then keep what ran. */
static bool still(struct ck_step *steps, int *n, const struct ck_step *cand,
		  int m, const char *sig, int *runs)
{
	static struct episode ep;

	run_episode(cand, m, 0, false, 0, 0, &ep);
	++*runs;
	if (!ep.diverged || strcmp(ep.sig, sig) || ep.n >= *n)
		return false;
	memcpy(steps, ep.steps, (size_t)ep.n * sizeof(*steps));
	*n = ep.n;
	return true;
}

/* Is step st about process slot x (made by it, or making it)? */
static bool about(const struct ck_step *st, int x)
{
	if (st->op == OP_SPAWN || st->op == OP_FORK)
		return st->q == x || (st->op == OP_FORK && st->p == x);
	return st->p == x;
}

/*
 * Delta debugging, each candidate run from scratch, kept while it ends in
 * a divergence of the same kind at the same operation.  First the cheap
 * cuts: every step about one process, every step of one kind; then
 * chunks of steps, halving the chunk when a whole pass drops nothing.
 * The last step, where it diverges, always stays.
 */
static int shrink(struct ck_step *steps, int n, const char *sig,
		  uint64_t deadline)
{
	static struct ck_step cand[MAX_EP];
	int runs = 0;

	R.shrinking = true;
	for (int cut = 0; cut < CK_PROCS + OP__N && ns_now() < deadline; cut++) {
		int m = 0;

		for (int k = 0; k < n - 1; k++)
			if (cut < CK_PROCS ? !about(&steps[k], cut) :
			    steps[k].op != cut - CK_PROCS)
				cand[m++] = steps[k];
		cand[m++] = steps[n - 1];
		if (m < n && !(cut < CK_PROCS && about(&steps[n - 1], cut)))
			still(steps, &n, cand, m, sig, &runs);
	}
	for (int chunk = n / 2 > 0 ? n / 2 : 1; chunk >= 1 && ns_now() < deadline;) {
		bool dropped = false;

		for (int i = 0; i < n - 1 && ns_now() < deadline;) {
			int len = chunk < n - 1 - i ? chunk : n - 1 - i, m = 0;

			for (int k = 0; k < n; k++)
				if (k < i || k >= i + len)
					cand[m++] = steps[k];
			if (still(steps, &n, cand, m, sig, &runs))
				dropped = true;
			else
				i += len;
		}
		if (!dropped)
			chunk /= 2;
	}
	R.shrinking = false;
	printf("kgil-check: shrinking took %d runs\n", runs);
	return n;
}

static int load_replay(const char *path, struct ck_step *steps)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < MAX_EP) {
		char *hash = strchr(line, '#');

		if (hash)
			*hash = 0;
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (!step_parse(line, &steps[n])) {
			fprintf(stderr, "kgil-check: %s: bad step: %s", path, line);
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}

/* Report a divergence, shrink it, print the shortest sequence. */
static void report(struct episode *ep, uint64_t stream, int nr, uint64_t deadline)
{
	static struct ck_step steps[MAX_EP];
	static struct episode again;
	int n = ep->n;
	char sig[96], head[640];

	if (opt.replay)
		printf("kgil-check: DIVERGENCE %d (%s), replaying %s, %s\n", nr,
		       ep->sig, opt.replay, ep->msg);
	else
		printf("kgil-check: DIVERGENCE %d (%s), episode %" PRIu64 " of seed %"
		       PRIu64 ", %s\n", nr, ep->sig, stream, opt.seed, ep->msg);
	memcpy(steps, ep->steps, (size_t)n * sizeof(steps[0]));
	snprintf(sig, sizeof(sig), "%s", ep->sig);
	if (ns_now() < deadline) {
		n = shrink(steps, n, sig, deadline);
		/* Show the shortest one's own divergence. */
		for (int k = 0; k < 3; k++) {
			run_episode(steps, n, 0, false, 0, 0, &again);
			if (again.diverged && !strcmp(again.sig, sig))
				break;
		}
		if (again.diverged && !strcmp(again.sig, sig))
			printf("kgil-check: shortest: %s\n", again.msg);
		else
			printf("kgil-check: the shortest sequence did not diverge again (timing)\n");
	}
	if (opt.replay)
		snprintf(head, sizeof(head), "# kgil-check replay: from %s: %s\n",
			 opt.replay, sig);
	else
		snprintf(head, sizeof(head), "# kgil-check replay: seed %" PRIu64
			 " episode %" PRIu64 ": %s\n", opt.seed, stream, sig);
	printf("kgil-check: %d steps, replay with --replay FILE holding:\n%s", n, head);
	print_steps(stdout, steps, n);
	if (opt.save) {
		char path[512];
		FILE *f;

		/* Named after the run and the kind: no run overwrites another's. */
		snprintf(path, sizeof(path), "%s/kgil-check-%" PRIu64 "-%d-%s.replay",
			 opt.save, opt.seed, nr, sig);
		for (char *c = path + strlen(opt.save) + 1; *c; c++)
			if (*c == ' ' || *c == '@' || *c == '/')
				*c = '_';
		f = fopen(path, "we");
		if (f) {
			fputs(head, f);
			print_steps(f, steps, n);
			fclose(f);
			printf("kgil-check: saved %s\n", path);
		}
	}
	fflush(stdout);
}

/* ---- main ----------------------------------------------------------- */

static void on_alarm(int sig)
{
	static const char msg[] = "kgil-check: watchdog: the run hung, giving up\n";

	(void)sig;
	for (int p = 0; p < CK_PROCS; p++)
		if (R.pid[p] > 0)
			kill(R.pid[p], SIGKILL);
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(4);
}

static bool parse_names(const char *arg, const char *const *names, int n,
			uint32_t *mask, uint32_t all)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	*mask = arg[0] == '-' ? all : 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool neg = tok[0] == '-';
		int i;

		tok += neg;
		if (!strcmp(tok, "all")) {
			*mask = neg ? 0 : all;
			continue;
		}
		for (i = 0; i < n && (!names[i] || strcmp(tok, names[i])); i++)
			;
		if (i == n)
			return false;
		*mask = neg ? *mask & ~(1u << i) : *mask | (1u << i);
	}
	return true;
}

static const char *const ops_names[OPT__N] = {
	[OP_SPAWN] = "spawn", [OP_FORK] = "fork", [OP_KILL] = "kill",
	[OP_EXIT] = "exit", [OP_STOPCONT] = "stop", [OP_SIGNAL] = "signal",
	[OP_OPEN] = "open", [OP_CLOSE] = "close", [OP_DUP] = "dup",
	[OP_ATTACH] = "attach", [OP_DETACH] = "detach",
	[OP_ACQUIRE] = "acquire", [OP_RELEASE] = "release",
	[OP_CHECK] = "check", [OP_IO_BEGIN] = "io_begin",
	[OP_IO_END] = "io_end", [OP_URING] = "uring", [OP_POLICY] = "policy",
	[OP_MMAP] = "mmap", [OPT_URINGBAD] = "uringbad", [OPT_TIMED] = "timed",
	[OPT_DEBT] = "debt", [OPT_SHAPE] = "shape", [OPT_TASKWORK] = "taskwork",
	[OPT_FDREUSE] = "fdreuse",
};
static const char *const policy_names[] = {
	NULL, "legacy", "newgil", "fifo", "ioprio",
};

static void usage(void)
{
	fprintf(stderr,
		"usage: kgil-check [--steps N] [--seconds T] [--seed S] [--replay FILE]\n"
		"       [--episode N] [--intervals long|short|mixed] [--ops LIST]\n"
		"       [--policies LIST] [--settle-ms M] [--shrink-seconds T]\n"
		"       [--max-divergences N] [--save DIR] [--dry] [-v]\n"
		"LIST: comma-separated names, 'all', '-name' to remove one\n"
		"ops: spawn fork kill exit stop signal open close dup attach detach\n"
		"     acquire release check io_begin io_end uring policy mmap, and\n"
		"     what issue 12 changed: uringbad timed debt shape taskwork fdreuse\n"
		"policies: legacy newgil fifo ioprio\n"
		"--dry: the model alone, no module (to see what the steps reach)\n");
}

/* The string options; the numeric ones go to parse_num_opts(). */
static int parse_args(int argc, char **argv)
{
	char *rest[64] = { argv[0] };
	int n = 1;
	struct num_opt o[] = {
		{ "--steps", &opt.steps, 1, UINT64_MAX, false },
		{ "--seconds", &opt.seconds, 1, 100000, false },
		{ "--seed", &opt.seed, 0, UINT64_MAX, false },
		{ "--episode", &opt.episode, 3, MAX_EP, false },
		{ "--settle-ms", &opt.settle_ms, 1, 10000, false },
		{ "--shrink-seconds", &opt.shrink_seconds, 0, 100000, false },
		{ "--max-divergences", &opt.max_div, 1, 1000, false },
	};

	opt.ops = OPS_ALL;
	opt.policies = 0x1e;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--dry"))
			opt.dry = true;	/* the model alone: for work on the generator */
		else if (!strcmp(a, "--replay") && v)
			opt.replay = argv[++i];
		else if (!strcmp(a, "--save") && v)
			opt.save = argv[++i];
		else if (!strcmp(a, "--ops") && v) {
			if (!parse_names(argv[++i], ops_names, OPT__N, &opt.ops,
					 OPS_ALL))
				return -1;
		} else if (!strcmp(a, "--policies") && v) {
			if (!parse_names(argv[++i], policy_names, 5, &opt.policies, 0x1e) ||
			    !opt.policies)
				return -1;
		} else if (!strcmp(a, "--intervals") && v) {
			v = argv[++i];
			opt.intervals = !strcmp(v, "long") ? 1 : !strcmp(v, "short") ? 2 :
					!strcmp(v, "mixed") ? 0 : -1;
			if (opt.intervals < 0)
				return -1;
		} else if (n < 63) {
			rest[n++] = argv[i];
		}
	}
	/* Processes are needed to do anything at all. */
	opt.ops |= 1u << OP_SPAWN;
	n = parse_num_opts(n, rest, o, sizeof(o) / sizeof(o[0]), &opt.verbose);
	if (n)
		return n;
	if (!o[2].seen)
		opt.seed = clock_seed();
	if (!o[0].seen && !o[1].seen)
		opt.steps = 2000;
	return 0;
}

static int setup(void)
{
	struct sigaction sc = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT };
	struct sigaction sa = { .sa_handler = on_alarm };

	ck_shm = mmap(NULL, sizeof(*ck_shm), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	seen = calloc((size_t)1 << SEEN_BITS, sizeof(*seen));
	if (ck_shm == MAP_FAILED || !seen)
		return -1;
	atomic_store(&ck_shm->ctl_pid, (int32_t)getpid());
	for (int p = 0; p < CK_PROCS; p++) {
		R.pidfd[p] = -1;
		for (int k = 0; k < CK_SLOTS; k++)
			if (pipe2(ck_bell[p][k], O_NONBLOCK | O_CLOEXEC))
				return -1;
	}
	for (int d = 0; d < CK_DOMS; d++)
		R.ctl_fd[d] = -1;
	/* Orphans come here, and nobody leaves a zombie behind. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigaction(SIGCHLD, &sc, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int main(int argc, char **argv)
{
	static struct episode ep;
	static struct ck_step replay[MAX_EP];
	uint64_t start = ns_now(), deadline, shrink_end = 0;
	int divergences = 0, nreplay = 0, ret;
	char seen_sig[16][96];
	int nsig = 0;

	ret = parse_args(argc, argv);
	if (ret) {
		usage();
		return ret > 0 ? 0 : 2;
	}
	if (opt.replay && (nreplay = load_replay(opt.replay, replay)) < 0) {
		fprintf(stderr, "kgil-check: cannot read %s\n", opt.replay);
		return 2;
	}
	if (setup()) {
		perror("kgil-check: set-up");
		return 2;
	}
	if (!opt.dry && access(KGIL_DEVICE_PATH, R_OK | W_OK)) {
		fprintf(stderr, "kgil-check: %s: %s (module not loaded?)\n",
			KGIL_DEVICE_PATH, strerror(errno));
		return 2;
	}
	deadline = opt.seconds ? start + opt.seconds * 1000000000ull : UINT64_MAX;
	printf("kgil-check: seed %" PRIu64 ", %s%s, intervals %s, settle %" PRIu64
	       " ms\n", opt.seed, opt.replay ? "replaying " : "",
	       opt.replay ? opt.replay : "generated steps",
	       opt.intervals == 1 ? "long" : opt.intervals == 2 ? "short" : "mixed",
	       opt.settle_ms);
	fflush(stdout);

	if (opt.replay) {
		alarm((unsigned int)opt.shrink_seconds + 600);
		R.counting = true;
		run_episode(replay, nreplay, 0, false, 0, 0, &ep);
		R.counting = false;
		R.steps += (uint64_t)ep.n;
		R.episodes++;
		if (ep.diverged) {
			divergences++;
			shrink_end = ns_now() + opt.shrink_seconds * 1000000000ull;
			report(&ep, 0, divergences, shrink_end);
		}
	}
	for (uint64_t e = 1; !opt.replay && ns_now() < deadline &&
	     (!opt.steps || R.steps < opt.steps) &&
	     (uint64_t)divergences < opt.max_div; e++) {
		bool short_mode = opt.intervals == 2 || (!opt.intervals && e % 4 == 0);
		int max = (int)opt.episode;
		bool known = false;

		if (opt.steps && R.steps + (uint64_t)max > opt.steps)
			max = (int)(opt.steps - R.steps);
		/* The watchdog: an episode's steps all have bounded waits. */
		alarm(600);
		R.counting = true;
		run_episode(NULL, 0, e, short_mode, max, deadline, &ep);
		R.counting = false;
		R.steps += (uint64_t)ep.n;
		R.episodes++;
		if (!ep.diverged)
			continue;
		divergences++;
		for (int i = 0; i < nsig; i++)
			known |= !strcmp(seen_sig[i], ep.sig);
		if (known) {
			printf("kgil-check: DIVERGENCE %d (%s) again, episode %" PRIu64
			       ", %s\n", divergences, ep.sig, e, ep.msg);
			continue;
		}
		if (nsig < 16)
			snprintf(seen_sig[nsig++], sizeof(seen_sig[0]), "%s", ep.sig);
		/* Each new kind of divergence has its own shrinking budget. */
		shrink_end = ns_now() + opt.shrink_seconds * 1000000000ull;
		alarm((unsigned int)opt.shrink_seconds + 600);
		report(&ep, e, divergences, shrink_end);
		if (ns_now() >= deadline)
			break;
	}
	printf("kgil-check: %" PRIu64 " episodes, %" PRIu64 " distinct model states,"
	       " at most %" PRIu64 " candidate states at once%s, %.1f s\n",
	       R.episodes, nr_seen, R.max_cand,
	       R.capped ? " (capped at times)" : "",
	       (double)(ns_now() - start) / 1e9);
	printf("kgil-check: covered: %" PRIu64 " calls blocked, %" PRIu64
	       " waits ended holding the lock (%" PRIu64 " told of an owner death), %"
	       PRIu64 " EBADF, %" PRIu64 " EINTR, %" PRIu64 " ETIMEDOUT, %" PRIu64
	       " io_uring completions, %" PRIu64 " closes by a process holding and waiting,"
	       " %" PRIu64 " waits stopped and continued, %" PRIu64 " CHECKs owing a re-take,"
	       " %" PRIu64 " completions' task work in another wait\n",
	       R.cov.blocked, R.cov.granted, R.cov.owner_dead, R.cov.ebadf,
	       R.cov.eintr, R.cov.timedout, R.cov.cqes, R.cov.close_shape,
	       R.cov.restarts, R.cov.debts, R.cov.taskwork);
	printf("kgil-check: steps made:");
	for (int op = 1; op < OP__N; op++)
		if (R.cov.made[op])
			printf(" %s %" PRIu64, op_names[op], R.cov.made[op]);
	printf("\n");
	printf("kgil-check: %" PRIu64 " steps, %d divergences\n", R.steps, divergences);
	return divergences ? 1 : 0;
}
