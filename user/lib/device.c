// SPDX-License-Identifier: LGPL-2.1
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kgil.h"

const char *kgil_lib_version(void)
{
	return KGIL_LIB_VERSION;
}

int kgil_query_features(int fd, struct kgil_features *out)
{
	int own = -1, ret = 0;

	if (!out)
		return -EINVAL;
	if (fd < 0) {
		own = open(KGIL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (own < 0)
			return -errno;
		fd = own;
	}
	memset(out, 0, sizeof(*out));
	if (ioctl(fd, KGIL_IOC_FEATURES, out) < 0)
		ret = -errno;
	if (own >= 0)
		close(own);
	return ret;
}
