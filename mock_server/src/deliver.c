/*
 * deliver.c: an outcome to its client. A plain answer is written at once
 * (one writev: the head from preformatted parts, then the body); a delay
 * holds it on a timer; a transport fault resets, closes, cuts or dribbles
 * the connection instead (docs/faults.md). The journal, metrics and access
 * log are written once the answer has left, off the client's clock.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "tmtmock.h"

/* slow_body sends the body in this many pieces over its delay. */
#define DRIBBLE_PIECES 10
#define DRIBBLE_DEFAULT_MS 2000

/* An answer on its way: delayed, or being dribbled. */
struct pending {
	struct conn		*p_conn;	/* held */
	struct req		 p_req;
	struct outcome		 p_out;
	long long		 p_t0_us;
	struct event		*p_timer;
	size_t			 p_sent, p_step;	/* slow_body */
	struct timeval		 p_every;
	struct pending		*p_prev, *p_next;	/* every one waiting */
};

static struct pending *waiting;

long long
deliver_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
pending_free(struct pending *p)
{
	if (p->p_timer != NULL) {
		event_free(p->p_timer);
		if (p->p_prev != NULL)
			p->p_prev->p_next = p->p_next;
		else
			waiting = p->p_next;
		if (p->p_next != NULL)
			p->p_next->p_prev = p->p_prev;
	}
	conn_release(p->p_conn);
	outcome_free(&p->p_out);
	req_free(&p->p_req);
	free(p);
}

static void
record(struct pending *p)
{
	long long lat = deliver_now_us() - p->p_t0_us;

	journal_record(&p->p_req, &p->p_out, conn_id(p->p_conn), lat);
	/* A transport fault is what the client got, whatever the body said. */
	metrics_count(p->p_out.o_action, p->p_out.o_inj.i_fault != FK_NONE ?
	    fault_name(p->p_out.o_inj.i_fault) : p->p_out.o_error_code, lat);
	log_access(&p->p_req, &p->p_out, lat);
}

static bool
is_head(const struct req *r)
{
	return r->r_method == RM_OTHER && strcmp(r->r_method_name, "HEAD") == 0;
}

/* The head of an answer of len bytes; "Connection: close" when the
 * connection ends with it. */
static size_t
head_of(struct conn *c, char *dst, size_t cap, int status, const char *ctype,
    size_t len, bool close)
{
	char date[64];

	/* The mock clock's time: a client that corrects its skew from the
	 * Date header must see the clock the timestamps are checked against. */
	return http_answer_head(dst, cap, status, ctype, len,
	    close || conn_must_close(c), clock_http_date(date));
}

/*
 * A whole answer. HEAD gets the head alone, with the Content-Length its
 * GET would have had: a kept-alive client must not read a body as the
 * start of its next answer.
 */
static void
send_whole(struct conn *c, const struct req *r, int status, const char *ctype,
    const char *body, size_t len, bool close)
{
	char head[HTTP_HEAD_ROOM + 256];
	size_t hl;

	hl = head_of(c, head, sizeof head, status, ctype, len, close);
	conn_write(c, head, hl, body, is_head(r) ? 0 : len);
	conn_end(c, close ? CE_FIN : CE_KEEP);
}

void
deliver_plain(struct conn *c, const struct req *r, int status,
    const char *ctype, const char *body, size_t len, bool close)
{
	send_whole(c, r, status, ctype, body, len, close);
}

static void
dribble_tick(evutil_socket_t fd, short events, void *arg)
{
	struct pending *p = arg;
	struct outcome *o = &p->p_out;
	size_t n = o->o_body_len - p->p_sent;

	(void)fd, (void)events;
	/* A dribbled answer dies with its connection. */
	if (conn_closed(p->p_conn)) {
		pending_free(p);
		return;
	}
	if (n > p->p_step)
		n = p->p_step;
	conn_write(p->p_conn, NULL, 0, o->o_body + p->p_sent, n);
	p->p_sent += n;
	if (p->p_sent < o->o_body_len && !conn_closed(p->p_conn)) {
		event_add(p->p_timer, &p->p_every);
		return;
	}
	conn_end(p->p_conn, o->o_http_status == 414 ? CE_FIN : CE_KEEP);
	pending_free(p);
}

static void
hold(struct pending *p, event_callback_fn fn)
{
	p->p_timer = evtimer_new(conn_base_of(p->p_conn), fn, p);
	if (p->p_timer == NULL)
		fatalx("cannot make a timer");
	p->p_next = waiting;
	if (waiting != NULL)
		waiting->p_prev = p;
	waiting = p;
}

/* Writes the outcome, or does to the connection what its fault says. */
static void
send_outcome(struct pending *p)
{
	struct outcome *o = &p->p_out;
	struct conn *c = p->p_conn;
	char head[HTTP_HEAD_ROOM + 256];
	size_t hl;
	long long ms;
	bool close = o->o_http_status == 414;

	/* The client left while the answer was delayed: nothing is sent. */
	if (conn_closed(c)) {
		record(p);
		pending_free(p);
		return;
	}
	/* HEAD has no body to cut or dribble: it gets the head. */
	if (is_head(&p->p_req) && (o->o_inj.i_fault == FK_TRUNCATE ||
	    o->o_inj.i_fault == FK_SLOW_BODY))
		o->o_inj.i_fault = FK_NONE;
	switch (o->o_inj.i_fault) {
	case FK_RESET:
	case FK_CLOSE:
		record(p);
		conn_end(c, o->o_inj.i_fault == FK_RESET ? CE_RESET : CE_CLOSE);
		break;
	case FK_TRUNCATE:
		/* The whole length announced, half the body sent, then FIN. */
		record(p);
		hl = head_of(c, head, sizeof head, o->o_http_status,
		    o->o_content_type, o->o_body_len, close);
		conn_write(c, head, hl, o->o_body, o->o_body_len / 2);
		conn_end(c, CE_FIN);
		break;
	case FK_SLOW_BODY:
		record(p);
		hl = head_of(c, head, sizeof head, o->o_http_status,
		    o->o_content_type, o->o_body_len, close);
		conn_write(c, head, hl, NULL, 0);
		p->p_step = (o->o_body_len + DRIBBLE_PIECES - 1) / DRIBBLE_PIECES;
		if (p->p_step == 0)
			p->p_step = 1;
		ms = (o->o_inj.i_delay_ms > 0 ? o->o_inj.i_delay_ms :
		    DRIBBLE_DEFAULT_MS) / DRIBBLE_PIECES;
		p->p_every.tv_sec = ms / 1000;
		p->p_every.tv_usec = (ms % 1000) * 1000;
		if (p->p_timer == NULL)
			hold(p, dribble_tick);
		else
			event_assign(p->p_timer, conn_base_of(c), -1, 0,
			    dribble_tick, p);
		event_add(p->p_timer, &p->p_every);
		return;		/* p now belongs to the dribble */
	default:
		send_whole(c, &p->p_req, o->o_http_status, o->o_content_type,
		    o->o_body, o->o_body_len, close);
		/* The journal, metrics and log: after the answer, off the
		 * client's clock (nothing else runs meanwhile). */
		record(p);
		break;
	}
	pending_free(p);
}

static void
delay_over(evutil_socket_t fd, short events, void *arg)
{
	(void)fd, (void)events;
	send_outcome(arg);
}

void
deliver(struct conn *c, struct req *r, struct outcome *o, long long t0_us)
{
	struct pending *p = xcalloc(1, sizeof *p);
	struct timeval tv;
	long long ms = o->o_inj.i_delay_ms;

	p->p_conn = c;
	conn_hold(c);
	p->p_req = *r;
	memset(r, 0, sizeof *r);
	p->p_out = *o;
	memset(o, 0, sizeof *o);
	p->p_t0_us = t0_us;
	/* A slow body spends its delay dribbling, not waiting. */
	if (ms <= 0 || p->p_out.o_inj.i_fault == FK_SLOW_BODY) {
		send_outcome(p);
		return;
	}
	/* The event loop never sleeps: other connections go on meanwhile. */
	hold(p, delay_over);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	/* Timers count from the loop's cached time, which may be older than
	 * this request: refresh it, or a delay ends a few ms early. */
	event_base_update_cache_time(conn_base_of(c));
	event_add(p->p_timer, &tv);
}

void
deliver_stop(void)
{
	while (waiting != NULL)
		pending_free(waiting);
}
