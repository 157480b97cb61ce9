#include "daemon_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_config_usage.h"
#include "naming.h"
#include "textfile.h"
#include "xalloc.h"

static const char *const service_names[CFG_SERVICE_COUNT] = { "bedrock", "budgets",	  "iam", "ssm", "tagging",
							      "sts",	 "servicequotas", "s3",	 "ce" };
static const char *const mode_names[] = { "enforce", "report" };
static const char *const level_names[] = { "debug", "info", "notice", "warning", "error" };

const char *cfg_service_name(enum cfg_service svc)
{
	return svc < CFG_SERVICE_COUNT ? service_names[svc] : "?";
}

const char *cfg_mode_name(enum cfg_mode mode)
{
	return mode == CFG_MODE_REPORT ? mode_names[1] : mode_names[0];
}

const char *cfg_ssm_tier_name(enum cfg_ssm_tier tier)
{
	return tier == CFG_SSM_TIER_ADVANCED	  ? "Advanced"
	       : tier == CFG_SSM_TIER_INTELLIGENT ? "Intelligent-Tiering"
						  : "Standard";
}

char *cfg_claim_parameter(const struct daemon_config *cfg)
{
	char *instance, *name;

	if (cfg->claim_parameter)
		return cfg->claim_parameter[0] ? xstrdup(cfg->claim_parameter) : NULL;
	instance = xstrdup(cfg->instance);
	for (char *p = instance; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			*p = '_';
	name = xasprintf("/bedrock-tenantd/%s/claim", instance);
	free(instance);
	return name;
}

const char *cfg_log_level_name(enum cfg_log_level level)
{
	return level <= CFG_LOG_ERROR ? level_names[level] : "info";
}

struct daemon_config *daemon_config_defaults(void)
{
	struct daemon_config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->manifests = xstrdup("/srv/bedrock-tenants");
	cfg->state_dir = xstrdup("/var/lib/bedrock-tenantd");
	cfg->socket.path = xstrdup("/run/bedrock-tenantd/control.sock");
	cfg->socket.mode = 0660;
	cfg->instance = xstrdup("bedrock-tenantd");
	cfg->resync_interval_ms = 10 * 60 * 1000;
	cfg->cost_tags.check_interval_ms = 60 * 60 * 1000;
	cfg->alerts_audit_ms = 24 * 60 * 60 * 1000;
	cfg->policy.naming.profile_name = xstrdup(NAMING_DEFAULT_PROFILE_NAME);
	cfg->policy.naming.parameter = xstrdup(NAMING_DEFAULT_PARAMETER);
	cfg->policy.naming.budget_name = xstrdup(NAMING_DEFAULT_BUDGET_NAME);
	cfg->policy.naming.policy_name = xstrdup(NAMING_DEFAULT_POLICY_NAME);
	cfg->safety.prune_grace_ms = 10 * 60 * 1000;
	cfg->safety.replacement_drain_ms = 15 * 60 * 1000;
	cfg->safety.max_deletions = 10;
	cfg->safety.max_deletions_percent = 5;
	for (int s = 0; s < CFG_SERVICE_COUNT; s++) {
		cfg->rate_limits[s].requests_per_second = 5;
		cfg->rate_limits[s].burst = 10;
	}
	cfg->max_in_flight = 32;
	cfg->mode = CFG_MODE_ENFORCE;
	cfg->log_level = CFG_LOG_INFO;
	cfg->watch_settle_ms = 200;
	cfg->rescan_interval_ms = 5 * 60 * 1000;
	cfg->backoff_initial_ms = 1000;
	cfg->backoff_max_ms = 15 * 60 * 1000;
	cfg->shutdown_timeout_ms = 30 * 1000;
	cfg->notifications.max_per_minute = 10;
	cfg->notifications.events = (1u << CFG_NOTIFY_EVENT_COUNT) - 1;
	cfg->usage.metadata_key = xstrdup("tenantId");
	cfg->usage.poll_interval_ms = 30 * 1000; /* tokens within a delivery + 60 s (PERFORMANCE.md) */
	cfg->usage.retention_days = 400;
	cfg->usage.max_object_bytes = USAGE_OBJECT_DEFAULT;
	cfg->usage.ce_refresh_ms = 6 * 3600 * 1000;
	cfg->usage.ce_days = 31;
	cfg->capacity = (struct cfg_capacity){ 1000, 10000, 20000, 1000 };
	return cfg;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void daemon_config_free(struct daemon_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->file);
	free(cfg->manifests);
	free(cfg->state_dir);
	free(cfg->socket.path);
	free(cfg->socket.group);
	free(cfg->metrics.listen);
	free(cfg->metrics.host);
	free(cfg->instance);
	free(cfg->claim_parameter);
	free(cfg->region);
	for (size_t i = 0; i < cfg->n_accounts; i++) {
		free(cfg->accounts[i].alias);
		free(cfg->accounts[i].id);
		free(cfg->accounts[i].role_arn);
		free(cfg->accounts[i].external_id);
	}
	free(cfg->accounts);
	free_strv(cfg->policy.allowed_models, cfg->policy.n_allowed_models);
	free_strv(cfg->policy.regions, cfg->policy.n_regions);
	free_strv(cfg->policy.departments, cfg->policy.n_departments);
	free_strv(cfg->policy.required_tags, cfg->policy.n_required_tags);
	free(cfg->policy.max_budget_usd);
	free(cfg->policy.naming.profile_name);
	free(cfg->policy.naming.parameter);
	free(cfg->policy.naming.budget_name);
	free(cfg->policy.naming.policy_name);
	free(cfg->endpoint_default);
	for (int s = 0; s < CFG_SERVICE_COUNT; s++)
		free(cfg->endpoints[s]);
	free(cfg->notifications.webhook_url);
	free(cfg->notifications.webhook_header);
	free(cfg->notifications.webhook_secret_file);
	free(cfg->notifications.sns_topic_arn);
	daemon_config__usage_release(cfg);
	free(cfg->cost_tags.payer_account);
	free(cfg->budget_actions.execution_role);
	daemon_config_pools_free(cfg);
	daemon_config_rate_limits_release(cfg);
	free(cfg);
}

int daemon_config_load(const char *file, struct daemon_config **ret, struct diag_list *diags)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	r = textfile_read(file, DAEMON_CONFIG_MAX_BYTES, &text, &len, diags);
	if (r < 0) {
		*ret = daemon_config_defaults();
		(*ret)->file = xstrdup(file);
		return r;
	}
	r = daemon_config_parse(file, text, len, ret, diags);
	free(text);
	return r;
}

const struct cfg_account *daemon_config_account(const struct daemon_config *cfg, const char *alias)
{
	size_t lo = 0, hi = cfg->n_accounts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(cfg->accounts[mid].alias, alias);
		if (c == 0)
			return &cfg->accounts[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *daemon_config_endpoint(const struct daemon_config *cfg, enum cfg_service svc)
{
	if (svc < CFG_SERVICE_COUNT && cfg->endpoints[svc])
		return cfg->endpoints[svc];
	return cfg->endpoint_default;
}
