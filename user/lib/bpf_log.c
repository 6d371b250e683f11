// SPDX-License-Identifier: LGPL-2.1
/*
 * The log of a BPF call (kgil_bpf_load): libbpf prints its warnings, and
 * the verifier's log with them, through one process-wide callback
 * (libbpf_set_print).  For the call's duration it is ours: the messages
 * go into a buffer that keeps the last LOG_KEEP bytes, because the end
 * of a verifier's log is what says why a program was refused, and the
 * caller gets as many of the last whole lines as fit.  Calls are
 * serialised: the callback is global.  Nothing is printed.
 */
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef KGIL_HAVE_LIBBPF
#include <bpf/libbpf.h>
#endif

#include "libkgil.h"

#define LOG_KEEP	(64 * 1024)

struct kgil_bpf_log {
	char keep[LOG_KEEP];
	size_t len;
	char *out;
	size_t out_size;
#ifdef KGIL_HAVE_LIBBPF
	libbpf_print_fn_t old;
#endif
};

static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct kgil_bpf_log the_log;

/* Append, keeping the last LOG_KEEP bytes. */
static void log_append(struct kgil_bpf_log *l, const char *s, size_t n)
{
	if (n >= LOG_KEEP) {
		s += n - LOG_KEEP;
		n = LOG_KEEP;
	}
	if (l->len + n > LOG_KEEP) {
		size_t drop = l->len + n - LOG_KEEP;

		memmove(l->keep, l->keep + drop, l->len - drop);
		l->len -= drop;
	}
	memcpy(l->keep + l->len, s, n);
	l->len += n;
}

static void log_vsay(struct kgil_bpf_log *l, const char *fmt, va_list ap)
{
	char small[512], *s = small;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return;
	}
	/* A verifier log comes in one message: megabytes, sometimes. */
	if ((size_t)n >= sizeof(small)) {
		s = malloc((size_t)n + 1);
		if (s)
			vsnprintf(s, (size_t)n + 1, fmt, ap2);
		else
			s = small, n = sizeof(small) - 1;
	}
	va_end(ap2);
	log_append(l, s, (size_t)n);
	if (s != small)
		free(s);
}

void kgil__bpf_log_say(struct kgil_bpf_log *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vsay(l, fmt, ap);
	va_end(ap);
}

/* Whether what was said so far (the part kept) holds needle. */
bool kgil__bpf_log_has(const struct kgil_bpf_log *l, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; n && i + n <= l->len; i++)
		if (!memcmp(l->keep + i, needle, n))
			return true;
	return false;
}

#ifdef KGIL_HAVE_LIBBPF
/* libbpf's debug messages are a trace of everything: not kept. */
static int on_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_DEBUG)
		log_vsay(&the_log, fmt, ap);
	return 0;
}
#endif

struct kgil_bpf_log *kgil__bpf_log_begin(char *log, size_t log_size)
{
	struct kgil_bpf_log *l = &the_log;

	pthread_mutex_lock(&log_mutex);
	l->len = 0;
	l->out = log;
	l->out_size = log ? log_size : 0;
	if (l->out_size)
		l->out[0] = '\0';
#ifdef KGIL_HAVE_LIBBPF
	l->old = libbpf_set_print(on_print);
#endif
	return l;
}

/* The last whole lines that fit into the caller's log, then unlock. */
void kgil__bpf_log_end(struct kgil_bpf_log *l)
{
	const char *s = l->keep;
	size_t n = l->len;

#ifdef KGIL_HAVE_LIBBPF
	libbpf_set_print(l->old);
#endif
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (l->out_size > 1 && n) {
		if (n > l->out_size - 1) {
			const char *cut = s + n - (l->out_size - 1);
			const char *nl = memchr(cut, '\n', (size_t)(s + n - cut));

			/* From the start of a line, unless one line is all of it. */
			cut = nl && nl + 1 < s + n ? nl + 1 : cut;
			n -= (size_t)(cut - s);
			s = cut;
		}
		memcpy(l->out, s, n);
		l->out[n] = '\0';
	}
	pthread_mutex_unlock(&log_mutex);
}
