/*
 * sig_tc3.c: TC3-HMAC-SHA256 (docs/behaviour.md, Signatures) as pure functions,
 * so the published vectors test them without a server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

/*
 * The headers come in the order SignedHeaders lists them: that is the order
 * the client hashed, whatever order the documentation recommends.
 */
void
sig_tc3_canonical_request_buf(struct buf *b, const char *method,
    const char *query, const struct tc3_header *hdrs, size_t nhdrs,
    const char *signed_headers, const char *payload_hash_hex)
{
	size_t i;

	buf_adds(b, method);
	buf_adds(b, "\n/\n");
	buf_adds(b, query);
	buf_addc(b, '\n');
	for (i = 0; i < nhdrs; i++) {
		buf_adds(b, hdrs[i].name);
		buf_addc(b, ':');
		buf_adds(b, hdrs[i].value);
		buf_addc(b, '\n');
	}
	buf_addc(b, '\n');
	buf_adds(b, signed_headers);
	buf_addc(b, '\n');
	buf_adds(b, payload_hash_hex);
}

char *
sig_tc3_canonical_request(const char *method, const char *query,
    const struct tc3_header *hdrs, size_t nhdrs, const char *signed_headers,
    const char *payload_hash_hex)
{
	struct buf b = { 0 };

	sig_tc3_canonical_request_buf(&b, method, query, hdrs, nhdrs,
	    signed_headers, payload_hash_hex);
	return b.b_data;
}

void
sig_tc3_string_to_sign_buf(struct buf *b, const char *timestamp,
    const char *date, const char *service, const char *canonical_request,
    size_t len)
{
	char hash[65];

	crypto_sha256_hex(canonical_request, len, hash);
	buf_adds(b, "TC3-HMAC-SHA256\n");
	buf_adds(b, timestamp);
	buf_addc(b, '\n');
	buf_adds(b, date);
	buf_addc(b, '/');
	buf_adds(b, service);
	buf_adds(b, "/tc3_request\n");
	buf_add(b, hash, 64);
}

char *
sig_tc3_string_to_sign(const char *timestamp, const char *date,
    const char *service, const char *canonical_request)
{
	struct buf b = { 0 };

	sig_tc3_string_to_sign_buf(&b, timestamp, date, service,
	    canonical_request, strlen(canonical_request));
	return b.b_data;
}

void
sig_tc3_derive_key(const char *secret_key, const char *date,
    const char *service, unsigned char key[32])
{
	struct buf k0 = { 0 };
	unsigned char k1[32], k2[32];

	buf_adds(&k0, "TC3");
	buf_adds(&k0, secret_key);
	crypto_hmac(MD_SHA256, k0.b_data, k0.b_len, date, strlen(date), k1);
	crypto_hmac(MD_SHA256, k1, 32, service, strlen(service), k2);
	crypto_hmac(MD_SHA256, k2, 32, "tc3_request", 11, key);
	buf_free(&k0);
}

void
sig_tc3_sign_with_key(const unsigned char key[32], const char *string_to_sign,
    char out[65])
{
	unsigned char mac[32];

	crypto_hmac(MD_SHA256, key, 32, string_to_sign, strlen(string_to_sign),
	    mac);
	crypto_hex(mac, 32, out);
}

void
sig_tc3_sign(const char *secret_key, const char *date, const char *service,
    const char *string_to_sign, char out[65])
{
	unsigned char key[32];

	sig_tc3_derive_key(secret_key, date, service, key);
	sig_tc3_sign_with_key(key, string_to_sign, out);
}

/*
 * The signing keys derived lately, each with its MAC context set up: a
 * client signs request after request with one SecretKey, date and service,
 * and the three HMACs of the derivation and the key set-up of the fourth
 * are then done once a day. The key is a pure function of the three
 * strings, so a cached one is the one derivation would give.
 */
#define TC3_KEY_CACHE 16

static struct tc3_key {
	char		*tk_secret_key;
	char		*tk_date;
	char		*tk_service;
	struct crypto_mac *tk_mac;
	unsigned long long tk_used;
} key_cache[TC3_KEY_CACHE];
static unsigned long long key_clock;

static struct crypto_mac *
tc3_key_mac(const char *secret_key, const char *date, const char *service)
{
	struct tc3_key *k, *victim = &key_cache[0];
	unsigned char key[32];
	size_t i;

	for (i = 0; i < TC3_KEY_CACHE; i++) {
		k = &key_cache[i];
		if (k->tk_mac != NULL && strcmp(k->tk_date, date) == 0 &&
		    strcmp(k->tk_service, service) == 0 &&
		    strcmp(k->tk_secret_key, secret_key) == 0) {
			k->tk_used = ++key_clock;
			return k->tk_mac;
		}
		if (k->tk_used < victim->tk_used)
			victim = k;
	}
	k = victim;		/* the least recently used, or a free one */
	free(k->tk_secret_key);
	free(k->tk_date);
	free(k->tk_service);
	crypto_mac_free(k->tk_mac);
	sig_tc3_derive_key(secret_key, date, service, key);
	k->tk_secret_key = xstrdup(secret_key);
	k->tk_date = xstrdup(date);
	k->tk_service = xstrdup(service);
	k->tk_mac = crypto_mac_new(key, sizeof key);
	k->tk_used = ++key_clock;
	return k->tk_mac;
}

void
sig_tc3_sign_cached(const char *secret_key, const char *date,
    const char *service, const char *string_to_sign, size_t len, char out[65])
{
	unsigned char mac[32];

	crypto_mac_sign(tc3_key_mac(secret_key, date, service), string_to_sign,
	    len, mac);
	crypto_hex(mac, 32, out);
}

void
sig_tc3_clear(void)
{
	size_t i;

	for (i = 0; i < TC3_KEY_CACHE; i++) {
		free(key_cache[i].tk_secret_key);
		free(key_cache[i].tk_date);
		free(key_cache[i].tk_service);
		crypto_mac_free(key_cache[i].tk_mac);
		memset(&key_cache[i], 0, sizeof key_cache[i]);
	}
	key_clock = 0;
}

void
sig_tc3_date(long long ts, char out[11])
{
	/* The UTC date is a function of the day number: one gmtime a day. */
	static long long cached_day = -1;
	static char cached[11];
	time_t t = (time_t)ts;
	struct tm tm;

	if (ts >= 0 && ts / 86400 == cached_day) {
		memcpy(out, cached, 11);
		return;
	}
	if (gmtime_r(&t, &tm) == NULL) {
		strcpy(out, "0000-00-00");
		return;
	}
	/* strftime, not snprintf: the width is fixed by the format. */
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999 ||
	    strftime(out, 11, "%Y-%m-%d", &tm) != 10) {
		strcpy(out, "0000-00-00");
		return;
	}
	if (ts >= 0) {
		cached_day = ts / 86400;
		memcpy(cached, out, 11);
	}
}
