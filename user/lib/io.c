// SPDX-License-Identifier: LGPL-2.1
/* The lock released around blocking I/O: kgil_io_begin / kgil_io_end. */
#include <errno.h>

#include "libkgil.h"

int kgil_io_begin(struct kgil *g)
{
	int ret = kgil__check_holding(g);

	if (ret)
		return ret;
	ret = g->ops->release(g, true);
	if (ret)
		return ret;
	kgil__tick_on_released();
	kgil__self.in_io = true;
	return 0;
}

int kgil_io_end(struct kgil *g, struct kgil_acquire_info *info)
{
	const struct kgil_acq_req req = { .io = true };
	int ret = kgil__check_attached(g);

	if (ret)
		return ret;
	if (!kgil__self.in_io)
		return -EPERM;
	return kgil__acquire(g, &req, info);
}
