/*
 * pipeline.c: one request through the ordered checks of docs/behaviour.md,
 * Order of checks. This is the only file that knows the order; each check is a
 * guard that either answers or lets the request go on (redis's
 * processCommand is the model).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "tmtmock.h"

/* The common parameters of v1; what is left of a v1 request is business. */
static const char *const v1_common[] = {
	"Action", "Version", "Region", "Timestamp", "Nonce", "SecretId",
	"Signature", "SignatureMethod", "Token", "Language", "RequestClient",
	NULL,
};

static const char html_414[] =
    "<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n"
    "<body>\r\n<center><h1>414 Request-URI Too Large</h1></center>\r\n"
    "<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n";

struct pctx {
	const struct req *p_req;
	struct outcome	*p_out;
	bool		 p_v3;
	bool		 p_lang_en;
	struct kv	*p_form;	/* query (GET) or form body pairs */
	size_t		 p_nform;
	json_t		*p_params;	/* business parameters */
	bool		 p_from_form;
	const char	*p_action, *p_version, *p_region, *p_timestamp;
	const char	*p_secret_id, *p_token;
	long long	 p_ts;
	struct tc3_auth	 p_auth;
	struct account	*p_account;
	/* An upstream call in flight finishes the request later: */
	struct event_base *p_base;
	pipeline_done_fn p_done;
	void		*p_done_arg;
};

/* Answers with an error whose whole message is given (and freed here). */
static void
fail_msg(struct pctx *c, const char *code, char *msg)
{
	const struct err_def *e = catalogue_find(code);

	c->p_out->o_error_code = e != NULL ? e->e_code : code;
	c->p_out->o_body = answer_error(code, msg, c->p_out->o_request_id);
	free(msg);
}

/* Answers with an error of the catalogue; arg fills the message's %s. */
static void
fail(struct pctx *c, const char *code, const char *arg)
{
	const struct err_def *e = catalogue_find(code);

	if (e == NULL)
		fatalx("internal: %s is not in the catalogue", code);
	fail_msg(c, e->e_code, catalogue_message(e, c->p_lang_en, arg));
}

/* A common parameter: a v3 header or a v1 query/form pair; "" is absent. */
static const char *
common(struct pctx *c, const char *v3_header, const char *v1_name)
{
	const char *v = c->p_v3 ? req_header(c->p_req, v3_header) :
	    kv_get(c->p_form, c->p_nform, v1_name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * The SecretId and sign method as the request states them, before check 8
 * parses anything: rules at pre_auth match on them, and the journal files
 * a request refused at checks 5-8 under its SecretId. Caller frees *id.
 */
static void
claimed_identity(struct pctx *c, char **id, const char **sign_method)
{
	const char *auth = req_header(c->p_req, "Authorization"), *cred;

	*id = NULL;
	if (c->p_v3) {
		*sign_method = "TC3-HMAC-SHA256";
		if (auth != NULL && (cred = strstr(auth, "Credential=")) != NULL) {
			cred += strlen("Credential=");
			*id = xstrndup(cred, strcspn(cred, "/, "));
		}
		return;
	}
	*sign_method = kv_get(c->p_form, c->p_nform, "SignatureMethod");
	if (*sign_method == NULL)
		*sign_method = "HmacSHA1";
	if ((cred = kv_get(c->p_form, c->p_nform, "SecretId")) != NULL)
		*id = xstrdup(cred);
}

/* English unless zh-CN is asked for: with no X-TC-Language (the Node and
 * Java SDKs send none) every public production answer is English
 * (docs/fidelity.md). */
static bool
lang_is_en(const char *lang)
{
	return lang == NULL || strcasecmp(lang, "zh-CN") != 0;
}

/* Checks 1 and 2: method and size. */
static bool
check_transport(struct pctx *c)
{
	const struct req *r = c->p_req;

	if (r->r_method == RM_OTHER) {
		fail(c, "UnsupportedProtocol", r->r_method_name);
		return false;
	}
	/* --max-uri-size, TM_MAX_GET_URI by default (0: not configured). */
	if (r->r_method == RM_GET && strlen(r->r_uri) > (conf.c_max_uri_size > 0 ?
	    (size_t)conf.c_max_uri_size : TM_MAX_GET_URI)) {
		c->p_out->o_http_status = 414;
		c->p_out->o_content_type = xstrdup("text/html");
		c->p_out->o_body = xstrdup(html_414);
		c->p_out->o_error_code = "RequestURITooLarge";
		return false;
	}
	if (r->r_method == RM_POST && r->r_body_kind == RB_FORM &&
	    r->r_body_len > TM_MAX_V1_BODY) {
		fail_msg(c, "AuthFailure.SignatureFailure", xstrdup(
		    "The provided credentials could not be validated because of "
		    "exceeding request size limit, please use new signature method "
		    "`TC3-HMAC-SHA256`."));
		return false;
	}
	if (r->r_method == RM_POST && r->r_body_len > TM_MAX_V3_BODY) {
		fail(c, "RequestSizeLimitExceeded", NULL);
		return false;
	}
	return true;
}

/* Whether a body that is not JSON reads as a v1 form: name=value pairs
 * with a Signature among them. */
static bool
looks_like_v1_form(const unsigned char *body, size_t len)
{
	struct kv *kv;
	size_t n;
	const char *err;
	bool v1;

	if (form_decode((const char *)body, len, &kv, &n, &err) != 0)
		return false;
	v1 = kv_get(kv, n, "Signature") != NULL;
	kv_free(kv, n);
	return v1;
}

/* Check 3: the body (or query) decodes; decides v1 or v3. */
static bool
check_decode(struct pctx *c)
{
	const struct req *r = c->p_req;
	const char *err = NULL, *auth = req_header(r, "Authorization");
	json_error_t jerr;

	if (r->r_method == RM_POST && r->r_body_kind == RB_JSON) {
		c->p_params = json_loadb((const char *)r->r_body, r->r_body_len,
		    JSON_REJECT_DUPLICATES, &jerr);
		if (c->p_params == NULL && auth == NULL &&
		    looks_like_v1_form(r->r_body, r->r_body_len)) {
			fail_msg(c, "InvalidParameter", xstrdup("The request body "
			    "is labelled `Content-Type: application/json` but is a "
			    "form with a `Signature` parameter (a v1 request): send "
			    "it as application/x-www-form-urlencoded."));
			return false;
		}
		if (c->p_params == NULL || !json_is_object(c->p_params)) {
			fail_msg(c, "InvalidParameter", xasprintf(
			    "The request body is not a JSON object: %s.",
			    c->p_params == NULL ? jerr.text : "another JSON value"));
			return false;
		}
	} else if (r->r_method == RM_POST && r->r_body_kind != RB_FORM) {
		const char *ct = req_header(r, "Content-Type");

		fail_msg(c, "InvalidParameter", xasprintf("Content-Type `%s` is "
		    "not supported: send application/json (TC3-HMAC-SHA256) or "
		    "application/x-www-form-urlencoded.", ct != NULL ? ct : ""));
		return false;
	} else {
		const char *src = r->r_method == RM_GET ? r->r_query :
		    (const char *)r->r_body;
		size_t len = r->r_method == RM_GET ? strlen(r->r_query) :
		    r->r_body_len;

		if (form_decode(src, len, &c->p_form, &c->p_nform, &err) != 0) {
			fail(c, "InvalidParameter", err);
			return false;
		}
		c->p_from_form = true;
	}

	/* The scheme is the signature's: TC3 signs in Authorization, v1 in
	 * the Signature parameter. A GET's parameters are its query whatever
	 * its Content-Type says (a v1 GET labelled application/json is v1).
	 * Without either, the headers (or a JSON body) tell which was meant,
	 * for check 4 to name what is missing. */
	c->p_v3 = auth != NULL || (kv_get(c->p_form, c->p_nform, "Signature") ==
	    NULL && (req_header(r, "X-TC-Action") != NULL ||
	    (r->r_method == RM_POST && r->r_body_kind == RB_JSON)));
	c->p_lang_en = lang_is_en(c->p_v3 ?
	    req_header(r, "X-TC-Language") : kv_get(c->p_form, c->p_nform, "Language"));
	if (c->p_params == NULL) {
		c->p_params = form_unflatten(c->p_form, c->p_nform,
		    c->p_v3 ? NULL : v1_common);
		if (c->p_params == NULL) {
			fail(c, "InvalidParameter", "The flattened parameter names "
			    "conflict (e.g. `A=1` with `A.0=2`), nest too deep, an index "
			    "is too large, or a value is not UTF-8.");
			return false;
		}
	}
	return true;
}

/* Check 4: the common parameters are present. */
static bool
check_common(struct pctx *c)
{
	static const struct {
		const char *v3, *v1;
	} required[] = {
		{ "X-TC-Action", "Action" }, { "X-TC-Version", "Version" },
		{ "X-TC-Region", "Region" }, { "X-TC-Timestamp", "Timestamp" },
	};
	const char **dst[] = { &c->p_action, &c->p_version, &c->p_region,
	    &c->p_timestamp };
	const char *sm;
	size_t i;

	const char *region_sent = c->p_v3 ? req_header(c->p_req, "X-TC-Region") :
	    kv_get(c->p_form, c->p_nform, "Region");
	long long nonce;

	for (i = 0; i < sizeof required / sizeof required[0]; i++) {
		if ((*dst[i] = common(c, required[i].v3, required[i].v1)) != NULL)
			continue;
		/* An empty X-TC-Region is a bad value, not a missing one: check 7
		 * answers InvalidParameterValue as production did. */
		if (dst[i] == &c->p_region && region_sent != NULL) {
			c->p_region = "";
			continue;
		}
		fail(c, "MissingParameter", required[i].v1);
		return false;
	}
	if (c->p_v3 && req_header(c->p_req, "Authorization") == NULL) {
		fail(c, "MissingParameter", "Authorization");
		return false;
	}
	if (!c->p_v3) {
		if (common(c, NULL, "SecretId") == NULL) {
			fail(c, "MissingParameter", "SecretId");
			return false;
		}
		if (common(c, NULL, "Signature") == NULL) {
			fail(c, "MissingParameter", "Signature");
			return false;
		}
		if (common(c, NULL, "Nonce") == NULL) {
			fail(c, "MissingParameter", "Nonce");
			return false;
		}
	}
	if (!str_is_decimal(c->p_timestamp, &c->p_ts)) {
		fail(c, "InvalidParameter", "Parameter `Timestamp` type error.");
		return false;
	}
	/* v1's Nonce is an integer (the observed message); a sign or a
	 * negative one is refused too (mock convention: "a random positive
	 * integer", and Node's 0 must pass). */
	if (!c->p_v3) {
		const char *n = common(c, NULL, "Nonce");

		if (!(*n >= '0' && *n <= '9') || !str_is_decimal(n, &nonce)) {
			fail(c, "InvalidParameter", "Parameter `Nonce` type error.");
			return false;
		}
	}
	c->p_token = common(c, "X-TC-Token", "Token");
	c->p_out->o_action = xstrdup(c->p_action);
	claimed_identity(c, &c->p_out->o_secret_id, &sm);
	c->p_out->o_region = xstrdup(c->p_region);
	c->p_out->o_timestamp = xstrdup(c->p_timestamp);
	return true;
}

/* Checks 5 to 7: action, version, region. */
static bool
check_target(struct pctx *c)
{
	/* --api-version-date: an action its definition lacks is unknown. */
	if (action_offered(c->p_action) == NULL) {
		fail(c, "InvalidAction", NULL);
		return false;
	}
	if (strcmp(c->p_version, TMT_VERSION) != 0) {
		fail(c, "NoSuchVersion", c->p_version);
		return false;
	}
	switch (region_check(c->p_region)) {
	case REGION_INVALID:
		fail_msg(c, "InvalidParameterValue", xasprintf("A value specified "
		    "in `%s` is not valid, is unsupported, or cannot be used.",
		    c->p_v3 ? "X-TC-Region" : "Region"));
		return false;
	case REGION_UNSUPPORTED:
		fail(c, "UnsupportedRegion", NULL);
		return false;
	case REGION_OK:
		break;
	}
	return true;
}

/* Check 8: the Authorization header (v3) or SignatureMethod (v1). */
static bool
check_auth_form(struct pctx *c)
{
	const char *why = NULL, *m;

	if (c->p_v3) {
		if (tc3_auth_parse(req_header(c->p_req, "Authorization"),
		    &c->p_auth, &why) != 0) {
			fail(c, "AuthFailure.InvalidAuthorization", why);
			return false;
		}
		c->p_out->o_sign_method = SM_TC3;
		c->p_secret_id = c->p_auth.ta_secret_id;
		c->p_out->o_signature = xstrdup(c->p_auth.ta_signature);
		return true;
	}
	m = kv_get(c->p_form, c->p_nform, "SignatureMethod");
	if (m == NULL || strcmp(m, "HmacSHA1") == 0)
		c->p_out->o_sign_method = SM_HMACSHA1;
	else if (strcmp(m, "HmacSHA256") == 0)
		c->p_out->o_sign_method = SM_HMACSHA256;
	else {
		fail(c, "InvalidParameterValue", "A value specified in "
		    "`SignatureMethod` is not valid, is unsupported, or cannot be "
		    "used.");
		return false;
	}
	c->p_secret_id = kv_get(c->p_form, c->p_nform, "SecretId");
	c->p_out->o_signature = xstrdup(kv_get(c->p_form, c->p_nform, "Signature"));
	return true;
}

static void
verify(struct pctx *c, const struct account *a, struct verify_result *vr)
{
	c->p_out->o_verified = true;
	if (c->p_v3)
		verify_tc3(c->p_req, &c->p_auth, c->p_timestamp, a->a_secret_key,
		    conf.c_strict_signature, vr);
	else
		verify_v1(c->p_req, c->p_form, c->p_nform, c->p_out->o_sign_method,
		    a->a_secret_key, conf.c_strict_signature, vr);
}

/* Checks 9 to 13: who signed, when, with which token, and whether rightly. */
static bool
check_credentials(struct pctx *c)
{
	struct account *a;
	long long now = (long long)clock_now();

	free(c->p_out->o_secret_id);
	c->p_out->o_secret_id = xstrdup(c->p_secret_id);
	a = cred_find(c->p_secret_id);
	if (!conf.c_auth) {
		/* --auth off: canned answers, but the journal still learns
		 * whether the signature would have passed. */
		c->p_account = a != NULL && a->a_state != AS_DISABLED ? a : NULL;
		if (a != NULL)
			verify(c, a, &c->p_out->o_verify);
		return true;
	}
	/* Check 9: only an unknown id that claims the AKID form and breaks it;
	 * production answers SecretIdNotFound for "null" and numeric app ids,
	 * and an id in the account store is well formed by definition. */
	if (a == NULL && strncmp(c->p_secret_id, "AKID", 4) == 0 &&
	    !cred_secret_id_well_formed(c->p_secret_id)) {
		fail(c, "AuthFailure.InvalidSecretId", NULL);
		return false;
	}
	if (a == NULL || a->a_state == AS_DISABLED) {
		fail(c, "AuthFailure.SecretIdNotFound", NULL);
		return false;
	}
	c->p_account = a;
	if (llabs(now - c->p_ts) > TM_TIMESTAMP_WINDOW) {
		fail(c, "AuthFailure.SignatureExpire", NULL);
		return false;
	}
	/* A permanent key sent with a token is refused too (mock convention):
	 * a client that does so has mixed up two sets of credentials. */
	if (a->a_token != NULL ? (c->p_token == NULL ||
	    !crypto_streq_ct(c->p_token, a->a_token) ||
	    (a->a_token_expires_at != 0 && a->a_token_expires_at < now)) :
	    c->p_token != NULL) {
		fail(c, "AuthFailure.TokenFailure", NULL);
		return false;
	}
	verify(c, a, &c->p_out->o_verify);
	if (!c->p_out->o_verify.vr_ok) {
		fail(c, "AuthFailure.SignatureFailure", NULL);
		return false;
	}
	return true;
}

/* Checks 14 to 16: what the account may do. */
static bool
check_account(struct pctx *c)
{
	static const char *const state_codes[] = {
		[AS_NOT_REGISTERED] = "FailedOperation.UserNotRegistered",
		[AS_ISOLATED] = "FailedOperation.ServiceIsolate",
		[AS_STOPPED] = "FailedOperation.StopUsing",
	};
	struct account *a = c->p_account;
	size_t i;
	json_t *v;
	bool allowed;

	if (a == NULL)	/* --auth off with an unknown SecretId */
		return true;
	if (a->a_mfa) {
		fail(c, "AuthFailure.MFAFailure", NULL);
		return false;
	}
	if (a->a_service_denied) {
		fail(c, "UnauthorizedOperation", NULL);
		return false;
	}
	if (a->a_allow_actions != NULL) {
		allowed = false;
		json_array_foreach(a->a_allow_actions, i, v)
			allowed |= strcmp(json_string_value(v), c->p_action) == 0;
		if (!allowed) {
			fail(c, "AuthFailure.UnauthorizedOperation", c->p_action);
			return false;
		}
	}
	if (a->a_state != AS_ACTIVE && a->a_state != AS_DISABLED) {
		fail(c, state_codes[a->a_state], NULL);
		return false;
	}
	return true;
}

/* Takes what a rule or magic value asked for; an error answers now, a
 * fault or delay is applied to the answer by the front. */
static bool
apply_injection(struct pctx *c, struct injection *inj)
{
	const struct err_def *e;

	free(c->p_out->o_inj.i_message);
	json_decref(c->p_out->o_inj.i_extra);
	c->p_out->o_inj = *inj;
	if (inj->i_error == NULL)
		return true;
	e = catalogue_find(inj->i_error);
	fail_msg(c, e->e_code, inj->i_message != NULL ? xstrdup(inj->i_message) :
	    catalogue_message(e, c->p_lang_en, NULL));
	return false;
}

/* Before check 8 even an unsigned request can be answered by a rule. */
static bool
inject_pre_auth(struct pctx *c)
{
	struct injection inj = { 0 };
	struct fault_facts f = { .ff_action = c->p_action, .ff_region = c->p_region };
	char *id;
	bool go_on;

	claimed_identity(c, &id, &f.ff_sign_method);
	f.ff_secret_id = id;
	go_on = !fault_fire(STAGE_PRE_AUTH, &f, &inj) || apply_injection(c, &inj);
	free(id);
	return go_on;
}

/* After check 16: rules first, then magic values, whose markers are taken
 * out of the text either way so they are never counted or translated. */
static bool
inject_post_auth(struct pctx *c)
{
	struct injection inj = { 0 }, magic = { 0 };
	struct fault_facts f = { .ff_action = c->p_action, .ff_region = c->p_region,
	    .ff_secret_id = c->p_secret_id,
	    .ff_sign_method = sign_method_name(c->p_out->o_sign_method) };
	bool fired = fault_fire(STAGE_POST_AUTH, &f, &inj);
	char *err = NULL;

	if (conf.c_magic && magic_scan(c->p_params, &magic, &err) < 0) {
		free(inj.i_message);
		json_decref(inj.i_extra);
		fail_msg(c, "InvalidParameterValue", err);
		return false;
	}
	if (fired)
		return apply_injection(c, &inj);
	if (magic.i_magic)
		return apply_injection(c, &magic);
	return true;
}

/* Check 17: the rate over a sliding second, per SecretId + Action + Region. */
static bool
check_rate(struct pctx *c)
{
	const struct action_def *ad = action_find(c->p_action);
	json_t *qps = c->p_account != NULL ?
	    json_object_get(c->p_account->a_json, "qps") : NULL;
	json_t *override = json_object_get(qps, c->p_action);
	long long limit = override != NULL ? json_integer_value(override) : ad->ad_qps;
	char *key;
	int n;

	if (!conf.c_rate_limit)
		return true;
	key = xasprintf("%s|%s|%s", c->p_secret_id, c->p_action, c->p_region);
	n = limit_count(key, clock_rate_ms());
	free(key);
	if (n <= limit)
		return true;
	/* The observed messages carry the real count and limit. */
	fail_msg(c, "RequestLimitExceeded", c->p_lang_en ? xasprintf(
	    "Your current request times equals to `%d` in a second, which exceeds "
	    "the frequency limit `%lld` for a second. Please reduce the frequency "
	    "of calls.", n, limit) : xasprintf("您当前每秒请求 `%d` 次，超过了每秒"
	    "频率上限 `%lld`，请稍后重试。", n, limit));
	return false;
}

/* Checks 18 to 22: parameters, then the action, which runs its own rules
 * (19) and calls act_gate for DryRun (20) and the free quota (21). */
static void
run_action(struct pctx *c)
{
	const struct action_def *ad = action_find(c->p_action);
	json_t *dry;
	struct act_ctx ac = {
		.ac_req = c->p_req, .ac_def = ad, .ac_region = c->p_region,
		.ac_request_id = c->p_out->o_request_id,
		.ac_params = c->p_params, .ac_account = c->p_account,
		.ac_secret_id = c->p_secret_id, .ac_lang_en = c->p_lang_en,
	};
	struct act_result res = { 0 };

	if (schema_check(ad, c->p_params, c->p_from_form, &res)) {
		dry = json_object_get(c->p_params, "DryRun");
		ac.ac_dry_run = dry != NULL && json_is_true(dry);
		/* DryRun is the mock's, not the action's: hide it from the action. */
		json_object_del(c->p_params, "DryRun");
		ad->ad_fn(&ac, &res);
	}
	if (res.ar_err_code != NULL) {
		fail_msg(c, res.ar_err_code, res.ar_err_msg);
		return;
	}
	c->p_out->o_body = answer_result(&res, c->p_out->o_request_id);
}

static void resume(void *);

/* After check 17, before the action: the cassette or the upstream may
 * answer instead (upstream.c); rules and faults have had their turn. */
static enum up_step
from_upstream(struct pctx *c)
{
	struct fwd f = {
		.f_req = c->p_req, .f_v3 = c->p_v3,
		.f_method = c->p_out->o_sign_method, .f_action = c->p_action,
		.f_version = c->p_version, .f_region = c->p_region,
		.f_params = c->p_params, .f_form = c->p_form, .f_nform = c->p_nform,
	};

	if (conf.c_upstream == NULL && conf.c_replay == NULL)
		return UP_NONE;
	return upstream_handle(&f, c->p_out, c->p_base, resume, c);
}

static const char html_5xx[] =
    "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n"
    "<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n";

/* What the faults that change the answer itself make of it; reset, close,
 * truncate, slow_body and delays are the front's, on the wire. */
static void
shape_answer(struct pctx *c)
{
	static const struct {
		enum fault_kind	 kind;
		int		 status;
		const char	*reason;
	} gateway[] = {
		{ FK_HTML_502, 502, "Bad Gateway" },
		{ FK_HTML_503, 503, "Service Temporarily Unavailable" },
		{ FK_HTML_504, 504, "Gateway Time-out" },
	};
	struct outcome *o = c->p_out;
	json_t *root, *resp;
	size_t i;

	/* Fields a newer service might add (clients must ignore them), or documented
	 * ones set to a chosen value (e.g. an integer beyond 2^53 in UsedAmount). */
	if (o->o_inj.i_extra != NULL && o->o_error_code == NULL) {
		root = json_loads(o->o_body, 0, NULL);
		resp = json_object_get(root, "Response");
		json_object_update(resp, o->o_inj.i_extra);
		/* RequestId last, where the service puts it. */
		json_object_del(resp, "RequestId");
		json_object_set_new(resp, "RequestId", json_string(o->o_request_id));
		free(o->o_body);
		o->o_body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(root);
	}

	switch (o->o_inj.i_fault) {
	case FK_HTML_502:
	case FK_HTML_503:
	case FK_HTML_504:
		for (i = 0; gateway[i].kind != o->o_inj.i_fault; i++)
			;
		free(o->o_body);
		o->o_body = xasprintf(html_5xx, gateway[i].status, gateway[i].reason,
		    gateway[i].status, gateway[i].reason);
		o->o_http_status = gateway[i].status;
		free(o->o_content_type);
		o->o_content_type = xstrdup("text/html");
		break;
	case FK_NOT_JSON:
		free(o->o_body);
		o->o_body = xstrdup("<html><body><h1>Service temporarily "
		    "unavailable</h1></body></html>\n");
		break;
	case FK_ERROR_500:
		o->o_http_status = 500;
		if (o->o_error_code == NULL) {
			free(o->o_body);
			fail(c, "InternalError", NULL);
		}
		break;
	case FK_CHARSET:
		free(o->o_content_type);
		o->o_content_type = xstrdup("application/json; charset=utf-8");
		break;
	case FK_NO_REQUEST_ID:
		root = json_loads(o->o_body, 0, NULL);
		resp = json_object_get(root, "Response");
		json_object_del(resp, "RequestId");
		free(o->o_body);
		o->o_body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(root);
		break;
	case FK_NO_RESPONSE:
		free(o->o_body);
		o->o_body = xstrdup("{}");
		break;
	default:
		break;
	}
}

/* What every request ends with, now or when its upstream call is back. */
static void
finish(struct pctx *c)
{
	struct outcome *o = c->p_out;

	if (o->o_content_type == NULL)
		o->o_content_type = xstrdup("application/json");
	shape_answer(c);
	o->o_body_len = strlen(o->o_body);
	o->o_params = json_incref(c->p_params);
	tc3_auth_free(&c->p_auth);
	kv_free(c->p_form, c->p_nform);
	json_decref(c->p_params);
}

/* The upstream call of a pending request is back (upstream.c). */
static void
resume(void *arg)
{
	struct pctx *c = arg;
	pipeline_done_fn done = c->p_done;
	void *done_arg = c->p_done_arg;
	struct outcome *o = c->p_out;

	finish(c);
	free(c);
	done(o, done_arg);
}

bool
pipeline_start(const struct req *r, struct outcome *o, struct event_base *base,
    pipeline_done_fn done, void *done_arg)
{
	struct pctx local, *c = &local;

	/* Only a request forwarded to --upstream outlives this call: the rest
	 * (every request of a mock without one) keep their context on the
	 * stack, no allocation on the hot path. */
	if (conf.c_upstream != NULL)
		c = xcalloc(1, sizeof *c);
	else
		memset(c, 0, sizeof *c);
	c->p_req = r;
	c->p_out = o;
	c->p_base = base;
	c->p_done = done;
	c->p_done_arg = done_arg;
	memset(o, 0, sizeof *o);
	o->o_http_status = 200;
	rng_uuid(o->o_request_id);
	/* Until v1's Language parameter is decoded only the header is known. */
	c->p_lang_en = lang_is_en(req_header(r, "X-TC-Language"));

	if (check_transport(c) && check_decode(c) && check_common(c) &&
	    check_target(c) && inject_pre_auth(c) && check_auth_form(c) &&
	    check_credentials(c) && check_account(c) && inject_post_auth(c) &&
	    check_rate(c)) {
		switch (from_upstream(c)) {
		case UP_PENDING:
			return false;	/* c now waits for resume() */
		case UP_NONE:
			run_action(c);
			break;
		case UP_DONE:
			break;
		}
	}
	finish(c);
	if (c != &local)
		free(c);
	return true;
}

static void
sync_done(struct outcome *o, void *arg)
{
	(void)o;
	*(bool *)arg = true;
}

/* pipeline_run's loop of its own, made at the first request that needs
 * it, for a front that waits (the one of today). */
static struct event_base *own;

void
pipeline_clear(void)
{
	if (own != NULL)
		event_base_free(own);
	own = NULL;
}

void
pipeline_run(const struct req *r, struct outcome *o)
{
	bool done = false;

	if (conf.c_upstream != NULL && own == NULL &&
	    (own = event_base_new()) == NULL)
		fatalx("cannot create the upstream's event loop");
	if (pipeline_start(r, o, own, sync_done, &done))
		return;
	while (!done)
		event_base_loop(own, EVLOOP_ONCE);
	/* What the call left for the next turn (freeing its connection). */
	event_base_loop(own, EVLOOP_NONBLOCK);
}

void
outcome_free(struct outcome *o)
{
	free(o->o_content_type);
	free(o->o_body);
	free(o->o_action);
	free(o->o_secret_id);
	free(o->o_region);
	free(o->o_timestamp);
	free(o->o_signature);
	json_decref(o->o_inj.i_extra);
	json_decref(o->o_params);
	free(o->o_inj.i_message);
	verify_result_free(&o->o_verify);
	memset(o, 0, sizeof *o);
}
