/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KGIL_TOOLS_JSON_H
#define KGIL_TOOLS_JSON_H

#include <stdio.h>

struct res;

/* Write s as a JSON string literal, quotes included. */
void json_write_string(FILE *f, const char *s);
/* Write a result tree as one JSON object (pretty when indent > 0). */
void json_write(FILE *f, const struct res *r, int indent);

#endif
