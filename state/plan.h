/* A plan: what one reconcile step of one tenant must do, as data.
 *
 * The diff emits only actions that are safe to run now and independent of each other;
 * the engine runs them all, updates the observed model from the answers, and diffs
 * again (level-triggered), so ordering such as "create the new profile, then point the
 * parameter at it, then drain, then delete the old one" falls out of repeated diffs.
 * A plan owns its actions and their strings; plan_release() frees them. */
#ifndef BTD_PLAN_H
#define BTD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "observed.h"
#include "record.h"

enum action_kind {
	/* Bedrock application inference profiles */
	ACT_PROFILE_CREATE,    /* name, model_arn, description, tags, token, since */
	ACT_PROFILE_TAG,       /* resource = ARN, tags */
	ACT_PROFILE_UNTAG,     /* resource = ARN, keys */
	ACT_PROFILE_DELETE,    /* resource = ARN */
	ACT_PROFILE_READ_TAGS, /* resource = ARN: ownership unknown, read its tags */
	/* SSM parameters */
	ACT_PARAM_CREATE,    /* resource = name, value, tags (PutParameter without Overwrite) */
	ACT_PARAM_UPDATE,    /* resource = name, value (PutParameter Overwrite, no tags) */
	ACT_PARAM_TAG,	     /* resource = name, tags */
	ACT_PARAM_UNTAG,     /* resource = name, keys */
	ACT_PARAM_DELETE,    /* resource = name */
	ACT_PARAM_READ_TAGS, /* resource = name */
	/* AWS Budgets (budget = the budget's name) */
	ACT_BUDGET_CREATE,	 /* budget, limit, time_unit, filter, tags, alerts[] with subscribers */
	ACT_BUDGET_UPDATE,	 /* budget, limit, time_unit, filter */
	ACT_BUDGET_DELETE,	 /* budget */
	ACT_BUDGET_TAG,		 /* budget, resource = ARN, tags */
	ACT_BUDGET_UNTAG,	 /* budget, resource = ARN, keys */
	ACT_BUDGET_READ_TAGS,	 /* budget, resource = ARN */
	ACT_BUDGET_READ_ALERTS,	 /* budget: its notifications and subscribers */
	ACT_NOTIFICATION_CREATE, /* budget, alerts[0] with its subscribers */
	ACT_NOTIFICATION_UPDATE, /* budget, old_alert -> alerts[0] */
	ACT_NOTIFICATION_DELETE, /* budget, alerts[0] */
	ACT_SUBSCRIBER_CREATE,	 /* budget, alerts[0], subscriber */
	ACT_SUBSCRIBER_DELETE,	 /* budget, alerts[0], subscriber */
	/* IAM inline role policies */
	ACT_POLICY_READ,   /* role, name, since (when the role's other policies were read) */
	ACT_POLICY_PUT,	   /* role, name, value = document, doc_key */
	ACT_POLICY_DELETE, /* role, name */
	/* Records in the state store, no AWS call */
	ACT_TIMER_START,  /* resource, timer, since */
	ACT_TIMER_CLEAR,  /* resource */
	ACT_INTENT_CLEAR, /* profile_key */
	ACT_FACT_SET,	  /* resource = key, value */
	ACT_FACT_CLEAR,	  /* resource = key */
	/* Budget enforcement (state/diff_enforce.c): the tenant's deny policy and the
	 * Budgets action that attaches it (budget = the budget's name) */
	ACT_DENY_POLICY_CREATE,	   /* name, resource = ARN, value = document */
	ACT_DENY_POLICY_UPDATE,	   /* name, resource = ARN, value = document, version = the default replaced */
	ACT_DENY_POLICY_DELETE,	   /* name, resource = ARN, roles[] it is detached from first */
	ACT_DENY_POLICY_ATTACH,	   /* name, resource = ARN, roles[] to attach it to (detached by hand) */
	ACT_DENY_POLICY_DETACH,	   /* name, resource = ARN, roles[] to detach it from (the executed action's
				    * roles the manifest no longer names, ...), value = which, for the
				    * history ("from roles the manifest no longer names") */
	ACT_BUDGET_ACTION_CREATE,  /* budget, resource = policy ARN, threshold, roles[], execution_role,
				    * subscribers[] */
	ACT_BUDGET_ACTION_UPDATE,  /* the same, and action_id */
	ACT_BUDGET_ACTION_DELETE,  /* budget, action_id */
	ACT_BUDGET_ACTION_EXECUTE, /* budget, action_id, value = "REVERSE_BUDGET_ACTION" | "RESET_BUDGET_ACTION" |
				    "RETRY_BUDGET_ACTION" (from EXECUTION_FAILURE or REVERSE_FAILURE) */
	ACT__COUNT
};

/* Where an action comes from when it is not the diff of the manifest against AWS: the
 * audit trail's cause, and whether a change made while the tenant is Ready at its
 * revision repairs drift (docs/operations.md, "Audit trail"). */
enum action_origin {
	ORIGIN_DIFF,	    /* the manifest's revision asks for it, or it sets back a change made outside */
	ORIGIN_REPLACEMENT, /* a replaced profile deleted after its drain */
	ORIGIN_MOVE,	    /* what a move left in its old place, emptied after the drain (state/move.c) */
	/* a role policy whose live text is the one the daemon last applied, written again
	 * because its profiles changed (a replacement, a move, a profile pruned) */
	ORIGIN_OWN_POLICY,
};

struct action {
	enum action_kind kind;
	char *resource;		       /* ARN or parameter name (NULL for a create) */
	char *profile_key;	       /* the manifest profile this action serves, when any */
	char *name;		       /* profile name (create) */
	char *model_arn;	       /* copyFrom (create) */
	char *description;	       /* create; NULL when none */
	char *token;		       /* clientRequestToken (create) */
	char *value;		       /* parameter value; policy document; fact value */
	char *budget;		       /* budget name */
	char *limit;		       /* budget limit (USD, decimal) */
	char *time_unit;	       /* MONTHLY | QUARTERLY | ANNUALLY */
	char *filter;		       /* FilterExpression (JSON) */
	struct observed_alert *alerts; /* notifications (with subscribers) */
	size_t n_alerts;
	struct observed_alert old_alert; /* NOTIFICATION_UPDATE: the live one */
	char *subscriber;		 /* "EMAIL:address" | "SNS:arn" */
	char *role;			 /* IAM role name */
	struct tag_set tags;
	char **keys; /* tag keys to remove */
	size_t n_keys;
	enum timer_kind timer;
	int64_t since;
	bool destructive; /* deletes or releases something live */
	enum action_origin origin;
	char *reason; /* one line for people: why this action */
	/* Budget enforcement */
	char *action_id;      /* a Budgets action's id */
	char *version;	      /* DENY_POLICY_UPDATE: the version replaced (deleted once the new one is default) */
	double threshold;     /* BUDGET_ACTION_*: percent of the budget's limit */
	char *execution_role; /* BUDGET_ACTION_*: the role ARN Budgets assumes */
	char **roles;	      /* sorted role names */
	size_t n_roles;
	char **subscribers; /* "EMAIL:address" | "SNS:arn" */
	size_t n_subscribers;
	/* POLICY_PUT: the key of the document (state/policy_memo.h) that its fact
	 * notes beside the digest; all zero: none */
	struct content_digest doc_key;
};

struct conflict {
	char *resource;
	char *message;
};

struct plan {
	struct action *actions;
	size_t n_actions, alloc_actions;
	struct conflict *conflicts;
	size_t n_conflicts, alloc_conflicts;
	char *error;	  /* a terminal problem with the desired state itself (e.g. unknown account id) */
	int64_t wake_at;  /* earliest time a timer of this tenant expires; 0: none */
	bool held;	  /* deletions are due but held by the prune gate */
	bool incomplete;  /* part of the tenant could not be judged yet (e.g. budgets not listed) */
	bool deleting;	  /* the tenant's manifest is gone and resources remain */
	bool over_budget; /* its Budgets action has attached the deny policy (OverBudget) */
};

void plan_init(struct plan *p);
void plan_release(struct plan *p);
/* action_release: frees what one action owns (plan_release does it for a plan's). */
void action_release(struct action *a);
/* plan_add: appends a zeroed action of `kind` and returns it (owned by the plan). */
struct action *plan_add(struct plan *p, enum action_kind kind, const char *reason_fmt, ...)
	__attribute__((format(printf, 3, 4)));
void plan_conflict(struct plan *p, const char *resource, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void plan_wake(struct plan *p, int64_t at);
/* plan_aws_actions: the number of actions that call AWS (not store-only ones). */
size_t plan_aws_actions(const struct plan *p);
bool action_calls_aws(enum action_kind kind);
/* action_mutates: the action changes something in AWS (it calls AWS and is no read). */
bool action_mutates(enum action_kind kind);
/* plan_mutates: one of p's actions does. */
bool plan_mutates(const struct plan *p);
const char *action_kind_name(enum action_kind kind);

#endif
