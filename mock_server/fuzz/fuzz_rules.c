/*
 * fuzz_rules.c: fault rules and magic values. The part of the input before
 * its first NUL byte is a rule (fault_add, as POST /_mock/faults), or a
 * rules file ({"faults": [...]}, through fault_load_file and a temporary
 * file) when it is an object with "faults"; the rules then fire or not on a
 * few requests' facts (fault_fire), are listed and deleted. The part after
 * the NUL is text scanned for @mock: markers (magic_scan) as SourceText,
 * Text and a SourceTextList item.
 */
#include <unistd.h>

#include "fuzz.h"

static char rules_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc, (void)argv;
	fuzz_setup();
	snprintf(rules_path, sizeof rules_path, "/tmp/tmtmock-fuzz-rules-XXXXXX");
	if ((fd = mkstemp(rules_path)) < 0)
		abort();
	close(fd);
	return 0;
}

static void
fire_all(void)
{
	static const struct fault_facts facts[] = {
		{ "TextTranslate", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
		    "ap-guangzhou", "TC3-HMAC-SHA256" },
		{ "LanguageDetect", "AKIDmockFreeTier00000000000000000000",
		    "ap-beijing", "HmacSHA1" },
		{ "FileTranslate", NULL, "ap-shanghai", "HmacSHA256" },
		{ NULL, NULL, NULL, NULL },
	};
	struct injection inj;
	size_t i;
	int stage;

	for (stage = STAGE_PRE_AUTH; stage <= STAGE_POST_AUTH; stage++)
		for (i = 0; i < sizeof facts / sizeof facts[0]; i++) {
			memset(&inj, 0, sizeof inj);
			if (fault_fire((enum fault_stage)stage, &facts[i], &inj)) {
				if (inj.i_error != NULL && catalogue_find(inj.i_error) == NULL)
					abort();
				if (inj.i_fault != FK_NONE && fault_name(inj.i_fault) == NULL)
					abort();
			}
			free(inj.i_message);
			json_decref(inj.i_extra);
		}
}

static void
rules(const uint8_t *data, size_t size)
{
	char err[512];
	json_t *j, *r, *list;
	FILE *f;

	if ((j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return;
	if (json_is_object(j) && json_object_get(j, "faults") != NULL) {
		if ((f = fopen(rules_path, "w")) == NULL)
			abort();
		fwrite(data, 1, size, f);
		fclose(f);
		if (fault_load_file(rules_path, err, sizeof err) != 0 && err[0] == '\0')
			abort();
	} else if ((r = fault_add(j, err, sizeof err)) != NULL)
		json_decref(r);
	json_decref(j);
	fire_all();
	fire_all();
	list = fault_list();
	free(json_dumps(list, JSON_COMPACT));
	if (json_array_size(list) > 0)
		fault_delete(json_integer_value(json_object_get(json_array_get(list, 0), "id")));
	json_decref(list);
	fault_clear();
}

static void
magic(const uint8_t *data, size_t size)
{
	struct injection inj = { 0 };
	char *s = fuzz_str(data, size), *clean = utf8_sanitize(s), *err = NULL;
	json_t *params = json_pack("{s:s,s:s,s:[s,s]}", "SourceText", clean,
	    "Text", clean, "SourceTextList", "plain", clean);
	int rc;

	rc = magic_scan(params, &inj, &err);
	if ((rc < 0) != (err != NULL))
		abort();
	if (rc == 1 && !inj.i_magic)
		abort();
	free(err);
	free(inj.i_message);
	json_decref(inj.i_extra);
	json_decref(params);
	free(clean);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t n = nul != NULL ? (size_t)(nul - data) : size;

	rules(data, n);
	if (nul != NULL)
		magic(nul + 1, size - n - 1);
	return 0;
}
