/* Amazon S3 (restXml), as far as reading invocation logs needs: one page of
 * ListObjectsV2 and GetObject. Requests are signed with S3's SigV4 rules
 * (x-amz-content-sha256, the path encoded once and not normalized; aws_request.c).
 * Addressing is virtual-hosted ("bucket.s3.REGION.amazonaws.com") unless path_style
 * ("/bucket/key"), which custom endpoints usually need.
 *
 * Every call returns 0 (the callback runs exactly once, later) or -errno (-EINVAL for
 * a missing argument, or aws_client_call()'s; the callback never runs). Results are
 * borrowed for the duration of the callback and NULL on error. */
#ifndef BTD_S3_H
#define BTD_S3_H

#include <stdbool.h>

#include "aws_client.h"
#include "s3_parse.h"

struct s3_list_input {
	const char *bucket;
	const char *prefix;		/* NULL: the whole bucket */
	const char *start_after;	/* NULL: from the first key */
	const char *continuation_token; /* NULL: the first page */
	unsigned max_keys;		/* 0: S3_LIST_MAX_KEYS */
	bool path_style;
};

typedef void (*s3_list_cb)(void *arg, int status, const struct aws_error *err, const struct s3_listing *l);
typedef void (*s3_object_cb)(void *arg, int status, const struct aws_error *err, const char *data, size_t len);

/* s3_list_objects: one page of ListObjectsV2 (keys after start_after, in order). */
int s3_list_objects(struct aws_client *c, const struct aws_target *t, const struct s3_list_input *in, s3_list_cb cb,
		    void *arg);
/* s3_get_object: the object's bytes, at most max_bytes (0: the client's
 * max_response_bytes); a larger object fails with -EMSGSIZE, at once when max_bytes is
 * given (not retried). */
int s3_get_object(struct aws_client *c, const struct aws_target *t, const char *bucket, const char *key,
		  bool path_style, size_t max_bytes, s3_object_cb cb, void *arg);

#endif
