/*
 * test_cred.c: cred.c. SecretId shape, cred_account_parse on good and bad
 * account objects (the field named in the message), cred_load on accounts
 * files written to temporary directories, and the project's own fixtures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmtmock.h"
#include "tests.h"

#define FIXTURES "../../fixtures"
#define ID1 "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
#define KEY1 "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
#define ID2 "AKIDmockFreeTier00000000000000000000"
#define KEY2 "mockFreeTierSecretKey0000000000000"
#define ACCT1 "{\"secret_id\": \"" ID1 "\", \"secret_key\": \"" KEY1 "\"}"
#define ACCT2 "{\"secret_id\": \"" ID2 "\", \"secret_key\": \"" KEY2 "\"}"

static void
test_secret_id_well_formed(void)
{
	static const struct {
		const char *id;
		bool ok;
	} v[] = {
		{ ID1, true },
		{ ID2, true },
		{ "AKID00000000000000000000000000000000", true },
		{ "AKIDabcdefghijklmnopqrstuvwxyzABCDEF", true },
		{ "", false },
		{ "AKID", false },
		{ "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPL", false },	/* 35 */
		{ "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLEE", true },	/* 37 */
		{ "akidz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", false },
		{ "AKIEz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", false },
		{ "XAKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPL", false },
		/* Temporary (STS) keys: longer, with `_` and `-`. */
		{ "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPL-", true },
		{ "AKIDz8krbsJ5yKBZQpn7_WFkmLPx3EXAMPLE", true },
		{ "AKID-Zy9_-Zy9_-Zy9_-Zy9_-Zy9_-Zy9_-Zy9_-Zy9_-Zy9_-Zy9_-Zy9_-Zy9_q0Rt", true },	/* 68 */
		{ "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPL+", false },
		{ "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPL/", false },
		{ "AKID z8krbsJ5yKBZQpn74WFkmLPx3EXAMPL", false },
		{ "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMP\xc3\xa9", false },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		TCHECK(cred_secret_id_well_formed(v[i].id) == v[i].ok,
		    "cred_secret_id_well_formed(\"%s\") should be %s", v[i].id,
		    v[i].ok ? "true" : "false");
}

static json_t *
parse_json(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &err);

	TCHECK(j != NULL, "test JSON %s: %s", text, err.text);
	return j;
}

/* Refused objects: want is the start of the message (the field first). */
static void
test_account_parse_bad(void)
{
#define ID_KEY "\"secret_id\": \"" ID1 "\", \"secret_key\": \"k\""
	static const struct {
		const char *json;
		const char *want;
	} v[] = {
		{ "[]", ": must be an object" },
		{ "\"AKID\"", ": must be an object" },
		{ "null", ": must be an object" },
		{ "{" ID_KEY ", \"secretkey\": \"x\"}", "secretkey: unknown field" },
		{ "{" ID_KEY ", \"State\": \"active\"}", "State: unknown field" },
		{ "{\"secret_key\": \"k\"}", "secret_id: required" },
		{ "{\"secret_id\": \"\", \"secret_key\": \"k\"}",
		  "secret_id: required" },
		{ "{\"secret_id\": 5, \"secret_key\": \"k\"}",
		  "secret_id: must be a string" },
		{ "{\"secret_id\": null, \"secret_key\": \"k\"}",
		  "secret_id: must be a string" },
		{ "{\"secret_id\": \"" ID1 "\"}", "secret_key: required" },
		{ "{\"secret_id\": \"" ID1 "\", \"secret_key\": \"\"}",
		  "secret_key: required" },
		{ "{\"secret_id\": \"" ID1 "\", \"secret_key\": [\"k\"]}",
		  "secret_key: must be a string" },
		{ "{" ID_KEY ", \"token\": 5}", "token: must be a string or null" },
		{ "{" ID_KEY ", \"token_expires_at\": \"2030\"}",
		  "token_expires_at: must be an integer or null" },
		{ "{" ID_KEY ", \"token_expires_at\": 1.5}",
		  "token_expires_at: must be an integer or null" },
		{ "{" ID_KEY ", \"state\": \"enabled\"}",
		  "state: \"enabled\" is not one of" },
		{ "{" ID_KEY ", \"state\": \"Active\"}",
		  "state: \"Active\" is not one of" },
		{ "{" ID_KEY ", \"state\": \"\"}", "state: \"\" is not one of" },
		{ "{" ID_KEY ", \"state\": 0}", "state: must be a string" },
		{ "{" ID_KEY ", \"state\": null}", "state: must be a string" },
		{ "{" ID_KEY ", \"mfa\": \"yes\"}", "mfa: must be a boolean" },
		{ "{" ID_KEY ", \"mfa\": 1}", "mfa: must be a boolean" },
		{ "{" ID_KEY ", \"service_denied\": \"no\"}",
		  "service_denied: must be a boolean" },
		{ "{" ID_KEY ", \"allow_actions\": \"TextTranslate\"}",
		  "allow_actions: must be an array or null" },
		{ "{" ID_KEY ", \"allow_actions\": [1]}",
		  "allow_actions[0]: must be a string" },
		{ "{" ID_KEY ", \"allow_actions\": [\"TextTranslate\", null]}",
		  "allow_actions[1]: must be a string" },
		{ "{" ID_KEY ", \"billing\": \"Free\"}",
		  "billing: must be \"free\" or \"paid\"" },
		{ "{" ID_KEY ", \"billing\": \"prepaid\"}",
		  "billing: must be \"free\" or \"paid\"" },
		{ "{" ID_KEY ", \"billing\": true}", "billing: must be a string" },
		{ "{" ID_KEY ", \"monthly_free_chars\": -1}",
		  "monthly_free_chars: must not be negative" },
		{ "{" ID_KEY ", \"monthly_free_chars\": \"5000000\"}",
		  "monthly_free_chars: must be an integer" },
		{ "{" ID_KEY ", \"monthly_free_chars\": 1.0}",
		  "monthly_free_chars: must be an integer" },
		{ "{" ID_KEY ", \"used_chars\": -1}",
		  "used_chars: must not be negative" },
		{ "{" ID_KEY ", \"used_chars\": -5, \"monthly_free_chars\": 10}",
		  "used_chars: must not be negative" },
		{ "{" ID_KEY ", \"used_chars\": 2.5}",
		  "used_chars: must be an integer" },
		{ "{" ID_KEY ", \"qps\": {\"TextTranslate\": 1.5}}",
		  "qps.TextTranslate: must be a non-negative integer" },
		{ "{" ID_KEY ", \"qps\": {\"TextTranslate\": -1}}",
		  "qps.TextTranslate: must be a non-negative integer" },
		{ "{" ID_KEY ", \"qps\": {\"A\": 1, \"B\": \"5\"}}",
		  "qps.B: must be a non-negative integer" },
		{ "{" ID_KEY ", \"qps\": 5}", "qps: must be an object or null" },
		{ "{" ID_KEY ", \"qps\": [5]}", "qps: must be an object or null" },
	};
#undef ID_KEY
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		char errbuf[256];
		json_t *j = parse_json(v[i].json);
		struct account *a;

		if (j == NULL)
			continue;
		strcpy(errbuf, "(untouched)");
		a = cred_account_parse(j, errbuf, sizeof errbuf);
		TCHECK(a == NULL, "cred_account_parse(%s) must refuse", v[i].json);
		TCHECK(strncmp(errbuf, v[i].want, strlen(v[i].want)) == 0,
		    "cred_account_parse(%s): message \"%s\" should start with "
		    "\"%s\"", v[i].json, errbuf, v[i].want);
		if (json_is_object(j) || json_is_array(j))
			TCHECK(j->refcount == 1, "%s: refused object keeps "
			    "refcount 1, not %zu", v[i].json, j->refcount);
		cred_account_free(a);
		json_decref(j);
	}
}

static void
test_account_parse_good(void)
{
	static const char full[] = "{\"secret_id\": \"" ID1 "\", "
	    "\"secret_key\": \"" KEY1 "\", \"token\": \"tok\", "
	    "\"token_expires_at\": 4102444800, \"state\": \"isolated\", "
	    "\"mfa\": true, \"service_denied\": true, "
	    "\"allow_actions\": [\"TextTranslate\", \"LanguageDetect\"], "
	    "\"billing\": \"paid\", \"monthly_free_chars\": 10, "
	    "\"used_chars\": 7, \"qps\": {\"TextTranslate\": 0}, "
	    "\"comment\": \"c\", \"app_id\": 1250000000, \"uin\": \"1\"}";
	static const struct {
		const char *state;
		enum acct_state want;
	} states[] = {
		{ "active", AS_ACTIVE }, { "disabled", AS_DISABLED },
		{ "not_registered", AS_NOT_REGISTERED },
		{ "isolated", AS_ISOLATED }, { "stopped", AS_STOPPED },
	};
	char errbuf[256] = "";
	struct account *a;
	json_t *j;
	size_t i;

	/* The defaults. */
	if ((j = parse_json(ACCT1)) == NULL)
		return;
	a = cred_account_parse(j, errbuf, sizeof errbuf);
	TCHECK(a != NULL, "minimal account refused: %s", errbuf);
	if (a != NULL) {
		TSTREQ(a->a_secret_id, ID1, "secret_id");
		TSTREQ(a->a_secret_key, KEY1, "secret_key");
		TCHECK(a->a_token == NULL && a->a_token_expires_at == 0,
		    "no token by default");
		TCHECK(a->a_state == AS_ACTIVE, "active by default");
		TCHECK(!a->a_mfa && !a->a_service_denied, "no MFA, not denied");
		TCHECK(a->a_allow_actions == NULL, "every action by default");
		TCHECK(a->a_billing_free, "free by default");
		TCHECK(a->a_monthly_free_chars == 5000000,
		    "monthly_free_chars defaults to 5000000, not %lld",
		    a->a_monthly_free_chars);
		TCHECK(a->a_used_chars == 0, "used_chars defaults to 0");
		TCHECK(a->a_json == j && j->refcount == 2,
		    "the account holds the object");
		cred_account_free(a);
	}
	TCHECK(j->refcount == 1, "cred_account_free releases the object");
	json_decref(j);

	/* Every field. */
	if ((j = parse_json(full)) == NULL)
		return;
	a = cred_account_parse(j, errbuf, sizeof errbuf);
	json_decref(j);		/* the account keeps its own reference */
	TCHECK(a != NULL, "full account refused: %s", errbuf);
	if (a != NULL) {
		TSTREQ(a->a_token, "tok", "token");
		TCHECK(a->a_token_expires_at == 4102444800LL, "token_expires_at");
		TCHECK(a->a_state == AS_ISOLATED, "state isolated");
		TCHECK(a->a_mfa && a->a_service_denied, "mfa, service_denied");
		TCHECK(json_array_size(a->a_allow_actions) == 2 &&
		    strcmp(json_string_value(json_array_get(a->a_allow_actions,
		    1)), "LanguageDetect") == 0, "allow_actions");
		TCHECK(!a->a_billing_free, "billing paid");
		TCHECK(a->a_monthly_free_chars == 10 && a->a_used_chars == 7,
		    "monthly_free_chars, used_chars");
		TCHECK(json_integer_value(json_object_get(json_object_get(
		    a->a_json, "qps"), "TextTranslate")) == 0 &&
		    json_object_get(json_object_get(a->a_json, "qps"),
		    "TextTranslate") != NULL, "qps kept in a_json");
		cred_account_free(a);
	}

	/* Nullable fields given null; an empty token is no token. */
	j = parse_json("{\"secret_id\": \"" ID1 "\", \"secret_key\": \"k\", "
	    "\"token\": null, \"token_expires_at\": null, "
	    "\"allow_actions\": null, \"qps\": null, \"billing\": \"free\"}");
	a = j != NULL ? cred_account_parse(j, errbuf, sizeof errbuf) : NULL;
	TCHECK(a != NULL && a->a_token == NULL && a->a_allow_actions == NULL &&
	    a->a_billing_free, "nulls accepted: %s", a == NULL ? errbuf : "");
	cred_account_free(a);
	json_decref(j);
	j = parse_json("{\"secret_id\": \"" ID1 "\", \"secret_key\": \"k\", "
	    "\"token\": \"\", \"allow_actions\": [], \"mfa\": false}");
	a = j != NULL ? cred_account_parse(j, errbuf, sizeof errbuf) : NULL;
	TCHECK(a != NULL && a->a_token == NULL && a->a_allow_actions != NULL &&
	    json_array_size(a->a_allow_actions) == 0 && !a->a_mfa,
	    "empty token, empty allow_actions: %s", a == NULL ? errbuf : "");
	cred_account_free(a);
	json_decref(j);

	for (i = 0; i < sizeof states / sizeof states[0]; i++) {
		char *text = xasprintf("{\"secret_id\": \"" ID1 "\", "
		    "\"secret_key\": \"k\", \"state\": \"%s\"}", states[i].state);

		j = parse_json(text);
		a = j != NULL ? cred_account_parse(j, errbuf, sizeof errbuf) : NULL;
		TCHECK(a != NULL && a->a_state == states[i].want,
		    "state \"%s\"", states[i].state);
		cred_account_free(a);
		json_decref(j);
		free(text);
	}
	/* A small errbuf is truncated, not overrun. */
	{
		char small[12];

		memset(small, 'Z', sizeof small);
		j = parse_json("{\"secret_id\": \"" ID1 "\", \"secret_key\": "
		    "\"k\", \"billing\": \"prepaid\"}");
		a = j != NULL ? cred_account_parse(j, small, 8) : NULL;
		TCHECK(a == NULL && small[7] == '\0' && small[8] == 'Z' &&
		    strcmp(small, "billing") == 0,
		    "errbuf of 8 bytes holds \"billing\"");
		cred_account_free(a);
		json_decref(j);
	}
}

/* ---- cred_load ---- */

static char *
tmpdir_new(void)
{
	char *dir = xstrdup("/tmp/tmtmock-cred-XXXXXX");

	if (mkdtemp(dir) == NULL) {
		TCHECK(false, "mkdtemp failed");
		free(dir);
		return NULL;
	}
	return dir;
}

static void
write_accounts(const char *dir, const char *text)
{
	char *path = xasprintf("%s/accounts.json", dir);
	FILE *f = fopen(path, "w");

	TCHECK(f != NULL, "cannot write %s", path);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

static void
tmpdir_free(char *dir)
{
	char *path = xasprintf("%s/accounts.json", dir);

	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

/* Broken files: the message starts with the path and contains want. */
static void
test_load_bad(void)
{
	static const struct {
		const char *text;	/* NULL: no file */
		const char *want;
	} v[] = {
		{ NULL, "accounts.json: " },
		{ "", "line 1 column" },
		{ "{\n  \"accounts\": [\n    {\"secret_id\": \"x\",}\n  ]\n}\n",
		  "line 3 column 23" },
		{ "{\"accounts\": [" ACCT1 "]", "line 1 column" },
		{ "{\"accounts\": [], \"accounts\": []}", "duplicate" },
		{ "{\"accounts\": [{\"secret_id\": \"a\", \"secret_id\": \"b\", "
		  "\"secret_key\": \"k\"}]}", "duplicate" },
		{ "[]", "accounts: must be an array" },
		{ "{}", "accounts: must be an array" },
		{ "{\"accounts\": {}}", "accounts: must be an array" },
		{ "{\"accounts\": null}", "accounts: must be an array" },
		{ "{\"accounts\": [5]}", ": accounts[0]: must be an object" },
		{ "{\"accounts\": [" ACCT1 ", \"x\"]}",
		  ": accounts[1]: must be an object" },
		{ "{\"accounts\": [" ACCT1 ", {\"secret_id\": \"" ID2 "\"}]}",
		  ": accounts[1].secret_key: required" },
		{ "{\"accounts\": [{\"secret_id\": \"" ID1 "\", \"secret_key\": "
		  "\"k\", \"state\": \"gone\"}]}",
		  ": accounts[0].state: \"gone\" is not one of" },
		{ "{\"accounts\": [{\"secret_id\": \"" ID1 "\", \"secret_key\": "
		  "\"k\", \"qps\": {\"TextTranslate\": \"x\"}}]}",
		  ": accounts[0].qps.TextTranslate: must be a non-negative" },
		{ "{\"accounts\": [" ACCT1 ", " ACCT2 ", " ACCT1 "]}",
		  ": accounts[2].secret_id: " ID1 " is already used by accounts[0]" },
		{ "{\"accounts\": [" ACCT2 ", " ACCT2 "]}",
		  ": accounts[1].secret_id: " ID2 " is already used by accounts[0]" },
	};
	char *keep = tmpdir_new();
	size_t i;

	if (keep == NULL)
		return;
	/* A good set loaded first: a failed load must keep it. */
	write_accounts(keep, "{\"accounts\": [" ACCT1 "]}");
	{
		char errbuf[512] = "";

		TCHECK(cred_load(keep, errbuf, sizeof errbuf) == 0,
		    "good file refused: %s", errbuf);
	}
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *dir = tmpdir_new(), *prefix;
		char errbuf[512];

		if (dir == NULL)
			break;
		if (v[i].text != NULL)
			write_accounts(dir, v[i].text);
		strcpy(errbuf, "(untouched)");
		TCHECK(cred_load(dir, errbuf, sizeof errbuf) == -1,
		    "cred_load of %s must fail", v[i].text != NULL ? v[i].text :
		    "a missing file");
		prefix = xasprintf("%s/accounts.json", dir);
		TCHECK(strncmp(errbuf, prefix, strlen(prefix)) == 0 &&
		    strstr(errbuf, v[i].want) != NULL,
		    "cred_load(%s): message \"%s\" should name the file and "
		    "contain \"%s\"", v[i].text != NULL ? v[i].text : "(none)",
		    errbuf, v[i].want);
		TCHECK(cred_find(ID1) != NULL && cred_find(ID2) == NULL,
		    "a failed load (%s) keeps the accounts loaded before",
		    v[i].text != NULL ? v[i].text : "(none)");
		free(prefix);
		tmpdir_free(dir);
	}
	tmpdir_free(keep);
	cred_clear();
	TCHECK(cred_find(ID1) == NULL, "cred_clear forgets every account");
}

static void
test_load_good(void)
{
	char *a = tmpdir_new(), *b = tmpdir_new();
	char errbuf[512] = "";
	struct account *acct;

	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return;
	}
	write_accounts(a, "{\"accounts\": [" ACCT1 ",\n  {\"secret_id\": \""
	    ID2 "\", \"secret_key\": \"" KEY2 "\", \"state\": \"disabled\", "
	    "\"comment\": \"\xe4\xb8\xad\xe6\x96\x87\"}]}");
	TCHECK(cred_load(a, errbuf, sizeof errbuf) == 0, "load: %s", errbuf);
	acct = cred_find(ID1);
	TCHECK(acct != NULL && strcmp(acct->a_secret_key, KEY1) == 0 &&
	    acct->a_state == AS_ACTIVE, "first account found");
	acct = cred_find(ID2);
	TCHECK(acct != NULL && strcmp(acct->a_secret_key, KEY2) == 0 &&
	    acct->a_state == AS_DISABLED, "second account found");
	TCHECK(cred_find("AKIDnotThere000000000000000000000000") == NULL,
	    "unknown SecretId");
	TCHECK(cred_find("") == NULL, "empty SecretId");
	TCHECK(cred_find("akidz8krbsj5ykbzqpn74wfkmlpx3example") == NULL,
	    "SecretIds are case-sensitive");
	TCHECK(cred_find(ID1 "X") == NULL && cred_find("AKIDz8krbs") == NULL,
	    "SecretIds match whole");

	/* A second load replaces the first. */
	write_accounts(b, "{\"accounts\": [{\"secret_id\": \"" ID2 "\", "
	    "\"secret_key\": \"other\"}], \"comment\": \"extra top-level "
	    "members are ignored\"}");
	TCHECK(cred_load(b, errbuf, sizeof errbuf) == 0, "reload: %s", errbuf);
	TCHECK(cred_find(ID1) == NULL, "the reload forgot the first account");
	acct = cred_find(ID2);
	TCHECK(acct != NULL && strcmp(acct->a_secret_key, "other") == 0 &&
	    acct->a_state == AS_ACTIVE, "the reload's account");

	write_accounts(b, "{\"accounts\": []}");
	TCHECK(cred_load(b, errbuf, sizeof errbuf) == 0, "empty list: %s",
	    errbuf);
	TCHECK(cred_find(ID2) == NULL, "an empty list leaves no account");
	tmpdir_free(a);
	tmpdir_free(b);
	cred_clear();
}

/* The fixtures the server ships (docs/behaviour.md, Accounts and fixtures). */
static void
test_load_fixtures(void)
{
	static const struct {
		enum acct_state state;
		const char *name;
	} states[] = {
		{ AS_ACTIVE, "active" }, { AS_DISABLED, "disabled" },
		{ AS_NOT_REGISTERED, "not_registered" },
		{ AS_ISOLATED, "isolated" }, { AS_STOPPED, "stopped" },
	};
	char errbuf[512] = "";
	struct account *a;
	json_t *root, *list, *item;
	size_t i, j;
	bool seen[sizeof states / sizeof states[0]] = { false };

	TCHECK(cred_load(FIXTURES, errbuf, sizeof errbuf) == 0,
	    "fixtures refused: %s", errbuf);
	a = cred_find(ID1);
	TCHECK(a != NULL, "the default example account is in the fixtures");
	if (a != NULL) {
		TSTREQ(a->a_secret_key, KEY1, "the example SecretKey");
		TCHECK(a->a_state == AS_ACTIVE, "the example account is active");
		TCHECK(!a->a_billing_free, "the example account is paid");
		TCHECK(!a->a_mfa && !a->a_service_denied &&
		    a->a_allow_actions == NULL && a->a_token == NULL,
		    "the example account is unrestricted");
	}
	if ((root = tests_load_json(FIXTURES "/accounts.json")) == NULL) {
		cred_clear();
		return;
	}
	list = json_object_get(root, "accounts");
	TCHECK(json_array_size(list) > 0, "fixtures list accounts");
	json_array_foreach(list, i, item) {
		const char *id = tests_jstr(item, "secret_id");

		TCHECK(id != NULL && cred_secret_id_well_formed(id),
		    "fixture accounts[%zu] SecretId \"%s\" is well formed", i,
		    id != NULL ? id : "(none)");
		a = id != NULL ? cred_find(id) : NULL;
		TCHECK(a != NULL, "fixture accounts[%zu] loaded", i);
		for (j = 0; a != NULL && j < sizeof states / sizeof states[0]; j++)
			if (a->a_state == states[j].state)
				seen[j] = true;
	}
	for (j = 0; j < sizeof states / sizeof states[0]; j++)
		TCHECK(seen[j], "the fixtures have an account in state %s",
		    states[j].name);
	json_decref(root);
	cred_clear();
	TCHECK(cred_find(ID1) == NULL, "cred_clear after the fixtures");
}

int
test_cred_register(void)
{
	static const struct test_def tests[] = {
		{ "cred_secret_id_well_formed", test_secret_id_well_formed },
		{ "cred_account_parse: refused objects", test_account_parse_bad },
		{ "cred_account_parse: accepted objects", test_account_parse_good },
		{ "cred_load: broken files", test_load_bad },
		{ "cred_load and cred_find", test_load_good },
		{ "cred_load: the project's fixtures", test_load_fixtures },
		{ NULL, NULL },
	};

	return tests_add_suite("cred", tests);
}
