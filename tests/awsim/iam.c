/* AWS Identity and Access Management (awsQuery, XML): roles and their inline
 * policies, with the 10,240-character aggregate inline-policy limit per role.
 * Role names are unique without regard to case, as in IAM. Wire facts:
 * aws-wire.md sections 2.3 and 4.1. */
#include "usage.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"
#include "xalloc.h"

#define TRUST_LIMIT  2048
#define LIST_DEFAULT 100

static const struct strspec role_spec = { true, 1, 64, PAT_IAM_NAME };
static const struct strspec policy_name_spec = { true, 1, 128, PAT_IAM_NAME };
static const struct strspec doc_spec = { true, 1, 131072, PAT_IAM_POLICY_CHARS };

static char *lower(const char *s)
{
	char *l = xstrdup(s);

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

static struct role *find_role(struct call *c, const char *name)
{
	char *key = lower(name);
	struct role *r = omap_get(&c->acct->roles, key);

	free(key);
	return r;
}

static int no_role(struct call *c, const char *name)
{
	return call_error(c, 404, "NoSuchEntity", "The role with name %.64s cannot be found.", name);
}

/* Characters of a policy document that count towards IAM's limits. */
static size_t policy_chars(const char *doc)
{
	size_t n = 0;

	for (const char *p = doc; *p; p++)
		if (!isspace((unsigned char)*p) && ((unsigned char)*p & 0xc0) != 0x80)
			n++;
	return n;
}

static int check_statement(struct call *c, const cJSON *s)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(s, "Effect");

	if (!cJSON_IsString(e) || (strcmp(e->valuestring, "Allow") && strcmp(e->valuestring, "Deny")))
		return call_error(c, 400, "MalformedPolicyDocument", "Policy statement must contain a valid Effect.");
	return 0;
}

/* A policy must be a JSON object with a Statement whose entries carry an Effect. */
static int check_policy(struct call *c, const char *doc)
{
	cJSON *j = cJSON_Parse(doc), *st, *s;
	int r = 0;

	if (!cJSON_IsObject(j)) {
		r = call_error(c, 400, "MalformedPolicyDocument", "This policy contains invalid Json");
		goto out;
	}
	st = cJSON_GetObjectItemCaseSensitive(j, "Statement");
	if (cJSON_IsObject(st)) {
		r = check_statement(c, st);
	} else if (cJSON_IsArray(st)) {
		cJSON_ArrayForEach(s, st) if ((r = check_statement(c, s)) < 0) break;
	} else {
		r = call_error(c, 400, "MalformedPolicyDocument", "Policy document must contain a Statement.");
	}
out:
	cJSON_Delete(j);
	return r;
}

void iam_encoded_elem(struct strbuf *sb, const char *name, const char *text)
{
	struct strbuf enc;

	strbuf_init(&enc, STRBUF_NO_CAP);
	uri_encode_str(&enc, text, false);
	xml_elem(sb, name, enc.buf);
	strbuf_release(&enc);
}

static void role_xml(struct strbuf *sb, const char *elem, const struct role *r)
{
	char ts[32], num[16];

	strbuf_addf(sb, "<%s>", elem);
	xml_elem(sb, "Path", r->path);
	xml_elem(sb, "RoleName", r->name);
	xml_elem(sb, "RoleId", r->id);
	xml_elem(sb, "Arn", r->arn);
	ids_iso8601(r->created_ms, 0, ts);
	xml_elem(sb, "CreateDate", ts);
	iam_encoded_elem(sb, "AssumeRolePolicyDocument", r->trust);
	if (r->description)
		xml_elem(sb, "Description", r->description);
	snprintf(num, sizeof(num), "%d", r->max_session);
	xml_elem(sb, "MaxSessionDuration", num);
	if (r->tags.n) {
		strbuf_adds(sb, "<Tags>");
		for (size_t i = 0; i < r->tags.n; i++) {
			strbuf_adds(sb, "<member>");
			xml_elem(sb, "Key", r->tags.v[i].key);
			xml_elem(sb, "Value", r->tags.v[i].value);
			strbuf_adds(sb, "</member>");
		}
		strbuf_adds(sb, "</Tags>");
	}
	strbuf_addf(sb, "</%s>", elem);
}

static int read_tags(struct call *c, struct tagset *out)
{
	static const struct strspec kspec = { true, 1, 128, PAT_IAM_TAG }, vspec = { true, 0, 256, PAT_IAM_TAG };
	size_t n = 0, limit = call_quota(c, Q_TAGS), alloc = 0;
	const char **keys = NULL;
	int r = -1;

	for (int i = 1;; i++) {
		char kname[48], vname[48];
		const char *k, *v;
		snprintf(kname, sizeof(kname), "Tags.member.%d.Key", i);
		snprintf(vname, sizeof(vname), "Tags.member.%d.Value", i);
		if (!form_get(&c->form, kname))
			break;
		if (n == limit) {
			call_error(c, 409, "LimitExceeded", "Cannot exceed quota for TagsPerRole: %zu", limit);
			goto out;
		}
		if (q_str(c, kname, &kspec, &k) < 0 || q_str(c, vname, &vspec, &v) < 0)
			goto out;
		XGROW(keys, n + 1, alloc);
		keys[n++] = k;
		tagset_set(out, k, v);
	}
	r = tags_check_new(c, &(struct tagset){ 0 }, keys, n, "role", 409, "LimitExceeded");
out:
	free(keys);
	return r;
}

static int op_create_role(struct call *c)
{
	static const struct strspec path_spec = { false, 1, 512, PAT_IAM_PATH };
	static const struct strspec desc_spec = { false, 0, 1000, PAT_IAM_DESCRIPTION };
	const char *name, *path, *trust, *desc;
	long long max_session = 3600;
	bool present;
	struct role *r;
	char id[22], *key;

	if (q_str(c, "RoleName", &role_spec, &name) < 0 || q_str(c, "Path", &path_spec, &path) < 0 ||
	    q_str(c, "AssumeRolePolicyDocument", &doc_spec, &trust) < 0 ||
	    q_str(c, "Description", &desc_spec, &desc) < 0 ||
	    q_int(c, "MaxSessionDuration", 3600, 43200, &max_session, &present) < 0 || check_policy(c, trust) < 0)
		return -1;
	if (policy_chars(trust) > TRUST_LIMIT)
		return call_error(c, 409, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: %d", TRUST_LIMIT);
	if (find_role(c, name))
		return call_error(c, 409, "EntityAlreadyExists", "Role with name %s already exists.", name);
	if (c->acct->roles.n >= call_quota(c, Q_ROLES))
		return call_error(c, 409, "LimitExceeded", "Cannot exceed quota for RolesPerAccount: %zu",
				  call_quota(c, Q_ROLES));
	r = xcalloc(1, sizeof(*r));
	omap_init(&r->policies);
	if (read_tags(c, &r->tags) < 0) {
		role_free(r);
		return -1;
	}
	memcpy(id, "AROA", 4);
	ids_random(&c->sim->rng, IDS_UPPER_ALNUM, 17, id + 4);
	r->name = xstrdup(name);
	r->path = xstrdup(path ? path : "/");
	r->id = xstrdup(id);
	r->arn = xasprintf("arn:aws:iam::%s:role%s%s", c->acct->id, r->path, name);
	r->trust = xstrdup(trust);
	r->description = xstrdup_or_null(desc);
	r->max_session = (int)(present ? max_session : 3600);
	r->created_ms = ids_now_ms();
	key = lower(name);
	omap_put(&c->acct->roles, key, r);
	free(key);
	call_xml_begin(c, true);
	role_xml(&c->body, "Role", r);
	call_xml_end(c, true);
	return 0;
}

static int op_get_role(struct call *c)
{
	const char *name;
	struct role *r;

	if (q_str(c, "RoleName", &role_spec, &name) < 0)
		return -1;
	r = find_role(c, name);
	if (!r)
		return no_role(c, name);
	call_xml_begin(c, true);
	role_xml(&c->body, "Role", r);
	call_xml_end(c, true);
	return 0;
}

static int op_delete_role(struct call *c)
{
	const char *name;
	struct role *r;
	char *key;

	if (q_str(c, "RoleName", &role_spec, &name) < 0)
		return -1;
	r = find_role(c, name);
	if (!r)
		return no_role(c, name);
	if (r->policies.n)
		return call_error(c, 409, "DeleteConflict", "Cannot delete entity, must delete policies first.");
	if (iam_role_attached(c->sim, c->acct->id, name))
		return call_error(c, 409, "DeleteConflict", "Cannot delete entity, must detach all policies first.");
	key = lower(name);
	role_free(omap_del(&c->acct->roles, key));
	free(key);
	call_xml_begin(c, false);
	call_xml_end(c, false);
	return 0;
}

int iam_list_page(struct call *c, const struct omap *m, const char *kind, const char *elem,
		  bool (*keep)(const struct call *, const void *),
		  void (*item)(struct strbuf *, const char *, const void *))
{
	static const struct strspec marker_spec = { false, 1, 320, PAT_NONE };
	const char *marker;
	long long max = LIST_DEFAULT;
	bool present, truncated = false;
	struct strbuf last, tok;
	const struct omap_node *n;
	size_t count = 0;

	if (q_str(c, "Marker", &marker_spec, &marker) < 0 || q_int(c, "MaxItems", 1, 1000, &max, &present) < 0)
		return -1;
	if (!present)
		max = LIST_DEFAULT;
	strbuf_init(&last, 4096);
	strbuf_init(&tok, STRBUF_NO_CAP);
	if (marker && page_token_decode(c, marker, kind, &last) < 0)
		goto fail;
	call_xml_begin(c, true);
	strbuf_addf(&c->body, "<%s>", elem);
	for (n = omap_next(m, marker ? last.buf : NULL); n; n = omap_next(m, n->key)) {
		if (keep && !keep(c, n->value))
			continue;
		if (count == (size_t)max) {
			truncated = true;
			break;
		}
		item(&c->body, n->key, n->value);
		strbuf_reset(&last);
		strbuf_adds(&last, n->key);
		count++;
	}
	strbuf_addf(&c->body, "</%s>", elem);
	xml_elem(&c->body, "IsTruncated", truncated ? "true" : "false");
	if (truncated) {
		page_token_encode(kind, last.buf, &tok);
		xml_elem(&c->body, "Marker", tok.buf);
	}
	call_xml_end(c, true);
	strbuf_release(&last);
	strbuf_release(&tok);
	return 0;
fail:
	strbuf_release(&last);
	strbuf_release(&tok);
	return -1;
}

static bool role_in_prefix(const struct call *c, const void *v)
{
	const char *prefix = form_get(&c->form, "PathPrefix");

	return !prefix || strncmp(((const struct role *)v)->path, prefix, strlen(prefix)) == 0;
}

static void role_item(struct strbuf *sb, const char *key, const void *v)
{
	(void)key;
	role_xml(sb, "member", v);
}

static int op_list_roles(struct call *c)
{
	static const struct strspec prefix_spec = { false, 1, 512, PAT_IAM_PATH_PREFIX };
	const char *prefix;

	if (q_str(c, "PathPrefix", &prefix_spec, &prefix) < 0)
		return -1;
	return iam_list_page(c, &c->acct->roles, "roles", "Roles", role_in_prefix, role_item);
}

static int op_put_policy(struct call *c)
{
	const char *name, *policy, *doc;
	struct role *r;
	size_t total = 0;
	const struct omap_node *n;

	if (q_str(c, "RoleName", &role_spec, &name) < 0 || q_str(c, "PolicyName", &policy_name_spec, &policy) < 0 ||
	    q_str(c, "PolicyDocument", &doc_spec, &doc) < 0)
		return -1;
	r = find_role(c, name);
	if (!r)
		return no_role(c, name);
	if (check_policy(c, doc) < 0)
		return -1;
	for (n = omap_next(&r->policies, NULL); n; n = omap_next(&r->policies, n->key))
		if (strcmp(n->key, policy) != 0)
			total += policy_chars(n->value);
	total += policy_chars(doc);
	if (total > call_quota(c, Q_ROLE_POLICY_CHARS))
		return call_error(c, 409, "LimitExceeded", "Maximum policy size of %zu bytes exceeded for role %s",
				  call_quota(c, Q_ROLE_POLICY_CHARS), r->name);
	free(omap_put(&r->policies, policy, xstrdup(doc)));
	call_xml_begin(c, false);
	call_xml_end(c, false);
	return 0;
}

static int role_and_policy(struct call *c, struct role **r, const char **policy, const char **doc)
{
	const char *name;

	if (q_str(c, "RoleName", &role_spec, &name) < 0 || q_str(c, "PolicyName", &policy_name_spec, policy) < 0)
		return -1;
	*r = find_role(c, name);
	if (!*r)
		return no_role(c, name);
	*doc = omap_get(&(*r)->policies, *policy);
	if (!*doc)
		return call_error(c, 404, "NoSuchEntity", "The role policy with name %s cannot be found.", *policy);
	return 0;
}

static int op_get_policy(struct call *c)
{
	struct role *r;
	const char *policy, *doc;

	if (role_and_policy(c, &r, &policy, &doc) < 0)
		return -1;
	call_xml_begin(c, true);
	xml_elem(&c->body, "RoleName", r->name);
	xml_elem(&c->body, "PolicyName", policy);
	iam_encoded_elem(&c->body, "PolicyDocument", doc); /* RFC 3986, as IAM answers */
	call_xml_end(c, true);
	return 0;
}

static int op_delete_policy(struct call *c)
{
	struct role *r;
	const char *policy, *doc;

	if (role_and_policy(c, &r, &policy, &doc) < 0)
		return -1;
	free(omap_del(&r->policies, policy));
	call_xml_begin(c, false);
	call_xml_end(c, false);
	return 0;
}

static void policy_item(struct strbuf *sb, const char *key, const void *v)
{
	(void)v;
	xml_elem(sb, "member", key);
}

static int op_list_policies(struct call *c)
{
	const char *name;
	struct role *r;
	char kind[80];

	if (q_str(c, "RoleName", &role_spec, &name) < 0)
		return -1;
	r = find_role(c, name);
	if (!r)
		return no_role(c, name);
	snprintf(kind, sizeof(kind), "policies:%s", r->id);
	return iam_list_page(c, &r->policies, kind, "PolicyNames", NULL, policy_item);
}

const struct op iam_ops[] = {
	{ "CreateRole", op_create_role, true, NULL, NULL, 0, false },
	{ "GetRole", op_get_role, false, NULL, NULL, 0, false },
	{ "DeleteRole", op_delete_role, true, NULL, NULL, 0, false },
	{ "ListRoles", op_list_roles, false, NULL, NULL, 0, false },
	{ "PutRolePolicy", op_put_policy, true, NULL, NULL, 0, false },
	{ "GetRolePolicy", op_get_policy, false, NULL, NULL, 0, false },
	{ "DeleteRolePolicy", op_delete_policy, true, NULL, NULL, 0, false },
	{ "ListRolePolicies", op_list_policies, false, NULL, NULL, 0, false },
	{ "GetAccountSummary", op_iam_account_summary, false, NULL, NULL, 0, false },
	{ "GetAccountAuthorizationDetails", op_iam_authorization_details, false, NULL, NULL, 0, false },
	{ "CreatePolicy", op_iam_create_policy, true, NULL, NULL, 0, false },
	{ "GetPolicy", op_iam_get_managed_policy, false, NULL, NULL, 0, false },
	{ "DeletePolicy", op_iam_delete_managed_policy, true, NULL, NULL, 0, false },
	{ "AttachRolePolicy", op_iam_attach_role_policy, true, NULL, NULL, 0, false },
	{ "DetachRolePolicy", op_iam_detach_role_policy, true, NULL, NULL, 0, false },
	{ "ListAttachedRolePolicies", op_iam_list_attached_role_policies, false, NULL, NULL, 0, false },
	{ "ListPolicies", op_iam_list_policies, false, NULL, NULL, 0, false },
	{ "ListEntitiesForPolicy", op_iam_list_entities_for_policy, false, NULL, NULL, 0, false },
	{ "GetPolicyVersion", op_iam_get_policy_version, false, NULL, NULL, 0, false },
	{ "CreatePolicyVersion", op_iam_create_policy_version, true, NULL, NULL, 0, false },
	{ "DeletePolicyVersion", op_iam_delete_policy_version, true, NULL, NULL, 0, false },
	{ "ListPolicyVersions", op_iam_list_policy_versions, false, NULL, NULL, 0, false },
};
const size_t iam_n_ops = sizeof(iam_ops) / sizeof(iam_ops[0]);
