#include "observed_apply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget_spec.h"
#include "enforce_spec.h"
#include "policy_doc.h"
#include "strv.h"
#include "policy_memo.h"
#include "xalloc.h"

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static struct observed_alert copy_alert(const struct observed_alert *a)
{
	struct observed_alert d = *a;

	d.type = xstrdup(a->type);
	d.comparison = xstrdup(a->comparison);
	d.threshold_type = xstrdup_or_null(a->threshold_type);
	d.subscribers = xcalloc(a->n_subscribers + 1, sizeof(char *));
	for (size_t i = 0; i < a->n_subscribers; i++)
		d.subscribers[i] = xstrdup(a->subscribers[i]);
	return d;
}

static struct observed_alert *find_alert(struct observed_budget *b, const struct observed_alert *a)
{
	for (size_t i = 0; i < b->n_alerts; i++)
		if (alert_same_notification(&b->alerts[i], a))
			return &b->alerts[i];
	return NULL;
}

/* The budget a create made, an entry of s's arena as a listing's (its strings there,
 * the constant ones interned), and so are its alerts: no allocation of its own, freed
 * with s at the next listing. */
static struct observed_budget *created(struct observed_store *s, const struct action *a)
{
	struct observed_budget *b = observed_store_new_budget(s, a->budget);

	observed_budget_set(s, b, a->limit, BUDGET_UNIT, a->time_unit, BUDGET_TYPE, a->filter, BUDGET_METRIC, NULL,
			    NULL);
	tag_set_copy(&b->tags, &a->tags);
	b->tags_known = b->alerts_known = true;
	observed_budget_set_alerts(s, b, a->alerts, a->n_alerts);
	return b;
}

/* Change a copy of the live budget b as the action says. */
static int change(struct observed_budget *b, const struct action *a)
{
	struct observed_alert *al = a->n_alerts ? find_alert(b, a->kind == ACT_NOTIFICATION_UPDATE ? &a->old_alert
												   : &a->alerts[0])
						: NULL;

	switch (a->kind) {
	case ACT_BUDGET_UPDATE:
		observed_budget_put_amounts(b, a->limit, observed_budget_actual_spend(b),
					    observed_budget_forecasted_spend(b));
		free(b->time_unit);
		b->time_unit = xstrdup(a->time_unit);
		observed_budget_put_filter(b, a->filter);
		free(b->metric);
		b->metric = xstrdup(BUDGET_METRIC);
		free(b->budget_type);
		b->budget_type = xstrdup(BUDGET_TYPE);
		free(b->limit_unit);
		b->limit_unit = xstrdup(BUDGET_UNIT);
		b->cost_filters = false;
		return 0;
	case ACT_BUDGET_TAG:
	case ACT_BUDGET_UNTAG:
		for (size_t i = 0; i < a->tags.n; i++)
			tag_set_put(&b->tags, tag_set_key(&a->tags, i), tag_set_value(&a->tags, i));
		for (size_t i = 0; i < a->n_keys; i++)
			tag_set_remove(&b->tags, a->keys[i]);
		return 0;
	case ACT_NOTIFICATION_CREATE:
		b->alerts = xreallocarray(b->alerts, b->n_alerts + 1, sizeof(*b->alerts));
		b->alerts[b->n_alerts++] = copy_alert(&a->alerts[0]);
		return 0;
	case ACT_NOTIFICATION_UPDATE: /* the value changes, the subscribers stay */
		if (!al)
			return -ENOENT;
		al->threshold = a->alerts[0].threshold;
		free(al->comparison);
		al->comparison = xstrdup(a->alerts[0].comparison);
		free(al->threshold_type);
		al->threshold_type = xstrdup_or_null(a->alerts[0].threshold_type);
		return 0;
	case ACT_NOTIFICATION_DELETE:
		if (!al)
			return -ENOENT;
		observed_alert_release(al);
		*al = b->alerts[--b->n_alerts];
		return 0;
	case ACT_SUBSCRIBER_CREATE:
		if (!al)
			return -ENOENT;
		al->subscribers = xreallocarray(al->subscribers, al->n_subscribers + 1, sizeof(char *));
		al->subscribers[al->n_subscribers++] = xstrdup(a->subscriber);
		qsort(al->subscribers, al->n_subscribers, sizeof(char *), cmp_str);
		return 0;
	case ACT_SUBSCRIBER_DELETE:
		if (!al)
			return -ENOENT;
		for (size_t i = 0; i < al->n_subscribers; i++) {
			if (strcmp(al->subscribers[i], a->subscriber) == 0) {
				free(al->subscribers[i]);
				al->subscribers[i] = al->subscribers[--al->n_subscribers];
				break;
			}
		}
		qsort(al->subscribers, al->n_subscribers, sizeof(char *), cmp_str);
		return 0;
	default:
		return -EINVAL;
	}
}

int observed_apply_budget(struct observed_store *s, const struct action *a)
{
	struct observed_budget *live = observed_store_budget(s, a->budget), *b;
	int r;

	if (a->kind == ACT_BUDGET_CREATE) {
		observed_store_put_budget(s, created(s, a));
		return 0;
	}
	if (!live)
		return -ENOENT;
	if (a->kind == ACT_BUDGET_DELETE) {
		observed_store_remove_budget(s, a->budget);
		return 0;
	}
	b = observed_budget_dup(live);
	r = change(b, a);
	if (r < 0) {
		observed_budget_free(b);
		return r;
	}
	observed_store_put_budget(s, b);
	return 0;
}

const struct observed_parameter *observed_apply_parameter_create(struct observed_store *s, const struct action *a,
								 int64_t answered_ms)
{
	/* as a listing's entry: name and value interned (the record's and the profile's
	 * ARN), freed with s */
	struct observed_parameter *q = observed_store_new_parameter(s, a->resource, a->value);

	q->version = 1;
	q->modified_ms = -answered_ms;
	tag_set_copy(&q->tags, &a->tags);
	q->tags_known = true;
	observed_store_put_parameter(s, q);
	return q;
}

/* ---- every action ---- */

static void apply_tags(struct tag_set *dst, const struct action *a)
{
	for (size_t i = 0; i < a->tags.n; i++)
		tag_set_put(dst, tag_set_key(&a->tags, i), tag_set_value(&a->tags, i));
	for (size_t i = 0; i < a->n_keys; i++)
		tag_set_remove(dst, a->keys[i]);
}

static void note_tags(struct tenant_record *r, const struct action *a, const char *resource)
{
	if (!r)
		return;
	if (a->tags.n)
		record_note_tagged(r, resource, &a->tags);
	if (a->n_keys)
		record_note_untagged(r, resource, a->keys, a->n_keys);
}

static void forget(struct tenant_record *r, const char *resource)
{
	if (r)
		record_forget_resource(r, resource);
}

static int apply_profile(struct observed_store *s, struct tenant_record *r, const struct action *a,
			 struct observed_profile *p)
{
	bool removed;

	switch (a->kind) {
	case ACT_PROFILE_CREATE:
		if (!p)
			return -EINVAL;
		if (!p->tags_known) {
			tag_set_release(&p->tags);
			tag_set_copy(&p->tags, &a->tags);
			p->tags_known = true;
		}
		if (!p->name)
			p->name = xstrdup(a->name);
		if (r)
			record_note_tagged(r, p->arn, &a->tags);
		observed_store_put_profile(s, p);
		return 0;
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
		note_tags(r, a, a->resource);
		if (!(p = observed_store_profile(s, a->resource)))
			return -ENOENT;
		p = observed_profile_dup(p); /* keeps `listed` */
		apply_tags(&p->tags, a);
		observed_store_put_profile(s, p);
		return 0;
	default: /* ACT_PROFILE_DELETE */
		removed = observed_store_remove_profile(s, a->resource);
		forget(r, a->resource);
		return removed ? 0 : -ENOENT;
	}
}

static int apply_parameter(struct observed_store *s, struct tenant_record *r, const struct action *a,
			   int64_t answered_ms)
{
	struct observed_parameter *q;
	bool removed;

	switch (a->kind) {
	case ACT_PARAM_CREATE:
		observed_apply_parameter_create(s, a, answered_ms);
		note_tags(r, a, a->resource);
		return 0;
	case ACT_PARAM_UPDATE:
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
		/* an update's tags are those a parameter it made again is given, not a change */
		if (a->kind != ACT_PARAM_UPDATE)
			note_tags(r, a, a->resource);
		if (!(q = observed_store_parameter(s, a->resource)))
			return -ENOENT;
		q = observed_parameter_dup(q);
		if (a->kind != ACT_PARAM_UPDATE)
			apply_tags(&q->tags, a);
		if (a->kind == ACT_PARAM_UPDATE) {
			free(q->value);
			q->value = xstrdup(a->value);
			q->version++;
			q->modified_ms = -answered_ms; /* AWS's date of this write is not known */
		}
		observed_store_put_parameter(s, q);
		return 0;
	default: /* ACT_PARAM_DELETE */
		removed = observed_store_remove_parameter(s, a->resource);
		forget(r, a->resource);
		return removed ? 0 : -ENOENT;
	}
}

static int apply_budget_record(struct observed_store *s, struct tenant_record *r, const struct action *a,
			       const char *arn)
{
	int rc = observed_apply_budget(s, a);
	char *key;

	if (!r) /* the record notes what AWS did, whether or not the model knew it */
		return rc;
	switch (a->kind) {
	case ACT_BUDGET_CREATE:
		record_note_tagged(r, arn, &a->tags);
		key = record_key_alerts_fact(a->budget);
		record_set_fact(r, key, a->value);
		free(key);
		break;
	case ACT_BUDGET_TAG:
	case ACT_BUDGET_UNTAG:
		note_tags(r, a, a->resource);
		break;
	case ACT_BUDGET_DELETE:
		record_forget_resource(r, arn);
		key = record_key_alerts_fact(a->budget);
		record_clear_fact(r, key);
		free(key);
		key = record_key_budget_timer(a->budget);
		record_forget_resource(r, key);
		free(key);
		break;
	default:
		break;
	}
	return rc;
}

/* The policy a put wrote, with the document (the engine keeps only its digest
 * afterwards: observed_store_policy_digest_only). Into a store that read the policies
 * in bulk, an entry of its policies arena as the read's (key, name and role one
 * string there, the hash packed in the entry): that arena goes at the next listing
 * that reads them again, so it keeps a replaced entry one listing at most. A store
 * without a bulk read carries its policies from listing to listing
 * (observed_store_take_policies): there, a written policy is allocated on its own,
 * and freed when replaced. */
static struct observed_policy *written_policy(struct observed_store *s, const struct action *a)
{
	char *hash = policy_hash(a->value);
	struct observed_policy *p;

	if (s->policies_listed) {
		p = observed_store_new_policy(s, a->role, a->name, hash, 0);
		free(hash);
	} else {
		p = xcalloc(1, sizeof(*p));
		p->role = xstrdup(a->role);
		p->name = xstrdup(a->name);
		observed_policy_set_hash(p, hash);
	}
	p->document = xstrdup(a->value);
	observed_policy_copy_others(p, observed_store_policy(s, a->role, a->name));
	return p;
}

static int apply_policy(struct observed_store *s, struct tenant_record *r, const struct action *a)
{
	char *fact = record_key_policy_fact(a->role, a->name), *timer = record_key_policy_timer(a->role);

	if (a->kind == ACT_POLICY_PUT) {
		struct observed_policy *p = written_policy(s, a);
		observed_store_put_policy(s, p);
		if (r) { /* the digest and the key of the document (state/policy_memo.h) */
			bool keyed = a->doc_key.w[0] || a->doc_key.w[1];
			char buf[POLICY_HASH_TEXT];
			char *value = policy_memo_fact(observed_policy_hash(p, buf), keyed ? &a->doc_key : NULL);
			record_set_fact(r, fact, value);
			free(value);
			/* the record answers for the key from now on: the memo need not wait for
			 * a pass to find it there (one that might not come before the daemon
			 * is quiet) */
			if (keyed)
				policy_memo_forget(a->doc_key);
		}
	} else { /* ACT_POLICY_DELETE */
		observed_store_remove_policy(s, a->role, a->name);
		if (!s->policies_listed) { /* absence alone says "not read": it is known gone */
			struct observed_policy *gone = xcalloc(1, sizeof(*gone));
			gone->role = xstrdup(a->role);
			gone->name = xstrdup(a->name);
			observed_store_put_policy(s, gone);
		}
		if (r) {
			record_clear_fact(r, fact);
			record_forget_resource(r, timer);
		}
	}
	free(fact);
	free(timer);
	return 0;
}

/* ---- budget enforcement ---- */

/* The version after v (a simulated answer): "v3" -> "v4". */
static char *next_version(const char *v)
{
	long n = v && v[0] == 'v' ? strtol(v + 1, NULL, 10) : 0;

	return xasprintf("v%ld", n + 1);
}

/* The deny policy attached to every role of a->roles again: it counts as many
 * attachments at least (an attach of an attached policy changes nothing in IAM), and
 * holds them among its roles when those were read. */
static int apply_deny_attach(struct observed_store *s, const struct action *a)
{
	const struct observed_deny_policy *live = observed_store_deny_policy(s, a->name);
	struct observed_deny_policy *p;

	if (!live)
		return -ENOENT;
	p = observed_deny_policy_dup(live);
	if (p->attachments < (int64_t)a->n_roles)
		p->attachments = (int64_t)a->n_roles;
	for (size_t i = 0; p->roles_known && i < a->n_roles; i++)
		observed_deny_policy_attach(p, a->roles[i]);
	observed_store_put_deny_policy(s, p);
	return 0;
}

/* Detached from roles: those it was on come off the count, each role when the listing
 * did not read which (as a reversal counts; the next listing counts again). */
static int apply_deny_detach(struct observed_store *s, const struct action *a)
{
	const struct observed_deny_policy *live = observed_store_deny_policy(s, a->name);
	struct observed_deny_policy *p;

	if (!live)
		return -ENOENT;
	p = observed_deny_policy_dup(live);
	for (size_t i = 0; i < a->n_roles; i++) {
		if (p->roles_known && !observed_deny_policy_on_role(p, a->roles[i]))
			continue;
		observed_deny_policy_detach(p, a->roles[i]);
		if (p->attachments > 0)
			p->attachments--;
	}
	observed_store_put_deny_policy(s, p);
	return 0;
}

static int apply_deny_policy(struct observed_store *s, struct tenant_record *r, const struct action *a,
			     const char *answer)
{
	const struct observed_deny_policy *live = observed_store_deny_policy(s, a->name);
	char *fact = record_key_enforce_fact(a->name), *timer = record_key_enforce_timer(a->name);
	struct observed_deny_policy *p;
	int rc = 0;

	if (a->kind == ACT_DENY_POLICY_DELETE) {
		rc = observed_store_remove_deny_policy(s, a->name) ? 0 : -ENOENT;
		if (r) {
			record_clear_fact(r, fact);
			record_forget_resource(r, timer);
		}
	} else {
		p = live ? observed_deny_policy_dup(live) : xcalloc(1, sizeof(*p));
		if (!live) {
			p->name = xstrdup(a->name);
			p->arn = xstrdup(a->resource);
			rc = a->kind == ACT_DENY_POLICY_UPDATE ? -ENOENT : 0;
		}
		free(p->default_version);
		p->default_version = answer				 ? xstrdup(answer)
				     : a->kind == ACT_DENY_POLICY_CREATE ? xstrdup("v1")
									 : next_version(a->version);
		if (r) {
			char *hash = policy_hash(a->value), *value = xasprintf("%s %s", hash, p->default_version);
			record_set_fact(r, fact, value);
			free(value);
			free(hash);
		}
		observed_store_put_deny_policy(s, p);
	}
	free(fact);
	free(timer);
	return rc;
}

static struct observed_budget_action *find_budget_action(struct observed_budget *b, const char *id)
{
	for (size_t i = 0; id && i < b->n_actions; i++)
		if (b->actions[i].id && strcmp(b->actions[i].id, id) == 0)
			return &b->actions[i];
	return NULL;
}

/* The action's definition as a create or an update writes it (the status stays). */
static void define_action(struct observed_budget_action *x, const struct action *a)
{
	char *status = x->status, *id = x->id;

	x->status = x->id = NULL;
	observed_budget_action_release(x);
	x->id = id;
	x->status = status ? status : xstrdup("STANDBY");
	x->action_type = xstrdup(ENFORCE_ACTION_TYPE);
	x->notification_type = xstrdup(ENFORCE_NOTIFY);
	x->approval_model = xstrdup(ENFORCE_APPROVAL);
	x->threshold_type = xstrdup(ENFORCE_THRESHOLD);
	x->threshold = a->threshold;
	x->policy_arn = xstrdup(a->resource);
	x->execution_role_arn = xstrdup_or_null(a->execution_role);
	x->n_roles = a->n_roles;
	x->roles = strv_dup(a->roles, a->n_roles);
	x->n_subscribers = a->n_subscribers; /* sorted by the diff */
	x->subscribers = strv_dup(a->subscribers, a->n_subscribers);
}

/* A copy of the deny policy action x applies, as s holds it, for the two below; NULL
 * when s holds none at x's ARN or does not know its attachments. */
static struct observed_deny_policy *action_policy(const struct observed_store *s,
						  const struct observed_budget_action *x)
{
	const char *slash = x->policy_arn ? strrchr(x->policy_arn, '/') : NULL;
	const struct observed_deny_policy *live = slash ? observed_store_deny_policy(s, slash + 1) : NULL;

	if (!live || !live->arn || strcmp(live->arn, x->policy_arn) != 0 || live->attachments < 0)
		return NULL;
	return observed_deny_policy_dup(live);
}

/* A reversal detaches the action's policy from its roles (Budgets does): the deny
 * policy counts that many attachments fewer until a listing counts them again, so that
 * what is shown of the roles in between is not the denial just lifted. */
static void reversal_detaches(struct observed_store *s, const struct observed_budget_action *x)
{
	struct observed_deny_policy *p = action_policy(s, x);

	if (!p)
		return;
	p->attachments = p->attachments > (int64_t)x->n_roles ? p->attachments - (int64_t)x->n_roles : 0;
	for (size_t i = 0; i < x->n_roles; i++)
		observed_deny_policy_detach(p, x->roles[i]);
	observed_store_put_deny_policy(s, p);
}

/* An execution attaches the action's policy to its roles (Budgets does): counted so
 * until a listing counts them again, so that the tenant is shown denied at once. */
static void execution_attaches(struct observed_store *s, const struct observed_budget_action *x)
{
	struct observed_deny_policy *p = action_policy(s, x);

	if (!p)
		return;
	for (size_t i = 0; i < x->n_roles; i++) {
		if (p->roles_known && observed_deny_policy_on_role(p, x->roles[i]))
			continue;
		p->attachments++;
		observed_deny_policy_attach(p, x->roles[i]);
	}
	observed_store_put_deny_policy(s, p);
}

static int apply_budget_action(struct observed_store *s, const struct action *a, const char *answer)
{
	const struct observed_budget *live = observed_store_budget(s, a->budget);
	struct observed_budget_action *x;
	struct observed_budget *b;

	if (!live)
		return -ENOENT;
	b = observed_budget_dup(live);
	x = find_budget_action(b, a->action_id);
	switch (a->kind) {
	case ACT_BUDGET_ACTION_CREATE:
		b->actions = xreallocarray(b->actions, b->n_actions + 1, sizeof(*b->actions));
		x = &b->actions[b->n_actions++];
		memset(x, 0, sizeof(*x));
		x->id = xstrdup(answer ? answer : "(created)");
		define_action(x, a);
		break;
	case ACT_BUDGET_ACTION_UPDATE:
		if (x)
			define_action(x, a);
		break;
	case ACT_BUDGET_ACTION_DELETE:
		if (x) {
			observed_budget_action_release(x);
			*x = b->actions[--b->n_actions];
		}
		break;
	default: /* ACT_BUDGET_ACTION_EXECUTE */
		/* still being carried out when the cloud stopped reading it back: the status
		 * as read, the roles as they were; the next listing tells how it ended */
		if (x && answer && strlen(answer) > 12 && !strcmp(answer + strlen(answer) - 12, "_IN_PROGRESS")) {
			free(x->status);
			x->status = xstrdup(answer);
			break;
		}
		if (x) {
			bool reverse = strcmp(a->value, "REVERSE_BUDGET_ACTION") == 0;
			/* a retry redoes what failed; the cloud answers the status it read back
			 * once the retry succeeded */
			if (!strcmp(a->value, "RETRY_BUDGET_ACTION"))
				reverse = (answer && !strcmp(answer, "REVERSE_SUCCESS")) ||
					  (!answer && x->status && !strcmp(x->status, "REVERSE_FAILURE"));
			free(x->status);
			if (!strcmp(a->value, "RETRY_BUDGET_ACTION") && !reverse) {
				x->status = xstrdup("EXECUTION_SUCCESS");
				execution_attaches(s, x);
				break;
			}
			/* a reversal read back failed (the engine records what it answered): the
			 * roles are still denied, and the next attempt retries it */
			if (reverse && answer && !strcmp(answer, "REVERSE_FAILURE")) {
				x->status = xstrdup("REVERSE_FAILURE");
				break;
			}
			x->status = xstrdup(reverse ? "REVERSE_SUCCESS" : "STANDBY");
			if (reverse)
				reversal_detaches(s, x);
		}
		break;
	}
	observed_store_put_budget(s, b);
	return x || a->kind == ACT_BUDGET_ACTION_CREATE ? 0 : -ENOENT;
}

static int apply_record_only(struct tenant_record *r, const struct action *a)
{
	if (!r)
		return 0;
	switch (a->kind) {
	case ACT_TIMER_START:
		record_start_timer(r, a->timer, a->resource, a->since);
		break;
	case ACT_TIMER_CLEAR:
		record_clear_timer(r, a->resource);
		break;
	case ACT_INTENT_CLEAR:
		record_clear_intent(r, a->profile_key);
		break;
	case ACT_FACT_SET:
		record_set_fact(r, a->resource, a->value);
		break;
	default: /* ACT_FACT_CLEAR */
		record_clear_fact(r, a->resource);
		break;
	}
	return 0;
}

int observed_apply_action(struct observed_store *s, struct tenant_record *r, const struct action *a,
			  struct observed_profile *created, const char *budget_arn)
{
	return observed_apply_action_at(s, r, a, created, budget_arn, 0);
}

int observed_apply_action_at(struct observed_store *s, struct tenant_record *r, const struct action *a,
			     struct observed_profile *created, const char *budget_arn, int64_t answered_ms)
{
	switch (a->kind) {
	case ACT_PROFILE_CREATE:
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
	case ACT_PROFILE_DELETE:
		return apply_profile(s, r, a, created);
	case ACT_PARAM_CREATE:
	case ACT_PARAM_UPDATE:
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
	case ACT_PARAM_DELETE:
		return apply_parameter(s, r, a, answered_ms);
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
		return apply_budget_record(s, r, a, budget_arn);
	case ACT_POLICY_PUT:
	case ACT_POLICY_DELETE:
		return apply_policy(s, r, a);
	case ACT_TIMER_START:
	case ACT_TIMER_CLEAR:
	case ACT_INTENT_CLEAR:
	case ACT_FACT_SET:
	case ACT_FACT_CLEAR:
		return apply_record_only(r, a);
	case ACT_DENY_POLICY_CREATE:
	case ACT_DENY_POLICY_UPDATE:
	case ACT_DENY_POLICY_DELETE:
		return apply_deny_policy(s, r, a, budget_arn);
	case ACT_DENY_POLICY_ATTACH:
		return apply_deny_attach(s, a);
	case ACT_DENY_POLICY_DETACH:
		return apply_deny_detach(s, a);
	case ACT_BUDGET_ACTION_CREATE:
	case ACT_BUDGET_ACTION_UPDATE:
	case ACT_BUDGET_ACTION_DELETE:
	case ACT_BUDGET_ACTION_EXECUTE:
		return apply_budget_action(s, a, budget_arn);
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

/* ---- reads ---- */

static bool fold_budget(struct observed_store *s, const struct action *a, struct observed_budget *answer)
{
	const struct observed_budget *live = observed_store_budget(s, a->budget);
	struct observed_budget *c;

	if (!live || !answer) {
		observed_budget_free(answer);
		return false;
	}
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
	observed_budget_free(answer);
	return true;
}

bool observed_apply_read(struct observed_store *s, const struct action *a, struct observed_profile *profile,
			 struct observed_parameter *parameter, struct observed_budget *budget,
			 struct observed_policy *policy, bool gone)
{
	bool changed = false;

	switch (a->kind) {
	case ACT_PROFILE_READ_TAGS:
		if (profile)
			observed_store_put_profile(s, profile), profile = NULL, changed = true;
		else if (gone)
			changed = observed_store_remove_profile(s, a->resource);
		break;
	case ACT_PARAM_READ_TAGS:
		if (parameter)
			observed_store_put_parameter(s, parameter), parameter = NULL, changed = true;
		else if (gone)
			changed = observed_store_remove_parameter(s, a->resource);
		break;
	case ACT_BUDGET_READ_TAGS:
	case ACT_BUDGET_READ_ALERTS:
		if (gone)
			changed = observed_store_remove_budget(s, a->budget);
		else
			changed = fold_budget(s, a, budget), budget = NULL;
		break;
	case ACT_POLICY_READ:
		if (policy && policy->others_known)
			observed_policy_set_others_read_at(policy, a->since);
		if (policy)
			observed_store_put_policy(s, policy), policy = NULL, changed = true;
		break;
	default:
		break;
	}
	observed_profile_free(profile);
	observed_parameter_free(parameter);
	observed_budget_free(budget);
	observed_policy_free(policy);
	return changed;
}
