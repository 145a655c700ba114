/*
 * fuzz_form.c: application/x-www-form-urlencoded (form_decode), the
 * flattened parameter names it carries (form_unflatten: Name.0,
 * Name.Field), with and without v1's common names left out, and the v1
 * string to sign over the same pairs (sig_v1_source sorts a copy).
 */
#include "fuzz.h"

static const char *const v1_common[] = {
	"Action", "Version", "Region", "Timestamp", "Nonce", "SecretId",
	"Signature", "SignatureMethod", "Token", "Language", "RequestClient",
	NULL,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kv *kv;
	size_t n, i;
	const char *err = NULL;
	json_t *j;
	char *s, *src;

	if (form_decode((const char *)data, size, &kv, &n, &err) != 0) {
		if (err == NULL || kv != NULL || n != 0)
			abort();
		return 0;
	}
	for (i = 0; i < n; i++)
		if (kv[i].k == NULL || kv[i].v == NULL || kv[i].k[0] == '\0')
			abort();
	if ((j = form_unflatten(kv, n, v1_common)) != NULL) {
		s = json_dumps(j, JSON_COMPACT);
		free(s);
		json_decref(j);
	}
	if ((j = form_unflatten(kv, n, NULL)) != NULL)
		json_decref(j);
	src = sig_v1_source(size % 2 ? "GET" : "POST", "127.0.0.1:9000", kv, n);
	free(src);
	kv_free(kv, n);
	return 0;
}
