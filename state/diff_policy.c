/* The diff of a tenant's IAM grants: for every role in access.roles, one inline
 * policy (the tenant's policy name) holding exactly the statements for the tenant's
 * live profiles in this place (every generation, so a profile being drained stays
 * granted until it is deleted). A role's policy is read only when the desired
 * document differs from the one last applied (a fact in the record); it is written
 * only when it differs from the live one, compared as JSON. Roles that leave the
 * manifest lose the policy after the grace period (retain: it stays). */
#include "diff_impl.h"

#include <stdlib.h>
#include <string.h>

#include "policy_doc.h"
#include "xalloc.h"

static const char *fact_key(struct diff_ctx *c, const char *role, const char *name)
{
	return diff__key(c, record_key_policy_fact(role, name));
}

static struct action *policy_action(struct diff_ctx *c, enum action_kind k, const char *role, const char *name,
				    const char *why)
{
	struct action *a = plan_add(c->plan, k, "%s: %s", role, why);

	a->role = xstrdup(role);
	a->name = xstrdup(name);
	return a;
}

/* One desired role. Returns true when its policy is known to be current. */
static bool diff_role(struct diff_ctx *c, const char *role, const char *name, const char *doc, const char *hash)
{
	const char *key = fact_key(c, role, name);
	const char *applied = record_fact(c->in->record, key);
	const struct observed_policy *live;
	struct action *a;

	diff__clear_timer(c, diff__key(c, record_key_policy_timer(role)));
	if (applied && strcmp(applied, hash) == 0)
		return true;
	if (policy_size(doc) > IAM_INLINE_POLICY_MAX) {
		free(c->plan->error);
		c->plan->error = xasprintf("the IAM policy %s for role %s would be %zu characters, over IAM's limit of "
					   "%d for all inline policies of a role: use fewer profiles per tenant",
					   name, role, policy_size(doc), IAM_INLINE_POLICY_MAX);
		return false;
	}
	live = observed_store_policy(c->in->observed->store, role, name);
	if (!live) {
		policy_action(c, ACT_POLICY_READ, role, name, "the policy may differ");
	} else if (live->document && policy_equal(live->document, doc)) {
		a = plan_add(c->plan, ACT_FACT_SET, "the policy of %s is current", role);
		a->resource = xstrdup(key);
		a->value = xstrdup(hash);
		return true;
	} else {
		a = policy_action(c, ACT_POLICY_PUT, role, name,
				  live->role_missing ? "the role does not exist (yet)"
				  : live->document   ? "the policy differs"
						     : "the policy does not exist");
		a->value = xstrdup(doc);
	}
	return false;
}

static bool role_desired(const struct tenant *t, const char *role, const char *name)
{
	return t && t->policy_name && strcmp(t->policy_name, name) == 0 && tenant_has_role(t, role);
}

/* A policy this tenant applied earlier that nothing desires now. */
static void diff_undesired_role(struct diff_ctx *c, const char *role, const char *name, const char *key)
{
	struct action *a;

	if (!diff__grace(c, diff__key(c, record_key_policy_timer(role))))
		return;
	if (diff__retain(c)) {
		a = plan_add(c->plan, ACT_FACT_CLEAR, "%s keeps its policy (deletion_policy: retain)", role);
		a->resource = xstrdup(key);
		return;
	}
	a = policy_action(c, ACT_POLICY_DELETE, role, name, "no longer in the manifest, grace passed");
	a->destructive = true;
}

bool diff_policies(struct diff_ctx *c)
{
	const struct tenant *t = c->in->desired;
	const struct observed_tenant *o = c->in->observed;
	const struct tenant_record *r = c->in->record;
	char *doc = NULL, *hash = NULL;
	bool current = true, models_known = true;

	/* A document is only ever written from known models[]: a profile whose models
	 * are unknown (its read-back lags) holds every role's policy back until a read
	 * or a listing fills them; the profile's diff reads it meanwhile. */
	for (size_t i = 0; i < o->n_owned; i++)
		models_known &= !o->owned[i]->models_unknown;
	/* the document and its digest only when a role is to hold it */
	if (models_known && t && t->n_roles) {
		doc = policy_document(o->owned, o->n_owned);
		hash = doc ? policy_hash(doc) : NULL;
	} else if (t && t->n_roles) {
		current = false;
	}

	for (size_t i = 0; t && doc && hash && i < t->n_roles; i++)
		current &= diff_role(c, t->roles[i], t->policy_name, doc, hash);
	for (size_t i = 0; r && i < r->n_facts; i++) {
		const char *key = r->facts[i].key, *name;
		char *role_name;
		if (!record_key_policy_fact_parse(key, &role_name, &name))
			continue;
		if (!role_desired(t, role_name, name))
			diff_undesired_role(c, role_name, name, key);
		free(role_name);
	}
	free(doc);
	free(hash);
	return current;
}
