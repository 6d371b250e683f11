/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results/index.html: one self-contained page for a reproduce run (the
 * pictures are data: URIs, no script, no network), readable offline by
 * opening the file.
 */
#ifndef KGIL_TOOLS_REPORT_HTML_H
#define KGIL_TOOLS_REPORT_HTML_H

#include <stdio.h>

struct res;

/* A picture of the page: a PNG in the run's directory, or why it is not. */
struct report_pic {
	const char *file;	/* "cext-speedup.png" */
	const char *title;
	const char *caption;	/* HTML */
	char missing[256];	/* "" when drawn; else why not (text) */
};

/* Write the page for root (a reproduce run) whose pictures are in dir. */
int report_html_write(FILE *f, const struct res *root, const struct report_pic *pics,
		      int npics, const char *dir);

#endif
