#include "ids.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void prng_seed(struct prng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t prng_next(struct prng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double prng_unit(struct prng *r)
{
	return (double)(prng_next(r) >> 11) * 0x1.0p-53;
}

void ids_random(struct prng *r, const char *alphabet, size_t n, char *out)
{
	size_t k = strlen(alphabet);

	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[prng_next(r) % k];
	out[n] = '\0';
}

void ids_uuid(struct prng *r, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = prng_next(r), b = prng_next(r);
	unsigned char bytes[16];
	size_t o = 0;

	for (int i = 0; i < 8; i++) {
		bytes[i] = (unsigned char)(a >> (8 * i));
		bytes[8 + i] = (unsigned char)(b >> (8 * i));
	}
	bytes[6] = (bytes[6] & 0x0f) | 0x40;
	bytes[8] = (bytes[8] & 0x3f) | 0x80;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[bytes[i] >> 4];
		out[o++] = hex[bytes[i] & 15];
	}
	out[o] = '\0';
}

int64_t ids_clock_offset_ms;

int64_t ids_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + ids_clock_offset_ms;
}

void ids_http_date(int64_t ms, char out[32])
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void ids_iso8601(int64_t ms, int with_millis, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_millis)
		snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
	else
		snprintf(out + n, 32 - n, "Z");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void ids_token_encode(const char *plain, struct strbuf *out)
{
	const unsigned char *p = (const unsigned char *)plain;
	size_t len = strlen(plain);

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		strbuf_addch(out, b64[(v >> 18) & 63]);
		strbuf_addch(out, b64[(v >> 12) & 63]);
		if (left > 1)
			strbuf_addch(out, b64[(v >> 6) & 63]);
		if (left > 2)
			strbuf_addch(out, b64[v & 63]);
	}
}

int ids_token_decode(const char *token, struct strbuf *out)
{
	uint32_t acc = 0;
	int bits = 0;

	if (!*token)
		return -EINVAL;
	for (const char *c = token; *c; c++) {
		const char *pos = strchr(b64, *c);

		if (!pos)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)(pos - b64);
		bits += 6;
		if (bits >= 8) {
			char ch = (char)((acc >> (bits - 8)) & 0xff);
			if (!ch)
				return -EINVAL;
			strbuf_addch(out, ch);
			bits -= 8;
		}
	}
	if (bits >= 6)
		return -EINVAL;
	return 0;
}
