/*
 * test_sig_v1.c: the v1 signature (HmacSHA1 / HmacSHA256) against the
 * vectors of docs/behaviour.md, Test vectors (vectors/v1.json), and the same
 * vectors with one input changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"
#include "tests.h"

#define V1_PATH "vectors/v1.json"

static const char *const required_ids[] = {
	"10.4", "10.5-sha256", "10.5-sha1", "10.6.4", "10.6.5", NULL
};

struct v1_vec {
	const char	*id;
	const char	*secret_key;
	const char	*method;	/* NULL when only source is given */
	const char	*host;
	struct kv	*params;
	size_t		 nparams;
	const char	*source;
	json_t		*sigs;
};

static bool
md_parse(const char *name, enum md_kind *kind)
{
	if (name != NULL && strcmp(name, "HmacSHA1") == 0)
		*kind = MD_SHA1;
	else if (name != NULL && strcmp(name, "HmacSHA256") == 0)
		*kind = MD_SHA256;
	else
		return false;
	return true;
}

static bool
vec_parse(json_t *j, size_t idx, struct v1_vec *v)
{
	json_t *params, *p, *s;
	enum md_kind kind;
	size_t i;

	memset(v, 0, sizeof *v);
	v->id = tests_jstr(j, "id");
	v->secret_key = tests_jstr(j, "secret_key");
	v->source = tests_jstr(j, "source");
	v->sigs = json_object_get(j, "signatures");
	if (v->id == NULL || v->secret_key == NULL || v->source == NULL ||
	    !json_is_array(v->sigs) || json_array_size(v->sigs) == 0) {
		TCHECK(false, "v1 vector #%zu (%s): id, secret_key, source, "
		    "signatures needed", idx, v->id != NULL ? v->id : "?");
		return false;
	}
	json_array_foreach(v->sigs, i, s) {
		if (!md_parse(tests_jstr(s, "method"), &kind) ||
		    tests_jstr(s, "value") == NULL) {
			TCHECK(false, "%s: signature %zu needs method HmacSHA1 "
			    "or HmacSHA256 and a value", v->id, i);
			return false;
		}
	}
	params = json_object_get(j, "params");
	if (params == NULL)
		return true;
	v->method = tests_jstr(j, "method");
	v->host = tests_jstr(j, "host");
	if (v->method == NULL || v->host == NULL || !json_is_array(params)) {
		TCHECK(false, "%s: params need method and host", v->id);
		return false;
	}
	v->params = xcalloc(json_array_size(params), sizeof *v->params);
	json_array_foreach(params, i, p) {
		const char *k = json_string_value(json_array_get(p, 0));
		const char *val = json_string_value(json_array_get(p, 1));

		if (json_array_size(p) != 2 || k == NULL || val == NULL) {
			TCHECK(false, "%s: param %zu is not [name, value]",
			    v->id, i);
			free(v->params);
			v->params = NULL;
			return false;
		}
		v->params[i].k = xstrdup(k);
		v->params[i].v = xstrdup(val);
	}
	v->nparams = json_array_size(params);
	return true;
}

static void
vecs_free(struct v1_vec *vs, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < vs[i].nparams; k++) {
			free(vs[i].params[k].k);
			free(vs[i].params[k].v);
		}
		free(vs[i].params);
	}
	free(vs);
}

static struct v1_vec *
load(json_t **root, size_t *n)
{
	struct v1_vec *vs;
	json_t *arr, *j;
	size_t i;

	*n = 0;
	*root = tests_load_json(V1_PATH);
	if ((arr = tests_vectors(*root, V1_PATH)) == NULL)
		return NULL;
	vs = xcalloc(json_array_size(arr), sizeof *vs);
	json_array_foreach(arr, i, j)
		if (vec_parse(j, i, &vs[*n]))
			(*n)++;
	return vs;
}

/* The Signature the vector publishes with algorithm kind, or NULL. */
static const char *
sig_of(const struct v1_vec *v, enum md_kind *kind, size_t i)
{
	json_t *s = json_array_get(v->sigs, i);

	if (s == NULL || !md_parse(tests_jstr(s, "method"), kind))
		return NULL;
	return tests_jstr(s, "value");
}

static void
test_file_complete(void)
{
	struct v1_vec *vs;
	json_t *root;
	size_t n, i, k, with_params = 0;

	vs = load(&root, &n);
	TCHECK(root != NULL && n == json_array_size(json_object_get(root,
	    "vectors")), "every vector of %s parses", V1_PATH);
	for (k = 0; required_ids[k] != NULL; k++) {
		bool found = false;

		for (i = 0; i < n; i++)
			if (strcmp(vs[i].id, required_ids[k]) == 0)
				found = true;
		TCHECK(found, "%s: vector %s missing", V1_PATH, required_ids[k]);
	}
	for (i = 0; i < n; i++)
		if (vs[i].params != NULL)
			with_params++;
	TCHECK(with_params >= 3, "only %zu vectors rebuild their source",
	    with_params);
	vecs_free(vs, n);
	json_decref(root);
}

/* sig_v1_source rebuilds the source string from the parameters, whatever
 * their order, leaving Signature out. */
static void
test_source(void)
{
	struct v1_vec *vs;
	struct kv *perm;
	json_t *root;
	size_t n, i, k, r;
	char *src;

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		if (vs[i].params == NULL)
			continue;
		src = sig_v1_source(vs[i].method, vs[i].host, vs[i].params,
		    vs[i].nparams);
		TSTREQ(src, vs[i].source, "%s: source string", vs[i].id);
		free(src);
		perm = xcalloc(vs[i].nparams, sizeof *perm);
		/* Reversed, then rotated by a third. */
		for (k = 0; k < vs[i].nparams; k++)
			perm[k] = vs[i].params[vs[i].nparams - 1 - k];
		src = sig_v1_source(vs[i].method, vs[i].host, perm,
		    vs[i].nparams);
		TSTREQ(src, vs[i].source, "%s: source from reversed params",
		    vs[i].id);
		free(src);
		r = vs[i].nparams / 3 + 1;
		for (k = 0; k < vs[i].nparams; k++)
			perm[k] = vs[i].params[(k + r) % vs[i].nparams];
		src = sig_v1_source(vs[i].method, vs[i].host, perm,
		    vs[i].nparams);
		TSTREQ(src, vs[i].source, "%s: source from rotated params",
		    vs[i].id);
		free(src);
		free(perm);
	}
	vecs_free(vs, n);
	json_decref(root);
}

static void
test_signature(void)
{
	struct v1_vec *vs;
	enum md_kind kind;
	const char *want;
	json_t *root;
	size_t n, i, k;
	char out[45];

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		for (k = 0; (want = sig_of(&vs[i], &kind, k)) != NULL; k++) {
			memset(out, 'Z', sizeof out);
			sig_v1_sign(kind, vs[i].secret_key, vs[i].source, out);
			TSTREQ(out, want, "%s: %s", vs[i].id,
			    kind == MD_SHA1 ? "HmacSHA1" : "HmacSHA256");
			TCHECK(strlen(out) == (kind == MD_SHA1 ? 28u : 44u),
			    "%s: signature length %zu", vs[i].id, strlen(out));
		}
	}
	vecs_free(vs, n);
	json_decref(root);
}

/* The signatures of the vector's source computed from (method, host,
 * params, key) must all differ from the published ones. */
static void
expect_changed(const struct v1_vec *v, const char *method, const char *host,
    const struct kv *params, const char *source, const char *key,
    const char *what)
{
	enum md_kind kind;
	const char *want;
	char *src = NULL, out[45];
	size_t k;

	if (source == NULL) {
		src = sig_v1_source(method, host, params, v->nparams);
		TSTRNE(src, v->source, "%s: source with %s changed", v->id, what);
		source = src;
	}
	for (k = 0; (want = sig_of(v, &kind, k)) != NULL; k++) {
		sig_v1_sign(kind, key, source, out);
		TSTRNE(out, want, "%s: %s changed", v->id, what);
	}
	free(src);
}

static void
test_negative(void)
{
	struct v1_vec *vs, *v;
	struct kv *ps;
	enum md_kind kind;
	const char *want;
	json_t *root;
	size_t n, i, k, np, pos[3], p;
	char *m, *src, out[45], what[96];

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		v = &vs[i];
		/* Baseline: the unchanged vector gives every published value. */
		for (k = 0; (want = sig_of(v, &kind, k)) != NULL; k++) {
			sig_v1_sign(kind, v->secret_key, v->source, out);
			TSTREQ(out, want, "%s: baseline", v->id);
		}
		m = tests_mutate(v->secret_key, strlen(v->secret_key),
		    strlen(v->secret_key) / 2);
		expect_changed(v, NULL, NULL, NULL, v->source, m, "secret key");
		free(m);
		if (v->params == NULL) {
			/* Source given directly: change its bytes. */
			np = tests_positions(strlen(v->source), pos);
			for (k = 0; k < np; k++) {
				m = tests_mutate(v->source, strlen(v->source),
				    pos[k]);
				snprintf(what, sizeof what, "source byte %zu",
				    pos[k]);
				expect_changed(v, NULL, NULL, NULL, m,
				    v->secret_key, what);
				free(m);
			}
			continue;
		}
		ps = v->params;
		for (p = 0; p < v->nparams; p++) {
			char *ov = ps[p].v;

			ps[p].v = tests_mutate(ov, strlen(ov), strlen(ov) / 2);
			if (strcmp(ps[p].k, "Signature") == 0) {
				/* Left out of the source: no change. */
				src = sig_v1_source(v->method, v->host, ps,
				    v->nparams);
				TSTREQ(src, v->source, "%s: Signature value "
				    "must not enter the source", v->id);
				free(src);
			} else {
				snprintf(what, sizeof what, "param %s", ps[p].k);
				expect_changed(v, v->method, v->host, ps, NULL,
				    v->secret_key, what);
			}
			free(ps[p].v);
			ps[p].v = ov;
		}
		np = tests_positions(strlen(v->host), pos);
		for (k = 0; k < np; k++) {
			m = tests_mutate(v->host, strlen(v->host), pos[k]);
			snprintf(what, sizeof what, "host byte %zu", pos[k]);
			expect_changed(v, v->method, m, ps, NULL, v->secret_key,
			    what);
			free(m);
		}
		expect_changed(v, strcmp(v->method, "GET") == 0 ? "POST" : "GET",
		    v->host, ps, NULL, v->secret_key, "method");
	}
	vecs_free(vs, n);
	json_decref(root);
}

int
test_sig_v1_register(void)
{
	static const struct test_def tests[] = {
		{ "vector file has every section 10 v1 vector", test_file_complete },
		{ "source string from the parameters", test_source },
		{ "signature", test_signature },
		{ "one byte changed gives another signature", test_negative },
		{ NULL, NULL },
	};

	return tests_add_suite("sig_v1", tests);
}
