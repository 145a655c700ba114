/*
 * answer.c: the JSON envelope. Compact, UTF-8 left raw (safe for every SDK,
 * tencent-api.md 4.1), RequestId last as in the captured bodies.
 */
#include <stdlib.h>

#include "tmtmock.h"

static char *
dump_response(json_t *response, const char *request_id)
{
	json_t *root;
	char *s;

	json_object_set_new(response, "RequestId", json_string(request_id));
	root = json_pack("{s:o}", "Response", response);
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s == NULL)
		fatalx("cannot encode a response");
	return s;
}

char *
answer_ok(json_t *response, const char *request_id)
{
	return dump_response(response, request_id);
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

char *
answer_error(const char *code, const char *message, const char *request_id)
{
	json_t *err = json_pack("{s:s,s:o}", "Code", code, "Message",
	    json_string_lossy(message));

	return dump_response(json_pack("{s:o}", "Error", err), request_id);
}
