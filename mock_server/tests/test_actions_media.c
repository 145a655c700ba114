/*
 * test_actions_media.c: SpeechTranslate, ImageTranslate(LLM) and the file
 * tasks: their pure rules (magic bytes, Seq rules, audio limits, task
 * status by elapsed time, loopback hosts), images.json loading, and the
 * actions themselves called in-process with typed parameters, as the
 * pipeline calls them after check 18.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmtmock.h"
#include "tests.h"

/* Runs one action as the pipeline would, without auth or DryRun. */
static struct act_result
run(act_fn fn, json_t *params /* stolen */, const char *secret_id)
{
	struct act_ctx c = {
		.ac_params = params, .ac_secret_id = secret_id,
		.ac_lang_en = true, .ac_request_id = "test",
	};
	struct act_result res = { 0 };

	fn(&c, &res);
	json_decref(params);
	return res;
}

static void
result_free(struct act_result *res)
{
	json_decref(res->ar_resp);
	free(res->ar_err_msg);
	memset(res, 0, sizeof *res);
}

static const char *
err_code(const struct act_result *res)
{
	return res->ar_err_code != NULL ? res->ar_err_code : "(success)";
}

/* Base64 of len bytes; caller frees. */
static char *
b64(const void *p, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	crypto_base64(p, len, out);
	return out;
}

/* ---- image types ---- */

static void
test_image_type(void)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum image_type want;
		const char *what;
	} v[] = {
		{ "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, IMG_PNG, "PNG" },
		{ "\x89PNG\r\n\x1a\n", 8, IMG_PNG, "PNG signature alone" },
		{ "\x89PNG\r\n\x1a", 7, IMG_UNKNOWN, "PNG signature cut short" },
		{ "\x89PNG\n\r\x1a\n", 8, IMG_UNKNOWN, "PNG signature, CR LF swapped" },
		{ "\xff\xd8\xff\xe0\0\x10JFIF", 10, IMG_JPEG, "JPEG (JFIF)" },
		{ "\xff\xd8\xff", 3, IMG_JPEG, "JPEG SOI and a marker" },
		{ "\xff\xd8", 2, IMG_UNKNOWN, "JPEG SOI alone" },
		{ "BM\x36\0\0\0", 6, IMG_BMP, "BMP" },
		{ "BM", 2, IMG_BMP, "BMP magic alone" },
		{ "B", 1, IMG_UNKNOWN, "half a BMP magic" },
		{ "%PDF-1.7\n", 9, IMG_PDF, "PDF" },
		{ "%PDF", 4, IMG_UNKNOWN, "PDF magic without the dash" },
		{ "GIF89a", 6, IMG_UNKNOWN, "GIF is not accepted" },
		{ "hello", 5, IMG_UNKNOWN, "text" },
		{ "", 0, IMG_UNKNOWN, "empty" },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		TCHECK(image_type((const unsigned char *)v[i].bytes, v[i].len) ==
		    v[i].want, "%s: type %d, want %d", v[i].what,
		    image_type((const unsigned char *)v[i].bytes, v[i].len),
		    v[i].want);
}

/* ---- SpeechTranslate's pure rules ---- */

static void
test_seq_rules(void)
{
	struct seq_set ss = { 0 };
	size_t i;

	TCHECK(seq_check(&ss, 0) == SEQ_OK, "new session, Seq 0");
	TCHECK(seq_check(&ss, 2000) == SEQ_OK, "new session, Seq 2000: gap 2000 is allowed");
	TCHECK(seq_check(&ss, 2001) == SEQ_GAP, "new session, Seq 2001: gap from 0 too large");
	seq_add(&ss, 0);
	seq_add(&ss, 2);
	seq_add(&ss, 1);
	seq_add(&ss, 1);
	TCHECK(ss.ss_n == 3, "seq_add ignores a repeat: %zu seqs, want 3", ss.ss_n);
	for (i = 0; i < ss.ss_n; i++)
		TCHECK(ss.ss_v[i] == (long long)i, "seqs kept sorted: [%zu] = %lld",
		    i, ss.ss_v[i]);
	TCHECK(seq_check(&ss, 1) == SEQ_DUPLICATE, "Seq 1 again");
	TCHECK(seq_check(&ss, 0) == SEQ_DUPLICATE, "Seq 0 again");
	TCHECK(seq_check(&ss, 3) == SEQ_OK, "the next Seq");
	TCHECK(seq_check(&ss, 2002) == SEQ_OK, "2000 past the highest (2)");
	TCHECK(seq_check(&ss, 2003) == SEQ_GAP, "2001 past the highest (2)");
	seq_add(&ss, 1000);
	TCHECK(seq_check(&ss, 500) == SEQ_OK, "a gap below the highest may be filled");
	TCHECK(seq_check(&ss, 3000) == SEQ_OK, "2000 past the new highest (1000)");
	TCHECK(seq_check(&ss, 3001) == SEQ_GAP, "2001 past the new highest");
	TCHECK(seq_check(&ss, 1000) == SEQ_DUPLICATE, "Seq 1000 again");
	for (i = 0; i < 100; i++)
		seq_add(&ss, (long long)(99 - i) * 7);
	for (i = 1; i < ss.ss_n; i++)
		TCHECK(ss.ss_v[i - 1] < ss.ss_v[i], "sorted after growth at %zu", i);
	seq_free(&ss);
	TCHECK(ss.ss_n == 0 && ss.ss_v == NULL, "seq_free empties the set");
}

static void
test_audio_rules(void)
{
	TCHECK(!speech_streaming(0, 1), "Seq 0 with IsEnd 1 is the whole utterance");
	TCHECK(speech_streaming(0, 0), "Seq 0 without IsEnd streams");
	TCHECK(speech_streaming(1, 1), "a last chunk after others streams");
	TCHECK(speech_streaming(5, 0), "a middle chunk streams");

	/* pcm: 16 kHz, 16-bit mono = 32000 bytes/s, a chunk under 8 s. */
	TCHECK(speech_audio_check(146, true, 255999) == AUDIO_OK, "pcm chunk just under 8 s");
	TCHECK(speech_audio_check(146, true, 256000) == AUDIO_TOO_LONG, "pcm chunk of 8 s");
	TCHECK(speech_audio_check(146, false, 256000) == AUDIO_TOO_LONG, "whole pcm of 8 s");
	TCHECK(speech_audio_check(146, false, 0) == AUDIO_OK, "empty pcm");
	/* speex and mp3: whole only, 1 MiB at most (mock convention). */
	TCHECK(speech_audio_check(83886080, true, 10) == AUDIO_NOT_STREAMABLE, "streamed mp3");
	TCHECK(speech_audio_check(16779154, true, 0) == AUDIO_NOT_STREAMABLE, "streamed speex");
	TCHECK(speech_audio_check(83886080, false, 1024 * 1024) == AUDIO_OK, "whole mp3 of 1 MiB");
	TCHECK(speech_audio_check(83886080, false, 1024 * 1024 + 1) == AUDIO_TOO_LONG,
	    "whole mp3 over 1 MiB");
	TCHECK(speech_audio_check(16779154, false, 300000) == AUDIO_OK,
	    "whole speex past 8 s of pcm bytes is judged by the 1 MiB rule");
}

/* ---- file tasks' pure rules ---- */

static void
test_task_status(void)
{
	static const struct {
		long long ms;
		bool fails;
		enum task_status want;
		int progress;
	} v[] = {
		{ -5000, false, TS_INIT, 0 },	/* clock moved back */
		{ 0, false, TS_INIT, 0 },
		{ 999, false, TS_INIT, 0 },
		{ 1000, false, TS_WAIT, 50 },
		{ 2999, false, TS_WAIT, 50 },
		{ 3000, false, TS_SUCCESS, 100 },
		{ 7LL * 86400 * 1000, false, TS_SUCCESS, 100 },
		{ 500, true, TS_INIT, 0 },
		{ 1500, true, TS_WAIT, 50 },
		{ 3000, true, TS_FAIL, 0 },
	};
	size_t i;
	int progress;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		progress = -1;
		TCHECK(file_task_status(v[i].ms, v[i].fails, &progress) == v[i].want &&
		    progress == v[i].progress, "%lld ms%s: status %d progress %d, "
		    "want %d and %d", v[i].ms, v[i].fails ? " (fails)" : "",
		    file_task_status(v[i].ms, v[i].fails, &progress), progress,
		    v[i].want, v[i].progress);
	}
	TSTREQ(file_status_name(TS_INIT), "init", "TS_INIT");
	TSTREQ(file_status_name(TS_WAIT), "wait", "TS_WAIT");
	TSTREQ(file_status_name(TS_SUCCESS), "success", "TS_SUCCESS");
	TSTREQ(file_status_name(TS_FAIL), "fail", "TS_FAIL");
}

static void
test_loopback(void)
{
	static const struct {
		const char *host;
		bool ok;
	} v[] = {
		{ "127.0.0.1", true }, { "127.1.2.3", true }, { "127.255.255.255", true },
		{ "localhost", true }, { "LocalHost", true }, { "::1", true },
		{ "[::1]", true }, { "0:0:0:0:0:0:0:1", true },
		{ "128.0.0.1", false }, { "10.0.0.1", false }, { "0.0.0.0", false },
		{ "::", false }, { "[::2]", false }, { "::ffff:127.0.0.1", false },
		{ "example.com", false }, { "127.0.0.1.example.com", false },
		{ "localhost.example.com", false }, { "", false }, { "[", false },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		TCHECK(file_host_loopback(v[i].host) == v[i].ok, "host \"%s\": %s, "
		    "want %s", v[i].host, file_host_loopback(v[i].host) ?
		    "loopback" : "not", v[i].ok ? "loopback" : "not");
	TCHECK(!file_host_loopback(NULL), "no host");
}

/* ---- images.json ---- */

/* Writes images.json into a new temporary directory; caller frees. */
static char *
fixture_dir(const char *json)
{
	char *dir = xstrdup("/tmp/tmtmock-test-XXXXXX"), *path;
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		TCHECK(false, "mkdtemp failed");
		free(dir);
		return NULL;
	}
	if (json != NULL) {
		path = xasprintf("%s/images.json", dir);
		f = fopen(path, "w");
		TCHECK(f != NULL, "cannot write %s", path);
		if (f != NULL) {
			fputs(json, f);
			fclose(f);
		}
		free(path);
	}
	return dir;
}

static void
fixture_rmdir(char *dir)
{
	char *path = xasprintf("%s/images.json", dir);

	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

static void
test_image_load_errors(void)
{
	static const struct {
		const char *json;
		const char *want;	/* in the message */
	} v[] = {
		{ "{", "line 1" },
		{ "{\"images\": {}}", "images: must be an array" },
		{ "{\"images\": [1]}", "images[0]: must be an object" },
		{ "{\"images\": [{\"sha256\": \"abc\", \"lines\": [{\"text\": \"a\", "
		  "\"x\": 0, \"y\": 0, \"w\": 1, \"h\": 1}]}]}", "images[0].sha256" },
		{ "{\"images\": [{\"lines\": []}]}", "images[0].lines: must be a non-empty" },
		{ "{\"images\": [{\"lines\": [{\"text\": \"a\", \"x\": -1, \"y\": 0, "
		  "\"w\": 1, \"h\": 1}]}]}", "images[0].lines[0].x" },
		{ "{\"images\": [{\"lines\": [{\"text\": 5, \"x\": 0, \"y\": 0, "
		  "\"w\": 1, \"h\": 1}]}]}", "images[0].lines[0].text" },
		{ "{\"images\": [{\"lines\": [{\"text\": \"a\", \"x\": 0, \"y\": 0, "
		  "\"w\": 1}]}]}", "images[0].lines[0].h" },
		{ "{\"images\": [{\"source\": 1, \"lines\": [{\"text\": \"a\", "
		  "\"x\": 0, \"y\": 0, \"w\": 1, \"h\": 1}]}]}", "images[0].source" },
		{ "{\"images\": [{\"url\": \"\", \"lines\": [{\"text\": \"a\", "
		  "\"x\": 0, \"y\": 0, \"w\": 1, \"h\": 1}]}]}", "images[0].url" },
		{ "{\"images\": [{\"colour\": 1}]}", "images[0].colour: unknown field" },
	};
	char err[1024], *dir;
	size_t i;

	dir = fixture_dir(NULL);
	if (dir != NULL) {
		TCHECK(image_load(dir, err, sizeof err) == 0, "no images.json is fine");
		fixture_rmdir(dir);
	}
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		if ((dir = fixture_dir(v[i].json)) == NULL)
			continue;
		err[0] = '\0';
		TCHECK(image_load(dir, err, sizeof err) == -1 &&
		    strstr(err, v[i].want) != NULL && strstr(err, "images.json") != NULL,
		    "%s: message \"%s\" should name images.json and \"%s\"",
		    v[i].json, err, v[i].want);
		fixture_rmdir(dir);
	}
	image_clear();
}

/* A PNG signature and a little more: enough for the magic-byte check. */
static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
    '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };

static json_t *
image_params(const char *data, const char *source, const char *target)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "SessionUuid", "sess-1",
	    "Scene", "doc", "Data", data, "Source", source, "Target", target,
	    "ProjectId", 0);
}

static void
test_image_translate(void)
{
	struct act_result res;
	char *data = b64(png, sizeof png), *gif = b64("GIF89a", 6), hex[65];
	char *json, *dir;
	json_t *rec;
	char err[1024];

	/* The built-in default. */
	image_clear();
	res = run(act_image_translate, image_params(data, "auto", "zh"), "AKIDa");
	TSTREQ(err_code(&res), "(success)", "ImageTranslate with a PNG");
	rec = json_array_get(json_object_get(json_object_get(res.ar_resp,
	    "ImageRecord"), "Value"), 0);
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "Source")), "en",
	    "auto is answered as the fixture's language");
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "SessionUuid")),
	    "sess-1", "SessionUuid echoed");
	TSTREQ(json_string_value(json_object_get(rec, "SourceText")),
	    "MOCK IMAGE TEXT", "built-in line");
	TSTREQ(json_string_value(json_object_get(rec, "TargetText")),
	    "[zh] MOCK IMAGE TEXT", "pseudo-translation of the line");
	TCHECK(json_is_integer(json_object_get(rec, "W")), "W is an integer");
	result_free(&res);

	res = run(act_image_translate, image_params(gif, "en", "zh"), "AKIDa");
	TSTREQ(err_code(&res), "InvalidParameterValue", "a GIF");
	result_free(&res);
	res = run(act_image_translate, image_params(data, "en", "hi"), "AKIDa");
	TSTREQ(err_code(&res), "InvalidParameterValue", "en -> hi is no image pair "
	    "(observed dialect)");
	result_free(&res);

	/* A fixture keyed by the image's SHA-256 wins over the default. */
	crypto_sha256_hex(png, sizeof png, hex);
	json = xasprintf("{\"images\": ["
	    "{\"sha256\": null, \"lines\": [{\"text\": \"default\", \"x\": 0, "
	    "\"y\": 0, \"w\": 1, \"h\": 1}]},"
	    "{\"sha256\": \"%s\", \"source\": \"ja\", \"lines\": ["
	    "{\"text\": \"one\", \"x\": 1, \"y\": 2, \"w\": 3, \"h\": 4},"
	    "{\"text\": \"two\", \"x\": 5, \"y\": 6, \"w\": 7, \"h\": 8}]}]}", hex);
	if ((dir = fixture_dir(json)) != NULL) {
		TCHECK(image_load(dir, err, sizeof err) == 0, "images.json: %s", err);
		fixture_rmdir(dir);
	}
	res = run(act_image_translate, image_params(data, "auto", "en"), "AKIDa");
	TSTREQ(err_code(&res), "(success)", "ImageTranslate, fixture image");
	rec = json_object_get(json_object_get(res.ar_resp, "ImageRecord"), "Value");
	TCHECK(json_array_size(rec) == 2, "two lines, got %zu", json_array_size(rec));
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "Source")), "ja",
	    "the fixture's language");
	TSTREQ(json_string_value(json_object_get(json_array_get(rec, 1), "SourceText")),
	    "two", "second line");
	TCHECK(json_integer_value(json_object_get(json_array_get(rec, 1), "H")) == 8,
	    "second line's H");
	result_free(&res);
	free(json);
	free(data);
	free(gif);
	image_clear();
}

static json_t *
llm_params(const char *data, const char *url, const char *target)
{
	json_t *p = json_pack("{s:s,s:s}", "Data", data, "Target", target);

	if (url != NULL)
		json_object_set_new(p, "Url", json_string(url));
	return p;
}

static void
test_image_translate_llm(void)
{
	static const char bmp[] = "BM\x36\0\0\0";
	struct act_result res;
	char *data = b64(png, sizeof png), *bad = b64(bmp, sizeof bmp - 1);
	unsigned char *jpeg;
	json_t *d, *coord;
	size_t len;
	char *json, *dir, err[1024];

	image_clear();
	res = run(act_image_translate_llm, llm_params(data, NULL, "zh"), "AKIDa");
	TSTREQ(err_code(&res), "(success)", "ImageTranslateLLM with a PNG");
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "SourceText")),
	    "MOCK IMAGE TEXT", "SourceText");
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "TargetText")),
	    "[zh] MOCK IMAGE TEXT", "TargetText");
	TCHECK(json_is_real(json_object_get(res.ar_resp, "Angle")), "Angle is a float");
	jpeg = base64_decode(json_string_value(json_object_get(res.ar_resp, "Data")),
	    json_string_length(json_object_get(res.ar_resp, "Data")), &len);
	TCHECK(jpeg != NULL && image_type(jpeg, len) == IMG_JPEG && len > 4 &&
	    jpeg[len - 2] == 0xff && jpeg[len - 1] == 0xd9,
	    "Data is a JPEG from SOI to EOI");
	free(jpeg);
	d = json_array_get(json_object_get(res.ar_resp, "TransDetails"), 0);
	coord = json_object_get(json_object_get(d, "RotateParagraphRect"), "Coord");
	TCHECK(json_array_size(coord) == 4, "four corners");
	TCHECK(json_integer_value(json_object_get(json_array_get(coord, 2), "X")) == 310,
	    "bottom-right X = x + w");
	TCHECK(json_integer_value(json_object_get(json_object_get(d, "BoundingBox"),
	    "Height")) == 40, "BoundingBox.Height");
	TCHECK(json_integer_value(json_object_get(d, "SpamCode")) == 0, "SpamCode");
	result_free(&res);

	res = run(act_image_translate_llm, llm_params(bad, NULL, "zh"), "AKIDa");
	TSTREQ(err_code(&res), "FailedOperation.DecodeErr", "a BMP");
	result_free(&res);
	res = run(act_image_translate_llm, llm_params("", NULL, "zh"), "AKIDa");
	TSTREQ(err_code(&res), "MissingParameter", "no Data, no Url");
	TCHECK(res.ar_err_msg != NULL && strstr(res.ar_err_msg, "`Data`") != NULL,
	    "the message names Data: %s", res.ar_err_msg);
	result_free(&res);
	res = run(act_image_translate_llm, llm_params(data, "http://x/a.png", "zh"),
	    "AKIDa");
	TSTREQ(err_code(&res), "InvalidParameter", "Data and Url together");
	result_free(&res);
	res = run(act_image_translate_llm, llm_params("", "http://x/a.png", "zh"),
	    "AKIDa");
	TSTREQ(err_code(&res), "FailedOperation.DownloadErr", "an unmapped Url");
	result_free(&res);
	res = run(act_image_translate_llm, llm_params(data, NULL, "xx"), "AKIDa");
	TSTREQ(err_code(&res), "InvalidParameterValue", "an unknown Target");
	result_free(&res);

	json = xstrdup("{\"images\": [{\"url\": \"http://x/a.png\", \"source\": "
	    "\"fr\", \"lines\": [{\"text\": \"bonjour\", \"x\": 0, \"y\": 0, "
	    "\"w\": 1, \"h\": 1}]}]}");
	if ((dir = fixture_dir(json)) != NULL) {
		TCHECK(image_load(dir, err, sizeof err) == 0, "images.json: %s", err);
		fixture_rmdir(dir);
	}
	res = run(act_image_translate_llm, llm_params("", "http://x/a.png", "en"),
	    "AKIDa");
	TSTREQ(err_code(&res), "(success)", "a Url the fixtures map");
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "Source")), "fr",
	    "Source from the fixture");
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "SourceText")),
	    "bonjour", "SourceText from the fixture");
	result_free(&res);
	/* A url entry is not the default for Data. */
	res = run(act_image_translate_llm, llm_params(data, NULL, "en"), "AKIDa");
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "SourceText")),
	    "MOCK IMAGE TEXT", "Data still gets the built-in default");
	result_free(&res);
	free(json);
	free(data);
	free(bad);
	image_clear();
}

/* ---- SpeechTranslate, in-process ---- */

static struct act_result
speech(const char *uuid, long long format, long long seq, long long is_end,
    size_t bytes, const char *secret_id)
{
	unsigned char *audio = xcalloc(1, bytes + 1);
	char *data = b64(audio, bytes);
	json_t *p;

	p = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "SessionUuid", uuid,
	    "Source", "en", "Target", "zh", "AudioFormat", (json_int_t)format,
	    "Seq", (json_int_t)seq, "IsEnd", (json_int_t)is_end, "Data", data);
	free(audio);
	free(data);
	return run(act_speech_translate, p, secret_id);
}

static void
test_speech_translate(void)
{
	struct act_result res;

	speech_clear();
	res = speech("s1", 146, 0, 0, 6400, "AKIDa");
	TSTREQ(err_code(&res), "(success)", "first pcm chunk");
	TCHECK(json_integer_value(json_object_get(res.ar_resp, "RecognizeStatus")) == 1,
	    "in progress");
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "SourceText")),
	    "mock speech: 6400 bytes", "SourceText");
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "TargetText")),
	    "[zh] MOCK SPEECH: 6400 BYTES", "TargetText");
	result_free(&res);
	res = speech("s1", 146, 0, 0, 6400, "AKIDa");
	TSTREQ(err_code(&res), "InvalidParameter.DuplicatedSessionIdAndSeq", "Seq 0 again");
	result_free(&res);
	res = speech("s1", 146, 0, 0, 6400, "AKIDb");
	TSTREQ(err_code(&res), "(success)", "another account's session of the same id");
	result_free(&res);
	res = speech("s1", 146, 2002, 0, 6400, "AKIDa");
	TSTREQ(err_code(&res), "InvalidParameter.SeqIntervalTooLarge", "Seq 2002 after 0");
	result_free(&res);
	res = speech("s1", 146, 1, 0, 256000, "AKIDa");
	TSTREQ(err_code(&res), "UnsupportedOperation.AudioDurationExceed", "an 8 s chunk");
	result_free(&res);
	res = speech("s1", 83886080, 1, 0, 100, "AKIDa");
	TSTREQ(err_code(&res), "UnsupportedOperation", "streamed mp3");
	result_free(&res);
	res = speech("s1", 146, 1, 1, 3200, "AKIDa");
	TSTREQ(err_code(&res), "(success)", "last chunk");
	TCHECK(json_integer_value(json_object_get(res.ar_resp, "RecognizeStatus")) == 0,
	    "done");
	TSTREQ(json_string_value(json_object_get(res.ar_resp, "SourceText")),
	    "mock speech: 9600 bytes", "bytes of the utterance so far");
	result_free(&res);
	res = speech("s1", 146, 1, 0, 3200, "AKIDa");
	TSTREQ(err_code(&res), "InvalidParameter.DuplicatedSessionIdAndSeq",
	    "a closed session keeps its Seqs");
	result_free(&res);
	res = speech("s2", 83886080, 0, 1, 1000, "AKIDa");
	TSTREQ(err_code(&res), "(success)", "whole mp3");
	result_free(&res);

	/* Ten idle minutes later the session is gone. */
	clock_set_offset(601);
	res = speech("s1", 146, 0, 0, 100, "AKIDa");
	TSTREQ(err_code(&res), "(success)", "Seq 0 again after the session expired");
	result_free(&res);
	clock_set_offset(0);
	speech_clear();
}

/* ---- FileTranslate / GetFileTranslate, in-process ---- */

static const char *
file_new(const char *doctype, const char *text, const char *secret_id,
    struct act_result *res)
{
	char *data = b64(text, strlen(text));

	*res = run(act_file_translate, json_pack("{s:s,s:s,s:s,s:i,s:s}",
	    "Source", "en", "Target", "zh", "DocumentType", doctype,
	    "SourceType", 1, "Data", data), secret_id);
	free(data);
	return json_string_value(json_object_get(json_object_get(res->ar_resp,
	    "Data"), "TaskId"));
}

static struct act_result
file_get(const char *id, const char *secret_id)
{
	return run(act_get_file_translate, json_pack("{s:s}", "TaskId", id),
	    secret_id);
}

static const char *
data_str(const struct act_result *res, const char *name)
{
	return json_string_value(json_object_get(json_object_get(res->ar_resp,
	    "Data"), name));
}

static long long
data_int(const struct act_result *res, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(res->ar_resp,
	    "Data"), name));
}

static void
test_file_tasks(void)
{
	struct act_result made, bin, got;
	const char *id, *bin_id;
	unsigned char *doc;
	size_t len;
	char *copy;

	file_clear();
	clock_set_offset(0);
	id = file_new("txt", "hello world", "AKIDa", &made);
	TSTREQ(err_code(&made), "(success)", "FileTranslate txt");
	/* Digit strings, as the documentation's TaskIds. */
	TCHECK(id != NULL && strlen(id) == 10 && strspn(id, "0123456789") == 10,
	    "a 10-digit TaskId: %s", id != NULL ? id : "(none)");
	if (id == NULL)
		goto out;
	got = file_get(id, "AKIDa");
	TSTREQ(data_str(&got, "Status"), "init", "at once");
	/* "" as documented, not null. */
	TSTREQ(json_string_value(json_object_get(json_object_get(got.ar_resp,
	    "Data"), "FileData")), "", "no FileData before success");
	TSTREQ(json_string_value(json_object_get(json_object_get(got.ar_resp,
	    "Data"), "Message")), "", "no Message before it fails");
	result_free(&got);
	got = file_get(id, "AKIDb");
	TSTREQ(err_code(&got), "InvalidParameter", "another account's task");
	result_free(&got);
	got = file_get("0000000000000000", "AKIDa");
	TSTREQ(err_code(&got), "InvalidParameter", "an unknown task");
	TCHECK(got.ar_err_msg != NULL && strstr(got.ar_err_msg,
	    "`0000000000000000` does not exist") != NULL, "message: %s",
	    got.ar_err_msg);
	result_free(&got);

	clock_set_offset(2);
	got = file_get(id, "AKIDa");
	TSTREQ(data_str(&got, "Status"), "wait", "after 2 s");
	TCHECK(data_int(&got, "Progress") == 50, "Progress 50");
	result_free(&got);

	clock_set_offset(4);
	got = file_get(id, "AKIDa");
	TSTREQ(data_str(&got, "Status"), "success", "after 4 s");
	TCHECK(data_int(&got, "Progress") == 100, "Progress 100");
	TCHECK(data_int(&got, "UsedAmount") == 11, "UsedAmount = code points");
	doc = base64_decode(data_str(&got, "FileData"),
	    strlen(data_str(&got, "FileData")), &len);
	copy = doc != NULL ? xstrndup((char *)doc, len) : NULL;
	TSTREQ(copy, "[zh] HELLO WORLD", "the translated text");
	free(copy);
	free(doc);
	result_free(&got);

	/* A binary format comes back unchanged. */
	clock_set_offset(0);
	bin_id = file_new("pdf", "%PDF-1.4 mock", "AKIDa", &bin);
	clock_set_offset(10);
	got = file_get(bin_id, "AKIDa");
	TSTREQ(data_str(&got, "Status"), "success", "pdf task");
	TCHECK(data_int(&got, "UsedAmount") == 0, "UsedAmount 0 for binaries");
	TSTREQ(data_str(&got, "FileData"), "JVBERi0xLjQgbW9jaw==", "the pdf unchanged");
	result_free(&got);
	result_free(&bin);

	/* Seven days on, the task is gone. */
	clock_set_offset(7 * 86400 + 10);
	got = file_get(id, "AKIDa");
	TSTREQ(err_code(&got), "InvalidParameter", "an expired task");
	result_free(&got);
out:
	result_free(&made);
	clock_set_offset(0);
	file_clear();
}

static void
test_file_url_and_rules(void)
{
	struct act_result res, got;
	const char *id;

	file_clear();
	clock_set_offset(0);
	res = run(act_file_translate, json_pack("{s:s,s:s,s:s,s:i,s:s}",
	    "Source", "en", "Target", "zh", "DocumentType", "docx",
	    "SourceType", 0, "Url", "https://example.com/a.docx"), "AKIDa");
	TSTREQ(err_code(&res), "(success)", "FileTranslate from a Url");
	id = json_string_value(json_object_get(json_object_get(res.ar_resp,
	    "Data"), "TaskId"));
	clock_set_offset(5);
	got = file_get(id != NULL ? id : "", "AKIDa");
	TSTREQ(data_str(&got, "Status"), "fail", "a Url task ends in fail");
	TCHECK(data_str(&got, "Message") != NULL, "with a Message");
	result_free(&got);
	result_free(&res);
	clock_set_offset(0);

	res = run(act_file_translate, json_pack("{s:s,s:s,s:s,s:i}",
	    "Source", "en", "Target", "zh", "DocumentType", "txt",
	    "SourceType", 1), "AKIDa");
	TSTREQ(err_code(&res), "MissingParameter", "SourceType 1 without Data");
	result_free(&res);
	res = run(act_file_translate, json_pack("{s:s,s:s,s:s,s:i}",
	    "Source", "en", "Target", "zh", "DocumentType", "txt",
	    "SourceType", 0), "AKIDa");
	TSTREQ(err_code(&res), "MissingParameter", "SourceType 0 without Url");
	TCHECK(res.ar_err_msg != NULL && strstr(res.ar_err_msg, "`Url`") != NULL,
	    "names Url: %s", res.ar_err_msg);
	result_free(&res);
	res = run(act_file_translate, json_pack("{s:s,s:s,s:s,s:s}",
	    "Source", "en", "Target", "hi", "DocumentType", "txt", "Data", "YQ=="),
	    "AKIDa");
	TSTREQ(err_code(&res), "InvalidParameterValue", "en -> hi is no file pair");
	result_free(&res);
	file_clear();
}

int
test_actions_media_register(void)
{
	static const struct test_def pure[] = {
		{ "image_type", test_image_type },
		{ "seq_rules", test_seq_rules },
		{ "audio_rules", test_audio_rules },
		{ "task_status", test_task_status },
		{ "loopback", test_loopback },
		{ "image_load_errors", test_image_load_errors },
		{ NULL, NULL },
	};
	static const struct test_def acts[] = {
		{ "image_translate", test_image_translate },
		{ "image_translate_llm", test_image_translate_llm },
		{ "speech_translate", test_speech_translate },
		{ "file_tasks", test_file_tasks },
		{ "file_url_and_rules", test_file_url_and_rules },
		{ NULL, NULL },
	};
	int rc;

	if ((rc = tests_add_suite("media_rules", pure)) != CUE_SUCCESS)
		return rc;
	return tests_add_suite("media_actions", acts);
}
