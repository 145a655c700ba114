/*
 * clock.c: the mock clock. Every check that reads time (timestamps, token
 * expiry, sessions, tasks, quotas) asks here, so the admin API can move or
 * freeze it for a test (memcached's debug clock is the model).
 */
#include <string.h>

#include "tmtmock.h"

static long long clock_offset;	/* seconds added to the real clock */
static bool clock_frozen;
static long long clock_frozen_at;

static long long
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t
clock_now(void)
{
	if (clock_frozen)
		return (time_t)clock_frozen_at;
	return time(NULL) + (time_t)clock_offset;
}

/* Microseconds: the journal's times order a client's fast retries. */
long long
clock_now_us(void)
{
	struct timespec ts;

	if (clock_frozen)
		return clock_frozen_at * 1000000;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 +
	    clock_offset * 1000000;
}

long long
clock_now_ms(void)
{
	if (clock_frozen)
		return clock_frozen_at * 1000;
	return real_ms() + clock_offset * 1000;
}

/*
 * Rate windows keep running while the clock is frozen (mock convention): a
 * frozen window would turn every later burst into RequestLimitExceeded.
 */
long long
clock_rate_ms(void)
{
	return real_ms() + clock_offset * 1000;
}

void
clock_set_offset(long long offset_s)
{
	clock_offset = offset_s;
	clock_frozen = false;
}

void
clock_freeze(long long at)
{
	clock_frozen = true;
	clock_frozen_at = at;
}

void
clock_advance(long long s)
{
	if (clock_frozen)
		clock_frozen_at += s;
	else
		clock_offset += s;
}

void
clock_reset(void)
{
	clock_offset = 0;
	clock_frozen = false;
	clock_frozen_at = 0;
}

json_t *
clock_json(void)
{
	return json_pack("{s:I,s:I,s:b}", "now", (json_int_t)clock_now(),
	    "offset_s", (json_int_t)(clock_frozen ? clock_frozen_at - time(NULL) :
	    clock_offset), "frozen", clock_frozen);
}

/* RFC 7231's IMF-fixdate of the mock clock, into buf (at least 30 bytes). */
const char *
clock_http_date(char buf[64])
{
	/* Formatted once a second, not once a request. */
	static time_t cached_at = (time_t)-1;
	static char cached[64];
	time_t now = clock_now();
	struct tm tm;

	if (now != cached_at) {
		gmtime_r(&now, &tm);
		strftime(cached, sizeof cached, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		cached_at = now;
	}
	memcpy(buf, cached, sizeof cached);
	return buf;
}
