/* The desired model: one struct tenant per manifest, as config/ parses it.
 *
 * A tenant owns everything it points to (strings, arrays, tag sets); tenant_free()
 * releases it all. Derived names (profile names, parameter paths, budget and policy
 * names) are computed by config/ from the daemon configuration's naming templates and
 * stored here, so the engine never re-derives them. Tag sets are kept sorted by key
 * with unique keys, so two sets compare with a single merge walk. */
#ifndef BTD_MODEL_H
#define BTD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "intern.h"

/* Limits of the manifest schema (docs/manifest.md). */
#define TENANT_ID_MAX	      40 /* ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ */
#define PROFILE_KEY_MAX	      16 /* ^[a-z0-9]([a-z0-9_-]{0,14}[a-z0-9])?$ */
#define RESERVED_TAG_COUNT    5	 /* the bedrock-tenantd:* ownership tags */
#define AWS_TAGS_PER_RESOURCE 50
#define USER_TAGS_MAX	      (AWS_TAGS_PER_RESOURCE - RESERVED_TAG_COUNT)
#define SPEC_HASH_LEN	      6

/* Reserved ownership tag keys (DESIGN.md "What lives in AWS for one tenant"). */
#define TAG_MANAGED_BY	    "bedrock-tenantd:managed-by"
#define TAG_TENANT	    "bedrock-tenantd:tenant"
#define TAG_PROFILE	    "bedrock-tenantd:profile"
#define TAG_MODEL	    "bedrock-tenantd:model"
#define TAG_SPEC	    "bedrock-tenantd:spec"
#define TAG_RESERVED_PREFIX "bedrock-tenantd:"

/* In a tag_set, key and value are interned (state/intern.h): each is a reference
 * the set owns, dropped with intern_unref(), never free(). In a tag view they are
 * borrowed. */
struct tag {
	const char *key;
	const char *value;
};

/* Sorted by key (strcmp), keys unique. Three forms:
 * - built (keys NULL): items[] holds n pairs in alloc slots, owned by the set; every
 *   tag_set_* function below writes only this form;
 * - shared (tag_set_share; a manifest's tag sets, which tenants repeat): items[] is
 *   an interned list (intern_list) of the 2n strings key, value, key, value..., one
 *   copy for every shared set with the same pairs; alloc is TAG_SET_SHARED;
 * - packed (tag_set_pack; the observed store's listed entries, which never change):
 *   keys is an interned list (intern_list) shared by every packed set with the same
 *   keys, values[] the n interned values' handles (intern_handle: 4 bytes each), in
 *   memory the packer provides (a store's arena): a set of ten tags takes 40 bytes
 *   instead of 160, its keys none.
 * Read either form with tag_set_key/tag_set_value (or tag_set_get); never items[] of a
 * set that may be packed. A write (tag_set_put, _remove, _reserve) to a packed set
 * turns it into a built set first. */
struct tag_set {
	union {
		struct tag *items;	/* keys == NULL */
		const uint32_t *values; /* keys != NULL: handles (state/intern.h) */
	};
	const char *const *keys;
	uint32_t n;
	uint32_t alloc; /* slots of items[]; 0 when packed, TAG_SET_SHARED when shared */
};

#define TAG_SET_SHARED UINT32_MAX

static inline const char *tag_set_key(const struct tag_set *set, size_t i)
{
	return set->keys ? set->keys[i] : set->items[i].key;
}

static inline const char *tag_set_value(const struct tag_set *set, size_t i)
{
	return set->keys ? intern_handle_str(set->values[i]) : set->items[i].value;
}

enum deletion_policy {
	DELETION_DELETE,
	DELETION_RETAIN,
};

enum budget_period {
	BUDGET_MONTHLY,
	BUDGET_QUARTERLY,
	BUDGET_ANNUALLY,
};

enum alert_type {
	ALERT_ACTUAL,
	ALERT_FORECASTED,
};

/* How a profile's `model:` was written; decides the copyFrom ARN's form. */
enum model_ref_kind {
	MODEL_FOUNDATION_ID,	  /* anthropic.claude-3-5-haiku-20241022-v1:0 */
	MODEL_FOUNDATION_ARN,	  /* arn:aws:bedrock:REGION::foundation-model/ID */
	MODEL_SYSTEM_PROFILE_ID,  /* us.anthropic.claude-3-5-haiku-20241022-v1:0 */
	MODEL_SYSTEM_PROFILE_ARN, /* arn:aws:bedrock:REGION:ACCOUNT:inference-profile/ID */
};

struct alert {
	double threshold_percent;
	enum alert_type type;
	/* sorted, unique; each an interned reference (state/intern.h), never free()d:
	 * tenants share their teams' addresses */
	char **emails;
	size_t n_emails;
	const char *sns_topic; /* NULL when none; interned: many tenants' alerts go to one topic */
};

struct budget {
	char *limit_usd; /* canonical decimal string as Budgets wants it ("1000", "12.5") */
	enum budget_period period;
	struct alert *alerts; /* sorted by (type, threshold) */
	size_t n_alerts;
	/* spec.budget.enforce: a Budgets action attaches a deny policy to the tenant's
	 * roles once actual spend reaches enforce_at_percent of the limit. */
	bool enforce;
	double enforce_at_percent; /* 1..1000 (default 100) */
};

struct profile {
	const char *key;     /* unique within the tenant; interned (state/intern.h): tenants repeat keys */
	const char *model;   /* as written in the manifest; interned (state/intern.h); its bare id: profile_model_id */
	char *description;   /* NULL when absent */
	struct tag_set tags; /* the profile's own tags; the tenant's tags are not merged in */

	/* Derived by config/ (naming templates, spec hash). */
	char spec_hash[SPEC_HASH_LEN + 1]; /* hash of the immutable spec: model, description */
	/* in the byte after spec_hash: 80 bytes a profile, not 96 */
	enum model_ref_kind model_kind : 8;
	char *name;	       /* Bedrock inferenceProfileName, <= 64 characters */
	const char *parameter; /* SSM parameter name holding the profile ARN; interned (the
				* observed store and the records hold the same name) */

	unsigned line, col; /* where the entry starts in the manifest */
};

struct tenant {
	const char *id; /* interned: the records and the observed store's tenant index hold it too */
	/* department, project, region, account and pool are interned (state/intern.h):
	 * 100,000 tenants share a few of each. */
	const char *department; /* NULL when absent */
	const char *project;	/* NULL when absent */
	const char *region;	/* resolved: the manifest's or the configuration's default */
	const char *account;	/* account alias from the configuration; NULL: the default account */
	/* The pool the daemon places the tenant in (spec.pool, or the configuration's pool
	 * `default` for a tenant without spec.account); NULL: its place is fixed by
	 * account and region, as without pools. */
	const char *pool;
	struct tag_set tags;
	struct profile *profiles; /* sorted by key */
	struct budget *budget;	  /* NULL when the manifest has no budget block */
	char **roles;		  /* IAM role names, sorted, unique */
	/* counts, flags and enums together, in 16 bytes: 144 bytes, not 168 (100,000 tenants) */
	uint32_t n_profiles;
	uint32_t n_roles;
	unsigned extra_owners; /* owners beyond the first (tenant_ref) */
	enum deletion_policy deletion_policy : 8;
	bool region_set : 1; /* spec.region was written (else region is the configuration's default) */
	bool suspended : 1;
	bool compact : 1;	/* tenant_compact: the tenant and what it owns in one block */
	bool file_in_block : 1; /* file is the block's (tenant_compact), not a string of its own */
	/* a compact tenant's block from the slabs (state/slab.h): its size in 8-byte units
	 * (SLAB_MAX / 8 at most); 0: malloc'd */
	unsigned slab_units : 10;

	/* Derived by config/. */
	char *budget_name; /* NULL when budget is NULL */
	char *policy_name; /* inline role policy name */

	/* Provenance. */
	char *file; /* path as given to the parser; replaced with tenant_set_file */
	/* content hash of the manifest text (hex), the tenant's revision; interned
	 * (state/intern.h): the engine's reconciled revision is then the same string */
	const char *revision;
};

/* tag_set */
void tag_set_init(struct tag_set *set);
void tag_set_release(struct tag_set *set);
/* tag_set_put: insert or replace; interns key and value (the caller keeps its own). */
void tag_set_put(struct tag_set *set, const char *key, const char *value);
/* tag_set_reserve: room for n tags in all, allocated exactly (a set filled from a
 * list of known length: 100,000 tenants' resources do not each carry spare slots). */
void tag_set_reserve(struct tag_set *set, size_t n);
/* tag_set_remove: returns true when the key was present. */
bool tag_set_remove(struct tag_set *set, const char *key);
/* tag_set_get: the value, or NULL. Borrowed. */
const char *tag_set_get(const struct tag_set *set, const char *key);
/* tag_set_get_interned: tag_set_get of an interned key (state/intern.h): in a set
 * whose keys are interned, as every tag_set's are, found by pointer without reading a
 * string; otherwise (a view) as tag_set_get. */
const char *tag_set_get_interned(const struct tag_set *set, const char *key);
/* The daemon's ownership tags' keys (TAG_MANAGED_BY, ...), interned once for the
 * process: tag_key_managed_by() == the key of an interned set's managed-by tag. */
const char *tag_key_managed_by(void);
const char *tag_key_tenant(void);
const char *tag_key_profile(void);
const char *tag_key_model(void);
const char *tag_key_spec(void);
void tag_set_copy(struct tag_set *dst, const struct tag_set *src);
bool tag_set_equal(const struct tag_set *a, const struct tag_set *b);
/* tag_set_pack: turns the built set into a packed one, its values' references moved
 * into mem as handles (room for set->n, owned by the caller and kept as long as the
 * set), its items[] freed; true when packed. A set with a value that has no handle
 * (longer than AWS allows a tag value) stays as it was, mem untouched: false.
 * tag_set_release of a packed set drops its references, never mem. */
bool tag_set_pack(struct tag_set *set, uint32_t *mem);
/* tag_set_share: turns the built set into a shared one (the one copy of its pairs,
 * made when absent); released with tag_set_release like any set. */
void tag_set_share(struct tag_set *set);

/* Tag views: tag_sets whose strings are borrowed (from the model, the settings), for
 * sets that are built only to be compared, for every tenant on every diff pass. Start
 * with tag_set_init; tag_view_put inserts or replaces, keeping the order;
 * tag_view_add_all adds every pair of src; tag_view_release frees the array, never a
 * string. Never pass a view to tag_set_put or tag_set_release; tag_set_copy of a
 * view makes an owned set. */
void tag_view_put(struct tag_set *view, const char *key, const char *value);
void tag_view_add_all(struct tag_set *view, const struct tag_set *src);
void tag_view_release(struct tag_set *view);

const char *deletion_policy_name(enum deletion_policy p);
const char *budget_period_name(enum budget_period p);
const char *alert_type_name(enum alert_type t);

/* profile_model_id: the bare id of p's model (the part after foundation-model/ or
 * inference-profile/ of an ARN, the model itself when written as an id), derived,
 * not kept (8 bytes a profile): an ARN's first '/' ends its resource type, since
 * config/modelref.c accepts no '/' in its partition, Region or account. Points into
 * p->model; NULL when p has no model. */
static inline const char *profile_model_id(const struct profile *p)
{
	const char *slash;

	if (!p->model || (p->model_kind != MODEL_FOUNDATION_ARN && p->model_kind != MODEL_SYSTEM_PROFILE_ARN))
		return p->model;
	slash = strchr(p->model, '/');
	return slash ? slash + 1 : NULL;
}

/* Lifecycle. A tenant may have several owners (the manifest cache, the desired store
 * and the engine share one parsed tenant): tenant_ref() adds an owner and returns t;
 * tenant_free() drops one (accepting NULL) and frees everything the tenant owns when
 * the last one goes. A tenant with more than one owner must not be changed. */
struct tenant *tenant_ref(struct tenant *t);
void tenant_free(struct tenant *t);
/* profile_release: of a tenant that is not compact. */
void profile_release(struct profile *p);
void budget_free(struct budget *b);
void alert_release(struct alert *a);
/* tenant_compact: the tenant and what it owns apart in one allocation: the struct,
 * its profiles' array, its roles' array, each profile's name and description, the
 * roles, its policy name and budget name, then (at the next multiple of 8) its budget
 * with its alerts, their e-mail arrays and its limit (the addresses and topics are
 * interned), and last its file (a
 * malloc chunk each before: their headers and rounding were about a seventh of
 * 100,000 tenants' desired model, and a parsed budget of one alert to one address
 * five chunks, 208 bytes for 120 of data). Returns the tenant to use from then on:
 * t itself is freed. The fields keep their meaning and are read as before; a compact
 * tenant's profiles, roles, budget and those strings are never changed nor freed
 * alone (tenant_free frees the block), its file only replaced with tenant_set_file.
 * For a tenant just built (config/'s manifest parser calls it last), with one owner
 * and a revision; otherwise, or again, it does nothing and returns t. Its revision
 * (interned) stays apart. */
struct tenant *tenant_compact(struct tenant *t) __attribute__((warn_unused_result));
/* tenant_set_file: t's file becomes a copy of file (compact or not). */
void tenant_set_file(struct tenant *t, const char *file);
/* tenant_dup: a deep copy, owned by the caller (not compact). */
struct tenant *tenant_dup(const struct tenant *t);

/* tenant_equal: the same desired state: every field but provenance (file, revision)
 * and source positions (profile line/col). */
bool tenant_equal(const struct tenant *a, const struct tenant *b);

/* Lookups (binary search; the arrays are sorted). Borrowed results or NULL. */
const struct profile *tenant_profile(const struct tenant *t, const char *key);
bool tenant_has_role(const struct tenant *t, const char *role);

#endif
