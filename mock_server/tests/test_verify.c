/*
 * test_verify.c: verify.c. tc3_auth_parse on well-formed and malformed
 * Authorization headers; verify_tc3 and verify_v1 on requests built by hand
 * and signed here with the sig_tc3_* / sig_v1_* functions, each case run
 * strict and lenient (docs/behaviour.md, Signatures).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"
#include "tests.h"

#define SID	"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
#define SKEY	"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
#define TS	"1795766400"	/* 2026-11-27T08:00:00Z */
#define DATE	"2026-11-27"
#define HOST	"tmt.tencentcloudapi.com"
#define LOCAL	"127.0.0.1:9000"
#define CT	"application/json; charset=utf-8"
#define BODY	"{\"SourceText\":\"hello\",\"Source\":\"en\",\"Target\":\"zh\"," \
		"\"ProjectId\":0}"

#define SIG64	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ALG	"TC3-HMAC-SHA256 "
#define CRED	"Credential=" SID "/" DATE "/tmt/tc3_request"
#define SH	"SignedHeaders=content-type;host"
#define SIG	"Signature=" SIG64
#define GOOD	ALG CRED ", " SH ", " SIG

/* ---- tc3_auth_parse ---- */

static void
test_tc3_auth_parse_good(void)
{
	static const struct {
		const char *hdr;
		const char *service;
		const char *sh;
	} v[] = {
		{ GOOD, "tmt", "content-type;host" },
		{ ALG CRED "," SH "," SIG, "tmt", "content-type;host" },
		{ ALG "  " CRED "  ,   " SH " ,  " SIG "   ", "tmt",
		  "content-type;host" },
		{ ALG SIG ", " CRED ", " SH, "tmt", "content-type;host" },
		{ ALG SH ", " SIG ", " CRED, "tmt", "content-type;host" },
		{ ALG CRED ", SignedHeaders=content-type;host;x-tc-action, " SIG,
		  "tmt", "content-type;host;x-tc-action" },
		{ ALG CRED ", SignedHeaders=host;content-type, " SIG, "tmt",
		  "host;content-type" },
		{ ALG "Credential=" SID "/" DATE "/127/tc3_request, " SH ", " SIG,
		  "127", "content-type;host" },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct tc3_auth a;
		const char *why = NULL;
		int rc = tc3_auth_parse(v[i].hdr, &a, &why);

		TCHECK(rc == 0, "tc3_auth_parse(\"%s\") failed: %s", v[i].hdr,
		    why != NULL ? why : "(no reason)");
		if (rc != 0)
			continue;
		TSTREQ(a.ta_secret_id, SID, "secret id of \"%s\"", v[i].hdr);
		TSTREQ(a.ta_date, DATE, "date of \"%s\"", v[i].hdr);
		TSTREQ(a.ta_service, v[i].service, "service of \"%s\"", v[i].hdr);
		TSTREQ(a.ta_signed_headers, v[i].sh, "signed headers of \"%s\"",
		    v[i].hdr);
		TSTREQ(a.ta_signature, SIG64, "signature of \"%s\"", v[i].hdr);
		tc3_auth_free(&a);
		TCHECK(a.ta_secret_id == NULL && a.ta_signature == NULL,
		    "tc3_auth_free resets");
	}
}

static void
test_tc3_auth_parse_bad(void)
{
	static const struct {
		const char *hdr;
		const char *why_has;
	} v[] = {
		/* The algorithm. */
		{ "", "algorithm" },
		{ "TC3-HMAC-SHA256", "algorithm" },
		{ "TC3-HMAC-SHA1 " CRED ", " SH ", " SIG, "algorithm" },
		{ "tc3-hmac-sha256 " CRED ", " SH ", " SIG, "algorithm" },
		{ "TC3-HMAC-SHA256," CRED ", " SH ", " SIG, "algorithm" },
		{ "HmacSHA256 " CRED ", " SH ", " SIG, "algorithm" },
		{ " " GOOD, "algorithm" },
		/* Missing, duplicate, unknown, shapeless parts. */
		{ ALG, "required" },
		{ ALG CRED ", " SH, "required" },
		{ ALG SH ", " SIG, "required" },
		{ ALG CRED ", " SIG, "required" },
		{ GOOD ", " SIG, "twice" },
		{ ALG CRED ", " CRED ", " SH ", " SIG, "twice" },
		{ ALG CRED ", " SH ", " SH ", " SIG, "twice" },
		{ GOOD ", Foo=bar", "only" },
		{ ALG "credential=" SID "/" DATE "/tmt/tc3_request, " SH ", " SIG,
		  "only" },
		{ ALG CRED ", " SH ", Signature", "Name=Value" },
		{ ALG CRED ", , " SH ", " SIG, "Name=Value" },
		{ ALG CRED "; " SH "; " SIG, "SignedHeaders" },
		/* Credential. */
		{ ALG "Credential=" SID "/" DATE "/tmt, " SH ", " SIG, "Credential" },
		{ ALG "Credential=" SID "/" DATE "/tmt/tc3_request/x, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/" DATE ", " SH ", " SIG, "Credential" },
		{ ALG "Credential=" SID ", " SH ", " SIG, "Credential" },
		{ ALG "Credential=, " SH ", " SIG, "Credential" },
		{ ALG "Credential=/" DATE "/tmt/tc3_request, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/" DATE "//tc3_request, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/2026-1-27/tmt/tc3_request, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/20261127/tmt/tc3_request, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/2026-11-2x/tmt/tc3_request, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/2026-11-270/tmt/tc3_request, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/2026_11_27/tmt/tc3_request, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "//tmt/tc3_request, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/" DATE "/tmt/tc4_request, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/" DATE "/tmt/TC3_REQUEST, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/" DATE "/tmt/tc3_request2, " SH ", " SIG,
		  "Credential" },
		{ ALG "Credential=" SID "/" DATE "/tmt/, " SH ", " SIG,
		  "Credential" },
		/* SignedHeaders. */
		{ ALG CRED ", SignedHeaders=content-type, " SIG, "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=content-type;host;, " SIG, "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=host, " SIG, "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=host;x-tc-action, " SIG,
		  "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=Content-Type;Host, " SIG,
		  "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=content-type;HOST, " SIG,
		  "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=, " SIG, "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=content-type;;host, " SIG,
		  "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=;content-type;host, " SIG,
		  "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=content_type;host, " SIG,
		  "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=content-type host, " SIG,
		  "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=content-types;hosts, " SIG,
		  "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=content-type;hosts, " SIG,
		  "SignedHeaders" },
		{ ALG CRED ", SignedHeaders=content-typex;host, " SIG,
		  "SignedHeaders" },
		/* Signature. */
		{ ALG CRED ", " SH ", Signature=" "0123456789abcdef0123456789abcdef"
		  "0123456789abcdef0123456789abcde", "Signature" },
		{ ALG CRED ", " SH ", Signature=" SIG64 "0", "Signature" },
		{ ALG CRED ", " SH ", Signature=" "0123456789ABCDEF0123456789abcdef"
		  "0123456789abcdef0123456789abcdef", "Signature" },
		{ ALG CRED ", " SH ", Signature=" "0123456789abcdef0123456789abcdef"
		  "0123456789abcdef0123456789abcdeg", "Signature" },
		{ ALG CRED ", " SH ", Signature=", "Signature" },
		{ ALG CRED ", " SH ", Signature=" "0123456789abcdef0123456789abcdef"
		  "0123456789abcdef0123456789abcd f", "Signature" },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct tc3_auth a;
		const char *why = NULL;
		int rc = tc3_auth_parse(v[i].hdr, &a, &why);

		TCHECK(rc == -1, "tc3_auth_parse(\"%s\") must fail", v[i].hdr);
		TCHECK(why != NULL && strstr(why, v[i].why_has) != NULL,
		    "tc3_auth_parse(\"%s\"): reason \"%s\" should mention %s",
		    v[i].hdr, why != NULL ? why : "(null)", v[i].why_has);
		TCHECK(a.ta_secret_id == NULL && a.ta_date == NULL &&
		    a.ta_service == NULL && a.ta_signed_headers == NULL &&
		    a.ta_signature == NULL,
		    "tc3_auth_parse(\"%s\") leaves nothing behind", v[i].hdr);
		if (rc == 0)
			tc3_auth_free(&a);
	}
}

/* ---- requests built by hand ---- */

static void
req_init(struct req *r, const char *method, const char *query,
    const char *body)
{
	memset(r, 0, sizeof *r);
	r->r_method = strcmp(method, "GET") == 0 ? RM_GET :
	    strcmp(method, "POST") == 0 ? RM_POST : RM_OTHER;
	r->r_method_name = xstrdup(method);
	r->r_uri = xasprintf("/%s%s", *query != '\0' ? "?" : "", query);
	r->r_path = xstrdup("/");
	r->r_query = xstrdup(query);
	r->r_body = (unsigned char *)xstrdup(body);
	r->r_body_len = strlen(body);
	r->r_peer = xstrdup("127.0.0.1:40000");
}

static void
req_add_header(struct req *r, const char *name, const char *value)
{
	if (value == NULL)
		return;
	r->r_hdrs = xrealloc(r->r_hdrs, (r->r_nhdrs + 1) * sizeof *r->r_hdrs);
	r->r_hdrs[r->r_nhdrs].k = xstrdup(name);
	r->r_hdrs[r->r_nhdrs].v = xstrdup(value);
	r->r_nhdrs++;
}

/* ---- verify_tc3 ---- */

struct tc3_case {
	const char	*name;
	/* What is sent. */
	const char	*method;
	const char	*query;
	const char	*host;
	const char	*ctype;
	const char	*action;	/* X-TC-Action, NULL: not sent */
	const char	*content_sha;	/* X-TC-Content-SHA256, NULL: not sent */
	const char	*body;
	const char	*ts;		/* NULL: TS */
	/* What the client signed (NULL: as sent / the default). */
	const char	*s_method;
	const char	*s_query;
	const char	*s_headers;	/* SignedHeaders; NULL: content-type;host */
	const char	*s_values[3];	/* the canonical values, in s_headers order */
	const char	*s_payload;	/* hashed; NULL: the body */
	const char	*s_date;	/* NULL: DATE */
	const char	*s_service;	/* NULL: tmt */
	const char	*s_key;		/* NULL: SKEY */
	/* The verdicts, and a word of the reason on failure. */
	bool		 strict_ok;
	bool		 lenient_ok;
	const char	*why_has;
};

#define POST_JSON	"POST", "", HOST, CT, NULL, NULL, BODY, NULL
#define POST_LOCAL	"POST", "", LOCAL, CT, NULL, NULL, BODY, NULL
#define MIXED_CT	"Application/JSON; Charset=UTF-8"

static const struct tc3_case tc3_cases[] = {
	{ "documented, Tencent host", POST_JSON,
	  NULL, NULL, NULL, { CT, HOST }, NULL, NULL, NULL, NULL,
	  true, true, NULL },
	{ "documented, local host with its port", POST_LOCAL,
	  NULL, NULL, NULL, { CT, LOCAL }, NULL, NULL, NULL, NULL,
	  true, true, NULL },
	{ "host signed without its port (Node)", POST_LOCAL,
	  NULL, NULL, NULL, { CT, "127.0.0.1" }, NULL, NULL, NULL, NULL,
	  false, true, "mismatch" },
	{ "service 127 (Node, Java)", POST_LOCAL,
	  NULL, NULL, NULL, { CT, LOCAL }, NULL, NULL, "127", NULL,
	  false, true, "service" },
	{ "host without port and service 127 (Node)", POST_LOCAL,
	  NULL, NULL, NULL, { CT, "127.0.0.1" }, NULL, NULL, "127", NULL,
	  false, true, "mismatch" },
	{ "service localhost for localhost:9000", "POST", "",
	  "localhost:9000", CT, NULL, NULL, BODY, NULL,
	  NULL, NULL, NULL, { CT, "localhost:9000" }, NULL, NULL, "localhost",
	  NULL, false, true, "service" },
	{ "service localhost:9000 for localhost:9000", "POST", "",
	  "localhost:9000", CT, NULL, NULL, BODY, NULL,
	  NULL, NULL, NULL, { CT, "localhost:9000" }, NULL, NULL,
	  "localhost:9000", NULL, false, true, "service" },
	{ "service 128 for 127.0.0.1", POST_LOCAL,
	  NULL, NULL, NULL, { CT, LOCAL }, NULL, NULL, "128", NULL,
	  false, false, "service" },
	{ "service 127.0 for 127.0.0.1", POST_LOCAL,
	  NULL, NULL, NULL, { CT, LOCAL }, NULL, NULL, "127.0", NULL,
	  false, false, "service" },
	{ "service 12 for 127.0.0.1", POST_LOCAL,
	  NULL, NULL, NULL, { CT, LOCAL }, NULL, NULL, "12", NULL,
	  false, false, "service" },
	{ "service cvm at the TMT host", POST_JSON,
	  NULL, NULL, NULL, { CT, HOST }, NULL, NULL, "cvm", NULL,
	  false, false, "service" },
	{ "values as sent, not lower-cased", "POST", "", HOST, MIXED_CT, NULL,
	  NULL, BODY, NULL,
	  NULL, NULL, NULL, { MIXED_CT, HOST }, NULL, NULL, NULL, NULL,
	  false, true, "mismatch" },
	{ "values lower-cased as documented", "POST", "", HOST, MIXED_CT, NULL,
	  NULL, BODY, NULL,
	  NULL, NULL, NULL, { "application/json; charset=utf-8", HOST }, NULL,
	  NULL, NULL, NULL, true, true, NULL },
	{ "values as sent and host without port", "POST", "", LOCAL, MIXED_CT,
	  NULL, NULL, BODY, NULL,
	  NULL, NULL, NULL, { MIXED_CT, "127.0.0.1" }, NULL, NULL, NULL, NULL,
	  false, true, "mismatch" },
	{ "values trimmed", "POST", "", HOST, " \tapplication/json  ", NULL,
	  NULL, BODY, NULL,
	  NULL, NULL, NULL, { "application/json", HOST }, NULL, NULL, NULL,
	  NULL, true, true, NULL },
	{ "x-tc-action signed lower-cased", "POST", "", HOST, CT,
	  "TextTranslate", NULL, BODY, NULL,
	  NULL, NULL, "content-type;host;x-tc-action",
	  { CT, HOST, "texttranslate" }, NULL, NULL, NULL, NULL,
	  true, true, NULL },
	{ "x-tc-action signed as sent", "POST", "", HOST, CT,
	  "TextTranslate", NULL, BODY, NULL,
	  NULL, NULL, "content-type;host;x-tc-action",
	  { CT, HOST, "TextTranslate" }, NULL, NULL, NULL, NULL,
	  false, true, "mismatch" },
	{ "SignedHeaders order is the client's", POST_JSON,
	  NULL, NULL, "host;content-type", { HOST, CT }, NULL, NULL, NULL,
	  NULL, true, true, NULL },
	{ "wrong secret key", POST_LOCAL,
	  NULL, NULL, NULL, { CT, LOCAL }, NULL, NULL, NULL,
	  "Gu5t9xGARNpq86cd98joQYCN3EXAMPLf", false, false, "mismatch" },
	{ "body changed after signing", POST_JSON,
	  NULL, NULL, NULL, { CT, HOST }, "{\"SourceText\":\"hellO\"}", NULL,
	  NULL, NULL, false, false, "mismatch" },
	{ "GET with a query", "GET", "Action=TextTranslate&SourceText=hello",
	  HOST, "application/x-www-form-urlencoded", NULL, NULL, "", NULL,
	  NULL, NULL, NULL, { "application/x-www-form-urlencoded", HOST }, NULL,
	  NULL, NULL, NULL, true, true, NULL },
	{ "query changed after signing", "GET",
	  "Action=TextTranslate&SourceText=hello",
	  HOST, "application/x-www-form-urlencoded", NULL, NULL, "", NULL,
	  NULL, "Action=TextTranslate&SourceText=hellO", NULL,
	  { "application/x-www-form-urlencoded", HOST }, NULL, NULL, NULL,
	  NULL, false, false, "mismatch" },
	{ "method differs", POST_JSON,
	  "GET", NULL, NULL, { CT, HOST }, NULL, NULL, NULL, NULL,
	  false, false, "mismatch" },
	{ "UNSIGNED-PAYLOAD honoured", "POST", "", HOST, CT, NULL,
	  "UNSIGNED-PAYLOAD", BODY, NULL,
	  NULL, NULL, NULL, { CT, HOST }, "UNSIGNED-PAYLOAD", NULL, NULL, NULL,
	  true, true, NULL },
	{ "UNSIGNED-PAYLOAD sent, body hashed", "POST", "", HOST, CT, NULL,
	  "UNSIGNED-PAYLOAD", BODY, NULL,
	  NULL, NULL, NULL, { CT, HOST }, BODY, NULL, NULL, NULL,
	  false, false, "mismatch" },
	{ "unsigned payload hashed, header not sent", POST_JSON,
	  NULL, NULL, NULL, { CT, HOST }, "UNSIGNED-PAYLOAD", NULL, NULL, NULL,
	  false, false, "mismatch" },
	{ "other X-TC-Content-SHA256 values ignored", "POST", "", HOST, CT,
	  NULL, "unsigned-payload", BODY, NULL,
	  NULL, NULL, NULL, { CT, HOST }, NULL, NULL, NULL, NULL,
	  true, true, NULL },
	{ "scope date the next day (UTC+8 client)", "POST", "", HOST, CT, NULL,
	  NULL, BODY, "1795823999",	/* 2026-11-27T23:59:59Z */
	  NULL, NULL, NULL, { CT, HOST }, NULL, "2026-11-28", NULL, NULL,
	  false, false, "date 2026-11-28" },
	{ "scope date the day before", POST_JSON,
	  NULL, NULL, NULL, { CT, HOST }, NULL, "2026-11-26", NULL, NULL,
	  false, false, "date 2026-11-26" },
	{ "last second of the day", "POST", "", HOST, CT, NULL, NULL, BODY,
	  "1795823999",
	  NULL, NULL, NULL, { CT, HOST }, NULL, DATE, NULL, NULL,
	  true, true, NULL },
	{ "first second of the next day", "POST", "", HOST, CT, NULL, NULL,
	  BODY, "1795824000",
	  NULL, NULL, NULL, { CT, HOST }, NULL, "2026-11-28", NULL, NULL,
	  true, true, NULL },
};

/* Signs c as its client would and returns the Authorization header. */
static char *
tc3_client_auth(const struct tc3_case *c)
{
	const char *sh = c->s_headers != NULL ? c->s_headers : "content-type;host";
	const char *payload = c->s_payload != NULL ? c->s_payload : c->body;
	const char *date = c->s_date != NULL ? c->s_date : DATE;
	const char *service = c->s_service != NULL ? c->s_service : "tmt";
	struct tc3_header hdrs[3];
	char *names = xstrdup(sh), *name, *save = NULL, *cr, *sts, *out;
	char hash[65], sig[65];
	size_t n = 0;

	for (name = strtok_r(names, ";", &save); name != NULL && n < 3;
	    name = strtok_r(NULL, ";", &save)) {
		hdrs[n].name = name;
		hdrs[n].value = c->s_values[n];
		n++;
	}
	crypto_sha256_hex(payload, strlen(payload), hash);
	cr = sig_tc3_canonical_request(c->s_method != NULL ? c->s_method :
	    c->method, c->s_query != NULL ? c->s_query : c->query, hdrs, n, sh,
	    hash);
	sts = sig_tc3_string_to_sign(c->ts != NULL ? c->ts : TS, date, service,
	    cr);
	sig_tc3_sign(c->s_key != NULL ? c->s_key : SKEY, date, service, sts, sig);
	out = xasprintf("TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, "
	    "SignedHeaders=%s, Signature=%s", SID, date, service, sh, sig);
	free(cr);
	free(sts);
	free(names);
	return out;
}

static void
tc3_case_req(const struct tc3_case *c, struct req *r, const char *auth)
{
	req_init(r, c->method, c->query, c->body);
	req_add_header(r, "Host", c->host);
	req_add_header(r, "Content-Type", c->ctype);
	req_add_header(r, "Authorization", auth);
	req_add_header(r, "X-TC-Action", c->action);
	req_add_header(r, "X-TC-Timestamp", c->ts != NULL ? c->ts : TS);
	req_add_header(r, "X-TC-Content-SHA256", c->content_sha);
}

static void
test_verify_tc3(void)
{
	size_t i;
	int strict;

	for (i = 0; i < sizeof tc3_cases / sizeof tc3_cases[0]; i++) {
		const struct tc3_case *c = &tc3_cases[i];
		char *hdr = tc3_client_auth(c);
		struct tc3_auth a;
		struct req r;
		const char *why = NULL;

		if (tc3_auth_parse(hdr, &a, &why) != 0) {
			TCHECK(false, "%s: own header \"%s\" refused: %s",
			    c->name, hdr, why);
			free(hdr);
			continue;
		}
		tc3_case_req(c, &r, hdr);
		for (strict = 1; strict >= 0; strict--) {
			struct verify_result vr;
			bool want = strict ? c->strict_ok : c->lenient_ok;

			verify_tc3(&r, &a, c->ts != NULL ? c->ts : TS, SKEY,
			    strict, &vr);
			TCHECK(vr.vr_ok == want, "verify_tc3 %s (%s): %s, want "
			    "%s (why: %s)", c->name, strict ? "strict" : "lenient",
			    vr.vr_ok ? "passed" : "failed",
			    want ? "pass" : "fail",
			    vr.vr_why != NULL ? vr.vr_why : "none");
			if (want)
				TCHECK(vr.vr_why == NULL, "%s (%s): no reason on "
				    "success, got \"%s\"", c->name, strict ?
				    "strict" : "lenient", vr.vr_why != NULL ?
				    vr.vr_why : "");
			else
				TCHECK(vr.vr_why != NULL &&
				    strstr(vr.vr_why, c->why_has) != NULL,
				    "%s (%s): reason \"%s\" should mention %s",
				    c->name, strict ? "strict" : "lenient",
				    vr.vr_why != NULL ? vr.vr_why : "(null)",
				    c->why_has);
			verify_result_free(&vr);
			TCHECK(vr.vr_why == NULL && vr.vr_canonical_request == NULL,
			    "verify_result_free resets");
		}
		req_free(&r);
		tc3_auth_free(&a);
		free(hdr);
	}
}

/*
 * On failure the journal gets the canonical request and string to sign of
 * the first, strict attempt: values lower-cased, Host with its port.
 */
static void
test_verify_tc3_failure_record(void)
{
	static const struct {
		const char *host;
		const char *ctype;
		const char *signed_host;
		const char *key;
	} v[] = {
		{ LOCAL, CT, "127.0.0.1", SKEY },		/* lenient passes */
		{ LOCAL, MIXED_CT, "127.0.0.1", "wrong" },	/* four attempts fail */
		{ LOCAL, CT, LOCAL, "wrong" },
		{ HOST, MIXED_CT, HOST, "wrong" },
	};
	size_t i;
	int strict;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct tc3_case c = { "failure record", "POST", "", v[i].host,
		    v[i].ctype, NULL, NULL, BODY, NULL, NULL, NULL, NULL,
		    { v[i].ctype, v[i].signed_host }, NULL, NULL, NULL, v[i].key,
		    false, false, NULL };
		struct tc3_header want_hdrs[2];
		char *hdr = tc3_client_auth(&c), *lower = xstrdup(v[i].ctype);
		char *want_cr, *want_sts, hash[65];
		struct tc3_auth a;
		struct req r;
		const char *why;

		if (tc3_auth_parse(hdr, &a, &why) != 0) {
			TCHECK(false, "own header refused: %s", why);
			free(hdr);
			free(lower);
			continue;
		}
		tc3_case_req(&c, &r, hdr);
		str_lower(lower);
		want_hdrs[0].name = "content-type";
		want_hdrs[0].value = lower;
		want_hdrs[1].name = "host";
		want_hdrs[1].value = v[i].host;
		crypto_sha256_hex(BODY, strlen(BODY), hash);
		want_cr = sig_tc3_canonical_request("POST", "", want_hdrs, 2,
		    "content-type;host", hash);
		want_sts = sig_tc3_string_to_sign(TS, DATE, "tmt", want_cr);
		for (strict = 1; strict >= 0; strict--) {
			struct verify_result vr;
			bool should_pass = !strict && strcmp(v[i].key, SKEY) == 0;

			verify_tc3(&r, &a, TS, SKEY, strict, &vr);
			TCHECK(vr.vr_ok == should_pass, "case %zu (%s): %s", i,
			    strict ? "strict" : "lenient",
			    vr.vr_ok ? "passed" : "failed");
			if (should_pass) {
				verify_result_free(&vr);
				continue;
			}
			TSTREQ(vr.vr_canonical_request, want_cr,
			    "case %zu (%s): canonical request recorded", i,
			    strict ? "strict" : "lenient");
			TSTREQ(vr.vr_string_to_sign, want_sts,
			    "case %zu (%s): string to sign recorded", i,
			    strict ? "strict" : "lenient");
			TCHECK(vr.vr_canonical_request != NULL &&
			    strstr(vr.vr_canonical_request, "\nhost:") != NULL &&
			    strstr(strstr(vr.vr_canonical_request, "\nhost:"),
			    v[i].host) != NULL,
			    "case %zu: the recorded host is %s", i, v[i].host);
			TCHECK(vr.vr_why != NULL, "case %zu: a reason", i);
			verify_result_free(&vr);
		}
		free(want_cr);
		free(want_sts);
		req_free(&r);
		tc3_auth_free(&a);
		free(hdr);
		free(lower);
	}
}

/* The date reason names both dates. */
static void
test_verify_tc3_date_reason(void)
{
	const struct tc3_case *c = NULL;
	struct verify_result vr;
	struct tc3_auth a;
	struct req r;
	const char *why;
	char *hdr;
	size_t i;

	for (i = 0; i < sizeof tc3_cases / sizeof tc3_cases[0]; i++)
		if (strcmp(tc3_cases[i].name,
		    "scope date the next day (UTC+8 client)") == 0)
			c = &tc3_cases[i];
	TCHECK(c != NULL, "the scope date case is in the table");
	if (c == NULL)
		return;
	hdr = tc3_client_auth(c);
	TCHECK(tc3_auth_parse(hdr, &a, &why) == 0, "own header parses");
	tc3_case_req(c, &r, hdr);
	verify_tc3(&r, &a, c->ts, SKEY, false, &vr);
	TCHECK(!vr.vr_ok, "wrong scope date fails");
	TCHECK(vr.vr_why != NULL && strstr(vr.vr_why, "2026-11-28") != NULL &&
	    strstr(vr.vr_why, "2026-11-27") != NULL,
	    "the reason names the scope date and the timestamp's date: %s",
	    vr.vr_why != NULL ? vr.vr_why : "(null)");
	verify_result_free(&vr);
	req_free(&r);
	tc3_auth_free(&a);
	free(hdr);
}

/* ---- verify_v1 ---- */

struct v1_case {
	const char	*name;
	const char	*method;
	const char	*host;		/* Host sent */
	const char	*params;	/* form, without Signature */
	enum sign_method m;		/* checked as */
	/* What the client signed. */
	const char	*s_method;	/* NULL: method */
	const char	*s_host;	/* NULL: host */
	enum md_kind	 s_md;
	const char	*s_key;		/* NULL: SKEY */
	bool		 no_signature;	/* Signature not sent */
	bool		 strict_ok;
	bool		 lenient_ok;
};

#define V1_PARAMS "Action=TextTranslate&Version=2018-03-21&Region=ap-guangzhou" \
	"&Timestamp=" TS "&Nonce=11886&SecretId=" SID \
	"&SourceText=hello&Source=en&Target=zh&ProjectId=0"

static const struct v1_case v1_cases[] = {
	{ "HmacSHA256 at the Tencent host", "GET", HOST, V1_PARAMS
	  "&SignatureMethod=HmacSHA256", SM_HMACSHA256, NULL, NULL, MD_SHA256,
	  NULL, false, true, true },
	{ "HmacSHA1 at the Tencent host", "GET", HOST, V1_PARAMS, SM_HMACSHA1,
	  NULL, NULL, MD_SHA1, NULL, false, true, true },
	{ "POST form", "POST", HOST, V1_PARAMS, SM_HMACSHA1, NULL, NULL,
	  MD_SHA1, NULL, false, true, true },
	{ "local host with its port", "GET", LOCAL, V1_PARAMS, SM_HMACSHA1,
	  NULL, NULL, MD_SHA1, NULL, false, true, true },
	{ "local host signed without its port", "GET", LOCAL, V1_PARAMS,
	  SM_HMACSHA1, NULL, "127.0.0.1", MD_SHA1, NULL, false, false, true },
	{ "port signed, none sent", "GET", "127.0.0.1", V1_PARAMS, SM_HMACSHA1,
	  NULL, LOCAL, MD_SHA1, NULL, false, false, false },
	{ "other port signed", "GET", LOCAL, V1_PARAMS, SM_HMACSHA1,
	  NULL, "127.0.0.1:9001", MD_SHA1, NULL, false, false, false },
	{ "method differs", "POST", HOST, V1_PARAMS, SM_HMACSHA1, "GET", NULL,
	  MD_SHA1, NULL, false, false, false },
	{ "wrong key", "GET", HOST, V1_PARAMS, SM_HMACSHA1, NULL, NULL,
	  MD_SHA1, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLf", false, false, false },
	{ "HmacSHA1 signature checked as HmacSHA256", "GET", HOST, V1_PARAMS,
	  SM_HMACSHA256, NULL, NULL, MD_SHA1, NULL, false, false, false },
	{ "no Signature parameter", "GET", HOST, V1_PARAMS, SM_HMACSHA1, NULL,
	  NULL, MD_SHA1, NULL, true, false, false },
};

/* Decodes form, signs it and appends Signature (unless no_sig). */
static void
v1_sign_params(const char *form, const char *method, const char *host,
    enum md_kind md, const char *key, bool no_sig, struct kv **kv, size_t *n)
{
	const char *err;
	char *src, sig[45];

	if (form_decode(form, strlen(form), kv, n, &err) != 0) {
		TCHECK(false, "test form \"%s\": %s", form, err);
		*kv = NULL;
		*n = 0;
		return;
	}
	src = sig_v1_source(method, host, *kv, *n);
	sig_v1_sign(md, key, src, sig);
	free(src);
	if (no_sig)
		return;
	*kv = xrealloc(*kv, (*n + 1) * sizeof **kv);
	(*kv)[*n].k = xstrdup("Signature");
	(*kv)[*n].v = xstrdup(sig);
	(*n)++;
}

static void
test_verify_v1(void)
{
	size_t i;
	int strict;

	for (i = 0; i < sizeof v1_cases / sizeof v1_cases[0]; i++) {
		const struct v1_case *c = &v1_cases[i];
		struct kv *kv;
		size_t n;
		struct req r;

		v1_sign_params(c->params, c->s_method != NULL ? c->s_method :
		    c->method, c->s_host != NULL ? c->s_host : c->host, c->s_md,
		    c->s_key != NULL ? c->s_key : SKEY, c->no_signature, &kv, &n);
		req_init(&r, c->method, c->method[0] == 'G' ? c->params : "",
		    c->method[0] == 'G' ? "" : c->params);
		req_add_header(&r, "Host", c->host);
		for (strict = 1; strict >= 0; strict--) {
			struct verify_result vr;
			bool want = strict ? c->strict_ok : c->lenient_ok;

			verify_v1(&r, kv, n, c->m, SKEY, strict, &vr);
			TCHECK(vr.vr_ok == want, "verify_v1 %s (%s): %s, want %s",
			    c->name, strict ? "strict" : "lenient",
			    vr.vr_ok ? "passed" : "failed", want ? "pass" : "fail");
			TCHECK(want == (vr.vr_why == NULL),
			    "verify_v1 %s (%s): a reason exactly on failure",
			    c->name, strict ? "strict" : "lenient");
			if (!want) {
				/* The recorded source is the strict one. */
				char *src = sig_v1_source(c->method, c->host, kv, n);

				TSTREQ(vr.vr_string_to_sign, src, "verify_v1 %s "
				    "(%s): recorded source", c->name,
				    strict ? "strict" : "lenient");
				TSTREQ(vr.vr_canonical_request, src, "verify_v1 %s "
				    "(%s): recorded canonical request", c->name,
				    strict ? "strict" : "lenient");
				free(src);
			}
			verify_result_free(&vr);
		}
		req_free(&r);
		kv_free(kv, n);
	}
}

/*
 * A base64 '+' that was not percent-encoded arrives as a space. Find a
 * Nonce whose signature has a '+' (deterministic), then send it as is, with
 * spaces, and with another character.
 */
static void
test_verify_v1_plus(void)
{
	static const struct {
		const char *what;
		char plus_as;	/* 0: '+' left */
		bool strict_ok;
		bool lenient_ok;
	} v[] = {
		{ "'+' encoded", 0, true, true },
		{ "'+' sent as a space", ' ', false, true },
		{ "'+' sent as '-'", '-', false, false },
	};
	struct kv *kv = NULL;
	size_t n = 0, i, nonce;
	const char *sig = NULL;
	int strict;

	for (nonce = 1; nonce < 1000; nonce++) {
		char *form = xasprintf("Action=TextTranslate&Nonce=%zu&SecretId="
		    SID "&Timestamp=" TS, nonce);

		v1_sign_params(form, "GET", LOCAL, MD_SHA1, SKEY, false, &kv, &n);
		free(form);
		sig = kv_get(kv, n, "Signature");
		if (sig != NULL && strchr(sig, '+') != NULL)
			break;
		kv_free(kv, n);
		kv = NULL;
		n = 0;
		sig = NULL;
	}
	TCHECK(sig != NULL, "a Nonce below 1000 gives a '+' in the signature");
	if (sig == NULL)
		return;
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct req r;
		char *p, *sent, *orig = xstrdup(sig);

		for (p = kv[n - 1].v; v[i].plus_as != 0 && *p != '\0'; p++)
			if (*p == '+')
				*p = v[i].plus_as;
		sent = xstrdup(kv[n - 1].v);
		req_init(&r, "GET", "", "");
		req_add_header(&r, "Host", LOCAL);
		for (strict = 1; strict >= 0; strict--) {
			struct verify_result vr;
			bool want = strict ? v[i].strict_ok : v[i].lenient_ok;

			verify_v1(&r, kv, n, SM_HMACSHA1, SKEY, strict, &vr);
			TCHECK(vr.vr_ok == want, "verify_v1 %s (%s): %s, want %s",
			    v[i].what, strict ? "strict" : "lenient",
			    vr.vr_ok ? "passed" : "failed", want ? "pass" : "fail");
			verify_result_free(&vr);
		}
		TSTREQ(kv[n - 1].v, sent, "verify_v1 %s leaves the parameters "
		    "alone", v[i].what);
		free(sent);
		req_free(&r);
		free(kv[n - 1].v);
		kv[n - 1].v = orig;
		sig = kv[n - 1].v;
	}
	kv_free(kv, n);
}

static void
test_sign_method_name(void)
{
	TSTREQ(sign_method_name(SM_TC3), "TC3-HMAC-SHA256", "SM_TC3");
	TSTREQ(sign_method_name(SM_HMACSHA1), "HmacSHA1", "SM_HMACSHA1");
	TSTREQ(sign_method_name(SM_HMACSHA256), "HmacSHA256", "SM_HMACSHA256");
	TCHECK(sign_method_name(SM_NONE) == NULL, "SM_NONE has no name");
}

int
test_verify_register(void)
{
	static const struct test_def tests[] = {
		{ "tc3_auth_parse: well formed", test_tc3_auth_parse_good },
		{ "tc3_auth_parse: malformed", test_tc3_auth_parse_bad },
		{ "verify_tc3: strict and lenient", test_verify_tc3 },
		{ "verify_tc3: failure records the strict attempt",
		  test_verify_tc3_failure_record },
		{ "verify_tc3: scope date reason", test_verify_tc3_date_reason },
		{ "verify_v1: strict and lenient", test_verify_v1 },
		{ "verify_v1: '+' sent as a space", test_verify_v1_plus },
		{ "sign_method_name", test_sign_method_name },
		{ NULL, NULL },
	};

	return tests_add_suite("verify", tests);
}
