/* IAM's account-wide reads: GetAccountSummary (usage and quotas, with the role
 * quotas awsim enforces) and GetAccountAuthorizationDetails (roles with their
 * inline policies in one paged listing; awsim keeps no users or groups, so those
 * lists are always empty). Customer-managed policies (iam_managed.c) are counted
 * in the summary; their attachments are answered by ListAttachedRolePolicies, not
 * here (AttachedManagedPolicies stays empty). */
#include "awsim.h"
#include "usage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define FILTER_MAX 5

static void entry(struct strbuf *sb, const char *key, size_t value)
{
	strbuf_addf(sb, "<entry><key>%s</key><value>%zu</value></entry>", key, value);
}

int op_iam_account_summary(struct call *c)
{
	/* IAM's defaults for what awsim does not keep (IAM user guide, "IAM and STS quotas") */
	static const struct {
		const char *key;
		size_t value;
	} fixed[] = {
		{ "Users", 0 },
		{ "UsersQuota", 5000 },
		{ "Groups", 0 },
		{ "GroupsQuota", 300 },
		{ "ServerCertificates", 0 },
		{ "ServerCertificatesQuota", 20 },
		{ "UserPolicySizeQuota", 2048 },
		{ "GroupPolicySizeQuota", 5120 },
		{ "GroupsPerUserQuota", 10 },
		{ "SigningCertificatesPerUserQuota", 2 },
		{ "AccessKeysPerUserQuota", 2 },
		{ "MFADevices", 0 },
		{ "MFADevicesInUse", 0 },
		{ "AccountMFAEnabled", 0 },
		{ "AccountAccessKeysPresent", 0 },
		{ "AccountSigningCertificatesPresent", 0 },
		{ "AttachedPoliciesPerGroupQuota", 10 },
		{ "AttachedPoliciesPerRoleQuota", 10 },
		{ "AttachedPoliciesPerUserQuota", 10 },
		{ "PoliciesQuota", 1500 },
		{ "PolicySizeQuota", 6144 },
		{ "PolicyVersionsInUse", 0 },
		{ "PolicyVersionsInUseQuota", 10000 },
		{ "VersionsPerPolicyQuota", 5 },
		{ "GlobalEndpointTokenVersion", 1 },
		{ "AssumeRolePolicySizeQuota", 2048 },
		{ "InstanceProfiles", 0 },
		{ "InstanceProfilesQuota", 1000 },
		{ "Providers", 0 },
	};

	call_xml_begin(c, true);
	strbuf_adds(&c->body, "<SummaryMap>");
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		entry(&c->body, fixed[i].key, fixed[i].value);
	entry(&c->body, "RolePolicySizeQuota", call_quota(c, Q_ROLE_POLICY_CHARS));
	entry(&c->body, "Roles", c->acct->roles.n);
	entry(&c->body, "RolesQuota", call_quota(c, Q_ROLES));
	entry(&c->body, "Policies", usage_acct(c->sim, c->acct->id)->policies.n);
	strbuf_adds(&c->body, "</SummaryMap>");
	call_xml_end(c, true);
	return 0;
}

static void role_detail(struct strbuf *sb, const char *key, const void *v)
{
	const struct role *r = v;
	const struct omap_node *n;
	char ts[32];

	(void)key;
	strbuf_adds(sb, "<member>");
	xml_elem(sb, "Path", r->path);
	xml_elem(sb, "RoleName", r->name);
	xml_elem(sb, "RoleId", r->id);
	xml_elem(sb, "Arn", r->arn);
	ids_iso8601(r->created_ms, 0, ts);
	xml_elem(sb, "CreateDate", ts);
	iam_encoded_elem(sb, "AssumeRolePolicyDocument", r->trust);
	strbuf_adds(sb, "<InstanceProfileList/><RolePolicyList>");
	for (n = omap_next(&r->policies, NULL); n; n = omap_next(&r->policies, n->key)) {
		strbuf_adds(sb, "<member>");
		xml_elem(sb, "PolicyName", n->key);
		iam_encoded_elem(sb, "PolicyDocument", n->value);
		strbuf_adds(sb, "</member>");
	}
	strbuf_adds(sb, "</RolePolicyList><AttachedManagedPolicies/>");
	strbuf_adds(sb, "<Tags>");
	for (size_t i = 0; i < r->tags.n; i++) {
		strbuf_adds(sb, "<member>");
		xml_elem(sb, "Key", r->tags.v[i].key);
		xml_elem(sb, "Value", r->tags.v[i].value);
		strbuf_adds(sb, "</member>");
	}
	strbuf_adds(sb, "</Tags><RoleLastUsed/></member>");
}

int op_iam_authorization_details(struct call *c)
{
	static const char *const types[] = { "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy" };
	bool roles = true, any = false;

	for (int i = 1; i <= FILTER_MAX + 1; i++) {
		char name[32];
		const char *v;
		bool known = false;

		snprintf(name, sizeof(name), "Filter.member.%d", i);
		v = form_get(&c->form, name);
		if (!v)
			break;
		if (i > FILTER_MAX)
			return call_invalid(c, "filter", "", "Member must have length less than or equal to 5");
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			known |= !strcmp(v, types[t]);
		if (!known)
			return call_invalid(c, "filter.member", v,
					    "Member must satisfy enum value set: [User, Role, Group, "
					    "LocalManagedPolicy, AWSManagedPolicy]");
		if (!any)
			roles = false;
		any = true;
		roles |= !strcmp(v, "Role");
	}
	if (roles)
		return iam_list_page(c, &c->acct->roles, "authdetails", "RoleDetailList", NULL, role_detail);
	/* still check the paging parameters */
	return iam_list_page(c, &(struct omap){ 0 }, "authdetails", "RoleDetailList", NULL, role_detail);
}
