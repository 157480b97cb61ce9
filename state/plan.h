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
	/* Records in the state store, no AWS call */
	ACT_TIMER_START,  /* resource, timer, since */
	ACT_TIMER_CLEAR,  /* resource */
	ACT_INTENT_CLEAR, /* profile_key */
	ACT__COUNT
};

struct action {
	enum action_kind kind;
	char *resource;	   /* ARN or parameter name (NULL for a create) */
	char *profile_key; /* the manifest profile this action serves, when any */
	char *name;	   /* profile name (create) */
	char *model_arn;   /* copyFrom (create) */
	char *description; /* create; NULL when none */
	char *token;	   /* clientRequestToken (create) */
	char *value;	   /* parameter value */
	struct tag_set tags;
	char **keys; /* tag keys to remove */
	size_t n_keys;
	enum timer_kind timer;
	int64_t since;
	bool destructive; /* deletes or releases something live */
	char *reason;	  /* one line for people: why this action */
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
	char *error;	 /* a terminal problem with the desired state itself (e.g. unknown account id) */
	int64_t wake_at; /* earliest time a timer of this tenant expires; 0: none */
	bool held;	 /* deletions are due but held by the prune gate */
	bool deleting;	 /* the tenant's manifest is gone and resources remain */
};

void plan_init(struct plan *p);
void plan_release(struct plan *p);
/* plan_add: appends a zeroed action of `kind` and returns it (owned by the plan). */
struct action *plan_add(struct plan *p, enum action_kind kind, const char *reason_fmt, ...)
	__attribute__((format(printf, 3, 4)));
void plan_conflict(struct plan *p, const char *resource, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void plan_wake(struct plan *p, int64_t at);
/* plan_aws_actions: the number of actions that call AWS (not store-only ones). */
size_t plan_aws_actions(const struct plan *p);
bool action_calls_aws(enum action_kind kind);
const char *action_kind_name(enum action_kind kind);

#endif
