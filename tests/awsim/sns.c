/* SNS (awsQuery, XML): CreateTopic, DeleteTopic, ListTopics and Publish, enough for
 * a client that notifies people through a topic. Topics live per account and
 * Region (the ARN says which). Nothing is delivered to subscribers: every message
 * published is kept (the last AWSIM_SNS_LOG_MAX) for tests to read through the
 * admin API: GET /_awsim/sns/messages, DELETE to forget them. Topics and messages
 * are in memory only (not in the state file). */
#include "awsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define AWSIM_SNS_LOG_MAX 1000
#define SNS_MESSAGE_MAX	  (256 * 1024)
#define SNS_TOPICS_MAX	  100000
#define SNS_MESSAGES_PATH "/_awsim/sns/messages"

static const struct strspec message_spec = { true, 1, SNS_MESSAGE_MAX, PAT_NONE };

static bool name_ok(const char *s)
{
	size_t n = strlen(s), base = n;

	if (n > 5 && strcmp(s + n - 5, ".fifo") == 0)
		base = n - 5;
	if (!n || n > 256 || !base)
		return false;
	for (size_t i = 0; i < base; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '_'))
			return false;
	}
	return true;
}

static char *topic_arn(const struct call *c, const char *name)
{
	return xasprintf("arn:aws:sns:%s:%s:%s", c->region, c->account, name);
}

static int op_create_topic(struct call *c)
{
	const char *name = form_get(&c->form, "Name");
	char *arn;

	if (!name)
		return call_error(c, 400, "InvalidParameter", "Invalid parameter: Name");
	if (!name_ok(name))
		return call_error(c, 400, "InvalidParameter",
				  "Invalid parameter: Topic Name must be made up of only uppercase and lowercase ASCII "
				  "letters, numbers, underscores, and hyphens, and must be between 1 and 256 "
				  "characters long.");
	arn = topic_arn(c, name);
	if (!omap_get(&c->sim->sns_topics, arn)) {
		if (c->sim->sns_topics.n >= SNS_TOPICS_MAX) {
			free(arn);
			return call_error(c, 403, "TopicLimitExceeded", "Topic limit exceeded");
		}
		omap_put(&c->sim->sns_topics, arn, xstrdup(arn));
	}
	call_xml_begin(c, true);
	xml_elem(&c->body, "TopicArn", arn);
	call_xml_end(c, true);
	free(arn);
	return 0;
}

/* arn:PARTITION:sns:REGION:ACCOUNT:NAME (no '/', unlike arn_split's ARNs) */
static bool split_topic(const char *arn, char region[32], char account[16])
{
	const char *f[6], *p = arn;
	int n = 0;

	if (strncmp(arn, "arn:", 4) != 0)
		return false;
	for (f[n++] = p; n < 6 && (p = strchr(p, ':')); f[n++] = ++p)
		;
	if (n < 6 || strncmp(f[2], "sns:", 4) != 0 || f[4] - f[3] - 1 >= 32 || f[5] - f[4] - 1 >= 16 || !*f[5] ||
	    strchr(f[5], ':'))
		return false;
	snprintf(region, 32, "%.*s", (int)(f[4] - f[3] - 1), f[3]);
	snprintf(account, 16, "%.*s", (int)(f[5] - f[4] - 1), f[4]);
	return true;
}

/* The topic named by arn in the caller's account and Region, or an error. */
static int find_topic(struct call *c, const char *field, const char *arn)
{
	char region[32], account[16];

	if (!arn || !*arn)
		return call_error(c, 400, "InvalidParameter", "Invalid parameter: %s", field);
	if (!split_topic(arn, region, account))
		return call_error(c, 400, "InvalidParameter", "Invalid parameter: %s Reason: not an SNS ARN", field);
	if (strcmp(region, c->region) != 0)
		return call_error(c, 400, "InvalidParameter",
				  "Invalid parameter: %s Reason: A ARN must have the same region as the endpoint",
				  field);
	if (strcmp(account, c->account) != 0 || !omap_get(&c->sim->sns_topics, arn))
		return call_error(c, 404, "NotFound", "Topic does not exist");
	return 0;
}

/* Idempotent, as in AWS: a topic that does not exist is deleted all the same. */
static int op_delete_topic(struct call *c)
{
	const char *arn = form_get(&c->form, "TopicArn");

	if (find_topic(c, "TopicArn", arn) < 0) {
		if (strcmp(c->error_code, "NotFound") != 0)
			return -1;
		c->status = 200;
		c->error_code[0] = '\0';
		strbuf_reset(&c->body);
	}
	free(omap_del(&c->sim->sns_topics, arn));
	call_xml_begin(c, false);
	call_xml_end(c, false);
	return 0;
}

struct list_ctx {
	struct call *c;
	char prefix[64];
};

static int list_one(const char *key, void *value, void *ctx)
{
	struct list_ctx *l = ctx;

	(void)value;
	if (strncmp(key, l->prefix, strlen(l->prefix)) == 0 && !strchr(key + strlen(l->prefix), ':')) {
		strbuf_adds(&l->c->body, "<member>");
		xml_elem(&l->c->body, "TopicArn", key);
		strbuf_adds(&l->c->body, "</member>");
	}
	return 0;
}

static int op_list_topics(struct call *c)
{
	struct list_ctx l = { .c = c };

	snprintf(l.prefix, sizeof(l.prefix), "arn:aws:sns:%s:%s:", c->region, c->account);
	call_xml_begin(c, true);
	strbuf_adds(&c->body, "<Topics>");
	omap_walk(&c->sim->sns_topics, list_one, &l);
	strbuf_adds(&c->body, "</Topics>");
	call_xml_end(c, true);
	return 0;
}

static int op_publish(struct call *c)
{
	const char *arn = form_get(&c->form, "TopicArn"), *subject = form_get(&c->form, "Subject"), *message;
	char id[37], ts[32];
	cJSON *m;

	if (!arn)
		arn = form_get(&c->form, "TargetArn");
	if (find_topic(c, arn == form_get(&c->form, "TopicArn") ? "TopicArn" : "TargetArn", arn) < 0)
		return -1;
	message = form_get(&c->form, "Message");
	if (!message || !*message)
		return call_error(c, 400, "InvalidParameter", "Invalid parameter: Empty message");
	if (check_value(c, "Message", message, &message_spec) < 0)
		return -1;
	if (subject) {
		size_t n = strlen(subject);
		bool ok = n >= 1 && n <= 100;

		for (const char *p = subject; ok && *p; p++)
			ok = (unsigned char)*p >= 0x20 && (unsigned char)*p <= 0x7e;
		if (!ok)
			return call_error(c, 400, "InvalidParameter",
					  "Invalid parameter: Subject must be ASCII text that begins with a letter, "
					  "number, or punctuation mark; must not include line breaks or control "
					  "characters; and must be less than 100 characters long.");
	}
	ids_uuid(&c->sim->rng, id);
	if (!c->sim->sns_log)
		c->sim->sns_log = cJSON_CreateArray();
	if (cJSON_GetArraySize(c->sim->sns_log) >= AWSIM_SNS_LOG_MAX)
		cJSON_DeleteItemFromArray(c->sim->sns_log, 0);
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "topic_arn", arn);
	cJSON_AddStringToObject(m, "message_id", id);
	if (subject)
		cJSON_AddStringToObject(m, "subject", subject);
	else
		cJSON_AddNullToObject(m, "subject");
	cJSON_AddStringToObject(m, "message", message);
	ids_iso8601(ids_now_ms(), 1, ts);
	cJSON_AddStringToObject(m, "time", ts);
	cJSON_AddItemToArray(c->sim->sns_log, m);
	call_xml_begin(c, true);
	xml_elem(&c->body, "MessageId", id);
	call_xml_end(c, true);
	return 0;
}

const struct op sns_ops[] = {
	{ "CreateTopic", op_create_topic, true, NULL, NULL, 0, false },
	{ "DeleteTopic", op_delete_topic, true, NULL, NULL, 0, false },
	{ "ListTopics", op_list_topics, false, NULL, NULL, 0, false },
	{ "Publish", op_publish, true, NULL, NULL, 0, false },
};
const size_t sns_n_ops = sizeof(sns_ops) / sizeof(sns_ops[0]);

bool sns_admin_handle(struct awsim *sim, struct http_request *req)
{
	const struct http_message *m = http_request_message(req);
	cJSON *o;

	if (strcmp(m->path, SNS_MESSAGES_PATH) != 0)
		return false;
	if (!http_request_is_local(req)) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "error", "the admin API answers loopback peers only");
		awsim_reply_json(sim, req, 403, o);
		return true;
	}
	if (strcmp(m->method, "DELETE") == 0) {
		cJSON_Delete(sim->sns_log);
		sim->sns_log = NULL;
		awsim_reply_json(sim, req, 200, cJSON_CreateObject());
		return true;
	}
	awsim_reply_json(sim, req, 200, sim->sns_log ? cJSON_Duplicate(sim->sns_log, true) : cJSON_CreateArray());
	return true;
}
