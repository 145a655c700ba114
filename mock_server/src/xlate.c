/*
 * xlate.c: what a "translation" is in a mock. fixtures/translations.json
 * first (source, target, text -> translation); otherwise a deterministic
 * pseudo-translation, visibly marked so no test mistakes it for a real one:
 * "[<target>] " and the text with its ASCII letters upper-cased, except
 * where UntranslatedText stands, which is left as it was (mock convention).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

struct xlate_entry {
	char *x_source, *x_target, *x_text, *x_translation;
};

static struct xlate_entry *entries;
static size_t nentries;

void
xlate_clear(void)
{
	size_t i;

	for (i = 0; i < nentries; i++) {
		free(entries[i].x_source);
		free(entries[i].x_target);
		free(entries[i].x_text);
		free(entries[i].x_translation);
	}
	free(entries);
	entries = NULL;
	nentries = 0;
}

int
xlate_load(const char *dir, char *errbuf, size_t errlen)
{
	static const char *const fields[] = { "source", "target", "text",
	    "translation" };
	char *path;
	json_t *root, *list, *item, *v;
	const char *key;
	size_t i, f;
	int rc;

	xlate_clear();
	/* The file is optional: 0 leaves rc at success. */
	if ((rc = fixture_open(dir, "translations.json", "translations", true,
	    &path, &root, &list, errbuf, errlen)) != 1)
		goto out;
	rc = -1;
	entries = xcalloc(json_array_size(list), sizeof *entries);
	json_array_foreach(list, i, item) {
		char **dst[] = { &entries[i].x_source, &entries[i].x_target,
		    &entries[i].x_text, &entries[i].x_translation };

		nentries = i + 1;
		if (!json_is_object(item)) {
			snprintf(errbuf, errlen, "%s: translations[%zu]: must be an "
			    "object", path, i);
			goto out;
		}
		json_object_foreach(item, key, v) {
			for (f = 0; f < 4; f++)
				if (strcmp(key, fields[f]) == 0)
					break;
			if (f == 4 && strcmp(key, "comment") != 0) {
				snprintf(errbuf, errlen, "%s: translations[%zu].%s: "
				    "unknown field", path, i, key);
				goto out;
			}
		}
		for (f = 0; f < 4; f++) {
			v = json_object_get(item, fields[f]);
			if (!json_is_string(v)) {
				snprintf(errbuf, errlen, "%s: translations[%zu].%s: "
				    "%s", path, i, fields[f], v == NULL ?
				    "required" : "must be a string");
				goto out;
			}
			*dst[f] = xstrdup(json_string_value(v));
		}
	}
	rc = 0;
out:
	if (rc != 0)
		xlate_clear();
	json_decref(root);
	free(path);
	return rc;
}

char *
xlate_text(const char *source, const char *target, const char *text,
    const char *untranslated)
{
	struct buf b = { 0 };
	size_t i, ulen = untranslated != NULL ? strlen(untranslated) : 0;
	const char *p;

	for (i = 0; i < nentries; i++)
		if (strcmp(entries[i].x_source, source) == 0 &&
		    strcmp(entries[i].x_target, target) == 0 &&
		    strcmp(entries[i].x_text, text) == 0)
			return xstrdup(entries[i].x_translation);
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
