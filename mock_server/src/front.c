/*
 * front.c: the evhttp listener. It turns each evhttp request into a plain
 * struct req, hands it to the pipeline and writes the outcome back; nothing
 * past this file sees a libevent type.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "tmtmock.h"

/* Room for a GET URI past the 32 KiB limit, so check 2 can answer 414. */
#define FRONT_MAX_HEADERS (256 * 1024)

static struct evhttp *front_http;

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

static enum req_body
body_kind(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return RB_NONE;
	while (*ct == ' ')
		ct++;
	/* The media type alone: Java sends "application/json; charset=utf-8". */
	n = strcspn(ct, "; ");
	if (n == 16 && strncasecmp(ct, "application/json", n) == 0)
		return RB_JSON;
	if (n == 33 && strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0)
		return RB_FORM;
	return RB_OTHER;
}

static void
req_from_evhttp(struct evhttp_request *er, struct req *r)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(er);
	struct evbuffer *in = evhttp_request_get_input_buffer(er);
	struct evhttp_connection *evcon = evhttp_request_get_connection(er);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(er);
	struct evkeyval *kv;
	const char *uri = evhttp_request_get_uri(er), *q;
	char *addr = NULL;
	ev_uint16_t port = 0;
	size_t i, n = 0;

	memset(r, 0, sizeof *r);
	r->r_method = RM_OTHER;
	r->r_method_name = xstrdup("UNKNOWN");
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (methods[i].cmd == cmd) {
			free(r->r_method_name);
			r->r_method_name = xstrdup(methods[i].name);
			if (cmd == EVHTTP_REQ_GET)
				r->r_method = RM_GET;
			else if (cmd == EVHTTP_REQ_POST)
				r->r_method = RM_POST;
		}
	r->r_uri = xstrdup(uri);
	/* The raw query, exactly as sent: TC3 signs it verbatim. */
	q = strchr(uri, '?');
	r->r_path = q != NULL ? xstrndup(uri, (size_t)(q - uri)) : xstrdup(uri);
	r->r_query = xstrndup(q != NULL ? q + 1 : "", q != NULL ?
	    strcspn(q + 1, "#") : 0);

	/* keyvalq_struct.h gives the list's fields, not sys/queue.h's macros. */
	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next)
		n++;
	r->r_hdrs = xcalloc(n, sizeof *r->r_hdrs);
	for (kv = h->tqh_first; kv != NULL; kv = kv->next.tqe_next) {
		r->r_hdrs[r->r_nhdrs].k = xstrdup(kv->key);
		r->r_hdrs[r->r_nhdrs].v = xstrdup(kv->value);
		r->r_nhdrs++;
	}
	r->r_body_len = evbuffer_get_length(in);
	r->r_body = xmalloc(r->r_body_len + 1);
	evbuffer_copyout(in, r->r_body, r->r_body_len);
	r->r_body[r->r_body_len] = '\0';
	r->r_body_kind = body_kind(req_header(r, "Content-Type"));
	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	r->r_peer = xasprintf("%s:%u", addr != NULL ? addr : "?", port);
}

static void
front_request(struct evhttp_request *er, void *arg)
{
	struct evkeyvalq *out_h = evhttp_request_get_output_headers(er);
	struct evbuffer *out = evbuffer_new();
	struct req r;
	struct outcome o;

	(void)arg;
	req_from_evhttp(er, &r);
	pipeline_run(&r, &o);
	evhttp_add_header(out_h, "Content-Type", o.o_content_type);
	if (o.o_http_status != 200)
		evhttp_add_header(out_h, "Connection", "close");
	evbuffer_add(out, o.o_body, o.o_body_len);
	evhttp_send_reply(er, o.o_http_status,
	    o.o_http_status == 200 ? "OK" : "Request-URI Too Large", out);
	evbuffer_free(out);
	log_debug("%s %s %s %.80s -> %s %s", r.r_peer, r.r_method_name,
	    o.o_action != NULL ? o.o_action : "-", r.r_uri,
	    o.o_error_code != NULL ? o.o_error_code : "OK", o.o_request_id);
	outcome_free(&o);
	req_free(&r);
}

int
front_start(struct event_base *base, const char *host, int port)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char addr[INET6_ADDRSTRLEN];
	int bound_port;
	ev_uint16_t mask = 0;
	size_t i;

	if ((front_http = evhttp_new(base)) == NULL) {
		log_warnx("cannot create the HTTP server");
		return -1;
	}
	/* Every method reaches the pipeline, so check 1 can answer it. */
	for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
		mask |= (ev_uint16_t)methods[i].cmd;
	evhttp_set_allowed_methods(front_http, mask);
	evhttp_set_max_headers_size(front_http, FRONT_MAX_HEADERS);
	evhttp_set_max_body_size(front_http, TM_MAX_WIRE_BODY);
	evhttp_set_gencb(front_http, front_request, NULL);
	if ((bs = evhttp_bind_socket_with_handle(front_http, host,
	    (ev_uint16_t)port)) == NULL) {
		log_warnx("cannot listen on %s:%d", host, port);
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl) != 0) {
		log_warnx("getsockname failed");
		return -1;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
		bound_port = ntohs(s6->sin6_port);
		printf("listening on http://[%s]:%d\n", addr, bound_port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
		bound_port = ntohs(s4->sin_port);
		printf("listening on http://%s:%d\n", addr, bound_port);
	}
	fflush(stdout);
	return 0;
}

void
front_stop(void)
{
	if (front_http != NULL)
		evhttp_free(front_http);
	front_http = NULL;
}
