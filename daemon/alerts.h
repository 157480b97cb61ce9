/* Notifications: a webhook (HTTP POST of a JSON document) and/or an SNS topic
 * (Publish), told when deletions are held by the prune gate, a tenant stalls, or
 * drift is repaired (configuration: `notifications`, docs/configuration.md).
 *
 * alerts_post() never blocks and never fails: it rate-limits per event kind
 * (alerts_limit.h), queues a message per destination in a bounded queue (the oldest
 * is dropped when full, and counted) and returns; each destination sends one
 * message at a time on the loop. Failures are counted and logged, at most one line
 * a minute per destination. The webhook has an HTTP client of its own, so a slow
 * receiver never holds up AWS calls; SNS goes through the daemon's AWS client
 * (borrowed: close the alerts after that client has closed, so that a Publish
 * still in flight has ended). */
#ifndef BTD_ALERTS_H
#define BTD_ALERTS_H

#include <stdint.h>

#include <uv.h>

#include "aws_client.h"
#include "daemon_config.h"
#include "strbuf.h"

#define ALERTS_QUEUE_MAX  64	/* messages waiting per destination */
#define ALERTS_TEXT_MAX	  2048	/* bytes of an event's text kept */
#define ALERTS_TIMEOUT_MS 10000 /* per webhook request */

struct alerts;

/* Messages a destination sent, failed to send, or dropped from its full queue. */
struct alerts_counts {
	uint64_t sent, failed, dropped;
};

struct alerts_sink_stats {
	uint64_t sent, failed, dropped;
	unsigned queued;
	struct alerts_counts by_event[CFG_NOTIFY_EVENT_COUNT]; /* the same, by the message's event */
};

struct alerts_stats {
	struct alerts_sink_stats webhook, sns;
	uint64_t events, suppressed; /* events posted; held back by the rate limit */
	/* the same by event: coalesced events went out as a count ("and N more") in a later
	 * message or a summary */
	uint64_t posted[CFG_NOTIFY_EVENT_COUNT], coalesced[CFG_NOTIFY_EVENT_COUNT];
};

/* alerts_new: NULL in *ret (and 0) when cfg configures no destination. -errno with
 * *ret_error (owned by the caller) when the secret file cannot be read or the HTTP
 * client cannot start. cfg and instance are copied. */
int alerts_new(uv_loop_t *loop, const struct cfg_notifications *cfg, const char *instance, struct aws_client *aws,
	       struct alerts **ret, char **ret_error);
/* alerts_post: an event; tenant may be NULL (the prune gate speaks of many). */
void alerts_post(struct alerts *a, enum cfg_notify_event ev, const char *tenant, const char *text);
void alerts_stats(const struct alerts *a, struct alerts_stats *ret);
/* alerts_status_json: the counters as a JSON object (owned by the caller). */
char *alerts_status_json(const struct alerts *a);
/* alerts_metrics: the counters as Prometheus families (alerts_metrics.c), labelled by
 * event and destination, zero for what is not configured; a may be NULL. */
void alerts_metrics(const struct alerts *a, struct strbuf *out);
/* alerts_metrics_print: the same from counters already read (pure). */
void alerts_metrics_print(const struct alerts_stats *st, struct strbuf *out);
/* alerts_close: messages not yet sent are dropped; a webhook request in flight is
 * cancelled; the handles close and the alerts are freed, then cb (may be NULL) runs.
 * Accepts NULL. */
void alerts_close(struct alerts *a, void (*cb)(void *arg), void *arg);

#endif
