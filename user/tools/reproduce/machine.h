/* SPDX-License-Identifier: GPL-2.0 */
/* What a run ran on, for the report: the machine, the kernel, the module. */
#ifndef KGIL_TOOLS_MACHINE_H
#define KGIL_TOOLS_MACHINE_H

struct res;

/*
 * Add to o: hostname, product (DMI), virtualization (inside the kgil VM),
 * cpu_model, memory_mb, kernel_version (uname -v) and module_version;
 * what cannot be read is left out.
 */
void machine_describe(struct res *o);

#endif
