// SPDX-License-Identifier: LGPL-2.1
/* The registered BPF policies' names (KGIL_IOC_BPF_POLICIES). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kgil.h"

int kgil_bpf_list(char (*names)[KGIL_POLICY_NAME_LEN], unsigned int room,
		  unsigned int *count)
{
	struct kgil_bpf_policies l = {
		.count = names ? room : 0,
		.names = names && room ? (uint64_t)(uintptr_t)names : 0,
	};
	int fd, ret = 0;

	if (!count)
		return -EINVAL;
	fd = open(KGIL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, KGIL_IOC_BPF_POLICIES, &l) < 0)
		/* A module from before KGIL_FEAT_BPF has no such command. */
		ret = errno == ENOTTY ? -EOPNOTSUPP : -errno;
	close(fd);
	if (ret)
		return ret;
	*count = l.count;
	/* The module's names are NUL-padded; make sure of the last byte. */
	for (unsigned int i = 0; names && i < room && i < l.count; i++)
		names[i][KGIL_POLICY_NAME_LEN - 1] = '\0';
	return 0;
}
