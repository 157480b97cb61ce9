/* The audit trail: which actions are audited, their cause, and the record written to
 * the history (with the request id of the answer). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "log.h"
#include "plan.h"
#include "store.h"
#include "xalloc.h"

static void test_mutations(void **state)
{
	(void)state;
	assert_true(audit_is_mutation(ACT_PROFILE_CREATE));
	assert_true(audit_is_mutation(ACT_PARAM_UNTAG));
	assert_true(audit_is_mutation(ACT_POLICY_PUT));
	assert_true(audit_is_mutation(ACT_SUBSCRIBER_DELETE));
	assert_false(audit_is_mutation(ACT_PROFILE_READ_TAGS));
	assert_false(audit_is_mutation(ACT_BUDGET_READ_ALERTS));
	assert_false(audit_is_mutation(ACT_POLICY_READ));
	assert_false(audit_is_mutation(ACT_TIMER_START));
	assert_false(audit_is_mutation(ACT_FACT_SET));
}

static void test_causes(void **state)
{
	struct action a = { .kind = ACT_PROFILE_TAG };
	struct engine_action_report r = { .tenant = "acme", .action = &a };

	(void)state;
	assert_string_equal(audit_cause(&r), "manifest");
	r.drift = true;
	assert_string_equal(audit_cause(&r), "drift");
	/* a policy written again for its profiles, the live text the one last applied */
	a.kind = ACT_POLICY_PUT;
	a.origin = ORIGIN_OWN_POLICY;
	assert_string_equal(audit_cause(&r), "manifest");
	/* while Ready at its revision, what a drain or a move leaves is deleted: no repair */
	a.kind = ACT_PROFILE_DELETE;
	a.destructive = true;
	a.origin = ORIGIN_REPLACEMENT;
	assert_string_equal(audit_cause(&r), "replacement");
	a.origin = ORIGIN_MOVE;
	assert_string_equal(audit_cause(&r), "move");
	a.kind = ACT_PARAM_DELETE;
	assert_string_equal(audit_cause(&r), "move");
	a.kind = ACT_PROFILE_DELETE;
	a.origin = ORIGIN_DIFF;
	a.reason = "p1 is no longer in the manifest, grace passed";
	assert_string_equal(audit_cause(&r), "prune");
	r.drift = false;
	assert_string_equal(audit_cause(&r), "prune");
	r.removed = true;
	assert_string_equal(audit_cause(&r), "prune");
	r.orphan = true;
	assert_string_equal(audit_cause(&r), "orphan");
}

/* A state store in a new temporary directory dir (a mkdtemp template); its path. */
static char *open_store(char *dir, struct store **s)
{
	char *path;

	log_setup(LOG_LVL_ERROR, true);
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/state.db", dir);
	assert_int_equal(store_open(path, s, NULL), 0);
	return path;
}

static void remove_store(char *dir, char *path)
{
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);

	unlink(path);
	unlink(wal);
	unlink(shm);
	free(wal);
	free(shm);
	rmdir(dir);
	free(path);
}

/* One record per outcome, success and failure, with the answer's request id; reads
 * leave nothing. */
static void test_records_reach_the_history(void **state)
{
	char dir[] = "/tmp/btd-audit-XXXXXX", *path;
	struct store *s;
	struct audit *au;
	struct observed_store before;
	struct action a = { .kind = ACT_PARAM_UPDATE,
			    .resource = "/bedrock-tenants/acme/p1/profile-arn",
			    .value = "arn:new",
			    .reason = "parameter names the old profile" };
	struct action read = { .kind = ACT_PARAM_READ_TAGS, .resource = "/x" };
	struct cloud_result res = { 0 };
	struct cloud_error err = { .status = 400,
				   .cls = ERROR_TERMINAL,
				   .code = "ValidationException",
				   .message = "no",
				   .request_id = "req-2" };
	struct engine_action_report r = { .tenant = "acme", .action = &a, .before = &before, .revision = "rev1" };
	struct store_history_entry *v;
	size_t n;

	(void)state;
	path = open_store(dir, &s);
	observed_store_init(&before);
	au = audit_new(s, NULL);

	snprintf(res.request_id, sizeof(res.request_id), "req-1");
	r.res = &res;
	audit_action(au, &r);
	r.status = -EINVAL;
	r.err = &err;
	audit_action(au, &r);
	r.action = &read;
	r.status = 0;
	r.err = NULL;
	audit_action(au, &r);

	assert_int_equal(store_load_history(s, "acme", 10, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(v[0].detail, "\"outcome\":\"failed\""));
	assert_non_null(strstr(v[0].detail, "\"request_id\":\"req-2\""));
	assert_non_null(strstr(v[0].detail, "\"code\":\"ValidationException\""));
	assert_non_null(strstr(v[1].detail, "\"outcome\":\"ok\""));
	assert_non_null(strstr(v[1].detail, "\"request_id\":\"req-1\""));
	assert_non_null(strstr(v[1].detail, "\"resource\":\"/bedrock-tenants/acme/p1/profile-arn\""));
	assert_non_null(strstr(v[1].detail, "\"revision\":\"rev1\""));
	assert_non_null(strstr(v[1].text, "update-parameter"));
	store_history_free(v, n);

	audit_free(au);
	observed_store_release(&before);
	store_close(s);
	remove_store(dir, path);
}

/* The tenant's history is read back from the store: its notes, its notable state
 * changes and the lines its changes' answers made (kept with the change's record,
 * not shown by /v1/history), oldest first, in the words the engine wrote them. */
static void test_tenant_lines_from_the_store(void **state)
{
	char dir[] = "/tmp/btd-audit-XXXXXX", *path;
	struct store *s;
	struct audit *au;
	struct observed_store before;
	struct action a = { .kind = ACT_PROFILE_CREATE, .resource = "acme-chat", .name = "acme-chat" };
	struct cloud_result res = { 0 };
	struct engine_action_report r = {
		.tenant = "acme", .action = &a, .before = &before, .revision = "rev1", .res = &res, .lines_follow = true
	};
	struct tenant_entry t = { .id = "acme", .state = TENANT_READY };
	const char *lines[] = { "created profile acme-chat (arn:p1)",
				"profile acme-chat cannot be read back yet: its models are unknown" };
	const char *want[] = { "manifest changed", "created profile acme-chat (arn:p1)",
			       "profile acme-chat cannot be read back yet: its models are unknown",
			       "Reconciling -> Ready" };
	struct history_lines got = { 0 };
	const char *error = "unset", *text;
	cJSON *all;
	size_t pos = 0, i = 0;
	int64_t at;

	(void)state;
	path = open_store(dir, &s);
	observed_store_init(&before);
	au = audit_new(s, NULL);

	assert_int_equal(audit_note(au, "acme", 1700000000, "manifest changed"), 0);
	audit_action(au, &r);
	assert_int_equal(audit_action_done(au, "acme", lines, 2), 0);
	assert_int_equal(audit_state(au, &t, TENANT_RECONCILING), 0);
	/* a start's Pending -> Ready is not kept, on purpose: its line is not kept either */
	assert_int_equal(audit_state(au, &t, TENANT_PENDING), 0);
	/* lines with no change of theirs waiting are not kept */
	assert_int_equal(audit_action_done(au, "acme", lines, 1), -1);
	assert_int_equal(audit_action_done(au, "acme", NULL, 0), 0);

	assert_int_equal(audit_tenant_lines(au, "acme", &got, &error), 0);
	assert_null(error);
	while (history_lines_next(&got, &pos, &at, &text)) {
		assert_true(i < 4);
		assert_string_equal(text, want[i++]);
	}
	assert_int_equal(i, 4);
	history_lines_release(&got);

	/* /v1/history shows the change's record as before, without its lines */
	all = audit_history_json(au, "acme", 10, &error);
	assert_non_null(all);
	assert_int_equal(cJSON_GetArraySize(all), 3);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(all, 1), "kind")->valuestring, "change");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(all, 1), "detail"), "events"));
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(all, 1), "detail"), "outcome"));
	cJSON_Delete(all);

	audit_free(au);
	observed_store_release(&before);
	store_close(s);
	remove_store(dir, path);
}

/* Without a store nothing is kept: every line stays with the engine (in memory). */
static void test_no_store_keeps_nothing(void **state)
{
	struct audit *au = audit_new(NULL, NULL);
	struct tenant_entry t = { .id = "acme", .state = TENANT_READY };
	struct history_lines got = { 0 };
	const char *error = "unset";

	(void)state;
	assert_int_equal(audit_note(au, "acme", 1700000000, "manifest changed"), -1);
	assert_int_equal(audit_state(au, &t, TENANT_RECONCILING), -1);
	assert_int_equal(audit_state(au, &t, TENANT_PENDING), -1);
	assert_int_equal(audit_tenant_lines(au, "acme", &got, &error), 0);
	assert_null(error);
	assert_null(got.buf);
	audit_free(au);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_causes),
		cmocka_unit_test(test_records_reach_the_history),
		cmocka_unit_test(test_tenant_lines_from_the_store),
		cmocka_unit_test(test_no_store_keeps_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
