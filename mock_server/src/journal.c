/*
 * journal.c: what the mock saw and answered, one entry per request, in a
 * bounded ring (the oldest go first and are counted as dropped), optionally
 * mirrored to a JSON-lines file (docs/admin-api.md, The journal).
 *
 * An entry is a compact struct, not a JSON tree: its strings are interned
 * (counted references to one copy: the host, the action, a peer, the
 * headers of one second are the same request after request), the answer's
 * body is kept once per shape with its RequestId cut out, the RequestId and
 * a TC3 signature are kept as bytes, and the JSON is written only when
 * GET /_mock/journal (or the mirror) asks for it, byte for byte as a
 * jansson tree of the entry was. The default ring of 10,000 entries then
 * takes a few MiB (docs/performance.md).
 *
 * Hostile requests (docs/hardening.md): every field a client chose is cut
 * (strings, keys, X-TC-* headers, containers with a marker of what was left
 * out), so an entry holds some 200 KiB at most, and the entries together
 * stay within --journal-max-bytes: the oldest go first. An entry's bytes
 * count its strings as if none were shared, so the real figure is lower.
 * The --journal file is written whole lines or nothing: a failed write is
 * taken back, reported once and counted (tmtmock_journal_file_lost_total).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tmtmock.h"

/* Parameter strings are cut to this: a journal of base64 images would
 * hold megabytes per entry. */
#define JOURNAL_PARAM_MAX 256
#define JOURNAL_BODY_MAX 65536
/* The parameters as JSON, the other strings a client chose (Host, Action,
 * headers, signature), and the failed signature's texts, at most. */
#define JOURNAL_PARAMS_MAX 16384
#define JOURNAL_FIELD_MAX 1024
#define JOURNAL_HEADERS_MAX 64
#define JOURNAL_FAIL_MAX 16384

/* ---- interned strings ---- */

struct istr {
	struct istr	*is_next;
	size_t		 is_hash;
	uint32_t	 is_len;
	uint32_t	 is_refs;
	bool		 is_utf8;	/* else written with '?' for bad bytes */
	char		 is_s[];	/* is_len bytes and a NUL */
};

static struct istr **itab;
static size_t itab_size, itab_n;

/* Eight bytes a step (the strings are headers, parameters, answers). */
static size_t
ihash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return (size_t)(h ^ (h >> 29));
}

static void
itab_grow(void)
{
	size_t size = itab_size ? itab_size * 2 : 256, i;
	struct istr **t = xcalloc(size, sizeof *t), *is, *next;

	for (i = 0; i < itab_size; i++)
		for (is = itab[i]; is != NULL; is = next) {
			next = is->is_next;
			is->is_next = t[is->is_hash & (size - 1)];
			t[is->is_hash & (size - 1)] = is;
		}
	free(itab);
	itab = t;
	itab_size = size;
}

/* A counted reference to the one copy of s[0..len); NULL stays NULL. */
static struct istr *
intern(const char *s, size_t len)
{
	struct istr *is, **slot;
	size_t h;

	if (s == NULL)
		return NULL;
	h = ihash(s, len);
	if (itab_size != 0)
		for (is = itab[h & (itab_size - 1)]; is != NULL; is = is->is_next)
			if (is->is_hash == h && is->is_len == len &&
			    memcmp(is->is_s, s, len) == 0) {
				is->is_refs++;
				return is;
			}
	if (itab_n >= itab_size)		/* chains of one on average */
		itab_grow();
	is = xmalloc(sizeof *is + len + 1);
	is->is_hash = h;
	is->is_len = (uint32_t)len;
	is->is_refs = 1;
	memcpy(is->is_s, s, len);
	is->is_s[len] = '\0';
	is->is_utf8 = utf8_valid(s, len);
	slot = &itab[h & (itab_size - 1)];
	is->is_next = *slot;
	*slot = is;
	itab_n++;
	return is;
}

static struct istr *
intern_str(const char *s)
{
	return s != NULL ? intern(s, strlen(s)) : NULL;
}

static void
irelease(struct istr *is)
{
	struct istr **pp;

	if (is == NULL || --is->is_refs > 0)
		return;
	for (pp = &itab[is->is_hash & (itab_size - 1)]; *pp != is; pp = &(*pp)->is_next)
		;
	*pp = is->is_next;
	itab_n--;
	free(is);
}

/* ---- entries ---- */

/* The interned fields, in the order they are written. */
enum {
	JS_METHOD, JS_HOST, JS_PEER, JS_HEADERS /* name\0value\0... */, JS_ACTION,
	JS_REGION, JS_SECRET_ID, JS_TIMESTAMP, JS_CONTENT_TYPE, JS_SIGNATURE,
	JS_PARAMS /* JSON */, JS_ERROR_CODE, JS_BODY,
	JS_REQUEST_ID /* only when it is not rng_uuid's shape */, JS_N
};

/* Kept only when the signature was checked and failed. */
struct jfail {
	char	*jf_canonical_request;
	char	*jf_string_to_sign;
	char	*jf_why;
};

struct jentry {
	long long	 je_seq;
	long long	 je_conn_id;
	long long	 je_time_us;		/* mock clock, microseconds */
	long long	 je_latency_us;
	long long	 je_delay_ms;
	long long	 je_rule_id;
	struct istr	*je_s[JS_N];
	struct jfail	*je_fail;
	long		 je_body_rid;		/* where RequestId was cut from JS_BODY; -1 */
	unsigned char	 je_rid[16];		/* the RequestId, as its 16 bytes */
	unsigned char	 je_sig[32];		/* a TC3 signature, as its 32 bytes */
	bool		 je_sig_bin;		/* je_sig holds it; else JS_SIGNATURE */
	short		 je_http_status;
	signed char	 je_signature_ok;	/* -1: not checked */
	unsigned char	 je_sign_method;
	unsigned char	 je_fault;
	bool		 je_magic;
	size_t		 je_bytes;		/* counted in ring_bytes */
};

/* The value of a lower-case hex digit, or -1 (upper case is kept as text). */
static int
hexval(unsigned char c)
{
	static signed char tab[256];
	static bool ready;
	int i;

	if (!ready) {
		memset(tab, -1, sizeof tab);
		for (i = 0; i < 10; i++)
			tab['0' + i] = (signed char)i;
		for (i = 0; i < 6; i++)
			tab['a' + i] = (signed char)(10 + i);
		ready = true;
	}
	return tab[c];
}

/* 2n lower-case hex digits (a TC3 signature) as n bytes; false if not. */
static bool
hex_pack(const char *s, unsigned char *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (s == NULL || strnlen(s, 2 * n + 1) != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		hi = hexval((unsigned char)s[2 * i]);
		lo = hexval((unsigned char)s[2 * i + 1]);
		if ((hi | lo) < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* A RequestId (8-4-4-4-12 lower-case hex, rng_uuid's) as 16 bytes. */
static bool
rid_pack(const char *s, unsigned char out[16])
{
	char hex[33];
	size_t i, j = 0;

	if (strlen(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' ||
	    s[23] != '-')
		return false;
	for (i = 0; i < 36; i++)
		if (i != 8 && i != 13 && i != 18 && i != 23)
			hex[j++] = s[i];
	hex[32] = '\0';
	return hex_pack(hex, out, 16);
}

static void
rid_unpack(const unsigned char in[16], char out[37])
{
	char hex[33];

	crypto_hex(in, 16, hex);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
}

static struct jentry *ring;
static size_t ring_size, ring_head, ring_n;
static size_t ring_bytes;	/* the entries' je_bytes, in all */
static long long next_seq = 1, dropped;
static int mirror = -1;		/* the --journal file */
static char *mirror_path;
static bool mirror_failing;	/* reported; quiet until a write succeeds */
static bool mirror_torn;	/* a piece could not be taken back */
static struct buf scratch;	/* reused: no allocation per request */

/* The file holds session tokens and signatures: the owner's alone. */
static int
mirror_open(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

int
journal_init(size_t size, const char *path, char *err, size_t errlen)
{
	ring_size = size;
	/* calloc'd pages stay untouched, so unused, until entries fill them. */
	ring = xcalloc(size, sizeof *ring);
	if (path != NULL && (mirror = mirror_open(path)) < 0) {
		snprintf(err, errlen, "--journal: cannot open %s for appending: %s",
		    path, strerror(errno));
		return -1;
	}
	if (path != NULL)
		mirror_path = xstrdup(path);
	return 0;
}

void
journal_reopen(void)
{
	int fd;

	if (mirror_path == NULL)
		return;
	if ((fd = mirror_open(mirror_path)) < 0) {
		log_warnx("SIGHUP: cannot open --journal %s again: %s; still "
		    "writing the file open before", mirror_path, strerror(errno));
		return;
	}
	close(mirror);
	mirror = fd;
	mirror_torn = false;
	log_info("SIGHUP: --journal %s opened again", mirror_path);
}

long long
journal_bytes(void)
{
	return (long long)ring_bytes;
}

/*
 * One line onto the --journal file, whole or not at all: a short write (a
 * full disk, a file size limit) is cut back off, and the entry is counted
 * as lost. The first failure is reported, the rest are counted until a
 * write succeeds again; the mock serves on either way.
 */
static void
mirror_write(const char *s, size_t n)
{
	off_t at = lseek(mirror, 0, SEEK_END);
	size_t done = 0;
	ssize_t w = 0;
	int e = 0;

	/* A piece left by an earlier failure ends here, as a line of its
	 * own, rather than spoil the entry written after it. */
	if (mirror_torn && write(mirror, "\n", 1) == 1)
		mirror_torn = false;
	while (done < n) {
		if ((w = write(mirror, s + done, n - done)) < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)w;
	}
	if (done == n) {
		if (mirror_failing)
			log_info("--journal %s: writing again", mirror_path);
		mirror_failing = false;
		return;
	}
	if (done > 0 && (at < 0 || ftruncate(mirror, at) != 0))
		mirror_torn = true;
	metrics_hard(HC_JOURNAL_LOST, 1);
	if (!mirror_failing)
		log_warnx("--journal %s: %s: entries are not written (counted "
		    "in tmtmock_journal_file_lost_total) until it can be "
		    "written again", mirror_path, strerror(e));
	mirror_failing = true;
}

static void
jentry_free(struct jentry *e)
{
	size_t i;

	for (i = 0; i < JS_N; i++)
		irelease(e->je_s[i]);
	if (e->je_fail != NULL) {
		free(e->je_fail->jf_canonical_request);
		free(e->je_fail->jf_string_to_sign);
		free(e->je_fail->jf_why);
		free(e->je_fail);
	}
	ring_bytes -= e->je_bytes;
	memset(e, 0, sizeof *e);
}

void
journal_clear(void)
{
	size_t i;

	for (i = 0; i < ring_n; i++)
		jentry_free(&ring[(ring_head + i) % ring_size]);
	ring_head = ring_n = 0;
	dropped = 0;
	next_seq = 1;
}

void
journal_close(void)
{
	journal_clear();
	free(ring);
	ring = NULL;
	free(itab);
	itab = NULL;
	itab_size = itab_n = 0;
	buf_free(&scratch);
	if (mirror >= 0)
		close(mirror);
	mirror = -1;
	free(mirror_path);
	mirror_path = NULL;
}

/* name\0value\0 of a string a client chose, cut to max bytes as the
 * parameters are. */
static void
add_cut(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		buf_add(b, s, n);
	else
		buf_addf(b, "%.*s…(%zu bytes)", (int)max, s, n);
	buf_addc(b, '\0');
}

/* A copy of s cut to max bytes; caller frees. */
static char *
dup_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n <= max ? xstrdup(s) : xasprintf("%.*s…(%zu bytes)", (int)max,
	    s, n);
}

/* intern_str of a string a client chose, cut to JOURNAL_FIELD_MAX. */
static struct istr *
intern_cut(const char *s)
{
	struct istr *is;
	char *t;

	if (s == NULL || strlen(s) <= JOURNAL_FIELD_MAX)
		return intern_str(s);
	t = dup_cut(s, JOURNAL_FIELD_MAX);
	is = intern_str(t);
	free(t);
	return is;
}

/* The X-TC-* headers as sent, "name\0value\0" after one another: what the
 * entry keeps (interned); JSON is made of it only when asked. */
static void
headers_raw(struct buf *b, const struct req *r)
{
	size_t i, n = 0, more = 0;
	char note[64];

	for (i = 0; i < r->r_nhdrs; i++)
		if (strncasecmp(r->r_hdrs[i].k, "X-TC-", 5) == 0) {
			if (n++ >= JOURNAL_HEADERS_MAX) {
				more++;
				continue;
			}
			add_cut(b, r->r_hdrs[i].k, JOURNAL_PARAM_MAX);
			add_cut(b, r->r_hdrs[i].v, JOURNAL_PARAM_MAX);
		}
	if (more > 0) {
		snprintf(note, sizeof note, "(%zu more X-TC-* headers)", more);
		add_cut(b, "…", JOURNAL_PARAM_MAX);
		add_cut(b, note, JOURNAL_PARAM_MAX);
	}
}

static size_t
istr_bytes(const struct istr *is)
{
	return is != NULL ? sizeof *is + is->is_len + 1 : 0;
}

/* What the entry holds, shared strings counted in full. */
static size_t
entry_bytes(const struct jentry *e)
{
	size_t i, n = sizeof *e;

	for (i = 0; i < JS_N; i++)
		n += istr_bytes(e->je_s[i]);
	if (e->je_fail != NULL) {
		n += sizeof *e->je_fail;
		if (e->je_fail->jf_canonical_request != NULL)
			n += strlen(e->je_fail->jf_canonical_request) + 1;
		if (e->je_fail->jf_string_to_sign != NULL)
			n += strlen(e->je_fail->jf_string_to_sign) + 1;
		if (e->je_fail->jf_why != NULL)
			n += strlen(e->je_fail->jf_why) + 1;
	}
	return n;
}

/* The oldest entry out, counted as dropped. */
static void
drop_oldest(void)
{
	jentry_free(&ring[ring_head]);
	ring_head = (ring_head + 1) % ring_size;
	ring_n--;
	dropped++;
}

/* The pair after the one at p ("name\0value\0"); *v is set to its value. */
static const char *
pair_next(const char *p, const char **v)
{
	*v = p + strlen(p) + 1;
	return *v + strlen(*v) + 1;
}

/*
 * Those headers as a JSON object, as a jansson object filled in header
 * order is written: a name sent twice keeps its first place and its last
 * value; a name that is not UTF-8 is left out; bad bytes of a value are '?'.
 */
static void
headers_json(struct buf *b, const struct istr *raw)
{
	const char *end = raw->is_s + raw->is_len, *k, *next, *q, *qnext, *v, *qv;
	bool first = true, seen;

	buf_addc(b, '{');
	for (k = raw->is_s; k < end; k = next) {
		next = pair_next(k, &v);
		if (!utf8_valid(k, strlen(k)))
			continue;
		for (seen = false, q = raw->is_s; q < k && !seen; q = qnext) {
			qnext = pair_next(q, &qv);
			seen = strcmp(q, k) == 0;
		}
		if (seen)		/* written at its first place */
			continue;
		for (q = next; q < end; q = qnext) {
			qnext = pair_next(q, &qv);
			if (strcmp(q, k) == 0)
				v = qv;	/* the last value */
		}
		if (!first)
			buf_addc(b, ',');
		first = false;
		jw_str(b, k, strlen(k));
		buf_addc(b, ':');
		jw_str_lossy(b, v);
	}
	buf_addc(b, '}');
}

/* ,"key": and the field: null, its JSON text, or a JSON string of it. */
static void
field(struct buf *b, const char *key, const struct istr *s, bool is_json)
{
	buf_adds(b, ",\"");
	buf_adds(b, key);
	buf_adds(b, "\":");
	if (s == NULL)
		buf_adds(b, "null");
	else if (is_json)
		buf_add(b, s->is_s, s->is_len);
	else if (s->is_utf8)
		jw_str(b, s->is_s, s->is_len);
	else
		jw_str_lossy(b, s->is_s);
}

static void
field_str(struct buf *b, const char *key, const char *s)
{
	buf_adds(b, ",\"");
	buf_adds(b, key);
	buf_adds(b, "\":");
	if (s == NULL)
		buf_adds(b, "null");
	else
		jw_str_lossy(b, s);
}

static void
field_int(struct buf *b, const char *key, long long v, bool zero_is_null)
{
	buf_adds(b, ",\"");
	buf_adds(b, key);
	buf_adds(b, "\":");
	if (zero_is_null && v == 0)
		buf_adds(b, "null");
	else
		jw_int(b, v);
}

/* An entry as the JSON object GET /_mock/journal shows, fields in the
 * order they always had. */
static void
entry_json(struct buf *b, const struct jentry *e)
{
	const struct istr *body = e->je_s[JS_BODY];
	char rid_s[37], sig_s[65];
	const char *rid = rid_s;

	if (e->je_s[JS_REQUEST_ID] != NULL)
		rid = e->je_s[JS_REQUEST_ID]->is_s;
	else
		rid_unpack(e->je_rid, rid_s);

	buf_adds(b, "{\"seq\":");
	jw_int(b, e->je_seq);
	field_int(b, "conn_id", e->je_conn_id, false);
	buf_adds(b, ",\"time\":");
	jw_real(b, (double)e->je_time_us / 1e6);
	field(b, "method", e->je_s[JS_METHOD], false);
	field(b, "host", e->je_s[JS_HOST], false);
	field(b, "peer", e->je_s[JS_PEER], false);
	buf_adds(b, ",\"headers\":");
	if (e->je_s[JS_HEADERS] != NULL)
		headers_json(b, e->je_s[JS_HEADERS]);
	else
		buf_adds(b, "{}");
	field(b, "action", e->je_s[JS_ACTION], false);
	field(b, "region", e->je_s[JS_REGION], false);
	field(b, "secret_id", e->je_s[JS_SECRET_ID], false);
	field_str(b, "sign_method",
	    sign_method_name((enum sign_method)e->je_sign_method));
	field(b, "timestamp", e->je_s[JS_TIMESTAMP], false);
	field(b, "content_type", e->je_s[JS_CONTENT_TYPE], false);
	if (e->je_sig_bin) {
		crypto_hex(e->je_sig, sizeof e->je_sig, sig_s);
		field_str(b, "signature", sig_s);
	} else
		field(b, "signature", e->je_s[JS_SIGNATURE], false);
	buf_adds(b, ",\"signature_ok\":");
	buf_adds(b, e->je_signature_ok < 0 ? "null" : e->je_signature_ok ?
	    "true" : "false");
	if (e->je_fail != NULL) {
		field_str(b, "canonical_request", e->je_fail->jf_canonical_request);
		field_str(b, "string_to_sign", e->je_fail->jf_string_to_sign);
		field_str(b, "signature_problem", e->je_fail->jf_why);
	}
	field(b, "params", e->je_s[JS_PARAMS], true);
	field_int(b, "http_status", e->je_http_status, false);
	field(b, "error_code", e->je_s[JS_ERROR_CODE], false);
	field_str(b, "fault", e->je_fault != FK_NONE ?
	    fault_name((enum fault_kind)e->je_fault) : NULL);
	field_int(b, "delay_ms", e->je_delay_ms, false);
	field_int(b, "rule_id", e->je_rule_id, true);
	buf_adds(b, e->je_magic ? ",\"magic\":true" : ",\"magic\":false");
	field_str(b, "request_id", rid);
	if (body == NULL || e->je_body_rid < 0)
		field(b, "body", body, false);
	else {
		/* The RequestId back in its place. */
		struct buf whole = { 0 };

		buf_add(&whole, body->is_s, (size_t)e->je_body_rid);
		buf_adds(&whole, rid);
		buf_add(&whole, body->is_s + e->je_body_rid, body->is_len -
		    (size_t)e->je_body_rid);
		field_str(b, "body", whole.b_data);
		buf_free(&whole);
	}
	field_int(b, "latency_us", e->je_latency_us, false);
	buf_addc(b, '}');
}

void
journal_record(const struct req *r, const struct outcome *o,
    uint64_t conn_id, long long latency_us)
{
	struct jentry *e;
	struct buf *b = &scratch;
	const char *rid, *at;
	size_t rid_len;

	if (ring_size == 0)
		return;
	if (ring_n == ring_size)
		drop_oldest();
	e = &ring[(ring_head + ring_n) % ring_size];
	ring_n++;

	e->je_seq = next_seq++;
	e->je_conn_id = (long long)conn_id;
	e->je_time_us = clock_now_us();
	e->je_latency_us = latency_us;
	e->je_delay_ms = o->o_inj.i_delay_ms;
	e->je_rule_id = o->o_inj.i_rule_id;
	e->je_http_status = (short)o->o_http_status;
	e->je_signature_ok = !o->o_verified ? -1 : o->o_verify.vr_ok;
	e->je_sign_method = (unsigned char)o->o_sign_method;
	e->je_fault = (unsigned char)o->o_inj.i_fault;
	e->je_magic = o->o_inj.i_magic;
	if (!rid_pack(o->o_request_id, e->je_rid))
		e->je_s[JS_REQUEST_ID] = intern_str(o->o_request_id);

	e->je_s[JS_METHOD] = intern_cut(r->r_method_name);
	e->je_s[JS_HOST] = intern_cut(req_header(r, "Host"));
	e->je_s[JS_PEER] = intern_cut(r->r_peer);
	b->b_len = 0;
	headers_raw(b, r);
	e->je_s[JS_HEADERS] = b->b_len > 0 ? intern(b->b_data, b->b_len) : NULL;
	e->je_s[JS_ACTION] = intern_cut(o->o_action);
	e->je_s[JS_REGION] = intern_cut(o->o_region);
	e->je_s[JS_SECRET_ID] = intern_cut(o->o_secret_id);
	e->je_s[JS_TIMESTAMP] = intern_cut(o->o_timestamp);
	e->je_s[JS_CONTENT_TYPE] = intern_cut(req_header(r, "Content-Type"));
	/* A TC3 signature is 64 hex digits: 32 bytes in the entry. */
	if (!(e->je_sig_bin = hex_pack(o->o_signature, e->je_sig,
	    sizeof e->je_sig)))
		e->je_s[JS_SIGNATURE] = intern_cut(o->o_signature);
	b->b_len = 0;
	if (o->o_params != NULL)
		jw_value_capped(b, o->o_params, JOURNAL_PARAM_MAX,
		    JOURNAL_PARAMS_MAX);
	else
		buf_adds(b, "null");
	e->je_s[JS_PARAMS] = intern(b->b_data, b->b_len);
	e->je_s[JS_ERROR_CODE] = intern_str(o->o_error_code);
	if (o->o_verified && !o->o_verify.vr_ok) {
		e->je_fail = xcalloc(1, sizeof *e->je_fail);
		if (o->o_verify.vr_canonical_request != NULL)
			e->je_fail->jf_canonical_request = dup_cut(
			    o->o_verify.vr_canonical_request, JOURNAL_FAIL_MAX);
		if (o->o_verify.vr_string_to_sign != NULL)
			e->je_fail->jf_string_to_sign = dup_cut(
			    o->o_verify.vr_string_to_sign, JOURNAL_FAIL_MAX);
		if (o->o_verify.vr_why != NULL)
			e->je_fail->jf_why = dup_cut(o->o_verify.vr_why,
			    JOURNAL_FIELD_MAX);
	}
	/* What was sent, so a grader can compare a client's view with it;
	 * cut like the parameters, but larger: answers are small. The
	 * RequestId is cut out, so answers of one shape share one copy. */
	e->je_body_rid = -1;
	if (o->o_body == NULL)
		e->je_s[JS_BODY] = NULL;
	else if (o->o_body_len > JOURNAL_BODY_MAX) {
		char *cut = xasprintf("%.*s…(%zu bytes)", JOURNAL_BODY_MAX,
		    o->o_body, o->o_body_len);

		e->je_s[JS_BODY] = intern_str(cut);
		free(cut);
	} else {
		rid = o->o_request_id;
		rid_len = strlen(rid);
		at = rid_len > 0 ? memmem(o->o_body, o->o_body_len, rid, rid_len) :
		    NULL;
		if (at == NULL)
			e->je_s[JS_BODY] = intern(o->o_body, o->o_body_len);
		else {
			b->b_len = 0;
			buf_add(b, o->o_body, (size_t)(at - o->o_body));
			buf_add(b, at + rid_len, o->o_body_len -
			    (size_t)(at - o->o_body) - rid_len);
			e->je_s[JS_BODY] = intern(b->b_data, b->b_len);
			e->je_body_rid = (long)(at - o->o_body);
		}
	}

	/* Within --journal-max-bytes (0: no bound): the oldest go first, never
	 * this one. */
	e->je_bytes = entry_bytes(e);
	ring_bytes += e->je_bytes;
	while (ring_n > 1 && conf.c_journal_max_bytes > 0 &&
	    ring_bytes > (size_t)conf.c_journal_max_bytes) {
		metrics_hard(HC_JOURNAL_EVICTED, (long long)ring[ring_head].je_bytes);
		drop_oldest();
	}

	if (mirror >= 0) {
		b->b_len = 0;
		entry_json(b, e);
		buf_addc(b, '\n');
		mirror_write(b->b_data, b->b_len);
	}
}

/* A field of the entry as the journal shows it: '?' for its bad bytes. */
static bool
istr_is(const struct istr *s, const char *want)
{
	char *clean;
	bool same;

	if (s == NULL)
		return false;
	if (s->is_utf8)
		return strcmp(s->is_s, want) == 0;
	clean = utf8_sanitize(s->is_s);
	same = strcmp(clean, want) == 0;
	free(clean);
	return same;
}

/* The code the metrics count it under: a transport fault's name, else the
 * error code, else OK. */
static bool
code_is(const struct jentry *e, const char *want)
{
	if (e->je_fault != FK_NONE)
		return strcmp(fault_name((enum fault_kind)e->je_fault), want) == 0;
	if (e->je_s[JS_ERROR_CODE] != NULL)
		return istr_is(e->je_s[JS_ERROR_CODE], want);
	return strcmp(want, "OK") == 0;
}

static bool
entry_selected(const struct jentry *e, const struct journal_filter *f)
{
	if (e->je_seq <= f->jf_since)
		return false;
	if (f->jf_secret_id != NULL && !istr_is(e->je_s[JS_SECRET_ID],
	    f->jf_secret_id))
		return false;
	if (f->jf_action != NULL && !istr_is(e->je_s[JS_ACTION], f->jf_action))
		return false;
	if (f->jf_code != NULL && !code_is(e, f->jf_code))
		return false;
	if (f->jf_signature_ok != -2 && e->je_signature_ok != f->jf_signature_ok)
		return false;
	if (f->jf_from_us >= 0 && e->je_time_us < f->jf_from_us)
		return false;
	if (f->jf_until_us >= 0 && e->je_time_us >= f->jf_until_us)
		return false;
	return true;
}

void
journal_filter_init(struct journal_filter *f)
{
	memset(f, 0, sizeof *f);
	f->jf_signature_ok = -2;
	f->jf_from_us = f->jf_until_us = -1;
}

char *
journal_query_text(const struct journal_filter *f)
{
	struct buf b = { 0 };
	bool first = true;
	long long n = 0;
	size_t i;

	if (!f->jf_count)
		buf_adds(&b, "{\"entries\":[");
	for (i = 0; i < ring_n; i++) {
		const struct jentry *e = &ring[(ring_head + i) % ring_size];

		if (!entry_selected(e, f))
			continue;
		n++;
		if (f->jf_count)
			continue;
		if (!first)
			buf_addc(&b, ',');
		first = false;
		entry_json(&b, e);
	}
	if (f->jf_count) {
		buf_adds(&b, "{\"count\":");
		jw_int(&b, n);
	} else
		buf_adds(&b, "]");
	buf_adds(&b, ",\"dropped\":");
	jw_int(&b, dropped);
	buf_addc(&b, '}');
	return (char *)buf_str(&b);
}

json_t *
journal_query(const char *secret_id, long long since)
{
	struct journal_filter f;
	char *text;
	json_t *j;

	journal_filter_init(&f);
	f.jf_secret_id = secret_id;
	f.jf_since = since;
	text = journal_query_text(&f);
	if ((j = json_loads(text, 0, NULL)) == NULL)
		fatalx("internal: the journal wrote JSON it cannot read");
	free(text);
	return j;
}
