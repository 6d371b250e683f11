// SPDX-License-Identifier: LGPL-2.1
/* struct kgil_counters bookkeeping, as the user backends keep it. */
#include <time.h>

#include "libkgil.h"

uint64_t kgil__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Bucket i holds waits in [2^i, 2^(i+1)) ns; 0 ns goes to bucket 0. */
static unsigned int wait_bucket(uint64_t ns)
{
	unsigned int b;

	if (ns < 2)
		return 0;
	b = 63U - (unsigned int)__builtin_clzll(ns);
	return b < KGIL_WAIT_HIST_BUCKETS ? b : KGIL_WAIT_HIST_BUCKETS - 1;
}

void kgil__count_acquire(struct kgil_counters *c, uint64_t wait_ns,
			 uint32_t failed)
{
	c->acquisitions++;
	c->failed_acquires += failed;
	c->total_wait_ns += wait_ns;
	if (wait_ns > c->max_wait_ns)
		c->max_wait_ns = wait_ns;
	c->wait_hist[wait_bucket(wait_ns)]++;
}

void kgil__count_release(struct kgil_counters *c, uint64_t hold_ns)
{
	c->releases++;
	c->total_hold_ns += hold_ns;
}

/* dst += src, for summing thread counters into domain counters. */
void kgil__counters_add(struct kgil_counters *dst,
			const struct kgil_counters *src)
{
	dst->acquisitions += src->acquisitions;
	dst->releases += src->releases;
	dst->handoffs += src->handoffs;
	dst->failed_acquires += src->failed_acquires;
	dst->drop_requests += src->drop_requests;
	dst->forced_switches += src->forced_switches;
	dst->owner_deaths += src->owner_deaths;
	dst->checks += src->checks;
	dst->io_begins += src->io_begins;
	dst->timeouts += src->timeouts;
	dst->interrupts += src->interrupts;
	dst->total_wait_ns += src->total_wait_ns;
	dst->total_hold_ns += src->total_hold_ns;
	if (src->max_wait_ns > dst->max_wait_ns)
		dst->max_wait_ns = src->max_wait_ns;
	for (unsigned int i = 0; i < KGIL_WAIT_HIST_BUCKETS; i++)
		dst->wait_hist[i] += src->wait_hist[i];
}
