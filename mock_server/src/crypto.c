/* crypto.c: every OpenSSL call of the server (digests, HMAC, encodings). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "tmtmock.h"

void
crypto_sha256(const void *data, size_t len, unsigned char out[32])
{
	SHA256(data, len, out);
}

void
crypto_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];

	SHA256(data, len, md);
	crypto_hex(md, sizeof md, out);
}

size_t
crypto_hmac(enum md_kind kind, const void *key, size_t keylen,
    const void *msg, size_t msglen, unsigned char out[32])
{
	const EVP_MD *md = kind == MD_SHA1 ? EVP_sha1() : EVP_sha256();
	unsigned int n = 0;

	if (HMAC(md, key, (int)keylen, msg, msglen, out, &n) == NULL)
		fatalx("HMAC failed");
	return n;
}

void
crypto_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

void
crypto_base64(const unsigned char *in, size_t len, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/*
 * Signature comparison must not leak, through its timing, how many leading
 * characters of a guess were right.
 */
bool
crypto_streq_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}
