// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_domain.h"
#include "bench/bench_py.h"
#include "support/json_read.h"
#include "support/result.h"

extern char **environ;

const char *const py_stat_keys[PY_NSTATS] = {
	"handoffs", "failed_acquires", "drop_requests", "forced_switches",
	"checks", "io_begins",
};

#define PY_PASS_FD 3
#define PY_MAX_ENV 512
#define PY_MAX_ARGS 24

/* build/kgil -> build/cpython/python and user/python/ (or $KGIL_PYTHON). */
static int py_paths(char *python, size_t plen, char *scripts, size_t slen)
{
	char exe[PATH_MAX], *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *env = getenv("KGIL_PYTHON");

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	dir = dirname(exe);
	if (env && *env)
		snprintf(python, plen, "%s", env);
	else
		snprintf(python, plen, "%s/cpython/python", dir);
	snprintf(scripts, slen, "%s/../user/python", dir);
	if (access(python, X_OK) < 0) {
		fprintf(stderr, "kgil bench: no interpreter at %s: run `make python` "
			"(or set KGIL_PYTHON)\n", python);
		return -ENOENT;
	}
	return 0;
}

/*
 * The child's environment: ours without any KGIL_ variable (stock must
 * not pick one up from the caller), plus the GIL the options name.
 */
static int py_env(const struct bench_opts *o, const char *stats, char **env,
		  char store[][96])
{
	int n = 0, s = 0;

	for (char **e = environ; *e && n < PY_MAX_ENV - 8; e++)
		if (strncmp(*e, "KGIL_", 5) || !strncmp(*e, "KGIL_IN_VM=", 11))
			env[n++] = *e;
	if (!o->stock) {
		snprintf(store[s], 96, "KGIL_BACKEND=%s", kgil_backend_name(o->backend));
		env[n++] = store[s++];
		snprintf(store[s], 96, "KGIL_PY_STATS=%s", stats);
		env[n++] = store[s++];
		if (o->policy == KGIL_POLICY_BPF)
			snprintf(store[s], 96, "KGIL_POLICY=bpf:%s", o->bpf_name);
		else if (o->policy)
			snprintf(store[s], 96, "KGIL_POLICY=%s", kgil_policy_name(o->policy));
		if (o->policy)
			env[n++] = store[s++];
		if (o->check_interval) {
			snprintf(store[s], 96, "KGIL_CHECK_INTERVAL=%u", o->check_interval);
			env[n++] = store[s++];
		}
		if (o->switch_interval_ns) {
			snprintf(store[s], 96, "KGIL_SWITCH_INTERVAL_NS=%llu",
				 (unsigned long long)o->switch_interval_ns);
			env[n++] = store[s++];
		}
		if (o->py_io) {
			snprintf(store[s], 96, "KGIL_PY_IO=%s", o->py_io);
			env[n++] = store[s++];
		}
		if (o->handoff_spin_ns >= 0) {
			snprintf(store[s], 96, "KGIL_SPIN_NS=%lld", (long long)o->handoff_spin_ns);
			env[n++] = store[s++];
		}
	}
	env[n] = NULL;
	return n;
}

int py_start(const struct bench_opts *o, const char *script, char *const args[],
	     int pass_fd, struct py_proc *p)
{
	char python[PATH_MAX], scripts[PATH_MAX], path[PATH_MAX + 64];
	char *argv[PY_MAX_ARGS], *env[PY_MAX_ENV], store[8][96];
	int sfd;
	posix_spawn_file_actions_t fa;
	int pipefd[2], n = 0, ret;

	ret = py_paths(python, sizeof(python), scripts, sizeof(scripts));
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", scripts, script);
	argv[n++] = python;
	argv[n++] = path;
	for (int i = 0; args && args[i] && n < PY_MAX_ARGS - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	p->stats[0] = '\0';
	if (!o->stock) {
		snprintf(p->stats, sizeof(p->stats), "/tmp/kgil-py-stats.XXXXXX");
		sfd = mkstemp(p->stats);
		if (sfd < 0)
			return -errno;
		close(sfd);
	}
	py_env(o, p->stats, env, store);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	/* dup2 clears FD_CLOEXEC on the copies; the originals keep it. */
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	if (pass_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, pass_fd, PY_PASS_FD);
	ret = posix_spawn(&p->pid, python, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (ret) {
		close(pipefd[0]);
		if (p->stats[0])
			unlink(p->stats);
		fprintf(stderr, "kgil bench: cannot start %s: %s\n", python, strerror(ret));
		return -ret;
	}
	p->out_fd = pipefd[0];
	return 0;
}

static void py_parse_line(char *line, struct py_out *out)
{
	char key[24];
	double a, b;
	int n;

	if (out->n >= PY_MAX_LINES)
		return;
	n = sscanf(line, "%23s %lf %lf", key, &a, &b);
	if (n < 2)
		return;
	strcpy(out->line[out->n].key, key);
	out->line[out->n].arg = n == 3 ? (long long)a : -1;
	out->line[out->n].value = n == 3 ? b : a;
	out->n++;
}

/* The counters in the JSON line the interpreter of pid wrote (its children write theirs). */
static void py_read_stats(const struct py_proc *p, struct py_out *out)
{
	char line[2048], err[128];
	FILE *f = fopen(p->stats, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct res *r = json_parse(line, err, sizeof(err));

		if (r && res_get_num(r, "pid") == (double)p->pid) {
			out->have_stats = true;
			for (int i = 0; i < PY_NSTATS; i++) {
				double v = res_get_num(r, py_stat_keys[i]);

				out->stat[i] = isnan(v) ? -1 : v;
			}
		}
		res_free(r);
	}
	fclose(f);
}

int py_finish(struct py_proc *p, struct py_out *out)
{
	char buf[8192];
	size_t len = 0;
	ssize_t r;
	int st;

	memset(out, 0, sizeof(*out));
	while (len < sizeof(buf) - 1 &&
	       ((r = read(p->out_fd, buf + len, sizeof(buf) - 1 - len)) > 0 ||
		(r < 0 && errno == EINTR)))
		len += r > 0 ? (size_t)r : 0;
	buf[len] = '\0';
	close(p->out_fd);
	while (waitpid(p->pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = -1;
			break;
		}
	}
	if (p->stats[0]) {
		if (st == 0)
			py_read_stats(p, out);
		unlink(p->stats);
	}
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "kgil bench: the Python script failed (%s %d)\n",
			st == -1 || WIFEXITED(st) ? "status" : "signal",
			st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -ECHILD;
	}
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		py_parse_line(l, out);
	return 0;
}

void py_put_stats(struct res *out, const char *prefix, const struct py_out *r)
{
	char key[64];

	for (int i = 0; i < PY_NSTATS; i++) {
		snprintf(key, sizeof(key), "%s%s", prefix, py_stat_keys[i]);
		if (r->have_stats && r->stat[i] >= 0)
			res_int(out, key, (int64_t)r->stat[i]);
		else
			res_null(out, key);
	}
}

int py_run(const struct bench_opts *o, const char *script, char *const args[],
	   struct py_out *out)
{
	struct py_proc p;
	int ret = py_start(o, script, args, -1, &p);

	return ret < 0 ? ret : py_finish(&p, out);
}

int py_get(const struct py_out *out, const char *key, long long arg, double *v)
{
	for (int i = 0; i < out->n; i++) {
		if (strcmp(out->line[i].key, key) || out->line[i].arg != arg)
			continue;
		*v = out->line[i].value;
		return 0;
	}
	fprintf(stderr, "kgil bench: the Python script printed no %s\n", key);
	return -ENOENT;
}

int py_describe(const struct bench_opts *o, struct res *out)
{
	if (!o->stock) {
		res_str(out, "py_io", o->py_io ? o->py_io : "fd");
		return domain_describe(o, out);
	}
	res_str(out, "backend", "stock");
	res_str(out, "policy", "cpython");
	return 0;
}
