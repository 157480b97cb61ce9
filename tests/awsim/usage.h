/* The state behind usage and its cost in awsim: S3 buckets, Bedrock's invocation
 * logging configuration and the log batches waiting for delivery, the tokens and
 * cost of every invocation (per day, invoked resource and model), cost-allocation
 * tag statuses, Budgets actions and IAM customer-managed policies.
 *
 * One struct usage_world per awsim (sim->usage, created on first use by
 * usage_world()); per-account parts in struct usage_acct. docs/awsim.md documents
 * the behaviour. */
#ifndef AWSIM_USAGE_H
#define AWSIM_USAGE_H

#include "awsim.h"

#define USAGE_MAX_DAYS	      100000	   /* (day, resource) aggregates per account */
#define USAGE_MAX_BUCKETS     100	   /* buckets in awsim */
#define USAGE_MAX_S3_BYTES    (256u << 20) /* object bytes in awsim */
#define USAGE_MAX_S3_OBJECTS  1000000	   /* objects in awsim */
#define USAGE_MAX_POLICIES    1500	   /* customer-managed policies per account */
#define USAGE_MAX_VERSIONS    5		   /* versions per managed policy */
#define USAGE_MAX_ATTACHED    10	   /* managed policies attached per role */
#define USAGE_MAX_ACTIONS     10	   /* actions per budget */
#define USAGE_DEFAULT_DELAY   60000	   /* ms a log batch waits before delivery */
#define USAGE_MAX_BATCH_BYTES (1u << 20)   /* a batch is delivered when it reaches this */
#define USAGE_DEFAULT_INPUT   0.003	   /* USD per 1,000 input tokens */
#define USAGE_DEFAULT_OUTPUT  0.015	   /* USD per 1,000 output tokens */

/* ---- S3 (s3.c) ---- */

struct s3_object {
	char *data;
	size_t len;
	char etag[35]; /* "\"" + 32 hex + "\"" */
	char *content_type;
	int64_t modified_ms;
};

struct bucket {
	char *name, *region, *owner;
	int64_t created_ms;
	struct omap objects; /* key -> struct s3_object */
};

/* s3_put: stores data (copied) as bucket/key, replacing an older object. -ENOSPC
 * beyond USAGE_MAX_S3_BYTES or USAGE_MAX_S3_OBJECTS. */
int s3_put(struct awsim *sim, struct bucket *b, const char *key, const void *data, size_t len,
	   const char *content_type);

/* ---- IAM managed policies (iam_managed.c) ---- */

struct policy_version {
	int id; /* v1, v2, ... */
	char *doc;
	int64_t created_ms;
};

struct managed_policy {
	char *name, *path, *id, *arn, *description;
	struct policy_version v[USAGE_MAX_VERSIONS];
	size_t n_versions;
	int default_version, next_version;
	int64_t created_ms, updated_ms;
	struct omap roles; /* lowercase role name -> itself (attachments) */
};

/* ---- Budgets actions (budgets_actions.c) ---- */

/* What an action in a *_IN_PROGRESS status does when its time comes (the fault
 * plan's budget_action_ms). */
enum action_landing { LAND_NONE, LAND_ATTACH, LAND_DETACH, LAND_RESET };

struct budget_action {
	char *budget, *id;
	cJSON *doc; /* the Action shape as described, Status included */
	enum action_landing landing;
	int64_t due_ms; /* wall clock (ids_now_ms) at which `landing` happens */
};

/* ---- usage of one day (usage.c) ---- */

struct usage_day {
	char day[11];		 /* YYYY-MM-DD, UTC */
	char *region, *resource; /* the modelId invoked, as an ARN when it was one */
	char *model;		 /* the foundation model priced */
	struct tagset tags;	 /* the invoked profile's tags at the first invocation */
	uint64_t requests, input, output;
	double cost; /* USD */
};

struct usage_acct {
	char *id;
	struct omap policies;	/* ARN -> struct managed_policy */
	struct omap tag_status; /* cost-allocation tag key -> "Active" / "Inactive" */
	struct omap days;	/* "day\tregion\tresource" -> struct usage_day */
	struct omap logging;	/* region -> cJSON loggingConfig */
	struct omap actions;	/* "budget\taction id" -> struct budget_action */
};

/* One pending delivery of invocation-log records. */
struct log_batch {
	char *account, *region, *bucket, *prefix;
	struct strbuf lines; /* JSON lines */
	int64_t opened_ms;
};

struct price {
	char *model; /* "*" for every other model */
	double input, output;
};

struct usage_world {
	struct omap accounts; /* id -> struct usage_acct */
	struct omap buckets;  /* name -> struct bucket */
	struct omap batches;  /* "account\tregion" -> struct log_batch */
	size_t s3_bytes, s3_objects;
	struct price *prices;
	size_t n_prices;
	uint64_t seq;	      /* log object names */
	bool actions_landing; /* some Budgets action may be in progress */
};

struct usage_world *usage_world(struct awsim *sim);
struct usage_acct *usage_acct(struct awsim *sim, const char *account);
/* usage_price: USD for the tokens on model (a foundation-model id). */
double usage_price(struct awsim *sim, const char *model, uint64_t input, uint64_t output);
/* usage_parse_prices: "MODEL=IN,OUT;..." (USD per 1,000 tokens; MODEL "*" for the
 * rest); -EINVAL on bad text. */
int usage_parse_prices(const char *text, struct price **ret, size_t *n);

struct invocation {
	const char *account, *region, *caller_arn, *request_id, *operation;
	const char *model_id;	   /* as the caller named it */
	const char *model;	   /* the foundation model that answered */
	const struct tagset *tags; /* of the invoked profile, or NULL */
	const cJSON *request_metadata;
	uint64_t input, output;
	int64_t when_ms;
};

/* usage_record: counts inv into the account's usage and cost, queues its log
 * record when logging is on, then runs the Budgets actions it may trigger. */
void usage_record(struct awsim *sim, const struct invocation *inv);
/* usage_matches_filter: whether u counts for a budget with filters, given the
 * account's active cost-allocation tags. */
bool usage_matches_budget(const struct usage_acct *ua, const struct usage_day *u, const cJSON *budget_doc);

/* usage_expression_matches: a Budgets / Cost Explorer Expression (And, Or, Not,
 * Tags; dimensions and cost categories match everything) on u. */
bool usage_expression_matches(const struct usage_acct *ua, const struct usage_day *u, const cJSON *e, int depth);
/* usage_plain_key: a tag key without its "user:" prefix. */
const char *usage_plain_key(const char *key);

/* invocation_log.c */
void invlog_queue(struct awsim *sim, struct usage_acct *ua, const struct invocation *inv);
/* invlog_deliver: writes every batch older than the delay (all with force). */
void invlog_deliver(struct awsim *sim, bool force);
void log_batch_free(void *v);

/* budgets_actions.c: runs the AUTOMATIC actions whose threshold acct's spend crossed */
void budget_actions_run(struct awsim *sim, const char *account);
/* budget_actions_land: the actions whose execution, reversal or reset has run its
 * time (budget_action_ms) take their final status, and their effect lands. Cheap
 * when none is in progress: called before every request. */
void budget_actions_land(struct awsim *sim);
/* budget_actions_drop: the budget is deleted, and its actions with it. */
void budget_actions_drop(struct awsim *sim, const char *account, const char *budget);
/* usage_budget_new_period: the budget's counted spend starts again from now (the
 * admin API's new period); kept in the budget's document under private members that
 * answers leave out. */
#define USAGE_OFFSET_FIELD	  "_awsimCountedBefore"
#define USAGE_OFFSET_PERIOD_FIELD "_awsimCountedPeriod"
void usage_budget_new_period(struct awsim *sim, const struct account *acct, struct budget *b);
void budget_action_free(void *v);

/* iam_managed.c */
void managed_policy_free(void *v);
/* iam_role_documents: the inline and attached policy documents of role (name
 * any case) in account; *n 0 when the role is unknown. Borrowed; free the array. */
const char **iam_role_documents(struct awsim *sim, const char *account, const char *role, size_t *n);
/* iam_attach: attaches or detaches a managed policy (used by Budgets actions). */
int iam_attach(struct awsim *sim, const char *account, const char *role, const char *policy_arn, bool attach);
/* iam_role_attached: some managed policy of account is attached to role (name any
 * case): IAM refuses to delete the role until it is detached. */
bool iam_role_attached(struct awsim *sim, const char *account, const char *role);

void bucket_free(void *v);

#endif
