// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/gnuplot.h"
#include "support/spawn.h"

void gp_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void gp_head(FILE *f, const char *out, int width, int height, const char *title)
{
	/* noenhanced: labels are plain text ("p_50" is not a subscript). */
	fprintf(f, "set terminal pngcairo size %d,%d font 'sans,11' noenhanced\n",
		width, height);
	fputs("set output ", f);
	gp_quote(f, out);
	fputs("\nset title ", f);
	gp_quote(f, title);
	fputs(" font 'sans,13'\n", f);
	fputs("set border 3\nset tics nomirror\nset grid ytics lc rgb '#dddddd'\n", f);
}

const char *gp_colour(int i)
{
	/* Distinct for the usual four columns, readable on white. */
	static const char *const c[] = {
		"#c0392b", "#1f5fa8", "#e08e0b", "#2e8b57",
		"#8e44ad", "#16a0a0", "#7f6000", "#d6336c",
	};

	return c[(unsigned int)i % (sizeof(c) / sizeof(c[0]))];
}

int gp_run(const char *script, const char *out, char *why, size_t len)
{
	char *argv[] = { "gnuplot", (char *)script, NULL };
	struct stat st;
	int ret;

	unlink(out);
	ret = spawn_wait(argv);
	if (ret < 0)
		snprintf(why, len, "cannot run gnuplot: %s (install gnuplot-nox)",
			 strerror(-ret));
	else if (ret)
		snprintf(why, len, "gnuplot failed on %s (status %d)", script, ret);
	else if (stat(out, &st) || !st.st_size)
		snprintf(why, len, "gnuplot wrote no %s", out);
	else
		return 0;
	return -1;
}

int gp_run_jobs(const struct gp_job *jobs, int n)
{
	char **argv = calloc((size_t)(3 * n + 2), sizeof(*argv));
	int argc = 0, missing = 0;
	struct stat st;

	if (argv) {
		argv[argc++] = "gnuplot";
		for (int i = 0; i < n; i++) {
			/* Each script starts from gnuplot's defaults. */
			argv[argc++] = "-e";
			argv[argc++] = "reset";
			argv[argc++] = (char *)jobs[i].script;
			unlink(jobs[i].out);
		}
		spawn_wait(argv);
		free(argv);
	}
	for (int i = 0; i < n; i++)
		if ((stat(jobs[i].out, &st) || !st.st_size) &&
		    gp_run(jobs[i].script, jobs[i].out, jobs[i].why, jobs[i].len) < 0)
			missing++;
	return missing;
}
