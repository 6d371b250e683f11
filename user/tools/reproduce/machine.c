// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kgil.h"
#include "reproduce/machine.h"
#include "support/result.h"

/* The first line of path, or after "key<spaces>: " in the first line
 * starting with key; trailing white space removed.  false if absent. */
static bool read_line(const char *path, const char *key, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *v = line;

		if (key) {
			if (strncmp(line, key, strlen(key)) || !(v = strchr(line, ':')))
				continue;
			v += 1 + strspn(v + 1, " \t");
		}
		v[strcspn(v, "\n")] = '\0';
		for (size_t n = strlen(v); n && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
			v[n - 1] = '\0';
		snprintf(buf, len, "%s", v);
		found = *buf != '\0';
		if (!key)
			break;
	}
	fclose(f);
	return found;
}

void machine_describe(struct res *o)
{
	char buf[256];
	struct utsname u;
	struct kgil_features f;
	const char *vm = getenv("KGIL_IN_VM");
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	if (!gethostname(buf, sizeof(buf)))
		res_str(o, "hostname", buf);
	if (read_line("/sys/class/dmi/id/product_name", NULL, buf, sizeof(buf)))
		res_str(o, "product", buf);
	if (vm && !strcmp(vm, "1"))
		res_str(o, "virtualization", "kgil's throwaway QEMU VM (scripts/vm-run)");
	if (read_line("/proc/cpuinfo", "model name", buf, sizeof(buf)))
		res_str(o, "cpu_model", buf);
	if (pages > 0 && page > 0)
		res_int(o, "memory_mb", (int64_t)pages * page / (1 << 20));
	if (!uname(&u))
		res_str(o, "kernel_version", u.version);
	if (!kgil_query_features(-1, &f))
		res_str(o, "module_version", f.version);
}
