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

static void
hex_put(char *out, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	while (digits-- > 0) {
		out[digits] = hex[v & 0xf];
		v >>= 4;
	}
}

/* A version-4 UUID in lower case, the shape of Tencent's RequestIds
 * (%08x-%04x-%04x-%04x-%012x of the two draws, without printf). */
void
rng_uuid(char out[37])
{
	uint64_t hi = rng_next(), lo = rng_next();

	hi = (hi & ~0xf000ULL) | 0x4000ULL;
	lo = (lo & ~(0xc000ULL << 48)) | (0x8000ULL << 48);
	hex_put(out, hi >> 32, 8);
	out[8] = '-';
	hex_put(out + 9, (hi >> 16) & 0xffff, 4);
	out[13] = '-';
	hex_put(out + 14, hi & 0xffff, 4);
	out[18] = '-';
	hex_put(out + 19, lo >> 48, 4);
	out[23] = '-';
	hex_put(out + 24, lo & 0xffffffffffffULL, 12);
	out[36] = '\0';
}
