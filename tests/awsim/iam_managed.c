/* IAM customer-managed policies (awsQuery, XML): CreatePolicy, GetPolicy,
 * DeletePolicy, policy versions (Create/Get/Delete/ListPolicyVersions, at most five)
 * and their attachment to roles (Attach/DetachRolePolicy,
 * ListAttachedRolePolicies). The documents of a role, inline and attached, feed
 * the IAM evaluator (iam_eval.c) through iam_role_documents(). */
#include "usage.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"
#include "xalloc.h"

static const struct strspec name_spec = { true, 1, 128, PAT_IAM_NAME };
static const struct strspec role_spec = { true, 1, 64, PAT_IAM_NAME };
static const struct strspec arn_spec = { true, 20, 2048, PAT_NONE };
static const struct strspec doc_spec = { true, 1, 131072, PAT_IAM_POLICY_CHARS };

void managed_policy_free(void *v)
{
	struct managed_policy *p = v;

	if (!p)
		return;
	free(p->name);
	free(p->path);
	free(p->id);
	free(p->arn);
	free(p->description);
	for (size_t i = 0; i < p->n_versions; i++)
		free(p->v[i].doc);
	omap_clear(&p->roles, NULL);
	free(p);
}

static char *lower(const char *s)
{
	char *l = xstrdup(s);

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

static struct role *role_in(struct awsim *sim, const char *account, const char *name)
{
	struct account *acct = omap_get(&sim->accounts, account);
	char *key = lower(name);
	struct role *r = acct ? omap_get(&acct->roles, key) : NULL;

	free(key);
	return r;
}

static struct policy_version *version_of(struct managed_policy *p, int id)
{
	for (size_t i = 0; i < p->n_versions; i++)
		if (p->v[i].id == id)
			return &p->v[i];
	return NULL;
}

struct docs_ctx {
	const char *role;
	const char **docs;
	size_t n, alloc;
};

static int attached_doc(const char *key, void *v, void *ctx)
{
	struct managed_policy *p = v;
	struct docs_ctx *d = ctx;
	struct policy_version *pv = version_of(p, p->default_version);

	(void)key;
	if (pv && omap_get(&p->roles, d->role)) {
		XGROW(d->docs, d->n + 1, d->alloc);
		d->docs[d->n++] = pv->doc;
	}
	return 0;
}

const char **iam_role_documents(struct awsim *sim, const char *account, const char *role, size_t *n)
{
	struct role *r = role_in(sim, account, role);
	struct docs_ctx d = { NULL, NULL, 0, 0 };
	const struct omap_node *node;

	*n = 0;
	if (!r)
		return NULL;
	for (node = omap_next(&r->policies, NULL); node; node = omap_next(&r->policies, node->key)) {
		XGROW(d.docs, d.n + 1, d.alloc);
		d.docs[d.n++] = node->value;
	}
	d.role = lower(role);
	omap_walk(&usage_acct(sim, account)->policies, attached_doc, &d);
	free((char *)d.role);
	*n = d.n;
	return d.docs;
}

int iam_attach(struct awsim *sim, const char *account, const char *role, const char *policy_arn, bool attach)
{
	struct managed_policy *p = omap_get(&usage_acct(sim, account)->policies, policy_arn);
	char *key;

	if (!p || !role_in(sim, account, role))
		return -ENOENT;
	key = lower(role);
	if (attach)
		omap_put(&p->roles, key, p);
	else
		omap_del(&p->roles, key);
	free(key);
	return 0;
}

static int attached_to(const char *key, void *v, void *ctx)
{
	const struct managed_policy *p = v;

	(void)key;
	return omap_get(&p->roles, ctx) ? 1 : 0; /* 1 stops the walk */
}

bool iam_role_attached(struct awsim *sim, const char *account, const char *role)
{
	char *key = lower(role);
	bool any = omap_walk(&usage_acct(sim, account)->policies, attached_to, key) != 0;

	free(key);
	return any;
}

/* ---- the operations ---- */

static struct usage_acct *acct_of(struct call *c)
{
	return usage_acct(c->sim, c->acct->id);
}

static int find_policy(struct call *c, struct managed_policy **ret)
{
	const char *arn;

	if (q_str(c, "PolicyArn", &arn_spec, &arn) < 0)
		return -1;
	*ret = omap_get(&acct_of(c)->policies, arn);
	if (!*ret)
		return call_error(c, 404, "NoSuchEntity", "Policy %.200s does not exist or is not attachable.", arn);
	return 0;
}

static void policy_xml_as(struct strbuf *sb, const struct managed_policy *p, const char *elem)
{
	char ts[32], num[24];

	strbuf_addf(sb, "<%s>", elem);
	xml_elem(sb, "PolicyName", p->name);
	xml_elem(sb, "PolicyId", p->id);
	xml_elem(sb, "Arn", p->arn);
	xml_elem(sb, "Path", p->path);
	snprintf(num, sizeof(num), "v%d", p->default_version);
	xml_elem(sb, "DefaultVersionId", num);
	snprintf(num, sizeof(num), "%zu", p->roles.n);
	xml_elem(sb, "AttachmentCount", num);
	xml_elem(sb, "PermissionsBoundaryUsageCount", "0");
	xml_elem(sb, "IsAttachable", "true");
	if (p->description)
		xml_elem(sb, "Description", p->description);
	ids_iso8601(p->created_ms, 0, ts);
	xml_elem(sb, "CreateDate", ts);
	ids_iso8601(p->updated_ms, 0, ts);
	xml_elem(sb, "UpdateDate", ts);
	strbuf_addf(sb, "</%s>", elem);
}

static void policy_xml(struct strbuf *sb, const struct managed_policy *p)
{
	policy_xml_as(sb, p, "Policy");
}

static bool valid_policy(const char *doc)
{
	cJSON *j = cJSON_Parse(doc);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "Statement");
	bool ok = cJSON_IsObject(j) && (cJSON_IsObject(st) || cJSON_IsArray(st));

	cJSON_Delete(j);
	return ok;
}

int op_iam_create_policy(struct call *c)
{
	static const struct strspec path_spec = { false, 1, 512, PAT_IAM_PATH };
	static const struct strspec desc_spec = { false, 0, 1000, PAT_NONE };
	struct usage_acct *ua = acct_of(c);
	const char *name, *path, *doc, *desc;
	struct managed_policy *p;
	char id[22], *arn;

	if (q_str(c, "PolicyName", &name_spec, &name) < 0 || q_str(c, "Path", &path_spec, &path) < 0 ||
	    q_str(c, "PolicyDocument", &doc_spec, &doc) < 0 || q_str(c, "Description", &desc_spec, &desc) < 0)
		return -1;
	if (!valid_policy(doc))
		return call_error(c, 400, "MalformedPolicyDocument", "This policy contains invalid Json");
	arn = xasprintf("arn:aws:iam::%s:policy%s%s", c->acct->id, path ? path : "/", name);
	if (omap_get(&ua->policies, arn)) {
		free(arn);
		return call_error(c, 409, "EntityAlreadyExists",
				  "A policy called %s already exists. Duplicate names "
				  "are not allowed.",
				  name);
	}
	if (ua->policies.n >= USAGE_MAX_POLICIES) {
		free(arn);
		return call_error(c, 409, "LimitExceeded", "Cannot exceed quota for PoliciesPerAccount: %d",
				  USAGE_MAX_POLICIES);
	}
	p = xcalloc(1, sizeof(*p));
	omap_init(&p->roles);
	memcpy(id, "ANPA", 4);
	ids_random(&c->sim->rng, IDS_UPPER_ALNUM, 17, id + 4);
	p->name = xstrdup(name);
	p->path = xstrdup(path ? path : "/");
	p->id = xstrdup(id);
	p->arn = arn;
	p->description = xstrdup_or_null(desc);
	p->created_ms = p->updated_ms = ids_now_ms();
	p->v[0] = (struct policy_version){ 1, xstrdup(doc), p->created_ms };
	p->n_versions = 1;
	p->default_version = 1;
	p->next_version = 2;
	omap_put(&ua->policies, arn, p);
	call_xml_begin(c, true);
	policy_xml(&c->body, p);
	call_xml_end(c, true);
	return 0;
}

int op_iam_get_managed_policy(struct call *c)
{
	struct managed_policy *p;

	if (find_policy(c, &p) < 0 || !p)
		return -1;
	call_xml_begin(c, true);
	policy_xml(&c->body, p);
	call_xml_end(c, true);
	return 0;
}

int op_iam_delete_managed_policy(struct call *c)
{
	struct managed_policy *p;

	if (find_policy(c, &p) < 0 || !p)
		return -1;
	if (p->roles.n || p->n_versions > 1)
		return call_error(c, 409, "DeleteConflict",
				  "Cannot delete a policy attached to entities or with non-default versions.");
	managed_policy_free(omap_del(&acct_of(c)->policies, p->arn));
	call_xml_begin(c, false);
	call_xml_end(c, false);
	return 0;
}

static int attach_op(struct call *c, bool attach)
{
	struct managed_policy *p;
	const char *role;
	char *key;

	if (q_str(c, "RoleName", &role_spec, &role) < 0)
		return -1;
	if (!role_in(c->sim, c->acct->id, role))
		return call_error(c, 404, "NoSuchEntity", "The role with name %.64s cannot be found.", role);
	if (find_policy(c, &p) < 0 || !p)
		return -1;
	key = lower(role);
	if (!attach && !omap_get(&p->roles, key)) {
		free(key);
		return call_error(c, 404, "NoSuchEntity", "Policy %s was not found.", p->arn);
	}
	if (attach && omap_get(&p->roles, key)) { /* attached already: IAM changes nothing */
		free(key);
		call_xml_begin(c, false);
		call_xml_end(c, false);
		return 0;
	}
	free(key);
	if (attach) {
		size_t n = 0;
		const char **docs = iam_role_documents(c->sim, c->acct->id, role, &n);
		struct role *r = role_in(c->sim, c->acct->id, role);
		free(docs);
		if (r && n - r->policies.n >= USAGE_MAX_ATTACHED)
			return call_error(c, 409, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d",
					  USAGE_MAX_ATTACHED);
	}
	iam_attach(c->sim, c->acct->id, role, p->arn, attach);
	p->updated_ms = ids_now_ms();
	call_xml_begin(c, false);
	call_xml_end(c, false);
	return 0;
}

int op_iam_attach_role_policy(struct call *c)
{
	return attach_op(c, true);
}

int op_iam_detach_role_policy(struct call *c)
{
	return attach_op(c, false);
}

struct attached_ctx {
	struct strbuf *sb;
	const char *role;
};

static int attached_item(const char *key, void *v, void *ctx)
{
	const struct managed_policy *p = v;
	struct attached_ctx *a = ctx;

	(void)key;
	if (omap_get(&p->roles, a->role)) {
		strbuf_adds(a->sb, "<member>");
		xml_elem(a->sb, "PolicyName", p->name);
		xml_elem(a->sb, "PolicyArn", p->arn);
		strbuf_adds(a->sb, "</member>");
	}
	return 0;
}

/* All attached policies in one page (at most USAGE_MAX_ATTACHED exist). */
int op_iam_list_attached_role_policies(struct call *c)
{
	const char *role;
	struct attached_ctx a;

	if (q_str(c, "RoleName", &role_spec, &role) < 0)
		return -1;
	if (!role_in(c->sim, c->acct->id, role))
		return call_error(c, 404, "NoSuchEntity", "The role with name %.64s cannot be found.", role);
	a.sb = &c->body;
	a.role = lower(role);
	call_xml_begin(c, true);
	strbuf_adds(&c->body, "<AttachedPolicies>");
	omap_walk(&acct_of(c)->policies, attached_item, &a);
	strbuf_adds(&c->body, "</AttachedPolicies>");
	xml_elem(&c->body, "IsTruncated", "false");
	call_xml_end(c, true);
	free((char *)a.role);
	return 0;
}

/* ListEntitiesForPolicy: the roles the policy is attached to (awsim attaches managed
 * policies to roles only), all in one page; EntityFilter other than Role lists none. */
int op_iam_list_entities_for_policy(struct call *c)
{
	const char *filter = form_get(&c->form, "EntityFilter");
	struct managed_policy *p;
	const struct omap_node *n;

	if (filter && strcmp(filter, "Role") && strcmp(filter, "User") && strcmp(filter, "Group") &&
	    strcmp(filter, "LocalManagedPolicy") && strcmp(filter, "AWSManagedPolicy"))
		return call_error(c, 400, "ValidationError",
				  "1 validation error detected: Value '%.40s' at 'entityFilter' failed to satisfy "
				  "constraint: Member must satisfy enum value set: [User, Role, LocalManagedPolicy, "
				  "Group, AWSManagedPolicy]",
				  filter);
	if (find_policy(c, &p) < 0 || !p)
		return -1;
	call_xml_begin(c, true);
	strbuf_adds(&c->body, "<PolicyGroups/><PolicyUsers/><PolicyRoles>");
	for (n = omap_next(&p->roles, NULL); n && (!filter || !strcmp(filter, "Role"));
	     n = omap_next(&p->roles, n->key)) {
		const struct role *r = role_in(c->sim, c->acct->id, n->key);
		if (!r)
			continue;
		strbuf_adds(&c->body, "<member>");
		xml_elem(&c->body, "RoleName", r->name);
		xml_elem(&c->body, "RoleId", r->id);
		strbuf_adds(&c->body, "</member>");
	}
	strbuf_adds(&c->body, "</PolicyRoles>");
	xml_elem(&c->body, "IsTruncated", "false");
	call_xml_end(c, true);
	return 0;
}

/* ListPolicies: Scope (All, Local: the account's own; AWS: none, awsim has no AWS
 * managed policies), PathPrefix, OnlyAttached; pages by Marker and MaxItems. */
static bool policy_listed(const struct call *c, const void *v)
{
	const struct managed_policy *p = v;
	const char *scope = form_get(&c->form, "Scope"), *prefix = form_get(&c->form, "PathPrefix");
	const char *attached = form_get(&c->form, "OnlyAttached");

	if (scope && strcmp(scope, "AWS") == 0)
		return false;
	if (prefix && strncmp(p->path, prefix, strlen(prefix)) != 0)
		return false;
	return !(attached && strcmp(attached, "true") == 0 && !p->roles.n);
}

static void policy_member(struct strbuf *sb, const char *key, const void *v)
{
	(void)key;
	policy_xml_as(sb, v, "member");
}

int op_iam_list_policies(struct call *c)
{
	static const struct strspec prefix_spec = { false, 1, 512, PAT_IAM_PATH_PREFIX };
	const char *scope = form_get(&c->form, "Scope"), *prefix;

	if (scope && strcmp(scope, "All") && strcmp(scope, "AWS") && strcmp(scope, "Local"))
		return call_error(c, 400, "ValidationError",
				  "1 validation error detected: Value '%.40s' at 'scope' failed to satisfy constraint: "
				  "Member must satisfy enum value set: [All, AWS, Local]",
				  scope);
	if (q_str(c, "PathPrefix", &prefix_spec, &prefix) < 0)
		return -1;
	return iam_list_page(c, &acct_of(c)->policies, "policies", "Policies", policy_listed, policy_member);
}

static void version_xml(struct strbuf *sb, const struct managed_policy *p, const struct policy_version *v,
			bool with_doc, const char *elem)
{
	struct strbuf enc;
	char ts[32], num[16];

	strbuf_addf(sb, "<%s>", elem);
	if (with_doc) {
		strbuf_init(&enc, STRBUF_NO_CAP);
		uri_encode_str(&enc, v->doc, false);
		xml_elem(sb, "Document", enc.buf);
		strbuf_release(&enc);
	}
	snprintf(num, sizeof(num), "v%d", v->id);
	xml_elem(sb, "VersionId", num);
	xml_elem(sb, "IsDefaultVersion", v->id == p->default_version ? "true" : "false");
	ids_iso8601(v->created_ms, 0, ts);
	xml_elem(sb, "CreateDate", ts);
	strbuf_addf(sb, "</%s>", elem);
}

static int find_version(struct call *c, struct managed_policy *p, struct policy_version **ret)
{
	static const struct strspec vspec = { true, 2, 8, PAT_NONE };
	const char *id;

	if (q_str(c, "VersionId", &vspec, &id) < 0)
		return -1;
	*ret = id[0] == 'v' ? version_of(p, atoi(id + 1)) : NULL;
	if (!*ret)
		return call_error(c, 404, "NoSuchEntity", "Policy %s version %s does not exist.", p->arn, id);
	return 0;
}

int op_iam_get_policy_version(struct call *c)
{
	struct managed_policy *p;
	struct policy_version *v;

	if (find_policy(c, &p) < 0 || !p || find_version(c, p, &v) < 0 || !v)
		return -1;
	call_xml_begin(c, true);
	version_xml(&c->body, p, v, true, "PolicyVersion");
	call_xml_end(c, true);
	return 0;
}

/* ListPolicyVersions: every version (at most USAGE_MAX_VERSIONS exist) in one page,
 * newest first, without their documents (as IAM answers it). */
int op_iam_list_policy_versions(struct call *c)
{
	struct managed_policy *p;
	bool done[USAGE_MAX_VERSIONS] = { false };

	if (find_policy(c, &p) < 0 || !p)
		return -1;
	call_xml_begin(c, true);
	strbuf_adds(&c->body, "<Versions>");
	for (size_t k = 0; k < p->n_versions; k++) {
		size_t newest = p->n_versions;
		for (size_t i = 0; i < p->n_versions; i++)
			if (!done[i] && (newest == p->n_versions || p->v[i].id > p->v[newest].id))
				newest = i;
		done[newest] = true;
		version_xml(&c->body, p, &p->v[newest], false, "member");
	}
	strbuf_adds(&c->body, "</Versions>");
	xml_elem(&c->body, "IsTruncated", "false");
	call_xml_end(c, true);
	return 0;
}

int op_iam_create_policy_version(struct call *c)
{
	struct managed_policy *p;
	const char *doc, *dflt = form_get(&c->form, "SetAsDefault");
	struct policy_version *v;

	if (find_policy(c, &p) < 0 || !p || q_str(c, "PolicyDocument", &doc_spec, &doc) < 0)
		return -1;
	if (!valid_policy(doc))
		return call_error(c, 400, "MalformedPolicyDocument", "This policy contains invalid Json");
	if (p->n_versions == USAGE_MAX_VERSIONS)
		return call_error(c, 409, "LimitExceeded",
				  "A managed policy can have up to %d versions. Before you create a new version, you "
				  "must delete an existing version.",
				  USAGE_MAX_VERSIONS);
	v = &p->v[p->n_versions++];
	*v = (struct policy_version){ p->next_version++, xstrdup(doc), ids_now_ms() };
	if (dflt && strcmp(dflt, "true") == 0)
		p->default_version = v->id;
	p->updated_ms = v->created_ms;
	call_xml_begin(c, true);
	version_xml(&c->body, p, v, false, "PolicyVersion");
	call_xml_end(c, true);
	return 0;
}

int op_iam_delete_policy_version(struct call *c)
{
	struct managed_policy *p;
	struct policy_version *v;

	if (find_policy(c, &p) < 0 || !p || find_version(c, p, &v) < 0 || !v)
		return -1;
	if (v->id == p->default_version)
		return call_error(c, 409, "DeleteConflict", "Cannot delete the default version of a policy.");
	free(v->doc);
	*v = p->v[--p->n_versions];
	call_xml_begin(c, false);
	call_xml_end(c, false);
	return 0;
}
