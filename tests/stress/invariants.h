/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lock's bookkeeping invariant, read back from KGIL_IOC_STATS once a
 * domain is quiet: every acquisition ended in a release or is the one
 * still held.  The module counts the release forced by a holder's death
 * (reason exit) as a release too, and counts it again in owner_deaths, so
 * owner deaths are a part of the releases.  A lost wakeup, a double
 * release or a death that was not accounted shows here as an imbalance.
 */
#ifndef KGIL_STRESS_INVARIANTS_H
#define KGIL_STRESS_INVARIANTS_H

#include <inttypes.h>
#include <stdio.h>
#include "raw.h"

/*
 * Returns 1 when the counts of domain fd balance, 0 when they do not (and
 * says why on stderr), -errno when STATS itself failed.  A holder that is
 * still being reaped (a thread in the middle of exiting) gets up to
 * settle_ms to go.
 */
static inline int check_balance(int fd, const char *who, int settle_ms,
				struct kgil_stats *out)
{
	struct kgil_stats st;
	const struct kgil_counters *c = &st.c;
	int ret;

	for (;;) {
		ret = raw_stats(fd, KGIL_STATS_DOMAIN, 0, &st);
		if (ret)
			return ret;
		if (!st.holder_id || settle_ms <= 0)
			break;
		usleep(10000);
		settle_ms -= 10;
	}
	if (out)
		*out = st;
	if (c->acquisitions == c->releases + (st.holder_id ? 1 : 0) &&
	    c->owner_deaths <= c->releases)
		return 1;
	fprintf(stderr, "%s: domain %" PRIu64 ": counts do not balance: "
		"acquisitions %" PRIu64 ", releases %" PRIu64 " (of which owner "
		"deaths %" PRIu64 "), held %d\n", who, (uint64_t)st.domain_id,
		(uint64_t)c->acquisitions, (uint64_t)c->releases,
		(uint64_t)c->owner_deaths, st.holder_id ? 1 : 0);
	return 0;
}

#endif /* KGIL_STRESS_INVARIANTS_H */
