#include "sns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_op.h"
#include "aws_xml.h"
#include "xalloc.h"

int sns_topic_region(const char *topic_arn, char *out, size_t size)
{
	const char *p = topic_arn;
	size_t n;

	/* arn:partition:sns:region:account:name */
	if (!p || strncmp(p, "arn:", 4) != 0)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		p = strchr(p, ':');
		if (!p)
			return -EINVAL;
		p++;
	}
	n = strcspn(p, ":");
	if (!n || n >= size || !p[n])
		return -EINVAL;
	memcpy(out, p, n);
	out[n] = '\0';
	return aws_region_valid(out) ? 0 : -EINVAL;
}

int sns_parse_publish(const char *body, size_t len, char **ret)
{
	const xmlNode *res;
	xmlDoc *doc;
	char *id;
	int r = aws_xml_answer(body, len, "Publish", NULL, &doc, &res);

	if (r < 0)
		return r;
	id = aws_xml_path_text(res, "MessageId");
	xmlFreeDoc(doc);
	if (!id)
		return -EBADMSG;
	*ret = id;
	return 0;
}

static int parse(const char *body, size_t len, void *res)
{
	return sns_parse_publish(body, len, res);
}

static void release(void *res)
{
	free(*(char **)res);
}

static void deliver(aws_any_cb cb, void *arg, int status, const struct aws_error *err, const void *res)
{
	((sns_publish_cb)cb)(arg, status, err, res ? *(char *const *)res : NULL);
}

static const struct aws_op_spec publish_spec = {
	sizeof(char *),
	parse,
	release,
	deliver,
};

int sns_publish(struct aws_client *c, const char *topic_arn, const char *subject, const char *message,
		sns_publish_cb cb, void *arg)
{
	struct aws_target t = { 0 };
	struct aws_request req;
	char region[40];

	if (sns_topic_region(topic_arn, region, sizeof(region)) < 0 || !message || !*message ||
	    strlen(message) > SNS_MESSAGE_MAX)
		return -EINVAL;
	t.region = region;
	aws_request_init_query(&req, AWS_SNS, "Publish");
	aws_request_add_form(&req, "TopicArn", topic_arn);
	aws_request_add_form(&req, "Message", message);
	if (subject && *subject)
		aws_request_add_form(&req, "Subject", subject);
	return aws_op_call(c, &t, &req, &publish_spec, (aws_any_cb)cb, arg);
}
