/*
 * fuzz.h: what every libFuzzer target of tmtmock shares. Each target links
 * every server object but main.o, so it runs the real code; fuzz_setup()
 * gives it the state a freshly started mock has (default options, the
 * tree's fixtures, a seeded PRNG, the mock clock frozen at FUZZ_NOW, so the
 * signed seeds of the corpus stay fresh), once per process.
 */
#ifndef TMTMOCK_FUZZ_H
#define TMTMOCK_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "tmtmock.h"

/* The timestamp the corpus's signed requests carry (2025-11-27 00:00:00 UTC). */
#define FUZZ_NOW 1764201600LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct event_base *fuzz_base;

static __attribute__((unused)) void
fuzz_load_fixtures(void)
{
	char err[1024];

	if (cred_load(conf.c_fixtures, err, sizeof err) != 0 ||
	    xlate_load(conf.c_fixtures, err, sizeof err) != 0 ||
	    image_load(conf.c_fixtures, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
}

static __attribute__((unused)) void
fuzz_setup(void)
{
	static char *argv[] = { "tmtmock", NULL };
	char err[256];

	if (fuzz_base != NULL)
		return;
	if (conf_parse(1, argv) != 0)
		abort();
	conf.c_rng_seed = 42;
	rng_seed(42);
	fuzz_load_fixtures();
	if (journal_init(64, NULL, err, sizeof err) != 0)
		abort();
	/* Never dispatched: admin reset and file tasks only arm timers on it. */
	if ((fuzz_base = event_base_new()) == NULL)
		abort();
	admin_init(fuzz_base);
	clock_freeze(FUZZ_NOW);
}

/*
 * After every input: what a request leaves behind (rate windows, speech
 * sessions, file tasks, metrics, the journal) is cleared, so each input
 * frees what it allocated (libFuzzer runs the costly leak check after any
 * input that does not) and replays alone; the PRNG starts over. Free quotas
 * used up are given back every FUZZ_RELOAD_EVERY inputs.
 */
#define FUZZ_RELOAD_EVERY 4096
static __attribute__((unused)) void
fuzz_clear_state(void)
{
	static unsigned long n;

	limit_clear();
	speech_clear();
	file_clear();
	metrics_clear();
	journal_clear();
	rng_seed(42);
	if (++n % FUZZ_RELOAD_EVERY == 0)
		fuzz_load_fixtures();
}

/* A NUL-terminated copy of data[0..size); caller frees. */
static __attribute__((unused)) char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static const char *const known_methods[] = { "GET", "POST", "HEAD", "PUT",
    "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH", NULL };

/* The next line of [*p, end): returned NUL-terminated in place (CR LF or
 * LF cut), *p moved past it. NULL at the end. */
static __attribute__((unused)) char *
next_line(char **p, char *end)
{
	char *line = *p, *nl;

	if (line >= end)
		return NULL;
	if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
		nl = end;
	*p = nl < end ? nl + 1 : end;
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	return line;
}

/*
 * Builds r from buf[0..size) (modified in place), as conn.c's dispatch()
 * builds it from what http.c parsed:
 *
 *	METHOD SP URI LF
 *	Name: value LF		(any number; CR LF also ends a line)
 *	LF
 *	body			(the rest, raw bytes)
 */
static __attribute__((unused)) void
fuzz_frame(char *buf, size_t size, struct req *r)
{
	char *p = buf, *end = buf + size, *line, *sp, *colon, *v, *q;
	size_t i, cap = 0, vlen;

	memset(r, 0, sizeof *r);
	line = next_line(&p, end);
	if (line == NULL)
		line = "";
	sp = strchr(line, ' ');
	if (sp != NULL)
		*sp++ = '\0';
	r->r_method = RM_OTHER;
	r->r_method_name = xstrdup("UNKNOWN");
	for (i = 0; known_methods[i] != NULL; i++)
		if (strcmp(known_methods[i], line) == 0) {
			free(r->r_method_name);
			r->r_method_name = xstrdup(line);
			r->r_method = i == 0 ? RM_GET : i == 1 ? RM_POST : RM_OTHER;
		}
	r->r_uri = xstrdup(sp != NULL && *sp != '\0' ? sp : "/");
	q = strchr(r->r_uri, '?');
	r->r_path = q != NULL ? xstrndup(r->r_uri, (size_t)(q - r->r_uri)) :
	    xstrdup(r->r_uri);
	r->r_query = xstrndup(q != NULL ? q + 1 : "", q != NULL ?
	    strcspn(q + 1, "#") : 0);

	while ((line = next_line(&p, end)) != NULL && *line != '\0') {
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		vlen = strlen(v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (r->r_nhdrs == cap) {
			cap = cap ? cap * 2 : 8;
			r->r_hdrs = xrealloc(r->r_hdrs, cap * sizeof *r->r_hdrs);
		}
		r->r_hdrs[r->r_nhdrs].k = xstrdup(line);
		r->r_hdrs[r->r_nhdrs].v = xstrndup(v, vlen);
		r->r_nhdrs++;
	}
	r->r_body_len = (size_t)(end - p);
	r->r_body = xmalloc(r->r_body_len + 1);
	memcpy(r->r_body, p, r->r_body_len);
	r->r_body[r->r_body_len] = '\0';
	r->r_body_kind = req_body_kind(req_header(r, "Content-Type"));
	r->r_peer = xstrdup("127.0.0.1:40000");
	r->r_conn_id = 1;
}

#endif /* TMTMOCK_FUZZ_H */
