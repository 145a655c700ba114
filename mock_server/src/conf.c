/*
 * conf.c: the command line, as a table of options. Every bad option is
 * refused with a message that names it and exit status 2, never ignored.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

#ifndef TMTMOCK_FIXTURES
#define TMTMOCK_FIXTURES "fixtures"
#endif

struct conf conf;

typedef int (*opt_set)(const char *arg, char *err, size_t errlen);

struct opt {
	const char	*o_long;
	char		 o_short;
	const char	*o_arg;		/* NULL: a flag */
	opt_set		 o_set;
	const char	*o_help;
};

/* ADDR:PORT or [V6ADDR]:PORT; *host is a copy. */
static int
parse_addr(const char *arg, char **host, int *port)
{
	const char *colon;
	long long p;

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		colon = close + 1;
		if (!str_is_decimal(colon + 1, &p) || p < 0 || p > 65535)
			return -1;
		*host = xstrndup(arg + 1, (size_t)(close - arg - 1));
	} else {
		if ((colon = strrchr(arg, ':')) == NULL || colon == arg)
			return -1;
		if (!str_is_decimal(colon + 1, &p) || p < 0 || p > 65535)
			return -1;
		*host = xstrndup(arg, (size_t)(colon - arg));
	}
	*port = (int)p;
	return 0;
}

static int
set_listen(const char *arg, char *err, size_t errlen)
{
	char *host;
	int port;

	if (parse_addr(arg, &host, &port) != 0) {
		snprintf(err, errlen, "--listen: \"%s\" is not ADDR:PORT "
		    "(e.g. 127.0.0.1:9000; port 0 picks a free one)", arg);
		return -1;
	}
	free(conf.c_listen_host);
	conf.c_listen_host = host;
	conf.c_listen_port = port;
	return 0;
}

static int
set_fixtures(const char *arg, char *err, size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--fixtures: the directory name is empty");
		return -1;
	}
	free(conf.c_fixtures);
	conf.c_fixtures = xstrdup(arg);
	return 0;
}

static int
set_seed(const char *arg, char *err, size_t errlen)
{
	long long v;

	if (!str_is_decimal(arg, &v) || v < 0) {
		snprintf(err, errlen, "--seed: \"%s\" is not a non-negative integer", arg);
		return -1;
	}
	conf.c_seeded = true;
	conf.c_seed = (uint64_t)v;
	return 0;
}

static int
set_auth(const char *arg, char *err, size_t errlen)
{
	if (strcmp(arg, "on") == 0)
		conf.c_auth = true;
	else if (strcmp(arg, "off") == 0)
		conf.c_auth = false;
	else {
		snprintf(err, errlen, "--auth: \"%s\" is not on or off", arg);
		return -1;
	}
	return 0;
}

static int
set_strict(const char *arg, char *err, size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	conf.c_strict_signature = true;
	return 0;
}

static int
set_verbose(const char *arg, char *err, size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	conf.c_verbose++;
	return 0;
}

static int
set_text_limit(const char *arg, char *err, size_t errlen)
{
	long long v;

	if (!str_is_decimal(arg, &v) || v < 1 || v > 1000000) {
		snprintf(err, errlen, "--text-limit: \"%s\" is not a number of "
		    "characters from 1 to 1000000", arg);
		return -1;
	}
	conf.c_text_limit = v;
	return 0;
}

static int
set_language_errors(const char *arg, char *err, size_t errlen)
{
	if (strcmp(arg, "observed") == 0)
		conf.c_language_errors_documented = false;
	else if (strcmp(arg, "documented") == 0)
		conf.c_language_errors_documented = true;
	else {
		snprintf(err, errlen, "--language-errors: \"%s\" is not observed "
		    "or documented", arg);
		return -1;
	}
	return 0;
}

static int
set_no_rate_limit(const char *arg, char *err, size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	conf.c_rate_limit = false;
	return 0;
}

static int
set_tls_listen(const char *arg, char *err, size_t errlen)
{
	char *host;
	int port;

	if (parse_addr(arg, &host, &port) != 0) {
		snprintf(err, errlen, "--tls-listen: \"%s\" is not ADDR:PORT "
		    "(e.g. 127.0.0.1:9443; port 0 picks a free one)", arg);
		return -1;
	}
	free(conf.c_tls_listen_host);
	conf.c_tls_listen_host = host;
	conf.c_tls_listen_port = port;
	return 0;
}

/* A file name option of tls.c; tls_init() checks how they combine. */
static int
set_tls_file(const char *opt, char **slot, const char *arg, char *err,
    size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--%s: the file name is empty", opt);
		return -1;
	}
	free(*slot);
	*slot = xstrdup(arg);
	return 0;
}

static int
set_tls_cert(const char *arg, char *err, size_t errlen)
{
	return set_tls_file("tls-cert", &conf.c_tls_cert, arg, err, errlen);
}

static int
set_tls_key(const char *arg, char *err, size_t errlen)
{
	return set_tls_file("tls-key", &conf.c_tls_key, arg, err, errlen);
}

static int
set_tls_ca_out(const char *arg, char *err, size_t errlen)
{
	return set_tls_file("tls-ca-out", &conf.c_tls_ca_out, arg, err, errlen);
}

static int
set_faults(const char *arg, char *err, size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--faults: the file name is empty");
		return -1;
	}
	conf.c_faults = xrealloc(conf.c_faults, (conf.c_nfaults + 1) * sizeof *conf.c_faults);
	conf.c_faults[conf.c_nfaults++] = xstrdup(arg);
	return 0;
}

static int
set_journal(const char *arg, char *err, size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--journal: the file name is empty");
		return -1;
	}
	free(conf.c_journal);
	conf.c_journal = xstrdup(arg);
	return 0;
}

static int
set_journal_size(const char *arg, char *err, size_t errlen)
{
	long long v;

	if (!str_is_decimal(arg, &v) || v < 0 || v > 10000000) {
		snprintf(err, errlen, "--journal-size: \"%s\" is not a number of "
		    "entries from 0 to 10000000", arg);
		return -1;
	}
	conf.c_journal_size = (size_t)v;
	return 0;
}

static int
set_no_magic(const char *arg, char *err, size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	conf.c_magic = false;
	return 0;
}

static int
set_admin_listen(const char *arg, char *err, size_t errlen)
{
	char *host;
	int port;

	if (parse_addr(arg, &host, &port) != 0) {
		snprintf(err, errlen, "--admin-listen: \"%s\" is not ADDR:PORT", arg);
		return -1;
	}
	free(conf.c_admin_host);
	conf.c_admin_host = host;
	conf.c_admin_port = port;
	return 0;
}

static int
set_admin_token(const char *arg, char *err, size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--admin-token: the token is empty");
		return -1;
	}
	free(conf.c_admin_token);
	conf.c_admin_token = xstrdup(arg);
	return 0;
}

/* --help and --version answer and exit 0; conf_parse handles them. */
static const struct opt opts[] = {
	{ "listen", 0, "ADDR:PORT", set_listen,
	  "address to serve the API on (default 127.0.0.1:9000; port 0 picks a free one)" },
	{ "tls-listen", 0, "ADDR:PORT", set_tls_listen,
	  "also serve the API over HTTPS there (port 0 picks a free one)" },
	{ "tls-cert", 0, "FILE", set_tls_cert,
	  "HTTPS certificate chain, PEM (with --tls-key; default: a generated local CA's leaf)" },
	{ "tls-key", 0, "FILE", set_tls_key,
	  "private key of --tls-cert, PEM, unencrypted" },
	{ "tls-ca-out", 0, "FILE", set_tls_ca_out,
	  "write the generated CA certificate there (PEM), for clients to trust" },
	{ "fixtures", 0, "DIR", set_fixtures,
	  "directory holding accounts.json (default: the source tree's fixtures/)" },
	{ "seed", 0, "N", set_seed,
	  "seed the PRNG so RequestIds replay exactly (default: random)" },
	{ "auth", 0, "on|off", set_auth,
	  "off skips SecretId, timestamp, token and signature checks (default on)" },
	{ "strict-signature", 0, NULL, set_strict,
	  "demand service `tmt` and the exact Host in TC3 signatures" },
	{ "text-limit", 0, "N", set_text_limit,
	  "UnsupportedOperation.TextTooLong from N characters (default 6000; 2000 is the FAQ's)" },
	{ "language-errors", 0, "observed|documented", set_language_errors,
	  "unsupported languages as the live service answers (default) or as documented" },
	{ "no-rate-limit", 0, NULL, set_no_rate_limit,
	  "turn off RequestLimitExceeded (per SecretId + Action + Region QPS)" },
	{ "faults", 0, "FILE", set_faults,
	  "load fault rules ({\"faults\": [...]}) at start-up; may be repeated" },
	{ "no-magic", 0, NULL, set_no_magic,
	  "ignore @mock: magic values in text parameters" },
	{ "journal", 0, "FILE", set_journal,
	  "also append every journal entry to FILE as JSON lines" },
	{ "journal-size", 0, "N", set_journal_size,
	  "keep the last N requests in the journal (default 10000)" },
	{ "admin-listen", 0, "ADDR:PORT", set_admin_listen,
	  "also serve /_mock/ on this address" },
	{ "admin-token", 0, "TOKEN", set_admin_token,
	  "require Authorization: Bearer TOKEN on /_mock/" },
	{ "verbose", 'v', NULL, set_verbose, "log one line per request on stderr" },
	{ "help", 'h', NULL, NULL, "print this help and exit" },
	{ "version", 0, NULL, NULL, "print the version and exit" },
};

void
conf_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tmtmock [options]\n\n"
	    "A mock of the Tencent Cloud Machine Translation API (TMT %s).\n\n"
	    "options:\n", TMT_VERSION);
	for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		char head[80], shortopt[8] = "    ";

		if (opts[i].o_short)
			snprintf(shortopt, sizeof shortopt, "-%c, ", opts[i].o_short);
		snprintf(head, sizeof head, "%s--%s%s%s", shortopt, opts[i].o_long,
		    opts[i].o_arg ? " " : "", opts[i].o_arg ? opts[i].o_arg : "");
		fprintf(f, "  %-40s %s\n", head, opts[i].o_help);
	}
	fprintf(f, "\nexit status: 0 after a clean stop (SIGINT, SIGTERM), "
	    "2 on bad options or fixtures, 1 when the address cannot be bound.\n");
}

static const struct opt *
find_opt(const char *a, const char **inline_arg)
{
	size_t i;

	*inline_arg = NULL;
	for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		size_t n = strlen(opts[i].o_long);

		if (a[0] == '-' && a[1] == '-' && strncmp(a + 2, opts[i].o_long, n) == 0 &&
		    (a[2 + n] == '\0' || a[2 + n] == '=')) {
			if (a[2 + n] == '=')
				*inline_arg = a + 3 + n;
			return &opts[i];
		}
		if (a[0] == '-' && opts[i].o_short != 0 && a[1] == opts[i].o_short &&
		    a[2] == '\0')
			return &opts[i];
	}
	return NULL;
}

int
conf_parse(int argc, char **argv)
{
	char err[512];
	int i;

	conf.c_listen_host = xstrdup("127.0.0.1");
	conf.c_listen_port = 9000;
	conf.c_fixtures = xstrdup(TMTMOCK_FIXTURES);
	conf.c_auth = true;
	conf.c_text_limit = 6000;
	conf.c_rate_limit = true;
	conf.c_magic = true;
	conf.c_journal_size = 10000;

	for (i = 1; i < argc; i++) {
		const char *arg, *inl;
		const struct opt *o = find_opt(argv[i], &inl);

		if (o == NULL) {
			fprintf(stderr, "tmtmock: unknown option \"%s\" (see tmtmock --help)\n",
			    argv[i]);
			return 2;
		}
		if (strcmp(o->o_long, "help") == 0) {
			conf_usage(stdout);
			return 1;
		}
		if (strcmp(o->o_long, "version") == 0) {
			printf("tmtmock %s\n", TMTMOCK_VERSION);
			return 1;
		}
		if (o->o_arg == NULL && inl != NULL) {
			fprintf(stderr, "tmtmock: --%s takes no value\n", o->o_long);
			return 2;
		}
		arg = inl;
		if (o->o_arg != NULL && arg == NULL) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tmtmock: --%s needs a value: %s\n",
				    o->o_long, o->o_arg);
				return 2;
			}
			arg = argv[++i];
		}
		if (o->o_set(arg, err, sizeof err) != 0) {
			fprintf(stderr, "tmtmock: %s\n", err);
			return 2;
		}
	}
	return 0;
}
