/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libkgil: the userspace API of kgil.  (Grown by the libkgil issue; this
 * first cut only talks to the device.)  Every function returns 0 or a
 * negative errno value and never prints.
 */
#ifndef KGIL_H
#define KGIL_H

#include <linux/kgil.h>

#define KGIL_LIB_VERSION "0.1.0"

/* The library's version string. */
const char *kgil_lib_version(void);

/*
 * Query the module behind an open /dev/kgil descriptor (or open
 * KGIL_DEVICE_PATH when fd < 0).  Returns 0 or a negative errno.
 */
int kgil_query_features(int fd, struct kgil_features *out);

#endif /* KGIL_H */
