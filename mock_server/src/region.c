/*
 * region.c: check 7. A region code must look like one of Tencent's
 * ("ap-guangzhou", "na-siliconvalley", "ap-shanghai-fsi") and be one where
 * TMT is offered (docs/behaviour.md, Regions).
 */
#include <ctype.h>
#include <string.h>

#include "tmtmock.h"

static const char *const tmt_regions[] = {
	"ap-bangkok", "ap-beijing", "ap-chengdu", "ap-chongqing",
	"ap-guangzhou", "ap-hongkong", "ap-mumbai", "ap-seoul", "ap-shanghai",
	"ap-shanghai-fsi", "ap-shenzhen-fsi", "ap-singapore", "eu-frankfurt",
	"na-ashburn", "na-siliconvalley", "na-toronto",
};

/* [a-z]{2,4}(-[a-z]+)+(-[0-9]+)? : the shape of every Tencent region code. */
static bool
region_well_formed(const char *r)
{
	const char *p = r;
	size_t n = 0, words = 0;
	bool digits = false;

	while (islower((unsigned char)*p)) {
		p++;
		n++;
	}
	if (n < 2 || n > 4)
		return false;
	while (*p == '-') {
		const char *w = ++p;

		if (digits)
			return false;
		if (isdigit((unsigned char)*p)) {
			while (isdigit((unsigned char)*p))
				p++;
			digits = true;
			if (words == 0)
				return false;
		} else {
			while (islower((unsigned char)*p))
				p++;
			if (p == w)
				return false;
			words++;
		}
	}
	return *p == '\0' && words > 0;
}

enum region_check
region_check(const char *region)
{
	size_t i;

	if (!region_well_formed(region))
		return REGION_INVALID;
	for (i = 0; i < sizeof tmt_regions / sizeof tmt_regions[0]; i++)
		if (strcmp(tmt_regions[i], region) == 0)
			return REGION_OK;
	return REGION_UNSUPPORTED;
}
