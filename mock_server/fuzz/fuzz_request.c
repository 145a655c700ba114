/*
 * fuzz_request.c: the whole request as the server sees it, through the real
 * pipeline (form and JSON decoding, common parameters, the Authorization
 * header, signatures, fault injection, magic values, schema validation,
 * every action, the answer) and, as the front does, into the journal and the
 * metrics. /_mock/ paths go to the admin API, as front_request() sends them.
 *
 * Input framing (what the front would have parsed off the wire):
 *
 *	[!]METHOD SP URI LF
 *	Name: value LF		(any number; CR LF also ends a line)
 *	LF
 *	body			(the rest, raw bytes)
 *
 * A leading '!' runs this input with --auth off, so mutated requests reach
 * the actions without a valid signature; without it the signed seeds of the
 * corpus (timestamp FUZZ_NOW, the clock frozen there) verify for real.
 */
#include "fuzz.h"

static bool debug;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_setup();
	conf.c_rate_limit = false;
	debug = getenv("TMTMOCK_FUZZ_DEBUG") != NULL;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req r;
	struct outcome o;
	char *buf;
	bool auth_off = size > 0 && data[0] == '!', admin;

	if (auth_off) {
		data++;
		size--;
	}
	buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	fuzz_frame(buf, size, &r);
	free(buf);

	conf.c_auth = !auth_off;
	admin = strncmp(r.r_path, "/_mock/", 7) == 0;
	if (admin) {
		admin_handle(&r, false, &o);
	} else {
		pipeline_run(&r, &o);
		journal_record(&r, &o, r.r_conn_id, 1);
		metrics_count(o.o_action, o.o_inj.i_fault != FK_NONE ?
		    fault_name(o.o_inj.i_fault) : o.o_error_code, 1);
	}
	if (debug)	/* TMTMOCK_FUZZ_DEBUG=1: what each input was answered */
		fprintf(stderr, "fuzz_request: %s %s -> %d %s %s\n", r.r_method_name,
		    r.r_path, o.o_http_status, o.o_error_code != NULL ?
		    o.o_error_code : "OK", o.o_inj.i_fault != FK_NONE ?
		    fault_name(o.o_inj.i_fault) : "");
	/* The answer as front.c writes it: a body of o_body_len bytes. */
	if (o.o_body == NULL || strlen(o.o_body) != o.o_body_len ||
	    o.o_content_type == NULL)
		abort();
	outcome_free(&o);
	req_free(&r);
	conf.c_auth = true;
	/* What the admin API changed must not outlive the input that changed
	 * it (a rule would fire on later inputs, a clock move expire the
	 * seeds), so that every crash replays from its input alone. */
	if (admin) {
		fault_clear();
		fuzz_load_fixtures();
		clock_reset();
		clock_freeze(FUZZ_NOW);
		rng_seed(42);
	}
	fuzz_clear_state();
	return 0;
}
