// SPDX-License-Identifier: GPL-2.0
/*
 * kgil: a Python-style global interpreter lock as a misc device.
 *
 * This file holds the device plumbing: registration, open/release and the
 * ioctl dispatch.  Each open file description is one lock domain.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/kgil.h>

#define CREATE_TRACE_POINTS
#include "kgil_trace.h"

#define KGIL_VERSION "0.1.0"

static unsigned int max_threads = 1024;
module_param(max_threads, uint, 0444);
MODULE_PARM_DESC(max_threads, "Threads per domain (default 1024)");

/* Domain ids only grow, so a trace never shows two domains with one id. */
static atomic64_t kgil_next_domain_id = ATOMIC64_INIT(0);

struct kgil_domain {
	u64 id;
};

static int kgil_open(struct inode *inode, struct file *file)
{
	struct kgil_domain *dom;

	dom = kzalloc(sizeof(*dom), GFP_KERNEL_ACCOUNT);
	if (!dom)
		return -ENOMEM;
	dom->id = atomic64_inc_return(&kgil_next_domain_id);
	file->private_data = dom;
	trace_kgil_open(dom->id, task_tgid_nr(current),
			from_kuid_munged(current_user_ns(), current_uid()));
	return 0;
}

static int kgil_release(struct inode *inode, struct file *file)
{
	struct kgil_domain *dom = file->private_data;

	trace_kgil_close(dom->id, 0);
	kfree(dom);
	return 0;
}

static long kgil_ioctl_features(void __user *uarg)
{
	struct kgil_features f = {
		.api_version = KGIL_API_VERSION,
		.max_threads = max_threads,
		.features = KGIL_FEAT_TRACEPOINTS,
	};

	strscpy(f.version, KGIL_VERSION, sizeof(f.version));
	if (copy_to_user(uarg, &f, sizeof(f)))
		return -EFAULT;
	return 0;
}

static long kgil_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KGIL_IOC_FEATURES:
		return kgil_ioctl_features(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations kgil_fops = {
	.owner = THIS_MODULE,
	.open = kgil_open,
	.release = kgil_release,
	.unlocked_ioctl = kgil_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
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

	ret = misc_register(&kgil_misc);
	if (ret)
		return ret;
	pr_info("version %s loaded\n", KGIL_VERSION);
	return 0;
}

static void __exit kgil_exit(void)
{
	misc_deregister(&kgil_misc);
}

module_init(kgil_init);
module_exit(kgil_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kgil developers");
MODULE_DESCRIPTION("A Python-style global interpreter lock with tracepoints");
MODULE_VERSION(KGIL_VERSION);
