/*
 * admin.c: the admin API under /_mock/ (docs/admin-api.md).
 * JSON in, JSON out; a request that is wrong in any part changes nothing
 * and gets a 4xx whose message names the problem.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "tmtmock.h"

static struct event_base *admin_base;
static time_t started_at;

void
admin_init(struct event_base *base)
{
	admin_base = base;
	started_at = time(NULL);
}

static void
reply_json(struct outcome *o, int status, json_t *body /* stolen */)
{
	o->o_http_status = status;
	o->o_content_type = xstrdup("application/json");
	o->o_body = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
}

static void
reply_error(struct outcome *o, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reply_error(struct outcome *o, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	reply_json(o, status, json_pack("{s:o}", "error", json_string_take(msg)));
}

/* The request body as a JSON value, or NULL after answering 400. */
static json_t *
body_json(const struct req *r, struct outcome *o)
{
	json_error_t jerr;
	json_t *j;

	j = json_loadb((const char *)r->r_body, r->r_body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL)
		reply_error(o, 400, "the body is not JSON: line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
	return j;
}

static bool
peer_is_loopback(const char *peer)
{
	return strncmp(peer, "127.", 4) == 0 || strncmp(peer, "::1:", 4) == 0 ||
	    strncmp(peer, "::ffff:127.", 11) == 0;
}

/*
 * Puts everything back as it was at start-up: fixtures re-read, rules of
 * --faults files reloaded, journal, rate windows, sessions, tasks, clock,
 * metrics and the PRNG (so a seeded run replays from here).
 */
static int
admin_reset(char *err, size_t errlen)
{
	size_t i;

	if (cred_load(conf.c_fixtures, err, errlen) != 0 ||
	    xlate_load(conf.c_fixtures, err, errlen) != 0 ||
	    image_load(conf.c_fixtures, err, errlen) != 0)
		return -1;
	fault_clear();
	for (i = 0; i < conf.c_nfaults; i++)
		if (fault_load_file(conf.c_faults[i], err, errlen) != 0)
			return -1;
	journal_clear();
	limit_clear();
	speech_clear();
	file_clear();
	file_init(admin_base);
	clock_reset();
	metrics_clear();
	rng_seed(conf.c_rng_seed);
	return 0;
}

/* GET lists the translations, POST {"translations": [...]} replaces them
 * (all or nothing), DELETE empties them; reset brings back start-up's. */
static void
admin_translations(const struct req *r, struct outcome *o)
{
	char err[512];
	json_t *j, *empty;

	if (r->r_method == RM_GET) {
		reply_json(o, 200, xlate_json());
	} else if (r->r_method == RM_POST) {
		if ((j = body_json(r, o)) == NULL)
			return;
		if (!json_is_object(j)) {
			reply_error(o, 400, "body: must be an object "
			    "{\"translations\": [...]}");
		} else if (xlate_load_json(j, "body", err, sizeof err) != 0) {
			reply_error(o, 400, "%s", err);
		} else
			reply_json(o, 200, xlate_json());
		json_decref(j);
	} else if (strcmp(r->r_method_name, "DELETE") == 0) {
		empty = json_pack("{s:[]}", "translations");
		xlate_load_json(empty, "body", err, sizeof err);
		json_decref(empty);
		reply_json(o, 200, xlate_json());
	} else
		reply_error(o, 405, "/_mock/translations takes GET, POST or DELETE");
}

static void
admin_faults(const struct req *r, const char *rest, struct outcome *o)
{
	char err[512];
	json_t *j, *rule;
	long long id;

	if (*rest == '\0') {
		if (r->r_method == RM_GET) {
			reply_json(o, 200, json_pack("{s:o}", "faults", fault_list()));
		} else if (r->r_method == RM_POST) {
			if ((j = body_json(r, o)) == NULL)
				return;
			rule = fault_add(j, err, sizeof err);
			json_decref(j);
			if (rule == NULL)
				reply_error(o, 400, "%s", err);
			else
				reply_json(o, 201, rule);
		} else if (strcmp(r->r_method_name, "DELETE") == 0) {
			j = fault_list();
			fault_clear();
			reply_json(o, 200, json_pack("{s:I}", "deleted",
			    (json_int_t)json_array_size(j)));
			json_decref(j);
		} else
			reply_error(o, 405, "/_mock/faults takes GET, POST or DELETE");
		return;
	}
	if (strcmp(r->r_method_name, "DELETE") != 0) {
		reply_error(o, 405, "/_mock/faults/{id} takes DELETE");
		return;
	}
	if (!str_is_decimal(rest + 1, &id) || id <= 0) {
		reply_error(o, 400, "`%s` is not a rule id", rest + 1);
		return;
	}
	if (fault_delete(id) != 0)
		reply_error(o, 404, "no fault rule has id %lld", id);
	else
		reply_json(o, 200, json_pack("{s:i}", "deleted", 1));
}

static void
admin_accounts(const struct req *r, const char *rest, struct outcome *o)
{
	char err[512];
	struct account *a;
	json_t *j;
	int status;

	if (*rest == '\0') {
		if (r->r_method == RM_GET) {
			reply_json(o, 200, json_pack("{s:o}", "accounts", cred_list_json()));
			return;
		}
		if (r->r_method != RM_POST) {
			reply_error(o, 405, "/_mock/accounts takes GET or POST");
			return;
		}
		if ((j = body_json(r, o)) == NULL)
			return;
		a = cred_account_parse(j, err, sizeof err);
		json_decref(j);
		if (a == NULL)
			reply_error(o, 400, "%s", err[0] == ':' ? err + 2 : err);
		else if (cred_add(a) != 0) {
			reply_error(o, 409, "an account with SecretId %s exists "
			    "(PATCH /_mock/accounts/%s changes it)", a->a_secret_id,
			    a->a_secret_id);
			cred_account_free(a);
		} else
			reply_json(o, 201, cred_account_json(a));
		return;
	}
	if (strcmp(r->r_method_name, "PATCH") != 0) {
		reply_error(o, 405, "/_mock/accounts/{secret_id} takes PATCH");
		return;
	}
	if ((j = body_json(r, o)) == NULL)
		return;
	a = cred_patch(rest + 1, j, &status, err, sizeof err);
	json_decref(j);
	if (a == NULL)
		reply_error(o, status, "%s", err);
	else
		reply_json(o, 200, cred_account_json(a));
}

/* A mock-clock time in Unix seconds (fractions allowed), as microseconds. */
static bool
parse_time_us(const char *s, long long *us)
{
	char *end;
	double t;

	if (*s == '\0')
		return false;
	t = strtod(s, &end);
	if (*end != '\0' || !(t >= 0 && t < 1e11))
		return false;
	*us = (long long)(t * 1e6 + 0.5);
	return true;
}

/* One query parameter into f; false after answering 400. */
static bool
journal_param(const char *k, const char *v, struct journal_filter *f,
    struct outcome *o)
{
	if (strcmp(k, "secret_id") == 0)
		f->jf_secret_id = *v != '\0' ? v : NULL;
	else if (strcmp(k, "action") == 0)
		f->jf_action = *v != '\0' ? v : NULL;
	else if (strcmp(k, "code") == 0)
		f->jf_code = *v != '\0' ? v : NULL;
	else if (strcmp(k, "since") == 0) {
		if (!str_is_decimal(v, &f->jf_since) || f->jf_since < 0) {
			reply_error(o, 400, "since: `%s` is not a journal seq", v);
			return false;
		}
	} else if (strcmp(k, "from") == 0 || strcmp(k, "until") == 0) {
		if (!parse_time_us(v, k[0] == 'f' ? &f->jf_from_us :
		    &f->jf_until_us)) {
			reply_error(o, 400, "%s: `%s` is not a time in Unix seconds "
			    "(the mock clock's, as the entries' time)", k, v);
			return false;
		}
	} else if (strcmp(k, "signature_ok") == 0) {
		if (strcmp(v, "true") == 0)
			f->jf_signature_ok = 1;
		else if (strcmp(v, "false") == 0)
			f->jf_signature_ok = 0;
		else if (strcmp(v, "null") == 0)
			f->jf_signature_ok = -1;
		else {
			reply_error(o, 400, "signature_ok: `%s` is not true, false "
			    "or null", v);
			return false;
		}
	} else if (strcmp(k, "count") == 0) {
		if (strcmp(v, "1") != 0 && strcmp(v, "true") != 0 &&
		    strcmp(v, "0") != 0 && strcmp(v, "false") != 0) {
			reply_error(o, 400, "count: `%s` is not 1 or 0", v);
			return false;
		}
		f->jf_count = v[0] == '1' || v[0] == 't';
	} else {
		reply_error(o, 400, "%s: unknown query parameter (secret_id, since, "
		    "action, code, signature_ok, from, until, count)", k);
		return false;
	}
	return true;
}

static void
admin_journal(const struct req *r, struct outcome *o)
{
	struct journal_filter f;
	struct kv *q = NULL;
	size_t nq = 0, i, j;
	const char *err = NULL;

	if (r->r_method != RM_GET) {
		reply_error(o, 405, "/_mock/journal takes GET");
		return;
	}
	if (form_decode(r->r_query, strlen(r->r_query), &q, &nq, &err) != 0) {
		reply_error(o, 400, "the query string is malformed: %s", err);
		return;
	}
	journal_filter_init(&f);
	for (i = 0; i < nq; i++) {
		/* A filter given twice would have to mean "or" or "and":
		 * neither is obvious, so it is refused. */
		for (j = 0; j < i; j++)
			if (strcmp(q[j].k, q[i].k) == 0) {
				reply_error(o, 400, "%s: given twice", q[i].k);
				goto out;
			}
		if (!journal_param(q[i].k, q[i].v, &f, o))
			goto out;
	}
	/* Written by the journal itself: no tree of every entry. */
	o->o_http_status = 200;
	o->o_content_type = xstrdup("application/json");
	o->o_body = journal_query_text(&f);
out:
	kv_free(q, nq);
}

static void
admin_clock(const struct req *r, struct outcome *o)
{
	const char *key;
	json_t *j, *v;
	long long n;

	if (r->r_method == RM_GET) {
		reply_json(o, 200, clock_json());
		return;
	}
	if (r->r_method != RM_POST) {
		reply_error(o, 405, "/_mock/clock takes GET or POST");
		return;
	}
	if ((j = body_json(r, o)) == NULL)
		return;
	if (!json_is_object(j) || json_object_size(j) != 1) {
		reply_error(o, 400, "give exactly one of offset_s, advance_s, "
		    "freeze_at and reset");
		goto out;
	}
	json_object_foreach(j, key, v) {
		if (strcmp(key, "reset") == 0) {
			if (!json_is_true(v)) {
				reply_error(o, 400, "reset: must be true");
				goto out;
			}
			clock_reset();
			break;
		}
		if (!json_is_integer(v)) {
			reply_error(o, 400, "%s: must be an integer number of seconds", key);
			goto out;
		}
		n = json_integer_value(v);
		if (strcmp(key, "offset_s") == 0)
			clock_set_offset(n);
		else if (strcmp(key, "advance_s") == 0)
			clock_advance(n);
		else if (strcmp(key, "freeze_at") == 0) {
			if (n < 0) {
				reply_error(o, 400, "freeze_at: must be a Unix time "
				    "in seconds, not negative");
				goto out;
			}
			clock_freeze(n);
		} else {
			reply_error(o, 400, "%s: unknown field (offset_s, advance_s, "
			    "freeze_at, reset)", key);
			goto out;
		}
	}
	reply_json(o, 200, clock_json());
out:
	json_decref(j);
}

static void
admin_catalogue(struct outcome *o)
{
	static const char *const classes[] = { [RC_CLIENT] = "client_error",
	    [RC_THROTTLED] = "throttled", [RC_TRANSIENT] = "transient",
	    [RC_CLOCK] = "clock" };
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < catalogue_count(); i++) {
		const struct err_def *e = catalogue_at(i);

		/* The texts an injected error answers with. */
		json_array_append_new(list, json_pack("{s:s,s:{s:o,s:o},s:o,s:s,s:b}",
		    "code", e->e_code, "messages",
		    "zh-CN", json_string_take(catalogue_message(e, false, NULL)),
		    "en-US", json_string_take(catalogue_message(e, true, NULL)),
		    "trigger", e->e_trigger != NULL ? json_string(e->e_trigger) :
		    json_null(), "retry_class", classes[e->e_class], "faq", e->e_faq));
	}
	reply_json(o, 200, json_pack("{s:o}", "codes", list));
}

void
admin_handle(const struct req *r, bool dedicated, struct outcome *o)
{
	const char *path = r->r_path + strlen("/_mock/"), *auth, *rest;
	char err[512];

	memset(o, 0, sizeof *o);
	/* No RequestId: admin calls must not draw from the seeded PRNG, or a
	 * test's setup would shift every RequestId and probability after it. */
	o->o_admin = true;
	/* Health is everyone's: a container's or an orchestrator's probe
	 * has no token, and the answer tells nothing but that the mock runs
	 * and its version (docs/admin-api.md, Endpoints). */
	if (strcmp(path, "health") == 0) {
		reply_json(o, 200, json_pack("{s:s,s:s,s:I}", "status", "ok",
		    "version", TMTMOCK_VERSION, "uptime_s",
		    (json_int_t)(time(NULL) - started_at)));
		goto out;
	}
	if (conf.c_admin_token != NULL) {
		auth = req_header(r, "Authorization");
		if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
		    !crypto_streq_ct(auth + 7, conf.c_admin_token)) {
			reply_error(o, 401, "the admin API needs Authorization: "
			    "Bearer <--admin-token>");
			goto out;
		}
	} else if (!dedicated && !peer_is_loopback(r->r_peer)) {
		/* Bound beyond loopback, the API listener does not hand the
		 * controls to every peer: --admin-token or --admin-listen. */
		reply_error(o, 403, "the admin API answers loopback peers only "
		    "unless --admin-token is set");
		goto out;
	}

	if (strncmp(path, "faults", 6) == 0 && (path[6] == '\0' || path[6] == '/')) {
		admin_faults(r, path + 6, o);
	} else if (strncmp(path, "accounts", 8) == 0 &&
	    (path[8] == '\0' || (path[8] == '/' && path[9] != '\0'))) {
		admin_accounts(r, path + 8, o);
	} else if (strcmp(path, "reset") == 0) {
		if (r->r_method != RM_POST)
			reply_error(o, 405, "/_mock/reset takes POST");
		else if (admin_reset(err, sizeof err) != 0)
			reply_error(o, 500, "reset failed, state is partly reset: %s", err);
		else
			reply_json(o, 200, json_pack("{s:b}", "reset", 1));
	} else if (strcmp(path, "translations") == 0) {
		admin_translations(r, o);
	} else if (strcmp(path, "journal") == 0) {
		admin_journal(r, o);
	} else if (strcmp(path, "clock") == 0) {
		admin_clock(r, o);
	} else if (strcmp(path, "catalogue") == 0) {
		admin_catalogue(o);
	} else if (strcmp(path, "metrics") == 0) {
		o->o_http_status = 200;
		o->o_content_type = xstrdup("text/plain; version=0.0.4");
		o->o_body = metrics_text();
	} else {
		rest = path;
		reply_error(o, 404, "/_mock/%s: no such admin endpoint (health, "
		    "reset, faults, accounts, translations, journal, clock, catalogue, metrics)", rest);
	}
out:
	o->o_body_len = strlen(o->o_body);
}
