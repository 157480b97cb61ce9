#include "governance.h"

#include <fnmatch.h>
#include <string.h>

#include "strbuf.h"
#include "units.h"
#include "xalloc.h"

/* "policy.KEY (FILE:LINE)", or "policy.KEY" for a built-in default. */
static void add_rule(struct strbuf *sb, const struct daemon_config *cfg, const char *key, struct cfg_pos pos)
{
	strbuf_addf(sb, "policy.%s", key);
	if (cfg->file && pos.line)
		strbuf_addf(sb, " (%s:%u)", cfg->file, pos.line);
}

/* A short list of the allowed values for the message. */
static void add_list(struct strbuf *sb, char *const *v, size_t n)
{
	size_t shown = n < 8 ? n : 8;

	strbuf_adds(sb, "; allowed: ");
	for (size_t i = 0; i < shown; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", v[i]);
	if (n > shown)
		strbuf_addf(sb, " and %zu more", n - shown);
}

static char *finish(struct strbuf *sb)
{
	return strbuf_detach(sb, NULL);
}

char *governance_model(const struct daemon_config *cfg, const char *model_id, const char *model)
{
	const struct cfg_policy *p = &cfg->policy;
	struct strbuf sb;

	if (!p->n_allowed_models)
		return NULL;
	for (size_t i = 0; i < p->n_allowed_models; i++)
		if (!fnmatch(p->allowed_models[i], model_id, 0) || !fnmatch(p->allowed_models[i], model, 0))
			return NULL;
	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_addf(&sb, "model '%s' is not allowed by ", model_id);
	add_rule(&sb, cfg, "allowed_models", p->allowed_models_pos);
	add_list(&sb, p->allowed_models, p->n_allowed_models);
	return finish(&sb);
}

char *governance_region(const struct daemon_config *cfg, const char *region)
{
	const struct cfg_policy *p = &cfg->policy;
	struct strbuf sb;

	if (!p->n_regions || !region)
		return NULL;
	for (size_t i = 0; i < p->n_regions; i++)
		if (!strcmp(p->regions[i], region))
			return NULL;
	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_addf(&sb, "Region %s is not allowed by ", region);
	add_rule(&sb, cfg, "regions", p->regions_pos);
	add_list(&sb, p->regions, p->n_regions);
	return finish(&sb);
}

char *governance_department(const struct daemon_config *cfg, const char *department)
{
	const struct cfg_policy *p = &cfg->policy;
	struct strbuf sb;
	size_t lo = 0, hi = p->n_departments;

	strbuf_init(&sb, STRBUF_NO_CAP);
	if (!department) {
		if (!p->require_department)
			return NULL;
		strbuf_adds(&sb, "a department is required by ");
		add_rule(&sb, cfg, "require_department", p->require_department_pos);
		add_list(&sb, p->departments, p->n_departments);
		return finish(&sb);
	}
	if (!p->n_departments)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->departments[mid], department);
		if (!c)
			return NULL;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	strbuf_addf(&sb, "department '%s' is not allowed by ", department);
	add_rule(&sb, cfg, "departments", p->departments_pos);
	add_list(&sb, p->departments, p->n_departments);
	return finish(&sb);
}

char *governance_required_tags(const struct daemon_config *cfg, const struct tag_set *tags)
{
	const struct cfg_policy *p = &cfg->policy;
	struct strbuf sb;
	size_t missing = 0;

	strbuf_init(&sb, STRBUF_NO_CAP);
	for (size_t i = 0; i < p->n_required_tags; i++) {
		if (tag_set_get(tags, p->required_tags[i]))
			continue;
		strbuf_addf(&sb, "%s'%s'", missing++ ? ", " : "missing tag ", p->required_tags[i]);
	}
	if (!missing) {
		strbuf_release(&sb);
		return NULL;
	}
	strbuf_addf(&sb, " required by ");
	add_rule(&sb, cfg, "required_tags", p->required_tags_pos);
	return finish(&sb);
}

char *governance_budget_required(const struct daemon_config *cfg, const struct budget *budget)
{
	struct strbuf sb;

	if (budget || !cfg->policy.require_budget)
		return NULL;
	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_adds(&sb, "a budget is required by ");
	add_rule(&sb, cfg, "require_budget", cfg->policy.require_budget_pos);
	return finish(&sb);
}

char *governance_budget_limit(const struct daemon_config *cfg, const char *limit_usd)
{
	struct strbuf sb;

	if (!cfg->policy.max_budget_usd || units_decimal_cmp(limit_usd, cfg->policy.max_budget_usd) <= 0)
		return NULL;
	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_addf(&sb, "limit_usd %s is above the ceiling of %s set by ", limit_usd, cfg->policy.max_budget_usd);
	add_rule(&sb, cfg, "max_budget_usd", cfg->policy.max_budget_usd_pos);
	return finish(&sb);
}
