/* Amazon S3 (restXml), as far as invocation logs need: CreateBucket, HeadBucket,
 * PutObject, GetObject and ListObjectsV2 (prefix, start-after, continuation
 * token, max-keys), addressed path-style (/bucket/key) or virtual-host style
 * (bucket.s3.amazonaws.com, bucket.s3.REGION.amazonaws.com, bucket.localhost).
 * Buckets are global and owned by the account that created them; errors come in
 * S3's XML shape. S3's SigV4 rules are in auth.c (the path signed as sent, the
 * body may be UNSIGNED-PAYLOAD). ETags are the first 32 hex digits of the
 * SHA-256 of the object, not its MD5. */
#include "usage.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sigv4.h"
#include "uri.h"
#include "xalloc.h"

#define LIST_MAX 1000

void bucket_free(void *v)
{
	struct bucket *b = v;
	const struct omap_node *n;

	if (!b)
		return;
	for (n = omap_next(&b->objects, NULL); n; n = omap_next(&b->objects, n->key)) {
		struct s3_object *o = n->value;
		free(o->data);
		free(o->content_type);
		free(o);
	}
	omap_clear(&b->objects, NULL);
	free(b->name);
	free(b->region);
	free(b->owner);
	free(b);
}

int s3_canonical_path(const char *raw, struct strbuf *out)
{
	return uri_decode(out, raw, strlen(raw), false);
}

int s3_put(struct awsim *sim, struct bucket *b, const char *key, const void *data, size_t len, const char *content_type)
{
	struct usage_world *w = usage_world(sim);
	struct s3_object *o = omap_get(&b->objects, key);
	char hash[SIGV4_HEX_LEN + 1];

	if (w->s3_bytes - (o ? o->len : 0) + len > USAGE_MAX_S3_BYTES || (!o && w->s3_objects >= USAGE_MAX_S3_OBJECTS))
		return -ENOSPC;
	if (!o) {
		o = xcalloc(1, sizeof(*o));
		omap_put(&b->objects, key, o);
		w->s3_objects++;
	}
	w->s3_bytes -= o->len;
	free(o->data);
	free(o->content_type);
	o->data = xmalloc(len + 1);
	memcpy(o->data, data, len);
	o->len = len;
	w->s3_bytes += len;
	o->content_type = xstrdup(content_type ? content_type : "binary/octet-stream");
	o->modified_ms = ids_now_ms();
	sigv4_hash_hex(data, len, hash);
	snprintf(o->etag, sizeof(o->etag), "\"%.32s\"", hash);
	return 0;
}

/* The bucket of a virtual-host style Host header, or NULL. */
static char *host_bucket(const struct http_message *m)
{
	static const char *const suffixes[] = { ".s3.amazonaws.com", ".amazonaws.com", ".localhost" };
	const char *host = http_message_header(m, "host");
	size_t len;

	if (!host)
		return NULL;
	len = strcspn(host, ":");
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t sl = strlen(suffixes[i]);
		const char *dot;
		if (len <= sl || strncasecmp(host + len - sl, suffixes[i], sl) != 0)
			continue;
		dot = memchr(host, '.', len);
		if (!dot || strncmp(host, "s3.", 3) == 0 || strncmp(host, "s3-", 3) == 0)
			return NULL;
		if (i == 1 && !strstr(dot, ".s3.")) /* bucket.s3.REGION.amazonaws.com only */
			return NULL;
		return xstrndup(host, (size_t)(dot - host));
	}
	return NULL;
}

static const struct op *s3_op(const char *name)
{
	for (size_t i = 0; i < s3_n_ops; i++)
		if (strcmp(s3_ops[i].name, name) == 0)
			return &s3_ops[i];
	return NULL;
}

bool route_s3(struct call *c)
{
	const char *m = c->msg->method, *name = NULL;
	char *vhost = host_bucket(c->msg);
	struct strbuf dec;
	const char *key;

	strbuf_init(&dec, 4096);
	if (vhost)
		strbuf_addf(&dec, "%s/", vhost);
	free(vhost);
	if (uri_decode(&dec, c->msg->path + 1, strlen(c->msg->path + 1), false) < 0 || !dec.len) {
		strbuf_release(&dec);
		return false;
	}
	key = strchr(dec.buf, '/');
	if (key && !key[1])
		dec.buf[--dec.len] = '\0', key = NULL;
	if (!key && !strcmp(m, "PUT"))
		name = "CreateBucket";
	else if (!key && !strcmp(m, "HEAD"))
		name = "HeadBucket";
	else if (!key && !strcmp(m, "GET") && form_get(&c->query, "list-type"))
		name = "ListObjectsV2";
	else if (key && !strcmp(m, "PUT"))
		name = "PutObject";
	else if (key && !strcmp(m, "GET"))
		name = "GetObject";
	if (!name) {
		strbuf_release(&dec);
		return false;
	}
	c->op = s3_op(name);
	c->label = strbuf_detach(&dec, NULL);
	snprintf(c->op_name, sizeof(c->op_name), "%s", name);
	return true;
}

/* The bucket and key of the request (key NULL for bucket operations). */
static int target(struct call *c, struct bucket **b, const char **key)
{
	char *slash = strchr(c->label, '/');

	if (slash)
		*slash = '\0';
	*key = slash ? slash + 1 : NULL;
	*b = omap_get(&usage_world(c->sim)->buckets, c->label);
	if (!*b || strcmp((*b)->owner, c->acct->id) != 0) {
		int r = *b ? call_error(c, 403, "AccessDenied", "Access Denied")
			   : call_error(c, 404, "NoSuchBucket", "The specified bucket does not exist");
		if (!strcmp(c->msg->method, "HEAD")) {
			strbuf_reset(&c->body); /* HEAD answers carry no body */
			snprintf(c->error_code, sizeof(c->error_code), "%s", *b ? "Forbidden" : "NotFound");
		}
		return r;
	}
	invlog_deliver(c->sim, false);
	return 0;
}

static bool valid_bucket_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 3 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]) || strstr(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return true;
}

static int ok_empty(struct call *c)
{
	c->status = 200;
	c->content_type = "application/xml";
	strbuf_reset(&c->body);
	return 0;
}

static int op_create_bucket(struct call *c)
{
	struct usage_world *w = usage_world(c->sim);
	const char *name = c->label;
	struct bucket *b = omap_get(&w->buckets, name);
	const char *lc = c->msg->body.len ? strstr(c->msg->body.buf, "<LocationConstraint>") : NULL;

	if (strchr(name, '/') || !valid_bucket_name(name))
		return call_error(c, 400, "InvalidBucketName", "The specified bucket is not valid.");
	if (b && !strcmp(b->owner, c->acct->id))
		return call_error(c, 409, "BucketAlreadyOwnedByYou",
				  "Your previous request to create the named bucket succeeded and you already own it.");
	if (b)
		return call_error(c, 409, "BucketAlreadyExists",
				  "The requested bucket name is not available. The bucket namespace is shared by all "
				  "users of the system. Please select a different name and try again.");
	if (lc) {
		lc += strlen("<LocationConstraint>");
		if (strncmp(lc, c->region, strlen(c->region)) != 0 || lc[strlen(c->region)] != '<')
			return call_error(c, 400, "IllegalLocationConstraintException",
					  "The %s location constraint is incompatible for the region specific endpoint "
					  "this request was sent to.",
					  c->region);
	}
	if (w->buckets.n >= USAGE_MAX_BUCKETS)
		return call_error(c, 400, "TooManyBuckets", "You have attempted to create more buckets than allowed");
	b = xcalloc(1, sizeof(*b));
	b->name = xstrdup(name);
	b->region = xstrdup(c->region);
	b->owner = xstrdup(c->acct->id);
	b->created_ms = ids_now_ms();
	omap_init(&b->objects);
	omap_put(&w->buckets, name, b);
	call_header(c, "Location", "/%s", name);
	return ok_empty(c);
}

static int op_head_bucket(struct call *c)
{
	struct bucket *b;
	const char *key;

	if (target(c, &b, &key) < 0)
		return -1;
	call_header(c, "x-amz-bucket-region", "%s", b->region);
	return ok_empty(c);
}

static void http_date(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static int op_put_object(struct call *c)
{
	const char *sha = http_message_header(c->msg, "x-amz-content-sha256");
	struct bucket *b;
	const char *key;
	const struct s3_object *o;

	if (target(c, &b, &key) < 0)
		return -1;
	if (sha && strncmp(sha, "STREAMING-", 10) == 0)
		return call_error(c, 501, "NotImplemented", "awsim does not implement aws-chunked uploads.");
	if (strlen(key) > 1024)
		return call_error(c, 400, "KeyTooLongError", "Your key is too long");
	if (s3_put(c->sim, b, key, c->msg->body.buf, c->msg->body.len, http_message_header(c->msg, "content-type")) < 0)
		return call_error(c, 507, "InsufficientStorage", "awsim holds no more object bytes.");
	o = omap_get(&b->objects, key);
	call_header(c, "ETag", "%s", o->etag);
	return ok_empty(c);
}

static int op_get_object(struct call *c)
{
	struct bucket *b;
	const char *key;
	const struct s3_object *o;
	char date[40];

	if (target(c, &b, &key) < 0)
		return -1;
	o = omap_get(&b->objects, key);
	if (!o)
		return call_error(c, 404, "NoSuchKey", "The specified key does not exist.");
	strbuf_reset(&c->body);
	strbuf_add(&c->body, o->data, o->len);
	c->status = 200;
	c->content_type = o->content_type;
	call_header(c, "ETag", "%s", o->etag);
	http_date(o->modified_ms, date);
	call_header(c, "Last-Modified", "%s", date);
	return 0;
}

static int op_list_objects(struct call *c)
{
	const char *prefix = form_get(&c->query, "prefix"), *after = form_get(&c->query, "start-after");
	const char *token = form_get(&c->query, "continuation-token"), *max_s = form_get(&c->query, "max-keys");
	struct strbuf last, next;
	const struct omap_node *n;
	struct bucket *b;
	const char *key, *from;
	long long max = LIST_MAX;
	size_t count = 0, plen = prefix ? strlen(prefix) : 0;
	bool truncated = false;
	char ts[32];

	if (target(c, &b, &key) < 0)
		return -1;
	if (max_s && query_int(c, "max-keys", max_s, 0, 2147483647LL, &max) < 0)
		return -1;
	if (max > LIST_MAX)
		max = LIST_MAX;
	strbuf_init(&last, 4096);
	strbuf_init(&next, STRBUF_NO_CAP);
	if (token && page_token_decode(c, token, b->name, &last) < 0) {
		strbuf_release(&last);
		strbuf_release(&next);
		return call_error(c, 400, "InvalidArgument", "The continuation token provided is incorrect");
	}
	from = token ? last.buf : after;
	strbuf_adds(&c->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
	xml_elem(&c->body, "Name", b->name);
	xml_elem(&c->body, "Prefix", prefix ? prefix : "");
	if (after)
		xml_elem(&c->body, "StartAfter", after);
	if (token)
		xml_elem(&c->body, "ContinuationToken", token);
	strbuf_reset(&next);
	for (n = omap_next(&b->objects, from && *from ? from : NULL); n; n = omap_next(&b->objects, n->key)) {
		const struct s3_object *o = n->value;
		if (prefix && strncmp(n->key, prefix, plen) != 0) {
			if (strcmp(n->key, prefix) > 0)
				break;
			continue;
		}
		if (count == (size_t)max) {
			truncated = true;
			break;
		}
		strbuf_adds(&c->body, "<Contents>");
		xml_elem(&c->body, "Key", n->key);
		ids_iso8601(o->modified_ms, 1, ts);
		xml_elem(&c->body, "LastModified", ts);
		xml_elem(&c->body, "ETag", o->etag);
		strbuf_addf(&c->body, "<Size>%zu</Size>", o->len);
		xml_elem(&c->body, "StorageClass", "STANDARD");
		strbuf_adds(&c->body, "</Contents>");
		strbuf_reset(&last);
		strbuf_adds(&last, n->key);
		count++;
	}
	strbuf_addf(&c->body, "<KeyCount>%zu</KeyCount><MaxKeys>%lld</MaxKeys>", count, max);
	xml_elem(&c->body, "IsTruncated", truncated ? "true" : "false");
	if (truncated) {
		page_token_encode(b->name, last.buf, &next);
		xml_elem(&c->body, "NextContinuationToken", next.buf);
	}
	strbuf_adds(&c->body, "</ListBucketResult>");
	strbuf_release(&last);
	strbuf_release(&next);
	c->status = 200;
	c->content_type = "application/xml";
	return 0;
}

const struct op s3_ops[] = {
	{ "CreateBucket", op_create_bucket, true, "PUT", "/{Bucket}", 200, false },
	{ "HeadBucket", op_head_bucket, false, "HEAD", "/{Bucket}", 200, false },
	{ "PutObject", op_put_object, true, "PUT", "/{Bucket}/{Key+}", 200, false },
	{ "GetObject", op_get_object, false, "GET", "/{Bucket}/{Key+}", 200, false },
	{ "ListObjectsV2", op_list_objects, false, "GET", "/{Bucket}?list-type=2", 200, false },
};
const size_t s3_n_ops = sizeof(s3_ops) / sizeof(s3_ops[0]);
