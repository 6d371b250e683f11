// SPDX-License-Identifier: GPL-2.0
/*
 * The page: what ran where and when, the verdict table (cells coloured
 * by verdict), the rules, the warnings, then the pictures with what each
 * shows.  Plain HTML and one style sheet: no script, nothing fetched.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "support/html.h"
#include "reproduce/report_html.h"
#include "reproduce/report_text.h"
#include "support/result.h"

static const char style[] =
	"body{font-family:sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em;"
	"color:#222;line-height:1.4}\n"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}\n"
	".meta{color:#555;margin-top:0}.quick{background:#fff3cd;padding:.4em .8em}\n"
	"table{border-collapse:collapse;font-size:.9em;width:100%}\n"
	"th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}\n"
	"th{background:#f2f2f2}\n"
	"td.reproduced{background:#d9f2dd}td.not{background:#f9d6d5}\n"
	"td.na{background:#f7f7f7;color:#777}td.nodata{background:#fff3cd}\n"
	".v{display:block;font-size:.85em;font-weight:bold}\n"
	"td.reproduced .v{color:#1b6e2e}td.not .v{color:#a61b1b}td.na .v{font-weight:normal}\n"
	".legend span{display:inline-block;padding:0 .5em;margin-right:.5em;border:1px solid #ccc}\n"
	".warn{background:#fff3cd;padding:.4em .8em}\n"
	"figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd}\n"
	"figcaption{max-width:60em;color:#333}.missing{color:#a61b1b}\n"
	"dl.machine{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}\n"
	"dl.machine dt{font-weight:bold}dl.machine dd{margin:0}\n";

/* The td class and the words under the figure for a verdict word. */
static const char *cell_class(const char *verdict)
{
	if (!strcmp(verdict, "reproduced"))
		return "reproduced";
	if (!strcmp(verdict, "not"))
		return "not";
	if (!strcmp(verdict, "n/a"))
		return "na";
	return "nodata";
}

static void put_table(FILE *f, const struct res *root)
{
	const struct res *rows = res_get(root, "rows"), *cols = res_get(root, "columns");

	fputs("<table>\n<tr><th>#</th><th>claim</th><th>published</th>", f);
	for (const struct res *c = cols ? cols->first : NULL; c; c = c->next) {
		fputs("<th>", f);
		html_escape(f, report_str(c, "label"));
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (const struct res *r = rows ? rows->first : NULL; r; r = r->next) {
		const struct res *cells = res_get(r, "cells");
		const char *id = report_str(r, "id");

		fputs("<tr><td>", f);
		html_escape(f, id);
		fputs("</td><td>", f);
		html_escape(f, report_str(r, "claim"));
		fputs("</td><td>", f);
		html_escape(f, report_str(r, "published"));
		fputs("</td>", f);
		for (const struct res *c = cells ? cells->first : NULL; c; c = c->next) {
			const char *v = report_str(c, "verdict");
			const char *words = report_verdict_text(v);

			fprintf(f, "<td class=\"%s\">", cell_class(v));
			html_escape(f, report_str(c, "figure"));
			if (*words) {
				fputs("<span class=\"v\">", f);
				html_escape(f, words);
				fputs("</span>", f);
			}
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<p class=\"legend\"><span style=\"background:#d9f2dd\">reproduced"
	      "</span><span style=\"background:#f9d6d5\">not reproduced</span>"
	      "<span style=\"background:#f7f7f7\">(n/a): the claim is about the other GIL "
	      "(rows 1-3 Python 2's, 7-8 CPython 3's); the figure is shown for comparison"
	      "</span><span style=\"background:#fff3cd\">no data or not run</span></p>\n", f);
}

/* The warnings under the table, a paragraph each. */
static void put_warnings(FILE *f, const struct res *root)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	/* One line each: no width to wrap to here. */
	report_print_warnings(m, root, false, 1 << 20);
	fclose(m);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		fputs("<p class=\"warn\">", f);
		html_escape(f, line + strspn(line, " "));
		fputs("</p>\n", f);
	}
	free(buf);
}

static void put_rules(FILE *f, const struct res *root)
{
	const struct res *rows = res_get(root, "rows");

	fputs("<h2 id=\"rules\">Verdict rules</h2>\n<p>Each rule tests the claim's direction and rough "
	      "size, not the talks' exact figure: the work here is calibrated ticks, not "
	      "Python 2.6 on a 2009 MacBook (docs/bench.md).</p>\n<ul>\n", f);
	for (const struct res *r = rows ? rows->first : NULL; r; r = r->next) {
		fputs("<li><b>", f);
		html_escape(f, report_str(r, "id"));
		fputs("</b>: ", f);
		html_escape(f, report_str(r, "rule"));
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static void put_dt(FILE *f, const char *term, const char *text)
{
	if (!text || !*text)
		return;
	fprintf(f, "<dt>%s</dt><dd>", term);
	html_escape(f, text);
	fputs("</dd>\n", f);
}

static void put_machine(FILE *f, const struct res *root)
{
	char buf[256];
	double ncpus = res_get_num(root, "ncpus"), mem = res_get_num(root, "machine.memory_mb");
	double tick = res_get_num(root, "tick_ns"), measured = res_get_num(root, "tick_ns_measured");
	double elapsed = res_get_num(root, "elapsed_s");

	fputs("<h2 id=\"machine\">Where and when</h2>\n<dl class=\"machine\">\n", f);
	put_dt(f, "date (UTC)", report_str(root, "date"));
	put_dt(f, "machine", report_str(root, "machine.product"));
	put_dt(f, "virtualization", report_str(root, "machine.virtualization"));
	put_dt(f, "CPU", report_str(root, "machine.cpu_model"));
	if (!isnan(ncpus)) {
		snprintf(buf, sizeof(buf), "%.0f online", ncpus);
		put_dt(f, "CPUs", buf);
	}
	if (!isnan(mem)) {
		snprintf(buf, sizeof(buf), "%.0f MiB", mem);
		put_dt(f, "memory", buf);
	}
	put_dt(f, "kernel", report_str(root, "kernel"));
	put_dt(f, "kernel build", report_str(root, "machine.kernel_version"));
	put_dt(f, "kgil module", report_str(root, "machine.module_version"));
	put_dt(f, "host name", report_str(root, "machine.hostname"));
	if (!isnan(tick)) {
		snprintf(buf, sizeof(buf), "%.0f ns (calibrated: %.1f ns)", tick, measured);
		put_dt(f, "tick", buf);
	}
	if (!isnan(elapsed)) {
		snprintf(buf, sizeof(buf), "%.0f s of experiments", elapsed);
		put_dt(f, "duration", buf);
	}
	fputs("</dl>\n", f);
}

static void put_picture(FILE *f, const struct report_pic *p, const char *dir)
{
	char path[4096];

	fputs("<figure>\n<h3>", f);
	html_escape(f, p->title);
	fputs("</h3>\n", f);
	snprintf(path, sizeof(path), "%s/%s", dir, p->file);
	if (!p->missing[0]) {
		fputs("<img alt=\"", f);
		html_escape(f, p->title);
		fputs("\" src=\"data:image/png;base64,", f);
		if (base64_write_file(f, path) < 0)
			fputs("\">\n<p class=\"missing\">(the picture could not be read)</p>\n", f);
		else
			fputs("\">\n", f);
	} else {
		fputs("<p class=\"missing\">Not drawn: ", f);
		html_escape(f, p->missing);
		fputs("</p>\n", f);
	}
	fprintf(f, "<figcaption>%s", p->caption);
	if (!p->missing[0]) {
		fputs(" <i>(", f);
		html_escape(f, p->file);
		fputs(")</i>", f);
	}
	fputs("</figcaption>\n</figure>\n", f);
}

int report_html_write(FILE *f, const struct res *root, const struct report_pic *pics,
		      int npics, const char *dir)
{
	const struct res *quick = res_get(root, "quick");
	const char *date = report_str(root, "date");
	char *summary = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&summary, &len);

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>kgil reproduce ", f);
	html_escape(f, date);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	fputs("<h1>kgil: the GIL talks' experiments, run again</h1>\n<p class=\"meta\">"
	      "<code>kgil reproduce</code> (<code>make run</code>), ", f);
	html_escape(f, date);
	fputs(", kernel ", f);
	html_escape(f, *report_str(root, "kernel") ? report_str(root, "kernel") : "?");
	if (!isnan(res_get_num(root, "ncpus")))
		fprintf(f, ", %.0f CPUs", res_get_num(root, "ncpus"));
	if (*report_str(root, "machine.virtualization")) {
		fputs(", in ", f);
		html_escape(f, report_str(root, "machine.virtualization"));
	}
	fputs(". The talks' figures beside ours, one run (details at the "
	      "<a href=\"#machine\">end</a>).</p>\n", f);
	if (quick && quick->kind == RES_BOOL && quick->b)
		fputs("<p class=\"quick\"><b>Quick mode</b>: tiny work sizes, a smoke test; "
		      "the figures mean nothing.</p>\n", f);
	if (m) {
		report_print_summary(m, root, 1 << 20);
		fclose(m);
		fputs("<p><b>", f);
		html_escape(f, summary ? summary : "");
		fputs("</b></p>\n", f);
	}
	free(summary);
	fputs("<h2 id=\"table\">The table</h2>\n", f);
	put_table(f, root);
	put_warnings(f, root);
	fputs("<h2 id=\"pictures\">Pictures</h2>\n<p>Drawn by gnuplot from this run's "
	      "<code>reproduce.json</code>; the talks' figures are drawn hatched or in black "
	      "and labelled <i>published</i>.</p>\n", f);
	for (int i = 0; i < npics; i++)
		put_picture(f, &pics[i], dir);
	put_rules(f, root);
	put_machine(f, root);
	fputs("<h2 id=\"files\">Files</h2>\n<p>Beside this page: <code>reproduce.json</code> (every "
	      "figure of every experiment), <code>reproduce.md</code> (the table in "
	      "Markdown), the pictures as PNG and the gnuplot scripts that drew them "
	      "(<code>gnuplot/</code>, their data inline). How each figure is computed: "
	      "docs/bench.md in the kgil sources.</p>\n</body>\n</html>\n", f);
	return ferror(f) ? -1 : 0;
}
