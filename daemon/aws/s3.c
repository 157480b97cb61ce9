#include "s3.h"

#include <errno.h>
#include <stdlib.h>

#include "aws_op.h"
#include "uri.h"
#include "xalloc.h"

/* The request for bucket and (encoded) key: the bucket in the path or in the host. */
static void init_request(struct aws_request *r, const char *op, const char *bucket, const char *key, bool path_style)
{
	struct strbuf path;

	strbuf_init(&path, STRBUF_NO_CAP);
	if (path_style) {
		strbuf_addch(&path, '/');
		uri_encode_str(&path, bucket, false);
	}
	if (key || !path_style)
		strbuf_addch(&path, '/'); /* a listing is "/bucket?..." path-style, as the SDKs send it */
	if (key)
		uri_encode_str(&path, key, true);
	aws_request_init(r, AWS_S3, op, "GET", path.buf);
	if (!path_style)
		r->host_prefix = xasprintf("%s.", bucket);
	strbuf_release(&path);
}

static int parse_listing(const char *b, size_t n, void *r)
{
	return s3_parse_listing(b, n, r);
}

static void release_listing(void *r)
{
	s3_listing_release(r);
}

static void deliver_listing(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *r)
{
	((s3_list_cb)cb)(arg, status, err, r);
}

static const struct aws_op_spec list_spec = { sizeof(struct s3_listing), parse_listing, release_listing,
					      deliver_listing };

int s3_list_objects(struct aws_client *c, const struct aws_target *t, const struct s3_list_input *in, s3_list_cb cb,
		    void *arg)
{
	struct aws_request req;
	char max[16];

	if (!in || !in->bucket || !*in->bucket)
		return -EINVAL;
	init_request(&req, "ListObjectsV2", in->bucket, NULL, in->path_style);
	aws_request_add_query(&req, "list-type", "2");
	if (in->continuation_token)
		aws_request_add_query(&req, "continuation-token", in->continuation_token);
	snprintf(max, sizeof(max), "%u", in->max_keys ? in->max_keys : S3_LIST_MAX_KEYS);
	aws_request_add_query(&req, "max-keys", max);
	if (in->prefix && *in->prefix)
		aws_request_add_query(&req, "prefix", in->prefix);
	if (in->start_after && *in->start_after)
		aws_request_add_query(&req, "start-after", in->start_after);
	return aws_op_call(c, t, &req, &list_spec, (aws_any_cb)cb, arg);
}

struct get_call {
	s3_object_cb cb;
	void *arg;
};

static void on_get(void *arg, int status, const struct aws_error *err, const struct http_response *resp)
{
	struct get_call *g = arg;

	if (status < 0)
		g->cb(g->arg, status, err, NULL, 0);
	else
		g->cb(g->arg, 0, NULL, resp->body.buf ? resp->body.buf : "", resp->body.len);
	free(g);
}

int s3_get_object(struct aws_client *c, const struct aws_target *t, const char *bucket, const char *key,
		  bool path_style, size_t max_bytes, s3_object_cb cb, void *arg)
{
	struct aws_request req;
	struct get_call *g;
	int r;

	if (!bucket || !*bucket || !key || !*key)
		return -EINVAL;
	init_request(&req, "GetObject", bucket, key, path_style);
	req.max_response_bytes = max_bytes;
	req.oversize_final = max_bytes != 0; /* the object would be as large again */
	g = xcalloc(1, sizeof(*g));
	g->cb = cb;
	g->arg = arg;
	r = aws_client_call(c, t, &req, on_get, g);
	if (r < 0)
		free(g);
	return r;
}
