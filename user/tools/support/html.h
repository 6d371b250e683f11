/* SPDX-License-Identifier: GPL-2.0 */
/* The two encodings a self-contained HTML page needs. */
#ifndef KGIL_TOOLS_HTML_H
#define KGIL_TOOLS_HTML_H

#include <stddef.h>
#include <stdio.h>

/* s with &, <, >, " and ' as character references (text and attributes). */
void html_escape(FILE *f, const char *s);
/* len bytes as base64 (RFC 4648, padded, no line breaks): a data: URI. */
void base64_write(FILE *f, const void *data, size_t len);
/* A whole file as base64; 0 or a negative errno. */
int base64_write_file(FILE *f, const char *path);

#endif
