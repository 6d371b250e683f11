// SPDX-License-Identifier: GPL-2.0
/* The grid of one swept option: lists and ranges of values (sweep_grid.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/parse.h"
#include "sweep/sweep_grid.h"

struct grid {
	uint64_t *v;
	int n;
	const char *spec;
	char *err;
	size_t errlen;
};

/* Record why and return -EINVAL: every error names the item. */
static int bad(struct grid *g, const char *item, const char *why)
{
	snprintf(g->err, g->errlen, "bad item '%s' in '%s': %s", item, g->spec, why);
	return -EINVAL;
}

static int too_many(struct grid *g)
{
	snprintf(g->err, g->errlen, "too many values in '%s' (more than %d)",
		 g->spec, SWEEP_MAX_VALUES);
	return -E2BIG;
}

static int push(struct grid *g, uint64_t v)
{
	if (g->n == SWEEP_MAX_VALUES)
		return too_many(g);
	g->v[g->n++] = v;
	return 0;
}

static int value(struct grid *g, enum sweep_unit unit, const char *item,
		 const char *s, uint64_t *out)
{
	if (!*s)
		return bad(g, item, "a value is missing");
	if (unit == SWEEP_TIME)
		return parse_time_ns(s, out) < 0 ?
			bad(g, item, "not a time (a number with ns, us, ms or s)") : 0;
	return parse_u64(s, out) < 0 ? bad(g, item, "not a whole number") : 0;
}

/* a..b*f: a, a f, a f^2, ... up to b (a rounding error short of b counts). */
static int geometric(struct grid *g, const char *item, uint64_t a, uint64_t b,
		     const char *fs)
{
	char *end;
	double f = strtod(fs, &end);

	if (!*fs || *end || !isfinite(f))
		return bad(g, item, "the factor after '*' is not a number");
	if (f <= 1)
		return bad(g, item, "the factor must be above 1");
	if (!a)
		return bad(g, item, "a geometric range cannot start at 0");
	for (int k = 0;; k++) {
		double x = (double)a * pow(f, k);
		int ret;

		if (x > (double)b * (1 + 1e-9))
			return 0;
		ret = push(g, (uint64_t)llround(x));
		if (ret < 0)
			return ret;
	}
}

static int range(struct grid *g, enum sweep_unit unit, char *item, char *dots)
{
	char *hi = dots + 2, *step = hi + strcspn(hi, ":*");
	char op = *step, full[128];
	uint64_t a, b, s = 1;
	int ret;

	snprintf(full, sizeof(full), "%s", item);
	*dots = '\0';
	*step = '\0';
	ret = value(g, unit, full, item, &a);
	if (!ret)
		ret = value(g, unit, full, hi, &b);
	if (ret)
		return ret;
	if (a > b)
		return bad(g, full, "the range is reversed (start above end)");
	if (op == '*')
		return geometric(g, full, a, b, step + 1);
	if (op == ':') {
		ret = value(g, unit, full, step + 1, &s);
		if (ret)
			return ret;
		if (!s)
			return bad(g, full, "the step must be above 0");
	} else if (unit == SWEEP_TIME) {
		return bad(g, full, "a range of times needs :STEP or *FACTOR");
	}
	/* Counted first: 1..100000000000 must not loop to find out. */
	if ((b - a) / s >= SWEEP_MAX_VALUES)
		return too_many(g);
	for (uint64_t v = a;; v += s) {
		ret = push(g, v);
		if (ret < 0 || b - v < s)
			return ret;
	}
}

int sweep_grid_parse(const char *spec, enum sweep_unit unit, uint64_t **vals,
		     int *n, char *err, size_t errlen)
{
	struct grid g = { .spec = spec, .err = err, .errlen = errlen };
	char *buf = strdup(spec), *item = buf;
	int ret = 0;

	*vals = NULL;
	*n = 0;
	g.v = malloc(SWEEP_MAX_VALUES * sizeof(*g.v));
	if (!buf || !g.v) {
		free(buf);
		free(g.v);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (;;) {
		char *comma = strchr(item, ',');
		char *dots;
		uint64_t v;

		if (comma)
			*comma = '\0';
		dots = strstr(item, "..");
		if (!*item)
			ret = bad(&g, item, "empty item");
		else if (dots)
			ret = range(&g, unit, item, dots);
		else if (!(ret = value(&g, unit, item, item, &v)))
			ret = push(&g, v);
		if (ret || !comma)
			break;
		item = comma + 1;
	}
	free(buf);
	if (ret) {
		free(g.v);
		return ret;
	}
	*vals = g.v;
	*n = g.n;
	return 0;
}

void sweep_fmt_value(char *buf, size_t len, enum sweep_unit unit, uint64_t v)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "s", 1000000000ULL }, { "ms", 1000000 }, { "us", 1000 }, { "ns", 1 },
	};

	if (unit == SWEEP_COUNT) {
		snprintf(buf, len, "%llu", (unsigned long long)v);
		return;
	}
	/* The largest unit that shows v exactly; 0 is "0ns", not "0" (seconds). */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (v && v % units[i].ns == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(v / units[i].ns),
				 units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "0ns");
}
