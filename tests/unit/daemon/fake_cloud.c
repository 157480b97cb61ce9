#include "fake_cloud.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "observed_apply.h"
#include "xalloc.h"

struct answer {
	uv_timer_t timer;
	struct fake_cloud *c;
	int status;
	struct cloud_error err;
	struct cloud_result res;
	struct observed_store *snapshot;
	cloud_apply_cb apply_cb;
	cloud_list_cb list_cb;
	struct fake_list_flight *flight; /* a listing's, until its answer */
	cloud_account_cb account_cb;
	cloud_claim_cb claim_cb;
	char *claim; /* the claim's text answered (owned) */
	void *data;
};

static void answer_closed(uv_handle_t *h)
{
	struct answer *a = h->data;

	if (a->snapshot) {
		observed_store_release(a->snapshot);
		free(a->snapshot);
	}
	observed_profile_free(a->res.profile);
	observed_parameter_free(a->res.parameter);
	free(a->claim);
	free(a);
}

static void deliver(uv_timer_t *t)
{
	struct answer *a = t->data;
	const struct cloud_error *err = a->status < 0 ? &a->err : NULL;

	a->c->pending--;
	if (a->flight) {
		a->flight->place = NULL;
		a->c->lists_in_flight--;
	}
	if (a->apply_cb)
		a->apply_cb(a->status, err, &a->res, a->data);
	else if (a->list_cb)
		a->list_cb(a->status, err, a->snapshot, a->data);
	else if (a->claim_cb)
		a->claim_cb(a->status, err, a->claim, a->data);
	else
		a->account_cb(a->status, err, "111122223333", a->data);
	uv_close((uv_handle_t *)&a->timer, answer_closed);
}

static struct answer *answer_new(struct fake_cloud *c, void *data)
{
	struct answer *a = xcalloc(1, sizeof(*a));

	a->c = c;
	a->data = data;
	uv_timer_init(c->loop, &a->timer);
	a->timer.data = a;
	return a;
}

static void send_answer_after(struct answer *a, uint64_t ms)
{
	a->c->pending++;
	uv_timer_start(&a->timer, deliver, ms, 0);
}

static void send_answer(struct answer *a)
{
	send_answer_after(a, 0);
}

static int fake_list(void *ctx, const struct place *p, const char *prefix, const char *instance, cloud_list_cb cb,
		     void *data)
{
	struct fake_cloud *c = ctx;
	struct answer *a = answer_new(c, data);
	size_t pos = 0;
	void *v;

	c->lists++;
	if (c->watch_account && p->account && !strcmp(p->account, c->watch_account))
		c->watch_lists++;
	a->list_cb = cb;
	for (size_t i = 0; i < sizeof(c->list_flights) / sizeof(c->list_flights[0]); i++) {
		const struct place *q = c->list_flights[i].place;

		if (q && c->list_flights[i].epoch == p->account_epoch && q->account && p->account &&
		    strcmp(q->account, p->account) == 0) {
			c->lists_joined++;
			break;
		}
	}
	for (size_t i = 0; !a->flight; i++) {
		assert(i < sizeof(c->list_flights) / sizeof(c->list_flights[0]));
		if (!c->list_flights[i].place)
			a->flight = &c->list_flights[i];
	}
	*a->flight = (struct fake_list_flight){ p, p->account_epoch };
	if (++c->lists_in_flight > c->most_lists_in_flight)
		c->most_lists_in_flight = c->lists_in_flight;
	if (c->fail_lists) {
		c->fail_lists--;
		a->status = -EIO;
		cloud_error_set(&a->err, 500, ERROR_RETRYABLE, "InternalServerException", "injected");
		send_answer(a);
		return 0;
	}
	a->snapshot = xcalloc(1, sizeof(*a->snapshot));
	observed_store_init(a->snapshot);
	a->snapshot->budgets_listed = p->account_id != NULL &&
				      !c->budgets_error; /* as the real listing: budgets need the id */
	if (p->account_id && c->budgets_error)
		a->snapshot->budgets_error = xstrdup(c->budgets_error);
	while (hashmap_next(&c->world.profiles, &pos, NULL, &v)) {
		const struct observed_profile *prof = v;
		if (c->hide_new_profiles && prof->created_at > 0)
			continue; /* created since the last settle: not listed yet */
		observed_store_put_profile(a->snapshot, observed_profile_dup(prof));
		observed_store_profile(a->snapshot, prof->arn)->listed = true;
	}
	pos = 0;
	while (hashmap_next(&c->world.parameters, &pos, NULL, &v))
		if (strncmp(((const struct observed_parameter *)v)->name, prefix, strlen(prefix)) == 0)
			observed_store_put_parameter(a->snapshot, observed_parameter_dup(v));
	if (c->list_at_once && c->lists % c->list_at_once == 0) {
		c->pending++;
		deliver(&a->timer);
		return 0;
	}
	send_answer_after(a, c->list_latency_ms);
	return 0;
}

/* Carry out act in the world; fills a's status/result. The world changes through the
 * same world-model update as the engine's view of it (observed_apply_action). */
static void carry_out(struct fake_cloud *c, const struct action *act, struct answer *a)
{
	struct observed_profile *p;
	struct observed_parameter *q;
	const char *arn;

	switch (act->kind) {
	case ACT_PROFILE_CREATE:
		arn = hashmap_get(&c->tokens, act->token);
		if (arn && (p = observed_store_profile(&c->world, arn))) {
			a->res.profile = observed_profile_dup(p); /* a replayed token: the first result */
			return;
		}
		if (arn) {
			/* Bedrock replays the first result even when that profile is gone; the
			 * read-back then finds nothing, and the models stay unknown */
			a->res.profile = xcalloc(1, sizeof(*a->res.profile));
			a->res.profile->arn = xstrdup(arn);
			a->res.profile->name = xstrdup(act->name);
			a->res.profile->models_unknown = true;
			tag_set_copy(&a->res.profile->tags, &act->tags);
			a->res.profile->tags_known = true;
			c->replayed_dead++;
			return;
		}
		if (observed_store_profile_by_name(&c->world, act->name)) {
			a->status = -EEXIST;
			cloud_error_set(&a->err, 400, ERROR_RETRYABLE, "ConflictException", "name %s exists",
					act->name);
			return;
		}
		p = xcalloc(1, sizeof(*p));
		p->arn = xasprintf("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/fake%08u",
				   ++c->next_id);
		p->name = xstrdup(act->name);
		p->model_arns = xcalloc(1, sizeof(char *));
		p->model_arns[0] = intern(act->model_arn);
		p->n_model_arns = 1;
		tag_set_copy(&p->tags, &act->tags);
		p->tags_known = true;
		p->created_at = 1; /* "new": hidden from listings until settled when asked */
		free(hashmap_put(&c->tokens, act->token, xstrdup(p->arn)));
		a->res.profile = observed_profile_dup(p);
		observed_apply_action(&c->world, NULL, act, p, NULL);
		return;
	case ACT_PROFILE_TAG:
	case ACT_PROFILE_UNTAG:
	case ACT_PROFILE_DELETE:
	case ACT_PARAM_UPDATE:
	case ACT_PARAM_TAG:
	case ACT_PARAM_UNTAG:
	case ACT_PARAM_DELETE:
		if (observed_apply_action(&c->world, NULL, act, NULL, NULL) < 0)
			break;
		return;
	case ACT_PROFILE_READ_TAGS:
		p = observed_store_profile(&c->world, act->resource);
		if (!p)
			break;
		a->res.profile = observed_profile_dup(p);
		a->res.profile->tags_known = true;
		return;
	case ACT_PARAM_CREATE:
		if (observed_store_parameter(&c->world, act->resource)) {
			a->status = -EEXIST;
			cloud_error_set(&a->err, 400, ERROR_RETRYABLE, "ParameterAlreadyExists", "%s", act->resource);
			return;
		}
		observed_apply_action(&c->world, NULL, act, NULL, NULL);
		return;
	case ACT_PARAM_READ_TAGS:
		q = observed_store_parameter(&c->world, act->resource);
		if (!q)
			break;
		a->res.parameter = observed_parameter_dup(q);
		return;
	default:
		a->status = -EINVAL;
		cloud_error_set(&a->err, 0, ERROR_TERMINAL, "Bug", "not an AWS action");
		return;
	}
	a->res.gone = true;
	a->status = -ENOENT;
	cloud_error_set(&a->err, 404, ERROR_TERMINAL, "ResourceNotFoundException", "%s not found",
			act->resource ? act->resource : "");
}

static int fake_apply(void *ctx, const struct place *p, const struct action *act, bool priority, uint64_t order,
		      cloud_apply_cb cb, void *data)
{
	struct fake_cloud *c = ctx;
	struct answer *a = answer_new(c, data);

	a->apply_cb = cb;
	c->calls[act->kind]++;
	c->priority_calls += priority;
	c->unordered_calls += order == 0;
	if (c->n_notes < sizeof(c->notes) / sizeof(c->notes[0])) {
		struct fake_apply_note *n = &c->notes[c->n_notes++];

		n->order = order;
		n->kind = act->kind;
		snprintf(n->subject, sizeof(n->subject), "%s",
			 act->kind == ACT_PROFILE_CREATE ? act->name
			 : act->resource		 ? act->resource
							 : "");
	}
	if (c->fail_next) {
		c->fail_next--;
		a->status = -EIO;
		cloud_error_set(&a->err, 400, c->fail_cls, c->fail_code ? c->fail_code : "InjectedFault", "injected");
	} else {
		carry_out(c, act, a);
		if (c->lose_next && a->status == 0) {
			/* done in the world, but the answer never arrived */
			c->lose_next--;
			observed_profile_free(a->res.profile);
			observed_parameter_free(a->res.parameter);
			memset(&a->res, 0, sizeof(a->res));
			a->status = -ECONNRESET;
			cloud_error_set(&a->err, 0, ERROR_RETRYABLE, "ConnectionReset", "the answer was lost");
		}
	}
	if (c->hold_create && !c->held && a->status == 0 && act->kind == ACT_PROFILE_CREATE &&
	    strcmp(act->name, c->hold_create) == 0) {
		c->held = a;
		return 0;
	}
	send_answer_after(a, a->status == 0 ? c->apply_latency_ms : 0);
	return 0;
}

void fake_cloud_answer_held(struct fake_cloud *c)
{
	struct answer *a = c->held;

	c->held = NULL;
	c->hold_create = NULL;
	if (a)
		send_answer(a);
}

static int fake_account(void *ctx, const struct place *p, cloud_account_cb cb, void *data)
{
	struct answer *a = answer_new(ctx, data);

	a->account_cb = cb;
	send_answer(a);
	return 0;
}

static int fake_claim(void *ctx, const struct place *p, const char *name, const char *value, cloud_claim_cb cb,
		      void *data)
{
	struct fake_cloud *c = ctx;
	struct answer *a = answer_new(ctx, data);

	assert(!p->account && !strcmp(name, "/claim"));
	a->claim_cb = cb;
	if (c->claim_fail) {
		a->status = -EACCES;
		snprintf(a->err.code, sizeof(a->err.code), "%s", c->claim_fail);
	} else if (value) {
		if (!c->claim_writes++)
			c->mutations_before_claim = fake_cloud_mutations(c);
		free(c->claim);
		c->claim = xstrdup(value);
	} else {
		c->claim_reads++;
	}
	a->claim = xstrdup_or_null(c->claim_fail ? NULL : c->claim);
	send_answer(a);
	return 0;
}

static char *fake_status(void *ctx)
{
	return xstrdup("{\"fake\":true}");
}

static unsigned fake_in_flight(void *ctx)
{
	return ((struct fake_cloud *)ctx)->pending;
}

const struct cloud_ops fake_cloud_ops = {
	.list = fake_list,
	.apply = fake_apply,
	.account_id = fake_account,
	.claim = fake_claim,
	.status_json = fake_status,
	.in_flight = fake_in_flight,
};

void fake_cloud_init(struct fake_cloud *c, uv_loop_t *loop)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	observed_store_init(&c->world);
	hashmap_init(&c->tokens);
}

void fake_cloud_release(struct fake_cloud *c)
{
	observed_store_release(&c->world);
	hashmap_release(&c->tokens, free);
	free(c->claim);
}

void fake_cloud_settle(struct fake_cloud *c)
{
	size_t pos = 0;
	void *v;

	while (hashmap_next(&c->world.profiles, &pos, NULL, &v))
		((struct observed_profile *)v)->created_at = 0;
}

size_t fake_cloud_profiles_of(const struct fake_cloud *c, const char *tenant)
{
	const struct observed_group *g = observed_store_group(&c->world, tenant);

	return g ? g->n_profiles : 0;
}

unsigned fake_cloud_mutations(const struct fake_cloud *c)
{
	unsigned n = 0;

	for (int k = 0; k < ACT__COUNT; k++)
		if (k != ACT_PROFILE_READ_TAGS && k != ACT_PARAM_READ_TAGS)
			n += c->calls[k];
	return n;
}

bool fake_cloud_parameters_consistent(const struct fake_cloud *c, const char *instance)
{
	size_t pos = 0;
	void *v;

	while (hashmap_next(&c->world.parameters, &pos, NULL, &v)) {
		const struct observed_parameter *q = v;
		if (tags_owned_by(&q->tags, instance) && !observed_store_profile(&c->world, q->value))
			return false;
	}
	return true;
}
