#include "manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "governance.h"
#include "intern.h"
#include "manifest_impl.h"
#include "model_region.h"
#include "modelref.h"
#include "naming.h"
#include "rules.h"
#include "textfile.h"
#include "xalloc.h"
#include "ydoc.h"

static const struct ydoc_limits limits = { .max_depth = MANIFEST_MAX_DEPTH, .max_nodes = MANIFEST_MAX_NODES };

char *manifest__string(struct mparse *m, const struct ynode *n, const char *key, size_t max,
		       const char *(*rule)(const char *), const char *what)
{
	size_t mark;
	char *s = NULL;
	const char *why;

	if (!n)
		return NULL;
	mark = walk_push_key(&m->w, key);
	if (walk_string(&m->w, n, max, &s) && rule && (why = rule(s))) {
		walk_error(&m->w, n, "'%.100s' is not a valid %s: %s", s, what, why);
		free(s);
		s = NULL;
	}
	walk_pop(&m->w, mark);
	return s;
}

void manifest__error_free(struct mparse *m, const struct ynode *at, const char *key, char *message)
{
	size_t mark;

	if (!message)
		return;
	mark = key ? walk_push_key(&m->w, key) : m->w.path_len;
	walk_error(&m->w, at, "%s", message);
	walk_pop(&m->w, mark);
	free(message);
}

static int tag_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tag *)a)->key, ((const struct tag *)b)->key);
}

static void read_tag(struct mparse *m, const struct ypair *pair, struct tag *out)
{
	const struct ynode *k = pair->key, *v = pair->value;
	size_t mark;
	const char *why = NULL;

	if (k->type != YNODE_SCALAR)
		return; /* reported by the YAML front end */
	mark = walk_push_key(&m->w, k->scalar.text);
	if (memchr(k->scalar.text, '\0', k->scalar.len)) {
		walk_error(&m->w, k, "the tag key contains a NUL character");
	} else if ((why = rule_tag_key(k->scalar.text))) {
		walk_error(&m->w, k, "'%.128s' is not a valid tag key: %s", k->scalar.text, why);
	} else if (!v || v->type != YNODE_SCALAR || ynode_is_null(v)) {
		walk_error(&m->w, v ? v : k, "expected a tag value (a string; write \"\" for an empty one), found %s",
			   ynode_type_name(v));
	} else if (memchr(v->scalar.text, '\0', v->scalar.len)) {
		walk_error(&m->w, v, "the tag value contains a NUL character");
	} else if ((why = rule_tag_value(v->scalar.text))) {
		walk_error(&m->w, v, "'%.100s' is not a valid tag value: %s", v->scalar.text, why);
	} else {
		out->key = intern(k->scalar.text);
		out->value = intern(v->scalar.text);
	}
	walk_pop(&m->w, mark);
}

/* A tag mapping -> a sorted tag set of unique keys (exactly sized: 10^5 tenants). */
static void read_tags(struct mparse *m, const struct ynode *n, struct tag_set *set)
{
	struct tag *items;
	size_t k = 0;

	if (n->type != YNODE_MAPPING) {
		walk_error(&m->w, n, "expected a mapping of tag keys to values, found %s", ynode_type_name(n));
		return;
	}
	if (n->map.n > USER_TAGS_MAX) {
		walk_error(&m->w, n,
			   "at most %d tags are allowed (50 per AWS resource less %d ownership tags), found %zu",
			   USER_TAGS_MAX, RESERVED_TAG_COUNT, n->map.n);
		return;
	}
	if (!n->map.n)
		return;
	items = xcalloc(n->map.n, sizeof(*items));
	for (size_t i = 0; i < n->map.n; i++) {
		read_tag(m, &n->map.pairs[i], &items[k]);
		if (items[k].key)
			k++;
	}
	qsort(items, k, sizeof(*items), tag_cmp);
	for (size_t i = 1; i < k;) { /* duplicates were reported by the YAML front end */
		if (strcmp(items[i - 1].key, items[i].key)) {
			i++;
			continue;
		}
		intern_unref(items[i].key);
		intern_unref(items[i].value);
		memmove(&items[i], &items[i + 1], (k - i - 1) * sizeof(*items));
		k--;
	}
	set->items = items;
	set->n = k;
	set->alloc = n->map.n;
	tag_set_share(set); /* tenants repeat their tags: one copy of each set */
}

/* Keys of a and b together (both sorted). */
static size_t merged_count(const struct tag_set *a, const struct tag_set *b)
{
	size_t i = 0, j = 0, n = 0;

	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->items[i].key, b->items[j].key);
		i += c <= 0;
		j += c >= 0;
		n++;
	}
	return n;
}

/* A pool tenant without spec.region is placed in one of its pool's Regions that serve
 * its models (state/model_region.h): a model that none of them serves is the error,
 * not one the configuration's default Region cannot serve. */
static bool check_pool_regions(struct mparse *m, const struct ynode *at, const struct profile *p,
			       const struct modelref *ref)
{
	const struct tenant *t = m->t;
	const struct cfg_pool *pool = t->pool && !t->region_set ? daemon_config_pool(m->cfg, t->pool) : NULL;
	const char *why = NULL;
	struct strbuf sb;

	if (!pool)
		return false;
	for (size_t i = 0; i < pool->n_regions; i++) {
		why = profile_region_check(p, pool->regions[i]);
		if (!why)
			return true;
	}
	strbuf_init(&sb, 1024);
	for (size_t i = 0; i < pool->n_regions; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", pool->regions[i]);
	walk_error(&m->w, at, "%s %s serves none of pool %s's Regions (%s): %s",
		   modelref_is_system_profile(ref->kind) ? "the system inference profile" : "the model", p->model,
		   pool->name, sb.buf, why ? why : "no Region");
	strbuf_release(&sb);
	return true;
}

/* Where the model's ARN (if it is one) disagrees with the tenant. */
static void check_model_place(struct mparse *m, const struct ynode *at, const struct profile *p,
			      const struct modelref *ref)
{
	const struct tenant *t = m->t;

	if (check_pool_regions(m, at, p, ref)) {
		/* its Region is its pool's choice: only the account can disagree */
	} else if (t->region && modelref_is_system_profile(ref->kind)) {
		const char *why = model_geo_check(ref->id, t->region);
		if (why)
			walk_error(&m->w, at, "the system inference profile %s is not available in %s: %s", ref->id,
				   t->region, why);
	}
	if (!ref->region[0] || !t->region || (t->pool && !t->region_set))
		goto account;
	if (strcmp(ref->region, t->region))
		walk_error(&m->w, at, "the model ARN is in %s, but the tenant's Region is %s", ref->region, t->region);
	else if (strcmp(ref->partition, modelref_partition(t->region)))
		walk_error(&m->w, at, "the model ARN's partition %s does not match the Region %s", ref->partition,
			   t->region);
account:
	if (ref->account[0] && m->account && strcmp(ref->account, m->account->id))
		walk_error(&m->w, at, "the inference profile ARN is in account %s, but the tenant's account '%s' is %s",
			   ref->account, m->account->alias, m->account->id);
}

/* Reads p's model; true when it is a valid model reference (p's kind set). */
static bool read_model(struct mparse *m, const struct ynode *n, struct profile *p)
{
	struct modelref ref;
	const char *why;
	size_t mark;

	p->model = intern_take(manifest__string(m, n, "model", 2048, NULL, "model"));
	if (!p->model)
		return false;
	mark = walk_push_key(&m->w, "model");
	why = modelref_parse(p->model, &ref);
	if (why) {
		walk_error(&m->w, n, "'%.200s' is not a valid model: %s", p->model, why);
	} else {
		p->model_kind = ref.kind;
		check_model_place(m, n, p, &ref);
		manifest__error_free(m, n, NULL, governance_model(m->cfg, ref.id, p->model));
	}
	walk_pop(&m->w, mark);
	return !why;
}

/* A derived name: expand the template, check the result against AWS's rules. */
static char *derive(struct mparse *m, const struct ynode *at, enum naming_kind kind, const char *tmpl,
		    const char *profile, const char *hash6)
{
	const struct tenant *t = m->t;
	struct naming_vars vars = { t->id, profile, hash6, t->department, t->project, m->cfg->instance };
	struct strbuf sb;
	const char *why;

	strbuf_init(&sb, 4096);
	if (naming_expand(tmpl, &vars, &sb) < 0) {
		walk_error(&m->w, at, "the derived %s is too long", naming_what(kind));
		strbuf_release(&sb);
		return NULL;
	}
	why = naming_check(kind, sb.buf);
	if (why) {
		walk_error(&m->w, at, "the derived %s '%.200s' (from policy.naming.%s) is invalid: %s",
			   naming_what(kind), sb.buf, naming_key(kind), why);
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

static bool read_profile(struct mparse *m, const struct ynode *n, struct profile *p)
{
	static const char *const keys[] = { "name", "model", "description", "tags" };
	const struct ynode *v[N_KEYS(keys)];
	const struct cfg_naming *nm = &m->cfg->policy.naming;
	bool model_ok;

	if (!walk_mapping(&m->w, n, keys, N_KEYS(keys), v))
		return false;
	p->line = n->line;
	p->col = n->col;
	walk_require(&m->w, n, v[0], "name");
	walk_require(&m->w, n, v[1], "model");
	p->key = intern_take(manifest__string(m, v[0], "name", 256, rule_profile_key, "profile name"));
	model_ok = read_model(m, v[1], p);
	p->description = manifest__string(m, v[2], "description", 1024, rule_profile_description, "description");
	if (v[3]) {
		size_t mark = walk_push_key(&m->w, "tags");
		read_tags(m, v[3], &p->tags);
		if (merged_count(&m->t->tags, &p->tags) > USER_TAGS_MAX)
			walk_error(&m->w, v[3],
				   "the tenant's and the profile's tags together are %zu; at most %d fit on a resource "
				   "(50 less %d ownership tags)",
				   merged_count(&m->t->tags, &p->tags), USER_TAGS_MAX, RESERVED_TAG_COUNT);
		walk_pop(&m->w, mark);
	}
	if (p->key && model_ok && m->t->id && (!v[2] || p->description)) {
		naming_spec_hash(p->model_kind, profile_model_id(p), p->description, p->spec_hash);
		p->name = derive(m, v[0], NAMING_PROFILE_NAME, nm->profile_name, p->key, p->spec_hash);
		p->parameter = intern_take(derive(m, v[0], NAMING_PARAMETER, nm->parameter, p->key, NULL));
	}
	return p->key != NULL;
}

static int profile_cmp(const void *a, const void *b)
{
	const struct profile *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void read_profiles(struct mparse *m, const struct ynode *n)
{
	struct tenant *t = m->t;
	size_t mark = walk_push_key(&m->w, "profiles");

	if (!walk_sequence(&m->w, n, 1, MANIFEST_MAX_PROFILES, "profiles"))
		goto out;
	t->profiles = xcalloc(n->seq.n, sizeof(*t->profiles));
	for (size_t i = 0; i < n->seq.n; i++) {
		size_t im = walk_push_index(&m->w, i);
		struct profile *p = &t->profiles[t->n_profiles];
		if (read_profile(m, n->seq.items[i], p))
			t->n_profiles++;
		else
			profile_release(p);
		walk_pop(&m->w, im);
	}
	qsort(t->profiles, t->n_profiles, sizeof(*t->profiles), profile_cmp);
	for (size_t i = 1; i < t->n_profiles;) {
		struct profile *a = &t->profiles[i - 1], *b = &t->profiles[i];
		if (strcmp(a->key, b->key)) {
			i++;
			continue;
		}
		walk_error_at(&m->w, b->line, b->col, "duplicate profile name '%s' (first at line %u)", b->key,
			      a->line);
		profile_release(b);
		memmove(b, b + 1, (t->n_profiles - i - 1) * sizeof(*b));
		t->n_profiles--;
	}
out:
	walk_pop(&m->w, mark);
}

static void read_account(struct mparse *m, const struct ynode *n)
{
	const struct daemon_config *cfg = m->cfg;
	struct strbuf sb;
	size_t mark;

	m->t->account = intern_take(manifest__string(m, n, "account", 256, rule_account_alias, "account alias"));
	if (!m->t->account)
		return;
	m->account = daemon_config_account(cfg, m->t->account);
	if (m->account)
		return;
	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < cfg->n_accounts && i < 8; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", cfg->accounts[i].alias);
	if (cfg->n_accounts > 8)
		strbuf_addf(&sb, " and %zu more", cfg->n_accounts - 8);
	mark = walk_push_key(&m->w, "account");
	if (cfg->n_accounts)
		walk_error(&m->w, n, "unknown account '%s' (the daemon configuration defines: %s)", m->t->account,
			   sb.buf);
	else
		walk_error(&m->w, n, "unknown account '%s' (the daemon configuration defines no accounts)",
			   m->t->account);
	walk_pop(&m->w, mark);
	strbuf_release(&sb);
}

/* The pool of a tenant without spec.account: spec.pool, else the pool `default` when
 * the configuration has one; none: its place is fixed as without pools. */
static void read_pool(struct mparse *m, const struct ynode *spec, const struct ynode *n)
{
	const struct cfg_pool *pool;
	struct tenant *t = m->t;
	size_t mark;

	if (n) {
		t->pool = intern_take(manifest__string(m, n, "pool", 256, rule_account_alias, "pool name"));
		if (!t->pool)
			return;
	} else if (!t->account && daemon_config_pool(m->cfg, "default")) {
		t->pool = intern("default");
	} else {
		return;
	}
	mark = walk_push_key(&m->w, "pool");
	pool = daemon_config_pool(m->cfg, t->pool);
	if (t->account && n) {
		walk_error(&m->w, n,
			   "spec.pool and spec.account exclude each other: a tenant naming an account stays there");
	} else if (!pool) {
		walk_error(&m->w, n ? n : spec, "unknown pool '%s' (the daemon %s %s%s)", t->pool,
			   m->cfg->pools_kept ? "runs with" : "configuration defines",
			   m->cfg->n_pools ? "other pools" : "no pools",
			   m->cfg->pools_kept ? "; the configuration file's pools take effect at a restart" : "");
	} else if (t->region_set) {
		bool found = false;
		for (size_t i = 0; i < pool->n_regions; i++)
			found |= !strcmp(pool->regions[i], t->region);
		if (!found)
			walk_error(&m->w, n ? n : spec, "the Region %s is not one of pool %s's regions%s", t->region,
				   t->pool,
				   m->cfg->pools_kept ? " (as the daemon runs: the configuration file's pools take "
							"effect at a restart)"
						      : "");
	}
	walk_pop(&m->w, mark);
}

/* policy.required_tags against the keys written (a key with a bad value was reported
 * already and is not also "missing"); tags that are not a mapping were reported too. */
static void check_required_tags(struct mparse *m, const struct ynode *spec, const struct ynode *tags)
{
	struct tag_set written;

	if (tags && tags->type != YNODE_MAPPING)
		return;
	tag_set_init(&written);
	for (size_t i = 0; tags && i < tags->map.n; i++)
		if (tags->map.pairs[i].key->type == YNODE_SCALAR)
			tag_set_put(&written, tags->map.pairs[i].key->scalar.text, "");
	manifest__error_free(m, tags ? tags : spec, tags ? "tags" : NULL, governance_required_tags(m->cfg, &written));
	tag_set_release(&written);
}

enum spec_key {
	S_DEPARTMENT,
	S_PROJECT,
	S_REGION,
	S_ACCOUNT,
	S_TAGS,
	S_PROFILES,
	S_BUDGET,
	S_ACCESS,
	S_DELETION,
	S_SUSPENDED,
	S_POOL,
	S_COUNT,
};

static void read_spec(struct mparse *m, const struct ynode *n)
{
	static const char *const keys[S_COUNT] = { "department", "project", "region", "account",	 "tags",
						   "profiles",	 "budget",  "access", "deletion_policy", "suspended",
						   "pool" };
	const struct ynode *v[S_COUNT];
	struct tenant *t = m->t;
	size_t mark = walk_push_key(&m->w, "spec");
	int e;

	if (!walk_mapping(&m->w, n, keys, S_COUNT, v))
		goto out;
	t->department = intern_take(
		manifest__string(m, v[S_DEPARTMENT], "department", 256, rule_department, "department"));
	if (!v[S_DEPARTMENT] || t->department)
		manifest__error_free(m, v[S_DEPARTMENT] ? v[S_DEPARTMENT] : n, v[S_DEPARTMENT] ? "department" : NULL,
				     governance_department(m->cfg, t->department));
	t->project = intern_take(manifest__string(m, v[S_PROJECT], "project", 256, rule_department, "project"));
	t->region_set = v[S_REGION] != NULL;
	if (v[S_REGION])
		t->region = intern_take(manifest__string(m, v[S_REGION], "region", 64, rule_region, "Region"));
	else if (m->cfg->region)
		t->region = intern(m->cfg->region);
	else
		walk_error(&m->w, n, "no Region: set spec.region, or region in the daemon configuration");
	manifest__error_free(m, v[S_REGION] ? v[S_REGION] : n, v[S_REGION] ? "region" : NULL,
			     governance_region(m->cfg, t->region));
	read_account(m, v[S_ACCOUNT]);
	read_pool(m, n, v[S_POOL]);
	if (v[S_TAGS]) {
		size_t tm = walk_push_key(&m->w, "tags");
		read_tags(m, v[S_TAGS], &t->tags);
		walk_pop(&m->w, tm);
	}
	check_required_tags(m, n, v[S_TAGS]);
	if (walk_require(&m->w, n, v[S_PROFILES], "profiles"))
		read_profiles(m, v[S_PROFILES]);
	manifest_read_budget(m, v[S_BUDGET]);
	manifest__error_free(m, n, NULL, governance_budget_required(m->cfg, t->budget));
	manifest_read_access(m, v[S_ACCESS]);
	manifest_check_enforce(m);
	if (v[S_DELETION]) {
		size_t dm = walk_push_key(&m->w, "deletion_policy");
		if (walk_enum(&m->w, v[S_DELETION], (const char *const[]){ "delete", "retain" }, 2, &e))
			t->deletion_policy = (enum deletion_policy)e;
		walk_pop(&m->w, dm);
	}
	if (v[S_SUSPENDED]) {
		size_t sm = walk_push_key(&m->w, "suspended");
		bool suspended = false;
		if (walk_bool(&m->w, v[S_SUSPENDED], &suspended))
			t->suspended = suspended;
		walk_pop(&m->w, sm);
	}
	if (t->id && t->budget)
		t->budget_name = derive(m, v[S_BUDGET], NAMING_BUDGET_NAME, m->cfg->policy.naming.budget_name, NULL,
					NULL);
	if (t->id)
		t->policy_name = derive(m, m->id_node, NAMING_POLICY_NAME, m->cfg->policy.naming.policy_name, NULL,
					NULL);
out:
	walk_pop(&m->w, mark);
}

static void read_exact(struct mparse *m, const struct ynode *n, const char *key, const char *want)
{
	char *s;

	if (!walk_require(&m->w, m->root, n, key))
		return;
	s = manifest__string(m, n, key, 256, NULL, key);
	if (s && strcmp(s, want))
		walk_error(&m->w, n, "%s: expected %s, found '%.64s'", key, want, s);
	free(s);
}

static void read_metadata(struct mparse *m, const struct ynode *n)
{
	static const char *const keys[] = { "name" };
	const struct ynode *v[1];
	size_t mark = walk_push_key(&m->w, "metadata");

	if (walk_mapping(&m->w, n, keys, 1, v) && walk_require(&m->w, n, v[0], "name")) {
		m->id_node = v[0];
		m->t->id = intern_take(manifest__string(m, v[0], "name", 256, rule_tenant_id, "tenant id"));
	}
	walk_pop(&m->w, mark);
}

static char *content_hash(const char *text, size_t len)
{
	return digest_hex(text, len, DIGEST_HEX_MAX);
}

void manifest_id_release(struct manifest_id *mid)
{
	free(mid->id);
	memset(mid, 0, sizeof(*mid));
}

static int parse(const struct daemon_config *cfg, const char *file, const char *text, size_t len, struct tenant **ret,
		 struct manifest_id *ret_id, struct diag_list *diags)
{
	static const char *const keys[] = { "apiVersion", "kind", "metadata", "spec" };
	const struct ynode *v[N_KEYS(keys)];
	struct mparse m = { .cfg = cfg };
	size_t errors = diags->n_errors;
	struct ydoc *doc = NULL;

	if (ret_id)
		memset(ret_id, 0, sizeof(*ret_id));
	if (textfile_check(file, text, len, MANIFEST_MAX_BYTES, "manifest", diags) < 0)
		return -EINVAL;
	if (ydoc_parse(file, text, len, &limits, &doc, diags) < 0)
		return -EINVAL;
	if (!doc->root || ynode_is_null(doc->root)) {
		diag_error(diags, file, 0, 0, "empty manifest (no YAML document)");
		ydoc_free(doc);
		return -EINVAL;
	}
	walk_init(&m.w, file, diags);
	m.t = xcalloc(1, sizeof(*m.t));
	m.root = doc->root;
	if (walk_mapping(&m.w, doc->root, keys, N_KEYS(keys), v)) {
		read_exact(&m, v[0], "apiVersion", MANIFEST_API_VERSION);
		read_exact(&m, v[1], "kind", MANIFEST_KIND);
		if (walk_require(&m.w, doc->root, v[2], "metadata"))
			read_metadata(&m, v[2]);
		if (walk_require(&m.w, doc->root, v[3], "spec"))
			read_spec(&m, v[3]);
	}
	if (ret_id && m.t->id) {
		ret_id->id = xstrdup(m.t->id);
		ret_id->line = m.id_node->line;
		ret_id->col = m.id_node->col;
	}
	ydoc_free(doc);
	if (diags->n_errors > errors) {
		tenant_free(m.t);
		return -EINVAL;
	}
	m.t->file = xstrdup(file);
	m.t->revision = intern_take(content_hash(text, len));
	*ret = tenant_compact(m.t); /* built: never changed, 100,000 times over */
	return 0;
}

/* Whether line (up to eol) is "KEY: VALUE..." at the left margin, the value quoted or
 * not. */
static bool top_line(const char *q, const char *eol, const char *key, const char *value)
{
	size_t k = strlen(key), v = strlen(value);

	if ((size_t)(eol - q) <= k || memcmp(q, key, k))
		return false;
	q += k;
	while (q < eol && *q == ' ')
		q++;
	if (q < eol && (*q == '"' || *q == '\''))
		q++;
	return (size_t)(eol - q) >= v && !memcmp(q, value, v);
}

/* A line "apiVersion: bedrock-tenantd/..." or "kind: Tenant" at the left margin: the
 * file says it is a manifest, even one with mistakes. */
static bool declares_manifest(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q = p;
		const char *eol = nl ? nl : end;
		if (q + 3 <= eol && !memcmp(q, "\xef\xbb\xbf", 3))
			q += 3;
		if (top_line(q, eol, "apiVersion:", "bedrock-tenantd/") || top_line(q, eol, "kind:", MANIFEST_KIND))
			return true;
		p = eol + 1;
	}
	return false;
}

/* Messages that never hold anything of the text: libyaml's syntax errors, the
 * document's shape. */
static bool content_free(const struct diag *d)
{
	static const char *const prefixes[] = { "invalid YAML: ", "expected a mapping, found ",
						"a file holds one YAML document" };

	if (!d->line)
		return true; /* about the whole file: size, emptiness, encoding */
	for (size_t i = 0; i < N_KEYS(prefixes); i++)
		if (!strncmp(d->message, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Problems of a file that does not say it is a manifest (a stray file, a link to
 * something else) quote nothing of it: content-free problems are kept, the others
 * become one at the first of their positions. */
static void quote_nothing(const char *file, struct diag_list *diags)
{
	struct diag_list kept;
	unsigned line = 0, col = 0;

	diag_list_init(&kept);
	for (size_t i = 0; i < diags->n; i++) {
		const struct diag *d = &diags->items[i];
		if (content_free(d))
			diag_add(&kept, d->severity, d->file, d->line, d->col, "%s", d->message);
		else if (!line)
			line = d->line, col = d->col;
	}
	if (line)
		diag_error(&kept, file, line, col,
			   "not a manifest: the file has no line 'apiVersion: " MANIFEST_API_VERSION
			   "' (nothing of its content is shown)");
	diag_list_release(diags);
	diag_list_init(diags);
	diag_list_splice(diags, &kept);
	diag_list_release(&kept);
}

int manifest_parse(const struct daemon_config *cfg, const char *file, const char *text, size_t len, struct tenant **ret,
		   struct manifest_id *ret_id, struct diag_list *diags)
{
	struct diag_list own;
	int r;

	diag_list_init(&own);
	r = parse(cfg, file, text, len, ret, ret_id, &own);
	if (own.n && !declares_manifest(text, len))
		quote_nothing(file, &own);
	diag_list_splice(diags, &own);
	diag_list_release(&own);
	return r;
}
