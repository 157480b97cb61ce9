/* The notifications' counters as Prometheus families. Labels come from fixed sets:
 * event (the configuration's event names) and destination (webhook, sns), so the
 * series are the same whatever happens; a destination not configured counts 0. */
#include "alerts.h"

#include <stddef.h>

static const char *const dest_names[] = { "webhook", "sns" };

static const struct alerts_sink_stats *dest(const struct alerts_stats *st, int d)
{
	return d == 0 ? &st->webhook : &st->sns;
}

static void per_event(struct strbuf *out, const char *name, const char *help, const uint64_t v[CFG_NOTIFY_EVENT_COUNT])
{
	strbuf_addf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (int ev = 0; ev < CFG_NOTIFY_EVENT_COUNT; ev++)
		strbuf_addf(out, "%s{event=\"%s\"} %llu\n", name, cfg_notify_event_name((enum cfg_notify_event)ev),
			    (unsigned long long)v[ev]);
}

/* field: offsetof the count in struct alerts_counts */
static void per_dest_event(struct strbuf *out, const struct alerts_stats *st, const char *name, const char *help,
			   size_t field)
{
	strbuf_addf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (int d = 0; d < 2; d++)
		for (int ev = 0; ev < CFG_NOTIFY_EVENT_COUNT; ev++) {
			const struct alerts_counts *c = &dest(st, d)->by_event[ev];
			uint64_t v = *(const uint64_t *)((const char *)c + field);

			strbuf_addf(out, "%s{destination=\"%s\",event=\"%s\"} %llu\n", name, dest_names[d],
				    cfg_notify_event_name((enum cfg_notify_event)ev), (unsigned long long)v);
		}
}

void alerts_metrics_print(const struct alerts_stats *st, struct strbuf *out)
{
	per_event(out, "bedrock_tenantd_notification_events_total",
		  "Events to notify (held deletions, stalls, drift repairs) of the kinds configured.", st->posted);
	per_event(out, "bedrock_tenantd_notification_events_coalesced_total",
		  "Events held back by the rate limit and told as a count in a later message.", st->coalesced);
	per_dest_event(out, st, "bedrock_tenantd_notifications_sent_total", "Notification messages delivered.",
		       offsetof(struct alerts_counts, sent));
	per_dest_event(out, st, "bedrock_tenantd_notifications_failed_total",
		       "Notification messages that could not be delivered.", offsetof(struct alerts_counts, failed));
	per_dest_event(out, st, "bedrock_tenantd_notifications_dropped_total",
		       "Notification messages dropped unsent from a full queue.",
		       offsetof(struct alerts_counts, dropped));
	strbuf_adds(out, "# HELP bedrock_tenantd_notifications_queued Notification messages waiting to be sent.\n"
			 "# TYPE bedrock_tenantd_notifications_queued gauge\n");
	for (int d = 0; d < 2; d++)
		strbuf_addf(out, "bedrock_tenantd_notifications_queued{destination=\"%s\"} %u\n", dest_names[d],
			    dest(st, d)->queued);
}

void alerts_metrics(const struct alerts *a, struct strbuf *out)
{
	struct alerts_stats st;

	alerts_stats(a, &st);
	alerts_metrics_print(&st, out);
}
