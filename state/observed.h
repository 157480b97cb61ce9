/* The observed model: what bulk listings (and the daemon's own successful writes)
 * say is live in AWS, for one (account, region).
 *
 * An observed_store owns every resource in it. Profiles are indexed by ARN and by
 * name; parameters by name. The engine assembles an observed_tenant view (borrowed
 * pointers into the store) for the diff. Nothing here does I/O. */
#ifndef BTD_OBSERVED_H
#define BTD_OBSERVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "hashmap.h"
#include "model.h"
#include "observed_digest.h"

/* 72 bytes, 200,000 times over at 100,000 tenants: the count and the flags in one
 * word (bit-fields), the creation time in the other half of a word. No id: it is its
 * ARN's tail (observed_profile_id). No description: Bedrock changes none (an
 * application inference profile's description is set once, at its creation) and the
 * diff compares none. No content digest either: its group's sum is all the carry
 * reads (observed_digest.h). */
struct observed_profile {
	char *arn;
	char *name;
	/* models[] as Bedrock lists them; interned (state/intern.h). An arena entry's is,
	 * once put, an interned list (models_in_list): the profiles of one model (or of
	 * one cross-Region profile's models) share one copy; never written then */
	const char **model_arns;
	/* at most OBSERVED_PROFILE_MAX_MODELS: a profile Bedrock says has more is taken with
	 * none, its models not known (profile_from_aws) */
	uint32_t n_model_arns : 24;
	bool tags_known : 1; /* tags came from GetResources or ListTagsForResource */
	bool listed : 1;     /* a listing showed it (not only the daemon's own write) */
	/* models[] is not known yet: a create was answered but the profile could not be
	 * read back (read-after-write lag). Nothing is derived from it until a read or
	 * a listing fills it; in particular no role policy. */
	bool models_unknown : 1;
	/* the struct, its strings and model_arns[] live in a store's arena (a listing's
	 * entry, observed_store_new_profile): freed with that store, never alone. Its
	 * arn is then an interned reference (state/intern.h; shared with the parameter
	 * naming it and the record of its applied tags) */
	bool in_arena : 1;
	bool tags_in_arena : 1;	 /* an arena entry's tags[] moved into the arena as it was stored */
	bool models_in_list : 1; /* model_arns is an interned list (intern_list) */
	/* createdAt, seconds since the epoch (0 when not known): 32 bits last until 2106 */
	uint32_t created_at;
	struct tag_set tags;
	/* observed_profile_grants_digest, set by observed_store_put_profile: the diff
	 * pass reads it for every profile, too often to compute it there */
	struct content_digest grants;
};

#define OBSERVED_PROFILE_MAX_MODELS ((1u << 24) - 1)

/* observed_profile_id: the profile's id, its ARN's tail after the last '/'
 * ("...:application-inference-profile/ID"); the whole ARN when it has none. Points
 * into p->arn. */
const char *observed_profile_id(const struct observed_profile *p);

/* observed_profile_created_at: a createdAt in seconds as the profile keeps it,
 * clamped to [0, UINT32_MAX] */
uint32_t observed_profile_created_at(int64_t seconds);

/* 56 bytes: the version and the flags in one word; no content digest of its own, as
 * observed_profile. */
struct observed_parameter {
	char *name;
	char *value;
	/* LastModifiedDate as a listing saw it; below 0: the daemon's own write, answered
	 * at -modified_ms by AWS's clock as the daemon knew it (AWS's date is within
	 * moments of it); 0: not known */
	int64_t modified_ms;
	struct tag_set tags;
	/* SSM's Version: 48 bits (2^47 writes of one parameter are out of reach); a
	 * listing's larger one is clamped (observed_parameter_version) */
	int64_t version : 48;
	bool tags_known : 1;
	bool in_arena : 1;	/* as observed_profile's; name and value are then interned */
	bool tags_in_arena : 1; /* as observed_profile's */
};

#define OBSERVED_PARAMETER_MAX_VERSION (((int64_t)1 << 47) - 1)

/* observed_parameter_version: SSM's Version as a parameter keeps it, clamped to
 * [0, OBSERVED_PARAMETER_MAX_VERSION] */
int64_t observed_parameter_version(int64_t version);

/* One budget notification with its subscribers ("EMAIL:address", "SNS:arn", sorted). */
struct observed_alert {
	char *type;	  /* "ACTUAL" | "FORECASTED" */
	char *comparison; /* "GREATER_THAN" | "LESS_THAN" | "EQUAL_TO" */
	double threshold;
	char *threshold_type; /* "PERCENTAGE" | "ABSOLUTE_VALUE" */
	char **subscribers;
	size_t n_subscribers;
};

/* A Budgets action on a budget (DescribeBudgetActionsForAccount). */
struct observed_budget_action {
	char *id;
	char *status;		 /* "STANDBY", "EXECUTION_SUCCESS", "REVERSE_SUCCESS", ... */
	char *action_type;	 /* "APPLY_IAM_POLICY", ... */
	char *notification_type; /* "ACTUAL" | "FORECASTED" */
	char *approval_model;	 /* "AUTOMATIC" | "MANUAL" */
	char *threshold_type;	 /* "PERCENTAGE" | "ABSOLUTE_VALUE" */
	double threshold;
	char *policy_arn;	  /* "" for other types */
	char *execution_role_arn; /* "" when absent */
	char **roles;		  /* sorted */
	size_t n_roles;
	char **subscribers; /* "EMAIL:address" | "SNS:arn", sorted */
	size_t n_subscribers;
};

/* A customer-managed deny policy under ENFORCE_POLICY_PATH (ListPolicies). */
struct observed_deny_policy {
	char *name;
	char *arn;
	char *default_version; /* "v1" */
	int64_t attachments;   /* AttachmentCount; -1: unknown */
	/* The roles it is attached to (ListEntitiesForPolicy), sorted; read only for the
	 * policy of an executed Budgets action (an over-budget tenant's) or of one whose
	 * execution failed (partly attached, perhaps): AttachmentCount
	 * counts every entity, so a hand-made attachment elsewhere can hide a role the
	 * policy was detached from. roles_known false: not read (the count stands). */
	char **roles;
	size_t n_roles;
	bool roles_known;
};

/* The counts and the flags (bit-fields) in 10 bytes after the strings, the tags and the
 * arrays: 112 bytes, not 136 with an ARN and a string an amount (160 with a byte a flag
 * and the counts in size_t). No ARN is kept: every budget's is budget_arn() of its place's partition and
 * account and its name (budget_arn_in). */
struct observed_budget {
	char *name;
	char *limit_unit;
	char *time_unit;
	char *budget_type;
	/* FilterExpression: when it is the daemon's own for a tenant (budget_filter_tenant),
	 * only that tenant's id is kept (filter_is_tenant; interned: a budget's 90 bytes of
	 * JSON held as a reference to a string the model holds anyway); any other as
	 * compact JSON, NULL when none. observed_budget_filter gives the text either way. */
	union {
		char *filter_expression;
		const char *filter_tenant;
	};
	char *metric; /* the first of Metrics, NULL when none */
	/* BudgetLimit's amount and CalculatedSpend's two as AWS reports them, in one
	 * string, "limit\0actual\0forecasted\0" (one pointer and one allocation, not
	 * three); has_limit_amount, has_actual_spend and has_forecasted_spend say which
	 * is there (an absent one is ""); NULL when none. Read with
	 * observed_budget_limit_amount, _actual_spend and _forecasted_spend. */
	char *amounts;
	struct tag_set tags;
	struct observed_alert *alerts;
	/* Its Budgets actions (sorted by id), known when the store's enforce_listed. */
	struct observed_budget_action *actions;
	uint32_t n_alerts; /* AWS allows 5 a budget */
	uint32_t n_actions;
	bool cost_filters : 1; /* the legacy CostFilters are set */
	bool filter_is_tenant : 1;
	bool tags_known : 1;
	bool listed : 1;
	bool alerts_known : 1; /* notifications and subscribers were read */
	bool alerts_audit : 1; /* the paced audit asks for them to be read and compared */
	/* the struct and its strings live in a store's arena (a listing's entry,
	 * observed_store_new_budget): freed with that store, never alone. Its limit
	 * unit, time unit, type and metric (the same in every budget) are then interned
	 * references; its actions are malloc'd as any budget's, and so are its alerts
	 * unless alerts_in_arena */
	bool in_arena : 1;
	bool tags_in_arena : 1; /* as observed_profile's */
	/* alerts[] and every alert's subscribers live in the store's arena, and each
	 * alert's type, comparison and threshold type are interned references
	 * (observed_budget_set_alerts): released with the budget, never one by one */
	bool alerts_in_arena : 1;
	bool has_limit_amount : 1;
	bool has_actual_spend : 1;
	bool has_forecasted_spend : 1;
};

/* policy_hash's digest (DIGEST_HEX_SHORT, 32 lower-case hex digits) as bytes, and a
 * buffer for its text (observed_policy_hash). */
#define POLICY_HASH_BYTES 16
#define POLICY_HASH_TEXT  33
/* A buffer for a role that an entry keeps only as its key's head (observed_policy_role):
 * IAM's longest is 64 characters; one up to 128 is kept so. */
#define POLICY_ROLE_TEXT 129

/* The role's other inline policies as a read of one policy (GetRolePolicy, and
 * ListRolePolicies for the others) found them: apart from struct observed_policy,
 * since a bulk read's entry (one per tenant and role) has none. */
struct observed_policy_others {
	int64_t read_at; /* wall clock, the read action's `since`; 0: not noted */
	size_t n;	 /* at most ROLE_POLICIES_MAX (daemon/cloud_aws_iam.c) */
	size_t sizes[];	 /* each one's policy_size */
};

/* An inline role policy as last read or written. The bulk IAM read keeps only its
 * digest and size (documents are about 1.2 KB each, one per tenant and role), and so
 * does the engine after its own write (observed_store_policy_digest_only); a read of
 * the one policy (GetRolePolicy) keeps the document too. The policy exists when it
 * has a hash (observed_policy_exists). */
struct observed_policy {
	/* The role as written. NULL in an arena entry whose role is its key's head (in
	 * lower case already, as most are: no second copy): read it with
	 * observed_policy_role. Set in every policy of its own (malloc'd). */
	char *role;
	char *name;
	char *document; /* NULL: not kept (a bulk read), or no such policy (no hash) */
	/* observed_policy_key(role, name): the policies map's key, which the map does not
	 * copy (hashmap_init_keyed). Set by observed_store_put_policy when NULL (then
	 * malloc'd and p's own); an arena entry's is set by observed_store_new_policy. */
	char *key;
	/* The flags (bit-fields) and chars share one word, the others are apart and the
	 * hash packed within: 80 bytes with the key, and no 33 of hash text. */
	bool role_missing : 1; /* the role itself does not exist */
	/* The role's other inline policies as last read (others: their sizes and when;
	 * NULL: none). With others_known false they were not read, and a write must read
	 * them first (IAM's limit is over all inline policies of a role); a refusal is
	 * made only from sizes read within POLICY_OTHERS_FRESH_S. */
	bool others_known : 1;
	/* the struct and its key, role, name and a hash's text (one string, the key's
	 * head the role when written so, its tail holding the name) live in a store's
	 * policies arena (a bulk read's entry or a write into a store that has one,
	 * observed_store_new_policy): freed with that store, never alone; document and
	 * others are malloc'd as any policy's */
	bool in_arena : 1;
	/* has_hash: the policy exists, its digest in hash: packed (hash_packed, as
	 * policy_hash writes every one) or, any other text (a test's "h1"), as text. */
	bool has_hash : 1;
	bool hash_packed : 1;
	/* policy_size of the document (from document when it is kept); in 32 bits as the
	 * role's sums (IAM's limit is 10,240), saturating */
	uint32_t chars;
	struct observed_policy_others *others; /* malloc'd; read with the functions below */
	/* policy_hash of the document: its 16 bytes here, not a pointer to 33 of text
	 * (one policy per tenant and role). Read with observed_policy_hash(_is), set with
	 * observed_policy_set_hash. */
	union {
		unsigned char packed[POLICY_HASH_BYTES];
		char *text; /* malloc'd, or in the policies arena with in_arena */
	} hash;
	struct content_digest digest; /* kept by the store's policy functions */
};

/* A role as the bulk IAM read (GetAccountAuthorizationDetails) saw it, kept up to date
 * by the daemon's own policy writes. The struct, its name within, lives in the store's
 * arena (observed_store_put_role; not its policies arena, which may move to the next
 * store without the roles): freed with the store, never alone. 8 bytes and the name,
 * no digest: the store's sum of the roles' digests takes each one's
 * observed_role_digest as it changes (a function of the name and policy_chars). */
struct observed_role {
	uint32_t policy_chars; /* all its inline policies together, whitespace not counted */
	/* of them, those of the policies the store does not hold: a listing left them to
	 * the place of their tenant (struct place.policies_elsewhere) */
	uint32_t elsewhere_chars;
	char name[]; /* in lower case (the roles map's key) */
};

/* Resources tagged with one tenant id (whoever owns them): the tenant index. Its three
 * arrays lie one after the other in inline[] while they fit (a tenant's profile or
 * two, their parameters and its budget: one allocation for the group, not four),
 * else in one allocation of their own. A listing's groups lie in its store's arena:
 * 80 + 48 = 128 bytes each, not a 144-byte malloc chunk. */
#define OBSERVED_GROUP_INLINE 6
struct observed_group {
	const char *tenant; /* interned (state/intern.h): the groups map's key */
	/* counts in 32 bits: 100,000 groups (a tenant's resources are a few) */
	struct observed_profile **profiles;
	uint32_t n_profiles, alloc_profiles;
	struct observed_parameter **parameters;
	uint32_t n_parameters, alloc_parameters;
	struct observed_budget **budgets;
	uint32_t n_budgets, alloc_budgets;
	/* generation_next() at its last change (an entry in or out): a counter from 1,
	 * never near 2^63, so its top bit is free for in_arena */
	uint64_t gen : 63;
	/* the group (not its arrays once they leave inline_slots) lies in its store's
	 * arena: a listing's entry opened it (observed_store_new_*). Such a group left by
	 * its entries stays there until the store goes; one opened again is opened anew */
	bool in_arena : 1;
	/* the sum of its profiles' and parameters' digests (not its budgets': the
	 * listing completes those in place, observed_carry compares them by value). An
	 * entry keeps no digest of its own (16 bytes each, 400,000 entries at 100,000
	 * tenants): it is computed as the entry comes in and again as it goes, the same
	 * since an entry in the store never changes (observed_store_tenant_gen's comment) */
	struct content_digest digest;
	void *inline_slots[]; /* OBSERVED_GROUP_INLINE, allocated with the group */
};

/* The maps but deny_policies borrow their keys from their values
 * (hashmap_init_keyed): a resource's ARN or name must not change while it is in
 * the store. */
struct observed_store {
	struct hashmap profiles;      /* arn -> struct observed_profile * (owned) */
	struct hashmap profile_names; /* name -> struct observed_profile * */
	struct hashmap parameters;    /* name -> struct observed_parameter * (owned) */
	struct hashmap groups;	      /* tenant tag value -> struct observed_group * (owned) */
	struct hashmap budgets;	      /* name -> struct observed_budget * (owned) */
	struct hashmap policies;      /* key -> struct observed_policy * (owned; keyed by its key) */
	struct hashmap roles;	      /* name -> struct observed_role * (owned), when policies_listed */
	struct hashmap deny_policies; /* name -> struct observed_deny_policy * (owned) */
	bool budgets_listed;	      /* the listing included the account's budgets */
	/* The listing read the account's Budgets actions (into its budgets) and the deny
	 * policies; when it could not, enforce_error says why (owned). */
	bool enforce_listed;
	char *enforce_error;
	/* The listing could not read the account's budgets (a Budgets call failed, e.g.
	 * not allowed): why, "Code: Operation: message" (owned); NULL when it read them or
	 * did not try (no account id yet). Its profiles and parameters stand. */
	char *budgets_error;
	/* A budget is the account's: the listing of one of its Regions leaves out those
	 * of the tenants placed in its other Regions (struct place.budgets_elsewhere) and
	 * counts them here. The account's budgets (its quota's use) are budgets.n plus
	 * these. */
	size_t budgets_elsewhere;
	/* The listing read every role with its inline policies: a policy absent from
	 * policies is absent from AWS, a role absent from roles does not exist. */
	bool policies_listed;
	/* The bulk read was tried and failed, and not for want of permission: a policy
	 * edited by hand is not seen until a listing reads them again. */
	bool policies_failed;
	int64_t listed_at;    /* when the last full listing finished; 0: never */
	unsigned release_map; /* observed_store_release_step: where it is */
	size_t release_pos;
	/* generation_next() at the store's creation and at each change outside the tenant
	 * index: an entry without a tenant tag (observed_store_gen); policies_gen: at
	 * the creation and at each change of a policy or a role (observed_store_policies_gen). */
	uint64_t gen, policies_gen;
	/* The profiles, parameters and budgets a listing built (observed_store_new_*),
	 * with their strings; NULL until the first. Freed with the store, at once. */
	struct arena *arena;
	/* The policies a bulk IAM read built (observed_store_new_policy): apart, since
	 * they move with the policies map to the next listing that has no bulk read of
	 * its own (observed_store_take_policies). */
	struct arena *policies_arena;
	/* For observed_carry: the profiles holding a name (all in profile_names when no
	 * two share one), and the sums of the policies' and the roles' digests. */
	size_t n_named;
	struct content_digest policies_digest, roles_digest;
	/* The tenants its owner knows of besides the groups' (the engine's: every tenant with
	 * a manifest, a record or resources anywhere), for ownership by name
	 * (owned_by_tenant): true when it knows id, *ret_desired (when not NULL) set to its
	 * current definition (NULL: none, its manifest is gone). NULL: the groups' only.
	 * Borrowed, set by the owner. */
	bool (*knows_tenant)(const void *ctx, const char *id, const struct tenant **ret_desired);
	/* With the same ctx: tenant id is placed in this store's account, so that its
	 * roles are this store's roles (IAM is per account). NULL: every tenant known is. */
	bool (*in_account)(const void *ctx, const char *id);
	const void *knows_ctx;
};

void observed_store_init(struct observed_store *s);
void observed_store_release(struct observed_store *s);
/* observed_store_release_step: frees at most `max` of s's resources; true once s is
 * wholly released (as by observed_store_release). Called again and again on the same
 * store, untouched meanwhile, it frees a large store over several turns of a loop. */
bool observed_store_release_step(struct observed_store *s, size_t max);

/* Generations (state/generation.h), for skipping a tenant whose diff would read
 * nothing new (state/diff_stamp.h). observed_store_tenant_gen changes whenever an
 * entry tagged with tenant_id comes or goes (a put replacing an entry is both), or
 * loses the name index to another profile of the same name; 0 when there is none.
 * observed_store_policies_gen changes with every change of a policy or a role (one
 * tenant's policy, usually: a stamp then looks at the tenant's own policies,
 * state/diff_stamp.h), observed_store_gen with every other change: entries without a
 * tenant tag (or with tags unknown); both with a new store (a listing). Every change
 * goes through the functions below: an entry in the store is never changed in place
 * (copy it, change the copy, put the copy). */
uint64_t observed_store_gen(const struct observed_store *s);
uint64_t observed_store_policies_gen(const struct observed_store *s);
uint64_t observed_store_tenant_gen(const struct observed_store *s, const char *tenant_id);

/* A listing's entries: observed_store_new_profile and observed_store_new_parameter
 * allocate an entry and copy its strings into s's arena (one allocation per thousands
 * of entries, given back whole when s is released), but for the strings other holders
 * repeat, which are interned: a profile's ARN, a
 * parameter's name and value (the profile's ARN again; the desired model and the
 * records hold the same names and ARNs). model_arns has room for
 * n_model_arns references, which the caller fills with interned strings; tags start
 * empty and are the entry's own (malloc) until the entry is put into s, which moves
 * them into the arena too; model_arns is the entry's own (malloc) until then, and
 * the put makes it an interned list. Such an entry goes into s only (a copy,
 * observed_*_dup, goes anywhere); observed_*_free of it releases its references and
 * tags, and its memory goes with s. Every other entry (an own write, a read, a copy)
 * is allocated on its own and may meet arena entries in the same store. */
/* n_model_arns: at most OBSERVED_PROFILE_MAX_MODELS */
struct observed_profile *observed_store_new_profile(struct observed_store *s, const char *arn, const char *name,
						    size_t n_model_arns);
struct observed_parameter *observed_store_new_parameter(struct observed_store *s, const char *name, const char *value);
/* A listing's budget and policy, alike: observed_store_new_budget copies name into s's
 * arena; the caller sets the other strings with observed_budget_set (copied
 * into the arena, but for the constant ones: interned) and may add actions (malloc'd)
 * before and after the put, and alerts: malloc'd, or in the arena before the put
 * (observed_budget_set_alerts). observed_store_new_policy: key, role and name copied
 * into s's policies arena, in one string (the role only when the key's head is not
 * it), the hash packed in the entry (a text of another form after them). */
struct observed_budget *observed_store_new_budget(struct observed_store *s, const char *name);
void observed_budget_set(struct observed_store *s, struct observed_budget *b, const char *limit_amount,
			 const char *limit_unit, const char *time_unit, const char *budget_type,
			 const char *filter_expression, const char *metric, const char *actual_spend,
			 const char *forecasted_spend);
/* observed_budget_limit_amount, observed_budget_actual_spend,
 * observed_budget_forecasted_spend: b's limit and CalculatedSpend figures as AWS
 * reported them (b's), NULL when not reported. */
const char *observed_budget_limit_amount(const struct observed_budget *b);
const char *observed_budget_actual_spend(const struct observed_budget *b);
const char *observed_budget_forecasted_spend(const struct observed_budget *b);
/* observed_budget_put_amounts: b's amounts (b not in an arena) replaced by copies of
 * limit, actual and forecasted (NULL: not reported; any may be one of b's own). */
void observed_budget_put_amounts(struct observed_budget *b, const char *limit, const char *actual,
				 const char *forecasted);
/* observed_budget_filter: b's FilterExpression as compact JSON (owned), NULL when none. */
char *observed_budget_filter(const struct observed_budget *b);
/* observed_budget_put_filter: b's filter (not in an arena) replaced by `json`. */
void observed_budget_put_filter(struct observed_budget *b, const char *json);
struct observed_policy *observed_store_new_policy(struct observed_store *s, const char *role, const char *name,
						  const char *hash, size_t chars);
/* observed_budget_set_alerts: b (an entry of s's arena, not yet put, without alerts)
 * gets a copy of v[0..n) in s's arena: the array, each alert's subscribers and their
 * array copied, type, comparison and threshold type interned (a few values, the same
 * in every budget). The daemon's create writes its alerts so. */
void observed_budget_set_alerts(struct observed_store *s, struct observed_budget *b, const struct observed_alert *v,
				size_t n);

/* Put takes ownership of p (replacing and freeing any profile with the same ARN). */
void observed_store_put_profile(struct observed_store *s, struct observed_profile *p);
bool observed_store_remove_profile(struct observed_store *s, const char *arn);
struct observed_profile *observed_store_profile(const struct observed_store *s, const char *arn);
struct observed_profile *observed_store_profile_by_name(const struct observed_store *s, const char *name);

/* observed_store_group: the resources tagged with tenant_id, or NULL. Borrowed. */
const struct observed_group *observed_store_group(const struct observed_store *s, const char *tenant_id);

void observed_store_put_parameter(struct observed_store *s, struct observed_parameter *p);
bool observed_store_remove_parameter(struct observed_store *s, const char *name);
struct observed_parameter *observed_store_parameter(const struct observed_store *s, const char *name);

/* Budgets (by name; indexed by their tenant tag like the others). */
void observed_store_put_budget(struct observed_store *s, struct observed_budget *b);
bool observed_store_remove_budget(struct observed_store *s, const char *name);
struct observed_budget *observed_store_budget(const struct observed_store *s, const char *name);
void observed_budget_free(struct observed_budget *b);
struct observed_budget *observed_budget_dup(const struct observed_budget *b);
/* observed_alert_release: a's strings and subscribers (malloc'd: never an alert of a
 * budget whose alerts_in_arena). */
void observed_alert_release(struct observed_alert *a);

/* Budget enforcement (observed_enforce.c). Put takes p (replacing one of the same
 * name); the action helpers copy and free one action's strings. */
/* observed_store_keep_budgets: dst, a listing that could not read the budgets
 * (budgets_error), gets copies of the budgets src (the store it replaces) last listed,
 * with their actions, and src's deny policies and enforcement listing: what the daemon
 * shows of them stays as old as their last good listing, as a place's does when its
 * whole listing fails. Nothing when src has no budgets listed or dst has. */
void observed_store_keep_budgets(struct observed_store *dst, const struct observed_store *src);
void observed_store_put_deny_policy(struct observed_store *s, struct observed_deny_policy *p);
bool observed_store_remove_deny_policy(struct observed_store *s, const char *name);
const struct observed_deny_policy *observed_store_deny_policy(const struct observed_store *s, const char *name);
void observed_deny_policy_free(struct observed_deny_policy *p);
struct observed_deny_policy *observed_deny_policy_dup(const struct observed_deny_policy *p);
/* observed_deny_policy_on_role: role is among p's roles (roles_known), ignoring case as
 * IAM does; attach and detach add and remove one (sorted; an attached role once). */
bool observed_deny_policy_on_role(const struct observed_deny_policy *p, const char *role);
void observed_deny_policy_attach(struct observed_deny_policy *p, const char *role);
void observed_deny_policy_detach(struct observed_deny_policy *p, const char *role);
void observed_budget_action_release(struct observed_budget_action *a);
void observed_budget_action_copy(struct observed_budget_action *dst, const struct observed_budget_action *src);

/* Policies: put takes p (replacing one of the same role and name). With a document,
 * put sets p's chars from it, and its hash unless set; without one, p's hash and
 * chars are what a bulk read found (or NULL and 0: no such policy). */
void observed_store_put_policy(struct observed_store *s, struct observed_policy *p);
/* observed_store_policy_digest_only: the policy of role and name keeps its digest and
 * size, not its document (the engine's own write: the document is the desired one).
 * Not a change (no generation): the diff sees the same digest. */
void observed_store_policy_digest_only(struct observed_store *s, const char *role, const char *name);
/* observed_policy_exists: p is a policy the role holds (NULL-safe). */
bool observed_policy_exists(const struct observed_policy *p);
/* observed_policy_hash: p's hash as text (in buf when packed, else p's own), NULL when
 * the policy does not exist (or p is NULL). observed_policy_hash_is: it exists and its
 * hash is `hash`. observed_policy_set_hash: p takes hash (malloc'd, or NULL: no such
 * policy), packed when it is policy_hash's form (always, for an entry in an arena: its
 * free leaves a text to the arena). */
const char *observed_policy_hash(const struct observed_policy *p, char buf[POLICY_HASH_TEXT]);
/* observed_policy_role: p's role as written (p's own, or the key's head copied into buf). */
const char *observed_policy_role(const struct observed_policy *p, char buf[POLICY_ROLE_TEXT]);
/* p's other policies: their number, sizes and when they were read (0, NULL and 0 when
 * none); add_other appends one's size, set_others_read_at notes when. */
size_t observed_policy_n_others(const struct observed_policy *p);
const size_t *observed_policy_other_sizes(const struct observed_policy *p);
int64_t observed_policy_others_read_at(const struct observed_policy *p);
void observed_policy_add_other(struct observed_policy *p, size_t size);
void observed_policy_set_others_read_at(struct observed_policy *p, int64_t at);
bool observed_policy_hash_is(const struct observed_policy *p, const char *hash);
void observed_policy_set_hash(struct observed_policy *p, char *hash);
/* observed_policy_same: the live policy p holds what doc (digest hash) grants: the
 * same text, or, its document being kept, the same JSON. False when p does not exist. */
bool observed_policy_same(const struct observed_policy *p, const char *doc, const char *hash);
void observed_store_remove_policy(struct observed_store *s, const char *role, const char *name);
const struct observed_policy *observed_store_policy(const struct observed_store *s, const char *role, const char *name);
/* observed_store_take_policies: move every policy of src into dst (a new listing
 * knows nothing of policies: they are read one by one and carried over). */
void observed_store_take_policies(struct observed_store *dst, struct observed_store *src);
void observed_policy_free(struct observed_policy *p);
/* observed_policy_dup: a copy of p (malloc'd, not in any arena). */
struct observed_policy *observed_policy_dup(const struct observed_policy *p);
/* observed_policy_key: the policies map's key of role's policy name (role in lower
 * case; owned by the caller): one inline policy of IAM's. */
char *observed_policy_key(const char *role, const char *name);
/* A listing of one of an account's Regions leaves out the inline policies of the
 * tenants placed in its other Regions (struct place.policies_elsewhere), yet IAM's
 * limit is over all of a role's policies: observed_store_count_policy_elsewhere
 * counts such a policy's chars in its role all the same. observed_store_bring_policy
 * puts a copy of p (another store's, of a tenant that came to this one's place) in
 * place of that count. */
void observed_store_count_policy_elsewhere(struct observed_store *s, const char *role, size_t chars);
void observed_store_bring_policy(struct observed_store *s, const struct observed_policy *p);
/* observed_policy_copy_others: dst gets src's knowledge of the role's other policies. */
void observed_policy_copy_others(struct observed_policy *dst, const struct observed_policy *src);

/* Roles (a bulk read): observed_store_put_role adds name with no inline policy yet
 * (policies put afterwards count towards it), an entry of s's arena. */
void observed_store_put_role(struct observed_store *s, const char *name);
const struct observed_role *observed_store_role(const struct observed_store *s, const char *name);
/* observed_store_role_other_policy_chars: the characters (whitespace not counted) of
 * every inline policy of role except `policy`, as the last bulk read and the daemon's
 * writes since left them: what IAM's 10,240-character limit leaves for `policy` is
 * IAM_INLINE_POLICY_MAX minus this. False when the role is not known (no bulk read,
 * or the role does not exist). */
bool observed_store_role_other_policy_chars(const struct observed_store *s, const char *role, const char *policy,
					    size_t *ret);

void observed_profile_free(struct observed_profile *p);
void observed_parameter_free(struct observed_parameter *p);
struct observed_profile *observed_profile_dup(const struct observed_profile *p);
struct observed_parameter *observed_parameter_dup(const struct observed_parameter *p);

/* Ownership: the resource carries managed-by == instance (and its tags are known). */
bool tags_owned_by(const struct tag_set *tags, const char *instance);

/* One tenant's slice of the store, as the diff sees it. Every pointer is borrowed
 * from the store and valid until the store next changes. */
struct observed_tenant {
	/* Profiles tagged with this tenant and owned by this instance. */
	const struct observed_profile **owned;
	size_t n_owned;
	/* Profiles holding one of the tenant's desired names but not owned by us. */
	const struct observed_profile **foreign;
	size_t n_foreign;
	/* Profiles holding a desired name whose tags are still unknown. */
	const struct observed_profile **unknown;
	size_t n_unknown;
	/* Parameters at the tenant's desired parameter names, or tagged with the tenant
	 * and owned by us (whatever their name). */
	const struct observed_parameter **parameters;
	size_t n_parameters;
	/* Budgets tagged with the tenant and owned by us, and the one at the desired
	 * name whoever owns it. */
	const struct observed_budget **budgets;
	size_t n_budgets;
	bool budgets_listed;
	/* The store itself, for policy look-ups (borrowed). */
	const struct observed_store *store;
};

/* observed_tenant_collect: fills *ret for tenant_id. `desired` (may be NULL) supplies
 * the names to look for (profile names and parameter names). Release with
 * observed_tenant_release (it frees only the arrays). */
void observed_tenant_collect(const struct observed_store *s, const char *instance, const char *tenant_id,
			     const struct tenant *desired, struct observed_tenant *ret);
void observed_tenant_release(struct observed_tenant *t);

#endif
