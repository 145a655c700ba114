/*
 * limit.c: request rates over a sliding second, per key (SecretId, action
 * and region: "限频维度为 API + 接入地域 + 子账号"). Time comes in as an
 * argument, as memcached does, so the mock clock and the tests drive it.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

#define LIMIT_BUCKETS 1024
/* A window remembers at most this many requests; past it the count says
 * "at least this many", which is all the error message needs. */
#define LIMIT_MAX_KEEP 4096

struct window {
	char		*w_key;
	long long	*w_ts;		/* ring of request times, in ms */
	size_t		 w_head, w_n, w_cap;
	struct window	*w_next;
};

static struct window *buckets[LIMIT_BUCKETS];

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h % LIMIT_BUCKETS;
}

int
limit_count(const char *key, long long now_ms)
{
	size_t b = hash(key);
	struct window *w, **pp;

	/* Windows silent for a second are dropped on the way: keys are
	 * client-chosen (any SecretId with --auth off), the table would grow
	 * without end. */
	for (pp = &buckets[b]; (w = *pp) != NULL;) {
		if (strcmp(w->w_key, key) == 0)
			break;
		if (w->w_n == 0 ||
		    w->w_ts[(w->w_head + w->w_n - 1) % w->w_cap] <= now_ms - 1000) {
			*pp = w->w_next;
			free(w->w_key);
			free(w->w_ts);
			free(w);
			continue;
		}
		pp = &w->w_next;
	}
	if (w == NULL) {
		w = xcalloc(1, sizeof *w);
		w->w_key = xstrdup(key);
		w->w_next = buckets[b];
		buckets[b] = w;
	}
	/* Forget what is a second old or more. */
	while (w->w_n > 0 && w->w_ts[w->w_head] <= now_ms - 1000) {
		w->w_head = (w->w_head + 1) % w->w_cap;
		w->w_n--;
	}
	if (w->w_n == w->w_cap) {
		if (w->w_cap < LIMIT_MAX_KEEP) {
			size_t cap = w->w_cap ? w->w_cap * 2 : 8, i;
			long long *ts = xcalloc(cap, sizeof *ts);

			for (i = 0; i < w->w_n; i++)
				ts[i] = w->w_ts[(w->w_head + i) % w->w_cap];
			free(w->w_ts);
			w->w_ts = ts;
			w->w_cap = cap;
			w->w_head = 0;
		} else {
			w->w_head = (w->w_head + 1) % w->w_cap;
			w->w_n--;
		}
	}
	w->w_ts[(w->w_head + w->w_n) % w->w_cap] = now_ms;
	w->w_n++;
	return (int)w->w_n;
}

void
limit_clear(void)
{
	size_t i;

	for (i = 0; i < LIMIT_BUCKETS; i++)
		while (buckets[i] != NULL) {
			struct window *w = buckets[i];

			buckets[i] = w->w_next;
			free(w->w_key);
			free(w->w_ts);
			free(w);
		}
}
