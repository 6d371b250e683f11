// SPDX-License-Identifier: GPL-2.0
/* The device itself: it opens, answers the features query, refuses what it
 * does not know, and its open tracepoint reaches tracefs with its fields. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kgil.h>

#include "raw.h"
#include "tracecap.h"

Test(device, opens_and_closes)
{
	int fd = open(KGIL_DEVICE_PATH, O_RDWR);

	cr_assert_geq(fd, 0, "open %s: %s", KGIL_DEVICE_PATH, strerror(errno));
	cr_assert_eq(close(fd), 0);
}

Test(device, features_report_version)
{
	struct kgil_features f;
	int fd = raw_open(O_CLOEXEC);

	cr_assert_geq(fd, 0);
	memset(&f, 0xff, sizeof(f));
	cr_assert_eq(raw_ioctl(fd, KGIL_IOC_FEATURES, &f), 0);
	close(fd);
	cr_assert_eq(f.api_version, KGIL_API_VERSION);
	cr_assert_gt(strlen(f.version), 0);
	cr_assert(memchr(f.version, 0, sizeof(f.version)), "version not terminated");
	cr_assert(f.features & KGIL_FEAT_TRACEPOINTS);
	cr_assert_gt(f.max_threads, 0);
	for (size_t i = 0; i < sizeof(f.reserved) / sizeof(f.reserved[0]); i++)
		cr_assert_eq(f.reserved[i], 0);
}

Test(device, unknown_ioctl_is_enotty)
{
	int fd = open(KGIL_DEVICE_PATH, O_RDWR);

	cr_assert_geq(fd, 0);
	errno = 0;
	cr_assert_eq(ioctl(fd, _IO(KGIL_IOC_MAGIC, 0xff)), -1);
	cr_assert_eq(errno, ENOTTY);
	errno = 0;
	cr_assert_eq(ioctl(fd, _IO('T', 0x01)), -1);
	cr_assert_eq(errno, ENOTTY);
	close(fd);
}

Test(device, features_bad_pointer_is_efault)
{
	int fd = open(KGIL_DEVICE_PATH, O_RDWR);

	cr_assert_geq(fd, 0);
	errno = 0;
	cr_assert_eq(ioctl(fd, KGIL_IOC_FEATURES, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	close(fd);
}

Test(device, open_tracepoint_is_read_back)
{
	struct tracecap *tc = tracecap_start("kgil", "kgil_open");
	const struct tracecap_event *ev;
	long long pid, uid, domain;
	int fd, n;

	cr_assert_not_null(tc, "cannot enable kgil:kgil_open in tracefs");
	fd = open(KGIL_DEVICE_PATH, O_RDWR);
	cr_assert_geq(fd, 0);
	close(fd);
	n = tracecap_stop(tc);
	cr_assert_geq(n, 1, "no kgil event read back (%d)", n);
	ev = tracecap_find(tc, "kgil_open", 0);
	cr_assert_not_null(ev);
	cr_assert(tracecap_field(ev, "pid", &pid));
	cr_assert(tracecap_field(ev, "uid", &uid));
	cr_assert(tracecap_field(ev, "domain", &domain));
	cr_assert_eq(pid, getpid());
	cr_assert_eq(uid, (long long)getuid());
	cr_assert_gt(domain, 0);
	tracecap_free(tc);
}
