/* SPDX-License-Identifier: GPL-2.0 */
/* The module's parameters, /sys/module/kgil/parameters/NAME. */
#ifndef KGIL_TESTS_MODPARAM_H
#define KGIL_TESTS_MODPARAM_H

#include <stddef.h>

/* Write one (in the VM, as root): 0 or -errno. */
int modparam_set(const char *name, const char *value);
/* Read one into buf, without its newline: 0 or -errno. */
int modparam_get(const char *name, char *buf, size_t len);

#endif
