// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace_draw.h"
#include "support/spawn.h"

/* fclose, and whether everything written got there. */
static int close_ok(FILE *f)
{
	int bad = ferror(f);

	return fclose(f) || bad ? -1 : 0;
}

/* Write the data and script files; 0, or 1 after printing why. */
static int write_files(const struct kt_analysis *a, const struct kt_timeline_opts *o,
		       const char *dat, const char *gp)
{
	FILE *df = fopen(dat, "w"), *sf = fopen(gp, "w");
	int ret = 0;

	if (!df || !sf) {
		fprintf(stderr, "kgil trace timeline: cannot write %s: %s\n",
			df ? gp : dat, strerror(errno));
		ret = 1;
	} else if (!kt_timeline_write(df, sf, dat, a, o)) {
		fprintf(stderr, "kgil trace timeline: nothing to draw in that window\n");
	}
	if ((df && close_ok(df)) | (sf && close_ok(sf))) {
		if (!ret)
			fprintf(stderr, "kgil trace timeline: write error\n");
		ret = 1;
	}
	return ret;
}

int kt_timeline_script(const struct kt_analysis *a, const struct kt_timeline_opts *o,
		       const char *data_prefix)
{
	char dat[PATH_MAX], gp[PATH_MAX];

	snprintf(dat, sizeof(dat), "%s.dat", data_prefix);
	snprintf(gp, sizeof(gp), "%s.gp", data_prefix);
	return write_files(a, o, dat, gp);
}

int kt_timeline_draw(const struct kt_analysis *a, const struct kt_timeline_opts *o,
		     const char *data_prefix)
{
	char dir[] = "/tmp/kgil-timeline.XXXXXX", dat[PATH_MAX], gp[PATH_MAX];
	char *av[] = { "gnuplot", gp, NULL };
	struct stat st;
	int ret;

	if (data_prefix) {
		snprintf(dat, sizeof(dat), "%s.dat", data_prefix);
		snprintf(gp, sizeof(gp), "%s.gp", data_prefix);
	} else {
		if (!mkdtemp(dir)) {
			perror("kgil trace timeline: mkdtemp");
			return 1;
		}
		snprintf(dat, sizeof(dat), "%s/timeline.dat", dir);
		snprintf(gp, sizeof(gp), "%s/timeline.gp", dir);
	}
	ret = write_files(a, o, dat, gp);
	if (ret)
		goto out;
	ret = spawn_wait(av);
	if (ret < 0)
		fprintf(stderr, "kgil trace timeline: cannot run gnuplot: %s "
			"(install gnuplot-nox)\n", strerror(-ret));
	else if (ret)
		fprintf(stderr, "kgil trace timeline: gnuplot failed (status %d)\n", ret);
	else if (stat(o->out, &st) || !st.st_size)
		fprintf(stderr, "kgil trace timeline: gnuplot wrote no %s\n", o->out);
	else
		ret = 0;
	ret = ret ? 1 : 0;
out:
	if (!data_prefix) {
		unlink(dat);
		unlink(gp);
		rmdir(dir);
	}
	return ret;
}
