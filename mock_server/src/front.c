/*
 * front.c: the evhttp listener. It turns each evhttp request into a plain
 * struct req, hands it to the pipeline and writes the outcome back; nothing
 * past this file sees a libevent type.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "tmtmock.h"

/* Descriptors kept free of connections (--max-connections): listeners,
 * the journal, fixture files, file task callbacks, stdio. */
#define FRONT_FD_RESERVE 64
/* listen(2) backlog; the kernel caps it at net.core.somaxconn. */
#define FRONT_BACKLOG 4096
/* When accept() finds no descriptor, the listener rests this long rather
 * than spin on the connection the kernel still holds for it. */
#define ACCEPT_PAUSE_MS 250

static struct evhttp *front_http, *front_https, *front_admin;

static const struct {
	enum evhttp_cmd_type	 cmd;
	const char		*name;
} methods[] = {
	{ EVHTTP_REQ_GET, "GET" }, { EVHTTP_REQ_POST, "POST" },
	{ EVHTTP_REQ_HEAD, "HEAD" }, { EVHTTP_REQ_PUT, "PUT" },
	{ EVHTTP_REQ_DELETE, "DELETE" }, { EVHTTP_REQ_OPTIONS, "OPTIONS" },
	{ EVHTTP_REQ_TRACE, "TRACE" }, { EVHTTP_REQ_CONNECT, "CONNECT" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
};

/* Appends s[0..n) and a NUL at *at; returns where it went. */
static char *
arena_put(char **at, const char *s, size_t n)
{
	char *p = *at;

	memcpy(p, s, n);
	p[n] = '\0';
	*at += n + 1;
	return p;
}

/*
 * The request as a plain struct, in one allocation (r_arena): its header
 * array, strings and body. A request used to cost some thirty small
 * allocations here alone.
 */
static void
req_from_evhttp(struct evhttp_request *er, struct req *r)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(er);
	struct evbuffer *in = evhttp_request_get_input_buffer(er);
	struct evhttp_connection *evcon = evhttp_request_get_connection(er);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(er);
	struct evkeyval *kv;
	const char *uri = evhttp_request_get_uri(er), *q, *method = "UNKNOWN";
	const char *peer;
	char *addr = NULL, *at, port_s[8];
	ev_uint16_t port = 0;
	size_t i, n = 0, need, uri_len = strlen(uri), path_len, query_len;
	size_t addr_len, port_len;

	memset(r, 0, sizeof *r);
	r->r_method = RM_OTHER;
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (methods[i].cmd == cmd) {
			method = methods[i].name;
			if (cmd == EVHTTP_REQ_GET)
				r->r_method = RM_GET;
			else if (cmd == EVHTTP_REQ_POST)
				r->r_method = RM_POST;
		}
	/* The raw query, exactly as sent: TC3 signs it verbatim. */
	q = strchr(uri, '?');
	path_len = q != NULL ? (size_t)(q - uri) : uri_len;
	query_len = q != NULL ? strcspn(q + 1, "#") : 0;
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	peer = addr != NULL ? addr : "?";
	addr_len = strlen(peer);
	port_len = (size_t)snprintf(port_s, sizeof port_s, "%u", port);
	r->r_body_len = evbuffer_get_length(in);

	/* keyvalq_struct.h gives the list's fields, not sys/queue.h's macros. */
	need = strlen(method) + 1 + uri_len + 1 + path_len + 1 + query_len + 1 +
	    addr_len + 1 + port_len + 1 + r->r_body_len + 1;
	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		need += strlen(kv->key) + 1 + strlen(kv->value) + 1;
		n++;
	}
	need += n * sizeof *r->r_hdrs;
	r->r_arena = xmalloc(need);
	r->r_hdrs = r->r_arena;		/* first: aligned for its pointers */
	at = (char *)r->r_arena + n * sizeof *r->r_hdrs;
	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		r->r_hdrs[r->r_nhdrs].k = arena_put(&at, kv->key, strlen(kv->key));
		r->r_hdrs[r->r_nhdrs].v = arena_put(&at, kv->value,
		    strlen(kv->value));
		r->r_nhdrs++;
	}
	r->r_method_name = arena_put(&at, method, strlen(method));
	r->r_uri = arena_put(&at, uri, uri_len);
	r->r_path = arena_put(&at, uri, path_len);
	r->r_query = arena_put(&at, q != NULL ? q + 1 : "", query_len);
	r->r_peer = arena_put(&at, peer, addr_len);
	r->r_peer[addr_len] = ':';
	memcpy(r->r_peer + addr_len + 1, port_s, port_len + 1);
	at += port_len + 1;
	r->r_body = (unsigned char *)at;
	evbuffer_copyout(in, r->r_body, r->r_body_len);
	r->r_body[r->r_body_len] = '\0';
	r->r_body_kind = req_body_kind(req_header(r, "Content-Type"));
}

/*
 * A TCP connection as the journal, the transport faults and the limits see
 * it. Made when evhttp accepts it (front_bev), keyed by its bufferevent; it
 * learns its evhttp connection on the next loop turn (conn_accepted) or at
 * its first request, whichever comes first. The record lives until libevent
 * closes the connection (closecb) and no timer still refers to it: c_evcon
 * is NULL before it is known and once closed, c_gone once closed.
 */
struct conn {
	uint64_t		 c_id;
	struct bufferevent	*c_bev;		/* the key of conns[] */
	struct evhttp_connection *c_evcon;
	struct dribble		*c_dribble;	/* a slow body being sent */
	struct evhttp_request	*c_started;	/* a reply begun, not ended */
	int			 c_refs;	/* timers that hold it */
	bool			 c_rst;		/* kill_now aborts it (RST) */
	/* Limits: --max-connections, --idle-timeout, --read-timeout. */
	bool			 c_counted;	/* in front_nconns */
	bool			 c_refused;	/* over --max-connections: closed */
	bool			 c_gone;	/* closed, unlinked */
	int			 c_busy;	/* requests whose answer is not sent */
	struct event		*c_timer;	/* the idle and read deadlines */
	struct evbuffer_cb_entry *c_in_cb;	/* sees a request's first byte */
	long long		 c_last_ms;	/* accepted, or last answer sent */
	long long		 c_reading_ms;	/* a request's first byte; 0: none */
	long long		 c_fire_ms;	/* when c_timer fires */
	bool			 c_timer_waits;	/* it fired while an answer was out */
	long long		 c_write_ms;	/* an answer handed over; 0: none */
	struct conn		*c_next;
};

/* A reply on its way: delayed, dribbled, or cut. */
struct pending {
	struct evhttp_request	*p_er;
	struct req		 p_req;
	struct outcome		 p_out;
	struct conn		*p_conn;
	long long		 p_t0_us;
	struct event		*p_timer;
	struct pending		*p_next;	/* the list of delayed replies */
};

struct dribble {
	struct pending		*d_p;
	size_t			 d_sent;
	size_t			 d_step;
	struct event		*d_timer;
	struct timeval		 d_every;
};

#define CONN_BUCKETS 1024
/* slow_body sends the body in this many pieces over its delay. */
#define DRIBBLE_PIECES 10
#define DRIBBLE_DEFAULT_MS 2000

static struct conn *conns[CONN_BUCKETS];
static uint64_t next_conn_id = 1;
static struct pending *delayed;
static struct event_base *front_base;

/* Every listener, so SIGTERM can close them (front_drain). */
static struct {
	struct evhttp			*l_http;
	struct evhttp_bound_socket	*l_bs;
	struct evconnlistener		*l_lev;		/* evhttp's, inside l_bs */
	struct event			*l_pause;	/* accept() rests */
} listeners[3 * LISTEN_MAX_ADDRS];
static size_t nlisteners;
static int own_ports[3];		/* every port listened on, for CallbackUrls */
static size_t nown_ports;
static struct event *grace_timer;	/* SIGTERM's --shutdown-grace */
static long long front_max_conns;	/* --max-connections, within RLIMIT_NOFILE */
static long long front_nconns;		/* open connections, counted */
static long long front_inflight;	/* requests whose answer is not sent */
static bool front_draining;		/* SIGTERM: finishing what is in flight */

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t
conn_hash(const void *p)
{
	return ((uintptr_t)p >> 4) % CONN_BUCKETS;
}

static long long
now_ms(void)
{
	return now_us() / 1000;
}

static void
conn_release(struct conn *c)
{
	if (--c->c_refs == 0 && c->c_evcon == NULL)
		free(c);
}

/* After SIGTERM: the loop ends once no answer is in flight. */
static void
drain_check(void)
{
	if (front_draining && front_inflight <= 0)
		event_base_loopexit(front_base, NULL);
}

static struct conn *
conn_find(struct bufferevent *bev)
{
	struct conn *c;

	for (c = conns[conn_hash(bev)]; c != NULL; c = c->c_next)
		if (c->c_bev == bev)
			return c;
	return NULL;
}

/* The connection is closed: out of the table, the counts and the timers. */
static void
conn_unlink(struct conn *c)
{
	struct conn **pp;

	if (c->c_gone)
		return;
	c->c_gone = true;
	for (pp = &conns[conn_hash(c->c_bev)]; *pp != NULL; pp = &(*pp)->c_next)
		if (*pp == c) {
			*pp = c->c_next;
			break;
		}
	if (c->c_counted)
		front_nconns--;
	c->c_counted = false;
	front_inflight -= c->c_busy;
	c->c_busy = 0;
	if (c->c_timer != NULL)
		event_free(c->c_timer);
	c->c_timer = NULL;
	if (c->c_in_cb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->c_bev), c->c_in_cb);
	c->c_in_cb = NULL;
	drain_check();
}

static void
conn_arm(struct conn *c, long long ms)
{
	struct timeval tv;

	if (ms < 1)
		ms = 1;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	c->c_fire_ms = now_ms() + ms;
	event_add(c->c_timer, &tv);
}

/*
 * The deadlines of a connection: --read-timeout from the first byte of a
 * request to its last (a client sending a byte a second is cut off), and
 * --idle-timeout from the last answer (or the accept) to the next request's
 * first byte. Nothing while an answer is in flight (a delay may be long):
 * a timer that fires then waits for reply_sent. The timer is re-armed only
 * when it fires, or when a request starts and the read deadline comes
 * before it: no timer work on most requests.
 */
static void
conn_timer(evutil_socket_t fd, short events, void *arg)
{
	struct conn *c = arg;
	long long now = now_ms(), due = 0, period;

	(void)fd, (void)events;
	if (c->c_evcon == NULL)
		return;
	if (c->c_busy > 0) {
		c->c_timer_waits = true;	/* reply_sent arms it again */
		if (c->c_write_ms == 0 || conf.c_write_timeout <= 0)
			return;
		/* An answer handed over and not read: --write-timeout. */
		due = c->c_write_ms + conf.c_write_timeout * 1000;
		if (due > now) {
			conn_arm(c, due - now);
			return;
		}
		log_debug("closing connection %llu: write timeout (its answer "
		    "was not read in %llds)", (unsigned long long)c->c_id,
		    conf.c_write_timeout);
		metrics_hard(HC_WRITE_TIMEOUTS, 1);
		evhttp_connection_free(c->c_evcon);
		return;
	}
	if (c->c_reading_ms != 0 && conf.c_read_timeout > 0)
		due = c->c_reading_ms + conf.c_read_timeout * 1000;
	else if (c->c_reading_ms == 0 && conf.c_idle_timeout > 0)
		due = c->c_last_ms + conf.c_idle_timeout * 1000;
	if (due != 0 && due <= now) {
		log_debug("closing connection %llu: %s timeout",
		    (unsigned long long)c->c_id, c->c_reading_ms != 0 ?
		    "read" : "idle");
		/* The closecb frees this timer: nothing touches c after. */
		evhttp_connection_free(c->c_evcon);
		return;
	}
	period = (conf.c_idle_timeout > conf.c_read_timeout ?
	    conf.c_idle_timeout : conf.c_read_timeout) * 1000;
	/* With only --write-timeout, the answer's hand-over arms it. */
	if (due != 0 || period > 0)
		conn_arm(c, due != 0 ? due - now : period);
}

/*
 * An answer was handed to evhttp: unless it is on the wire already
 * (reply_sent cleared c_write_ms), its --write-timeout starts. A client
 * that never reads would otherwise hold the answer's memory and its
 * descriptor for as long as it liked.
 */
static void
conn_writing(struct conn *c)
{
	if (c == NULL || c->c_gone || c->c_write_ms == 0 ||
	    conf.c_write_timeout <= 0 || c->c_timer == NULL)
		return;
	if (!event_pending(c->c_timer, EV_TIMEOUT, NULL) ||
	    c->c_fire_ms > c->c_write_ms + conf.c_write_timeout * 1000)
		conn_arm(c, conf.c_write_timeout * 1000);
}

/* Bytes came in: the first of a request starts its read deadline. */
static void
conn_input(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;

	(void)b;
	if (info->n_added == 0 || c->c_reading_ms != 0)
		return;
	c->c_reading_ms = now_ms();
	if (conf.c_read_timeout > 0 && c->c_timer != NULL &&
	    c->c_fire_ms > c->c_reading_ms + conf.c_read_timeout * 1000)
		conn_arm(c, conf.c_read_timeout * 1000);
}

/* The answer to one request is written whole (evhttp's on_complete). */
static void
reply_sent(struct evhttp_request *er, void *arg)
{
	struct conn *c = arg;

	(void)er;
	if (c->c_busy > 0) {
		c->c_busy--;
		front_inflight--;
	}
	if (c->c_busy == 0)
		c->c_write_ms = 0;
	c->c_last_ms = now_ms();
	if (c->c_busy == 0 && c->c_timer_waits && c->c_timer != NULL) {
		c->c_timer_waits = false;
		conn_arm(c, conf.c_idle_timeout > 0 ? conf.c_idle_timeout * 1000 :
		    conf.c_read_timeout * 1000);
	}
	drain_check();
}

static void dribble_free(struct dribble *);

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn *c = arg;

	(void)evcon;
	/* A dribbled reply dies with its connection (libevent frees it). */
	if (c->c_dribble != NULL)
		dribble_free(c->c_dribble);
	/* A reply begun but not ended (truncate, slow_body) goes with the
	 * connection, unless the failure that closed it detached the request
	 * first: libevent then leaves the request to us. */
	if (c->c_started != NULL && evhttp_request_get_connection(c->c_started) == NULL)
		evhttp_request_free(c->c_started);
	c->c_started = NULL;
	conn_unlink(c);
	c->c_evcon = NULL;
	/* Timers that still hold it find it closed, and the last frees it. */
	c->c_refs++;
	conn_release(c);
}

static struct conn *
conn_of(struct evhttp_request *er)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(er);
	struct bufferevent *bev;
	struct conn *c;
	size_t h;

	if (evcon == NULL)
		return NULL;
	bev = evhttp_connection_get_bufferevent(evcon);
	if ((c = conn_find(bev)) != NULL) {
		if (c->c_evcon == NULL) {	/* before conn_accepted */
			c->c_evcon = evcon;
			evhttp_connection_set_closecb(evcon, conn_closed, c);
		}
		return c;
	}
	/* Not seen by front_bev (cannot happen with our listeners). */
	h = conn_hash(bev);
	c = xcalloc(1, sizeof *c);
	c->c_id = next_conn_id++;
	c->c_bev = bev;
	c->c_evcon = evcon;
	c->c_last_ms = now_ms();
	c->c_next = conns[h];
	conns[h] = c;
	evhttp_connection_set_closecb(evcon, conn_closed, c);
	return c;
}

/*
 * The turn after evhttp accepted a connection: its evhttp connection is
 * the argument of the callbacks evhttp set on the bufferevent (NULL if it
 * was closed meanwhile: bufferevent_free clears them; our reference kept
 * the bufferevent itself). Over --max-connections it is closed now (a FIN,
 * before any answer); otherwise its deadlines start.
 */
static void
conn_accepted(evutil_socket_t fd, short events, void *arg)
{
	struct conn *c = arg;
	struct bufferevent *bev = c->c_bev;
	bufferevent_data_cb rd, wr;
	bufferevent_event_cb ev;
	void *cbarg = NULL;

	(void)fd, (void)events;
	if (!c->c_gone && c->c_evcon == NULL) {
		bufferevent_getcb(bev, &rd, &wr, &ev, &cbarg);
		if (cbarg == NULL || evhttp_connection_get_bufferevent(cbarg) != bev)
			conn_unlink(c);		/* closed before this turn */
		else {
			c->c_evcon = cbarg;
			evhttp_connection_set_closecb(c->c_evcon, conn_closed, c);
		}
	}
	if (!c->c_gone && c->c_refused) {
		log_debug("closing connection %llu: --max-connections %lld reached",
		    (unsigned long long)c->c_id, front_max_conns);
		evhttp_connection_free(c->c_evcon);	/* closecb unlinks it */
	} else if (!c->c_gone && (conf.c_idle_timeout > 0 ||
	    conf.c_read_timeout > 0 || conf.c_write_timeout > 0)) {
		c->c_timer = evtimer_new(front_base, conn_timer, c);
		c->c_in_cb = evbuffer_add_cb(bufferevent_get_input(bev), conn_input, c);
		if (evbuffer_get_length(bufferevent_get_input(bev)) > 0 &&
		    c->c_reading_ms == 0 && c->c_busy == 0)
			c->c_reading_ms = now_ms();
		if (c->c_write_ms != 0)
			conn_writing(c);
		else if (conf.c_idle_timeout > 0 || conf.c_read_timeout > 0)
			conn_arm(c, c->c_reading_ms != 0 &&
			    conf.c_read_timeout > 0 ? conf.c_read_timeout * 1000 :
			    conf.c_idle_timeout > 0 ? conf.c_idle_timeout * 1000 :
			    conf.c_read_timeout * 1000);
	}
	conn_release(c);
	bufferevent_decref(bev);
}

/*
 * evhttp's bufferevent callback: every accepted connection passes here
 * first, which is where it is counted (plain or, with arg, HTTPS).
 */
static struct bufferevent *
front_bev(struct event_base *base, void *arg)
{
	struct bufferevent *bev;
	struct timeval zero = { 0, 0 };
	struct conn *c;
	size_t h;

	bev = arg != NULL ? tls_bev_new(base, NULL) :
	    bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->c_id = next_conn_id++;
	c->c_bev = bev;
	c->c_last_ms = now_ms();
	if (front_nconns >= front_max_conns || front_draining)
		c->c_refused = true;
	else {
		c->c_counted = true;
		front_nconns++;
	}
	h = conn_hash(bev);
	c->c_next = conns[h];
	conns[h] = c;
	c->c_refs = 1;
	bufferevent_incref(bev);
	if (event_base_once(base, -1, EV_TIMEOUT, conn_accepted, c, &zero) != 0) {
		log_warnx("cannot watch a new connection");
		bufferevent_decref(bev);
		c->c_refs--;
	}
	return bev;
}

/*
 * Aborts the connection now: evhttp_connection_free shuts the socket down
 * for writing (a FIN) before it closes it, so an RST left to it would come
 * after a FIN and the client would read a clean EOF. A fresh unconnected
 * socket takes the descriptor's place instead: dup2 closes the connection
 * (SO_LINGER 0: an RST, no FIN) and libevent's shutdown and close then act
 * on the stand-in.
 */
static void
sock_abort(evutil_socket_t fd)
{
	struct linger lg = { 1, 0 };
	int stand_in;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	if ((stand_in = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		log_warnx("cannot reset a connection: no socket for the stand-in");
		return;
	}
	if (dup2(stand_in, fd) < 0)
		log_warnx("cannot reset a connection: dup2 failed");
	close(stand_in);
}

static void
kill_now(evutil_socket_t fd, short events, void *arg)
{
	struct conn *c = arg;

	(void)fd, (void)events;
	if (c->c_evcon != NULL) {
		if (c->c_rst)
			sock_abort(bufferevent_getfd(
			    evhttp_connection_get_bufferevent(c->c_evcon)));
		evhttp_connection_free(c->c_evcon);
	}
	conn_release(c);
}

/*
 * Drops the connection with a FIN, or with an RST (sock_abort). Deferred
 * to the next loop turn: libevent is still inside this connection's
 * callbacks when a fault decides to kill it.
 */
static void
conn_kill(struct conn *c, bool rst)
{
	struct timeval zero = { 0, 0 };

	if (c == NULL || c->c_evcon == NULL)
		return;
	c->c_rst = rst;
	c->c_refs++;
	if (event_base_once(front_base, -1, EV_TIMEOUT, kill_now, c, &zero) != 0) {
		c->c_refs--;
		log_warnx("cannot schedule a connection drop");
	}
}

static void
pending_free(struct pending *p)
{
	if (p->p_timer != NULL)
		event_free(p->p_timer);
	if (p->p_conn != NULL)
		conn_release(p->p_conn);
	outcome_free(&p->p_out);
	req_free(&p->p_req);
	free(p);
}

static void
record(struct pending *p)
{
	long long lat = now_us() - p->p_t0_us;

	journal_record(&p->p_req, &p->p_out, p->p_conn != NULL ? p->p_conn->c_id : 0,
	    lat);
	/* A transport fault is what the client got, whatever the body said. */
	metrics_count(p->p_out.o_action, p->p_out.o_inj.i_fault != FK_NONE ?
	    fault_name(p->p_out.o_inj.i_fault) : p->p_out.o_error_code, lat);
	log_access(&p->p_req, &p->p_out, lat);
}

/* After SIGTERM every answer ends its connection, those in flight then too
 * (docs/hardening.md). */
static void
close_if_draining(struct evhttp_request *er)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(er);

	if (front_draining && evhttp_find_header(h, "Connection") == NULL)
		evhttp_add_header(h, "Connection", "close");
}

static void
add_headers(struct evhttp_request *er, const struct outcome *o, bool length)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(er);
	char n[32], date[64];

	evhttp_add_header(h, "Content-Type", o->o_content_type);
	/* The mock clock's time: a client that corrects its skew from the
	 * Date header must see the clock the timestamps are checked against. */
	evhttp_add_header(h, "Date", clock_http_date(date));
	if (o->o_http_status == 414)
		evhttp_add_header(h, "Connection", "close");
	close_if_draining(er);
	if (length) {
		snprintf(n, sizeof n, "%zu", o->o_body_len);
		evhttp_add_header(h, "Content-Length", n);
	}
}

/*
 * Sends a whole answer. A HEAD request gets the headers alone, with the
 * Content-Length its GET would have had: evhttp would send the body and
 * leave the length out, and a kept-alive client would read that body as
 * the start of its next answer.
 */
static void
send_answer(struct evhttp_request *er, int status, const char *body,
    size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(er);
	struct evbuffer *b = evbuffer_new();
	char n[32];

	close_if_draining(er);
	if (evhttp_request_get_command(er) == EVHTTP_REQ_HEAD) {
		snprintf(n, sizeof n, "%zu", len);
		evhttp_remove_header(h, "Content-Length");
		evhttp_add_header(h, "Content-Length", n);
	} else
		evbuffer_add(b, body, len);
	evhttp_send_reply(er, status, NULL, b);
	evbuffer_free(b);
}

/* A plain-text answer of the front itself (not Tencent's envelope). */
static void
send_text(struct evhttp_request *er, int status, const char *text, bool close)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(er);

	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	if (close)
		evhttp_add_header(h, "Connection", "close");
	send_answer(er, status, text, strlen(text));
}

static void
dribble_free(struct dribble *d)
{
	if (d->d_p->p_conn != NULL)
		d->d_p->p_conn->c_dribble = NULL;
	event_free(d->d_timer);
	pending_free(d->d_p);
	free(d);
}

static void
dribble_tick(evutil_socket_t fd, short events, void *arg)
{
	struct dribble *d = arg;
	struct pending *p = d->d_p;
	struct evbuffer *b = evbuffer_new();
	size_t n = p->p_out.o_body_len - d->d_sent;

	(void)fd, (void)events;
	if (n > d->d_step)
		n = d->d_step;
	evbuffer_add(b, p->p_out.o_body + d->d_sent, n);
	evhttp_send_reply_chunk(p->p_er, b);
	evbuffer_free(b);
	d->d_sent += n;
	if (d->d_sent < p->p_out.o_body_len) {
		event_add(d->d_timer, &d->d_every);
		return;
	}
	if (p->p_conn != NULL)
		p->p_conn->c_started = NULL;
	evhttp_send_reply_end(p->p_er);
	dribble_free(d);
}

static void
truncated(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	conn_kill(arg, false);
}

/*
 * evhttp writes an answer when epoll next says the socket is writable: an
 * epoll_ctl, an epoll_wait and another epoll_ctl after the answer was
 * ready. A plain socket is written at once instead, as libevent's own
 * write callback would (the output's start is frozen but while it writes);
 * once all is written, evhttp's write callback runs now, as it would have
 * then: it completes the request (the request is freed) and turns the
 * connection back to reading, so the write event it asked for is dropped
 * before epoll ever hears of it (the changelist, main.c). A short write
 * or an error is left to libevent as before; so is TLS.
 */
static void
write_now(struct bufferevent *bev)
{
	struct evbuffer *out;
	int n;

	if (bev == NULL || bufferevent_openssl_get_ssl(bev) != NULL ||
	    bufferevent_getfd(bev) < 0)
		return;
	out = bufferevent_get_output(bev);
	evbuffer_unfreeze(out, 1);
	n = evbuffer_write(out, bufferevent_getfd(bev));
	evbuffer_freeze(out, 1);
	if (n > 0 && evbuffer_get_length(out) == 0)
		bufferevent_trigger(bev, EV_WRITE, 0);
}

/* Writes the outcome, or does to the connection what its fault says. */
static void
deliver(struct pending *p)
{
	struct outcome *o = &p->p_out;
	struct evhttp_connection *evcon;
	struct evbuffer *b;
	struct dribble *d;
	long long ms;

	/* The client left while the answer was delayed: libevent detached the
	 * request from its connection, nothing can be sent, the request is ours. */
	if ((evcon = evhttp_request_get_connection(p->p_er)) == NULL) {
		record(p);
		evhttp_request_free(p->p_er);
		pending_free(p);
		return;
	}
	/* HEAD has no body to cut or dribble: it gets the headers. */
	if (evhttp_request_get_command(p->p_er) == EVHTTP_REQ_HEAD &&
	    (o->o_inj.i_fault == FK_TRUNCATE || o->o_inj.i_fault == FK_SLOW_BODY))
		o->o_inj.i_fault = FK_NONE;
	/* A plain answer is recorded once it is on the wire (below). */
	if (o->o_inj.i_fault == FK_RESET || o->o_inj.i_fault == FK_CLOSE ||
	    o->o_inj.i_fault == FK_TRUNCATE || o->o_inj.i_fault == FK_SLOW_BODY)
		record(p);
	switch (o->o_inj.i_fault) {
	case FK_RESET:
	case FK_CLOSE:
		conn_kill(p->p_conn, o->o_inj.i_fault == FK_RESET);
		break;
	case FK_TRUNCATE:
		/* The whole length announced, half the body sent, then FIN. */
		add_headers(p->p_er, o, true);
		evhttp_send_reply_start(p->p_er, o->o_http_status, NULL);
		b = evbuffer_new();
		evbuffer_add(b, o->o_body, o->o_body_len / 2);
		if (p->p_conn != NULL) {
			p->p_conn->c_started = p->p_er;
			p->p_conn->c_refs++;
		}
		evhttp_send_reply_chunk_with_cb(p->p_er, b, truncated, p->p_conn);
		evbuffer_free(b);
		if (p->p_conn != NULL)
			conn_release(p->p_conn);
		break;
	case FK_SLOW_BODY:
		if (p->p_conn == NULL || p->p_conn->c_evcon == NULL)
			break;
		add_headers(p->p_er, o, true);
		evhttp_send_reply_start(p->p_er, o->o_http_status, NULL);
		d = xcalloc(1, sizeof *d);
		d->d_p = p;
		d->d_step = (o->o_body_len + DRIBBLE_PIECES - 1) / DRIBBLE_PIECES;
		ms = (o->o_inj.i_delay_ms > 0 ? o->o_inj.i_delay_ms :
		    DRIBBLE_DEFAULT_MS) / DRIBBLE_PIECES;
		d->d_every.tv_sec = ms / 1000;
		d->d_every.tv_usec = (ms % 1000) * 1000;
		d->d_timer = evtimer_new(front_base, dribble_tick, d);
		p->p_conn->c_dribble = d;
		p->p_conn->c_started = p->p_er;
		event_add(d->d_timer, &d->d_every);
		return;		/* p now belongs to the dribble */
	default:
		add_headers(p->p_er, o, false);
		if (p->p_conn != NULL)
			p->p_conn->c_write_ms = now_ms();
		send_answer(p->p_er, o->o_http_status, o->o_body, o->o_body_len);
		/* p_er may be freed from here on: it is not touched again. */
		write_now(evhttp_connection_get_bufferevent(evcon));
		conn_writing(p->p_conn);
		/* The journal, metrics and log: after the answer, off the
		 * client's clock (nothing else runs meanwhile). */
		record(p);
		break;
	}
	pending_free(p);
}

static void
delay_fired(evutil_socket_t fd, short events, void *arg)
{
	struct pending *p = arg, **pp;

	(void)fd, (void)events;
	for (pp = &delayed; *pp != NULL; pp = &(*pp)->p_next)
		if (*pp == p) {
			*pp = p->p_next;
			break;
		}
	/* If the client left meanwhile, deliver frees the detached request. */
	deliver(p);
}

static void
admin_reply(struct evhttp_request *er, struct req *r, bool dedicated)
{
	struct outcome o;

	admin_handle(r, dedicated, &o);
	evhttp_add_header(evhttp_request_get_output_headers(er), "Content-Type",
	    o.o_content_type);
	send_answer(er, o.o_http_status, o.o_body, o.o_body_len);
	outcome_free(&o);
}

/*
 * Whether the request's length is told two ways: Content-Length headers
 * that differ, or one beside Transfer-Encoding. evhttp takes the first
 * Content-Length and would read what follows it as the next request (the
 * shape of request smuggling); such a request is refused, and its
 * connection closed with whatever it still holds.
 */
static const char *
framing_problem(struct evhttp_request *er)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(er);
	struct evkeyval *kv;
	const char *cl = NULL;
	bool te = false;

	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		if (strcasecmp(kv->key, "Transfer-Encoding") == 0)
			te = true;
		else if (strcasecmp(kv->key, "Content-Length") != 0)
			continue;
		else if (cl == NULL)
			cl = kv->value;
		else if (strcmp(cl, kv->value) != 0)
			return "Content-Length headers that differ";
	}
	if (cl != NULL && te)
		return "Content-Length with Transfer-Encoding";
	return NULL;
}

static void
front_request(struct evhttp_request *er, void *arg)
{
	struct pending *p;
	struct timeval tv;
	struct conn *c;
	bool admin_only = arg != NULL;
	const char *why;
	char *text;

	/* A whole request: its read deadline ends, its answer is in flight
	 * until evhttp has written it (reply_sent). */
	if ((c = conn_of(er)) != NULL) {
		if (c->c_refused) {	/* over --max-connections */
			conn_kill(c, false);
			return;
		}
		c->c_reading_ms = 0;
		c->c_busy++;
		front_inflight++;
		evhttp_request_set_on_complete_cb(er, reply_sent, c);
	}
	if ((why = framing_problem(er)) != NULL) {
		log_debug("connection %llu: refused a request with %s",
		    c != NULL ? (unsigned long long)c->c_id : 0ULL, why);
		metrics_hard(HC_BAD_FRAMING, 1);
		text = xasprintf("400 Bad Request: %s\n", why);
		send_text(er, 400, text, true);
		free(text);
		return;
	}
	p = xcalloc(1, sizeof *p);
	p->p_t0_us = now_us();
	p->p_er = er;
	req_from_evhttp(er, &p->p_req);
	if (strncmp(p->p_req.r_path, "/_mock/", 7) == 0 || admin_only) {
		if (c != NULL)
			c->c_write_ms = now_ms();
		if (strncmp(p->p_req.r_path, "/_mock/", 7) == 0)
			admin_reply(er, &p->p_req, admin_only);
		else
			send_text(er, 404, "404 Not Found: only /_mock/ is "
			    "served here\n", false);
		conn_writing(c);
		req_free(&p->p_req);
		free(p);
		return;
	}
	if ((p->p_conn = conn_of(er)) != NULL)
		p->p_conn->c_refs++;
	pipeline_run(&p->p_req, &p->p_out);
	/* A slow body spends its delay dribbling, not waiting. */
	if (p->p_out.o_inj.i_delay_ms <= 0 || p->p_out.o_inj.i_fault == FK_SLOW_BODY) {
		deliver(p);
		return;
	}
	/* The event loop never sleeps: other connections go on meanwhile. */
	tv.tv_sec = p->p_out.o_inj.i_delay_ms / 1000;
	tv.tv_usec = (p->p_out.o_inj.i_delay_ms % 1000) * 1000;
	p->p_timer = evtimer_new(front_base, delay_fired, p);
	p->p_next = delayed;
	delayed = p;
	/* Timers count from the loop's cached time, which may be older than
	 * this request: refresh it, or a delay ends a few ms early. */
	event_base_update_cache_time(front_base);
	event_add(p->p_timer, &tv);
}

/*
 * How many connections the descriptors allow: RLIMIT_NOFILE is raised
 * (up to its hard limit) to want plus a reserve; if it cannot go that high,
 * fewer connections are served, with a warning, rather than accept() fail.
 */
static long long
fd_budget(long long want)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)want + FRONT_FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return want;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ?
		    need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		long long can = (long long)rl.rlim_cur - FRONT_FD_RESERVE;

		if (can < 1)
			can = 1;
		log_warnx("--max-connections %lld: the descriptor limit "
		    "(RLIMIT_NOFILE %llu, hard %llu) allows %lld", want,
		    (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max, can);
		return can;
	}
	return want;
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
	int e = EVUTIL_SOCKET_ERROR();
	size_t i;

	(void)arg;	/* evhttp's */
	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM)
		return;
	for (i = 0; i < nlisteners && listeners[i].l_lev != lev; i++)
		;
	if (i == nlisteners)
		return;
	evconnlistener_disable(lev);
	event_add(listeners[i].l_pause, &tv);
	metrics_hard(HC_ACCEPT_PAUSES, 1);
	log_warnx("cannot accept a connection: %s; new connections wait "
	    "(--max-connections %lld, %lld open)", strerror(e), front_max_conns,
	    front_nconns);
}

/* One listener, plain (tls false) or HTTPS: the same settings and handler,
 * on every address of host (listen.c). */
static int
front_listen(struct event_base *base, const char *host, int port, bool tls,
    bool admin, struct evhttp **httpp, char *err, size_t errlen)
{
	struct evhttp *http;
	const char *scheme = tls ? "https" : "http";
	const char *opt = admin ? "admin-listen" : tls ? "tls-listen" : "listen";
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage bound[LISTEN_MAX_ADDRS];
	int fds[LISTEN_MAX_ADDRS];
	char url[INET6_ADDRSTRLEN + 32];
	ev_uint16_t mask = 0;
	size_t i, nfds;

	if ((http = *httpp = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "cannot create the HTTP server");
		return -1;
	}
	/* Every method reaches the pipeline, so check 1 can answer it. */
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		mask |= (ev_uint16_t)methods[i].cmd;
	evhttp_set_allowed_methods(http, mask);
	/* The headers' room must hold a GET URI past --max-uri-size, so
	 * check 2 answers it (414) rather than evhttp (400). */
	evhttp_set_max_headers_size(http, (size_t)conf.c_max_header_size);
	evhttp_set_max_body_size(http, (size_t)conf.c_max_body_size);
	front_base = base;
	if (front_max_conns == 0)
		front_max_conns = fd_budget(conf.c_max_connections);
	/* A non-NULL argument marks the --admin-listen listener. */
	evhttp_set_gencb(http, front_request, admin ? (void *)http : NULL);
	/* Every connection is counted and watched from its accept. */
	evhttp_set_bevcb(http, front_bev, tls ? (void *)http : NULL);
	/* Our own sockets, not evhttp_bind_socket: it binds only a name's
	 * first address, with a backlog of 128 (a pool opening at once would
	 * overflow it and wait out SYN retries), and loses errno. */
	if (listen_open(opt, host, port, scheme, FRONT_BACKLOG, fds, bound,
	    LISTEN_MAX_ADDRS, &nfds, err, errlen) != 0)
		return -1;
	for (i = 0; i < nfds; i++) {
		if ((bs = evhttp_accept_socket_with_handle(http, fds[i])) == NULL) {
			snprintf(err, errlen, "cannot accept on %s://%s:%d", scheme,
			    host, port);
			while (i < nfds)
				close(fds[i++]);
			return -1;
		}
		if (nlisteners < sizeof listeners / sizeof listeners[0]) {
			struct evconnlistener *lev = evhttp_bound_socket_get_listener(bs);

			listeners[nlisteners].l_http = http;
			listeners[nlisteners].l_bs = bs;
			listeners[nlisteners].l_lev = lev;
			listeners[nlisteners].l_pause = evtimer_new(base,
			    accept_resume, lev);
			evconnlistener_set_error_cb(lev, accept_error);
			nlisteners++;
		}
		/* One port for all of a name's addresses: counted once. */
		if (i == 0 && nown_ports < sizeof own_ports / sizeof own_ports[0])
			own_ports[nown_ports++] = ntohs(bound[0].ss_family == AF_INET6 ?
			    ((struct sockaddr_in6 *)&bound[0])->sin6_port :
			    ((struct sockaddr_in *)&bound[0])->sin_port);
		listen_format(&bound[i], scheme, url, sizeof url);
		printf("listening on %s%s\n", url, admin ? " (admin)" : "");
	}
	fflush(stdout);
	return 0;
}

int
front_start(struct event_base *base, const char *host, int port, char *err,
    size_t errlen)
{
	return front_listen(base, host, port, false, false, &front_http, err,
	    errlen);
}

int
front_start_tls(struct event_base *base, const char *host, int port,
    char *err, size_t errlen)
{
	return front_listen(base, host, port, true, false, &front_https, err,
	    errlen);
}

int
front_start_admin(struct event_base *base, const char *host, int port,
    char *err, size_t errlen)
{
	return front_listen(base, host, port, false, true, &front_admin, err,
	    errlen);
}

bool
front_own_port(int port)
{
	size_t i;

	for (i = 0; i < nown_ports; i++)
		if (own_ports[i] == port)
			return true;
	return false;
}

/* --shutdown-grace is over: what is still in flight is cut off. */
static void
grace_over(evutil_socket_t fd, short events, void *arg)
{
	(void)fd, (void)events, (void)arg;
	log_warnx("stopping: %lld answer%s still in flight after "
	    "--shutdown-grace %llds: closing", front_inflight,
	    front_inflight == 1 ? "" : "s", conf.c_shutdown_grace);
	event_base_loopexit(front_base, NULL);
}

/*
 * SIGTERM: the listeners close (new connections are refused), answers in
 * flight (delayed and dribbled ones too) are finished, each with
 * "Connection: close", for --shutdown-grace at most, then the loop ends.
 * 0: nothing was in flight, the caller may stop now.
 */
int
front_drain(void)
{
	struct timeval tv = { 0, 0 };
	size_t i;

	for (i = 0; i < nlisteners; i++) {
		event_free(listeners[i].l_pause);
		evhttp_del_accept_socket(listeners[i].l_http, listeners[i].l_bs);
	}
	nlisteners = 0;
	front_draining = true;
	if (front_inflight <= 0)
		return 0;
	log_info("stopping: finishing %lld answer%s in flight (at most %llds)",
	    front_inflight, front_inflight == 1 ? "" : "s",
	    conf.c_shutdown_grace);
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
	struct pending *p;
	size_t i;

	if (grace_timer != NULL)
		event_free(grace_timer);
	grace_timer = NULL;
	for (i = 0; i < nlisteners; i++)
		event_free(listeners[i].l_pause);
	nlisteners = 0;
	/* Delayed replies first: evhttp_free below frees their requests, but
	 * for those whose client left (detached, so ours). */
	while ((p = delayed) != NULL) {
		delayed = p->p_next;
		if (evhttp_request_get_connection(p->p_er) == NULL)
			evhttp_request_free(p->p_er);
		pending_free(p);
	}
	if (front_admin != NULL)
		evhttp_free(front_admin);
	front_admin = NULL;
	if (front_http != NULL)
		evhttp_free(front_http);
	front_http = NULL;
	if (front_https != NULL)
		evhttp_free(front_https);
	front_https = NULL;
}
