/*
 * health_cmd.c: `tmtmock --health [URL]`, the container's health check
 * without curl in the image, and --ready-file, which tells it where the mock
 * listens when the user moved it with --listen (docs/helpers.md, Container).
 *
 * The probe is one HTTP/1.1 GET of /_mock/health, which needs no admin
 * token (admin.c), so --admin-token given on the command line, which the
 * probe cannot see, changes nothing. Without a URL the address comes from
 * the --ready-file the mock wrote (TMTMOCK_READY_FILE, as the image sets
 * it), else from TMTMOCK_LISTEN, else localhost:9000. An address that binds
 * every interface (0.0.0.0, ::) is probed on loopback.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmtmock.h"

#define HEALTH_TIMEOUT_S 3
#define HEALTH_ANSWER_MAX 4096

static bool ready_written;

int
health_ready_write(char *err, size_t errlen)
{
	char url[128], *tmp = NULL;
	FILE *f = NULL;
	int rc = -1;

	if (conf.c_ready_file == NULL)
		return 0;
	if (!listen_api_url(url, sizeof url)) {
		snprintf(err, errlen, "--ready-file: the API listener is not bound");
		return -1;
	}
	/* Written beside and renamed: a reader sees all of it or nothing. */
	tmp = xasprintf("%s.%ld.tmp", conf.c_ready_file, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL || fprintf(f, "%s\n", url) < 0 ||
	    fclose(f) != 0) {
		f = NULL;
		snprintf(err, errlen, "--ready-file: cannot write %s: %s", tmp,
		    strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, conf.c_ready_file) != 0) {
		snprintf(err, errlen, "--ready-file: cannot rename %s to %s: %s",
		    tmp, conf.c_ready_file, strerror(errno));
		goto fail;
	}
	ready_written = true;
	rc = 0;
fail:
	if (f != NULL)
		fclose(f);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

void
health_ready_remove(void)
{
	if (ready_written)
		unlink(conf.c_ready_file);
	ready_written = false;
}

struct target {
	char	host[256];
	char	port[8];
	char	path[512];
};

/*
 * http://HOST:PORT[/PATH], [V6]:PORT or HOST:PORT; the path defaults to
 * /_mock/health. false with why set.
 */
static bool
target_parse(const char *url, struct target *t, const char **why)
{
	const char *p = url, *hend, *pstart, *slash;
	size_t n;

	if (strncmp(p, "https://", 8) == 0) {
		*why = "https is not probed: give the http listener's URL";
		return false;
	}
	if (strncmp(p, "http://", 7) == 0)
		p += 7;
	slash = strchr(p, '/');
	if (*p == '[') {
		if ((hend = strchr(p, ']')) == NULL || hend[1] != ':') {
			*why = "expected [IPV6]:PORT";
			return false;
		}
		n = (size_t)(hend - p - 1);
		memcpy(t->host, p + 1, n < sizeof t->host ? n : 0);
		pstart = hend + 2;
	} else {
		hend = memrchr(p, ':', slash != NULL ? (size_t)(slash - p) : strlen(p));
		if (hend == NULL) {
			*why = "expected HOST:PORT";
			return false;
		}
		n = (size_t)(hend - p);
		pstart = hend + 1;
	}
	if (n == 0 || n >= sizeof t->host) {
		*why = "the host is empty or too long";
		return false;
	}
	if (*p != '[')
		memcpy(t->host, p, n);
	t->host[n] = '\0';
	n = slash != NULL ? (size_t)(slash - pstart) : strlen(pstart);
	if (n == 0 || n >= sizeof t->port || strspn(pstart, "0123456789") != n) {
		*why = "the port is not a number";
		return false;
	}
	memcpy(t->port, pstart, n);
	t->port[n] = '\0';
	snprintf(t->path, sizeof t->path, "%s", slash != NULL && slash[1] != '\0' ?
	    slash : "/_mock/health");
	/* Listening on every interface: probe loopback. */
	if (strcmp(t->host, "0.0.0.0") == 0)
		snprintf(t->host, sizeof t->host, "127.0.0.1");
	else if (strcmp(t->host, "::") == 0)
		snprintf(t->host, sizeof t->host, "::1");
	return true;
}

/* The URL to probe when none is given; caller frees. */
static char *
default_url(void)
{
	const char *file = getenv("TMTMOCK_READY_FILE"), *listen;
	char line[256];
	FILE *f;

	if (file != NULL && *file != '\0' && (f = fopen(file, "r")) != NULL) {
		if (fgets(line, sizeof line, f) != NULL) {
			fclose(f);
			line[strcspn(line, "\r\n")] = '\0';
			return xstrdup(line);
		}
		fclose(f);
	}
	if ((listen = getenv("TMTMOCK_LISTEN")) != NULL && *listen != '\0')
		return xstrdup(listen);
	return xstrdup("http://localhost:9000");
}

/* Connects to the first address of t that answers; -1 with why. */
static int
health_connect(const struct target *t, const char **why)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = { HEALTH_TIMEOUT_S, 0 };
	int fd = -1, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(t->host, t->port, &hints, &res)) != 0) {
		*why = gai_strerror(rc);
		return -1;
	}
	*why = "no address";
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0)
			continue;
		/* On Linux the send timeout bounds connect() too. */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		*why = strerror(errno);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
health_main(int argc, char **argv)
{
	struct target t;
	char *url, *req = NULL, answer[HEALTH_ANSWER_MAX + 1], *body;
	const char *why = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = -1, rc = 1;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: tmtmock --health [URL]\n");
		return 2;
	}
	url = argc == 2 ? xstrdup(argv[1]) : default_url();
	memset(&t, 0, sizeof t);
	if (!target_parse(url, &t, &why)) {
		fprintf(stderr, "tmtmock --health: %s: %s\n", url, why);
		free(url);
		return 2;
	}
	if ((fd = health_connect(&t, &why)) < 0) {
		fprintf(stderr, "tmtmock --health: %s: %s\n", url, why);
		goto out;
	}
	req = xasprintf("GET %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
	    "Connection: close\r\n\r\n", t.path, strchr(t.host, ':') ? "[" : "",
	    t.host, strchr(t.host, ':') ? "]" : "", t.port);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		fprintf(stderr, "tmtmock --health: %s: cannot send: %s\n", url,
		    strerror(errno));
		goto out;
	}
	while (got < HEALTH_ANSWER_MAX &&
	    (n = read(fd, answer + got, HEALTH_ANSWER_MAX - got)) > 0)
		got += (size_t)n;
	answer[got] = '\0';
	if (strncmp(answer, "HTTP/1.1 200 ", 13) != 0 &&
	    strncmp(answer, "HTTP/1.0 200 ", 13) != 0) {
		fprintf(stderr, "tmtmock --health: %s: %s\n", url, got == 0 ?
		    "no answer" : strtok(answer, "\r\n"));
		goto out;
	}
	body = strstr(answer, "\r\n\r\n");
	printf("%s\n", body != NULL ? body + 4 : "");
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(url);
	return rc;
}
