/* Usage from invocation logs, the pure part: record parsing (malformed lines counted
 * and skipped), streaming gunzip, attribution, aggregation and pricing; the usage
 * store: the cursor committed with the aggregates, sums, ranking and retention. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <zlib.h>

#include "strbuf.h"
#include "usage.h"
#include "usage_store.h"
#include "xalloc.h"

#define ARN_ACME    "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123"
#define ARN_FOREIGN "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/zzz999"
#define MODEL	    "anthropic.claude-3-5-haiku-20241022-v1:0"

static char *record(const char *ts, const char *model, int in, int out, const char *tenant)
{
	return xasprintf("{\"schemaType\":\"ModelInvocationLog\",\"schemaVersion\":\"1.0\",\"timestamp\":\"%s\","
			 "\"accountId\":\"111122223333\",\"identity\":{\"arn\":\"arn:aws:iam::111122223333:user/u\"},"
			 "\"region\":\"us-east-1\",\"requestId\":\"r\",\"operation\":\"Converse\",\"modelId\":\"%s\","
			 "\"input\":{\"inputContentType\":\"application/json\",\"inputTokenCount\":%d,"
			 "\"cacheReadInputTokenCount\":2,\"cacheWriteInputTokenCount\":1},"
			 "\"output\":{\"outputContentType\":\"application/json\",\"outputTokenCount\":%d}%s%s%s}",
			 ts, model, in, out, tenant ? ",\"requestMetadata\":{\"tenantId\":\"" : "",
			 tenant ? tenant : "", tenant ? "\"}" : "");
}

static void gzip_into(const char *text, size_t len, struct strbuf *out)
{
	z_stream z = { 0 };
	unsigned char buf[4096];
	int r;

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)text;
	z.avail_in = (uInt)len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		r = deflate(&z, Z_FINISH);
		strbuf_add(out, buf, sizeof(buf) - z.avail_out);
	} while (r == Z_OK);
	assert_int_equal(r, Z_STREAM_END);
	deflateEnd(&z);
}

static const struct usage_batch_entry *only_entry(const struct usage_batch *b)
{
	size_t pos = 0;
	const char *key;
	void *v;

	assert_int_equal(b->map.n, 1);
	assert_true(hashmap_next(&b->map, &pos, &key, &v));
	return v;
}

static void test_days(void **state)
{
	int32_t d;
	char out[11];

	(void)state;
	assert_int_equal(usage_day("1970-01-01T00:00:00Z", 20, &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(usage_day("2026-12-03T15:10:00.123Z", 24, &d), 0);
	usage_day_format(d, out);
	assert_string_equal(out, "2026-12-03");
	assert_int_equal(usage_day("2024-02-29", 10, &d), 0);
	usage_day_format(d, out);
	assert_string_equal(out, "2024-02-29");
	usage_day_format(d + 1, out);
	assert_string_equal(out, "2024-03-01");
	assert_int_equal(usage_day("2026-13-01", 10, &d), -EINVAL);
	/* days a month does not have: not another day */
	assert_int_equal(usage_day("2026-02-31", 10, &d), -EINVAL);
	assert_int_equal(usage_day("2026-02-29", 10, &d), -EINVAL);
	assert_int_equal(usage_day("2026-04-31T00:00:00Z", 20, &d), -EINVAL);
	assert_int_equal(usage_day("2000-02-29", 10, &d), 0);
	assert_int_equal(usage_day("2100-02-29", 10, &d), -EINVAL);
	assert_int_equal(usage_day("2026-12-31", 10, &d), 0);
	assert_int_equal(usage_day("yesterday!", 10, &d), -EINVAL);
	assert_int_equal(usage_day("2026", 4, &d), -EINVAL);
	assert_string_equal(usage_model_of_arn("arn:aws:bedrock:us-east-1::foundation-model/" MODEL), MODEL);
	assert_string_equal(usage_model_of_arn("arn:aws:bedrock:us-east-1:1:inference-profile/us." MODEL), "us." MODEL);
	assert_string_equal(usage_model_of_arn(MODEL), MODEL);
	assert_true(usage_is_application_profile(ARN_ACME));
	assert_false(usage_is_application_profile(MODEL));
}

static void test_parse_lines(void **state)
{
	struct usage_batch b;
	char *r1 = record("2026-12-03T15:10:00Z", ARN_ACME, 5, 12, "acme");
	char *r2 = record("2026-12-03T23:59:59Z", ARN_ACME, 7, 3, "acme");
	const struct usage_batch_entry *e;

	(void)state;
	usage_batch_init(&b);
	usage_parse_line(&b, r1, strlen(r1), "tenantId");
	usage_parse_line(&b, r2, strlen(r2), "tenantId");
	assert_int_equal(b.records, 2);
	assert_int_equal(b.malformed, 0);
	e = only_entry(&b); /* same day, model and tenant: one key */
	assert_string_equal(e->model_id, ARN_ACME);
	assert_string_equal(e->md_tenant, "acme");
	assert_int_equal(e->c.requests, 2);
	assert_int_equal(e->c.input, 12);
	assert_int_equal(e->c.output, 15);
	assert_int_equal(e->c.cache_read, 4);
	assert_int_equal(e->c.cache_write, 2);
	usage_batch_release(&b);
	free(r1);
	free(r2);

	/* escapes, members skipped whatever their shape, a tenant that is not a string */
	usage_batch_init(&b);
	{
		static const char *const ok[] = {
			"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"modelId\":\"arn:aws:bedrock:us-east-1:1:application-"
			"inference-profile\\/abc\",\"extra\":[1,{\"a\":[true,false,null]},\"x\\\"y\"],"
			"\"input\":{\"inputTokenCount\":1.0e1},\"requestMetadata\":{\"tenantId\":\"a\\u0063me\"}}",
			" { \"modelId\" : \"m\" , \"timestamp\" : \"2026-12-03T00:00:00Z\" , \"requestMetadata\" : "
			"{ \"tenantId\" : 7 } } ",
		};
		static const char *const bad[] = {
			"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"modelId\":\"m\"} trailing",
			"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"modelId\":\"m\",\"x\":[1,}",
			"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"modelId\":\"m\",\"x\":tru}",
			"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"modelId\":\"m\\q\"}",
		};
		for (size_t i = 0; i < 2; i++)
			usage_parse_line(&b, ok[i], strlen(ok[i]), "tenantId");
		for (size_t i = 0; i < 4; i++)
			usage_parse_line(&b, bad[i], strlen(bad[i]), "tenantId");
		assert_int_equal(b.records, 6);
		assert_int_equal(b.malformed, 4);
		assert_int_equal(b.map.n, 2);
		e = hashmap_get(&b.map, "20790\tarn:aws:bedrock:us-east-1:1:application-inference-profile/abc\t=acme");
		assert_non_null(e);
		assert_int_equal(e->c.input, 10);
		assert_non_null(hashmap_get(&b.map, "20790\tm\t-"));
	}
	usage_batch_release(&b);
}

static void test_parse_malformed(void **state)
{
	static const char *const bad[] = {
		"not json at all",
		"[1,2,3]",
		"{\"modelId\":\"m\",\"input\":{\"inputTokenCount\":1}}",		      /* no timestamp */
		"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"input\":{\"inputTokenCount\":1}}", /* no modelId */
		"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"modelId\":\"m\",\"input\":{\"inputTokenCount\":-1}}",
		"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"modelId\":\"m\",\"output\":{\"outputTokenCount\":1.5}}",
		"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"modelId\":\"m\",\"output\":{\"outputTokenCount\":\"7\"}}",
		"{\"timestamp\":\"2026-12-03T00:00:00Z\",\"modelId\":\"m\",\"input\":{\"inputTokenCount\":3",
	};
	struct usage_batch b;
	char *good = record("2026-12-03T10:00:00Z", MODEL, 1, 1, NULL);

	(void)state;
	usage_batch_init(&b);
	usage_parse_line(&b, good, strlen(good), "tenantId");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		usage_parse_line(&b, bad[i], strlen(bad[i]), "tenantId");
	assert_int_equal(b.records, 9);
	assert_int_equal(b.malformed, 8);
	assert_int_equal(b.first_bad_line, 2);
	assert_string_equal(b.first_bad_why, "not a JSON object");
	assert_null(only_entry(&b)->md_tenant);
	usage_batch_release(&b);
	free(good);
}

/* A record more than the caller's bound ahead (its clock plus a day) is malformed: it
 * would be stored and never pruned. At the bound it is counted; without one (0),
 * any date is. */
static void test_parse_future(void **state)
{
	char *at = record("2026-12-04T10:00:00Z", MODEL, 1, 1, NULL);
	char *past = record("2026-12-04T10:00:01Z", MODEL, 1, 1, NULL);
	char *far = record("9999-12-31T23:59:59Z", MODEL, 1, 1, NULL);
	char *day_only = record("2026-12-05", MODEL, 1, 1, NULL);
	struct usage_batch b;
	int32_t day;

	(void)state;
	assert_int_equal(usage_day("2026-12-04", 10, &day), 0);
	usage_batch_init(&b);
	b.latest = (int64_t)day * 86400 + 10 * 3600;
	usage_parse_line(&b, at, strlen(at), "tenantId");
	assert_int_equal(b.malformed, 0);
	usage_parse_line(&b, past, strlen(past), "tenantId");
	usage_parse_line(&b, far, strlen(far), "tenantId");
	usage_parse_line(&b, day_only, strlen(day_only), "tenantId");
	assert_int_equal(b.records, 4);
	assert_int_equal(b.malformed, 3);
	assert_int_equal(b.first_bad_line, 2);
	assert_string_equal(b.first_bad_why, "a timestamp in the future");
	assert_int_equal(only_entry(&b)->day, day);
	usage_batch_release(&b);

	usage_batch_init(&b);
	usage_parse_line(&b, far, strlen(far), "tenantId");
	assert_int_equal(b.malformed, 0);
	usage_batch_release(&b);

	/* the offset applied: 11:00 at +01:00 is the bound, 10:00 UTC; 11:00 at -00:30 is past
	 * it, and so is 11:00 without an offset (UTC) */
	{
		static const char *const within[] = { "2026-12-04T11:00:00+01:00", "2026-12-04T11:00:00.250+0100",
						      "2026-12-04T05:00:00-05:00", "2026-12-04T10:00:00.999Z" };
		static const char *const beyond[] = { "2026-12-04T11:00:00-00:30", "2026-12-04T11:00:00",
						      "2026-12-04T10:00:00-0001", "2026-12-04T12:00:00+01:59" };
		usage_batch_init(&b);
		b.latest = (int64_t)day * 86400 + 10 * 3600;
		for (size_t i = 0; i < 4; i++) {
			char *r = record(within[i], MODEL, 1, 1, NULL);
			usage_parse_line(&b, r, strlen(r), "tenantId");
			assert_int_equal(b.malformed, 0);
			free(r);
		}
		for (size_t i = 0; i < 4; i++) {
			char *r = record(beyond[i], MODEL, 1, 1, NULL);
			usage_parse_line(&b, r, strlen(r), "tenantId");
			assert_int_equal(b.malformed, i + 1);
			free(r);
		}
		usage_batch_release(&b);
	}
	free(at);
	free(past);
	free(far);
	free(day_only);
}

/* A gzip object of many lines (more than one inflate buffer), a blank line, a CRLF,
 * a malformed line in the middle and no newline at the end; then the same object cut
 * short, and the same lines not compressed. */
static void test_parse_object(void **state)
{
	struct strbuf text, gz;
	struct usage_batch b;
	int n = 3000;

	(void)state;
	strbuf_init(&text, STRBUF_NO_CAP);
	strbuf_init(&gz, STRBUF_NO_CAP);
	for (int i = 0; i < n; i++) {
		char *r = record("2026-12-03T10:00:00Z", ARN_ACME, 4, 12, i % 2 ? "acme" : NULL);
		strbuf_adds(&text, r);
		strbuf_adds(&text, i == 10 ? "\r\n\n" : "\n");
		if (i == 1500)
			strbuf_adds(&text, "{\"broken\n");
		free(r);
	}
	text.len--; /* no final newline */
	gzip_into(text.buf, text.len, &gz);

	usage_batch_init(&b);
	assert_int_equal(usage_parse_object(gz.buf, gz.len, "tenantId", &b), 0);
	assert_int_equal(b.records, n + 1);
	assert_int_equal(b.malformed, 1);
	assert_int_equal(b.first_bad_line, 1502);
	assert_int_equal(b.map.n, 2); /* with and without requestMetadata */
	usage_batch_release(&b);

	usage_batch_init(&b);
	assert_int_equal(usage_parse_object(gz.buf, gz.len / 2, "tenantId", &b), -EBADMSG);
	assert_true(b.records > 0 && b.records < (uint64_t)n);
	usage_batch_release(&b);

	usage_batch_init(&b);
	assert_int_equal(usage_parse_object(text.buf, text.len, "tenantId", &b), 0);
	assert_int_equal(b.records, n + 1);
	usage_batch_release(&b);

	/* the daemon stopping: the parse ends (a gzip bomb would take minutes) */
	{
		atomic_bool stop = true;
		usage_batch_init(&b);
		b.stop = &stop;
		assert_int_equal(usage_parse_object(gz.buf, gz.len, "tenantId", &b), -ECANCELED);
		assert_true(b.records < (uint64_t)n);
		usage_batch_release(&b);
	}

	strbuf_release(&text);
	strbuf_release(&gz);
}

/* A record longer than USAGE_LINE_MAX is one malformed record; the next is read. */
static void test_parse_long_line(void **state)
{
	struct strbuf text, gz;
	struct usage_batch b;
	char *r = record("2026-12-03T10:00:00Z", MODEL, 1, 1, NULL);

	(void)state;
	strbuf_init(&text, STRBUF_NO_CAP);
	strbuf_init(&gz, STRBUF_NO_CAP);
	strbuf_adds(&text, "{\"x\":\"");
	for (size_t i = 0; i < USAGE_LINE_MAX + 100; i++)
		strbuf_addch(&text, 'a');
	strbuf_adds(&text, "\"}\n");
	strbuf_adds(&text, r);
	strbuf_addch(&text, '\n');
	gzip_into(text.buf, text.len, &gz);
	usage_batch_init(&b);
	assert_int_equal(usage_parse_object(gz.buf, gz.len, "tenantId", &b), 0);
	assert_int_equal(b.records, 2);
	assert_int_equal(b.malformed, 1);
	assert_int_equal(only_entry(&b)->c.requests, 1);
	usage_batch_release(&b);
	strbuf_release(&text);
	strbuf_release(&gz);
	free(r);
}

/* ---- attribution ---- */

static bool fake_profile(void *ctx, const char *arn, const char **tenant, const char **profile, const char **model)
{
	(void)ctx;
	if (strcmp(arn, ARN_ACME) != 0)
		return false;
	*tenant = "acme";
	*profile = "chat";
	*model = MODEL;
	return true;
}

static bool fake_tenant(void *ctx, const char *id)
{
	(void)ctx;
	return !strcmp(id, "acme") || !strcmp(id, "beta");
}

static const struct usage_price haiku = { 1.0, 5.0, 0.1, 1.25 };

static const struct usage_price *fake_price(void *ctx, const char *model)
{
	(void)ctx;
	return !strcmp(model, MODEL) ? &haiku : NULL;
}

static const struct usage_row *row_of(const struct usage_agg *a, const char *tenant, const char *profile)
{
	size_t pos = 0;
	const char *key;
	void *v;

	while (hashmap_next(&a->map, &pos, &key, &v)) {
		const struct usage_row *r = v;
		if (!strcmp(r->tenant, tenant) && !strcmp(r->profile, profile))
			return r;
	}
	return NULL;
}

/* row_found: row_of's row, the test failed without one (abort() tells the compiler
 * that no NULL comes back: cmocka's failures are not marked noreturn). */
static const struct usage_row *row_found(const struct usage_agg *a, const char *tenant, const char *profile)
{
	const struct usage_row *r = row_of(a, tenant, profile);

	if (!r) {
		fail_msg("no row for tenant '%s', profile '%s'", tenant, profile);
		abort();
	}
	return r;
}

static void add_line(struct usage_batch *b, const char *ts, const char *model, int in, int out, const char *tenant)
{
	char *r = record(ts, model, in, out, tenant);
	usage_parse_line(b, r, strlen(r), "tenantId");
	free(r);
}

static void test_attribute(void **state)
{
	struct usage_resolver res = { fake_profile, fake_tenant, fake_price, NULL };
	struct usage_batch b;
	struct usage_agg a;
	const struct usage_row *r;

	(void)state;
	usage_batch_init(&b);
	/* the profile ARN wins over requestMetadata */
	add_line(&b, "2026-12-03T01:00:00Z", ARN_ACME, 1000, 2000, "beta");
	/* requestMetadata of a known tenant */
	add_line(&b, "2026-12-03T01:00:00Z", MODEL, 10, 20, "beta");
	/* a profile that is not ours, then an unknown tenant, then no metadata at all */
	add_line(&b, "2026-12-03T01:00:00Z", ARN_FOREIGN, 1, 1, NULL);
	add_line(&b, "2026-12-03T01:00:00Z", MODEL, 1, 1, "nobody");
	add_line(&b, "2026-12-03T01:00:00Z", "arn:aws:bedrock:us-east-1::foundation-model/" MODEL, 1, 1, NULL);
	usage_agg_init(&a);
	usage_attribute(&b, &res, &a);

	r = row_found(&a, "acme", "chat");
	assert_string_equal(r->model, MODEL);
	assert_int_equal(r->c.requests, 1);
	/* 1000 x 1.0 + 2000 x 5.0 + 2 x 0.1 + 1 x 1.25, per 1,000 */
	assert_true(r->c.cost > 11.00144 && r->c.cost < 11.00146);
	r = row_found(&a, "beta", "");
	assert_int_equal(r->c.input, 10);
	assert_null(row_of(&a, "nobody", ""));
	/* unattributed: the foreign profile (its own model key) and two of MODEL */
	assert_int_equal(a.map.n, 4);
	usage_batch_release(&b);
	usage_agg_release(&a);
}

/* ---- the store ---- */

static char *temp_db(void)
{
	char *dir = xstrdup("/tmp/btd-usage-XXXXXX");

	assert_non_null(mkdtemp(dir));
	return dir;
}

static void agg_one(struct usage_agg *a, int32_t day, const char *tenant, const char *profile, uint64_t in, double cost)
{
	struct usage_counts c = { .requests = 1, .input = in, .output = 2 * in, .cost = cost };

	usage_agg_add(a, day, tenant, profile, MODEL, &c);
}

static void test_store(void **state)
{
	char *dir = temp_db(), *path = xasprintf("%s/usage.db", dir), *cursor = NULL;
	struct usage_store *s, *r;
	struct usage_sums by_profile, by_day, top;
	struct usage_counts total, unattributed;
	struct usage_agg a;
	size_t n_tenants;

	(void)state;
	assert_int_equal(usage_store_open(path, &s, NULL), 0);
	assert_int_equal(usage_store_cursor(s, "default/us-east-1 s3://b/p/", &cursor), 0);
	assert_null(cursor);

	usage_agg_init(&a);
	agg_one(&a, 100, "acme", "chat", 10, 1.5);
	agg_one(&a, 101, "acme", "chat", 20, 2.5);
	agg_one(&a, 101, "beta", "", 5, 9.0);
	agg_one(&a, 101, "", "", 7, 0.5);
	assert_int_equal(usage_store_commit(s, "default/us-east-1 s3://b/p/", "p/k1", &a, 4, 1), 0);
	/* the same aggregates again, under a later key: added, never replaced */
	assert_int_equal(usage_store_commit(s, "default/us-east-1 s3://b/p/", "p/k2", &a, 4, 0), 0);
	usage_agg_release(&a);
	usage_store_close(s);

	/* reopened: the cursor and the sums survived */
	assert_int_equal(usage_store_open(path, &s, NULL), 0);
	assert_int_equal(usage_store_cursor(s, "default/us-east-1 s3://b/p/", &cursor), 0);
	assert_string_equal(cursor, "p/k2");
	free(cursor);
	assert_int_equal(usage_store_tenant(s, "acme", 0, 1000, &by_profile, &by_day), 0);
	assert_int_equal(by_profile.n, 1);
	assert_string_equal(by_profile.items[0].profile, "chat");
	assert_int_equal(by_profile.items[0].c.requests, 4);
	assert_int_equal(by_profile.items[0].c.input, 60);
	assert_int_equal(by_day.n, 2);
	assert_int_equal(by_day.items[0].day, 100);
	usage_sums_release(&by_profile);
	usage_sums_release(&by_day);
	/* only day 101 */
	assert_int_equal(usage_store_tenant(s, "acme", 101, 101, &by_profile, &by_day), 0);
	assert_int_equal(by_profile.items[0].c.input, 40);
	usage_sums_release(&by_profile);
	usage_sums_release(&by_day);

	/* ranking: beta costs most; unattributed is apart; the limit holds */
	assert_int_equal(usage_store_ranking(s, 0, 1000, 1, &top, &total, &unattributed, &n_tenants), 0);
	assert_int_equal(top.n, 1);
	assert_string_equal(top.items[0].tenant, "beta");
	assert_int_equal(n_tenants, 2);
	assert_int_equal(unattributed.requests, 2);
	assert_int_equal(total.requests, 8);
	assert_true(total.cost > 26.99 && total.cost < 27.01);
	usage_sums_release(&top);

	/* a read-only connection beside the writer (the control socket's queries, off the
	 * loop): the same sums, the writer's later commits seen, no write of its own */
	assert_int_equal(usage_store_open_reader(path, &r, NULL), 0);
	assert_int_equal(usage_store_ranking(r, 0, 1000, 1, &top, &total, &unattributed, &n_tenants), 0);
	assert_string_equal(top.items[0].tenant, "beta");
	assert_int_equal(total.requests, 8);
	usage_sums_release(&top);
	usage_agg_init(&a);
	agg_one(&a, 101, "acme", "chat", 1, 0.5);
	assert_int_equal(usage_store_commit(s, "default/us-east-1 s3://b/p/", "p/k3", &a, 1, 0), 0);
	assert_int_equal(usage_store_tenant(r, "acme", 0, 1000, &by_profile, &by_day), 0);
	assert_int_equal(by_profile.items[0].c.requests, 5);
	usage_sums_release(&by_profile);
	usage_sums_release(&by_day);
	assert_int_equal(usage_store_commit(r, "default/us-east-1 s3://b/p/", "p/k4", &a, 1, 0), -EROFS);
	usage_agg_release(&a);
	usage_store_close(r);

	/* retention: days before 101 go */
	assert_int_equal(usage_store_prune(s, 101), 0);
	assert_int_equal(usage_store_tenant(s, "acme", 0, 1000, &by_profile, &by_day), 0);
	assert_int_equal(by_day.n, 1);
	assert_int_equal(by_day.items[0].day, 101);
	usage_sums_release(&by_profile);
	usage_sums_release(&by_day);
	usage_store_close(s);

	unlink(path);
	free(path);
	path = xasprintf("%s/usage.db-wal", dir);
	unlink(path);
	free(path);
	path = xasprintf("%s/usage.db-shm", dir);
	unlink(path);
	free(path);
	rmdir(dir);
	free(dir);
}

/* Counts a hostile or corrupt log may carry: each within the parser's bound, together
 * past what 64 bits (and JSON's doubles) hold. Every sum stops at USAGE_COUNT_MAX, in
 * one object's batch, in an aggregate, in the store's rows and in its sums (an SQLite
 * SUM() past 2^63 fails the whole answer); a cost is rounded to millionths only where
 * that is exact. */
static void test_counts_saturate(void **state)
{
	char *dir = temp_db(), *path = xasprintf("%s/usage.db", dir), *line;
	struct usage_store *s;
	struct usage_sums by_profile, by_day, top;
	struct usage_counts total, unattributed, c = { 0 };
	struct usage_batch b;
	struct usage_agg a;
	size_t n_tenants;
	const struct usage_batch_entry *e = NULL;
	size_t pos = 0;
	void *v;

	(void)state;
	usage_batch_init(&b);
	line = xstrdup("{\"schemaType\":\"ModelInvocationLog\",\"timestamp\":\"2026-12-03T01:00:00Z\","
		       "\"modelId\":\"" MODEL "\",\"input\":{\"inputTokenCount\":1000000000000000},"
		       "\"output\":{\"outputTokenCount\":1}}");
	for (int i = 0; i < 20; i++)
		usage_parse_line(&b, line, strlen(line), "tenantId");
	free(line);
	assert_int_equal(b.malformed, 0);
	assert_int_equal(b.map.n, 1);
	assert_true(hashmap_next(&b.map, &pos, NULL, &v));
	e = v;
	assert_int_equal(e->c.requests, 20);
	assert_true(e->c.input == USAGE_COUNT_MAX);
	usage_batch_release(&b);

	c.requests = c.input = USAGE_COUNT_MAX;
	usage_counts_add(&c, &c);
	assert_true(c.requests == USAGE_COUNT_MAX && c.input == USAGE_COUNT_MAX);

	assert_int_equal(usage_store_open(path, &s, NULL), 0);
	for (int round = 0; round < 2; round++) {
		char key[16];
		usage_agg_init(&a);
		for (int32_t day = 0; day < 1500; day++)
			agg_one(&a, day, "acme", "chat", USAGE_COUNT_MAX, 1e12);
		snprintf(key, sizeof(key), "p/k%d", round);
		assert_int_equal(usage_store_commit(s, "default/us-east-1 s3://b/p/", key, &a, 1500, 0), 0);
		usage_agg_release(&a);
	}
	assert_int_equal(usage_store_tenant(s, "acme", 0, 2000, &by_profile, &by_day), 0);
	assert_int_equal(by_profile.n, 1);
	assert_true(by_profile.items[0].c.input == USAGE_COUNT_MAX);
	assert_true(by_profile.items[0].c.output == USAGE_COUNT_MAX);
	assert_int_equal(by_profile.items[0].c.requests, 3000);
	assert_int_equal(by_day.n, 1500);
	assert_true(by_day.items[0].c.input == USAGE_COUNT_MAX);
	usage_sums_release(&by_profile);
	usage_sums_release(&by_day);
	assert_int_equal(usage_store_ranking(s, 0, 2000, 5, &top, &total, &unattributed, &n_tenants), 0);
	assert_int_equal(top.n, 1);
	assert_true(total.input == USAGE_COUNT_MAX);
	assert_true(total.cost > 2.9e15 && total.cost < 3.1e15);
	usage_sums_release(&top);
	usage_store_close(s);

	assert_true(usage_usd_rounded(1.2345674) == 1.234567);
	assert_true(usage_usd_rounded(-0.0000004) == 0);
	assert_true(usage_usd_rounded(3e15) == 3e15);
	assert_true(usage_usd_rounded(1e19) == 1e19);

	for (const char *const *f = (const char *const[]){ "", "-wal", "-shm", NULL }; *f; f++) {
		char *p = xasprintf("%s%s", path, *f);
		unlink(p);
		free(p);
	}
	free(path);
	rmdir(dir);
	free(dir);
}

static void remove_db(char *dir, char *path)
{
	static const char *const ext[] = { "", "-wal", "-shm" };

	for (size_t i = 0; i < 3; i++) {
		char *f = xasprintf("%s%s", path, ext[i]);
		unlink(f);
		free(f);
	}
	free(path);
	rmdir(dir);
	free(dir);
}

/* Another process holds usage.db's write lock: a commit does not wait it out (the
 * daemon commits on its event loop) but fails at once with -EBUSY, the cursor not
 * moved, and succeeds once the lock is gone. The holder keeps the lock until the
 * commit has returned (or 3 s, well under SQLITE_OPEN_BUSY_MS, have passed: a commit
 * that waits as long as that sees the lock go and succeeds). */
static void test_store_locked(void **state)
{
	char *dir = temp_db(), *path = xasprintf("%s/usage.db", dir), *cursor = NULL;
	int locked[2], done[2];
	struct usage_store *s;
	struct usage_agg a;
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(usage_store_open(path, &s, NULL), 0);
	assert_int_equal(pipe(locked), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pollfd pfd = { .fd = done[0], .events = POLLIN };
		sqlite3 *db = NULL;
		if (sqlite3_open(path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		if (write(locked[1], "l", 1) != 1)
			_exit(1);
		poll(&pfd, 1, 3000);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	assert_int_equal(read(locked[0], &c, 1), 1);

	usage_agg_init(&a);
	agg_one(&a, 100, "acme", "chat", 10, 1.5);
	assert_int_equal(usage_store_commit(s, "p", "k1", &a, 1, 0), -EBUSY);
	assert_int_equal(write(done[1], "d", 1), 1);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(usage_store_cursor(s, "p", &cursor), 0);
	assert_null(cursor);
	assert_int_equal(usage_store_commit(s, "p", "k1", &a, 1, 0), 0);
	assert_int_equal(usage_store_cursor(s, "p", &cursor), 0);
	assert_string_equal(cursor, "k1");
	free(cursor);
	usage_agg_release(&a);
	usage_store_close(s);
	close(locked[0]);
	close(locked[1]);
	close(done[0]);
	close(done[1]);
	remove_db(dir, path);
}

/* A cursor under an earlier name of the same location (the alias: "default/..." or
 * "self/...") is taken over by the location's name: the furthest key, the counts
 * added, the old names gone. Another location's cursor, or another Region's, stays. */
static void test_cursor_take_over(void **state)
{
	static const char *const other[] = {
		"default/us-west-2 s3://b/p/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/",
		"default/us-east-1 s3://b/q/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/",
	};
	const char *suffix = "/us-east-1 s3://b/p/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/";
	char *dir = temp_db(), *path = xasprintf("%s/usage.db", dir), *cursor = NULL;
	char *old1 = xasprintf("default%s", suffix), *old2 = xasprintf("self%s", suffix);
	char *place = xasprintf("1%s", suffix), *spaced = xasprintf("x y%s", suffix);
	struct usage_place_stats *st;
	struct usage_store *s;
	struct usage_agg a;
	size_t n;

	(void)state;
	assert_int_equal(usage_store_open(path, &s, NULL), 0);
	usage_agg_init(&a);
	assert_int_equal(usage_store_commit(s, old1, "k2", &a, 3, 1), 0);
	assert_int_equal(usage_store_commit(s, old2, "k1", &a, 2, 0), 0);
	assert_int_equal(usage_store_commit(s, spaced, "k9", &a, 1, 0), 0);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(usage_store_commit(s, other[i], "k8", &a, 1, 0), 0);
	usage_agg_release(&a);

	assert_int_equal(usage_store_cursor_take(s, place, suffix, &cursor), 0);
	assert_string_equal(cursor, "k2");
	free(cursor);
	assert_int_equal(usage_store_cursor(s, old1, &cursor), 0);
	assert_null(cursor);
	assert_int_equal(usage_store_places(s, &st, &n), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(st[i].place, place)) {
			assert_string_equal(st[i].cursor, "k2");
			assert_int_equal(st[i].objects, 2);
			assert_int_equal(st[i].records, 5);
			assert_int_equal(st[i].malformed, 1);
		} else {
			assert_true(!strcmp(st[i].place, spaced) || !strcmp(st[i].place, other[0]) ||
				    !strcmp(st[i].place, other[1]));
		}
	usage_place_stats_free(st, n);

	/* taken once: the place's own cursor from here on */
	assert_int_equal(usage_store_commit(s, place, "k3", &a, 1, 0), 0);
	assert_int_equal(usage_store_cursor_take(s, place, suffix, &cursor), 0);
	assert_string_equal(cursor, "k3");
	free(cursor);
	/* nothing to take: none */
	assert_int_equal(usage_store_cursor_take(s, "2/eu-west-1 s3://b/", "/eu-west-1 s3://b/", &cursor), 0);
	assert_null(cursor);
	usage_store_close(s);
	free(old1);
	free(old2);
	free(place);
	free(spaced);
	remove_db(dir, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_future),
		cmocka_unit_test(test_parse_object),
		cmocka_unit_test(test_parse_long_line),
		cmocka_unit_test(test_attribute),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_counts_saturate),
		cmocka_unit_test(test_store_locked),
		cmocka_unit_test(test_cursor_take_over),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
