/* Tenant manifests (schema v1, docs/manifest.md) -> struct tenant (state/model.h).
 *
 * manifest_parse checks everything a manifest can get wrong before anything touches
 * AWS: the text itself (size, encoding), YAML limits, the schema (unknown keys, types,
 * ranges, AWS's patterns, duplicates, counts), the references into the daemon
 * configuration (account aliases, default Region), the derived names, and governance.
 * Every problem is added to the diagnostics, not only the first. */
#ifndef BTD_MANIFEST_H
#define BTD_MANIFEST_H

#include <stddef.h>

#include "daemon_config.h"
#include "diag.h"
#include "model.h"

/* Limits (docs/manifest.md). */
#define MANIFEST_MAX_BYTES	(256 * 1024)
#define MANIFEST_MAX_DEPTH	16
#define MANIFEST_MAX_NODES	10000
#define MANIFEST_MAX_PROFILES	20
#define MANIFEST_MAX_ALERTS	5 /* the Budgets limit the API documents most strictly */
#define MANIFEST_MAX_EMAILS	10
#define MANIFEST_MAX_ROLES	20
#define MANIFEST_MAX_THRESHOLD	1000 /* percent of the budget */
#define MANIFEST_MAX_BUDGET_USD "1000000000"
#define MANIFEST_API_VERSION	"bedrock-tenantd/v1"
#define MANIFEST_KIND		"Tenant"

/* The tenant id a manifest declares, even when the manifest fails, so that a failing
 * file keeps its tenant's last good definition. */
struct manifest_id {
	char *id; /* NULL when metadata.name is missing or invalid */
	unsigned line, col;
};

void manifest_id_release(struct manifest_id *mid);

/* manifest_parse: parse and check one manifest read from `file`. Returns 0 with the
 * tenant in *ret (owned by the caller), or -EINVAL with the problems in diags. ret_id
 * (may be NULL) receives the declared tenant id in both cases; release it with
 * manifest_id_release(). */
int manifest_parse(const struct daemon_config *cfg, const char *file, const char *text, size_t len, struct tenant **ret,
		   struct manifest_id *ret_id, struct diag_list *diags);

#endif
