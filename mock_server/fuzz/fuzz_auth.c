/*
 * fuzz_auth.c: the TC3 Authorization header (tc3_auth_parse), and when it
 * parses, the verification it drives (verify_tc3: the SignedHeaders list
 * names the headers looked up, the scope feeds the key derivation), both
 * strict and lenient, over a fixed signed request.
 */
#include "fuzz.h"

static struct kv hdrs[] = {
	{ "Host", "127.0.0.1:9000" },
	{ "Content-Type", "application/json; charset=utf-8" },
	{ "X-TC-Action", "TextTranslate" },
	{ "X-TC-Timestamp", "1764201600" },
	{ "X-TC-Version", "2018-03-21" },
	{ "X-TC-Region", "ap-guangzhou" },
	{ "X-TC-Content-SHA256", "UNSIGNED-PAYLOAD" },
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
	static char body[] = "{\"SourceText\":\"hello\",\"Source\":\"en\","
	    "\"Target\":\"zh\",\"ProjectId\":0}";
	struct req r = {
		.r_method = RM_POST, .r_method_name = "POST", .r_uri = "/",
		.r_path = "/", .r_query = "", .r_hdrs = hdrs,
		.r_nhdrs = sizeof hdrs / sizeof hdrs[0],
		.r_body = (unsigned char *)body, .r_body_len = sizeof body - 1,
		.r_body_kind = RB_JSON, .r_peer = "127.0.0.1:1",
	};
	struct tc3_auth a;
	struct verify_result vr;
	const char *why = NULL;
	char *s = fuzz_str(data, size);

	/* Without the payload header on odd inputs: the body is hashed. */
	r.r_nhdrs -= size % 2;
	if (tc3_auth_parse(s, &a, &why) == 0) {
		if (a.ta_secret_id == NULL || a.ta_date == NULL ||
		    a.ta_service == NULL || a.ta_signed_headers == NULL ||
		    a.ta_signature == NULL)
			abort();
		verify_tc3(&r, &a, "1764201600", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
		    false, &vr);
		verify_result_free(&vr);
		verify_tc3(&r, &a, "1764201600", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
		    true, &vr);
		verify_result_free(&vr);
		tc3_auth_free(&a);
	} else if (why == NULL)
		abort();
	free(s);
	return 0;
}
