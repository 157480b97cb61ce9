#include "sts_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_types.h"
#include "aws_xml.h"
#include "xalloc.h"

char *sts_arn_account(const char *arn)
{
	const char *p = arn;

	/* arn:partition:service:region:account:resource */
	if (!arn || strncmp(arn, "arn:", 4) != 0)
		return NULL;
	for (int i = 0; i < 4; i++) {
		p = strchr(p, ':');
		if (!p)
			return NULL;
		p++;
	}
	return xstrndup(p, strcspn(p, ":"));
}

int sts_parse_assume_role(const char *body, size_t len, struct sts_assume_role_result *ret)
{
	struct sts_assume_role_result r = { 0 };
	const xmlNode *res, *cred;
	char *exp = NULL;
	xmlDoc *doc;
	int rc;

	rc = aws_xml_parse(body, len, &doc);
	if (rc < 0)
		return rc;
	res = aws_xml_result(doc, "AssumeRole");
	if (!res)
		res = aws_xml_result(doc, "AssumeRoleWithWebIdentity");
	cred = res ? aws_xml_child(res, "Credentials") : NULL;
	rc = -EBADMSG;
	if (!cred)
		goto out;
	r.creds.access_key_id = aws_xml_path_text(cred, "AccessKeyId");
	r.creds.secret_access_key = aws_xml_path_text(cred, "SecretAccessKey");
	r.creds.session_token = aws_xml_path_text(cred, "SessionToken");
	exp = aws_xml_path_text(cred, "Expiration");
	if (!r.creds.access_key_id || !*r.creds.access_key_id || !r.creds.secret_access_key ||
	    !*r.creds.secret_access_key || !r.creds.session_token || !*r.creds.session_token || !exp ||
	    aws_time_parse_iso8601(exp, &r.creds.expiration_ms) < 0)
		goto out;
	r.assumed_role_arn = aws_xml_path_text(res, "AssumedRoleUser/Arn");
	r.assumed_role_id = aws_xml_path_text(res, "AssumedRoleUser/AssumedRoleId");
	r.creds.account_id = sts_arn_account(r.assumed_role_arn);
	*ret = r;
	memset(&r, 0, sizeof(r));
	rc = 0;
out:
	sts_assume_role_result_release(&r);
	free(exp);
	xmlFreeDoc(doc);
	return rc;
}

void sts_assume_role_result_release(struct sts_assume_role_result *r)
{
	aws_credentials_release(&r->creds);
	free(r->assumed_role_arn);
	free(r->assumed_role_id);
	memset(r, 0, sizeof(*r));
}

int sts_parse_caller_identity(const char *body, size_t len, struct sts_caller_identity *ret)
{
	const xmlNode *res;
	xmlDoc *doc;
	int rc = aws_xml_answer(body, len, "GetCallerIdentity", NULL, &doc, &res);

	if (rc < 0)
		return rc;
	ret->account = aws_xml_path_text(res, "Account");
	ret->arn = aws_xml_path_text(res, "Arn");
	ret->user_id = aws_xml_path_text(res, "UserId");
	xmlFreeDoc(doc);
	if (!ret->account || !ret->arn) {
		sts_caller_identity_release(ret);
		return -EBADMSG;
	}
	if (!ret->user_id)
		ret->user_id = xstrdup("");
	return 0;
}

void sts_caller_identity_release(struct sts_caller_identity *id)
{
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof(*id));
}
