/* The emulated world: accounts, their regions and every resource in them. Regional
 * state (profiles, parameters) lives in struct region; Budgets and IAM are global
 * and live on struct account. Regions are created, and seeded with the
 * system-defined inference profiles, on first use. */
#include "awsim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void profile_free(void *v)
{
	struct profile *p = v;

	if (!p)
		return;
	free(p->id);
	free(p->arn);
	free(p->name);
	free(p->description);
	free(p->source);
	for (size_t i = 0; i < p->n_models; i++)
		free(p->models[i]);
	free(p->models);
	tagset_release(&p->tags);
	free(p);
}

void parameter_free(void *v)
{
	struct parameter *p = v;

	if (!p)
		return;
	free(p->name);
	free(p->arn);
	free(p->type);
	free(p->value);
	free(p->description);
	free(p->key_id);
	free(p->allowed_pattern);
	free(p->data_type);
	free(p->tier);
	tagset_release(&p->tags);
	free(p);
}

void budget_free(void *v)
{
	struct budget *b = v;

	if (!b)
		return;
	free(b->name);
	free(b->arn);
	cJSON_Delete(b->doc);
	for (size_t i = 0; i < b->n_notes; i++) {
		cJSON_Delete(b->notes[i].notification);
		cJSON_Delete(b->notes[i].subscribers);
	}
	free(b->notes);
	tagset_release(&b->tags);
	free(b);
}

void budget_set_arn(struct budget *b, const char *account)
{
	free(b->arn);
	b->arn = xasprintf("arn:aws:budgets::%s:budget/%s", account, b->name);
}

void role_free(void *v)
{
	struct role *r = v;

	if (!r)
		return;
	free(r->name);
	free(r->path);
	free(r->id);
	free(r->arn);
	free(r->trust);
	free(r->description);
	omap_clear(&r->policies, free);
	tagset_release(&r->tags);
	free(r);
}

void credential_free(void *v)
{
	struct credential *c = v;

	if (!c)
		return;
	free(c->akid);
	free(c->secret);
	free(c->token);
	free(c->account);
	free(c->arn);
	free(c->user_id);
	free(c->source);
	free(c);
}

static void region_free(void *v)
{
	struct region *r = v;

	omap_clear(&r->profile_names, NULL);
	omap_clear(&r->profiles, profile_free);
	omap_clear(&r->system_profiles, profile_free);
	omap_clear(&r->tokens, free);
	omap_clear(&r->params, parameter_free);
	free(r->name);
	free(r);
}

static void account_free(void *v)
{
	struct account *a = v;

	omap_clear(&a->regions, region_free);
	omap_clear(&a->budgets, budget_free);
	omap_clear(&a->roles, role_free);
	free(a->id);
	free(a);
}

static int copy_part(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		return -EINVAL;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

int arn_split(const char *s, struct arn *ret)
{
	char *parts[5] = { ret->partition, ret->service, ret->region, ret->account, NULL };
	size_t sizes[4] = { sizeof(ret->partition), sizeof(ret->service), sizeof(ret->region), sizeof(ret->account) };
	const char *p, *slash;

	if (strncmp(s, "arn:", 4) != 0)
		return -EINVAL;
	p = s + 4;
	for (int i = 0; i < 4; i++) {
		const char *colon = strchr(p, ':');
		if (!colon || copy_part(parts[i], sizes[i], p, (size_t)(colon - p)) < 0)
			return -EINVAL;
		p = colon + 1;
	}
	slash = strchr(p, '/');
	if (!slash || slash == p || !slash[1] || copy_part(ret->type, sizeof(ret->type), p, (size_t)(slash - p)) < 0)
		return -EINVAL;
	ret->id = slash + 1;
	return 0;
}

struct account *state_account(struct awsim *sim, const char *id)
{
	struct account *a = omap_get(&sim->accounts, id);

	if (a)
		return a;
	a = xcalloc(1, sizeof(*a));
	a->id = xstrdup(id);
	omap_init(&a->regions);
	omap_init(&a->budgets);
	omap_init(&a->roles);
	omap_put(&sim->accounts, id, a);
	return a;
}

struct region *state_region(struct awsim *sim, struct account *acct, const char *name)
{
	struct region *r = omap_get(&acct->regions, name);

	if (r)
		return r;
	r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(name);
	omap_init(&r->profiles);
	omap_init(&r->profile_names);
	omap_init(&r->tokens);
	omap_init(&r->system_profiles);
	omap_init(&r->params);
	omap_put(&acct->regions, name, r);
	catalog_seed_region(sim, acct, r);
	return r;
}

void state_free_accounts(struct omap *accounts)
{
	omap_clear(accounts, account_free);
}

void state_reset(struct awsim *sim)
{
	omap_clear(&sim->accounts, account_free);
	state_account(sim, sim->cfg.account);
	usage_reset(sim);
}
