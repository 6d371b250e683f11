/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scenario's result: a small tree of named values, written out as JSON
 * (json.c) or as a human table (table.c), and read back by `reproduce`.
 * Keys keep their insertion order, so the output is stable.
 */
#ifndef KGIL_TOOLS_RESULT_H
#define KGIL_TOOLS_RESULT_H

#include <stdbool.h>
#include <stdint.h>

enum res_kind { RES_NULL, RES_NUM, RES_INT, RES_STR, RES_BOOL, RES_OBJ, RES_ARR };

struct res {
	enum res_kind kind;
	char *key;		/* NULL for array elements and the root */
	double num;
	int64_t i;
	bool b;
	char *str;
	struct res *first, *last, *next;	/* RES_OBJ, RES_ARR children */
};

struct res *res_new_obj(void);
void res_free(struct res *r);

/* Add a member to an object (key) or an element to an array (key NULL). */
struct res *res_num(struct res *o, const char *key, double v);	/* NaN, inf: null */
struct res *res_int(struct res *o, const char *key, int64_t v);
struct res *res_str(struct res *o, const char *key, const char *v);	/* NULL: null */
struct res *res_bool(struct res *o, const char *key, bool v);
struct res *res_null(struct res *o, const char *key);
struct res *res_obj(struct res *o, const char *key);
struct res *res_arr(struct res *o, const char *key);
/* Move a whole tree under o as key (o takes ownership). */
void res_adopt(struct res *o, const char *key, struct res *child);

/* Move every member of from to the end of o, and free from. */
void res_splice(struct res *o, struct res *from);

/* Dotted path ("io.tcp.speedup", "points.2.speedup"); NULL if absent. */
const struct res *res_get(const struct res *r, const char *path);
/* The number at path (RES_NUM or RES_INT), NaN if absent or null. */
double res_get_num(const struct res *r, const char *path);

/*
 * Combine n runs of one scenario: every number becomes the median of the
 * runs' numbers at the same place; everything else is taken from runs[0].
 */
struct res *res_median(struct res *const *runs, int n);

#endif
