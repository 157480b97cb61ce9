/* bench_usage [RECORDS [PER_OBJECT [TENANTS]]]: generates RECORDS invocation-log
 * records in the real schema (ModelInvocationLog), gzip'd PER_OBJECT records to an
 * object, spread over TENANTS tenants with 2 profiles each (profile ARNs, half of the
 * records with requestMetadata, 1 in 50 through a foundation model without it), then
 * measures on one thread what the daemon does per object: inflate, parse every line,
 * attribute and aggregate (usage_parse_object + usage_attribute + usage_agg_add).
 * Prints records per second of wall and of CPU time, and the peak resident memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <zlib.h>

#include "strbuf.h"
#include "usage.h"
#include "xalloc.h"

#define MODEL "anthropic.claude-3-5-haiku-20241022-v1:0"
#define ARN   "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/t%05up%u"

static unsigned n_tenants;

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void gzip_into(const struct strbuf *in, struct strbuf *out)
{
	z_stream z = { 0 };
	unsigned char buf[65536];
	int r;

	deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)in->buf;
	z.avail_in = (uInt)in->len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		r = deflate(&z, Z_FINISH);
		strbuf_add(out, buf, sizeof(buf) - z.avail_out);
	} while (r == Z_OK);
	deflateEnd(&z);
}

/* The engine's answer: profile ARN t{N}p{P} belongs to tenant t{N}. */
static bool profile_of(void *ctx, const char *arn, const char **tenant, const char **profile, const char **model)
{
	static char t[16], p[8];
	const char *s = strrchr(arn, '/');
	unsigned n, k;

	(void)ctx;
	if (!s || sscanf(s + 1, "t%5up%u", &n, &k) != 2 || n >= n_tenants)
		return false;
	snprintf(t, sizeof(t), "t%05u", n);
	snprintf(p, sizeof(p), "p%u", k);
	*tenant = t;
	*profile = p;
	*model = MODEL;
	return true;
}

static bool tenant_known(void *ctx, const char *id)
{
	(void)ctx;
	return id[0] == 't';
}

static const struct usage_price price = { 0.0008, 0.004, 0.00008, 0.001 };

static const struct usage_price *price_of(void *ctx, const char *model)
{
	(void)ctx;
	(void)model;
	return &price;
}

int main(int argc, char **argv)
{
	unsigned long records = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	unsigned per = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2000;
	struct usage_resolver res = { profile_of, tenant_known, price_of, NULL };
	struct strbuf *objects, text;
	size_t n_objects = (records + per - 1) / per, raw = 0, packed = 0;
	unsigned long made = 0, counted = 0, malformed = 0;
	double w0, c0, wall, cpu;
	struct usage_agg agg;
	struct rusage ru;

	n_tenants = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 1000;
	if (!records || !per || !n_tenants || n_tenants > 99999) {
		fprintf(stderr, "usage: bench_usage [RECORDS [PER_OBJECT [TENANTS<=99999]]]\n");
		return 2;
	}
	objects = xcalloc(n_objects, sizeof(*objects));
	strbuf_init(&text, STRBUF_NO_CAP);
	srand(7);
	for (size_t o = 0; o < n_objects; o++) {
		strbuf_reset(&text);
		for (unsigned i = 0; i < per && made < records; i++, made++) {
			unsigned t = (unsigned)rand() % n_tenants, in = 50 + (unsigned)rand() % 2000;
			char model[128];
			if (made % 50 == 49)
				snprintf(model, sizeof(model), "%s", MODEL);
			else
				snprintf(model, sizeof(model), ARN, t, 1 + (unsigned)rand() % 2);
			strbuf_addf(
				&text,
				"{\"schemaType\":\"ModelInvocationLog\",\"schemaVersion\":\"1.0\","
				"\"timestamp\":\"2026-12-%02luT%02u:%02u:%02u.%03uZ\",\"accountId\":\"111122223333\","
				"\"identity\":{\"arn\":\"arn:aws:sts::111122223333:assumed-role/app-%05u/s\"},"
				"\"region\":\"us-east-1\",\"requestId\":\"%08x-1111-2222-3333-%012lx\","
				"\"operation\":\"Converse\",\"modelId\":\"%s\","
				"\"input\":{\"inputContentType\":\"application/json\",\"inputTokenCount\":%u},"
				"\"output\":{\"outputContentType\":\"application/"
				"json\",\"outputTokenCount\":%u}%s%05u%s}\n",
				1 + made % 3, (unsigned)(o % 24), i % 60, i % 60, i % 1000, t, (unsigned)rand(), made,
				model, in, 10 + in / 2,
				made % 2 ? ",\"requestMetadata\":{\"tenantId\":\"t" : ",\"x\":\"", t,
				made % 2 ? "\"}" : "\"");
		}
		raw += text.len;
		strbuf_init(&objects[o], STRBUF_NO_CAP);
		gzip_into(&text, &objects[o]);
		packed += objects[o].len;
	}
	strbuf_release(&text);
	printf("%lu records in %zu objects: %.1f MB of JSON lines, %.1f MB gzip'd (%.0f bytes a record)\n", records,
	       n_objects, (double)raw / 1e6, (double)packed / 1e6, (double)raw / (double)records);

	usage_agg_init(&agg);
	w0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (size_t o = 0; o < n_objects; o++) {
		struct usage_batch b;
		usage_batch_init(&b);
		if (usage_parse_object(objects[o].buf, objects[o].len, "tenantId", &b) < 0)
			fprintf(stderr, "object %zu does not inflate\n", o);
		usage_attribute(&b, &res, &agg);
		counted += b.records - b.malformed;
		malformed += b.malformed;
		usage_batch_release(&b);
	}
	wall = now(CLOCK_MONOTONIC) - w0;
	cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	getrusage(RUSAGE_SELF, &ru);
	printf("%lu records counted, %lu malformed, %zu aggregates (tenant, profile, model, day)\n", counted, malformed,
	       agg.map.n);
	printf("%.2f s wall, %.2f s CPU: %.0f records/s wall, %.0f records per CPU-second\n", wall, cpu,
	       (double)counted / wall, (double)counted / cpu);
	printf("peak resident memory %.0f MB (the generated objects included)\n", (double)ru.ru_maxrss / 1024);
	usage_agg_release(&agg);
	for (size_t o = 0; o < n_objects; o++)
		strbuf_release(&objects[o]);
	free(objects);
	return 0;
}
