/*
 * test_answer.c: answer.c, the JSON envelope: compact, members in the order
 * given with RequestId last inside Response, UTF-8 raw (not \u escaped), and
 * a message that is not UTF-8 replaced rather than fatal.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"
#include "tests.h"

#define RID "7e0a8a47-3f43-4a4a-9b4b-6f2f8a1c9d01"

static void
test_answer_ok(void)
{
	static const struct {
		const char *resp;	/* JSON of the response members */
		const char *want;
	} v[] = {
		{ "{}", "{\"Response\":{\"RequestId\":\"" RID "\"}}" },
		{ "{\"TargetText\": \"\xe4\xbd\xa0\xe5\xa5\xbd\", \"Source\": "
		  "\"en\", \"Target\": \"zh\", \"UsedAmount\": 5}",
		  "{\"Response\":{\"TargetText\":\"\xe4\xbd\xa0\xe5\xa5\xbd\","
		  "\"Source\":\"en\",\"Target\":\"zh\",\"UsedAmount\":5,"
		  "\"RequestId\":\"" RID "\"}}" },
		/* The order given, not sorted. */
		{ "{\"Z\": 1, \"A\": [1, 2], \"M\": {\"y\": null, \"b\": true}}",
		  "{\"Response\":{\"Z\":1,\"A\":[1,2],\"M\":{\"y\":null,\"b\":true},"
		  "\"RequestId\":\"" RID "\"}}" },
		/* Emoji and other non-BMP code points stay raw. */
		{ "{\"TargetText\": \"\\ud83d\\ude00 \\u00e9\"}",
		  "{\"Response\":{\"TargetText\":\"\xf0\x9f\x98\x80 \xc3\xa9\","
		  "\"RequestId\":\"" RID "\"}}" },
		/* What JSON must escape is escaped; '/' is left alone. */
		{ "{\"T\": \"a\\\"b\\\\c\\nd\\te/f\"}",
		  "{\"Response\":{\"T\":\"a\\\"b\\\\c\\nd\\te/f\","
		  "\"RequestId\":\"" RID "\"}}" },
		{ "{\"TargetTextList\": [\"\xe4\xb8\x80\", \"\"]}",
		  "{\"Response\":{\"TargetTextList\":[\"\xe4\xb8\x80\",\"\"],"
		  "\"RequestId\":\"" RID "\"}}" },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		json_error_t err;
		json_t *resp = json_loads(v[i].resp, 0, &err);
		char *got;

		TCHECK(resp != NULL, "test JSON %s: %s", v[i].resp, err.text);
		if (resp == NULL)
			continue;
		got = answer_ok(resp, RID);
		TSTREQ(got, v[i].want, "answer_ok(%s)", v[i].resp);
		free(got);
	}
}

static void
test_answer_error(void)
{
	static const struct {
		const char *code;
		const char *msg;
		const char *want;
	} v[] = {
		{ "AuthFailure.SignatureFailure",
		  "The provided credentials could not be validated. Please check "
		  "your signature is correct.",
		  "{\"Response\":{\"Error\":{\"Code\":\"AuthFailure.SignatureFailure\","
		  "\"Message\":\"The provided credentials could not be validated. "
		  "Please check your signature is correct.\"},"
		  "\"RequestId\":\"" RID "\"}}" },
		{ "UnsupportedRegion", "\xe6\x8e\xa5\xe5\x8f\xa3\xe4\xb8\x8d\xe6"
		  "\x94\xaf\xe6\x8c\x81\xe6\xad\xa4\xe5\x9c\xb0\xe5\x9f\x9f",
		  "{\"Response\":{\"Error\":{\"Code\":\"UnsupportedRegion\","
		  "\"Message\":\"\xe6\x8e\xa5\xe5\x8f\xa3\xe4\xb8\x8d\xe6\x94\xaf"
		  "\xe6\x8c\x81\xe6\xad\xa4\xe5\x9c\xb0\xe5\x9f\x9f\"},"
		  "\"RequestId\":\"" RID "\"}}" },
		{ "InvalidParameterValue", "`X-TC-Region` \"ap-x\" is invalid",
		  "{\"Response\":{\"Error\":{\"Code\":\"InvalidParameterValue\","
		  "\"Message\":\"`X-TC-Region` \\\"ap-x\\\" is invalid\"},"
		  "\"RequestId\":\"" RID "\"}}" },
		{ "InternalError", "",
		  "{\"Response\":{\"Error\":{\"Code\":\"InternalError\","
		  "\"Message\":\"\"},\"RequestId\":\"" RID "\"}}" },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *got = answer_error(v[i].code, v[i].msg, RID);

		TSTREQ(got, v[i].want, "answer_error(%s)", v[i].code);
		free(got);
	}
}

/* A message quoting bytes that are not UTF-8: still a JSON answer. */
static void
test_answer_error_invalid_utf8(void)
{
	static const char *const v[] = {
		"bad \xff\xfe byte",
		"bad \xc3 byte",
		"bad \xed\xa0\x80 byte",
		"bad \xe4\xbd\xa0\xff byte",
		"bad \x80 byte",
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *got = answer_error("InvalidParameterValue", v[i], RID);
		json_error_t err;
		json_t *root = got != NULL ? json_loads(got, 0, &err) : NULL;
		json_t *resp = json_object_get(root, "Response");
		const char *msg = json_string_value(json_object_get(
		    json_object_get(resp, "Error"), "Message"));
		size_t len = msg != NULL ? strlen(msg) : 0;

		TCHECK(root != NULL, "case %zu: answer is JSON: %s", i,
		    got != NULL ? got : "(null)");
		TSTREQ(json_string_value(json_object_get(json_object_get(resp,
		    "Error"), "Code")), "InvalidParameterValue", "case %zu: code",
		    i);
		TCHECK(msg != NULL && strncmp(msg, "bad ", 4) == 0 && len > 9 &&
		    strcmp(msg + len - 5, " byte") == 0,
		    "case %zu: the message keeps its valid text: %s", i,
		    msg != NULL ? msg : "(null)");
		TSTREQ(json_string_value(json_object_get(resp, "RequestId")), RID,
		    "case %zu: RequestId", i);
		TCHECK(got != NULL && utf8_valid(got, strlen(got)),
		    "case %zu: the answer is valid UTF-8", i);
		json_decref(root);
		free(got);
	}
}

/*
 * jsonw.c writes what json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) writes: the
 * answers and the journal depend on it byte for byte.
 */
static void
test_jw_matches_jansson(void)
{
	static const char *const docs[] = {
		"{}", "[]", "\"\"", "0", "-1", "9223372036854775807",
		"-9223372036854775808", "true", "false", "null",
		"1.5", "0.1", "-0.0", "1e300", "1.5e-7", "123456789012345678.0",
		"1764218400.123456", "2.5e+20", "100.0",
		"{\"a\": [1, 2, {\"b\": null}], \"z\": \"x\", \"m\": {}}",
		"\"\\u0000\\u0001\\u001f\\u007f \\b\\f\\n\\r\\t \\\" \\\\ /\"",
		"\"\\u00e9\\u4e2d\\ud83d\\ude00\\u2028\\ufeff\"",
		"{\"k\\n\": \"v\\u0000w\"}",
		"[\"\", [], [[]], {\"\": \"\"}]",
	};
	size_t i;

	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		json_error_t err;
		json_t *v = json_loads(docs[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		char *want, *got;

		TCHECK(v != NULL, "test JSON %s: %s", docs[i], err.text);
		if (v == NULL)
			continue;
		want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		got = jw_dumps(v);
		TSTREQ(got, want, "jw_dumps(%s)", docs[i]);
		free(want);
		free(got);
		json_decref(v);
	}
}

/* answer_ok_json is answer_ok of the same members. */
static void
test_answer_ok_json(void)
{
	static const char *const v[] = {
		"{}",
		"{\"TargetText\":\"[zh] HELLO\",\"Source\":\"en\",\"Target\":\"zh\",\"UsedAmount\":5}",
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *want = answer_ok(json_loads(v[i], 0, NULL), RID);
		char *got = answer_ok_json(xstrdup(v[i]), RID);

		TSTREQ(got, want, "answer_ok_json(%s)", v[i]);
		free(want);
		free(got);
	}
}

int
test_answer_register(void)
{
	static const struct test_def tests[] = {
		{ "jw_dumps is json_dumps", test_jw_matches_jansson },
		{ "answer_ok_json", test_answer_ok_json },
		{ "answer_ok", test_answer_ok },
		{ "answer_error", test_answer_error },
		{ "answer_error: message not UTF-8", test_answer_error_invalid_utf8 },
		{ NULL, NULL },
	};

	return tests_add_suite("answer", tests);
}
