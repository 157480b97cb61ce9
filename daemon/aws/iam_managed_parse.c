#include "iam_managed_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "iam_parse.h"
#include "xalloc.h"

static char *text_or(const xmlNode *node, const char *path, const char *dflt)
{
	char *s = aws_xml_path_text(node, path);

	return s ? s : xstrdup(dflt);
}

/* One <Policy> or <member> of policies into *ret; -EBADMSG without a name or ARN. */
static int policy_from(const xmlNode *pol, struct iam_policy *ret)
{
	struct iam_policy p = { 0 };
	char *count = NULL, *end;
	int r = -EBADMSG;

	p.name = aws_xml_path_text(pol, "PolicyName");
	p.arn = aws_xml_path_text(pol, "Arn");
	if (!p.name || !p.arn || !*p.arn)
		goto out;
	p.id = text_or(pol, "PolicyId", "");
	p.path = text_or(pol, "Path", "/");
	p.default_version = text_or(pol, "DefaultVersionId", "");
	p.attachments = -1;
	count = aws_xml_path_text(pol, "AttachmentCount");
	if (count) {
		long long v = strtoll(count, &end, 10);
		if (!*count || *end || v < 0)
			goto out;
		p.attachments = v;
	}
	*ret = p;
	memset(&p, 0, sizeof(p));
	r = 0;
out:
	iam_policy_release(&p);
	free(count);
	return r;
}

int iam_parse_policy(const char *body, size_t len, const char *op, struct iam_policy *ret)
{
	const xmlNode *pol;
	xmlDoc *doc;
	int r = aws_xml_answer(body, len, op, "Policy", &doc, &pol);

	if (r < 0)
		return r;
	r = policy_from(pol, ret);
	xmlFreeDoc(doc);
	return r;
}

static int policies_member(const xmlNode *m, void *ctx)
{
	struct iam_policy_list *list = ctx;
	struct iam_policy p;
	int r = policy_from(m, &p);

	if (r < 0)
		return r;
	XGROW(list->items, list->n + 1, list->alloc);
	list->items[list->n++] = p;
	return 0;
}

int iam_parse_policies_page(const char *body, size_t len, struct iam_policy_list *list, char **ret_next)
{
	return aws_xml_page(body, len, "ListPolicies", "Policies", policies_member, list, ret_next);
}

static int entities_member(const xmlNode *m, void *ctx)
{
	char *name = aws_xml_path_text(m, "RoleName");
	int r = name && *name ? 0 : -EBADMSG;

	if (r == 0)
		aws_strv_add(ctx, name);
	free(name);
	return r;
}

int iam_parse_entities_page(const char *body, size_t len, struct aws_strv *roles, char **ret_next)
{
	return aws_xml_page(body, len, "ListEntitiesForPolicy", "PolicyRoles", entities_member, roles, ret_next);
}

void iam_policy_list_release(struct iam_policy_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		iam_policy_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int iam_parse_policy_version(const char *body, size_t len, const char *op, struct iam_policy_version *ret)
{
	struct iam_policy_version v = { 0 };
	const xmlNode *ver;
	char *doc_text = NULL, *def = NULL;
	xmlDoc *doc;
	int r = aws_xml_answer(body, len, op, "PolicyVersion", &doc, &ver);

	if (r < 0)
		return r;
	r = -EBADMSG;
	v.version_id = aws_xml_path_text(ver, "VersionId");
	if (!v.version_id || !*v.version_id)
		goto out;
	doc_text = aws_xml_path_text(ver, "Document");
	if (doc_text) {
		v.document = iam_decode_document(doc_text);
		if (!v.document)
			goto out;
	}
	def = aws_xml_path_text(ver, "IsDefaultVersion");
	v.is_default = def && !strcmp(def, "true");
	*ret = v;
	memset(&v, 0, sizeof(v));
	r = 0;
out:
	iam_policy_version_release(&v);
	free(doc_text);
	free(def);
	xmlFreeDoc(doc);
	return r;
}

static int version_member(const xmlNode *m, void *ctx)
{
	struct iam_policy_version_list *list = ctx;
	struct iam_policy_version v = { 0 };
	char *def;

	v.version_id = aws_xml_path_text(m, "VersionId");
	if (!v.version_id || !*v.version_id) {
		free(v.version_id);
		return -EBADMSG;
	}
	def = aws_xml_path_text(m, "IsDefaultVersion");
	v.is_default = def && !strcmp(def, "true");
	free(def);
	XGROW(list->items, list->n + 1, list->alloc);
	list->items[list->n++] = v;
	return 0;
}

int iam_parse_versions_page(const char *body, size_t len, struct iam_policy_version_list *list, char **ret_next)
{
	return aws_xml_page(body, len, "ListPolicyVersions", "Versions", version_member, list, ret_next);
}

void iam_policy_version_list_release(struct iam_policy_version_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		iam_policy_version_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* "v12" -> 12; -1 when it is not of that form. */
static long version_number(const char *id)
{
	char *end;
	long n;

	if (id[0] != 'v' || !id[1])
		return -1;
	n = strtol(id + 1, &end, 10);
	return *end || n < 0 ? -1 : n;
}

const char *iam_versions_oldest(const struct iam_policy_version_list *l)
{
	const char *oldest = NULL;
	long at = -1;

	for (size_t i = 0; i < l->n; i++) {
		long n = version_number(l->items[i].version_id);
		if (l->items[i].is_default || n < 0)
			continue;
		if (!oldest || n < at) {
			oldest = l->items[i].version_id;
			at = n;
		}
	}
	return oldest;
}

static int attached_from(const xmlNode *m, void *ctx)
{
	struct iam_attached_list *list = ctx;
	struct iam_attached_policy a;

	a.name = aws_xml_path_text(m, "PolicyName");
	a.arn = aws_xml_path_text(m, "PolicyArn");
	if (!a.name || !a.arn || !*a.arn) {
		free(a.name);
		free(a.arn);
		return -EBADMSG;
	}
	XGROW(list->items, list->n + 1, list->alloc);
	list->items[list->n++] = a;
	return 0;
}

int iam_parse_attached_page(const char *body, size_t len, struct iam_attached_list *list, char **ret_next)
{
	return aws_xml_page(body, len, "ListAttachedRolePolicies", "AttachedPolicies", attached_from, list, ret_next);
}

const struct iam_attached_policy *iam_attached_find(const struct iam_attached_list *list, const char *arn)
{
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->items[i].arn, arn))
			return &list->items[i];
	return NULL;
}

void iam_policy_release(struct iam_policy *p)
{
	free(p->name);
	free(p->id);
	free(p->arn);
	free(p->path);
	free(p->default_version);
	memset(p, 0, sizeof(*p));
}

void iam_policy_version_release(struct iam_policy_version *v)
{
	free(v->version_id);
	free(v->document);
	memset(v, 0, sizeof(*v));
}

void iam_attached_list_release(struct iam_attached_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].name);
		free(l->items[i].arn);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}
