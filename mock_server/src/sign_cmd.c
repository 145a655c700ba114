/*
 * sign_cmd.c: `tmtmock sign`, a signed request for an action and its
 * parameters without an SDK (docs/helpers.md, Signing without an SDK).
 *
 * It prints a curl command (or, with --headers, the request as HTTP text)
 * signed with TC3-HMAC-SHA256 or v1 (HmacSHA1, HmacSHA256) by the same pure
 * functions the mock verifies with (sig_tc3.c, sig_v1.c), for the mock or,
 * with real keys and --endpoint https://tmt.tencentcloudapi.com, for
 * Tencent. The Host it signs is the one curl sends for the endpoint (no
 * port when it is the scheme's), and it is sent explicitly too.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "tmtmock.h"

/* The documentation's example keys: the mock's fixture account. */
#define SIGN_EXAMPLE_ID "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
#define SIGN_EXAMPLE_KEY "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
#define SIGN_CLOUD_SUFFIX ".tencentcloudapi.com"

enum sign_scheme { SS_TC3, SS_V1_SHA1, SS_V1_SHA256 };

struct sign_opts {
	const char	*so_action;
	const char	*so_params;	/* JSON object */
	const char	*so_body;	/* exact TC3 POST body, instead */
	const char	*so_endpoint;
	const char	*so_secret_id;
	const char	*so_secret_key;
	const char	*so_token;
	const char	*so_region;	/* "": left out */
	const char	*so_version;
	const char	*so_service;	/* NULL: from the host */
	const char	*so_language;
	const char	*so_content_type;
	bool		 so_get;
	enum sign_scheme so_scheme;
	long long	 so_timestamp;	/* -1: now */
	long long	 so_nonce;	/* -1: random */
	bool		 so_headers;
};

/* The endpoint, split: scheme://host[:port][/]. */
struct sign_target {
	char	*st_base;	/* scheme://host[:port] */
	char	*st_host;	/* the Host header curl sends */
	char	*st_name;	/* host alone, for the service */
};

static void
sign_usage(FILE *f)
{
	fprintf(f, "usage: tmtmock sign --action ACTION [--params JSON | --body TEXT] [options]\n\n"
	    "Print a curl command that sends a signed Tencent Cloud API request.\n\n"
	    "  --action ACTION        the Action (TextTranslate, LanguageDetect, ...)\n"
	    "  --params JSON          its parameters, a JSON object (default {})\n"
	    "  --body TEXT            TC3 POST: send exactly TEXT as the body instead\n"
	    "  --endpoint URL         http[s]://HOST[:PORT] (default http://localhost:9000;\n"
	    "                         Tencent: https://tmt.tencentcloudapi.com)\n"
	    "  --secret-id ID, --secret-key KEY\n"
	    "                         default: TENCENTCLOUD_SECRET_ID/_SECRET_KEY, else the\n"
	    "                         documentation's example keys (the mock's account)\n"
	    "  --token TOKEN          a temporary credential's token (default TENCENTCLOUD_TOKEN)\n"
	    "  --region REGION        default ap-guangzhou; \"\" leaves it out\n"
	    "  --version VERSION      default 2018-03-21\n"
	    "  --service NAME         TC3 scope (default: the host's first label on\n"
	    "                         *" SIGN_CLOUD_SUFFIX ", else tmt)\n"
	    "  --language LANG        X-TC-Language (TC3) or Language (v1)\n"
	    "  --content-type TYPE    TC3 POST (default application/json)\n"
	    "  --method POST|GET      default POST\n"
	    "  --sign-method M        TC3-HMAC-SHA256 (default), HmacSHA1 or HmacSHA256\n"
	    "  --timestamp N          default now\n"
	    "  --nonce N              v1 (default random)\n"
	    "  --headers              print the request as HTTP text, not a curl command\n");
}

/* A single-quoted shell word. */
static void
shq(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s != '\0'; s++)
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	buf_addc(b, '\'');
}

/* Form encoding as the SDKs write it: unreserved kept, space '+'. */
static void
form_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; (c = (unsigned char)*s) != '\0'; s++)
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		    c == '~')
			buf_addc(b, (char)c);
		else if (c == ' ')
			buf_addc(b, '+');
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
}

static void
kv_push(struct kv **kv, size_t *n, const char *k, char *v /* taken */)
{
	*kv = xrealloc(*kv, (*n + 1) * sizeof **kv);
	(*kv)[*n].k = xstrdup(k);
	(*kv)[*n].v = v;
	(*n)++;
}

/* The parameters as name=value pairs: A.0, A.B for arrays and objects. */
static void
flatten(const char *name, const json_t *v, struct kv **kv, size_t *n)
{
	const char *key;
	json_t *item;
	size_t i;
	char *sub;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item) {
			sub = *name ? xasprintf("%s.%s", name, key) : xstrdup(key);
			flatten(sub, item, kv, n);
			free(sub);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			sub = xasprintf("%s.%zu", name, i);
			flatten(sub, item, kv, n);
			free(sub);
		}
	} else if (json_is_string(v))
		kv_push(kv, n, name, xstrdup(json_string_value(v)));
	else if (!json_is_null(v))
		kv_push(kv, n, name, jw_dumps(v));
}

static void
form_of(struct buf *b, const struct kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, '&');
		form_escape(b, kv[i].k);
		buf_addc(b, '=');
		form_escape(b, kv[i].v);
	}
}

static int
target_parse(const char *url, struct sign_target *t)
{
	const char *p = url, *scheme = "http", *end;
	char *hostport, *colon;
	bool https = false;

	if (strncmp(p, "https://", 8) == 0) {
		scheme = "https";
		https = true;
		p += 8;
	} else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	else if (strstr(p, "://") != NULL)
		return -1;
	end = p + strcspn(p, "/");
	if (end == p || (*end == '/' && end[1] != '\0'))
		return -1;	/* TMT has one path: / */
	hostport = xstrndup(p, (size_t)(end - p));
	colon = strrchr(hostport, ':');
	if (colon != NULL && strchr(hostport, ']') > colon)
		colon = NULL;	/* [::1] alone */
	/* curl leaves the scheme's own port out of Host. */
	if (colon != NULL && strcmp(colon + 1, https ? "443" : "80") == 0)
		*colon = '\0';
	t->st_host = hostport;
	t->st_base = xasprintf("%s://%s", scheme, hostport);
	colon = strrchr(hostport, ':');
	t->st_name = hostport[0] == '[' || colon == NULL ? xstrdup(hostport) :
	    xstrndup(hostport, (size_t)(colon - hostport));
	return 0;
}

/* The TC3 scope's service: tmt for the mock, the product for Tencent. */
static char *
service_of(const struct sign_target *t)
{
	size_t n = strlen(t->st_name), k = sizeof SIGN_CLOUD_SUFFIX - 1;

	if (n > k && strcasecmp(t->st_name + n - k, SIGN_CLOUD_SUFFIX) == 0)
		return xstrndup(t->st_name, strcspn(t->st_name, "."));
	return xstrdup("tmt");
}

/* One header, as a curl -H or an HTTP line. */
static void
header(struct buf *b, const struct sign_opts *so, const char *name,
    const char *value)
{
	struct buf h = { 0 };

	buf_addf(&h, "%s: %s", name, value);
	if (so->so_headers)
		buf_addf(b, "%s\n", h.b_data);
	else {
		buf_adds(b, " \\\n  -H ");
		shq(b, h.b_data);
	}
	buf_free(&h);
}

static void
tc3_request(struct buf *out, const struct sign_opts *so,
    const struct sign_target *t, const char *payload, const char *query)
{
	struct tc3_header hdrs[2];
	const char *ctype, *method = so->so_get ? "GET" : "POST";
	char date[11], hash[65], sig[65], ts[32], *service, *creq, *sts, *auth;

	ctype = so->so_get ? "application/x-www-form-urlencoded" :
	    so->so_content_type != NULL ? so->so_content_type : "application/json";
	snprintf(ts, sizeof ts, "%lld", so->so_timestamp);
	sig_tc3_date(so->so_timestamp, date);
	service = so->so_service != NULL ? xstrdup(so->so_service) :
	    service_of(t);
	hdrs[0].name = "content-type";
	hdrs[0].value = ctype;
	hdrs[1].name = "host";
	hdrs[1].value = t->st_host;
	crypto_sha256_hex(payload, strlen(payload), hash);
	creq = sig_tc3_canonical_request(method, query, hdrs, 2,
	    "content-type;host", hash);
	sts = sig_tc3_string_to_sign(ts, date, service, creq);
	sig_tc3_sign(so->so_secret_key, date, service, sts, sig);
	auth = xasprintf("TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, "
	    "SignedHeaders=content-type;host, Signature=%s", so->so_secret_id,
	    date, service, sig);

	if (so->so_headers)
		buf_addf(out, "%s /%s%s HTTP/1.1\n", method, *query ? "?" : "",
		    query);
	else {
		buf_adds(out, "curl -sS ");
		if (!so->so_get)
			buf_adds(out, "-X POST ");
		buf_addf(out, "'%s/%s", t->st_base, *query ? "?" : "");
		buf_adds(out, query);	/* form-encoded: no quote in it */
		buf_addc(out, '\'');
	}
	header(out, so, "Host", t->st_host);
	header(out, so, "Content-Type", ctype);
	header(out, so, "Authorization", auth);
	header(out, so, "X-TC-Action", so->so_action);
	header(out, so, "X-TC-Timestamp", ts);
	header(out, so, "X-TC-Version", so->so_version);
	if (*so->so_region != '\0')
		header(out, so, "X-TC-Region", so->so_region);
	if (so->so_language != NULL)
		header(out, so, "X-TC-Language", so->so_language);
	if (so->so_token != NULL)
		header(out, so, "X-TC-Token", so->so_token);
	if (so->so_headers)
		buf_addf(out, "\n%s", payload);
	else if (!so->so_get) {
		buf_adds(out, " \\\n  --data-raw ");
		shq(out, payload);
	}
	buf_addc(out, '\n');
	free(service);
	free(creq);
	free(sts);
	free(auth);
}

static void
v1_request(struct buf *out, const struct sign_opts *so,
    const struct sign_target *t, struct kv **kv, size_t *n)
{
	char sig[45], *source;
	struct buf form = { 0 };

	kv_push(kv, n, "Action", xstrdup(so->so_action));
	kv_push(kv, n, "Version", xstrdup(so->so_version));
	if (*so->so_region != '\0')
		kv_push(kv, n, "Region", xstrdup(so->so_region));
	kv_push(kv, n, "Timestamp", xasprintf("%lld", so->so_timestamp));
	kv_push(kv, n, "Nonce", xasprintf("%lld", so->so_nonce));
	kv_push(kv, n, "SecretId", xstrdup(so->so_secret_id));
	/* HmacSHA1 is the default: named only for HmacSHA256, as the
	 * documentation's example (vector 10.4) does. */
	if (so->so_scheme == SS_V1_SHA256)
		kv_push(kv, n, "SignatureMethod", xstrdup("HmacSHA256"));
	if (so->so_language != NULL)
		kv_push(kv, n, "Language", xstrdup(so->so_language));
	if (so->so_token != NULL)
		kv_push(kv, n, "Token", xstrdup(so->so_token));
	source = sig_v1_source(so->so_get ? "GET" : "POST", t->st_host, *kv, *n);
	sig_v1_sign(so->so_scheme == SS_V1_SHA256 ? MD_SHA256 : MD_SHA1,
	    so->so_secret_key, source, sig);
	kv_push(kv, n, "Signature", xstrdup(sig));
	form_of(&form, *kv, *n);

	if (so->so_headers) {
		if (so->so_get)
			buf_addf(out, "GET /?%s HTTP/1.1\nHost: %s\n\n", form.b_data,
			    t->st_host);
		else
			buf_addf(out, "POST / HTTP/1.1\nHost: %s\nContent-Type: "
			    "application/x-www-form-urlencoded\n\n%s", t->st_host,
			    form.b_data);
	} else if (so->so_get)
		buf_addf(out, "curl -sS '%s/?%s' \\\n  -H 'Host: %s'", t->st_base,
		    form.b_data, t->st_host);
	else
		buf_addf(out, "curl -sS -X POST '%s/' \\\n  -H 'Host: %s' \\\n  -H "
		    "'Content-Type: application/x-www-form-urlencoded' \\\n  "
		    "--data-raw '%s'", t->st_base, t->st_host, form.b_data);
	buf_addc(out, '\n');
	free(source);
	buf_free(&form);
}

static bool
number_arg(const char *name, const char *arg, long long *out)
{
	if (str_is_decimal(arg, out) && *out >= 0)
		return true;
	fprintf(stderr, "tmtmock sign: %s: `%s` is not a whole number\n", name, arg);
	return false;
}

/* The options into so; 1: --help, 0: go on, 2: bad usage (printed). */
static int
sign_parse(int argc, char **argv, struct sign_opts *so)
{
	static const struct option longopts[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "params", required_argument, NULL, 'p' },
		{ "body", required_argument, NULL, 'b' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "secret-id", required_argument, NULL, 'i' },
		{ "secret-key", required_argument, NULL, 'k' },
		{ "token", required_argument, NULL, 'T' },
		{ "region", required_argument, NULL, 'r' },
		{ "version", required_argument, NULL, 'V' },
		{ "service", required_argument, NULL, 's' },
		{ "language", required_argument, NULL, 'l' },
		{ "content-type", required_argument, NULL, 'c' },
		{ "method", required_argument, NULL, 'm' },
		{ "sign-method", required_argument, NULL, 'M' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "headers", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': so->so_action = optarg; break;
		case 'p': so->so_params = optarg; break;
		case 'b': so->so_body = optarg; break;
		case 'e': so->so_endpoint = optarg; break;
		case 'i': so->so_secret_id = optarg; break;
		case 'k': so->so_secret_key = optarg; break;
		case 'T': so->so_token = optarg; break;
		case 'r': so->so_region = optarg; break;
		case 'V': so->so_version = optarg; break;
		case 's': so->so_service = optarg; break;
		case 'l': so->so_language = optarg; break;
		case 'c': so->so_content_type = optarg; break;
		case 'H': so->so_headers = true; break;
		case 'h': sign_usage(stdout); return 1;
		case 'm':
			if (strcmp(optarg, "GET") != 0 && strcmp(optarg, "POST") != 0) {
				fprintf(stderr, "tmtmock sign: --method: `%s` is not "
				    "POST or GET\n", optarg);
				return 2;
			}
			so->so_get = optarg[0] == 'G';
			break;
		case 'M':
			if (strcmp(optarg, "TC3-HMAC-SHA256") == 0)
				so->so_scheme = SS_TC3;
			else if (strcmp(optarg, "HmacSHA1") == 0)
				so->so_scheme = SS_V1_SHA1;
			else if (strcmp(optarg, "HmacSHA256") == 0)
				so->so_scheme = SS_V1_SHA256;
			else {
				fprintf(stderr, "tmtmock sign: --sign-method: `%s` is "
				    "not TC3-HMAC-SHA256, HmacSHA1 or HmacSHA256\n", optarg);
				return 2;
			}
			break;
		case 't':
			if (!number_arg("--timestamp", optarg, &so->so_timestamp))
				return 2;
			break;
		case 'n':
			if (!number_arg("--nonce", optarg, &so->so_nonce))
				return 2;
			break;
		default:
			fprintf(stderr, "tmtmock sign: %s: unknown option or missing "
			    "value (tmtmock sign --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tmtmock sign: `%s`: not an option (tmtmock sign "
		    "--help)\n", argv[optind]);
		return 2;
	}
	if (so->so_action == NULL || *so->so_action == '\0') {
		fprintf(stderr, "tmtmock sign: --action is required (tmtmock sign "
		    "--help)\n");
		return 2;
	}
	if (so->so_body != NULL && (so->so_params != NULL || so->so_get ||
	    so->so_scheme != SS_TC3)) {
		fprintf(stderr, "tmtmock sign: --body is for a TC3 POST, without "
		    "--params\n");
		return 2;
	}
	return 0;
}

int
sign_main(int argc, char **argv)
{
	struct sign_opts so = { .so_params = NULL, .so_region = "ap-guangzhou",
	    .so_version = TMT_VERSION, .so_endpoint = "http://localhost:9000",
	    .so_timestamp = -1, .so_nonce = -1 };
	struct sign_target t = { 0 };
	struct buf out = { 0 }, query = { 0 };
	struct kv *kv = NULL;
	size_t nkv = 0;
	json_error_t jerr;
	json_t *params = NULL;
	char *payload = NULL;
	uint32_t r;
	int rc;

	if ((rc = sign_parse(argc, argv, &so)) != 0)
		return rc == 1 ? 0 : 2;
	rc = 2;
	if (so.so_secret_id == NULL && so.so_secret_key == NULL) {
		so.so_secret_id = getenv("TENCENTCLOUD_SECRET_ID");
		so.so_secret_key = getenv("TENCENTCLOUD_SECRET_KEY");
		if (so.so_secret_id == NULL || so.so_secret_key == NULL)
			so.so_secret_id = SIGN_EXAMPLE_ID, so.so_secret_key =
			    SIGN_EXAMPLE_KEY;
		else if (so.so_token == NULL)
			so.so_token = getenv("TENCENTCLOUD_TOKEN");
	}
	if (so.so_secret_id == NULL || so.so_secret_key == NULL) {
		fprintf(stderr, "tmtmock sign: give both --secret-id and "
		    "--secret-key\n");
		goto out;
	}
	if (target_parse(so.so_endpoint, &t) != 0) {
		fprintf(stderr, "tmtmock sign: --endpoint: `%s` is not "
		    "http[s]://HOST[:PORT]\n", so.so_endpoint);
		goto out;
	}
	if (so.so_body == NULL) {
		params = json_loads(so.so_params != NULL ? so.so_params : "{}",
		    JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(params)) {
			fprintf(stderr, "tmtmock sign: --params: not a JSON object%s%s\n",
			    params == NULL ? ": " : "", params == NULL ? jerr.text : "");
			goto out;
		}
	}
	if (so.so_timestamp < 0)
		so.so_timestamp = (long long)time(NULL);
	if (so.so_nonce < 0) {
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			r = (uint32_t)time(NULL);
		so.so_nonce = 1 + (long long)(r % 2147483646u);
	}

	if (so.so_scheme != SS_TC3) {
		flatten("", params, &kv, &nkv);
		v1_request(&out, &so, &t, &kv, &nkv);
	} else if (so.so_get) {
		flatten("", params, &kv, &nkv);
		form_of(&query, kv, nkv);
		tc3_request(&out, &so, &t, "", buf_str(&query));
	} else {
		payload = so.so_body != NULL ? xstrdup(so.so_body) :
		    json_dumps(params, JSON_COMPACT | JSON_PRESERVE_ORDER);
		tc3_request(&out, &so, &t, payload, "");
	}
	fputs(buf_str(&out), stdout);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	kv_free(kv, nkv);
	json_decref(params);
	free(payload);
	buf_free(&out);
	buf_free(&query);
	free(t.st_base);
	free(t.st_host);
	free(t.st_name);
	return rc;
}
