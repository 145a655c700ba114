/*
 * http.c: HTTP/1.1 on the wire, without I/O: a request's head parsed where
 * it lies (no allocation: the fields point into the caller's bytes), a
 * chunked body decoded in place, and an answer's head written from
 * preformatted parts. conn.c feeds it bytes; the fuzz target and the unit
 * tests feed it the same way.
 *
 * Strict on purpose: whatever a proxy in front could read differently from
 * us (request smuggling) is refused, not guessed at (docs/hardening.md,
 * HTTP framing): a length told two ways, obs-fold, a bare CR or LF, NUL or
 * other control bytes, a malformed chunk size. RFC 9112 is the reference;
 * each refusal names its rule in why.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tmtmock.h"

/* tchar of RFC 9110 5.6.2: the bytes of a method and a field name. */
static const unsigned char tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

/* The bytes of a field value: field-vchar, SP, HTAB and obs-text; never
 * CTLs (NUL, CR, LF, DEL). A table: the value scan is the parser's inner
 * loop (docs/performance.md). */
static const unsigned char fchar[256] = {
	['\t'] = 1, [0x20 ... 0x7e] = 1, [0x80 ... 0xff] = 1,
};

static bool
field_byte(unsigned char c)
{
	return fchar[c] != 0;
}

size_t
http_head_end(const char *b, size_t n, size_t from)
{
	const char *p, *end = b + n;

	/* A head ends at an empty line. A bare LF is looked for too (LF LF,
	 * LF CR LF), so such a head is refused at once, not waited on. */
	/* The end seen from the last two bytes scanned: LF CR, then LF. */
	from = from > 2 ? from - 2 : 0;
	for (p = b + from; p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
	    p++) {
		if (p + 1 < end && p[1] == '\n')
			return (size_t)(p + 2 - b);
		if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
			return (size_t)(p + 3 - b);
	}
	return 0;
}

static bool
name_is(const struct http_field *f, const char *name, size_t len)
{
	return f->f_nlen == len && strncasecmp(f->f_name, name, len) == 0;
}

/* Whether the comma-separated list v holds token tok (case-insensitive). */
static bool
list_has(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok), i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return true;
	}
	return false;
}

#define FAIL(st, w) do { e->he_status = (st); e->he_why = (w); return -1; } while (0)

int
http_head_parse(const char *b, size_t n, struct http_head *h,
    struct http_error *e)
{
	const char *p = b, *end = b + n, *s;
	struct http_field *f;
	unsigned long long v;
	size_t i;
	bool te = false;

	memset(e, 0, sizeof *e);
	h->h_nfields = 0;
	h->h_clen = -1;
	h->h_chunked = h->h_close = h->h_keep_alive = h->h_continue = false;
	h->h_len = n;

	/* request-line = method SP request-target SP HTTP-version CRLF */
	for (s = p; p < end && tchar[(unsigned char)*p]; p++)
		;
	if (p == s || p >= end || *p != ' ')
		FAIL(400, "a malformed method");
	h->h_method = s;
	h->h_mlen = (size_t)(p - s);
	for (s = ++p; p < end && (unsigned char)*p > 0x20 && *p != 0x7f; p++)
		;
	if (p == s || p >= end || *p != ' ')
		FAIL(400, "a malformed request target");
	h->h_target = s;
	h->h_tlen = (size_t)(p - s);
	p++;
	if (end - p < 10 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1'))
		FAIL(p + 5 <= end && memcmp(p, "HTTP/", 5) == 0 ? 505 : 400,
		    "not HTTP/1.0 or HTTP/1.1");
	h->h_minor = p[7] - '0';
	p += 8;
	if (p[0] != '\r' || p[1] != '\n')
		FAIL(400, "a request line not ended by CR LF");
	p += 2;

	/* field-line = field-name ":" OWS field-value OWS, then CRLF */
	for (;;) {
		if (p >= end)
			FAIL(400, "a head without its empty line");
		if (*p == '\r') {
			if (p + 1 >= end || p[1] != '\n')
				FAIL(400, "a bare CR");
			p += 2;
			break;
		}
		if (*p == ' ' || *p == '\t')
			FAIL(400, "obs-fold (a header line starting with white space)");
		if (h->h_nfields == HTTP_MAX_HEADERS)
			FAIL(431, "too many header lines");
		f = &h->h_fields[h->h_nfields];
		for (s = p; p < end && tchar[(unsigned char)*p]; p++)
			;
		if (p == s || p >= end || *p != ':')
			FAIL(400, p < end && (*p == ' ' || *p == '\t') ?
			    "white space before a header's colon" :
			    p < end && *p == '\n' ? "a bare LF" :
			    "a malformed header name");
		f->f_name = s;
		f->f_nlen = (size_t)(p - s);
		for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		for (s = p; p < end && fchar[(unsigned char)*p]; p++)
			;
		if (p >= end)
			FAIL(400, "a head without its empty line");
		if (*p == '\n')
			FAIL(400, "a bare LF");
		if (*p != '\r')
			FAIL(400, *p == '\0' ? "NUL in a header" :
			    "a control character in a header");
		if (p + 1 >= end || p[1] != '\n')
			FAIL(400, "a bare CR");
		f->f_val = s;
		f->f_vlen = (size_t)(p - s);
		while (f->f_vlen > 0 && (s[f->f_vlen - 1] == ' ' ||
		    s[f->f_vlen - 1] == '\t'))
			f->f_vlen--;
		p += 2;
		h->h_nfields++;
	}
	h->h_len = (size_t)(p - b);

	/* The framing headers, in one pass over what was parsed. */
	for (i = 0; i < h->h_nfields; i++) {
		f = &h->h_fields[i];
		switch (f->f_nlen) {
		case 14:
			if (!name_is(f, "Content-Length", 14))
				break;
			if (f->f_vlen == 0 || f->f_vlen > 15)
				FAIL(400, f->f_vlen == 0 ? "an empty Content-Length" :
				    "a Content-Length too long to be a length");
			for (v = 0, s = f->f_val; s < f->f_val + f->f_vlen; s++) {
				if (*s < '0' || *s > '9')
					FAIL(400, "a Content-Length that is not "
					    "a number");
				v = v * 10 + (unsigned long long)(*s - '0');
			}
			if (h->h_clen >= 0 && (unsigned long long)h->h_clen != v) {
				e->he_framing = true;
				FAIL(400, "Content-Length headers that differ");
			}
			h->h_clen = (long long)v;
			break;
		case 17:
			if (!name_is(f, "Transfer-Encoding", 17))
				break;
			/* Only "chunked", once: a list (gzip, chunked) or a
			 * second header is how two parsers come to differ. */
			if (te)
				FAIL(400, "Transfer-Encoding given twice");
			te = true;
			if (f->f_vlen != 7 || strncasecmp(f->f_val, "chunked", 7) != 0)
				FAIL(f->f_vlen == 0 || list_has(f->f_val, f->f_vlen,
				    "chunked") ? 400 : 501,
				    "a Transfer-Encoding other than chunked");
			h->h_chunked = true;
			break;
		case 10:
			if (!name_is(f, "Connection", 10))
				break;
			if (list_has(f->f_val, f->f_vlen, "close"))
				h->h_close = true;
			if (list_has(f->f_val, f->f_vlen, "keep-alive"))
				h->h_keep_alive = true;
			break;
		case 6:
			if (!name_is(f, "Expect", 6))
				break;
			if (f->f_vlen != 12 || strncasecmp(f->f_val,
			    "100-continue", 12) != 0)
				FAIL(417, "an expectation other than 100-continue");
			h->h_continue = h->h_minor == 1;
			break;
		}
	}
	if (te && h->h_clen >= 0) {
		e->he_framing = true;
		FAIL(400, "Content-Length with Transfer-Encoding");
	}
	if (te && h->h_minor == 0)
		FAIL(400, "Transfer-Encoding in HTTP/1.0");
	return 1;
}

/*
 * chunked-body = *chunk last-chunk trailer-section CRLF
 * chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 * The states, in the order a chunk passes them.
 */
enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF,
    CH_TRAILER, CH_TRAILER_LF, CH_LINE, CH_LINE_LF, CH_END_LF, CH_DONE };

/* Chunk sizes of more hex digits are refused (and any over the body limit). */
#define CHUNK_MAX_DIGITS 8
/* The trailer section, ignored, is bounded too. */
#define CHUNK_MAX_TRAILER 8192

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#undef FAIL
#define FAIL(st, w) do { e->he_status = (st); e->he_why = (w); \
	*used = (size_t)(p - in); return -1; } while (0)

int
http_chunked(struct http_chunked *ch, const char *in, size_t n, char *out,
    size_t *used, size_t *made, size_t max, struct http_error *e)
{
	const char *p = in, *end = in + n;
	size_t k;
	int d;

	memset(e, 0, sizeof *e);
	*made = 0;
	while (p < end && ch->ch_state != CH_DONE) {
		unsigned char c = (unsigned char)*p;

		switch (ch->ch_state) {
		case CH_SIZE:
			if ((d = hexval(c)) >= 0) {
				if (++ch->ch_digits > CHUNK_MAX_DIGITS)
					FAIL(400, "a chunk size of too many digits");
				ch->ch_left = ch->ch_left * 16 + (unsigned)d;
				p++;
				break;
			}
			if (ch->ch_digits == 0)
				FAIL(400, "a chunk size that is not hexadecimal");
			if (ch->ch_total + ch->ch_left > max)
				FAIL(413, "a chunked body over --max-body-size");
			if (c == ';' || c == ' ' || c == '\t')
				ch->ch_state = CH_EXT;
			else if (c == '\r')
				ch->ch_state = CH_SIZE_LF;
			else
				FAIL(400, c == '\n' ? "a bare LF in a chunk" :
				    "a chunk size that is not hexadecimal");
			p++;
			break;
		case CH_EXT:	/* chunk extensions are ignored, not trusted */
			if (c == '\r')
				ch->ch_state = CH_SIZE_LF;
			else if (!field_byte(c))
				FAIL(400, "a control character in a chunk extension");
			else if (++ch->ch_trailer > CHUNK_MAX_TRAILER)
				FAIL(400, "a chunk extension too long");
			p++;
			break;
		case CH_SIZE_LF:
			if (c != '\n')
				FAIL(400, "a bare CR in a chunk");
			p++;
			ch->ch_digits = 0;
			ch->ch_trailer = 0;
			ch->ch_state = ch->ch_left == 0 ? CH_LINE : CH_DATA;
			break;
		case CH_DATA:
			k = (size_t)(end - p) < ch->ch_left ? (size_t)(end - p) :
			    (size_t)ch->ch_left;
			memmove(out + *made, p, k);
			*made += k;
			ch->ch_total += k;
			ch->ch_left -= k;
			p += k;
			if (ch->ch_left == 0)
				ch->ch_state = CH_DATA_CR;
			break;
		case CH_DATA_CR:
			if (c != '\r')
				FAIL(400, "chunk data longer than its size");
			p++;
			ch->ch_state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (c != '\n')
				FAIL(400, "a bare CR in a chunk");
			p++;
			ch->ch_state = CH_SIZE;
			break;
		case CH_LINE:	/* after the last chunk: a trailer or the end */
			if (c == '\r') {
				ch->ch_state = CH_END_LF;
				p++;
				break;
			}
			if (c == ' ' || c == '\t')
				FAIL(400, "obs-fold in a trailer");
			ch->ch_state = CH_TRAILER;
			break;
		case CH_TRAILER:
			if (c == '\r')
				ch->ch_state = CH_TRAILER_LF;
			else if (!field_byte(c))
				FAIL(400, c == '\n' ? "a bare LF in a trailer" :
				    "a control character in a trailer");
			if (++ch->ch_trailer > CHUNK_MAX_TRAILER)
				FAIL(400, "a trailer section too long");
			p++;
			break;
		case CH_TRAILER_LF:
			if (c != '\n')
				FAIL(400, "a bare CR in a trailer");
			p++;
			ch->ch_state = CH_LINE;
			break;
		case CH_END_LF:
			if (c != '\n')
				FAIL(400, "a bare CR after the last chunk");
			p++;
			ch->ch_state = CH_DONE;
			break;
		}
	}
	*used = (size_t)(p - in);
	return ch->ch_state == CH_DONE ? 1 : 0;
}
#undef FAIL

static int
refuse(struct http_error *e, int status, const char *why)
{
	e->he_status = status;
	e->he_why = why;
	e->he_framing = false;
	return -1;
}

int
http_reader_feed(struct http_reader *r, char *b, size_t n, size_t max_head,
    size_t max_body, struct http_head *h, size_t *body_off, size_t *blen,
    size_t *used, struct http_error *e)
{
	size_t end, k, made;
	bool parsed = false;
	char *p;
	int rc;

	memset(e, 0, sizeof *e);
	if (r->hr_head_len == 0) {
		/* Empty lines before a request are ignored (RFC 9112 2.2):
		 * clients send one after a POST's body. A few, not a stream. */
		while (r->hr_scanned == 0 && n - r->hr_skip >= 2 &&
		    b[r->hr_skip] == '\r' && b[r->hr_skip + 1] == '\n') {
			r->hr_skip += 2;
			if (r->hr_skip > 64)
				return refuse(e, 400, "a stream of empty lines");
		}
		p = b + r->hr_skip;
		/* A lone CR may yet be an empty line: nothing is scanned. */
		if (n - r->hr_skip == 0 || (n - r->hr_skip == 1 && *p == '\r'))
			return 0;
		if ((end = http_head_end(p, n - r->hr_skip, r->hr_scanned)) == 0) {
			r->hr_scanned = n - r->hr_skip;
			if (r->hr_scanned > max_head)
				return refuse(e, 400, "a head over --max-header-size");
			return 0;
		}
		if (end > max_head)
			return refuse(e, 400, "a head over --max-header-size");
		if (http_head_parse(p, end, h, e) < 0)
			return -1;
		parsed = true;
		r->hr_head_len = end;
		r->hr_chunked = h->h_chunked;
		r->hr_clen = h->h_clen > 0 ? h->h_clen : 0;
		r->hr_raw = end;
		if (!r->hr_chunked && (unsigned long long)r->hr_clen > max_body)
			return refuse(e, 413, "a body over --max-body-size");
		/* The client waits for a word before it sends the body. */
		r->hr_continue = h->h_continue && n - r->hr_skip == end &&
		    (r->hr_chunked || r->hr_clen > 0);
	}
	p = b + r->hr_skip;
	end = r->hr_head_len;
	if (r->hr_chunked) {
		rc = http_chunked(&r->hr_ch, p + r->hr_raw,
		    n - r->hr_skip - r->hr_raw, p + end + r->hr_body, &k, &made,
		    max_body, e);
		r->hr_raw += k;
		r->hr_body += made;
		if (rc <= 0)
			return rc;
		k = r->hr_raw;
		made = r->hr_body;
	} else {
		if (n - r->hr_skip - end < (size_t)r->hr_clen)
			return 0;
		k = end + (size_t)r->hr_clen;
		made = (size_t)r->hr_clen;
	}
	/* Whole: parsed again if the head came in an earlier feed (its
	 * fields are to point into these bytes). */
	if (!parsed && http_head_parse(p, end, h, e) < 0)
		return -1;
	*body_off = r->hr_skip + end;
	*blen = made;
	*used = r->hr_skip + k;
	return 1;
}

/* The reason phrases of the statuses the mock sends, as data. */
static const struct {
	int		 st_code;
	const char	*st_line;
} status_lines[] = {
	{ 100, "HTTP/1.1 100 Continue\r\n" },
	{ 200, "HTTP/1.1 200 OK\r\n" },
	{ 201, "HTTP/1.1 201 Created\r\n" },
	{ 204, "HTTP/1.1 204 No Content\r\n" },
	{ 400, "HTTP/1.1 400 Bad Request\r\n" },
	{ 401, "HTTP/1.1 401 Unauthorized\r\n" },
	{ 403, "HTTP/1.1 403 Forbidden\r\n" },
	{ 404, "HTTP/1.1 404 Not Found\r\n" },
	{ 405, "HTTP/1.1 405 Method Not Allowed\r\n" },
	{ 408, "HTTP/1.1 408 Request Timeout\r\n" },
	{ 409, "HTTP/1.1 409 Conflict\r\n" },
	{ 411, "HTTP/1.1 411 Length Required\r\n" },
	{ 413, "HTTP/1.1 413 Request Entity Too Large\r\n" },
	{ 414, "HTTP/1.1 414 Request-URI Too Long\r\n" },
	{ 415, "HTTP/1.1 415 Unsupported Media Type\r\n" },
	{ 417, "HTTP/1.1 417 Expectation Failed\r\n" },
	{ 422, "HTTP/1.1 422 Unprocessable Entity\r\n" },
	{ 429, "HTTP/1.1 429 Too Many Requests\r\n" },
	{ 431, "HTTP/1.1 431 Request Header Fields Too Large\r\n" },
	{ 500, "HTTP/1.1 500 Internal Server Error\r\n" },
	{ 501, "HTTP/1.1 501 Not Implemented\r\n" },
	{ 502, "HTTP/1.1 502 Bad Gateway\r\n" },
	{ 503, "HTTP/1.1 503 Service Unavailable\r\n" },
	/* nginx's (and evhttp's) phrase: clients print it (docs/faults.md). */
	{ 504, "HTTP/1.1 504 Gateway Time-out\r\n" },
	{ 505, "HTTP/1.1 505 HTTP Version Not Supported\r\n" },
};

static char *
put(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}

#define PUTS(d, lit) put((d), (lit), sizeof(lit) - 1)

size_t
http_answer_head(char *dst, size_t cap, int status, const char *ctype,
    size_t clen, bool close, const char *date)
{
	char num[24], *d = dst, *q;
	const char *line = NULL;
	size_t i, need;

	for (i = 0; i < sizeof status_lines / sizeof status_lines[0]; i++)
		if (status_lines[i].st_code == status) {
			line = status_lines[i].st_line;
			break;
		}
	/* Digits of the length, written backwards (no printf per answer). */
	q = num + sizeof num;
	do {
		*--q = (char)('0' + clen % 10);
		clen /= 10;
	} while (clen > 0);
	need = 64 + (ctype != NULL ? strlen(ctype) : 0) + strlen(date) + 64;
	if (cap < need)
		return 0;
	if (line != NULL)
		d = put(d, line, strlen(line));
	else
		d += snprintf(d, 32, "HTTP/1.1 %03d Status\r\n", status % 1000);
	if (ctype != NULL) {
		d = PUTS(d, "Content-Type: ");
		d = put(d, ctype, strlen(ctype));
		d = PUTS(d, "\r\n");
	}
	d = PUTS(d, "Date: ");
	d = put(d, date, strlen(date));
	d = PUTS(d, "\r\nContent-Length: ");
	d = put(d, q, (size_t)(num + sizeof num - q));
	if (close)
		d = PUTS(d, "\r\nConnection: close");
	d = PUTS(d, "\r\n\r\n");
	return (size_t)(d - dst);
}
