#include "s3_parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aws_xml.h"
#include "xalloc.h"

static int parse_contents(const xmlNode *n, struct s3_object_info *ret)
{
	char *key = aws_xml_path_text(n, "Key"), *size = aws_xml_path_text(n, "Size"), *end = NULL;
	int r = 0;

	if (!key || !*key) {
		r = -EBADMSG;
		goto out;
	}
	ret->size = size ? strtoull(size, &end, 10) : 0;
	if (size && (end == size || *end)) {
		r = -EBADMSG;
		goto out;
	}
	ret->key = key;
	key = NULL;
out:
	free(key);
	free(size);
	return r;
}

int s3_parse_listing(const char *body, size_t len, struct s3_listing *ret)
{
	struct s3_listing l = { 0 };
	xmlDoc *doc = NULL;
	const xmlNode *root;
	char *trunc = NULL;
	int r = aws_xml_parse(body, len, &doc);

	if (r < 0)
		return r;
	root = xmlDocGetRootElement(doc);
	if (!aws_xml_is(root, "ListBucketResult")) {
		r = -EBADMSG;
		goto out;
	}
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (!aws_xml_is(c, "Contents"))
			continue;
		if (l.n == S3_LIST_MAX_KEYS) {
			r = -EBADMSG;
			goto out;
		}
		if (!l.items)
			l.items = xcalloc(S3_LIST_MAX_KEYS, sizeof(*l.items));
		r = parse_contents(c, &l.items[l.n]);
		if (r < 0)
			goto out;
		l.n++;
	}
	trunc = aws_xml_path_text(root, "IsTruncated");
	l.truncated = trunc && !strcmp(trunc, "true");
	l.next_token = aws_xml_path_text(root, "NextContinuationToken");
	if (l.next_token && !*l.next_token) {
		free(l.next_token);
		l.next_token = NULL;
	}
out:
	free(trunc);
	xmlFreeDoc(doc);
	if (r < 0) {
		s3_listing_release(&l);
		return r;
	}
	*ret = l;
	return 0;
}

void s3_listing_release(struct s3_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].key);
	free(l->items);
	free(l->next_token);
	memset(l, 0, sizeof(*l));
}
