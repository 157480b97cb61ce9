/* Units written in the configuration and manifests: decimal amounts (USD) and
 * durations. Pure string functions; each parser returns NULL on success or a static
 * message saying what was expected. */
#ifndef BTD_UNITS_H
#define BTD_UNITS_H

#include <stdint.h>

#include "strbuf.h"

#define UNITS_DECIMAL_MAX_INT_DIGITS 15

/* units_decimal: `123`, `123.45` (at most max_frac fraction digits, at most
 * UNITS_DECIMAL_MAX_INT_DIGITS integer digits) -> canonical heap string in *ret
 * ("0012.50" -> "12.5"). Signs, exponents and hex are refused. */
const char *units_decimal(const char *s, unsigned max_frac, char **ret);
/* units_decimal_cmp: compare two canonical decimals (<0, 0, >0). */
int units_decimal_cmp(const char *a, const char *b);
/* units_decimal_is_zero: true for "0". */
int units_decimal_is_zero(const char *canonical);

/* units_duration: one or more <number><unit> groups with units d, h, m, s, ms, largest
 * first (`1h30m`, `10m`, `200ms`); the result is in milliseconds and must fit. */
const char *units_duration(const char *s, uint64_t *ret_ms);
/* units_format_duration: the shortest canonical form (`90000` -> `1m30s`, 0 -> `0s`). */
int units_format_duration(uint64_t ms, struct strbuf *out);

/* units_size: a number of bytes with its binary unit, B, KiB, MiB or GiB (`512KiB`,
 * `32MiB`); the result must fit. */
const char *units_size(const char *s, uint64_t *ret_bytes);

#endif
