/*
 * verify.c: from a request to the inputs of the pure signature functions,
 * with the leniency of docs/behaviour.md (Signatures) for SDKs pointed at a
 * local address (Node signs the host without its port and the first label
 * of the endpoint as the scope service). The first attempt is always the
 * strict, documented one; its canonical request and string to sign are what
 * the journal shows when every attempt failed.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tmtmock.h"

#define TC3_MAX_SIGNED_HEADERS 32

const char *
sign_method_name(enum sign_method m)
{
	switch (m) {
	case SM_TC3:
		return "TC3-HMAC-SHA256";
	case SM_HMACSHA1:
		return "HmacSHA1";
	case SM_HMACSHA256:
		return "HmacSHA256";
	default:
		return NULL;
	}
}

void
tc3_auth_free(struct tc3_auth *a)
{
	if (a->ta_buf != NULL)		/* the fields point into it */
		free(a->ta_buf);
	else {
		free(a->ta_secret_id);
		free(a->ta_date);
		free(a->ta_service);
		free(a->ta_signed_headers);
		free(a->ta_signature);
	}
	memset(a, 0, sizeof *a);
}

void
verify_result_free(struct verify_result *vr)
{
	free(vr->vr_canonical_request);
	free(vr->vr_string_to_sign);
	free(vr->vr_why);
	memset(vr, 0, sizeof *vr);
}

static bool
is_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	if (strlen(s) != sizeof shape - 1)
		return false;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != '-')
			return false;
	return true;
}

/* Lower-case names of [a-z0-9-], separated by ';', with content-type and host. */
static const char *
signed_headers_problem(const char *sh)
{
	const char *p = sh;
	bool ct = false, host = false;

	if (*sh == '\0')
		return "SignedHeaders is empty";
	while (*p != '\0') {
		const char *start = p;
		size_t n;

		while (*p != '\0' && *p != ';') {
			if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
				return "SignedHeaders must list lower-case header names separated by `;`";
			p++;
		}
		n = (size_t)(p - start);
		if (n == 0)
			return "SignedHeaders has an empty header name";
		if (n == 12 && strncmp(start, "content-type", 12) == 0)
			ct = true;
		if (n == 4 && strncmp(start, "host", 4) == 0)
			host = true;
		if (*p == ';' && *++p == '\0')
			return "SignedHeaders has an empty header name";
	}
	if (!ct || !host)
		return "SignedHeaders must include content-type and host";
	return NULL;
}

/*
 * The fields are cut out of one copy of the header (ta_buf), in place:
 * one allocation per request.
 */
int
tc3_auth_parse(const char *hdr, struct tc3_auth *out, const char **why)
{
	static const char alg[] = "TC3-HMAC-SHA256 ";
	char *copy, *item, *save = NULL, *cred = NULL;
	char *parts[4];
	size_t i;

	memset(out, 0, sizeof *out);
	if (strncmp(hdr, alg, sizeof alg - 1) != 0) {
		*why = "the algorithm must be TC3-HMAC-SHA256";
		goto fail;
	}
	copy = out->ta_buf = xstrdup(hdr + sizeof alg - 1);
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		char *eq, *val, **dst;
		size_t len;

		while (*item == ' ')
			item++;
		len = strlen(item);
		while (len > 0 && item[len - 1] == ' ')
			item[--len] = '\0';
		if ((eq = strchr(item, '=')) == NULL) {
			*why = "each part must be Name=Value";
			goto fail;
		}
		*eq = '\0';
		val = eq + 1;
		if (strcmp(item, "Credential") == 0)
			dst = &cred;
		else if (strcmp(item, "SignedHeaders") == 0)
			dst = &out->ta_signed_headers;
		else if (strcmp(item, "Signature") == 0)
			dst = &out->ta_signature;
		else {
			*why = "only Credential, SignedHeaders and Signature may appear";
			goto fail;
		}
		if (*dst != NULL) {
			*why = "a part appears twice";
			goto fail;
		}
		*dst = val;
	}
	if (cred == NULL || out->ta_signed_headers == NULL || out->ta_signature == NULL) {
		*why = "Credential, SignedHeaders and Signature are all required";
		goto fail;
	}
	/* Credential = SecretId/Date/service/tc3_request */
	parts[0] = cred;
	for (i = 1; i < 4; i++) {
		char *slash = strchr(parts[i - 1], '/');

		if (slash == NULL)
			break;
		*slash = '\0';
		parts[i] = slash + 1;
	}
	if (i < 4 || strchr(parts[3], '/') != NULL || strcmp(parts[3], "tc3_request") != 0 ||
	    *parts[0] == '\0' || *parts[2] == '\0' || !is_date(parts[1])) {
		*why = "Credential must be SecretId/YYYY-MM-DD/service/tc3_request";
		goto fail;
	}
	if ((*why = signed_headers_problem(out->ta_signed_headers)) != NULL)
		goto fail;
	if (strlen(out->ta_signature) != 64)
		goto badsig;
	for (i = 0; i < 64; i++)
		if (!isdigit((unsigned char)out->ta_signature[i]) &&
		    !(out->ta_signature[i] >= 'a' && out->ta_signature[i] <= 'f'))
			goto badsig;
	out->ta_secret_id = parts[0];
	out->ta_date = parts[1];
	out->ta_service = parts[2];
	return 0;
badsig:
	*why = "Signature must be 64 lower-case hexadecimal digits";
fail:
	tc3_auth_free(out);
	return -1;
}

/* The Host header without ":port"; caller frees. NULL when it has none. */
static char *
host_without_port(const char *host)
{
	const char *colon = strrchr(host, ':');

	if (colon == NULL || strchr(host, ']') > colon)
		return NULL;
	return xstrndup(host, (size_t)(colon - host));
}

/*
 * Whether Host is a Tencent Cloud API endpoint (<product>[.region].
 * tencentcloudapi.com, any port): the service its first label names is that
 * product's, and a request signed for it is refused even when lenient. The
 * leniency is for endpoints that name no product (an IP address,
 * localhost, a container's name).
 */
static bool
names_other_product(const char *host)
{
	static const char suffix[] = ".tencentcloudapi.com";
	size_t n = strcspn(host, ":"), k = sizeof suffix - 1;

	if (host[0] == '[')	/* an IPv6 literal */
		return false;
	if (n > 0 && host[n - 1] == '.')	/* a fully qualified name */
		n--;
	return n > k && strncasecmp(host + n - k, suffix, k) == 0;
}

static bool
tc3_service_accepted(const char *service, const char *host, bool strict)
{
	const char *dot;
	size_t n;

	if (strcmp(service, "tmt") == 0)
		return true;
	if (strict || host == NULL || names_other_product(host))
		return false;
	/* Node and Java sign endpoint.split(".")[0]: "127" for 127.0.0.1:9000,
	 * "localhost:9000" for localhost:9000. */
	dot = strchr(host, '.');
	n = dot != NULL ? (size_t)(dot - host) : strlen(host);
	if (strlen(service) == n && strncmp(service, host, n) == 0)
		return true;
	return dot == NULL && strchr(host, ':') != NULL &&
	    strlen(service) == (size_t)(strchr(host, ':') - host) &&
	    strncmp(service, host, strlen(service)) == 0;
}

/* The trimmed value of a header (v == NULL: ""), NUL-ended, into b. */
static void
add_trimmed(struct buf *b, const char *v)
{
	size_t len;

	if (v == NULL)
		v = "";
	while (*v == ' ' || *v == '\t')
		v++;
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	buf_add(b, v, len);
	buf_addc(b, '\0');
}

/*
 * Buffers reused from request to request: the signed header names, their
 * values (as sent and lower-cased), and the canonical request and string
 * to sign of each attempt. A request that verifies allocates nothing here.
 */
static struct buf vt_names, vt_values, vt_cr, vt_sts;

void
verify_clear(void)
{
	buf_free(&vt_names);
	buf_free(&vt_values);
	buf_free(&vt_cr);
	buf_free(&vt_sts);
}

void
verify_tc3(const struct req *r, const struct tc3_auth *auth,
    const char *timestamp, const char *secret_key, bool strict,
    struct verify_result *out)
{
	struct tc3_header hdrs[TC3_MAX_SIGNED_HEADERS];
	size_t raw_at[TC3_MAX_SIGNED_HEADERS], lower_at[TC3_MAX_SIGNED_HEADERS];
	const char *raw[TC3_MAX_SIGNED_HEADERS], *lower[TC3_MAX_SIGNED_HEADERS];
	char *name, *save = NULL, *cr0 = NULL, *sts0 = NULL;
	const char *host = req_header(r, "Host"), *cs;
	char *host_np = NULL;
	char payload_hash[65], date[11], sig[65];
	size_t n = 0, i, host_idx = (size_t)-1;
	long long ts = 0;
	int attempt;
	bool differs = false;

	memset(out, 0, sizeof *out);
	cs = req_header(r, "X-TC-Content-SHA256");
	if (cs != NULL && strcmp(cs, "UNSIGNED-PAYLOAD") == 0)
		crypto_sha256_hex(cs, strlen(cs), payload_hash);
	else
		crypto_sha256_hex(r->r_body, r->r_body_len, payload_hash);

	vt_names.b_len = 0;
	buf_adds(&vt_names, auth->ta_signed_headers);
	vt_values.b_len = 0;
	for (name = strtok_r(vt_names.b_data, ";", &save); name != NULL &&
	    n < TC3_MAX_SIGNED_HEADERS; name = strtok_r(NULL, ";", &save)) {
		const char *v = req_header(r, name);
		char *p;

		raw_at[n] = vt_values.b_len;
		add_trimmed(&vt_values, v);
		lower_at[n] = vt_values.b_len;
		add_trimmed(&vt_values, v);
		for (p = vt_values.b_data + lower_at[n]; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z') {
				*p = (char)(*p - 'A' + 'a');
				differs = true;
			}
		hdrs[n].name = name;
		if (strcmp(name, "host") == 0)
			host_idx = n;
		n++;
	}
	/* The values' buffer is complete: its addresses hold now. */
	for (i = 0; i < n; i++) {
		raw[i] = vt_values.b_data + raw_at[i];
		lower[i] = vt_values.b_data + lower_at[i];
	}

	/*
	 * Attempts: 0 = documented (values lower-cased, Host as sent); then,
	 * when lenient, values as sent, and both again with the Host's port
	 * stripped. Each differing attempt costs one SHA-256 and one HMAC.
	 */
	for (attempt = 0; attempt < 4 && !out->vr_ok; attempt++) {
		bool use_raw = attempt & 1, strip = attempt & 2;

		if (attempt > 0 && strict)
			break;
		if (strip && host_np == NULL && host != NULL && host_idx != (size_t)-1)
			host_np = host_without_port(host);
		if (strip && host_np == NULL)
			break;
		/* str_lower is ASCII: values as sent differ when it changed one. */
		if (use_raw && !differs)
			continue;
		for (i = 0; i < n; i++)
			hdrs[i].value = use_raw ? raw[i] : lower[i];
		if (strip)
			hdrs[host_idx].value = host_np;
		vt_cr.b_len = 0;
		sig_tc3_canonical_request_buf(&vt_cr, r->r_method_name, r->r_query,
		    hdrs, n, auth->ta_signed_headers, payload_hash);
		vt_sts.b_len = 0;
		sig_tc3_string_to_sign_buf(&vt_sts, timestamp, auth->ta_date,
		    auth->ta_service, vt_cr.b_data, vt_cr.b_len);
		sig_tc3_sign_cached(secret_key, auth->ta_date, auth->ta_service,
		    vt_sts.b_data, vt_sts.b_len, sig);
		out->vr_ok = crypto_streq_ct(sig, auth->ta_signature);
		/* The first attempt's texts are the journal's on failure. */
		if (attempt == 0 && !out->vr_ok) {
			cr0 = xstrdup(vt_cr.b_data);
			sts0 = xstrdup(vt_sts.b_data);
		}
	}

	/* A right signature over a wrong scope still fails: the scope is part
	 * of what the documentation requires, not only of what is hashed. */
	if (out->vr_ok) {
		str_is_decimal(timestamp, &ts);
		sig_tc3_date(ts, date);
		if (strcmp(date, auth->ta_date) != 0) {
			out->vr_ok = false;
			out->vr_why = xasprintf("credential scope date %s is not "
			    "the UTC date of the timestamp (%s)", auth->ta_date, date);
		} else if (!tc3_service_accepted(auth->ta_service, host, strict)) {
			out->vr_ok = false;
			out->vr_why = xasprintf("credential scope service `%s` is "
			    "not accepted (expected tmt)", auth->ta_service);
		}
		/* Failed on its scope at the first attempt: those texts. */
		if (!out->vr_ok && cr0 == NULL) {
			cr0 = xstrdup(vt_cr.b_data);
			sts0 = xstrdup(vt_sts.b_data);
		}
	} else
		out->vr_why = xstrdup("signature mismatch");
	if (!out->vr_ok) {
		out->vr_canonical_request = cr0;
		out->vr_string_to_sign = sts0;
	} else {
		free(cr0);
		free(sts0);
	}
	free(host_np);
}

void
verify_v1(const struct req *r, const struct kv *params, size_t nparams,
    enum sign_method m, const char *secret_key, bool strict,
    struct verify_result *out)
{
	const char *host = req_header(r, "Host");
	const char *given = kv_get(params, nparams, "Signature");
	char *hosts[2], *sent, *p, sig[45];
	size_t i;

	memset(out, 0, sizeof *out);
	hosts[0] = xstrdup(host != NULL ? host : "");
	hosts[1] = strict ? NULL : host_without_port(hosts[0]);
	/* A client that forgot to percent-encode the base64 '+' sent a space. */
	sent = xstrdup(given != NULL ? given : "");
	for (p = sent; !strict && *p != '\0'; p++)
		if (*p == ' ')
			*p = '+';
	for (i = 0; i < 2 && hosts[i] != NULL && !out->vr_ok; i++) {
		char *src = sig_v1_source(r->r_method_name, hosts[i], params, nparams);

		sig_v1_sign(m == SM_HMACSHA256 ? MD_SHA256 : MD_SHA1, secret_key,
		    src, sig);
		out->vr_ok = crypto_streq_ct(sig, sent);
		if (out->vr_string_to_sign == NULL) {
			out->vr_string_to_sign = src;
			out->vr_canonical_request = xstrdup(src);
		} else
			free(src);
	}
	if (!out->vr_ok)
		out->vr_why = xstrdup("signature mismatch");
	free(sent);
	free(hosts[0]);
	free(hosts[1]);
}
