/*
 * lang.c: the language pairs of each action (docs/behaviour.md, Language
 * pairs), as data, and the two dialects of language errors (Mock conventions).
 */
#include <string.h>

#include "tmtmock.h"

struct pairs {
	const char *p_source;
	const char *p_targets;	/* space-separated */
};

#define CJK_ALL "zh zh-TW en ja ko fr es it de tr ru pt vi id th ms ar"
#define EU_TARGETS(x) "zh zh-TW en " x

/* TextTranslate, as of the 2026 definition. */
static const struct pairs text_pairs[] = {
	{ "zh", "zh-TW en ja ko fr es it de tr ru pt vi id th ms ar" },
	{ "zh-TW", "zh en ja ko fr es it de tr ru pt vi id th ms ar" },
	{ "en", "zh zh-TW ja ko fr es it de tr ru pt vi id th ms ar hi" },
	{ "ja", "zh zh-TW en ko" },
	{ "ko", "zh zh-TW en ja" },
	{ "fr", EU_TARGETS("es it de tr ru pt") },
	{ "es", EU_TARGETS("fr it de tr ru pt") },
	{ "it", EU_TARGETS("fr es de tr ru pt") },
	{ "de", EU_TARGETS("fr es it tr ru pt") },
	{ "tr", EU_TARGETS("fr es it de ru pt") },
	{ "ru", EU_TARGETS("fr es it de tr pt") },
	{ "pt", EU_TARGETS("fr es it de tr ru") },
	{ "vi", "zh zh-TW en" }, { "id", "zh zh-TW en" }, { "th", "zh zh-TW en" },
	{ "ms", "zh zh-TW en" }, { "ar", "zh zh-TW en" },
	{ "hi", "en" },
	{ NULL, NULL },
};

#define IMG_12 "ja ko ru fr de it es pt ms th vi"
static const struct pairs image_pairs[] = {
	{ "zh", "en " IMG_12 }, { "zh-TW", "en " IMG_12 }, { "en", "zh " IMG_12 },
	{ "ja", "zh en ko" }, { "ko", "zh en ja" },
	{ "ru", "zh en" }, { "fr", "zh en" }, { "de", "zh en" }, { "it", "zh en" },
	{ "es", "zh en" }, { "pt", "zh en" }, { "ms", "zh en" }, { "th", "zh en" },
	{ "vi", "zh en" },
	{ NULL, NULL },
};

/* ImageTranslateLLM names only targets; "auto" stands for its source. */
static const struct pairs llm_pairs[] = {
	{ "auto", "zh zh-TW zh-HK en ja ko th vi ru de fr ar es it id ms pt tr" },
	{ NULL, NULL },
};

static const struct pairs speech_pairs[] = {
	{ "zh", "en" }, { "en", "zh" }, { NULL, NULL },
};

/* FileTranslate: Chinese variants <-> the others, en <-> everything, es <-> fr. */
#define FILE_ZH "zh zh-HK zh-TW zh-TR"
#define FILE_OTHERS "ar de es fr it ja pt ru ko tr vi th"
static const struct pairs file_pairs[] = {
	{ "zh", "en " FILE_OTHERS }, { "zh-HK", "en " FILE_OTHERS },
	{ "zh-TW", "en " FILE_OTHERS }, { "zh-TR", "en " FILE_OTHERS },
	{ "en", FILE_ZH " " FILE_OTHERS },
	{ "ar", FILE_ZH " en" }, { "de", FILE_ZH " en" },
	{ "es", FILE_ZH " en fr" }, { "fr", FILE_ZH " en es" },
	{ "it", FILE_ZH " en" }, { "ja", FILE_ZH " en" }, { "pt", FILE_ZH " en" },
	{ "ru", FILE_ZH " en" }, { "ko", FILE_ZH " en" }, { "tr", FILE_ZH " en" },
	{ "vi", FILE_ZH " en" }, { "th", FILE_ZH " en" },
	{ NULL, NULL },
};

static const struct pairs *const tables[] = {
	[LP_TEXT] = text_pairs, [LP_BATCH] = text_pairs, [LP_IMAGE] = image_pairs,
	[LP_IMAGE_LLM] = llm_pairs, [LP_SPEECH] = speech_pairs, [LP_FILE] = file_pairs,
};

/* Whether word stands in the space-separated list. */
static bool
in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	/* "" is found everywhere and never moves p on: it would loop for
	 * ever. A word with a space could match two codes of the list. */
	if (n == 0 || strchr(word, ' ') != NULL)
		return false;
	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

static bool
known_target(const struct pairs *t, const char *code)
{
	for (; t->p_source != NULL; t++)
		if (in_list(t->p_targets, code))
			return true;
	return false;
}

enum lang_check
lang_pair(enum lang_table which, const char *source, const char *target)
{
	const struct pairs *t = tables[which], *row = NULL;

	for (; t->p_source != NULL; t++)
		if (strcmp(t->p_source, source) == 0)
			row = t;
	if (row == NULL)
		return LC_BAD_SOURCE;
	/* TextTranslateBatch shares TextTranslate's matrix, except that
	 * zh <-> zh-TW was never added to it. */
	if (which == LP_BATCH && strncmp(source, "zh", 2) == 0 &&
	    strncmp(target, "zh", 2) == 0)
		return LC_NO_PAIR;
	if (in_list(row->p_targets, target))
		return LC_OK;
	return known_target(tables[which], target) ? LC_NO_PAIR : LC_BAD_TARGET;
}

bool
lang_is_source(enum lang_table which, const char *code)
{
	const struct pairs *t = tables[which];

	for (; t->p_source != NULL; t++)
		if (strcmp(t->p_source, code) == 0)
			return true;
	return false;
}

void
lang_error(enum lang_check lc, const char *source, const char *target,
    bool lang_en, struct act_result *res)
{
	static const char *const documented[] = {
		[LC_BAD_SOURCE] = "UnsupportedOperation.UnsupportedSourceLanguage",
		[LC_BAD_TARGET] = "UnsupportedOperation.UnSupportedTargetLanguage",
		[LC_NO_PAIR] = "UnsupportedOperation.UnsupportedLanguage",
	};
	const struct err_def *e;

	if (conf.c_language_errors_documented) {
		e = catalogue_find(documented[lc]);
		res->ar_err_code = e->e_code;
		res->ar_err_msg = catalogue_message(e, lang_en, NULL);
		return;
	}
	/* What the live service answers (docs/behaviour.md), in Chinese only. */
	res->ar_err_code = "InvalidParameterValue";
	res->ar_err_msg = xasprintf("不支持的语种：%s_to_%s", source, target);
}
