/*
 * fuzz_admin.c: the admin API (admin_handle) with fuzzed methods, paths,
 * query strings, headers and bodies: rules, accounts (add and PATCH), the
 * journal query, the clock, reset. The journal holds a few real entries so
 * its query has something to filter.
 *
 * Input: an optional first byte '!' (the request came on --admin-listen) or
 * '~' (--admin-token fuzz-token is set, so Authorization matters), then the
 * framing of fuzz_frame() (fuzz.h); a path outside /_mock/ is put under it.
 * Everything the input changed is put back after it, so a crash replays
 * from its input alone.
 */
#include "fuzz.h"

static void
fill_journal(void)
{
	static const char *const seeds[] = {
		"POST /\nHost: 127.0.0.1:9000\nContent-Type: application/json\n"
		"X-TC-Action: TextTranslate\nX-TC-Version: 2018-03-21\n"
		"X-TC-Region: ap-guangzhou\nX-TC-Timestamp: 1764201600\n"
		"Authorization: TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2025-11-27/tmt/tc3_request, "
		"SignedHeaders=content-type;host, Signature=0000000000000000000000000000000000000000000000000000000000000000\n"
		"\n{\"SourceText\":\"hello\",\"Source\":\"en\",\"Target\":\"zh\",\"ProjectId\":0}",
		"GET /?Action=LanguageDetect&Version=2018-03-21&Region=ap-guangzhou&Timestamp=1764201600"
		"&Nonce=1&SecretId=AKIDmockFreeTier00000000000000000000&Signature=x&Text=hi&ProjectId=0\n"
		"Host: 127.0.0.1:9000\n\n",
	};
	size_t i;

	for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		struct req r;
		struct outcome o;
		char *s = xstrdup(seeds[i]);

		fuzz_frame(s, strlen(s), &r);
		pipeline_run(&r, &o);
		journal_record(&r, &o, 1, 1);
		outcome_free(&o);
		req_free(&r);
		free(s);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	fill_journal();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req r;
	struct outcome o;
	bool dedicated = false, token = false, get;
	char *buf, *path;
	json_t *j;

	if (size > 0 && (data[0] == '!' || data[0] == '~')) {
		dedicated = data[0] == '!';
		token = data[0] == '~';
		data++;
		size--;
	}
	buf = fuzz_str(data, size);
	fuzz_frame(buf, size, &r);
	free(buf);
	if (strncmp(r.r_path, "/_mock/", 7) != 0) {
		path = xasprintf("/_mock/%s", r.r_path + (r.r_path[0] == '/'));
		free(r.r_path);
		r.r_path = path;
	}
	if (dedicated) {
		free(r.r_peer);
		r.r_peer = xstrdup("10.1.2.3:5555");
	}
	conf.c_admin_token = token ? "fuzz-token" : NULL;
	admin_handle(&r, dedicated, &o);
	conf.c_admin_token = NULL;
	if (o.o_body == NULL || strlen(o.o_body) != o.o_body_len ||
	    o.o_content_type == NULL || o.o_http_status < 200 ||
	    o.o_http_status > 599)
		abort();
	get = r.r_method == RM_GET;
	outcome_free(&o);
	req_free(&r);

	/* A GET changes nothing but the clock's reading. */
	fault_clear();
	if (!get)
		fuzz_load_fixtures();
	clock_reset();
	clock_freeze(FUZZ_NOW);
	rng_seed(42);
	j = journal_query(NULL, 0);
	if (json_array_size(json_object_get(j, "entries")) == 0)
		fill_journal();
	json_decref(j);
	return 0;
}
