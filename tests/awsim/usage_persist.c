/* The usage world in the state file (persist.c calls these): buckets with their
 * objects (hex), and per account the managed policies, cost-allocation tag
 * statuses, counted usage, logging configurations and Budgets actions, and the
 * log batches not yet delivered. Loading is lenient: an entry that does not fit is
 * skipped, never a crash. */
#include "usage.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void add_hex(cJSON *o, const char *name, const void *data, size_t len)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_add_hex(&sb, data, len);
	cJSON_AddStringToObject(o, name, sb.buf);
	strbuf_release(&sb);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex into a new buffer; -1 when it is not hex. */
static int from_hex(const char *hex, char **ret, size_t *len)
{
	size_t n = strlen(hex);
	char *out;

	if (n % 2)
		return -1;
	out = xmalloc(n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(out);
			return -1;
		}
		out[i] = (char)(hi << 4 | lo);
	}
	*ret = out;
	*len = n / 2;
	return 0;
}

/* ---- out ---- */

static int bucket_out(const char *key, void *v, void *ctx)
{
	const struct bucket *b = v;
	cJSON *o = cJSON_CreateObject(), *objs;
	const struct omap_node *n;

	(void)key;
	cJSON_AddStringToObject(o, "name", b->name);
	cJSON_AddStringToObject(o, "region", b->region);
	cJSON_AddStringToObject(o, "owner", b->owner);
	cJSON_AddNumberToObject(o, "created_ms", (double)b->created_ms);
	objs = cJSON_AddArrayToObject(o, "objects");
	for (n = omap_next(&b->objects, NULL); n; n = omap_next(&b->objects, n->key)) {
		const struct s3_object *s = n->value;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "key", n->key);
		add_hex(e, "data", s->data, s->len);
		cJSON_AddStringToObject(e, "content_type", s->content_type);
		cJSON_AddNumberToObject(e, "modified_ms", (double)s->modified_ms);
		cJSON_AddItemToArray(objs, e);
	}
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int policy_out(const char *key, void *v, void *ctx)
{
	const struct managed_policy *p = v;
	cJSON *o = cJSON_CreateObject(), *vs, *roles;
	const struct omap_node *n;

	(void)key;
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "path", p->path);
	cJSON_AddStringToObject(o, "id", p->id);
	cJSON_AddStringToObject(o, "arn", p->arn);
	if (p->description)
		cJSON_AddStringToObject(o, "description", p->description);
	cJSON_AddNumberToObject(o, "default_version", p->default_version);
	cJSON_AddNumberToObject(o, "next_version", p->next_version);
	cJSON_AddNumberToObject(o, "created_ms", (double)p->created_ms);
	cJSON_AddNumberToObject(o, "updated_ms", (double)p->updated_ms);
	vs = cJSON_AddArrayToObject(o, "versions");
	for (size_t i = 0; i < p->n_versions; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", p->v[i].id);
		cJSON_AddStringToObject(e, "doc", p->v[i].doc);
		cJSON_AddNumberToObject(e, "created_ms", (double)p->v[i].created_ms);
		cJSON_AddItemToArray(vs, e);
	}
	roles = cJSON_AddArrayToObject(o, "roles");
	for (n = omap_next(&p->roles, NULL); n; n = omap_next(&p->roles, n->key))
		cJSON_AddItemToArray(roles, cJSON_CreateString(n->key));
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int day_out(const char *key, void *v, void *ctx)
{
	const struct usage_day *u = v;
	cJSON *o = cJSON_CreateObject(), *tags = cJSON_AddObjectToObject(o, "tags");

	(void)key;
	cJSON_AddStringToObject(o, "day", u->day);
	cJSON_AddStringToObject(o, "region", u->region);
	cJSON_AddStringToObject(o, "resource", u->resource);
	cJSON_AddStringToObject(o, "model", u->model);
	for (size_t i = 0; i < u->tags.n; i++)
		cJSON_AddStringToObject(tags, u->tags.v[i].key, u->tags.v[i].value);
	cJSON_AddNumberToObject(o, "requests", (double)u->requests);
	cJSON_AddNumberToObject(o, "input", (double)u->input);
	cJSON_AddNumberToObject(o, "output", (double)u->output);
	cJSON_AddNumberToObject(o, "cost", u->cost);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int string_out(const char *key, void *v, void *ctx)
{
	cJSON_AddStringToObject(ctx, key, v);
	return 0;
}

static int json_out(const char *key, void *v, void *ctx)
{
	cJSON_AddItemToObject(ctx, key, cJSON_Duplicate(v, 1));
	return 0;
}

static int action_out(const char *key, void *v, void *ctx)
{
	const struct budget_action *a = v;
	cJSON *o = cJSON_CreateObject();

	(void)key;
	cJSON_AddStringToObject(o, "budget", a->budget);
	cJSON_AddStringToObject(o, "id", a->id);
	cJSON_AddItemToObject(o, "action", cJSON_Duplicate(a->doc, 1));
	if (a->landing != LAND_NONE) { /* in progress: what lands, and when */
		cJSON_AddNumberToObject(o, "landing", a->landing);
		cJSON_AddNumberToObject(o, "due_ms", (double)a->due_ms);
	}
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int account_out(const char *key, void *v, void *ctx)
{
	const struct usage_acct *ua = v;
	cJSON *o = cJSON_CreateObject();

	(void)key;
	cJSON_AddStringToObject(o, "id", ua->id);
	omap_walk(&ua->policies, policy_out, cJSON_AddArrayToObject(o, "policies"));
	omap_walk(&ua->tag_status, string_out, cJSON_AddObjectToObject(o, "tag_status"));
	omap_walk(&ua->days, day_out, cJSON_AddArrayToObject(o, "usage"));
	omap_walk(&ua->logging, json_out, cJSON_AddObjectToObject(o, "logging"));
	omap_walk(&ua->actions, action_out, cJSON_AddArrayToObject(o, "actions"));
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

static int batch_out(const char *key, void *v, void *ctx)
{
	const struct log_batch *b = v;
	cJSON *o = cJSON_CreateObject();

	(void)key;
	cJSON_AddStringToObject(o, "account", b->account);
	cJSON_AddStringToObject(o, "region", b->region);
	cJSON_AddStringToObject(o, "bucket", b->bucket);
	cJSON_AddStringToObject(o, "prefix", b->prefix);
	cJSON_AddStringToObject(o, "lines", b->lines.buf);
	cJSON_AddNumberToObject(o, "opened_ms", (double)b->opened_ms);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

cJSON *usage_to_json(const struct awsim *sim)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *buckets = cJSON_AddArrayToObject(doc, "buckets"), *accounts = cJSON_AddArrayToObject(doc, "accounts");
	cJSON *batches = cJSON_AddArrayToObject(doc, "batches");
	const struct usage_world *w = sim->usage;

	/* the same shape whether or not the world was ever used */
	if (w) {
		omap_walk(&w->buckets, bucket_out, buckets);
		omap_walk(&w->accounts, account_out, accounts);
		omap_walk(&w->batches, batch_out, batches);
	}
	cJSON_AddNumberToObject(doc, "seq", w ? (double)w->seq : 0);
	return doc;
}

/* ---- in ---- */

static void load_bucket(struct awsim *sim, const cJSON *o)
{
	struct usage_world *w = usage_world(sim);
	const char *name = str(o, "name"), *region = str(o, "region"), *owner = str(o, "owner");
	const cJSON *e;
	struct bucket *b;

	if (!name || !region || !owner || omap_get(&w->buckets, name) || w->buckets.n >= USAGE_MAX_BUCKETS)
		return;
	b = xcalloc(1, sizeof(*b));
	b->name = xstrdup(name);
	b->region = xstrdup(region);
	b->owner = xstrdup(owner);
	b->created_ms = (int64_t)num(o, "created_ms");
	omap_init(&b->objects);
	omap_put(&w->buckets, name, b);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "objects"))
	{
		const char *key = str(e, "key"), *hex = str(e, "data");
		struct s3_object *s;
		char *data;
		size_t len;
		if (!key || !hex || from_hex(hex, &data, &len) < 0)
			continue;
		if (s3_put(sim, b, key, data, len, str(e, "content_type")) == 0 && (s = omap_get(&b->objects, key)))
			s->modified_ms = (int64_t)num(e, "modified_ms");
		free(data);
	}
}

static void load_policy(struct usage_acct *ua, const cJSON *o)
{
	const char *name = str(o, "name"), *path = str(o, "path"), *id = str(o, "id"), *arn = str(o, "arn");
	struct managed_policy *p;
	const cJSON *e;

	if (!name || !path || !id || !arn || omap_get(&ua->policies, arn) || ua->policies.n >= USAGE_MAX_POLICIES)
		return;
	p = xcalloc(1, sizeof(*p));
	omap_init(&p->roles);
	p->name = xstrdup(name);
	p->path = xstrdup(path);
	p->id = xstrdup(id);
	p->arn = xstrdup(arn);
	p->description = xstrdup_or_null(str(o, "description"));
	p->default_version = (int)num(o, "default_version");
	p->next_version = (int)num(o, "next_version");
	p->created_ms = (int64_t)num(o, "created_ms");
	p->updated_ms = (int64_t)num(o, "updated_ms");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "versions"))
	{
		if (p->n_versions == USAGE_MAX_VERSIONS || !str(e, "doc"))
			continue;
		p->v[p->n_versions++] = (struct policy_version){ (int)num(e, "id"), xstrdup(str(e, "doc")),
								 (int64_t)num(e, "created_ms") };
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "roles")) if (cJSON_IsString(e))
		omap_put(&p->roles, e->valuestring, p);
	omap_put(&ua->policies, arn, p);
}

static void load_day(struct usage_acct *ua, const cJSON *o)
{
	const char *day = str(o, "day"), *region = str(o, "region"), *res = str(o, "resource"),
		   *model = str(o, "model");
	const cJSON *t;
	struct usage_day *u;
	char *key;

	if (!day || strlen(day) != 10 || !region || !res || !model || ua->days.n >= USAGE_MAX_DAYS)
		return;
	key = xasprintf("%s\t%s\t%s", day, region, res);
	if (omap_get(&ua->days, key)) {
		free(key);
		return;
	}
	u = xcalloc(1, sizeof(*u));
	memcpy(u->day, day, sizeof(u->day));
	u->region = xstrdup(region);
	u->resource = xstrdup(res);
	u->model = xstrdup(model);
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(o, "tags")) if (cJSON_IsString(t))
		tagset_set(&u->tags, t->string, t->valuestring);
	u->requests = (uint64_t)num(o, "requests");
	u->input = (uint64_t)num(o, "input");
	u->output = (uint64_t)num(o, "output");
	u->cost = num(o, "cost");
	omap_put(&ua->days, key, u);
	free(key);
}

static void load_account(struct awsim *sim, const cJSON *o)
{
	const char *id = str(o, "id");
	struct usage_acct *ua;
	const cJSON *e;

	if (!id)
		return;
	ua = usage_acct(sim, id);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "policies")) load_policy(ua, e);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "tag_status")) if (cJSON_IsString(e))
		free(omap_put(&ua->tag_status, e->string, xstrdup(e->valuestring)));
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "usage")) load_day(ua, e);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "logging")) if (cJSON_IsObject(e))
		cJSON_Delete(omap_put(&ua->logging, e->string, cJSON_Duplicate(e, 1)));
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "actions"))
	{
		const char *budget = str(e, "budget"), *aid = str(e, "id");
		const cJSON *doc = cJSON_GetObjectItemCaseSensitive(e, "action");
		struct budget_action *a;
		char *key;
		if (!budget || !aid || !cJSON_IsObject(doc))
			continue;
		a = xcalloc(1, sizeof(*a));
		a->budget = xstrdup(budget);
		a->id = xstrdup(aid);
		a->doc = cJSON_Duplicate(doc, 1);
		a->landing = (enum action_landing)num(e, "landing");
		if (a->landing < LAND_NONE || a->landing > LAND_RESET)
			a->landing = LAND_NONE;
		a->due_ms = (int64_t)num(e, "due_ms");
		if (a->landing != LAND_NONE)
			usage_world(sim)->actions_landing = true;
		key = xasprintf("%s\t%s", budget, aid);
		budget_action_free(omap_put(&ua->actions, key, a));
		free(key);
	}
}

static void load_batch(struct awsim *sim, const cJSON *o)
{
	struct usage_world *w = usage_world(sim);
	const char *acct = str(o, "account"), *region = str(o, "region"), *bucket = str(o, "bucket");
	const char *prefix = str(o, "prefix"), *lines = str(o, "lines");
	struct log_batch *b;
	char *key;

	if (!acct || !region || !bucket || !prefix || !lines)
		return;
	key = xasprintf("%s\t%s", acct, region);
	b = xcalloc(1, sizeof(*b));
	b->account = xstrdup(acct);
	b->region = xstrdup(region);
	b->bucket = xstrdup(bucket);
	b->prefix = xstrdup(prefix);
	strbuf_init(&b->lines, USAGE_MAX_BATCH_BYTES * 2);
	strbuf_adds(&b->lines, lines);
	b->opened_ms = (int64_t)num(o, "opened_ms");
	log_batch_free(omap_put(&w->batches, key, b));
	free(key);
}

void usage_from_json(struct awsim *sim, const cJSON *doc)
{
	const cJSON *e;

	usage_reset(sim);
	if (!cJSON_IsObject(doc))
		return;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "buckets")) load_bucket(sim, e);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "accounts")) load_account(sim, e);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "batches")) load_batch(sim, e);
	usage_world(sim)->seq = (uint64_t)num(doc, "seq");
}
