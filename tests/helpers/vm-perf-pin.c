// SPDX-License-Identifier: GPL-2.0
/*
 * vm-perf-pin: scripts/vm-init.sh starts it in the test VM, where it
 * holds one disabled per-task perf event (a software dummy, counting
 * nothing) for the VM's whole life.
 *
 * Why: every per-task perf event created or freed may flip the kernel's
 * perf_sched_events static key, which patches __schedule() through int3
 * breakpoints (text_poke_bp()).  `kgil bench` opens such an event for
 * each phase it counts system calls in, so a test run flips the key
 * hundreds of times, and under qemu's TCG a vCPU has been seen to run
 * into a breakpoint the patcher had already removed: "Oops: int3" at
 * __schedule+0x407 in a 6.12 guest, in kernel code kgil never touches.
 * With the key held enabled from boot it is never patched again.  The
 * cost is a pointer test per context switch for tasks without events.
 */
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct perf_event_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.disabled = 1;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0) {
		perror("vm-perf-pin: perf_event_open");
		return 1;
	}
	for (;;)
		pause();
}
