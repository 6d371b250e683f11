/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KGIL_REASONS_H
#define _KGIL_REASONS_H

/* Why a holder let go of the lock (tracepoint kgil_release, field reason). */
enum kgil_release_reason {
	KGIL_REL_EXPLICIT,	/* KGIL_IOC_RELEASE */
	KGIL_REL_CHECK,		/* a CHECK that gave the lock away */
	KGIL_REL_IO,		/* KGIL_IOC_IO_BEGIN */
	KGIL_REL_DETACH,	/* DETACH while holding */
	KGIL_REL_CLOSE,		/* the holder's process closed the domain */
	KGIL_REL_EXIT,		/* the holder exited or was killed */
};

#endif /* _KGIL_REASONS_H */
