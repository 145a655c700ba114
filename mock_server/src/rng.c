/*
 * rng.c: the server's one PRNG (splitmix64), so that with --seed the
 * sequence of RequestIds, and later every probability draw, replays exactly.
 */
#include <stdio.h>

#include "tmtmock.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

void
rng_seed(uint64_t seed)
{
	rng_state = seed;
}

uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A version-4 UUID in lower case, the shape of Tencent's RequestIds. */
void
rng_uuid(char out[37])
{
	uint64_t hi = rng_next(), lo = rng_next();

	hi = (hi & ~0xf000ULL) | 0x4000ULL;
	lo = (lo & ~(0xc000ULL << 48)) | (0x8000ULL << 48);
	snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx",
	    (unsigned int)(hi >> 32), (unsigned int)((hi >> 16) & 0xffff),
	    (unsigned int)(hi & 0xffff), (unsigned int)(lo >> 48),
	    (unsigned long long)(lo & 0xffffffffffffULL));
}
