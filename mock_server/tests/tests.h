/*
 * tests.h: the CUnit unit tests of tmtmock.
 *
 * Each test_<module>.c defines one registration function, listed in the
 * table of test_main.c; adding a module's tests means one line there and one
 * declaration here. The helpers below (test_main.c) report failures with the
 * vector and field named, since data-driven tests share one assertion line.
 */
#ifndef TESTS_H
#define TESTS_H

#include <stdbool.h>
#include <stddef.h>

#include <CUnit/CUnit.h>
#include <jansson.h>

/* Suite registration: CUE_SUCCESS, or the CUnit error. */
int test_crypto_register(void);
int test_util_register(void);
int test_sig_tc3_register(void);
int test_sig_v1_register(void);
int test_req_register(void);
int test_region_register(void);
int test_verify_register(void);
int test_cred_register(void);
int test_answer_register(void);
int test_detect_register(void);
int test_actions_media_register(void);
int test_catalogue_register(void);
int test_schema_register(void);
int test_tls_register(void);
int test_http_register(void);

/* One suite of NULL-name-terminated tests. */
struct test_def {
	const char	*t_name;
	CU_TestFunc	 t_fn;
};
int tests_add_suite(const char *name, const struct test_def *tests);

/* Assertions that name what failed (printf-style context). */
void tests_check(bool ok, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void tests_streq(const char *got, const char *want, const char *file,
    unsigned line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void tests_strne(const char *got, const char *unwanted, const char *file,
    unsigned line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define TCHECK(ok, ...) tests_check((ok), __FILE__, __LINE__, __VA_ARGS__)
#define TSTREQ(got, want, ...) tests_streq((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define TSTRNE(got, unwanted, ...) tests_strne((got), (unwanted), __FILE__, __LINE__, __VA_ARGS__)

/* Loads a JSON file relative to the tests directory (the working directory
 * of make test-c). On failure records a CUnit failure and returns NULL. */
json_t *tests_load_json(const char *path);
/* The "vectors" array of a loaded vector file, or NULL (failure recorded). */
json_t *tests_vectors(json_t *root, const char *path);
/* A string member, or NULL. */
const char *tests_jstr(json_t *obj, const char *key);
/* Decodes exactly outlen bytes of hex; false if malformed or the wrong length. */
bool tests_hex_decode(const char *hex, unsigned char *out, size_t outlen);
/*
 * A new copy of s (len bytes) with the byte at pos replaced by a different,
 * non-NUL byte of the same kind (a digit stays a digit); an empty s gives
 * "x". The copy is NUL-terminated; caller frees.
 */
char *tests_mutate(const char *s, size_t len, size_t pos);
/* The distinct positions first, middle, last of a string of len bytes (a
 * single position 0 when len is 0). Returns their number (1 to 3). */
size_t tests_positions(size_t len, size_t pos[3]);

#endif /* TESTS_H */
