#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "param_prefix.h"
#include "record.h"
#include "xalloc.h"

char *param_prefix_of_template(const char *tpl)
{
	const char *brace = strchr(tpl, '{');
	size_t len = brace ? (size_t)(brace - tpl) : strlen(tpl);

	/* up to the last '/' before the first placeholder */
	while (len > 1 && tpl[len - 1] != '/')
		len--;
	if (len > 1 && tpl[len - 1] == '/')
		len--;
	return len ? xstrndup(tpl, len) : xstrdup("/");
}

bool param_prefix_covers(const char *prefix, const char *name)
{
	size_t n = strlen(prefix);

	if (n == 1 && prefix[0] == '/')
		return name[0] == '/';
	return strncmp(prefix, name, n) == 0 && name[n] == '/';
}

void param_prefix_widen(char **prefix, const char *name)
{
	const char *p = *prefix;
	size_t common = 0, cut = 0;

	if (param_prefix_covers(p, name))
		return;
	/* the longest run of whole path elements both begin with: up to the last '/'
	 * they share (past the first) */
	while (p[common] && p[common] == name[common])
		common++;
	for (size_t i = 1; i < common; i++)
		if (p[i] == '/')
			cut = i;
	free(*prefix);
	*prefix = cut > 1 ? xstrndup(name, cut) : xstrdup("/");
}

void param_prefix_widen_record(char **prefix, const struct tenant_record *r)
{
	for (uint32_t i = 0; i < r->n_applied; i++)
		if (r->applied[i].resource[0] == '/')
			param_prefix_widen(prefix, r->applied[i].resource);
	for (uint32_t i = 0; i < r->n_timers; i++)
		if (r->timers[i].resource[0] == '/')
			param_prefix_widen(prefix, r->timers[i].resource);
}
