/* Listings and plan actions on the typed AWS clients. */
#include "cloud_aws_impl.h"

#include "budget_spec.h"
#include "diff.h"
#include "iam_account.h"
#include "intern.h"
#include "policy_doc.h"
#include "ssm_describe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void cloud_aws_init(struct cloud_aws *c, struct aws_client *client, const char *instance)
{
	c->client = client;
	c->instance = xstrdup(instance);
	hashmap_init(&c->iam_page_sizes);
	c->read_back_first_ms = CLOUD_READ_BACK_FIRST_MS;
}

void cloud_aws_add_role_alias(struct cloud_aws *c, const char *alias)
{
	c->role_aliases = xreallocarray(c->role_aliases, c->n_role_aliases + 1, sizeof(char *));
	c->role_aliases[c->n_role_aliases++] = xstrdup(alias);
}

void cloud_aws_release(struct cloud_aws *c)
{
	for (size_t i = 0; i < c->n_role_aliases; i++)
		free(c->role_aliases[i]);
	free(c->role_aliases);
	free(c->instance);
	hashmap_release(&c->iam_page_sizes, NULL);
	memset(c, 0, sizeof(*c));
}

/* The account label of a call: the alias when it has a role, else the default. */
char *cloud_aws__target_account(const struct cloud_aws *c, const char *alias)
{
	for (size_t i = 0; alias && i < c->n_role_aliases; i++)
		if (strcmp(c->role_aliases[i], alias) == 0)
			return xstrdup(alias);
	return NULL;
}

void cloud_error_from_aws(struct cloud_error *dst, int status, const struct aws_error *err)
{
	if (!err) {
		cloud_error_set(dst, 0, ERROR_RETRYABLE, "", "%s", strerror(status < 0 ? -status : status));
		return;
	}
	cloud_error_set(dst, err->http_status, err->class == AWS_ERROR_TERMINAL ? ERROR_TERMINAL : ERROR_RETRYABLE,
			err->code && err->code[0] ? err->code : "", "%s",
			err->message && err->message[0] ? err->message : strerror(status < 0 ? -status : status));
	snprintf(dst->request_id, sizeof(dst->request_id), "%s", err->request_id ? err->request_id : "");
}

bool cloud_aws__code_is(const struct aws_error *err, const char *code)
{
	return err && err->code && strcmp(err->code, code) == 0;
}

void cloud_aws__tags_from_aws(struct tag_set *dst, const struct aws_tags *src)
{
	tag_set_init(dst);
	tag_set_reserve(dst, src ? src->n : 0);
	for (size_t i = 0; src && i < src->n; i++)
		tag_set_put(dst, src->items[i].key, src->items[i].value);
}

/* The tag list of an action, in the AWS layer's type (borrowed strings). */
struct aws_tag *cloud_aws__aws_tags(const struct tag_set *set)
{
	struct aws_tag *v = xcalloc(set->n + 1, sizeof(*v));

	for (size_t i = 0; i < set->n; i++) {
		v[i].key = (char *)set->items[i].key; /* borrowed, never written */
		v[i].value = (char *)set->items[i].value;
	}
	return v;
}

/* in: the listing's snapshot, whose arena holds the entry; NULL: an entry of its own
 * (a read's answer) */
static struct observed_profile *profile_from_aws(struct observed_store *in, const struct bedrock_profile *bp)
{
	struct observed_profile *p;
	/* more models than a profile holds (observed.h): none taken, the models not known */
	size_t n = bp->models.n <= OBSERVED_PROFILE_MAX_MODELS ? bp->models.n : 0;

	if (in) {
		p = observed_store_new_profile(in, bp->arn, bp->name, n);
	} else {
		p = xcalloc(1, sizeof(*p));
		p->arn = xstrdup(bp->arn);
		p->name = xstrdup_or_null(bp->name);
		if (n)
			p->model_arns = xcalloc(n, sizeof(char *));
		p->n_model_arns = n;
		tag_set_init(&p->tags);
	}
	p->models_unknown = n != bp->models.n;
	for (size_t i = 0; i < n; i++)
		p->model_arns[i] = intern(bp->models.items[i]);
	p->created_at = observed_profile_created_at(bp->created_ms / 1000);
	return p;
}

/* "arn:aws:ssm:REGION:ACCOUNT:parameter/a/b" names "/a/b". */
static char *parameter_name_of_arn(const char *arn)
{
	const char *p = strstr(arn, ":parameter/");

	return p ? xasprintf("/%s", p + strlen(":parameter/")) : NULL;
}

/* ---- listing a place ---- */

struct listing {
	struct cloud_aws *c;
	struct aws_target target;
	struct observed_store *snapshot;
	struct bedrock_profile_list profiles;
	struct tagging_resource_list tagged;
	struct ssm_parameter_list params;
	const struct observed_store *seen; /* the place's model: values of unchanged parameters */
	char *param_prefix;
	/* the account's part (roles, budgets, enforcement), shared with the account's
	 * other places listed at the same time (a reference; read-only once complete) */
	struct cloud_aws__account_read *acct;
	/* Tags not read this time (struct place.keep_*_tags): those the place's model
	 * holds, for the parameters and budgets found unchanged, copied on the loop
	 * (parameter or budget name -> struct tag_set *, owned). */
	bool keep_param_tags;
	struct hashmap kept, kept_budgets;
	/* struct place.budgets_elsewhere and policies_elsewhere, copied: budget name or
	 * policy key -> tenant id (owned) */
	struct hashmap elsewhere, policies_elsewhere;
	char *account_id;
	unsigned pending;
	int status;
	struct cloud_error err;
	cloud_list_cb cb; /* NULL once the caller went away (cloud_aws_orphan) */
	void *data;
	char *region;
	char *account;
	uv_work_t work;		     /* the snapshot's build in the thread pool */
	struct listing *prev, *next; /* in cloud_aws.building while built */
};

static void listing_fail(struct listing *l, int status, const struct aws_error *err, const char *what)
{
	if (l->status < 0)
		return;
	l->status = status < 0 ? status : -EIO;
	cloud_error_from_aws(&l->err, status, err);
	snprintf(l->err.message, sizeof(l->err.message), "%s: %s", what,
		 err && err->message && err->message[0] ? err->message : strerror(-l->status));
}

/* Every role with every inline policy: a policy or a role absent here is absent
 * from AWS (policies_listed). Each policy is kept as its digest and size, not its
 * document (the diff compares digests; IAM's limit over a role needs sizes only). */
static void build_roles(struct observed_store *s, const struct iam_role_detail_list *roles,
			const struct hashmap *elsewhere)
{
	for (size_t i = 0; i < roles->n; i++) {
		const struct iam_role_detail *r = &roles->items[i];
		observed_store_put_role(s, r->name);
		for (size_t k = 0; k < r->n_policies; k++) {
			const struct iam_inline_policy *ip = &r->policies[k];
			/* digested as the page came (cloud_aws_account.c), else here */
			char *hash = NULL, *key = elsewhere->n ? observed_policy_key(r->name, ip->name) : NULL;
			size_t chars = ip->hash ? ip->chars : policy_size(ip->document ? ip->document : "");
			bool left = key && hashmap_get(elsewhere, key);
			free(key);
			if (left) { /* its tenant's place holds it (struct place.policies_elsewhere) */
				observed_store_count_policy_elsewhere(s, r->name, chars);
				continue;
			}
			hash = ip->hash ? NULL : policy_hash(ip->document ? ip->document : "");
			observed_store_put_policy(
				s, observed_store_new_policy(s, r->name, ip->name, ip->hash ? ip->hash : hash, chars));
			free(hash);
		}
	}
	s->policies_listed = true;
}

/* The budget is one the listing leaves to the account's place that holds its tenant
 * (struct place.budgets_elsewhere): its tags name that tenant, or its tags are not
 * known (not read this time, or none) and its name is that tenant's. */
static bool left_elsewhere(const struct listing *l, const char *name, const struct aws_tags *tags)
{
	const char *tenant = hashmap_get(&l->elsewhere, name);

	if (!tenant)
		return false;
	for (size_t i = 0; tags && i < tags->n; i++)
		if (!strcmp(tags->items[i].key, TAG_TENANT))
			return !strcmp(tags->items[i].value, tenant);
	return true;
}

static void free_kept(void *v)
{
	tag_set_release(v);
	free(v);
}

/* keep: the tags of the place's model, as they were when the listing's answer came. */
static void keep(struct hashmap *kept, const char *name, const struct tag_set *tags)
{
	struct tag_set *t = xmalloc(sizeof(*t));

	tag_set_copy(t, tags);
	t = hashmap_put(kept, name, t);
	if (t)
		free_kept(t);
}

/* take_kept: the tags kept for name moved into dst (initialised, empty) and forgotten
 * from kept; false when none. */
static bool take_kept(struct hashmap *kept, const char *name, struct tag_set *dst)
{
	struct tag_set *t = hashmap_remove(kept, name);

	if (!t)
		return false;
	tag_set_release(dst);
	*dst = *t;
	free(t);
	return true;
}

/* All three listings are in: build the snapshot (touches nothing but l: it may run in
 * the thread pool), and free the listing's answers. A resource a listing gave twice
 * (AWS's pages may repeat an entry that changed while they were read) is taken once,
 * as its first page showed it: a second copy would take the first one's tags, or its
 * kept tags, for its own. */
static void listing_build(struct listing *l)
{
	struct observed_store *s = xcalloc(1, sizeof(*s));
	const struct cloud_aws__account_read *a = l->acct;
	/* the account's budgets, unless their read failed (observed_store.budgets_error) */
	bool budgets = a->with_budgets && !a->budgets_error;

	l->snapshot = s;
	observed_store_init(s);
	if (l->status == 0) {
		struct hashmap tags;

		hashmap_init(&tags); /* ARN or parameter name -> struct aws_tags * (borrowed) */
		for (size_t i = 0; i < l->tagged.n; i++) {
			char *name = parameter_name_of_arn(l->tagged.items[i].arn);
			hashmap_put(&tags, name ? name : l->tagged.items[i].arn, &l->tagged.items[i].tags);
			free(name);
		}
		for (size_t i = 0; budgets && i < a->budget_tags.n; i++)
			hashmap_put(&tags, a->budget_tags.items[i].arn, &a->budget_tags.items[i].tags);
		for (size_t i = 0; i < l->profiles.n; i++) {
			struct observed_profile *p;
			const struct aws_tags *t;
			if (observed_store_profile(s, l->profiles.items[i].arn))
				continue;
			p = profile_from_aws(s, &l->profiles.items[i]);
			t = hashmap_get(&tags, p->arn);
			p->listed = true;
			if (t) {
				cloud_aws__tags_from_aws(&p->tags, t);
				p->tags_known = true;
			}
			observed_store_put_profile(s, p);
		}
		for (size_t i = 0; budgets && i < a->budgets.n; i++) {
			const struct budgets_budget *bb = &a->budgets.items[i];
			char *arn;
			struct observed_budget *b;
			const struct aws_tags *t;
			if (observed_store_budget(s, bb->name))
				continue;
			arn = budget_arn(region_partition(l->region), l->account_id, bb->name);
			t = hashmap_get(&tags, arn);
			if (left_elsewhere(l, bb->name, t)) {
				free(arn);
				s->budgets_elsewhere++;
				continue;
			}
			/* in the snapshot's arena, its constant strings interned (observed.h); its
			 * ARN not kept: the one every budget of the account has (budget_arn) */
			b = observed_store_new_budget(s, bb->name);
			free(arn);
			observed_budget_set(s, b, bb->limit_amount, bb->limit_unit, bb->time_unit, bb->budget_type,
					    bb->filter_expression, bb->metrics.n ? bb->metrics.items[0] : NULL,
					    bb->actual_spend, bb->forecasted_spend);
			b->cost_filters = bb->n_cost_filters > 0;
			if (t) {
				cloud_aws__tags_from_aws(&b->tags, t);
				b->tags_known = true;
			} else if (!a->budget_tags_read) {
				b->tags_known = take_kept(&l->kept_budgets, bb->name, &b->tags);
			}
			b->listed = true;
			observed_store_put_budget(s, b);
		}
		s->budgets_listed = budgets;
		s->budgets_error = xstrdup_or_null(a->budgets_error);
		if (budgets)
			cloud_aws__build_enforce(s, &a->enforce); /* into the budgets just built */
		if (a->roles_read)
			build_roles(s, &a->roles, &l->policies_elsewhere);
		s->policies_failed = a->roles_failed;
		for (size_t i = 0; i < l->params.n; i++) {
			const struct ssm_parameter *sp = &l->params.items[i];
			struct observed_parameter *q;
			const struct aws_tags *t;
			if (observed_store_parameter(s, sp->name))
				continue;
			q = observed_store_new_parameter(s, sp->name, sp->value);
			t = hashmap_get(&tags, sp->name);
			q->version = observed_parameter_version(sp->version);
			q->modified_ms = sp->last_modified_ms;
			tag_set_init(&q->tags);
			if (t) {
				cloud_aws__tags_from_aws(&q->tags, t);
				q->tags_known = true;
			} else if (l->keep_param_tags) {
				q->tags_known = take_kept(&l->kept, sp->name, &q->tags);
			}
			observed_store_put_parameter(s, q);
		}
		hashmap_release(&tags, NULL);
	}
	hashmap_release(&l->kept, free_kept);
	hashmap_release(&l->kept_budgets, free_kept);
	hashmap_release(&l->elsewhere, free);
	hashmap_release(&l->policies_elsewhere, free);
	bedrock_profile_list_release(&l->profiles);
	tagging_resource_list_release(&l->tagged);
	ssm_parameter_list_release(&l->params);
}

/* The snapshot is handed over (unless the caller went away meanwhile) and freed. */
static void listing_deliver(struct listing *l)
{
	if (l->cb)
		l->cb(l->status, l->status < 0 ? &l->err : NULL, l->snapshot, l->data);
	cloud_aws__account_unref(l->acct);
	observed_store_release(l->snapshot);
	free(l->snapshot);
	free(l->region);
	free(l->account);
	free(l->account_id);
	free(l->param_prefix);
	free(l);
}

static void build_in_pool(uv_work_t *req)
{
	listing_build(req->data);
}

static void build_done(uv_work_t *req, int status)
{
	struct listing *l = req->data;
	struct cloud_aws *c = l->c;

	(void)status; /* never cancelled: the work is queued only with its callback */
	*(l->prev ? &l->prev->next : &c->building) = l->next;
	if (l->next)
		l->next->prev = l->prev;
	listing_deliver(l);
}

/* A complete listing of 10,000 tenants takes 50-170 ms to turn into a snapshot: with a
 * loop, that is done in its thread pool, so the loop (and the control socket) does not
 * wait for it. */
static void listing_finish(struct listing *l)
{
	struct cloud_aws *c = l->c;

	if (!c->loop || l->status < 0) {
		listing_build(l);
		listing_deliver(l);
		return;
	}
	l->next = c->building;
	l->prev = NULL;
	if (l->next)
		l->next->prev = l;
	c->building = l;
	l->work.data = l;
	uv_queue_work(c->loop, &l->work, build_in_pool, build_done);
}

void cloud_aws_orphan(struct cloud_aws *c)
{
	for (struct listing *l = c->building; l; l = l->next)
		l->cb = NULL;
}

static void listing_step_done(struct listing *l)
{
	if (--l->pending == 0)
		listing_finish(l);
}

static void on_profiles(void *arg, int status, const struct aws_error *err, const struct bedrock_profile_list *list)
{
	struct listing *l = arg;

	if (status < 0) {
		listing_fail(l, status, err, "ListInferenceProfiles");
	} else {
		/* move the items: the list is borrowed, its strings are copied */
		for (size_t i = 0; i < list->n; i++) {
			struct bedrock_profile *bp;
			XGROW(l->profiles.items, l->profiles.n + 1, l->profiles.alloc);
			bp = &l->profiles.items[l->profiles.n++];
			memset(bp, 0, sizeof(*bp));
			bp->name = xstrdup_or_null(list->items[i].name);
			bp->description = xstrdup_or_null(list->items[i].description);
			bp->arn = xstrdup(list->items[i].arn);
			bp->id = xstrdup_or_null(list->items[i].id);
			aws_strv_init(&bp->models);
			for (size_t k = 0; k < list->items[i].models.n; k++)
				aws_strv_add(&bp->models, list->items[i].models.items[k]);
			bp->created_ms = list->items[i].created_ms;
		}
	}
	listing_step_done(l);
}

static void on_tagged(void *arg, int status, const struct aws_error *err, const struct tagging_resource_list *list)
{
	struct listing *l = arg;

	if (status < 0) {
		listing_fail(l, status, err, "GetResources");
	} else {
		for (size_t i = 0; i < list->n; i++) {
			struct tagging_resource *r;
			XGROW(l->tagged.items, l->tagged.n + 1, l->tagged.alloc);
			r = &l->tagged.items[l->tagged.n++];
			r->arn = xstrdup(list->items[i].arn);
			aws_tags_init(&r->tags);
			for (size_t k = 0; k < list->items[i].tags.n; k++)
				aws_tags_add(&r->tags, list->items[i].tags.items[k].key,
					     list->items[i].tags.items[k].value);
		}
	}
	listing_step_done(l);
}

static void params_add(struct listing *l, const char *name, const char *value, int64_t version, int64_t modified_ms)
{
	struct ssm_parameter *q;

	XGROW(l->params.items, l->params.n + 1, l->params.alloc);
	q = &l->params.items[l->params.n++];
	memset(q, 0, sizeof(*q));
	q->name = xstrdup(name);
	q->value = xstrdup_or_null(value);
	q->version = version;
	q->last_modified_ms = modified_ms;
}

/* How far AWS's date of the daemon's own write may be from when its answer came. */
#define OWN_WRITE_SLACK_MS 5000

/* same_write: the parameter listed at version and modified_ms is the one the model
 * holds as seen, not one deleted and made again (version 1 again): the same date, or,
 * seen being the daemon's own write, a date within moments of its answer. A
 * parameter made again by hand right after the daemon wrote it would still have a
 * date after the answer came; one made again within OWN_WRITE_SLACK_MS is taken for
 * the daemon's own. */
static bool same_write(const struct observed_parameter *seen, int64_t version, int64_t modified_ms)
{
	if (seen->version != observed_parameter_version(version))
		return false;
	if (seen->modified_ms < 0)
		return modified_ms + seen->modified_ms <= OWN_WRITE_SLACK_MS &&
		       -seen->modified_ms - modified_ms <= OWN_WRITE_SLACK_MS;
	return !seen->modified_ms || seen->modified_ms == modified_ms;
}

/* Tags not read this time: the model's, unless the parameter was made again (its
 * version went back, or the same version is another write); an overwrite keeps tags. */
static void keep_param_tags(struct listing *l, const struct observed_parameter *seen, int64_t version,
			    int64_t modified_ms)
{
	if (l->keep_param_tags && seen && seen->tags_known &&
	    (seen->version < observed_parameter_version(version) || same_write(seen, version, modified_ms)))
		keep(&l->kept, seen->name, &seen->tags);
}

static void on_params(void *arg, int status, const struct aws_error *err, const struct ssm_parameter_list *list)
{
	struct listing *l = arg;

	if (status < 0 && !cloud_aws__code_is(err, "ParameterNotFound")) {
		listing_fail(l, status, err, "GetParametersByPath");
	} else if (status == 0) {
		for (size_t i = 0; i < list->n; i++) {
			const struct ssm_parameter *sp = &list->items[i];
			keep_param_tags(l, l->seen ? observed_store_parameter(l->seen, sp->name) : NULL, sp->version,
					sp->last_modified_ms);
			params_add(l, sp->name, sp->value, sp->version, sp->last_modified_ms);
		}
	}
	listing_step_done(l);
}

/* The values of the parameters that changed: GetParameters, SSM_BATCH_MAX names a
 * call. A name gone meanwhile is simply not there. */
static void on_param_values(void *arg, int status, const struct aws_error *err,
			    const struct ssm_get_parameters_result *res)
{
	struct listing *l = arg;

	if (status < 0) {
		listing_fail(l, status, err, "GetParameters");
	} else {
		for (size_t i = 0; i < res->parameters.n; i++)
			params_add(l, res->parameters.items[i].name, res->parameters.items[i].value,
				   res->parameters.items[i].version, res->parameters.items[i].last_modified_ms);
	}
	listing_step_done(l);
}

/* GetParameters of batch[0..n) (changed parameters of a DescribeParameters listing). */
static void read_values(struct listing *l, const char **batch, size_t n)
{
	int r;

	if (!n)
		return;
	r = ssm_get_parameters(l->c->client, &l->target, batch, n, on_param_values, l);
	if (r < 0)
		listing_fail(l, r, NULL, "GetParameters could not be sent");
	else
		l->pending++;
}

/* DescribeParameters (50 a page, no values): a parameter whose Version is the one the
 * place's model holds keeps that model's value; the others are read, SSM_BATCH_MAX a
 * call, the last batch however it ends. */
static void on_param_metas(void *arg, int status, const struct aws_error *err,
			   const struct ssm_parameter_meta_list *list)
{
	struct listing *l = arg;
	const char *batch[SSM_BATCH_MAX];
	size_t n = 0;

	if (status < 0 && cloud_aws__code_is(err, "AccessDeniedException")) {
		/* DescribeParameters needs a grant on "*": without it, values and versions
		 * come from GetParametersByPath as before (10 a page) */
		int r = ssm_get_parameters_by_path(l->c->client, &l->target, l->param_prefix, true, on_params, l);
		if (r < 0) {
			listing_fail(l, r, NULL, "GetParametersByPath could not be sent");
			listing_step_done(l);
		}
		return;
	}
	if (status < 0 && !cloud_aws__code_is(err, "ParameterNotFound")) {
		listing_fail(l, status, err, "DescribeParameters");
		listing_step_done(l);
		return;
	}
	for (size_t i = 0; status == 0 && i < list->n && l->status == 0; i++) {
		const struct ssm_parameter_meta *m = &list->items[i];
		const struct observed_parameter *seen = l->seen ? observed_store_parameter(l->seen, m->name) : NULL;
		/* a parameter deleted and made again starts at version 1 again: the date
		 * tells it apart */
		keep_param_tags(l, seen, m->version, m->last_modified_ms);
		if (seen && seen->value && same_write(seen, m->version, m->last_modified_ms)) {
			params_add(l, m->name, seen->value, m->version, m->last_modified_ms);
			continue;
		}
		batch[n++] = m->name;
		if (n == SSM_BATCH_MAX) {
			read_values(l, batch, n);
			n = 0;
		}
	}
	if (l->status == 0)
		read_values(l, batch, n);
	listing_step_done(l);
}

/* The account's part is in: its failure (no call could be sent) is the listing's; a
 * Budgets read that failed leaves only the budgets out (listing_build). */
static void account_done(void *arg)
{
	struct listing *l = arg;
	const struct cloud_aws__account_read *a = l->acct;

	if (a->status < 0 && l->status == 0) {
		l->status = a->status;
		l->err = a->err;
	}
	/* the budgets' tags not read: those the place's model holds (a budget has no
	 * version; one deleted and made again by hand keeps the tags seen before until
	 * its tags are read) */
	for (size_t i = 0; !a->budget_tags_read && l->seen && i < a->budgets.n; i++) {
		const struct observed_budget *b = observed_store_budget(l->seen, a->budgets.items[i].name);
		if (b && b->tags_known)
			keep(&l->kept_budgets, b->name, &b->tags);
	}
	listing_step_done(l);
}

/* dst (made here): a copy of src (NULL: empty), its keys and values owned. */
static void copy_elsewhere(struct hashmap *dst, const struct hashmap *src)
{
	const char *key;
	size_t pos = 0;
	void *tenant;

	hashmap_init(dst);
	while (src && hashmap_next(src, &pos, &key, &tenant))
		hashmap_put(dst, key, xstrdup(tenant));
}

static int aws_list(void *ctx, const struct place *p, const char *param_prefix, const char *instance, cloud_list_cb cb,
		    void *data)
{
	/* the budgets' tags are the account's part (cloud_aws_account.c) */
	static const char *const types[] = { TAGGING_PROFILE_TYPE, "ssm:parameter" };
	struct cloud_aws *c = ctx;
	struct listing *l = xcalloc(1, sizeof(*l));
	struct tagging_filter filter = { TAG_MANAGED_BY, NULL, 0 };
	struct tagging_get_resources_input in = { &filter, 1, types, 2 };
	int r;

	l->c = c;
	l->cb = cb;
	l->data = data;
	l->region = xstrdup_or_null(p->region);
	l->account = cloud_aws__target_account(c, p->account);
	l->target = (struct aws_target){ .account = l->account, .region = l->region };
	l->account_id = xstrdup_or_null(p->account_id);
	l->seen = p->seen;
	l->param_prefix = xstrdup(param_prefix);
	l->keep_param_tags = p->keep_param_tags && p->seen;
	if (l->keep_param_tags)
		in.n_types = 1; /* the profiles' tags only */
	hashmap_init(&l->kept);
	hashmap_init(&l->kept_budgets);
	copy_elsewhere(&l->elsewhere, p->budgets_elsewhere);
	copy_elsewhere(&l->policies_elsewhere, p->policies_elsewhere);
	l->pending = 1; /* held while the calls are sent */
	(void)instance;
	r = bedrock_list_inference_profiles(c->client, &l->target, "APPLICATION", on_profiles, l);
	if (r == 0)
		l->pending++;
	if (r == 0 && (r = tagging_get_resources(c->client, &l->target, &in, on_tagged, l)) == 0)
		l->pending++;
	if (r == 0 && (r = ssm_describe_parameters(c->client, &l->target, param_prefix, true, on_param_metas, l)) == 0)
		l->pending++;
	if (r == 0 && (r = cloud_aws__account_join(c, p, account_done, l, &l->acct)) == 0)
		l->pending++;
	if (r < 0) {
		if (l->pending == 1) {
			hashmap_release(&l->kept, NULL);
			hashmap_release(&l->kept_budgets, NULL);
			hashmap_release(&l->elsewhere, free);
			hashmap_release(&l->policies_elsewhere, free);
			free(l->region);
			free(l->account);
			free(l->account_id);
			free(l->param_prefix);
			free(l);
			return r;
		}
		listing_fail(l, r, NULL, "a listing call could not be sent");
	}
	listing_step_done(l);
	return 0;
}

/* ---- one action ---- */

void cloud_aws__applying_free(struct applying *x)
{
	free(x->account_id);
	free(x->region);
	free(x->account);
	free(x->a.resource);
	free(x->a.name);
	free(x->a.value);
	tag_set_release(&x->a.tags);
	tag_set_release(&x->tags);
	aws_strv_release(&x->names);
	observed_profile_free(x->res.profile);
	observed_parameter_free(x->res.parameter);
	observed_budget_free(x->res.budget);
	observed_policy_free(x->res.policy);
	for (size_t i = 0; i < x->a.n_keys; i++)
		free(x->a.keys[i]);
	free(x->a.keys);
	free(x);
}

void cloud_aws__stamp_request_id(struct applying *x)
{
	const char *id = x->c->client ? aws_client_request_id(x->c->client) : "";

	snprintf(x->res.request_id, sizeof(x->res.request_id), "%s", id);
}

/* The audit trail's request id: the mutating call's when a step stamped it, else the
 * action's last answer's. */
static void stamp_request_id(struct applying *x)
{
	if (!x->res.request_id[0])
		cloud_aws__stamp_request_id(x);
}

void cloud_aws__finish(struct applying *x, int status, const struct aws_error *err)
{
	stamp_request_id(x);
	if (status < 0)
		cloud_error_from_aws(&x->err, status, err);
	else
		x->res.answered_ms = aws_client_aws_time_ms(x->c->client);
	x->cb(status, status < 0 ? &x->err : NULL, &x->res, x->data);
	cloud_aws__applying_free(x);
}

void cloud_aws__gone(struct applying *x)
{
	x->res.gone = true;
	stamp_request_id(x);
	x->cb(-ENOENT, NULL, &x->res, x->data);
	cloud_aws__applying_free(x);
}

void cloud_aws__read_failed(struct applying *x, int status, const struct aws_error *err, const char *not_found,
			    const char *also_not_found)
{
	if (cloud_aws__code_is(err, not_found) || (also_not_found && cloud_aws__code_is(err, also_not_found)))
		cloud_aws__gone(x);
	else
		cloud_aws__finish(x, status, err);
}

/* Every answer that only says "done". */
void cloud_aws__on_done(void *arg, int status, const struct aws_error *err)
{
	struct applying *x = arg;
	enum action_kind k = x->a.kind;
	bool removal = k == ACT_PROFILE_DELETE || k == ACT_PARAM_DELETE || k == ACT_BUDGET_DELETE ||
		       k == ACT_POLICY_DELETE || k == ACT_NOTIFICATION_DELETE || k == ACT_SUBSCRIBER_DELETE;

	if (status < 0 && removal &&
	    (cloud_aws__code_is(err, "ResourceNotFoundException") || cloud_aws__code_is(err, "ParameterNotFound") ||
	     cloud_aws__code_is(err, "NotFoundException") || cloud_aws__code_is(err, "NoSuchEntity"))) {
		cloud_aws__gone(x);
		return;
	}
	cloud_aws__finish(x, status, err);
}

/* Create: the new profile is read back for its models[]. If that read fails (Get
 * lags behind Create in AWS) the profile is described from the create itself with
 * its models unknown: never guessed, since a role policy is derived from them. */
static void on_created_profile(void *arg, int status, const struct aws_error *err, const struct bedrock_profile *bp)
{
	struct applying *x = arg;

	(void)err;
	if (status == 0)
		x->res.profile = profile_from_aws(NULL, bp);
	if (!x->res.profile) {
		x->res.profile = xcalloc(1, sizeof(*x->res.profile));
		x->res.profile->arn = xstrdup(x->a.resource);
		x->res.profile->name = xstrdup(x->a.name);
		x->res.profile->models_unknown = true;
		tag_set_init(&x->res.profile->tags);
	}
	tag_set_release(&x->res.profile->tags);
	tag_set_copy(&x->res.profile->tags, &x->a.tags);
	x->res.profile->tags_known = true;
	cloud_aws__finish(x, 0, NULL);
}

static void on_create(void *arg, int status, const struct aws_error *err, const struct bedrock_create_result *res)
{
	struct applying *x = arg;

	if (status < 0) {
		cloud_aws__finish(x, status, err);
		return;
	}
	x->a.resource = xstrdup(res->arn);
	cloud_aws__stamp_request_id(x); /* the create's, not the read-back's */
	if (bedrock_get_inference_profile(x->c->client, &x->target, res->arn, on_created_profile, x) < 0)
		on_created_profile(x, -EIO, NULL, NULL);
}

/* Profile read: Get, then its tags. */
static void on_read_profile_tags(void *arg, int status, const struct aws_error *err, const struct aws_tags *tags)
{
	struct applying *x = arg;

	if (status < 0) {
		cloud_aws__read_failed(x, status, err, "ResourceNotFoundException", NULL);
		return;
	}
	cloud_aws__tags_from_aws(&x->res.profile->tags, tags);
	x->res.profile->tags_known = true;
	cloud_aws__finish(x, 0, NULL);
}

static void on_read_profile(void *arg, int status, const struct aws_error *err, const struct bedrock_profile *bp)
{
	struct applying *x = arg;
	int r;

	if (status < 0) {
		cloud_aws__read_failed(x, status, err, "ResourceNotFoundException", NULL);
		return;
	}
	x->res.profile = profile_from_aws(NULL, bp);
	r = bedrock_list_tags_for_resource(x->c->client, &x->target, x->a.resource, on_read_profile_tags, x);
	if (r < 0)
		cloud_aws__finish(x, r, NULL);
}

/* Parameter read: Get, then its tags. */
static void on_read_param_tags(void *arg, int status, const struct aws_error *err, const struct aws_tags *tags)
{
	struct applying *x = arg;

	if (status < 0) {
		cloud_aws__read_failed(x, status, err, "ParameterNotFound", "InvalidResourceId");
		return;
	}
	cloud_aws__tags_from_aws(&x->res.parameter->tags, tags);
	x->res.parameter->tags_known = true;
	cloud_aws__finish(x, 0, NULL);
}

static void on_read_param(void *arg, int status, const struct aws_error *err, const struct ssm_parameter *p)
{
	struct applying *x = arg;
	int r;

	if (status < 0) {
		cloud_aws__read_failed(x, status, err, "ParameterNotFound", NULL);
		return;
	}
	x->res.parameter = xcalloc(1, sizeof(*x->res.parameter));
	x->res.parameter->name = xstrdup(p->name);
	x->res.parameter->value = xstrdup_or_null(p->value);
	x->res.parameter->version = observed_parameter_version(p->version);
	tag_set_init(&x->res.parameter->tags);
	r = ssm_list_tags_for_resource(x->c->client, &x->target, x->a.resource, on_read_param_tags, x);
	if (r < 0)
		cloud_aws__finish(x, r, NULL);
}

/* The Tier an overwrite sends: the place's, except Standard, which is not sent so that
 * an Advanced parameter keeps its tier (SSM refuses to move one back to Standard). */
static const char *overwrite_tier(const char *tier)
{
	return tier && strcmp(tier, "Standard") != 0 ? tier : NULL;
}

/* A parameter create that found the name taken (a listing that lagged, a lost
 * answer): overwrite it only when it is ours. */
static void on_put_tags_added(void *arg, int status, const struct aws_error *err)
{
	cloud_aws__finish(arg, status, err);
}

static void on_overwritten(void *arg, int status, const struct aws_error *err, const struct ssm_put_result *res)
{
	struct applying *x = arg;
	struct aws_tag *tags;
	int r;

	if (status < 0) {
		cloud_aws__finish(x, status, err);
		return;
	}
	tags = cloud_aws__aws_tags(&x->a.tags);
	r = ssm_add_tags_to_resource(x->c->client, &x->target, x->a.resource, tags, x->a.tags.n, on_put_tags_added, x);
	free(tags);
	if (r < 0)
		cloud_aws__finish(x, r, NULL);
}

static void on_existing_tags(void *arg, int status, const struct aws_error *err, const struct aws_tags *tags)
{
	struct applying *x = arg;
	struct ssm_put_input in = {
		.name = x->a.resource,
		.value = x->a.value,
		.type = "String",
		.tier = overwrite_tier(x->tier),
		.overwrite = true,
	};
	const char *owner = status == 0 ? aws_tags_get(tags, TAG_MANAGED_BY) : NULL;
	int r;

	if (status < 0) {
		cloud_aws__finish(x, status, err);
		return;
	}
	if (!owner || strcmp(owner, x->c->instance) != 0) {
		cloud_error_set(&x->err, 400, ERROR_TERMINAL, "ParameterAlreadyExists",
				"%s exists and is not managed by %s", x->a.resource, x->c->instance);
		x->cb(-EEXIST, &x->err, &x->res, x->data);
		cloud_aws__applying_free(x);
		return;
	}
	r = ssm_put_parameter(x->c->client, &x->target, &in, on_overwritten, x);
	if (r < 0)
		cloud_aws__finish(x, r, NULL);
}

static void on_put(void *arg, int status, const struct aws_error *err, const struct ssm_put_result *res)
{
	struct applying *x = arg;
	int r;

	if (status < 0 && x->a.kind == ACT_PARAM_CREATE && cloud_aws__code_is(err, "ParameterAlreadyExists")) {
		r = ssm_list_tags_for_resource(x->c->client, &x->target, x->a.resource, on_existing_tags, x);
		if (r < 0)
			cloud_aws__finish(x, r, NULL);
		return;
	}
	if (status == 0 && x->a.kind == ACT_PARAM_UPDATE && res && res->version == 1 && x->a.tags.n) {
		/* the overwrite made the parameter (it was deleted meanwhile), without tags:
		 * it is given its tags, or it would be nobody's */
		struct aws_tag *tags = cloud_aws__aws_tags(&x->a.tags);
		r = ssm_add_tags_to_resource(x->c->client, &x->target, x->a.resource, tags, x->a.tags.n,
					     on_put_tags_added, x);
		free(tags);
		if (r < 0)
			cloud_aws__finish(x, r, NULL);
		return;
	}
	cloud_aws__finish(x, status, err);
}

static int aws_apply(void *ctx, const struct place *p, const struct action *a, bool priority, uint64_t order,
		     cloud_apply_cb cb, void *data)
{
	struct cloud_aws *c = ctx;
	struct applying *x = xcalloc(1, sizeof(*x));
	struct aws_tag *tags = cloud_aws__aws_tags(&a->tags);
	int r = -EINVAL;

	x->c = c;
	x->cb = cb;
	x->data = data;
	x->region = xstrdup_or_null(p->region);
	x->tier = p->ssm_tier;
	x->account = cloud_aws__target_account(c, p->account);
	x->target = (struct aws_target){
		.account = x->account, .region = x->region, .priority = priority, .order = order
	};
	x->act = a;
	x->account_id = xstrdup_or_null(p->account_id);
	x->a.kind = a->kind;
	x->a.resource = xstrdup_or_null(a->resource);
	x->a.name = xstrdup_or_null(a->name);
	x->a.value = xstrdup_or_null(a->kind == ACT_PROFILE_CREATE ? a->model_arn : a->value);
	tag_set_copy(&x->a.tags, &a->tags);
	tag_set_init(&x->tags);

	switch (a->kind) {
	case ACT_PROFILE_CREATE: {
		struct bedrock_create_input in = { a->name, a->description, a->model_arn, a->token, tags, a->tags.n };
		r = bedrock_create_inference_profile(c->client, &x->target, &in, on_create, x);
		break;
	}
	case ACT_PROFILE_TAG:
		r = bedrock_tag_resource(c->client, &x->target, a->resource, tags, a->tags.n, cloud_aws__on_done, x);
		break;
	case ACT_PROFILE_UNTAG:
		r = bedrock_untag_resource(c->client, &x->target, a->resource, (const char *const *)a->keys, a->n_keys,
					   cloud_aws__on_done, x);
		break;
	case ACT_PROFILE_DELETE:
		r = bedrock_delete_inference_profile(c->client, &x->target, a->resource, cloud_aws__on_done, x);
		break;
	case ACT_PROFILE_READ_TAGS:
		r = bedrock_get_inference_profile(c->client, &x->target, a->resource, on_read_profile, x);
		break;
	case ACT_PARAM_CREATE:
	case ACT_PARAM_UPDATE: {
		bool create = a->kind == ACT_PARAM_CREATE;
		struct ssm_put_input in = {
			.name = a->resource,
			.value = a->value,
			.type = "String",
			.tier = create ? x->tier : overwrite_tier(x->tier),
			.overwrite = !create,
			.tags = create ? tags : NULL,
			.n_tags = create ? a->tags.n : 0,
		};
		r = ssm_put_parameter(c->client, &x->target, &in, on_put, x);
		break;
	}
	case ACT_PARAM_TAG:
		r = ssm_add_tags_to_resource(c->client, &x->target, a->resource, tags, a->tags.n, cloud_aws__on_done,
					     x);
		break;
	case ACT_PARAM_UNTAG:
		r = ssm_remove_tags_from_resource(c->client, &x->target, a->resource, (const char *const *)a->keys,
						  a->n_keys, cloud_aws__on_done, x);
		break;
	case ACT_PARAM_DELETE:
		r = ssm_delete_parameter(c->client, &x->target, a->resource, cloud_aws__on_done, x);
		break;
	case ACT_PARAM_READ_TAGS:
		r = ssm_get_parameter(c->client, &x->target, a->resource, on_read_param, x);
		break;
	case ACT_POLICY_READ:
	case ACT_POLICY_PUT:
	case ACT_POLICY_DELETE:
		r = cloud_aws__apply_policy(x);
		break;
	case ACT_DENY_POLICY_CREATE:
	case ACT_DENY_POLICY_UPDATE:
	case ACT_DENY_POLICY_DELETE:
	case ACT_DENY_POLICY_ATTACH:
	case ACT_DENY_POLICY_DETACH:
	case ACT_BUDGET_ACTION_CREATE:
	case ACT_BUDGET_ACTION_UPDATE:
	case ACT_BUDGET_ACTION_DELETE:
	case ACT_BUDGET_ACTION_EXECUTE:
		r = cloud_aws__apply_enforce(x);
		break;
	default:
		r = cloud_aws__apply_budget(x);
		break;
	}
	free(tags);
	if (r < 0)
		cloud_aws__applying_free(x);
	return r;
}

/* ---- account id ---- */

struct asking {
	cloud_account_cb cb;
	void *data;
	char *region, *account;
};

static void on_identity(void *arg, int status, const struct aws_error *err, const struct sts_caller_identity *id)
{
	struct asking *k = arg;
	struct cloud_error ce;

	if (status < 0)
		cloud_error_from_aws(&ce, status, err);
	k->cb(status, status < 0 ? &ce : NULL, status == 0 ? id->account : NULL, k->data);
	free(k->region);
	free(k->account);
	free(k);
}

static int aws_account_id(void *ctx, const struct place *p, cloud_account_cb cb, void *data)
{
	struct cloud_aws *c = ctx;
	struct asking *k = xcalloc(1, sizeof(*k));
	struct aws_target t;
	int r;

	k->cb = cb;
	k->data = data;
	k->region = xstrdup_or_null(p->region);
	k->account = cloud_aws__target_account(c, p->account);
	t = (struct aws_target){ .account = k->account, .region = k->region };
	r = sts_get_caller_identity(c->client, &t, on_identity, k);
	if (r < 0) {
		free(k->region);
		free(k->account);
		free(k);
	}
	return r;
}

/* ---- counters ---- */

#define STATUS_LIMITERS 32

static char *aws_status_json(void *ctx)
{
	struct cloud_aws *c = ctx;
	struct aws_stats st;
	struct strbuf sb;

	if (!c->client)
		return NULL;
	aws_client_stats_brief(c->client, STATUS_LIMITERS, &st);
	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_addf(&sb,
		    "{\"in_flight\":%u,\"queued\":%u,\"waiting_credentials\":%u,\"waiting_rate\":%u,"
		    "\"backing_off\":%u,\"retry_quota\":%u,\"connections_opened\":%llu,\"clock_offset_ms\":%lld,"
		    "\"services\":{",
		    st.in_flight, st.queued, st.waiting_creds, st.waiting_rate, st.backing_off, st.retry_quota,
		    (unsigned long long)st.connects, (long long)st.clock_offset_ms);
	for (int s = 0; s < AWS_SERVICE_COUNT; s++) {
		const struct aws_service_stats *v = &st.service[s];
		strbuf_addf(&sb,
			    "%s\"%s\":{\"calls\":%llu,\"requests\":%llu,\"succeeded\":%llu,\"failed\":%llu,"
			    "\"retries\":%llu,\"throttles\":%llu}",
			    s ? "," : "", aws_service_name(s), (unsigned long long)v->calls,
			    (unsigned long long)v->requests, (unsigned long long)v->succeeded,
			    (unsigned long long)v->failed, (unsigned long long)v->retries,
			    (unsigned long long)v->throttles);
	}
	/* One limiter per (account, Region, service), and one per limited operation: a
	 * thousand or more over 200 places. The status names only those of note, at most
	 * STATUS_LIMITERS, and the brief snapshot copies only those; the status is asked
	 * for often and answered on the loop. */
	strbuf_addf(&sb, "},\"rate_limiters_total\":%zu,\"rate_limiters\":[", st.n_buckets_total);
	for (size_t i = 0; i < st.n_buckets; i++) {
		const struct aws_bucket_stats *b = &st.buckets[i];
		strbuf_addf(&sb,
			    "%s{\"account\":\"%s\",\"region\":\"%s\",\"service\":\"%s\",%s%s%s\"rate\":%.3f,"
			    "\"max_rate\":%.3f,\"throttles\":%llu,\"waiting\":%u}",
			    i ? "," : "", b->account ? b->account : "", b->region ? b->region : "",
			    aws_service_name(b->service), b->operation ? "\"operation\":\"" : "",
			    b->operation ? b->operation : "", b->operation ? "\"," : "", b->rate, b->max_rate,
			    (unsigned long long)b->throttles, b->waiting);
	}
	strbuf_adds(&sb, "]}");
	aws_stats_release(&st);
	return strbuf_detach(&sb, NULL);
}

static unsigned aws_in_flight(void *ctx)
{
	struct cloud_aws *c = ctx;

	return c->client ? aws_client_in_flight(c->client) : 0;
}

static void aws_metrics(void *ctx, struct strbuf *out)
{
	struct cloud_aws *c = ctx;
	struct aws_stats st;

	if (!c->client)
		return;
	aws_client_stats(c->client, &st);
	strbuf_adds(out, "# HELP bedrock_tenantd_aws_requests_total AWS requests sent, retries included.\n"
			 "# TYPE bedrock_tenantd_aws_requests_total counter\n");
	for (int s = 0; s < AWS_SERVICE_COUNT; s++)
		strbuf_addf(out, "bedrock_tenantd_aws_requests_total{service=\"%s\"} %llu\n", aws_service_name(s),
			    (unsigned long long)st.service[s].requests);
	strbuf_adds(out, "# HELP bedrock_tenantd_aws_throttles_total Throttled AWS answers.\n"
			 "# TYPE bedrock_tenantd_aws_throttles_total counter\n");
	for (int s = 0; s < AWS_SERVICE_COUNT; s++)
		strbuf_addf(out, "bedrock_tenantd_aws_throttles_total{service=\"%s\"} %llu\n", aws_service_name(s),
			    (unsigned long long)st.service[s].throttles);
	strbuf_adds(out, "# HELP bedrock_tenantd_aws_retries_total AWS calls sent again.\n"
			 "# TYPE bedrock_tenantd_aws_retries_total counter\n");
	for (int s = 0; s < AWS_SERVICE_COUNT; s++)
		strbuf_addf(out, "bedrock_tenantd_aws_retries_total{service=\"%s\"} %llu\n", aws_service_name(s),
			    (unsigned long long)st.service[s].retries);
	strbuf_adds(out, "# HELP bedrock_tenantd_aws_rate Requests per second each rate limiter allows now.\n"
			 "# TYPE bedrock_tenantd_aws_rate gauge\n");
	for (size_t i = 0; i < st.n_buckets; i++) {
		const struct aws_bucket_stats *b = &st.buckets[i];

		/* an operation's bucket (rate_limits.<service>.operations) has its label */
		strbuf_addf(out, "bedrock_tenantd_aws_rate{account=\"%s\",region=\"%s\",service=\"%s\"%s%s%s} %.3f\n",
			    b->account ? b->account : "", b->region ? b->region : "", aws_service_name(b->service),
			    b->operation ? ",operation=\"" : "", b->operation ? b->operation : "",
			    b->operation ? "\"" : "", b->rate);
	}
	strbuf_addf(out,
		    "# HELP bedrock_tenantd_aws_in_flight AWS requests on the wire.\n"
		    "# TYPE bedrock_tenantd_aws_in_flight gauge\nbedrock_tenantd_aws_in_flight %u\n",
		    st.in_flight);
	aws_stats_release(&st);
}

const struct cloud_ops cloud_aws_ops = {
	.list = aws_list,
	.apply = aws_apply,
	.account_id = aws_account_id,
	.quota = cloud_aws__quota,
	.claim = cloud_aws__claim,
	.status_json = aws_status_json,
	.in_flight = aws_in_flight,
	.metrics = aws_metrics,
};
