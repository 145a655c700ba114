/*
 * tmtmock.h: the one internal header, and the map of the server.
 *
 * A request's path: front.c (evhttp) -> req.c (a plain struct, no libevent
 * past here) -> pipeline.c (the ordered checks of mock-behaviour.md section 1)
 * -> verify.c (signature inputs and leniency) -> sig_tc3.c / sig_v1.c (pure
 * signature functions) -> act_text.c (the action) -> answer.c (the JSON
 * envelope) -> front.c (the reply).
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
#include <time.h>

#include <jansson.h>

#define TMTMOCK_VERSION "0.1.0"
#define TMT_VERSION "2018-03-21"

/* Size limits of check 2 (tencent-api.md 1.2). */
#define TM_MAX_GET_URI (32 * 1024)
#define TM_MAX_V1_BODY (1024 * 1024)
#define TM_MAX_V3_BODY (10 * 1024 * 1024)
/* Bodies above this never reach the pipeline: evhttp answers 413 itself. */
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
void buf_add(struct buf *, const void *, size_t);
void buf_adds(struct buf *, const char *);
void buf_addc(struct buf *, char);
void buf_addf(struct buf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *buf_str(struct buf *);
void buf_free(struct buf *);
bool str_is_decimal(const char *s, long long *out);
size_t utf8_codepoints(const char *s, size_t len);
bool utf8_valid(const char *s, size_t len);
void str_lower(char *s);

/* ---- log.c ---- */
extern int log_verbose;
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
void clock_set_offset(long long offset_s);

/* ---- sig_tc3.c: TC3-HMAC-SHA256, pure functions (tencent-api.md 2) ---- */
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
void sig_tc3_derive_key(const char *secret_key, const char *date,
    const char *service, unsigned char key[32]);
void sig_tc3_sign_with_key(const unsigned char key[32],
    const char *string_to_sign, char out[65]);
void sig_tc3_sign(const char *secret_key, const char *date,
    const char *service, const char *string_to_sign, char out[65]);
/* The UTC date (YYYY-MM-DD) of a Unix timestamp. */
void sig_tc3_date(long long ts, char out[11]);

/* ---- sig_v1.c: HmacSHA1 / HmacSHA256, pure functions (tencent-api.md 3) ---- */
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
};
void req_free(struct req *);
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
 * Values stay strings: the schema converts them. Returns a new reference. */
json_t *form_unflatten(const struct kv *, size_t, const char *const *skip);

/* ---- catalogue.c: error codes and their messages, as data ---- */
enum retry_class { RC_CLIENT, RC_THROTTLED, RC_TRANSIENT, RC_CLOCK };
struct err_def {
	const char	*e_code;
	const char	*e_en;	/* printf format, may take one %s */
	const char	*e_zh;	/* NULL when only one text is known */
	enum retry_class e_class;
};
const struct err_def *catalogue_find(const char *code);
/* Caller frees. lang_en selects the en-US text; arg fills a %s. */
char *catalogue_message(const struct err_def *, bool lang_en, const char *arg);

/* ---- region.c ---- */
enum region_check { REGION_OK, REGION_INVALID, REGION_UNSUPPORTED };
enum region_check region_check(const char *region);

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
	json_t		*a_json;	/* the entry as loaded, owned */
};
/* Loads DIR/accounts.json. 0 on success; on failure -1 with a message
 * naming the file and field in errbuf. */
int cred_load(const char *dir, char *errbuf, size_t errlen);
/* Parses one account object (the admin API and the fixture share this).
 * Returns NULL with a message naming the field in errbuf. Caller frees
 * with cred_account_free(). */
struct account *cred_account_parse(json_t *obj, char *errbuf, size_t errlen);
void cred_account_free(struct account *);
struct account *cred_find(const char *secret_id);
bool cred_secret_id_well_formed(const char *secret_id);
void cred_clear(void);

/* ---- verify.c: the request's signature, with the leniency of mock-behaviour.md 2 ---- */
enum sign_method { SM_NONE, SM_TC3, SM_HMACSHA1, SM_HMACSHA256 };
const char *sign_method_name(enum sign_method);
struct tc3_auth {
	char	*ta_secret_id;
	char	*ta_date;
	char	*ta_service;
	char	*ta_signed_headers;
	char	*ta_signature;
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

/* ---- answer.c: the JSON envelope ---- */
/* Both return a new string (caller frees): compact JSON, UTF-8 unescaped. */
char *answer_ok(json_t *response /* stolen */, const char *request_id);
char *answer_error(const char *code, const char *message, const char *request_id);

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
};
extern struct conf conf;
/* 0: run; 1: exit 0 (help/version printed); 2: bad usage (message printed). */
int conf_parse(int argc, char **argv);
void conf_usage(FILE *);

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
	struct verify_result o_verify;	/* kept for the journal */
};
void pipeline_run(const struct req *, struct outcome *);
void outcome_free(struct outcome *);

/* ---- act_text.c ---- */
struct act_ctx {
	const struct req *ac_req;
	const char	*ac_action;
	const char	*ac_region;
	json_t		*ac_params;	/* business parameters, borrowed */
	bool		 ac_from_form;	/* values arrived as strings */
	struct account	*ac_account;
	bool		 ac_lang_en;
};
/* Result of an action: either resp (a new reference) or an error code with
 * its message (caller frees err_msg). */
struct act_result {
	json_t		*ar_resp;
	const char	*ar_err_code;
	char		*ar_err_msg;
};
typedef void (*act_fn)(struct act_ctx *, struct act_result *);
struct action_def {
	const char	*ad_name;
	act_fn		 ad_fn;	/* NULL: known action, not served by this build */
};
const struct action_def *action_find(const char *name);
void act_text_translate(struct act_ctx *, struct act_result *);

/* ---- front.c ---- */
struct event_base;
/* Binds, prints the listening line; -1 on failure with a message. */
int front_start(struct event_base *, const char *host, int port);
void front_stop(void);

#endif /* TMTMOCK_H */
