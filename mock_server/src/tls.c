/*
 * tls.c: the HTTPS listener's certificate and OpenSSL context.
 *
 * With --tls-cert and --tls-key it serves that pair; without, it makes a
 * local CA and a leaf for localhost at start-up (the CA's key lives only in
 * memory, so nothing else can ever be signed with it) and writes the CA where
 * --tls-ca-out says, for clients to trust. conn.c serves HTTPS through
 * tls_ssl_new(): one server-side TLS session per connection, read and
 * written on its socket under the same limits and routing as plain HTTP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tmtmock.h"

#define TLS_CA_NAME	"tmtmock local CA"
#define TLS_LEAF_NAME	"localhost"
#define TLS_VALID_DAYS	825

static SSL_CTX *tls_ctx;

struct ext_def {
	int		 nid;
	const char	*value;
};

static const struct ext_def ca_exts[] = {
	{ NID_basic_constraints, "critical,CA:TRUE" },
	{ NID_key_usage, "critical,keyCertSign,cRLSign" },
	{ NID_subject_key_identifier, "hash" },
	{ 0, NULL },
};

static const struct ext_def leaf_exts[] = {
	{ NID_basic_constraints, "critical,CA:FALSE" },
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "serverAuth" },
	{ NID_subject_alt_name, "DNS:localhost,DNS:tmt.tencentcloudapi.com,"
	    "IP:127.0.0.1,IP:::1" },
	{ NID_subject_key_identifier, "hash" },
	{ NID_authority_key_identifier, "keyid:always" },
	{ 0, NULL },
};

/* OpenSSL's last error as text; the error queue is emptied. */
static const char *
tls_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	if (e == 0)
		snprintf(buf, len, "unknown error");
	else if (r != NULL)
		snprintf(buf, len, "%s", r);
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

/* A random positive 128-bit serial number. */
static bool
set_serial(X509 *x)
{
	unsigned char b[16];
	BIGNUM *bn;
	bool ok;

	if (RAND_bytes(b, sizeof b) != 1)
		return false;
	b[0] &= 0x7f;		/* DER integers are signed: keep it positive */
	b[15] |= 0x01;		/* and never zero */
	bn = BN_bin2bn(b, sizeof b, NULL);
	ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static bool
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* A v3 certificate for key named cn, signed by signer as issuer (NULL: self-signed). */
static X509 *
cert_make(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *signer,
    const struct ext_def *exts)
{
	X509 *x;
	X509_NAME *name;
	bool ok;

	if ((x = X509_new()) == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	ok = X509_set_version(x, X509_VERSION_3) == 1 && set_serial(x) &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_VALID_DAYS, 0, NULL) != NULL &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name) == 1 &&
	    X509_set_pubkey(x, key) == 1;
	/* Extensions after the key: the key identifiers are its hash. */
	for (; ok && exts->nid != 0; exts++)
		ok = add_ext(x, issuer != NULL ? issuer : x, exts->nid, exts->value);
	if (ok)
		ok = X509_sign(x, signer, EVP_sha256()) > 0;
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
tls_generate(struct tls_generated *g, char *errbuf, size_t errlen)
{
	char why[256];

	memset(g, 0, sizeof *g);
	if ((g->tg_ca_key = EVP_EC_gen("P-256")) == NULL ||
	    (g->tg_leaf_key = EVP_EC_gen("P-256")) == NULL ||
	    (g->tg_ca = cert_make(g->tg_ca_key, TLS_CA_NAME, NULL, g->tg_ca_key,
	    ca_exts)) == NULL ||
	    (g->tg_leaf = cert_make(g->tg_leaf_key, TLS_LEAF_NAME, g->tg_ca,
	    g->tg_ca_key, leaf_exts)) == NULL) {
		snprintf(errbuf, errlen, "cannot generate the TLS certificate: %s",
		    tls_reason(why, sizeof why));
		tls_generated_free(g);
		return -1;
	}
	return 0;
}

void
tls_generated_free(struct tls_generated *g)
{
	X509_free(g->tg_ca);
	X509_free(g->tg_leaf);
	EVP_PKEY_free(g->tg_ca_key);
	EVP_PKEY_free(g->tg_leaf_key);
	memset(g, 0, sizeof *g);
}

/* Never prompt for a passphrase: an encrypted key is refused instead. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

static bool
readable(const char *opt, const char *path, char *errbuf, size_t errlen)
{
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(errbuf, errlen, "--%s: cannot read %s: %s", opt, path,
		    strerror(errno));
		return false;
	}
	fclose(f);
	return true;
}

/* Loads --tls-cert (a PEM chain, leaf first) and --tls-key (a PEM key) into ctx. */
static int
load_pair(SSL_CTX *ctx, const char *cert, const char *key, char *errbuf,
    size_t errlen)
{
	char why[256];
	EVP_PKEY *pkey;
	FILE *f;
	int rc = -1;

	if (!readable("tls-cert", cert, errbuf, errlen) ||
	    !readable("tls-key", key, errbuf, errlen))
		return -1;
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ERR_clear_error();
		snprintf(errbuf, errlen, "--tls-cert: %s holds no PEM certificate",
		    cert);
		return -1;
	}
	if ((f = fopen(key, "r")) == NULL) {
		snprintf(errbuf, errlen, "--tls-key: cannot read %s: %s", key,
		    strerror(errno));
		return -1;
	}
	pkey = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (pkey == NULL) {
		ERR_clear_error();
		snprintf(errbuf, errlen, "--tls-key: %s holds no unencrypted PEM "
		    "private key", key);
	}
	else if (X509_check_private_key(SSL_CTX_get0_certificate(ctx), pkey) != 1) {
		ERR_clear_error();
		snprintf(errbuf, errlen, "--tls-key: the key in %s does not match "
		    "the certificate in %s", key, cert);
	} else if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		snprintf(errbuf, errlen, "--tls-key: cannot use the key in %s with "
		    "the certificate in %s (%s)", key, cert, tls_reason(why, sizeof why));
	else
		rc = 0;
	EVP_PKEY_free(pkey);
	return rc;
}

static int
write_ca(const char *path, X509 *ca, char *errbuf, size_t errlen)
{
	FILE *f;
	bool ok;

	if ((f = fopen(path, "w")) == NULL) {
		snprintf(errbuf, errlen, "--tls-ca-out: cannot write %s: %s", path,
		    strerror(errno));
		return -1;
	}
	ok = PEM_write_X509(f, ca) == 1;
	if (fclose(f) != 0)
		ok = false;
	if (!ok) {
		ERR_clear_error();
		snprintf(errbuf, errlen, "--tls-ca-out: cannot write %s", path);
		return -1;
	}
	return 0;
}

/* Makes a CA and a leaf, serves the leaf and writes the CA to --tls-ca-out. */
static int
use_generated(SSL_CTX *ctx, char *errbuf, size_t errlen)
{
	struct tls_generated g;
	char why[256];
	int rc = -1;

	if (tls_generate(&g, errbuf, errlen) != 0)
		return -1;
	if (SSL_CTX_use_certificate(ctx, g.tg_leaf) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, g.tg_leaf_key) != 1)
		snprintf(errbuf, errlen, "cannot use the generated TLS certificate: "
		    "%s", tls_reason(why, sizeof why));
	else if (conf.c_tls_ca_out == NULL ||
	    write_ca(conf.c_tls_ca_out, g.tg_ca, errbuf, errlen) == 0)
		rc = 0;
	tls_generated_free(&g);
	return rc;
}

int
tls_init(char *errbuf, size_t errlen)
{
	SSL_CTX *ctx;
	char why[256];

	if (conf.c_tls_listen_host == NULL) {
		const char *opt = conf.c_tls_cert != NULL ? "tls-cert" :
		    conf.c_tls_key != NULL ? "tls-key" :
		    conf.c_tls_ca_out != NULL ? "tls-ca-out" : NULL;

		if (opt != NULL) {
			snprintf(errbuf, errlen, "--%s needs --tls-listen", opt);
			return -1;
		}
		return 0;
	}
	if ((conf.c_tls_cert == NULL) != (conf.c_tls_key == NULL)) {
		snprintf(errbuf, errlen, "--tls-cert and --tls-key go together: "
		    "--%s is missing (or give neither to use a generated CA)",
		    conf.c_tls_cert == NULL ? "tls-cert" : "tls-key");
		return -1;
	}
	if (conf.c_tls_cert != NULL && conf.c_tls_ca_out != NULL) {
		snprintf(errbuf, errlen, "--tls-ca-out writes the generated CA and "
		    "cannot be used with --tls-cert");
		return -1;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(errbuf, errlen, "cannot create the TLS context: %s",
		    tls_reason(why, sizeof why));
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if ((conf.c_tls_cert != NULL ? load_pair(ctx, conf.c_tls_cert,
	    conf.c_tls_key, errbuf, errlen) : use_generated(ctx, errbuf, errlen)) != 0) {
		SSL_CTX_free(ctx);
		return -1;
	}
	SSL_CTX_free(tls_ctx);
	tls_ctx = ctx;
	return 0;
}

SSL *
tls_ssl_new(void)
{
	SSL *ssl;

	if (tls_ctx == NULL || (ssl = SSL_new(tls_ctx)) == NULL)
		fatalx("cannot create a TLS connection");
	/* conn.c hands SSL_write the rest of its output buffer, which may
	 * have moved (grown) since a write that wanted to be retried. */
	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_set_accept_state(ssl);
	return ssl;
}

void
tls_clear(void)
{
	SSL_CTX_free(tls_ctx);
	tls_ctx = NULL;
}
