/* The diff of a tenant's IAM grants: for every role in access.roles, one inline
 * policy (the tenant's policy name) holding exactly the statements for the tenant's
 * live profiles in this place (every generation, so a profile being drained stays
 * granted until it is deleted). When the listing read IAM in bulk (every role with
 * its inline policies), the live policy is compared with the one last applied (a fact
 * in the record: its digest), so a hand edit or deletion is repaired; without a bulk
 * read, a role's policy is read only when the desired document differs from the one
 * last applied. It is written only when it differs from the live one, compared as
 * JSON, and only when the role's other inline policies (from the bulk read, or read
 * with the policy) leave room for it under IAM's limit over all of them; otherwise the
 * tenant fails with the sizes, the role untouched. Roles that leave the
 * manifest lose the policy after the grace period (retain: it stays). */
#include "diff_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ownership.h"
#include "policy_doc.h"
#include "policy_memo.h"
#include "xalloc.h"

/* The desired document of a tenant's roles: its digest always (remembered by its
 * profiles, state/policy_memo.h), its text written only when a role needs more than
 * the digest (desired_doc). */
struct desired_policy {
	const struct observed_profile *const *profiles;
	size_t n;
	char *doc; /* NULL until desired_doc */
	char hash[DIGEST_HEX_SHORT + 1];
	struct content_digest key; /* the memo's key of the profiles, when keyed */
	bool keyed;
	const char *fact; /* the record's fact that gave hash (it holds key), or NULL */
};

static const char *desired_doc(struct desired_policy *d)
{
	if (!d->doc)
		d->doc = policy_document(d->profiles, d->n);
	return d->doc;
}

/* d's digest from a fact of the tenant's record that holds its key (what a start
 * remembers), else from the memo, else from the document; false when there is no
 * document (no profiles). */
static bool desired_policy_init(struct desired_policy *d, const struct tenant_record *r,
				const struct observed_profile *const *profiles, size_t n, bool remember)
{
	char *hash;

	memset(d, 0, sizeof(*d));
	d->profiles = profiles;
	d->n = n;
	if (!n)
		return false;
	d->keyed = policy_memo_key(profiles, n, &d->key);
	if (d->keyed && (d->fact = policy_memo_from_record(r, d->key, d->hash))) {
		/* the record answers for this key from now on, across starts too: the memo
		 * need not hold it (a converged daemon's memo is then all but empty) */
		policy_memo_forget(d->key);
		return true;
	}
	if (d->keyed && policy_memo_get(d->key, d->hash))
		return true;
	if (!desired_doc(d))
		return false;
	hash = policy_hash(d->doc);
	snprintf(d->hash, sizeof(d->hash), "%s", hash);
	if (d->keyed && remember)
		policy_memo_put(d->key, hash);
	free(hash);
	return true;
}

/* The value of d's policy fact: its digest and key. */
static char *desired_fact(const struct desired_policy *d)
{
	return policy_memo_fact(d->hash, d->keyed ? &d->key : NULL);
}

/* A write that the role's other policies would push over IAM's limit is refused only
 * from sizes read within this long; older ones are read again first (the role may
 * have been cleaned up). A write that fits goes with older sizes: IAM refuses it if
 * they have grown since (LimitExceeded, a terminal error that says so). */
#define POLICY_OTHERS_FRESH_S 60

static bool others_fresh(const struct diff_ctx *c, const struct observed_policy *live)
{
	int64_t at = observed_policy_others_read_at(live);

	return live->others_known && at > 0 && c->in->now - at < POLICY_OTHERS_FRESH_S;
}

static struct action *policy_action(struct diff_ctx *c, enum action_kind k, const char *role, const char *name,
				    const char *why)
{
	struct action *a = plan_add(c->plan, k, "%s: %s", role, why);

	a->role = xstrdup(role);
	a->name = xstrdup(name);
	return a;
}

/* The put of d's document, its key with it (for the fact noted after it). live: the
 * policy as observed, or NULL; applied: the record's fact of it, or NULL. A live text
 * that is the one last applied is written again because its profiles changed, not to
 * set back a change made outside (ORIGIN_OWN_POLICY). */
static void policy_put(struct diff_ctx *c, const char *role, const char *name, struct desired_policy *d,
		       const struct observed_policy *live, const char *applied, const char *why)
{
	struct action *a = policy_action(c, ACT_POLICY_PUT, role, name, why);
	char buf[POLICY_HASH_TEXT];

	if (applied && observed_policy_exists(live) && policy_memo_fact_is(applied, observed_policy_hash(live, buf)))
		a->origin = ORIGIN_OWN_POLICY;
	a->value = xstrdup(desired_doc(d));
	if (d->keyed)
		a->doc_key = d->key;
}

/* A policy applied earlier (its digest is the record's fact) that the bulk IAM read
 * shows otherwise: edited or deleted by hand. Without a bulk read, the fact is
 * trusted (the policy is read only when the desired document changes). The bulk read
 * keeps digests, not documents: a text that differs is rewritten. */
static bool policy_drifted(const struct observed_store *s, const char *role, const char *name, struct desired_policy *d)
{
	const struct observed_policy *live;

	if (!s || !s->policies_listed)
		return false;
	live = observed_store_policy(s, role, name);
	if (observed_policy_hash_is(live, d->hash))
		return false; /* the text is not needed */
	return !observed_policy_same(live, desired_doc(d), d->hash);
}

/* The tenant fails: its document and the role's other inline policies (n of them,
 * SIZE_MAX: not counted; others characters) would pass IAM's limit over all inline
 * policies of a role. */
static void overflow(struct diff_ctx *c, const char *role, const char *name, const char *doc, size_t n, size_t others)
{
	char count[32] = "";

	if (n != SIZE_MAX)
		snprintf(count, sizeof(count), "%zu ", n);
	free(c->plan->error);
	c->plan->error = xasprintf("the IAM policy %s for role %s would be %zu characters, and the role's %sother "
				   "inline policies hold %zu: %zu in all, over IAM's limit of %d for all inline "
				   "policies of a role (a role shared by many tenants fills up: give this tenant a "
				   "role of its own)",
				   name, role, policy_size(doc), count, others, policy_size(doc) + others,
				   IAM_INLINE_POLICY_MAX);
}

/* With the bulk read: the policy is written when the role's other inline policies
 * leave room for it. Their sizes as the listing saw them may be a resync old, so a
 * role that holds others is read first (the read also reads the others), and the
 * check and any refusal are made from sizes read within POLICY_OTHERS_FRESH_S; a role
 * holding no other policy is written at once. live: the policy as observed, or NULL.
 * Returns false (not current). */
static bool put_if_room(struct diff_ctx *c, const char *role, const char *name, struct desired_policy *d,
			const struct observed_policy *live, const char *applied, const char *why)
{
	const char *doc = desired_doc(d);
	size_t others = 0;

	if (live && others_fresh(c, live)) {
		if (policy_role_total(doc, observed_policy_other_sizes(live), observed_policy_n_others(live)) >
		    IAM_INLINE_POLICY_MAX) {
			overflow(c, role, name, doc, observed_policy_n_others(live),
				 policy_role_total("", observed_policy_other_sizes(live),
						   observed_policy_n_others(live)));
			return false;
		}
	} else if (observed_store_role_other_policy_chars(c->in->observed->store, role, name, &others) && others > 0) {
		policy_action(c, ACT_POLICY_READ, role, name, "the role's other policies count in its size")->since =
			c->in->now;
		return false;
	}
	policy_put(c, role, name, d, live, applied, why);
	return false;
}

/* The fact of role's policy name: d's digest and key. */
static void fact_set(struct diff_ctx *c, const char *role, const char *name, const struct desired_policy *d,
		     const char *more)
{
	struct action *a = plan_add(c->plan, ACT_FACT_SET, "the policy of %s is current%s", role, more);

	a->resource = record_key_policy_fact(role, name);
	a->value = desired_fact(d);
}

/* Another tenant placed in the account derives the policy name on the role too: the
 * one that applied it keeps it (its policy is current: it never comes here), the
 * other is in conflict; neither writes over the other's document. */
static bool shared_name(struct diff_ctx *c, const char *role, const char *name)
{
	char other[TENANT_ID_MAX + 1];

	if (!policy_derived_by_other(c->in->observed->store, role, name, c->in->tenant_id, other))
		return false;
	plan_conflict(
		c->plan, role,
		"the IAM policy %s of role %s is tenant %s's too: both derive that name for the role (two tenants "
		"derive one policy name: change policy.naming.policy_name, or give one of them another role); "
		"left as it is",
		name, role, other);
	return true;
}

static bool role_desired(const struct tenant *t, const char *role, size_t role_len, const char *name);

/* The tenant applied another policy name on role that nothing desires now (a
 * policy_name template changed): the role's grace timer counts for its deletion. */
static bool role_holds_undesired(const struct diff_ctx *c, const char *role)
{
	const char *r, *name;
	size_t role_len;

	for (size_t at = 0; record_policy_fact_next(c->in->record, &at, &r, &role_len, &name, NULL);)
		if (strlen(role) == role_len && strncasecmp(role, r, role_len) == 0 &&
		    !role_desired(c->in->desired, r, role_len, name))
			return true;
	return false;
}

/* One desired role. Returns true when its policy is known to be current. */
static bool diff_role(struct diff_ctx *c, const char *role, const char *name, struct desired_policy *d)
{
	const char *applied = record_policy_fact(c->in->record, role, name);
	const char *doc, *hash = d->hash;
	const struct observed_policy *live;

	/* no key written for a record without timers; the role's timer stays while a name
	 * the tenant applied there earlier waits for its grace */
	if (c->in->record && c->in->record->n_timers && !role_holds_undesired(c, role))
		diff__clear_timer(c, diff__key(c, record_key_policy_timer(role)));
	if (applied && policy_memo_fact_is(applied, hash) && !policy_drifted(c->in->observed->store, role, name, d)) {
		/* current; a fact without the key of these profiles (an older store's, or
		 * profiles changed in what the document does not hold) is given it, so
		 * that the next start need not write the document to know its digest */
		bool keyed = d->fact && (applied == d->fact || strcmp(applied, d->fact) == 0);
		if (d->keyed && !keyed && !policy_memo_fact_keyed(applied, d->key))
			fact_set(c, role, name, d, ": its fact notes its profiles");
		return true;
	}
	doc = desired_doc(d);
	if (policy_size(doc) > IAM_INLINE_POLICY_MAX) {
		free(c->plan->error);
		c->plan->error = xasprintf("the IAM policy %s for role %s would be %zu characters, over IAM's limit of "
					   "%d for all inline policies of a role: use fewer profiles per tenant",
					   name, role, policy_size(doc), IAM_INLINE_POLICY_MAX);
		return false;
	}
	live = observed_store_policy(c->in->observed->store, role, name);
	if (!(live && observed_policy_same(live, doc, hash)) && shared_name(c, role, name))
		return false;
	if (!live && c->in->observed->store->policies_listed) {
		/* the bulk read saw every role and policy: this one is not in AWS */
		return put_if_room(c, role, name, d, NULL, applied,
				   observed_store_role(c->in->observed->store, role) ? "the policy does not exist"
										     : "the role does not exist (yet)");
	} else if (!live) {
		policy_action(c, ACT_POLICY_READ, role, name, "the policy may differ")->since = c->in->now;
	} else if (observed_policy_same(live, doc, hash)) {
		fact_set(c, role, name, d, "");
		return true;
	} else if (c->in->observed->store->policies_listed && observed_store_role(c->in->observed->store, role)) {
		return put_if_room(c, role, name, d, live, applied,
				   observed_policy_exists(live) ? "the policy differs" : "the policy does not exist");
	} else if (!live->role_missing && !live->others_known) {
		policy_action(c, ACT_POLICY_READ, role, name, "the role's other policies count in its size")->since =
			c->in->now;
	} else if (!live->role_missing &&
		   policy_role_total(doc, observed_policy_other_sizes(live), observed_policy_n_others(live)) >
			   IAM_INLINE_POLICY_MAX &&
		   !others_fresh(c, live)) {
		/* a refusal only from sizes just read: they may have shrunk since */
		policy_action(c, ACT_POLICY_READ, role, name, "the role's other policies may have shrunk")->since =
			c->in->now;
	} else if (!live->role_missing && policy_role_total(doc, observed_policy_other_sizes(live),
							    observed_policy_n_others(live)) > IAM_INLINE_POLICY_MAX) {
		overflow(c, role, name, doc, observed_policy_n_others(live),
			 policy_role_total("", observed_policy_other_sizes(live), observed_policy_n_others(live)));
		return false;
	} else {
		policy_put(c, role, name, d, live, applied,
			   live->role_missing		  ? "the role does not exist (yet)"
			   : observed_policy_exists(live) ? "the policy differs"
							  : "the policy does not exist");
	}
	return false;
}

/* role: role_len characters, compared without regard to case as IAM does (a manifest
 * that writes "app" as "App" now still desires the policy it applied) */
static bool role_desired(const struct tenant *t, const char *role, size_t role_len, const char *name)
{
	if (!t || !t->policy_name || strcmp(t->policy_name, name) != 0)
		return false;
	for (size_t i = 0; i < t->n_roles; i++)
		if (strlen(t->roles[i]) == role_len && strncasecmp(t->roles[i], role, role_len) == 0)
			return true;
	return false;
}

/* A policy this tenant applied earlier that nothing desires now. */
static void diff_undesired_role(struct diff_ctx *c, const char *role, const char *name, const char *key)
{
	char other[TENANT_ID_MAX + 1];
	struct action *a;

	if (policy_derived_by_other(c->in->observed->store, role, name, c->in->tenant_id, other)) {
		/* never deleted as this tenant's: the other one's applications use it */
		a = plan_add(c->plan, ACT_FACT_CLEAR, "%s keeps its policy %s: tenant %s derives that name for it too",
			     role, name, other);
		a->resource = xstrdup(key);
		if (c->in->record && c->in->record->n_timers)
			diff__clear_timer(c, diff__key(c, record_key_policy_timer(role)));
		return;
	}
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
	const struct observed_profile **all = NULL;
	struct desired_policy d = { 0 };
	const char *role, *name;
	size_t role_len;
	bool current = true, models_known = true, want = false;

	/* A document is only ever written from known models[]: a profile whose models
	 * are unknown (its read-back lags) holds every role's policy back until a read
	 * or a listing fills them; the profile's diff reads it meanwhile. */
	for (size_t i = 0; i < o->n_owned; i++)
		models_known &= !o->owned[i]->models_unknown;
	/* the document and its digest only when a role is to hold it */
	if (models_known && t && t->n_roles && c->in->n_also_granted) {
		/* moving within the account: the old place's profiles stay granted */
		size_t n = o->n_owned + c->in->n_also_granted;
		all = xcalloc(n, sizeof(*all));
		if (o->n_owned)
			memcpy(all, o->owned, o->n_owned * sizeof(*all));
		memcpy(all + o->n_owned, c->in->also_granted, c->in->n_also_granted * sizeof(*all));
		want = desired_policy_init(&d, r, all, n, !c->in->lookahead);
	} else if (models_known && t && t->n_roles) {
		want = desired_policy_init(&d, r, o->owned, o->n_owned, !c->in->lookahead);
	} else if (t && t->n_roles) {
		current = false;
	}

	for (size_t i = 0; t && want && i < t->n_roles; i++)
		current &= diff_role(c, t->roles[i], t->policy_name, &d);
	for (size_t at = 0; record_policy_fact_next(r, &at, &role, &role_len, &name, NULL);) {
		char *role_name, *key;
		if (role_desired(t, role, role_len, name))
			continue;
		role_name = xstrndup(role, role_len);
		key = record_key_policy_fact(role_name, name); /* the fact's key, as the record read it */
		diff_undesired_role(c, role_name, name, key);
		free(key);
		free(role_name);
	}
	free(d.doc);
	free(all);
	return current;
}
