#include "form.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "uri.h"
#include "xalloc.h"

void form_init(struct form *f)
{
	f->v = NULL;
	f->n = f->alloc = 0;
}

void form_release(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].key);
		free(f->v[i].value);
	}
	free(f->v);
	form_init(f);
}

static int decode(const char *s, size_t len, char **ret)
{
	struct strbuf sb;
	int r;

	strbuf_init(&sb, STRBUF_NO_CAP);
	r = uri_decode(&sb, s, len, true);
	if (r == 0 && memchr(sb.buf, '\0', sb.len))
		r = -EINVAL;
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

int form_parse(struct form *f, const char *s, size_t len)
{
	const char *end = s + len;

	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(stop - s));
		char *key, *value;
		int r;

		if (stop > s) {
			if (f->n == FORM_MAX_PARAMS)
				return -E2BIG;
			r = decode(s, (size_t)((eq ? eq : stop) - s), &key);
			if (r < 0)
				return r;
			r = eq ? decode(eq + 1, (size_t)(stop - eq - 1), &value) : (value = xstrdup(""), 0);
			if (r < 0) {
				free(key);
				return r;
			}
			XGROW(f->v, f->n + 1, f->alloc);
			f->v[f->n].key = key;
			f->v[f->n].value = value;
			f->n++;
		}
		s = stop + 1;
	}
	return 0;
}

const char *form_get(const struct form *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].key, key) == 0)
			return f->v[i].value;
	return NULL;
}
