/* What one action does when it succeeds, to the observed model and to the record, as
 * the engine notes it (reconcile.c); and how a read's answer is folded in. The
 * simulated reconcile (simulate.c) is built on it. Pure. */
#include "simulate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "observed_apply.h"
#include "policy_doc.h"
#include "xalloc.h"

/* ---- one action, as if it succeeded ---- */

static void apply_tags(struct tag_set *dst, const struct action *a)
{
	for (size_t i = 0; i < a->tags.n; i++)
		tag_set_put(dst, a->tags.items[i].key, a->tags.items[i].value);
	for (size_t i = 0; i < a->n_keys; i++)
		tag_set_remove(dst, a->keys[i]);
}

static void note_tags(struct tenant_record *r, const struct action *a, const char *resource)
{
	if (a->tags.n)
		record_note_tagged(r, resource, &a->tags);
	if (a->n_keys)
		record_note_untagged(r, resource, a->keys, a->n_keys);
}

static struct observed_profile *created_profile(const struct action *a, int64_t now)
{
	struct observed_profile *p = xcalloc(1, sizeof(*p));

	p->arn = xasprintf(SIMULATE_ARN_PREFIX "%s", a->name);
	p->name = xstrdup(a->name);
	p->description = xstrdup_or_null(a->description);
	/* what Bedrock lists for a copy of a foundation model; a system-defined
	 * profile's Regions are known only after the create */
	p->model_arns = xcalloc(1, sizeof(char *));
	p->model_arns[0] = xstrdup(a->model_arn);
	p->n_model_arns = 1;
	tag_set_copy(&p->tags, &a->tags);
	p->tags_known = true;
	p->created_at = now;
	return p;
}

static int apply_profile(struct observed_store *s, struct tenant_record *r, const struct action *a, int64_t now)
{
	struct observed_profile *p;

	switch (a->kind) {
	case ACT_PROFILE_CREATE:
		record_set_intent(r, a->profile_key, a->name, a->token, a->since);
		p = created_profile(a, now);
		record_note_tagged(r, p->arn, &a->tags);
		observed_store_put_profile(s, p);
		return 0;
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
		if (!(p = observed_store_profile(s, a->resource)))
			return -ENOENT;
		p = observed_profile_dup(p);
		apply_tags(&p->tags, a);
		observed_store_put_profile(s, p);
		note_tags(r, a, a->resource);
		return 0;
	default: /* ACT_PROFILE_DELETE */
		if (!observed_store_remove_profile(s, a->resource))
			return -ENOENT;
		record_forget_resource(r, a->resource);
		return 0;
	}
}

static int apply_parameter(struct observed_store *s, struct tenant_record *r, const struct action *a)
{
	struct observed_parameter *q;

	switch (a->kind) {
	case ACT_PARAM_CREATE:
		observed_apply_parameter_create(s, a);
		record_note_tagged(r, a->resource, &a->tags);
		return 0;
	case ACT_PARAM_UPDATE:
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
		if (!(q = observed_store_parameter(s, a->resource)))
			return -ENOENT;
		q = observed_parameter_dup(q);
		apply_tags(&q->tags, a);
		if (a->kind == ACT_PARAM_UPDATE) {
			free(q->value);
			q->value = xstrdup(a->value);
			q->version++;
		}
		observed_store_put_parameter(s, q);
		note_tags(r, a, a->resource);
		return 0;
	default: /* ACT_PARAM_DELETE */
		if (!observed_store_remove_parameter(s, a->resource))
			return -ENOENT;
		record_forget_resource(r, a->resource);
		return 0;
	}
}

static int apply_budget(struct observed_store *s, struct tenant_record *r, const struct action *a, const char *region,
			const char *account_id)
{
	const struct observed_budget *live = observed_store_budget(s, a->budget);
	char *arn = live && live->arn ? xstrdup(live->arn)
				      : budget_arn(region_partition(region), account_id, a->budget);
	char *fact = xasprintf("alerts\n%s", a->budget), *timer = xasprintf("budget:%s", a->budget);
	int rc = observed_apply_budget(s, a, arn);

	if (rc == 0) {
		switch (a->kind) {
		case ACT_BUDGET_CREATE:
			record_note_tagged(r, arn, &a->tags);
			record_set_fact(r, fact, a->value);
			break;
		case ACT_BUDGET_TAG:
		case ACT_BUDGET_UNTAG:
			note_tags(r, a, a->resource);
			break;
		case ACT_BUDGET_DELETE:
			record_forget_resource(r, arn);
			record_clear_fact(r, fact);
			record_forget_resource(r, timer);
			break;
		default:
			break;
		}
	}
	free(arn);
	free(fact);
	free(timer);
	return rc;
}

static int apply_policy(struct observed_store *s, struct tenant_record *r, const struct action *a)
{
	char *fact = xasprintf("policy\n%s\n%s", a->role, a->name), *timer = xasprintf("policy:%s", a->role);

	if (a->kind == ACT_POLICY_PUT) {
		struct observed_policy *p = xcalloc(1, sizeof(*p));
		char *hash = policy_hash(a->value);
		p->role = xstrdup(a->role);
		p->name = xstrdup(a->name);
		p->document = xstrdup(a->value);
		observed_store_put_policy(s, p);
		record_set_fact(r, fact, hash);
		free(hash);
	} else { /* ACT_POLICY_DELETE */
		observed_store_remove_policy(s, a->role, a->name);
		record_clear_fact(r, fact);
		record_forget_resource(r, timer);
	}
	free(fact);
	free(timer);
	return 0;
}

int simulate_apply(struct observed_store *s, struct tenant_record *r, const struct action *a, const char *region,
		   const char *account_id, int64_t now)
{
	switch (a->kind) {
	case ACT_PROFILE_CREATE:
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
	case ACT_PROFILE_DELETE:
		return apply_profile(s, r, a, now);
	case ACT_PARAM_CREATE:
	case ACT_PARAM_UPDATE:
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
	case ACT_PARAM_DELETE:
		return apply_parameter(s, r, a);
	case ACT_BUDGET_CREATE:
	case ACT_BUDGET_UPDATE:
	case ACT_BUDGET_DELETE:
	case ACT_BUDGET_TAG:
	case ACT_BUDGET_UNTAG:
	case ACT_NOTIFICATION_CREATE:
	case ACT_NOTIFICATION_UPDATE:
	case ACT_NOTIFICATION_DELETE:
	case ACT_SUBSCRIBER_CREATE:
	case ACT_SUBSCRIBER_DELETE:
		return apply_budget(s, r, a, region, account_id);
	case ACT_POLICY_PUT:
	case ACT_POLICY_DELETE:
		return apply_policy(s, r, a);
	case ACT_TIMER_START:
		record_start_timer(r, a->timer, a->resource, a->since);
		return 0;
	case ACT_TIMER_CLEAR:
		record_clear_timer(r, a->resource);
		return 0;
	case ACT_INTENT_CLEAR:
		record_clear_intent(r, a->profile_key);
		return 0;
	case ACT_FACT_SET:
		record_set_fact(r, a->resource, a->value);
		return 0;
	case ACT_FACT_CLEAR:
		record_clear_fact(r, a->resource);
		return 0;
	case ACT_PROFILE_READ_TAGS:
	case ACT_PARAM_READ_TAGS:
	case ACT_BUDGET_READ_TAGS:
	case ACT_BUDGET_READ_ALERTS:
	case ACT_POLICY_READ:
		return -EAGAIN;
	case ACT__COUNT:
		break;
	}
	return -EINVAL;
}

/* ---- reads, folded as the engine folds them ---- */

static void fold_budget(struct observed_store *s, const struct action *a, struct observed_budget *answer)
{
	const struct observed_budget *live = observed_store_budget(s, a->budget);
	struct observed_budget *c;

	if (!live || !answer)
		goto out;
	c = observed_budget_dup(live);
	if (a->kind == ACT_BUDGET_READ_TAGS) {
		tag_set_release(&c->tags);
		tag_set_copy(&c->tags, &answer->tags);
		c->tags_known = true;
	} else {
		for (size_t i = 0; i < c->n_alerts; i++)
			observed_alert_release(&c->alerts[i]);
		free(c->alerts);
		c->alerts = answer->alerts;
		c->n_alerts = answer->n_alerts;
		answer->alerts = NULL;
		answer->n_alerts = 0;
		c->alerts_known = true;
	}
	observed_store_put_budget(s, c);
out:
	observed_budget_free(answer);
}

void simulate_fold_read(struct observed_store *s, const struct action *a, struct observed_profile *profile,
			struct observed_parameter *parameter, struct observed_budget *budget,
			struct observed_policy *policy, bool gone)
{
	switch (a->kind) {
	case ACT_PROFILE_READ_TAGS:
		if (profile)
			observed_store_put_profile(s, profile), profile = NULL;
		else if (gone)
			observed_store_remove_profile(s, a->resource);
		break;
	case ACT_PARAM_READ_TAGS:
		if (parameter)
			observed_store_put_parameter(s, parameter), parameter = NULL;
		else if (gone)
			observed_store_remove_parameter(s, a->resource);
		break;
	case ACT_BUDGET_READ_TAGS:
	case ACT_BUDGET_READ_ALERTS:
		if (gone)
			observed_store_remove_budget(s, a->budget);
		else
			fold_budget(s, a, budget), budget = NULL;
		break;
	case ACT_POLICY_READ:
		if (policy)
			observed_store_put_policy(s, policy), policy = NULL;
		break;
	default:
		break;
	}
	observed_profile_free(profile);
	observed_parameter_free(parameter);
	observed_budget_free(budget);
	observed_policy_free(policy);
}
