// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/result.h"
#include "support/stats.h"

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p) {
		perror("kgil");
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		perror("kgil");
		abort();
	}
	return d;
}

static struct res *add(struct res *o, const char *key, enum res_kind kind)
{
	struct res *r = xcalloc(1, sizeof(*r));

	r->kind = kind;
	r->key = key ? xstrdup(key) : NULL;
	if (o->last)
		o->last->next = r;
	else
		o->first = r;
	o->last = r;
	return r;
}

struct res *res_new_obj(void)
{
	struct res *r = xcalloc(1, sizeof(*r));

	r->kind = RES_OBJ;
	return r;
}

void res_free(struct res *r)
{
	while (r) {
		struct res *next = r->next;

		res_free(r->first);
		free(r->key);
		free(r->str);
		free(r);
		r = next;
	}
}

struct res *res_num(struct res *o, const char *key, double v)
{
	struct res *r = add(o, key, isfinite(v) ? RES_NUM : RES_NULL);

	r->num = v;
	return r;
}

struct res *res_int(struct res *o, const char *key, int64_t v)
{
	struct res *r = add(o, key, RES_INT);

	r->i = v;
	return r;
}

struct res *res_str(struct res *o, const char *key, const char *v)
{
	struct res *r = add(o, key, v ? RES_STR : RES_NULL);

	r->str = v ? xstrdup(v) : NULL;
	return r;
}

struct res *res_bool(struct res *o, const char *key, bool v)
{
	struct res *r = add(o, key, RES_BOOL);

	r->b = v;
	return r;
}

struct res *res_null(struct res *o, const char *key)
{
	return add(o, key, RES_NULL);
}

struct res *res_obj(struct res *o, const char *key)
{
	return add(o, key, RES_OBJ);
}

struct res *res_arr(struct res *o, const char *key)
{
	return add(o, key, RES_ARR);
}

void res_adopt(struct res *o, const char *key, struct res *child)
{
	struct res *r = add(o, key, child->kind);

	r->first = child->first;
	r->last = child->last;
	child->first = child->last = NULL;
	res_free(child);
}

void res_splice(struct res *o, struct res *from)
{
	if (from->first) {
		if (o->last)
			o->last->next = from->first;
		else
			o->first = from->first;
		o->last = from->last;
	}
	from->first = from->last = NULL;
	res_free(from);
}

static const struct res *child(const struct res *r, const char *name, size_t len)
{
	char *end;
	long idx = strtol(name, &end, 10);
	bool numeric = end == name + len && len > 0;

	for (const struct res *c = r->first; c; c = c->next, idx--) {
		if (r->kind == RES_ARR && numeric && idx == 0)
			return c;
		if (r->kind == RES_OBJ && c->key && strlen(c->key) == len &&
		    !memcmp(c->key, name, len))
			return c;
	}
	return NULL;
}

const struct res *res_get(const struct res *r, const char *path)
{
	while (r && *path) {
		size_t len = strcspn(path, ".");

		r = child(r, path, len);
		path += len;
		if (*path == '.')
			path++;
	}
	return r;
}

double res_get_num(const struct res *r, const char *path)
{
	const struct res *v = res_get(r, path);

	if (!v)
		return NAN;
	if (v->kind == RES_NUM)
		return v->num;
	if (v->kind == RES_INT)
		return (double)v->i;
	return NAN;
}

/* Copy runs[0]'s node into o, numbers replaced by the runs' median. */
static void merge(struct res *o, const struct res *const *nodes, int n)
{
	const struct res *a = nodes[0];
	double vals[n];
	int nv = 0, nint = 0;

	/* A number in any run makes a number (a run may have a null). */
	for (int i = 0; i < n; i++) {
		if (nodes[i] && nodes[i]->kind == RES_NUM)
			vals[nv++] = nodes[i]->num;
		else if (nodes[i] && nodes[i]->kind == RES_INT)
			vals[nv++] = (double)nodes[i]->i, nint++;
	}
	if (nv) {
		if (nint == nv)
			res_int(o, a->key, (int64_t)llround(median(vals, nv)));
		else
			res_num(o, a->key, median(vals, nv));
		return;
	}
	switch (a->kind) {
	case RES_NUM:
	case RES_INT:
	case RES_STR:
		res_str(o, a->key, a->str);
		return;
	case RES_BOOL:
		res_bool(o, a->key, a->b);
		return;
	case RES_NULL:
		res_null(o, a->key);
		return;
	case RES_OBJ:
	case RES_ARR: {
		struct res *dst = a->kind == RES_OBJ ? res_obj(o, a->key) : res_arr(o, a->key);
		const struct res *kids[n];

		for (int i = 0; i < n; i++)
			kids[i] = nodes[i] ? nodes[i]->first : NULL;
		while (kids[0]) {
			merge(dst, kids, n);
			for (int i = 0; i < n; i++)
				kids[i] = kids[i] ? kids[i]->next : NULL;
		}
		return;
	}
	}
}

struct res *res_median(struct res *const *runs, int n)
{
	struct res *out = res_new_obj();
	const struct res *kids[n];

	for (int i = 0; i < n; i++)
		kids[i] = runs[i]->first;
	while (kids[0]) {
		merge(out, kids, n);
		for (int i = 0; i < n; i++)
			kids[i] = kids[i] ? kids[i]->next : NULL;
	}
	return out;
}
