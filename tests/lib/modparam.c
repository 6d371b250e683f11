// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "modparam.h"

static int modparam_path(const char *name, char *path, size_t len)
{
	return snprintf(path, len, "/sys/module/kgil/parameters/%s", name) <
	       (int)len ? 0 : -ENAMETOOLONG;
}

int modparam_set(const char *name, const char *value)
{
	char path[128];
	int fd, ret = 0;

	if (modparam_path(name, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int modparam_get(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	if (modparam_path(name, path, sizeof(path)) || !len)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}
