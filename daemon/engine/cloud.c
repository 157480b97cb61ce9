#include "cloud.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xalloc.h"

char *place_key_alias(const char *key)
{
	const char *slash = strchr(key, '/');

	return slash && strncmp(key, "-/", 2) ? xstrndup(key, (size_t)(slash - key)) : NULL;
}

char *place_kept_alias(const struct tenant *t, const char *fact, const char **ret_region)
{
	char *alias;

	if (t->account || t->pool || !fact || !(alias = place_key_alias(fact)))
		return NULL;
	*ret_region = t->region_set && t->region ? t->region : strchr(fact, '/') + 1;
	return alias;
}

void cloud_error_set(struct cloud_error *e, int status, enum error_class cls, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	e->cls = cls;
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->request_id[0] = '\0';
}
