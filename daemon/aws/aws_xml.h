/* libxml2 helpers for the awsQuery answers (IAM, STS, and XML error bodies):
 * bounded parsing without network access or entity expansion, and element lookup by
 * local name (namespaces are ignored, as the AWS SDKs do). Pure: no I/O. */
#ifndef BTD_AWS_XML_H
#define BTD_AWS_XML_H

#include <stddef.h>

#include <libxml/tree.h>

/* aws_xml_parse: -EBADMSG when body is not well-formed XML. Free with xmlFreeDoc. */
int aws_xml_parse(const char *body, size_t len, xmlDoc **ret);
/* aws_xml_child: the first element child of node with this local name, or NULL. */
xmlNode *aws_xml_child(const xmlNode *node, const char *name);
/* aws_xml_path: follows "A/B/C" through aws_xml_child from node. */
xmlNode *aws_xml_path(const xmlNode *node, const char *path);
/* aws_xml_text: the text content of node (a new string, "" for an empty element),
 * or NULL when node is NULL. Free with free(). */
char *aws_xml_text(const xmlNode *node);
/* aws_xml_path_text: aws_xml_text(aws_xml_path(node, path)). */
char *aws_xml_path_text(const xmlNode *node, const char *path);
/* aws_xml_is: whether node is an element with this local name. */
int aws_xml_is(const xmlNode *node, const char *name);
/* aws_xml_result: the <OpResult> element of an awsQuery <OpResponse> document, or
 * NULL when the document is not that answer. */
const xmlNode *aws_xml_result(const xmlDoc *doc, const char *op);

/* aws_xml_answer: aws_xml_parse, then the <opResult> element (child NULL) or its child
 * element of that name in *ret_node. -EBADMSG when body is not that answer; on success
 * *ret_doc is the caller's (xmlFreeDoc) and holds *ret_node. */
int aws_xml_answer(const char *body, size_t len, const char *op, const char *child, xmlDoc **ret_doc,
		   const xmlNode **ret_node);

/* aws_xml_member_fn: called for each <member> of a page; a negative return stops the page
 * and is returned by aws_xml_page. */
typedef int (*aws_xml_member_fn)(const xmlNode *member, void *ctx);
/* aws_xml_page: one page of an awsQuery list answer (IAM's Marker paging): parses body,
 * finds <opResult>, calls each(member, ctx) for every <member> of its child element list
 * in order, and sets *ret_next to <Marker> when <IsTruncated> is "true", else NULL.
 * -EBADMSG when body is not that answer or is truncated without a marker; a callback's
 * error stops the page (*ret_next stays NULL). What the callbacks took is the caller's. */
int aws_xml_page(const char *body, size_t len, const char *op, const char *list, aws_xml_member_fn each, void *ctx,
		 char **ret_next);

#endif
