/*
 * act_text.c: the text actions. TextTranslate answers a deterministic,
 * visibly marked pseudo-translation (mock convention, README): tests need
 * an answer that is stable and obviously not a real translation.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

static void
act_fail(struct act_result *res, const char *code, char *msg)
{
	res->ar_err_code = code;
	res->ar_err_msg = msg;
}

/*
 * Reads a required string parameter; on failure fills res and returns NULL.
 */
static const char *
param_string(struct act_ctx *c, const char *name, struct act_result *res)
{
	json_t *v = json_object_get(c->ac_params, name);

	if (v == NULL || json_is_null(v)) {
		act_fail(res, "MissingParameter", xasprintf(
		    "The request is missing a required parameter `%s`.", name));
		return NULL;
	}
	if (!json_is_string(v)) {
		act_fail(res, "InvalidParameter",
		    xasprintf("Parameter `%s` type error.", name));
		return NULL;
	}
	return json_string_value(v);
}

/* Reads a required integer; form-encoded requests carry it as a string. */
static bool
param_int(struct act_ctx *c, const char *name, long long *out,
    struct act_result *res)
{
	json_t *v = json_object_get(c->ac_params, name);

	if (v == NULL || json_is_null(v)) {
		act_fail(res, "MissingParameter", xasprintf(
		    "The request is missing a required parameter `%s`.", name));
		return false;
	}
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return true;
	}
	if (c->ac_from_form && json_is_string(v) &&
	    str_is_decimal(json_string_value(v), out))
		return true;
	act_fail(res, "InvalidParameter",
	    xasprintf("Parameter `%s` type error.", name));
	return false;
}

void
act_text_translate(struct act_ctx *c, struct act_result *res)
{
	const char *text, *source, *target;
	long long project;
	json_t *resp;

	if ((text = param_string(c, "SourceText", res)) == NULL ||
	    (source = param_string(c, "Source", res)) == NULL ||
	    (target = param_string(c, "Target", res)) == NULL ||
	    !param_int(c, "ProjectId", &project, res))
		return;
	resp = json_object();
	json_object_set_new(resp, "TargetText",
	    json_sprintf("[%s->%s] %s", source, target, text));
	json_object_set_new(resp, "Source", json_string(source));
	json_object_set_new(resp, "Target", json_string(target));
	json_object_set_new(resp, "UsedAmount",
	    json_integer((json_int_t)utf8_codepoints(text, strlen(text))));
	res->ar_resp = resp;
}
