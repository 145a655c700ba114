/*
 * log.c: messages and the access log on stderr; stdout carries only the
 * listening lines.
 *
 * Logging never blocks the event loop and never lets a client write the
 * log (docs/hardening.md): a stderr pipe gets a non-blocking description of
 * its own, each line is written whole in one write(2) of at most
 * LOG_LINE_MAX bytes (under PIPE_BUF, so all or nothing) or dropped and
 * counted; control characters are written as '?'; a message repeated
 * within a second is counted, not written, and messages past LOG_BURST a
 * second are dropped and counted. The access log (-v) is one line per
 * request, asked for: it is never thinned, only dropped when unread.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "tmtmock.h"

/* A line and its newline fit one atomic pipe write (LOG_LINE_MAX). */
#if LOG_LINE_MAX + 1 > PIPE_BUF
#error "a log line must fit one atomic pipe write"
#endif
/* Messages (not access lines) written per second at most. */
#define LOG_BURST 50

int log_verbose;

static int log_fd = 2;
static bool log_sock;		/* stderr is a socket: send(MSG_DONTWAIT) */
static char last_msg[LOG_LINE_MAX + 1];
static long long last_msg_s = -1;	/* when last_msg was written */
static long long repeats;		/* of last_msg, not written */
static long long burst_s = -1;		/* the second burst_n counts */
static int burst_n;
static long long burst_dropped;		/* in that second, over LOG_BURST */

static long long
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

/* libevent's own warnings go the same way, thinned like ours. */
static void
libevent_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
}

void
log_init(void)
{
	struct stat st;
	int fd;

	event_set_log_callback(libevent_log);
	if (fstat(2, &st) != 0)
		return;
	if (S_ISFIFO(st.st_mode)) {
		/* O_NONBLOCK on fd 2 itself would change the description the
		 * shell and the other processes on this pipe share. */
		if ((fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK |
		    O_CLOEXEC)) >= 0)
			log_fd = fd;
	} else if (S_ISSOCK(st.st_mode))
		log_sock = true;
}

/* One whole line (s ends in '\n'), or nothing and a count. */
void
log_write(const char *s, size_t n)
{
	ssize_t w;

	do {
		w = log_sock ? send(log_fd, s, n, MSG_DONTWAIT | MSG_NOSIGNAL) :
		    write(log_fd, s, n);
	} while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n)
		metrics_hard(HC_LOG_DROPPED, 1);
}

/* A line of at most LOG_LINE_MAX bytes, control characters as '?', and
 * its newline. */
static void
log_emit(const char *prefix, const char *msg)
{
	char line[LOG_LINE_MAX + 2];
	size_t i, n;

	n = (size_t)snprintf(line, LOG_LINE_MAX + 1, "tmtmock: %s%s", prefix, msg);
	if (n > LOG_LINE_MAX)
		n = LOG_LINE_MAX;
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			line[i] = '?';
	line[n++] = '\n';
	log_write(line, n);
}

/* Whether a message may be written now: not a repeat within the second,
 * not past the second's burst. What is held back is reported after. */
static bool
log_admit(const char *msg)
{
	long long now = mono_s();
	char note[96];

	if (burst_s != now) {
		if (burst_dropped > 0) {
			snprintf(note, sizeof note, "%lld log lines dropped (more "
			    "than %d a second)", burst_dropped, LOG_BURST);
			log_emit("", note);
		}
		burst_s = now;
		burst_n = 0;
		burst_dropped = 0;
	}
	if (strcmp(msg, last_msg) == 0 && now == last_msg_s) {
		repeats++;
		metrics_hard(HC_LOG_DROPPED, 1);
		return false;
	}
	if (burst_n >= LOG_BURST) {
		burst_dropped++;
		metrics_hard(HC_LOG_DROPPED, 1);
		return false;
	}
	burst_n++;
	if (repeats > 0) {
		snprintf(note, sizeof note, "the last message was repeated %lld "
		    "more times", repeats);
		log_emit("", note);
		repeats = 0;
	}
	snprintf(last_msg, sizeof last_msg, "%s", msg);
	last_msg_s = now;
	return true;
}

static void
vlog(const char *prefix, bool always, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX + 1];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (always || log_admit(msg))
		log_emit(prefix, msg);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", false, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog("", false, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", false, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", true, fmt, ap);
	va_end(ap);
	exit(2);
}

char *
log_text_field(const char *s, size_t max)
{
	char *t;
	size_t i;

	if (s == NULL || *s == '\0')
		return xstrdup("-");
	t = xstrndup(s, strnlen(s, max));
	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] <= ' ' || t[i] == 0x7f)
			t[i] = '?';
	return t;
}
