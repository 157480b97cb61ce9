/* Pure parser for S3's ListObjectsV2 answer (restXml): one page of keys. Results own
 * their strings; s3_listing_release frees them and accepts a zeroed struct. */
#ifndef BTD_S3_PARSE_H
#define BTD_S3_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S3_LIST_MAX_KEYS 1000 /* ListObjectsV2's largest max-keys */

struct s3_object_info {
	char *key;
	uint64_t size;
};

struct s3_listing {
	struct s3_object_info *items; /* in S3's order: UTF-8 binary order of the keys */
	size_t n;
	bool truncated;
	char *next_token; /* NextContinuationToken; NULL when none */
};

/* s3_parse_listing: a <ListBucketResult>. -EBADMSG when the body is not that, a
 * <Contents> has no <Key>, or there are more than S3_LIST_MAX_KEYS of them. */
int s3_parse_listing(const char *body, size_t len, struct s3_listing *ret);
void s3_listing_release(struct s3_listing *l);

#endif
