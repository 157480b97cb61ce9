/* Identifiers, timestamps and opaque tokens for awsim, from a seedable PRNG.
 *
 * awsim draws every random thing (resource ids, access keys, request ids, fault
 * dice) from a struct prng it owns, so that a --seed makes a run repeatable. The
 * generator is xoshiro256** seeded through splitmix64. Pure code. */
#ifndef AWSIM_IDS_H
#define AWSIM_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct prng {
	uint64_t s[4];
};

void prng_seed(struct prng *r, uint64_t seed);
uint64_t prng_next(struct prng *r);
/* prng_unit: uniform in [0, 1). */
double prng_unit(struct prng *r);

#define IDS_LOWER_ALNUM "abcdefghijklmnopqrstuvwxyz0123456789"
#define IDS_UPPER_ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* ids_random: n characters drawn from alphabet, then a NUL, into out (n + 1 bytes). */
void ids_random(struct prng *r, const char *alphabet, size_t n, char *out);
/* ids_uuid: a version-4 UUID, 36 characters and a NUL. */
void ids_uuid(struct prng *r, char out[37]);

/* ids_now_ms: wall-clock milliseconds since the epoch, as awsim's AWS keeps it: the
 * host's clock plus ids_clock_offset_ms (--clock-offset; 0 by default), so that a
 * client's clock can be made wrong against it. */
int64_t ids_now_ms(void);
extern int64_t ids_clock_offset_ms;
/* ids_http_date: ms as an HTTP Date header's value, "Sun, 06 Nov 1994 08:49:37 GMT". */
void ids_http_date(int64_t ms, char out[32]);
/* ids_iso8601: "2024-09-10T12:00:00.123Z" (with millis) or "...00Z" (without). */
void ids_iso8601(int64_t ms, int with_millis, char out[32]);

/* ids_token_encode: an opaque pagination token for plain (base64url, no padding). */
void ids_token_encode(const char *plain, struct strbuf *out);
/* ids_token_decode: inverse; -EINVAL when token is not one of ours. */
int ids_token_decode(const char *token, struct strbuf *out);

#endif
