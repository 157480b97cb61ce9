/* The canonical printer: parse -> print -> parse gives an equal tenant, and printing
 * is idempotent; scalars are quoted exactly when they must be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "manifest_print.h"
#include "strbuf.h"

static char *print(const struct tenant *t)
{
	struct strbuf sb;

	strbuf_init(&sb, STRBUF_NO_CAP);
	assert_int_equal(manifest_print(t, &sb), 0);
	return strbuf_detach(&sb, NULL);
}

static void round_trip(const struct daemon_config *cfg, const char *text)
{
	char *d, *once, *twice;
	struct tenant *a = test_manifest(cfg, text, &d), *b;

	assert_string_equal(d, "");
	free(d);
	once = print(a);
	b = test_manifest(cfg, once, &d);
	if (!b)
		fail_msg("canonical form does not parse:\n%s\n%s", once, d);
	free(d);
	assert_true(tenant_equal(a, b));
	twice = print(b);
	assert_string_equal(once, twice);
	tenant_free(a);
	tenant_free(b);
	free(once);
	free(twice);
}

static void test_round_trips(void **state)
{
	struct daemon_config *cfg = test_default_config();

	round_trip(cfg,
		   "apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata: {name: m}\nspec:\n"
		   "  department: claims\n  tags: {CostCenter: \"007\", \"a b\": \" lead\", e: \"\", t: \"true\",\n"
		   "    n: \"null\", x: \"a: b\", y: \"-x\", z: \"1e3\", w: \".inf\"}\n"
		   "  profiles:\n    - {name: b, model: amazon.nova-lite-v1:0, description: \"v1.0: x\"}\n"
		   "    - {name: a, model: \"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0\"}\n"
		   "  budget: {limit_usd: 0.5, alerts: [{threshold_percent: 0.0001, sns_topic: "
		   "\"arn:aws:sns:us-east-1:111122223333:t\"}, {threshold_percent: 33.3, type: forecasted, emails: "
		   "[b@example.com, A@example.com]}]}\n"
		   "  access: {roles: [r2, r1]}\n");
	daemon_config_free(cfg);
}

static void test_expected_form(void **state)
{
	struct daemon_config *cfg = test_default_config();
	char *d, *out;
	struct tenant *t = test_manifest(cfg,
					 "kind: Tenant\napiVersion: bedrock-tenantd/v1\nspec:\n"
					 "  profiles: [{model: amazon.nova-lite-v1:0, name: p}]\n"
					 "  tags: {CostCenter: \"1\"}\n  department: claims\nmetadata: {name: m}\n",
					 &d);

	assert_string_equal(d, "");
	out = print(t);
	assert_string_equal(out, "apiVersion: bedrock-tenantd/v1\n"
				 "kind: Tenant\n"
				 "metadata:\n"
				 "  name: m\n"
				 "spec:\n"
				 "  department: claims\n"
				 "  tags:\n"
				 "    CostCenter: \"1\"\n"
				 "  profiles:\n"
				 "    - name: p\n"
				 "      model: amazon.nova-lite-v1:0\n"
				 "  deletion_policy: delete\n"
				 "  suspended: false\n");
	free(out);
	free(d);
	tenant_free(t);
	/* spec.region is printed when written (absent, the daemon decides: state/model.h) */
	t = test_manifest(
		cfg,
		"kind: Tenant\napiVersion: bedrock-tenantd/v1\nspec:\n"
		"  profiles: [{model: amazon.nova-lite-v1:0, name: p}]\n"
		"  tags: {CostCenter: \"1\"}\n  department: claims\n  region: us-east-1\nmetadata: {name: m}\n",
		&d);
	assert_string_equal(d, "");
	out = print(t);
	assert_non_null(strstr(out, "  department: claims\n  region: us-east-1\n  tags:\n"));
	free(out);
	free(d);
	tenant_free(t);
	daemon_config_free(cfg);
}

static void test_scalars(void **state)
{
	const char *plain[] = { "abc",
				"a b",
				"arn:aws:sns:us-east-1:111122223333:t",
				"a@example.com",
				"/x/y",
				"_x",
				"us.amazon.nova-lite-v1:0" };
	const char *quoted[][2] = { { "", "\"\"" },
				    { "true", "\"true\"" },
				    { "No", "\"No\"" },
				    { "12", "\"12\"" },
				    { "1.5", "\"1.5\"" },
				    { "-x", "\"-x\"" },
				    { "a: b", "\"a: b\"" },
				    { "a #b", "\"a #b\"" },
				    { " x", "\" x\"" },
				    { "x:", "\"x:\"" },
				    { ".inf", "\".inf\"" },
				    { "a\"b", "\"a\\\"b\"" },
				    { "a\tb", "\"a\\x09b\"" },
				    { "@x", "\"@x\"" },
				    { "1:30", "\"1:30\"" } };
	struct strbuf sb;

	strbuf_init(&sb, 256);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		strbuf_reset(&sb);
		manifest_print_scalar(&sb, plain[i]);
		assert_string_equal(sb.buf, plain[i]);
	}
	for (size_t i = 0; i < sizeof(quoted) / sizeof(quoted[0]); i++) {
		strbuf_reset(&sb);
		manifest_print_scalar(&sb, quoted[i][0]);
		assert_string_equal(sb.buf, quoted[i][1]);
	}
	strbuf_reset(&sb);
	manifest_print_number(&sb, 80);
	assert_string_equal(sb.buf, "80");
	strbuf_reset(&sb);
	manifest_print_number(&sb, 33.3);
	assert_string_equal(sb.buf, "33.3");
	strbuf_reset(&sb);
	manifest_print_number(&sb, 0.0001);
	assert_string_equal(sb.buf, "0.0001");
	strbuf_reset(&sb);
	manifest_print_number(&sb, 0.000001);
	assert_string_equal(sb.buf, "0.000001");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_expected_form),
		cmocka_unit_test(test_scalars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
