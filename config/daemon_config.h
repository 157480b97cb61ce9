/* The daemon configuration (/etc/bedrock-tenantd/config.yaml): parsing, defaults and
 * the values every other module reads. docs/configuration.md documents each field.
 *
 * A struct daemon_config owns all its strings and arrays; daemon_config_free() releases
 * them. Relative paths (manifests, state_dir, socket.path) are resolved against the
 * directory of the configuration file. Durations are milliseconds. */
#ifndef BTD_DAEMON_CONFIG_H
#define BTD_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define DAEMON_CONFIG_PATH	"/etc/bedrock-tenantd/config.yaml"
#define DAEMON_CONFIG_MAX_BYTES (1024 * 1024)
#define DAEMON_CONFIG_MAX_NODES 200000

/* The AWS services the daemon calls, in the order of their configuration keys. */
enum cfg_service {
	CFG_SERVICE_BEDROCK,
	CFG_SERVICE_BUDGETS,
	CFG_SERVICE_IAM,
	CFG_SERVICE_SSM,
	CFG_SERVICE_TAGGING, /* Resource Groups Tagging API */
	CFG_SERVICE_STS,
	CFG_SERVICE_SERVICEQUOTAS, /* Service Quotas */
	CFG_SERVICE_S3,		   /* invocation logs (usage) */
	CFG_SERVICE_CE,		   /* Cost Explorer */
	CFG_SERVICE_COUNT,
};

enum cfg_mode {
	CFG_MODE_ENFORCE, /* make AWS match the manifests */
	CFG_MODE_REPORT,  /* only report drift (tenants show as Drifted) */
};

enum cfg_log_level {
	CFG_LOG_DEBUG,
	CFG_LOG_INFO,
	CFG_LOG_NOTICE,
	CFG_LOG_WARNING,
	CFG_LOG_ERROR,
};

/* log_format: auto (the journal under systemd, text otherwise), journal, text, json */
enum cfg_log_format {
	CFG_LOG_FORMAT_AUTO,
	CFG_LOG_FORMAT_JOURNAL,
	CFG_LOG_FORMAT_TEXT,
	CFG_LOG_FORMAT_JSON,
};

/* Where a setting was written, for messages that name the rule a manifest broke. */
struct cfg_pos {
	unsigned line, col; /* 0: not written (a default) */
};

struct cfg_account {
	char *alias;
	char *id;	   /* 12 digits */
	char *role_arn;	   /* role to assume for this account; NULL: the daemon's own credentials */
	char *external_id; /* sts:ExternalId for role_arn; NULL when none */
	struct cfg_pos pos;
};

/* pools: a name -> the places (account alias x Region) its tenants are placed in. */
struct cfg_pool {
	char *name;
	char **accounts; /* aliases of accounts:, in the order written */
	size_t n_accounts;
	char **regions; /* default: [region] */
	size_t n_regions;
	struct cfg_pos pos;
};

/* capacity: quotas assumed per place (docs/configuration.md). Profiles and roles are
 * read from Service Quotas and these apply only when it cannot answer; parameters and
 * budgets have no Service Quotas code and these are their quotas. */
struct cfg_capacity {
	uint64_t profiles;   /* 1000, per account and Region */
	uint64_t parameters; /* 10000 (Standard), per account and Region */
	uint64_t budgets;    /* 20000, per account */
	uint64_t roles;	     /* 1000, per account */
};

struct cfg_socket {
	char *path;
	unsigned mode;
	char *group; /* NULL: the daemon's own group */
};

/* metrics.listen: the TCP address of GET /metrics; NULL listen: no listener. */
struct cfg_metrics {
	char *listen; /* as written: "127.0.0.1:9464", "[::1]:9464" */
	char *host;   /* the numeric address, without brackets */
	int port;     /* 0: any free port (the daemon logs the one it took) */
};

struct cfg_naming {
	char *profile_name; /* default "{tenant}-{profile}-{hash6}" */
	char *parameter;    /* default "/bedrock-tenants/{tenant}/{profile}/profile-arn" */
	char *budget_name;  /* default "bedrock-tenant-{tenant}" */
	char *policy_name;  /* default "bedrock-tenantd-{tenant}" */
};

/* Governance: every list empty means "no restriction". */
struct cfg_policy {
	char **allowed_models; /* exact ids or fnmatch(3) globs of the model id */
	size_t n_allowed_models;
	struct cfg_pos allowed_models_pos;
	char **regions;
	size_t n_regions;
	struct cfg_pos regions_pos;
	char **departments; /* sorted */
	size_t n_departments;
	struct cfg_pos departments_pos;
	bool require_department;
	struct cfg_pos require_department_pos;
	char **required_tags; /* tag keys every tenant's tags must hold */
	size_t n_required_tags;
	struct cfg_pos required_tags_pos;
	char *max_budget_usd; /* canonical decimal; NULL: no ceiling */
	struct cfg_pos max_budget_usd_pos;
	bool require_budget;
	struct cfg_pos require_budget_pos;
	struct cfg_naming naming;
};

struct cfg_safety {
	uint64_t prune_grace_ms;       /* default 10m */
	uint64_t replacement_drain_ms; /* default 15m */
	unsigned max_deletions;	       /* default 10 */
	double max_deletions_percent;  /* default 5 */
};

/* A limit of one operation (`rate_limits.<service>.operations.<Operation>`): a call
 * of it passes this bucket and its service's. */
struct cfg_op_limit {
	char *operation; /* AWS's name, e.g. "CreateInferenceProfile" */
	double requests_per_second;
	unsigned burst;
};

struct cfg_rate_limit {
	double requests_per_second;
	unsigned burst;
	struct cfg_op_limit *ops; /* sorted by operation, at most CFG_MAX_OP_LIMITS */
	size_t n_ops;
};

#define CFG_MAX_OP_LIMITS 32 /* per service */

/* Notifications (daemon/alerts.c): which events, where to, how many. */
enum cfg_notify_event {
	CFG_NOTIFY_DELETIONS_HELD, /* the prune gate held deletions */
	CFG_NOTIFY_TENANT_STALLED, /* a tenant entered Stalled */
	CFG_NOTIFY_DRIFT_REPAIRED, /* a change made AWS match a manifest again */
	CFG_NOTIFY_EVENT_COUNT,
};

struct cfg_notifications {
	char *webhook_url;	   /* NULL: no webhook */
	char *webhook_header;	   /* header carrying the secret; NULL: none */
	char *webhook_secret_file; /* the secret (first line), read at start */
	char *sns_topic_arn;	   /* NULL: no SNS */
	unsigned max_per_minute;   /* per event kind (10) */
	unsigned events;	   /* bit (1 << enum cfg_notify_event) per kind sent (all) */
};

/* usage: where Bedrock's invocation logs land, per place (config/daemon_config_usage.c). */
enum cfg_invocation_logging {
	CFG_INVLOG_OBSERVE, /* only read Bedrock's logging configuration; a mismatch is a problem */
	CFG_INVLOG_MANAGE,  /* keep it pointing at the place's bucket and prefix */
};

struct cfg_usage_place {
	char *account; /* alias; NULL: the daemon's own credentials */
	char *region;
	char *bucket;
	char *prefix; /* the logging configuration's keyPrefix, "" when none */
	struct cfg_pos pos;
};

#define CFG_USAGE_MAX_PLACES 100
/* usage.max_object_size: a log object is read whole, in memory (twice while it is
 * handed to the parser); one larger is passed over, logged and counted */
#define USAGE_OBJECT_DEFAULT (32ull << 20)
#define USAGE_OBJECT_MIN     (4ull << 10)
#define USAGE_OBJECT_MAX     (1ull << 30)

/* usage.cost_explorer.mode */
enum cfg_cost_explorer {
	CFG_CE_OBSERVE, /* read GetCostAndUsage in the payer account (the default) */
	CFG_CE_OFF,	/* never call it */
};

struct cfg_usage {
	struct cfg_usage_place *places; /* none: usage is off */
	size_t n_places;
	enum cfg_invocation_logging invocation_logging;
	char *metadata_key;	   /* requestMetadata key naming the tenant ("tenantId") */
	uint64_t poll_interval_ms; /* listing of new log objects (30 s) */
	unsigned retention_days;   /* aggregates kept (400) */
	bool path_style;	   /* S3 path-style addressing (custom endpoints) */
	uint64_t max_object_bytes; /* a log object larger is passed over unread (32 MiB) */
	unsigned metrics_tenants;  /* per-tenant Prometheus series, top N by cost (0: none) */
	/* cost_explorer: Cost Explorer's figure per tenant tag beside the estimate */
	enum cfg_cost_explorer ce_mode;
	uint64_t ce_refresh_ms; /* one grouped GetCostAndUsage per refresh (6 h) */
	unsigned ce_days;	/* the days each refresh fetches, today included (31) */
};

/* prices: estimated USD per 1,000 tokens, per model id. */
struct cfg_price {
	char *model;
	double input, output, cache_read, cache_write;
};

#define CFG_MAX_PRICES 1000

/* cost_allocation_tags (daemon/cost_tags.c): the tag keys budgets filter on, in the
 * payer account's Cost Explorer. */
enum cfg_cost_tags_mode {
	CFG_COST_TAGS_OBSERVE, /* report inactive keys in status (the default) */
	CFG_COST_TAGS_MANAGE,  /* activate them */
};
struct cfg_cost_tags {
	enum cfg_cost_tags_mode mode;
	char *payer_account; /* an alias of accounts; NULL: the daemon's own credentials */
	struct cfg_pos payer_account_pos;
	uint64_t check_interval_ms; /* default 1h */
};

/* ssm_tier: the Tier of the parameters the daemon writes (PutParameter). */
enum cfg_ssm_tier {
	CFG_SSM_TIER_STANDARD,
	CFG_SSM_TIER_ADVANCED,
	CFG_SSM_TIER_INTELLIGENT, /* Intelligent-Tiering: SSM chooses per parameter */
};

/* budget_actions: what a tenant's budget enforcement (spec.budget.enforce) needs. */
struct cfg_budget_actions {
	/* The IAM role name Budgets assumes to attach and detach the deny policy, the same
	 * name in every account: arn:PARTITION:iam::ACCOUNT:role/NAME is built per tenant's
	 * account. NULL: not configured (a manifest with enforce is then refused). */
	char *execution_role;
};

struct daemon_config {
	char *file; /* the file read; NULL for the built-in defaults */
	char *manifests;
	char *state_dir;
	struct cfg_socket socket;
	char *instance;		      /* owner name in the managed-by tag */
	char *region;		      /* default Region of tenants; NULL: none configured */
	struct cfg_account *accounts; /* sorted by alias */
	size_t n_accounts;
	uint64_t resync_interval_ms;
	uint64_t alerts_audit_ms; /* watch.alerts_audit_interval */
	struct cfg_policy policy;
	struct cfg_safety safety;
	struct cfg_rate_limit rate_limits[CFG_SERVICE_COUNT];
	char *endpoint_default;		    /* every service; NULL: AWS's endpoints */
	char *endpoints[CFG_SERVICE_COUNT]; /* per service; NULL: endpoint_default */
	unsigned max_in_flight;
	enum cfg_mode mode;
	enum cfg_log_level log_level;
	enum cfg_log_format log_format;
	enum cfg_ssm_tier ssm_tier; /* Standard */
	/* The instance's claim (docs/operations.md, "One daemon per instance"): the SSM
	 * parameter naming the daemon that acts; NULL: the default,
	 * cfg_claim_parameter(); "" (written `none`): no claim. */
	char *claim_parameter;
	uint64_t watch_settle_ms;
	uint64_t rescan_interval_ms;
	uint64_t backoff_initial_ms;
	uint64_t backoff_max_ms;
	uint64_t shutdown_timeout_ms;
	struct cfg_metrics metrics;
	struct cfg_notifications notifications;
	struct cfg_usage usage;
	struct cfg_price *prices; /* sorted by model */
	size_t n_prices;
	struct cfg_cost_tags cost_tags;
	struct cfg_pool *pools; /* in the order written */
	size_t n_pools;
	/* pools (and capacity) are the running ones, kept by a reload whose file gives
	 * others until a restart (daemon_config_keep_running) */
	bool pools_kept;
	struct cfg_capacity capacity;
	struct cfg_budget_actions budget_actions;
};

/* daemon_config_defaults: a configuration with every default (file NULL). */
struct daemon_config *daemon_config_defaults(void);
void daemon_config_free(struct daemon_config *cfg);

/* daemon_config_parse: parse text read from file. Always returns a configuration in
 * *ret (defaults wherever a value was missing or wrong) so tools can keep checking;
 * returns 0 when it is clean, -EINVAL when diags got errors: the daemon must then not
 * use it (on reload it keeps its previous configuration). */
int daemon_config_parse(const char *file, const char *text, size_t len, struct daemon_config **ret,
			struct diag_list *diags);
/* daemon_config_load: read and parse the file; I/O problems are diagnostics too. */
int daemon_config_load(const char *file, struct daemon_config **ret, struct diag_list *diags);

/* Lookups; borrowed results. */
const struct cfg_account *daemon_config_account(const struct daemon_config *cfg, const char *alias);
/* daemon_config_endpoint: the endpoint override of a service, or NULL. */
const char *daemon_config_endpoint(const struct daemon_config *cfg, enum cfg_service svc);

/* daemon_config_price: the price of model (exact id), or NULL. */
const struct cfg_price *daemon_config_price(const struct daemon_config *cfg, const char *model);

const char *cfg_service_name(enum cfg_service svc);
const char *cfg_mode_name(enum cfg_mode mode);
const char *cfg_log_level_name(enum cfg_log_level level);
const char *cfg_notify_event_name(enum cfg_notify_event ev);
/* cfg_ssm_tier_name: SSM's name of the tier ("Standard", "Advanced",
 * "Intelligent-Tiering"), a static string. */
const char *cfg_ssm_tier_name(enum cfg_ssm_tier tier);
/* cfg_claim_parameter: the claim's parameter name (owned by the caller), NULL when
 * there is none: claim_parameter as written, else /bedrock-tenantd/INSTANCE/claim
 * (a character of the instance that SSM does not take in a name written '_'). */
char *cfg_claim_parameter(const struct daemon_config *cfg);

/* daemon_config_notify.c: the `notifications` section (called by the parser). */
struct walk;
struct ynode;
void daemon_config_read_notifications(struct walk *w, const struct ynode *n, struct daemon_config *cfg);
/* daemon_config_cost_tags.c: the `cost_allocation_tags` section (called by the parser;
 * the payer account is checked against accounts once both are read). */
void daemon_config_read_cost_tags(struct walk *w, const struct ynode *n, struct daemon_config *cfg);
/* daemon_config_rates.c: the `rate_limits` section (called by the parser), and the
 * release of its operation limits. */
void daemon_config_read_rate_limits(struct walk *w, const struct ynode *n, struct daemon_config *cfg);
void daemon_config_rate_limits_release(struct daemon_config *cfg);
/* daemon_config_rate_limits_equal: the same limits, operations included. */
bool daemon_config_rate_limits_equal(const struct cfg_rate_limit *a, const struct cfg_rate_limit *b);
void daemon_config_check_cost_tags(struct walk *w, const struct daemon_config *cfg);
const char *cfg_cost_tags_mode_name(enum cfg_cost_tags_mode mode);
/* cfg_cost_explorer_name: "observe" or "off". */
const char *cfg_cost_explorer_name(enum cfg_cost_explorer mode);

/* daemon_config_pools.c: the `pools` and `capacity` sections (called by the parser
 * after accounts, region and policy); the pool named name, or NULL. */
void daemon_config_read_pools(struct walk *w, const struct ynode *n, struct daemon_config *cfg);
void daemon_config_read_capacity(struct walk *w, const struct ynode *n, struct daemon_config *cfg);
const struct cfg_pool *daemon_config_pool(const struct daemon_config *cfg, const char *name);
void daemon_config_pools_free(struct daemon_config *cfg);

#endif
