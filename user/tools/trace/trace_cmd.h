/* SPDX-License-Identifier: GPL-2.0 */
/* `kgil trace ...`: record, report, timeline, export (docs/tracing.md). */
#ifndef KGIL_TRACE_CMD_H
#define KGIL_TRACE_CMD_H

/* argv[0] is "trace"; returns the process exit status. */
int cmd_trace(int argc, char **argv);

int kt_cmd_record(int argc, char **argv);
int kt_cmd_run(int argc, char **argv);

#endif
