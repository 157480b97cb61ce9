/* application/x-www-form-urlencoded bodies and URL query strings, decoded.
 *
 * Pure code: a fuzz target includes it. A struct form owns decoded copies of every
 * key and value, in the order they were sent; keys may repeat. */
#ifndef AWSIM_FORM_H
#define AWSIM_FORM_H

#include <stddef.h>

#define FORM_MAX_PARAMS 2000

struct form_param {
	char *key;
	char *value;
};

struct form {
	struct form_param *v;
	size_t n, alloc;
};

void form_init(struct form *f);
void form_release(struct form *f);
/* form_parse: appends the parameters of s (len bytes). '+' decodes as a space.
 * -EINVAL on a malformed %-escape or a NUL byte, -E2BIG past FORM_MAX_PARAMS; f
 * keeps what was parsed before the error. */
int form_parse(struct form *f, const char *s, size_t len);
/* form_get: the value of the first parameter named key, or NULL. Borrowed. */
const char *form_get(const struct form *f, const char *key);

#endif
