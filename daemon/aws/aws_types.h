/* Small value types shared by the typed AWS clients: tag lists, string lists, the
 * target of a call, and AWS timestamps.
 *
 * Every list owns its strings; the _release functions free them and leave an empty
 * list behind (they accept already-empty lists). Nothing here knows about the
 * daemon's model (state/): the engine converts between the two. */
#ifndef BTD_AWS_TYPES_H
#define BTD_AWS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a call goes: an account alias registered with aws_client_add_account() (NULL:
 * the default credentials) and a region (NULL: the client's default region). Both
 * strings are borrowed for the duration of the call that takes them. A priority
 * call (someone waits for it: an edit, an operator's command) takes the next rate
 * token of its bucket and the next free connection slot before the ordinary calls
 * queued there; it never goes past the rate limit. order (0: none) ranks the calls
 * of one piece of work, the reconcile of a tenant say, by when that work began
 * (smaller first): calls waiting in the same lane of a bucket take its tokens in
 * that order, so the oldest work's calls go first, a throttled call retried keeps
 * its rank, and one piece of work's calls end together. A call with an order never
 * goes before one queued earlier without; calls with equal orders, first come,
 * first served. */
struct aws_target {
	const char *account;
	const char *region;
	bool priority;
	uint64_t order;
};

struct aws_tag {
	char *key;
	char *value;
};

/* In the order AWS returned them (or the caller added them). */
struct aws_tags {
	struct aws_tag *items;
	size_t n;
	size_t alloc;
};

struct aws_strv {
	char **items;
	size_t n;
	size_t alloc;
};

void aws_tags_init(struct aws_tags *t);
void aws_tags_release(struct aws_tags *t);
/* aws_tags_add: appends copies of key and value. */
void aws_tags_add(struct aws_tags *t, const char *key, const char *value);
/* aws_tags_get: the value of the first tag named key, or NULL. Borrowed. */
const char *aws_tags_get(const struct aws_tags *t, const char *key);

void aws_strv_init(struct aws_strv *v);
void aws_strv_release(struct aws_strv *v);
/* aws_strv_add: appends a copy of s. */
void aws_strv_add(struct aws_strv *v, const char *s);
/* aws_strv_take: appends s, taking ownership of it. */
void aws_strv_take(struct aws_strv *v, char *s);

/* aws_time_parse_iso8601: "2024-09-10T12:00:00Z", with optional fractional seconds
 * and a "Z" or "+hh:mm"/"-hh:mm" offset, to milliseconds since the epoch. -EINVAL
 * when malformed. */
int aws_time_parse_iso8601(const char *s, int64_t *ret_ms);
/* aws_time_parse_http_date: an HTTP Date header's IMF-fixdate, "Sun, 06 Nov 1994
 * 08:49:37 GMT" (RFC 9110 5.6.7; what AWS sends), to milliseconds since the epoch.
 * -EINVAL when malformed (the obsolete forms included: AWS does not send them). */
int aws_time_parse_http_date(const char *s, int64_t *ret_ms);
/* aws_time_format_iso8601: "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL). */
void aws_time_format_iso8601(int64_t ms, char out[21]);

/* aws_secure_free: wipes a NUL-terminated secret and frees it. Accepts NULL. */
void aws_secure_free(char *secret);

#endif
