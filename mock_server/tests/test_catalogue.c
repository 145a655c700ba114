/*
 * test_catalogue.c: the error catalogue (catalogue.c) is complete and
 * well-formed: sorted without duplicates (catalogue_find bsearches it),
 * every common and TMT business code present, exactly the 38 FAQ codes of
 * docs/behaviour.md marked e_faq, message formats safe for printf, the
 * retry classes of docs/conformance.md, and the language choice of
 * catalogue_message.
 */
#include <stdlib.h>
#include <string.h>

#include "tmtmock.h"
#include "tests.h"

#define NELEM(a)	(sizeof (a) / sizeof (a)[0])

/* docs/behaviour.md, "The 38 error codes of the TMT FAQ". */
static const char *const faq_codes[] = {
	"AuthFailure.InvalidSecretId",
	"AuthFailure.MFAFailure",
	"AuthFailure.SecretIdNotFound",
	"AuthFailure.SignatureExpire",
	"AuthFailure.SignatureFailure",
	"AuthFailure.TokenFailure",
	"AuthFailure.UnauthorizedOperation",
	"DryRunOperation",
	"FailedOperation",
	"FailedOperation.NoFreeAmount",
	"FailedOperation.ServiceIsolate",
	"FailedOperation.UserNotRegistered",
	"InternalError",
	"InternalError.BackendTimeout",
	"InternalError.ErrorUnknown",
	"InvalidAction",
	"InvalidParameter",
	"InvalidParameter.DuplicatedSessionIdAndSeq",
	"InvalidParameter.SeqIntervalTooLarge",
	"InvalidParameterValue",
	"LimitExceeded",
	"MissingParameter",
	"NoSuchVersion",
	"RequestLimitExceeded",
	"ResourceInUse",
	"ResourceInsufficient",
	"ResourceNotFound",
	"ResourceUnavailable",
	"UnauthorizedOperation",
	"UnauthorizedOperation.ActionNotFound",
	"UnknownParameter",
	"UnsupportedOperation",
	"UnsupportedOperation.TextTooLong",
	"UnsupportedOperation.UnSupportedTargetLanguage",
	"UnsupportedOperation.UnsupportedLanguage",
	"UnsupportedOperation.UnsupportedSourceLanguage",
	"UnsupportedProtocol",
	"UnsupportedRegion",
};

/* The FAQ codes docs/behaviour.md marks "injection only": no natural trigger. */
static const char *const injection_only[] = {
	"FailedOperation",
	"InternalError",
	"InternalError.BackendTimeout",
	"InternalError.ErrorUnknown",
	"LimitExceeded",
	"ResourceInUse",
	"ResourceInsufficient",
	"ResourceNotFound",
	"ResourceUnavailable",
	"UnauthorizedOperation.ActionNotFound",
};

/* The common codes of the TMT error-code page (docs/behaviour.md). */
static const char *const common_codes[] = {
	"ActionOffline",
	"AuthFailure.InvalidAuthorization",
	"AuthFailure.InvalidSecretId",
	"AuthFailure.MFAFailure",
	"AuthFailure.SecretIdNotFound",
	"AuthFailure.SignatureExpire",
	"AuthFailure.SignatureFailure",
	"AuthFailure.TokenFailure",
	"AuthFailure.UnauthorizedOperation",
	"DryRunOperation",
	"FailedOperation",
	"InternalError",
	"InvalidAction",
	"InvalidParameter",
	"InvalidParameterValue",
	"InvalidRequest",
	"IpInBlacklist",
	"IpNotInWhitelist",
	"LimitExceeded",
	"MissingParameter",
	"NoSuchProduct",
	"NoSuchVersion",
	"RequestLimitExceeded",
	"RequestLimitExceeded.GlobalRegionUinLimitExceeded",
	"RequestLimitExceeded.IPLimitExceeded",
	"RequestLimitExceeded.UinLimitExceeded",
	"RequestSizeLimitExceeded",
	"ResourceInUse",
	"ResourceInsufficient",
	"ResourceNotFound",
	"ResourceUnavailable",
	"ResponseSizeLimitExceeded",
	"ServiceUnavailable",
	"UnauthorizedOperation",
	"UnknownParameter",
	"UnsupportedOperation",
	"UnsupportedProtocol",
	"UnsupportedRegion",
};

/* The TMT business codes of the API definitions, over their history. */
static const char *const tmt_codes[] = {
	"FailedOperation",
	"FailedOperation.DecodeErr",
	"FailedOperation.DownloadErr",
	"FailedOperation.ErrorUserArea",
	"FailedOperation.InsertErr",
	"FailedOperation.LanguageRecognitionErr",
	"FailedOperation.NoFreeAmount",
	"FailedOperation.RequestAiLabErr",
	"FailedOperation.RequestHunYuanErr",
	"FailedOperation.ServiceIsolate",
	"FailedOperation.StopUsing",
	"FailedOperation.SubmissionLimitReached",
	"FailedOperation.TooManyWaitProcess",
	"FailedOperation.UserHasNoFreeAmount",
	"FailedOperation.UserNotRegistered",
	"InternalError",
	"InternalError.BackendTimeout",
	"InternalError.ErrorGetRoute",
	"InternalError.ErrorUnknown",
	"InternalError.RequestFailed",
	"InvalidParameter",
	"InvalidParameter.DuplicatedSessionIdAndSeq",
	"InvalidParameter.MissingParameter",
	"InvalidParameter.SeqIntervalTooLarge",
	"InvalidParameterValue",
	"LimitExceeded",
	"LimitExceeded.LimitedAccessFrequency",
	"MissingParameter",
	"RequestLimitExceeded.UinLimitExceeded",
	"UnauthorizedOperation.ActionNotFound",
	"UnsupportedOperation",
	"UnsupportedOperation.AudioDurationExceed",
	"UnsupportedOperation.TextTooLong",
	"UnsupportedOperation.UnSupportedTargetLanguage",
	"UnsupportedOperation.UnsupportedLanguage",
	"UnsupportedOperation.UnsupportedSourceLanguage",
};

static bool
in_list(const char *code, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

static void
test_sorted_unique(void)
{
	size_t i, n = catalogue_count();

	TCHECK(n > 0, "the catalogue is empty");
	TCHECK(catalogue_at(n) == NULL, "catalogue_at(count) is not NULL");
	for (i = 0; i < n; i++) {
		const struct err_def *e = catalogue_at(i);

		TCHECK(e != NULL && e->e_code != NULL && *e->e_code != '\0',
		    "entry %zu has no code", i);
		TCHECK(e != NULL && e->e_en != NULL && *e->e_en != '\0',
		    "entry %zu has no English text", i);
		if (e == NULL || e->e_code == NULL || i == 0)
			continue;
		TCHECK(strcmp(catalogue_at(i - 1)->e_code, e->e_code) < 0,
		    "%s then %s: not sorted, or a duplicate",
		    catalogue_at(i - 1)->e_code, e->e_code);
	}
}

static void
test_faq(void)
{
	size_t i, n = catalogue_count(), nfaq = 0;

	TCHECK(NELEM(faq_codes) == 38, "the FAQ list of the test has %zu codes",
	    NELEM(faq_codes));
	for (i = 0; i < n; i++) {
		const struct err_def *e = catalogue_at(i);
		bool want = in_list(e->e_code, faq_codes, NELEM(faq_codes));

		nfaq += e->e_faq;
		TCHECK(e->e_faq == want, "%s: e_faq is %d, want %d", e->e_code,
		    e->e_faq, want);
	}
	TCHECK(nfaq == 38, "%zu entries have e_faq, want 38", nfaq);
	for (i = 0; i < NELEM(faq_codes); i++)
		TCHECK(catalogue_find(faq_codes[i]) != NULL,
		    "FAQ code %s is not in the catalogue", faq_codes[i]);
}

/* A FAQ code has a natural trigger unless docs/behaviour.md says injection only. */
static void
test_triggers(void)
{
	size_t i;

	for (i = 0; i < NELEM(faq_codes); i++) {
		const struct err_def *e = catalogue_find(faq_codes[i]);
		bool inj = in_list(faq_codes[i], injection_only,
		    NELEM(injection_only));

		if (e == NULL)
			continue;
		TCHECK((e->e_trigger == NULL) == inj,
		    "%s: trigger %s, want %s", e->e_code,
		    e->e_trigger != NULL ? e->e_trigger : "(null)",
		    inj ? "none (injection only)" : "a natural trigger");
	}
	for (i = 0; i < catalogue_count(); i++) {
		const struct err_def *e = catalogue_at(i);

		TCHECK(e->e_trigger == NULL || *e->e_trigger != '\0',
		    "%s: empty trigger (use NULL)", e->e_code);
	}
}

static void
test_complete(void)
{
	size_t i;

	for (i = 0; i < NELEM(common_codes); i++)
		TCHECK(catalogue_find(common_codes[i]) != NULL,
		    "common code %s (5.1) is missing", common_codes[i]);
	for (i = 0; i < NELEM(tmt_codes); i++)
		TCHECK(catalogue_find(tmt_codes[i]) != NULL,
		    "TMT code %s (5.2) is missing", tmt_codes[i]);
	/* Nothing beyond 5.1 and 5.2 either. */
	for (i = 0; i < catalogue_count(); i++) {
		const char *code = catalogue_at(i)->e_code;

		TCHECK(in_list(code, common_codes, NELEM(common_codes)) ||
		    in_list(code, tmt_codes, NELEM(tmt_codes)),
		    "%s is in neither 5.1 nor 5.2", code);
	}
}

/* At most one %s and no other conversion: safe as a printf format. */
static bool
format_ok(const char *s)
{
	int n = 0;

	for (; (s = strchr(s, '%')) != NULL; s += 2) {
		if (s[1] != 's')
			return false;
		n++;
	}
	return n <= 1;
}

static void
test_formats(void)
{
	size_t i;

	TCHECK(format_ok("a %s b"), "format_ok rejects one %%s");
	TCHECK(!format_ok("%s %s"), "format_ok accepts two %%s");
	TCHECK(!format_ok("100%"), "format_ok accepts a bare %%");
	TCHECK(!format_ok("%d"), "format_ok accepts %%d");
	for (i = 0; i < catalogue_count(); i++) {
		const struct err_def *e = catalogue_at(i);

		TCHECK(format_ok(e->e_en), "%s: bad format in e_en \"%s\"",
		    e->e_code, e->e_en);
		TCHECK(e->e_zh == NULL || format_ok(e->e_zh),
		    "%s: bad format in e_zh \"%s\"", e->e_code,
		    e->e_zh != NULL ? e->e_zh : "");
	}
	/* Codes whose message the server fills in keep their %s. */
	{
		static const char *const filled[] = {
			"AuthFailure.InvalidAuthorization",
			"AuthFailure.UnauthorizedOperation",
			"InvalidParameter", "InvalidParameterValue",
			"MissingParameter", "NoSuchVersion", "UnknownParameter",
			"UnsupportedOperation",
			"UnsupportedOperation.TextTooLong",
			"UnsupportedProtocol",
		};

		for (i = 0; i < NELEM(filled); i++) {
			const struct err_def *e = catalogue_find(filled[i]);

			TCHECK(e != NULL && strstr(e->e_en, "%s") != NULL,
			    "%s: e_en lost its %%s", filled[i]);
		}
	}
}

static const char *
class_name(enum retry_class c)
{
	switch (c) {
	case RC_CLIENT:
		return "RC_CLIENT";
	case RC_THROTTLED:
		return "RC_THROTTLED";
	case RC_TRANSIENT:
		return "RC_TRANSIENT";
	case RC_CLOCK:
		return "RC_CLOCK";
	}
	return "?";
}

/* docs/conformance.md, Expectations by class. */
static void
test_classes(void)
{
	static const struct {
		const char	*code;
		enum retry_class cls;
	} v[] = {
		{ "AuthFailure.SignatureFailure", RC_CLIENT },
		{ "AuthFailure.SecretIdNotFound", RC_CLIENT },
		{ "AuthFailure.TokenFailure", RC_CLIENT },
		{ "InvalidParameter", RC_CLIENT },
		{ "InvalidParameter.SeqIntervalTooLarge", RC_CLIENT },
		{ "InvalidParameterValue", RC_CLIENT },
		{ "MissingParameter", RC_CLIENT },
		{ "UnknownParameter", RC_CLIENT },
		{ "InvalidAction", RC_CLIENT },
		{ "NoSuchVersion", RC_CLIENT },
		{ "UnsupportedRegion", RC_CLIENT },
		{ "UnsupportedProtocol", RC_CLIENT },
		{ "UnsupportedOperation.TextTooLong", RC_CLIENT },
		{ "UnauthorizedOperation.ActionNotFound", RC_CLIENT },
		{ "FailedOperation.NoFreeAmount", RC_CLIENT },
		{ "FailedOperation.ServiceIsolate", RC_CLIENT },
		{ "LimitExceeded", RC_CLIENT },
		{ "ResourceNotFound", RC_CLIENT },
		{ "ResourceInUse", RC_CLIENT },
		{ "DryRunOperation", RC_CLIENT },
		{ "RequestLimitExceeded", RC_THROTTLED },
		{ "RequestLimitExceeded.UinLimitExceeded", RC_THROTTLED },
		{ "RequestLimitExceeded.IPLimitExceeded", RC_THROTTLED },
		{ "RequestLimitExceeded.GlobalRegionUinLimitExceeded", RC_THROTTLED },
		{ "LimitExceeded.LimitedAccessFrequency", RC_THROTTLED },
		{ "InternalError", RC_TRANSIENT },
		{ "InternalError.BackendTimeout", RC_TRANSIENT },
		{ "InternalError.ErrorGetRoute", RC_TRANSIENT },
		{ "InternalError.ErrorUnknown", RC_TRANSIENT },
		{ "InternalError.RequestFailed", RC_TRANSIENT },
		{ "ResourceUnavailable", RC_TRANSIENT },
		{ "ResourceInsufficient", RC_TRANSIENT },
		{ "ServiceUnavailable", RC_TRANSIENT },
		{ "FailedOperation", RC_TRANSIENT },
		{ "AuthFailure.SignatureExpire", RC_CLOCK },
	};
	size_t i, nclock = 0;

	for (i = 0; i < NELEM(v); i++) {
		const struct err_def *e = catalogue_find(v[i].code);

		TCHECK(e != NULL && e->e_class == v[i].cls,
		    "%s: class %s, want %s", v[i].code,
		    e != NULL ? class_name(e->e_class) : "(missing)",
		    class_name(v[i].cls));
	}
	/* By prefix: the whole families. */
	for (i = 0; i < catalogue_count(); i++) {
		const struct err_def *e = catalogue_at(i);

		nclock += e->e_class == RC_CLOCK;
		if (strncmp(e->e_code, "InternalError", 13) == 0 ||
		    strcmp(e->e_code, "FailedOperation") == 0)
			TCHECK(e->e_class == RC_TRANSIENT, "%s: class %s",
			    e->e_code, class_name(e->e_class));
		else if (strncmp(e->e_code, "RequestLimitExceeded", 20) == 0)
			TCHECK(e->e_class == RC_THROTTLED, "%s: class %s",
			    e->e_code, class_name(e->e_class));
		else if (strncmp(e->e_code, "AuthFailure.", 12) == 0 &&
		    strcmp(e->e_code, "AuthFailure.SignatureExpire") != 0)
			TCHECK(e->e_class == RC_CLIENT, "%s: class %s",
			    e->e_code, class_name(e->e_class));
	}
	TCHECK(nclock == 1, "%zu codes of class clock, want 1", nclock);
}

static void
test_find(void)
{
	static const char *const unknown[] = {
		"", "A", "Zzz", "authfailure.signaturefailure",
		"InternalError.", "InternalErrorX", "FailedOperation.Nope",
		"UnsupportedOperation.UnsupportedTargetLanguage",
		" InternalError", "InternalError ",
	};
	size_t i;

	for (i = 0; i < catalogue_count(); i++) {
		const struct err_def *e = catalogue_at(i);

		TCHECK(catalogue_find(e->e_code) == e,
		    "catalogue_find(\"%s\") is not entry %zu", e->e_code, i);
	}
	for (i = 0; i < NELEM(unknown); i++)
		TCHECK(catalogue_find(unknown[i]) == NULL,
		    "catalogue_find(\"%s\") is not NULL", unknown[i]);
	TCHECK(catalogue_find(NULL) == NULL, "catalogue_find(NULL) is not NULL");
}

static void
msg_check(const char *code, bool en, const char *arg, const char *want)
{
	const struct err_def *e = catalogue_find(code);
	char *got;

	TCHECK(e != NULL, "%s is missing", code);
	if (e == NULL)
		return;
	got = catalogue_message(e, en, arg);
	TSTREQ(got, want, "catalogue_message(%s, %s, %s)", code,
	    en ? "en" : "zh", arg != NULL ? arg : "NULL");
	free(got);
}

static void
test_message(void)
{
	msg_check("AuthFailure.MFAFailure", false, NULL, "MFA 错误。");
	msg_check("AuthFailure.MFAFailure", true, NULL,
	    "MFA verification failed: this account requires multi-factor "
	    "authentication.");
	msg_check("InternalError.BackendTimeout", false, NULL,
	    "后台服务超时，请稍后重试。");
	msg_check("InternalError.BackendTimeout", true, NULL,
	    "Backend service timeout. Please try again later.");
	/* No zh text: both languages get the English one. */
	msg_check("AuthFailure.SignatureExpire", false, NULL,
	    "The signature is expired, please request again.");
	msg_check("AuthFailure.SignatureExpire", true, NULL,
	    "The signature is expired, please request again.");
	msg_check("MissingParameter", false, "Action",
	    "The request is missing a required parameter `Action`.");
	msg_check("UnsupportedOperation.TextTooLong", true, "6000",
	    "Please ensure that a single request length less than 6000");
	/* No argument: the default detail an injected error carries. */
	msg_check("UnknownParameter", true, NULL,
	    "The parameter `UnknownField` is not recognized.");
	msg_check("InvalidParameter", false, NULL, "参数错误（包括参数格式、类型等错误）。");
	msg_check("InvalidParameter", true, NULL, "Invalid parameter (format or type).");
	msg_check("MissingParameter", true, NULL,
	    "The request is missing a required parameter `SourceText`.");
	/* A zh text without %s ignores the argument. */
	msg_check("UnsupportedProtocol", false, "PUT",
	    "http(s) 请求协议错误，只支持 GET 和 POST 请求。");
	msg_check("UnsupportedProtocol", true, "PUT",
	    "The HTTP method `PUT` is not supported; only GET and POST "
	    "requests are accepted.");
}

int
test_catalogue_register(void)
{
	static const struct test_def tests[] = {
		{ "sorted, no duplicates", test_sorted_unique },
		{ "exactly the 38 FAQ codes", test_faq },
		{ "FAQ triggers as docs/behaviour.md says", test_triggers },
		{ "every common and TMT code", test_complete },
		{ "message formats", test_formats },
		{ "retry classes", test_classes },
		{ "catalogue_find", test_find },
		{ "catalogue_message", test_message },
		{ NULL, NULL },
	};

	return tests_add_suite("catalogue", tests);
}
