/* test_util.c: UTF-8 helpers, str_is_decimal, str_lower, the byte buffer. */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"
#include "tests.h"

static void
test_utf8_codepoints(void)
{
	const char *s = "hello \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80";

	TCHECK(strlen(s) == 17, "\"hello 世界 😀\" is 17 bytes, not %zu",
	    strlen(s));
	TCHECK(utf8_codepoints(s, strlen(s)) == 10,
	    "\"hello 世界 😀\": %zu code points, want 10",
	    utf8_codepoints(s, strlen(s)));
	TCHECK(utf8_codepoints("", 0) == 0, "empty string");
	TCHECK(utf8_codepoints("abc", 3) == 3, "ASCII");
	/* The length, not a NUL, ends the string. */
	TCHECK(utf8_codepoints("a\0b", 3) == 3, "embedded NUL counts");
	TCHECK(utf8_codepoints(s, 7) == 7, "length bounds the count");
}

static void
test_utf8_valid(void)
{
	static const struct {
		const char *s;
		size_t len;
		bool ok;
		const char *what;
	} v[] = {
		{ "", 0, true, "empty" },
		{ "hello", 5, true, "ASCII" },
		{ "hello \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80", 17, true,
		  "hello 世界 😀" },
		{ "a\0b", 3, true, "embedded NUL" },
		{ "\xc2\x80", 2, true, "U+0080, smallest 2-byte" },
		{ "\xed\x9f\xbf", 3, true, "U+D7FF, below the surrogates" },
		{ "\xee\x80\x80", 3, true, "U+E000, above the surrogates" },
		{ "\xf4\x8f\xbf\xbf", 4, true, "U+10FFFF, the last code point" },
		{ "\xc0\xaf", 2, false, "overlong 2-byte '/'" },
		{ "\xc1\xbf", 2, false, "overlong 2-byte U+007F" },
		{ "\xe0\x80\xaf", 3, false, "overlong 3-byte '/'" },
		{ "\xf0\x80\x80\xaf", 4, false, "overlong 4-byte '/'" },
		{ "\xed\xa0\x80", 3, false, "surrogate U+D800" },
		{ "\xed\xbf\xbf", 3, false, "surrogate U+DFFF" },
		{ "\xf4\x90\x80\x80", 4, false, "U+110000, past the last" },
		{ "\xe4\xb8", 2, false, "truncated 3-byte sequence" },
		{ "\xe4\xb8\x96", 2, false, "truncated by the length" },
		{ "ab\xe4", 3, false, "lead byte at the end" },
		{ "\x80", 1, false, "lone continuation byte" },
		{ "\xe4\x41\x96", 3, false, "ASCII in place of a continuation" },
		{ "\xff", 1, false, "byte 0xff" },
		{ "\xf8\x88\x80\x80\x80", 5, false, "5-byte form" },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		TCHECK(utf8_valid(v[i].s, v[i].len) == v[i].ok,
		    "utf8_valid(%s) should be %s", v[i].what,
		    v[i].ok ? "true" : "false");
}

static void
test_str_is_decimal(void)
{
	static const struct {
		const char *s;
		bool ok;
		long long v;
	} v[] = {
		{ "0", true, 0 },
		{ "1551113065", true, 1551113065LL },
		{ "-5", true, -5 },
		{ "+7", true, 7 },
		{ "007", true, 7 },
		{ "9223372036854775807", true, 9223372036854775807LL },
		{ "-9223372036854775808", true, -9223372036854775807LL - 1 },
		{ "9223372036854775808", false, 0 },
		{ "", false, 0 },
		{ " 1", false, 0 },
		{ "1 ", false, 0 },
		{ "1a", false, 0 },
		{ "abc", false, 0 },
		{ "-", false, 0 },
		{ "+", false, 0 },
		{ "1.5", false, 0 },
		{ "0x10", false, 0 },
		{ "1e3", false, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		long long out = 424242;
		bool ok = str_is_decimal(v[i].s, &out);

		TCHECK(ok == v[i].ok, "str_is_decimal(\"%s\") should be %s",
		    v[i].s, v[i].ok ? "true" : "false");
		if (v[i].ok)
			TCHECK(out == v[i].v, "str_is_decimal(\"%s\") gave %lld",
			    v[i].s, out);
	}
	TCHECK(!str_is_decimal(NULL, NULL), "NULL is not decimal");
	TCHECK(str_is_decimal("12", NULL), "out may be NULL");
}

static void
test_str_lower(void)
{
	char s[] = "X-TC-Action: DescribeInstances 09";

	str_lower(s);
	TSTREQ(s, "x-tc-action: describeinstances 09", "str_lower");
}

static void
test_buf(void)
{
	struct buf b = { 0 };
	char *s;
	size_t i;

	TSTREQ(buf_str(&b), "", "buf_str of an empty buf");
	buf_adds(&b, "ab");
	buf_addc(&b, 'c');
	buf_add(&b, "d\0e", 3);
	buf_addf(&b, "%d-%s", 42, "x");
	TCHECK(b.b_len == 10, "buf length %zu, want 10", b.b_len);
	TCHECK(memcmp(b.b_data, "abcd\0e42-x", 10) == 0, "buf contents");
	TCHECK(b.b_data[b.b_len] == '\0', "buf stays NUL-terminated");
	buf_free(&b);
	TCHECK(b.b_data == NULL && b.b_len == 0, "buf_free resets");
	/* Growth past the first allocation. */
	for (i = 0; i < 1000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	TCHECK(b.b_len == 1000 && b.b_data[999] == 'a' + 999 % 26 &&
	    b.b_data[1000] == '\0', "buf grows to 1000 bytes");
	buf_free(&b);
	s = xasprintf("%s/%d", "tc3", 7);
	TSTREQ(s, "tc3/7", "xasprintf");
	free(s);
	s = xstrndup("abcdef", 3);
	TSTREQ(s, "abc", "xstrndup");
	free(s);
}

/* jw_value_capped: keys and strings cut, containers closed with a marker
 * once the bound is reached, and the result still JSON (the journal's). */
static void
test_jw_value_capped(void)
{
	struct buf b = { 0 };
	json_t *v = json_object(), *arr = json_array(), *back, *items;
	char key[600];
	size_t i;

	for (i = 0; i < 10000; i++)
		json_array_append_new(arr, json_string("0123456789abcdef"));
	json_object_set_new(v, "Pad", arr);
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	json_object_set_new(v, key, json_integer(1));
	json_object_set_new(v, "Last", json_string("x"));
	jw_value_capped(&b, v, 256, 4096);
	TCHECK(b.b_len < 4096 + 1024, "capped to %zu bytes", b.b_len);
	back = json_loadb(b.b_data, b.b_len, 0, NULL);
	TCHECK(back != NULL, "the capped value is JSON: %.200s", b.b_data);
	if (back != NULL) {
		items = json_object_get(back, "Pad");
		TCHECK(json_is_array(items) && json_array_size(items) < 10000,
		    "the array was cut");
		TCHECK(strstr(b.b_data, "more items)") != NULL, "its marker");
		TCHECK(strstr(b.b_data, "more members)") != NULL,
		    "the object's marker");
		json_decref(back);
	}
	/* Without a bound, as jw_value but for the key, which is cut. */
	b.b_len = 0;
	jw_value_capped(&b, v, 256, 0);
	TCHECK(strstr(b.b_data, "…(599 bytes)") != NULL, "a long key is cut");
	TCHECK(strstr(b.b_data, "\"Last\":\"x\"") != NULL, "nothing left out");
	buf_free(&b);
	json_decref(v);
}

int
test_util_register(void)
{
	static const struct test_def tests[] = {
		{ "utf8_codepoints", test_utf8_codepoints },
		{ "utf8_valid", test_utf8_valid },
		{ "str_is_decimal", test_str_is_decimal },
		{ "str_lower", test_str_lower },
		{ "buf and string helpers", test_buf },
		{ "jw_value_capped", test_jw_value_capped },
		{ NULL, NULL },
	};

	return tests_add_suite("util", tests);
}
