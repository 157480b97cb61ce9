#include "usage.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "strbuf.h"
#include "usage_impl.h"
#include "xalloc.h"

static void entry_free(void *v)
{
	struct usage_batch_entry *e = v;

	free(e->model_id);
	free(e->md_tenant);
	free(e);
}

static uint64_t count_add(uint64_t a, uint64_t b)
{
	a = a < USAGE_COUNT_MAX ? a : USAGE_COUNT_MAX;
	b = b < USAGE_COUNT_MAX ? b : USAGE_COUNT_MAX;
	return a + b < USAGE_COUNT_MAX ? a + b : USAGE_COUNT_MAX;
}

void usage_counts_add(struct usage_counts *dst, const struct usage_counts *src)
{
	dst->requests = count_add(dst->requests, src->requests);
	dst->input = count_add(dst->input, src->input);
	dst->output = count_add(dst->output, src->output);
	dst->cache_read = count_add(dst->cache_read, src->cache_read);
	dst->cache_write = count_add(dst->cache_write, src->cache_write);
	dst->cost += src->cost;
}

double usage_usd_rounded(double usd)
{
	double micros = usd * 1e6;

	if (!isfinite(micros) || fabs(micros) >= 0x1p53)
		return usd;
	return round(micros) / 1e6 + 0.0; /* + 0.0: never -0 */
}

void usage_batch_init(struct usage_batch *b)
{
	memset(b, 0, sizeof(*b));
	hashmap_init(&b->map);
}

void usage_batch_release(struct usage_batch *b)
{
	hashmap_release(&b->map, entry_free);
	memset(b, 0, sizeof(*b));
}

/* Howard Hinnant's days_from_civil. */
static int32_t days_from_civil(int y, unsigned m, unsigned d)
{
	int era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int32_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

static int digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int usage_day(const char *ts, size_t len, int32_t *ret)
{
	int y, m, d;

	if (len < 10 || ts[4] != '-' || ts[7] != '-')
		return -EINVAL;
	y = digits(ts, 4);
	m = digits(ts + 5, 2);
	d = digits(ts + 8, 2);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -EINVAL;
	*ret = days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

/* offset_seconds: the UTC offset written at ts[0..len) after the seconds, fractions
 * skipped: "Z" 0, "+HH:MM" or "-HHMM" east or west of UTC; 0 when none or unreadable
 * (the time is then taken as UTC). */
static int64_t offset_seconds(const char *ts, size_t len)
{
	size_t i = 0;
	int h, m, sign;

	if (i < len && ts[i] == '.')
		for (i++; i < len && ts[i] >= '0' && ts[i] <= '9'; i++)
			;
	if (i >= len || (ts[i] != '+' && ts[i] != '-'))
		return 0;
	sign = ts[i] == '-' ? -1 : 1;
	i++;
	if (len - i >= 5 && ts[i + 2] == ':') {
		h = digits(ts + i, 2);
		m = digits(ts + i + 3, 2);
	} else if (len - i >= 4) {
		h = digits(ts + i, 2);
		m = digits(ts + i + 2, 2);
	} else {
		return 0;
	}
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return 0;
	return sign * (h * 3600 + m * 60);
}

/* after: whether ts (of day, as usage_day() read it) is later than latest (seconds
 * since the epoch). The time of day is "THH:MM:SS" after the date, with its UTC
 * offset applied ("12:00:00+02:00" is 10:00 UTC; "Z" or none: UTC); a timestamp
 * without one is taken at the day's start. */
static bool after(const char *ts, size_t len, int32_t day, int64_t latest)
{
	int64_t t = (int64_t)day * 86400;
	int h, m, sec;

	if (len >= 19 && (ts[10] == 'T' || ts[10] == 't' || ts[10] == ' ') && ts[13] == ':' && ts[16] == ':') {
		h = digits(ts + 11, 2);
		m = digits(ts + 14, 2);
		sec = digits(ts + 17, 2);
		if (h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 && sec < 61)
			t += h * 3600 + m * 60 + sec - offset_seconds(ts + 19, len - 19);
	}
	return t > latest;
}

void usage_day_format(int32_t day, char out[11])
{
	int32_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int y = (int)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;

	char buf[40];

	snprintf(buf, sizeof(buf), "%04d-%02u-%02u", y + (m <= 2), m, d);
	memcpy(out, buf, 10); /* years 0-9999 */
	out[10] = '\0';
}

const char *usage_model_of_arn(const char *s)
{
	const char *slash;

	if (strncmp(s, "arn:", 4) != 0)
		return s;
	if (!strstr(s, ":foundation-model/") && !strstr(s, ":inference-profile/"))
		return s;
	slash = strchr(s, '/');
	return slash && slash[1] ? slash + 1 : s;
}

bool usage_is_application_profile(const char *s)
{
	return strncmp(s, "arn:", 4) == 0 && strstr(s, ":application-inference-profile/") != NULL;
}

static void bad(struct usage_batch *b, const char *why)
{
	b->malformed++;
	if (!b->first_bad_line) {
		b->first_bad_line = b->records;
		snprintf(b->first_bad_why, sizeof(b->first_bad_why), "%s", why);
	}
}

static void add_entry(struct usage_batch *b, int32_t day, const char *model, const char *md,
		      const struct usage_counts *c)
{
	struct usage_batch_entry *e;
	char key[16 + 2049 + 2 + 257];
	size_t ml = strlen(model), dl = md ? strlen(md) : 0, n;

	/* built by hand: one formatted print per record costs more than the rest */
	n = (size_t)snprintf(key, 16, "%d\t", (int)day);
	memcpy(key + n, model, ml);
	n += ml;
	key[n++] = '\t';
	key[n++] = md ? '=' : '-';
	memcpy(key + n, md ? md : "", dl);
	key[n + dl] = '\0';
	e = hashmap_get(&b->map, key);
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->day = day;
		e->model_id = xstrdup(model);
		e->md_tenant = md ? xstrdup(md) : NULL;
		hashmap_put(&b->map, key, e);
	}
	usage_counts_add(&e->c, c);
}

void usage_parse_line(struct usage_batch *b, const char *line, size_t len, const char *metadata_key)
{
	struct usage__fields f;
	struct usage_counts c = { .requests = 1 };
	int32_t day;

	b->records++;
	if (usage__scan(line, len, metadata_key, &f) < 0) {
		bad(b, "not a JSON object");
		return;
	}
	if (!f.has_timestamp || usage_day(f.timestamp, strlen(f.timestamp), &day) < 0) {
		bad(b, "no valid timestamp");
		return;
	}
	if (b->latest && after(f.timestamp, strlen(f.timestamp), day, b->latest)) {
		bad(b, "a timestamp in the future");
		return;
	}
	if (!f.has_model) {
		bad(b, "no valid modelId");
		return;
	}
	if (f.bad_count) {
		bad(b, "a token count is not a non-negative integer");
		return;
	}
	if (b->map.n >= USAGE_BATCH_MAX_KEYS) {
		bad(b, "too many distinct keys in one object");
		return;
	}
	c.input = f.input;
	c.output = f.output;
	c.cache_read = f.cache_read;
	c.cache_write = f.cache_write;
	add_entry(b, day, f.model, f.has_md_tenant ? f.md_tenant : NULL, &c);
}

/* Splits buf into lines; a partial last line stays in buf. A line longer than
 * USAGE_LINE_MAX is skipped up to its end (*skipping). */
static void take_lines(struct usage_batch *b, struct strbuf *buf, bool *skipping, const char *key, bool final)
{
	size_t start = 0;

	for (;;) {
		char *nl = memchr(buf->buf + start, '\n', buf->len - start);
		size_t end = nl ? (size_t)(nl - buf->buf) : buf->len;
		if (!nl && !final)
			break;
		if (*skipping) {
			*skipping = false;
		} else if (end > start) {
			size_t n = end - start;
			if (buf->buf[end - 1] == '\r')
				n--;
			if (n)
				usage_parse_line(b, buf->buf + start, n, key);
		}
		start = nl ? end + 1 : buf->len;
		if (!nl)
			break;
	}
	if (start) {
		memmove(buf->buf, buf->buf + start, buf->len - start);
		buf->len -= start;
		buf->buf[buf->len] = '\0';
	}
	if (buf->len > USAGE_LINE_MAX) {
		b->records++;
		bad(b, "a record longer than 1 MiB");
		buf->len = 0;
		buf->buf[0] = '\0';
		*skipping = true;
	}
}

int usage_parse_object(const void *data, size_t len, const char *metadata_key, struct usage_batch *b)
{
	const unsigned char *p = data;
	unsigned char out[65536];
	struct strbuf buf;
	bool skipping = false;
	uint64_t total = 0;
	z_stream z = { 0 };
	int r = 0, zr = Z_OK;

	strbuf_init(&buf, STRBUF_NO_CAP);
	if (len < 2 || p[0] != 0x1f || p[1] != 0x8b) {
		strbuf_add(&buf, data, len);
		take_lines(b, &buf, &skipping, metadata_key, true);
		goto out;
	}
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		r = -ENOMEM;
		goto out;
	}
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)len;
	while (zr != Z_STREAM_END) {
		if (b->stop && atomic_load_explicit(b->stop, memory_order_relaxed)) {
			r = -ECANCELED;
			break;
		}
		z.next_out = out;
		z.avail_out = sizeof(out);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			r = -EBADMSG;
			break;
		}
		total += sizeof(out) - z.avail_out;
		if (total > USAGE_INFLATED_MAX) {
			r = -E2BIG;
			break;
		}
		strbuf_add(&buf, out, sizeof(out) - z.avail_out);
		take_lines(b, &buf, &skipping, metadata_key, false);
		/* Concatenated gzip members (one object may hold several). */
		if (zr == Z_STREAM_END && z.avail_in) {
			if (inflateReset(&z) != Z_OK) {
				r = -EBADMSG;
				break;
			}
			zr = Z_OK;
		} else if (zr == Z_OK && !z.avail_in && z.avail_out) {
			r = -EBADMSG; /* truncated */
			break;
		}
	}
	inflateEnd(&z);
	if (r == 0)
		take_lines(b, &buf, &skipping, metadata_key, true);
out:
	strbuf_release(&buf);
	return r;
}

/* ---- aggregates ---- */

static void row_free(void *v)
{
	struct usage_row *r = v;

	free(r->tenant);
	free(r->profile);
	free(r->model);
	free(r);
}

void usage_agg_init(struct usage_agg *a)
{
	hashmap_init(&a->map);
}

void usage_agg_release(struct usage_agg *a)
{
	hashmap_release(&a->map, row_free);
}

void usage_agg_add(struct usage_agg *a, int32_t day, const char *tenant, const char *profile, const char *model,
		   const struct usage_counts *c)
{
	struct usage_row *r;
	struct strbuf key;

	strbuf_init(&key, STRBUF_NO_CAP);
	strbuf_addf(&key, "%d\t%s\t%s\t%s", (int)day, tenant, profile, model);
	r = hashmap_get(&a->map, key.buf);
	if (!r) {
		r = xcalloc(1, sizeof(*r));
		r->day = day;
		r->tenant = xstrdup(tenant);
		r->profile = xstrdup(profile);
		r->model = xstrdup(model);
		hashmap_put(&a->map, key.buf, r);
	}
	usage_counts_add(&r->c, c);
	strbuf_release(&key);
}

double usage_cost(const struct usage_counts *c, const struct usage_price *p)
{
	if (!p)
		return 0;
	return ((double)c->input * p->input + (double)c->output * p->output + (double)c->cache_read * p->cache_read +
		(double)c->cache_write * p->cache_write) /
	       1000.0;
}

void usage_attribute(const struct usage_batch *b, const struct usage_resolver *r, struct usage_agg *a)
{
	size_t pos = 0;
	const char *key;
	void *v;

	while (hashmap_next(&b->map, &pos, &key, &v)) {
		const struct usage_batch_entry *e = v;
		const char *tenant = USAGE_UNATTRIBUTED, *profile = "", *model = usage_model_of_arn(e->model_id);
		struct usage_counts c = e->c;

		if (!(usage_is_application_profile(e->model_id) &&
		      r->profile(r->ctx, e->model_id, &tenant, &profile, &model))) {
			tenant = USAGE_UNATTRIBUTED;
			profile = "";
			model = usage_model_of_arn(e->model_id);
			if (e->md_tenant && r->tenant_known(r->ctx, e->md_tenant))
				tenant = e->md_tenant;
		}
		c.cost = usage_cost(&c, r->price(r->ctx, model));
		usage_agg_add(a, e->day, tenant, profile, model, &c);
	}
}
