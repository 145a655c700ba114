/*
 * front.c: the listeners and the routing. Each listener (the API, HTTPS,
 * --admin-listen) accepts on every address of its name (listen.c) and
 * gives each connection to conn.c; each whole request comes back here as a
 * struct req and goes to the admin API (/_mock/) or the pipeline, and its
 * outcome to deliver.c. SIGTERM's drain and the accept back-off on EMFILE
 * are here too (docs/hardening.md).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "tmtmock.h"

/* listen(2) backlog; the kernel caps it at net.core.somaxconn. */
#define FRONT_BACKLOG 4096
/* When accept() finds no descriptor, the listener rests this long rather
 * than spin on the connection the kernel still holds for it. */
#define ACCEPT_PAUSE_MS 250

enum listener_kind { LK_API, LK_TLS, LK_ADMIN };

/* Every listener, so SIGTERM can close them (front_drain). */
static struct listener {
	enum listener_kind	 l_kind;
	struct evconnlistener	*l_lev;
	struct event		*l_pause;	/* accept() rests */
} listeners[3 * LISTEN_MAX_ADDRS];
static size_t nlisteners;
static struct event *grace_timer;	/* SIGTERM's --shutdown-grace */
static struct event_base *front_base;

/* A request forwarded to --upstream, waiting for its answer: the request
 * and outcome stay here, untouched, as pipeline_start asks; the connection
 * record is held (the client may leave meanwhile, deliver() copes). */
struct forwarded {
	struct conn	*f_conn;
	struct req	 f_req;
	struct outcome	 f_out;
	long long	 f_t0_us;
};

static void
front_forwarded(struct outcome *o, void *arg)
{
	struct forwarded *f = arg;

	deliver(f->f_conn, &f->f_req, o, f->f_t0_us);
	conn_release(f->f_conn);
	free(f);
}

/* The pipeline, without standing the loop still while an upstream answers:
 * only with --upstream can a request finish later, so only then does it
 * move to the heap; every other request is answered at once. */
static void
front_pipeline(struct conn *c, struct req *r, long long t0_us)
{
	struct forwarded *f;
	struct outcome o;

	if (conf.c_upstream == NULL) {
		pipeline_run(r, &o);
		deliver(c, r, &o, t0_us);
		return;
	}
	f = xcalloc(1, sizeof *f);
	f->f_conn = c;
	conn_hold(c);
	f->f_req = *r;		/* takes r's arena */
	memset(r, 0, sizeof *r);
	f->f_t0_us = t0_us;
	if (pipeline_start(&f->f_req, &f->f_out, front_base, front_forwarded, f))
		front_forwarded(&f->f_out, f);
}

/* A request whole off the wire: /_mock/ to the admin API, the rest to the
 * pipeline; on --admin-listen only /_mock/ is served. */
static void
front_request(struct conn *c, struct req *r, void *arg)
{
	static const char not_here[] = "404 Not Found: only /_mock/ is served here\n";
	struct listener *l = arg;
	struct outcome o;
	long long t0 = deliver_now_us();
	bool admin_only = l->l_kind == LK_ADMIN;

	if (strncmp(r->r_path, "/_mock/", 7) == 0) {
		admin_handle(r, admin_only, &o);
		deliver_plain(c, r, o.o_http_status, o.o_content_type,
		    o.o_body, o.o_body_len, false);
		outcome_free(&o);
		req_free(r);
		return;
	}
	if (admin_only) {
		deliver_plain(c, r, 404, "text/plain; charset=utf-8", not_here,
		    sizeof not_here - 1, false);
		req_free(r);
		return;
	}
	front_pipeline(c, r, t0);
}

static void
front_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener *l = arg;

	(void)lev, (void)sa, (void)salen;
	conn_accept(front_base, fd, l->l_kind == LK_TLS, front_request, l);
}

static void
accept_resume(evutil_socket_t fd, short events, void *arg)
{
	(void)fd, (void)events;
	evconnlistener_enable(arg);
}

/*
 * accept() failed. Out of descriptors (EMFILE, ENFILE) or memory, the
 * connection stays queued and the listener would be called again at once,
 * for ever, at full CPU, with a warning each time: it rests ACCEPT_PAUSE_MS
 * instead (connections wait in the backlog), and the warning is said once
 * (log.c thins repeats). Other errors are libevent's to retry.
 */
static void
accept_error(struct evconnlistener *lev, void *arg)
{
	struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };
	struct listener *l = arg;
	int e = EVUTIL_SOCKET_ERROR();

	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM)
		return;
	evconnlistener_disable(lev);
	event_add(l->l_pause, &tv);
	metrics_hard(HC_ACCEPT_PAUSES, 1);
	log_warnx("cannot accept a connection: %s; new connections wait "
	    "(--max-connections %lld, %lld open)", strerror(e),
	    conn_budget(conf.c_max_connections), conn_count());
}

/* One listener on every address of host (listen.c). */
static int
front_listen(struct event_base *base, const char *host, int port,
    enum listener_kind kind, char *err, size_t errlen)
{
	const char *scheme = kind == LK_TLS ? "https" : "http";
	const char *opt = kind == LK_ADMIN ? "admin-listen" : kind == LK_TLS ?
	    "tls-listen" : "listen";
	struct sockaddr_storage bound[LISTEN_MAX_ADDRS];
	struct listener *l;
	int fds[LISTEN_MAX_ADDRS];
	char url[INET6_ADDRSTRLEN + 32];
	size_t i, nfds;

	front_base = base;
	conn_budget(conf.c_max_connections);
	if (listen_open(opt, host, port, scheme, FRONT_BACKLOG, fds, bound,
	    LISTEN_MAX_ADDRS, &nfds, err, errlen) != 0)
		return -1;
	for (i = 0; i < nfds; i++) {
		if (nlisteners == sizeof listeners / sizeof listeners[0]) {
			close(fds[i]);
			continue;
		}
		l = &listeners[nlisteners];
		l->l_kind = kind;
		/* Listening already (backlog 0: libevent does not listen()). */
		if ((l->l_lev = evconnlistener_new(base, front_accept, l,
		    LEV_OPT_CLOSE_ON_FREE, 0, fds[i])) == NULL) {
			snprintf(err, errlen, "cannot accept on %s://%s:%d",
			    scheme, host, port);
			while (i < nfds)
				close(fds[i++]);
			return -1;
		}
		l->l_pause = evtimer_new(base, accept_resume, l->l_lev);
		evconnlistener_set_error_cb(l->l_lev, accept_error);
		nlisteners++;
		listen_format(&bound[i], scheme, url, sizeof url);
		printf("listening on %s%s\n", url, kind == LK_ADMIN ? " (admin)" : "");
	}
	fflush(stdout);
	return 0;
}

int
front_start(struct event_base *base, const char *host, int port, char *err,
    size_t errlen)
{
	return front_listen(base, host, port, LK_API, err, errlen);
}

int
front_start_tls(struct event_base *base, const char *host, int port,
    char *err, size_t errlen)
{
	return front_listen(base, host, port, LK_TLS, err, errlen);
}

int
front_start_admin(struct event_base *base, const char *host, int port,
    char *err, size_t errlen)
{
	return front_listen(base, host, port, LK_ADMIN, err, errlen);
}

static void
close_listeners(void)
{
	size_t i;

	for (i = 0; i < nlisteners; i++) {
		event_free(listeners[i].l_pause);
		evconnlistener_free(listeners[i].l_lev);
	}
	nlisteners = 0;
}

/* --shutdown-grace is over: what is still in flight is cut off. */
static void
grace_over(evutil_socket_t fd, short events, void *arg)
{
	(void)fd, (void)events, (void)arg;
	log_warnx("stopping: %lld answer%s still in flight after "
	    "--shutdown-grace %llds: closing", conn_inflight(),
	    conn_inflight() == 1 ? "" : "s", conf.c_shutdown_grace);
	event_base_loopexit(front_base, NULL);
}

/*
 * SIGTERM: the listeners close (new connections are refused), idle
 * connections close, answers in flight (delayed and dribbled ones too) are
 * finished, each with "Connection: close", for --shutdown-grace at most,
 * then the loop ends. 0: nothing was in flight, the caller may stop now.
 */
int
front_drain(void)
{
	struct timeval tv = { 0, 0 };
	long long n;

	close_listeners();
	if ((n = conn_drain()) <= 0)
		return 0;
	log_info("stopping: finishing %lld answer%s in flight (at most %llds)",
	    n, n == 1 ? "" : "s", conf.c_shutdown_grace);
	/* A client that never reads its answer must not hold the stop up. */
	tv.tv_sec = (time_t)conf.c_shutdown_grace;
	if ((grace_timer = evtimer_new(front_base, grace_over, NULL)) == NULL ||
	    event_add(grace_timer, &tv) != 0)
		return 0;
	return 1;
}

void
front_stop(void)
{
	if (grace_timer != NULL)
		event_free(grace_timer);
	grace_timer = NULL;
	close_listeners();
	deliver_stop();
	conn_close_all();
}
