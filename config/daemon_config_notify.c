/* The `notifications` section of the daemon configuration: a webhook and/or an SNS
 * topic, the event kinds sent, and the rate per kind. Checked here; sent by
 * daemon/alerts.c. */
#include <stdlib.h>
#include <string.h>

#include "daemon_config.h"
#include "rules.h"
#include "ydoc.h"
#include "walk.h"
#include "xalloc.h"

#define HEADER_MAX 128

static const char *const event_names[CFG_NOTIFY_EVENT_COUNT] = {
	[CFG_NOTIFY_DELETIONS_HELD] = "deletions_held",
	[CFG_NOTIFY_TENANT_STALLED] = "tenant_stalled",
	[CFG_NOTIFY_DRIFT_REPAIRED] = "drift_repaired",
};

const char *cfg_notify_event_name(enum cfg_notify_event ev)
{
	return (unsigned)ev < CFG_NOTIFY_EVENT_COUNT ? event_names[ev] : "?";
}

static void set(char **field, char *value)
{
	free(*field);
	*field = value;
}

/* An HTTP header name: RFC 9110 token characters. */
static bool header_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("!#$%&'*+-.^_`|~", *s) && !(*s >= '0' && *s <= '9') && !(*s >= 'a' && *s <= 'z') &&
		    !(*s >= 'A' && *s <= 'Z'))
			return false;
	return true;
}

/* arn:PARTITION:sns:REGION:ACCOUNT:NAME */
static const char *topic_arn_rule(const char *s)
{
	const char *p = s, *fields[6];
	int n = 0;

	if (strncmp(s, "arn:", 4) != 0)
		return "it must start with arn:";
	for (fields[n++] = p; n < 6 && (p = strchr(p, ':')); fields[n++] = ++p)
		;
	if (n < 6)
		return "it must be arn:PARTITION:sns:REGION:ACCOUNT:TOPIC";
	if (strncmp(fields[2], "sns:", 4) != 0)
		return "the service must be sns";
	if (fields[4] - fields[3] < 2)
		return "the Region is missing";
	if (fields[5] - fields[4] != 13)
		return "the account must be 12 digits";
	for (const char *d = fields[4]; d < fields[5] - 1; d++)
		if (*d < '0' || *d > '9')
			return "the account must be 12 digits";
	if (!*fields[5] || strlen(fields[5]) > 256 || strchr(fields[5], ':'))
		return "the topic name must be 1 to 256 characters without ':'";
	return NULL;
}

static void read_webhook(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "url", "header", "secret_file" };
	struct cfg_notifications *c = &cfg->notifications;
	const struct ynode *v[3];
	char *s;

	if (!walk_mapping(w, n, keys, 3, v))
		return;
	if (!walk_require(w, n, v[0], "url"))
		return;
	if (walk_string(w, v[0], RULE_URL_MAX, &s)) {
		const char *why = rule_url(s);

		if (why) {
			walk_error(w, v[0], "'%.80s' is not a valid webhook URL: %s", s, why);
			free(s);
		} else {
			set(&c->webhook_url, s);
		}
	}
	if (v[1] && walk_string(w, v[1], HEADER_MAX, &s)) {
		if (!header_name_ok(s)) {
			walk_error(w, v[1], "'%.80s' is not an HTTP header name", s);
			free(s);
		} else {
			set(&c->webhook_header, s);
		}
	}
	if (v[2] && walk_string(w, v[2], 4095, &s)) {
		if (s[0] != '/' && cfg->file && strrchr(cfg->file, '/')) {
			char *abs = xasprintf("%.*s/%s", (int)(strrchr(cfg->file, '/') - cfg->file), cfg->file, s);

			free(s);
			s = abs;
		}
		set(&c->webhook_secret_file, s);
	}
	if (!!v[1] != !!v[2])
		walk_error(w, n, "webhook.header and webhook.secret_file go together");
}

static void read_sns(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "topic_arn" };
	const struct ynode *v[1];
	const char *why;
	char *s;

	if (!walk_mapping(w, n, keys, 1, v) || !walk_require(w, n, v[0], "topic_arn"))
		return;
	if (!walk_string(w, v[0], 1024, &s))
		return;
	why = topic_arn_rule(s);
	if (why) {
		walk_error(w, v[0], "'%.80s' is not an SNS topic ARN: %s", s, why);
		free(s);
		return;
	}
	set(&cfg->notifications.sns_topic_arn, s);
}

static void read_events(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	unsigned mask = 0;
	int e;

	if (!walk_sequence(w, n, 0, CFG_NOTIFY_EVENT_COUNT, "event"))
		return;
	for (size_t i = 0; i < n->seq.n; i++) {
		size_t mark = walk_push_index(w, i);

		if (walk_enum(w, n->seq.items[i], event_names, CFG_NOTIFY_EVENT_COUNT, &e))
			mask |= 1u << e;
		walk_pop(w, mark);
	}
	cfg->notifications.events = mask;
}

void daemon_config_read_notifications(struct walk *w, const struct ynode *n, struct daemon_config *cfg)
{
	static const char *const keys[] = { "webhook", "sns", "max_per_minute", "events" };
	const struct ynode *v[4];
	uint64_t u;

	if (!n || !walk_mapping(w, n, keys, 4, v))
		return;
	for (int k = 0; k < 4; k++) {
		size_t mark = walk_push_key(w, keys[k]);

		if (!v[k]) {
			walk_pop(w, mark);
			continue;
		}
		if (k == 0)
			read_webhook(w, v[k], cfg);
		else if (k == 1)
			read_sns(w, v[k], cfg);
		else if (k == 2 && walk_uint(w, v[k], 1, 600, &u))
			cfg->notifications.max_per_minute = (unsigned)u;
		else if (k == 3)
			read_events(w, v[k], cfg);
		walk_pop(w, mark);
	}
	if (!v[0] && !v[1])
		walk_error(w, n, "notifications needs a webhook, an sns topic, or both");
}
