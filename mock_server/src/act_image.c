/*
 * act_image.c: ImageTranslate and ImageTranslateLLM (docs/behaviour.md,
 * Actions), and fixtures/images.json.
 *
 * The mock reads no text from images. What an image "says" comes from
 * fixtures/images.json:
 *
 *	{"images": [{"sha256": "<hex of the decoded image>" | null,
 *	    "url": "<an ImageTranslateLLM Url>", "source": "en",
 *	    "lines": [{"text": "...", "x": 0, "y": 0, "w": 100, "h": 20}]}]}
 *
 * An image matches the entry of its SHA-256, else the default entry (sha256
 * null or absent, no url), else the built-in default of one line "MOCK
 * IMAGE TEXT" in English. A Url matches only an entry naming it: the mock
 * downloads nothing, so any other Url is FailedOperation.DownloadErr. Each
 * line is translated with xlate_text() (mock convention).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

/* ImageTranslate: "base64 ≤ 7 MB after encoding". */
#define IMAGE_MAX_ENCODED (7 * 1024 * 1024)
/* ImageTranslateLLM: "base64 ≤ 9 MB". */
#define LLM_MAX_ENCODED (9 * 1024 * 1024)

struct image_line {
	char		*l_text;
	long long	 l_x, l_y, l_w, l_h;
};

struct image_entry {
	char		*e_sha256;	/* lower-case hex; NULL: default or url */
	char		*e_url;		/* NULL: matched by sha256 */
	char		*e_source;
	struct image_line *e_lines;
	size_t		 e_nlines;
};

static struct image_entry *images;
static size_t nimages;

static struct image_line builtin_line = {
	.l_text = "MOCK IMAGE TEXT", .l_x = 10, .l_y = 10, .l_w = 300, .l_h = 40,
};
static const struct image_entry builtin = {
	.e_source = "en", .e_lines = &builtin_line, .e_nlines = 1,
};

/*
 * The translated image ImageTranslateLLM answers with: an 8x8 grey
 * baseline JFIF (one DC-only block, one-code Huffman tables), 159 bytes
 * that libjpeg decodes without a warning. The mock draws no text on it.
 */
static const unsigned char mock_jpeg[] = {
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
	0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43,
	0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
	0x01, 0x01, 0x01, 0x01, 0x01, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08,
	0x00, 0x08, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
	0x3f, 0xff, 0xd9,
};

enum image_type
image_type(const unsigned char *p, size_t len)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };

	if (len >= sizeof png && memcmp(p, png, sizeof png) == 0)
		return IMG_PNG;
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return IMG_JPEG;
	if (len >= 2 && p[0] == 'B' && p[1] == 'M')
		return IMG_BMP;
	if (len >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return IMG_PDF;
	return IMG_UNKNOWN;
}

/* ---- fixtures/images.json ---- */

static void
entry_free(struct image_entry *e)
{
	size_t i;

	for (i = 0; i < e->e_nlines; i++)
		free(e->e_lines[i].l_text);
	free(e->e_lines);
	free(e->e_sha256);
	free(e->e_url);
	free(e->e_source);
}

void
image_clear(void)
{
	size_t i;

	for (i = 0; i < nimages; i++)
		entry_free(&images[i]);
	free(images);
	images = NULL;
	nimages = 0;
}

static bool
is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return i == 64;
}

/* One line of an entry. false with errbuf naming the field. */
static bool
parse_line(json_t *item, struct image_line *l, const char *where,
    char *errbuf, size_t errlen)
{
	static const char *const coords[] = { "x", "y", "w", "h" };
	long long *dst[] = { &l->l_x, &l->l_y, &l->l_w, &l->l_h };
	const char *k;
	json_t *v;
	size_t f;

	if (!json_is_object(item)) {
		snprintf(errbuf, errlen, "%s: must be an object", where);
		return false;
	}
	json_object_foreach(item, k, v)
		if (strcmp(k, "text") != 0 && strcmp(k, "x") != 0 &&
		    strcmp(k, "y") != 0 && strcmp(k, "w") != 0 &&
		    strcmp(k, "h") != 0) {
			snprintf(errbuf, errlen, "%s.%s: unknown field (a line "
			    "has text, x, y, w and h)", where, k);
			return false;
		}
	if (!json_is_string(v = json_object_get(item, "text"))) {
		snprintf(errbuf, errlen, "%s.text: must be a string", where);
		return false;
	}
	l->l_text = xstrdup(json_string_value(v));
	for (f = 0; f < 4; f++) {
		v = json_object_get(item, coords[f]);
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			snprintf(errbuf, errlen, "%s.%s: must be an integer, 0 "
			    "or more", where, coords[f]);
			return false;
		}
		*dst[f] = json_integer_value(v);
	}
	return true;
}

/* One entry. false with errbuf naming the field; e is freed by the caller. */
static bool
parse_entry(json_t *item, struct image_entry *e, const char *where,
    char *errbuf, size_t errlen)
{
	json_t *v, *lines, *line;
	const char *k;
	char lwhere[256];
	size_t i;

	if (!json_is_object(item)) {
		snprintf(errbuf, errlen, "%s: must be an object", where);
		return false;
	}
	json_object_foreach(item, k, v)
		if (strcmp(k, "sha256") != 0 && strcmp(k, "url") != 0 &&
		    strcmp(k, "source") != 0 && strcmp(k, "lines") != 0 &&
		    strcmp(k, "comment") != 0) {
			snprintf(errbuf, errlen, "%s.%s: unknown field (an entry "
			    "has sha256, url, source, lines and comment)", where, k);
			return false;
		}
	v = json_object_get(item, "sha256");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || !is_sha256_hex(json_string_value(v))) {
			snprintf(errbuf, errlen, "%s.sha256: must be null or 64 "
			    "hex digits", where);
			return false;
		}
		e->e_sha256 = xstrdup(json_string_value(v));
		str_lower(e->e_sha256);
	}
	v = json_object_get(item, "url");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) == 0) {
			snprintf(errbuf, errlen, "%s.url: must be a non-empty "
			    "string", where);
			return false;
		}
		e->e_url = xstrdup(json_string_value(v));
	}
	v = json_object_get(item, "source");
	if (v != NULL && (!json_is_string(v) || json_string_length(v) == 0)) {
		snprintf(errbuf, errlen, "%s.source: must be a language code "
		    "such as \"en\"", where);
		return false;
	}
	e->e_source = xstrdup(v != NULL ? json_string_value(v) : "en");
	lines = json_object_get(item, "lines");
	if (!json_is_array(lines) || json_array_size(lines) == 0) {
		snprintf(errbuf, errlen, "%s.lines: must be a non-empty array",
		    where);
		return false;
	}
	e->e_lines = xcalloc(json_array_size(lines), sizeof *e->e_lines);
	json_array_foreach(lines, i, line) {
		e->e_nlines = i + 1;
		snprintf(lwhere, sizeof lwhere, "%s.lines[%zu]", where, i);
		if (!parse_line(line, &e->e_lines[i], lwhere, errbuf, errlen))
			return false;
	}
	return true;
}

int
image_load(const char *dir, char *errbuf, size_t errlen)
{
	char *path, *where = NULL;
	json_t *root, *list, *item;
	size_t i;
	int rc;

	image_clear();
	/* The file is optional: 0 leaves rc at success. */
	if ((rc = fixture_open(dir, "images.json", "images", true, &path, &root,
	    &list, errbuf, errlen)) != 1)
		goto out;
	rc = -1;
	images = xcalloc(json_array_size(list), sizeof *images);
	json_array_foreach(list, i, item) {
		nimages = i + 1;
		free(where);
		where = xasprintf("%s: images[%zu]", path, i);
		if (!parse_entry(item, &images[i], where, errbuf, errlen))
			goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		image_clear();
	json_decref(root);
	free(where);
	free(path);
	return rc;
}

/* The entry an image (sha256 hex) or a Url answers with; NULL: a Url no
 * entry names. */
static const struct image_entry *
image_find(const char *sha256, const char *url)
{
	const struct image_entry *dflt = &builtin;
	size_t i;

	for (i = 0; i < nimages; i++) {
		if (url != NULL) {
			if (images[i].e_url != NULL &&
			    strcmp(images[i].e_url, url) == 0)
				return &images[i];
			continue;
		}
		if (images[i].e_sha256 != NULL &&
		    strcmp(images[i].e_sha256, sha256) == 0)
			return &images[i];
		if (images[i].e_sha256 == NULL && images[i].e_url == NULL &&
		    dflt == &builtin)
			dflt = &images[i];
	}
	return url != NULL ? NULL : dflt;
}

/* The entry of the decoded Data, and the image's type. */
static const struct image_entry *
image_of_data(const char *data, enum image_type *type)
{
	unsigned char *bytes;
	char hex[65];
	size_t len = 0;

	/* Known to be base64 (schema.c). */
	if ((bytes = base64_decode(data, strlen(data), &len)) == NULL)
		fatalx("internal: Data passed the schema but is not base64");
	*type = image_type(bytes, len);
	crypto_sha256_hex(bytes, len, hex);
	free(bytes);
	return image_find(hex, NULL);
}

/* ---- ImageTranslate ---- */

void
act_image_translate(struct act_ctx *c, struct act_result *res)
{
	const char *data = param_str(c, "Data"), *source = param_str(c, "Source");
	const char *target = param_str(c, "Target");
	const struct image_entry *e;
	enum image_type type;
	enum lang_check lc;
	json_t *value, *line, *record, *resp;
	size_t i;

	/* Mock convention: too large or not an image is InvalidParameterValue. */
	if (strlen(data) > IMAGE_MAX_ENCODED) {
		act_fail_cat(c, res, "InvalidParameterValue", "The image in "
		    "`Data` must be at most 7 MB after base64 encoding.");
		return;
	}
	e = image_of_data(data, &type);
	if (type == IMG_UNKNOWN) {
		act_fail_cat(c, res, "InvalidParameterValue", "The image in "
		    "`Data` is not PNG, JPG, BMP or PDF.");
		return;
	}
	/* Mock convention: "auto" is the language the fixture gives the image
	 * (English for the built-in default); the answer names it. */
	if (strcmp(source, "auto") == 0)
		source = e->e_source;
	if ((lc = lang_pair(LP_IMAGE, source, target)) != LC_OK) {
		lang_error(lc, source, target, c->ac_lang_en, res);
		return;
	}
	if (!act_gate(c, Q_NONE, 0, res))
		return;
	value = json_array();
	for (i = 0; i < e->e_nlines; i++) {
		const struct image_line *l = &e->e_lines[i];

		line = json_object();
		json_object_set_new(line, "SourceText", json_string(l->l_text));
		json_object_set_new(line, "TargetText", json_string_take(
		    xlate_text(source, target, l->l_text, NULL)));
		json_object_set_new(line, "X", json_integer(l->l_x));
		json_object_set_new(line, "Y", json_integer(l->l_y));
		json_object_set_new(line, "W", json_integer(l->l_w));
		json_object_set_new(line, "H", json_integer(l->l_h));
		json_array_append_new(value, line);
	}
	record = json_object();
	json_object_set_new(record, "Value", value);
	resp = json_object();
	json_object_set_new(resp, "SessionUuid", json_string_take(
	    xstrdup(param_str(c, "SessionUuid"))));
	json_object_set_new(resp, "Source", json_string(source));
	json_object_set_new(resp, "Target", json_string(target));
	json_object_set_new(resp, "ImageRecord", record);
	res->ar_resp = resp;
}

/* ---- ImageTranslateLLM ---- */

static json_t *
point(long long x, long long y)
{
	return json_pack("{s:I,s:I}", "X", (json_int_t)x, "Y", (json_int_t)y);
}

static json_t *
trans_detail(const struct image_line *l, char *target_text /* taken */)
{
	json_t *d = json_object(), *box, *rect, *coord;

	box = json_pack("{s:I,s:I,s:I,s:I}", "X", (json_int_t)l->l_x,
	    "Y", (json_int_t)l->l_y, "Width", (json_int_t)l->l_w,
	    "Height", (json_int_t)l->l_h);
	/* The line's box, clockwise from its top-left corner. */
	coord = json_array();
	json_array_append_new(coord, point(l->l_x, l->l_y));
	json_array_append_new(coord, point(l->l_x + l->l_w, l->l_y));
	json_array_append_new(coord, point(l->l_x + l->l_w, l->l_y + l->l_h));
	json_array_append_new(coord, point(l->l_x, l->l_y + l->l_h));
	rect = json_object();
	json_object_set_new(rect, "Coord", coord);
	json_object_set_new(rect, "TiltAngle", json_real(0.0));
	json_object_set_new(rect, "Valid", json_true());
	json_object_set_new(d, "SourceLineText", json_string(l->l_text));
	json_object_set_new(d, "TargetLineText", json_string_take(target_text));
	json_object_set_new(d, "BoundingBox", box);
	json_object_set_new(d, "LinesCount", json_integer(1));
	json_object_set_new(d, "LineHeight", json_integer(l->l_h));
	json_object_set_new(d, "SpamCode", json_integer(0));
	json_object_set_new(d, "RotateParagraphRect", rect);
	return d;
}

/* Check 19 of ImageTranslateLLM; the entry to answer with, or NULL. */
static const struct image_entry *
llm_rules(struct act_ctx *c, struct act_result *res)
{
	const char *data = param_str(c, "Data"), *url = param_str(c, "Url");
	const char *target = param_str(c, "Target");
	const struct image_entry *e;
	enum image_type type;
	enum lang_check lc;
	bool has_url;

	/* The definition of 2025-05-15 (--api-version-date) had Url alone:
	 * no Data is Data "", and no Target leaves nothing to translate to. */
	if (data == NULL)
		data = "";
	if (target == NULL) {
		act_fail_cat(c, res, "MissingParameter", "Target");
		return NULL;
	}
	has_url = url != NULL && *url != '\0';
	/* One image: Data, or Url with Data "". */
	if (*data == '\0' && !has_url) {
		act_fail_cat(c, res, "MissingParameter", "Data");
		return NULL;
	}
	if (*data != '\0' && has_url) {
		act_fail_cat(c, res, "InvalidParameter", "`Data` must be an "
		    "empty string when `Url` is used.");
		return NULL;
	}
	if ((lc = lang_pair(LP_IMAGE_LLM, "auto", target)) != LC_OK) {
		lang_error(lc, "auto", target, c->ac_lang_en, res);
		return NULL;
	}
	if (has_url) {
		if ((e = image_find(NULL, url)) == NULL)
			act_fail_cat(c, res, "FailedOperation.DownloadErr", NULL);
		return e;
	}
	/* Mock convention: too large is InvalidParameter, the code the
	 * current definition lists for a bad value. */
	if (strlen(data) > LLM_MAX_ENCODED) {
		act_fail_cat(c, res, "InvalidParameter", "The image in `Data` "
		    "must be at most 9 MB after base64 encoding.");
		return NULL;
	}
	e = image_of_data(data, &type);
	if (type != IMG_PNG && type != IMG_JPEG) {
		act_fail_cat(c, res, "FailedOperation.DecodeErr", NULL);
		return NULL;
	}
	return e;
}

void
act_image_translate_llm(struct act_ctx *c, struct act_result *res)
{
	const char *target = param_str(c, "Target");
	const struct image_entry *e;
	struct buf src = { 0 }, tgt = { 0 };
	json_t *details, *resp;
	char b64[4 * ((sizeof mock_jpeg + 2) / 3) + 1], *t;
	size_t i;

	if ((e = llm_rules(c, res)) == NULL || !act_gate(c, Q_NONE, 0, res))
		return;
	details = json_array();
	for (i = 0; i < e->e_nlines; i++) {
		t = xlate_text(e->e_source, target, e->e_lines[i].l_text, NULL);
		if (i > 0) {
			buf_addc(&src, '\n');
			buf_addc(&tgt, '\n');
		}
		buf_adds(&src, e->e_lines[i].l_text);
		buf_adds(&tgt, t);
		json_array_append_new(details, trans_detail(&e->e_lines[i], t));
	}
	crypto_base64(mock_jpeg, sizeof mock_jpeg, b64);
	resp = json_object();
	json_object_set_new(resp, "Data", json_string(b64));
	json_object_set_new(resp, "Source", json_string(e->e_source));
	json_object_set_new(resp, "Target", json_string(target));
	json_object_set_new(resp, "SourceText", json_string_take(
	    xstrdup(buf_str(&src))));
	json_object_set_new(resp, "TargetText", json_string_take(
	    xstrdup(buf_str(&tgt))));
	json_object_set_new(resp, "Angle", json_real(0.0));
	json_object_set_new(resp, "TransDetails", details);
	res->ar_resp = resp;
	buf_free(&src);
	buf_free(&tgt);
}
