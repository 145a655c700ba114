/*
 * act_text.c: TextTranslate, TextTranslateBatch and LanguageDetect.
 * Parameters arrive validated and typed (schema.c); this file applies the
 * text rules of check 19 (length, Source: auto, language pairs).
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

/* LanguageDetect's documented limit ("低于2000"), separate from --text-limit. */
#define DETECT_TEXT_LIMIT 2000

static size_t
cp_len(const char *s)
{
	return utf8_codepoints(s, strlen(s));
}

/* Length rule: under the limit, in code points. */
static bool
check_length(struct act_ctx *c, size_t chars, long long limit,
    struct act_result *res)
{
	char arg[32];

	if ((long long)chars < limit)
		return true;
	snprintf(arg, sizeof arg, "%lld", limit);
	act_fail_cat(c, res, "UnsupportedOperation.TextTooLong", arg);
	return false;
}

/*
 * Resolves Source (detecting it for "auto" from text) and checks the pair.
 * Returns the source code to answer with, or NULL with res set.
 */
static const char *
resolve_pair(struct act_ctx *c, enum lang_table table, const char *source,
    const char *target, const char *text, struct act_result *res)
{
	enum lang_check lc;

	if (strcmp(source, "auto") == 0) {
		source = detect_language(text, strlen(text));
		if (source == NULL) {
			act_fail_cat(c, res, "FailedOperation.LanguageRecognitionErr", NULL);
			return NULL;
		}
	}
	if ((lc = lang_pair(table, source, target)) != LC_OK) {
		lang_error(lc, source, target, c->ac_lang_en, res);
		return NULL;
	}
	return source;
}

void
act_text_translate(struct act_ctx *c, struct act_result *res)
{
	const char *text = param_str(c, "SourceText");
	const char *target = param_str(c, "Target"), *source;
	size_t chars = cp_len(text);
	struct buf b = { 0 };
	char *translated;

	if (!check_length(c, chars, conf.c_text_limit, res) ||
	    (source = resolve_pair(c, LP_TEXT, param_str(c, "Source"), target,
	    text, res)) == NULL ||
	    !act_gate(c, Q_TEXT, (long long)chars, res))
		return;
	/* A fixed shape, the hot path: written straight, no tree. */
	if ((translated = xlate_text(source, target, text,
	    param_str(c, "UntranslatedText"))) == NULL) {
		act_fail_cat(c, res, conf.c_translations_strict, NULL);
		return;
	}
	buf_adds(&b, "{\"TargetText\":");
	jw_str_lossy(&b, translated);
	buf_adds(&b, ",\"Source\":");
	jw_str_lossy(&b, source);
	buf_adds(&b, ",\"Target\":");
	jw_str_lossy(&b, target);
	buf_adds(&b, ",\"UsedAmount\":");
	jw_int(&b, (long long)chars);
	buf_addc(&b, '}');
	free(translated);
	res->ar_json = b.b_data;
}

void
act_text_translate_batch(struct act_ctx *c, struct act_result *res)
{
	json_t *list = json_object_get(c->ac_params, "SourceTextList"), *item;
	const char *target = param_str(c, "Target"), *source;
	struct buf all = { 0 };
	json_t *out, *resp;
	size_t i, chars = 0;

	json_array_foreach(list, i, item) {
		chars += cp_len(json_string_value(item));
		buf_adds(&all, json_string_value(item));
		buf_addc(&all, '\n');
	}
	/* "单次请求的文本长度总和需要低于6000字符": the sum counts. */
	if (!check_length(c, chars, conf.c_text_limit, res) ||
	    (source = resolve_pair(c, LP_BATCH, param_str(c, "Source"), target,
	    buf_str(&all), res)) == NULL ||
	    !act_gate(c, Q_TEXT, (long long)chars, res)) {
		buf_free(&all);
		return;
	}
	buf_free(&all);
	out = json_array();
	json_array_foreach(list, i, item) {
		char *t = xlate_text(source, target, json_string_value(item), NULL);

		/* Strict: one text the file lacks fails the whole batch. */
		if (t == NULL) {
			json_decref(out);
			act_fail_cat(c, res, conf.c_translations_strict, NULL);
			return;
		}
		json_array_append_new(out, json_string_take(t));
	}
	resp = json_object();
	json_object_set_new(resp, "Source", json_string(source));
	json_object_set_new(resp, "Target", json_string(target));
	json_object_set_new(resp, "TargetTextList", out);
	json_object_set_new(resp, "UsedAmount", json_integer((json_int_t)chars));
	res->ar_resp = resp;
}

/* The Lang values of LanguageDetect's definition, in detector codes. */
static bool
detect_answer_documented(const char *lang)
{
	static const char *const documented[] = { "zh", "en", "ja", "ko", "de",
		"fr", "es", "it", "tr", "ru", "pt", "vi", "id", "ms", "th", NULL };
	size_t i;

	for (i = 0; documented[i] != NULL; i++)
		if (strcmp(documented[i], lang) == 0)
			return true;
	return false;
}

void
act_language_detect(struct act_ctx *c, struct act_result *res)
{
	const char *text = param_str(c, "Text"), *lang;
	json_t *resp;

	if (!check_length(c, cp_len(text), DETECT_TEXT_LIMIT, res))
		return;
	/* A language the translations file states wins over the detector;
	 * strict, a text it lacks is the chosen error. */
	if ((lang = xlate_detect(text)) != NULL) {
		if (!act_gate(c, Q_NONE, 0, res))
			return;
		resp = json_object();
		json_object_set_new(resp, "Lang", json_string(lang));
		res->ar_resp = resp;
		return;
	}
	if (conf.c_translations_strict != NULL) {
		act_fail_cat(c, res, conf.c_translations_strict, NULL);
		return;
	}
	/* Lang is one of the 15 codes of its documented list; a language the
	 * detector knows beyond them (ar, hi: Source auto translates them) is
	 * one LanguageDetect does not recognise. */
	if ((lang = detect_language(text, strlen(text))) == NULL ||
	    !detect_answer_documented(lang)) {
		act_fail_cat(c, res, "FailedOperation.LanguageRecognitionErr", NULL);
		return;
	}
	if (!act_gate(c, Q_NONE, 0, res))
		return;
	/* The documented answer codes are jp and kr, not ja and ko. */
	if (strcmp(lang, "ja") == 0)
		lang = "jp";
	else if (strcmp(lang, "ko") == 0)
		lang = "kr";
	resp = json_object();
	json_object_set_new(resp, "Lang", json_string(lang));
	res->ar_resp = resp;
}
