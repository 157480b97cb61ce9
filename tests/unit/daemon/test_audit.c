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
	r.drift = false;
	a.kind = ACT_PROFILE_DELETE;
	a.destructive = true;
	a.reason = "profile acme-p1-aaaaaa replaced by acme-p1-bbbbbb, drained";
	assert_string_equal(audit_cause(&r), "replacement");
	a.reason = "p1 is no longer in the manifest";
	assert_string_equal(audit_cause(&r), "prune");
	r.removed = true;
	assert_string_equal(audit_cause(&r), "prune");
	r.orphan = true;
	assert_string_equal(audit_cause(&r), "orphan");
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
	log_setup(LOG_LVL_ERROR, true);
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/state.db", dir);
	assert_int_equal(store_open(path, &s, NULL), 0);
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
	unlink(path);
	{
		char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
		unlink(wal);
		unlink(shm);
		free(wal);
		free(shm);
	}
	rmdir(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_causes),
		cmocka_unit_test(test_records_reach_the_history),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
