/*
 * sig_v1.c: the v1 signature (HmacSHA1 / HmacSHA256, docs/behaviour.md,
 * Signatures) as pure functions.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

static int
kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;

	/* Byte order, as the documentation's "ascending ASCII order". */
	return strcmp(x->k, y->k);
}

char *
sig_v1_source(const char *method, const char *host, const struct kv *params,
    size_t nparams)
{
	struct kv *sorted = xcalloc(nparams, sizeof *sorted);
	struct buf b = { 0 };
	size_t i, n = 0;
	bool first = true;

	for (i = 0; i < nparams; i++)
		if (strcmp(params[i].k, "Signature") != 0)
			sorted[n++] = params[i];
	/* qsort is not stable; repeated names keep no defined order anyway. */
	qsort(sorted, n, sizeof *sorted, kv_cmp);
	buf_adds(&b, method);
	buf_adds(&b, host);
	buf_adds(&b, "/?");
	for (i = 0; i < n; i++) {
		if (!first)
			buf_addc(&b, '&');
		first = false;
		buf_adds(&b, sorted[i].k);
		buf_addc(&b, '=');
		buf_adds(&b, sorted[i].v);
	}
	free(sorted);
	return (char *)buf_str(&b);
}

void
sig_v1_sign(enum md_kind kind, const char *secret_key, const char *source,
    char out[45])
{
	unsigned char mac[32];
	size_t n;

	n = crypto_hmac(kind, secret_key, strlen(secret_key), source,
	    strlen(source), mac);
	crypto_base64(mac, n, out);
}
