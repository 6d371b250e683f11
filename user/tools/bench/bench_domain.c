// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/crew.h"
#include "bench/bench_domain.h"
#include "support/result.h"

int domain_open(const struct bench_opts *o, struct kgil **out)
{
	struct kgil_policy p;
	struct kgil *g;
	int ret;

	ret = kgil_open(o->backend, &g);
	if (ret < 0) {
		fprintf(stderr, "kgil: cannot open a %s domain: %s%s\n",
			kgil_backend_name(o->backend), strerror(-ret),
			ret == -ENOENT && o->backend == KGIL_BACKEND_KERNEL ?
			" (module not loaded? try --backend user-newgil)" : "");
		return ret;
	}
	if (o->policy || o->check_interval || o->switch_interval_ns ||
	    o->handoff_spin_ns >= 0) {
		uint32_t id = o->policy;

		if (!id) {
			ret = kgil_get_policy(g, &p);
			if (ret < 0)
				goto fail;
			id = p.policy;
		}
		ret = kgil_policy_default(id, &p);
		if (ret < 0)
			goto fail;
		if (o->check_interval)
			p.check_interval = o->check_interval;
		if (o->switch_interval_ns)
			p.switch_interval_ns = o->switch_interval_ns;
		if (o->handoff_spin_ns >= 0)
			p.spin_ns = (uint64_t)o->handoff_spin_ns;
		/* A BPF policy by its name (bench_run found or loaded it). */
		ret = kgil_set_policy_named(g, &p, id == KGIL_POLICY_BPF ?
					    o->bpf_name : NULL);
		if (ret < 0)
			goto fail;
	}
	*out = g;
	return 0;
fail:
	fprintf(stderr, "kgil: cannot set policy %s%s%s on %s: %s\n",
		o->policy ? kgil_policy_name(o->policy) : "(default)",
		o->policy == KGIL_POLICY_BPF ? ":" : "",
		o->policy == KGIL_POLICY_BPF ? o->bpf.bpf : "",
		kgil_backend_name(o->backend), strerror(-ret));
	kgil_close(g);
	return ret;
}

/* "fifo", or "bpf:NAME" for a BPF policy. */
static void put_policy_name(struct res *r, struct kgil *g, uint32_t id)
{
	char name[KGIL_POLICY_NAME_LEN], full[KGIL_POLICY_NAME_LEN + 4];

	if (id != KGIL_POLICY_BPF || kgil_get_policy_name(g, name) < 0) {
		res_str(r, "policy", kgil_policy_name(id));
		return;
	}
	snprintf(full, sizeof(full), "bpf:%.*s", KGIL_POLICY_NAME_LEN - 1, name);
	res_str(r, "policy", full);
}

static void domain_put(struct res *r, struct kgil *g)
{
	struct kgil_policy p;

	res_str(r, "backend", kgil_backend_name(kgil_backend_of(g)));
	if (kgil_get_policy(g, &p) < 0) {
		res_null(r, "policy");
		return;
	}
	put_policy_name(r, g, p.policy);
	res_int(r, "check_interval", p.check_interval);
	res_int(r, "switch_interval_ns", (int64_t)p.switch_interval_ns);
	res_bool(r, "force_switch", p.flags & KGIL_POLICY_FORCE_SWITCH);
	res_int(r, "spin_ns", (int64_t)p.spin_ns);
}

int domain_describe(const struct bench_opts *o, struct res *out)
{
	struct kgil *g;
	int ret = domain_open(o, &g);

	if (ret < 0)
		return ret;
	domain_put(out, g);
	kgil_close(g);
	return 0;
}

int domain_attach(struct kgil *g)
{
	int ret = kgil_attach(g);

	if (ret < 0)
		fprintf(stderr, "kgil: attach: %s\n", strerror(-ret));
	return ret < 0 ? ret : 0;
}

int domain_acquire(struct kgil *g)
{
	int ret = kgil_acquire(g, NULL);

	if (ret < 0) {
		fprintf(stderr, "kgil: acquire: %s\n", strerror(-ret));
		kgil_detach(g);
	}
	return ret;
}

int domain_join(struct kgil *g, struct crew_member *m)
{
	int ret = domain_attach(g);

	crew_start(m);
	return ret < 0 ? ret : domain_acquire(g);
}

int domain_enter(struct kgil *g)
{
	int ret = domain_attach(g);

	return ret < 0 ? ret : domain_acquire(g);
}

void domain_leave(struct kgil *g, bool holding)
{
	if (holding)
		kgil_release(g);
	kgil_detach(g);
}
