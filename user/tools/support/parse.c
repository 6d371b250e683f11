// SPDX-License-Identifier: GPL-2.0
/* Parsing of option values: counts, times with units, CPU lists. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support/parse.h"

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_time_ns(const char *s, uint64_t *out)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e9 },
	};
	char *end;
	double v;

	if (!s || ((*s < '0' || *s > '9') && *s != '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			if (v * units[i].ns > 1e18)
				return -ERANGE;
			*out = (uint64_t)(v * units[i].ns + 0.5);
			return 0;
		}
	}
	return -EINVAL;
}

int parse_cpus(const char *s, cpu_set_t *out)
{
	CPU_ZERO(out);
	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		char *end;
		unsigned long a, b;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b >= CPU_SETSIZE)
			return -EINVAL;
		for (unsigned long c = a; c <= b; c++)
			CPU_SET(c, out);
		if (*end == ',')
			end++;
		else if (*end)
			return -EINVAL;
		s = end;
	}
	return CPU_COUNT(out) ? 0 : -EINVAL;
}

int parse_spin_mode(const char *s, enum spin_mode *out)
{
	static const char *const names[] = { [SPIN_AUTO] = "auto", [SPIN_ON] = "on",
					     [SPIN_OFF] = "off" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (s && !strcmp(s, names[i])) {
			*out = (enum spin_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}
