/*
 * jsonw.c: compact JSON written straight into a buffer, byte for byte what
 * jansson's json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) writes (UTF-8 left
 * raw, "\u%04X" for the other control characters, reals as "%.17g" with
 * ".0" added), without its per-dump allocations and loop-check table: the
 * answers and the journal are written on every request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

/* The escape of each byte below 0x20, '"' and '\\'; 0 for the others. */
static const char esc[256] = {
	['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
	['"'] = '"', ['\\'] = '\\',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
	[0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u',
	[0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
	[0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
	[0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
	[0x1e] = 'u', [0x1f] = 'u',
};

void
jw_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;
	char u[6];

	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (esc[c] == 0)
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		if (esc[c] != 'u') {
			u[0] = '\\';
			u[1] = esc[c];
			buf_add(b, u, 2);
		} else {
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 0xf];
			buf_add(b, u, 6);
		}
	}
	buf_add(b, s + run, len - run);
	buf_addc(b, '"');
}

void
jw_str_lossy(struct buf *b, const char *s)
{
	size_t len = strlen(s);
	char *clean;

	if (utf8_valid(s, len)) {
		jw_str(b, s, len);
		return;
	}
	clean = utf8_sanitize(s);
	jw_str(b, clean, strlen(clean));
	free(clean);
}

/* "%lld", without printf. */
void
jw_int(struct buf *b, long long v)
{
	char n[24], *p = n + sizeof n;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(n + sizeof n - p));
}

/* jansson's jsonp_dtostr with its default precision (17). */
void
jw_real(struct buf *b, double v)
{
	char n[40], *e, *end;
	int len = snprintf(n, sizeof n - 3, "%.17g", v);

	if (len < 0 || (size_t)len >= sizeof n - 3)
		return;
	if (strchr(n, '.') == NULL && strchr(n, 'e') == NULL) {
		memcpy(n + len, ".0", 3);
		len += 2;
	}
	/* No '+' and no leading zeros in the exponent. */
	if ((e = strchr(n, 'e')) != NULL) {
		e++;
		end = e + 1;
		if (*e == '-')
			e++;
		while (*end == '0')
			end++;
		if (end != e) {
			memmove(e, end, (size_t)len - (size_t)(end - n) + 1);
			len -= (int)(end - e);
		}
	}
	buf_add(b, n, (size_t)len);
}

/* s[0..len) as a JSON string, cut as jw_value says. */
static void
jw_str_cut(struct buf *b, const char *s, size_t len, size_t cut)
{
	if (cut > 0 && len > cut) {
		/* As "%.*s…(%zu bytes)" made it: a NUL ends the part kept, a
		 * cut sequence becomes '?'. */
		char *t = xasprintf("%.*s…(%zu bytes)", (int)cut, s, len);

		jw_str_lossy(b, t);
		free(t);
	} else
		jw_str(b, s, len);
}

/* jw_value, and once the buffer reaches end (0: never) a container's
 * remaining members become one marker: "…(N more items)" closing an
 * array, "…": "(N more members)" an object. */
static void
jw_value_to(struct buf *b, const json_t *v, size_t cut, size_t end)
{
	const char *key;
	json_t *item;
	size_t i, n, len;
	bool first = true;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_addc(b, '{');
		n = json_object_size(v);
		i = 0;
		json_object_foreach((json_t *)v, key, item) {
			if (!first)
				buf_addc(b, ',');
			first = false;
			if (end != 0 && b->b_len >= end) {
				buf_addf(b, "\"…\":\"(%zu more members)\"", n - i);
				break;
			}
			jw_str_cut(b, key, strlen(key), cut);
			buf_addc(b, ':');
			jw_value_to(b, item, cut, end);
			i++;
		}
		buf_addc(b, '}');
		break;
	case JSON_ARRAY:
		buf_addc(b, '[');
		n = json_array_size(v);
		json_array_foreach((json_t *)v, i, item) {
			if (i > 0)
				buf_addc(b, ',');
			if (end != 0 && b->b_len >= end) {
				buf_addf(b, "\"…(%zu more items)\"", n - i);
				break;
			}
			jw_value_to(b, item, cut, end);
		}
		buf_addc(b, ']');
		break;
	case JSON_STRING:
		len = json_string_length(v);
		jw_str_cut(b, json_string_value(v), len, cut);
		break;
	default:
		jw_value(b, v, cut);
		break;
	}
}

void
jw_value_capped(struct buf *b, const json_t *v, size_t cut, size_t max)
{
	jw_value_to(b, v, cut, max > 0 ? b->b_len + max : 0);
}

void
jw_value(struct buf *b, const json_t *v, size_t cut)
{
	const char *key, *s;
	json_t *item;
	size_t i, len;
	bool first = true;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_addc(b, '{');
		json_object_foreach((json_t *)v, key, item) {
			if (!first)
				buf_addc(b, ',');
			first = false;
			jw_str(b, key, strlen(key));
			buf_addc(b, ':');
			jw_value(b, item, cut);
		}
		buf_addc(b, '}');
		break;
	case JSON_ARRAY:
		buf_addc(b, '[');
		json_array_foreach((json_t *)v, i, item) {
			if (i > 0)
				buf_addc(b, ',');
			jw_value(b, item, cut);
		}
		buf_addc(b, ']');
		break;
	case JSON_STRING:
		s = json_string_value(v);
		len = json_string_length(v);
		jw_str_cut(b, s, len, cut);
		break;
	case JSON_INTEGER:
		jw_int(b, (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		jw_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		buf_adds(b, "true");
		break;
	case JSON_FALSE:
		buf_adds(b, "false");
		break;
	case JSON_NULL:
		buf_adds(b, "null");
		break;
	}
}

char *
jw_dumps(const json_t *v)
{
	struct buf b = { 0 };

	jw_value(&b, v, 0);
	return (char *)buf_str(&b);
}
