/*
 * fixture.c: opening the data files of --fixtures. Each is one JSON object
 * holding one list ({"accounts": [...]}, {"translations": [...]}, ...), and
 * each refuses the same mistakes with the same words, naming the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "tmtmock.h"

int
fixture_open(const char *dir, const char *name, const char *key,
    bool optional, char **path, json_t **root, json_t **list, char *errbuf,
    size_t errlen)
{
	json_error_t jerr;
	struct stat st;

	*path = xasprintf("%s/%s", dir, name);
	*root = *list = NULL;
	if (optional && stat(*path, &st) != 0)
		return 0;
	if ((*root = json_load_file(*path, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		json_file_error(errbuf, errlen, *path, &jerr);
		return -1;
	}
	*list = json_object_get(*root, key);
	if (!json_is_array(*list)) {
		snprintf(errbuf, errlen, "%s: %s: must be an array (the file is "
		    "{\"%s\": [...]})", *path, key, key);
		json_decref(*root);
		*root = *list = NULL;
		return -1;
	}
	return 1;
}
