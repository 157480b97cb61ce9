/* Derived names: the physical names of a tenant's AWS resources, from the naming
 * templates of the configuration, and the spec hash that makes a profile's name change
 * when its immutable spec (model, description) changes.
 *
 * Templates hold literal text and placeholders {tenant} {profile} {hash6}
 * {department} {project} {instance}; which ones each template may and must use is
 * checked when the configuration is read (a profile name needs {tenant}, {profile} and
 * {hash6} so that names are unique and a replacement gets a new name). Every derived
 * name is checked against AWS's rules for its resource. */
#ifndef BTD_NAMING_H
#define BTD_NAMING_H

#include <stdbool.h>

#include "model.h"
#include "strbuf.h"

enum naming_kind {
	NAMING_PROFILE_NAME,
	NAMING_PARAMETER,
	NAMING_BUDGET_NAME,
	NAMING_POLICY_NAME,
	NAMING_COUNT,
};

#define NAMING_DEFAULT_PROFILE_NAME "{tenant}-{profile}-{hash6}"
#define NAMING_DEFAULT_PARAMETER    "/bedrock-tenants/{tenant}/{profile}/profile-arn"
#define NAMING_DEFAULT_BUDGET_NAME  "bedrock-tenant-{tenant}"
#define NAMING_DEFAULT_POLICY_NAME  "bedrock-tenantd-{tenant}"
#define NAMING_TEMPLATE_MAX	    512

/* Values of the placeholders; NULL expands to "". */
struct naming_vars {
	const char *tenant;
	const char *profile;
	const char *hash6;
	const char *department;
	const char *project;
	const char *instance;
};

/* naming_key: the configuration key of a template ("profile_name", ...). */
const char *naming_key(enum naming_kind kind);
/* naming_what: what the name is, for messages ("Bedrock inference profile name"). */
const char *naming_what(enum naming_kind kind);
/* naming_default: the default template. */
const char *naming_default(enum naming_kind kind);

/* naming_template_check: 0, or -EINVAL with the reason appended to why. */
int naming_template_check(enum naming_kind kind, const char *tmpl, struct strbuf *why);
/* naming_expand: append the template with its placeholders replaced. */
int naming_expand(const char *tmpl, const struct naming_vars *vars, struct strbuf *out);
/* naming_can_give: some tenant's values (an id, a profile key, a department and a
 * project each as the manifest rules allow, a spec hash) make tmpl, with {instance}
 * as instance, give exactly name. tmpl must have passed naming_template_check. */
bool naming_can_give(const char *tmpl, const char *instance, const char *name);
/* naming_check: NULL when name is valid for its AWS resource, else what was expected. */
const char *naming_check(enum naming_kind kind, const char *name);

/* naming_spec_hash: the first SPEC_HASH_LEN hex digits of SHA-256 over the normal form
 * of the immutable spec: "bedrock-tenantd/spec/v1\n" RESOURCE "/" ID "\n" DESCRIPTION,
 * RESOURCE being foundation-model or inference-profile and DESCRIPTION empty when
 * absent. The same model written as an id or as an ARN hashes the same. */
void naming_spec_hash(enum model_ref_kind kind, const char *model_id, const char *description,
		      char out[SPEC_HASH_LEN + 1]);

#endif
