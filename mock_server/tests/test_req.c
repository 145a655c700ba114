/*
 * test_req.c: req.c. The form decoding of v1 requests and TC3 GET queries,
 * kv_get, the case-insensitive header lookup, and form_unflatten (Name.0,
 * Name.Field -> JSON), each as a table of cases.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"
#include "tests.h"

#define SPLIT_MSG "Url key and value should be splited by `=`."

/* "[k]=[v];" per pair, so a test names the whole decoding at once. */
static char *
pairs_str(const struct kv *kv, size_t n)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < n; i++)
		buf_addf(&b, "[%s]=[%s];", kv[i].k, kv[i].v);
	buf_str(&b);
	return b.b_data;
}

static void
test_form_decode_ok(void)
{
	static const struct {
		const char *in;
		size_t len;	/* 0: strlen(in) */
		const char *want;
	} v[] = {
		{ "a=1&b=2", 0, "[a]=[1];[b]=[2];" },
		{ "Action=TextTranslate&Version=2018-03-21", 0,
		  "[Action]=[TextTranslate];[Version]=[2018-03-21];" },
		{ "a=x+y++z", 0, "[a]=[x y  z];" },
		{ "a+b=1", 0, "[a b]=[1];" },
		{ "a=%41%62%2B%2b", 0, "[a]=[Ab++];" },
		{ "a=%e4%b8%96%E7%95%8C", 0, "[a]=[\xe4\xb8\x96\xe7\x95\x8c];" },
		{ "a%5Bb%5D=1", 0, "[a[b]]=[1];" },
		{ "a=%26%3D", 0, "[a]=[&=];" },
		{ "a%3Db=c", 0, "[a=b]=[c];" },
		{ "a=b=c", 0, "[a]=[b=c];" },
		{ "a=", 0, "[a]=[];" },
		{ "a=1&a=2", 0, "[a]=[1];[a]=[2];" },
		{ "&&a=1&&b=&", 0, "[a]=[1];[b]=[];" },
		{ "&", 0, "" },
		{ "", 0, "" },
		{ "&&&", 0, "" },
		/* The length bounds the input, not a NUL. */
		{ "a=1&b=2", 3, "[a]=[1];" },
		{ "a=1&b", 4, "[a]=[1];" },
		{ "a=%41", 4, NULL },	/* cut inside the escape: refused */
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct kv *kv = (struct kv *)&kv;	/* must be reset */
		size_t n = 99, len = v[i].len ? v[i].len : strlen(v[i].in);
		const char *err = NULL;
		int rc = form_decode(v[i].in, len, &kv, &n, &err);

		if (v[i].want == NULL) {
			TCHECK(rc == -1 && err != NULL && kv == NULL && n == 0,
			    "form_decode(\"%.*s\") must fail", (int)len, v[i].in);
			continue;
		}
		TCHECK(rc == 0, "form_decode(\"%.*s\") failed: %s", (int)len,
		    v[i].in, err != NULL ? err : "(no message)");
		if (rc == 0) {
			char *got = pairs_str(kv, n);

			TSTREQ(got, v[i].want, "form_decode(\"%.*s\")",
			    (int)len, v[i].in);
			TCHECK(n == 0 || kv != NULL, "pairs of \"%s\"", v[i].in);
			free(got);
			kv_free(kv, n);
		}
	}
}

static void
test_form_decode_bad(void)
{
	static const struct {
		const char *in;
		bool split;	/* the "splited by `=`" message */
	} v[] = {
		{ "a", true },
		{ "a=1&b", true },
		{ "a=1&b&c=3", true },
		{ "abc&a=1", true },
		{ "a=%zz", false },
		{ "a=%z1", false },
		{ "a=%1z", false },
		{ "a=%0", false },
		{ "a=%", false },
		{ "a=1%", false },
		{ "a=%00", false },
		{ "a=x%00y", false },
		{ "%zz=1", false },
		{ "a%=1", false },
		{ "a=%g0", false },
		{ "a=% 1", false },
		{ "=x", false },
		{ "=", false },
		{ "a=1&=2", false },
		{ "%=1", false },
		{ "a=1&b=%2", false },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct kv *kv = (struct kv *)&kv;
		size_t n = 99;
		const char *err = NULL;
		int rc = form_decode(v[i].in, strlen(v[i].in), &kv, &n, &err);

		TCHECK(rc == -1, "form_decode(\"%s\") must fail", v[i].in);
		TCHECK(kv == NULL && n == 0,
		    "form_decode(\"%s\") must leave no pairs", v[i].in);
		if (v[i].split)
			TSTREQ(err, SPLIT_MSG, "form_decode(\"%s\") message",
			    v[i].in);
		else {
			TCHECK(err != NULL && *err != '\0',
			    "form_decode(\"%s\") gives a message", v[i].in);
			TSTRNE(err, SPLIT_MSG, "form_decode(\"%s\") message",
			    v[i].in);
		}
		if (rc == 0)
			kv_free(kv, n);
	}
}

static void
test_kv_get(void)
{
	struct kv kv[] = {
		{ "Action", "TextTranslate" },
		{ "Nonce", "1" },
		{ "Empty", "" },
		{ "Nonce", "2" },
	};
	static const struct {
		const char *k;
		const char *want;	/* NULL: absent */
	} v[] = {
		{ "Action", "TextTranslate" },
		{ "Empty", "" },
		{ "Nonce", "1" },	/* the first of repeated names */
		{ "action", NULL },	/* names are case-sensitive */
		{ "Actio", NULL },
		{ "Actions", NULL },
		{ "", NULL },
		{ "Signature", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		const char *got = kv_get(kv, 4, v[i].k);

		if (v[i].want == NULL)
			TCHECK(got == NULL, "kv_get(\"%s\") must be absent, "
			    "got \"%s\"", v[i].k, got != NULL ? got : "");
		else
			TSTREQ(got, v[i].want, "kv_get(\"%s\")", v[i].k);
	}
	TCHECK(kv_get(kv, 0, "Action") == NULL, "kv_get of no pairs");
	TCHECK(kv_get(kv, 1, "Nonce") == NULL, "kv_get stops at n");
}

static void
test_req_header(void)
{
	struct kv hdrs[] = {
		{ "Content-Type", "application/json" },
		{ "X-Tc-Action", "TextTranslate" },
		{ "host", "tmt.tencentcloudapi.com" },
		{ "X-TC-EMPTY", "" },
		{ "x-tc-action", "second" },
	};
	struct req r;
	static const struct {
		const char *name;
		const char *want;
	} v[] = {
		{ "Content-Type", "application/json" },
		{ "content-type", "application/json" },
		{ "CONTENT-TYPE", "application/json" },
		{ "X-TC-Action", "TextTranslate" },	/* the first one */
		{ "x-tc-action", "TextTranslate" },
		{ "Host", "tmt.tencentcloudapi.com" },
		{ "HOST", "tmt.tencentcloudapi.com" },
		{ "x-tc-empty", "" },
		{ "Content-Typ", NULL },
		{ "Content-Type2", NULL },
		{ "X-TC-Timestamp", NULL },
		{ "", NULL },
	};
	size_t i;

	memset(&r, 0, sizeof r);
	r.r_hdrs = hdrs;
	r.r_nhdrs = sizeof hdrs / sizeof hdrs[0];
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		const char *got = req_header(&r, v[i].name);

		if (v[i].want == NULL)
			TCHECK(got == NULL, "req_header(\"%s\") must be absent",
			    v[i].name);
		else
			TSTREQ(got, v[i].want, "req_header(\"%s\")", v[i].name);
	}
	r.r_nhdrs = 0;
	TCHECK(req_header(&r, "Content-Type") == NULL, "no headers");
}

/* form_unflatten of a form string (decoded with form_decode); want is the
 * JSON expected, NULL when the call must refuse. */
static void
test_form_unflatten(void)
{
	static const char *const skip_common[] = { "Action", "Version",
	    "Region", "Timestamp", "Nonce", "SecretId", "Signature", NULL };
	static const char *const skip_none[] = { NULL };
	static const struct {
		const char *form;
		const char *const *skip;
		const char *want;
	} v[] = {
		{ "", NULL, "{}" },
		{ "Action=TextTranslate", NULL, "{\"Action\":\"TextTranslate\"}" },
		{ "Action=TextTranslate", skip_none, "{\"Action\":\"TextTranslate\"}" },
		{ "Action=TextTranslate&Version=2018-03-21&Region=ap-guangzhou"
		  "&SourceText=hello&Source=en&Target=zh&ProjectId=0"
		  "&Timestamp=1&Nonce=2&SecretId=x&Signature=y", skip_common,
		  "{\"SourceText\":\"hello\",\"Source\":\"en\",\"Target\":\"zh\","
		  "\"ProjectId\":\"0\"}" },
		/* Skip names match exactly. */
		{ "Action.0=x&Actions=y", skip_common,
		  "{\"Action\":[\"x\"],\"Actions\":\"y\"}" },
		{ "SourceTextList.0=a&SourceTextList.1=b&SourceTextList.2=c", NULL,
		  "{\"SourceTextList\":[\"a\",\"b\",\"c\"]}" },
		{ "L.1=b&L.0=a", NULL, "{\"L\":[\"a\",\"b\"]}" },
		{ "L.2=c&L.0=a&L.1=b", NULL, "{\"L\":[\"a\",\"b\",\"c\"]}" },
		{ "L.0=a&L.2=c", NULL, "{\"L\":[\"a\",null,\"c\"]}" },
		{ "L.3=x", NULL, "{\"L\":[null,null,null,\"x\"]}" },
		{ "L.0=", NULL, "{\"L\":[\"\"]}" },
		{ "Obj.Field=v&Obj.Other=w", NULL,
		  "{\"Obj\":{\"Field\":\"v\",\"Other\":\"w\"}}" },
		{ "A.B.C=x", NULL, "{\"A\":{\"B\":{\"C\":\"x\"}}}" },
		{ "A.0.B=x&A.0.C=y&A.1.B=z", NULL,
		  "{\"A\":[{\"B\":\"x\",\"C\":\"y\"},{\"B\":\"z\"}]}" },
		{ "A.1.B=z&A.0.B=x", NULL,
		  "{\"A\":[{\"B\":\"x\"},{\"B\":\"z\"}]}" },
		{ "A.0.0=x&A.0.1=y&A.1.0=z", NULL,
		  "{\"A\":[[\"x\",\"y\"],[\"z\"]]}" },
		{ "Tags.0.Key=k&Tags.0.Values.0=v0&Tags.0.Values.1=v1", NULL,
		  "{\"Tags\":[{\"Key\":\"k\",\"Values\":[\"v0\",\"v1\"]}]}" },
		{ "0=x", NULL, "{\"0\":\"x\"}" },
		{ "a=1&b=2", NULL, "{\"a\":\"1\",\"b\":\"2\"}" },
		/* Empty name segments would hide a client's flattening bug. */
		{ "A..B=1", NULL, NULL },
		{ ".A=1", NULL, NULL },
		{ "A.=1", NULL, NULL },
		/* Conflicts. */
		{ "A=1&A.0=2", NULL, NULL },
		{ "A.0=2&A=1", NULL, NULL },
		{ "A=1&A=2", NULL, NULL },
		{ "A.0=1&A.0=2", NULL, NULL },
		{ "A.0=1&A.B=2", NULL, NULL },
		{ "A.B=1&A.0=2", NULL, NULL },
		{ "A.B=1&A=2", NULL, NULL },
		{ "A=1&A.B=2", NULL, NULL },
		{ "A.B=1&A.B=2", NULL, NULL },
		{ "A.0=1&A.0.B=2", NULL, NULL },
		{ "A.0.B=1&A.0=2", NULL, NULL },
		{ "A.0.B=1&A.0.0=2", NULL, NULL },
		{ "A.0.B=1&A.0.B.C=2", NULL, NULL },
		{ "A=1&A.B.C=2", NULL, NULL },
		{ "A.0=1&A.0.B.C=2", NULL, NULL },
		/* Indexes past 65535. */
		{ "A.65536=x", NULL, NULL },
		{ "A.100000=x", NULL, NULL },
		{ "A.99999999=x", NULL, NULL },
		{ "A.18446744073709551617=x", NULL, NULL },
		{ "A.0.65536=x", NULL, NULL },
		{ ".=x", NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct kv *kv;
		size_t n;
		const char *err = NULL;
		json_t *got, *want = NULL;
		json_error_t jerr;

		if (form_decode(v[i].form, strlen(v[i].form), &kv, &n, &err) != 0) {
			TCHECK(false, "test form \"%s\" does not decode: %s",
			    v[i].form, err);
			continue;
		}
		if (v[i].want != NULL &&
		    (want = json_loads(v[i].want, 0, &jerr)) == NULL) {
			TCHECK(false, "test JSON %s: %s", v[i].want, jerr.text);
			kv_free(kv, n);
			continue;
		}
		got = form_unflatten(kv, n, v[i].skip);
		if (want == NULL)
			TCHECK(got == NULL, "form_unflatten(\"%s\") must refuse",
			    v[i].form);
		else {
			char *s = got != NULL ? json_dumps(got,
			    JSON_COMPACT | JSON_SORT_KEYS) : NULL;

			TCHECK(got != NULL && json_equal(got, want),
			    "form_unflatten(\"%s\"): got %s, want %s", v[i].form,
			    s != NULL ? s : "NULL", v[i].want);
			free(s);
		}
		json_decref(got);
		json_decref(want);
		kv_free(kv, n);
	}
}

static void
test_form_unflatten_max_index(void)
{
	struct kv kv[] = { { "A.65535", "last" }, { "B.0", "x" } };
	json_t *got, *a;
	size_t i;
	bool nulls = true;

	got = form_unflatten(kv, 2, NULL);
	TCHECK(got != NULL, "index 65535 is accepted");
	if (got == NULL)
		return;
	a = json_object_get(got, "A");
	TCHECK(json_is_array(a) && json_array_size(a) == 65536,
	    "A has 65536 elements, not %zu", json_array_size(a));
	TSTREQ(json_string_value(json_array_get(a, 65535)), "last", "A[65535]");
	for (i = 0; i < 65535 && nulls; i++)
		nulls = json_is_null(json_array_get(a, i));
	TCHECK(nulls, "A[0..65534] are null (first non-null at %zu)", i - 1);
	TCHECK(json_array_size(json_object_get(got, "B")) == 1,
	    "B follows A");
	json_decref(got);
}

/* Values (and names) that are not UTF-8 cannot become JSON strings. */
static void
test_form_unflatten_utf8(void)
{
	static const struct {
		const char *k;
		const char *v;
		bool ok;
	} v[] = {
		{ "A", "\xe4\xb8\x96", true },
		{ "A.0", "\xf0\x9f\x98\x80", true },
		{ "A", "\xff", false },
		{ "A", "ok\xc3", false },
		{ "A.0", "\xc3", false },
		{ "A.B", "\xed\xa0\x80", false },
		{ "A.0.B", "\xc0\xaf", false },
		{ "\xff", "x", false },
		{ "A.\xff", "x", false },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct kv kv[2] = { { "First", "1" } };
		json_t *got;

		kv[1].k = (char *)v[i].k;
		kv[1].v = (char *)v[i].v;
		got = form_unflatten(kv, 2, NULL);
		TCHECK((got != NULL) == v[i].ok, "form_unflatten(case %zu) "
		    "must %s", i, v[i].ok ? "accept" : "refuse");
		json_decref(got);
	}
}

static void
test_body_kind(void)
{
	static const struct {
		const char	*ct;
		enum req_body	 want;
	} cases[] = {
		{ NULL, RB_NONE },
		{ "application/json", RB_JSON },
		{ "application/json; charset=utf-8", RB_JSON },
		{ " Application/JSON", RB_JSON },
		{ "application/x-www-form-urlencoded", RB_FORM },
		{ "application/x-www-form-urlencoded;charset=UTF-8", RB_FORM },
		{ "application/jsonx", RB_OTHER },
		{ "text/plain", RB_OTHER },
		{ "", RB_OTHER },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		TCHECK(req_body_kind(cases[i].ct) == cases[i].want, "req_body_kind(%s)",
		    cases[i].ct != NULL ? cases[i].ct : "NULL");
}

int
test_req_register(void)
{
	static const struct test_def tests[] = {
		{ "form_decode: good input", test_form_decode_ok },
		{ "form_decode: refused input", test_form_decode_bad },
		{ "kv_get", test_kv_get },
		{ "req_header is case-insensitive", test_req_header },
		{ "req_body_kind: the media type alone", test_body_kind },
		{ "form_unflatten: shapes, skip list, conflicts", test_form_unflatten },
		{ "form_unflatten: index 65535", test_form_unflatten_max_index },
		{ "form_unflatten: invalid UTF-8", test_form_unflatten_utf8 },
		{ NULL, NULL },
	};

	return tests_add_suite("req", tests);
}
