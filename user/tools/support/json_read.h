/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Read JSON back into a result tree, so that `kgil report` can draw the
 * pictures and the page of a run from its results/reproduce.json.
 */
#ifndef KGIL_TOOLS_JSON_READ_H
#define KGIL_TOOLS_JSON_READ_H

#include <stddef.h>

struct res;

/*
 * Parse text, one JSON object (RFC 8259), into a tree: integers that fit
 * in 64 bits become RES_INT, other numbers RES_NUM.  NULL on a syntax
 * error, with where and why in err.
 */
struct res *json_parse(const char *text, char *err, size_t errlen);
/* The same for a file. */
struct res *json_read_file(const char *path, char *err, size_t errlen);

#endif
