/*
 * clock.c: the mock clock. Every check that reads time (timestamps, token
 * expiry) asks here, so the admin API can move or freeze it for a test.
 */
#include "tmtmock.h"

static long long clock_offset;

time_t
clock_now(void)
{
	return time(NULL) + (time_t)clock_offset;
}

void
clock_set_offset(long long offset_s)
{
	clock_offset = offset_s;
}

long long
clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    clock_offset * 1000;
}
