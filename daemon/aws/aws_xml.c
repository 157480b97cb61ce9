#include "aws_xml.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "xalloc.h"

/* libxml2 reports some problems (encoding conversion) on stderr even with
 * XML_PARSE_NOERROR; this layer never logs, so its handlers are silenced. The
 * setting is libxml2's own per-thread state; nothing else in the daemon parses XML. */
static void silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void silent_structured(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

int aws_xml_parse(const char *body, size_t len, xmlDoc **ret)
{
	xmlDoc *doc;

	xmlSetGenericErrorFunc(NULL, silent);
	xmlSetStructuredErrorFunc(NULL, silent_structured);

	if (!body || !len || len > INT_MAX)
		return -EBADMSG;
	/* No network, no DTD loading, no entity substitution, no messages on stderr. */
	doc = xmlReadMemory(body, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EBADMSG;
	/* AWS never sends a DTD; refusing one rules out entity expansion in the text
	 * getters below ("billion laughs"). */
	if (!xmlDocGetRootElement(doc) || doc->intSubset || doc->extSubset) {
		xmlFreeDoc(doc);
		return -EBADMSG;
	}
	*ret = doc;
	return 0;
}

int aws_xml_is(const xmlNode *node, const char *name)
{
	return node && node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

const xmlNode *aws_xml_result(const xmlDoc *doc, const char *op)
{
	const xmlNode *root = xmlDocGetRootElement(doc);
	char response[64], result[64];

	snprintf(response, sizeof(response), "%sResponse", op);
	snprintf(result, sizeof(result), "%sResult", op);
	if (!aws_xml_is(root, response))
		return NULL;
	return aws_xml_child(root, result);
}

int aws_xml_answer(const char *body, size_t len, const char *op, const char *child, xmlDoc **ret_doc,
		   const xmlNode **ret_node)
{
	const xmlNode *node;
	xmlDoc *doc;
	int r = aws_xml_parse(body, len, &doc);

	if (r < 0)
		return r;
	node = aws_xml_result(doc, op);
	if (node && child)
		node = aws_xml_child(node, child);
	if (!node) {
		xmlFreeDoc(doc);
		return -EBADMSG;
	}
	*ret_doc = doc;
	*ret_node = node;
	return 0;
}

int aws_xml_page(const char *body, size_t len, const char *op, const char *list, aws_xml_member_fn each, void *ctx,
		 char **ret_next)
{
	const xmlNode *res, *members;
	char *truncated;
	xmlDoc *doc;
	int r = aws_xml_answer(body, len, op, NULL, &doc, &res);

	*ret_next = NULL;
	if (r < 0)
		return r;
	members = aws_xml_child(res, list);
	for (const xmlNode *m = members ? members->children : NULL; m && r == 0; m = m->next)
		if (aws_xml_is(m, "member"))
			r = each(m, ctx);
	if (r < 0)
		goto out;
	truncated = aws_xml_path_text(res, "IsTruncated");
	if (truncated && strcmp(truncated, "true") == 0) {
		*ret_next = aws_xml_path_text(res, "Marker");
		if (!*ret_next || !**ret_next) {
			free(*ret_next);
			*ret_next = NULL;
			r = -EBADMSG; /* truncated without a marker */
		}
	}
	free(truncated);
out:
	xmlFreeDoc(doc);
	return r;
}

xmlNode *aws_xml_child(const xmlNode *node, const char *name)
{
	if (!node)
		return NULL;
	for (xmlNode *c = node->children; c; c = c->next)
		if (aws_xml_is(c, name))
			return c;
	return NULL;
}

xmlNode *aws_xml_path(const xmlNode *node, const char *path)
{
	char buf[128];
	const char *p = path;
	xmlNode *cur = (xmlNode *)node;

	while (cur && *p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len >= sizeof(buf))
			return NULL;
		memcpy(buf, p, len);
		buf[len] = '\0';
		cur = aws_xml_child(cur, buf);
		p = slash ? slash + 1 : p + len;
	}
	return cur;
}

char *aws_xml_text(const xmlNode *node)
{
	xmlChar *content;
	char *s;

	if (!node)
		return NULL;
	content = xmlNodeGetContent(node);
	if (!content)
		return xstrdup("");
	s = xstrdup((const char *)content);
	xmlFree(content);
	return s;
}

char *aws_xml_path_text(const xmlNode *node, const char *path)
{
	return aws_xml_text(aws_xml_path(node, path));
}
