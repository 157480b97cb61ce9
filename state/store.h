/* The durable state store: an SQLite database under the state directory holding every
 * tenant_record (create intents, timers, applied tag keys, last known deletion
 * policy), the tenants whose deletions are held by the prune gate, and small facts.
 *
 * Every write is its own transaction (journal_mode=WAL). A create intent is committed
 * with fsync (synchronous=FULL) before store_put_intent returns, so it is on disk before
 * the create is sent, and that sync carries every earlier write with it. The other
 * writes are committed with synchronous=NORMAL: a crash of the daemon loses none of
 * them, a crash of the machine may lose the last ones, and each is then only
 * forgotten on the safe side (a grace period or a hold starts again, a policy is read
 * again, a tag this instance applied is no longer known as its own and stays). They
 * do not wait for the disk, so the loop that also answers the control socket does
 * not either. A store owns its sqlite handle; store_close()
 * accepts NULL. Functions return 0 or -errno (-EIO for an SQLite failure, with the
 * message in store_error()). */
#ifndef BTD_STORE_H
#define BTD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "record.h"

struct store;

/* store_open: opens (creating when absent) the database at path. On failure
 * *ret_error (when not NULL) receives a message owned by the caller. */
int store_open(const char *path, struct store **ret, char **ret_error);
/* store_open_readonly: for inspection (plan): nothing is created or written; -ENOENT
 * when there is no database at path. */
int store_open_readonly(const char *path, struct store **ret, char **ret_error);
void store_close(struct store *s);
const char *store_error(const struct store *s);

/* store_load: fills `records` (tenant id -> struct tenant_record *, owned by the map's
 * caller: free with tenant_record_free) with everything remembered. */
int store_load(struct store *s, struct hashmap *records);

int store_put_intent(struct store *s, const char *tenant, const struct create_intent *in);
int store_clear_intent(struct store *s, const char *tenant, const char *profile_key);
int store_put_timer(struct store *s, const char *tenant, const struct resource_timer *t);
int store_clear_timer(struct store *s, const char *tenant, const char *resource);
/* store_put_applied: the applied keys of resource (none: forgets them). */
int store_put_applied(struct store *s, const char *tenant, const char *resource, char *const *keys, size_t n);
int store_put_tenant(struct store *s, const char *tenant, enum deletion_policy policy);
/* store_put_fact: value NULL clears the fact. */
int store_put_fact(struct store *s, const char *tenant, const char *key, const char *value);
/* store_forget_tenant: drops everything remembered about tenant. */
int store_forget_tenant(struct store *s, const char *tenant);

/* Held deletions (the prune gate). */
int store_set_held(struct store *s, const char *tenant, int64_t since);
int store_clear_held(struct store *s, const char *tenant);
/* store_load_held: fills `held` (tenant id -> (void *)1). */
int store_load_held(struct store *s, struct hashmap *held);

/* Small facts (e.g. the account id learned from STS); *ret owned by the caller, NULL
 * when absent. */
int store_put_meta(struct store *s, const char *key, const char *value);
int store_get_meta(struct store *s, const char *key, char **ret);

#endif
