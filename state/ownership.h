/* Ownership by name: which tenant a resource of this instance is, from its tenant tag
 * and its name together (docs/operations.md, safety rule 1). The tag alone can be
 * edited by hand; every name the daemon derives holds the tenant's id whole. Pure:
 * the tenants known besides a store's groups come from its owner (knows_tenant). */
#ifndef BTD_OWNERSHIP_H
#define BTD_OWNERSHIP_H

#include <stdbool.h>

#include "model.h"
#include "observed.h"

/* owned_by_tenant: the resource (tags, name) is the instance's, and the tenant's as
 * its tag says: every name the daemon derives for a tenant holds the tenant's id, whole
 * (each naming template must contain {tenant}, under any template used before too, with
 * no letter or digit next to it), so an entry tagged with a tenant whose name does not
 * hold that id was never the tenant's (its tags were edited by hand): it is not pruned,
 * replaced or adopted as if it were. Whole: the id is not part of a longer run of
 * letters and digits, nor of a longer tenant id the store knows of at the same place:
 * "acme-prod-p1-8e5ce6" is acme-prod's, never acme's, while acme-prod exists. And a
 * name another tenant's current definition derives is that tenant's, never this one's:
 * acme's "acme-p2-8e5ce6" retagged as a tenant "acme-p2" is not acme-p2's. The
 * tenant's own derived names are checked by the caller that knows them
 * (observed_tenant_collect): a name of acme's profile "prod" is acme's all the same. */
bool owned_by_tenant(const struct observed_store *s, const struct tag_set *tags, const char *name, const char *instance,
		     const char *tenant_id);
/* name_holds_tenant: name holds tenant_id whole (above). */
bool name_holds_tenant(const struct observed_store *s, const char *name, const char *tenant_id);
/* tenant_derives_name: name is one of t's derived names (a profile's, its parameter's
 * or its budget's); false for NULL. */
bool tenant_derives_name(const struct tenant *t, const char *name);
/* known_tenant_derives: tenant_id is a tenant the store's owner knows with a
 * definition (observed_store's knows_tenant), and that definition derives name. Two
 * tenants can derive one name ("a"'s profile "b-c" and "a-b"'s profile "c" are both
 * a-b-c-<spec> under the default template): the diff says so in the conflict. */
bool known_tenant_derives(const struct observed_store *s, const char *tenant_id, const char *name);
/* tenant_derives_policy: t's policy name is name and role is among its access roles
 * (without regard to case, as IAM names roles); false for NULL. */
bool tenant_derives_policy(const struct tenant *t, const char *role, const char *name);
/* policy_derived_by_other: a tenant other than tenant_id, known to the store's owner
 * with a definition and placed in the store's account (in_account), derives the
 * inline policy name on role too: a naming.policy_name with {project} or
 * {department} can give two tenants sharing a role one name ("a" of project "b-c"
 * and "a-b" of project "c" under "{tenant}-{project}"). Inline policies carry no
 * tags to tell whose a document is: the tenant whose policy is current keeps it, the
 * other may neither write nor delete it (state/diff_policy.c). That tenant's id into
 * ret_other (TENANT_ID_MAX + 1 bytes) when not NULL. */
bool policy_derived_by_other(const struct observed_store *s, const char *role, const char *name, const char *tenant_id,
			     char *ret_other);
/* known_without_definition: tenant_id is a tenant the store's owner or the store
 * knows (a record, resources tagged with it) that no manifest defines now: removed, or
 * a tag written by hand. False when the store has no owner's tenants to ask. */
bool known_without_definition(const struct observed_store *s, const char *tenant_id);
/* observed_group_owns: the group holds a resource its tenant owns (owned_by_tenant). */
bool observed_group_owns(const struct observed_store *s, const struct observed_group *g, const char *instance);
/* owned_by_defined_tenant: owned_by_tenant, the tenant's definition known (NULL:
 * none): a name of that definition (or of one of its profiles before a change of spec,
 * the spec hash it is tagged with in place of the current one) counts as holding its
 * id: acme's profile "prod", acme-prod-8e5ce6, and the one it replaces,
 * acme-prod-0a1b2c, are acme's while acme-prod exists. */
bool owned_by_defined_tenant(const struct observed_store *s, const struct tag_set *tags, const char *name,
			     const char *instance, const char *tenant_id, const struct tenant *desired);

#endif
