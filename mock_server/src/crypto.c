/* crypto.c: every OpenSSL call of the server (digests, HMAC, encodings). */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tmtmock.h"

/*
 * The algorithms are fetched once and the contexts reused: OpenSSL 3's
 * one-shot SHA256() and HMAC() look the algorithm up and build a context
 * on every call, which cost more than the hashing of a request's bytes.
 */
static EVP_MD *md_sha256;
static EVP_MD_CTX *md_ctx;
static EVP_MAC *mac_hmac;
static EVP_MAC_CTX *mac_ctx[2];		/* by enum md_kind */

static void
crypto_init(void)
{
	if (md_ctx != NULL)
		return;
	if ((md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL ||
	    (mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (mac_ctx[MD_SHA1] = EVP_MAC_CTX_new(mac_hmac)) == NULL ||
	    (mac_ctx[MD_SHA256] = EVP_MAC_CTX_new(mac_hmac)) == NULL ||
	    (md_ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("cannot set up SHA-256 and HMAC (OpenSSL)");
}

void
crypto_clear(void)
{
	EVP_MD_CTX_free(md_ctx);
	EVP_MAC_CTX_free(mac_ctx[MD_SHA1]);
	EVP_MAC_CTX_free(mac_ctx[MD_SHA256]);
	EVP_MAC_free(mac_hmac);
	EVP_MD_free(md_sha256);
	md_ctx = NULL;
	mac_ctx[MD_SHA1] = mac_ctx[MD_SHA256] = NULL;
	mac_hmac = NULL;
	md_sha256 = NULL;
}

void
crypto_sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	crypto_init();
	if (EVP_DigestInit_ex2(md_ctx, md_sha256, NULL) != 1 ||
	    EVP_DigestUpdate(md_ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(md_ctx, out, &n) != 1)
		fatalx("SHA-256 failed");
}

void
crypto_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];

	crypto_sha256(data, len, md);
	crypto_hex(md, sizeof md, out);
}

static OSSL_PARAM *
digest_param(enum md_kind kind)
{
	static OSSL_PARAM p[2][2];

	if (p[kind][0].key == NULL) {
		p[kind][0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    kind == MD_SHA1 ? "SHA1" : "SHA256", 0);
		p[kind][1] = OSSL_PARAM_construct_end();
	}
	return p[kind];
}

size_t
crypto_hmac(enum md_kind kind, const void *key, size_t keylen,
    const void *msg, size_t msglen, unsigned char out[32])
{
	size_t n = 0;
	/* A NULL key would mean "the key of the last call". */
	static const unsigned char none[1];

	crypto_init();
	if (EVP_MAC_init(mac_ctx[kind], keylen > 0 ? key : none, keylen,
	    digest_param(kind)) != 1 ||
	    EVP_MAC_update(mac_ctx[kind], msg, msglen) != 1 ||
	    EVP_MAC_final(mac_ctx[kind], out, &n, 32) != 1)
		fatalx("HMAC failed");
	return n;
}

/* A key set once for many messages: each then costs its own bytes only. */
struct crypto_mac {
	EVP_MAC_CTX	*cm_ctx;
};

struct crypto_mac *
crypto_mac_new(const void *key, size_t keylen)
{
	struct crypto_mac *m = xcalloc(1, sizeof *m);
	static const unsigned char none[1];

	crypto_init();
	if ((m->cm_ctx = EVP_MAC_CTX_new(mac_hmac)) == NULL ||
	    EVP_MAC_init(m->cm_ctx, keylen > 0 ? key : none, keylen,
	    digest_param(MD_SHA256)) != 1)
		fatalx("HMAC failed");
	return m;
}

void
crypto_mac_sign(struct crypto_mac *m, const void *msg, size_t len,
    unsigned char out[32])
{
	size_t n = 0;

	/* No key: HMAC starts again from the one already set. */
	if (EVP_MAC_init(m->cm_ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(m->cm_ctx, msg, len) != 1 ||
	    EVP_MAC_final(m->cm_ctx, out, &n, 32) != 1)
		fatalx("HMAC failed");
}

void
crypto_mac_free(struct crypto_mac *m)
{
	if (m == NULL)
		return;
	EVP_MAC_CTX_free(m->cm_ctx);
	free(m);
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
