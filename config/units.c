#include "units.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

const char *units_decimal(const char *s, unsigned max_frac, char **ret)
{
	const char *p = s, *int_start, *int_end, *frac_start, *frac_end;

	while (*p == '0' && is_digit(p[1]))
		p++;
	int_start = p;
	while (is_digit(*p))
		p++;
	int_end = p;
	frac_start = frac_end = p;
	if (*p == '.') {
		frac_start = ++p;
		while (is_digit(*p))
			p++;
		frac_end = p;
		if (frac_end == frac_start)
			return "expected digits after the decimal point";
	}
	if (*p || int_end == int_start)
		return "expected a plain decimal number such as 1000 or 250.50";
	if ((size_t)(int_end - int_start) > UNITS_DECIMAL_MAX_INT_DIGITS)
		return "the number has too many digits";
	while (frac_end > frac_start && frac_end[-1] == '0')
		frac_end--;
	if ((size_t)(frac_end - frac_start) > max_frac)
		return max_frac == 2 ? "at most two decimal places (cents) are allowed" : "too many decimal places";
	/* exactly as long as it is: a tenant's budget keeps it (a buffer's spare room was
	 * 60 bytes a tenant) */
	*ret = frac_end > frac_start ? xasprintf("%.*s.%.*s", (int)(int_end - int_start), int_start,
						 (int)(frac_end - frac_start), frac_start)
				     : xstrndup(int_start, (size_t)(int_end - int_start));
	return NULL;
}

int units_decimal_cmp(const char *a, const char *b)
{
	size_t ia = strcspn(a, "."), ib = strcspn(b, ".");
	const char *fa, *fb;

	if (ia != ib)
		return ia < ib ? -1 : 1;
	for (size_t i = 0; i < ia; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	fa = a[ia] ? a + ia + 1 : "";
	fb = b[ib] ? b + ib + 1 : "";
	while (*fa || *fb) {
		char ca = *fa ? *fa++ : '0', cb = *fb ? *fb++ : '0';
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return 0;
}

int units_decimal_is_zero(const char *canonical)
{
	return !strcmp(canonical, "0");
}

static const struct {
	const char *name;
	uint64_t ms;
} duration_units[] = {
	{ "d", 86400000ULL }, { "h", 3600000ULL }, { "m", 60000ULL }, { "s", 1000ULL }, { "ms", 1ULL },
};
#define N_UNITS (sizeof(duration_units) / sizeof(duration_units[0]))

/* read_count: the decimal digits at *p (at least one) into *n, *p moved past them;
 * false when there is none or they do not fit. */
static bool read_count(const char **p, uint64_t *n)
{
	if (!is_digit(**p))
		return false;
	for (*n = 0; is_digit(**p); (*p)++) {
		if (*n > (UINT64_MAX - 9) / 10)
			return false;
		*n = *n * 10 + (uint64_t)(**p - '0');
	}
	return true;
}

const char *units_duration(const char *s, uint64_t *ret_ms)
{
	const char *p = s;
	uint64_t total = 0;
	size_t last_unit = 0;
	bool first = true;

	if (!*p)
		return "expected a duration such as 30s, 10m or 1h";
	while (*p) {
		uint64_t n = 0;
		size_t u, best = N_UNITS, best_len = 0;
		if (!is_digit(*p))
			return "expected a duration such as 30s, 10m or 1h (a number, then d, h, m, s or ms)";
		if (!read_count(&p, &n))
			return "the duration is too long";
		for (u = 0; u < N_UNITS; u++) {
			size_t l = strlen(duration_units[u].name);
			if (!strncmp(p, duration_units[u].name, l) && l > best_len && (!p[l] || is_digit(p[l]))) {
				best = u;
				best_len = l;
			}
		}
		if (best == N_UNITS)
			return *p ? "unknown duration unit (use d, h, m, s or ms)"
				  : "a duration needs a unit: d, h, m, s or ms (e.g. 30s)";
		if (!first && best <= last_unit)
			return "write duration units from the largest to the smallest, each once (e.g. 1h30m)";
		if (n > UINT64_MAX / duration_units[best].ms || total > UINT64_MAX - n * duration_units[best].ms)
			return "the duration is too long";
		total += n * duration_units[best].ms;
		last_unit = best;
		first = false;
		p += best_len;
	}
	*ret_ms = total;
	return NULL;
}

int units_format_duration(uint64_t ms, struct strbuf *out)
{
	int r = 0;

	if (!ms)
		return strbuf_adds(out, "0s");
	for (size_t u = 0; u < N_UNITS && r == 0; u++) {
		if (ms >= duration_units[u].ms) {
			r = strbuf_addf(out, "%llu%s", (unsigned long long)(ms / duration_units[u].ms),
					duration_units[u].name);
			ms %= duration_units[u].ms;
		}
	}
	return r;
}

static const struct {
	const char *name;
	uint64_t bytes;
} size_units[] = { { "B", 1 }, { "KiB", 1ull << 10 }, { "MiB", 1ull << 20 }, { "GiB", 1ull << 30 } };

const char *units_size(const char *s, uint64_t *ret_bytes)
{
	const char *p = s;
	uint64_t n = 0;

	if (!is_digit(*p))
		return "expected a size such as 512KiB, 32MiB or 1GiB";
	if (!read_count(&p, &n))
		return "the size is too large";
	for (size_t u = 0; u < sizeof(size_units) / sizeof(size_units[0]); u++) {
		if (strcmp(p, size_units[u].name) != 0)
			continue;
		if (n > UINT64_MAX / size_units[u].bytes)
			return "the size is too large";
		*ret_bytes = n * size_units[u].bytes;
		return NULL;
	}
	return *p ? "unknown size unit (use B, KiB, MiB or GiB)"
		  : "a size needs a unit: B, KiB, MiB or GiB (e.g. 32MiB)";
}
