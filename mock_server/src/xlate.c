/*
 * xlate.c: what a "translation" is in a mock. fixtures/translations.json
 * first (source, target, text -> translation); otherwise a deterministic
 * pseudo-translation, visibly marked so no test mistakes it for a real one:
 * "[<target>] " and the text with its ASCII letters upper-cased, except
 * where UntranslatedText stands, which is left as it was (mock convention).
 * The translations come from --translations FILE instead when it is given,
 * and POST /_mock/translations replaces them; with --translations-strict
 * CODE a text they lack is that error rather than a pseudo-translation.
 * Entries {"text", "lang"} answer LanguageDetect before the detector.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

/* A translation (x_source, x_target set) or, for LanguageDetect, a
 * detected language (x_lang set); x_text in both. */
struct xlate_entry {
	char *x_source, *x_target, *x_text, *x_translation, *x_lang;
};

static struct xlate_entry *entries;
static size_t nentries;

static void
entries_free(struct xlate_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].x_source);
		free(e[i].x_target);
		free(e[i].x_text);
		free(e[i].x_translation);
		free(e[i].x_lang);
	}
	free(e);
}

void
xlate_clear(void)
{
	entries_free(entries, nentries);
	entries = NULL;
	nentries = 0;
}

/* A string field of item into *dst; false with errbuf when required and
 * absent or not a string. */
static bool
field(json_t *item, const char *name, bool required, char **dst,
    const char *where, size_t i, char *errbuf, size_t errlen)
{
	json_t *v = json_object_get(item, name);

	if (v == NULL && !required)
		return true;
	if (!json_is_string(v)) {
		snprintf(errbuf, errlen, "%s: translations[%zu].%s: %s", where, i,
		    name, v == NULL ? "required" : "must be a string");
		return false;
	}
	*dst = xstrdup(json_string_value(v));
	return true;
}

/* Replaces the entries with list (all or nothing); where names the source
 * in errors. */
static int
xlate_parse(json_t *list, const char *where, char *errbuf, size_t errlen)
{
	static const char *const known[] = { "source", "target", "text",
	    "translation", "lang", "comment", NULL };
	struct xlate_entry *e = NULL;
	size_t i, f, n = 0;
	json_t *item, *v;
	const char *key;
	bool detect;
	int rc = -1;

	if (!json_is_array(list)) {
		snprintf(errbuf, errlen, "%s: translations: must be an array", where);
		return -1;
	}
	e = xcalloc(json_array_size(list) + 1, sizeof *e);
	json_array_foreach(list, i, item) {
		n = i + 1;
		if (!json_is_object(item)) {
			snprintf(errbuf, errlen, "%s: translations[%zu]: must be an "
			    "object", where, i);
			goto out;
		}
		json_object_foreach(item, key, v) {
			for (f = 0; known[f] != NULL; f++)
				if (strcmp(key, known[f]) == 0)
					break;
			if (known[f] == NULL) {
				snprintf(errbuf, errlen, "%s: translations[%zu].%s: "
				    "unknown field", where, i, key);
				goto out;
			}
		}
		/* {"text", "lang"} answers LanguageDetect; anything else is a
		 * translation and needs its four fields. */
		detect = json_object_get(item, "lang") != NULL;
		if (!field(item, "text", true, &e[i].x_text, where, i, errbuf, errlen))
			goto out;
		if (detect) {
			if (!field(item, "lang", true, &e[i].x_lang, where, i, errbuf,
			    errlen))
				goto out;
			if (json_object_get(item, "translation") != NULL) {
				snprintf(errbuf, errlen, "%s: translations[%zu]: lang "
				    "(LanguageDetect) and translation exclude each "
				    "other", where, i);
				goto out;
			}
			continue;
		}
		if (!field(item, "source", true, &e[i].x_source, where, i, errbuf,
		    errlen) || !field(item, "target", true, &e[i].x_target, where,
		    i, errbuf, errlen) || !field(item, "translation", true,
		    &e[i].x_translation, where, i, errbuf, errlen))
			goto out;
	}
	rc = 0;
out:
	/* All or nothing: the entries in use change only on success. */
	if (rc != 0) {
		entries_free(e, n);
		return rc;
	}
	xlate_clear();
	entries = e;
	nentries = n;
	return rc;
}

int
xlate_load(const char *dir, char *errbuf, size_t errlen)
{
	char *path;
	json_t *root, *list;
	int rc;

	/* --translations FILE stands in for the folder's translations.json. */
	if (conf.c_translations != NULL)
		return xlate_load_file(conf.c_translations, errbuf, errlen);
	xlate_clear();
	/* The file is optional: 0 leaves rc at success. */
	if ((rc = fixture_open(dir, "translations.json", "translations", true,
	    &path, &root, &list, errbuf, errlen)) != 1)
		goto out;
	rc = xlate_parse(list, path, errbuf, errlen);
	json_decref(root);
out:
	free(path);
	return rc;
}

int
xlate_load_file(const char *path, char *errbuf, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int rc = -1;

	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		snprintf(errbuf, errlen, "--translations: %s: %s (line %d)", path,
		    jerr.text, jerr.line);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(errbuf, errlen, "--translations: %s: must be an object "
		    "{\"translations\": [...]}", path);
		goto out;
	}
	rc = xlate_load_json(root, path, errbuf, errlen);
out:
	json_decref(root);
	return rc;
}

int
xlate_load_json(json_t *root, const char *where, char *errbuf, size_t errlen)
{
	json_t *list = json_object_get(root, "translations");

	if (list == NULL) {
		snprintf(errbuf, errlen, "%s: translations: required", where);
		return -1;
	}
	return xlate_parse(list, where, errbuf, errlen);
}

json_t *
xlate_json(void)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < nentries; i++)
		json_array_append_new(list, entries[i].x_lang != NULL ?
		    json_pack("{s:s,s:s}", "text", entries[i].x_text, "lang",
		    entries[i].x_lang) : json_pack("{s:s,s:s,s:s,s:s}", "source",
		    entries[i].x_source, "target", entries[i].x_target, "text",
		    entries[i].x_text, "translation", entries[i].x_translation));
	return json_pack("{s:o,s:o}", "translations", list, "strict",
	    conf.c_translations_strict != NULL ?
	    json_string(conf.c_translations_strict) : json_null());
}

const char *
xlate_detect(const char *text)
{
	size_t i;

	for (i = 0; i < nentries; i++)
		if (entries[i].x_lang != NULL && strcmp(entries[i].x_text, text) == 0)
			return entries[i].x_lang;
	return NULL;
}

const char *
xlate_lookup(const char *source, const char *target, const char *text)
{
	size_t i;

	for (i = 0; i < nentries; i++)
		if (entries[i].x_lang == NULL &&
		    strcmp(entries[i].x_source, source) == 0 &&
		    strcmp(entries[i].x_target, target) == 0 &&
		    strcmp(entries[i].x_text, text) == 0)
			return entries[i].x_translation;
	return NULL;
}

char *
xlate_text(const char *source, const char *target, const char *text,
    const char *untranslated)
{
	struct buf b = { 0 };
	size_t ulen = untranslated != NULL ? strlen(untranslated) : 0;
	const char *p;

	const char *known = xlate_lookup(source, target, text);

	if (known != NULL)
		return xstrdup(known);
	/* --translations-strict: a text the file lacks is the chosen error. */
	if (conf.c_translations_strict != NULL)
		return NULL;
	buf_addf(&b, "[%s] ", target);
	for (p = text; *p != '\0';) {
		if (ulen > 0 && strncmp(p, untranslated, ulen) == 0) {
			buf_add(&b, p, ulen);
			p += ulen;
		} else
			buf_addc(&b, (char)toupper((unsigned char)*p++));
	}
	return (char *)buf_str(&b);
}
