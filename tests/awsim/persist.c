/* The state as one JSON document: what the admin API shows and what --state saves
 * and loads. Saving is atomic (temporary file, fsync, rename, fsync of the
 * directory); loading builds the new state aside and swaps it in only when the
 * whole document is good. Seeded system profiles and the configured keys are not
 * saved: they come from the catalogue and the command line. */
#include "awsim.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

#define STATE_FORMAT "awsim-state/1"
#define STATE_MAX    (1L << 30)

/* ---- saving ---- */

static void add_tags(cJSON *o, const struct tagset *t)
{
	cJSON_AddItemToObject(o, "tags", tagset_to_json(t, "key", "value"));
	cJSON_AddBoolToObject(o, "ever_tagged", t->ever);
}

static void add_opt(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
}

static int profile_out(const char *key, void *v, void *ctx)
{
	const struct profile *p = v;
	cJSON *o = cJSON_CreateObject(), *models = cJSON_AddArrayToObject(o, "models");

	(void)key;
	cJSON_AddStringToObject(o, "id", p->id);
	cJSON_AddStringToObject(o, "arn", p->arn);
	cJSON_AddStringToObject(o, "name", p->name);
	add_opt(o, "description", p->description);
	add_opt(o, "source", p->source);
	for (size_t i = 0; i < p->n_models; i++)
		cJSON_AddItemToArray(models, cJSON_CreateString(p->models[i]));
	cJSON_AddNumberToObject(o, "created_ms", (double)p->created_ms);
	cJSON_AddNumberToObject(o, "updated_ms", (double)p->updated_ms);
	cJSON_AddNumberToObject(o, "visible_ms", (double)p->visible_ms);
	cJSON_AddNumberToObject(o, "readable_ms", (double)p->readable_ms);
	add_tags(o, &p->tags);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int param_out(const char *key, void *v, void *ctx)
{
	const struct parameter *p = v;
	cJSON *o = cJSON_CreateObject();

	(void)key;
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "arn", p->arn);
	cJSON_AddStringToObject(o, "type", p->type);
	cJSON_AddStringToObject(o, "value", p->value);
	add_opt(o, "description", p->description);
	add_opt(o, "key_id", p->key_id);
	add_opt(o, "allowed_pattern", p->allowed_pattern);
	cJSON_AddStringToObject(o, "data_type", p->data_type);
	cJSON_AddStringToObject(o, "tier", p->tier);
	cJSON_AddNumberToObject(o, "version", (double)p->version);
	cJSON_AddNumberToObject(o, "modified_ms", (double)p->modified_ms);
	add_tags(o, &p->tags);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int token_out(const char *key, void *v, void *ctx)
{
	cJSON_AddStringToObject(ctx, key, v);
	return 0;
}

static int region_out(const char *key, void *v, void *ctx)
{
	const struct region *r = v;
	cJSON *o = cJSON_CreateObject();

	(void)key;
	cJSON_AddStringToObject(o, "name", r->name);
	omap_walk(&r->profiles, profile_out, cJSON_AddArrayToObject(o, "profiles"));
	omap_walk(&r->tokens, token_out, cJSON_AddObjectToObject(o, "tokens"));
	omap_walk(&r->params, param_out, cJSON_AddArrayToObject(o, "parameters"));
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int budget_out(const char *key, void *v, void *ctx)
{
	const struct budget *b = v;
	cJSON *o = cJSON_CreateObject(), *notes = cJSON_AddArrayToObject(o, "notifications");

	(void)key;
	cJSON_AddStringToObject(o, "name", b->name);
	cJSON_AddItemToObject(o, "budget", cJSON_Duplicate(b->doc, 1));
	for (size_t i = 0; i < b->n_notes; i++) {
		cJSON *n = cJSON_CreateObject();
		cJSON_AddItemToObject(n, "notification", cJSON_Duplicate(b->notes[i].notification, 1));
		cJSON_AddItemToObject(n, "subscribers", cJSON_Duplicate(b->notes[i].subscribers, 1));
		cJSON_AddItemToArray(notes, n);
	}
	add_tags(o, &b->tags);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int role_out(const char *key, void *v, void *ctx)
{
	const struct role *r = v;
	cJSON *o = cJSON_CreateObject();

	(void)key;
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "path", r->path);
	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "arn", r->arn);
	cJSON_AddStringToObject(o, "trust", r->trust);
	add_opt(o, "description", r->description);
	cJSON_AddNumberToObject(o, "max_session", r->max_session);
	cJSON_AddNumberToObject(o, "created_ms", (double)r->created_ms);
	omap_walk(&r->policies, token_out, cJSON_AddObjectToObject(o, "policies"));
	add_tags(o, &r->tags);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int account_out(const char *key, void *v, void *ctx)
{
	const struct account *a = v;
	cJSON *o = cJSON_CreateObject();

	(void)key;
	cJSON_AddStringToObject(o, "id", a->id);
	omap_walk(&a->regions, region_out, cJSON_AddArrayToObject(o, "regions"));
	omap_walk(&a->budgets, budget_out, cJSON_AddArrayToObject(o, "budgets"));
	omap_walk(&a->roles, role_out, cJSON_AddArrayToObject(o, "roles"));
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int credential_out(const char *key, void *v, void *ctx)
{
	const struct credential *c = v;
	cJSON *o;

	(void)key;
	if (!c->token)
		return 0; /* configured keys come from the command line */
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "access_key_id", c->akid);
	cJSON_AddStringToObject(o, "secret_access_key", c->secret);
	cJSON_AddStringToObject(o, "session_token", c->token);
	cJSON_AddStringToObject(o, "account", c->account);
	cJSON_AddStringToObject(o, "arn", c->arn);
	cJSON_AddStringToObject(o, "user_id", c->user_id);
	cJSON_AddNumberToObject(o, "expires_ms", (double)c->expires_ms);
	cJSON_AddStringToObject(o, "source", c->source);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

cJSON *persist_to_json(const struct awsim *sim)
{
	cJSON *doc = cJSON_CreateObject();

	cJSON_AddStringToObject(doc, "format", STATE_FORMAT);
	cJSON_AddNumberToObject(doc, "profile_quota", sim->quota_base[Q_PROFILES]);
	cJSON_AddItemToObject(doc, "quotas", quotas_to_json(sim));
	omap_walk(&sim->accounts, account_out, cJSON_AddArrayToObject(doc, "accounts"));
	omap_walk(&sim->credentials, credential_out, cJSON_AddArrayToObject(doc, "credentials"));
	cJSON_AddItemToObject(doc, "usage", usage_to_json(sim));
	return doc;
}

int persist_save(const struct awsim *sim, const char *path)
{
	cJSON *doc = persist_to_json(sim);
	char *text = cJSON_Print(doc), *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dircopy = xstrdup(path);
	size_t len = strlen(text), off = 0;
	int fd, dfd, r = 0;

	cJSON_Delete(doc);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		goto out;
	}
	dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	cJSON_free(text);
	free(tmp);
	free(dircopy);
	return r;
}

/* ---- loading ---- */

struct loader {
	struct awsim *sim;
	char *err;
};

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *dup_opt(const cJSON *o, const char *key)
{
	return xstrdup_or_null(str(o, key));
}

static int64_t num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static int bad(struct loader *l, const char *what)
{
	if (!l->err)
		l->err = xasprintf("state: %s", what);
	return -EINVAL;
}

static int load_tags(struct loader *l, const cJSON *o, struct tagset *t)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags");

	if (tags && tagset_from_json(t, tags, "key", "value") < 0)
		return bad(l, "malformed tags");
	t->ever = t->n || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ever_tagged"));
	return 0;
}

static int load_profile(struct loader *l, struct region *r, const cJSON *o)
{
	const cJSON *models = cJSON_GetObjectItemCaseSensitive(o, "models"), *m;
	struct profile *p;

	if (!str(o, "id") || !str(o, "arn") || !str(o, "name") || !cJSON_IsArray(models))
		return bad(l, "profile without id, arn, name or models");
	if (omap_get(&r->profiles, str(o, "id")) || omap_get(&r->profile_names, str(o, "name")))
		return bad(l, "duplicate profile");
	p = xcalloc(1, sizeof(*p));
	p->id = dup_opt(o, "id");
	p->arn = dup_opt(o, "arn");
	p->name = dup_opt(o, "name");
	p->description = dup_opt(o, "description");
	p->source = dup_opt(o, "source");
	p->created_ms = num(o, "created_ms");
	p->updated_ms = num(o, "updated_ms");
	p->visible_ms = num(o, "visible_ms");
	p->readable_ms = num(o, "readable_ms");
	omap_put(&r->profiles, p->id, p);
	omap_put(&r->profile_names, p->name, p);
	cJSON_ArrayForEach(m, models)
	{
		if (!cJSON_IsString(m))
			return bad(l, "profile model is not a string");
		p->models = xreallocarray(p->models, p->n_models + 1, sizeof(char *));
		p->models[p->n_models++] = xstrdup(m->valuestring);
	}
	return load_tags(l, o, &p->tags);
}

static int load_param(struct loader *l, struct region *r, const cJSON *o)
{
	struct parameter *p;

	if (!str(o, "name") || !str(o, "arn") || !str(o, "type") || !str(o, "value"))
		return bad(l, "parameter without name, arn, type or value");
	p = xcalloc(1, sizeof(*p));
	p->name = dup_opt(o, "name");
	p->arn = dup_opt(o, "arn");
	p->type = dup_opt(o, "type");
	p->value = dup_opt(o, "value");
	p->description = dup_opt(o, "description");
	p->key_id = dup_opt(o, "key_id");
	p->allowed_pattern = dup_opt(o, "allowed_pattern");
	p->data_type = xstrdup(str(o, "data_type") ? str(o, "data_type") : "text");
	p->tier = xstrdup(str(o, "tier") ? str(o, "tier") : "Standard");
	p->version = num(o, "version");
	p->modified_ms = num(o, "modified_ms");
	ssm_forget(r, p->name);
	omap_put(&r->params, p->name, p);
	r->n_advanced += !strcmp(p->tier, "Advanced");
	return load_tags(l, o, &p->tags);
}

static int load_region(struct loader *l, struct account *a, const cJSON *o)
{
	const cJSON *item, *tokens = cJSON_GetObjectItemCaseSensitive(o, "tokens");
	struct region *r;

	if (!str(o, "name"))
		return bad(l, "region without a name");
	r = state_region(l->sim, a, str(o, "name"));
	cJSON_ArrayForEach(item,
			   cJSON_GetObjectItemCaseSensitive(o, "profiles")) if (load_profile(l, r, item) < 0) return -1;
	cJSON_ArrayForEach(item,
			   cJSON_GetObjectItemCaseSensitive(o, "parameters")) if (load_param(l, r, item) < 0) return -1;
	cJSON_ArrayForEach(item, tokens)
	{
		if (!cJSON_IsString(item))
			return bad(l, "idempotency token without an ARN");
		free(omap_put(&r->tokens, item->string, xstrdup(item->valuestring)));
	}
	return 0;
}

static int load_budget(struct loader *l, struct account *a, const cJSON *o)
{
	const cJSON *doc = cJSON_GetObjectItemCaseSensitive(o, "budget"), *n;
	struct budget *b;

	if (!str(o, "name") || !cJSON_IsObject(doc))
		return bad(l, "budget without a name or document");
	b = xcalloc(1, sizeof(*b));
	b->name = dup_opt(o, "name");
	budget_set_arn(b, a->id);
	b->doc = cJSON_Duplicate(doc, 1);
	budget_free(omap_put(&a->budgets, b->name, b));
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(o, "notifications"))
	{
		const cJSON *note = cJSON_GetObjectItemCaseSensitive(n, "notification");
		const cJSON *subs = cJSON_GetObjectItemCaseSensitive(n, "subscribers");
		if (!cJSON_IsObject(note) || !cJSON_IsArray(subs))
			return bad(l, "malformed budget notification");
		XGROW(b->notes, b->n_notes + 1, b->alloc_notes);
		b->notes[b->n_notes].notification = cJSON_Duplicate(note, 1);
		b->notes[b->n_notes].subscribers = cJSON_Duplicate(subs, 1);
		b->n_notes++;
	}
	return load_tags(l, o, &b->tags);
}

static int load_role(struct loader *l, struct account *a, const cJSON *o)
{
	const cJSON *p;
	struct role *r;
	char *key;

	if (!str(o, "name") || !str(o, "arn") || !str(o, "id") || !str(o, "trust"))
		return bad(l, "role without name, arn, id or trust policy");
	r = xcalloc(1, sizeof(*r));
	omap_init(&r->policies);
	r->name = dup_opt(o, "name");
	r->path = xstrdup(str(o, "path") ? str(o, "path") : "/");
	r->id = dup_opt(o, "id");
	r->arn = dup_opt(o, "arn");
	r->trust = dup_opt(o, "trust");
	r->description = dup_opt(o, "description");
	r->max_session = (int)num(o, "max_session");
	r->created_ms = num(o, "created_ms");
	key = xstrdup(r->name);
	for (char *c = key; *c; c++)
		*c = (char)((*c >= 'A' && *c <= 'Z') ? *c + 32 : *c);
	role_free(omap_put(&a->roles, key, r));
	free(key);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "policies"))
	{
		if (!cJSON_IsString(p))
			return bad(l, "role policy is not a string");
		free(omap_put(&r->policies, p->string, xstrdup(p->valuestring)));
	}
	return load_tags(l, o, &r->tags);
}

static int load_account(struct loader *l, const cJSON *o)
{
	const cJSON *item;
	struct account *a;

	if (!str(o, "id"))
		return bad(l, "account without an id");
	a = state_account(l->sim, str(o, "id"));
	cJSON_ArrayForEach(item,
			   cJSON_GetObjectItemCaseSensitive(o, "regions")) if (load_region(l, a, item) < 0) return -1;
	cJSON_ArrayForEach(item,
			   cJSON_GetObjectItemCaseSensitive(o, "budgets")) if (load_budget(l, a, item) < 0) return -1;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(o, "roles")) if (load_role(l, a, item) < 0) return -1;
	return 0;
}

static int load_credential(struct loader *l, const cJSON *o)
{
	struct credential *c;

	if (!str(o, "access_key_id") || !str(o, "secret_access_key") || !str(o, "session_token") ||
	    !str(o, "account") || !str(o, "arn"))
		return bad(l, "malformed temporary credential");
	c = xcalloc(1, sizeof(*c));
	c->akid = dup_opt(o, "access_key_id");
	c->secret = dup_opt(o, "secret_access_key");
	c->token = dup_opt(o, "session_token");
	c->account = dup_opt(o, "account");
	c->arn = dup_opt(o, "arn");
	c->user_id = xstrdup(str(o, "user_id") ? str(o, "user_id") : "");
	c->source = xstrdup(str(o, "source") ? str(o, "source") : "AssumeRole");
	c->expires_ms = num(o, "expires_ms");
	credential_free(omap_put(&l->sim->credentials, c->akid, c));
	return 0;
}

int persist_from_json(struct awsim *sim, const cJSON *doc, char **ret_err)
{
	struct loader l = { sim, NULL };
	struct omap saved = sim->accounts;
	const cJSON *item, *quota;
	int r = 0;

	*ret_err = NULL;
	if (!cJSON_IsObject(doc) || !str(doc, "format") || strcmp(str(doc, "format"), STATE_FORMAT) != 0) {
		*ret_err = xstrdup("state: not an " STATE_FORMAT " document");
		return -EINVAL;
	}
	/* Build the new accounts aside; the old ones stay until all of it loaded. */
	omap_init(&sim->accounts);
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, "accounts"))
	{
		r = load_account(&l, item);
		if (r < 0)
			break;
	}
	if (r < 0) {
		state_free_accounts(&sim->accounts);
		sim->accounts = saved;
		*ret_err = l.err ? l.err : xstrdup("state: malformed document");
		return -EINVAL;
	}
	state_free_accounts(&saved);
	state_account(sim, sim->cfg.account);
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, "credentials")) load_credential(&l, item);
	quota = cJSON_GetObjectItemCaseSensitive(doc, "profile_quota");
	if (cJSON_IsNumber(quota) && quota->valuedouble >= 0)
		sim->quota_base[Q_PROFILES] = quota->valuedouble;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "quotas")))
		quotas_from_json(sim, cJSON_GetObjectItemCaseSensitive(doc, "quotas"));
	usage_from_json(sim, cJSON_GetObjectItemCaseSensitive(doc, "usage"));
	free(l.err);
	return 0;
}

int persist_load(struct awsim *sim, const char *path, char **ret_err)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb;
	char buf[65536];
	size_t n;
	cJSON *doc;
	int r;

	*ret_err = NULL;
	if (!f)
		return -errno;
	strbuf_init(&sb, STATE_MAX);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (strbuf_add(&sb, buf, n) < 0) {
			fclose(f);
			strbuf_release(&sb);
			*ret_err = xasprintf("%s: larger than %ld bytes", path, STATE_MAX);
			return -EFBIG;
		}
	}
	fclose(f);
	doc = cJSON_ParseWithLength(sb.buf, sb.len);
	strbuf_release(&sb);
	if (!doc) {
		*ret_err = xasprintf("%s: not valid JSON", path);
		return -EINVAL;
	}
	r = persist_from_json(sim, doc, ret_err);
	cJSON_Delete(doc);
	return r;
}
