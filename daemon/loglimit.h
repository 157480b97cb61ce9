/* Rate limits for repeated log lines: one line per distinct key per interval, and the
 * count of lines left out since the last one. Keeps at most LOGLIMIT_KEYS keys (the
 * least recently written goes first). No libuv: the time is passed in. */
#ifndef BTD_LOGLIMIT_H
#define BTD_LOGLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define LOGLIMIT_KEYS 16

struct loglimit_key {
	char *key;
	uint64_t written_ms; /* when its last line was written */
	unsigned long suppressed;
};

struct loglimit {
	uint64_t interval_ms;
	struct loglimit_key keys[LOGLIMIT_KEYS];
	unsigned n;
};

void loglimit_init(struct loglimit *l, uint64_t interval_ms);
void loglimit_release(struct loglimit *l);
/* loglimit_allow: true when a line for key may be written at now_ms; then
 * *ret_suppressed is how many were left out since the last one (and restarts at 0). */
bool loglimit_allow(struct loglimit *l, const char *key, uint64_t now_ms, unsigned long *ret_suppressed);
/* loglimit_suppressed: lines left out for every key since their last line. */
unsigned long loglimit_suppressed(const struct loglimit *l);
/* loglimit_reset: forgets every key (e.g. once the failure is over). */
void loglimit_reset(struct loglimit *l);

#endif
