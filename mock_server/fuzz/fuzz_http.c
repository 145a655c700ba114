/*
 * fuzz_http.c: the HTTP/1.1 reader of the front (http.c) as conn.c drives
 * it: the input is the bytes of a connection, fed once whole and once in
 * pieces (the first byte chooses their size), as reads would bring them.
 * Both must agree: the same requests, the same bodies, the same refusal;
 * every field a parsed head points at lies inside the request and holds no
 * byte the parser refuses (CR, LF, NUL); a body never passes the limit.
 * Seeds: corpus/http/accept (captured from the official SDKs, curl and
 * Python) and corpus/http/refuse (the smuggling shapes).
 */
#include "fuzz.h"

#define MAX_HEAD 4096
#define MAX_BODY 65536
#define MAX_REQS 16

struct outcome_log {
	int		 rc;		/* of the last feed: -1 refused, 0 more */
	int		 status;
	size_t		 nreq;
	size_t		 blen[MAX_REQS];
	unsigned long	 sum[MAX_REQS];	/* of the body's bytes */
	size_t		 consumed;
};

static unsigned long
checksum(const char *p, size_t n)
{
	unsigned long h = 5381;

	while (n-- > 0)
		h = h * 33 + (unsigned char)*p++;
	return h;
}

static void
check_head(const struct http_head *h, const char *start, size_t len)
{
	size_t i, j;

	if (h->h_method < start || h->h_target + h->h_tlen > start + len)
		abort();
	for (i = 0; i < h->h_nfields; i++) {
		const struct http_field *f = &h->h_fields[i];

		if (f->f_name < start || f->f_val + f->f_vlen > start + len ||
		    f->f_nlen == 0)
			abort();
		for (j = 0; j < f->f_vlen; j++)
			if (f->f_val[j] == '\r' || f->f_val[j] == '\n' ||
			    f->f_val[j] == '\0')
				abort();
	}
}

/*
 * Runs the reader over data as conn.c does: bytes kept since the request's
 * first, fed again with each piece; step 0: all at once.
 */
static void
run(const uint8_t *data, size_t size, size_t step, struct outcome_log *log)
{
	struct http_reader rd;
	struct http_head h;
	struct http_error e;
	char *buf = malloc(size + 1);
	size_t have = 0, fed = 0, off, blen, used;
	int rc = 0;

	memset(log, 0, sizeof *log);
	memset(&rd, 0, sizeof rd);
	while (fed < size) {
		size_t n = step == 0 ? size - fed : step;

		if (n > size - fed)
			n = size - fed;
		memcpy(buf + have, data + fed, n);
		have += n;
		fed += n;
		for (;;) {
			rc = http_reader_feed(&rd, buf, have, MAX_HEAD, MAX_BODY, &h,
			    &off, &blen, &used, &e);
			if (rc <= 0)
				break;
			check_head(&h, buf, used);
			if (blen > MAX_BODY || off + blen > used || used > have)
				abort();
			if (log->nreq < MAX_REQS) {
				log->blen[log->nreq] = blen;
				log->sum[log->nreq] = checksum(buf + off, blen);
			}
			log->nreq++;
			log->consumed += used;
			memmove(buf, buf + used, have - used);
			have -= used;
			memset(&rd, 0, sizeof rd);
			if (have == 0)
				break;
		}
		if (rc < 0) {
			if (e.he_status < 400 || e.he_status > 599 || e.he_why == NULL)
				abort();
			log->status = e.he_status;
			break;
		}
	}
	log->rc = rc;
	free(buf);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome_log whole, pieces;
	size_t step, i;

	/* The pieces' size from the input's size: the corpus stays plain
	 * requests, and the fuzzer still varies it. */
	step = 1 + size % 17;
	run(data, size, 0, &whole);
	run(data, size, step, &pieces);
	/* A refusal may come sooner in pieces (a head over the limit is seen
	 * before its end), never a different request. */
	if (whole.rc != pieces.rc || whole.nreq != pieces.nreq ||
	    whole.consumed != pieces.consumed)
		abort();
	if (whole.rc < 0 && whole.status != pieces.status)
		abort();
	for (i = 0; i < whole.nreq && i < MAX_REQS; i++)
		if (whole.blen[i] != pieces.blen[i] || whole.sum[i] != pieces.sum[i])
			abort();
	return 0;
}
