#include "setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* The configuration's service order is not the AWS layer's. */
static enum aws_service service_of(enum cfg_service s)
{
	switch (s) {
	case CFG_SERVICE_BEDROCK:
		return AWS_BEDROCK;
	case CFG_SERVICE_BUDGETS:
		return AWS_BUDGETS;
	case CFG_SERVICE_IAM:
		return AWS_IAM;
	case CFG_SERVICE_SSM:
		return AWS_SSM;
	case CFG_SERVICE_TAGGING:
		return AWS_TAGGING;
	case CFG_SERVICE_STS:
	case CFG_SERVICE_COUNT:
		break;
	}
	return AWS_STS;
}

void setup_aws_options(const struct daemon_config *cfg, struct aws_client_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->region = cfg->region;
	for (int s = 0; s < CFG_SERVICE_COUNT; s++) {
		opts->endpoints[service_of(s)] = daemon_config_endpoint(cfg, s);
		opts->max_rate[service_of(s)] = cfg->rate_limits[s].requests_per_second;
		opts->burst[service_of(s)] = cfg->rate_limits[s].burst;
	}
	opts->max_in_flight = cfg->max_in_flight;
}

int setup_aws_client(uv_loop_t *loop, const struct daemon_config *cfg, struct aws_client **ret, char **err_text)
{
	struct aws_client_options opts;
	struct aws_error err = { 0 };
	struct aws_client *c;
	int r;

	setup_aws_options(cfg, &opts);
	r = aws_client_new(loop, &opts, &c, &err);
	if (r < 0) {
		*err_text = xasprintf("AWS client: %s%s%s", err.code && err.code[0] ? err.code : strerror(-r),
				      err.message && err.message[0] ? ": " : "", err.message ? err.message : "");
		aws_error_release(&err);
		return r;
	}
	for (size_t i = 0; i < cfg->n_accounts; i++) {
		const struct cfg_account *a = &cfg->accounts[i];
		if (!a->role_arn)
			continue;
		r = aws_client_add_account(c, a->alias, a->role_arn, a->external_id);
		if (r < 0) {
			*err_text = xasprintf("account %s: cannot use role %s: %s", a->alias, a->role_arn,
					      strerror(-r));
			aws_client_close(c, NULL, NULL);
			return r;
		}
	}
	*ret = c;
	return 0;
}

void setup_cloud(struct cloud_aws *cloud, struct aws_client *client, const struct daemon_config *cfg)
{
	cloud_aws_init(cloud, &aws_ops_client, client, client, cfg->instance);
	for (size_t i = 0; i < cfg->n_accounts; i++)
		if (cfg->accounts[i].role_arn)
			cloud_aws_add_role_alias(cloud, cfg->accounts[i].alias);
}

char *setup_param_prefix(const struct daemon_config *cfg)
{
	const char *tpl = cfg->policy.naming.parameter ? cfg->policy.naming.parameter : "/bedrock-tenants/";
	const char *brace = strchr(tpl, '{');
	size_t len = brace ? (size_t)(brace - tpl) : strlen(tpl);

	/* up to the last '/' before the first placeholder */
	while (len > 1 && tpl[len - 1] != '/')
		len--;
	if (len > 1 && tpl[len - 1] == '/')
		len--;
	return len ? xstrndup(tpl, len) : xstrdup("/");
}

void setup_print_diags(const struct diag_list *diags, FILE *out)
{
	for (size_t i = 0; i < diags->n; i++) {
		struct strbuf sb;
		strbuf_init(&sb, STRBUF_NO_CAP);
		diag_format(&diags->items[i], &sb);
		fprintf(out, "%s\n", sb.buf);
		strbuf_release(&sb);
	}
}

const char *setup_account_id(const char *alias, void *data)
{
	const struct daemon_config *cfg = data;
	const struct cfg_account *a = alias ? daemon_config_account(cfg, alias) : NULL;

	return a ? a->id : NULL;
}

void setup_engine_settings(const struct daemon_config *cfg, struct engine_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->instance = cfg->instance;
	set->default_region = cfg->region;
	set->grace_s = (int64_t)(cfg->safety.prune_grace_ms / 1000);
	set->drain_s = (int64_t)(cfg->safety.replacement_drain_ms / 1000);
	set->prune.min_tenants = cfg->safety.max_deletions;
	set->prune.percent = cfg->safety.max_deletions_percent;
	set->resync_interval_ms = cfg->resync_interval_ms;
	set->report_only = cfg->mode == CFG_MODE_REPORT;
	set->backoff_base_ms = cfg->backoff_initial_ms;
	set->backoff_cap_ms = cfg->backoff_max_ms;
	set->account_id_of = setup_account_id;
	set->account_data = (void *)cfg;
}
