/* Bedrock model invocation logging: the control-plane operations
 * Put/Get/DeleteModelInvocationLoggingConfiguration (restJson1, per account and
 * region) and the delivery of records to S3. Each invocation while S3 delivery is
 * on becomes one JSON line in the real schema (schemaType ModelInvocationLog); the
 * lines of an account and region are batched and delivered as one gzip'd object
 * under {prefix/}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/
 * once the batch is older than the delivery delay (--invocation-log-delay) or
 * reaches USAGE_MAX_BATCH_BYTES. Delivery is lazy: it happens at the next S3
 * request or invocation after the delay, which no observer can tell apart from a
 * timer since the objects are only seen through S3. */
#include "usage.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "xalloc.h"

void log_batch_free(void *v)
{
	struct log_batch *b = v;

	if (!b)
		return;
	free(b->account);
	free(b->region);
	free(b->bucket);
	free(b->prefix);
	strbuf_release(&b->lines);
	free(b);
}

static int64_t delay_ms(const struct awsim *sim)
{
	return sim->cfg.invlog_delay_ms > 0 ? sim->cfg.invlog_delay_ms : USAGE_DEFAULT_DELAY;
}

/* gzip of in (one member), or -1. */
static int gzip(const struct strbuf *in, struct strbuf *out)
{
	z_stream z = { 0 };
	unsigned char buf[16384];
	int r;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)in->buf;
	z.avail_in = (uInt)in->len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		r = deflate(&z, Z_FINISH);
		strbuf_add(out, buf, sizeof(buf) - z.avail_out);
	} while (r == Z_OK);
	deflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -1;
}

static void deliver_one(struct awsim *sim, struct log_batch *b)
{
	struct usage_world *w = usage_world(sim);
	struct bucket *bk = omap_get(&w->buckets, b->bucket);
	struct strbuf gz, key;
	time_t t = (time_t)(b->opened_ms / 1000);
	struct tm tm;
	char hour[16], stamp[32], rnd[17];

	if (!bk)
		return; /* the bucket is gone: AWS drops the logs too */
	gmtime_r(&t, &tm);
	strftime(hour, sizeof(hour), "%Y/%m/%d/%H", &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	ids_random(&sim->rng, "0123456789abcdef", 16, rnd);
	strbuf_init(&gz, STRBUF_NO_CAP);
	strbuf_init(&key, 2048);
	if (b->prefix && *b->prefix)
		strbuf_addf(&key, "%s%s", b->prefix, b->prefix[strlen(b->prefix) - 1] == '/' ? "" : "/");
	strbuf_addf(&key, "AWSLogs/%s/BedrockModelInvocationLogs/%s/%s/%s%03dZ_%06llu%s.json.gz", b->account, b->region,
		    hour, stamp, (int)(b->opened_ms % 1000), (unsigned long long)++w->seq, rnd);
	if (gzip(&b->lines, &gz) == 0 && s3_put(sim, bk, key.buf, gz.buf, gz.len, "application/x-gzip") < 0)
		awsim_log(sim, "invocation logs: S3 is full, %s dropped", key.buf);
	strbuf_release(&gz);
	strbuf_release(&key);
}

void invlog_deliver(struct awsim *sim, bool force)
{
	struct usage_world *w = usage_world(sim);
	int64_t now = ids_now_ms();
	const struct omap_node *n = omap_next(&w->batches, NULL);

	while (n) {
		struct log_batch *b = n->value;
		char *key = xstrdup(n->key);
		if (force || now - b->opened_ms >= delay_ms(sim) || b->lines.len >= USAGE_MAX_BATCH_BYTES) {
			deliver_one(sim, b);
			log_batch_free(omap_del(&w->batches, key));
		}
		n = omap_next(&w->batches, key);
		free(key);
	}
}

static const cJSON *s3_config(struct usage_acct *ua, const char *region)
{
	const cJSON *cfg = omap_get(&ua->logging, region);
	const cJSON *s3 = cJSON_GetObjectItemCaseSensitive(cfg, "s3Config");

	return cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s3, "bucketName")) ? s3 : NULL;
}

static cJSON *record_json(const struct invocation *inv)
{
	cJSON *o = cJSON_CreateObject(), *io;
	char ts[32];

	cJSON_AddStringToObject(o, "schemaType", "ModelInvocationLog");
	cJSON_AddStringToObject(o, "schemaVersion", "1.0");
	ids_iso8601(inv->when_ms, 0, ts);
	cJSON_AddStringToObject(o, "timestamp", ts);
	cJSON_AddStringToObject(o, "accountId", inv->account);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "identity"), "arn", inv->caller_arn);
	cJSON_AddStringToObject(o, "region", inv->region);
	cJSON_AddStringToObject(o, "requestId", inv->request_id);
	cJSON_AddStringToObject(o, "operation", inv->operation);
	cJSON_AddStringToObject(o, "modelId", inv->model_id);
	io = cJSON_AddObjectToObject(o, "input");
	cJSON_AddStringToObject(io, "inputContentType", "application/json");
	cJSON_AddNumberToObject(io, "inputTokenCount", (double)inv->input);
	io = cJSON_AddObjectToObject(o, "output");
	cJSON_AddStringToObject(io, "outputContentType", "application/json");
	cJSON_AddNumberToObject(io, "outputTokenCount", (double)inv->output);
	if (inv->request_metadata)
		cJSON_AddItemToObject(o, "requestMetadata", cJSON_Duplicate(inv->request_metadata, 1));
	return o;
}

void invlog_queue(struct awsim *sim, struct usage_acct *ua, const struct invocation *inv)
{
	struct usage_world *w = usage_world(sim);
	const cJSON *s3 = s3_config(ua, inv->region);
	const cJSON *bucket = cJSON_GetObjectItemCaseSensitive(s3, "bucketName");
	const cJSON *prefix = cJSON_GetObjectItemCaseSensitive(s3, "keyPrefix");
	const char *pfx = cJSON_IsString(prefix) ? prefix->valuestring : "";
	struct log_batch *b;
	char *key, *line;
	cJSON *rec;

	invlog_deliver(sim, false);
	if (!s3)
		return;
	key = xasprintf("%s\t%s", inv->account, inv->region);
	b = omap_get(&w->batches, key);
	if (b && (strcmp(b->bucket, bucket->valuestring) != 0 || strcmp(b->prefix, pfx) != 0)) {
		deliver_one(sim, b); /* the configuration changed: the old batch goes where it was meant */
		log_batch_free(omap_del(&w->batches, key));
		b = NULL;
	}
	if (!b) {
		b = xcalloc(1, sizeof(*b));
		b->account = xstrdup(inv->account);
		b->region = xstrdup(inv->region);
		b->bucket = xstrdup(bucket->valuestring);
		b->prefix = xstrdup(pfx);
		strbuf_init(&b->lines, USAGE_MAX_BATCH_BYTES * 2);
		b->opened_ms = inv->when_ms;
		omap_put(&w->batches, key, b);
	}
	free(key);
	rec = record_json(inv);
	line = cJSON_PrintUnformatted(rec);
	cJSON_Delete(rec);
	strbuf_adds(&b->lines, line);
	strbuf_addch(&b->lines, '\n');
	cJSON_free(line);
	if (b->lines.len >= USAGE_MAX_BATCH_BYTES)
		invlog_deliver(sim, false);
}

/* ---- the control-plane operations ---- */

int op_invlog_put(struct call *c)
{
	static const struct strspec bucket_spec = { true, 3, 63, PAT_NONE };
	static const struct strspec prefix_spec = { false, 0, 1024, PAT_NONE };
	struct usage_acct *ua = usage_acct(c->sim, c->acct->id);
	const cJSON *cfg, *s3 = NULL, *cw = NULL;
	const char *bucket, *prefix;

	if (in_object(c, c->json, "loggingConfig", true, &cfg) < 0 || in_object(c, cfg, "s3Config", false, &s3) < 0 ||
	    in_object(c, cfg, "cloudWatchConfig", false, &cw) < 0)
		return -1;
	if (s3 && (in_str(c, s3, "bucketName", &bucket_spec, &bucket) < 0 ||
		   in_str(c, s3, "keyPrefix", &prefix_spec, &prefix) < 0))
		return -1;
	if (s3 && !omap_get(&usage_world(c->sim)->buckets, bucket))
		return call_error(c, 400, "ValidationException",
				  "Failed to validate permissions for log delivery to S3 bucket %s: the bucket does "
				  "not exist.",
				  bucket);
	invlog_deliver(c->sim, true);
	cJSON_Delete(omap_put(&ua->logging, c->region, cJSON_Duplicate(cfg, 1)));
	return call_json(c, cJSON_CreateObject());
}

int op_invlog_get(struct call *c)
{
	const cJSON *cfg = omap_get(&usage_acct(c->sim, c->acct->id)->logging, c->region);
	cJSON *o = cJSON_CreateObject();

	if (cfg)
		cJSON_AddItemToObject(o, "loggingConfig", cJSON_Duplicate(cfg, 1));
	return call_json(c, o);
}

int op_invlog_delete(struct call *c)
{
	invlog_deliver(c->sim, true);
	cJSON_Delete(omap_del(&usage_acct(c->sim, c->acct->id)->logging, c->region));
	return call_json(c, cJSON_CreateObject());
}
