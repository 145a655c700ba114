/* util.c: allocation that aborts on out-of-memory, and small string helpers. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

static void
oom(void)
{
	/* Nothing useful can follow a failed allocation in a mock. */
	fputs("tmtmock: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t nmemb, size_t n)
{
	void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom();
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

void
buf_grow(struct buf *b, size_t n)
{
	/* 256: most buffers (answers, canonical requests) then need one
	 * allocation. */
	size_t cap = b->b_cap ? b->b_cap : 256;

	while (cap < b->b_len + n + 1)
		cap *= 2;
	b->b_data = xrealloc(b->b_data, cap);
	b->b_cap = cap;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	buf_adds(b, s);
	free(s);
}

const char *
buf_str(struct buf *b)
{
	if (b->b_data == NULL)
		buf_add(b, "", 0);
	return b->b_data;
}

void
buf_free(struct buf *b)
{
	free(b->b_data);
	b->b_data = NULL;
	b->b_len = b->b_cap = 0;
}

/* A decimal integer, optionally signed, no spaces, no overflow. */
bool
str_is_decimal(const char *s, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	if (out != NULL)
		*out = v;
	return true;
}

/* Counts code points, the unit of TMT's character limits and UsedAmount. */
size_t
utf8_codepoints(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* Length of the valid UTF-8 sequence at p (at most len bytes), 0 if none. */
static size_t
utf8_seq(const unsigned char *p, size_t len)
{
	size_t need, k;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	else if ((p[0] & 0xe0) == 0xc0) {
		need = 1;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 2;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		need = 3;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (len <= need)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[k] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
	    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need + 1;
}

char *
utf8_sanitize(const char *s)
{
	size_t len = strlen(s), i = 0, n;
	char *out = xmalloc(len + 1), *o = out;

	while (i < len) {
		if ((n = utf8_seq((const unsigned char *)s + i, len - i)) == 0) {
			*o++ = '?';
			i++;
			continue;
		}
		memcpy(o, s + i, n);
		o += n;
		i += n;
	}
	*o = '\0';
	return out;
}

bool
utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq((const unsigned char *)s + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

void
str_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

void
json_file_error(char *buf, size_t len, const char *path, const json_error_t *e)
{
	/* jansson reports -1 for a file it could not open: no position. */
	if (e->line < 1)
		snprintf(buf, len, "%s: %s", path, e->text);
	else
		snprintf(buf, len, "%s: line %d column %d: %s", path, e->line,
		    e->column, e->text);
}
