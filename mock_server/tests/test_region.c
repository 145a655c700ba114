/*
 * test_region.c: region_check (check 7). Every TMT region is accepted; a
 * code of Tencent's shape [a-z]{2,4}(-[a-z]+)+(-[0-9]+)? where TMT is not
 * offered is unsupported; anything else is invalid.
 */
#include <string.h>

#include "tmtmock.h"
#include "tests.h"

static const char *
check_name(enum region_check c)
{
	switch (c) {
	case REGION_OK:
		return "REGION_OK";
	case REGION_INVALID:
		return "REGION_INVALID";
	case REGION_UNSUPPORTED:
		return "REGION_UNSUPPORTED";
	}
	return "?";
}

static void
run(const char *const *list, enum region_check want)
{
	for (; *list != NULL; list++) {
		enum region_check got = region_check(*list);

		TCHECK(got == want, "region_check(\"%s\") is %s, want %s",
		    *list, check_name(got), check_name(want));
	}
}

/* docs/behaviour.md, Regions: the regions where TMT is offered. */
static void
test_tmt_regions(void)
{
	static const char *const v[] = {
		"ap-bangkok", "ap-beijing", "ap-chengdu", "ap-chongqing",
		"ap-guangzhou", "ap-hongkong", "ap-mumbai", "ap-seoul",
		"ap-shanghai", "ap-shanghai-fsi", "ap-shenzhen-fsi",
		"ap-singapore", "eu-frankfurt", "na-ashburn",
		"na-siliconvalley", "na-toronto", NULL,
	};

	run(v, REGION_OK);
}

static void
test_unsupported(void)
{
	static const char *const v[] = {
		"ap-tokyo", "eu-moscow", "na-ashburn-2", "ap-tokyo-1",
		"ap-guangzhou-1", "ap-guangzhou-01", "ap-beijing-fsi",
		"ap-shanghai-fsi-2", "ap-jakarta", "sa-saopaulo",
		"me-saudi-arabia", "abcd-x", "ab-c", "ap-guangzhoux",
		"ap-guangzho", "ap-guangzhou-fsi", "ap-shanghai-fsi-x",
		"xx-a-b-c-d-9", NULL,
	};

	run(v, REGION_UNSUPPORTED);
}

static void
test_invalid(void)
{
	static const char *const v[] = {
		"", "gz", "ap", "guangzhou", "AP-GUANGZHOU", "ap-Guangzhou",
		"Ap-guangzhou", "ap-", "-ap", "-", "ap--x", "ap-1", "ap-1-x",
		"ap-guangzhou-", "ap guangzhou", " ap-guangzhou",
		"ap-guangzhou ", "ap-guangzhou\n", "ap_guangzhou",
		"ap.guangzhou", "a-guangzhou", "abcde-guangzhou",
		"ap-guangzhou-1-2", "ap-guangzhou-1x", "ap-guangzhou-1-x",
		"ap-guang2zhou", "ap-1guangzhou", "ap-guangzhou--1",
		"ap-guangzhou-\xe4\xb8\x80", "ap-\xc3\xa9", "1p-guangzhou",
		NULL,
	};

	run(v, REGION_INVALID);
}

int
test_region_register(void)
{
	static const struct test_def tests[] = {
		{ "every TMT region is accepted", test_tmt_regions },
		{ "well-formed other regions are unsupported", test_unsupported },
		{ "malformed codes are invalid", test_invalid },
		{ NULL, NULL },
	};

	return tests_add_suite("region", tests);
}
