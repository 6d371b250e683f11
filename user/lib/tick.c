// SPDX-License-Identifier: LGPL-2.1
/*
 * kgil_tick's slow path (the fast path is inline in kgil.h): a misplaced
 * tick gets its errno, a holder's tick lets the backend decide whether a
 * check is due, then the countdown starts again.
 */
#include <errno.h>

#include "libkgil.h"

int kgil__tick_slow(void)
{
	struct kgil__tls *t = &kgil__tls;
	struct kgil *g = t->g;

	if (!g) {
		t->countdown = 0;
		return -ENOENT;
	}
	if (!kgil__self.held) {
		t->countdown = 0;
		return -EPERM;
	}
	return kgil__after_check(g, g->ops->tick(g, t));
}

int kgil_tick_run(void)
{
	return kgil__tick_slow();
}
