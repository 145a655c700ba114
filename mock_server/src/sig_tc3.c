/*
 * sig_tc3.c: TC3-HMAC-SHA256 (tencent-api.md section 2) as pure functions,
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
char *
sig_tc3_canonical_request(const char *method, const char *query,
    const struct tc3_header *hdrs, size_t nhdrs, const char *signed_headers,
    const char *payload_hash_hex)
{
	struct buf b = { 0 };
	size_t i;

	buf_adds(&b, method);
	buf_adds(&b, "\n/\n");
	buf_adds(&b, query);
	buf_addc(&b, '\n');
	for (i = 0; i < nhdrs; i++) {
		buf_adds(&b, hdrs[i].name);
		buf_addc(&b, ':');
		buf_adds(&b, hdrs[i].value);
		buf_addc(&b, '\n');
	}
	buf_addc(&b, '\n');
	buf_adds(&b, signed_headers);
	buf_addc(&b, '\n');
	buf_adds(&b, payload_hash_hex);
	return b.b_data;
}

char *
sig_tc3_string_to_sign(const char *timestamp, const char *date,
    const char *service, const char *canonical_request)
{
	char hash[65];

	crypto_sha256_hex(canonical_request, strlen(canonical_request), hash);
	return xasprintf("TC3-HMAC-SHA256\n%s\n%s/%s/tc3_request\n%s",
	    timestamp, date, service, hash);
}

void
sig_tc3_derive_key(const char *secret_key, const char *date,
    const char *service, unsigned char key[32])
{
	char *k0 = xasprintf("TC3%s", secret_key);
	unsigned char k1[32], k2[32];

	crypto_hmac(MD_SHA256, k0, strlen(k0), date, strlen(date), k1);
	crypto_hmac(MD_SHA256, k1, 32, service, strlen(service), k2);
	crypto_hmac(MD_SHA256, k2, 32, "tc3_request", 11, key);
	free(k0);
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

void
sig_tc3_date(long long ts, char out[11])
{
	time_t t = (time_t)ts;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		strcpy(out, "0000-00-00");
		return;
	}
	/* strftime, not snprintf: the width is fixed by the format. */
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999 ||
	    strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		strcpy(out, "0000-00-00");
}
