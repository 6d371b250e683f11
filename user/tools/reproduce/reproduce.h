/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_REPRODUCE_H
#define KGIL_TOOLS_REPRODUCE_H

/* `kgil reproduce`: the published GIL experiments, one table (docs/results.md). */
int cmd_reproduce(int argc, char **argv);

#endif
