/*
 * test_tls.c: the generated CA and leaf of tls.c (tls_generate): the CA is a
 * CA, the leaf verifies against it for a TLS server, names the hosts it
 * must, and matches its key.
 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <CUnit/CUnit.h>

#include "tmtmock.h"
#include "tests.h"

static bool
generate(struct tls_generated *g)
{
	char err[256] = "";
	int rc = tls_generate(g, err, sizeof err);

	TCHECK(rc == 0, "tls_generate: %s", err);
	if (rc != 0)
		return false;
	TCHECK(g->tg_ca != NULL && g->tg_leaf != NULL && g->tg_ca_key != NULL &&
	    g->tg_leaf_key != NULL, "tls_generate left a NULL");
	return g->tg_ca != NULL && g->tg_leaf != NULL && g->tg_ca_key != NULL &&
	    g->tg_leaf_key != NULL;
}

static void
cn_is(X509 *x, const char *want)
{
	char cn[128] = "";

	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
	    sizeof cn);
	TSTREQ(cn, want, "subject CN");
}

static bool
is_p256(EVP_PKEY *k)
{
	char group[64] = "";
	size_t len = 0;

	return EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group,
	    &len) == 1 && strcmp(group, "prime256v1") == 0;
}

/* The serial is positive, at most 128 bits, and not small. */
static void
serial_ok(X509 *x, const char *which)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);

	TCHECK(bn != NULL && !BN_is_negative(bn) && BN_num_bits(bn) <= 128 &&
	    BN_num_bits(bn) > 64, "%s serial: %d bits", which,
	    bn != NULL ? BN_num_bits(bn) : -1);
	BN_free(bn);
}

/* notBefore about an hour ago, notAfter about 825 days on. */
static void
validity_ok(X509 *x, const char *which)
{
	int day = 0, sec = 0;

	TCHECK(ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notBefore(x)) == 1 &&
	    day == 0 && sec <= -3590 && sec >= -3610, "%s notBefore: %d d %d s",
	    which, day, sec);
	TCHECK(ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(x)) == 1 &&
	    (day == 825 || (day == 824 && sec > 86390)), "%s notAfter: %d d %d s",
	    which, day, sec);
}

static void
test_ca_is_a_ca(void)
{
	struct tls_generated g;
	BASIC_CONSTRAINTS *bc;
	int crit = -1;

	if (!generate(&g))
		return;
	cn_is(g.tg_ca, "tmtmock local CA");
	TCHECK(X509_check_ca(g.tg_ca) >= 1, "X509_check_ca of the CA");
	bc = X509_get_ext_d2i(g.tg_ca, NID_basic_constraints, &crit, NULL);
	TCHECK(bc != NULL && bc->ca && crit == 1,
	    "basicConstraints CA:TRUE critical (crit %d)", crit);
	BASIC_CONSTRAINTS_free(bc);
	TCHECK(X509_get_key_usage(g.tg_ca) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN),
	    "CA keyUsage %#x", X509_get_key_usage(g.tg_ca));
	TCHECK(X509_check_issued(g.tg_ca, g.tg_ca) == X509_V_OK, "self-issued");
	TCHECK(X509_verify(g.tg_ca, g.tg_ca_key) == 1, "self-signed by its key");
	TCHECK(X509_check_private_key(g.tg_ca, g.tg_ca_key) == 1, "CA key matches");
	TCHECK(is_p256(g.tg_ca_key), "CA key is EC P-256");
	TCHECK(X509_get_version(g.tg_ca) == X509_VERSION_3, "v3");
	serial_ok(g.tg_ca, "CA");
	validity_ok(g.tg_ca, "CA");
	tls_generated_free(&g);
}

static void
test_leaf_verifies_against_ca(void)
{
	struct tls_generated g, other;
	X509_STORE *store;
	X509_STORE_CTX *ctx;
	int ok;

	if (!generate(&g))
		return;
	cn_is(g.tg_leaf, "localhost");
	TCHECK(X509_check_ca(g.tg_leaf) == 0, "the leaf is not a CA");
	TCHECK((X509_get_extended_key_usage(g.tg_leaf) & XKU_SSL_SERVER) != 0,
	    "extendedKeyUsage serverAuth");
	serial_ok(g.tg_leaf, "leaf");
	validity_ok(g.tg_leaf, "leaf");
	TCHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(g.tg_ca),
	    X509_get0_serialNumber(g.tg_leaf)) != 0, "distinct serials");

	store = X509_STORE_new();
	X509_STORE_add_cert(store, g.tg_ca);
	ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, store, g.tg_leaf, NULL);
	/* As a TLS client checks a server, X509_STRICT as Python 3.13 does. */
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT);
	X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx),
	    "tmt.tencentcloudapi.com", 0);
	ok = X509_verify_cert(ctx);
	TCHECK(ok == 1, "X509_verify_cert: %s", X509_verify_cert_error_string(
	    X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);

	/* Another run's CA does not vouch for this leaf. */
	if (generate(&other)) {
		store = X509_STORE_new();
		X509_STORE_add_cert(store, other.tg_ca);
		ctx = X509_STORE_CTX_new();
		X509_STORE_CTX_init(ctx, store, g.tg_leaf, NULL);
		TCHECK(X509_verify_cert(ctx) != 1, "verified against a foreign CA");
		X509_STORE_CTX_free(ctx);
		X509_STORE_free(store);
		tls_generated_free(&other);
	}
	tls_generated_free(&g);
}

static void
test_leaf_names(void)
{
	static const char *const hosts[] = { "localhost", "tmt.tencentcloudapi.com" };
	static const char *const ips[] = { "127.0.0.1", "::1" };
	struct tls_generated g;
	size_t i;

	if (!generate(&g))
		return;
	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		TCHECK(X509_check_host(g.tg_leaf, hosts[i], 0, 0, NULL) == 1,
		    "SAN DNS:%s", hosts[i]);
	for (i = 0; i < sizeof ips / sizeof ips[0]; i++)
		TCHECK(X509_check_ip_asc(g.tg_leaf, ips[i], 0) == 1, "SAN IP:%s",
		    ips[i]);
	TCHECK(X509_check_host(g.tg_leaf, "example.com", 0, 0, NULL) != 1,
	    "no SAN for example.com");
	TCHECK(X509_check_ip_asc(g.tg_leaf, "127.0.0.2", 0) != 1,
	    "no SAN for 127.0.0.2");
	tls_generated_free(&g);
}

static void
test_leaf_key_matches(void)
{
	struct tls_generated g;

	if (!generate(&g))
		return;
	TCHECK(X509_check_private_key(g.tg_leaf, g.tg_leaf_key) == 1,
	    "leaf key matches the leaf");
	TCHECK(X509_check_private_key(g.tg_leaf, g.tg_ca_key) != 1,
	    "the CA key does not match the leaf");
	TCHECK(is_p256(g.tg_leaf_key), "leaf key is EC P-256");
	TCHECK(X509_verify(g.tg_leaf, g.tg_ca_key) == 1, "signed by the CA key");
	TCHECK(X509_verify(g.tg_leaf, g.tg_leaf_key) != 1, "not self-signed");
	tls_generated_free(&g);
}

int
test_tls_register(void)
{
	static const struct test_def tests[] = {
		{ "CA is a CA", test_ca_is_a_ca },
		{ "leaf verifies against the CA", test_leaf_verifies_against_ca },
		{ "leaf names", test_leaf_names },
		{ "leaf key matches", test_leaf_key_matches },
		{ NULL, NULL },
	};

	return tests_add_suite("tls", tests);
}
