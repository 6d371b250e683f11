// SPDX-License-Identifier: GPL-2.0
/* A recursive-descent JSON reader into result trees (json.c writes them). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/json_read.h"
#include "support/result.h"

/* Deeper than any tree we write; keeps hostile input off the stack. */
#define MAX_DEPTH 64

struct parser {
	const char *s, *start;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = true;
	n = snprintf(p->err, p->errlen, "offset %zu: ", (size_t)(p->s - p->start));
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct parser *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
		p->s++;
}

static bool eat(struct parser *p, char c)
{
	skip_ws(p);
	if (*p->s != c)
		return false;
	p->s++;
	return true;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* \uXXXX at s (after the backslash-u), a surrogate pair joined. */
static int unicode_escape(struct parser *p, uint32_t *cp)
{
	int hi = hex4(p->s), lo;

	if (hi < 0)
		return -1;
	p->s += 4;
	*cp = (uint32_t)hi;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return -1;
	if (hi < 0xd800 || hi > 0xdbff)
		return hi ? 0 : -1;	/* a NUL would cut the C string */
	if (p->s[0] != '\\' || p->s[1] != 'u' || (lo = hex4(p->s + 2)) < 0xdc00 ||
	    lo > 0xdfff)
		return -1;
	p->s += 6;
	*cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
	return 0;
}

/* A string literal at p->s (the opening quote); malloc'd, or NULL. */
static char *string(struct parser *p)
{
	/* The decoded string is never longer than the literal. */
	const char *end = p->s + 1;
	char *out, *o;

	while (*end && *end != '"')
		end += *end == '\\' && end[1] ? 2 : 1;
	out = malloc((size_t)(end - p->s) + 4);
	if (!out) {
		fail(p, "out of memory");
		return NULL;
	}
	o = out;
	p->s++;
	while (*p->s != '"') {
		unsigned char c = (unsigned char)*p->s;
		uint32_t cp;

		if (!c || c < 0x20) {
			fail(p, c ? "control character in a string" : "unterminated string");
			free(out);
			return NULL;
		}
		p->s++;
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		c = (unsigned char)*p->s++;
		switch (c) {
		case '"': case '\\': case '/':
			*o++ = (char)c;
			break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			if (unicode_escape(p, &cp) < 0) {
				fail(p, "bad \\u escape");
				free(out);
				return NULL;
			}
			o += put_utf8(o, cp);
			break;
		default:
			p->s--;
			fail(p, "bad escape");
			free(out);
			return NULL;
		}
	}
	p->s++;
	*o = '\0';
	return out;
}

static void number(struct parser *p, struct res *o, const char *key)
{
	const char *s = p->s, *q = s;
	bool integral = true;
	char *end;

	/* RFC 8259's grammar; strtod alone would take "0x10", "inf", ".5". */
	if (*q == '-')
		q++;
	if (*q == '0') {
		q++;
	} else if (*q >= '1' && *q <= '9') {
		while (*q >= '0' && *q <= '9')
			q++;
	} else {
		fail(p, "bad number");
		return;
	}
	if (*q == '.') {
		integral = false;
		if (*++q < '0' || *q > '9') {
			fail(p, "bad number");
			return;
		}
		while (*q >= '0' && *q <= '9')
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		integral = false;
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (*q < '0' || *q > '9') {
			fail(p, "bad number");
			return;
		}
		while (*q >= '0' && *q <= '9')
			q++;
	}
	errno = 0;
	if (integral) {
		long long v = strtoll(s, &end, 10);

		if (!errno && end == q) {
			res_int(o, key, v);
			p->s = q;
			return;
		}
	}
	errno = 0;
	res_num(o, key, strtod(s, &end));
	p->s = q;
}

static void value(struct parser *p, struct res *o, const char *key, int depth);

/* The members of an object or elements of an array, after the bracket. */
static void members(struct parser *p, struct res *c, bool obj, int depth)
{
	char close = obj ? '}' : ']';

	if (eat(p, close))
		return;
	do {
		char *k = NULL;

		if (obj) {
			skip_ws(p);
			if (*p->s != '"') {
				fail(p, "expected a key");
				return;
			}
			k = string(p);
			if (!k)
				return;
			if (!eat(p, ':')) {
				free(k);
				fail(p, "expected ':'");
				return;
			}
		}
		value(p, c, k, depth + 1);
		free(k);
		if (p->failed)
			return;
	} while (eat(p, ','));
	if (!eat(p, close))
		fail(p, "expected ',' or '%c'", close);
}

static bool word(struct parser *p, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(p->s, w, n))
		return false;
	p->s += n;
	return true;
}

static void value(struct parser *p, struct res *o, const char *key, int depth)
{
	char *str;

	if (depth > MAX_DEPTH) {
		fail(p, "nested too deeply");
		return;
	}
	skip_ws(p);
	switch (*p->s) {
	case '{':
	case '[': {
		bool obj = *p->s++ == '{';

		members(p, obj ? res_obj(o, key) : res_arr(o, key), obj, depth);
		return;
	}
	case '"':
		str = string(p);
		if (str)
			res_str(o, key, str);
		free(str);
		return;
	default:
		if (word(p, "true"))
			res_bool(o, key, true);
		else if (word(p, "false"))
			res_bool(o, key, false);
		else if (word(p, "null"))
			res_null(o, key);
		else
			number(p, o, key);
	}
}

struct res *json_parse(const char *text, char *err, size_t errlen)
{
	struct parser p = { .s = text, .start = text, .err = err, .errlen = errlen };
	struct res *root = res_new_obj();

	if (errlen)
		err[0] = '\0';
	if (!eat(&p, '{'))
		fail(&p, "expected an object");
	else
		members(&p, root, true, 0);
	skip_ws(&p);
	if (!p.failed && *p.s)
		fail(&p, "text after the object");
	if (p.failed) {
		res_free(root);
		return NULL;
	}
	return root;
}

struct res *json_read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0;
	struct res *r;

	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *t = realloc(text, cap = cap ? 2 * cap : 65536);

			if (!t) {
				free(text);
				fclose(f);
				snprintf(err, errlen, "out of memory");
				return NULL;
			}
			text = t;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (!n)
			break;
	}
	text[len] = '\0';
	if (ferror(f) || strlen(text) != len) {
		snprintf(err, errlen, ferror(f) ? "read error" : "a NUL byte in the file");
		r = NULL;
	} else {
		r = json_parse(text, err, errlen);
	}
	fclose(f);
	free(text);
	return r;
}
