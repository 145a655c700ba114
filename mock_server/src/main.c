/*
 * main.c: options, fixtures, the event loop and clean shutdown.
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <event2/event.h>

#include "tmtmock.h"

/* The first SIGTERM or SIGINT stops accepting and lets the answers in
 * flight finish (front_drain); a second one stops at once. */
static void
on_signal(evutil_socket_t sig, short events, void *arg)
{
	static bool draining;

	(void)sig, (void)events;
	if (draining || front_drain() == 0)
		event_base_loopbreak(arg);
	draining = true;
}

/* A --fixtures that is not a folder is named as such, not as the first
 * file of it that failed to open. */
static int
fixtures_dir_check(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	const char *why;

	if (stat(dir, &st) != 0)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	else
		return 0;
	snprintf(err, errlen, "--fixtures: %s is not a folder (%s); name one "
	    "with --fixtures DIR or TMTMOCK_FIXTURES=DIR, or leave both unset "
	    "for the built-in fixtures", dir, why);
	return -1;
}

/* SIGHUP, as after log rotation: the --journal file is opened again (the
 * log is stderr, which the mock cannot reopen). It used to kill the mock. */
static void
on_hup(evutil_socket_t sig, short events, void *arg)
{
	(void)sig, (void)events, (void)arg;
	journal_reopen();
}

/*
 * Beyond loopback without --admin-token, the only guard of /_mock/ is the
 * peer's address, and a dedicated --admin-listen has none: refuse to start
 * unless --admin-open says this is meant (docs/hardening.md).
 */
static int
admin_guard_check(void)
{
	const char *open_to = NULL;

	if (conf.c_admin_token != NULL)
		return 0;
	if (!file_host_loopback(conf.c_listen_host))
		open_to = conf.c_listen_host;
	else if (conf.c_tls_listen_host != NULL &&
	    !file_host_loopback(conf.c_tls_listen_host))
		open_to = conf.c_tls_listen_host;
	else if (conf.c_admin_host != NULL &&
	    !file_host_loopback(conf.c_admin_host))
		open_to = conf.c_admin_host;
	if (open_to == NULL)
		return 0;
	if (!conf.c_admin_open) {
		fprintf(stderr, "tmtmock: listening on %s, beyond loopback, "
		    "without --admin-token would leave the admin API (/_mock/: "
		    "reset, faults, accounts, clock) guarded by the peer's "
		    "address alone: give --admin-token TOKEN, or --admin-open "
		    "to accept that\n", open_to);
		return -1;
	}
	log_warnx("listening on %s without --admin-token (--admin-open): the "
	    "admin API answers loopback peers%s with no token", open_to,
	    conf.c_admin_host != NULL ? " and every peer of --admin-listen" : "");
	return 0;
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct event_config *cfg;
	struct event *ev_int, *ev_term, *ev_hup;
	char err[1024];
	uint64_t seed;
	size_t i;
	int rc;

	/* Modes that are not the server: before its options are parsed. */
	if (argc >= 2 && strcmp(argv[1], "sign") == 0)
		return sign_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "--health") == 0)
		return health_main(argc - 1, argv + 1);
	if ((rc = conf_parse(argc, argv)) != 0)
		return rc == 1 ? 0 : 2;
	log_init();
	log_verbose = conf.c_verbose;
	if (admin_guard_check() != 0)
		return 2;
	log_access_format = conf.c_log_format != LOG_OFF ? conf.c_log_format :
	    conf.c_verbose > 0 ? LOG_TEXT : LOG_OFF;
	if (conf.c_seeded)
		seed = conf.c_seed;
	else if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		seed = (uint64_t)time(NULL);
	conf.c_rng_seed = seed;
	rng_seed(seed);
	cred_env_init();
	if (fixtures_dir_check(conf.c_fixtures, err, sizeof err) != 0 ||
	    cred_load(conf.c_fixtures, err, sizeof err) != 0 ||
	    xlate_load(conf.c_fixtures, err, sizeof err) != 0 ||
	    image_load(conf.c_fixtures, err, sizeof err) != 0 ||
	    upstream_init(err, sizeof err) != 0 ||
	    journal_init(conf.c_journal_size, conf.c_journal, err, sizeof err) != 0) {
		fprintf(stderr, "tmtmock: %s\n", err);
		return 2;
	}
	for (i = 0; i < conf.c_nfaults; i++)
		if (fault_load_file(conf.c_faults[i], err, sizeof err) != 0) {
			fprintf(stderr, "tmtmock: --faults: %s\n", err);
			return 2;
		}
	if (tls_init(err, sizeof err) != 0) {
		fprintf(stderr, "tmtmock: %s\n", err);
		return 2;
	}

	signal(SIGPIPE, SIG_IGN);
	/* A file size limit makes the --journal write fail (EFBIG, reported),
	 * not kill the mock. */
	signal(SIGXFSZ, SIG_IGN);
	/* epoll's changelist folds the event changes of a connection
	 * into at most one epoll_ctl (docs/performance.md); the precise timer
	 * (CLOCK_MONOTONIC, not _COARSE) ends a delay never before it is due. */
	if ((cfg = event_config_new()) == NULL ||
	    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST |
	    EVENT_BASE_FLAG_PRECISE_TIMER) != 0 ||
	    (base = event_base_new_with_config(cfg)) == NULL)
		fatalx("cannot create the event loop");
	event_config_free(cfg);
	ev_int = evsignal_new(base, SIGINT, on_signal, base);
	ev_term = evsignal_new(base, SIGTERM, on_signal, base);
	ev_hup = evsignal_new(base, SIGHUP, on_hup, NULL);
	event_add(ev_int, NULL);
	event_add(ev_term, NULL);
	event_add(ev_hup, NULL);
	/* The https lines after the http ones: the harness reads those first. */
	if (front_start(base, conf.c_listen_host, conf.c_listen_port, err,
	    sizeof err) != 0 ||
	    (conf.c_tls_listen_host != NULL && front_start_tls(base,
	    conf.c_tls_listen_host, conf.c_tls_listen_port, err, sizeof err) != 0) ||
	    (conf.c_admin_host != NULL && front_start_admin(base,
	    conf.c_admin_host, conf.c_admin_port, err, sizeof err) != 0)) {
		fprintf(stderr, "tmtmock: %s\n", err);
		rc = 1;
		goto out;
	}
	if (health_ready_write(err, sizeof err) != 0) {
		fprintf(stderr, "tmtmock: %s\n", err);
		rc = 2;
		goto out;
	}
	admin_init(base);
	file_init(base);
	event_base_dispatch(base);
	rc = 0;
out:
	health_ready_remove();
	/* Before the front frees what it holds: calls in flight end first,
	 * each calling its request back. */
	upstream_abort();
	front_stop();
	tls_clear();
	file_clear();	/* its timer and callback connections live on base */
	event_free(ev_int);
	event_free(ev_term);
	event_free(ev_hup);
	event_base_free(base);
	cred_clear();
	cred_env_clear();
	xlate_clear();
	upstream_clear();
	pipeline_clear();
	image_clear();
	speech_clear();
	limit_clear();
	fault_clear();
	journal_close();
	metrics_clear();
	verify_clear();
	/* sig_tc3's cached MAC contexts come from crypto.c's algorithm:
	 * freed first (crypto.c does not call up into it). */
	sig_tc3_clear();
	crypto_clear();
	for (i = 0; i < conf.c_nfaults; i++)
		free(conf.c_faults[i]);
	free(conf.c_faults);
	free(conf.c_journal);
	free(conf.c_admin_host);
	free(conf.c_admin_token);
	free(conf.c_listen_host);
	free(conf.c_fixtures);
	free(conf.c_tls_listen_host);
	free(conf.c_tls_cert);
	free(conf.c_tls_key);
	free(conf.c_tls_ca_out);
	free(conf.c_api_date);
	free(conf.c_ready_file);
	free(conf.c_translations);
	free(conf.c_translations_strict);
	free(conf.c_upstream);
	free(conf.c_upstream_ca);
	free(conf.c_record);
	free(conf.c_replay);
	free(conf.c_replay_miss);
	return rc;
}
