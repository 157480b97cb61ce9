#include "iam_account_parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "iam_parse.h"
#include "xalloc.h"

static int parse_int(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -EBADMSG;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EBADMSG;
	*ret = v;
	return 0;
}

int iam_parse_account_summary(const char *body, size_t len, struct iam_account_summary *ret)
{
	struct iam_account_summary s = { 0 };
	const xmlNode *map;
	xmlDoc *doc;
	int r = aws_xml_answer(body, len, "GetAccountSummary", "SummaryMap", &doc, &map);

	if (r < 0)
		return r;
	r = -EBADMSG;
	for (const xmlNode *e = map->children; e; e = e->next) {
		char *key, *value;
		int64_t v;
		int bad;

		if (!aws_xml_is(e, "entry"))
			continue;
		key = aws_xml_path_text(e, "key");
		value = aws_xml_path_text(e, "value");
		bad = !key || !*key || parse_int(value, &v) < 0;
		free(value);
		if (bad) {
			free(key);
			goto out;
		}
		XGROW(s.items, s.n + 1, s.alloc);
		s.items[s.n].key = key;
		s.items[s.n++].value = v;
	}
	*ret = s;
	memset(&s, 0, sizeof(s));
	r = 0;
out:
	iam_account_summary_release(&s);
	xmlFreeDoc(doc);
	return r;
}

int iam_account_summary_get(const struct iam_account_summary *s, const char *key, int64_t *ret)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->items[i].key, key)) {
			*ret = s->items[i].value;
			return 0;
		}
	return -ENOENT;
}

static int policies_from(const xmlNode *list, struct iam_role_detail *r, iam_policy_digest_fn *digest)
{
	size_t alloc = 0;

	for (const xmlNode *m = list ? list->children : NULL; m; m = m->next) {
		char *name, *encoded, *decoded;

		if (!aws_xml_is(m, "member"))
			continue;
		name = aws_xml_path_text(m, "PolicyName");
		encoded = aws_xml_path_text(m, "PolicyDocument");
		decoded = encoded ? iam_decode_document(encoded) : NULL;
		free(encoded);
		if (!name || !*name || !decoded) {
			free(name);
			free(decoded);
			return -EBADMSG;
		}
		XGROW(r->policies, r->n_policies + 1, alloc);
		memset(&r->policies[r->n_policies], 0, sizeof(r->policies[r->n_policies]));
		r->policies[r->n_policies].name = name;
		if (digest) {
			digest(decoded, &r->policies[r->n_policies].hash, &r->policies[r->n_policies].chars);
			free(decoded);
		} else {
			r->policies[r->n_policies].document = decoded;
		}
		r->n_policies++;
	}
	return 0;
}

static int tags_from(const xmlNode *list, struct aws_tags *tags)
{
	for (const xmlNode *m = list ? list->children : NULL; m; m = m->next) {
		char *k, *v;

		if (!aws_xml_is(m, "member"))
			continue;
		k = aws_xml_path_text(m, "Key");
		v = aws_xml_path_text(m, "Value");
		if (k)
			aws_tags_add(tags, k, v ? v : "");
		free(k);
		free(v);
		if (!k)
			return -EBADMSG;
	}
	return 0;
}

static int role_from(const xmlNode *m, struct iam_role_detail *r, iam_policy_digest_fn *digest)
{
	struct iam_role role;

	memset(r, 0, sizeof(*r));
	if (iam_role_from(m, &role) < 0)
		return -EBADMSG;
	r->name = role.name;
	r->arn = role.arn;
	r->id = role.id;
	r->path = role.path;
	r->created_ms = role.created_ms;
	r->assume_role_policy = role.assume_role_policy;
	if (digest) {
		free(r->assume_role_policy);
		r->assume_role_policy = NULL;
	}
	if (policies_from(aws_xml_child(m, "RolePolicyList"), r, digest) < 0 ||
	    tags_from(aws_xml_child(m, "Tags"), &r->tags) < 0) {
		iam_role_detail_release(r);
		return -EBADMSG;
	}
	return 0;
}

static int role_member(const xmlNode *m, void *ctx)
{
	struct iam_role_detail_list *list = ctx;
	int r;

	XGROW(list->items, list->n + 1, list->alloc);
	r = role_from(m, &list->items[list->n], list->digest);
	if (r == 0)
		list->n++;
	return r;
}

int iam_parse_authorization_details_page(const char *body, size_t len, struct iam_role_detail_list *list,
					 char **ret_next)
{
	return aws_xml_page(body, len, "GetAccountAuthorizationDetails", "RoleDetailList", role_member, list, ret_next);
}

size_t iam_role_detail_policy_chars(const struct iam_role_detail *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_policies; i++)
		n += r->policies[i].chars;
	for (size_t i = 0; i < r->n_policies; i++)
		for (const char *p = r->policies[i].document ? r->policies[i].document : ""; *p; p++)
			if (!isspace((unsigned char)*p) && ((unsigned char)*p & 0xc0) != 0x80)
				n++;
	return n;
}

void iam_account_summary_release(struct iam_account_summary *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i].key);
	free(s->items);
	memset(s, 0, sizeof(*s));
}

void iam_role_detail_release(struct iam_role_detail *r)
{
	free(r->name);
	free(r->arn);
	free(r->id);
	free(r->path);
	free(r->assume_role_policy);
	for (size_t i = 0; i < r->n_policies; i++) {
		free(r->policies[i].name);
		free(r->policies[i].document);
		free(r->policies[i].hash);
	}
	free(r->policies);
	aws_tags_release(&r->tags);
	memset(r, 0, sizeof(*r));
}

void iam_role_detail_list_release(struct iam_role_detail_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		iam_role_detail_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
