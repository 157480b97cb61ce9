#include "diff_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "model_region.h"
#include "ownership.h"
#include "xalloc.h"

const char *region_partition(const char *region)
{
	if (!region)
		return "aws";
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}

#define ARN_PARTS 9

/* The parts of p's model ARN, NULL-terminated; false when it cannot be formed (a
 * system profile's ARN without the account id). Joined, not formatted: it runs for
 * every profile on every pass ("(null)" for a part a valid manifest always has, as
 * printf wrote it). */
static bool model_arn_parts(const struct tenant *t, const struct profile *p, const char *place_region,
			    const char *account_id, const char *parts[ARN_PARTS])
{
	const char *region = place_region ? place_region : t->region ? t->region : "(null)";
	const char *part = region_partition(region), *id = profile_model_id(p) ? profile_model_id(p) : "(null)";
	size_t n = 0;

	switch (p->model_kind) {
	case MODEL_FOUNDATION_ARN:
	case MODEL_SYSTEM_PROFILE_ARN:
		parts[n++] = p->model;
		break;
	case MODEL_FOUNDATION_ID:
		parts[n++] = "arn:";
		parts[n++] = part;
		parts[n++] = ":bedrock:";
		parts[n++] = region;
		parts[n++] = "::foundation-model/";
		parts[n++] = id;
		break;
	case MODEL_SYSTEM_PROFILE_ID:
		if (!account_id)
			return false;
		parts[n++] = "arn:";
		parts[n++] = part;
		parts[n++] = ":bedrock:";
		parts[n++] = region;
		parts[n++] = ":";
		parts[n++] = account_id;
		parts[n++] = ":inference-profile/";
		parts[n++] = id;
		break;
	default:
		return false;
	}
	parts[n] = NULL;
	return true;
}

char *diff_model_arn(const struct tenant *t, const struct profile *p, const char *place_region, const char *account_id)
{
	const char *parts[ARN_PARTS];
	size_t len = 0;
	char *out;

	if (!model_arn_parts(t, p, place_region, account_id, parts))
		return NULL;
	for (size_t i = 0; parts[i]; i++)
		len += strlen(parts[i]);
	out = xmalloc(len + 1);
	len = 0;
	for (size_t i = 0; parts[i]; i++) {
		size_t n = strlen(parts[i]);
		memcpy(out + len, parts[i], n);
		len += n;
	}
	out[len] = '\0';
	return out;
}

/* diff_model_arn into buf (size bytes) when it fits, else allocated into *heap (the
 * caller frees it); NULL when it cannot be formed. A pass's converged profile
 * allocates nothing. */
static const char *model_arn_in(const struct diff_ctx *c, const struct profile *p, char *buf, size_t size, char **heap)
{
	const char *parts[ARN_PARTS];
	size_t len = 0;

	*heap = NULL;
	if (!model_arn_parts(c->in->desired, p, c->s->region, c->s->account_id, parts))
		return NULL;
	if (!parts[1])
		return parts[0]; /* the manifest's own ARN */
	for (size_t i = 0; parts[i]; i++) {
		size_t n = strlen(parts[i]);
		if (n >= size - len) {
			*heap = diff_model_arn(c->in->desired, p, c->s->region, c->s->account_id);
			return *heap;
		}
		memcpy(buf + len, parts[i], n);
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

char *diff_client_token(const char *instance, const char *tenant_id, const char *name, int64_t since, uint64_t nonce)
{
	/* Newlines cannot occur in any of the parts, so the seed is unambiguous. */
	char *seed = xasprintf("%s\n%s\n%s\n%" PRId64 "\n%016" PRIx64, instance, tenant_id, name, since, nonce);
	char *out = digest_hex(seed, strlen(seed), DIGEST_HEX_SHORT);

	free(seed);
	return out;
}

static int same_or_strcmp(const char *a, const char *b)
{
	return a == b ? 0 : strcmp(a, b);
}

/* Desired tags as views (state/model.h): compared without copying a string, built in
 * the caller's buffer when they fit (no allocation; a manifest's tags are bounded
 * by AWS's 50 a resource, so they do) and with the ownership tags' interned keys,
 * which an observed set holds by the same pointer. */
#define VIEW_MAX 64

struct want_view {
	struct tag_set set;
	struct tag buf[VIEW_MAX];
};

/* a and b merged into out (sorted by key, b's value where both hold a key). */
static size_t merge_tags(struct tag *out, const struct tag *a, size_t na, const struct tag *b, size_t nb)
{
	size_t i = 0, j = 0, n = 0;

	while (i < na || j < nb) {
		int order = i == na ? 1 : j == nb ? -1 : same_or_strcmp(a[i].key, b[j].key);
		if (order < 0) {
			out[n++] = a[i++];
		} else {
			i += order == 0;
			out[n++] = b[j++];
		}
	}
	return n;
}

/* The tenant's tags, the profile's over them, the ownership tags over both; with
 * model_arn (a profile's) the model and spec tags too (a parameter's: not). */
static void want_build(struct want_view *w, const struct diff_settings *s, const struct tenant *t,
		       const struct profile *p, const char *model_arn)
{
	struct tag own[5], merged[VIEW_MAX];
	size_t n = 0;

	/* in key order: managed-by, model, profile, spec, tenant */
	own[n++] = (struct tag){ tag_key_managed_by(), s->instance };
	if (model_arn)
		own[n++] = (struct tag){ tag_key_model(), model_arn };
	own[n++] = (struct tag){ tag_key_profile(), p->key };
	if (model_arn)
		own[n++] = (struct tag){ tag_key_spec(), p->spec_hash };
	own[n++] = (struct tag){ tag_key_tenant(), t->id };
	tag_set_init(&w->set);
	if (t->tags.n + p->tags.n + n <= VIEW_MAX) {
		size_t m = merge_tags(merged, t->tags.items, t->tags.n, p->tags.items, p->tags.n);
		w->set.items = w->buf;
		w->set.alloc = VIEW_MAX;
		w->set.n = merge_tags(w->buf, merged, m, own, n);
		return;
	}
	tag_view_add_all(&w->set, &t->tags);
	tag_view_add_all(&w->set, &p->tags);
	for (size_t i = 0; i < n; i++)
		tag_view_put(&w->set, own[i].key, own[i].value);
}

static void want_release(struct want_view *w)
{
	if (w->set.items != w->buf)
		tag_view_release(&w->set);
}

void diff_profile_tags(const struct diff_settings *s, const struct tenant *t, const struct profile *p,
		       const char *model_arn, struct tag_set *ret)
{
	struct want_view w;

	want_build(&w, s, t, p, model_arn);
	tag_set_copy(ret, &w.set);
	want_release(&w);
}

void diff_parameter_tags(const struct diff_settings *s, const struct tenant *t, const struct profile *p,
			 struct tag_set *ret)
{
	struct want_view w;

	want_build(&w, s, t, p, NULL);
	tag_set_copy(ret, &w.set);
	want_release(&w);
}

static void keep_timer(struct diff_ctx *c, const char *resource)
{
	XGROW(c->keep, c->n_keep + 1, c->alloc_keep);
	c->keep[c->n_keep++] = resource;
}

const char *diff__key(struct diff_ctx *c, char *key)
{
	XGROW(c->owned_keys, c->n_owned_keys + 1, c->alloc_owned_keys);
	c->owned_keys[c->n_owned_keys++] = key;
	return key;
}

bool diff__retain(const struct diff_ctx *c)
{
	return c->in->deletion_policy == DELETION_RETAIN;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Tags: set what differs; remove keys that are not desired, that this instance
 * applied (or that are reserved), and that are not aws: keys. Both sets are sorted by
 * key, so one merged walk compares them. */
void diff__tags(struct diff_ctx *c, enum action_kind tag_kind, enum action_kind untag_kind, const char *resource,
		const char *profile_key, const struct tag_set *want, const struct tag_set *have)
{
	struct tag_set set;
	char **remove = NULL;
	size_t n_remove = 0, i = 0, j = 0;

	/* have's strings are interned, and so are most of want's (the manifests'): the
	 * same string is then the same pointer, compared without reading it */
	tag_set_init(&set);
	while (i < want->n || j < have->n) {
		int order = i == want->n   ? 1
			    : j == have->n ? -1
					   : same_or_strcmp(tag_set_key(want, i), tag_set_key(have, j));
		if (order < 0) { /* desired, absent */
			tag_set_put(&set, tag_set_key(want, i), tag_set_value(want, i));
			i++;
		} else if (order == 0) { /* both: the value may differ */
			if (same_or_strcmp(tag_set_value(want, i), tag_set_value(have, j)) != 0)
				tag_set_put(&set, tag_set_key(want, i), tag_set_value(want, i));
			i++;
			j++;
		} else { /* present, not desired */
			const char *k = tag_set_key(have, j++);
			if (starts_with(k, "aws:"))
				continue;
			if (!starts_with(k, TAG_RESERVED_PREFIX) && !record_applied_has(c->in->record, resource, k))
				continue;
			remove = xreallocarray(remove, n_remove + 1, sizeof(char *));
			remove[n_remove++] = xstrdup(k);
		}
	}
	if (set.n) {
		struct action *a = plan_add(c->plan, tag_kind, "%zu tag(s) to set", (size_t)set.n);
		a->resource = xstrdup(resource);
		a->profile_key = xstrdup_or_null(profile_key);
		a->tags = set;
	} else {
		tag_set_release(&set);
	}
	if (n_remove) {
		struct action *a = plan_add(c->plan, untag_kind, "%zu tag(s) no longer in the manifest", n_remove);
		a->resource = xstrdup(resource);
		a->profile_key = xstrdup_or_null(profile_key);
		a->keys = remove;
		a->n_keys = n_remove;
	}
}

static const struct observed_profile *owned_named(const struct observed_tenant *o, const char *name)
{
	for (size_t i = 0; i < o->n_owned; i++)
		if (o->owned[i]->name && same_or_strcmp(o->owned[i]->name, name) == 0)
			return o->owned[i];
	return NULL;
}

static const struct observed_profile *find_named(const struct observed_profile *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (v[i]->name && strcmp(v[i]->name, name) == 0)
			return v[i];
	return NULL;
}

static const struct observed_parameter *param_named(const struct observed_tenant *o, const char *name)
{
	for (size_t i = 0; i < o->n_parameters; i++)
		if (same_or_strcmp(o->parameters[i]->name, name) == 0)
			return o->parameters[i];
	return NULL;
}

void diff__clear_timer(struct diff_ctx *c, const char *resource)
{
	if (record_timer(c->in->record, resource)) {
		struct action *a = plan_add(c->plan, ACT_TIMER_CLEAR, "%s is desired again", resource);
		a->resource = xstrdup(resource);
	}
}

static void diff_create(struct diff_ctx *c, const struct profile *dp)
{
	const struct tenant *t = c->in->desired;
	const struct create_intent *intent = record_intent(c->in->record, dp->key);
	const char *region = c->s->region ? c->s->region : t->region;
	const char *unserved = region ? profile_region_check(dp, region) : NULL;
	char *model_arn;
	struct action *a;

	if (unserved) {
		/* a create that cannot succeed there (a model changed after the tenant was
		 * placed): said, not sent; naming spec.region moves the tenant */
		free(c->plan->error);
		c->plan->error = xasprintf("profile %s: the model %s cannot be used in %s, where the tenant is: %s",
					   dp->key, dp->model, region, unserved);
		return;
	}
	model_arn = diff_model_arn(t, dp, c->s->region, c->s->account_id);
	if (!model_arn) {
		free(c->plan->error);
		c->plan->error = xasprintf("profile %s: the account id of the tenant's account is unknown, "
					   "so the copyFrom ARN of %s cannot be formed",
					   dp->key, dp->model);
		return;
	}
	if (intent && intent->dead)
		a = plan_add(c->plan, ACT_PROFILE_CREATE, "profile %s (%s) is gone: created again", dp->name,
			     intent->arn);
	else
		a = plan_add(c->plan, ACT_PROFILE_CREATE, "profile %s does not exist", dp->name);
	a->profile_key = xstrdup(dp->key);
	a->name = xstrdup(dp->name);
	a->model_arn = model_arn;
	a->description = xstrdup_or_null(dp->description);
	diff_profile_tags(c->s, t, dp, model_arn, &a->tags);
	if (intent && strcmp(create_intent_name(intent), dp->name) == 0 && !intent->dead) {
		char token[CREATE_INTENT_TOKEN_BUF];

		/* A create may already have happened (lost answer, crash): the same token. */
		a->token = xstrdup(create_intent_token(intent, token));
		a->since = intent->since;
	} else {
		/* A fresh token: a dead intent's token would only replay the dead ARN. */
		a->since = c->in->now;
		if (intent && a->since <= intent->since)
			a->since = intent->since + 1;
		a->token = diff_client_token(c->s->instance, t->id, dp->name, a->since, c->in->nonce);
	}
}

/* A create of this profile was answered with an ARN, yet the profile is not in the
 * model: a listing that started after the answer did not show it. It may lag (the
 * profile lives) or the profile was deleted outside the daemon: a Get tells. */
static bool verify_answered(struct diff_ctx *c, const struct profile *dp)
{
	const struct create_intent *intent = record_intent(c->in->record, dp->key);
	struct action *a;

	if (!intent || !intent->arn || intent->dead || strcmp(create_intent_name(intent), dp->name) != 0)
		return false;
	a = plan_add(c->plan, ACT_PROFILE_READ_TAGS, "profile %s (%s) is not listed: reading it", dp->name,
		     intent->arn);
	a->resource = xstrdup(intent->arn);
	a->profile_key = xstrdup(dp->key);
	return true;
}

bool diff__other_tenants(const struct diff_ctx *c, const struct tag_set *tags, const char *name)
{
	const char *tenant = tag_set_get(tags, TAG_TENANT);

	return tenant && strcmp(tenant, c->in->desired->id) != 0 &&
	       known_tenant_derives(c->in->observed->store, tenant, name);
}

static void diff_parameter(struct diff_ctx *c, const struct profile *dp, const struct observed_profile *cur)
{
	const struct observed_tenant *o = c->in->observed;
	const struct observed_parameter *p = param_named(o, dp->parameter);
	struct want_view want;
	struct action *a;

	if (p && !p->tags_known) {
		a = plan_add(c->plan, ACT_PARAM_READ_TAGS, "ownership of %s unknown", p->name);
		a->resource = xstrdup(p->name);
		return;
	}
	if (p && !tags_owned_by(&p->tags, c->s->instance)) {
		plan_conflict(c->plan, p->name, "SSM parameter %s exists and is not managed by %s", p->name,
			      c->s->instance);
		return;
	}
	if (p && diff__other_tenants(c, &p->tags, p->name)) {
		const char *key = tag_set_get(&p->tags, TAG_PROFILE);
		plan_conflict(c->plan, p->name,
			      "SSM parameter %s exists: tenant %s's, for its profile %s, whose name profile %s "
			      "derives too (two tenants derive one name: give one of the profiles another key, or "
			      "change policy.naming.parameter)",
			      p->name, tag_set_get(&p->tags, TAG_TENANT), key ? key : "(none)", dp->key);
		return;
	}
	if (!cur)
		return; /* nothing to publish yet; an older parameter value stays in place */
	if (cur->models_unknown)
		return; /* no read has shown it since its create: a create replayed with an old
			 * token answers the ARN of a profile deleted since, which SSM must not name
			 * (the read tells; a profile that lags is published a round later) */
	if (!p) {
		a = plan_add(c->plan, ACT_PARAM_CREATE, "parameter %s does not exist", dp->parameter);
		a->resource = xstrdup(dp->parameter);
		a->profile_key = xstrdup(dp->key);
		a->value = xstrdup(cur->arn);
		diff_parameter_tags(c->s, c->in->desired, dp, &a->tags);
		return;
	}
	want_build(&want, c->s, c->in->desired, dp, NULL);
	if (!p->value || same_or_strcmp(p->value, cur->arn) != 0) {
		a = plan_add(c->plan, ACT_PARAM_UPDATE, "parameter %s names %s, not %s", p->name,
			     p->value ? p->value : "nothing", cur->arn);
		a->resource = xstrdup(p->name);
		a->profile_key = xstrdup(dp->key);
		a->value = xstrdup(cur->arn);
		/* the tags it is made with should the overwrite find it gone (deleted by hand
		 * since the listing): SSM takes no tags with an overwrite, and an untagged
		 * parameter would be nobody's (cloud_aws.c tags one the overwrite made) */
		diff_parameter_tags(c->s, c->in->desired, dp, &a->tags);
	}
	diff__tags(c, ACT_PARAM_TAG, ACT_PARAM_UNTAG, p->name, dp->key, &want.set, &p->tags);
	want_release(&want);
	diff__clear_timer(c, p->name);
}

/* The newest live profile of the tenant for dp's key under another name: a replacement's
 * old profile, still there (draining, or kept while the new one could not be made). */
static const struct observed_profile *replaced_live(const struct diff_ctx *c, const struct profile *dp)
{
	const struct observed_tenant *o = c->in->observed;
	const struct observed_profile *best = NULL;

	for (size_t i = 0; i < o->n_owned; i++) {
		const struct observed_profile *op = o->owned[i];
		const char *key = tag_set_get_interned(&op->tags, tag_key_profile());
		if (key && !strcmp(key, dp->key) && op->name && strcmp(op->name, dp->name) && !op->models_unknown &&
		    (!best || op->created_at > best->created_at))
			best = op;
	}
	return best;
}

/* The profile is to be made (again) and the tenant's parameter still names an earlier
 * one that is gone (deleted outside the daemon). When a replacement's old profile of
 * the same key is live, the parameter names it again (it served before the switch, and
 * serves until the new one is made: the round after the create switches again, and the
 * old one drains anew). Else the parameter names nothing, and goes now, so that SSM
 * never names a missing profile while the create waits (a quota, an error); the round
 * after the create publishes it again with the new ARN. One that names a live profile
 * stays until the new one is made. */
static void diff_dangling_parameter(struct diff_ctx *c, const struct profile *dp)
{
	const struct observed_parameter *p = param_named(c->in->observed, dp->parameter);
	const struct observed_profile *old;
	struct action *a;

	if (!p || !p->value || !p->tags_known || !tags_owned_by(&p->tags, c->s->instance) ||
	    diff__other_tenants(c, &p->tags, p->name) || observed_store_profile(c->in->observed->store, p->value))
		return;
	if ((old = replaced_live(c, dp))) {
		a = plan_add(c->plan, ACT_PARAM_UPDATE,
			     "parameter %s names %s, which is gone: %s serves until %s is made", p->name, p->value,
			     old->arn, dp->name);
		a->resource = xstrdup(p->name);
		a->profile_key = xstrdup(dp->key);
		a->value = xstrdup(old->arn);
		diff_parameter_tags(c->s, c->in->desired, dp, &a->tags); /* as diff_parameter's update */
		return;
	}
	a = plan_add(c->plan, ACT_PARAM_DELETE, "parameter %s names %s, which is gone", p->name, p->value);
	a->resource = xstrdup(p->name);
	a->profile_key = xstrdup(dp->key);
}

static void diff_profile(struct diff_ctx *c, const struct profile *dp)
{
	const struct observed_tenant *o = c->in->observed;
	const struct observed_profile *cur = owned_named(o, dp->name);
	const struct observed_profile *other;

	if (!cur) {
		if ((other = find_named(o->foreign, o->n_foreign, dp->name)) &&
		    tags_owned_by(&other->tags, c->s->instance)) {
			const char *tenant = tag_set_get(&other->tags, TAG_TENANT);
			const char *key = tag_set_get(&other->tags, TAG_PROFILE);
			if (diff__other_tenants(c, &other->tags, dp->name))
				plan_conflict(
					c->plan, other->arn,
					"an application inference profile named %s exists: tenant %s's profile "
					"%s, whose name profile %s derives too (two tenants derive one name: "
					"give one of the profiles another key, or change policy.naming.profile_name)",
					dp->name, tenant, key ? key : "(none)", dp->key);
			else if (known_without_definition(o->store, tenant))
				plan_conflict(c->plan, other->arn,
					      "an application inference profile named %s exists, tagged as tenant "
					      "%s's profile %s, a tenant no manifest defines: left as it is",
					      dp->name, tenant, key ? key : "(none)");
			else
				plan_conflict(c->plan, other->arn,
					      "an application inference profile named %s exists, tagged as tenant "
					      "%s's profile %s (its tags do not match its name)",
					      dp->name, tenant ? tenant : "(none)", key ? key : "(none)");
		} else if (other) {
			plan_conflict(c->plan, other->arn,
				      "an application inference profile named %s exists and is not managed by %s",
				      dp->name, c->s->instance);
		} else if ((other = find_named(o->unknown, o->n_unknown, dp->name))) {
			struct action *a = plan_add(c->plan, ACT_PROFILE_READ_TAGS, "ownership of %s unknown",
						    other->arn);
			a->resource = xstrdup(other->arn);
		} else if (!verify_answered(c, dp)) {
			diff_create(c, dp);
			diff_dangling_parameter(c, dp);
		}
	} else {
		char buf[512], *heap;
		const char *model_arn = model_arn_in(c, dp, buf, sizeof(buf), &heap);
		struct want_view want;

		/* the intent goes once a listing shows the profile: until then a restart
		 * whose listing lags must replay the same token, not start a new create */
		if (cur->listed && record_intent(c->in->record, dp->key)) {
			struct action *a = plan_add(c->plan, ACT_INTENT_CLEAR, "profile %s is listed", dp->name);
			a->profile_key = xstrdup(dp->key);
		}
		/* models[] unknown (the create's read-back failed): read it, never guess */
		if (cur->models_unknown) {
			struct action *a = plan_add(c->plan, ACT_PROFILE_READ_TAGS, "the models of %s are unknown",
						    cur->arn);
			a->resource = xstrdup(cur->arn);
			a->profile_key = xstrdup(dp->key);
		}
		/* The model tag records the copyFrom ARN; when the account id is unknown,
		 * keep whatever the profile carries. */
		if (!model_arn)
			model_arn = tag_set_get_interned(&cur->tags, tag_key_model());
		want_build(&want, c->s, c->in->desired, dp, model_arn ? model_arn : "");
		diff__tags(c, ACT_PROFILE_TAG, ACT_PROFILE_UNTAG, cur->arn, dp->key, &want.set, &cur->tags);
		want_release(&want);
		free(heap);
		diff__clear_timer(c, cur->arn);
	}
	diff_parameter(c, dp, cur);
}

/* True when an owned parameter still names this profile: the parameter goes first. */
static bool named_by_parameter(const struct diff_ctx *c, const char *arn)
{
	const struct observed_tenant *o = c->in->observed;

	for (size_t i = 0; i < o->n_parameters; i++)
		if (o->parameters[i]->value && strcmp(o->parameters[i]->value, arn) == 0 &&
		    tags_owned_by(&o->parameters[i]->tags, c->s->instance))
			return true;
	return false;
}

/* A profile replaced by a newer generation: deleted once the parameter names the new
 * one and the drain has passed. */
static void diff_replaced(struct diff_ctx *c, const struct observed_profile *old, const struct profile *dp,
			  bool policies_current)
{
	const struct observed_profile *cur = owned_named(c->in->observed, dp->name);
	const struct observed_parameter *p = param_named(c->in->observed, dp->parameter);
	const struct resource_timer *t = record_timer(c->in->record, old->arn);
	struct action *a;

	if (!cur || !p || !p->value || strcmp(p->value, cur->arn) != 0)
		return; /* the switch has not happened yet: the old profile keeps serving */
	keep_timer(c, old->arn);
	if (!t || t->kind != TIMER_DRAIN) {
		a = plan_add(c->plan, ACT_TIMER_START, "profile %s replaced by %s: drain starts", old->name, dp->name);
		a->resource = xstrdup(old->arn);
		a->timer = TIMER_DRAIN;
		a->since = c->in->now;
		plan_wake(c->plan, c->in->now + c->s->drain);
		return;
	}
	if (c->in->now < t->since + c->s->drain) {
		plan_wake(c->plan, t->since + c->s->drain);
		return;
	}
	if (!policies_current)
		return; /* the roles' policies must name the new profile before the old one goes */
	if (named_by_parameter(c, old->arn))
		return; /* a parameter no longer desired names it: it goes first, after its grace */
	a = plan_add(c->plan, ACT_PROFILE_DELETE, "profile %s replaced by %s, drained", old->name, dp->name);
	a->origin = ORIGIN_REPLACEMENT;
	a->resource = xstrdup(old->arn);
	a->profile_key = xstrdup(dp->key);
	a->destructive = true;
}

bool diff__grace(struct diff_ctx *c, const char *key)
{
	const struct resource_timer *t = record_timer(c->in->record, key);
	struct action *a;

	keep_timer(c, key);
	if (!t || t->kind != TIMER_GRACE) {
		a = plan_add(c->plan, ACT_TIMER_START, "%s is no longer in the manifest: grace starts", key);
		a->resource = xstrdup(key);
		a->timer = TIMER_GRACE;
		a->since = c->in->now;
		plan_wake(c->plan, c->in->now + c->s->grace);
		return false;
	}
	if (c->in->now < t->since + c->s->grace) {
		plan_wake(c->plan, t->since + c->s->grace);
		return false;
	}
	if (c->in->deletions_held) {
		c->plan->held = true;
		return false;
	}
	return true;
}

/* An owned profile or parameter that nothing desires: grace, then the prune gate,
 * then delete or (deletion_policy: retain) release by removing the managed-by tag. */
static void diff_undesired(struct diff_ctx *c, const char *resource, const char *profile_key, bool is_profile)
{
	bool retain = diff__retain(c);
	struct action *a;

	if (!diff__grace(c, resource))
		return;
	if (is_profile && !retain && named_by_parameter(c, resource))
		return;
	if (retain) {
		a = plan_add(c->plan, is_profile ? ACT_PROFILE_UNTAG : ACT_PARAM_UNTAG,
			     "%s released (deletion_policy: retain)", resource);
		a->keys = xcalloc(1, sizeof(char *));
		a->keys[0] = xstrdup(TAG_MANAGED_BY);
		a->n_keys = 1;
	} else {
		a = plan_add(c->plan, is_profile ? ACT_PROFILE_DELETE : ACT_PARAM_DELETE,
			     "%s is no longer in the manifest, grace passed", resource);
	}
	a->resource = xstrdup(resource);
	a->profile_key = xstrdup_or_null(profile_key);
	a->destructive = true;
}

static bool parameter_desired(const struct tenant *t, const char *name)
{
	for (size_t i = 0; t && i < t->n_profiles; i++)
		if (t->profiles[i].parameter && strcmp(t->profiles[i].parameter, name) == 0)
			return true;
	return false;
}

static void clear_stale_timers(struct diff_ctx *c)
{
	const struct tenant_record *r = c->in->record;

	for (size_t i = 0; r && i < r->n_timers; i++) {
		const char *res = r->timers[i].resource;
		bool keep = record_key_is_move_timer(res); /* a move's old place: state/move.h */
		for (size_t j = 0; j < c->n_keep && !keep; j++)
			keep = strcmp(c->keep[j], res) == 0;
		for (size_t j = 0; j < c->plan->n_actions && !keep; j++)
			keep = c->plan->actions[j].kind == ACT_TIMER_CLEAR && c->plan->actions[j].resource &&
			       strcmp(c->plan->actions[j].resource, res) == 0;
		if (!keep) {
			struct action *a = plan_add(c->plan, ACT_TIMER_CLEAR, "%s is gone or settled", res);
			a->resource = xstrdup(res);
		}
	}
}

int diff_tenant(const struct diff_settings *s, const struct diff_input *in, struct plan *ret)
{
	const struct tenant *t = in->desired;
	const struct observed_tenant *o = in->observed;
	struct diff_ctx c = { .s = s, .in = in, .plan = ret };
	size_t owned_params = 0, owned_budgets = 0;
	bool policies_current;

	plan_init(ret);
	if (t && t->suspended)
		return 0; /* touch nothing live until the tenant is resumed */

	for (size_t i = 0; t && i < t->n_profiles; i++)
		diff_profile(&c, &t->profiles[i]);
	policies_current = diff_policies(&c);
	diff_budget(&c);
	diff_enforce(&c);

	for (size_t i = 0; i < o->n_owned; i++) {
		const struct observed_profile *op = o->owned[i];
		const char *key = tag_set_get_interned(&op->tags, tag_key_profile());
		const struct profile *dp = t && key ? tenant_profile(t, key) : NULL;

		if (dp && op->name && same_or_strcmp(dp->name, op->name) == 0)
			continue;
		if (dp)
			diff_replaced(&c, op, dp, policies_current);
		else
			diff_undesired(&c, op->arn, key, true);
	}
	for (size_t i = 0; i < o->n_parameters; i++) {
		const struct observed_parameter *p = o->parameters[i];

		if (!p->tags_known || !tags_owned_by(&p->tags, s->instance))
			continue;
		owned_params++;
		if (!parameter_desired(t, p->name))
			diff_undesired(&c, p->name, tag_set_get(&p->tags, TAG_PROFILE), false);
	}
	for (size_t i = 0; i < o->n_budgets; i++)
		owned_budgets += o->budgets[i]->tags_known && tags_owned_by(&o->budgets[i]->tags, s->instance);
	clear_stale_timers(&c);
	ret->deleting = (!t && (o->n_owned || owned_params || owned_budgets)) || ret->deleting; /* || enforcement */
	free(c.keep);
	for (size_t i = 0; i < c.n_owned_keys; i++)
		free(c.owned_keys[i]);
	free(c.owned_keys);
	return 0;
}
