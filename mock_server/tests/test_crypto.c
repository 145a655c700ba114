/* test_crypto.c: hex, base64, SHA-256, HMAC (RFC 4231 / RFC 2202), streq_ct. */
#include <string.h>

#include "tmtmock.h"
#include "tests.h"

static void
test_hex(void)
{
	static const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab,
	    0xcd, 0xef, 0xff };
	char out[2 * sizeof in + 1];

	memset(out, 'Z', sizeof out);
	crypto_hex(in, sizeof in, out);
	TSTREQ(out, "00017f80abcdefff", "crypto_hex");
	memset(out, 'Z', sizeof out);
	crypto_hex(in, 0, out);
	TSTREQ(out, "", "crypto_hex of nothing");
}

static void
test_base64(void)
{
	/* RFC 4648 section 10, plus bytes that use '+' and '/'. */
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} v[] = {
		{ "", 0, "" },
		{ "f", 1, "Zg==" },
		{ "fo", 2, "Zm8=" },
		{ "foo", 3, "Zm9v" },
		{ "foob", 4, "Zm9vYg==" },
		{ "fooba", 5, "Zm9vYmE=" },
		{ "foobar", 6, "Zm9vYmFy" },
		{ "\xff\xfe\xfd", 3, "//79" },
		{ "\xfb\xef\xbe", 3, "++++" },
		{ "\x00\xff", 2, "AP8=" },
	};
	char out[32];
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		memset(out, 'Z', sizeof out);
		crypto_base64((const unsigned char *)v[i].in, v[i].len, out);
		TSTREQ(out, v[i].out, "base64 of case %zu", i);
	}
}

static void
test_sha256(void)
{
	unsigned char md[32];
	char hex[65];

	crypto_sha256_hex("abc", 3, hex);
	TSTREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256(abc)");
	crypto_sha256_hex("", 0, hex);
	TSTREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "sha256 of nothing (the TC3 GET payload hash)");
	/* Length, not NUL, ends the data. */
	crypto_sha256_hex("a\0b", 3, hex);
	TSTREQ(hex, "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138",
	    "sha256 of a NUL b (3 bytes)");
	crypto_sha256("abc", 3, md);
	crypto_hex(md, sizeof md, hex);
	TSTREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "crypto_sha256(abc) raw");
}

static void
hmac_case(enum md_kind kind, const void *key, size_t keylen, const char *msg,
    const char *want, const char *what)
{
	unsigned char mac[32];
	char hex[65];
	size_t n, i;
	bool untouched = true;

	memset(mac, 0xa5, sizeof mac);
	n = crypto_hmac(kind, key, keylen, msg, strlen(msg), mac);
	TCHECK(n == (kind == MD_SHA1 ? 20u : 32u), "%s: length %zu", what, n);
	if (n > sizeof mac)
		n = sizeof mac;
	crypto_hex(mac, n, hex);
	TSTREQ(hex, want, "%s", what);
	for (i = n; i < sizeof mac; i++)
		if (mac[i] != 0xa5)
			untouched = false;
	TCHECK(untouched, "%s: wrote past the MAC length", what);
}

static void
test_hmac_sha256(void)
{
	unsigned char k1[20], k6[131];

	memset(k1, 0x0b, sizeof k1);
	memset(k6, 0xaa, sizeof k6);
	hmac_case(MD_SHA256, k1, sizeof k1, "Hi There",
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "RFC 4231 test case 1");
	hmac_case(MD_SHA256, "Jefe", 4, "what do ya want for nothing?",
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "RFC 4231 test case 2");
	hmac_case(MD_SHA256, k6, sizeof k6,
	    "Test Using Larger Than Block-Size Key - Hash Key First",
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "RFC 4231 test case 6 (key longer than a block)");
}

static void
test_hmac_sha1(void)
{
	unsigned char k1[20];

	memset(k1, 0x0b, sizeof k1);
	hmac_case(MD_SHA1, k1, sizeof k1, "Hi There",
	    "b617318655057264e28bc0b6fb378c8ef146be00", "RFC 2202 test case 1");
	hmac_case(MD_SHA1, "Jefe", 4, "what do ya want for nothing?",
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", "RFC 2202 test case 2");
}

static void
test_streq_ct(void)
{
	const char *sig =
	    "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168";
	char copy[65];

	memcpy(copy, sig, sizeof copy);
	TCHECK(crypto_streq_ct(sig, copy), "equal strings");
	TCHECK(crypto_streq_ct("", ""), "two empty strings");
	copy[63] = '9';
	TCHECK(!crypto_streq_ct(sig, copy), "last byte differs");
	copy[63] = sig[63];
	copy[0] = '8';
	TCHECK(!crypto_streq_ct(sig, copy), "first byte differs");
	TCHECK(!crypto_streq_ct("abc", "abcd"), "a prefix (shorter first)");
	TCHECK(!crypto_streq_ct("abcd", "abc"), "a prefix (longer first)");
	TCHECK(!crypto_streq_ct("", "a"), "empty against one byte");
	TCHECK(!crypto_streq_ct("ABC", "abc"), "case matters");
}

int
test_crypto_register(void)
{
	static const struct test_def tests[] = {
		{ "crypto_hex", test_hex },
		{ "crypto_base64 (RFC 4648)", test_base64 },
		{ "crypto_sha256", test_sha256 },
		{ "crypto_hmac SHA-256 (RFC 4231)", test_hmac_sha256 },
		{ "crypto_hmac SHA-1 (RFC 2202)", test_hmac_sha1 },
		{ "crypto_streq_ct", test_streq_ct },
		{ NULL, NULL },
	};

	return tests_add_suite("crypto", tests);
}
