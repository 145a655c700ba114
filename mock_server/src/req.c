/*
 * req.c: the request as a plain struct, and the form encoding both v1
 * signatures and TC3 GET queries use. No libevent type passes this file.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tmtmock.h"

/* Flattened list indexes past this are refused: "A.99999999=x" must not
 * make the mock allocate a huge array. */
#define FORM_MAX_INDEX 65535
/* And so many slots all lists of a request take together, plus one per
 * pair: one list may reach index 65535, but "A0.65535=x&A1.65535=x&..."
 * made a 64 Ki-slot array per pair (a GiB for a 32 KiB query, seconds of
 * work, and a journal entry to match). */
#define FORM_MAX_SLOTS (FORM_MAX_INDEX + 1)
/* Segments of one name at most: "a.a.a...." a million deep nested the
 * parameters so deep that writing them out (the journal) overflowed the
 * stack. TMT's deepest parameter has two. */
#define FORM_MAX_DEPTH 16

void
req_free(struct req *r)
{
	if (r->r_arena != NULL) {	/* every field lives in it */
		free(r->r_arena);
		memset(r, 0, sizeof *r);
		return;
	}
	free(r->r_method_name);
	free(r->r_uri);
	free(r->r_path);
	free(r->r_query);
	kv_free(r->r_hdrs, r->r_nhdrs);
	free(r->r_body);
	free(r->r_peer);
	memset(r, 0, sizeof *r);
}

/* The body's kind from the media type alone: Java sends
 * "application/json; charset=utf-8". */
enum req_body
req_body_kind(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return RB_NONE;
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, "; ");
	if (n == 16 && strncasecmp(ct, "application/json", n) == 0)
		return RB_JSON;
	if (n == 33 && strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0)
		return RB_FORM;
	return RB_OTHER;
}

const char *
req_header(const struct req *r, const char *name)
{
	size_t i;

	/* The first byte, case folded, before the whole name: most headers
	 * differ there. */
	for (i = 0; i < r->r_nhdrs; i++)
		if ((r->r_hdrs[i].k[0] | 0x20) == (name[0] | 0x20) &&
		    strcasecmp(r->r_hdrs[i].k, name) == 0)
			return r->r_hdrs[i].v;
	return NULL;
}

void
kv_free(struct kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].k);
		free(kv[i].v);
	}
	free(kv);
}

const char *
kv_get(const struct kv *kv, size_t n, const char *k)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].k, k) == 0)
			return kv[i].v;
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes s[0..len) with '+' as space. NULL on a bad escape or %00,
 * which no TMT parameter can carry. */
static char *
form_unescape(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%') {
			int hi, lo;

			if (len - i < 3)
				goto fail;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto fail;
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

int
form_decode(const char *s, size_t len, struct kv **out, size_t *n,
    const char **err)
{
	struct kv *kv = NULL;
	size_t nkv = 0, cap = 0, start = 0, i;

	*out = NULL;
	*n = 0;
	for (i = 0; i <= len; i++) {
		const char *seg, *eq;
		size_t seglen;

		if (i < len && s[i] != '&')
			continue;
		seg = s + start;
		seglen = i - start;
		start = i + 1;
		if (seglen == 0)
			continue;
		eq = memchr(seg, '=', seglen);
		if (eq == NULL) {
			*err = "Url key and value should be splited by `=`.";
			goto fail;
		}
		if (nkv == cap) {
			cap = cap ? cap * 2 : 16;
			kv = xrealloc(kv, cap * sizeof *kv);
		}
		kv[nkv].k = form_unescape(seg, (size_t)(eq - seg));
		kv[nkv].v = form_unescape(eq + 1, seglen - (size_t)(eq - seg) - 1);
		if (kv[nkv].k == NULL || kv[nkv].v == NULL || kv[nkv].k[0] == '\0') {
			free(kv[nkv].k);
			free(kv[nkv].v);
			*err = "The request contains a malformed percent-encoding or an empty parameter name.";
			goto fail;
		}
		nkv++;
	}
	*out = kv;
	*n = nkv;
	return 0;
fail:
	kv_free(kv, nkv);
	return -1;
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Puts value at the path segs[0..nseg) below node. -1 on a conflict such as
 * "A=1&A.0=2" or an index past FORM_MAX_INDEX. */
static int
unflatten_put(json_t *node, char **segs, size_t nseg, const char *value,
    size_t *slots)
{
	json_t *child;
	bool want_array;
	size_t idx = 0;

	if (json_is_array(node)) {
		if (!all_digits(segs[0]) || strlen(segs[0]) > 5)
			return -1;
		idx = (size_t)strtoul(segs[0], NULL, 10);
		if (idx > FORM_MAX_INDEX)
			return -1;
		while (json_array_size(node) <= idx) {
			if (*slots == 0)
				return -1;
			(*slots)--;
			json_array_append_new(node, json_null());
		}
		child = json_array_get(node, idx);
	} else
		child = json_object_get(node, segs[0]);

	if (nseg == 1) {
		if (child != NULL && !json_is_null(child))
			return -1;
		if (json_is_array(node))
			return json_array_set_new(node, idx, json_string(value));
		return json_object_set_new(node, segs[0], json_string(value));
	}
	want_array = all_digits(segs[1]);
	if (child == NULL || json_is_null(child)) {
		child = want_array ? json_array() : json_object();
		/* Both steal child and free it when they fail (a name that is not
		 * UTF-8): it must not be used then. */
		if ((json_is_array(node) ? json_array_set_new(node, idx, child) :
		    json_object_set_new(node, segs[0], child)) != 0)
			return -1;
	} else if (json_is_array(child) != want_array || json_is_string(child))
		return -1;
	return unflatten_put(child, segs + 1, nseg - 1, value, slots);
}

json_t *
form_unflatten(const struct kv *kv, size_t n, const char *const *skip)
{
	json_t *root = json_object();
	size_t i, j, slots = n + FORM_MAX_SLOTS;

	for (i = 0; i < n; i++) {
		char *copy, *p, **segs;
		size_t nseg = 1;
		int rc;
		bool skipped = false;

		for (j = 0; skip != NULL && skip[j] != NULL; j++)
			if (strcmp(kv[i].k, skip[j]) == 0)
				skipped = true;
		if (skipped)
			continue;
		copy = xstrdup(kv[i].k);
		for (p = copy; *p != '\0'; p++)
			if (*p == '.')
				nseg++;
		segs = xcalloc(nseg, sizeof *segs);
		/* Split by hand: strtok would hide the empty segment of "A..B". */
		segs[0] = copy;
		nseg = 1;
		for (p = copy; *p != '\0'; p++)
			if (*p == '.') {
				*p = '\0';
				segs[nseg++] = p + 1;
			}
		for (j = 0; j < nseg; j++)
			if (*segs[j] == '\0')
				nseg = 0;
		if (nseg > FORM_MAX_DEPTH)
			nseg = 0;
		rc = nseg == 0 ? -1 : unflatten_put(root, segs, nseg, kv[i].v, &slots);
		free(segs);
		free(copy);
		if (rc != 0) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}
