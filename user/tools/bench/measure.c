// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench/measure.h"
#include "support/result.h"

static const char *const tracefs_roots[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

static int tracepoint_id(const char *sys, const char *event)
{
	for (size_t i = 0; i < sizeof(tracefs_roots) / sizeof(tracefs_roots[0]); i++) {
		char path[256];
		FILE *f;
		int id;

		snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs_roots[i], sys, event);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%d", &id) != 1)
			id = -1;
		fclose(f);
		if (id >= 0)
			return id;
	}
	return -ENOENT;
}

/*
 * Count every system call this process and the threads (and children)
 * it creates from now on make.  inherit=1 makes the counter follow new
 * threads; reading the parent's counter adds the children's counts,
 * including those of threads that have exited.
 */
static int open_syscall_counter(void)
{
	struct perf_event_attr attr;
	int id = tracepoint_id("raw_syscalls", "sys_enter"), fd;

	if (id < 0)
		return id;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = (unsigned)id;
	attr.disabled = 1;
	attr.inherit = 1;
	attr.exclude_hv = 1;
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

void meter_start(struct meter *m, bool count_syscalls)
{
	m->perf_fd = -1;
	m->perf_err = -EOPNOTSUPP;
	if (count_syscalls) {
		int fd = open_syscall_counter();

		if (fd >= 0) {
			m->perf_fd = fd;
			m->perf_err = 0;
			ioctl(fd, PERF_EVENT_IOC_RESET, 0);
			ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
		} else {
			m->perf_err = fd;
		}
	}
	getrusage(RUSAGE_SELF, &m->ru0);
}

void meter_stop(struct meter *m, struct kgil *g, struct phase_cost *out)
{
	struct rusage ru;

	memset(out, 0, sizeof(*out));
	out->syscalls = -1;
	if (m->perf_fd >= 0) {
		uint64_t count;

		ioctl(m->perf_fd, PERF_EVENT_IOC_DISABLE, 0);
		if (read(m->perf_fd, &count, sizeof(count)) == sizeof(count))
			out->syscalls = (int64_t)count;
		close(m->perf_fd);
		m->perf_fd = -1;
	}
	getrusage(RUSAGE_SELF, &ru);
	out->vcsw = ru.ru_nvcsw - m->ru0.ru_nvcsw;
	out->ivcsw = ru.ru_nivcsw - m->ru0.ru_nivcsw;
	if (g && kgil_stats(g, &out->c) == 0)
		out->have_counters = true;
}

const char *meter_syscall_source(const struct meter *m)
{
	static __thread char why[96];

	if (!m->perf_err)
		return "perf_event raw_syscalls:sys_enter";
	if (m->perf_err == -EOPNOTSUPP)
		return "not counted (--no-syscall-count)";
	snprintf(why, sizeof(why), "unavailable: perf_event_open: %s", strerror(-m->perf_err));
	return why;
}

static void put_count(struct res *o, const char *prefix, const char *name, int64_t v, bool have)
{
	char key[96];

	snprintf(key, sizeof(key), "%s%s", prefix, name);
	if (have)
		res_int(o, key, v);
	else
		res_null(o, key);
}

void phase_cost_put(struct res *o, const char *prefix, const struct phase_cost *p)
{
	const struct kgil_counters *c = &p->c;
	bool h = p->have_counters;

	put_count(o, prefix, "handoffs", (int64_t)c->handoffs, h);
	put_count(o, prefix, "failed_acquires", (int64_t)c->failed_acquires, h);
	put_count(o, prefix, "drop_requests", (int64_t)c->drop_requests, h);
	put_count(o, prefix, "forced_switches", (int64_t)c->forced_switches, h);
	put_count(o, prefix, "checks", (int64_t)c->checks, h);
	put_count(o, prefix, "acquisitions", (int64_t)c->acquisitions, h);
	put_count(o, prefix, "spins", (int64_t)c->spins, h);
	put_count(o, prefix, "spin_grants", (int64_t)c->spin_grants, h);
	put_count(o, prefix, "voluntary_ctxt_switches", p->vcsw, true);
	put_count(o, prefix, "involuntary_ctxt_switches", p->ivcsw, true);
	put_count(o, prefix, "syscalls", p->syscalls, p->syscalls >= 0);
}
