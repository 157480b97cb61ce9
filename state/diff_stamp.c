#include "diff_stamp.h"

#include <string.h>

/* The inputs' digest: each 64-bit word folded into two lanes, each lane with its own
 * seed and multiplier, by a full 64 x 64 -> 128-bit product whose halves are xored
 * together (every input bit reaches every output bit, as in wyhash). Words in a fixed
 * order, the account id as DIFF_STAMP_ACCOUNT_MAX bytes padded with zeros; fast
 * enough to be taken for every tenant of a pass (a few tens of nanoseconds). */
struct fold {
	uint64_t a, b;
};

static uint64_t fold_mul(uint64_t x, uint64_t k)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 p = (unsigned __int128)x * k;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
	uint64_t xl = (uint32_t)x, xh = x >> 32, kl = (uint32_t)k, kh = k >> 32;
	uint64_t ll = xl * kl, lh = xl * kh, hl = xh * kl, hh = xh * kh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	uint64_t lo = (mid << 32) | (uint32_t)ll, hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);

	return lo ^ hi;
#endif
}

static void fold_word(struct fold *f, uint64_t w)
{
	f->a = fold_mul(f->a ^ w, 0xa0761d6478bd642fULL);
	f->b = fold_mul(f->b ^ w, 0xe7037ed1a0b428dbULL);
}

static void fold_account(struct fold *f, const char *account_id, size_t n)
{
	uint64_t w[DIFF_STAMP_ACCOUNT_MAX / sizeof(uint64_t)] = { 0 };

	if (n)
		memcpy(w, account_id, n);
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		fold_word(f, w[i]);
}

static struct content_digest inputs_digest(const struct diff_settings *s, const struct diff_input *in,
					   const struct observed_store *store, uint64_t context, size_t account_len)
{
	struct fold f = { 0x9e3779b97f4a7c15ULL, 0x8ebc6af09c88c6e3ULL };
	uint64_t flags = (uint64_t)store->budgets_listed | (uint64_t)store->policies_listed << 1 |
			 (uint64_t)(s->account_id != NULL) << 2 | (uint64_t)in->deletions_held << 3 |
			 (uint64_t)in->deletion_policy << 8;

	/* what is at hand first, the words behind a likely cache miss (the tenant's
	 * record, its slot in the store's index) last: the chain of products waits for
	 * them at its end only */
	fold_word(&f, (uintptr_t)store);
	fold_word(&f, (uintptr_t)in->desired);
	fold_word(&f, (uintptr_t)in->record);
	fold_word(&f, context);
	fold_word(&f, (uint64_t)s->grace);
	fold_word(&f, (uint64_t)s->drain);
	fold_word(&f, flags);
	fold_account(&f, s->account_id, account_len);
	fold_word(&f, observed_store_gen(store));
	fold_word(&f, in->record ? in->record->gen : 0);
	fold_word(&f, observed_store_tenant_gen(store, in->tenant_id));
	/* all zeros is an unset diff_settled's */
	if (f.a == 0 && f.b == 0)
		f.a = 1;
	return (struct content_digest){ { f.a, f.b } };
}

void diff_stamp_take(const struct diff_settings *s, const struct diff_input *in, const struct observed_store *store,
		     uint64_t context, struct diff_stamp *ret)
{
	size_t n = s->account_id ? strlen(s->account_id) : 0;

	memset(ret, 0, sizeof(*ret));
	ret->account_fits = n < DIFF_STAMP_ACCOUNT_MAX;
	ret->inputs = inputs_digest(s, in, store, context, ret->account_fits ? n : 0);
	ret->policies_gen = observed_store_policies_gen(store);
	ret->store = store;
	ret->desired = in->desired;
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

static bool settled_set(const struct diff_settled *settled)
{
	return settled->inputs.w[0] != 0 || settled->inputs.w[1] != 0;
}

static bool policies_same(struct diff_settled *settled, const struct diff_stamp *now)
{
	if (settled->policies_gen == now->policies_gen)
		return true;
	if (!content_digest_equal(settled->policies, own_policies(now->store, now->desired)))
		return false;
	settled->policies_gen = now->policies_gen;
	return true;
}

bool diff_stamp_same(struct diff_settled *settled, const struct diff_stamp *now)
{
	/* a stamp whose account id does not fit is never noted: settled is unset */
	return settled_set(settled) && now->account_fits && content_digest_equal(settled->inputs, now->inputs) &&
	       policies_same(settled, now);
}

bool diff_plan_settled(const struct plan *p)
{
	return p->n_actions == 0 && p->n_conflicts == 0 && !p->error && p->wake_at == 0 && !p->held && !p->incomplete &&
	       !p->deleting && !p->over_budget;
}

void diff_stamp_note(struct diff_settled *settled, const struct diff_stamp *now, const struct plan *p)
{
	if (!diff_plan_settled(p) || !now->account_fits) {
		diff_stamp_clear(settled);
		return;
	}
	settled->inputs = now->inputs;
	settled->policies = own_policies(now->store, now->desired);
	settled->policies_gen = now->policies_gen;
}

void diff_stamp_clear(struct diff_settled *settled)
{
	memset(settled, 0, sizeof(*settled));
}
