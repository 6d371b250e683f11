// SPDX-License-Identifier: GPL-2.0
/* A tiny JSON writer for result trees (RFC 8259: numbers are finite). */
#include <inttypes.h>
#include <math.h>

#include "support/json.h"
#include "support/result.h"

void json_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void newline(FILE *f, int indent, int depth)
{
	if (indent <= 0)
		return;
	fputc('\n', f);
	fprintf(f, "%*s", indent * depth, "");
}

static void write_node(FILE *f, const struct res *r, int indent, int depth)
{
	switch (r->kind) {
	case RES_NULL:
		fputs("null", f);
		break;
	case RES_NUM:
		/* 10 significant digits: enough for ns sums, short for ratios. */
		if (isfinite(r->num))
			fprintf(f, "%.10g", r->num);
		else
			fputs("null", f);
		break;
	case RES_INT:
		fprintf(f, "%" PRId64, r->i);
		break;
	case RES_BOOL:
		fputs(r->b ? "true" : "false", f);
		break;
	case RES_STR:
		json_write_string(f, r->str);
		break;
	case RES_OBJ:
	case RES_ARR:
		fputc(r->kind == RES_OBJ ? '{' : '[', f);
		for (const struct res *c = r->first; c; c = c->next) {
			newline(f, indent, depth + 1);
			if (r->kind == RES_OBJ) {
				json_write_string(f, c->key ? c->key : "");
				fputs(indent > 0 ? ": " : ":", f);
			}
			write_node(f, c, indent, depth + 1);
			if (c->next)
				fputc(',', f);
		}
		if (r->first)
			newline(f, indent, depth);
		fputc(r->kind == RES_OBJ ? '}' : ']', f);
		break;
	}
}

void json_write(FILE *f, const struct res *r, int indent)
{
	write_node(f, r, indent, 0);
	fputc('\n', f);
}
