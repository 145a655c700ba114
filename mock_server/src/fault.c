/*
 * fault.c: errors, transport faults and delays on demand (docs/admin-api.md,
 * docs/faults.md): fault rules (admin API and --faults files) and magic values
 * in text parameters. Rules are refused whole when any part is wrong, so
 * nothing is ever half-applied or silently ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

#define DELAY_MAX_MS 600000
#define MAGIC "@mock:"

struct fault_rule {
	long long	 r_id;
	char		*r_action, *r_secret_id, *r_region, *r_sign_method;
	const char	*r_error;	/* the catalogue's string */
	char		*r_message;
	json_t		*r_extra;
	enum fault_kind	 r_fault;
	long long	 r_delay_ms;
	long long	 r_times;	/* -1: no limit */
	long long	 r_after;
	double		 r_probability;
	enum fault_stage r_stage;
	long long	 r_matched, r_fired;
	struct fault_rule *r_next;
};

static struct fault_rule *rules, **rules_tail = &rules;
static long long next_id = 1;

static const char *const fault_names[] = {
	[FK_NONE] = "none", [FK_RESET] = "reset", [FK_CLOSE] = "close",
	[FK_TRUNCATE] = "truncate", [FK_NOT_JSON] = "not_json",
	[FK_HTML_502] = "html_502", [FK_HTML_503] = "html_503",
	[FK_HTML_504] = "html_504", [FK_SLOW_BODY] = "slow_body",
	[FK_ERROR_500] = "error_status_500",
	[FK_CHARSET] = "charset_content_type",
	[FK_NO_REQUEST_ID] = "no_request_id", [FK_NO_RESPONSE] = "no_response",
};

const char *
fault_name(enum fault_kind k)
{
	return fault_names[k];
}

int
fault_find(const char *name)
{
	size_t i;

	for (i = 1; i < sizeof fault_names / sizeof fault_names[0]; i++)
		if (strcmp(fault_names[i], name) == 0)
			return (int)i;
	return -1;
}

static void
rule_free(struct fault_rule *r)
{
	free(r->r_action);
	free(r->r_secret_id);
	free(r->r_region);
	free(r->r_sign_method);
	free(r->r_message);
	json_decref(r->r_extra);
	free(r);
}

void
fault_clear(void)
{
	while (rules != NULL) {
		struct fault_rule *r = rules;

		rules = r->r_next;
		rule_free(r);
	}
	rules_tail = &rules;
}

static json_t *
rule_json(const struct fault_rule *r)
{
	json_t *match = json_object();

	if (r->r_action)
		json_object_set_new(match, "action", json_string(r->r_action));
	if (r->r_secret_id)
		json_object_set_new(match, "secret_id", json_string(r->r_secret_id));
	if (r->r_region)
		json_object_set_new(match, "region", json_string(r->r_region));
	if (r->r_sign_method)
		json_object_set_new(match, "sign_method", json_string(r->r_sign_method));
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:I,s:f,s:s,s:I,s:I}",
	    "id", (json_int_t)r->r_id, "match", match,
	    "error", r->r_error ? json_string(r->r_error) : json_null(),
	    "message", r->r_message ? json_string(r->r_message) : json_null(),
	    "fault", r->r_fault ? json_string(fault_names[r->r_fault]) : json_null(),
	    "delay_ms", (json_int_t)r->r_delay_ms,
	    "extra", r->r_extra != NULL ? json_deep_copy(r->r_extra) : json_null(),
	    "times", r->r_times < 0 ? json_null() : json_integer(r->r_times),
	    "after", (json_int_t)r->r_after, "probability", r->r_probability,
	    "stage", r->r_stage == STAGE_PRE_AUTH ? "pre_auth" : "post_auth",
	    "matched", (json_int_t)r->r_matched, "fired", (json_int_t)r->r_fired);
}

/* An optional string field of obj into *dst (a copy). -1 on a wrong type. */
static int
opt_string(json_t *obj, const char *name, const char *where, char **dst,
    char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s%s: must be a string", where, name);
		return -1;
	}
	*dst = xstrdup(json_string_value(v));
	return 0;
}

static int
opt_int(json_t *obj, const char *name, long long lo, long long hi,
    long long *dst, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, name);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		snprintf(err, errlen, "%s: must be an integer from %lld to %lld",
		    name, lo, hi);
		return -1;
	}
	*dst = json_integer_value(v);
	return 0;
}

static bool
only_fields(json_t *obj, const char *const *names, const char *where,
    char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(names[i], key) == 0)
				break;
		if (names[i] == NULL) {
			snprintf(err, errlen, "%s%s: unknown field", where, key);
			return false;
		}
	}
	return true;
}

/* Parses and checks one rule; NULL with err naming the field. */
static struct fault_rule *
rule_parse(json_t *obj, char *err, size_t errlen)
{
	static const char *const fields[] = { "match", "error", "message",
	    "fault", "delay_ms", "times", "after", "probability", "stage",
	    "comment", "id", "matched", "fired", "extra", NULL };
	static const char *const match_fields[] = { "action", "secret_id",
	    "region", "sign_method", NULL };
	struct fault_rule *r = xcalloc(1, sizeof *r);
	json_t *match, *v;
	char *error = NULL, *fault = NULL, *stage = NULL;
	const struct err_def *e;

	r->r_times = 1;
	r->r_probability = 1.0;
	r->r_stage = STAGE_POST_AUTH;
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "a rule must be a JSON object");
		goto fail;
	}
	if (!only_fields(obj, fields, "", err, errlen))
		goto fail;
	match = json_object_get(obj, "match");
	if (match != NULL && !json_is_null(match)) {
		if (!json_is_object(match)) {
			snprintf(err, errlen, "match: must be an object");
			goto fail;
		}
		if (!only_fields(match, match_fields, "match.", err, errlen) ||
		    opt_string(match, "action", "match.", &r->r_action, err, errlen) ||
		    opt_string(match, "secret_id", "match.", &r->r_secret_id, err, errlen) ||
		    opt_string(match, "region", "match.", &r->r_region, err, errlen) ||
		    opt_string(match, "sign_method", "match.", &r->r_sign_method, err, errlen))
			goto fail;
		if (r->r_action != NULL && action_find(r->r_action) == NULL) {
			snprintf(err, errlen, "match.action: `%s` is not a TMT action",
			    r->r_action);
			goto fail;
		}
		if (r->r_sign_method != NULL &&
		    strcmp(r->r_sign_method, "TC3-HMAC-SHA256") != 0 &&
		    strcmp(r->r_sign_method, "HmacSHA1") != 0 &&
		    strcmp(r->r_sign_method, "HmacSHA256") != 0) {
			snprintf(err, errlen, "match.sign_method: must be "
			    "TC3-HMAC-SHA256, HmacSHA1 or HmacSHA256");
			goto fail;
		}
	}
	if (opt_string(obj, "error", "", &error, err, errlen) ||
	    opt_string(obj, "message", "", &r->r_message, err, errlen) ||
	    opt_string(obj, "fault", "", &fault, err, errlen) ||
	    opt_string(obj, "stage", "", &stage, err, errlen) ||
	    opt_int(obj, "delay_ms", 0, DELAY_MAX_MS, &r->r_delay_ms, err, errlen) ||
	    opt_int(obj, "after", 0, 1LL << 53, &r->r_after, err, errlen))
		goto fail;
	v = json_object_get(obj, "times");
	if (v != NULL && json_is_null(v))
		r->r_times = -1;
	else if (opt_int(obj, "times", 0, 1LL << 53, &r->r_times, err, errlen))
		goto fail;
	v = json_object_get(obj, "probability");
	if (v != NULL) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 1) {
			snprintf(err, errlen, "probability: must be a number from 0 to 1");
			goto fail;
		}
		r->r_probability = json_number_value(v);
	}
	if (error != NULL) {
		if ((e = catalogue_find(error)) == NULL) {
			snprintf(err, errlen, "error: `%s` is not an error code "
			    "the mock knows (GET /_mock/catalogue lists them)", error);
			goto fail;
		}
		r->r_error = e->e_code;
	}
	if (fault != NULL) {
		int k = fault_find(fault);

		if (k < 0) {
			snprintf(err, errlen, "fault: `%s` is not a fault name (reset, "
			    "close, truncate, not_json, html_502, html_503, html_504, "
			    "slow_body, error_status_500, charset_content_type, "
			    "no_request_id, no_response)", fault);
			goto fail;
		}
		r->r_fault = (enum fault_kind)k;
	}
	if (r->r_error != NULL && r->r_fault != FK_NONE) {
		snprintf(err, errlen, "error, fault: give one of them, not both");
		goto fail;
	}
	if (r->r_error == NULL && r->r_fault == FK_NONE && r->r_delay_ms == 0 &&
	    json_object_get(obj, "extra") == NULL) {
		snprintf(err, errlen, "error, fault, delay_ms, extra: a rule needs "
		    "an error, a fault, a delay or extra fields");
		goto fail;
	}
	v = json_object_get(obj, "extra");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_object(v) || json_object_get(v, "RequestId") != NULL ||
		    json_object_get(v, "Error") != NULL) {
			snprintf(err, errlen, "extra: must be an object of fields to "
			    "add to a success (not RequestId or Error)");
			goto fail;
		}
		r->r_extra = json_incref(v);
	}
	if (r->r_message != NULL && r->r_error == NULL) {
		snprintf(err, errlen, "message: only an error has a message");
		goto fail;
	}
	if (stage != NULL) {
		if (strcmp(stage, "pre_auth") == 0)
			r->r_stage = STAGE_PRE_AUTH;
		else if (strcmp(stage, "post_auth") != 0) {
			snprintf(err, errlen, "stage: must be pre_auth or post_auth");
			goto fail;
		}
	}
	free(error);
	free(fault);
	free(stage);
	return r;
fail:
	free(error);
	free(fault);
	free(stage);
	rule_free(r);
	return NULL;
}

json_t *
fault_add(json_t *obj, char *err, size_t errlen)
{
	struct fault_rule *r = rule_parse(obj, err, errlen);

	if (r == NULL)
		return NULL;
	r->r_id = next_id++;
	*rules_tail = r;
	rules_tail = &r->r_next;
	return rule_json(r);
}

json_t *
fault_list(void)
{
	json_t *list = json_array();
	struct fault_rule *r;

	for (r = rules; r != NULL; r = r->r_next)
		json_array_append_new(list, rule_json(r));
	return list;
}

int
fault_delete(long long id)
{
	struct fault_rule **pp, *r;

	for (pp = &rules; (r = *pp) != NULL; pp = &r->r_next)
		if (r->r_id == id) {
			*pp = r->r_next;
			if (rules_tail == &r->r_next)
				rules_tail = pp;
			rule_free(r);
			return 0;
		}
	return -1;
}

int
fault_load_file(const char *path, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *list, *item;
	struct fault_rule *parsed = NULL, **tail = &parsed, *r;
	char why[512];
	size_t i;
	int rc = -1;

	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		json_file_error(err, errlen, path, &jerr);
		return -1;
	}
	list = json_object_get(root, "faults");
	if (!json_is_array(list)) {
		snprintf(err, errlen, "%s: faults: must be an array (the file is "
		    "{\"faults\": [...]})", path);
		goto out;
	}
	/* All or nothing: a file with one bad rule adds none. */
	json_array_foreach(list, i, item) {
		if ((r = rule_parse(item, why, sizeof why)) == NULL) {
			snprintf(err, errlen, "%s: faults[%zu]: %s", path, i, why);
			goto out;
		}
		*tail = r;
		tail = &r->r_next;
	}
	for (r = parsed; r != NULL; r = r->r_next)
		r->r_id = next_id++;
	*rules_tail = parsed;
	if (parsed != NULL)
		rules_tail = tail;
	parsed = NULL;
	rc = 0;
out:
	while (parsed != NULL) {
		r = parsed;
		parsed = r->r_next;
		rule_free(r);
	}
	json_decref(root);
	return rc;
}

static bool
field_matches(const char *want, const char *have)
{
	return want == NULL || (have != NULL && strcmp(want, have) == 0);
}

bool
fault_fire(enum fault_stage stage, const struct fault_facts *f,
    struct injection *inj)
{
	struct fault_rule *r;

	for (r = rules; r != NULL; r = r->r_next) {
		if (r->r_stage != stage || !field_matches(r->r_action, f->ff_action) ||
		    !field_matches(r->r_secret_id, f->ff_secret_id) ||
		    !field_matches(r->r_region, f->ff_region) ||
		    !field_matches(r->r_sign_method, f->ff_sign_method))
			continue;
		r->r_matched++;
		if (r->r_matched <= r->r_after)
			continue;
		if (r->r_times >= 0 && r->r_fired >= r->r_times)
			continue;
		/* Drawn from the seeded PRNG, so a run replays exactly. */
		if (r->r_probability < 1.0 &&
		    (double)(rng_next() >> 11) / (double)(1ULL << 53) >= r->r_probability)
			continue;
		r->r_fired++;
		inj->i_error = r->r_error;
		inj->i_message = r->r_message != NULL ? xstrdup(r->r_message) : NULL;
		inj->i_fault = r->r_fault;
		inj->i_delay_ms = r->r_delay_ms;
		inj->i_rule_id = r->r_id;
		inj->i_extra = r->r_extra != NULL ? json_incref(r->r_extra) : NULL;
		return true;
	}
	return false;
}

/*
 * Finds and removes the markers of one string. Returns the cleaned string
 * (caller frees), or NULL with *err set (caller frees) for an unknown or
 * malformed marker.
 */
static char *
magic_strip(const char *s, struct injection *inj, char **err)
{
	struct buf b = { 0 };
	const char *p = s, *m;

	while ((m = strstr(p, MAGIC)) != NULL) {
		const char *key = m + strlen(MAGIC), *eq = strchr(key, '='), *end;
		char *val;
		long long ms;

		buf_add(&b, p, (size_t)(m - p));
		end = key + strcspn(key, " \t\r\n");
		if (eq == NULL || eq > end) {
			*err = xasprintf("The magic value `%.*s` is not "
			    "@mock:error=CODE, @mock:fault=NAME or @mock:delay=MS.",
			    (int)(end - m), m);
			goto fail;
		}
		val = xstrndup(eq + 1, (size_t)(end - eq - 1));
		if ((size_t)(eq - key) == 5 && strncmp(key, "error", 5) == 0 &&
		    catalogue_find(val) != NULL)
			inj->i_error = catalogue_find(val)->e_code;
		else if ((size_t)(eq - key) == 5 && strncmp(key, "fault", 5) == 0 &&
		    fault_find(val) > 0)
			inj->i_fault = (enum fault_kind)fault_find(val);
		else if ((size_t)(eq - key) == 5 && strncmp(key, "delay", 5) == 0 &&
		    str_is_decimal(val, &ms) && ms >= 0 && ms <= DELAY_MAX_MS)
			inj->i_delay_ms = ms;
		else {
			*err = xasprintf("The magic value `%.*s` names no error code, "
			    "fault or delay the mock knows.", (int)(end - m), m);
			free(val);
			goto fail;
		}
		free(val);
		inj->i_magic = true;
		/* The marker and one space beside it are not part of the text:
		 * the space after it or, when it ends the text, the one before. */
		if (*end == ' ')
			p = end + 1;
		else {
			p = end;
			if (*end == '\0' && b.b_len > 0 && b.b_data[b.b_len - 1] == ' ')
				b.b_data[--b.b_len] = '\0';
		}
	}
	buf_adds(&b, p);
	return (char *)buf_str(&b);
fail:
	buf_free(&b);
	return NULL;
}

int
magic_scan(json_t *params, struct injection *inj, char **err)
{
	static const char *const names[] = { "SourceText", "Text",
	    "SourceTextList", NULL };
	json_t *v, *item;
	size_t i, j;
	char *clean;

	*err = NULL;
	for (i = 0; names[i] != NULL; i++) {
		v = json_object_get(params, names[i]);
		if (json_is_string(v) && strstr(json_string_value(v), MAGIC)) {
			if ((clean = magic_strip(json_string_value(v), inj, err)) == NULL)
				return -1;
			json_object_set_new(params, names[i], json_string_take(clean));
		} else if (json_is_array(v)) {
			json_array_foreach(v, j, item) {
				if (!json_is_string(item) ||
				    strstr(json_string_value(item), MAGIC) == NULL)
					continue;
				if ((clean = magic_strip(json_string_value(item), inj,
				    err)) == NULL)
					return -1;
				json_array_set_new(v, j, json_string_take(clean));
			}
		}
	}
	return inj->i_magic ? 1 : 0;
}
