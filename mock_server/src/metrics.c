/*
 * metrics.c: request counts by action and answer, and a latency histogram,
 * in the Prometheus text format for GET /_mock/metrics.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

#define METRICS_BUCKETS 64

struct counter {
	char		*m_action;
	char		*m_code;
	long long	 m_n;
	struct counter	*m_next;
};

/* Upper bounds in seconds; the last bucket is +Inf. */
static const double bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

static struct counter *table[METRICS_BUCKETS];
static long long hard[HC_N];
/* The counters of docs/hardening.md, in enum hard_counter's order. */
static const struct {
	const char *name, *help;
} hard_names[HC_N] = {
	[HC_JOURNAL_LOST] = { "tmtmock_journal_file_lost_total",
	    "Journal entries the --journal file could not take (a write error)." },
	[HC_JOURNAL_EVICTED] = { "tmtmock_journal_evicted_bytes_total",
	    "Journal entries dropped early to stay within --journal-max-bytes." },
	[HC_LOG_DROPPED] = { "tmtmock_log_lines_dropped_total",
	    "Log lines dropped: stderr was not being read, or too many in a second." },
	[HC_WRITE_TIMEOUTS] = { "tmtmock_write_timeouts_total",
	    "Connections closed because their answer was not read within --write-timeout." },
	[HC_ACCEPT_PAUSES] = { "tmtmock_accept_pauses_total",
	    "Times accepting paused because descriptors ran out." },
	[HC_BAD_FRAMING] = { "tmtmock_bad_framing_total",
	    "Requests refused for conflicting Content-Length or Transfer-Encoding headers." },
	[HC_CALLBACKS_REFUSED] = { "tmtmock_callbacks_refused_total",
	    "CallbackUrls never called: not loopback http, or one of the mock's own ports." },
};

void
metrics_hard(enum hard_counter c, long long n)
{
	hard[c] += n;
}
static long long hist[NBOUNDS + 1], total;
static double sum_s;

static size_t
hash2(const char *a, const char *b)
{
	size_t h = 5381;

	while (*a != '\0')
		h = h * 33 + (unsigned char)*a++;
	h = h * 33 + '|';
	while (*b != '\0')
		h = h * 33 + (unsigned char)*b++;
	return h % METRICS_BUCKETS;
}

void
metrics_count(const char *action, const char *code, long long latency_us)
{
	/* The client chose the Action: one label per name it sent would grow
	 * the table without end. Names that are not TMT actions count as "". */
	const char *a = action != NULL && action_find(action) != NULL ? action : "";
	const char *c = code != NULL ? code : "OK";
	size_t h = hash2(a, c), i;
	struct counter *m;
	double s = (double)latency_us / 1e6;

	for (m = table[h]; m != NULL; m = m->m_next)
		if (strcmp(m->m_action, a) == 0 && strcmp(m->m_code, c) == 0)
			break;
	if (m == NULL) {
		m = xcalloc(1, sizeof *m);
		m->m_action = xstrdup(a);
		m->m_code = xstrdup(c);
		m->m_next = table[h];
		table[h] = m;
	}
	m->m_n++;
	for (i = 0; i < NBOUNDS && s > bounds[i]; i++)
		;
	hist[i]++;
	total++;
	sum_s += s;
}

/* Label values are ours or the catalogue's, but a client's Action is not:
 * escape what the text format requires. */
static void
add_label(struct buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			buf_addc(b, '\\');
		if (*v == '\n') {
			buf_adds(b, "\\n");
			continue;
		}
		buf_addc(b, *v);
	}
}

char *
metrics_text(void)
{
	struct buf b = { 0 };
	struct counter *m;
	long long cum = 0;
	size_t i;

	buf_adds(&b, "# HELP tmtmock_requests_total Requests answered, by action and error code (OK for success).\n"
	    "# TYPE tmtmock_requests_total counter\n");
	for (i = 0; i < METRICS_BUCKETS; i++)
		for (m = table[i]; m != NULL; m = m->m_next) {
			buf_adds(&b, "tmtmock_requests_total{action=\"");
			add_label(&b, m->m_action);
			buf_adds(&b, "\",code=\"");
			add_label(&b, m->m_code);
			buf_addf(&b, "\"} %lld\n", m->m_n);
		}
	buf_adds(&b, "# HELP tmtmock_request_duration_seconds Time from a request to its answer.\n"
	    "# TYPE tmtmock_request_duration_seconds histogram\n");
	for (i = 0; i <= NBOUNDS; i++) {
		cum += hist[i];
		if (i < NBOUNDS)
			buf_addf(&b, "tmtmock_request_duration_seconds_bucket{le=\"%g\"} %lld\n",
			    bounds[i], cum);
		else
			buf_addf(&b, "tmtmock_request_duration_seconds_bucket{le=\"+Inf\"} %lld\n",
			    cum);
	}
	buf_addf(&b, "tmtmock_request_duration_seconds_sum %.6f\n"
	    "tmtmock_request_duration_seconds_count %lld\n", sum_s, total);
	for (i = 0; i < HC_N; i++)
		buf_addf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %lld\n",
		    hard_names[i].name, hard_names[i].help, hard_names[i].name,
		    hard_names[i].name, hard[i]);
	buf_addf(&b, "# HELP tmtmock_journal_bytes Bytes the journal's entries hold.\n"
	    "# TYPE tmtmock_journal_bytes gauge\ntmtmock_journal_bytes %lld\n"
	    "# HELP tmtmock_file_task_bytes Bytes FileTranslate's documents hold.\n"
	    "# TYPE tmtmock_file_task_bytes gauge\ntmtmock_file_task_bytes %lld\n",
	    journal_bytes(), file_task_bytes());
	return (char *)buf_str(&b);
}

void
metrics_clear(void)
{
	struct counter *m;
	size_t i;

	for (i = 0; i < METRICS_BUCKETS; i++)
		while ((m = table[i]) != NULL) {
			table[i] = m->m_next;
			free(m->m_action);
			free(m->m_code);
			free(m);
		}
	memset(hist, 0, sizeof hist);
	memset(hard, 0, sizeof hard);
	total = 0;
	sum_s = 0;
}
