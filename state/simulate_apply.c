/* What one action does when it succeeds in plan's simulation: the world-model update
 * every caller shares (observed_apply_action), with what AWS would have answered made
 * up (a created profile's ARN is only known after the create) and the create intent
 * the engine would have made durable first. Pure. */
#include "simulate.h"

#include <errno.h>
#include <stdlib.h>

#include "budget_spec.h"
#include "intern.h"
#include "observed_apply.h"
#include "xalloc.h"

static struct observed_profile *created_profile(const struct action *a, int64_t now)
{
	struct observed_profile *p = xcalloc(1, sizeof(*p));

	p->arn = xasprintf(SIMULATE_ARN_PREFIX "%s", a->name);
	p->name = xstrdup(a->name);
	/* what Bedrock lists for a copy of a foundation model; a system-defined
	 * profile's Regions are known only after the create */
	p->model_arns = xcalloc(1, sizeof(char *));
	p->model_arns[0] = intern(a->model_arn);
	p->n_model_arns = 1;
	tag_set_copy(&p->tags, &a->tags);
	p->tags_known = true;
	p->created_at = observed_profile_created_at(now);
	return p;
}

int simulate_apply(struct observed_store *s, struct tenant_record *r, const struct action *a, const char *region,
		   const char *account_id, int64_t now)
{
	struct observed_profile *created = NULL;
	char *arn = NULL;
	int rc;

	if (a->kind == ACT_PROFILE_CREATE) {
		record_set_intent(r, a->profile_key, a->name, a->token, a->since);
		created = created_profile(a, now);
	} else if (a->budget && a->kind != ACT_BUDGET_ACTION_CREATE && a->kind != ACT_BUDGET_ACTION_UPDATE &&
		   a->kind != ACT_BUDGET_ACTION_DELETE && a->kind != ACT_BUDGET_ACTION_EXECUTE) {
		arn = budget_arn_in(a->budget, region, account_id);
	}
	rc = observed_apply_action(s, r, a, created, arn);
	free(arn);
	return rc;
}
