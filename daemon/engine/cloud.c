#include "cloud.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "record.h"
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

int place_account_cmp(const struct place *a, const struct place *b)
{
	if (a->account_id && b->account_id)
		return !strcmp(a->account_id, b->account_id);
	return !strcmp(a->account ? a->account : "-", b->account ? b->account : "-") ? 1 : -1;
}

bool place_same_account(const struct place *a, const struct place *b)
{
	return place_account_cmp(a, b) == 1;
}

bool place_same_place(const struct place *a, const struct place *b)
{
	return place_same_account(a, b) && a->region && b->region && !strcmp(a->region, b->region);
}

const char *place_account_moved(const struct tenant_record *rec, const struct place *p)
{
	const char *place = rec ? record_fact(rec, RECORD_FACT_PLACE) : NULL;
	const char *made_in = rec ? record_fact(rec, RECORD_FACT_ACCOUNT) : NULL;

	if (!place || !made_in || !p->account_id || strcmp(place, p->key))
		return NULL;
	return strcmp(made_in, p->account_id) ? made_in : NULL;
}

const char *place_move_waits(const struct tenant_record *rec, const struct place *from, const char *to_key,
			     const char *to_id)
{
	const char *made_in = place_account_moved(rec, from);
	const char *r1 = strchr(from->key, '/'), *r2 = strchr(to_key, '/');

	if (!made_in || !strcmp(from->key, to_key))
		return NULL;
	if (to_id && !strcmp(to_id, made_in) && r1 && r2 && !strcmp(r1, r2))
		return NULL;
	return made_in;
}

char *place_account_moved_why(const struct place *p, const char *made_in)
{
	if (p->account)
		return xasprintf("account %s is %s in the configuration, but this tenant's resources were made in "
				 "%s: they are left as they are, and the tenant does not move, until it names %s again",
				 p->account, p->account_id, made_in, made_in);
	return xasprintf("the daemon's own credentials are account %s's, but this tenant's resources were made in "
			 "%s: they are left as they are until the credentials are %s's again",
			 p->account_id, made_in, made_in);
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
