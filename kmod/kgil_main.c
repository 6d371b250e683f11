// SPDX-License-Identifier: GPL-2.0
/*
 * kgil: a Python-style global interpreter lock as a misc device.
 *
 * This file holds the device plumbing: module parameters and life cycle,
 * open/flush/release/mmap, and the per-user domain limit.  Each open file
 * description is one lock domain (kgil_domain.c); the lock is in
 * kgil_lock.c (locking rules at its top), threads in kgil_thread.c, the
 * ioctls in kgil_ioctl.c, the policies in kgil_policy*.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/threads.h>
#include <linux/xarray.h>

#include "kgil_compat.h"
#include "kgil_bpf.h"
#include "kgil_internal.h"

#define CREATE_TRACE_POINTS
#include "kgil_trace.h"

/*
 * An attached thread costs the module one struct kgil_thread (560 bytes
 * on x86-64, a 1 KiB kmalloc object) and a slot of its domain's id
 * xarray, about 1 KiB in all, charged to the attaching task's memory
 * cgroup; its wait is on its own stack.  Its task already costs the
 * kernel far more (a 16 KiB stack, the task_struct), and a thread is
 * attached only while it lives (exit detaches).  So the default does not
 * bound a domain below what the kernel holds: PID_MAX_LIMIT, the most
 * tasks a kernel can have.  Thread servers (thousands of Python threads
 * in one process) must not hit a limit of ours before the kernel's
 * threads-max and pid_max; max_threads stays to cap a domain lower.
 */
#define KGIL_MAX_THREADS_LIMIT PID_MAX_LIMIT

unsigned int kgil_max_threads = KGIL_MAX_THREADS_LIMIT;
unsigned int kgil_max_domains_per_user = 1024;
unsigned int kgil_max_thread_id = UINT_MAX;

static int kgil_set_max_threads(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, KGIL_MAX_THREADS_LIMIT);
}

static const struct kernel_param_ops kgil_max_threads_ops = {
	.set = kgil_set_max_threads,
	.get = param_get_uint,
};

/* Writable by root at run time; a change applies to later attaches/opens. */
module_param_cb(max_threads, &kgil_max_threads_ops, &kgil_max_threads, 0644);
MODULE_PARM_DESC(max_threads, "Threads per domain, 1..4194304 (default 4194304, PID_MAX_LIMIT: the kernel's own task limits bound it first); an attached thread costs about 1 KiB of kernel memory: ATTACH beyond it fails with ENOSPC");
/*
 * Where a domain's thread ids wrap: 2^32 - 1, lowered only to reach the
 * wrap in a test without billions of attaches.  Read at each attach.
 */
static int kgil_set_max_thread_id(const char *val,
				  const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, UINT_MAX);
}

static const struct kernel_param_ops kgil_max_thread_id_ops = {
	.set = kgil_set_max_thread_id,
	.get = param_get_uint,
};

module_param_cb(max_thread_id, &kgil_max_thread_id_ops, &kgil_max_thread_id,
		0644);
MODULE_PARM_DESC(max_thread_id, "The highest thread id a domain gives, 1..4294967295 (the default): ids start again from 1 after it, skipping those of attached threads; with all taken ATTACH fails with ENOSPC");
module_param_named(max_domains_per_user, kgil_max_domains_per_user, uint, 0644);
MODULE_PARM_DESC(max_domains_per_user, "Open domains per user, 0 = unlimited (default 1024): open beyond it fails with EMFILE");

/*
 * A BPF policy's hook runs under a domain's spinlock: a policy whose
 * calls overrun this, KGIL_BPF_OVERRUNS times in KGIL_BPF_WINDOW calls,
 * is ejected (kgil_bpf.c).  The example policies' hooks average 0.4 to
 * 5.7 us a call even under qemu's TCG (docs/bpf.md, Bounds on time):
 * 250 us leaves room for an interrupt in the middle, not for a loop.
 */
unsigned int kgil_bpf_budget_ns = 250000;
module_param_named(bpf_budget_ns, kgil_bpf_budget_ns, uint, 0644);
MODULE_PARM_DESC(bpf_budget_ns, "Longest call of a BPF policy's hook, in ns (default 250000): a policy over it 8 times in 64 calls is ejected, its domains go to fifo");

/*
 * kgil_bpf_waiter_tid() walks the queue: what one hook's call may walk in
 * all, so that a loop of calls (the verifier allows 10^5 of them) is not
 * 10^5 walks of a thousand waiters under the domain's lock.
 */
unsigned int kgil_bpf_waiter_steps = 1 << 20;
module_param_named(bpf_waiter_steps, kgil_bpf_waiter_steps, uint, 0644);
MODULE_PARM_DESC(bpf_waiter_steps, "Queue entries kgil_bpf_waiter_tid() may walk in one call of a BPF hook, in all (default 1048576); past it, it answers 0");

atomic_t kgil_nr_domains = ATOMIC_INIT(0);
atomic_t kgil_nr_threads = ATOMIC_INIT(0);

/* ---- domains per user ----------------------------------------------- */

/* uid -> number of open domains (xa_mk_value), under kgil_users_mutex. */
static DEFINE_MUTEX(kgil_users_mutex);
static DEFINE_XARRAY(kgil_users);

static unsigned long kgil_user_count(kuid_t uid)
{
	void *v = xa_load(&kgil_users, __kuid_val(uid));

	return v ? xa_to_value(v) : 0;
}

static int kgil_user_get(kuid_t uid)
{
	unsigned int max = READ_ONCE(kgil_max_domains_per_user);
	unsigned long n;
	int ret;

	mutex_lock(&kgil_users_mutex);
	n = kgil_user_count(uid);
	if (max && n >= max)
		ret = -EMFILE;
	else
		ret = xa_err(xa_store(&kgil_users, __kuid_val(uid),
				      xa_mk_value(n + 1), GFP_KERNEL));
	mutex_unlock(&kgil_users_mutex);
	return ret;
}

static void kgil_user_put(kuid_t uid)
{
	unsigned long n;

	mutex_lock(&kgil_users_mutex);
	n = kgil_user_count(uid);
	if (n <= 1)
		xa_erase(&kgil_users, __kuid_val(uid));
	else	/* replacing an entry allocates nothing: cannot fail */
		xa_store(&kgil_users, __kuid_val(uid), xa_mk_value(n - 1),
			 GFP_KERNEL);
	mutex_unlock(&kgil_users_mutex);
}

/* ---- file operations ------------------------------------------------ */

static int kgil_file_open(struct inode *inode, struct file *file)
{
	kuid_t uid = current_uid();
	struct kgil_domain *dom;
	int ret;

	ret = kgil_user_get(uid);
	if (ret)
		return ret;
	dom = kgil_domain_alloc(uid);
	if (!dom) {
		kgil_user_put(uid);
		return -ENOMEM;
	}
	file->private_data = dom;
	trace_kgil_open(dom);
	return 0;
}

static int kgil_same_file(const void *file, struct file *f, unsigned int fd)
{
	return f == file;
}

/*
 * ->flush runs at every close().  When the closing file table holds no
 * other descriptor of this domain, its process has closed the domain: its
 * threads leave it (kgil_detach_files()).  At exit, the threads are already
 * gone through the exit probe, which runs before exit_files().
 *
 * A close by a task in execve() is its close-on-exec, which runs past
 * the point of no return but may run before exec_mm_release(), where
 * the exec probe detaches it: its program image is dying, so it leaves
 * every domain now as it would there, an owner death if it holds, not
 * a close (kgil_thread.c, "exit and exec").
 */
static int kgil_flush(struct file *file, fl_owner_t id)
{
	if (current->in_execve)
		kgil_thread_exit_task(current);
	if (!id || iterate_fd(id, 0, kgil_same_file, file))
		return 0;
	kgil_detach_files(file->private_data, id, false);
	return 0;
}

static int kgil_file_release(struct inode *inode, struct file *file)
{
	struct kgil_domain *dom = file->private_data;
	/*
	 * The last reference: no ioctl runs and no mapping exists.  Whoever
	 * is still attached (threads of processes that never closed their
	 * descriptor through ->flush) leaves now.
	 */
	u32 nr = kgil_detach_files(dom, NULL, true);

	trace_kgil_close(dom, nr);
	kgil_user_put(dom->uid);
	kgil_domain_put(dom);
	return 0;
}

/*
 * The shared page is mapped on demand by a fault handler rather than
 * inserted once at mmap time: madvise(MADV_DONTNEED), and anything else
 * that zaps the range, only drops the page table entry, and the next
 * access must find the page again instead of dying of SIGBUS.  The
 * mapping holds the file, so the domain and its page outlive it.
 */
static vm_fault_t kgil_vm_fault(struct vm_fault *vmf)
{
	struct kgil_domain *dom = vmf->vma->vm_file->private_data;
	struct page *page = virt_to_page(dom->shared);

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct kgil_vm_ops = {
	.fault = kgil_vm_fault,
};

/*
 * One read-only page at offset 0.  Writable or executable mappings are
 * refused, and VM_MAYWRITE and VM_MAYEXEC are cleared so mprotect()
 * cannot add either later (EACCES): the page is kernel data that
 * userspace only reads.
 */
static int kgil_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;
	vm_flags_clear(vma, VM_MAYWRITE | VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTEXPAND);
	vma->vm_ops = &kgil_vm_ops;
	return 0;
}

static const struct file_operations kgil_fops = {
	.owner = THIS_MODULE,
	.open = kgil_file_open,
	.flush = kgil_flush,
	.release = kgil_file_release,
	.mmap = kgil_mmap,
	.unlocked_ioctl = kgil_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.uring_cmd = kgil_uring_cmd,
	.llseek = noop_llseek,
};

static struct miscdevice kgil_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kgil",
	.fops = &kgil_fops,
	.mode = 0666,
};

static int __init kgil_init(void)
{
	int ret;

	ret = kgil_thread_registry_init();
	if (ret)
		return ret;
	kgil_bpf_init();
	ret = misc_register(&kgil_misc);
	if (ret) {
		kgil_thread_registry_exit();
		return ret;
	}
	pr_info("version %s loaded\n", KGIL_VERSION);
	return 0;
}

static void __exit kgil_exit(void)
{
	misc_deregister(&kgil_misc);
	kgil_bpf_exit();
	kgil_thread_registry_exit();
	/* Threads are freed with kfree_rcu(): let those callbacks run. */
	rcu_barrier();
	if (atomic_read(&kgil_nr_domains) || atomic_read(&kgil_nr_threads))
		pr_err("leak: %d domains, %d threads still allocated\n",
		       atomic_read(&kgil_nr_domains),
		       atomic_read(&kgil_nr_threads));
	xa_destroy(&kgil_users);
}

module_init(kgil_init);
module_exit(kgil_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kgil developers");
MODULE_DESCRIPTION("A Python-style global interpreter lock with tracepoints");
MODULE_VERSION(KGIL_VERSION);
