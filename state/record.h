/* What the daemon remembers about one tenant across restarts, beside AWS itself:
 * create intents (made durable before a create is sent), the tag keys it applied per
 * resource, deletion timers (grace and drain), the last known deletion policy.
 *
 * A tenant_record owns all its strings and arrays (the tenant id and the applied tags'
 * resources as interned references: state/intern.h). The engine keeps one per tenant in
 * memory and mirrors every change into the state store (state/store.h); the diff only
 * reads it. */
#ifndef BTD_RECORD_H
#define BTD_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "intern.h"
#include "model.h"

enum timer_kind {
	TIMER_GRACE, /* the resource is no longer desired: deleted (or released) when it expires */
	TIMER_DRAIN, /* a replaced profile: deleted when it expires */
};

/* A create intent. A record's intents are one allocation (record.c): the array of
 * these, then each one's strings, "KEY\0NAME\0" and its clientRequestToken, found
 * from the struct itself (strings: an offset from it, which a realloc keeps true), read
 * with create_intent_key, create_intent_name and create_intent_token. A token of the
 * form the daemon makes (diff_client_token: 32 lowercase hex digits) is held as its 16
 * bytes; any other as its text. 32 bytes an intent, not 40 and a separate
 * "KEY\0NAME\0TOKEN\0": two intents of bench_record (a converged tenant before its
 * first listing shows its profiles; keys "p0", names of 23 characters) are one block
 * of 150 bytes (a 160-byte chunk in glibc and jemalloc), not an 80-byte array and two
 * blocks of 60 (256 bytes of glibc's chunks, 208 of jemalloc's classes). */
struct create_intent {
	int64_t since;
	/* In memory only (a restart learns them again by replaying the token): */
	const char *arn;     /* the ARN a create with this token answered, interned (the
			      * store's profile holds the same); NULL: no answer yet */
	int64_t answered_at; /* when (wall clock) */
	uint32_t strings;    /* "KEY\0NAME\0" at (const char *)this + strings */
	uint8_t token_bytes; /* the token: 0, its text after NAME; else these many bytes,
			      * its lowercase hex digits */
	bool confirmed : 1;  /* a Get or a listing has shown that ARN since */
	bool dead : 1;	     /* that profile was missing from a listing and a Get: the next create
			      * must use a fresh token (this one would only replay the dead ARN) */
};

/* The longest token held as bytes (more hex digits are held as text), and the buffer
 * create_intent_token may write its hex digits into. */
#define CREATE_INTENT_TOKEN_BYTES_MAX 32
#define CREATE_INTENT_TOKEN_BUF	      (2 * CREATE_INTENT_TOKEN_BYTES_MAX + 1)

static inline const char *create_intent_key(const struct create_intent *in)
{
	return (const char *)in + in->strings;
}

static inline const char *create_intent_name(const struct create_intent *in)
{
	const char *key = create_intent_key(in);

	return key + strlen(key) + 1;
}

/* create_intent_token: the token's text, in the record or written into buf (valid
 * while both are). */
const char *create_intent_token(const struct create_intent *in, char buf[CREATE_INTENT_TOKEN_BUF]);

/* How long a create's ARN that no read has ever shown may be missing before it is
 * judged gone: reads lag behind creates in AWS, and a profile judged gone too early
 * would be created twice. */
#define RECORD_UNCONFIRMED_GRACE 60

struct resource_timer {
	enum timer_kind kind;
	char *resource; /* profile ARN or parameter name */
	int64_t since;
};

/* The tag keys applied to a resource: 16 bytes, the list's length kept by the list
 * (applied_tags_n_keys), not beside it (4 resources a tenant: an 80-byte array, not
 * 112). */
struct applied_tags {
	const char *resource; /* profile ARN or parameter name; interned (state/intern.h) */
	char **keys;	      /* sorted, unique; an interned list (intern_list): shared, never written nor freed */
};

static inline size_t applied_tags_n_keys(const struct applied_tags *a)
{
	return intern_list_len((const char *const *)a->keys);
}

/* A record holds at most this many of each of its arrays and facts (a tenant has at
 * most MANIFEST_MAX_PROFILES profiles and MANIFEST_MAX_ROLES roles): an add past it is
 * refused (an intent not kept, a timer not started: nothing is deleted for it); only a
 * state store edited by hand could hold that many rows, and those past it are not
 * loaded (store_rows_not_loaded counts them, and the start says so). */
#define RECORD_ITEMS_MAX UINT16_MAX
#define RECORD_FACTS_MAX 16383 /* n_facts' 14 bits */

struct tenant_record {
	const char *tenant; /* interned (the observed store's tenant index holds the same) */
	/* one record per tenant, 100,000 of them: arrays sized to what they hold (NULL
	 * when empty), counts in 16 bits */
	struct create_intent *intents;
	struct resource_timer *timers;
	struct applied_tags *applied;
	/* small facts about what was last applied (e.g. the hash of a role policy or of a
	 * budget's alerts, so unchanged ones need not be read back from AWS), the place,
	 * the revision reconciled: n_facts key/value pairs packed in one allocation
	 * (record.c), read with record_fact and record_fact_next only */
	char *facts;
	/* generation_next() at its creation and at every change made through the
	 * functions below (state/generation.h; what state/diff_stamp.h compares) */
	uint64_t gen;
	uint16_t n_intents, n_timers, n_applied;
	uint16_t n_facts : 14;
	bool known : 1;				  /* deletion_policy below came from a manifest */
	enum deletion_policy deletion_policy : 1; /* DELETION_DELETE or DELETION_RETAIN */
	/* 56 bytes, a 64-byte chunk (glibc's and jemalloc's), not 72 in an 80-byte one */
};

struct tenant_record *tenant_record_new(const char *tenant);
void tenant_record_free(struct tenant_record *r);

/* Lookups: borrowed, or NULL. */
const struct create_intent *record_intent(const struct tenant_record *r, const char *profile_key);
const struct resource_timer *record_timer(const struct tenant_record *r, const char *resource);
const struct applied_tags *record_applied(const struct tenant_record *r, const char *resource);
bool record_applied_has(const struct tenant_record *r, const char *resource, const char *key);

/* Mutations (the engine applies them after the store made them durable). */
void record_set_intent(struct tenant_record *r, const char *profile_key, const char *name, const char *token,
		       int64_t since);
bool record_clear_intent(struct tenant_record *r, const char *profile_key);
/* record_note_intent_answer: a create sent with `token` answered arn at `now`, and
 * its read-back found it (`confirmed`) or not. Ignored when the intent has another
 * token by now. */
void record_note_intent_answer(struct tenant_record *r, const char *profile_key, const char *token, const char *arn,
			       bool confirmed, int64_t now);
/* record_confirm_intent: a read or a listing showed arn. */
void record_confirm_intent(struct tenant_record *r, const char *profile_key, const char *arn);
/* record_mark_intent_dead: the profile the intent's token answered (arn) is absent
 * from a listing that started after the answer and from a Get. Returns 0 when the
 * intent is now dead; -EAGAIN when no read ever showed arn and the answer is younger
 * than RECORD_UNCONFIRMED_GRACE (the read may lag); -ENOENT when arn is not what the
 * intent's token answered. */
int record_mark_intent_dead(struct tenant_record *r, const char *profile_key, const char *arn, int64_t now);
void record_start_timer(struct tenant_record *r, enum timer_kind kind, const char *resource, int64_t since);
bool record_clear_timer(struct tenant_record *r, const char *resource);
/* record_set_applied: replaces the key set for resource (n == 0 forgets it). */
void record_set_applied(struct tenant_record *r, const char *resource, char *const *keys, size_t n);
/* record_note_tagged: after a successful tag (or create) call, the non-reserved keys
 * of `tags` join the keys this instance applied to resource. */
void record_note_tagged(struct tenant_record *r, const char *resource, const struct tag_set *tags);
/* record_note_untagged: after a successful untag call, the keys leave the set. */
void record_note_untagged(struct tenant_record *r, const char *resource, char *const *keys, size_t n);
/* record_forget_resource: drops the timer and applied tags of a resource that is gone. */
void record_forget_resource(struct tenant_record *r, const char *resource);
/* Facts: NULL when absent; set replaces (the fact keeps its place in the order), a new
 * one comes last; clear removes. key and value may be strings of r's own facts. A
 * fact's value (and its key's name, below) is borrowed from r until the next set or
 * clear of any of its facts. record_fact_next: the fact at *cursor (0: the first) into
 * *ret, *cursor moved past it; false after the last:
 *     for (size_t at = 0; record_fact_next(r, &at, &f);) ...
 * A fact's key is f.prefix then f.name: the policy and alerts facts' fixed prefixes
 * ("policy\n", "alerts\n", record_key_policy_fact and record_key_alerts_fact) are a
 * byte in the record, not text, and f.name the rest of the key; any other key is
 * f.name whole (f.prefix ""). record_fact_key: the key as text (the caller frees).
 * The values of RECORD_FACT_PLACE, RECORD_FACT_POOL, RECORD_FACT_ACCOUNT and
 * RECORD_FACT_RECONCILED_REVISION are interned (state/intern.h): one copy for all
 * tenants, and their keys are a byte in the block, read back as these very strings
 * (record.c). A set past RECORD_FACTS_MAX facts is refused. */
#define RECORD_FACT_RECONCILED_REVISION "reconciled-revision" /* the manifest revision last brought to Ready */
struct record_fact {
	const char *prefix; /* static: "", "policy\n" or "alerts\n" */
	const char *name;
	const char *value;
};
const char *record_fact(const struct tenant_record *r, const char *key);
bool record_fact_next(const struct tenant_record *r, size_t *cursor, struct record_fact *ret);
char *record_fact_key(const struct record_fact *f);
/* record_policy_fact_next: as record_fact_next, over the policy facts whose key
 * record_key_policy_fact_split splits only: the role (role_len characters at
 * *ret_role), the policy name and the value (ret_value may be NULL), borrowed from r. */
bool record_policy_fact_next(const struct tenant_record *r, size_t *cursor, const char **ret_role, size_t *ret_role_len,
			     const char **ret_policy, const char **ret_value);
void record_set_fact(struct tenant_record *r, const char *key, const char *value);
bool record_clear_fact(struct tenant_record *r, const char *key);
bool record_is_empty(const struct tenant_record *r);

/* Loading a state store (store_load): rows of one table added to a record at once,
 * after what it holds of the kind, each row's key new to it (the table's primary key).
 * Set one by one, each row would rewrite or search every row before it: minutes for a
 * store edited by hand to tens of thousands of rows of one tenant. Each returns how
 * many rows it took, the first ones, up to RECORD_ITEMS_MAX (RECORD_FACTS_MAX facts)
 * in the record. The rows' strings are copied (or interned); applied keys with the
 * reserved prefix are the caller's to leave out, as record_note_tagged does. */
struct record_intent_row {
	const char *profile_key, *name, *token;
	int64_t since;
};
struct record_applied_row {
	const char *resource;
	char *const *keys;
	size_t n_keys; /* at least 1 */
};
size_t record_load_intents(struct tenant_record *r, const struct record_intent_row *rows, size_t n);
size_t record_load_timers(struct tenant_record *r, const struct resource_timer *rows, size_t n);
size_t record_load_applied(struct tenant_record *r, const struct record_applied_row *rows, size_t n);
size_t record_load_facts(struct tenant_record *r, const char *const *keys, const char *const *values, size_t n);

const char *timer_kind_name(enum timer_kind k);

/* Record keys that are not a resource's ARN or name, built here only (each caller
 * frees the string):
 *   record_key_budget_timer   "budget:NAME"          the grace timer of a budget
 *   record_key_policy_timer   "policy:ROLE"          the grace timer of a role's policy
 *   record_key_alerts_fact    "alerts\nNAME"         the alerts last applied to a budget
 *   record_key_policy_fact    "policy\nROLE\nPOLICY"  the digest of a policy last applied
 *                             ("DIGEST" or "DIGEST kN:KEY": state/policy_memo.h)
 * record_key_policy_fact_parse: the role (into ret_role, the caller's to free) and the
 * policy name (borrowed from key) of a policy fact's key; false for any other key. */
char *record_key_budget_timer(const char *budget);
char *record_key_policy_timer(const char *role);
char *record_key_alerts_fact(const char *budget);
char *record_key_policy_fact(const char *role, const char *policy);
/*   record_key_enforce_fact   "enforce\nPOLICY"      the deny policy last applied: "DIGEST VERSION"
 *   record_key_enforce_timer  "enforce:POLICY"       the grace timer of a gone tenant's enforcement */
char *record_key_enforce_fact(const char *policy);
/* record_enforce_fact: record_fact of record_key_enforce_fact(policy), without building
 * the key. */
const char *record_enforce_fact(const struct tenant_record *r, const char *policy);
char *record_key_enforce_timer(const char *policy);
bool record_key_policy_fact_parse(const char *key, char **ret_role, const char **ret_policy);
/* record_key_is_policy_fact: key is a policy fact's. record_key_policy_fact_split:
 * its role (role_len characters at *ret_role) and policy, borrowed from key; false
 * for any other key. record_policy_fact: record_fact of record_key_policy_fact(role,
 * policy). None of them allocates (a pass reads them for every tenant with roles). */
bool record_key_is_policy_fact(const char *key);
bool record_key_policy_fact_split(const char *key, const char **ret_role, size_t *ret_role_len,
				  const char **ret_policy);
const char *record_policy_fact(const struct tenant_record *r, const char *role, const char *policy);
/* A move's old place (docs/operations.md "Moves"): the fact "moving-from\nPLACE"
 * (PLACE: "alias/region", as the engine keys places; value: when the move was noted)
 * says the tenant's resources in PLACE are left over from a move and go once its set
 * in its current place is Ready and the drain has passed. record_key_moving_from_parse:
 * the place (borrowed from key) of such a fact's key; NULL for any other key.
 * record_moving_from: the i-th old place of r (i from 0), NULL past the last. */
#define RECORD_FACT_PLACE "place" /* the place ("alias/region") the tenant lives in */
#define RECORD_FACT_POOL  "pool"  /* the pool that placed it there (spec.pool, or default) */
/* the account id its place named when it was last reconciled there: an alias given
 * another id does not move it unseen (the engine's moves.c) */
#define RECORD_FACT_ACCOUNT "account"
char *record_key_moving_from(const char *place);
/* record_key_move_timer: "move:PLACE", the drain timer of a move's old place (one for
 * all its resources; started once the new set is Ready). The diff of the current
 * place leaves these timers alone (record_key_is_move_timer). */
char *record_key_move_timer(const char *place);
bool record_key_is_move_timer(const char *key);
const char *record_key_moving_from_parse(const char *key);
const char *record_moving_from(const struct tenant_record *r, size_t i);

#endif
