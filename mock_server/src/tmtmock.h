/*
 * tmtmock.h: the one internal header, and the map of the server.
 *
 * A request's path: front.c (listeners) -> conn.c (the connection: reads,
 * limits, deadlines) -> http.c (the HTTP/1.1 reader) -> conn.c builds a
 * plain struct req (req.c; no libevent past here) -> front.c routes it to
 * admin.c or pipeline.c (the ordered checks of docs/behaviour.md)
 * -> verify.c (signature inputs and leniency) -> sig_tc3.c / sig_v1.c (pure
 * signature functions) -> act_text.c (the action) -> answer.c (the JSON
 * envelope) -> deliver.c (the reply, its delay or transport fault; then
 * journal.c, metrics.c, access.c) -> conn.c (the writev).
 *
 * Ownership: a function that returns a pointer named *_new or documented as
 * "caller frees" hands the caller ownership; everything else is borrowed.
 * Allocation aborts on out-of-memory (util.c), as tmux does: a mock that
 * cannot allocate has nothing useful left to say.
 */
#ifndef TMTMOCK_H
#define TMTMOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#define TMTMOCK_VERSION "0.1.0"
#define TMT_VERSION "2018-03-21"

/* Size limits of check 2 (docs/behaviour.md, Order of checks). */
#define TM_MAX_GET_URI (32 * 1024)
#define TM_MAX_V1_BODY (1024 * 1024)
/* Longest SecretId of the AKID form check 9 accepts (mock convention). */
#define TM_SECRET_ID_MAX 128
#define TM_MAX_V3_BODY (10 * 1024 * 1024)
/* Bodies above this never reach the pipeline: the front answers 413 itself. */
#define TM_MAX_WIRE_BODY (16 * 1024 * 1024)
/* Timestamp freshness window of check 11. */
#define TM_TIMESTAMP_WINDOW 300

/* ---- util.c: allocation that aborts, small string helpers ---- */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A growable byte buffer; buf_str() keeps it NUL-terminated. */
struct buf {
	char *b_data;
	size_t b_len;
	size_t b_cap;
};
/* Room for n more bytes and the NUL (the slow path of the three below,
 * which are inline: answers and the journal call them per byte). */
void buf_grow(struct buf *, size_t n);
static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->b_len + n + 1 > b->b_cap)
		buf_grow(b, n);
	if (n > 0)
		memcpy(b->b_data + b->b_len, p, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
}
static inline void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}
static inline void
buf_addc(struct buf *b, char c)
{
	if (b->b_len + 2 > b->b_cap)
		buf_grow(b, 1);
	b->b_data[b->b_len++] = c;
	b->b_data[b->b_len] = '\0';
}
void buf_addf(struct buf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *buf_str(struct buf *);
void buf_free(struct buf *);
bool str_is_decimal(const char *s, long long *out);
size_t utf8_codepoints(const char *s, size_t len);
bool utf8_valid(const char *s, size_t len);
/* Caller frees: s with each byte that is not valid UTF-8 replaced by '?'. */
char *utf8_sanitize(const char *s);
void str_lower(char *s);
/* "PATH: line L column C: TEXT" for a file jansson could not load, or
 * "PATH: TEXT" when it never read a line (missing, unreadable). */
void json_file_error(char *buf, size_t len, const char *path,
    const json_error_t *);

/* ---- jsonw.c: compact JSON into a buffer, as json_dumps(JSON_COMPACT) writes it ---- */
/* A JSON string of s[0..len), which must be UTF-8 (jansson's strings are). */
void jw_str(struct buf *, const char *s, size_t len);
/* A JSON string of s; bytes that are not UTF-8 become '?' (json_string_take). */
void jw_str_lossy(struct buf *, const char *s);
void jw_int(struct buf *, long long);
void jw_real(struct buf *, double);
/* Any value; strings longer than cut (0: none) become their first cut
 * bytes and "…(N bytes)". */
void jw_value(struct buf *, const json_t *, size_t cut);
/* jw_value with keys cut too, and bounded: once max bytes (0: no bound)
 * are written, each open container ends with a marker of what was left
 * out, so an entry of the journal stays small and valid JSON. */
void jw_value_capped(struct buf *, const json_t *, size_t cut, size_t max);
/* Caller frees: json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY). */
char *jw_dumps(const json_t *);

/* ---- log.c ---- */
extern int log_verbose;
/* Where log lines go: stderr, but never blocking the event loop (a pipe
 * nobody reads drops lines, counted, rather than stall every client). */
void log_init(void);
/* The access log's form (access.c): off, or one line per API request on
 * stderr (-v: text; --log-format text|json). */
enum log_format { LOG_OFF, LOG_TEXT, LOG_JSON };
/* A line and its newline fit one atomic pipe write. */
#define LOG_LINE_MAX 4000
/* Writes one whole line (s ends in a newline, n <= LOG_LINE_MAX + 1), or
 * nothing and a count (tmtmock_log_lines_dropped_total). */
void log_write(const char *s, size_t n);
/* A field a client chose, for a log line: at most max bytes, no spaces or
 * control characters, "-" when absent. Caller frees. */
char *log_text_field(const char *s, size_t max);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- crypto.c: the OpenSSL calls ---- */
enum md_kind { MD_SHA1, MD_SHA256 };
void crypto_sha256(const void *data, size_t len, unsigned char out[32]);
void crypto_sha256_hex(const void *data, size_t len, char out[65]);
/* Returns the MAC length (20 or 32). */
size_t crypto_hmac(enum md_kind, const void *key, size_t keylen,
    const void *msg, size_t msglen, unsigned char out[32]);
/* HMAC-SHA256 under one key, set up once (pre-fetched EVP_MAC context). */
struct crypto_mac;
struct crypto_mac *crypto_mac_new(const void *key, size_t keylen);
void crypto_mac_sign(struct crypto_mac *, const void *msg, size_t len,
    unsigned char out[32]);
void crypto_mac_free(struct crypto_mac *);
/* Frees the fetched algorithms and contexts; sig_tc3_clear() first, whose
 * cached contexts come from them. */
void crypto_clear(void);
void crypto_hex(const unsigned char *in, size_t len, char *out /* 2*len+1 */);
/* Standard base64 with padding; out must hold 4*((len+2)/3)+1 bytes. */
void crypto_base64(const unsigned char *in, size_t len, char *out);
/* Constant-time equality of two strings (lengths may differ). */
bool crypto_streq_ct(const char *a, const char *b);

/* ---- rng.c: the seeded PRNG behind RequestIds (reproducible with --seed) ---- */
void rng_seed(uint64_t seed);
uint64_t rng_next(void);
void rng_uuid(char out[37]);

/* ---- clock.c: the mock clock; every check of time reads it ---- */
time_t clock_now(void);
long long clock_now_ms(void);
long long clock_now_us(void);
long long clock_rate_ms(void);		/* for rate windows: runs while frozen */
void clock_set_offset(long long offset_s);	/* also unfreezes */
void clock_freeze(long long at);
void clock_advance(long long s);	/* moves a frozen clock too */
void clock_reset(void);
json_t *clock_json(void);
const char *clock_http_date(char buf[64]);	/* for the Date header */		/* {now, offset_s, frozen}; new reference */

/* ---- sig_tc3.c: TC3-HMAC-SHA256, pure functions (docs/behaviour.md) ---- */
struct tc3_header {
	const char *name;	/* lower-case */
	const char *value;	/* as it will stand in the canonical request */
};
/* Caller frees. query is the raw query string (may be ""). */
char *sig_tc3_canonical_request(const char *method, const char *query,
    const struct tc3_header *hdrs, size_t nhdrs, const char *signed_headers,
    const char *payload_hash_hex);
/* Caller frees. */
char *sig_tc3_string_to_sign(const char *timestamp, const char *date,
    const char *service, const char *canonical_request);
/* The same two, appended to a buffer (the server reuses one). */
void sig_tc3_canonical_request_buf(struct buf *, const char *method,
    const char *query, const struct tc3_header *hdrs, size_t nhdrs,
    const char *signed_headers, const char *payload_hash_hex);
void sig_tc3_string_to_sign_buf(struct buf *, const char *timestamp,
    const char *date, const char *service, const char *canonical_request,
    size_t len);
void sig_tc3_derive_key(const char *secret_key, const char *date,
    const char *service, unsigned char key[32]);
void sig_tc3_sign_with_key(const unsigned char key[32],
    const char *string_to_sign, char out[65]);
void sig_tc3_sign(const char *secret_key, const char *date,
    const char *service, const char *string_to_sign, char out[65]);
/* sig_tc3_sign with the derived key and its MAC context kept in a small
 * cache (per SecretKey, date and service): what the server calls. */
void sig_tc3_sign_cached(const char *secret_key, const char *date,
    const char *service, const char *string_to_sign, size_t len, char out[65]);
void sig_tc3_clear(void);	/* empties that cache */
/* The UTC date (YYYY-MM-DD) of a Unix timestamp. */
void sig_tc3_date(long long ts, char out[11]);

/* ---- sig_v1.c: HmacSHA1 / HmacSHA256, pure functions (docs/behaviour.md) ---- */
struct kv {
	char *k;
	char *v;
};
/* Caller frees. The parameters are sorted (a copy); "Signature" is left out. */
char *sig_v1_source(const char *method, const char *host,
    const struct kv *params, size_t nparams);
/* out holds at least 45 bytes (base64 of 32 bytes + NUL). */
void sig_v1_sign(enum md_kind, const char *secret_key, const char *source,
    char out[45]);

/* ---- req.c: the request as a plain struct ---- */
enum req_method { RM_GET, RM_POST, RM_OTHER };
enum req_body { RB_NONE, RB_JSON, RB_FORM, RB_OTHER };
struct req {
	enum req_method	 r_method;
	char		*r_method_name;	/* as received */
	char		*r_uri;		/* as received */
	char		*r_path;	/* decoded path part of the URI */
	char		*r_query;	/* raw, after '?', "" if none */
	struct kv	*r_hdrs;	/* as received, names in original case */
	size_t		 r_nhdrs;
	unsigned char	*r_body;	/* raw bytes, NUL-terminated for convenience */
	size_t		 r_body_len;
	enum req_body	 r_body_kind;
	char		*r_peer;	/* "addr:port" */
	uint64_t	 r_conn_id;
	void		*r_arena;	/* set: every field above lives in it */
};
void req_free(struct req *);
/* RB_JSON, RB_FORM, RB_OTHER or RB_NONE from a Content-Type header value. */
enum req_body req_body_kind(const char *content_type);
/* Case-insensitive header lookup; NULL if absent. */
const char *req_header(const struct req *, const char *name);
/* Decodes application/x-www-form-urlencoded. 0 on success; on failure -1
 * and *err names the problem (static string). Caller frees the pairs with
 * kv_free(). */
int form_decode(const char *s, size_t len, struct kv **out, size_t *n,
    const char **err);
void kv_free(struct kv *, size_t);
const char *kv_get(const struct kv *, size_t, const char *k);
/* Builds the JSON object of business parameters from flattened form pairs
 * (Name.0, Name.Field), leaving out the names in skip (NULL-terminated).
 * Values stay strings: the schema converts them. Returns a new reference,
 * or NULL on conflicting names, a name of more than 16 segments, an index
 * past 65535, lists of more than 65536 slots in all (plus one per pair),
 * and names or values that are not UTF-8. */
json_t *form_unflatten(const struct kv *, size_t, const char *const *skip);

/* ---- catalogue.c: error codes and their messages, as data ---- */
enum retry_class { RC_CLIENT, RC_THROTTLED, RC_TRANSIENT, RC_CLOCK };
struct err_def {
	const char	*e_code;
	const char	*e_en;	/* printf format, may take one %s */
	const char	*e_zh;	/* NULL when only one text is known */
	enum retry_class e_class;
	bool		 e_faq;	/* one of the 38 codes of the TMT FAQ */
	const char	*e_trigger; /* how the mock produces it; NULL: injection only */
};
/* The entry of code (binary search), or NULL. */
const struct err_def *catalogue_find(const char *code);
/* Every entry, sorted by code: for i < catalogue_count(); else NULL. */
size_t catalogue_count(void);
const struct err_def *catalogue_at(size_t i);
/* Caller frees. lang_en selects the en-US text; arg fills a %s. */
char *catalogue_message(const struct err_def *, bool lang_en, const char *arg);

/* ---- region.c ---- */
enum region_check { REGION_OK, REGION_INVALID, REGION_UNSUPPORTED };
enum region_check region_check(const char *region);

/* ---- fixture.c: the data files of --fixtures ---- */
/* Opens DIR/NAME, a file {"KEY": [...]}. Returns 1 with *root (a new
 * reference) and *list (borrowed from it); 0 when optional and absent;
 * -1 with errbuf naming the file. *path is always set; caller frees it. */
int fixture_open(const char *dir, const char *name, const char *key,
    bool optional, char **path, json_t **root, json_t **list, char *errbuf,
    size_t errlen);

/* ---- cred.c: accounts and their states ---- */
enum acct_state { AS_ACTIVE, AS_DISABLED, AS_NOT_REGISTERED, AS_ISOLATED,
    AS_STOPPED };
struct account {
	char		*a_secret_id;
	char		*a_secret_key;
	char		*a_token;	/* NULL: permanent key */
	long long	 a_token_expires_at;	/* 0: never */
	enum acct_state	 a_state;
	bool		 a_mfa;
	bool		 a_service_denied;
	json_t		*a_allow_actions;	/* NULL: every action */
	bool		 a_billing_free;
	long long	 a_monthly_free_chars;
	long long	 a_used_chars;
	int		 a_quota_month;	/* yyyymm a_used_chars counts; 0: not yet known */
	json_t		*a_json;	/* the entry as loaded, owned */
};
/* Loads DIR/accounts.json, then the environment's account (cred_env_init)
 * in place of a fixture one with its SecretId. 0 on success; on failure -1
 * with a message naming the file and field in errbuf. */
int cred_load(const char *dir, char *errbuf, size_t errlen);
/* Reads TENCENTCLOUD_SECRET_ID, _SECRET_KEY and _TOKEN once: when both of
 * the first are set, every cred_load adds an active paid account of them
 * (with the token, temporary credentials). A malformed SecretId is added
 * too, with a warning. -1 (with a warning) when they cannot make an account. */
int cred_env_init(void);
void cred_env_clear(void);
/* Parses one account object (the admin API and the fixture share this).
 * Returns NULL with a message naming the field in errbuf. Caller frees
 * with cred_account_free(). */
struct account *cred_account_parse(json_t *obj, char *errbuf, size_t errlen);
void cred_account_free(struct account *);
struct account *cred_find(const char *secret_id);
/* The admin API's views and changes. */
json_t *cred_account_json(const struct account *);	/* new reference */
json_t *cred_list_json(void);				/* new reference */
int cred_add(struct account *);		/* takes it; -1 if the SecretId exists */
/* Returns the changed account, or NULL with *status 404 or 400 and err. */
struct account *cred_patch(const char *secret_id, json_t *patch, int *status,
    char *err, size_t errlen);
bool cred_secret_id_well_formed(const char *secret_id);
void cred_clear(void);

/* ---- verify.c: the request's signature, with the leniency of docs/behaviour.md ---- */
enum sign_method { SM_NONE, SM_TC3, SM_HMACSHA1, SM_HMACSHA256 };
const char *sign_method_name(enum sign_method);
struct tc3_auth {
	char	*ta_secret_id;
	char	*ta_date;
	char	*ta_service;
	char	*ta_signed_headers;
	char	*ta_signature;
	char	*ta_buf;	/* set: the fields above point into it */
};
/* Parses an Authorization header. 0 when well formed; -1 with *why set. */
int tc3_auth_parse(const char *hdr, struct tc3_auth *out, const char **why);
void tc3_auth_free(struct tc3_auth *);
struct verify_result {
	bool	 vr_ok;
	char	*vr_canonical_request;	/* of the first (strictest) attempt, on failure */
	char	*vr_string_to_sign;	/* likewise */
	char	*vr_why;		/* short reason, on failure */
};
void verify_result_free(struct verify_result *);
void verify_tc3(const struct req *, const struct tc3_auth *, const char *timestamp,
    const char *secret_key, bool strict, struct verify_result *);
void verify_v1(const struct req *, const struct kv *params, size_t nparams,
    enum sign_method, const char *secret_key, bool strict, struct verify_result *);
void verify_clear(void);	/* frees the buffers verify_tc3 reuses */

/* ---- answer.c: the JSON envelope ---- */
/* Both return a new string (caller frees): compact JSON, UTF-8 unescaped. */
char *answer_ok(json_t *response /* stolen */, const char *request_id);
/* answer_ok of an object already written as compact JSON (taken). */
char *answer_ok_json(char *response, const char *request_id);
/* The success of an action: answer_ok or answer_ok_json (takes them). */
struct act_result;
char *answer_result(struct act_result *, const char *request_id);
char *answer_error(const char *code, const char *message, const char *request_id);
/* A JSON string made of s, which it frees; bytes that are not UTF-8 become '?'. */
json_t *json_string_take(char *s);

/* ---- fault.c: fault rules and magic values ---- */
enum fault_kind { FK_NONE, FK_RESET, FK_CLOSE, FK_TRUNCATE, FK_NOT_JSON,
    FK_HTML_502, FK_HTML_503, FK_HTML_504, FK_SLOW_BODY, FK_ERROR_500,
    FK_CHARSET, FK_NO_REQUEST_ID, FK_NO_RESPONSE };
enum fault_stage { STAGE_PRE_AUTH, STAGE_POST_AUTH };
/* What a rule can match on; NULL where not known at that stage. */
struct fault_facts {
	const char	*ff_action, *ff_secret_id, *ff_region, *ff_sign_method;
};
/* What fires for one request. */
struct injection {
	const char	*i_error;	/* catalogue string, or NULL */
	char		*i_message;	/* owned; NULL: the catalogue's */
	enum fault_kind	 i_fault;
	long long	 i_delay_ms;
	long long	 i_rule_id;	/* 0: none */
	bool		 i_magic;
	json_t		*i_extra;	/* fields added to a success; owned */
};
const char *fault_name(enum fault_kind);
int fault_find(const char *name);	/* -1 if unknown */
/* Adds a rule; returns it as JSON with its id (new reference), or NULL with
 * err naming the field. */
json_t *fault_add(json_t *rule, char *err, size_t errlen);
json_t *fault_list(void);		/* new reference */
int fault_delete(long long id);		/* -1: no such rule */
void fault_clear(void);
/* Loads {"faults": [...]}; all or nothing. */
int fault_load_file(const char *path, char *err, size_t errlen);
/* The first rule of this stage that fires, counted; false if none. */
bool fault_fire(enum fault_stage, const struct fault_facts *, struct injection *);
/* Strips @mock: markers from SourceText, Text and SourceTextList items,
 * filling inj. 1: a marker was found; 0: none; -1: a bad marker, *err set
 * (caller frees). */
int magic_scan(json_t *params, struct injection *inj, char **err);

/* ---- conf.c: options ---- */
struct conf {
	char	*c_listen_host;
	int	 c_listen_port;
	char	*c_fixtures;
	bool	 c_seeded;
	uint64_t c_seed;
	bool	 c_strict_signature;
	bool	 c_auth;
	int	 c_verbose;
	long long c_text_limit;		/* TextTooLong at this many code points */
	bool	 c_language_errors_documented;
	bool	 c_rate_limit;
	char	*c_tls_listen_host;	/* NULL: no HTTPS listener */
	int	 c_tls_listen_port;
	char	*c_tls_cert;		/* PEM files; both or neither */
	char	*c_tls_key;
	char	*c_tls_ca_out;		/* where the generated CA goes */
	bool	 c_magic;
	char	**c_faults;		/* --faults files, in order */
	size_t	 c_nfaults;
	char	*c_journal;		/* JSON-lines mirror, or NULL */
	size_t	 c_journal_size;
	char	*c_admin_host;		/* --admin-listen, or NULL */
	int	 c_admin_port;
	char	*c_admin_token;		/* NULL: no token needed */
	enum log_format c_log_format;	/* --log-format; LOG_OFF: not given */
	uint64_t c_rng_seed;		/* the seed in use, given or drawn */
	/* Wire limits (conn.c): */
	long long c_max_connections;	/* open at once; more are closed */
	long long c_idle_timeout;	/* s between requests; 0: none */
	long long c_read_timeout;	/* s from a request's first byte to its last */
	long long c_max_header_size;	/* request line + headers, bytes */
	long long c_max_body_size;	/* larger bodies: the front's 413 */
	long long c_max_uri_size;	/* GET URIs, check 2 (default TM_MAX_GET_URI) */
	/* Hostile load (docs/hardening.md): */
	long long c_write_timeout;	/* s for an answer to be read; 0: none */
	long long c_shutdown_grace;	/* s SIGTERM waits for answers in flight */
	long long c_journal_max_bytes;	/* the journal's entries, in all */
	long long c_file_max_tasks;	/* FileTranslate tasks kept */
	long long c_file_max_bytes;	/* their documents, in all */
	bool	 c_admin_open;		/* beyond loopback without a token: allowed */
	char	*c_api_date;		/* --api-version-date; NULL: newest */
	char	*c_ready_file;		/* --ready-file: the URL, once listening */
	/* Translations and record-and-replay (docs/record-replay.md): */
	char	*c_translations;	/* --translations FILE, or NULL */
	char	*c_translations_strict;	/* the catalogue code of a miss, or NULL */
	char	*c_upstream;		/* --upstream URL, or NULL */
	long long c_upstream_timeout;	/* s for the upstream's whole answer */
	char	*c_upstream_ca;		/* PEM CAs trusted for it; NULL: the system's */
	char	*c_record;		/* --record FILE (the cassette), or NULL */
	char	*c_replay;		/* --replay FILE, or NULL */
	char	*c_replay_miss;		/* pseudo, error or forward */
};
extern struct conf conf;
/* 0: run; 1: exit 0 (help/version printed); 2: bad usage (message printed).
 * Reads --config's file and TMTMOCK_* variables too (the command line wins). */
int conf_parse(int argc, char **argv);
void conf_usage(FILE *);

/* ---- journal.c: what the mock saw ---- */
int journal_init(size_t size, const char *mirror_path, char *err, size_t errlen);
struct outcome;
void journal_record(const struct req *, const struct outcome *,
    uint64_t conn_id, long long latency_us);
/* What GET /_mock/journal selects (docs/admin-api.md, Querying the
 * journal): every field that is set must match. The strings are borrowed. */
struct journal_filter {
	long long	 jf_since;	/* entries after this seq */
	const char	*jf_secret_id;	/* NULL: any */
	const char	*jf_action;	/* NULL: any */
	const char	*jf_code;	/* OK, an error code or a fault; NULL: any */
	int		 jf_signature_ok; /* 1, 0, -1 (not checked); -2: any */
	long long	 jf_from_us;	/* mock clock, at or after; -1: any */
	long long	 jf_until_us;	/* mock clock, before; -1: any */
	bool		 jf_count;	/* {"count": N, "dropped": N} instead */
};
void journal_filter_init(struct journal_filter *);	/* everything */
/* {"entries": [...], "dropped": N}, entries after seq since, of secret_id
 * (NULL: all). New reference. */
json_t *journal_query(const char *secret_id, long long since);
/* The entries f selects, as the compact JSON text GET /_mock/journal sends
 * ({"entries": [...], "dropped": N}, or {"count": N, "dropped": N}).
 * Caller frees. */
char *journal_query_text(const struct journal_filter *f);
void journal_clear(void);
void journal_close(void);
/* SIGHUP: the --journal file is closed and opened again (log rotation). */
void journal_reopen(void);
long long journal_bytes(void);	/* what the entries hold, for the metrics */

/* ---- admin.c: /_mock/ ---- */
struct event_base;
void admin_init(struct event_base *);
/* Answers an admin request into o. dedicated: it came on --admin-listen. */
void admin_handle(const struct req *, bool dedicated, struct outcome *o);

/* ---- metrics.c: counters for GET /_mock/metrics ---- */
void metrics_count(const char *action, const char *code, long long latency_us);
char *metrics_text(void);	/* Prometheus text; caller frees */
/* What hostile load met (docs/hardening.md). */
enum hard_counter { HC_JOURNAL_LOST, HC_JOURNAL_EVICTED, HC_LOG_DROPPED,
    HC_WRITE_TIMEOUTS, HC_ACCEPT_PAUSES, HC_BAD_FRAMING, HC_CALLBACKS_REFUSED,
    HC_N };
void metrics_hard(enum hard_counter, long long n);
void metrics_clear(void);

/* ---- pipeline.c: the ordered checks; the only file that knows the order ---- */
struct outcome {
	int	 o_http_status;		/* 200, or 414 for the front's HTML page */
	char	*o_content_type;
	char	*o_body;
	size_t	 o_body_len;
	char	 o_request_id[37];
	const char *o_error_code;	/* NULL on success */
	enum sign_method o_sign_method;
	char	*o_action;
	char	*o_secret_id;
	char	*o_region;
	char	*o_timestamp;
	char	*o_signature;		/* as the client sent it */
	json_t	*o_params;		/* business parameters, for the journal */
	bool	 o_verified;		/* o_verify holds a verification */
	struct verify_result o_verify;	/* kept for the journal */
	struct injection o_inj;		/* what a rule or magic value asked for */
	bool	 o_admin;		/* answered by the admin API */
};
/* Called once when a pending request's outcome is complete. */
typedef void (*pipeline_done_fn)(struct outcome *, void *arg);
/* Runs r through the checks into o. true: o is complete now (done is never
 * called). false: an upstream call is in flight on base's loop; done(o,
 * arg) is called once from that loop when o is complete. Until then r and
 * o must stay alive and untouched, whatever the client does. base may be
 * NULL only when no --upstream is set. */
bool pipeline_start(const struct req *, struct outcome *, struct event_base *base,
    pipeline_done_fn done, void *arg);
/* pipeline_start for a caller that waits (the front without --upstream,
 * the fuzz targets): a forwarded request runs on a loop of the pipeline's
 * own until it is complete. */
void pipeline_run(const struct req *, struct outcome *);
void pipeline_clear(void);	/* frees pipeline_run's loop */
void outcome_free(struct outcome *);

/* ---- schema.c: the action table and check 18 ---- */
enum ptype { PT_STRING, PT_INT, PT_BOOL, PT_STRLIST, PT_BASE64 };
struct param_def {
	const char	*pd_name;
	enum ptype	 pd_type;
	bool		 pd_required;
	size_t		 pd_max_len;		/* strings; 0: no limit */
	const char *const *pd_strs;		/* allowed strings, NULL-terminated */
	const long long	*pd_ints;		/* allowed integers, -1-terminated */
	bool		 pd_nonneg;
	/* Definition dates (YYYY-MM-DD, tccli's api.json commits; see
	 * docs/fidelity.md): first revision with the parameter, and the first
	 * without it again (NULL: still there). */
	const char	*pd_since, *pd_until;
};
struct act_ctx;
/* Result of an action: either resp (a new reference), or json (the same
 * written already: a compact JSON object, caller frees; for answers of a
 * fixed shape), or an error code with its message (caller frees
 * ar_err_msg). answer_result() makes the body of either success. */
struct act_result {
	json_t		*ar_resp;
	char		*ar_json;
	const char	*ar_err_code;
	char		*ar_err_msg;
};
typedef void (*act_fn)(struct act_ctx *, struct act_result *);
struct action_def {
	const char	*ad_name;
	act_fn		 ad_fn;
	const struct param_def *ad_params;	/* NULL-name-terminated */
	int		 ad_qps;		/* default rate limit */
	const char	*ad_since, *ad_until;	/* as pd_since, pd_until */
};
/* Every action the mock knows, whatever --api-version-date says. */
const struct action_def *action_find(const char *name);
/* The action as the definition of --api-version-date has it: NULL when that
 * definition lacks it. Without the option every action is offered. */
const struct action_def *action_offered(const char *name);
/* Whether the definition of date (NULL: the newest of the action) has p. */
bool param_defined(const struct param_def *p, const char *date);
/* Whether the definition of date (NULL: any) has the action. */
bool action_defined(const struct action_def *ad, const char *date);
/* The actions, for tests that compare them to the definitions. */
const struct action_def *action_table(size_t *n);
/* The oldest definition the table knows (tccli's first api.json of TMT). */
#define API_FIRST_DATE "2020-09-07"

/* Check 18. Converts form strings to their types in place. false: res set. */
bool schema_check(const struct action_def *, json_t *params, bool from_form,
    struct act_result *res);
/* Decoded length of standard base64, -1 if s is not base64. */
long long base64_decoded_len(const char *s, size_t len);
/* Caller frees; NULL if not base64. */
unsigned char *base64_decode(const char *s, size_t len, size_t *outlen);

/* ---- lang.c: language pairs per action ---- */
enum lang_table { LP_TEXT, LP_BATCH, LP_IMAGE, LP_IMAGE_LLM, LP_SPEECH, LP_FILE };
enum lang_check { LC_OK, LC_BAD_SOURCE, LC_BAD_TARGET, LC_NO_PAIR };
enum lang_check lang_pair(enum lang_table, const char *source, const char *target);
bool lang_is_source(enum lang_table, const char *code);
/* Fills res with the error of --language-errors' dialect. */
void lang_error(enum lang_check, const char *source, const char *target,
    bool lang_en, struct act_result *res);

/* ---- limit.c: rate limits; time comes in as an argument ---- */
/* Counts a request under key at now_ms over a sliding second. Returns the
 * number of requests in that second, this one included. */
int limit_count(const char *key, long long now_ms);
void limit_clear(void);

/* ---- detect.c: language identification ---- */
/* The TMT language code of text (zh, ja, ko, th, ar, ru, hi, en, fr, de, es, it, pt, vi, tr, id, ms), or NULL when it cannot tell (empty, digits/punctuation only). */
const char *detect_language(const char *text, size_t len);

/* ---- xlate.c: translations from fixtures, or pseudo-translations ---- */
/* Loads DIR/translations.json if it exists; -1 with errbuf on a bad file. */
int xlate_load(const char *dir, char *errbuf, size_t errlen);
void xlate_clear(void);
/* Loads --translations FILE ({"translations": [...]}) in place of the
 * folder's translations.json; -1 with errbuf naming the file. */
int xlate_load_file(const char *path, char *errbuf, size_t errlen);
/* Replaces the entries with root's "translations" (POST /_mock/translations);
 * all or nothing; where names the source in errbuf. */
int xlate_load_json(json_t *root, const char *where, char *errbuf, size_t errlen);
json_t *xlate_json(void);	/* {"translations": [...], "strict": CODE|null}; new reference */
/* The file's translation of text, or NULL (borrowed). */
const char *xlate_lookup(const char *source, const char *target, const char *text);
/* The file's language for LanguageDetect's text, or NULL (borrowed). */
const char *xlate_detect(const char *text);
/* Caller frees. untranslated may be NULL. NULL when the file lacks the
 * text and --translations-strict is set (the caller answers that code). */
char *xlate_text(const char *source, const char *target, const char *text,
    const char *untranslated);

/* ---- act_*.c: the actions ---- */
struct act_ctx {
	const struct req *ac_req;
	const struct action_def *ac_def;
	const char	*ac_region;
	const char	*ac_request_id;
	json_t		*ac_params;	/* validated business parameters, borrowed */
	struct account	*ac_account;	/* NULL only with --auth off */
	const char	*ac_secret_id;
	bool		 ac_lang_en;
	bool		 ac_dry_run;
};
/* Which free quota an action draws on (docs/behaviour.md, Actions). */
enum quota { Q_NONE, Q_TEXT /* characters */, Q_FILE /* none for free tier */ };
/* Checks 20 and 21, run by each action after its own rules (check 19):
 * DryRun, then the free quota. false: res set. On true the characters are
 * counted against the account. */
bool act_gate(struct act_ctx *, enum quota, long long chars, struct act_result *);
void act_fail(struct act_result *, const char *code, char *msg /* taken */);
/* An error with the catalogue's message for the request's language. */
void act_fail_cat(struct act_ctx *, struct act_result *, const char *code,
    const char *arg);
const char *param_str(struct act_ctx *, const char *name);	/* NULL if absent */
long long param_int(struct act_ctx *, const char *name, long long dflt);
void act_text_translate(struct act_ctx *, struct act_result *);
void act_text_translate_batch(struct act_ctx *, struct act_result *);
void act_language_detect(struct act_ctx *, struct act_result *);
void act_speech_translate(struct act_ctx *, struct act_result *);
void act_image_translate(struct act_ctx *, struct act_result *);
void act_image_translate_llm(struct act_ctx *, struct act_result *);
void act_file_translate(struct act_ctx *, struct act_result *);
void act_get_file_translate(struct act_ctx *, struct act_result *);

/* ---- upstream.c: record once, replay offline (docs/record-replay.md) ---- */
/* A checked request, as the pipeline hands it over (all borrowed). */
struct fwd {
	const struct req *f_req;
	bool		 f_v3;
	enum sign_method f_method;	/* the client's: TC3 or a v1 method */
	const char	*f_action, *f_version, *f_region;
	json_t		*f_params;	/* business parameters, as sent */
	const struct kv	*f_form;	/* v1's pairs (query or form body) */
	size_t		 f_nform;
};
/* --upstream's URL: https, or http to loopback only. 0, or -1 with err. */
int upstream_url_check(const char *url, char *err, size_t errlen);
/* Loads --replay's cassette, reads the real credentials from the
 * environment and opens --record. 0, or -1 with err (exit status 2). */
int upstream_init(char *err, size_t errlen);
void upstream_clear(void);
enum up_step { UP_NONE, UP_DONE, UP_PENDING };
/* Answers f into o from the cassette (UP_DONE), leaves it to the action
 * (UP_NONE: no match, no upstream, --replay-miss pseudo), or forwards it
 * on base's loop (UP_PENDING): done(arg) is then called once, from that
 * loop, with o filled; f's strings, f_req and o must live until then. */
enum up_step upstream_handle(const struct fwd *, struct outcome *,
    struct event_base *base, void (*done)(void *), void *arg);
/* Ends every call in flight now as a transport failure (each done is
 * called): for shutdown, before the loop is freed. */
void upstream_abort(void);

/* ---- listen.c: host and port into listening sockets ---- */
struct sockaddr_storage;
/* The most addresses one name is bound on. */
#define LISTEN_MAX_ADDRS 4
/* Binds host:port on every address the name resolves to (IPv4 first), a
 * port 0 to one free port for all. The fds (owned by the caller) listen,
 * non-blocking; bound[] says where. opt ("listen", "tls-listen",
 * "admin-listen") names the option in errors. 0, or -1 with err saying
 * where, the system's reason and how to choose another address. */
int listen_open(const char *opt, const char *host, int port, const char *scheme,
    int backlog, int *fds, struct sockaddr_storage *bound, size_t max,
    size_t *nfds, char *err, size_t errlen);
/* Whether a listen_open() of this process bound port (any listener, any
 * address): a CallbackUrl there is never called (act_file.c). */
bool listen_own_port(int port);
/* "http://127.0.0.1:9000", "https://[::1]:9443". */
void listen_format(const struct sockaddr_storage *, const char *scheme,
    char *buf, size_t len);
/* The URL of the API listener's first address once bound ("http://
 * 127.0.0.1:9000"); false before. */
bool listen_api_url(char *buf, size_t len);

/* ---- health_cmd.c: `tmtmock --health [URL]`, a probe without curl ---- */
/* GETs URL's /_mock/health (default: the --ready-file's URL, then
 * TMTMOCK_LISTEN's port on loopback); 0: healthy, 1: not, 2: bad usage.
 * argv[0] is "--health". */
int health_main(int argc, char **argv);
/* Writes the API's URL into conf.c_ready_file (atomically); -1 with err. */
int health_ready_write(char *err, size_t errlen);
void health_ready_remove(void);	/* at exit: the mock no longer serves */

/* ---- sign_cmd.c: `tmtmock sign`, a signed request without an SDK ---- */
/* argv[0] is "sign". 0: printed; 2: bad usage (message printed). */
int sign_main(int argc, char **argv);

/* ---- http.c: HTTP/1.1 requests parsed, answers' heads written; no I/O ---- */
/* Header lines of one request at most (431 past it). */
#define HTTP_MAX_HEADERS 128
struct http_field {
	const char	*f_name;	/* into the parsed bytes, not NUL-ended */
	size_t		 f_nlen;
	const char	*f_val;		/* OWS trimmed */
	size_t		 f_vlen;
};
/* A request's head; every pointer is into the bytes parsed (borrowed). */
struct http_head {
	const char	*h_method, *h_target;
	size_t		 h_mlen, h_tlen;
	int		 h_minor;	/* HTTP/1.0 or HTTP/1.1 */
	struct http_field h_fields[HTTP_MAX_HEADERS];
	size_t		 h_nfields;
	size_t		 h_len;		/* bytes up to and with the empty line */
	long long	 h_clen;	/* Content-Length; -1: none */
	bool		 h_chunked;	/* Transfer-Encoding: chunked */
	bool		 h_close, h_keep_alive;	/* Connection: close, keep-alive */
	bool		 h_continue;	/* Expect: 100-continue (HTTP/1.1) */
};
/* Why a request was refused: the status to answer (the connection is then
 * closed), a static reason, and whether it was a length told two ways. */
struct http_error {
	int		 he_status;
	const char	*he_why;
	bool		 he_framing;
};
/* Where the head in b[0..n) ends (just past its empty line), or 0 while it
 * has not ended; from: bytes already scanned without finding it. A bare LF
 * ends it too, so such a head is refused at once. */
size_t http_head_end(const char *b, size_t n, size_t from);
/* Parses a whole head (b[0..n), as http_head_end found it). 1, or -1 with e
 * set: anything a proxy could read otherwise is refused (docs/hardening.md). */
int http_head_parse(const char *b, size_t n, struct http_head *,
    struct http_error *e);
/* A chunked body being decoded; zeroed for each request. */
struct http_chunked {
	int			 ch_state;
	unsigned long long	 ch_left;	/* of the chunk being read */
	unsigned long long	 ch_total;	/* decoded so far */
	int			 ch_digits;
	size_t			 ch_trailer;	/* bytes of extensions, trailers */
};
/* Decodes in[0..n) into out (which may overlap in, at or before it):
 * *used bytes read, *made written. 1: the body ended, 0: more is needed,
 * -1 with e set (413 past max decoded bytes, else 400). */
int http_chunked(struct http_chunked *, const char *in, size_t n, char *out,
    size_t *used, size_t *made, size_t max, struct http_error *e);
/* One request being read off a connection: what is known of it so far,
 * its offsets from the request's first byte. Zeroed for each request. */
struct http_reader {
	size_t		 hr_skip;	/* empty lines before it */
	size_t		 hr_scanned;	/* bytes searched for the head's end */
	size_t		 hr_head_len;	/* 0: the head has not ended */
	long long	 hr_clen;
	bool		 hr_chunked;
	bool		 hr_continue;	/* a 100 Continue is due (caller sends) */
	struct http_chunked hr_ch;
	size_t		 hr_raw;	/* chunked: next byte to decode */
	size_t		 hr_body;	/* chunked: bytes decoded */
};
/* Feeds b[0..n), every byte kept since the request's first. 1: a whole
 * request, h parsed, its body at b + *body_off (chunks decoded in place),
 * *blen bytes, *used bytes of b are its; 0: more is needed (the bytes must
 * be fed again, with what follows); -1: refused, e set. */
int http_reader_feed(struct http_reader *, char *b, size_t n, size_t max_head,
    size_t max_body, struct http_head *h, size_t *body_off, size_t *blen,
    size_t *used, struct http_error *e);
/* Writes an answer's status line and headers (Content-Type if ctype,
 * Date, Content-Length, Connection: close if close) into dst; its length,
 * or 0 when cap is too small (HTTP_HEAD_ROOM plus ctype always fits). */
#define HTTP_HEAD_ROOM 256
size_t http_answer_head(char *dst, size_t cap, int status, const char *ctype,
    size_t clen, bool close, const char *date);

/* ---- conn.c: the connection table (I/O, limits, deadlines, drain) ---- */
struct event_base;
struct conn;
/* What a connection does with a whole request: the handler takes r (its
 * arena) and answers now or later through conn_write() and conn_end(). */
typedef void (*conn_handler)(struct conn *, struct req *, void *arg);
/* Takes the accepted socket fd (closed at once over --max-connections or
 * while draining); tls: an HTTPS connection (tls_ssl_new()). */
void conn_accept(struct event_base *, int fd, bool tls, conn_handler, void *arg);
/* The most connections the descriptors allow (RLIMIT_NOFILE raised to want
 * plus a reserve); set once from --max-connections. */
long long conn_budget(long long want);
long long conn_count(void);
uint64_t conn_id(const struct conn *);
struct event_base *conn_base_of(const struct conn *);	/* for its timers */
/* A timer or a delayed answer keeps the connection's record (not the
 * socket) alive while it holds it. */
void conn_hold(struct conn *);
void conn_release(struct conn *);
bool conn_closed(const struct conn *);
/* Whether the answer now being made must end with "Connection: close":
 * draining, the request asked, HTTP/1.0, or a 414. */
bool conn_must_close(const struct conn *);
/* Sends head and body as one write (writev); what the socket cannot take
 * now is kept and sent as it can (--write-timeout from now). */
void conn_write(struct conn *, const char *head, size_t hlen,
    const char *body, size_t blen);
/* The answer to the current request is complete: CE_KEEP reads the next
 * request (or closes, if conn_must_close() said so), CE_FIN closes once
 * what was written has left, CE_CLOSE closes now (FIN) and CE_RESET aborts
 * (RST), dropping what was not sent. */
enum conn_end { CE_KEEP, CE_FIN, CE_CLOSE, CE_RESET };
void conn_end(struct conn *, enum conn_end);
/* SIGTERM: idle connections close, those with an answer in flight close
 * after it; the loop exits when none is left. The count in flight. */
long long conn_drain(void);
long long conn_inflight(void);
void conn_close_all(void);	/* at exit: everything, now */

/* ---- access.c: the access log, one line per API request ---- */
extern enum log_format log_access_format;
/* One access-log line for a request and what was done with it. */
void log_access(const struct req *, const struct outcome *, long long latency_us);

/* ---- deliver.c: an outcome to the client: delays, transport faults ---- */
/* Takes r and o (moved: the caller's copies are emptied). Answers now, or
 * after o's delay, or as its fault says; then the journal, metrics and
 * access log, with the latency from t0_us (deliver_now_us()). */
void deliver(struct conn *, struct req *r, struct outcome *o, long long t0_us);
long long deliver_now_us(void);	/* monotonic */
/* A whole answer of the front or the admin API, status and body as given
 * (the headers alone for HEAD); ends the request with CE_KEEP or, when
 * close, CE_FIN. */
void deliver_plain(struct conn *, const struct req *, int status,
    const char *ctype, const char *body, size_t len, bool close);
void deliver_stop(void);	/* answers still waiting are dropped */

/* ---- front.c: listeners and routing ---- */
/* Binds (every address of a name: listen.c), prints a `listening on
 * http://ADDR:PORT` line per address; -1 with err on failure. */
int front_start(struct event_base *, const char *host, int port, char *err,
    size_t errlen);
/* The HTTPS listener: the same limits and routing over TLS (tls.c);
 * prints `listening on https://ADDR:PORT` lines. -1 with err on failure. */
int front_start_tls(struct event_base *, const char *host, int port,
    char *err, size_t errlen);
/* The --admin-listen listener: /_mock/ only. */
int front_start_admin(struct event_base *, const char *host, int port,
    char *err, size_t errlen);
void front_stop(void);	/* every listener, connection and waiting reply */
/* SIGTERM: close the listeners, finish the answers in flight (the loop then
 * exits; --shutdown-grace at most). 0 when none is in flight: stop now. */
int front_drain(void);

/* ---- tls.c: the HTTPS certificate and OpenSSL context ---- */
struct x509_st;		/* OpenSSL's X509 */
struct evp_pkey_st;	/* OpenSSL's EVP_PKEY */
struct tls_generated {
	struct x509_st		*tg_ca;
	struct evp_pkey_st	*tg_ca_key;
	struct x509_st		*tg_leaf;
	struct evp_pkey_st	*tg_leaf_key;
};
/* An EC P-256 CA "tmtmock local CA" and a leaf it signs for localhost,
 * tmt.tencentcloudapi.com, 127.0.0.1 and ::1 (serverAuth), both valid from an
 * hour ago for 825 days. 0, or -1 with errbuf; free with tls_generated_free(). */
int tls_generate(struct tls_generated *, char *errbuf, size_t errlen);
void tls_generated_free(struct tls_generated *);
/* Checks the --tls-* options together and builds the server context: loads
 * --tls-cert/--tls-key, or generates a pair and writes its CA to --tls-ca-out.
 * Nothing to do without TLS options. 0, or -1 with errbuf (exit status 2). */
int tls_init(char *errbuf, size_t errlen);
/* A server-side TLS session for one connection, to be given its socket;
 * caller frees (SSL_free). Aborts rather than return NULL. */
struct ssl_st;
struct ssl_st *tls_ssl_new(void);
void tls_clear(void);

/* ---- act_speech.c: SpeechTranslate's sessions and audio rules ---- */
/* The Seq numbers a session has seen, sorted. */
struct seq_set {
	long long	*ss_v;
	size_t		 ss_n, ss_cap;
};
enum seq_check { SEQ_OK, SEQ_DUPLICATE, SEQ_GAP };
/* Whether seq may follow those seen: not seen before, and at most 2000
 * past the highest (past 0 for a new session). */
enum seq_check seq_check(const struct seq_set *, long long seq);
void seq_add(struct seq_set *, long long seq);
void seq_free(struct seq_set *);
enum audio_check { AUDIO_OK, AUDIO_NOT_STREAMABLE, AUDIO_TOO_LONG };
/* A request streams unless it is the whole utterance: Seq 0 with IsEnd 1. */
bool speech_streaming(long long seq, long long is_end);
/* The audio rules for one chunk of decoded bytes in AudioFormat format. */
enum audio_check speech_audio_check(long long format, bool streaming,
    size_t decoded);
void speech_clear(void);

/* ---- act_image.c: image types and fixtures/images.json ---- */
enum image_type { IMG_UNKNOWN, IMG_PNG, IMG_JPEG, IMG_BMP, IMG_PDF };
/* The type by magic bytes. */
enum image_type image_type(const unsigned char *, size_t);
/* Loads DIR/images.json if it exists; -1 with errbuf on a bad file. */
int image_load(const char *dir, char *errbuf, size_t errlen);
void image_clear(void);

/* ---- act_file.c: FileTranslate's tasks, their clock and callbacks ---- */
enum task_status { TS_INIT, TS_WAIT, TS_SUCCESS, TS_FAIL };
/* Where a task stands elapsed_ms after its creation; a task that cannot
 * succeed (a Url the mock does not fetch) ends in TS_FAIL. */
enum task_status file_task_status(long long elapsed_ms, bool fails,
    int *progress);
const char *file_status_name(enum task_status);
/* Whether a CallbackUrl's host is loopback (127.0.0.0/8, ::1, localhost). */
bool file_host_loopback(const char *host);
/* Starts the timer that moves tasks on and calls back; file_clear() stops
 * it and forgets every task. */
void file_init(struct event_base *);
void file_clear(void);
long long file_task_bytes(void);	/* the documents kept, for the metrics */

#endif /* TMTMOCK_H */
