/*
 * test_sig_tc3.c: TC3-HMAC-SHA256 against the vectors of docs/behaviour.md,
 * Test vectors (vectors/tc3.json), and the same vectors with one input changed,
 * which must no longer give the published signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tmtmock.h"
#include "tests.h"

#define TC3_PATH "vectors/tc3.json"
#define MAX_HDRS 8
#define EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Every published TC3 vector of section 10 must be in the file. */
static const char *const required_ids[] = {
	"10.1", "10.2", "10.3", "10.6.1", "10.6.2", "10.6.3", NULL
};

struct tc3_vec {
	const char	*id;
	const char	*method;
	const char	*query;
	const char	*signed_headers;
	const char	*timestamp;
	const char	*date;
	const char	*service;
	const char	*secret_key;	/* NULL: signing holds SecretSigning */
	unsigned char	 signing[32];
	struct tc3_header hdrs[MAX_HDRS];
	size_t		 nhdrs;
	const char	*body;
	size_t		 body_len;
	json_t		*j;
	json_t		*expect;
};

struct tc3_out {
	char	 payload_hash[65];
	char	*canonical;
	char	 canonical_hash[65];
	char	*string_to_sign;
	char	 signature[65];
};

static const char *
need_str(json_t *obj, const char *key, const char *id, bool *ok)
{
	const char *s = tests_jstr(obj, key);

	if (s == NULL) {
		TCHECK(false, "%s: %s missing or not a string", id, key);
		*ok = false;
	}
	return s;
}

/* Fills v from one vector object; false (with failures recorded) if malformed. */
static bool
vec_parse(json_t *j, size_t idx, struct tc3_vec *v)
{
	json_t *hdrs, *h, *body;
	const char *signing;
	char idbuf[32];
	bool ok = true;
	size_t i;

	memset(v, 0, sizeof *v);
	v->j = j;
	v->id = tests_jstr(j, "id");
	if (v->id == NULL) {
		snprintf(idbuf, sizeof idbuf, "vector #%zu", idx);
		TCHECK(false, "%s: no id", idbuf);
		return false;
	}
	v->method = need_str(j, "method", v->id, &ok);
	v->query = need_str(j, "query", v->id, &ok);
	v->signed_headers = need_str(j, "signed_headers", v->id, &ok);
	v->timestamp = need_str(j, "timestamp", v->id, &ok);
	v->date = need_str(j, "date", v->id, &ok);
	v->service = need_str(j, "service", v->id, &ok);
	v->expect = json_object_get(j, "expect");
	if (need_str(v->expect, "signature", v->id, &ok) == NULL)
		return false;
	body = json_object_get(j, "body");
	if (!json_is_string(body)) {
		TCHECK(false, "%s: body missing", v->id);
		return false;
	}
	v->body = json_string_value(body);
	v->body_len = json_string_length(body);
	v->secret_key = tests_jstr(j, "secret_key");
	signing = tests_jstr(j, "secret_signing");
	if ((v->secret_key == NULL) == (signing == NULL)) {
		TCHECK(false, "%s: give exactly one of secret_key and "
		    "secret_signing", v->id);
		return false;
	}
	if (signing != NULL && !tests_hex_decode(signing, v->signing, 32)) {
		TCHECK(false, "%s: secret_signing is not 32 bytes of hex", v->id);
		return false;
	}
	hdrs = json_object_get(j, "headers");
	if (!json_is_array(hdrs) || json_array_size(hdrs) == 0 ||
	    json_array_size(hdrs) > MAX_HDRS) {
		TCHECK(false, "%s: headers must be 1 to %d pairs", v->id, MAX_HDRS);
		return false;
	}
	json_array_foreach(hdrs, i, h) {
		v->hdrs[i].name = json_string_value(json_array_get(h, 0));
		v->hdrs[i].value = json_string_value(json_array_get(h, 1));
		if (json_array_size(h) != 2 || v->hdrs[i].name == NULL ||
		    v->hdrs[i].value == NULL) {
			TCHECK(false, "%s: header %zu is not [name, value]",
			    v->id, i);
			return false;
		}
	}
	v->nhdrs = json_array_size(hdrs);
	return ok;
}

static void
vec_compute(const struct tc3_vec *v, struct tc3_out *o)
{
	crypto_sha256_hex(v->body, v->body_len, o->payload_hash);
	o->canonical = sig_tc3_canonical_request(v->method, v->query, v->hdrs,
	    v->nhdrs, v->signed_headers, o->payload_hash);
	crypto_sha256_hex(o->canonical, strlen(o->canonical), o->canonical_hash);
	o->string_to_sign = sig_tc3_string_to_sign(v->timestamp, v->date,
	    v->service, o->canonical);
	if (v->secret_key != NULL)
		sig_tc3_sign(v->secret_key, v->date, v->service,
		    o->string_to_sign, o->signature);
	else
		sig_tc3_sign_with_key(v->signing, o->string_to_sign,
		    o->signature);
}

static void
out_free(struct tc3_out *o)
{
	free(o->canonical);
	free(o->string_to_sign);
}

/* Loads the file; *n vectors parsed into a new array (caller frees). */
static struct tc3_vec *
load(json_t **root, size_t *n)
{
	struct tc3_vec *vs;
	json_t *arr, *j;
	size_t i;

	*n = 0;
	*root = tests_load_json(TC3_PATH);
	if ((arr = tests_vectors(*root, TC3_PATH)) == NULL)
		return NULL;
	vs = xcalloc(json_array_size(arr), sizeof *vs);
	json_array_foreach(arr, i, j)
		if (vec_parse(j, i, &vs[*n]))
			(*n)++;
	return vs;
}

static void
test_file_complete(void)
{
	struct tc3_vec *vs;
	json_t *root;
	size_t n, i, k;

	vs = load(&root, &n);
	TCHECK(root != NULL && n == json_array_size(json_object_get(root,
	    "vectors")), "every vector of %s parses", TC3_PATH);
	for (k = 0; required_ids[k] != NULL; k++) {
		bool found = false;

		for (i = 0; i < n; i++)
			if (strcmp(vs[i].id, required_ids[k]) == 0)
				found = true;
		TCHECK(found, "%s: vector %s missing", TC3_PATH, required_ids[k]);
	}
	free(vs);
	json_decref(root);
}

static void
test_body_bytes(void)
{
	struct tc3_vec *vs;
	json_t *root, *jl;
	size_t n, i;

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		jl = json_object_get(vs[i].j, "body_len");
		TCHECK(json_is_integer(jl) &&
		    (json_int_t)vs[i].body_len == json_integer_value(jl),
		    "%s: body is %zu bytes, body_len says %lld", vs[i].id,
		    vs[i].body_len, (long long)json_integer_value(jl));
		TCHECK(utf8_valid(vs[i].body, vs[i].body_len),
		    "%s: body is valid UTF-8", vs[i].id);
	}
	free(vs);
	json_decref(root);
}

static void
test_payload_hash(void)
{
	struct tc3_vec *vs;
	struct tc3_out o;
	const char *want;
	json_t *root;
	size_t n, i;

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		vec_compute(&vs[i], &o);
		if ((want = tests_jstr(vs[i].expect, "payload_hash")) != NULL)
			TSTREQ(o.payload_hash, want, "%s: payload hash", vs[i].id);
		if (strcmp(vs[i].method, "GET") == 0)
			TSTREQ(o.payload_hash, EMPTY_SHA256,
			    "%s: GET payload hash", vs[i].id);
		out_free(&o);
	}
	free(vs);
	json_decref(root);
}

static void
test_canonical_request(void)
{
	struct tc3_vec *vs;
	struct tc3_out o;
	const char *want;
	json_t *root;
	size_t n, i;

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		vec_compute(&vs[i], &o);
		if ((want = tests_jstr(vs[i].expect, "canonical_request")) != NULL)
			TSTREQ(o.canonical, want, "%s: canonical request",
			    vs[i].id);
		TSTREQ(o.canonical_hash,
		    tests_jstr(vs[i].expect, "canonical_request_hash"),
		    "%s: canonical request hash", vs[i].id);
		out_free(&o);
	}
	free(vs);
	json_decref(root);
}

static void
test_string_to_sign(void)
{
	struct tc3_vec *vs;
	struct tc3_out o;
	const char *want;
	json_t *root;
	size_t n, i;
	char *built;

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		vec_compute(&vs[i], &o);
		if ((want = tests_jstr(vs[i].expect, "string_to_sign")) != NULL)
			TSTREQ(o.string_to_sign, want, "%s: string to sign",
			    vs[i].id);
		/* The layout of section 2.2, over the published hash. */
		built = xasprintf("TC3-HMAC-SHA256\n%s\n%s/%s/tc3_request\n%s",
		    vs[i].timestamp, vs[i].date, vs[i].service,
		    tests_jstr(vs[i].expect, "canonical_request_hash"));
		TSTREQ(o.string_to_sign, built, "%s: string to sign layout",
		    vs[i].id);
		free(built);
		out_free(&o);
	}
	free(vs);
	json_decref(root);
}

static void
test_signature(void)
{
	struct tc3_vec *vs;
	struct tc3_out o;
	const char *want, *sid;
	json_t *root;
	size_t n, i;
	char *auth;

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		vec_compute(&vs[i], &o);
		TSTREQ(o.signature, tests_jstr(vs[i].expect, "signature"),
		    "%s: signature", vs[i].id);
		want = tests_jstr(vs[i].expect, "authorization");
		sid = tests_jstr(vs[i].j, "secret_id");
		if (want != NULL) {
			auth = xasprintf("TC3-HMAC-SHA256 Credential=%s/%s/%s/"
			    "tc3_request, SignedHeaders=%s, Signature=%s",
			    sid != NULL ? sid : "", vs[i].date, vs[i].service,
			    vs[i].signed_headers, o.signature);
			TSTREQ(auth, want, "%s: Authorization", vs[i].id);
			free(auth);
		}
		out_free(&o);
	}
	free(vs);
	json_decref(root);
}

/* The scope date of every vector is the UTC date of its timestamp. */
static void
test_scope_date(void)
{
	struct tc3_vec *vs;
	json_t *root;
	size_t n, i;
	long long ts;
	char d[11];

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		TCHECK(str_is_decimal(vs[i].timestamp, &ts),
		    "%s: timestamp is decimal", vs[i].id);
		sig_tc3_date(ts, d);
		TSTREQ(d, vs[i].date, "%s: UTC date of %s", vs[i].id,
		    vs[i].timestamp);
	}
	free(vs);
	json_decref(root);
}

static void
test_date(void)
{
	static const struct {
		long long ts;
		const char *date;
	} v[] = {
		{ 0, "1970-01-01" },
		{ -1, "1969-12-31" },
		{ 951782400, "2000-02-29" },
		{ 1551113065, "2019-02-25" },
		{ 1795737599, "2026-11-26" },	/* last second before midnight UTC */
		{ 1795737600, "2026-11-27" },
		{ 4102444800LL, "2100-01-01" },
	};
	static const char *const zones[] = { "UTC0", "XST-14", "YST12" };
	char *saved_tz = getenv("TZ") != NULL ? xstrdup(getenv("TZ")) : NULL;
	size_t i, z;
	char d[11];

	/* The date is UTC whatever the local zone (UTC+14 and UTC-12 here). */
	for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		setenv("TZ", zones[z], 1);
		tzset();
		for (i = 0; i < sizeof v / sizeof v[0]; i++) {
			memset(d, 'Z', sizeof d);
			sig_tc3_date(v[i].ts, d);
			TSTREQ(d, v[i].date, "sig_tc3_date(%lld) with TZ=%s",
			    v[i].ts, zones[z]);
		}
	}
	if (saved_tz != NULL)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved_tz);
	/* Out of range: still a terminated string of the fixed width. */
	memset(d, 'Z', sizeof d);
	sig_tc3_date(253402300800LL, d);	/* year 10000 */
	TCHECK(memchr(d, '\0', sizeof d) != NULL && strlen(d) == 10,
	    "sig_tc3_date(year 10000) is a 10-character string");
}

/*
 * 10.3: the key is masked, so SecretDate = HMAC("TC3" + key, date) cannot be
 * checked; the two later derivation steps and the signature can.
 */
static void
test_key_chain(void)
{
	unsigned char kd[32], ks[32], kg[32], mac[32];
	struct tc3_vec *vs;
	json_t *root;
	size_t n, i, checked = 0;
	char hex[65];

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		if (tests_jstr(vs[i].j, "secret_date") == NULL)
			continue;
		checked++;
		TCHECK(tests_hex_decode(tests_jstr(vs[i].j, "secret_date"), kd, 32) &&
		    tests_hex_decode(tests_jstr(vs[i].j, "secret_service"), ks, 32) &&
		    tests_hex_decode(tests_jstr(vs[i].j, "secret_signing"), kg, 32),
		    "%s: secret_date/service/signing are 32 bytes of hex",
		    vs[i].id);
		crypto_hmac(MD_SHA256, kd, 32, vs[i].service,
		    strlen(vs[i].service), mac);
		crypto_hex(mac, 32, hex);
		TSTREQ(hex, tests_jstr(vs[i].j, "secret_service"),
		    "%s: HMAC(SecretDate, service) = SecretService", vs[i].id);
		crypto_hmac(MD_SHA256, ks, 32, "tc3_request", 11, mac);
		crypto_hex(mac, 32, hex);
		TSTREQ(hex, tests_jstr(vs[i].j, "secret_signing"),
		    "%s: HMAC(SecretService, tc3_request) = SecretSigning",
		    vs[i].id);
	}
	TCHECK(checked > 0, "no vector publishes its derived keys");
	free(vs);
	json_decref(root);
}

/* sig_tc3_sign is sig_tc3_derive_key followed by sig_tc3_sign_with_key. */
static void
test_derive_then_sign(void)
{
	unsigned char key[32];
	struct tc3_vec *vs;
	struct tc3_out o;
	json_t *root;
	size_t n, i;
	char sig[65];

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		if (vs[i].secret_key == NULL)
			continue;
		vec_compute(&vs[i], &o);
		sig_tc3_derive_key(vs[i].secret_key, vs[i].date, vs[i].service,
		    key);
		sig_tc3_sign_with_key(key, o.string_to_sign, sig);
		TSTREQ(sig, tests_jstr(vs[i].expect, "signature"),
		    "%s: derive_key + sign_with_key", vs[i].id);
		out_free(&o);
	}
	free(vs);
	json_decref(root);
}

/* The signature of v, which must differ from the published one. */
static void
expect_changed(const struct tc3_vec *v, const char *what, size_t pos)
{
	struct tc3_out o;

	vec_compute(v, &o);
	TSTRNE(o.signature, tests_jstr(v->expect, "signature"),
	    "%s: %s changed at byte %zu", v->id, what, pos);
	out_free(&o);
}

/* Changes one byte of *field (at first, middle, last) and checks each. */
static void
mutate_field(struct tc3_vec *v, const char **field, const char *what)
{
	const char *orig = *field;
	size_t pos[3], np, k, len = strlen(orig);
	char *m;

	np = tests_positions(len, pos);
	for (k = 0; k < np; k++) {
		m = tests_mutate(orig, len, pos[k]);
		*field = m;
		expect_changed(v, what, pos[k]);
		free(m);
	}
	*field = orig;
}

static void
test_negative(void)
{
	struct tc3_vec *vs, *v;
	struct tc3_out o;
	json_t *root;
	size_t n, i, h, k, np, pos[3], len;
	const char *host_sent;
	char *m, what[64];

	vs = load(&root, &n);
	for (i = 0; i < n; i++) {
		v = &vs[i];
		/* The unchanged vector verifies: the changes below are real. */
		vec_compute(v, &o);
		TSTREQ(o.signature, tests_jstr(v->expect, "signature"),
		    "%s: baseline", v->id);
		out_free(&o);

		/* The body (a byte added when empty, as on a GET). */
		len = v->body_len;
		np = tests_positions(len, pos);
		for (k = 0; k < np; k++) {
			const char *ob = v->body;

			m = tests_mutate(ob, len, pos[k]);
			v->body = m;
			v->body_len = strlen(m);
			expect_changed(v, "body", pos[k]);
			v->body = ob;
			v->body_len = len;
			free(m);
		}
		for (h = 0; h < v->nhdrs; h++) {
			snprintf(what, sizeof what, "header %s value",
			    v->hdrs[h].name);
			mutate_field(v, &v->hdrs[h].value, what);
			snprintf(what, sizeof what, "header name %s",
			    v->hdrs[h].name);
			mutate_field(v, &v->hdrs[h].name, what);
		}
		mutate_field(v, &v->query, "query");
		mutate_field(v, &v->timestamp, "timestamp");
		mutate_field(v, &v->date, "scope date");
		mutate_field(v, &v->service, "service");
		mutate_field(v, &v->signed_headers, "signed headers");
		{
			const char *om = v->method;

			v->method = strcmp(om, "GET") == 0 ? "POST" : "GET";
			expect_changed(v, "method", 0);
			v->method = om;
		}
		if (v->secret_key != NULL)
			mutate_field(v, &v->secret_key, "secret key");
		else {
			v->signing[31] ^= 0x01;
			expect_changed(v, "SecretSigning", 31);
			v->signing[31] ^= 0x01;
		}
		/* Node signs the host without its port: the Host as sent fails. */
		if ((host_sent = tests_jstr(v->j, "host_as_sent")) != NULL) {
			for (h = 0; h < v->nhdrs; h++)
				if (strcmp(v->hdrs[h].name, "host") == 0) {
					const char *oh = v->hdrs[h].value;

					v->hdrs[h].value = host_sent;
					expect_changed(v, "host (as sent)", 0);
					v->hdrs[h].value = oh;
				}
		}
	}
	free(vs);
	json_decref(root);
}

int
test_sig_tc3_register(void)
{
	static const struct test_def tests[] = {
		{ "vector file has every section 10 TC3 vector", test_file_complete },
		{ "body bytes and lengths", test_body_bytes },
		{ "payload hash", test_payload_hash },
		{ "canonical request", test_canonical_request },
		{ "string to sign", test_string_to_sign },
		{ "signature", test_signature },
		{ "scope date is the UTC date of the timestamp", test_scope_date },
		{ "sig_tc3_date", test_date },
		{ "10.3 published key chain", test_key_chain },
		{ "derive_key then sign_with_key", test_derive_then_sign },
		{ "one byte changed gives another signature", test_negative },
		{ NULL, NULL },
	};

	return tests_add_suite("sig_tc3", tests);
}
