/*
 * fuzz_schema.c: check 18 (schema_check) over each action with parameters
 * from the input, then, when they pass, the action itself (check 19 and its
 * gate, as run_action() in pipeline.c calls it), so each action's own rules
 * see every shape of value the schema lets through.
 *
 * Input: byte 0 picks the action; byte 1 holds flags (1: the parameters
 * came from a form, so strings are converted; 2: en-US messages; 4: DryRun;
 * 8: the free-tier account); the rest is the JSON of the parameters.
 */
#include "fuzz.h"

static const char *const action_names[] = { "TextTranslate",
    "TextTranslateBatch", "LanguageDetect", "SpeechTranslate",
    "ImageTranslate", "ImageTranslateLLM", "FileTranslate",
    "GetFileTranslate" };

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
	static const struct req r = { .r_method = RM_POST, .r_method_name = "POST",
	    .r_uri = "/", .r_path = "/", .r_query = "", .r_peer = "127.0.0.1:1" };
	const struct action_def *ad;
	struct act_result res = { 0 };
	struct act_ctx ac = { 0 };
	json_t *params;
	uint8_t flags;
	const char *sid;

	if (size < 2)
		return 0;
	ad = action_find(action_names[data[0] % 8]);
	flags = data[1];
	params = json_loadb((const char *)data + 2, size - 2,
	    JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(params)) {
		json_decref(params);
		return 0;
	}
	sid = flags & 8 ? "AKIDmockFreeTier00000000000000000000" :
	    "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
	if (schema_check(ad, params, flags & 1, &res)) {
		if (res.ar_err_code != NULL)
			abort();
		ac.ac_req = &r;
		ac.ac_def = ad;
		ac.ac_region = "ap-guangzhou";
		ac.ac_request_id = "00000000-0000-4000-8000-000000000000";
		ac.ac_params = params;
		ac.ac_account = cred_find(sid);
		ac.ac_secret_id = sid;
		ac.ac_lang_en = flags & 2;
		ac.ac_dry_run = flags & 4;
		json_object_del(params, "DryRun");
		ad->ad_fn(&ac, &res);
		if ((res.ar_resp == NULL && res.ar_json == NULL) ==
		    (res.ar_err_code == NULL))
			abort();
	} else if (res.ar_err_code == NULL || res.ar_err_msg == NULL)
		abort();
	if (res.ar_resp != NULL || res.ar_json != NULL)
		free(answer_result(&res, ac.ac_request_id));
	else
		free(answer_error(res.ar_err_code, res.ar_err_msg,
		    "00000000-0000-4000-8000-000000000000"));
	free(res.ar_err_msg);
	json_decref(params);
	fuzz_clear_state();
	return 0;
}
