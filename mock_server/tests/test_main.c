/*
 * test_main.c: the CUnit runner (basic interface) and the helpers shared by
 * the test files.
 *
 *   unit_tests            run every suite
 *   unit_tests SUITE...   run only the named suites
 *
 * Exits 0 only when every suite initialised and every assertion passed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "tmtmock.h"
#include "tests.h"

/* One line per module: the registration functions of the test files. */
static int (*const registrations[])(void) = {
	test_util_register,
	test_crypto_register,
	test_sig_tc3_register,
	test_sig_v1_register,
	test_req_register,
	test_region_register,
	test_verify_register,
	test_cred_register,
	test_answer_register,
	test_detect_register,
	test_actions_media_register,
	test_catalogue_register,
	test_schema_register,
	test_tls_register,
	test_http_register,
};

int
tests_add_suite(const char *name, const struct test_def *tests)
{
	CU_pSuite s;

	if ((s = CU_add_suite(name, NULL, NULL)) == NULL)
		return CU_get_error();
	for (; tests->t_name != NULL; tests++)
		if (CU_add_test(s, tests->t_name, tests->t_fn) == NULL)
			return CU_get_error();
	return CUE_SUCCESS;
}

static void
vcheck(bool ok, const char *file, unsigned line, const char *fmt, va_list ap)
{
	char *msg;

	if (ok) {
		/* Counted as an assert; no message needed. */
		CU_assertImplementation(CU_TRUE, line, "", file, "", CU_FALSE);
		return;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	/* CUnit copies the condition text into its failure record. */
	CU_assertImplementation(CU_FALSE, line, msg != NULL ? msg : fmt, file,
	    "", CU_FALSE);
	free(msg);
}

void
tests_check(bool ok, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(ok, file, line, fmt, ap);
	va_end(ap);
}

static void
strcmp_check(bool want_equal, const char *got, const char *want,
    const char *file, unsigned line, const char *fmt, va_list ap)
{
	char *ctx = NULL;
	bool ok;

	ok = got != NULL && want != NULL &&
	    (strcmp(got, want) == 0) == want_equal;
	if (ok) {
		tests_check(true, file, line, "%s", "");
		return;
	}
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = NULL;
	tests_check(false, file, line, "%s: got \"%s\", %s \"%s\"",
	    ctx != NULL ? ctx : fmt, got != NULL ? got : "(null)",
	    want_equal ? "want" : "must differ from",
	    want != NULL ? want : "(null)");
	free(ctx);
}

void
tests_streq(const char *got, const char *want, const char *file,
    unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strcmp_check(true, got, want, file, line, fmt, ap);
	va_end(ap);
}

void
tests_strne(const char *got, const char *unwanted, const char *file,
    unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strcmp_check(false, got, unwanted, file, line, fmt, ap);
	va_end(ap);
}

json_t *
tests_load_json(const char *path)
{
	json_error_t err;
	json_t *root;

	root = json_load_file(path, 0, &err);
	TCHECK(root != NULL, "cannot load %s (cwd must be mock_server/tests): "
	    "line %d: %s", path, err.line, err.text);
	return root;
}

json_t *
tests_vectors(json_t *root, const char *path)
{
	json_t *v;

	if (root == NULL)
		return NULL;
	v = json_object_get(root, "vectors");
	TCHECK(json_is_array(v) && json_array_size(v) > 0,
	    "%s: no \"vectors\" array", path);
	return json_is_array(v) ? v : NULL;
}

const char *
tests_jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
tests_hex_decode(const char *hex, unsigned char *out, size_t outlen)
{
	size_t i;

	if (hex == NULL || strlen(hex) != 2 * outlen)
		return false;
	for (i = 0; i < outlen; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

char *
tests_mutate(const char *s, size_t len, size_t pos)
{
	char *p;
	char c;

	if (len == 0)
		return xstrdup("x");
	p = xstrndup(s, len);
	c = p[pos];
	if (c >= '0' && c <= '8')
		p[pos] = (char)(c + 1);
	else if (c == '9')
		p[pos] = '0';
	else
		p[pos] = c == 'x' ? 'y' : 'x';
	return p;
}

size_t
tests_positions(size_t len, size_t pos[3])
{
	size_t n = 0;

	pos[n++] = 0;
	if (len > 2)
		pos[n++] = len / 2;
	if (len > 1)
		pos[n++] = len - 1;
	return n;
}

int
main(int argc, char **argv)
{
	CU_pRunSummary sum;
	size_t i;
	int j, rc;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "unit_tests: %s\n", CU_get_error_msg());
		return 2;
	}
	for (i = 0; i < sizeof registrations / sizeof registrations[0]; i++) {
		if (registrations[i]() != CUE_SUCCESS) {
			fprintf(stderr, "unit_tests: registering suite %zu: %s\n",
			    i, CU_get_error_msg());
			CU_cleanup_registry();
			return 2;
		}
	}
	if (argc > 1) {
		CU_pSuite s;

		/* Run only the named suites: the others become inactive, and
		 * inactive is not a failure here. */
		for (j = 1; j < argc; j++)
			if (CU_get_suite(argv[j]) == NULL) {
				fprintf(stderr, "unit_tests: no suite %s\n",
				    argv[j]);
				CU_cleanup_registry();
				return 2;
			}
		CU_set_fail_on_inactive(CU_FALSE);
		for (s = CU_get_registry()->pSuite; s != NULL; s = s->pNext) {
			CU_BOOL named = CU_FALSE;

			for (j = 1; j < argc; j++)
				if (strcmp(s->pName, argv[j]) == 0)
					named = CU_TRUE;
			CU_set_suite_active(s, named);
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	sum = CU_get_run_summary();
	rc = sum->nFailureRecords != 0 || sum->nSuitesFailed != 0 ||
	    sum->nTestsFailed != 0 || sum->nAssertsFailed != 0 ||
	    CU_get_error() != CUE_SUCCESS;
	printf("\n%s\n", rc ? "unit_tests: FAILED" : "unit_tests: all passed");
	CU_cleanup_registry();
	return rc;
}
