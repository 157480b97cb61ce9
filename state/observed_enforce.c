/* The observed side of budget enforcement: the deny policies listed under
 * ENFORCE_POLICY_PATH (by name) and the Budgets actions kept in their budgets. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "generation.h"
#include "observed.h"
#include "strv.h"
#include "xalloc.h"

void observed_deny_policy_free(struct observed_deny_policy *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->arn);
	free(p->default_version);
	for (size_t i = 0; i < p->n_roles; i++)
		free(p->roles[i]);
	free(p->roles);
	free(p);
}

struct observed_deny_policy *observed_deny_policy_dup(const struct observed_deny_policy *p)
{
	struct observed_deny_policy *c = xcalloc(1, sizeof(*c));

	c->name = xstrdup(p->name);
	c->arn = xstrdup_or_null(p->arn);
	c->default_version = xstrdup_or_null(p->default_version);
	c->attachments = p->attachments;
	c->roles = strv_dup(p->roles, p->n_roles);
	c->n_roles = p->n_roles;
	c->roles_known = p->roles_known;
	return c;
}

void observed_store_keep_budgets(struct observed_store *dst, const struct observed_store *src)
{
	size_t pos = 0;
	void *v;

	if (!src->budgets_listed || dst->budgets_listed)
		return;
	while (hashmap_next(&src->budgets, &pos, NULL, &v))
		observed_store_put_budget(dst, observed_budget_dup(v));
	dst->budgets_listed = true;
	dst->budgets_elsewhere = src->budgets_elsewhere;
	if (!src->enforce_listed && !src->enforce_error)
		return;
	pos = 0;
	while (hashmap_next(&src->deny_policies, &pos, NULL, &v))
		observed_store_put_deny_policy(dst, observed_deny_policy_dup(v));
	dst->enforce_listed = src->enforce_listed;
	free(dst->enforce_error);
	dst->enforce_error = xstrdup_or_null(src->enforce_error);
}

/* Deny policies carry no tenant tag: a change is a change of the whole store's
 * generation (diff_stamp.h), which every settled tenant's stamp holds. */
void observed_store_put_deny_policy(struct observed_store *s, struct observed_deny_policy *p)
{
	observed_deny_policy_free(hashmap_put(&s->deny_policies, p->name, p));
	s->gen = generation_next();
}

bool observed_store_remove_deny_policy(struct observed_store *s, const char *name)
{
	struct observed_deny_policy *p = hashmap_remove(&s->deny_policies, name);

	observed_deny_policy_free(p);
	if (p)
		s->gen = generation_next();
	return p != NULL;
}

const struct observed_deny_policy *observed_store_deny_policy(const struct observed_store *s, const char *name)
{
	return hashmap_get(&s->deny_policies, name);
}

bool observed_deny_policy_on_role(const struct observed_deny_policy *p, const char *role)
{
	for (size_t i = 0; i < p->n_roles; i++)
		if (!strcasecmp(p->roles[i], role)) /* IAM role names ignore case */
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void observed_deny_policy_attach(struct observed_deny_policy *p, const char *role)
{
	if (observed_deny_policy_on_role(p, role))
		return;
	p->roles = xreallocarray(p->roles, p->n_roles + 1, sizeof(char *));
	p->roles[p->n_roles++] = xstrdup(role);
	qsort(p->roles, p->n_roles, sizeof(char *), cmp_str);
}

void observed_deny_policy_detach(struct observed_deny_policy *p, const char *role)
{
	for (size_t i = 0; i < p->n_roles; i++) {
		if (strcasecmp(p->roles[i], role) != 0)
			continue;
		free(p->roles[i]);
		memmove(&p->roles[i], &p->roles[i + 1], (p->n_roles - i - 1) * sizeof(char *));
		p->n_roles--;
		return;
	}
}

void observed_budget_action_release(struct observed_budget_action *a)
{
	free(a->id);
	free(a->status);
	free(a->action_type);
	free(a->notification_type);
	free(a->approval_model);
	free(a->threshold_type);
	free(a->policy_arn);
	free(a->execution_role_arn);
	for (size_t i = 0; i < a->n_roles; i++)
		free(a->roles[i]);
	free(a->roles);
	for (size_t i = 0; i < a->n_subscribers; i++)
		free(a->subscribers[i]);
	free(a->subscribers);
	memset(a, 0, sizeof(*a));
}

void observed_budget_action_copy(struct observed_budget_action *dst, const struct observed_budget_action *src)
{
	dst->id = xstrdup_or_null(src->id);
	dst->status = xstrdup_or_null(src->status);
	dst->action_type = xstrdup_or_null(src->action_type);
	dst->notification_type = xstrdup_or_null(src->notification_type);
	dst->approval_model = xstrdup_or_null(src->approval_model);
	dst->threshold_type = xstrdup_or_null(src->threshold_type);
	dst->threshold = src->threshold;
	dst->policy_arn = xstrdup_or_null(src->policy_arn);
	dst->execution_role_arn = xstrdup_or_null(src->execution_role_arn);
	dst->n_roles = src->n_roles;
	dst->roles = src->n_roles ? xcalloc(src->n_roles, sizeof(char *)) : NULL;
	for (size_t i = 0; i < src->n_roles; i++)
		dst->roles[i] = xstrdup(src->roles[i]);
	dst->n_subscribers = src->n_subscribers;
	dst->subscribers = src->n_subscribers ? xcalloc(src->n_subscribers, sizeof(char *)) : NULL;
	for (size_t i = 0; i < src->n_subscribers; i++)
		dst->subscribers[i] = xstrdup(src->subscribers[i]);
}
