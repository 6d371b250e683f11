/* SPDX-License-Identifier: GPL-2.0 */
/* Run a program and wait for it (the trace tools drive trace-cmd, gnuplot). */
#ifndef KGIL_TOOLS_SPAWN_H
#define KGIL_TOOLS_SPAWN_H

/*
 * Run argv[0] (looked up in PATH) with argv and wait.  Returns its exit
 * status, 128 + the signal that killed it, or a negative errno if it could
 * not be started.  SIGINT and SIGQUIT are ignored here while it runs, so
 * ^C stops the child (trace-cmd finishes its file) and not the waiter.
 */
int spawn_wait(char *const argv[]);
/* The same with the child's stdout and stderr going to the file log
 * (created or truncated) when log is not NULL. */
int spawn_wait_log(char *const argv[], const char *log);

#endif
