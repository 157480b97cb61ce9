#include "loglimit.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void loglimit_init(struct loglimit *l, uint64_t interval_ms)
{
	memset(l, 0, sizeof(*l));
	l->interval_ms = interval_ms;
}

void loglimit_reset(struct loglimit *l)
{
	for (unsigned i = 0; i < l->n; i++)
		free(l->keys[i].key);
	l->n = 0;
}

void loglimit_release(struct loglimit *l)
{
	loglimit_reset(l);
}

bool loglimit_allow(struct loglimit *l, const char *key, uint64_t now_ms, unsigned long *ret_suppressed)
{
	struct loglimit_key *k = NULL;

	for (unsigned i = 0; i < l->n && !k; i++)
		if (strcmp(l->keys[i].key, key) == 0)
			k = &l->keys[i];
	if (k && now_ms < k->written_ms + l->interval_ms) {
		k->suppressed++;
		return false;
	}
	if (!k && l->n < LOGLIMIT_KEYS) {
		k = &l->keys[l->n++];
		k->key = xstrdup(key);
	} else if (!k) {
		/* full: the key written longest ago makes room */
		k = &l->keys[0];
		for (unsigned i = 1; i < l->n; i++)
			if (l->keys[i].written_ms < k->written_ms)
				k = &l->keys[i];
		free(k->key);
		k->key = xstrdup(key);
		k->suppressed = 0;
	}
	*ret_suppressed = k->suppressed;
	k->suppressed = 0;
	k->written_ms = now_ms;
	return true;
}

unsigned long loglimit_suppressed(const struct loglimit *l)
{
	unsigned long n = 0;

	for (unsigned i = 0; i < l->n; i++)
		n += l->keys[i].suppressed;
	return n;
}
