/* The path the listings read parameters under (engine__list_prefix_update). */
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "log.h"
#include "param_prefix.h"
#include "xalloc.h"

void engine__list_prefix_update(struct engine *e)
{
	char *prefix = xstrdup(e->set.param_prefix);
	size_t pos = 0;
	void *v;

	while (hashmap_next(&e->tenants, &pos, NULL, &v))
		if (((struct tenant_entry *)v)->record)
			param_prefix_widen_record(&prefix, ((struct tenant_entry *)v)->record);
	for (pos = 0; hashmap_next(&e->records_at_start, &pos, NULL, &v);)
		param_prefix_widen_record(&prefix, v);
	if (e->list_prefix && !strcmp(prefix, e->list_prefix)) {
		free(prefix);
		return;
	}
	if (strcmp(prefix, e->set.param_prefix) != 0)
		log_notice("parameters: listed below %s, not only %s: some made under an earlier naming.parameter "
			   "are still ours (deleted after their prune_grace)",
			   prefix, e->set.param_prefix);
	else if (e->list_prefix)
		log_info("parameters: listed below %s again", prefix);
	free(e->list_prefix);
	e->list_prefix = prefix;
}
