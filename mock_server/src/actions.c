/*
 * actions.c: the eight actions of TMT 2018-03-21 (tencent-api.md 6.1), as
 * a table. A name here passes check 5; a NULL function means this build
 * knows the action but does not answer it yet.
 */
#include <string.h>

#include "tmtmock.h"

static const struct action_def actions[] = {
	{ "TextTranslate", act_text_translate },
	{ "TextTranslateBatch", NULL },
	{ "LanguageDetect", NULL },
	{ "SpeechTranslate", NULL },
	{ "ImageTranslate", NULL },
	{ "ImageTranslateLLM", NULL },
	{ "FileTranslate", NULL },
	{ "GetFileTranslate", NULL },
};

const struct action_def *
action_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (strcmp(actions[i].ad_name, name) == 0)
			return &actions[i];
	return NULL;
}
