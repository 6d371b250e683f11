// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/spinners.h"

static pid_t *pids;
static int npids;

bool spinners_wanted(enum spin_mode mode)
{
	const char *vm = getenv("KGIL_IN_VM");

	if (mode != SPIN_AUTO)
		return mode == SPIN_ON;
	return vm && !strcmp(vm, "1");
}

static void __attribute__((noreturn)) spin_on(int cpu, pid_t parent)
{
	struct sched_param sp = { 0 };
	cpu_set_t one;

	/* Die with the harness, whatever happens to it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0 ||
	    sched_setscheduler(0, SCHED_IDLE, &sp) < 0)
		_exit(1);
	/*
	 * No PAUSE: QEMU's TCG turns it into an exit from translated code,
	 * through the big lock, which slows the other vCPUs down.
	 */
	for (;;)
		__asm__ volatile("" ::: "memory");
}

int spinners_start(void)
{
	cpu_set_t mask;
	pid_t parent = getpid();

	if (sched_getaffinity(0, sizeof(mask), &mask) < 0)
		return -errno;
	pids = calloc(CPU_COUNT(&mask), sizeof(*pids));
	if (!pids)
		return -ENOMEM;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		pid_t pid;

		if (!CPU_ISSET(cpu, &mask))
			continue;
		pid = fork();
		if (pid < 0) {
			int ret = -errno;

			spinners_stop();
			return ret;
		}
		if (pid == 0)
			spin_on(cpu, parent);
		pids[npids++] = pid;
	}
	return 0;
}

void spinners_stop(void)
{
	for (int i = 0; i < npids; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < npids; i++)
		waitpid(pids[i], NULL, 0);
	free(pids);
	pids = NULL;
	npids = 0;
}

bool spinners_running(void)
{
	return npids > 0;
}
