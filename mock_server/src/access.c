/*
 * access.c: the access log (-v, --log-format): one line per API request,
 * what came and what went, written through log.c once the answer has
 * left. It sits with delivery, beside the journal and the metrics: log.c
 * below it knows nothing of requests, outcomes or faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tmtmock.h"

enum log_format log_access_format;

static json_t *
json_field(const char *s, size_t max)
{
	if (s == NULL || *s == '\0')
		return json_null();
	return json_string_take(xstrndup(s, strnlen(s, max)));	/* non-UTF-8 bytes become '?' */
}

/*
 * One line per API request: what came (peer, method, path, action,
 * SecretId) and what went (HTTP status, error code, transport fault,
 * latency, RequestId). time is the wall clock, not the mock clock: this is
 * the server's log. A connection reset or closed has no status.
 */
void
log_access(const struct req *r, const struct outcome *o, long long latency_us)
{
	struct timespec ts;
	struct tm tm;
	char when[40], status[8] = "-";
	bool sent = o->o_inj.i_fault != FK_RESET && o->o_inj.i_fault != FK_CLOSE;
	const char *fault = o->o_inj.i_fault != FK_NONE ?
	    fault_name(o->o_inj.i_fault) : NULL;
	char *line;
	size_t n;

	if (log_access_format == LOG_OFF)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof when - strlen(when), ".%03ldZ",
	    ts.tv_nsec / 1000000);
	if (sent)
		snprintf(status, sizeof status, "%d", o->o_http_status);
	if (log_access_format == LOG_JSON) {
		json_t *j = json_object();

		json_object_set_new(j, "time", json_string(when));
		json_object_set_new(j, "peer", json_field(r->r_peer, 64));
		json_object_set_new(j, "method", json_field(r->r_method_name, 16));
		json_object_set_new(j, "path", json_field(r->r_path, 1024));
		json_object_set_new(j, "action", json_field(o->o_action, 64));
		json_object_set_new(j, "secret_id", json_field(o->o_secret_id, 128));
		json_object_set_new(j, "code", json_field(o->o_error_code, 128));
		json_object_set_new(j, "fault", json_field(fault, 32));
		json_object_set_new(j, "status", sent ?
		    json_integer(o->o_http_status) : json_null());
		json_object_set_new(j, "latency_us", json_integer(latency_us));
		json_object_set_new(j, "request_id", json_field(o->o_request_id, 37));
		line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
	} else {
		char *peer = log_text_field(r->r_peer, 64);
		char *method = log_text_field(r->r_method_name, 16);
		char *path = log_text_field(r->r_path, 200);
		char *action = log_text_field(o->o_action, 64);
		char *sid = log_text_field(o->o_secret_id, 64);
		char *code = log_text_field(o->o_error_code != NULL ?
		    o->o_error_code : "OK", 128);

		line = xasprintf("%s %s %s %s %s %s %s %s %s %lldus %s", when,
		    peer, method, path, action, sid, status, code,
		    fault != NULL ? fault : "-", latency_us,
		    o->o_request_id[0] != '\0' ? o->o_request_id : "-");
		free(peer);
		free(method);
		free(path);
		free(action);
		free(sid);
		free(code);
	}
	/* One write per line, so lines of a busy log do not interleave;
	 * its fields are cut, so it fits LOG_LINE_MAX. */
	n = strlen(line);
	if (n > LOG_LINE_MAX)
		n = LOG_LINE_MAX;
	line[n++] = '\n';	/* over the NUL: written by length */
	log_write(line, n);
	free(line);
}
