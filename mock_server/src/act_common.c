/*
 * act_common.c: what every action shares: reading validated parameters,
 * failing with a catalogue message, and the gate of checks 20 and 21.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"

void
act_fail(struct act_result *res, const char *code, char *msg)
{
	res->ar_err_code = code;
	res->ar_err_msg = msg;
}

void
act_fail_cat(struct act_ctx *c, struct act_result *res, const char *code,
    const char *arg)
{
	const struct err_def *e = catalogue_find(code);

	if (e == NULL)
		fatalx("internal: %s is not in the catalogue", code);
	act_fail(res, e->e_code, catalogue_message(e, c->ac_lang_en, arg));
}

const char *
param_str(struct act_ctx *c, const char *name)
{
	return json_string_value(json_object_get(c->ac_params, name));
}

long long
param_int(struct act_ctx *c, const char *name, long long dflt)
{
	json_t *v = json_object_get(c->ac_params, name);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* The month (yyyymm, UTC) of the mock clock: free quotas reset with it. */
static int
quota_month(void)
{
	time_t now = clock_now();
	struct tm tm;

	gmtime_r(&now, &tm);
	return (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
}

bool
act_gate(struct act_ctx *c, enum quota q, long long chars,
    struct act_result *res)
{
	struct account *a = c->ac_account;
	int month;

	if (c->ac_dry_run) {
		act_fail_cat(c, res, "DryRunOperation", NULL);
		return false;
	}
	if (a == NULL || !a->a_billing_free || q == Q_NONE)
		return true;
	if (q == Q_FILE) {
		act_fail_cat(c, res, "FailedOperation.UserHasNoFreeAmount", NULL);
		return false;
	}
	month = quota_month();
	if (a->a_quota_month != month) {
		if (a->a_quota_month != 0)
			a->a_used_chars = 0;
		a->a_quota_month = month;
	}
	if (a->a_used_chars + chars > a->a_monthly_free_chars) {
		act_fail_cat(c, res, "FailedOperation.NoFreeAmount", NULL);
		return false;
	}
	a->a_used_chars += chars;
	return true;
}
