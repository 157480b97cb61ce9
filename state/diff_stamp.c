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

bool diff_stamp_same(const struct diff_stamp *settled, const struct diff_stamp *now)
{
	return settled->set && now->set && settled->store == now->store && settled->store_gen == now->store_gen &&
	       settled->tenant_gen == now->tenant_gen && settled->budgets_listed == now->budgets_listed &&
	       settled->policies_listed == now->policies_listed && settled->record == now->record &&
	       settled->record_gen == now->record_gen && settled->desired == now->desired &&
	       settled->context == now->context && settled->account_known == now->account_known &&
	       settled->account_fits && now->account_fits && strcmp(settled->account_id, now->account_id) == 0 &&
	       settled->grace == now->grace && settled->drain == now->drain &&
	       settled->deletion_policy == now->deletion_policy && settled->deletions_held == now->deletions_held;
}

bool diff_plan_settled(const struct plan *p)
{
	return p->n_actions == 0 && p->n_conflicts == 0 && !p->error && p->wake_at == 0 && !p->held && !p->incomplete &&
	       !p->deleting;
}

void diff_stamp_note(struct diff_stamp *settled, const struct diff_stamp *now, const struct plan *p)
{
	if (diff_plan_settled(p))
		*settled = *now;
	else
		memset(settled, 0, sizeof(*settled));
}
