/* Test fixtures for state/: desired tenants built directly, and a simulated world
 * that applies plans the way AWS would, with a fake clock. */
#ifndef BTD_TEST_FIXTURES_H
#define BTD_TEST_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>

#include "diff.h"
#include "hashmap.h"
#include "observed.h"
#include "record.h"

#define FIX_INSTANCE  "bedrock-tenantd"
#define FIX_ACCOUNT   "111122223333"
#define FIX_REGION    "us-east-1"
#define FIX_GRACE     600
#define FIX_DRAIN     900
#define FIX_EXEC_ROLE "budgets-exec" /* budget_actions.execution_role */

struct tenant *fix_tenant(const char *id);
/* fix_profile: adds a profile; spec_hash names its generation. */
struct profile *fix_profile(struct tenant *t, const char *key, const char *model, const char *spec_hash);
void fix_tag(struct tag_set *set, const char *key, const char *value);
/* fix_budget: a budget block; fix_alert adds an alert with up to two e-mails. */
void fix_budget(struct tenant *t, const char *limit, enum budget_period period);
void fix_alert(struct tenant *t, double threshold, enum alert_type type, const char *email1, const char *email2,
	       const char *sns);
void fix_role(struct tenant *t, const char *role);

struct sim {
	struct observed_store store;
	struct tenant_record *record;
	struct diff_settings settings;
	int64_t now;
	unsigned next_id;
	bool held;
	bool lookahead;		 /* sim_diff's diff_input.lookahead */
	struct hashmap policies; /* the live IAM policies: "role\nname" -> document */
	/* counters of AWS calls by kind */
	unsigned calls[ACT__COUNT];
	unsigned aws_calls;
};

void sim_init(struct sim *s, const char *tenant_id);
void sim_release(struct sim *s);
/* sim_diff: one diff of tenant t (NULL: removed) against the world. */
void sim_diff(struct sim *s, const struct tenant *t, enum deletion_policy policy, struct plan *ret);
/* sim_apply: carries out every action of the plan (AWS and store actions). */
void sim_apply(struct sim *s, const struct plan *p);
/* sim_converge: diff and apply until a plan has nothing to do, advancing the clock by
 * `step` seconds between rounds; checks after every round that each owned parameter
 * names a live profile. Returns the number of rounds that did something. */
unsigned sim_converge(struct sim *s, const struct tenant *t, enum deletion_policy policy, int64_t step,
		      unsigned max_rounds);
/* Helpers to seed the world. */
struct observed_profile *sim_add_profile(struct sim *s, const char *name, const char *tenant, const char *key,
					 const char *owner);
struct observed_parameter *sim_add_parameter(struct sim *s, const char *name, const char *value, const char *tenant,
					     const char *owner);
size_t sim_count_owned_profiles(const struct sim *s, const char *tenant);
/* sim_policy: the live document of role's policy, or NULL. */
const char *sim_policy(const struct sim *s, const char *role, const char *name);
void sim_set_policy(struct sim *s, const char *role, const char *name, const char *doc);
/* plan_has: the number of actions of kind in p. */
unsigned plan_count(const struct plan *p, enum action_kind kind);

#endif
