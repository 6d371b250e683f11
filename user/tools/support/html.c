// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>

#include "support/html.h"

void html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Up to 3 bytes as 4 characters, '=' for the missing ones. */
static void quantum(FILE *f, const uint8_t *p, size_t n)
{
	uint32_t v = (uint32_t)p[0] << 16 | (n > 1 ? (uint32_t)p[1] << 8 : 0) |
		     (n > 2 ? p[2] : 0);

	fputc(b64[v >> 18 & 63], f);
	fputc(b64[v >> 12 & 63], f);
	fputc(n > 1 ? b64[v >> 6 & 63] : '=', f);
	fputc(n > 2 ? b64[v & 63] : '=', f);
}

void base64_write(FILE *f, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len >= 3; p += 3, len -= 3)
		quantum(f, p, 3);
	if (len)
		quantum(f, p, len);
}

int base64_write_file(FILE *f, const char *path)
{
	FILE *in = fopen(path, "re");
	uint8_t buf[3 * 4096];
	size_t n;

	if (!in)
		return -errno;
	/* Whole quanta per read, so padding only ever ends the file. */
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		base64_write(f, buf, n);
	n = (size_t)ferror(in);
	fclose(in);
	return n ? -EIO : 0;
}
