/*
 * act_file.c: FileTranslate and GetFileTranslate (docs/behaviour.md, Actions).
 *
 * A task lives in memory, owned by the account that created it, and moves
 * on the mock clock from its creation: "init" (Progress 0) for the first
 * second, "wait" (Progress 50) until the third, then "success" (Progress
 * 100) with the document in FileData. Tasks are forgotten after 7 days
 * ("结果保留7天"); another account's TaskId is answered as an unknown one.
 *
 * The translated document (mock convention): a text format (txt, markdown,
 * html, xml, properties) in UTF-8 goes through xlate_text() whole, and
 * UsedAmount counts its code points; the mock cannot translate binary
 * formats (pdf, docx, pptx, xlsx) or text that is not UTF-8, so those come
 * back unchanged with UsedAmount 0. The mock downloads nothing: a task made
 * from a Url (SourceType 0) follows the same clock but ends in "fail" with
 * a Message saying so.
 *
 * CallbackUrl: when a task ends (success or fail) the GetFileTranslate Data
 * object is POSTed to it as JSON, once, by a libevent client, and only when
 * its host is loopback; any other CallbackUrl is logged and never called,
 * so the mock cannot be made to send requests across the network. Nor to
 * itself: a loopback CallbackUrl on a port the mock listens on is refused,
 * or a remote client could reach /_mock/ from loopback through it
 * (docs/hardening.md). A timer moves the tasks on every 200 ms; nothing
 * here blocks the event loop. At most FILE_MAX_CALLBACKS calls are in
 * flight: their descriptors come from the front's reserve.
 *
 * Tasks are bounded: --file-max-tasks tasks and --file-max-bytes of
 * documents are kept at most; past either FileTranslate answers
 * FailedOperation.TooManyWaitProcess until tasks expire or a reset.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "tmtmock.h"

/* "base64 file < 5 MB", decoded. */
#define FILE_MAX_DECODED (5 * 1024 * 1024)
#define TASK_INIT_MS 1000
#define TASK_WAIT_MS 3000
#define TASK_KEEP_MS (7LL * 24 * 3600 * 1000)
#define TASK_BUCKETS 256
#define TICK_MS 200
#define CALLBACK_TIMEOUT_S 10
/* Callback connections open at once; more wait for the next tick. */
#define FILE_MAX_CALLBACKS 16

struct task {
	char		 t_id[17];
	char		*t_owner;	/* secret_id; "" with --auth off */
	long long	 t_created_ms;	/* mock clock */
	bool		 t_fails;	/* from a Url: never fetched */
	unsigned char	*t_result;	/* the translated document */
	size_t		 t_result_len;
	long long	 t_used;
	char		*t_callback;	/* loopback CallbackUrl; NULL: none */
	bool		 t_called;
	struct task	*t_next;
};

/*
 * A callback POST. Its connection is freed by the timer once the request
 * is done, not from the request's own callback (libevent still holds the
 * connection there) and not by evhttp_connection_free_on_completion(),
 * which libevent 2.1 does not honour when the connection is refused.
 */
struct callback {
	struct evhttp_connection *cb_conn;
	char		 cb_task[17];
	char		*cb_url;
	bool		 cb_done;
	struct callback	*cb_next;
};

static struct task *buckets[TASK_BUCKETS];
static size_t pending_callbacks;	/* tasks with t_callback, !t_called */
static long long last_expiry_ms;
static struct event_base *file_base;
static struct event *file_timer;
static struct callback *callbacks;
static size_t ncallbacks;		/* in the list above */
static long long ntasks, task_bytes;	/* within --file-max-tasks, -bytes */

enum task_status
file_task_status(long long elapsed_ms, bool fails, int *progress)
{
	/* A clock moved back makes a task young again, not an error. */
	if (elapsed_ms < TASK_INIT_MS) {
		*progress = 0;
		return TS_INIT;
	}
	if (elapsed_ms < TASK_WAIT_MS) {
		*progress = 50;
		return TS_WAIT;
	}
	*progress = fails ? 0 : 100;
	return fails ? TS_FAIL : TS_SUCCESS;
}

const char *
file_status_name(enum task_status ts)
{
	static const char *const names[] = {
		[TS_INIT] = "init", [TS_WAIT] = "wait",
		[TS_SUCCESS] = "success", [TS_FAIL] = "fail",
	};

	return names[ts];
}

bool
file_host_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char *h;
	size_t n;
	bool ok = false;

	if (host == NULL)
		return false;
	n = strlen(host);
	/* evhttp_uri_get_host() keeps the brackets of an IPv6 literal. */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		h = xstrndup(host + 1, n - 2);
	else
		h = xstrdup(host);
	if (strcasecmp(h, "localhost") == 0)
		ok = true;
	else if (inet_pton(AF_INET, h, &a4) == 1)
		ok = (ntohl(a4.s_addr) >> 24) == 127;
	else if (inet_pton(AF_INET6, h, &a6) == 1)
		ok = IN6_IS_ADDR_LOOPBACK(&a6);
	free(h);
	return ok;
}

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h % TASK_BUCKETS;
}

/* What a task holds, for --file-max-bytes. */
static long long
task_size(const struct task *t)
{
	return (long long)(sizeof *t + t->t_result_len +
	    (t->t_callback != NULL ? strlen(t->t_callback) : 0));
}

long long
file_task_bytes(void)
{
	return task_bytes;
}

static void
task_free(struct task *t)
{
	ntasks--;
	task_bytes -= task_size(t);
	if (t->t_callback != NULL && !t->t_called)
		pending_callbacks--;
	free(t->t_owner);
	free(t->t_result);
	free(t->t_callback);
	free(t);
}

static bool
task_expired(const struct task *t, long long now_ms)
{
	return now_ms - t->t_created_ms >= TASK_KEEP_MS;
}

static struct task *
task_find(const char *id, long long now_ms)
{
	struct task **tp, *t;

	for (tp = &buckets[hash(id)]; (t = *tp) != NULL; tp = &t->t_next) {
		if (strcmp(t->t_id, id) != 0)
			continue;
		if (!task_expired(t, now_ms))
			return t;
		*tp = t->t_next;
		task_free(t);
		return NULL;
	}
	return NULL;
}

/* The Data object of GetFileTranslate (and of the callback). */
static json_t *
task_data(const struct task *t, long long now_ms)
{
	enum task_status ts;
	json_t *data = json_object();
	char *b64;
	int progress;

	ts = file_task_status(now_ms - t->t_created_ms, t->t_fails, &progress);
	json_object_set_new(data, "TaskId", json_string(t->t_id));
	json_object_set_new(data, "Status", json_string(file_status_name(ts)));
	if (ts == TS_SUCCESS) {
		b64 = xmalloc(4 * ((t->t_result_len + 2) / 3) + 1);
		crypto_base64(t->t_result, t->t_result_len, b64);
		json_object_set_new(data, "FileData", json_string(b64));
		free(b64);
	} else	/* "" as the documented example shows, not null: a Go or
		 * Java client may dereference it. */
		json_object_set_new(data, "FileData", json_string(""));
	if (ts == TS_FAIL)
		json_object_set_new(data, "Message", json_string("The mock "
		    "downloads nothing: the document at `Url` was not fetched. "
		    "Send it in `Data` (SourceType 1)."));
	else
		json_object_set_new(data, "Message", json_string(""));
	json_object_set_new(data, "Progress", json_integer(progress));
	json_object_set_new(data, "UsedAmount",
	    json_integer(ts == TS_SUCCESS ? t->t_used : 0));
	return data;
}

/* ---- callbacks ---- */

static void
callback_done(struct evhttp_request *req, void *arg)
{
	struct callback *cb = arg;

	if (req == NULL || evhttp_request_get_response_code(req) == 0)
		log_warnx("task %s: the callback to %s failed", cb->cb_task,
		    cb->cb_url);
	else
		log_debug("task %s: the callback to %s answered %d", cb->cb_task,
		    cb->cb_url, evhttp_request_get_response_code(req));
	cb->cb_done = true;
}

static void
callback_free(struct callback *cb)
{
	if (cb->cb_conn != NULL)
		evhttp_connection_free(cb->cb_conn);
	free(cb->cb_url);
	free(cb);
}

/* Frees the callbacks that are done. */
static void
callback_reap(void)
{
	struct callback **cp, *cb;

	for (cp = &callbacks; (cb = *cp) != NULL;) {
		if (cb->cb_done) {
			*cp = cb->cb_next;
			callback_free(cb);
			ncallbacks--;
		} else
			cp = &cb->cb_next;
	}
}

/* POSTs the task's Data object to its CallbackUrl (already known to be
 * loopback http). */
static void
callback_post(const struct task *t, long long now_ms)
{
	struct evhttp_uri *uri = NULL;
	struct evhttp_request *req;
	struct evkeyvalq *hdrs;
	struct callback *cb = NULL;
	const char *host, *path, *query;
	char *addr = NULL, *target = NULL, *hosthdr = NULL, *body = NULL;
	json_t *data;
	size_t n;
	int port;

	if (file_base == NULL ||
	    (uri = evhttp_uri_parse(t->t_callback)) == NULL)
		goto out;
	host = evhttp_uri_get_host(uri);
	n = strlen(host);
	if (n >= 2 && host[0] == '[')
		addr = xstrndup(host + 1, n - 2);
	else if (strcasecmp(host, "localhost") == 0)
		addr = xstrdup("127.0.0.1");	/* no resolver in the loop */
	else
		addr = xstrdup(host);
	if ((port = evhttp_uri_get_port(uri)) < 0)
		port = 80;
	path = evhttp_uri_get_path(uri);
	query = evhttp_uri_get_query(uri);
	target = xasprintf("%s%s%s", path != NULL && *path != '\0' ? path : "/",
	    query != NULL ? "?" : "", query != NULL ? query : "");
	hosthdr = xasprintf("%s:%d", host, port);
	data = task_data(t, now_ms);
	body = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(data);
	if (body == NULL)
		fatalx("cannot encode a callback");

	cb = xcalloc(1, sizeof *cb);
	memcpy(cb->cb_task, t->t_id, sizeof cb->cb_task);
	cb->cb_url = xstrdup(t->t_callback);
	if ((cb->cb_conn = evhttp_connection_base_new(file_base, NULL, addr,
	    (unsigned short)port)) == NULL)
		goto out;
	evhttp_connection_set_timeout(cb->cb_conn, CALLBACK_TIMEOUT_S);
	if ((req = evhttp_request_new(callback_done, cb)) == NULL)
		goto out;
	hdrs = evhttp_request_get_output_headers(req);
	evhttp_add_header(hdrs, "Host", hosthdr);
	evhttp_add_header(hdrs, "Content-Type", "application/json");
	evhttp_add_header(hdrs, "User-Agent", "tmtmock/" TMTMOCK_VERSION);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	/* On failure nothing has called callback_done. */
	if (evhttp_make_request(cb->cb_conn, req, EVHTTP_REQ_POST, target) != 0)
		goto out;
	log_debug("task %s: calling back %s", t->t_id, t->t_callback);
	cb->cb_next = callbacks;
	callbacks = cb;
	ncallbacks++;
	cb = NULL;
out:
	if (cb != NULL || uri == NULL)
		log_warnx("task %s: cannot call back %s", t->t_id, t->t_callback);
	if (cb != NULL)
		callback_free(cb);
	if (uri != NULL)
		evhttp_uri_free(uri);
	free(addr);
	free(target);
	free(hosthdr);
	free(body);
}

/* The CallbackUrl to keep, or NULL (logged) when the mock will not call it. */
static char *
callback_accept(const char *url)
{
	struct evhttp_uri *uri;
	const char *scheme;
	char *keep = NULL;
	int port;

	if (url == NULL || *url == '\0')
		return NULL;
	if ((uri = evhttp_uri_parse(url)) == NULL) {
		log_warnx("CallbackUrl %s is not a URL: never called", url);
		metrics_hard(HC_CALLBACKS_REFUSED, 1);
		return NULL;
	}
	scheme = evhttp_uri_get_scheme(uri);
	port = evhttp_uri_get_port(uri);
	if (scheme == NULL || strcasecmp(scheme, "http") != 0)
		log_warnx("CallbackUrl %s: the mock calls back over plain "
		    "http only: never called", url);
	else if (!file_host_loopback(evhttp_uri_get_host(uri)))
		log_warnx("CallbackUrl %s: the mock calls back loopback hosts "
		    "only: never called", url);
	else if (listen_own_port(port < 0 ? 80 : port))
		log_warnx("CallbackUrl %s: a port the mock itself listens on: "
		    "never called", url);
	else
		keep = xstrdup(url);
	if (keep == NULL)
		metrics_hard(HC_CALLBACKS_REFUSED, 1);
	evhttp_uri_free(uri);
	return keep;
}

/* ---- the timer ---- */

static void
file_tick(evutil_socket_t fd, short events, void *arg)
{
	long long now_ms = clock_now_ms();
	struct task **tp, *t;
	int progress;
	size_t i;
	bool expire;

	(void)fd, (void)events, (void)arg;
	callback_reap();
	expire = now_ms < last_expiry_ms || now_ms - last_expiry_ms >= 60000;
	if (!expire && pending_callbacks == 0)
		return;
	if (expire)
		last_expiry_ms = now_ms;
	for (i = 0; i < TASK_BUCKETS; i++)
		for (tp = &buckets[i]; (t = *tp) != NULL;) {
			if (expire && task_expired(t, now_ms)) {
				*tp = t->t_next;
				task_free(t);
				continue;
			}
			if (t->t_callback != NULL && !t->t_called &&
			    ncallbacks < FILE_MAX_CALLBACKS &&
			    file_task_status(now_ms - t->t_created_ms,
			    t->t_fails, &progress) >= TS_SUCCESS) {
				t->t_called = true;
				pending_callbacks--;
				callback_post(t, now_ms);
			}
			tp = &t->t_next;
		}
}

void
file_init(struct event_base *base)
{
	struct timeval tv = { 0, TICK_MS * 1000 };

	file_base = base;
	if ((file_timer = event_new(base, -1, EV_PERSIST, file_tick, NULL)) == NULL ||
	    event_add(file_timer, &tv) != 0)
		fatalx("cannot start the file task timer");
}

void
file_clear(void)
{
	struct callback *cb;
	struct task *t;
	size_t i;

	if (file_timer != NULL) {
		event_free(file_timer);
		file_timer = NULL;
	}
	/* Requests still in flight: freeing the connection drops them without
	 * calling callback_done. */
	while ((cb = callbacks) != NULL) {
		callbacks = cb->cb_next;
		callback_free(cb);
	}
	for (i = 0; i < TASK_BUCKETS; i++)
		while ((t = buckets[i]) != NULL) {
			buckets[i] = t->t_next;
			task_free(t);
		}
	pending_callbacks = 0;
	ncallbacks = 0;
	ntasks = task_bytes = 0;
	last_expiry_ms = 0;
	file_base = NULL;
}

/* ---- the actions ---- */

static bool
text_format(const char *doctype)
{
	static const char *const text[] = { "txt", "markdown", "html", "xml",
	    "properties", NULL };
	size_t i;

	for (i = 0; text[i] != NULL; i++)
		if (strcmp(text[i], doctype) == 0)
			return true;
	return false;
}

/* Fills the task's result from the decoded document (taken). */
static void
task_translate(struct task *t, struct act_ctx *c, unsigned char *doc,
    size_t len)
{
	char *out;

	/* base64_decode leaves room past the end: doc can be a C string. */
	doc[len] = '\0';
	if (!text_format(param_str(c, "DocumentType")) ||
	    memchr(doc, '\0', len) != NULL || !utf8_valid((char *)doc, len)) {
		t->t_result = doc;
		t->t_result_len = len;
		return;
	}
	out = xlate_text(param_str(c, "Source"), param_str(c, "Target"),
	    (char *)doc, NULL);
	t->t_used = (long long)utf8_codepoints((char *)doc, len);
	t->t_result = (unsigned char *)out;
	t->t_result_len = strlen(out);
	free(doc);
}

/* Forgets the expired tasks now. */
static void
task_expire_all(long long now_ms)
{
	struct task **tp, *t;
	size_t i;

	for (i = 0; i < TASK_BUCKETS; i++)
		for (tp = &buckets[i]; (t = *tp) != NULL;) {
			if (task_expired(t, now_ms)) {
				*tp = t->t_next;
				task_free(t);
			} else
				tp = &t->t_next;
		}
	last_expiry_ms = now_ms;
}

/* Within --file-max-tasks and --file-max-bytes (0: no bound, as before
 * conf_parse sets them)? */
static bool
task_fits(long long need)
{
	return (conf.c_file_max_tasks <= 0 || ntasks < conf.c_file_max_tasks) &&
	    (conf.c_file_max_bytes <= 0 ||
	    task_bytes + need <= conf.c_file_max_bytes);
}

/* Whether one more task of a document of about doc bytes may be kept,
 * once the expired are gone. */
static bool
task_room(long long doc, long long now_ms)
{
	long long need = (long long)sizeof(struct task) + doc;

	if (task_fits(need))
		return true;
	task_expire_all(now_ms);
	return task_fits(need);
}

/* Check 19 of FileTranslate. true: *from_url says where the document is. */
static bool
file_rules(struct act_ctx *c, bool *from_url, struct act_result *res)
{
	const char *source = param_str(c, "Source"), *target = param_str(c, "Target");
	const char *data = param_str(c, "Data"), *url = param_str(c, "Url");
	long long st = param_int(c, "SourceType", -1);
	bool has_data = data != NULL && *data != '\0';
	bool has_url = url != NULL && *url != '\0';
	enum lang_check lc;

	if ((lc = lang_pair(LP_FILE, source, target)) != LC_OK) {
		lang_error(lc, source, target, c->ac_lang_en, res);
		return false;
	}
	/* Without SourceType, a lone Url means SourceType 0. */
	*from_url = st == 0 || (st == -1 && !has_data && has_url);
	if (*from_url && !has_url) {
		act_fail_cat(c, res, "MissingParameter", "Url");
		return false;
	}
	if (!*from_url && !has_data) {
		act_fail_cat(c, res, "MissingParameter", "Data");
		return false;
	}
	if (!*from_url && base64_decoded_len(data, strlen(data)) >= FILE_MAX_DECODED) {
		act_fail_cat(c, res, "InvalidParameterValue", "The file in "
		    "`Data` must be smaller than 5 MB (decoded).");
		return false;
	}
	return true;
}

void
act_file_translate(struct act_ctx *c, struct act_result *res)
{
	const char *data = param_str(c, "Data");
	long long now_ms = clock_now_ms();
	struct task *t;
	unsigned char *doc;
	size_t len, b;
	bool from_url;
	json_t *resp;

	if (!file_rules(c, &from_url, res) || !act_gate(c, Q_FILE, 0, res))
		return;
	if (!task_room(from_url ? 0 : base64_decoded_len(data, strlen(data)),
	    now_ms)) {
		act_fail_cat(c, res, "FailedOperation.TooManyWaitProcess", NULL);
		return;
	}
	t = xcalloc(1, sizeof *t);
	do {
		/* Digit strings, as the documentation's ("100001"); ten
		 * digits leave 9e9 ids to draw from. */
		snprintf(t->t_id, sizeof t->t_id, "%llu", 1000000000ULL +
		    (unsigned long long)(rng_next() % 9000000000ULL));
	} while (task_find(t->t_id, now_ms) != NULL);
	t->t_owner = xstrdup(c->ac_secret_id != NULL ? c->ac_secret_id : "");
	t->t_created_ms = now_ms;
	t->t_fails = from_url;
	if (!from_url) {
		/* Known to be base64 (schema.c). */
		if ((doc = base64_decode(data, strlen(data), &len)) == NULL)
			fatalx("internal: Data passed the schema but is not base64");
		task_translate(t, c, doc, len);
	}
	if ((t->t_callback = callback_accept(param_str(c, "CallbackUrl"))) != NULL)
		pending_callbacks++;
	b = hash(t->t_id);
	t->t_next = buckets[b];
	buckets[b] = t;
	ntasks++;
	task_bytes += task_size(t);

	resp = json_object();
	json_object_set_new(resp, "Data", json_pack("{s:s}", "TaskId", t->t_id));
	res->ar_resp = resp;
}

void
act_get_file_translate(struct act_ctx *c, struct act_result *res)
{
	const char *id = param_str(c, "TaskId");
	const char *owner = c->ac_secret_id != NULL ? c->ac_secret_id : "";
	long long now_ms = clock_now_ms();
	struct task *t;
	json_t *resp;

	/* Another account's task is as unknown as one that never was. */
	t = task_find(id, now_ms);
	if (t == NULL || strcmp(t->t_owner, owner) != 0) {
		act_fail(res, "InvalidParameter", xasprintf("The TaskId `%s` "
		    "does not exist.", id));
		return;
	}
	if (!act_gate(c, Q_NONE, 0, res))
		return;
	resp = json_object();
	json_object_set_new(resp, "Data", task_data(t, now_ms));
	res->ar_resp = resp;
}
