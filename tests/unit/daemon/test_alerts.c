/* alerts: a destination's bounded queue against a scripted webhook receiver (the
 * oldest waiting message is dropped when it is full, never the one on its way), and
 * the counters as Prometheus families, by event and destination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alerts.h"
#include "test_server.h"
#include "xalloc.h"

/* The first request waits for test_server_release(); every other is answered 204. */
static void hold_first(void *arg, const struct test_request *req, unsigned index, struct test_response *resp)
{
	(void)arg;
	(void)req;
	*resp = (struct test_response){ index == 0 ? TEST_HOLD : TEST_RESPOND, 204, NULL, NULL };
}

struct until {
	struct alerts *a;
	struct test_server *s;
	uint64_t sent;
};

static bool one_held(void *arg)
{
	return test_server_held(((struct until *)arg)->s) == 1;
}

static bool all_sent(void *arg)
{
	struct until *u = arg;
	struct alerts_stats st;

	alerts_stats(u->a, &st);
	return st.webhook.sent + st.webhook.failed >= u->sent;
}

static void run_until(uv_loop_t *loop, bool (*done)(void *), void *arg)
{
	for (int i = 0; i < 1000000 && !done(arg); i++)
		if (uv_run(loop, UV_RUN_ONCE) == 0 && !done(arg))
			break;
}

static void on_closed(void *arg)
{
	*(bool *)arg = true;
}

static bool line(const char *text, const char *want)
{
	const char *p = strstr(text, want);

	return p && (p == text || p[-1] == '\n') && p[strlen(want)] == '\n';
}

static void test_full_queue_keeps_the_message_on_its_way(void **state)
{
	struct cfg_notifications cfg = { 0 };
	struct until u = { 0 };
	struct alerts_stats st;
	struct strbuf out;
	uv_loop_t loop;
	char *err = NULL, text[32];
	bool closed = false;

	(void)state;
	uv_loop_init(&loop);
	u.s = test_server_start(&loop, hold_first, NULL);
	cfg.webhook_url = xasprintf("%s/hook", test_server_url(u.s));
	cfg.max_per_minute = 600;
	cfg.events = (1u << CFG_NOTIFY_EVENT_COUNT) - 1;
	assert_int_equal(alerts_new(&loop, &cfg, "test", NULL, &u.a, &err), 0);
	assert_non_null(u.a);

	alerts_post(u.a, CFG_NOTIFY_TENANT_STALLED, "t", "m0");
	run_until(&loop, one_held, &u);
	assert_int_equal(test_server_held(u.s), 1);
	/* m0 (a stall) is on its way; repairs m1..m63 fill the queue; m64 and m65 push out
	 * m1 and m2, each counted for its own event */
	for (int i = 1; i <= ALERTS_QUEUE_MAX + 1; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		alerts_post(u.a, CFG_NOTIFY_DRIFT_REPAIRED, "t", text);
	}
	alerts_stats(u.a, &st);
	assert_int_equal(st.webhook.dropped, 2);
	assert_int_equal(st.webhook.by_event[CFG_NOTIFY_DRIFT_REPAIRED].dropped, 2);
	assert_int_equal(st.webhook.by_event[CFG_NOTIFY_TENANT_STALLED].dropped, 0);
	assert_int_equal(st.webhook.queued, ALERTS_QUEUE_MAX);

	test_server_release(u.s, 204, "");
	u.sent = ALERTS_QUEUE_MAX;
	run_until(&loop, all_sent, &u);
	alerts_stats(u.a, &st);
	assert_int_equal(st.webhook.sent, ALERTS_QUEUE_MAX);
	assert_int_equal(st.webhook.failed, 0);
	assert_int_equal(st.webhook.by_event[CFG_NOTIFY_TENANT_STALLED].sent, 1);
	assert_int_equal(st.webhook.by_event[CFG_NOTIFY_DRIFT_REPAIRED].sent, ALERTS_QUEUE_MAX - 1);
	assert_int_equal(st.posted[CFG_NOTIFY_TENANT_STALLED], 1);
	assert_int_equal(st.posted[CFG_NOTIFY_DRIFT_REPAIRED], ALERTS_QUEUE_MAX + 1);
	/* what was sent is what the receiver got: m0, then m3 onwards */
	assert_int_equal(test_server_requests(u.s), ALERTS_QUEUE_MAX);
	assert_non_null(strstr(test_server_request(u.s, 0)->body, "\"detail\":\"m0\""));
	assert_non_null(strstr(test_server_request(u.s, 1)->body, "\"detail\":\"m3\""));
	assert_non_null(strstr(test_server_request(u.s, ALERTS_QUEUE_MAX - 1)->body, "\"detail\":\"m65\""));

	strbuf_init(&out, STRBUF_NO_CAP);
	alerts_metrics(u.a, &out);
	assert_true(line(out.buf, "bedrock_tenantd_notifications_sent_total{destination=\"webhook\",event=\"drift_"
				  "repaired\"} 63"));
	assert_true(line(out.buf, "bedrock_tenantd_notifications_sent_total{destination=\"webhook\",event=\"tenant_"
				  "stalled\"} 1"));
	assert_true(line(out.buf, "bedrock_tenantd_notifications_dropped_total{destination=\"webhook\",event=\"drift_"
				  "repaired\"} 2"));
	assert_true(line(out.buf, "bedrock_tenantd_notification_events_total{event=\"drift_repaired\"} 65"));
	assert_true(line(out.buf, "bedrock_tenantd_notifications_queued{destination=\"webhook\"} 0"));
	strbuf_release(&out);

	alerts_close(u.a, on_closed, &closed);
	test_server_stop(u.s);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(closed);
	assert_int_equal(uv_loop_close(&loop), 0);
	free(cfg.webhook_url);
}

/* Every series is there, at zero, without notifications configured: 3 events, 2
 * destinations, whatever happens. */
static void test_families_without_notifications(void **state)
{
	struct strbuf out;
	struct alerts_stats st;
	size_t lines = 0;

	(void)state;
	strbuf_init(&out, STRBUF_NO_CAP);
	alerts_metrics(NULL, &out);
	for (const char *p = out.buf; *p; p = strchr(p, '\n') + 1)
		lines += *p != '#';
	/* events 3 + coalesced 3 + sent, failed and dropped 3 x 2 each + queued 2 */
	assert_int_equal(lines, 3 + 3 + 3 * 6 + 2);
	assert_true(line(out.buf, "bedrock_tenantd_notification_events_coalesced_total{event=\"deletions_held\"} 0"));
	assert_true(line(out.buf, "bedrock_tenantd_notifications_failed_total{destination=\"sns\",event=\"tenant_"
				  "stalled\"} 0"));
	assert_non_null(strstr(out.buf, "# TYPE bedrock_tenantd_notifications_queued gauge\n"));
	strbuf_release(&out);

	memset(&st, 0, sizeof(st));
	st.coalesced[CFG_NOTIFY_TENANT_STALLED] = 7;
	st.sns.by_event[CFG_NOTIFY_DELETIONS_HELD].failed = 3;
	st.sns.queued = 5;
	strbuf_init(&out, STRBUF_NO_CAP);
	alerts_metrics_print(&st, &out);
	assert_true(line(out.buf, "bedrock_tenantd_notification_events_coalesced_total{event=\"tenant_stalled\"} 7"));
	assert_true(line(out.buf, "bedrock_tenantd_notifications_failed_total{destination=\"sns\",event=\"deletions_"
				  "held\"} 3"));
	assert_true(line(out.buf, "bedrock_tenantd_notifications_queued{destination=\"sns\"} 5"));
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_queue_keeps_the_message_on_its_way),
		cmocka_unit_test(test_families_without_notifications),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
