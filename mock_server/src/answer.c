/*
 * answer.c: the JSON envelope. Compact, UTF-8 left raw (safe for every SDK,
 * docs/behaviour.md, The answer), RequestId last as in the captured bodies.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

static char *
dump_response(json_t *response, const char *request_id)
{
	struct buf b = { 0 };

	/* Set, not appended: a RequestId already there keeps its place. */
	json_object_set_new(response, "RequestId", json_string(request_id));
	buf_adds(&b, "{\"Response\":");
	jw_value(&b, response, 0);
	buf_addc(&b, '}');
	json_decref(response);
	return (char *)buf_str(&b);
}

char *
answer_ok(json_t *response, const char *request_id)
{
	if (!json_is_object(response))
		fatalx("cannot encode a response");
	return dump_response(response, request_id);
}

char *
answer_ok_json(char *response, const char *request_id)
{
	struct buf b = { 0 };
	size_t len = response != NULL ? strlen(response) : 0;

	if (len < 2 || response[0] != '{' || response[len - 1] != '}')
		fatalx("cannot encode a response");
	/* The members as written, then RequestId last. */
	buf_adds(&b, "{\"Response\":");
	buf_add(&b, response, len - 1);
	if (len > 2)
		buf_addc(&b, ',');
	buf_adds(&b, "\"RequestId\":");
	jw_str_lossy(&b, request_id);
	buf_adds(&b, "}}");
	free(response);
	return (char *)buf_str(&b);
}

char *
answer_result(struct act_result *res, const char *request_id)
{
	char *s;

	if (res->ar_json != NULL) {
		s = answer_ok_json(res->ar_json, request_id);
		res->ar_json = NULL;
	} else {
		s = answer_ok(res->ar_resp, request_id);
		res->ar_resp = NULL;
	}
	return s;
}

/* A message may quote what the client sent, which need not be UTF-8. */
static json_t *
json_string_lossy(const char *s)
{
	json_t *j;
	char *clean;

	if ((j = json_string(s)) != NULL)
		return j;
	clean = utf8_sanitize(s);
	j = json_string(clean);
	free(clean);
	return j;
}

json_t *
json_string_take(char *s)
{
	json_t *j = json_string_lossy(s);

	free(s);
	return j;
}

/* The shape is fixed: written straight, no tree. */
char *
answer_error(const char *code, const char *message, const char *request_id)
{
	struct buf b = { 0 };

	buf_adds(&b, "{\"Response\":{\"Error\":{\"Code\":");
	jw_str_lossy(&b, code);
	buf_adds(&b, ",\"Message\":");
	jw_str_lossy(&b, message);
	buf_adds(&b, "},\"RequestId\":");
	jw_str_lossy(&b, request_id);
	buf_adds(&b, "}}");
	return (char *)buf_str(&b);
}
