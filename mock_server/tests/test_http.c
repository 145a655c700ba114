/*
 * test_http.c: the HTTP/1.1 reader and writer of the front (http.c).
 * The differential test reads ../fuzz/corpus/http: every request of
 * accept/ (bytes the official SDKs, curl and Python sent) is read as one
 * whole request with its body; every one of refuse/ is refused with the
 * status its name begins with, fed whole or a byte at a time.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"
#include "tests.h"

#define CORPUS "../fuzz/corpus/http"

/* Feeds data step bytes at a time (0: whole), as conn.c does. 1 with the
 * body's length, or -1 with the status. */
static int
read_one(const char *data, size_t n, size_t step, size_t *blen, int *status,
    size_t *used)
{
	struct http_reader rd;
	struct http_head h;
	struct http_error e;
	char *buf = malloc(n + 1);
	size_t have = 0, off;
	int rc = 0;

	memset(&rd, 0, sizeof rd);
	while (have < n) {
		size_t k = step == 0 || step > n - have ? n - have : step;

		memcpy(buf + have, data + have, k);
		have += k;
		if ((rc = http_reader_feed(&rd, buf, have, 8192, 1 << 20, &h, &off,
		    blen, used, &e)) != 0)
			break;
	}
	*status = rc < 0 ? e.he_status : 0;
	free(buf);
	return rc;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)len + 1);
		*n = fread(b, 1, (size_t)len, f);
	}
	fclose(f);
	return b;
}

static void
corpus(const char *kind, bool accept)
{
	char path[512];
	struct dirent *d;
	DIR *dir;
	size_t n = 0, blen, used, step, files = 0;
	int status, rc;
	char *data;

	snprintf(path, sizeof path, "%s/%s", CORPUS, kind);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir = opendir(path));
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s/%s", CORPUS, kind, d->d_name);
		CU_ASSERT_PTR_NOT_NULL_FATAL(data = slurp(path, &n));
		files++;
		for (step = 0; step <= 1; step++) {
			rc = read_one(data, n, step, &blen, &status, &used);
			if (accept) {
				if (rc != 1 || used != n)
					fprintf(stderr, "\n%s (step %zu): rc %d "
					    "status %d used %zu of %zu\n", path,
					    step, rc, status, used, n);
				CU_ASSERT(rc == 1 && used == n);
			} else {
				if (rc != -1 || status != atoi(d->d_name))
					fprintf(stderr, "\n%s (step %zu): rc %d "
					    "status %d\n", path, step, rc, status);
				CU_ASSERT(rc == -1 && status == atoi(d->d_name));
			}
		}
		free(data);
	}
	closedir(dir);
	CU_ASSERT(files >= 10);
}

static void
test_corpus_accept(void)
{
	corpus("accept", true);
}

static void
test_corpus_refuse(void)
{
	corpus("refuse", false);
}

static void
test_chunked_in_place(void)
{
	char req[] = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3;a=b\r\nabc\r\n0A\r\n0123456789\r\n0\r\nT: v\r\n\r\nGET";
	char req2[sizeof req];
	size_t blen, used, off;
	struct http_reader rd;
	struct http_head h;
	struct http_error e;

	memcpy(req2, req, sizeof req);	/* req is decoded in place */
	memset(&rd, 0, sizeof rd);
	CU_ASSERT_EQUAL(http_reader_feed(&rd, req, sizeof req - 1, 8192, 100, &h,
	    &off, &blen, &used, &e), 1);
	CU_ASSERT_EQUAL(blen, 13);
	CU_ASSERT(memcmp(req + off, "abc0123456789", 13) == 0);
	CU_ASSERT_EQUAL(used, sizeof req - 1 - 3);	/* GET is the next one's */
	/* Past the body limit: 413, before the chunk's data comes. */
	memset(&rd, 0, sizeof rd);
	CU_ASSERT_EQUAL(http_reader_feed(&rd, req2, 72, 8192, 12, &h,
	    &off, &blen, &used, &e), -1);
	CU_ASSERT_EQUAL(e.he_status, 413);
}

static void
test_head_fields(void)
{
	const char req[] = "GET /a?b=c HTTP/1.1\r\nHost:  x \r\nConnection: "
	    "keep-alive, Close\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n";
	struct http_head h;
	struct http_error e;

	CU_ASSERT_EQUAL(http_head_end(req, sizeof req - 1, 0), sizeof req - 1);
	CU_ASSERT_EQUAL(http_head_parse(req, sizeof req - 1, &h, &e), 1);
	CU_ASSERT_EQUAL(h.h_tlen, 6);
	CU_ASSERT_EQUAL(h.h_nfields, 4);
	CU_ASSERT(h.h_fields[0].f_vlen == 1 && h.h_fields[0].f_val[0] == 'x');
	CU_ASSERT(h.h_close && h.h_keep_alive && h.h_clen == 0);
	CU_ASSERT_EQUAL(h.h_minor, 1);
}

static void
test_answer_head(void)
{
	char b[HTTP_HEAD_ROOM + 64];
	size_t n;

	n = http_answer_head(b, sizeof b, 200, "application/json", 1234, false,
	    "Thu, 01 Jan 2026 00:00:00 GMT");
	b[n] = '\0';
	CU_ASSERT_STRING_EQUAL(b, "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/json\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
	    "Content-Length: 1234\r\n\r\n");
	n = http_answer_head(b, sizeof b, 414, NULL, 0, true, "D");
	b[n] = '\0';
	CU_ASSERT_STRING_EQUAL(b, "HTTP/1.1 414 Request-URI Too Long\r\nDate: D\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

static const struct test_def tests[] = {
	{ "corpus accepted", test_corpus_accept },
	{ "corpus refused", test_corpus_refuse },
	{ "chunked decoded in place", test_chunked_in_place },
	{ "head fields", test_head_fields },
	{ "answer head", test_answer_head },
	{ NULL, NULL },
};

int
test_http_register(void)
{
	return tests_add_suite("http", tests);
}
