/* Internals shared by state/observed.c (the store's core: its arena and the tenant
 * index of groups), state/observed_budget.c and state/observed_policy.c. Not for
 * other modules. */
#ifndef BTD_OBSERVED_IMPL_H
#define BTD_OBSERVED_IMPL_H

#include <stdbool.h>

#include "arena.h"
#include "model.h"
#include "observed.h"

/* observed__store_arena: s's arena for its entries, made at its first use; owned by s, freed with it. */
struct arena *observed__store_arena(struct observed_store *s);
/* observed__tags_to_arena: an arena entry's tags packed into s's arena; returns the entry's new tags_in_arena. */
bool observed__tags_to_arena(struct observed_store *s, struct tag_set *t, bool in_arena);
/* observed__tenant_of: the tenant tag of tags when they are known (borrowed from them), else NULL. */
const char *observed__tenant_of(const struct tag_set *tags, bool known);
/* observed__group_for: tenant's group (owned by s), opened if need be (in s's arena when arena), a new generation. */
struct observed_group *observed__group_for(struct observed_store *s, const char *tenant, bool arena);
/* observed__group_grow: room in g for one more entry of kind (0 profiles, 1 parameters, 2 budgets). */
void observed__group_grow(struct observed_group *g, unsigned kind);
/* observed__touch: an entry with these tags changes: a new generation for its tenant's group, else for s. */
void observed__touch(struct observed_store *s, const struct tag_set *tags, bool known);
/* observed__group_maybe_drop: g, tenant's group, removed from s and freed once it holds no entry. */
void observed__group_maybe_drop(struct observed_store *s, const char *tenant, struct observed_group *g);

#endif
