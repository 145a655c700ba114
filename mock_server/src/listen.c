/*
 * listen.c: a host and port into listening sockets, with errors a person can
 * act on.
 *
 * A name is bound on every address it resolves to: `localhost` is 127.0.0.1
 * on some machines and 127.0.0.1 plus ::1 on a standard Debian, where Node
 * tries ::1 first. A mock on 127.0.0.1 alone would refuse such a client
 * (docs/options.md, Listening). Port 0 picks one free port shared by all the
 * addresses, so a client may use any of them.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmtmock.h"

/* Port 0 on several addresses: a port free on the first may be taken on the
 * next; a fresh pick is tried this many times. */
#define LISTEN_PICK_TRIES 16

/* The ways to choose another address, named in every "cannot listen":
 * the option (listen, tls-listen, admin-listen), its variable, and for the
 * API's own listener `make run`'s. */
static void
listen_hint(const char *opt, char *buf, size_t len)
{
	char env[64];
	size_t i;

	for (i = 0; opt[i] != '\0' && i + 1 < sizeof env; i++)
		env[i] = opt[i] == '-' ? '_' : (char)(opt[i] & ~0x20);
	env[i] = '\0';
	snprintf(buf, len, "choose another with --%s ADDR:PORT%s TMTMOCK_%s=ADDR:PORT%s "
	    "(port 0 picks a free one)", opt, strcmp(opt, "listen") == 0 ? "," : " or",
	    env, strcmp(opt, "listen") == 0 ? " or `make run LISTEN=ADDR:PORT`" : "");
}

/* One address, as bind(2) takes it. */
struct listen_addr {
	struct sockaddr_storage	 la_ss;
	socklen_t		 la_len;
};

static int
listen_port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void
listen_set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

void
listen_format(const struct sockaddr_storage *ss, const char *scheme,
    char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr,
		    addr, sizeof addr);
		snprintf(buf, len, "%s://[%s]:%d", scheme, addr, listen_port_of(ss));
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    addr, sizeof addr);
		snprintf(buf, len, "%s://%s:%d", scheme, addr, listen_port_of(ss));
	}
}

/* The addresses of host, IPv4 first (a reader of the first listening line
 * gets the address every client can reach), without repeats. */
static int
listen_resolve(const char *host, struct listen_addr *out, size_t max,
    size_t *n, const char *scheme, int port, const char *hint, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	size_t i;
	int family, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* Not AI_ADDRCONFIG: it hides ::1 on a host with no global IPv6,
	 * which is exactly where localhost's ::1 still works. */
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host[0] != '\0' ? host : NULL, "0", &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot listen on %s://%s:%d: %s does not "
		    "resolve (%s); %s", scheme, host, port, host, gai_strerror(rc),
		    hint);
		return -1;
	}
	*n = 0;
	for (family = AF_INET; family != 0; family = family == AF_INET ? AF_INET6 : 0)
		for (ai = res; ai != NULL && *n < max; ai = ai->ai_next) {
			if (ai->ai_family != family || ai->ai_addrlen > sizeof out[0].la_ss)
				continue;
			for (i = 0; i < *n; i++)
				if (out[i].la_len == ai->ai_addrlen &&
				    memcmp(&out[i].la_ss, ai->ai_addr, ai->ai_addrlen) == 0)
					break;
			if (i < *n)
				continue;
			memset(&out[*n].la_ss, 0, sizeof out[*n].la_ss);
			memcpy(&out[*n].la_ss, ai->ai_addr, ai->ai_addrlen);
			out[*n].la_len = ai->ai_addrlen;
			listen_set_port(&out[*n].la_ss, port);
			(*n)++;
		}
	freeaddrinfo(res);
	if (*n == 0) {
		snprintf(err, errlen, "cannot listen on %s://%s:%d: %s has no IPv4 "
		    "or IPv6 address; %s", scheme, host, port, host, hint);
		return -1;
	}
	return 0;
}

/* One listening socket on a, non-blocking and close-on-exec; -1 with errno.
 * v6only: the name has IPv4 addresses too, bound by sockets of their own. */
static int
listen_one(const struct listen_addr *a, int backlog, bool v6only)
{
	int fd, on = 1, saved;

	if ((fd = socket(a->la_ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* A restarted mock gets its port back while old connections linger in
	 * TIME_WAIT; another listener on the port still fails with EADDRINUSE. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)
		goto fail;
	/* [::] alone serves IPv4 too (Linux's default); beside 0.0.0.0 it
	 * must not claim IPv4's port through mapped addresses. */
	if (a->la_ss.ss_family == AF_INET6 && v6only &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&a->la_ss, a->la_len) != 0 ||
	    listen(fd, backlog) != 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* What a person should do about a failed bind. */
static const char *
listen_why(int e)
{
	switch (e) {
	case EADDRINUSE:
		return " (another program, or another tmtmock, listens there)";
	case EACCES:
		return " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
	case EADDRNOTAVAIL:
		return " (no interface of this machine has that address)";
	default:
		return "";
	}
}

/* Where the API's listener (opt "listen") bound first: --ready-file's URL. */
static struct sockaddr_storage api_bound;
static bool api_bound_set;

bool
listen_api_url(char *buf, size_t len)
{
	if (!api_bound_set)
		return false;
	listen_format(&api_bound, "http", buf, len);
	return true;
}

/* Every port listened on (one per listener: a name's addresses share it). */
static int own_ports[8];
static size_t nown_ports;

bool
listen_own_port(int port)
{
	size_t i;

	for (i = 0; i < nown_ports; i++)
		if (own_ports[i] == port)
			return true;
	return false;
}

int
listen_open(const char *opt, const char *host, int port, const char *scheme,
    int backlog, int *fds, struct sockaddr_storage *bound, size_t max,
    size_t *nfds, char *err, size_t errlen)
{
	struct listen_addr addrs[LISTEN_MAX_ADDRS];
	char where[INET6_ADDRSTRLEN + 32], hint[256];
	size_t naddrs, i, n = 0, tries;
	socklen_t sl;
	int chosen, e = 0;

	listen_hint(opt, hint, sizeof hint);
	if (max > LISTEN_MAX_ADDRS)
		max = LISTEN_MAX_ADDRS;
	if (listen_resolve(host, addrs, max, &naddrs, scheme, port, hint, err,
	    errlen) != 0)
		return -1;
	for (tries = 0; tries < LISTEN_PICK_TRIES; tries++) {
		chosen = port;
		n = 0;
		for (i = 0; i < naddrs; i++) {
			listen_set_port(&addrs[i].la_ss, chosen);
			if ((fds[n] = listen_one(&addrs[i], backlog,
			    addrs[0].la_ss.ss_family == AF_INET)) == -1) {
				e = errno;
				/* A name's second address that this machine lacks
				 * (::1 with IPv6 off) is skipped, not fatal. */
				if (e == EADDRNOTAVAIL && naddrs > 1 &&
				    (n > 0 || i + 1 < naddrs)) {
					listen_format(&addrs[i].la_ss, scheme, where, sizeof where);
					log_warnx("not listening on %s: %s", where, strerror(e));
					continue;
				}
				break;
			}
			sl = sizeof bound[n];
			if (getsockname(fds[n], (struct sockaddr *)&bound[n], &sl) != 0) {
				e = errno;
				close(fds[n]);
				break;
			}
			if (chosen == 0)
				chosen = listen_port_of(&bound[n]);
			n++;
		}
		if (i == naddrs && n > 0) {
			*nfds = n;
			if (strcmp(opt, "listen") == 0 && !api_bound_set) {
				api_bound = bound[0];
				api_bound_set = true;
			}
			if (nown_ports < sizeof own_ports / sizeof own_ports[0])
				own_ports[nown_ports++] = listen_port_of(&bound[0]);
			return 0;
		}
		while (n > 0)
			close(fds[--n]);
		/* Only a port picked here is worth another pick. */
		if (!(port == 0 && e == EADDRINUSE && chosen != 0))
			break;
	}
	listen_set_port(&addrs[i < naddrs ? i : 0].la_ss, chosen);
	listen_format(&addrs[i < naddrs ? i : 0].la_ss, scheme, where, sizeof where);
	snprintf(err, errlen, "cannot listen on %s: %s%s; %s", where,
	    strerror(e), listen_why(e), hint);
	return -1;
}
