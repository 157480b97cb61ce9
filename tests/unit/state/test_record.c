#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"

static void test_intents_and_timers(void **state)
{
	struct tenant_record *r = tenant_record_new("acme");

	assert_true(record_is_empty(r));
	record_set_intent(r, "chat", "acme-chat-aaaaaa", "tok1", 10);
	record_set_intent(r, "chat", "acme-chat-bbbbbb", "tok2", 20);
	assert_int_equal(r->n_intents, 1);
	assert_string_equal(record_intent(r, "chat")->token, "tok2");
	assert_true(record_clear_intent(r, "chat"));
	assert_false(record_clear_intent(r, "chat"));

	record_start_timer(r, TIMER_GRACE, "arn:1", 100);
	record_start_timer(r, TIMER_DRAIN, "arn:1", 200);
	assert_int_equal(r->n_timers, 1);
	assert_int_equal(record_timer(r, "arn:1")->kind, TIMER_DRAIN);
	assert_int_equal(record_timer(r, "arn:1")->since, 200);
	assert_true(record_clear_timer(r, "arn:1"));
	assert_null(record_timer(r, "arn:1"));
	assert_true(record_is_empty(r));
	tenant_record_free(r);
}

static void test_applied_keys_follow_tag_calls(void **state)
{
	struct tenant_record *r = tenant_record_new("acme");
	struct tag_set tags;
	char *gone[] = { "Team" };

	tag_set_init(&tags);
	tag_set_put(&tags, "Team", "a");
	tag_set_put(&tags, "CostCenter", "eng");
	tag_set_put(&tags, TAG_MANAGED_BY, "x"); /* reserved keys are not recorded */
	record_note_tagged(r, "arn:1", &tags);
	assert_int_equal(record_applied(r, "arn:1")->n_keys, 2);
	assert_true(record_applied_has(r, "arn:1", "Team"));
	assert_false(record_applied_has(r, "arn:1", TAG_MANAGED_BY));
	record_note_untagged(r, "arn:1", gone, 1);
	assert_false(record_applied_has(r, "arn:1", "Team"));
	assert_true(record_applied_has(r, "arn:1", "CostCenter"));
	record_start_timer(r, TIMER_GRACE, "arn:1", 5);
	record_forget_resource(r, "arn:1");
	assert_null(record_applied(r, "arn:1"));
	assert_true(record_is_empty(r));
	tag_set_release(&tags);
	tenant_record_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intents_and_timers),
		cmocka_unit_test(test_applied_keys_follow_tag_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
