/*
 * conf.c: the options, as a table. The same table is run over three
 * sources: a JSON config file (--config), TMTMOCK_* environment variables
 * and the command line, in that order, so the command line wins. Every bad
 * option is refused with a message that names it and exit status 2, never
 * ignored.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
		    "(e.g. localhost:9000, 127.0.0.1:9000 or [::1]:9000; port 0 picks a free one)", arg);
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

/* A flag's setter gets NULL (on) or "0" (off: false in a config file, 0 in
 * the environment, so a higher source can turn a lower one's flag off). */
static bool
flag_on(const char *arg)
{
	return arg == NULL || strcmp(arg, "0") != 0;
}

static int
set_strict(const char *arg, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	conf.c_strict_signature = flag_on(arg);
	return 0;
}

/* The source being applied: a repeatable option (-v, --faults) given by a
 * source replaces what lower sources said instead of adding to it. */
enum conf_source { SRC_DEFAULT, SRC_CONFIG, SRC_ENV, SRC_ARGV };
static enum conf_source cur_src, verbose_src, faults_src;

static int
set_verbose(const char *arg, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	if (verbose_src != cur_src)
		conf.c_verbose = 0;
	verbose_src = cur_src;
	if (flag_on(arg))
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

/* A YYYY-MM-DD day from the first definition on: the parameters and
 * actions of the newest definition published by then (schema.c). */
static int
set_api_version_date(const char *arg, char *err, size_t errlen)
{
	int y, m, d, len = 0;

	if (sscanf(arg, "%4d-%2d-%2d%n", &y, &m, &d, &len) != 3 || len != 10 ||
	    strlen(arg) != 10 || m < 1 || m > 12 || d < 1 || d > 31) {
		snprintf(err, errlen, "--api-version-date: \"%s\" is not a date "
		    "YYYY-MM-DD", arg);
		return -1;
	}
	if (strcmp(arg, API_FIRST_DATE) < 0) {
		snprintf(err, errlen, "--api-version-date: %s is before the first "
		    "published definition the mock knows (%s)", arg, API_FIRST_DATE);
		return -1;
	}
	free(conf.c_api_date);
	conf.c_api_date = xstrdup(arg);
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
	(void)err, (void)errlen;
	conf.c_rate_limit = !flag_on(arg);
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
	if (faults_src != cur_src) {
		while (conf.c_nfaults > 0)
			free(conf.c_faults[--conf.c_nfaults]);
		faults_src = cur_src;
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
set_ready_file(const char *arg, char *err, size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--ready-file: the file name is empty");
		return -1;
	}
	free(conf.c_ready_file);
	conf.c_ready_file = xstrdup(arg);
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
	(void)err, (void)errlen;
	conf.c_magic = !flag_on(arg);
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

/* Serving /_mock/ beyond loopback without a token is a choice, not an
 * accident (docs/hardening.md, "The admin guard"). */
static int
set_admin_open(const char *arg, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	conf.c_admin_open = flag_on(arg);
	return 0;
}

static int
set_log_format(const char *arg, char *err, size_t errlen)
{
	if (strcmp(arg, "text") == 0)
		conf.c_log_format = LOG_TEXT;
	else if (strcmp(arg, "json") == 0)
		conf.c_log_format = LOG_JSON;
	else {
		snprintf(err, errlen, "--log-format: \"%s\" is not text or json", arg);
		return -1;
	}
	return 0;
}

/* --config is read before every other source (conf_parse); here it is
 * only checked, so a later --config on the command line is not an error. */
static int
set_config(const char *arg, char *err, size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--config: the file name is empty");
		return -1;
	}
	return 0;
}

/* A whole number from lo to hi for option name into *out. */
static int
set_range(const char *name, const char *what, long long lo, long long hi,
    const char *arg, long long *out, char *err, size_t errlen)
{
	long long v;

	if (!str_is_decimal(arg, &v) || v < lo || v > hi) {
		snprintf(err, errlen, "--%s: \"%s\" is not %s from %lld to %lld",
		    name, arg, what, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int
set_max_connections(const char *arg, char *err, size_t errlen)
{
	return set_range("max-connections", "a number of connections", 1,
	    1000000, arg, &conf.c_max_connections, err, errlen);
}

static int
set_idle_timeout(const char *arg, char *err, size_t errlen)
{
	return set_range("idle-timeout", "a number of seconds (0: none)", 0,
	    86400, arg, &conf.c_idle_timeout, err, errlen);
}

static int
set_read_timeout(const char *arg, char *err, size_t errlen)
{
	return set_range("read-timeout", "a number of seconds (0: none)", 0,
	    86400, arg, &conf.c_read_timeout, err, errlen);
}

static int
set_max_header_size(const char *arg, char *err, size_t errlen)
{
	return set_range("max-header-size", "a number of bytes", 1024,
	    64LL * 1024 * 1024, arg, &conf.c_max_header_size, err, errlen);
}

static int
set_max_body_size(const char *arg, char *err, size_t errlen)
{
	return set_range("max-body-size", "a number of bytes", 1024,
	    1024LL * 1024 * 1024, arg, &conf.c_max_body_size, err, errlen);
}

static int
set_max_uri_size(const char *arg, char *err, size_t errlen)
{
	return set_range("max-uri-size", "a number of bytes", 256,
	    64LL * 1024 * 1024, arg, &conf.c_max_uri_size, err, errlen);
}

static int
set_write_timeout(const char *arg, char *err, size_t errlen)
{
	return set_range("write-timeout", "a number of seconds (0: none)", 0,
	    86400, arg, &conf.c_write_timeout, err, errlen);
}

static int
set_shutdown_grace(const char *arg, char *err, size_t errlen)
{
	return set_range("shutdown-grace", "a number of seconds", 0, 86400,
	    arg, &conf.c_shutdown_grace, err, errlen);
}

static int
set_journal_max_bytes(const char *arg, char *err, size_t errlen)
{
	return set_range("journal-max-bytes", "a number of bytes", 65536,
	    64LL * 1024 * 1024 * 1024, arg, &conf.c_journal_max_bytes, err,
	    errlen);
}

static int
set_file_max_tasks(const char *arg, char *err, size_t errlen)
{
	return set_range("file-max-tasks", "a number of tasks", 1, 10000000,
	    arg, &conf.c_file_max_tasks, err, errlen);
}

static int
set_file_max_bytes(const char *arg, char *err, size_t errlen)
{
	return set_range("file-max-bytes", "a number of bytes", 65536,
	    64LL * 1024 * 1024 * 1024, arg, &conf.c_file_max_bytes, err, errlen);
}

static int
set_translations(const char *arg, char *err, size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--translations: the file name is empty");
		return -1;
	}
	free(conf.c_translations);
	conf.c_translations = xstrdup(arg);
	return 0;
}

/* The code must be the catalogue's: the answer is built from its entry. */
static int
set_translations_strict(const char *arg, char *err, size_t errlen)
{
	const struct err_def *e = catalogue_find(arg);

	if (e == NULL) {
		snprintf(err, errlen, "--translations-strict: \"%s\" is not an "
		    "error code of the catalogue (GET /_mock/catalogue), e.g. "
		    "FailedOperation or ResourceNotFound", arg);
		return -1;
	}
	free(conf.c_translations_strict);
	conf.c_translations_strict = xstrdup(e->e_code);
	return 0;
}

static int
set_upstream(const char *arg, char *err, size_t errlen)
{
	if (upstream_url_check(arg, err, errlen) != 0)
		return -1;
	free(conf.c_upstream);
	conf.c_upstream = xstrdup(arg);
	return 0;
}

static int
set_upstream_timeout(const char *arg, char *err, size_t errlen)
{
	long long v;

	if (!str_is_decimal(arg, &v) || v < 1 || v > 3600) {
		snprintf(err, errlen, "--upstream-timeout: \"%s\" is not a number "
		    "of seconds from 1 to 3600", arg);
		return -1;
	}
	conf.c_upstream_timeout = v;
	return 0;
}

static int
set_upstream_ca(const char *arg, char *err, size_t errlen)
{
	if (access(arg, R_OK) != 0) {
		snprintf(err, errlen, "--upstream-ca: %s: %m", arg);
		return -1;
	}
	free(conf.c_upstream_ca);
	conf.c_upstream_ca = xstrdup(arg);
	return 0;
}

static int
set_record(const char *arg, char *err, size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--record: the file name is empty");
		return -1;
	}
	free(conf.c_record);
	conf.c_record = xstrdup(arg);
	return 0;
}

static int
set_replay(const char *arg, char *err, size_t errlen)
{
	if (*arg == '\0') {
		snprintf(err, errlen, "--replay: the file name is empty");
		return -1;
	}
	free(conf.c_replay);
	conf.c_replay = xstrdup(arg);
	return 0;
}

static int
set_replay_miss(const char *arg, char *err, size_t errlen)
{
	if (strcmp(arg, "pseudo") != 0 && strcmp(arg, "error") != 0 &&
	    strcmp(arg, "forward") != 0) {
		snprintf(err, errlen, "--replay-miss: \"%s\" is not pseudo, error "
		    "or forward", arg);
		return -1;
	}
	free(conf.c_replay_miss);
	conf.c_replay_miss = xstrdup(arg);
	return 0;
}

/* --help and --version answer and exit 0; conf_parse handles them. */
static const struct opt opts[] = {
	{ "listen", 0, "ADDR:PORT", set_listen,
	  "address to serve the API on, every address of a name (default localhost:9000; port 0 picks a free one)" },
	{ "tls-listen", 0, "ADDR:PORT", set_tls_listen,
	  "also serve the API over HTTPS there (port 0 picks a free one)" },
	{ "tls-cert", 0, "FILE", set_tls_cert,
	  "HTTPS certificate chain, PEM (with --tls-key; default: a generated local CA's leaf)" },
	{ "tls-key", 0, "FILE", set_tls_key,
	  "private key of --tls-cert, PEM, unencrypted" },
	{ "tls-ca-out", 0, "FILE", set_tls_ca_out,
	  "write the generated CA certificate there (PEM), for clients to trust" },
	{ "fixtures", 0, "DIR", set_fixtures,
	  "directory holding accounts.json (default: PREFIX/share/tmtmock/fixtures "
	  "when installed, else the source tree's fixtures/)" },
	{ "translations", 0, "FILE", set_translations,
	  "known translations ({\"translations\": [...]}) in place of the fixtures' translations.json" },
	{ "translations-strict", 0, "CODE", set_translations_strict,
	  "a text the translations lack is error CODE, not a pseudo-translation" },
	{ "upstream", 0, "URL", set_upstream,
	  "forward checked requests there, re-signed with TMTMOCK_UPSTREAM_SECRET_ID/_SECRET_KEY (https://, or http:// to loopback)" },
	{ "upstream-timeout", 0, "S", set_upstream_timeout,
	  "seconds the upstream has to answer (default 30)" },
	{ "upstream-ca", 0, "FILE", set_upstream_ca,
	  "trust only these CA certificates (PEM) for an https upstream (default: the system's)" },
	{ "record", 0, "FILE", set_record,
	  "append each upstream success to the cassette FILE (JSON lines)" },
	{ "replay", 0, "FILE", set_replay,
	  "answer requests found in the cassette FILE from it" },
	{ "replay-miss", 0, "pseudo|error|forward", set_replay_miss,
	  "a request the cassette lacks: the mock's own answer (default), ResourceNotFound, or the upstream" },
	{ "seed", 0, "N", set_seed,
	  "seed the PRNG so RequestIds replay exactly (default: random)" },
	{ "auth", 0, "on|off", set_auth,
	  "off skips SecretId, timestamp, token and signature checks (default on)" },
	{ "strict-signature", 0, NULL, set_strict,
	  "demand service `tmt` and the exact Host in TC3 signatures" },
	{ "text-limit", 0, "N", set_text_limit,
	  "UnsupportedOperation.TextTooLong from N characters (default 6000; 2000 is the FAQ's)" },
	{ "api-version-date", 0, "YYYY-MM-DD", set_api_version_date,
	  "the actions and parameters of the API definition of that day (default: the newest of each action)" },
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
	{ "journal-max-bytes", 0, "BYTES", set_journal_max_bytes,
	  "keep the journal within BYTES, oldest entries out first (default 67108864)" },
	{ "ready-file", 0, "FILE", set_ready_file,
	  "once listening, write the API's URL to FILE (what `tmtmock --health` reads); removed at exit" },
	{ "admin-listen", 0, "ADDR:PORT", set_admin_listen,
	  "also serve /_mock/ on this address" },
	{ "admin-token", 0, "TOKEN", set_admin_token,
	  "require Authorization: Bearer TOKEN on /_mock/" },
	{ "admin-open", 0, NULL, set_admin_open,
	  "allow listening beyond loopback without --admin-token (the admin API then answers loopback peers only)" },
	{ "max-connections", 0, "N", set_max_connections,
	  "open connections at most; more are closed at once (default 16384)" },
	{ "idle-timeout", 0, "S", set_idle_timeout,
	  "close a connection idle for S seconds between requests (default 60; 0: never)" },
	{ "read-timeout", 0, "S", set_read_timeout,
	  "close a connection whose request is not whole S seconds after its first byte (default 30; 0: never)" },
	{ "write-timeout", 0, "S", set_write_timeout,
	  "close a connection whose answer is not read S seconds after it was ready (default 30; 0: never)" },
	{ "shutdown-grace", 0, "S", set_shutdown_grace,
	  "after SIGTERM, give answers in flight S seconds, then close (default 10)" },
	{ "file-max-tasks", 0, "N", set_file_max_tasks,
	  "FileTranslate tasks kept at most; more: FailedOperation.TooManyWaitProcess (default 1000)" },
	{ "file-max-bytes", 0, "BYTES", set_file_max_bytes,
	  "FileTranslate documents kept at most, in bytes; more: FailedOperation.TooManyWaitProcess (default 268435456)" },
	{ "max-header-size", 0, "BYTES", set_max_header_size,
	  "request line and headers at most (default 262144); larger: HTTP 400, then closed" },
	{ "max-body-size", 0, "BYTES", set_max_body_size,
	  "request body at most (default 16777216); larger: HTTP 413" },
	{ "max-uri-size", 0, "BYTES", set_max_uri_size,
	  "GET URI at most (default 32768, Tencent's); larger: HTML 414 (check 2)" },
	{ "config", 0, "FILE", set_config,
	  "read options from a JSON object {\"listen\": \"...\", \"no-rate-limit\": true, ...}" },
	{ "log-format", 0, "text|json", set_log_format,
	  "log one line per request on stderr, as text or as JSON lines" },
	{ "verbose", 'v', NULL, set_verbose,
	  "log one line per request on stderr (text), and file task callbacks" },
	{ "help", 'h', NULL, NULL, "print this help and exit" },
	{ "version", 0, NULL, NULL, "print the version and exit" },
};

void
conf_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tmtmock [options]\n"
	    "       tmtmock --health [URL]      probe a running mock's /_mock/health (exit 0: healthy)\n"
	    "       tmtmock sign --action ACTION --params JSON ...   print a signed curl command\n"
	    "                                   (tmtmock sign --help)\n\n"
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
	fprintf(f, "\nEvery option but --help and --version can also come from the "
	    "environment,\nas TMTMOCK_<OPTION> (TMTMOCK_LISTEN, TMTMOCK_NO_RATE_LIMIT=1, "
	    "TMTMOCK_FAULTS=a.json:b.json),\nor from the --config file "
	    "(TMTMOCK_CONFIG); the command line wins, then the environment.\n"
	    "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (and TENCENTCLOUD_TOKEN), "
	    "when set,\nadd an active paid account.\n");
	fprintf(f, "\nexit status: 0 after a clean stop (SIGINT, SIGTERM), "
	    "2 on bad options or fixtures\n(or beyond loopback without "
	    "--admin-token or --admin-open), 1 when the address cannot be bound.\n");
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

/*
 * Applies one value of an option from a source. where names the value as
 * that source spells it ("--listen", "TMTMOCK_LISTEN", "FILE: listen"), so
 * the message leads the user to the right place.
 */
static int
conf_apply(const struct opt *o, const char *arg, const char *where)
{
	char err[512];

	if (o->o_set(arg, err, sizeof err) != 0) {
		/* The setter's message names the --option already. */
		if (cur_src == SRC_ARGV)
			fprintf(stderr, "tmtmock: %s\n", err);
		else
			fprintf(stderr, "tmtmock: %s: %s\n", where, err);
		return -1;
	}
	return 0;
}

/* The options a config file or the environment may set: not --help,
 * --version, nor (in a config file) --config itself. */
static const struct opt *
find_named(const char *name, bool allow_config)
{
	size_t i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (strcmp(opts[i].o_long, name) == 0 && opts[i].o_set != NULL &&
		    (allow_config || opts[i].o_set != set_config))
			return &opts[i];
	return NULL;
}

/* An option that may be given more than once, making a list. */
static bool
opt_repeats(const struct opt *o)
{
	return o->o_set == set_faults;
}

/* One JSON value of a config file as the option's argument. */
static int
config_value(const char *path, const struct opt *o, json_t *v)
{
	char where[1024], num[32];
	json_t *item;
	size_t i;

	snprintf(where, sizeof where, "%s: %s", path, o->o_long);
	if (o->o_arg == NULL) {
		if (!json_is_boolean(v)) {
			fprintf(stderr, "tmtmock: %s: must be true or false\n", where);
			return -1;
		}
		return conf_apply(o, json_is_true(v) ? NULL : "0", where);
	}
	if (json_is_array(v) && opt_repeats(o)) {
		json_array_foreach(v, i, item)
			if (!json_is_string(item)) {
				fprintf(stderr, "tmtmock: %s[%zu]: must be a string\n",
				    where, i);
				return -1;
			}
		json_array_foreach(v, i, item)
			if (conf_apply(o, json_string_value(item), where) != 0)
				return -1;
		return 0;
	}
	if (json_is_string(v))
		return conf_apply(o, json_string_value(v), where);
	if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return conf_apply(o, num, where);
	}
	fprintf(stderr, "tmtmock: %s: must be a string%s%s\n", where,
	    strcmp(o->o_arg, "N") == 0 || strcmp(o->o_arg, "S") == 0 ||
	    strcmp(o->o_arg, "BYTES") == 0 ? " or an integer" : "",
	    opt_repeats(o) ? " or an array of strings" : "");
	return -1;
}

/* --config FILE: a JSON object whose keys are option names. */
static int
conf_file(const char *path)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	const struct opt *o;
	int rc = -1;

	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		char why[1024];

		json_file_error(why, sizeof why, path, &jerr);
		fprintf(stderr, "tmtmock: --config: %s\n", why);
		return -1;
	}
	if (!json_is_object(root)) {
		fprintf(stderr, "tmtmock: --config: %s: must be a JSON object of "
		    "options, e.g. {\"listen\": \"127.0.0.1:9000\"}\n", path);
		goto out;
	}
	json_object_foreach(root, key, v) {
		if ((o = find_named(key, false)) == NULL) {
			fprintf(stderr, "tmtmock: %s: \"%s\" is not an option a config "
			    "file can set (see tmtmock --help)\n", path, key);
			goto out;
		}
		if (config_value(path, o, v) != 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* TMTMOCK_NO_RATE_LIMIT for no-rate-limit. */
static void
env_name(const char *opt, char *out, size_t outlen)
{
	size_t i, n = strlen("TMTMOCK_");

	snprintf(out, outlen, "TMTMOCK_");
	for (i = 0; opt[i] != '\0' && n + 1 < outlen; i++)
		out[n++] = opt[i] == '-' ? '_' : (char)toupper((unsigned char)opt[i]);
	out[n] = '\0';
}

/*
 * TMTMOCK_<OPTION> variables. Empty means unset. A flag takes 1, true, yes,
 * on or 0, false, no, off; TMTMOCK_FAULTS is a colon-separated list.
 * Other TMTMOCK_ names are left alone (the test harness uses TMTMOCK_BIN).
 */
static int
conf_env(void)
{
	char name[64];
	const char *v;
	size_t i;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		const struct opt *o = &opts[i];

		if (o->o_set == NULL || o->o_set == set_config)
			continue;
		env_name(o->o_long, name, sizeof name);
		if ((v = getenv(name)) == NULL || *v == '\0')
			continue;
		if (o->o_arg == NULL) {
			if (strcasecmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
			    strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0)
				v = NULL;
			else if (strcasecmp(v, "0") == 0 || strcasecmp(v, "false") == 0 ||
			    strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0)
				v = "0";
			else {
				fprintf(stderr, "tmtmock: %s: \"%s\" is not 1, true, yes, "
				    "on or 0, false, no, off\n", name, v);
				return -1;
			}
			if (conf_apply(o, v, name) != 0)
				return -1;
		} else if (opt_repeats(o)) {
			char *list = xstrdup(v), *p = list, *item;
			int rc = 0;

			while (rc == 0 && (item = strsep(&p, ":")) != NULL)
				if (*item != '\0')
					rc = conf_apply(o, item, name);
			free(list);
			if (rc != 0)
				return -1;
		} else if (conf_apply(o, v, name) != 0)
			return -1;
	}
	return 0;
}

/*
 * The fixtures when neither --fixtures nor TMTMOCK_FIXTURES names them:
 * an installed binary's PREFIX/share/tmtmock/fixtures (from its own path,
 * so a moved prefix still works), else the source tree's (compile time).
 */
static char *
default_fixtures(void)
{
	char exe[PATH_MAX], *slash, *dir;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			dir = xasprintf("%s/../share/tmtmock/fixtures", exe);
			if (access(dir, F_OK) == 0)
				return dir;
			free(dir);
		}
	}
	return xstrdup(TMTMOCK_FIXTURES);
}

/*
 * One table, three sources, applied from the weakest: the config file
 * (--config, else TMTMOCK_CONFIG), the environment (TMTMOCK_*), then the
 * command line, so the command line wins, then the environment.
 */
int
conf_parse(int argc, char **argv)
{
	const char *config = getenv("TMTMOCK_CONFIG");
	int i;

	conf.c_listen_host = xstrdup("localhost");
	conf.c_listen_port = 9000;
	conf.c_auth = true;
	conf.c_text_limit = 6000;
	conf.c_rate_limit = true;
	conf.c_magic = true;
	conf.c_journal_size = 10000;
	conf.c_max_connections = 16384;
	conf.c_idle_timeout = 60;
	conf.c_read_timeout = 30;
	conf.c_write_timeout = 30;
	conf.c_shutdown_grace = 10;
	conf.c_journal_max_bytes = 64LL * 1024 * 1024;
	conf.c_file_max_tasks = 1000;
	conf.c_file_max_bytes = 256LL * 1024 * 1024;
	conf.c_max_header_size = 256 * 1024;
	conf.c_max_body_size = TM_MAX_WIRE_BODY;
	conf.c_max_uri_size = TM_MAX_GET_URI;
	conf.c_upstream_timeout = 30;
	if (config != NULL && *config == '\0')
		config = NULL;

	/* First look: --help and --version answer whatever the other
	 * sources say, and --config must be known before them. An unknown
	 * option ends the look; the main pass reports it. */
	for (i = 1; i < argc; i++) {
		const char *inl;
		const struct opt *o = find_opt(argv[i], &inl);

		if (o == NULL)
			break;
		if (strcmp(o->o_long, "help") == 0) {
			conf_usage(stdout);
			return 1;
		}
		if (strcmp(o->o_long, "version") == 0) {
			printf("tmtmock %s\n", TMTMOCK_VERSION);
			return 1;
		}
		if (o->o_arg != NULL && inl == NULL) {
			if (i + 1 >= argc)
				break;
			inl = argv[++i];
		}
		if (o->o_set == set_config)
			config = inl;
	}

	cur_src = SRC_CONFIG;
	if (config != NULL && *config != '\0' && conf_file(config) != 0)
		return 2;
	cur_src = SRC_ENV;
	if (conf_env() != 0)
		return 2;
	cur_src = SRC_ARGV;
	for (i = 1; i < argc; i++) {
		const char *arg, *inl;
		const struct opt *o = find_opt(argv[i], &inl);

		if (o == NULL) {
			fprintf(stderr, "tmtmock: unknown option \"%s\" (see tmtmock --help)\n",
			    argv[i]);
			return 2;
		}
		if (o->o_set == NULL) {		/* --help, --version: seen above */
			if (strcmp(o->o_long, "version") == 0)
				printf("tmtmock %s\n", TMTMOCK_VERSION);
			else
				conf_usage(stdout);
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
		if (conf_apply(o, arg, argv[i]) != 0)
			return 2;
	}
	if (conf.c_fixtures == NULL)
		conf.c_fixtures = default_fixtures();
	/* What only an upstream gives: said now, not found out at the first
	 * request. */
	if (conf.c_upstream == NULL && (conf.c_record != NULL ||
	    (conf.c_replay_miss != NULL && strcmp(conf.c_replay_miss,
	    "forward") == 0))) {
		fprintf(stderr, "tmtmock: --%s needs --upstream URL\n",
		    conf.c_record != NULL ? "record" : "replay-miss forward");
		return 2;
	}
	if (conf.c_replay_miss == NULL)
		conf.c_replay_miss = xstrdup("pseudo");
	return 0;
}
