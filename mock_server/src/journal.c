/*
 * journal.c: what the mock saw and answered, one entry per request, in a
 * bounded ring (the oldest go first and are counted as dropped), optionally
 * mirrored to a JSON-lines file (mock-behaviour.md section 7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

/* Parameter strings are cut to this: a journal of base64 images would
 * hold megabytes per entry. */
#define JOURNAL_PARAM_MAX 256
#define JOURNAL_BODY_MAX 65536

static json_t **ring;
static size_t ring_size, ring_head, ring_n;
static long long next_seq = 1, dropped;
static FILE *mirror;

int
journal_init(size_t size, const char *mirror_path, char *err, size_t errlen)
{
	ring_size = size;
	ring = xcalloc(size, sizeof *ring);
	if (mirror_path != NULL && (mirror = fopen(mirror_path, "a")) == NULL) {
		snprintf(err, errlen, "--journal: cannot open %s for appending",
		    mirror_path);
		return -1;
	}
	return 0;
}

void
journal_clear(void)
{
	size_t i;

	for (i = 0; i < ring_n; i++)
		json_decref(ring[(ring_head + i) % ring_size]);
	ring_head = ring_n = 0;
	dropped = 0;
	next_seq = 1;
}

void
journal_close(void)
{
	journal_clear();
	free(ring);
	ring = NULL;
	if (mirror != NULL)
		fclose(mirror);
	mirror = NULL;
}

/* A copy of the parameters with long strings cut. New reference. */
static json_t *
params_truncated(json_t *v)
{
	json_t *out, *item;
	const char *key;
	size_t i;

	if (json_is_string(v) && json_string_length(v) > JOURNAL_PARAM_MAX) {
		char *cut = xasprintf("%.*s…(%zu bytes)", JOURNAL_PARAM_MAX,
		    json_string_value(v), json_string_length(v));

		return json_string_take(cut);
	}
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach(v, key, item)
			json_object_set_new(out, key, params_truncated(item));
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, item)
			json_array_append_new(out, params_truncated(item));
		return out;
	}
	return v != NULL ? json_deep_copy(v) : json_null();
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string_take(xstrdup(s)) : json_null();
}

void
journal_record(const struct req *r, const struct outcome *o,
    uint64_t conn_id, long long latency_us)
{
	json_t *e, *hdrs = json_object();
	size_t i;
	long long now = clock_now_ms();

	if (ring_size == 0)
		return;
	for (i = 0; i < r->r_nhdrs; i++)
		if (strncasecmp(r->r_hdrs[i].k, "X-TC-", 5) == 0)
			json_object_set_new(hdrs, r->r_hdrs[i].k,
			    str_or_null(r->r_hdrs[i].v));
	e = json_object();
	json_object_set_new(e, "seq", json_integer(next_seq++));
	json_object_set_new(e, "conn_id", json_integer((json_int_t)conn_id));
	json_object_set_new(e, "time", json_real((double)now / 1000.0));
	json_object_set_new(e, "method", str_or_null(r->r_method_name));
	json_object_set_new(e, "host", str_or_null(req_header(r, "Host")));
	json_object_set_new(e, "peer", str_or_null(r->r_peer));
	json_object_set_new(e, "headers", hdrs);
	json_object_set_new(e, "action", str_or_null(o->o_action));
	json_object_set_new(e, "region", str_or_null(o->o_region));
	json_object_set_new(e, "secret_id", str_or_null(o->o_secret_id));
	json_object_set_new(e, "sign_method",
	    str_or_null(sign_method_name(o->o_sign_method)));
	json_object_set_new(e, "timestamp", str_or_null(o->o_timestamp));
	json_object_set_new(e, "content_type", str_or_null(req_header(r, "Content-Type")));
	json_object_set_new(e, "signature", str_or_null(o->o_signature));
	json_object_set_new(e, "signature_ok", !o->o_verified ? json_null() :
	    json_boolean(o->o_verify.vr_ok));
	if (o->o_verified && !o->o_verify.vr_ok) {
		json_object_set_new(e, "canonical_request",
		    str_or_null(o->o_verify.vr_canonical_request));
		json_object_set_new(e, "string_to_sign",
		    str_or_null(o->o_verify.vr_string_to_sign));
		json_object_set_new(e, "signature_problem",
		    str_or_null(o->o_verify.vr_why));
	}
	json_object_set_new(e, "params", o->o_params != NULL ?
	    params_truncated(o->o_params) : json_null());
	json_object_set_new(e, "http_status", json_integer(o->o_http_status));
	json_object_set_new(e, "error_code", str_or_null(o->o_error_code));
	json_object_set_new(e, "fault", o->o_inj.i_fault != FK_NONE ?
	    json_string(fault_name(o->o_inj.i_fault)) : json_null());
	json_object_set_new(e, "delay_ms", json_integer(o->o_inj.i_delay_ms));
	json_object_set_new(e, "rule_id", o->o_inj.i_rule_id != 0 ?
	    json_integer(o->o_inj.i_rule_id) : json_null());
	json_object_set_new(e, "magic", json_boolean(o->o_inj.i_magic));
	json_object_set_new(e, "request_id", str_or_null(o->o_request_id));
	/* What was sent, so a grader can compare a client's view with it;
	 * cut like the parameters, but larger: answers are small. */
	json_object_set_new(e, "body", o->o_body_len <= JOURNAL_BODY_MAX ?
	    json_stringn(o->o_body, o->o_body_len) : json_string_take(xasprintf(
	    "%.*s…(%zu bytes)", JOURNAL_BODY_MAX, o->o_body, o->o_body_len)));
	json_object_set_new(e, "latency_us", json_integer(latency_us));

	if (mirror != NULL) {
		json_dumpf(e, mirror, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', mirror);
		fflush(mirror);
	}
	if (ring_n == ring_size) {
		json_decref(ring[ring_head]);
		ring_head = (ring_head + 1) % ring_size;
		ring_n--;
		dropped++;
	}
	ring[(ring_head + ring_n) % ring_size] = e;
	ring_n++;
}

json_t *
journal_query(const char *secret_id, long long since)
{
	json_t *list = json_array(), *e;
	size_t i;

	for (i = 0; i < ring_n; i++) {
		e = ring[(ring_head + i) % ring_size];
		if (json_integer_value(json_object_get(e, "seq")) <= since)
			continue;
		if (secret_id != NULL && (!json_is_string(json_object_get(e, "secret_id")) ||
		    strcmp(json_string_value(json_object_get(e, "secret_id")), secret_id) != 0))
			continue;
		json_array_append(list, e);
	}
	return json_pack("{s:o,s:I}", "entries", list, "dropped", (json_int_t)dropped);
}
