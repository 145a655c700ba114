/*
 * upstream.c: record once, replay offline (docs/record-replay.md).
 * A request that passed the mock's checks (signed with mock credentials)
 * is re-signed with the real ones from the environment, in the scheme the
 * client used, forwarded to --upstream, and the upstream's answer is the
 * client's; each success is appended to the --record cassette. --replay
 * answers from a cassette, a request it lacks as --replay-miss says.
 *
 * The upstream call is asynchronous: it runs on the event loop the
 * pipeline is given and calls the pipeline back when the answer (or the
 * failure) is in: the front's loop, so other clients are answered
 * meanwhile; pipeline_run (the fuzz targets) gives it a loop of its own
 * and waits (docs/record-replay.md, Proxy and record).
 *
 * The real keys live only in this file's statics, read from the
 * environment; they are never logged, journalled or recorded.
 */
#include <sys/random.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tmtmock.h"

/* One cassette entry: the key it matches by, the answer (owned). */
struct tape {
	char	*t_key;
	json_t	*t_answer;
};

static char *up_id, *up_key, *up_token;	/* the real credentials */
static struct evhttp_uri *up_uri;
static int record_fd = -1;
static SSL_CTX *ctx;			/* https upstreams, made once */
static struct tape *tapes;
static size_t ntapes;
/* Error codes the upstream answered that the catalogue lacks: the outcome
 * borrows o_error_code, so they are kept until upstream_clear. */
static char **codes;
static size_t ncodes;

int
upstream_url_check(const char *url, char *err, size_t errlen)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *scheme, *host;
	int rc = -1;

	if (u == NULL || (scheme = evhttp_uri_get_scheme(u)) == NULL ||
	    (host = evhttp_uri_get_host(u)) == NULL || *host == '\0') {
		snprintf(err, errlen, "--upstream: \"%s\" is not a URL such as "
		    "https://tmt.tencentcloudapi.com", url);
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
		snprintf(err, errlen, "--upstream: \"%s\": the scheme must be "
		    "https (or http to loopback)", url);
		goto out;
	}
	/* The real keys sign what goes there: in clear text only to this
	 * machine (a second mock in a test), never across a network. */
	if (strcasecmp(scheme, "http") == 0 && !file_host_loopback(host)) {
		snprintf(err, errlen, "--upstream: \"%s\": plain http only to "
		    "loopback (127.0.0.0/8, ::1, localhost); use https", url);
		goto out;
	}
	rc = 0;
out:
	if (u != NULL)
		evhttp_uri_free(u);
	return rc;
}

static bool
is_https(void)
{
	return strcasecmp(evhttp_uri_get_scheme(up_uri), "https") == 0;
}

static int
up_port(void)
{
	int port = evhttp_uri_get_port(up_uri);

	return port > 0 ? port : is_https() ? 443 : 80;
}

/* The Host header and the host the signatures name: with the port when it
 * is not the scheme's. */
static char *
up_authority(void)
{
	const char *host = evhttp_uri_get_host(up_uri);
	int port = evhttp_uri_get_port(up_uri);
	bool v6 = strchr(host, ':') != NULL;

	if (port <= 0 || port == (is_https() ? 443 : 80))
		return v6 ? xasprintf("[%s]", host) : xstrdup(host);
	return v6 ? xasprintf("[%s]:%d", host, port) : xasprintf("%s:%d", host,
	    port);
}

/*
 * The matching key: the action, then the parameters as compact JSON with
 * sorted keys, every number and boolean written as a string, so a form's
 * "0" and JSON's 0 are one request (docs/record-replay.md, Matching).
 */
static json_t *
norm(const json_t *v)
{
	json_t *out, *x;
	const char *k;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(out, k, norm(x));
		return out;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, norm(x));
		return out;
	case JSON_INTEGER:
		return json_string_take(xasprintf("%lld",
		    (long long)json_integer_value(v)));
	case JSON_REAL:
		return json_string_take(xasprintf("%.17g", json_real_value(v)));
	case JSON_TRUE:
		return json_string("true");
	case JSON_FALSE:
		return json_string("false");
	default:
		return json_deep_copy(v);
	}
}

static char *
tape_key(const char *action, const json_t *params)
{
	json_t *n = params != NULL ? norm(params) : json_object();
	char *p, *key;

	/* DryRun is the mock's, never part of a recorded call. */
	json_object_del(n, "DryRun");
	p = json_dumps(n, JSON_COMPACT | JSON_SORT_KEYS);
	key = xasprintf("%s\n%s", action, p);
	free(p);
	json_decref(n);
	return key;
}

static void
tape_add(char *key /* taken */, json_t *answer /* taken */)
{
	tapes = xrealloc(tapes, (ntapes + 1) * sizeof *tapes);
	tapes[ntapes].t_key = key;
	tapes[ntapes].t_answer = answer;
	ntapes++;
}

static int
replay_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	json_t *j = NULL, *action, *answer;
	json_error_t jerr;
	int rc = -1;

	if (f == NULL) {
		snprintf(err, errlen, "--replay: %s: %m", path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if ((j = json_loads(line, 0, &jerr)) == NULL) {
			snprintf(err, errlen, "--replay: %s:%zu: %s", path, lineno,
			    jerr.text);
			goto out;
		}
		action = json_object_get(j, "action");
		answer = json_object_get(j, "answer");
		if (!json_is_string(action) || !json_is_object(answer) ||
		    !json_is_object(json_object_get(j, "params"))) {
			snprintf(err, errlen, "--replay: %s:%zu: needs \"action\" "
			    "(a string), \"params\" and \"answer\" (objects)", path,
			    lineno);
			goto out;
		}
		tape_add(tape_key(json_string_value(action),
		    json_object_get(j, "params")), json_incref(answer));
		json_decref(j);
		j = NULL;
	}
	rc = 0;
out:
	json_decref(j);
	free(line);
	fclose(f);
	return rc;
}

int
upstream_init(char *err, size_t errlen)
{
	const char *id = getenv("TMTMOCK_UPSTREAM_SECRET_ID");
	const char *key = getenv("TMTMOCK_UPSTREAM_SECRET_KEY");
	const char *token = getenv("TMTMOCK_UPSTREAM_TOKEN");

	if (conf.c_replay != NULL && replay_load(conf.c_replay, err, errlen) != 0)
		return -1;
	if (conf.c_upstream == NULL)
		return 0;
	/* Only the environment: never an option, a config file or argv,
	 * which ps, shell history and CI logs show. */
	if (id == NULL || *id == '\0' || key == NULL || *key == '\0') {
		snprintf(err, errlen, "--upstream needs the real credentials in "
		    "TMTMOCK_UPSTREAM_SECRET_ID and TMTMOCK_UPSTREAM_SECRET_KEY");
		return -1;
	}
	up_id = xstrdup(id);
	up_key = xstrdup(key);
	up_token = token != NULL && *token != '\0' ? xstrdup(token) : NULL;
	up_uri = evhttp_uri_parse(conf.c_upstream);
	if (conf.c_record != NULL && (record_fd = open(conf.c_record,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errlen, "--record: %s: %m", conf.c_record);
		return -1;
	}
	return 0;
}

void
upstream_clear(void)
{
	size_t i;

	for (i = 0; i < ntapes; i++) {
		free(tapes[i].t_key);
		json_decref(tapes[i].t_answer);
	}
	free(tapes);
	tapes = NULL;
	ntapes = 0;
	for (i = 0; i < ncodes; i++)
		free(codes[i]);
	free(codes);
	codes = NULL;
	ncodes = 0;
	if (up_key != NULL)
		explicit_bzero(up_key, strlen(up_key));
	free(up_id);
	free(up_key);
	free(up_token);
	up_id = up_key = up_token = NULL;
	if (up_uri != NULL)
		evhttp_uri_free(up_uri);
	up_uri = NULL;
	if (record_fd >= 0)
		close(record_fd);
	record_fd = -1;
	SSL_CTX_free(ctx);
	ctx = NULL;
}

/* application/x-www-form-urlencoded, as the SDKs write it. */
static void
form_add(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-_.~", ch) != NULL)
			buf_addc(b, (char)ch);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[ch >> 4]);
			buf_addc(b, hex[ch & 15]);
		}
	}
}

/* One forwarded request, from its sending to its answer. */
struct up_call {
	struct fwd	 uc_f;		/* borrowed: the pipeline keeps it alive */
	struct outcome	*uc_out;
	void		(*uc_done)(void *);
	void		*uc_arg;
	struct evhttp_connection *uc_conn;
	struct event_base *uc_base;
	int		 uc_status;	/* 0: no answer (transport) */
	char		*uc_ctype;
	struct buf	 uc_body;
	struct up_call	*uc_next;	/* in flight */
};

static struct up_call *inflight;

static void take_reply(struct up_call *);

static void
call_unlink(struct up_call *u)
{
	struct up_call **pp;

	for (pp = &inflight; *pp != NULL; pp = &(*pp)->uc_next)
		if (*pp == u) {
			*pp = u->uc_next;
			break;
		}
}

/* evhttp must not free a connection from inside its own callback: the
 * next loop turn does it. */
static void
call_free(evutil_socket_t fd, short events, void *arg)
{
	struct up_call *u = arg;

	(void)fd, (void)events;
	if (u->uc_conn != NULL)
		evhttp_connection_free(u->uc_conn);
	free(u->uc_ctype);
	buf_free(&u->uc_body);
	free(u);
}

/* The answer is in (or the transport failed): the outcome is filled, the
 * pipeline called back, the call freed on the next turn. */
static void
call_finish(struct up_call *u, bool now)
{
	struct timeval zero = { 0, 0 };

	call_unlink(u);
	take_reply(u);
	u->uc_done(u->uc_arg);
	if (now || event_base_once(u->uc_base, -1, EV_TIMEOUT, call_free, u,
	    &zero) != 0)
		call_free(-1, 0, u);
}

/* A request evhttp would not send: ends on the next turn, never inside
 * upstream_handle (its caller has not yet seen UP_PENDING). */
static void
call_failed(evutil_socket_t fd, short events, void *arg)
{
	(void)fd, (void)events;
	call_finish(arg, false);
}

static void
up_done(struct evhttp_request *er, void *arg)
{
	struct up_call *u = arg;
	struct evbuffer *in;
	const char *ct;
	size_t len;

	if (er != NULL && (u->uc_status = evhttp_request_get_response_code(er)) > 0) {
		ct = evhttp_find_header(evhttp_request_get_input_headers(er),
		    "Content-Type");
		u->uc_ctype = xstrdup(ct != NULL ? ct : "application/json");
		in = evhttp_request_get_input_buffer(er);
		if ((len = evbuffer_get_length(in)) > 0)
			buf_add(&u->uc_body, (const char *)evbuffer_pullup(in, -1),
			    len);
	}
	call_finish(u, false);
}

/* The TLS context for https upstreams: the system's CAs (or only
 * --upstream-ca's), TLS 1.2 or newer; the host name is checked per
 * connection. */
static SSL_CTX *
up_ssl_ctx(void)
{
	if (ctx != NULL)
		return ctx;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		fatalx("cannot create the upstream TLS context");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (conf.c_upstream_ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, conf.c_upstream_ca,
		    NULL) != 1)
			log_warnx("--upstream-ca: %s cannot be read",
			    conf.c_upstream_ca);
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		log_warnx("upstream: the system's CA store cannot be read");
	return ctx;
}

/* Sends method path?query with the headers and body on u's loop; up_done
 * follows. */
static void
up_send(enum evhttp_cmd_type method, const char *target, struct kv *hdrs,
    size_t nhdrs, const char *body, size_t body_len, struct up_call *u)
{
	struct timeval zero = { 0, 0 };
	struct evhttp_request *er;
	struct bufferevent *bev;
	const char *host = evhttp_uri_get_host(up_uri);
	SSL *ssl;
	size_t i;

	if (is_https()) {
		if ((ssl = SSL_new(up_ssl_ctx())) == NULL)
			fatalx("cannot create an upstream TLS session");
		SSL_set_tlsext_host_name(ssl, host);
		/* Hostname verification: the certificate must name the host. */
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(ssl, host) != 1)
			fatalx("cannot set the upstream host to verify");
		bev = bufferevent_openssl_socket_new(u->uc_base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL)
			fatalx("cannot create an upstream TLS connection");
		u->uc_conn = evhttp_connection_base_bufferevent_new(u->uc_base,
		    NULL, bev, host, (unsigned short)up_port());
	} else
		u->uc_conn = evhttp_connection_base_new(u->uc_base, NULL, host,
		    (unsigned short)up_port());
	if (u->uc_conn == NULL)
		fatalx("cannot create the upstream connection");
	evhttp_connection_set_timeout(u->uc_conn, (int)conf.c_upstream_timeout);
	evhttp_connection_set_retries(u->uc_conn, 0);
	if ((er = evhttp_request_new(up_done, u)) == NULL)
		fatalx("cannot create the upstream request");
	for (i = 0; i < nhdrs; i++)
		evhttp_add_header(evhttp_request_get_output_headers(er),
		    hdrs[i].k, hdrs[i].v);
	if (body_len > 0)
		evbuffer_add(evhttp_request_get_output_buffer(er), body, body_len);
	u->uc_next = inflight;
	inflight = u;
	/* On failure evhttp has freed er already, and called nothing. */
	if (evhttp_make_request(u->uc_conn, er, method, target) != 0 &&
	    event_base_once(u->uc_base, -1, EV_TIMEOUT, call_failed, u,
	    &zero) != 0)
		fatalx("cannot schedule the end of an upstream call");
}

static void
hdr(struct kv *h, size_t *n, const char *k, char *v /* taken */)
{
	h[*n].k = (char *)k;
	h[*n].v = v;
	(*n)++;
}

/* TC3: the client's body and query, signed anew (content-type;host). */
static void
forward_tc3(const struct fwd *f, struct up_call *u)
{
	const struct req *r = f->f_req;
	const char *ct = req_header(r, "Content-Type");
	const char *method = r->r_method == RM_GET ? "GET" : "POST";
	struct tc3_header th[2];
	struct kv h[10];
	size_t nh = 0, i;
	char date[11], hash[65], sig[65], ts[24], *creq, *sts, *target;
	char *authority = up_authority();
	long long now = (long long)time(NULL);	/* the real service's clock */

	if (ct == NULL)
		ct = r->r_method == RM_GET ? "application/x-www-form-urlencoded" :
		    "application/json";
	sig_tc3_date(now, date);
	snprintf(ts, sizeof ts, "%lld", now);
	th[0].name = "content-type";
	th[0].value = ct;
	th[1].name = "host";
	th[1].value = authority;
	crypto_sha256_hex(r->r_body != NULL ? (const char *)r->r_body : "",
	    r->r_body_len, hash);
	creq = sig_tc3_canonical_request(method, r->r_query, th, 2,
	    "content-type;host", hash);
	sts = sig_tc3_string_to_sign(ts, date, "tmt", creq);
	sig_tc3_sign(up_key, date, "tmt", sts, sig);
	hdr(h, &nh, "Host", xstrdup(authority));
	hdr(h, &nh, "Content-Type", xstrdup(ct));
	hdr(h, &nh, "Authorization", xasprintf("TC3-HMAC-SHA256 Credential="
	    "%s/%s/tmt/tc3_request, SignedHeaders=content-type;host, "
	    "Signature=%s", up_id, date, sig));
	hdr(h, &nh, "X-TC-Action", xstrdup(f->f_action));
	hdr(h, &nh, "X-TC-Version", xstrdup(f->f_version));
	hdr(h, &nh, "X-TC-Timestamp", xstrdup(ts));
	if (f->f_region != NULL && *f->f_region != '\0')
		hdr(h, &nh, "X-TC-Region", xstrdup(f->f_region));
	if (req_header(r, "X-TC-Language") != NULL)
		hdr(h, &nh, "X-TC-Language", xstrdup(req_header(r, "X-TC-Language")));
	if (up_token != NULL)
		hdr(h, &nh, "X-TC-Token", xstrdup(up_token));
	target = xasprintf("/%s%s", *r->r_query != '\0' ? "?" : "", r->r_query);
	up_send(r->r_method == RM_GET ? EVHTTP_REQ_GET : EVHTTP_REQ_POST, target,
	    h, nh, (const char *)r->r_body, r->r_method == RM_GET ? 0 :
	    r->r_body_len, u);
	for (i = 0; i < nh; i++)
		free(h[i].v);
	free(target);
	free(creq);
	free(sts);
	free(authority);
}

/* v1: the client's pairs with the credentials, time and nonce replaced,
 * signed anew with the client's SignatureMethod. */
static void
forward_v1(const struct fwd *f, struct up_call *u)
{
	static const char *const replaced[] = { "SecretId", "Signature",
	    "Timestamp", "Nonce", "Token", NULL };
	struct kv *kv = xcalloc(f->f_nform + 5, sizeof *kv), h[3];
	size_t n = 0, nh = 0, i, j;
	char sig[45], *source, *target;
	char *authority = up_authority();
	struct buf form = { 0 };
	uint32_t nonce;
	bool get = f->f_req->r_method == RM_GET;

	for (i = 0; i < f->f_nform; i++) {
		for (j = 0; replaced[j] != NULL; j++)
			if (strcmp(f->f_form[i].k, replaced[j]) == 0)
				break;
		if (replaced[j] == NULL) {
			kv[n].k = xstrdup(f->f_form[i].k);
			kv[n++].v = xstrdup(f->f_form[i].v);
		}
	}
	if (getrandom(&nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce)
		nonce = (uint32_t)time(NULL);
	kv[n].k = xstrdup("SecretId");
	kv[n++].v = xstrdup(up_id);
	kv[n].k = xstrdup("Timestamp");
	kv[n++].v = xasprintf("%lld", (long long)time(NULL));
	kv[n].k = xstrdup("Nonce");
	kv[n++].v = xasprintf("%u", nonce % 1000000000u + 1);
	if (up_token != NULL) {
		kv[n].k = xstrdup("Token");
		kv[n++].v = xstrdup(up_token);
	}
	source = sig_v1_source(get ? "GET" : "POST", authority, kv, n);
	sig_v1_sign(f->f_method == SM_HMACSHA256 ? MD_SHA256 : MD_SHA1, up_key,
	    source, sig);
	for (i = 0; i < n; i++) {
		form_add(&form, kv[i].k);
		buf_addc(&form, '=');
		form_add(&form, kv[i].v);
		buf_addc(&form, '&');
	}
	buf_adds(&form, "Signature=");
	form_add(&form, sig);
	hdr(h, &nh, "Host", xstrdup(authority));
	if (!get)
		hdr(h, &nh, "Content-Type",
		    xstrdup("application/x-www-form-urlencoded"));
	target = get ? xasprintf("/?%s", buf_str(&form)) : xstrdup("/");
	up_send(get ? EVHTTP_REQ_GET : EVHTTP_REQ_POST, target, h, nh,
	    buf_str(&form), get ? 0 : form.b_len, u);
	for (i = 0; i < nh; i++)
		free(h[i].v);
	kv_free(kv, n);
	buf_free(&form);
	free(target);
	free(source);
	free(authority);
}

static const char *
code_keep(const char *code)
{
	const struct err_def *e = catalogue_find(code);
	size_t i;

	if (e != NULL)
		return e->e_code;
	for (i = 0; i < ncodes; i++)
		if (strcmp(codes[i], code) == 0)
			return codes[i];
	codes = xrealloc(codes, (ncodes + 1) * sizeof *codes);
	return codes[ncodes++] = xstrdup(code);
}

/* One cassette line: action, parameters, the answer without RequestId,
 * the time. Only business parameters: no credential reaches it. */
static void
record(const struct fwd *f, const json_t *answer)
{
	char when[32], *line;
	time_t now = time(NULL);
	struct tm tm;
	json_t *j;
	size_t len;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	j = json_pack("{s:s,s:O,s:O,s:s}", "action", f->f_action, "params",
	    f->f_params, "answer", answer, "time", when);
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	len = strlen(line);
	if (record_fd >= 0) {
		char *nl = xasprintf("%s\n", line);

		/* One write per line, O_APPEND: lines never interleave. */
		if (write(record_fd, nl, len + 1) != (ssize_t)(len + 1))
			log_warnx("--record: %s: a line could not be written",
			    conf.c_record);
		free(nl);
	}
	free(line);
	json_decref(j);
}

/* The upstream's answer into the outcome: verbatim, and recorded when a
 * success. */
static void
take_reply(struct up_call *u)
{
	const struct fwd *f = &u->uc_f;
	struct outcome *o = u->uc_out;
	json_t *root = NULL, *resp, *rid, *error, *code, *answer;

	if (u->uc_status == 0) {
		/* No answer at all: what Tencent's gateway answers when its
		 * backend does not (mock convention: the code and message). */
		o->o_error_code = "InternalError.BackendTimeout";
		o->o_body = answer_error(o->o_error_code, "The upstream "
		    "(--upstream) did not answer: connection refused, reset or "
		    "timed out.", o->o_request_id);
		return;
	}
	o->o_http_status = u->uc_status;
	free(o->o_content_type);
	o->o_content_type = u->uc_ctype;
	u->uc_ctype = NULL;
	o->o_body = xstrndup(u->uc_body.b_len > 0 ? u->uc_body.b_data : "",
	    u->uc_body.b_len);
	root = json_loadb(o->o_body, u->uc_body.b_len, 0, NULL);
	resp = json_object_get(root, "Response");
	if (!json_is_object(resp)) {
		/* A gateway's HTML page or anything else: the client gets it
		 * as it came, and it is an error, never recorded. */
		o->o_error_code = "InternalError";
		goto out;
	}
	if (json_is_string(rid = json_object_get(resp, "RequestId")) &&
	    strlen(json_string_value(rid)) < sizeof o->o_request_id)
		snprintf(o->o_request_id, sizeof o->o_request_id, "%s",
		    json_string_value(rid));
	error = json_object_get(resp, "Error");
	if (error != NULL || u->uc_status != 200) {
		code = json_object_get(error, "Code");
		o->o_error_code = code_keep(json_is_string(code) ?
		    json_string_value(code) : "InternalError");
		goto out;
	}
	answer = json_deep_copy(resp);
	json_object_del(answer, "RequestId");
	record(f, answer);
	/* Recording what is missing from a replayed cassette: the next
	 * request like it is answered from the tape. */
	if (conf.c_replay != NULL)
		tape_add(tape_key(f->f_action, f->f_params), json_incref(answer));
	json_decref(answer);
out:
	json_decref(root);
}

enum up_step
upstream_handle(const struct fwd *f, struct outcome *o, struct event_base *base,
    void (*done)(void *), void *arg)
{
	struct up_call *u;
	char *key;
	size_t i;

	if (conf.c_replay != NULL) {
		key = tape_key(f->f_action, f->f_params);
		for (i = 0; i < ntapes; i++)
			if (strcmp(tapes[i].t_key, key) == 0)
				break;
		free(key);
		if (i < ntapes) {
			/* A fresh RequestId: the recorded one was that call's. */
			o->o_body = answer_ok(json_deep_copy(tapes[i].t_answer),
			    o->o_request_id);
			return UP_DONE;
		}
		if (strcmp(conf.c_replay_miss, "pseudo") == 0)
			return UP_NONE;
		if (strcmp(conf.c_replay_miss, "error") == 0) {
			o->o_error_code = "ResourceNotFound";
			o->o_body = answer_error(o->o_error_code, "No recorded "
			    "answer for this request in the --replay cassette "
			    "(--replay-miss error).", o->o_request_id);
			return UP_DONE;
		}
		/* forward: record what is missing */
	}
	if (conf.c_upstream == NULL)
		return UP_NONE;
	u = xcalloc(1, sizeof *u);
	u->uc_f = *f;
	u->uc_out = o;
	u->uc_done = done;
	u->uc_arg = arg;
	u->uc_base = base;
	if (f->f_v3)
		forward_tc3(f, u);
	else
		forward_v1(f, u);
	return UP_PENDING;
}

void
upstream_abort(void)
{
	struct up_call *u;

	/* Each call ends as a transport failure would: its pipeline is
	 * called back, so whoever waits for it can free what it holds. */
	while ((u = inflight) != NULL) {
		if (u->uc_conn != NULL) {
			/* Frees the request without calling up_done. */
			evhttp_connection_free(u->uc_conn);
			u->uc_conn = NULL;
		}
		u->uc_status = 0;
		call_finish(u, true);
	}
}
