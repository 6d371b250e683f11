// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl interface: copy arguments in, check every field (reserved
 * ones must be zero, -EINVAL), call the core, copy results out.  Unknown
 * commands, including known numbers with another size, get -ENOTTY.
 * A thread command from a thread that is not attached gets -ENOENT.
 */
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kgil_bpf.h"
#include "kgil_internal.h"

static bool kgil_all_zero(const __u64 *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

static long kgil_ioctl_features(void __user *uarg)
{
	struct kgil_features f = {
		.api_version = KGIL_API_VERSION,
		.max_threads = READ_ONCE(kgil_max_threads),
		.max_domains_per_user = READ_ONCE(kgil_max_domains_per_user),
		.features = KGIL_FEAT_LOCK | KGIL_FEAT_TIMEOUT | KGIL_FEAT_IO |
			    KGIL_FEAT_STATS | KGIL_FEAT_MMAP |
			    KGIL_FEAT_OWNER_DEATH | KGIL_FEAT_TRACEPOINTS |
			    KGIL_FEAT_URING_CMD |
			    KGIL_FEAT_SPIN | KGIL_FEAT_RESTART |
			    KGIL_FEAT_RESUME |
			    (kgil_bpf_available() ? KGIL_FEAT_BPF : 0) |
			    kgil_policy_features(),
	};

	strscpy(f.version, KGIL_VERSION, sizeof(f.version));
	if (copy_to_user(uarg, &f, sizeof(f)))
		return -EFAULT;
	return 0;
}

static long kgil_ioctl_set_policy(struct kgil_domain *dom, void __user *uarg)
{
	struct kgil_policy p;

	if (copy_from_user(&p, uarg, sizeof(p)))
		return -EFAULT;
	return kgil_domain_set_policy(dom, &p, NULL);
}

static long kgil_ioctl_get_policy(struct kgil_domain *dom, void __user *uarg)
{
	struct kgil_policy p;

	kgil_domain_get_policy(dom, &p, NULL);
	if (copy_to_user(uarg, &p, sizeof(p)))
		return -EFAULT;
	return 0;
}

/* Terminated within the field, zero after the NUL (may be empty). */
static bool kgil_name_ok(const char *name, size_t size)
{
	size_t len = strnlen(name, size);

	return len < size && !memchr_inv(name + len, 0, size - len);
}

static long kgil_ioctl_set_policy_named(struct kgil_domain *dom,
					void __user *uarg)
{
	struct kgil_policy_named n;

	if (copy_from_user(&n, uarg, sizeof(n)))
		return -EFAULT;
	if (!kgil_name_ok(n.name, sizeof(n.name)) ||
	    !kgil_all_zero(n.reserved, ARRAY_SIZE(n.reserved)))
		return -EINVAL;
	if (n.p.policy == KGIL_POLICY_BPF && !n.name[0])
		return -EINVAL;
	return kgil_domain_set_policy(dom, &n.p, n.name);
}

static long kgil_ioctl_get_policy_named(struct kgil_domain *dom,
					void __user *uarg)
{
	struct kgil_policy_named n = {};

	kgil_domain_get_policy(dom, &n.p, n.name);
	if (copy_to_user(uarg, &n, sizeof(n)))
		return -EFAULT;
	return 0;
}

static long kgil_ioctl_bpf_policies(void __user *uarg)
{
	struct kgil_bpf_policies l;
	int ret;

	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	if (l.reserved0 || !kgil_all_zero(l.reserved, ARRAY_SIZE(l.reserved)) ||
	    (!l.names && l.count))
		return -EINVAL;
	ret = kgil_bpf_list(u64_to_user_ptr(l.names), &l.count);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &l, sizeof(l)))
		return -EFAULT;
	return 0;
}

static long kgil_ioctl_attach(struct kgil_domain *dom, void __user *uarg)
{
	struct kgil_attach a;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || !kgil_all_zero(a.reserved, ARRAY_SIZE(a.reserved)))
		return -EINVAL;
	ret = kgil_thread_attach(dom, &a.id);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &a, sizeof(a))) {
		kgil_thread_detach(dom);
		return -EFAULT;
	}
	return 0;
}

/*
 * The call's absolute deadline (KTIME_MAX: none), fixed as it starts, so
 * that a restart keeps it whichever of its waits a signal cut: a
 * restarted call's deadline_ns, else now + timeout_ns.  Both saturate at
 * KTIME_MAX, which is no deadline at all: a wait that long cannot end.
 */
static ktime_t kgil_lock_deadline(const struct kgil_acquire *a)
{
	if (!(a->flags & KGIL_ACQUIRE_TIMEOUT))
		return KTIME_MAX;
	if (a->deadline_ns)
		return ns_to_ktime(min_t(u64, a->deadline_ns, KTIME_MAX));
	return ktime_add_safe(ktime_get(),
			      ns_to_ktime(min_t(u64, a->timeout_ns, KTIME_MAX)));
}

/* ACQUIRE, CHECK and IO_END share struct kgil_acquire. */
static long kgil_ioctl_lock(struct kgil_domain *dom, unsigned int cmd,
			    void __user *uarg)
{
	struct kgil_lock_res res = { 0 };
	struct kgil_lock_req req;
	struct kgil_acquire a;
	struct kgil_thread *t;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~KGIL_ACQUIRE_FLAGS_ALL) || a.reserved0)
		return -EINVAL;
	/* A timeout without the flag is a caller's mistake, not a no-op. */
	if (!(a.flags & KGIL_ACQUIRE_TIMEOUT) && (a.timeout_ns || a.deadline_ns))
		return -EINVAL;
	t = kgil_thread_get(dom);
	if (!t)
		return -ENOENT;

	req.flags = a.flags;
	req.deadline = kgil_lock_deadline(&a);
	req.io = cmd == KGIL_IOC_IO_END;
	req.resume_ns = a.resume_ns;
	if (cmd == KGIL_IOC_CHECK) {
		ret = kgil_check(dom, t, &req, &res);
		if (res.switched)
			res.result |= KGIL_ACQUIRED_SWITCHED;
	} else {
		ret = kgil_acquire(dom, t, &req, &res);
	}
	if (ret == -EPERM || ret == -EDEADLK)
		goto out;
	a.result = res.result;
	a.wait_ns = res.wait_ns;
	a.failed_attempts = res.failed;
	a.deadline_ns = 0;
	a.resume_ns = res.resume_ns;
	if (ret == -EINTR) {
		/*
		 * Restarted unless a handler runs (kgil_lock.c, "Signals"),
		 * with the same deadline, KTIME_MAX (none) included: a zero
		 * deadline_ns would make the restart time the call afresh.
		 */
		if (a.flags & KGIL_ACQUIRE_TIMEOUT) {
			a.deadline_ns = ktime_to_ns(req.deadline);
			a.timeout_ns = req.deadline == KTIME_MAX ? U64_MAX :
				max_t(s64, 0, ktime_to_ns(ktime_sub(req.deadline,
								    ktime_get())));
		}
		ret = -ERESTARTNOHAND;
	}
	if (copy_to_user(uarg, &a, sizeof(a))) {
		/* Keep the rule "an error means you do not hold the lock". */
		if (!ret)
			kgil_release(dom, t, KGIL_REL_EXPLICIT);
		/* A restart needs the time left, a success the results. */
		if (!ret || ret == -ERESTARTNOHAND)
			ret = -EFAULT;
	}
out:
	kgil_thread_put(t);
	return ret;
}

/* RELEASE and IO_BEGIN: _IO commands, the argument is ignored. */
static long kgil_ioctl_release(struct kgil_domain *dom,
			       enum kgil_release_reason reason)
{
	struct kgil_thread *t = kgil_thread_get(dom);
	int ret;

	if (!t)
		return -ENOENT;
	ret = kgil_release(dom, t, reason);
	kgil_thread_put(t);
	return ret;
}

static long kgil_ioctl_stats(struct kgil_domain *dom, void __user *uarg)
{
	struct kgil_stats st;
	int ret;

	if (copy_from_user(&st, uarg, sizeof(st)))
		return -EFAULT;
	if (st.scope != KGIL_STATS_DOMAIN && st.scope != KGIL_STATS_THREAD)
		return -EINVAL;
	if (st.scope == KGIL_STATS_DOMAIN && st.id)
		return -EINVAL;
	/* policy_name is out only: ignored, as old modules' zero check. */
	memset(st.policy_name, 0, sizeof(st.policy_name));
	memset(&st.c, 0, sizeof(st.c));
	ret = kgil_domain_stats(dom, &st);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

long kgil_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kgil_domain *dom = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KGIL_IOC_FEATURES:
		return kgil_ioctl_features(uarg);
	case KGIL_IOC_SET_POLICY:
		return kgil_ioctl_set_policy(dom, uarg);
	case KGIL_IOC_GET_POLICY:
		return kgil_ioctl_get_policy(dom, uarg);
	case KGIL_IOC_ATTACH:
		return kgil_ioctl_attach(dom, uarg);
	case KGIL_IOC_DETACH:
		return kgil_thread_detach(dom);
	case KGIL_IOC_ACQUIRE:
	case KGIL_IOC_CHECK:
	case KGIL_IOC_IO_END:
		return kgil_ioctl_lock(dom, cmd, uarg);
	case KGIL_IOC_RELEASE:
		return kgil_ioctl_release(dom, KGIL_REL_EXPLICIT);
	case KGIL_IOC_IO_BEGIN:
		return kgil_ioctl_release(dom, KGIL_REL_IO);
	case KGIL_IOC_STATS:
		return kgil_ioctl_stats(dom, uarg);
	case KGIL_IOC_SET_POLICY_NAMED:
		return kgil_ioctl_set_policy_named(dom, uarg);
	case KGIL_IOC_GET_POLICY_NAMED:
		return kgil_ioctl_get_policy_named(dom, uarg);
	case KGIL_IOC_BPF_POLICIES:
		return kgil_ioctl_bpf_policies(uarg);
	default:
		return -ENOTTY;
	}
}
