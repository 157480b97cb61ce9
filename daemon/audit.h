/* The audit trail: every mutation the daemon makes in AWS, once, when its answer
 * comes (success or failure), as a log record with structured fields (TENANT=,
 * RESOURCE=, ACTION=, CHANGES=, CAUSE=, REVISION=, OUTCOME=, AWS_REQUEST_ID=), an
 * entry in the tenant's history in the state store and a `change` event on
 * /v1/events; and every change of a tenant's state, as a history entry (the notable
 * ones) and a `state` event; and the engine's other history lines (`note`).
 * docs/operations.md "Audit trail" describes the records.
 *
 * An audit borrows the store, the events and the engine (any may be NULL) for its
 * lifetime; it owns nothing else. */
#ifndef BTD_AUDIT_H
#define BTD_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "events.h"
#include "store.h"

struct audit;

struct audit *audit_new(struct store *store, struct events *events);
void audit_free(struct audit *a); /* a NULL: nothing */
/* audit_set_engine: the engine whose manifest revision (the commit) records name. */
void audit_set_engine(struct audit *a, const struct engine *e);
/* audit_set_events: the streams records are published to from now on (NULL: none,
 * once they are closed). a may be NULL. */
void audit_set_events(struct audit *a, struct events *events);

/* audit_action: engine_settings.on_action (reads are skipped). When the report says
 * lines_follow, the history entry waits for audit_action_done (the log record and the
 * event do not). */
void audit_action(struct audit *a, const struct engine_action_report *r);
/* audit_action_done: engine_settings.on_action_done: the waiting entry of tenant's
 * change kept with the lines of the tenant's history its answer made (its detail's
 * `events`, which /v1/history does not show). 0 when they are kept, -1 when not (no
 * store, a failed write, no change of tenant waiting and n > 0). */
int audit_action_done(struct audit *a, const char *tenant, const char *const *lines, size_t n);
/* audit_state: engine_settings.on_state: 0 when the state change's line is kept, or
 * on purpose not (Pending -> Ready, every tenant's at a start; Reconciling), -1 when
 * not kept (no store, a failed write). */
int audit_state(struct audit *a, const struct tenant_entry *t, enum tenant_state from);
/* audit_note: engine_settings.on_note: a line of the engine's own (manifest changed,
 * waits, placed, ...), kept in the history as kind `note`; at in seconds. 0 when kept,
 * -1 when not. */
int audit_note(struct audit *a, const char *tenant, int64_t at, const char *text);
/* audit_tenant_lines: the lines of tenant's history the store keeps (notes, state
 * changes, the lines of its changes' answers), oldest first, added to into (the last
 * HISTORY_LINES of its newest entries: history_lines.h's bounds). -1 with *ret_error
 * (static) when the store cannot be read; no store: none, 0. */
int audit_tenant_lines(struct audit *a, const char *tenant, struct history_lines *into, const char **ret_error);

/* audit_history_json: the newest entries of tenant (NULL: every tenant), newest
 * first, as a JSON array (the caller's); NULL with *ret_error (static) when the
 * store cannot be read. */
cJSON *audit_history_json(struct audit *a, const char *tenant, size_t limit, const char **ret_error);

/* The cause of an action, for people and for CAUSE=: manifest, drift, replacement,
 * move, prune or orphan (pure). */
const char *audit_cause(const struct engine_action_report *r);
/* audit_is_mutation: the action changes something in AWS (not a read). */
bool audit_is_mutation(enum action_kind kind);

#endif
