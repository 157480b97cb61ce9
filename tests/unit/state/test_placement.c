/* Placement: the choice among places, reservations, the reason when nothing fits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "placement.h"

static struct placement_place place(const char *account, const char *region, uint64_t profiles, uint64_t used)
{
	struct placement_place p = { .account = account, .region = region, .usable = true };

	p.quota[PLACEMENT_PROFILES] = profiles;
	p.used[PLACEMENT_PROFILES] = used;
	p.quota[PLACEMENT_PARAMETERS] = 10000;
	p.quota[PLACEMENT_BUDGETS] = 20000;
	return p;
}

static const struct placement_need two = { { 2, 2, 1 }, NULL };

static void test_most_free_then_first(void **state)
{
	struct placement_place v[3] = { place("a", "us-east-1", 10, 4), place("b", "us-east-1", 10, 2),
					place("c", "us-east-1", 10, 2) };
	size_t i;

	(void)state;
	assert_int_equal(placement_choose(v, 3, &two, NULL, &i), 0);
	assert_int_equal(i, 1); /* b and c tie on free profiles: the first in the pool */
	placement_reserve(v, 3, i, &two);
	assert_int_equal(v[1].used[PLACEMENT_PROFILES], 4);
	assert_int_equal(placement_choose(v, 3, &two, NULL, &i), 0);
	assert_int_equal(i, 2);
	placement_reserve(v, 3, i, &two);
	/* all at 4 of 10: the first again; the choice spreads tenants evenly */
	assert_int_equal(placement_choose(v, 3, &two, NULL, &i), 0);
	assert_int_equal(i, 0);
	placement_unreserve(v, 3, 2, &two);
	assert_int_equal(v[2].used[PLACEMENT_PROFILES], 2);
	placement_unreserve(v, 3, 2, &two);
	placement_unreserve(v, 3, 2, &two);
	assert_int_equal(v[2].used[PLACEMENT_PROFILES], 0); /* never below 0 */
}

static void test_region_and_usable(void **state)
{
	struct placement_place v[3] = { place("a", "us-east-1", 10, 0), place("a", "us-west-2", 10, 9),
					place("b", "us-west-2", 100, 0) };
	size_t i;
	char *why;

	(void)state;
	v[2].usable = false; /* not listed yet: never chosen */
	assert_int_equal(placement_choose(v, 3, &two, "us-west-2", &i), -ENOSPC);
	why = placement_reason("default", v, 3, &two, "us-west-2");
	assert_string_equal(why, "pool default: no account-region in us-west-2 with 2 free profiles");
	free(why);
	assert_int_equal(placement_choose(v, 3, &two, NULL, &i), 0);
	assert_int_equal(i, 0);
	why = placement_reason("p", v, 3, &two, "eu-west-1");
	assert_string_equal(why, "pool p: no account-region in eu-west-1");
	free(why);
	v[0].usable = v[1].usable = false;
	why = placement_reason("p", v, 3, &two, NULL);
	assert_string_equal(why, "pool p: the capacity of its account-regions is not known yet");
	free(why);
}

static void test_every_kind_counts(void **state)
{
	struct placement_place v[2] = { place("a", "r-1", 10, 0), place("a", "r-2", 10, 0) };
	size_t i;
	char *why;

	(void)state;
	v[0].quota[PLACEMENT_PARAMETERS] = 1; /* parameters short in the first */
	assert_int_equal(placement_choose(v, 2, &two, NULL, &i), 0);
	assert_int_equal(i, 1);
	/* budgets are per account: a reservation in one place counts in the other */
	v[0].quota[PLACEMENT_BUDGETS] = v[1].quota[PLACEMENT_BUDGETS] = 1;
	placement_reserve(v, 2, 1, &two);
	assert_int_equal(v[0].used[PLACEMENT_BUDGETS], 1);
	assert_int_equal(placement_choose(v, 2, &two, NULL, &i), -ENOSPC);
	why = placement_reason("default", v, 2, &two, NULL);
	assert_string_equal(why, "pool default: no account-region with 1 free budget");
	free(why);
	/* a tenant without a budget still fits (the first has more free profiles now) */
	assert_int_equal(placement_choose(v, 2, &(struct placement_need){ { 1, 1, 0 }, NULL }, NULL, &i), 0);
	assert_int_equal(i, 0);
	/* used over the quota (lowered after the fact) is no room, not a wrap-around */
	v[1].used[PLACEMENT_PROFILES] = 50;
	assert_int_equal(placement_free(&v[1], PLACEMENT_PROFILES), 0);
}

static void test_need_and_quota_errors(void **state)
{
	struct profile p[3] = { 0 };
	struct budget b = { 0 };
	struct tenant t = { .profiles = p, .n_profiles = 3, .budget = &b };
	struct placement_need n;

	(void)state;
	placement_need_of(&t, &n);
	assert_int_equal(n.n[PLACEMENT_PROFILES], 3);
	assert_int_equal(n.n[PLACEMENT_PARAMETERS], 3);
	assert_int_equal(n.n[PLACEMENT_BUDGETS], 1);
	assert_int_equal(placement_quota_kind("ServiceQuotaExceededException", 0), PLACEMENT_PROFILES);
	assert_int_equal(placement_quota_kind("ParameterLimitExceeded", 1), PLACEMENT_PARAMETERS);
	assert_int_equal(placement_quota_kind("CreationLimitExceededException", 2), PLACEMENT_BUDGETS);
	assert_int_equal(placement_quota_kind("ValidationException", 0), -1);
	assert_int_equal(placement_quota_kind("LimitExceeded", 0), -1); /* IAM's policy size: not capacity */
	assert_int_equal(placement_quota_kind("ServiceQuotaExceededException", -1), -1);
}

/* Only a Region that serves the tenant's models is chosen: a us.* system profile is not
 * placed in eu-west-1 though it has the most room and comes first; a model ARN pins its
 * Region; a tenant none of the pool's Regions serves waits with why. */
static void test_regions_serve_the_models(void **state)
{
	struct placement_place v[3] = { place("a", "eu-west-1", 1000, 0), place("a", "us-east-1", 10, 5),
					place("a", "us-west-2", 10, 6) };
	struct profile us = { .model = "us.anthropic.claude-3-5-haiku-20241022-v1:0",
			      .model_kind = MODEL_SYSTEM_PROFILE_ID };
	struct profile arn = { .model = "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0",
			       .model_kind = MODEL_FOUNDATION_ARN };
	struct profile fm = { .model = "amazon.nova-lite-v1:0", .model_kind = MODEL_FOUNDATION_ID };
	struct profile both[2] = { us, arn };
	struct tenant t = { .id = "acme", .profiles = &us, .n_profiles = 1 };
	struct placement_need need;
	size_t i;
	char *why;

	(void)state;
	placement_need_of(&t, &need);
	assert_int_equal(placement_choose(v, 3, &need, NULL, &i), 0);
	assert_int_equal(i, 1); /* us-east-1: eu-west-1 has more room but cannot serve us.* */
	t.profiles = &arn;
	placement_need_of(&t, &need);
	assert_int_equal(placement_choose(v, 3, &need, NULL, &i), 0);
	assert_int_equal(i, 2); /* the ARN's Region */
	t.profiles = &fm;
	placement_need_of(&t, &need);
	assert_int_equal(placement_choose(v, 3, &need, NULL, &i), 0);
	assert_int_equal(i, 0); /* a foundation-model id: the most room */
	t.profiles = both;	/* us.* and a us-west-2 ARN: us-west-2 only */
	t.n_profiles = 2;
	placement_need_of(&t, &need);
	assert_int_equal(placement_choose(v, 3, &need, NULL, &i), 0);
	assert_int_equal(i, 2);
	assert_int_equal(placement_choose(v, 2, &need, NULL, &i), -ENOSPC); /* without us-west-2 */
	why = placement_reason("default", v, 2, &need, NULL);
	assert_string_equal(why, "pool default: none of its Regions serves the tenant's models: us.* profiles "
				 "serve the US Regions (us-*)");
	free(why);
	assert_int_equal(placement_choose(v, 1, &need, "eu-west-1", &i), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_most_free_then_first),	 cmocka_unit_test(test_region_and_usable),
		cmocka_unit_test(test_every_kind_counts),	 cmocka_unit_test(test_need_and_quota_errors),
		cmocka_unit_test(test_regions_serve_the_models),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
