#include "diff_stamp.h"

#include <string.h>

void diff_stamp_take(const struct diff_settings *s, const struct diff_input *in, const struct observed_store *store,
		     uint64_t context, struct diff_stamp *ret)
{
	size_t n = s->account_id ? strlen(s->account_id) : 0;

	memset(ret, 0, sizeof(*ret));
	ret->set = true;
	ret->store = store;
	ret->store_gen = observed_store_gen(store);
	ret->tenant_gen = observed_store_tenant_gen(store, in->tenant_id);
	ret->policies_gen = observed_store_policies_gen(store);
	ret->budgets_listed = store->budgets_listed;
	ret->policies_listed = store->policies_listed;
	ret->record = in->record;
	ret->record_gen = in->record ? in->record->gen : 0;
	ret->desired = in->desired;
	ret->context = context;
	ret->account_known = s->account_id != NULL;
	ret->account_fits = n < sizeof(ret->account_id);
	if (ret->account_fits && n)
		memcpy(ret->account_id, s->account_id, n);
	ret->grace = s->grace;
	ret->drain = s->drain;
	ret->deletion_policy = in->deletion_policy;
	ret->deletions_held = in->deletions_held;
}

/* What a settled plan read of the store's policies: the tenant's policy on each of
 * its roles, or its absence (a fixed value: no policy's digest is all ones, but for
 * a chance of 2^-128). */
static struct content_digest own_policies(const struct observed_store *s, const struct tenant *t)
{
	struct content_digest sum = { { 0, 0 } };

	for (size_t i = 0; t && t->policy_name && i < t->n_roles; i++) {
		const struct observed_policy *p = observed_store_policy(s, t->roles[i], t->policy_name);
		struct content_digest d = p ? p->digest : (struct content_digest){ { UINT64_MAX, UINT64_MAX } };
		/* in the roles' order (the same definition: the stamp holds its address) */
		sum.w[0] = sum.w[0] * 0x100000001b3ULL + d.w[0];
		sum.w[1] = sum.w[1] * 0x100000001b3ULL + d.w[1];
	}
	return sum;
}

static bool policies_same(struct diff_stamp *settled, const struct diff_stamp *now)
{
	if (settled->policies_gen == now->policies_gen)
		return true;
	if (!content_digest_equal(settled->policies, own_policies(now->store, now->desired)))
		return false;
	settled->policies_gen = now->policies_gen;
	return true;
}

bool diff_stamp_same(struct diff_stamp *settled, const struct diff_stamp *now)
{
	return settled->set && now->set && settled->store == now->store && settled->store_gen == now->store_gen &&
	       settled->tenant_gen == now->tenant_gen && settled->budgets_listed == now->budgets_listed &&
	       settled->policies_listed == now->policies_listed && settled->record == now->record &&
	       settled->record_gen == now->record_gen && settled->desired == now->desired &&
	       settled->context == now->context && settled->account_known == now->account_known &&
	       settled->account_fits && now->account_fits && strcmp(settled->account_id, now->account_id) == 0 &&
	       settled->grace == now->grace && settled->drain == now->drain &&
	       settled->deletion_policy == now->deletion_policy && settled->deletions_held == now->deletions_held &&
	       policies_same(settled, now);
}

bool diff_plan_settled(const struct plan *p)
{
	return p->n_actions == 0 && p->n_conflicts == 0 && !p->error && p->wake_at == 0 && !p->held && !p->incomplete &&
	       !p->deleting;
}

void diff_stamp_note(struct diff_stamp *settled, const struct diff_stamp *now, const struct plan *p)
{
	if (diff_plan_settled(p)) {
		*settled = *now;
		settled->policies = own_policies(now->store, now->desired);
	} else
		memset(settled, 0, sizeof(*settled));
}
