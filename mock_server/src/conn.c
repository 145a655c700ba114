/*
 * conn.c: the connection table. Each accepted socket (plain, or TLS through
 * tls_ssl_new) is read into a buffer, cut into requests by http.c, and each
 * whole request is handed to the listener's handler (front.c) as a struct
 * req; the handler answers through conn_write() and conn_end(), now or
 * later. Here too are the limits (--max-connections and the descriptor
 * reserve), the deadlines (--idle-timeout, --read-timeout,
 * --write-timeout) and the drain of SIGTERM (docs/hardening.md).
 *
 * One request at a time per connection: pipelined requests wait in the
 * buffer (and the socket is not read) until the answer before them is
 * complete, so answers leave in order whatever their delays.
 *
 * The common path allocates nothing but the request's arena: a read goes
 * into one static buffer and a request that arrives whole in it is parsed
 * and answered there; only what is left over (a part of a request) is kept
 * in the connection's own buffer. An answer is written at once with one
 * writev; only what the socket does not take is copied.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/event.h>

#include "tmtmock.h"

/* Descriptors kept free of connections (--max-connections): listeners,
 * the journal, fixture files, file task callbacks, stdio. */
#define CONN_FD_RESERVE 64
/* One read at most; a request that does not fit is gathered in c_in. */
#define CONN_READ_MAX (64 * 1024)

struct conn {
	uint64_t	 c_id;
	int		 c_fd;
	SSL		*c_ssl;		/* NULL: plain */
	struct event	*c_rev, *c_wev;	/* the socket readable, writable */
	short		 c_want;	/* which of the two are added now */
	bool		 c_ssl_wants_write; /* a read needs the socket writable */
	bool		 c_ssl_failed;	/* no close_notify after an error */
	struct event	*c_timer;	/* the deadlines (conn_timer) */
	conn_handler	 c_handler;
	void		*c_arg;
	char		 c_peer[INET6_ADDRSTRLEN + 8];
	struct conn	*c_prev, *c_next;	/* every open connection */
	int		 c_refs;	/* the table's, and holders' */
	bool		 c_closed;
	bool		 c_in_io;	/* inside conn_io: no recursion */

	/* Input not yet used (the start of a request, or those after it). */
	struct buf	 c_in;
	struct http_reader c_rd;	/* the request being read */

	/* The request whose answer is being made. */
	bool		 c_busy;
	bool		 c_close;	/* its answer closes the connection */
	bool		 c_fin_after;	/* close once c_out has left */
	bool		 c_eof;		/* the client will send no more */

	/* Output the socket has not taken yet. */
	struct buf	 c_out;
	size_t		 c_out_off;

	/* Deadlines (ms, monotonic). */
	long long	 c_last_ms;	/* accepted, or last answer complete */
	long long	 c_reading_ms;	/* a request's first byte; 0: none */
	long long	 c_write_ms;	/* output waiting since; 0: none */
	long long	 c_fire_ms;	/* when c_timer fires; 0: not armed */
};

static struct conn *conns;		/* every open connection */
static uint64_t next_id = 1;
static long long nconns, inflight;
static long long max_conns;
static bool draining;
static struct event_base *conn_base;
static char rbuf[CONN_READ_MAX];	/* see the comment at the top */

static void conn_io(evutil_socket_t, short, void *);
static void conn_timer(evutil_socket_t, short, void *);
static void conn_close(struct conn *, bool rst);
static void conn_serve(struct conn *);

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
conn_budget(long long want)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)want + CONN_FD_RESERVE;

	if (max_conns != 0)
		return max_conns;
	max_conns = want;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return max_conns;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ?
		    need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Fewer connections, with a warning, rather than accept() fail. */
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		max_conns = (long long)rl.rlim_cur - CONN_FD_RESERVE;
		if (max_conns < 1)
			max_conns = 1;
		log_warnx("--max-connections %lld: the descriptor limit "
		    "(RLIMIT_NOFILE %llu, hard %llu) allows %lld", want,
		    (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max, max_conns);
	}
	return max_conns;
}

long long
conn_count(void)
{
	return nconns;
}

uint64_t
conn_id(const struct conn *c)
{
	return c->c_id;
}

struct event_base *
conn_base_of(const struct conn *c)
{
	(void)c;
	return conn_base;
}

bool
conn_closed(const struct conn *c)
{
	return c->c_closed;
}

long long
conn_inflight(void)
{
	return inflight;
}

void
conn_hold(struct conn *c)
{
	c->c_refs++;
}

void
conn_release(struct conn *c)
{
	if (--c->c_refs > 0)
		return;
	buf_free(&c->c_in);
	buf_free(&c->c_out);
	free(c);
}

bool
conn_must_close(const struct conn *c)
{
	return c->c_close || draining;
}

static void
arm(struct conn *c, long long ms)
{
	struct timeval tv;

	if (ms < 1)
		ms = 1;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	c->c_fire_ms = now_ms() + ms;
	event_add(c->c_timer, &tv);
}

/* Arms the timer for a deadline at due unless it fires before anyway: the
 * timer is moved only when a deadline comes nearer, never per request. */
static void
arm_by(struct conn *c, long long due)
{
	if (c->c_fire_ms == 0 || c->c_fire_ms > due)
		arm(c, due - now_ms());
}

/*
 * The deadlines: --write-timeout from an answer left unread, --read-timeout
 * from a request's first byte to its last (a client sending a byte a second
 * is cut off), --idle-timeout from the last answer (or the accept) to the
 * next request's first byte. None while an answer is being made (a delay
 * may be long): conn_end arms the timer again. When it fires early (a
 * deadline moved later), it is armed for the new one.
 */
static void
conn_timer(evutil_socket_t fd, short events, void *arg)
{
	struct conn *c = arg;
	long long now = now_ms(), due = 0;
	const char *why = NULL;

	(void)fd, (void)events;
	c->c_fire_ms = 0;
	if (c->c_closed)
		return;
	if (c->c_write_ms != 0 && conf.c_write_timeout > 0) {
		due = c->c_write_ms + conf.c_write_timeout * 1000;
		why = "write";
	} else if (c->c_busy)
		return;
	else if (c->c_reading_ms != 0 && conf.c_read_timeout > 0) {
		due = c->c_reading_ms + conf.c_read_timeout * 1000;
		why = "read";
	} else if (c->c_reading_ms == 0 && conf.c_idle_timeout > 0) {
		due = c->c_last_ms + conf.c_idle_timeout * 1000;
		why = "idle";
	}
	if (due == 0)
		return;
	if (due > now) {
		arm(c, due - now);
		return;
	}
	if (why[0] == 'w') {
		log_debug("closing connection %llu: write timeout (its answer "
		    "was not read in %llds)", (unsigned long long)c->c_id,
		    conf.c_write_timeout);
		metrics_hard(HC_WRITE_TIMEOUTS, 1);
	} else
		log_debug("closing connection %llu: %s timeout",
		    (unsigned long long)c->c_id, why);
	conn_close(c, false);
}

/* Asks the loop for what the connection waits for now; epoll hears of it
 * only when that changes (most requests change nothing). */
static void
conn_events(struct conn *c)
{
	short want = 0;

	if (c->c_closed)
		return;
	if (c->c_out.b_len > c->c_out_off || c->c_ssl_wants_write)
		want |= EV_WRITE;
	if (!c->c_busy && !c->c_eof && !c->c_fin_after)
		want |= EV_READ;
	if ((want & EV_READ) != (c->c_want & EV_READ)) {
		if (want & EV_READ)
			event_add(c->c_rev, NULL);
		else
			event_del(c->c_rev);
	}
	if ((want & EV_WRITE) != (c->c_want & EV_WRITE)) {
		if (want & EV_WRITE)
			event_add(c->c_wev, NULL);
		else
			event_del(c->c_wev);
	}
	c->c_want = want;
}

void
conn_accept(struct event_base *base, int fd, bool tls, conn_handler handler,
    void *arg)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct conn *c;
	char addr[INET6_ADDRSTRLEN] = "?";
	int one = 1, port = 0;

	conn_base = base;
	if (nconns >= max_conns || draining) {
		log_debug("closing a new connection: %s", draining ? "stopping" :
		    "--max-connections reached");
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->c_id = next_id++;
	c->c_fd = fd;
	c->c_handler = handler;
	c->c_arg = arg;
	c->c_refs = 1;
	c->c_last_ms = now_ms();
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			    addr, sizeof addr);
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		} else if (ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			    addr, sizeof addr);
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		}
	}
	snprintf(c->c_peer, sizeof c->c_peer, "%s:%d", addr, port);
	/* An answer is one write: nothing is gained by waiting for ACKs, and
	 * a dribbled body's pieces must leave when they are due. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (tls) {
		c->c_ssl = tls_ssl_new();
		SSL_set_fd(c->c_ssl, fd);
	}
	c->c_rev = event_new(base, fd, EV_READ | EV_PERSIST, conn_io, c);
	c->c_wev = event_new(base, fd, EV_WRITE | EV_PERSIST, conn_io, c);
	c->c_timer = evtimer_new(base, conn_timer, c);
	if (c->c_rev == NULL || c->c_wev == NULL || c->c_timer == NULL)
		fatalx("cannot watch a new connection");
	event_add(c->c_rev, NULL);
	c->c_want = EV_READ;
	c->c_next = conns;
	if (conns != NULL)
		conns->c_prev = c;
	conns = c;
	nconns++;
	if (conf.c_idle_timeout > 0)
		arm(c, conf.c_idle_timeout * 1000);
	else if (conf.c_read_timeout > 0)
		arm(c, conf.c_read_timeout * 1000);
}

/* Closes the socket now (rst: SO_LINGER 0, an RST instead of a FIN); the
 * record stays while a holder (a delayed answer) keeps it. */
static void
conn_close(struct conn *c, bool rst)
{
	struct linger lg = { 1, 0 };

	if (c->c_closed)
		return;
	c->c_closed = true;
	if (c->c_prev != NULL)
		c->c_prev->c_next = c->c_next;
	else
		conns = c->c_next;
	if (c->c_next != NULL)
		c->c_next->c_prev = c->c_prev;
	nconns--;
	if (c->c_busy) {
		c->c_busy = false;
		inflight--;
	}
	event_free(c->c_rev);
	event_free(c->c_wev);
	event_free(c->c_timer);
	if (c->c_ssl != NULL) {
		if (!rst && !c->c_ssl_failed && SSL_is_init_finished(c->c_ssl))
			SSL_shutdown(c->c_ssl);
		SSL_free(c->c_ssl);
	}
	if (rst)
		setsockopt(c->c_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	else
		shutdown(c->c_fd, SHUT_WR);
	close(c->c_fd);
	buf_free(&c->c_in);
	buf_free(&c->c_out);
	c->c_out_off = 0;
	if (draining && inflight <= 0)
		event_base_loopexit(conn_base, NULL);
	conn_release(c);
}

/* Bytes onto the socket: >= 0 written, -1 would block, -2 the
 * connection failed. */
static ssize_t
sock_writev(struct conn *c, const struct iovec *iov, int n)
{
	ssize_t w;
	int e;

	if (c->c_ssl != NULL) {
		/* One record per write: TLS answers are gathered first. */
		if (n != 1)
			abort();
		ERR_clear_error();
		w = SSL_write(c->c_ssl, iov[0].iov_base, (int)iov[0].iov_len);
		if (w > 0)
			return w;
		e = SSL_get_error(c->c_ssl, (int)w);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
			return -1;
		c->c_ssl_failed = true;
		return -2;
	}
	do
		w = writev(c->c_fd, iov, n);
	while (w < 0 && errno == EINTR);
	if (w >= 0)
		return w;
	return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2;
}

/* What waits in c_out, as far as the socket takes it. false: it failed
 * (the connection is closed). */
static bool
flush_out(struct conn *c)
{
	struct iovec iov;
	ssize_t w;

	while (c->c_out.b_len > c->c_out_off) {
		iov.iov_base = c->c_out.b_data + c->c_out_off;
		iov.iov_len = c->c_out.b_len - c->c_out_off;
		if ((w = sock_writev(c, &iov, 1)) == -1)
			return true;
		if (w < 0) {
			conn_close(c, false);
			return false;
		}
		c->c_out_off += (size_t)w;
	}
	/* All gone: a small buffer is kept for the next time, a large one
	 * (a 6 MB answer) is not held by an idle connection. */
	c->c_out.b_len = c->c_out_off = 0;
	if (c->c_out.b_cap > CONN_READ_MAX)
		buf_free(&c->c_out);
	c->c_write_ms = 0;
	if (c->c_fin_after) {
		conn_close(c, false);
		return false;
	}
	return true;
}

void
conn_write(struct conn *c, const char *head, size_t hlen, const char *body,
    size_t blen)
{
	struct iovec iov[2];
	ssize_t w = 0;
	size_t done;
	int n = 0;

	if (c->c_closed)
		return;
	/* After what is waiting, or at once. */
	if (c->c_out.b_len == c->c_out_off) {
		if (c->c_ssl != NULL && hlen > 0 && blen > 0) {
			buf_add(&c->c_out, head, hlen);
			buf_add(&c->c_out, body, blen);
			flush_out(c);
			goto kept;
		}
		if (hlen > 0) {
			iov[n].iov_base = (void *)(uintptr_t)head;
			iov[n++].iov_len = hlen;
		}
		if (blen > 0) {
			iov[n].iov_base = (void *)(uintptr_t)body;
			iov[n++].iov_len = blen;
		}
		if (n == 0)
			return;
		if ((w = sock_writev(c, iov, n)) == -2) {
			conn_close(c, false);
			return;
		}
		if (w < 0)
			w = 0;
	}
	done = (size_t)w;
	if (done < hlen)
		buf_add(&c->c_out, head + done, hlen - done);
	done = done > hlen ? done - hlen : 0;
	if (done < blen)
		buf_add(&c->c_out, body + done, blen - done);
kept:
	if (c->c_closed || c->c_out.b_len == c->c_out_off)
		return;
	/* Not all taken: it waits, and --write-timeout starts. */
	if (c->c_write_ms == 0) {
		c->c_write_ms = now_ms();
		if (conf.c_write_timeout > 0)
			arm_by(c, c->c_write_ms + conf.c_write_timeout * 1000);
	}
	if (!c->c_in_io)
		conn_events(c);
}

/* A refusal of the front: the status and why, then the connection closed
 * with whatever it still holds. */
static void
refuse(struct conn *c, const struct http_error *e)
{
	char head[HTTP_HEAD_ROOM + 64], date[64], text[160];
	size_t hl, tl;

	log_debug("connection %llu: refused a request with %s",
	    (unsigned long long)c->c_id, e->he_why);
	if (e->he_framing)
		metrics_hard(HC_BAD_FRAMING, 1);
	tl = (size_t)snprintf(text, sizeof text, "%d %s: %s\n", e->he_status,
	    e->he_status == 413 ? "Payload Too Large" :
	    e->he_status == 431 ? "Request Header Fields Too Large" :
	    e->he_status == 417 ? "Expectation Failed" :
	    e->he_status == 501 ? "Not Implemented" :
	    e->he_status == 505 ? "HTTP Version Not Supported" : "Bad Request",
	    e->he_why);
	if (tl >= sizeof text)
		tl = sizeof text - 1;
	hl = http_answer_head(head, sizeof head, e->he_status,
	    "text/plain; charset=utf-8", tl, true, clock_http_date(date));
	c->c_busy = true;	/* counted in flight until it has left */
	inflight++;
	conn_write(c, head, hl, text, tl);
	conn_end(c, CE_FIN);
}

/* The request is whole at b (head h, body at body[0..blen)): a struct req
 * in one allocation, for the handler. */
static void
dispatch(struct conn *c, const struct http_head *h, const char *body,
    size_t blen)
{
	struct req r;
	const char *q;
	char *at;
	size_t i, need, path_len, query_len, peer_len = strlen(c->c_peer);

	memset(&r, 0, sizeof r);
	r.r_method = h->h_mlen == 3 && memcmp(h->h_method, "GET", 3) == 0 ?
	    RM_GET : h->h_mlen == 4 && memcmp(h->h_method, "POST", 4) == 0 ?
	    RM_POST : RM_OTHER;
	/* The raw query, exactly as sent: TC3 signs it verbatim. */
	q = memchr(h->h_target, '?', h->h_tlen);
	path_len = q != NULL ? (size_t)(q - h->h_target) : h->h_tlen;
	if (q != NULL) {
		const char *hash = memchr(q + 1, '#', h->h_tlen - path_len - 1);

		query_len = hash != NULL ? (size_t)(hash - q - 1) :
		    h->h_tlen - path_len - 1;
	} else
		query_len = 0;
	need = h->h_nfields * sizeof *r.r_hdrs + h->h_mlen + 1 + h->h_tlen + 1 +
	    path_len + 1 + query_len + 1 + peer_len + 1 + blen + 1;
	for (i = 0; i < h->h_nfields; i++)
		need += h->h_fields[i].f_nlen + 1 + h->h_fields[i].f_vlen + 1;
	r.r_arena = xmalloc(need);
	r.r_hdrs = r.r_arena;		/* first: aligned for its pointers */
	at = (char *)r.r_arena + h->h_nfields * sizeof *r.r_hdrs;
#define PUT(dst, s, n) do { (dst) = at; memcpy(at, (s), (n)); at[(n)] = '\0'; \
	at += (n) + 1; } while (0)
	for (i = 0; i < h->h_nfields; i++) {
		PUT(r.r_hdrs[i].k, h->h_fields[i].f_name, h->h_fields[i].f_nlen);
		PUT(r.r_hdrs[i].v, h->h_fields[i].f_val, h->h_fields[i].f_vlen);
	}
	r.r_nhdrs = h->h_nfields;
	PUT(r.r_method_name, h->h_method, h->h_mlen);
	PUT(r.r_uri, h->h_target, h->h_tlen);
	PUT(r.r_path, h->h_target, path_len);
	PUT(r.r_query, q != NULL ? q + 1 : "", query_len);
	PUT(r.r_peer, c->c_peer, peer_len);
	r.r_body = (unsigned char *)at;
	memcpy(at, body, blen);
	at[blen] = '\0';
#undef PUT
	r.r_body_len = blen;
	r.r_body_kind = req_body_kind(req_header(&r, "Content-Type"));
	r.r_conn_id = c->c_id;

	c->c_busy = true;
	inflight++;
	/* HTTP/1.0 is answered and closed: its keep-alive would need a
	 * "Connection: keep-alive" answer, and no client of TMT sends it. */
	c->c_close = h->h_close || h->h_minor == 0;
	c->c_reading_ms = 0;
	c->c_handler(c, &r, c->c_arg);	/* takes r's arena */
}

/*
 * Cuts requests off b[0..n) and hands each whole one over, while the
 * connection is free to take the next; returns the bytes used (a request
 * not yet whole stays, its progress in c_rd).
 */
static size_t
take_requests(struct conn *c, char *b, size_t n)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct http_head h;
	struct http_error e;
	size_t used = 0, k, off, blen;
	int rc;

	while (!c->c_busy && !c->c_closed && !c->c_fin_after && used < n) {
		if (c->c_reading_ms == 0) {
			c->c_reading_ms = now_ms();
			if (conf.c_read_timeout > 0)
				arm_by(c, c->c_reading_ms + conf.c_read_timeout * 1000);
		}
		rc = http_reader_feed(&c->c_rd, b + used, n - used,
		    (size_t)conf.c_max_header_size, (size_t)conf.c_max_body_size,
		    &h, &off, &blen, &k, &e);
		if (rc < 0) {
			refuse(c, &e);
			return n;
		}
		if (c->c_rd.hr_continue) {
			c->c_rd.hr_continue = false;
			conn_write(c, cont, sizeof cont - 1, NULL, 0);
		}
		if (rc == 0)
			break;
		memset(&c->c_rd, 0, sizeof c->c_rd);
		dispatch(c, &h, b + used + off, blen);
		used += k;
	}
	return used;
}

/* Works through what c_in holds (after an answer, or a read into it). */
static void
serve_buffered(struct conn *c)
{
	size_t used;

	if (c->c_in.b_len == 0)
		return;
	used = take_requests(c, c->c_in.b_data, c->c_in.b_len);
	if (c->c_closed)
		return;
	if (used > 0) {
		memmove(c->c_in.b_data, c->c_in.b_data + used,
		    c->c_in.b_len - used);
		c->c_in.b_len -= used;
	}
	/* A long-idle connection does not keep a large buffer. */
	if (c->c_in.b_len == 0 && c->c_in.b_cap > CONN_READ_MAX)
		buf_free(&c->c_in);
}

/* Reads what the socket has: > 0 bytes, 0 nothing now, -1 EOF or error. */
static ssize_t
sock_read(struct conn *c, char *b, size_t n)
{
	ssize_t r;
	int e;

	c->c_ssl_wants_write = false;
	if (c->c_ssl != NULL) {
		ERR_clear_error();
		if ((r = SSL_read(c->c_ssl, b, (int)n)) > 0)
			return r;
		e = SSL_get_error(c->c_ssl, (int)r);
		if (e == SSL_ERROR_WANT_READ)
			return 0;
		if (e == SSL_ERROR_WANT_WRITE) {
			c->c_ssl_wants_write = true;
			return 0;
		}
		if (e != SSL_ERROR_ZERO_RETURN)
			c->c_ssl_failed = true;
		return -1;
	}
	do
		r = read(c->c_fd, b, n);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		return r;
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return -1;
}

/* The socket is readable: a read, and the requests it completes. */
static void
conn_read(struct conn *c)
{
	size_t used, room;
	ssize_t r;

	do {
		if (c->c_in.b_len == 0) {
			/* The common path: into rbuf, used there. */
			if ((r = sock_read(c, rbuf, sizeof rbuf)) <= 0)
				goto nothing;
			used = take_requests(c, rbuf, (size_t)r);
			if (!c->c_closed && used < (size_t)r)
				buf_add(&c->c_in, rbuf + used, (size_t)r - used);
		} else {
			room = CONN_READ_MAX;
			if (c->c_in.b_cap < c->c_in.b_len + room + 1)
				buf_grow(&c->c_in, room);
			if ((r = sock_read(c, c->c_in.b_data + c->c_in.b_len,
			    room)) <= 0)
				goto nothing;
			c->c_in.b_len += (size_t)r;
			c->c_in.b_data[c->c_in.b_len] = '\0';
			serve_buffered(c);
		}
		/* TLS may hold decrypted bytes epoll cannot tell of. */
	} while (!c->c_closed && !c->c_busy && c->c_ssl != NULL &&
	    SSL_pending(c->c_ssl) > 0);
	return;
nothing:
	if (r == 0)
		return;
	/* EOF or an error. A client that half-closed still gets the answer
	 * being made; otherwise the connection ends here. */
	c->c_eof = true;
	if (!c->c_busy)
		conn_close(c, false);
}

static void
conn_io(evutil_socket_t fd, short events, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	conn_hold(c);
	c->c_in_io = true;
	if ((events & EV_WRITE) && c->c_out.b_len > c->c_out_off)
		flush_out(c);
	if (!c->c_closed && !c->c_busy && (events & EV_READ ||
	    (c->c_ssl_wants_write && events & EV_WRITE)))
		conn_read(c);
	c->c_in_io = false;
	conn_events(c);
	conn_release(c);
}

void
conn_end(struct conn *c, enum conn_end how)
{
	if (c->c_closed)
		return;
	c->c_last_ms = now_ms();
	if (how == CE_KEEP && conn_must_close(c))
		how = CE_FIN;
	switch (how) {
	case CE_RESET:
	case CE_CLOSE:
		conn_close(c, how == CE_RESET);
		return;
	case CE_FIN:
		/* Still in flight (SIGTERM waits for it) until it has left:
		 * flush_out closes it then. */
		c->c_fin_after = true;
		if (c->c_out.b_len == c->c_out_off)
			conn_close(c, false);
		else if (!c->c_in_io)
			conn_events(c);
		return;
	case CE_KEEP:
		break;
	}
	if (c->c_busy) {
		c->c_busy = false;
		inflight--;
	}
	/* The deadlines run again: idle from now. */
	if (conf.c_idle_timeout > 0)
		arm_by(c, c->c_last_ms + conf.c_idle_timeout * 1000);
	if (!c->c_in_io)
		conn_serve(c);
}

/* After an answer made outside conn_io (a delay, a dribble): the requests
 * that waited behind it, then the events. */
static void
conn_serve(struct conn *c)
{
	conn_hold(c);
	c->c_in_io = true;
	if (!c->c_fin_after && !c->c_busy)
		serve_buffered(c);
	/* A half-closed client with nothing more to answer is done. */
	if (!c->c_closed && c->c_eof && !c->c_busy &&
	    c->c_out.b_len == c->c_out_off)
		conn_close(c, false);
	c->c_in_io = false;
	conn_events(c);
	conn_release(c);
}

long long
conn_drain(void)
{
	struct conn *c, *next;

	draining = true;
	for (c = conns; c != NULL; c = next) {
		next = c->c_next;
		if (c->c_busy || c->c_fin_after)
			continue;
		if (c->c_out.b_len == c->c_out_off)
			conn_close(c, false);
		else {		/* an answer still leaving: in flight */
			c->c_busy = c->c_fin_after = true;
			inflight++;
			conn_events(c);
		}
	}
	return inflight;
}

void
conn_close_all(void)
{
	while (conns != NULL)
		conn_close(conns, false);
}
