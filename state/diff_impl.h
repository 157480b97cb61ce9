/* Internals shared by diff.c (profiles, parameters), diff_budget.c and
 * diff_policy.c. Not for other modules. */
#ifndef BTD_DIFF_IMPL_H
#define BTD_DIFF_IMPL_H

#include "diff.h"

struct diff_ctx {
	const struct diff_settings *s;
	const struct diff_input *in;
	struct plan *plan;
	/* resources (timer keys) that legitimately carry a timer after this diff */
	const char **keep;
	size_t n_keep, alloc_keep;
	char **owned_keys; /* timer keys built here, freed with the context */
	size_t n_owned_keys, alloc_owned_keys;
};

/* diff__tags: set what differs; remove keys not desired that this instance applied
 * (or that are reserved), never aws: keys. */
void diff__tags(struct diff_ctx *c, enum action_kind tag_kind, enum action_kind untag_kind, const char *resource,
		const char *profile_key, const struct tag_set *want, const struct tag_set *have);
/* diff__grace: an owned resource (timer key `key`) nothing desires: starts its grace
 * period, or returns true once it has passed and the prune gate lets it go. */
bool diff__grace(struct diff_ctx *c, const char *key);
/* diff__other_tenants: a resource at one of the tenant's derived names is tagged as
 * another tenant's whose definition derives the name too (two tenants deriving one
 * name): that tenant's, never this one's, nor set back as this one's (a conflict). One
 * retagged by hand as a tenant that does not derive the name is still this tenant's. */
bool diff__other_tenants(const struct diff_ctx *c, const struct tag_set *tags, const char *name);
/* diff__clear_timer: the resource is desired (again): its timer goes. */
void diff__clear_timer(struct diff_ctx *c, const char *key);
/* diff__key: key (a record key from record.h's constructors) is owned by the context
 * from now on; returned for convenience. */
const char *diff__key(struct diff_ctx *c, char *key);
bool diff__retain(const struct diff_ctx *c);

/* The parts. */
void diff_budget(struct diff_ctx *c);
/* diff_policies: returns true when every role's policy already holds exactly the
 * tenant's live profiles (a replaced profile may then go). */
bool diff_policies(struct diff_ctx *c);
/* diff_enforce: the deny policy and the Budgets action of spec.budget.enforce. */
void diff_enforce(struct diff_ctx *c);

#endif
