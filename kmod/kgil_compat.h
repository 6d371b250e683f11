/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels kgil builds for (Debian's 6.1 and
 * 6.12 LTS, and what lies between and beyond), in one place.  Each is a
 * feature test: a probe compiled against the kernel at build time
 * (kmod/conftest.sh, KGIL_HAVE_*) or a macro the kernel's own headers
 * define, never a version number, so backports and distribution kernels
 * get what they actually have.  The rest of kmod/ is written against the
 * modern API; the wrappers here give it that API on older kernels.
 */
#ifndef _KGIL_COMPAT_H
#define _KGIL_COMPAT_H

#include <linux/mm.h>
#include <linux/io_uring.h>
#include <linux/io_uring_types.h>
#include <linux/percpu-refcount.h>
#include <linux/sched.h>

#include "kgil_conftest.h"

/* ---- vm_flags (read-only since 6.3) ----------------------------------- */

#ifndef KGIL_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/* ---- io_uring commands ------------------------------------------------ */

#ifdef KGIL_HAVE_URING_CMD_SQE
#include <linux/io_uring/cmd.h>

/* The command area of the SQE. */
static inline const void *kgil_uring_cmd_area(const struct io_uring_cmd *cmd)
{
	return io_uring_sqe_cmd(cmd->sqe);
}

/*
 * sqe->addr and sqe->len, which KGIL_URING_CMD_ACQUIRE reserves: io_uring
 * keeps the whole SQE (in the ring, or its own copy) for the issue.
 */
static inline bool kgil_uring_sqe_reserved_zero(const struct io_uring_cmd *cmd)
{
	return !READ_ONCE(cmd->sqe->addr) && !READ_ONCE(cmd->sqe->len);
}
#else
static inline const void *kgil_uring_cmd_area(const struct io_uring_cmd *cmd)
{
	return cmd->cmd;
}

/*
 * Before 6.5 the request keeps neither addr nor len: the driver sees the
 * SQE only while the request is issued straight from the submission
 * ring, before io_uring copies the command area aside
 * (REQ_F_ASYNC_DATA: a linked or deferred request).  A request issued
 * from the copy cannot be checked: true then.
 */
static inline bool kgil_uring_sqe_reserved_zero(const struct io_uring_cmd *cmd)
{
	const struct io_uring_sqe *sqe;

	if (cmd_to_io_kiocb((struct io_uring_cmd *)cmd)->flags &
	    REQ_F_ASYNC_DATA)
		return true;
	sqe = (const void *)((const u8 *)cmd->cmd -
			     offsetof(struct io_uring_sqe, cmd));
	return !READ_ONCE(sqe->addr) && !READ_ONCE(sqe->len);
}
#endif

/* The task that submitted the request (it owns the acquisition). */
static inline struct task_struct *kgil_uring_cmd_task(struct io_uring_cmd *cmd)
{
	return cmd_to_io_kiocb(cmd)->task;
}

/*
 * Cancellation.  Since 6.7 a driver marks a queued command cancelable,
 * and io_uring calls ->uring_cmd() again with IO_URING_F_CANCEL when the
 * ring is torn down or the task cancels all its requests (execve()):
 * kgil_uring_cmd() then ends the acquisition with -ECANCELED.
 *
 * Before, io_uring cannot cancel a command, and a ring being torn down
 * waits for every request of it: a queued acquisition has to notice by
 * itself (KGIL_URING_POLL).
 *
 * On every kernel io-wq can issue a request after the ring's last user
 * closed it (the worker had taken the work from its queue, and was then
 * kept off its CPU), and nothing cancels a request that is not queued
 * yet: the issue itself has to notice (kgil_uring_unreapable()).  The
 * io_uring internals read for that are here and nowhere else.
 */

/*
 * The ring is being torn down: its last user closed it, synchronously in
 * that close() (io_ring_ctx_wait_and_kill() kills ctx->refs before the
 * exit work cancels anything).
 */
static inline bool kgil_uring_ring_dying(struct io_uring_cmd *cmd)
{
	return percpu_ref_is_dying(&cmd_to_io_kiocb(cmd)->ctx->refs);
}

/*
 * The submitting task cancels all its requests: it exits (from
 * io_uring_files_cancel(), before PF_EXITING) or execs.  The count is
 * read by the issuer (io-wq: the task's io-wq, and so its context, lives
 * until its workers are gone) or by a work while the request is pending
 * (the task's cancel waits for it, so the context stays).
 */
static inline bool kgil_uring_task_cancelling(struct io_uring_cmd *cmd)
{
	struct task_struct *task = cmd_to_io_kiocb(cmd)->task;

#ifdef KGIL_HAVE_URING_TASK_IN_CANCEL
	return task->io_uring && atomic_read(&task->io_uring->in_cancel);
#else
	return task->io_uring && atomic_read(&task->io_uring->in_idle);
#endif
}

#ifdef IORING_URING_CMD_CANCELABLE
#define KGIL_URING_POLL 0
#else
#define KGIL_URING_POLL 1
#define IO_URING_F_CANCEL 0

static inline void io_uring_cmd_mark_cancelable(struct io_uring_cmd *cmd,
						unsigned int issue_flags)
{
}
#endif

/*
 * A queued request re-evaluated: nobody will use a grant.  The ring is
 * being torn down (since 6.7 io_uring's cancel comes a little later,
 * from its exit work: a wake-up meanwhile must not grant), or, before
 * 6.7, the task is cancelling all its requests in execve(), which waits
 * for us.  An exiting task also raises the cancel count, and leaves it
 * raised, but cancels only the requests io_uring tracks, not this one:
 * the exit probe ends it (-EBADF) just after.  PF_EXITING cannot tell
 * the two apart (exit sets it only after cancelling, and a
 * re-evaluation in between, a policy timer on a loaded machine, saw an
 * exit as a cancel); in_execve can.
 */
static inline bool kgil_uring_abandoned(struct io_uring_cmd *cmd)
{
#if KGIL_URING_POLL
	if (kgil_uring_task_cancelling(cmd) &&
	    kgil_uring_cmd_task(cmd)->in_execve)
		return true;
#endif
	return kgil_uring_ring_dying(cmd);
}

/*
 * A request being issued: nobody would reap a grant, or the task leaves
 * the domain before it could use one (its exit probe would release the
 * lock as an owner's death).
 */
static inline bool kgil_uring_unreapable(struct io_uring_cmd *cmd)
{
	return kgil_uring_ring_dying(cmd) || kgil_uring_task_cancelling(cmd) ||
	       (kgil_uring_cmd_task(cmd)->flags & PF_EXITING);
}

#endif /* _KGIL_COMPAT_H */
