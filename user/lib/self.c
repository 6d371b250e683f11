// SPDX-License-Identifier: LGPL-2.1
/*
 * The calling thread's state: which domain it is attached to, whether it
 * holds the lock, and the rules every entry point checks against it, so
 * that misuse gets the same errno on every backend before any backend is
 * asked.
 */
#include <errno.h>

#include "libkgil.h"

__thread struct kgil__tls kgil__tls KGIL__TLS_MODEL;
__thread struct kgil_self kgil__self;

uint32_t kgil_self_id(void)
{
	return kgil__tls.g ? kgil__self.id : 0;
}

int kgil__check_attached(const struct kgil *g)
{
	if (!g)
		return -EINVAL;
	return kgil__tls.g == g ? 0 : -ENOENT;
}

int kgil__check_holding(const struct kgil *g)
{
	int ret = kgil__check_attached(g);

	if (ret)
		return ret;
	return kgil__self.held ? 0 : -EPERM;
}

void kgil__tick_on_acquired(struct kgil *g)
{
	kgil__self.held = true;
	kgil__self.in_io = false;
	g->ops->tick_reload(g, &kgil__tls);
}

/* A zero countdown sends any tick of a non-holder to the slow path. */
void kgil__tick_on_released(void)
{
	kgil__self.held = false;
	kgil__tls.countdown = 0;
}

/*
 * After a check (explicit or from a tick): the thread holds the lock again
 * unless retaking it failed (a signal, the domain closed, a deadline).
 */
int kgil__after_check(struct kgil *g, int ret)
{
	if (ret == -EINTR || ret == -EBADF || ret == -ETIMEDOUT)
		kgil__tick_on_released();
	else if (ret >= 0)
		g->ops->tick_reload(g, &kgil__tls);
	return ret;
}
