/* An action for people: the resource it concerns, by name, and what it changes,
 * attribute by attribute, against the observed model it will be applied to
 * (`~ CostCenter: "hacked" -> "claims"`), the way `bedrock-tenantd plan` prints it.
 * Pure; every string is owned by its change list. */
#ifndef BTD_PLAN_RENDER_H
#define BTD_PLAN_RENDER_H

#include <stddef.h>

#include "observed.h"
#include "plan.h"
#include "strbuf.h"

/* One attribute: op '+' (added: new), '-' (removed: old), '~' (changed: old -> new). */
struct change {
	char op;
	char *key;
	char *old_value; /* NULL for '+' */
	char *new_value; /* NULL for '-' */
};

struct change_list {
	struct change *v;
	size_t n, alloc;
};

void change_list_release(struct change_list *l);
void change_list_add(struct change_list *l, char op, const char *key, const char *old_value, const char *new_value);

/* plan_render_changes: the attribute-level diff of action a against `before` (the
 * model it applies to). Appends to *ret. Store-only actions change no attribute. */
void plan_render_changes(const struct action *a, const struct observed_store *before, struct change_list *ret);
/* plan_render_subject: the resource's name (profile name for a profile ARN, the
 * parameter or budget name, "role/policy"); owned by the caller. */
char *plan_render_subject(const struct action *a, const struct observed_store *before);
/* plan_render_symbol: '+' creates, '-' deletes or releases, '~' changes in place, '.'
 * reads and records in the state store. */
char plan_render_symbol(const struct action *a);
/* change_format: one change as a line without indentation or newline:
 * `+ key: "new"`, `- key`, `~ key: "old" -> "new"` (values quoted and escaped; the
 * placeholder of a simulated ARN unquoted). */
void change_format(const struct change *c, struct strbuf *out);
/* plan_render_alert: a notification in one line, e.g. "ACTUAL > 80% (EMAIL:a@b.c)";
 * owned by the caller. */
char *plan_render_alert(const struct observed_alert *a, bool with_subscribers);

#endif
