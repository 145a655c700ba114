/*
 * fuzz_fixture.c: the fixture files. Byte 0 of the input picks the parser,
 * the rest is the file's JSON:
 *
 *	0  cred_account_parse (one account, as POST /_mock/accounts and
 *	   accounts.json entries), then cred_patch with the same JSON
 *	1  accounts.json, through cred_load
 *	2  translations.json, through xlate_load, then a few xlate_text calls
 *	3  images.json, through image_load
 *
 * The loaders read DIR/NAME: the input is written to a temporary
 * directory's file of that name. After each input the tree's fixture that
 * was replaced is loaded again.
 */
#include <unistd.h>

#include "fuzz.h"

static char dir[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	snprintf(dir, sizeof dir, "/tmp/tmtmock-fuzz-fixture-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	return 0;
}

static void
write_file(const char *name, const uint8_t *data, size_t size)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	free(path);
}

/* Dumps and drops a new reference. */
static void
dump(json_t *j)
{
	free(json_dumps(j, 0));
	json_decref(j);
}

/* The image actions over what images.json says (an 8-byte PNG signature). */
static void
use_images(void)
{
	static const char *const params[] = {
		"{\"SessionUuid\":\"s\",\"Scene\":\"doc\",\"Data\":\"iVBORw0KGgo=\","
		"\"Source\":\"auto\",\"Target\":\"zh\",\"ProjectId\":0}",
		"{\"SessionUuid\":\"s\",\"Scene\":\"doc\",\"Data\":\"iVBORw0KGgo=\","
		"\"Source\":\"en\",\"Target\":\"ja\",\"ProjectId\":0}",
		"{\"Data\":\"\",\"Target\":\"zh\",\"Url\":\"https://example.com/a.png\"}",
		"{\"Data\":\"iVBORw0KGgo=\",\"Target\":\"en\"}",
	};
	static const char *const actions[] = { "ImageTranslate", "ImageTranslate",
	    "ImageTranslateLLM", "ImageTranslateLLM" };
	static const struct req r = { .r_method = RM_POST, .r_method_name = "POST",
	    .r_uri = "/", .r_path = "/", .r_query = "", .r_peer = "127.0.0.1:1" };
	size_t i;

	for (i = 0; i < sizeof params / sizeof params[0]; i++) {
		struct act_result res = { 0 };
		struct act_ctx ac = { .ac_req = &r, .ac_region = "ap-guangzhou",
		    .ac_request_id = "00000000-0000-4000-8000-000000000000",
		    .ac_secret_id = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE" };
		json_t *p = json_loads(params[i], 0, NULL);

		ac.ac_def = action_find(actions[i]);
		ac.ac_params = p;
		ac.ac_account = cred_find(ac.ac_secret_id);
		if (!schema_check(ac.ac_def, p, false, &res))
			abort();
		ac.ac_def->ad_fn(&ac, &res);
		if (res.ar_resp != NULL || res.ar_json != NULL)
			free(answer_result(&res, ac.ac_request_id));
		free(res.ar_err_msg);
		json_decref(p);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024] = "";
	struct account *a;
	json_t *j;
	int status, rc;
	char *s;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		if ((j = json_loadb((const char *)data + 1, size - 1,
		    JSON_REJECT_DUPLICATES, NULL)) == NULL)
			return 0;
		if ((a = cred_account_parse(j, err, sizeof err)) != NULL) {
			dump(cred_account_json(a));
			cred_account_free(a);
		} else if (err[0] == '\0')
			abort();
		a = cred_patch("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", j, &status,
		    err, sizeof err);
		if (a != NULL)
			dump(cred_list_json());
		json_decref(j);
		break;
	case 1:
		write_file("accounts.json", data + 1, size - 1);
		if (cred_load(dir, err, sizeof err) != 0 && err[0] == '\0')
			abort();
		break;
	case 2:
		write_file("translations.json", data + 1, size - 1);
		rc = xlate_load(dir, err, sizeof err);
		if (rc != 0 && err[0] == '\0')
			abort();
		s = xlate_text("en", "zh", "Hello", NULL);
		free(s);
		s = xlate_text("en", "zh", "hello world", "world");
		free(s);
		break;
	case 3:
		write_file("images.json", data + 1, size - 1);
		rc = image_load(dir, err, sizeof err);
		if (rc != 0 && err[0] == '\0')
			abort();
		if (rc == 0)
			use_images();
		break;
	}
	/* The tree's fixtures back, for the parser that replaced them. */
	if ((data[0] % 4 < 2 ? cred_load(conf.c_fixtures, err, sizeof err) :
	    data[0] % 4 == 2 ? xlate_load(conf.c_fixtures, err, sizeof err) :
	    image_load(conf.c_fixtures, err, sizeof err)) != 0)
		abort();
	return 0;
}
