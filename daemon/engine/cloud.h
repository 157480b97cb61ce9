/* The engine's only way to the outside world: list everything live in one place
 * (account, region) and carry out one plan action. The real implementation
 * (cloud_aws.c) maps these onto the typed AWS clients of daemon/aws/; tests swap in
 * an in-memory world.
 *
 * libuv conventions: a call returns 0 (its callback runs exactly once, later, from
 * the loop) or -errno (the callback never runs). Everything handed to a callback is
 * borrowed for the callback's duration unless it says "takes". */
#ifndef BTD_CLOUD_H
#define BTD_CLOUD_H

#include <stdbool.h>
#include <stdint.h>

#include "observed.h"
#include "plan.h"
#include "strbuf.h"
#include "tenant_state.h"

/* Where a tenant's resources live. */
struct place {
	char *key;	  /* "alias/region" ("-" for the default account) */
	char *account;	  /* alias from the configuration; NULL: the daemon's own account */
	char *account_id; /* 12 digits when known */
	char *region;
	/* The place's settings. ssm_tier: the Tier parameters are written with (static;
	 * "Standard", "Advanced" or "Intelligent-Tiering"), whose quota they count in. */
	const char *ssm_tier;
	/* list_enforcement: the listing reads the deny policies and the Budgets actions too
	 * (budget_actions.execution_role is configured: tenants may enforce). */
	bool list_enforcement;
	/* Listings of one account started with the same epoch (no action of the engine
	 * answered between their starts) may share the account's reads: Budgets, IAM. */
	uint64_t account_epoch;
	/* Tags only a hand changes (docs/operations.md, "What is read when"): true, the
	 * listing does not read the parameters' (keep_param_tags) or the budgets'
	 * (keep_budget_tags) tags but keeps those seen holds for the resources it finds
	 * unchanged; false (zeroed), it reads them. */
	bool keep_param_tags, keep_budget_tags;
	/* The place's observed model as the engine holds it (borrowed; NULL: none), for a
	 * listing that reads only what changed since (parameter values by Version). */
	const struct observed_store *seen;
	/* The account's budgets the listing leaves out of the place's model: those of
	 * the tenants placed in the account's other places, each of which holds its own
	 * (a budget is the account's: each Region's model held every one before). Budget
	 * name -> tenant id, borrowed for the list call (the cloud copies what it keeps);
	 * NULL: none. A budget is left out when its tags name that tenant, or by its name
	 * alone when its tags are not read this time; counted in
	 * observed_store.budgets_elsewhere. */
	const struct hashmap *budgets_elsewhere;
	/* The same for the account's inline role policies (IAM is the account's too):
	 * observed_policy_key(role, policy) -> tenant id of the policies the tenants
	 * placed in the account's other places derive; each is counted in its role's
	 * characters all the same (observed_store_count_policy_elsewhere). NULL: none. */
	const struct hashmap *policies_elsewhere;
};

struct cloud_error {
	int status;	      /* HTTP status, 0 when no answer */
	enum error_class cls; /* ERROR_RETRYABLE or ERROR_TERMINAL */
	char code[64];	      /* AWS error code, e.g. "ValidationException" */
	char message[256];
	char request_id[64];
};

/* What one action changed, as far as the answer tells. The callback may take any of
 * the pointers (setting it to NULL); the cloud frees whatever is left afterwards. */
struct cloud_result {
	struct observed_profile *profile;     /* a create or a read: the live profile (takes) */
	struct observed_parameter *parameter; /* a parameter read: the live parameter (takes) */
	struct observed_budget *budget;	      /* a budget read (tags or alerts): the live budget (takes) */
	struct observed_policy *policy;	      /* a policy read: what the role has (takes) */
	bool gone;			      /* the resource did not exist (a delete is then done) */
	char request_id[64];		      /* AWS's id of the action's last answer ("" when none) */
	/* When a success was answered, by AWS's clock as this host knows it (epoch ms);
	 * 0: not known. A parameter's LastModifiedDate is then within moments of it. */
	int64_t answered_ms;
	/* What a create answered beside the resource: the ActionId of a Budgets action,
	 * the default version of a deny policy ("" when none). */
	char answer[64];
};

typedef void (*cloud_list_cb)(int status, const struct cloud_error *err, struct observed_store *snapshot, void *data);
typedef void (*cloud_apply_cb)(int status, const struct cloud_error *err, struct cloud_result *result, void *data);
typedef void (*cloud_account_cb)(int status, const struct cloud_error *err, const char *account_id, void *data);
/* value: the quota applied (0 is one: no room at all), when status is 0. */
typedef void (*cloud_quota_cb)(int status, const struct cloud_error *err, uint64_t value, void *data);
/* value: the claim's live text (borrowed for the call), NULL when there is no such
 * parameter; when status is 0. */
typedef void (*cloud_claim_cb)(int status, const struct cloud_error *err, const char *value, void *data);

struct cloud_ops {
	/* list: a full listing of place: application profiles (tags where the tagging API
	 * knows them, else tags_known = false), and the parameters below param_prefix
	 * with their tags. The snapshot is the callee's; the callback may move its
	 * contents out (it is released after the callback returns). */
	int (*list)(void *ctx, const struct place *p, const char *param_prefix, const char *instance, cloud_list_cb cb,
		    void *data);
	/* apply: carry out one action of a plan in place. The action stays valid until
	 * the callback has run (the plan outlives every call of its round). priority:
	 * someone waits for it (an edit, an operator's command): its calls go before the
	 * ordinary calls queued for the same place and service, never past a rate limit.
	 * order: the rank of the reconcile it belongs to (1, 2, ... as they started; 0:
	 * none): among the calls of its lane waiting for the same rate limit, those of
	 * the older reconciles go first (struct aws_target). */
	int (*apply)(void *ctx, const struct place *p, const struct action *a, bool priority, uint64_t order,
		     cloud_apply_cb cb, void *data);
	/* account_id: the account id behind place's credentials (STS GetCallerIdentity). */
	int (*account_id)(void *ctx, const struct place *p, cloud_account_cb cb, void *data);
	/* quota (optional): the applied value of a Service Quotas code (service "bedrock"
	 * or "iam") for place's account (and Region, where the quota is regional). */
	int (*quota)(void *ctx, const struct place *p, const char *service, const char *code, cloud_quota_cb cb,
		     void *data);
	/* claim (optional): the instance's claim, the SSM String parameter `name` in
	 * place: written with `value` (PutParameter, overwriting whatever is there; the
	 * callback then gets value), or read (value NULL: GetParameter). */
	int (*claim)(void *ctx, const struct place *p, const char *name, const char *value, cloud_claim_cb cb,
		     void *data);
	/* status_json: counters and rate limiters for /v1/status, as a JSON object text
	 * (owned by the caller), or NULL. */
	char *(*status_json)(void *ctx);
	/* in_flight: requests in flight right now. */
	unsigned (*in_flight)(void *ctx);
	/* metrics: append Prometheus text lines for the client's counters (optional). */
	void (*metrics)(void *ctx, struct strbuf *out);
};

/* place_key_alias: the account alias of a place key "alias/region" (a copy, the caller
 * frees it), or NULL for the default account ("-/region") and a key without a Region. */
char *place_key_alias(const char *key);

/* place_kept_alias: a tenant that names no account and is placed by no pool (t->account
 * and t->pool NULL) but whose recorded place (`fact`, "alias/region") is in a named
 * account stays in that account: a pool placed it there and the configuration no
 * longer gives it one (pools taken out, its pool renamed), or its manifest named the
 * account before. Its ARNs would change in another; it moves only when its manifest
 * names an account, a pool or a Region (within the account, then). Returns the alias
 * (a copy, the caller frees it) and the Region (*ret_region: the manifest's spec.region,
 * else the place's; borrowed from t or fact); NULL when the rule does not apply: the
 * place is then fixed by the tenant's account and Region. */
char *place_kept_alias(const struct tenant *t, const char *fact, const char **ret_region);

/* place_account_cmp: 1: a and b are places of one account (by id, or the same alias);
 * 0: of two; -1: not known yet (two aliases, an id unknown: two aliases of one account
 * list the same resources, so nothing is judged left over until the ids tell).
 * place_same_account: place_account_cmp is 1. */
int place_account_cmp(const struct place *a, const struct place *b);
bool place_same_account(const struct place *a, const struct place *b);
/* place_same_place: two keys of one account and Region: one place in AWS. */
bool place_same_place(const struct place *a, const struct place *b);

struct tenant_record;

/* place_account_moved: the account id a tenant's resources were made in (its record's
 * facts place and account), when the place it is reconciled in now (p, its key the
 * recorded one) names another id (an alias given another id, the daemon's own
 * credentials another account's): it must wait, untouched. NULL otherwise, or while
 * either id is unknown. Borrowed from rec. */
const char *place_account_moved(const struct tenant_record *rec, const struct place *p);
/* place_account_moved_why: the reason such a tenant waits (owned). */
char *place_account_moved_why(const struct place *p, const char *made_in);
/* place_move_waits: as place_account_moved, for a tenant whose place would change
 * from its recorded one (from) to the place to_key (its account id to_id, NULL when
 * unknown): its set in from could be neither listed nor deleted under from's alias,
 * and a move would leave it behind, known to nothing; it waits in from. NULL when it
 * may go, and when to_key is from under another name (the same account id and
 * Region: engine/moves.c, engine__place_renamed). Borrowed from rec. */
const char *place_move_waits(const struct tenant_record *rec, const struct place *from, const char *to_key,
			     const char *to_id);

void cloud_error_set(struct cloud_error *e, int status, enum error_class cls, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
