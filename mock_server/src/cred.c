/*
 * cred.c: accounts (docs/behaviour.md, Accounts and fixtures). The fixture
 * file and the admin API share cred_account_parse,
 * so both refuse the same mistakes with the same words.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

static struct account **accounts;
static size_t naccounts;

static const char *const state_names[] = {
	[AS_ACTIVE] = "active", [AS_DISABLED] = "disabled",
	[AS_NOT_REGISTERED] = "not_registered", [AS_ISOLATED] = "isolated",
	[AS_STOPPED] = "stopped",
};

/* The fields an account may carry; anything else is a typo to report. */
static const char *const known_fields[] = {
	"secret_id", "secret_key", "token", "token_expires_at", "state", "mfa",
	"allow_actions", "service_denied", "billing", "monthly_free_chars",
	"used_chars", "qps", "comment", "app_id", "uin", NULL,
};

/*
 * AKID and 32 or more letters, digits, `_` or `-`: permanent keys have 32
 * letters or digits after AKID, temporary (STS) ones are longer and carry
 * `_` and `-` (68 characters in tccli's STS examples). The upper bound
 * only keeps a garbage id from passing (mock convention).
 */
bool
cred_secret_id_well_formed(const char *id)
{
	size_t i, n = strlen(id);

	if (strncmp(id, "AKID", 4) != 0 || n < 36 || n > TM_SECRET_ID_MAX)
		return false;
	for (i = 4; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '_' && id[i] != '-')
			return false;
	return true;
}

void
cred_account_free(struct account *a)
{
	if (a == NULL)
		return;
	free(a->a_secret_id);
	free(a->a_secret_key);
	free(a->a_token);
	json_decref(a->a_json);
	free(a);
}

/* Reads an optional field of one JSON type; -1 (with errbuf) on a wrong type. */
static int
opt_field(json_t *obj, const char *name, json_type type, bool nullable,
    json_t **out, char *errbuf, size_t errlen)
{
	static const char *const type_names[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string", [JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a number", [JSON_TRUE] = "a boolean",
		[JSON_FALSE] = "a boolean", [JSON_NULL] = "null",
	};
	json_t *v = json_object_get(obj, name);

	*out = NULL;
	if (v == NULL || (nullable && json_is_null(v)))
		return 0;
	if (json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v))) {
		*out = v;
		return 0;
	}
	snprintf(errbuf, errlen, "%s: must be %s%s", name, type_names[type],
	    nullable ? " or null" : "");
	return -1;
}

struct account *
cred_account_parse(json_t *obj, char *errbuf, size_t errlen)
{
	struct account *a = xcalloc(1, sizeof *a);
	json_t *v;
	const char *key;
	size_t i;

	if (!json_is_object(obj)) {
		snprintf(errbuf, errlen, ": must be an object");
		goto fail;
	}
	json_object_foreach(obj, key, v) {
		for (i = 0; known_fields[i] != NULL; i++)
			if (strcmp(known_fields[i], key) == 0)
				break;
		if (known_fields[i] == NULL) {
			snprintf(errbuf, errlen, "%s: unknown field", key);
			goto fail;
		}
	}
	if (opt_field(obj, "secret_id", JSON_STRING, false, &v, errbuf, errlen))
		goto fail;
	if (v == NULL || json_string_length(v) == 0) {
		snprintf(errbuf, errlen, "secret_id: required");
		goto fail;
	}
	a->a_secret_id = xstrdup(json_string_value(v));
	if (opt_field(obj, "secret_key", JSON_STRING, false, &v, errbuf, errlen))
		goto fail;
	if (v == NULL || json_string_length(v) == 0) {
		snprintf(errbuf, errlen, "secret_key: required");
		goto fail;
	}
	a->a_secret_key = xstrdup(json_string_value(v));
	if (opt_field(obj, "token", JSON_STRING, true, &v, errbuf, errlen))
		goto fail;
	if (v != NULL && json_string_length(v) > 0)
		a->a_token = xstrdup(json_string_value(v));
	if (opt_field(obj, "token_expires_at", JSON_INTEGER, true, &v, errbuf, errlen))
		goto fail;
	a->a_token_expires_at = v ? json_integer_value(v) : 0;

	a->a_state = AS_ACTIVE;
	if (opt_field(obj, "state", JSON_STRING, false, &v, errbuf, errlen))
		goto fail;
	if (v != NULL) {
		for (i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
			if (strcmp(state_names[i], json_string_value(v)) == 0)
				break;
		if (i == sizeof state_names / sizeof state_names[0]) {
			snprintf(errbuf, errlen, "state: \"%.64s\" is not one of "
			    "active, disabled, not_registered, isolated, stopped",
			    json_string_value(v));
			goto fail;
		}
		a->a_state = (enum acct_state)i;
	}
	if (opt_field(obj, "mfa", JSON_TRUE, false, &v, errbuf, errlen))
		goto fail;
	a->a_mfa = v != NULL && json_is_true(v);
	if (opt_field(obj, "service_denied", JSON_TRUE, false, &v, errbuf, errlen))
		goto fail;
	a->a_service_denied = v != NULL && json_is_true(v);
	if (opt_field(obj, "allow_actions", JSON_ARRAY, true, &v, errbuf, errlen))
		goto fail;
	if (v != NULL) {
		json_t *item;

		json_array_foreach(v, i, item)
			if (!json_is_string(item)) {
				snprintf(errbuf, errlen, "allow_actions[%zu]: must be a string", i);
				goto fail;
			}
	}
	a->a_allow_actions = v;

	if (opt_field(obj, "billing", JSON_STRING, false, &v, errbuf, errlen))
		goto fail;
	if (v != NULL && strcmp(json_string_value(v), "free") != 0 &&
	    strcmp(json_string_value(v), "paid") != 0) {
		snprintf(errbuf, errlen, "billing: must be \"free\" or \"paid\"");
		goto fail;
	}
	/* Free is the state of a new Tencent account, so it is the default. */
	a->a_billing_free = v == NULL || strcmp(json_string_value(v), "free") == 0;
	if (opt_field(obj, "monthly_free_chars", JSON_INTEGER, false, &v, errbuf, errlen))
		goto fail;
	a->a_monthly_free_chars = v ? json_integer_value(v) : 5000000;
	if (opt_field(obj, "used_chars", JSON_INTEGER, false, &v, errbuf, errlen))
		goto fail;
	a->a_used_chars = v ? json_integer_value(v) : 0;
	if (a->a_monthly_free_chars < 0 || a->a_used_chars < 0) {
		snprintf(errbuf, errlen, "%s: must not be negative",
		    a->a_used_chars < 0 ? "used_chars" : "monthly_free_chars");
		goto fail;
	}
	if (opt_field(obj, "qps", JSON_OBJECT, true, &v, errbuf, errlen))
		goto fail;
	if (v != NULL) {
		json_t *q;

		json_object_foreach(v, key, q)
			if (!json_is_integer(q) || json_integer_value(q) < 0) {
				snprintf(errbuf, errlen, "qps.%s: must be a non-negative integer", key);
				goto fail;
			}
	}
	a->a_json = json_incref(obj);
	return a;
fail:
	cred_account_free(a);
	return NULL;
}

void
cred_clear(void)
{
	size_t i;

	for (i = 0; i < naccounts; i++)
		cred_account_free(accounts[i]);
	free(accounts);
	accounts = NULL;
	naccounts = 0;
}

/* The account of TENCENTCLOUD_SECRET_ID/_SECRET_KEY, as JSON; NULL: none. */
static json_t *env_account;

int
cred_env_init(void)
{
	const char *id = getenv("TENCENTCLOUD_SECRET_ID");
	const char *key = getenv("TENCENTCLOUD_SECRET_KEY");
	const char *token = getenv("TENCENTCLOUD_TOKEN");
	struct account *a;
	char why[256];

	json_decref(env_account);
	env_account = NULL;
	if (id != NULL && *id == '\0')
		id = NULL;
	if (key != NULL && *key == '\0')
		key = NULL;
	if (id == NULL && key == NULL)
		return 0;
	if (id == NULL || key == NULL) {
		log_warnx("TENCENTCLOUD_%s is set without TENCENTCLOUD_%s: no account "
		    "is added for it", id != NULL ? "SECRET_ID" : "SECRET_KEY",
		    id != NULL ? "SECRET_KEY" : "SECRET_ID");
		return 0;
	}
	env_account = json_pack("{s:s, s:s, s:s, s:s, s:s}", "secret_id", id,
	    "secret_key", key, "state", "active", "billing", "paid", "comment",
	    "from TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY");
	if (env_account == NULL) {	/* not UTF-8 */
		log_warnx("TENCENTCLOUD_SECRET_ID or TENCENTCLOUD_SECRET_KEY is not "
		    "UTF-8: no account is added for it");
		return -1;
	}
	/* Temporary credentials: the SDKs send the token, so the account
	 * demands it, as Tencent does. */
	if (token != NULL && *token != '\0')
		json_object_set_new(env_account, "token", json_string(token));
	if ((a = cred_account_parse(env_account, why, sizeof why)) == NULL) {
		log_warnx("TENCENTCLOUD_*: %s: no account is added", why);
		json_decref(env_account);
		env_account = NULL;
		return -1;
	}
	cred_account_free(a);
	/* Added anyway: an id in the account store is well formed by
	 * definition (check 9); the warning says it is no real key's form. */
	if (!cred_secret_id_well_formed(id))
		log_warnx("TENCENTCLOUD_SECRET_ID is not AKID followed by 32 or "
		    "more letters, digits, `_` or `-`; the mock accepts it as "
		    "its account's id");
	return 0;
}

/* Adds (or puts in place of a fixture account with its SecretId) the
 * environment's account. */
static void
cred_add_env(void)
{
	struct account *a;
	char why[256];
	size_t i;

	if (env_account == NULL ||
	    (a = cred_account_parse(env_account, why, sizeof why)) == NULL)
		return;
	for (i = 0; i < naccounts; i++)
		if (strcmp(accounts[i]->a_secret_id, a->a_secret_id) == 0) {
			cred_account_free(accounts[i]);
			accounts[i] = a;
			return;
		}
	cred_add(a);
}

void
cred_env_clear(void)
{
	json_decref(env_account);
	env_account = NULL;
}

int
cred_load(const char *dir, char *errbuf, size_t errlen)
{
	char *path, why[256];
	json_t *root, *list, *item;
	struct account **loaded = NULL;
	size_t i, n = 0, j;
	int rc = -1;

	if (fixture_open(dir, "accounts.json", "accounts", false, &path, &root,
	    &list, errbuf, errlen) != 1)
		goto out;
	loaded = xcalloc(json_array_size(list), sizeof *loaded);
	json_array_foreach(list, i, item) {
		if ((loaded[n] = cred_account_parse(item, why, sizeof why)) == NULL) {
			/* why is "field: problem", or ": problem" for the entry. */
			snprintf(errbuf, errlen, "%s: accounts[%zu]%s%s", path, i,
			    why[0] == ':' ? "" : ".", why);
			goto out;
		}
		for (j = 0; j < n; j++)
			if (strcmp(loaded[j]->a_secret_id, loaded[n]->a_secret_id) == 0) {
				snprintf(errbuf, errlen, "%s: accounts[%zu].secret_id: "
				    "%s is already used by accounts[%zu]", path, i,
				    loaded[n]->a_secret_id, j);
				n++;
				goto out;
			}
		n++;
	}
	cred_clear();
	accounts = loaded;
	naccounts = n;
	loaded = NULL;
	cred_add_env();
	rc = 0;
out:
	if (loaded != NULL) {
		for (i = 0; i < n; i++)
			cred_account_free(loaded[i]);
		free(loaded);
	}
	json_decref(root);
	free(path);
	return rc;
}

struct account *
cred_find(const char *secret_id)
{
	size_t i;

	for (i = 0; i < naccounts; i++)
		if (strcmp(accounts[i]->a_secret_id, secret_id) == 0)
			return accounts[i];
	return NULL;
}

/* The account as the admin API shows it: as loaded, with today's usage. */
/* The account as the admin API shows it: every field, defaults filled in,
 * with this month's usage. */
json_t *
cred_account_json(const struct account *a)
{
	json_t *j = json_deep_copy(a->a_json);

	json_object_set_new(j, "token", a->a_token != NULL ?
	    json_string(a->a_token) : json_null());
	json_object_set_new(j, "token_expires_at", a->a_token_expires_at != 0 ?
	    json_integer(a->a_token_expires_at) : json_null());
	json_object_set_new(j, "state", json_string(state_names[a->a_state]));
	json_object_set_new(j, "mfa", json_boolean(a->a_mfa));
	json_object_set_new(j, "allow_actions", a->a_allow_actions != NULL ?
	    json_deep_copy(a->a_allow_actions) : json_null());
	json_object_set_new(j, "service_denied", json_boolean(a->a_service_denied));
	json_object_set_new(j, "billing", json_string(a->a_billing_free ? "free" : "paid"));
	json_object_set_new(j, "monthly_free_chars", json_integer(a->a_monthly_free_chars));
	json_object_set_new(j, "used_chars", json_integer(a->a_used_chars));
	if (json_object_get(j, "qps") == NULL)
		json_object_set_new(j, "qps", json_object());
	return j;
}

json_t *
cred_list_json(void)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < naccounts; i++)
		json_array_append_new(list, cred_account_json(accounts[i]));
	return list;
}

int
cred_add(struct account *a)
{
	if (cred_find(a->a_secret_id) != NULL)
		return -1;
	accounts = xrealloc(accounts, (naccounts + 1) * sizeof *accounts);
	accounts[naccounts++] = a;
	return 0;
}

/*
 * Applies a partial account (PATCH): the fields given replace the stored
 * ones, and the result is checked whole, so a bad patch changes nothing.
 */
struct account *
cred_patch(const char *secret_id, json_t *patch, int *status, char *err,
    size_t errlen)
{
	struct account *a = NULL, *b;
	json_t *merged, *id;
	size_t i;

	for (i = 0; i < naccounts; i++)
		if (strcmp(accounts[i]->a_secret_id, secret_id) == 0)
			a = accounts[i];
	if (a == NULL) {
		*status = 404;
		snprintf(err, errlen, "no account has SecretId %s", secret_id);
		return NULL;
	}
	*status = 400;
	if (!json_is_object(patch)) {
		snprintf(err, errlen, "the patch must be a JSON object");
		return NULL;
	}
	id = json_object_get(patch, "secret_id");
	if (id != NULL && !json_equal(id, json_object_get(a->a_json, "secret_id"))) {
		snprintf(err, errlen, "secret_id: cannot be changed (add a new account)");
		return NULL;
	}
	merged = json_deep_copy(a->a_json);
	json_object_set_new(merged, "used_chars", json_integer(a->a_used_chars));
	json_object_update(merged, patch);
	b = cred_account_parse(merged, err, errlen);
	json_decref(merged);
	if (b == NULL)
		return NULL;
	b->a_quota_month = a->a_quota_month;
	for (i = 0; i < naccounts; i++)
		if (accounts[i] == a)
			accounts[i] = b;
	cred_account_free(a);
	return b;
}
