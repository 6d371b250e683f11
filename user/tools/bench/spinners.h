/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Idle spinners: one SCHED_IDLE busy-loop process per CPU, so that no CPU
 * ever halts while a scenario runs.  Under TCG a halted vCPU is a host
 * thread asleep, and waking it on a busy host can take milliseconds (a
 * socket round trip between two processes in the VM: p50 5 ms without
 * spinners, 0.12 ms with them, same minute).  SCHED_IDLE tasks yield to
 * any other task at once.  An experiment, off by default: the scenarios'
 * figures did not improve with them (docs/bench.md).
 */
#ifndef KGIL_TOOLS_SPINNERS_H
#define KGIL_TOOLS_SPINNERS_H

#include <stdbool.h>

enum spin_mode { SPIN_AUTO, SPIN_ON, SPIN_OFF };

/* auto: on inside the kgil VM (KGIL_IN_VM=1, set by scripts/vm-run). */
bool spinners_wanted(enum spin_mode mode);
/* Start one per CPU the process may run on; 0 or -errno. */
int spinners_start(void);
/* Kill and reap them (also safe when none were started). */
void spinners_stop(void);
bool spinners_running(void);

#endif
