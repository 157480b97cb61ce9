#include "iam_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "strbuf.h"
#include "uri.h"
#include "xalloc.h"

char *iam_decode_document(const char *encoded)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	/* RFC 3986 decoding: '+' stays '+' (a space arrives as %20). */
	if (uri_decode(&sb, encoded, strlen(encoded), false) < 0 || memchr(sb.buf, '\0', sb.len)) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

int iam_parse_role_policy(const char *body, size_t len, struct iam_role_policy *ret)
{
	struct iam_role_policy p = { 0 };
	const xmlNode *res;
	char *doc_text = NULL;
	xmlDoc *doc;
	int r = aws_xml_answer(body, len, "GetRolePolicy", NULL, &doc, &res);

	if (r < 0)
		return r;
	r = -EBADMSG;
	p.role_name = aws_xml_path_text(res, "RoleName");
	p.policy_name = aws_xml_path_text(res, "PolicyName");
	doc_text = aws_xml_path_text(res, "PolicyDocument");
	if (!p.role_name || !p.policy_name || !doc_text)
		goto out;
	p.document = iam_decode_document(doc_text);
	if (!p.document)
		goto out;
	*ret = p;
	memset(&p, 0, sizeof(p));
	r = 0;
out:
	iam_role_policy_release(&p);
	free(doc_text);
	xmlFreeDoc(doc);
	return r;
}

static int name_from(const xmlNode *m, void *names)
{
	aws_strv_take(names, aws_xml_text(m));
	return 0;
}

int iam_parse_role_policies_page(const char *body, size_t len, struct aws_strv *names, char **ret_next)
{
	return aws_xml_page(body, len, "ListRolePolicies", "PolicyNames", name_from, names, ret_next);
}

int iam_role_from(const xmlNode *node, struct iam_role *ret)
{
	struct iam_role role = { 0 };
	char *created = aws_xml_path_text(node, "CreateDate"),
	     *trust = aws_xml_path_text(node, "AssumeRolePolicyDocument");
	int r = -EBADMSG;

	role.name = aws_xml_path_text(node, "RoleName");
	role.arn = aws_xml_path_text(node, "Arn");
	role.id = aws_xml_path_text(node, "RoleId");
	role.path = aws_xml_path_text(node, "Path");
	if (!role.name || !role.arn)
		goto out;
	if (!role.id)
		role.id = xstrdup("");
	if (!role.path)
		role.path = xstrdup("/");
	if (created && aws_time_parse_iso8601(created, &role.created_ms) < 0)
		goto out;
	if (trust && !(role.assume_role_policy = iam_decode_document(trust)))
		goto out;
	*ret = role;
	memset(&role, 0, sizeof(role));
	r = 0;
out:
	iam_role_release(&role);
	free(created);
	free(trust);
	return r;
}

int iam_parse_role(const char *body, size_t len, struct iam_role *ret)
{
	const xmlNode *node;
	xmlDoc *doc;
	int r = aws_xml_answer(body, len, "GetRole", "Role", &doc, &node);

	if (r < 0)
		return r;
	r = iam_role_from(node, ret);
	xmlFreeDoc(doc);
	return r;
}

void iam_role_policy_release(struct iam_role_policy *p)
{
	free(p->role_name);
	free(p->policy_name);
	free(p->document);
	memset(p, 0, sizeof(*p));
}

void iam_role_release(struct iam_role *r)
{
	free(r->name);
	free(r->arn);
	free(r->id);
	free(r->path);
	free(r->assume_role_policy);
	memset(r, 0, sizeof(*r));
}
