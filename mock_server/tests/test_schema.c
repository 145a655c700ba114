/*
 * test_schema.c: schema.c's table of actions and parameters against the
 * facts of the published definitions (vectors/api-definitions.json, one
 * entry per revision of tccli's api.json that changed TMT). For every
 * revision, on its date and on the day before the next one, the actions
 * the table offers and each one's parameters (name, type, required) must be
 * the revision's; without a date (the default) each action must have the
 * parameters of the last revision that has it. A parameter added to the
 * table without its date, or a revision added to the data without the
 * table following, fails here.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tmtmock.h"
#include "tests.h"

#define DEFS_PATH "vectors/api-definitions.json"

static const char *
type_fact(enum ptype t)
{
	switch (t) {
	case PT_STRING:
	case PT_BASE64:		/* a string in the definition */
		return "string";
	case PT_INT:
		return "int";
	case PT_BOOL:
		return "bool";
	case PT_STRLIST:
		return "list of string";
	}
	return "?";
}

/* The day before a YYYY-MM-DD date, into out[11]. */
static void
day_before(const char *date, char out[11])
{
	struct tm tm = { 0 };
	time_t t;

	tm.tm_year = atoi(date) - 1900;
	tm.tm_mon = atoi(date + 5) - 1;
	tm.tm_mday = atoi(date + 8) - 1;	/* timegm normalises day 0 */
	t = timegm(&tm);
	strftime(out, 11, "%Y-%m-%d", gmtime(&t));
}

/* One action's parameters in the table, as of date, against the facts. */
static void
compare_params(const struct action_def *ad, json_t *facts, const char *date,
    const char *what)
{
	const struct param_def *p;
	json_t *f;
	size_t i, defined = 0;
	bool found;

	for (p = ad->ad_params; p->pd_name != NULL; p++) {
		if (!param_defined(p, date))
			continue;
		defined++;
		found = false;
		json_array_foreach(facts, i, f) {
			if (strcmp(tests_jstr(f, "name"), p->pd_name) != 0)
				continue;
			found = true;
			TSTREQ(type_fact(p->pd_type), tests_jstr(f, "type"),
			    "%s: %s %s type", what, ad->ad_name, p->pd_name);
			TCHECK(p->pd_required == json_is_true(json_object_get(f,
			    "required")), "%s: %s %s required is %d in the table",
			    what, ad->ad_name, p->pd_name, p->pd_required);
		}
		TCHECK(found, "%s: the table has %s %s, the definition does not",
		    what, ad->ad_name, p->pd_name);
	}
	TCHECK(defined == json_array_size(facts), "%s: %s has %zu parameters "
	    "in the table, %zu in the definition", what, ad->ad_name, defined,
	    json_array_size(facts));
}

/* The table as of date against one revision's actions. */
static void
compare_revision(json_t *actions, const char *date, const char *what)
{
	const struct action_def *table;
	const char *name;
	size_t n, i;
	json_t *facts;

	table = action_table(&n);
	for (i = 0; i < n; i++) {
		facts = json_object_get(actions, table[i].ad_name);
		TCHECK(action_defined(&table[i], date) == (facts != NULL),
		    "%s: %s is %s the table but %s the definition", what,
		    table[i].ad_name, action_defined(&table[i], date) ? "in" :
		    "not in", facts != NULL ? "in" : "not in");
		if (facts != NULL && action_defined(&table[i], date))
			compare_params(&table[i], facts, date, what);
	}
	json_object_foreach(actions, name, facts)
		TCHECK(action_find(name) != NULL, "%s: the definition has %s, "
		    "the table does not", what, name);
}

static void
test_every_revision(void)
{
	json_t *root, *vecs, *rev, *next;
	size_t i;
	char before[11], what[64];

	root = tests_load_json(DEFS_PATH);
	if ((vecs = tests_vectors(root, DEFS_PATH)) == NULL) {
		json_decref(root);
		return;
	}
	TSTREQ(tests_jstr(json_array_get(vecs, 0), "date"), API_FIRST_DATE,
	    "the first revision is API_FIRST_DATE");
	json_array_foreach(vecs, i, rev) {
		const char *date = tests_jstr(rev, "date");

		snprintf(what, sizeof what, "revision %s", date);
		compare_revision(json_object_get(rev, "actions"), date, what);
		if ((next = json_array_get(vecs, i + 1)) != NULL) {
			day_before(tests_jstr(next, "date"), before);
			snprintf(what, sizeof what, "revision %s on %s", date, before);
			compare_revision(json_object_get(rev, "actions"), before, what);
		}
	}
	json_decref(root);
}

/* No date: every action offered, each with its newest parameters. */
static void
test_newest(void)
{
	json_t *root, *vecs, *rev, *facts, *newest;
	const struct action_def *table;
	size_t n, i, j;

	root = tests_load_json(DEFS_PATH);
	if ((vecs = tests_vectors(root, DEFS_PATH)) == NULL) {
		json_decref(root);
		return;
	}
	table = action_table(&n);
	for (i = 0; i < n; i++) {
		newest = NULL;
		json_array_foreach(vecs, j, rev)
			if ((facts = json_object_get(json_object_get(rev, "actions"),
			    table[i].ad_name)) != NULL)
				newest = facts;
		TCHECK(action_defined(&table[i], NULL), "%s offered by default",
		    table[i].ad_name);
		TCHECK(newest != NULL, "%s is in some revision", table[i].ad_name);
		if (newest != NULL)
			compare_params(&table[i], newest, NULL, "newest");
	}
	json_decref(root);
}

int
test_schema_register(void)
{
	static const struct test_def tests[] = {
		{ "every revision of the definitions", test_every_revision },
		{ "the newest definition of each action", test_newest },
		{ NULL, NULL },
	};

	return tests_add_suite("schema", tests);
}
