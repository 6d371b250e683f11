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
 *
 * The same holds for the raw_syscalls:sys_enter tracepoint that `kgil
 * bench` counts system calls with: its first perf user patches the
 * tracepoint's static key and static call in syscall_trace_enter() (the
 * site of two more such oopses), later perf users only take a reference
 * on perf's one probe.  Holding a disabled counter on it keeps the probe
 * registered: every system call in the guest then takes the syscall
 * tracing path, a few hundred nanoseconds that no figure is a ratio of
 * (docs/reliability.md).
 */
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int tracepoint_id(const char *sys, const char *event)
{
	char path[128];
	FILE *f;
	int id = -1;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s/id", sys, event);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &id) != 1)
		id = -1;
	fclose(f);
	return id;
}

static long open_disabled(__u32 type, __u64 config)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	a.config = config;
	a.disabled = 1;
	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

int main(void)
{
	int id = tracepoint_id("raw_syscalls", "sys_enter");

	if (open_disabled(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY) < 0) {
		perror("vm-perf-pin: perf_event_open (dummy)");
		return 1;
	}
	if (id < 0 || open_disabled(PERF_TYPE_TRACEPOINT, (__u64)id) < 0)
		perror("vm-perf-pin: perf_event_open (raw_syscalls:sys_enter)");
	/* vm-init.sh waits for this exit: the keys are set before any job. */
	if (fork() != 0)
		return 0;
	for (;;)
		pause();
}
