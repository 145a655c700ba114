/*
 * schema.c: the eight actions and their parameters (docs/behaviour.md), as
 * one table, and check 18 driven by it: unknown names, then missing ones,
 * then wrong types, then bad values. The table follows the published API definitions revision by
 * revision (dates of tccli's api.json commits): each action and parameter
 * carries the date it appeared and the date it went, so --api-version-date
 * can pin the definition of a day. mock_server/tests/vectors/
 * api-definitions.json holds those facts as data, and test_schema.c fails
 * when the two drift (docs/fidelity.md). Form-encoded requests (v1, TC3 GET)
 * carry every value as a string; validation converts them in place, so the
 * actions read typed JSON whatever the encoding was.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tmtmock.h"

static const char *const enum_scene[] = { "doc", NULL };
static const char *const enum_doctype[] = { "pdf", "docx", "pptx", "xlsx",
	"txt", "xml", "html", "markdown", "properties", NULL };
static const long long enum_audio[] = { 146, 16779154, 83886080, -1 };
static const long long enum_bit[] = { 0, 1, -1 };

#define REQ true
#define OPT false
#define P(name, type, req, ...) \
	{ .pd_name = (name), .pd_type = (type), .pd_required = (req), __VA_ARGS__ }
/* Dates of the definitions' revisions that changed TMT (tccli commits). */
#define D_2020_09_07 "2020-09-07"	/* the first api.json */
#define D_2022_05_18 "2022-05-18"	/* FileTranslate, GetFileTranslate */
#define D_2024_07_04 "2024-07-04"	/* TermRepoIDList, SentRepoIDList */
#define D_2025_05_15 "2025-05-15"	/* ImageTranslateLLM (Url only) */
#define D_2025_05_16 "2025-05-16"	/* ImageTranslateLLM Data, Target */
#define D_2026_03_13 "2026-03-13"	/* six actions dropped */
#define D_2026_06_24 "2026-06-24"	/* ImageTranslateLLM Mode */
#define D_2026_07_08 "2026-07-08"	/* TextTranslate dropped */

static const struct param_def p_text[] = {
	P("SourceText", PT_STRING, REQ),
	P("Source", PT_STRING, REQ),
	P("Target", PT_STRING, REQ),
	P("ProjectId", PT_INT, REQ),
	P("UntranslatedText", PT_STRING, OPT),
	P("TermRepoIDList", PT_STRLIST, OPT, .pd_since = D_2024_07_04),
	P("SentRepoIDList", PT_STRLIST, OPT, .pd_since = D_2024_07_04),
	{ .pd_name = NULL },
};

static const struct param_def p_batch[] = {
	P("Source", PT_STRING, REQ),
	P("Target", PT_STRING, REQ),
	P("ProjectId", PT_INT, REQ),
	P("SourceTextList", PT_STRLIST, REQ),
	P("TermRepoIDList", PT_STRLIST, OPT, .pd_since = D_2024_07_04),
	P("SentRepoIDList", PT_STRLIST, OPT, .pd_since = D_2024_07_04),
	{ .pd_name = NULL },
};

static const struct param_def p_detect[] = {
	P("Text", PT_STRING, REQ),
	P("ProjectId", PT_INT, REQ),
	{ .pd_name = NULL },
};

static const struct param_def p_speech[] = {
	P("SessionUuid", PT_STRING, REQ),
	P("Source", PT_STRING, REQ),
	P("Target", PT_STRING, REQ),
	P("AudioFormat", PT_INT, REQ, .pd_ints = enum_audio),
	P("Seq", PT_INT, REQ, .pd_nonneg = true),
	P("IsEnd", PT_INT, REQ, .pd_ints = enum_bit),
	P("Data", PT_BASE64, REQ),
	P("ProjectId", PT_INT, OPT),
	/* "disabled" in the definition since 2024-05-21, still accepted. */
	P("Mode", PT_STRING, OPT),
	P("TransType", PT_INT, OPT),
	{ .pd_name = NULL },
};

static const struct param_def p_image[] = {
	P("SessionUuid", PT_STRING, REQ),
	P("Scene", PT_STRING, REQ, .pd_strs = enum_scene),
	P("Data", PT_BASE64, REQ),
	P("Source", PT_STRING, REQ),
	P("Target", PT_STRING, REQ),
	P("ProjectId", PT_INT, REQ),
	{ .pd_name = NULL },
};

static const struct param_def p_image_llm[] = {
	/* Required, but "" when Url carries the image. The first revision
	 * (2025-05-15) had Url alone. */
	P("Data", PT_BASE64, REQ, .pd_since = D_2025_05_16),
	P("Target", PT_STRING, REQ, .pd_since = D_2025_05_16),
	P("Url", PT_STRING, OPT),
	/* 0: the "pro" model, 1: "lite"; default 0. */
	P("Mode", PT_INT, OPT, .pd_ints = enum_bit, .pd_since = D_2026_06_24),
	{ .pd_name = NULL },
};

static const struct param_def p_file[] = {
	P("Source", PT_STRING, REQ),
	P("Target", PT_STRING, REQ),
	P("DocumentType", PT_STRING, REQ, .pd_strs = enum_doctype),
	P("SourceType", PT_INT, OPT, .pd_ints = enum_bit),
	P("Url", PT_STRING, OPT, .pd_max_len = 1000),
	P("BasicDocumentType", PT_STRING, OPT),
	P("CallbackUrl", PT_STRING, OPT, .pd_max_len = 256),
	P("Data", PT_BASE64, OPT),
	{ .pd_name = NULL },
};

static const struct param_def p_get_file[] = {
	P("TaskId", PT_STRING, REQ),
	{ .pd_name = NULL },
};

/*
 * Default QPS per action: the API overview page (docs/behaviour.md, Rate
 * limits). An action without
 * ad_since was in the first api.json. Actions dropped from the definitions
 * are still served unless --api-version-date pins a later definition
 * (mock convention: clients built on the older SDKs still call them).
 */
static const struct action_def actions[] = {
	{ "TextTranslate", act_text_translate, p_text, 5,
	  .ad_until = D_2026_07_08 },
	{ "TextTranslateBatch", act_text_translate_batch, p_batch, 5,
	  .ad_until = D_2026_03_13 },
	{ "LanguageDetect", act_language_detect, p_detect, 5,
	  .ad_until = D_2026_03_13 },
	{ "SpeechTranslate", act_speech_translate, p_speech, 5,
	  .ad_until = D_2026_03_13 },
	{ "ImageTranslate", act_image_translate, p_image, 5,
	  .ad_until = D_2026_03_13 },
	{ "ImageTranslateLLM", act_image_translate_llm, p_image_llm, 1,
	  .ad_since = D_2025_05_15 },
	{ "FileTranslate", act_file_translate, p_file, 5,
	  .ad_since = D_2022_05_18, .ad_until = D_2026_03_13 },
	{ "GetFileTranslate", act_get_file_translate, p_get_file, 20,
	  .ad_since = D_2022_05_18, .ad_until = D_2026_03_13 },
};

/* Every action accepts DryRun (check 20; mock convention). */
static const struct param_def p_dry_run = P("DryRun", PT_BOOL, OPT);

const struct action_def *
action_table(size_t *n)
{
	*n = sizeof actions / sizeof actions[0];
	return actions;
}

const struct action_def *
action_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (strcmp(actions[i].ad_name, name) == 0)
			return &actions[i];
	return NULL;
}

/* since <= date < until; YYYY-MM-DD compares as text. */
static bool
in_span(const char *since, const char *until, const char *date)
{
	return (since == NULL || strcmp(since, date) <= 0) &&
	    (until == NULL || strcmp(date, until) < 0);
}

bool
action_defined(const struct action_def *ad, const char *date)
{
	return date == NULL || in_span(ad->ad_since, ad->ad_until, date);
}

bool
param_defined(const struct param_def *p, const char *date)
{
	return date == NULL ? p->pd_until == NULL :
	    in_span(p->pd_since, p->pd_until, date);
}

const struct action_def *
action_offered(const char *name)
{
	const struct action_def *ad = action_find(name);

	return ad != NULL && action_defined(ad, conf.c_api_date) ? ad : NULL;
}

/* The parameter as the pinned (or newest) definition has it. */
static const struct param_def *
param_find(const struct action_def *ad, const char *name)
{
	const struct param_def *p;

	for (p = ad->ad_params; p->pd_name != NULL; p++)
		if (strcmp(p->pd_name, name) == 0)
			return param_defined(p, conf.c_api_date) ? p : NULL;
	return strcmp(name, p_dry_run.pd_name) == 0 ? &p_dry_run : NULL;
}

/* Decoded length of standard base64, or -1 when it is not base64. */
long long
base64_decoded_len(const char *s, size_t len)
{
	size_t i, pad = 0;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '=') {
			if (i < len - 2 || ++pad > 2)
				return -1;
		} else if (pad > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return -1;
	}
	if (pad == 1 && len >= 1 && s[len - 1] != '=')
		return -1;
	return (long long)(len / 4 * 3 - pad);
}

unsigned char *
base64_decode(const char *s, size_t len, size_t *outlen)
{
	long long n = base64_decoded_len(s, len);
	unsigned char *out;

	if (n < 0)
		return NULL;
	out = xmalloc((size_t)n + 3);
	if (len > 0 && EVP_DecodeBlock(out, (const unsigned char *)s, (int)len) < 0) {
		free(out);
		return NULL;
	}
	*outlen = (size_t)n;
	return out;
}

/* Converts a form string to the parameter's type in place. false: type error. */
static bool
coerce(json_t *params, const char *name, json_t *v, enum ptype t)
{
	const char *s = json_string_value(v);
	long long i;

	switch (t) {
	case PT_INT:
		if (!str_is_decimal(s, &i))
			return false;
		json_object_set_new(params, name, json_integer(i));
		return true;
	case PT_BOOL:
		if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
			json_object_set_new(params, name, json_true());
		else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
			json_object_set_new(params, name, json_false());
		else
			return false;
		return true;
	default:
		return false;
	}
}

static bool
type_ok(const json_t *v, enum ptype t)
{
	size_t i;
	json_t *item;

	switch (t) {
	case PT_STRING:
	case PT_BASE64:
		return json_is_string(v);
	case PT_INT:
		return json_is_integer(v);
	case PT_BOOL:
		return json_is_boolean(v);
	case PT_STRLIST:
		if (!json_is_array(v))
			return false;
		json_array_foreach(v, i, item)
			if (!json_is_string(item))
				return false;
		return true;
	}
	return false;
}

static bool
value_ok(const struct param_def *p, json_t *v, char **why)
{
	size_t i;

	if (p->pd_strs != NULL) {
		for (i = 0; p->pd_strs[i] != NULL; i++)
			if (strcmp(p->pd_strs[i], json_string_value(v)) == 0)
				return true;
		*why = xstrdup("it is not one of the documented values");
		return false;
	}
	if (p->pd_ints != NULL) {
		for (i = 0; p->pd_ints[i] != -1; i++)
			if (p->pd_ints[i] == json_integer_value(v))
				return true;
		*why = xstrdup("it is not one of the documented values");
		return false;
	}
	if (p->pd_nonneg && json_integer_value(v) < 0) {
		*why = xstrdup("it must not be negative");
		return false;
	}
	if (p->pd_max_len > 0 && json_string_length(v) > p->pd_max_len) {
		*why = xasprintf("it is longer than %zu characters", p->pd_max_len);
		return false;
	}
	if (p->pd_type == PT_BASE64 &&
	    base64_decoded_len(json_string_value(v), json_string_length(v)) < 0) {
		*why = NULL;	/* a type error, see schema_check */
		return false;
	}
	return true;
}

bool
schema_check(const struct action_def *ad, json_t *params, bool from_form,
    struct act_result *res)
{
	const struct param_def *p;
	const char *name;
	json_t *v;
	char *why = NULL;

	json_object_foreach(params, name, v)
		if (param_find(ad, name) == NULL) {
			res->ar_err_code = "UnknownParameter";
			res->ar_err_msg = xasprintf("The parameter `%s` is not recognized.", name);
			return false;
		}
	for (p = ad->ad_params; p->pd_name != NULL; p++)
		if (p->pd_required && param_defined(p, conf.c_api_date) &&
		    ((v = json_object_get(params, p->pd_name)) == NULL ||
		    json_is_null(v))) {
			res->ar_err_code = "MissingParameter";
			res->ar_err_msg = xasprintf("The request is missing a required "
			    "parameter `%s`.", p->pd_name);
			return false;
		}
	json_object_foreach(params, name, v) {
		p = param_find(ad, name);
		if (json_is_null(v) && !p->pd_required)
			continue;
		if (type_ok(v, p->pd_type))
			continue;
		if (from_form && json_is_string(v) && coerce(params, name, v, p->pd_type))
			continue;
		goto type_error;
	}
	json_object_foreach(params, name, v) {
		p = param_find(ad, name);
		if (json_is_null(v) || value_ok(p, v, &why))
			continue;
		if (why == NULL) {
			res->ar_err_code = "InvalidParameter";
			res->ar_err_msg = xasprintf("Parameter `%s` is not valid base64.", name);
			return false;
		}
		res->ar_err_code = "InvalidParameterValue";
		res->ar_err_msg = xasprintf("The value of parameter `%s` is not valid: %s.",
		    name, why);
		free(why);
		return false;
	}
	return true;
type_error:
	res->ar_err_code = "InvalidParameter";
	res->ar_err_msg = xasprintf("Parameter `%s` type error.", name);
	return false;
}
