/* The daemon configuration: defaults, every key, and the mistakes it refuses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon_config.h"
#include "daemon_config_reload.h"
#include "helpers.h"
#include "naming.h"
#include "xalloc.h"

/* Parse text as /etc/btd/config.yaml; the diagnostics as text in *ret. */
static struct daemon_config *parse(const char *text, char **ret, int *ret_r)
{
	struct daemon_config *cfg = NULL;
	struct diag_list diags;
	int r;

	diag_list_init(&diags);
	r = daemon_config_parse("/etc/btd/config.yaml", text, strlen(text), &cfg, &diags);
	*ret = test_diags_text(&diags);
	if (ret_r)
		*ret_r = r;
	diag_list_release(&diags);
	return cfg;
}

/* The configuration must fail with a problem containing `fragment`. */
static void expect_error(const char *text, const char *fragment)
{
	char *d;
	int r;
	struct daemon_config *cfg = parse(text, &d, &r);

	assert_non_null(cfg); /* always returned, for tools */
	assert_int_equal(r, -EINVAL);
	if (!test_contains(d, fragment))
		fail_msg("\"%s\" not in: %s", fragment, d);
	free(d);
	daemon_config_free(cfg);
}

static void test_defaults(void **state)
{
	struct daemon_config *cfg = daemon_config_defaults();

	assert_null(cfg->file);
	assert_string_equal(cfg->manifests, "/srv/bedrock-tenants");
	assert_string_equal(cfg->state_dir, "/var/lib/bedrock-tenantd");
	assert_string_equal(cfg->socket.path, "/run/bedrock-tenantd/control.sock");
	assert_int_equal(cfg->socket.mode, 0660);
	assert_null(cfg->socket.group);
	assert_string_equal(cfg->instance, "bedrock-tenantd");
	assert_null(cfg->region);
	assert_int_equal(cfg->n_accounts, 0);
	assert_int_equal(cfg->resync_interval_ms, 600000);
	assert_int_equal(cfg->safety.prune_grace_ms, 600000);
	assert_int_equal(cfg->safety.replacement_drain_ms, 900000);
	assert_int_equal(cfg->safety.max_deletions, 10);
	assert_int_equal(cfg->safety.max_deletions_percent, 5);
	assert_string_equal(cfg->policy.naming.profile_name, NAMING_DEFAULT_PROFILE_NAME);
	assert_string_equal(cfg->policy.naming.parameter, NAMING_DEFAULT_PARAMETER);
	assert_string_equal(cfg->policy.naming.budget_name, NAMING_DEFAULT_BUDGET_NAME);
	assert_string_equal(cfg->policy.naming.policy_name, NAMING_DEFAULT_POLICY_NAME);
	for (int s = 0; s < CFG_SERVICE_COUNT; s++) {
		assert_true(cfg->rate_limits[s].requests_per_second > 0);
		assert_true(cfg->rate_limits[s].burst >= 1);
		assert_null(daemon_config_endpoint(cfg, s));
	}
	assert_int_equal(cfg->max_in_flight, 32);
	assert_int_equal(cfg->mode, CFG_MODE_ENFORCE);
	assert_int_equal(cfg->log_level, CFG_LOG_INFO);
	assert_int_equal(cfg->log_format, CFG_LOG_FORMAT_AUTO);
	assert_int_equal(cfg->ssm_tier, CFG_SSM_TIER_STANDARD);
	assert_string_equal(cfg_ssm_tier_name(cfg->ssm_tier), "Standard");
	assert_string_equal(cfg_ssm_tier_name(CFG_SSM_TIER_INTELLIGENT), "Intelligent-Tiering");
	assert_int_equal(cfg->watch_settle_ms, 200);
	assert_int_equal(cfg->rescan_interval_ms, 300000);
	assert_int_equal(cfg->alerts_audit_ms, 24 * 3600000);
	assert_int_equal(cfg->backoff_initial_ms, 1000);
	assert_int_equal(cfg->backoff_max_ms, 900000);
	assert_int_equal(cfg->shutdown_timeout_ms, 30000);
	daemon_config_free(cfg);
	daemon_config_free(NULL);
}

static const char full[] =
	"manifests: tenants\n"
	"state_dir: /var/lib/x\n"
	"socket: {path: run/ctl.sock, mode: '0640', group: bedrock-ops}\n"
	"instance: team-a\n"
	"region: us-west-2\n"
	"accounts:\n"
	"  prod: \"111122223333\"\n"
	"  lab:\n"
	"    id: \"444455556666\"\n"
	"    role_arn: arn:aws:iam::444455556666:role/ops/bedrock-tenantd\n"
	"    external_id: ext-123\n"
	"resync_interval: 1h30m\n"
	"policy:\n"
	"  allowed_models: [\"anthropic.*\"]\n"
	"  regions: [us-west-2, us-east-1]\n"
	"  departments: [zeta, alpha]\n"
	"  require_department: true\n"
	"  required_tags: [CostCenter, Owner]\n"
	"  max_budget_usd: 1000.50\n"
	"  require_budget: true\n"
	"  naming:\n"
	"    profile_name: \"{instance}-{tenant}-{profile}-{hash6}\"\n"
	"    parameter: /t/{tenant}/{profile}\n"
	"    budget_name: \"b {tenant}\"\n"
	"    policy_name: p-{tenant}\n"
	"safety: {prune_grace: 0s, replacement_drain: 1h, max_deletions: 3, max_deletions_percent: 1}\n"
	"rate_limits:\n"
	"  bedrock: {requests_per_second: 2.5, burst: 4}\n"
	"  sts: {burst: 7}\n"
	"  servicequotas: {requests_per_second: 1}\n"
	"endpoints:\n"
	"  default: http://127.0.0.1:4566\n"
	"  iam: https://iam.example.test\n"
	"  servicequotas: http://127.0.0.1:4567\n"
	"max_in_flight: 64\n"
	"mode: report\n"
	"log_level: debug\n"
	"log_format: json\n"
	"ssm_tier: Advanced\n"
	"watch: {settle: 500ms, rescan_interval: 10m, alerts_audit_interval: 2h}\n"
	"backoff: {initial: 2s, max: 1h}\n"
	"shutdown_timeout: 1m\n";

/* rate_limits.<service>.operations: a bucket per operation, sorted by name; an
 * operation's burst defaults to max(1, rate); errors at their file:line:col. */
static void test_operation_rate_limits(void **state)
{
	static const char text[] = "rate_limits:\n"
				   "  bedrock:\n"
				   "    requests_per_second: 4\n"
				   "    operations:\n"
				   "      DeleteInferenceProfile: {requests_per_second: 0.5}\n"
				   "      CreateInferenceProfile: {requests_per_second: 2, burst: 3}\n"
				   "  ssm: {operations: {PutParameter: {requests_per_second: 2.5}}}\n";
	const struct cfg_rate_limit *b;
	char *d;
	int r;
	struct daemon_config *cfg = parse(text, &d, &r);

	assert_string_equal(d, "");
	assert_int_equal(r, 0);
	b = &cfg->rate_limits[CFG_SERVICE_BEDROCK];
	assert_true(b->requests_per_second == 4);
	assert_int_equal(b->burst, 10);
	assert_int_equal(b->n_ops, 2);
	assert_string_equal(b->ops[0].operation, "CreateInferenceProfile");
	assert_true(b->ops[0].requests_per_second == 2);
	assert_int_equal(b->ops[0].burst, 3);
	assert_string_equal(b->ops[1].operation, "DeleteInferenceProfile");
	assert_int_equal(b->ops[1].burst, 1);
	b = &cfg->rate_limits[CFG_SERVICE_SSM];
	assert_int_equal(b->n_ops, 1);
	assert_int_equal(b->ops[0].burst, 2);
	assert_int_equal(cfg->rate_limits[CFG_SERVICE_IAM].n_ops, 0);
	free(d);
	daemon_config_free(cfg);

	expect_error(
		"rate_limits:\n  bedrock:\n    operations:\n      CreateInferenceProfil: {requests_per_second: 1}\n",
		"config.yaml:4:7: rate_limits.bedrock.operations.CreateInferenceProfil: not an operation the "
		"daemon calls on bedrock (one of: CreateInferenceProfile,");
	expect_error("rate_limits: {ssm: {operations: {CreateInferenceProfile: {requests_per_second: 1}}}}\n",
		     "not an operation the daemon calls on ssm");
	expect_error("rate_limits:\n  ssm:\n    operations:\n      PutParameter: {burst: 2}\n",
		     "config.yaml:4:21: rate_limits.ssm.operations.PutParameter: requests_per_second is required");
	expect_error("rate_limits: {ssm: {operations: {PutParameter: 2}}}\n",
		     "expected a mapping with requests_per_second and burst, found a number");
	expect_error("rate_limits: {ssm: {operations: [PutParameter]}}\n",
		     "expected a mapping of operation names, found a sequence");
	expect_error("rate_limits: {ssm: {operations: {PutParameter: {requests_per_second: 0}}}}\n",
		     "rate_limits.ssm.operations.PutParameter.requests_per_second");
	expect_error("rate_limits: {ssm: {operations: {PutParameter: {requests_per_second: 1, rate: 2}}}}\n",
		     "unknown key 'rate'");
}

static void test_every_key(void **state)
{
	char *d;
	int r;
	struct daemon_config *cfg = parse(full, &d, &r);
	const struct cfg_account *a;

	assert_string_equal(d, "");
	assert_int_equal(r, 0);
	assert_string_equal(cfg->file, "/etc/btd/config.yaml");
	assert_string_equal(cfg->manifests, "/etc/btd/tenants"); /* relative to the file */
	assert_string_equal(cfg->state_dir, "/var/lib/x");
	assert_string_equal(cfg->socket.path, "/etc/btd/run/ctl.sock");
	assert_int_equal(cfg->socket.mode, 0640);
	assert_string_equal(cfg->socket.group, "bedrock-ops");
	assert_string_equal(cfg->instance, "team-a");
	assert_string_equal(cfg->region, "us-west-2");
	assert_int_equal(cfg->n_accounts, 2);
	a = daemon_config_account(cfg, "prod");
	assert_string_equal(a->id, "111122223333");
	assert_null(a->role_arn);
	a = daemon_config_account(cfg, "lab");
	assert_string_equal(a->role_arn, "arn:aws:iam::444455556666:role/ops/bedrock-tenantd");
	assert_string_equal(a->external_id, "ext-123");
	assert_int_equal(a->pos.line, 8);
	assert_null(daemon_config_account(cfg, "nope"));
	assert_int_equal(cfg->resync_interval_ms, 5400000);
	assert_int_equal(cfg->policy.n_allowed_models, 1);
	assert_int_equal(cfg->policy.n_regions, 2);
	assert_string_equal(cfg->policy.departments[0], "alpha"); /* sorted */
	assert_true(cfg->policy.require_department);
	assert_int_equal(cfg->policy.n_required_tags, 2);
	assert_string_equal(cfg->policy.max_budget_usd, "1000.5");
	assert_int_equal(cfg->policy.max_budget_usd_pos.line, 19);
	assert_true(cfg->policy.require_budget);
	assert_string_equal(cfg->policy.naming.budget_name, "b {tenant}");
	assert_int_equal(cfg->safety.prune_grace_ms, 0);
	assert_int_equal(cfg->safety.replacement_drain_ms, 3600000);
	assert_int_equal(cfg->safety.max_deletions, 3);
	assert_int_equal(cfg->safety.max_deletions_percent, 1);
	assert_true(cfg->rate_limits[CFG_SERVICE_BEDROCK].requests_per_second == 2.5);
	assert_int_equal(cfg->rate_limits[CFG_SERVICE_BEDROCK].burst, 4);
	assert_int_equal(cfg->rate_limits[CFG_SERVICE_STS].burst, 7);
	assert_true(cfg->rate_limits[CFG_SERVICE_STS].requests_per_second == 5);
	assert_string_equal(daemon_config_endpoint(cfg, CFG_SERVICE_BEDROCK), "http://127.0.0.1:4566");
	assert_string_equal(daemon_config_endpoint(cfg, CFG_SERVICE_IAM), "https://iam.example.test");
	assert_string_equal(daemon_config_endpoint(cfg, CFG_SERVICE_SERVICEQUOTAS), "http://127.0.0.1:4567");
	assert_true(cfg->rate_limits[CFG_SERVICE_SERVICEQUOTAS].requests_per_second == 1);
	assert_int_equal(cfg->max_in_flight, 64);
	assert_int_equal(cfg->mode, CFG_MODE_REPORT);
	assert_int_equal(cfg->log_level, CFG_LOG_DEBUG);
	assert_int_equal(cfg->log_format, CFG_LOG_FORMAT_JSON);
	assert_int_equal(cfg->ssm_tier, CFG_SSM_TIER_ADVANCED);
	assert_string_equal(cfg_ssm_tier_name(cfg->ssm_tier), "Advanced");
	assert_int_equal(cfg->watch_settle_ms, 500);
	assert_int_equal(cfg->rescan_interval_ms, 600000);
	assert_int_equal(cfg->alerts_audit_ms, 2 * 3600000);
	assert_int_equal(cfg->backoff_initial_ms, 2000);
	assert_int_equal(cfg->backoff_max_ms, 3600000);
	assert_int_equal(cfg->shutdown_timeout_ms, 60000);
	free(d);
	daemon_config_free(cfg);
}

static void test_mistakes(void **state)
{
	expect_error("manifest: /srv\n", "config.yaml:1:1: unknown key 'manifest'; did you mean 'manifests'?");
	expect_error("- a\n", "expected a mapping, found a sequence");
	expect_error("region: useast1\n", "region: 'useast1' is not a valid Region");
	expect_error("instance: two words\n", "instance: 'two words' is not a valid instance name");
	expect_error("socket: {mode: 0777}\n", "must not be open to every user");
	expect_error("socket: {mode: 999}\n", "expected an octal file mode");
	expect_error("socket: {mode: 0660, owner: x}\n", "unknown key 'owner'");
	expect_error("metrics: {listen: 9464}\n",
		     "metrics.listen: '9464': expected ADDRESS:PORT, such as 127.0.0.1:9464");
	expect_error(
		"metrics: {listen: \"localhost:9464\"}\n",
		"'localhost:9464': the address is not a numeric IPv4 or IPv6 address (host names are not resolved)");
	expect_error("metrics: {listen: \"127.0.0.1:99999\"}\n", "the port is not a number from 0 to 65535");
	expect_error("metrics: {listen: \"127.0.0.1:-1\"}\n", "the port is not a number from 0 to 65535");
	expect_error("metrics: {listen: \"::1:9464\"}\n", "an IPv6 address goes in brackets: [::1]:9464");
	expect_error("metrics: {listen: \"[127.0.0.1]:9464\"}\n", "not a numeric IPv4 or IPv6 address");
	expect_error("metrics: {listen: \"[::1:9464\"}\n", "the IPv6 address has no closing ']'");
	expect_error("metrics: {listen: \"[::1]\"}\n", "expected ADDRESS:PORT");
	expect_error("metrics: {listen: \"[::1]9464\"}\n", "expected ADDRESS:PORT");
	expect_error("metrics: {listen: \"[]:9464\"}\n", "not a numeric IPv4 or IPv6 address");
	expect_error("metrics: {listen: \"127.0.0.1:\"}\n", "expected ADDRESS:PORT");
	expect_error("metrics: {port: 9464}\n", "unknown key 'port'");
	expect_error("accounts: {Prod: \"111122223333\"}\n", "'Prod' is not a valid account alias");
	expect_error("accounts: {prod: \"1111\"}\n", "accounts.prod: '1111' is not a valid account id");
	expect_error("accounts: {prod: {role_arn: arn:aws:iam::111122223333:role/x}}\n", "missing required key 'id'");
	expect_error("accounts: {prod: {id: \"111122223333\", role_arn: arn:aws:iam::444455556666:role/x}}\n",
		     "the role is in account 444455556666, but the account id is 111122223333");
	expect_error("accounts: {prod: {id: \"111122223333\", role_arn: arn:aws:iam::111122223333:user/x}}\n",
		     "expected an IAM role ARN");
	expect_error("accounts: {prod: {id: \"111122223333\", external_id: abc}}\n", "external_id needs role_arn");
	expect_error("accounts: [prod]\n", "expected a mapping of account aliases");
	expect_error("accounts:\n  prod: \"111122223333\"\n  prod: \"444455556666\"\n",
		     "config.yaml:3:3: duplicate key 'prod' (first at line 2)");
	expect_error("resync_interval: 10\n", "a duration needs a unit");
	expect_error("resync_interval: 1s\n", "1s is out of range (30s to 1d)");
	expect_error("policy: {allowed_models: [\"a b\"]}\n", "is not a valid model pattern");
	expect_error("policy: {departments: [claims, claims]}\n", "'claims' is listed twice");
	expect_error("policy: {required_tags: [\"aws:x\"]}\n", "reserved by AWS");
	expect_error("policy: {max_budget_usd: -1}\n", "max_budget_usd: '-1'");
	expect_error("policy: {max_budget_usd: \"100\"}\n", "found a quoted string");
	expect_error("policy: {require_budget: yes}\n", "expected true or false, found 'yes'");
	expect_error("policy: {require_department: true}\n", "policy.require_department needs policy.departments");
	expect_error("policy: {naming: {profile_name: \"{tenant}-{profile}\"}}\n",
		     "policy.naming.profile_name: profile_name must contain {hash6}");
	expect_error("policy: {naming: {policy_name: \"bedrock tenantd {tenant}\"}}\n",
		     "the template gives names AWS refuses");
	expect_error("policy: {naming: {parameter: \"/aws/{tenant}/{profile}\"}}\n", "cannot start with 'aws'");
	expect_error("policy: {regions: [us-east-1]}\nregion: us-west-2\n",
		     "the default Region us-west-2 is not in policy.regions");
	expect_error("safety: {max_deletions_percent: 101}\n", "101 is out of range (0 to 100)");
	expect_error("safety: {max_deletions: -1}\n", "expected a whole number");
	expect_error("safety: {prune_grace: 31d}\n", "out of range");
	expect_error("rate_limits: {bedrock: {requests_per_second: 0}}\n", "out of range");
	expect_error("rate_limits: {lambda: {burst: 1}}\n", "unknown key 'lambda'");
	expect_error("rate_limits: {ssm: {burst: 0}}\n", "0 is out of range (1 to 100000)");
	expect_error("endpoints: {default: localhost:4566}\n", "expected an http:// or https:// URL");
	expect_error("endpoints: {sqs: http://x}\n", "unknown key 'sqs'"); /* s3 is known: usage reads its logs */
	expect_error("max_in_flight: 0\n", "0 is out of range (1 to 1024)");
	expect_error("mode: dry-run\n", "expected enforce or report, found 'dry-run'");
	expect_error("log_level: verbose\n", "expected debug, info, notice, warning or error");
	expect_error("log_format: syslog\n", "expected auto, journal, text or json");
	expect_error("ssm_tier: advanced\n", "expected Standard, Advanced or Intelligent-Tiering, found 'advanced'");
	expect_error("ssm_tier: [Standard]\n", "expected Standard, Advanced or Intelligent-Tiering");
	expect_error("backoff: {initial: 1m, max: 10s}\n", "backoff.max is shorter than backoff.initial");
	expect_error("watch: {settle: 1m}\n", "out of range (0s to 10s)");
	expect_error("shutdown_timeout: forever\n", "expected a duration");
	expect_error("", "empty configuration file");
	expect_error("a: 1\n---\nb: 2\n", "a second document starts here");
	expect_error("state_dir: \"a\\tb\"\n", "control characters");
}

static void test_every_problem_reported(void **state)
{
	char *d;
	int r;
	struct daemon_config *cfg = parse("region: x\nmode: y\nmax_in_flight: z\n", &d, &r);

	assert_int_equal(r, -EINVAL);
	assert_true(test_contains(d, "config.yaml:1:9:"));
	assert_true(test_contains(d, "config.yaml:2:7:"));
	assert_true(test_contains(d, "config.yaml:3:16:"));
	/* Valid settings around a bad one are kept. */
	assert_int_equal(cfg->mode, CFG_MODE_ENFORCE);
	free(d);
	daemon_config_free(cfg);
}

/* docs/configuration.md: an empty file is refused, `{}` runs on every default (the
 * daemon needs a file: a missing one does not load, test_load). */
static void test_empty_mapping_is_defaults(void **state)
{
	struct daemon_config *def = daemon_config_defaults(), *cfg;
	char *d;
	int r;

	(void)state;
	cfg = parse("{}\n", &d, &r);
	assert_int_equal(r, 0);
	assert_string_equal(d, "");
	assert_string_equal(cfg->manifests, def->manifests);
	assert_string_equal(cfg->state_dir, def->state_dir);
	assert_string_equal(cfg->socket.path, def->socket.path);
	assert_string_equal(cfg->instance, def->instance);
	assert_int_equal(cfg->resync_interval_ms, def->resync_interval_ms);
	assert_int_equal(cfg->mode, def->mode);
	assert_null(cfg->region);
	assert_int_equal(cfg->n_accounts, 0);
	free(d);
	daemon_config_free(cfg);
	daemon_config_free(def);
	expect_error("", "empty configuration file");
	expect_error("# nothing but a comment\n", "empty configuration file");
}

static void test_load(void **state)
{
	struct diag_list diags;
	struct daemon_config *cfg = NULL;
	char *dir = test_tmpdir(), *path, *t;

	diag_list_init(&diags);
	path = xasprintf("%s/missing.yaml", dir);
	assert_true(daemon_config_load(path, &cfg, &diags) < 0);
	assert_non_null(cfg);
	t = test_diags_text(&diags);
	assert_true(test_contains(t, "missing.yaml: cannot read: No such file or directory"));
	free(t);
	daemon_config_free(cfg);
	free(path);
	diag_list_release(&diags);
	test_write(dir, "config.yaml", "region: eu-west-1\nmanifests: m\n");
	path = xasprintf("%s/config.yaml", dir);
	assert_int_equal(daemon_config_load(path, &cfg, &diags), 0);
	assert_string_equal(cfg->region, "eu-west-1");
	t = xasprintf("%s/m", dir);
	assert_string_equal(cfg->manifests, t);
	free(t);
	daemon_config_free(cfg);
	free(path);
	diag_list_release(&diags);
	test_rmtree(dir);
	free(dir);
}

/* A leading UTF-8 byte order mark is accepted; positions after it are unchanged. */
static void test_byte_order_mark(void **state)
{
	char *d;
	int r;
	struct daemon_config *cfg = parse("\xef\xbb\xbfregion: eu-west-1\nmode: report\n", &d, &r);

	assert_int_equal(r, 0);
	assert_string_equal(d, "");
	assert_string_equal(cfg->region, "eu-west-1");
	assert_int_equal(cfg->mode, CFG_MODE_REPORT);
	free(d);
	daemon_config_free(cfg);
	expect_error("\xef\xbb\xbfregion: x\n", "config.yaml:1:9: region: 'x' is not a valid Region");
	expect_error("\xef\xbb\xbfmode: report\nbogus: 1\n", "config.yaml:2:1: unknown key 'bogus'");
}

/* Endpoint URLs are validated whole, with the position of the value. */
static void test_endpoint_urls(void **state)
{
	char *d;
	int r;
	struct daemon_config *cfg;

	expect_error("endpoints:\n  default: http://[::1\n",
		     "config.yaml:2:12: endpoints.default: 'http://[::1' is not a valid endpoint URL: the IPv6 "
		     "address has no closing ']'");
	expect_error("endpoints:\n  bedrock: http://localhost:70000\n", "config.yaml:2:12: endpoints.bedrock: ");
	expect_error("endpoints:\n  ssm: http://local_host\n", "not a valid endpoint URL");
	expect_error("endpoints:\n  default: http://h:80junk\n", "the port must be a number");
	cfg = parse("endpoints:\n  default: http://[::1]:4566\n  iam: https://iam.example.com/\n", &d, &r);
	assert_int_equal(r, 0);
	assert_string_equal(cfg->endpoint_default, "http://[::1]:4566");
	free(d);
	daemon_config_free(cfg);
}

/* notifications: a webhook and/or an SNS topic, checked where they are written. */
static void test_notifications(void **state)
{
	char *d;
	int r;
	struct daemon_config *cfg;

	cfg = parse("state_dir: /s\n", &d, &r);
	assert_null(cfg->notifications.webhook_url);
	assert_null(cfg->notifications.sns_topic_arn);
	assert_int_equal(cfg->notifications.max_per_minute, 10);
	assert_int_equal(cfg->notifications.events, 7);
	free(d);
	daemon_config_free(cfg);
	cfg = parse("notifications:\n  webhook:\n    url: https://hooks.example.com/x\n    header: X-Token\n"
		    "    secret_file: secret\n  sns:\n    topic_arn: arn:aws:sns:eu-west-1:111122223333:alerts\n"
		    "  max_per_minute: 3\n  events: [tenant_stalled, drift_repaired]\n",
		    &d, &r);
	assert_int_equal(r, 0);
	assert_string_equal(cfg->notifications.webhook_url, "https://hooks.example.com/x");
	assert_string_equal(cfg->notifications.webhook_header, "X-Token");
	assert_string_equal(cfg->notifications.webhook_secret_file, "/etc/btd/secret");
	assert_string_equal(cfg->notifications.sns_topic_arn, "arn:aws:sns:eu-west-1:111122223333:alerts");
	assert_int_equal(cfg->notifications.max_per_minute, 3);
	assert_int_equal(cfg->notifications.events,
			 (1u << CFG_NOTIFY_TENANT_STALLED) | (1u << CFG_NOTIFY_DRIFT_REPAIRED));
	assert_string_equal(cfg_notify_event_name(CFG_NOTIFY_DELETIONS_HELD), "deletions_held");
	free(d);
	daemon_config_free(cfg);

	expect_error("notifications: {}\n", "notifications needs a webhook, an sns topic, or both");
	expect_error("notifications:\n  webhook: {header: X}\n", "url");
	expect_error("notifications:\n  webhook: {url: ftp://x}\n", "is not a valid webhook URL");
	expect_error("notifications:\n  webhook: {url: http://h/, header: X-A}\n",
		     "webhook.header and webhook.secret_file go together");
	expect_error("notifications:\n  webhook: {url: http://h/, header: 'X A', secret_file: /s}\n",
		     "is not an HTTP header name");
	expect_error("notifications:\n  sns: {topic_arn: 'arn:aws:sqs:us-east-1:111122223333:q'}\n",
		     "the service must be sns");
	expect_error("notifications:\n  sns: {topic_arn: 'arn:aws:sns:us-east-1:1111:q'}\n",
		     "the account must be 12 digits");
	expect_error("notifications:\n  sns: {topic_arn: 'arn:aws:sns::111122223333:q'}\n", "the Region is missing");
	expect_error("notifications:\n  sns: {topic_arn: 'arn:aws:sns:us-east-1:111122223333'}\n",
		     "arn:PARTITION:sns:REGION:ACCOUNT:TOPIC");
	expect_error("notifications:\n  webhook: {url: http://h/}\n  max_per_minute: 0\n", "max_per_minute");
	expect_error("notifications:\n  webhook: {url: http://h/}\n  events: [drift]\n", "drift");
}

/* cost_allocation_tags: observe by default; manage in a payer account that must be one
 * of accounts, reported at the alias's position. */
/* budget_actions.execution_role: an IAM role name, absent by default. */
static void test_budget_actions(void **state)
{
	char *d;
	int r;
	struct daemon_config *cfg;

	(void)state;
	cfg = parse("state_dir: /s\n", &d, &r);
	assert_null(cfg->budget_actions.execution_role);
	free(d);
	daemon_config_free(cfg);
	cfg = parse("budget_actions:\n  execution_role: bedrock-budgets-actions\n", &d, &r);
	assert_int_equal(r, 0);
	assert_string_equal(cfg->budget_actions.execution_role, "bedrock-budgets-actions");
	free(d);
	daemon_config_free(cfg);
	cfg = parse("budget_actions:\n  execution_role: \"arn:aws:iam::111122223333:role/x\"\n", &d, &r);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(d, "config.yaml:2:19: budget_actions.execution_role: "));
	free(d);
	daemon_config_free(cfg);
	cfg = parse("budget_actions:\n  role: x\n", &d, &r);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(d, "unknown key 'role'"));
	free(d);
	daemon_config_free(cfg);
}

/* claim_parameter: the default names the instance (characters SSM does not take
 * in a name written '_'), `none` turns the claim off, a name SSM would refuse is an
 * error at its line and column. */
static void test_claim_parameter(void **state)
{
	char *d, *name;
	int r;
	struct daemon_config *cfg;

	(void)state;
	cfg = parse("instance: prod\n", &d, &r);
	assert_int_equal(r, 0);
	name = cfg_claim_parameter(cfg);
	assert_string_equal(name, "/bedrock-tenantd/prod/claim");
	free(name);
	free(d);
	daemon_config_free(cfg);
	cfg = parse("instance: \"team/a:b@c\"\n", &d, &r);
	assert_int_equal(r, 0);
	name = cfg_claim_parameter(cfg);
	assert_string_equal(name, "/bedrock-tenantd/team_a_b_c/claim");
	free(name);
	free(d);
	daemon_config_free(cfg);
	cfg = parse("claim_parameter: /ops/bedrock/claim\n", &d, &r);
	assert_int_equal(r, 0);
	name = cfg_claim_parameter(cfg);
	assert_string_equal(name, "/ops/bedrock/claim");
	free(name);
	free(d);
	daemon_config_free(cfg);
	cfg = parse("claim_parameter: none\n", &d, &r);
	assert_int_equal(r, 0);
	assert_null(cfg_claim_parameter(cfg));
	free(d);
	daemon_config_free(cfg);
	cfg = parse("claim_parameter: /ops/a b\n", &d, &r);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(d, "config.yaml:1:18: claim_parameter: '/ops/a b' is not a valid claim parameter"));
	free(d);
	daemon_config_free(cfg);
	cfg = parse("claim_parameter: /aws/x\n", &d, &r);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(d, "cannot start with 'aws'"));
	free(d);
	daemon_config_free(cfg);
}

/* The claim parameter is no name a tenant's parameter can have (naming.parameter with
 * any tenant id, profile key, department and project): the claim would be written over
 * that tenant's ARN. A name under the template's prefix that no tenant can have is
 * fine. */
static void test_claim_parameter_not_a_tenant_name(void **state)
{
	static const char *const fine[] = {
		"claim_parameter: /bedrock-tenants/x/profile-arn\n",	 /* a level short */
		"claim_parameter: /bedrock-tenants/X/p1/profile-arn\n",	 /* no tenant id */
		"claim_parameter: /bedrock-tenants/x/p1/profile-arn2\n", /* another suffix */
		"claim_parameter: none\n",
		"policy: {naming: {parameter: \"/{tenant}/{profile}\"}}\n", /* the default claim has 3 levels */
		("instance: prod\npolicy: {naming: {parameter: \"/{instance}/{tenant}/{profile}\"}}\n"
		 "claim_parameter: /dev/x/y\n"),
	};
	char *d;
	int r;

	(void)state;
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		daemon_config_free(parse(fine[i], &d, &r));
		if (r)
			fail_msg("refused: %s%s", fine[i], d);
		free(d);
	}
	expect_error("claim_parameter: /bedrock-tenants/x/p1/profile-arn\n",
		     "config.yaml:1:18: claim_parameter: /bedrock-tenants/x/p1/profile-arn is a name "
		     "policy.naming.parameter (/bedrock-tenants/{tenant}/{profile}/profile-arn) gives a tenant's "
		     "parameter");
	expect_error("policy: {naming: {parameter: \"/bedrock-tenantd/{tenant}/{profile}\"}}\n",
		     "/bedrock-tenantd/bedrock-tenantd/claim is a name policy.naming.parameter");
	expect_error("instance: prod\npolicy: {naming: {parameter: \"/{instance}/{tenant}/{profile}\"}}\n"
		     "claim_parameter: /prod/x/y\n",
		     "/prod/x/y is a name");
	expect_error("policy: {naming: {parameter: \"/t/{department}{project}/{tenant}-{profile}\"}}\n"
		     "claim_parameter: /t/eng/a-b-c\n",
		     "/t/eng/a-b-c is a name");
}

static void test_cost_tags(void **state)
{
	char *d;
	int r;
	struct daemon_config *cfg;

	(void)state;
	cfg = parse("state_dir: /s\n", &d, &r);
	assert_int_equal(cfg->cost_tags.mode, CFG_COST_TAGS_OBSERVE);
	assert_null(cfg->cost_tags.payer_account);
	assert_int_equal(cfg->cost_tags.check_interval_ms, 3600000);
	free(d);
	daemon_config_free(cfg);
	cfg = parse("accounts:\n  payer: \"111122223333\"\ncost_allocation_tags:\n  mode: manage\n"
		    "  payer_account: payer\n  check_interval: 10m\n",
		    &d, &r);
	assert_int_equal(r, 0);
	assert_int_equal(cfg->cost_tags.mode, CFG_COST_TAGS_MANAGE);
	assert_string_equal(cfg->cost_tags.payer_account, "payer");
	assert_int_equal(cfg->cost_tags.check_interval_ms, 600000);
	assert_string_equal(cfg_cost_tags_mode_name(cfg->cost_tags.mode), "manage");
	free(d);
	daemon_config_free(cfg);

	expect_error("cost_allocation_tags:\n  mode: manage\n  payer_account: payer\n",
		     "config.yaml:3:18: cost_allocation_tags.payer_account: payer is not an alias in accounts");
	expect_error("cost_allocation_tags: {mode: activate}\n", "activate");
	expect_error("cost_allocation_tags: {check_interval: 1s}\n", "check_interval");
	expect_error("cost_allocation_tags: {payer: x}\n", "payer");
}

/* metrics.listen: a numeric address and a port; none by default. */
static void test_metrics_listen(void **state)
{
	struct daemon_config *cfg = daemon_config_defaults();
	char *d;
	int r;

	assert_null(cfg->metrics.listen);
	daemon_config_free(cfg);
	cfg = parse("metrics: {listen: \"127.0.0.1:9464\"}\n", &d, &r);
	assert_int_equal(r, 0);
	assert_string_equal(cfg->metrics.listen, "127.0.0.1:9464");
	assert_string_equal(cfg->metrics.host, "127.0.0.1");
	assert_int_equal(cfg->metrics.port, 9464);
	free(d);
	daemon_config_free(cfg);
	cfg = parse("metrics:\n  listen: \"[::1]:0\"\n", &d, &r);
	assert_int_equal(r, 0);
	assert_string_equal(cfg->metrics.host, "::1");
	assert_int_equal(cfg->metrics.port, 0);
	free(d);
	daemon_config_free(cfg);
}

/* A reload keeps the running value of every key only a restart applies, and names
 * each such key that changed; the other keys take the file's values. */
static void test_keep_running(void **state)
{
	const char *keys[DAEMON_CONFIG_RESTART_KEYS];
	char *d;
	struct daemon_config *run = parse("manifests: /m\ninstance: a\nendpoints: {default: http://h:1}\n"
					  "accounts: {prod: \"111122223333\"}\nmode: enforce\nregion: us-east-1\n",
					  &d, NULL);
	struct daemon_config *same, *next;

	free(d);
	same = parse("manifests: /m\ninstance: a\nendpoints: {default: http://h:1}\n"
		     "accounts: {prod: \"111122223333\"}\nmode: report\nregion: us-east-1\n",
		     &d, NULL);
	free(d);
	assert_int_equal(daemon_config_keep_running(same, run, keys), 0);
	assert_int_equal(same->mode, CFG_MODE_REPORT);
	daemon_config_free(same);

	next = parse("manifests: /n\ninstance: b\nendpoints: {default: http://h:2}\n"
		     "accounts: {prod: \"111122223333\", dev: \"444455556666\"}\nmode: report\n"
		     "rate_limits: {ssm: {burst: 3}}\nsocket: {path: /s}\nstate_dir: /st\nregion: eu-west-1\n"
		     "max_in_flight: 3\nwatch: {settle: 1s}\nresync_interval: 1h\nsafety: {max_deletions: 3}\n"
		     "metrics: {listen: \"127.0.0.1:9464\"}\n"
		     "notifications: {webhook: {url: http://hook/}}\n"
		     "usage: {retention_days: 5}\nprices: {m: {input: 1}}\n"
		     "pools: {default: {accounts: [prod]}}\n"
		     "budget_actions: {execution_role: budgets-exec}\n"
		     "claim_parameter: /ops/claim\n"
		     "cost_allocation_tags: {payer_account: dev}\n"
		     "policy: {regions: [eu-west-1], naming: {parameter: \"/bedrock-tenantd/{tenant}/{profile}\"}}\n",
		     &d, NULL);
	free(d);
	assert_int_equal(daemon_config_keep_running(next, run, keys), DAEMON_CONFIG_RESTART_KEYS);
	assert_string_equal(keys[14], "budget_actions");
	assert_null(next->budget_actions.execution_role); /* the running value */
	assert_string_equal(keys[15], "pools");
	assert_int_equal(next->n_pools, 0); /* the running value */
	assert_string_equal(keys[16], "claim_parameter");
	assert_null(next->claim_parameter); /* the running value: the default */
	/* applied keys that name a kept value wait with it */
	assert_string_equal(keys[17], "policy.regions");
	assert_int_equal(next->policy.n_regions, 0);		  /* us-east-1 runs on, and it leaves it out */
	assert_string_equal(keys[18], "policy.naming.parameter"); /* gives /bedrock-tenantd/a/claim */
	assert_string_equal(next->policy.naming.parameter, NAMING_DEFAULT_PARAMETER);
	assert_string_equal(keys[19], "cost_allocation_tags");
	assert_null(next->cost_tags.payer_account); /* dev is not a running account */
	assert_string_equal(keys[0], "manifests");
	assert_string_equal(keys[1], "state_dir");
	assert_string_equal(keys[2], "socket");
	assert_string_equal(keys[3], "instance");
	assert_string_equal(keys[4], "region");
	assert_string_equal(keys[5], "accounts");
	assert_string_equal(keys[6], "rate_limits");
	assert_string_equal(keys[7], "endpoints");
	assert_string_equal(keys[8], "max_in_flight");
	assert_string_equal(keys[9], "watch");
	assert_string_equal(keys[10], "metrics");
	assert_null(next->metrics.listen); /* the listener opened at start-up stays */
	assert_string_equal(keys[11], "notifications");
	assert_null(next->notifications.webhook_url);
	assert_string_equal(keys[12], "usage");
	assert_string_equal(keys[13], "prices");
	assert_int_equal(next->usage.retention_days, 400);
	assert_int_equal(next->n_prices, 0);
	/* the running values stay in effect */
	assert_string_equal(next->manifests, "/m");
	assert_string_equal(next->instance, "a");
	assert_string_equal(next->endpoint_default, "http://h:1");
	assert_int_equal(next->n_accounts, 1);
	assert_string_equal(next->region, "us-east-1");
	assert_int_equal(next->rate_limits[CFG_SERVICE_SSM].burst, 10);
	assert_int_equal(next->max_in_flight, 32);
	assert_int_equal(next->watch_settle_ms, 200);
	/* what a reload applies is the file's */
	assert_int_equal(next->mode, CFG_MODE_REPORT);
	assert_int_equal(next->resync_interval_ms, 3600000);
	assert_int_equal(next->safety.max_deletions, 3);
	/* the file's values went to the running configuration, freed with it */
	assert_string_equal(run->manifests, "/n");
	assert_int_equal(run->n_accounts, 2);
	daemon_config_free(run);
	daemon_config_free(next);
}

/* cost_allocation_tags applies at once, but not with a payer_account the running
 * daemon does not reach as the file writes it (an alias added or changed by the same
 * reload: accounts wait for a restart): then the section waits too, and is named. */
static void test_keep_running_payer(void **state)
{
	const char *keys[DAEMON_CONFIG_RESTART_KEYS];
	char *d;
	struct daemon_config *run = parse("accounts:\n  prod: \"111122223333\"\n  payer: \"999988887777\"\n", &d, NULL);
	struct daemon_config *next;

	(void)state;
	free(d);
	/* an alias added by the reload */
	next = parse("accounts:\n  prod: \"111122223333\"\n  payer: \"999988887777\"\n"
		     "  billing: {id: \"444455556666\", role_arn: \"arn:aws:iam::444455556666:role/r\"}\n"
		     "cost_allocation_tags: {mode: manage, payer_account: billing}\n",
		     &d, NULL);
	free(d);
	assert_int_equal(daemon_config_keep_running(next, run, keys), 2);
	assert_string_equal(keys[0], "accounts");
	assert_string_equal(keys[1], "cost_allocation_tags");
	assert_null(next->cost_tags.payer_account);
	assert_int_equal(next->cost_tags.mode, CFG_COST_TAGS_OBSERVE);
	daemon_config_free(next);
	daemon_config_free(run);

	/* an alias the reload gives another account */
	run = parse("accounts:\n  prod: \"111122223333\"\n  payer: \"999988887777\"\n", &d, NULL);
	free(d);
	next = parse("accounts:\n  prod: \"111122223333\"\n  payer: \"444455556666\"\n"
		     "cost_allocation_tags: {mode: manage, payer_account: payer}\n",
		     &d, NULL);
	free(d);
	assert_int_equal(daemon_config_keep_running(next, run, keys), 2);
	assert_string_equal(keys[1], "cost_allocation_tags");
	assert_null(next->cost_tags.payer_account);
	daemon_config_free(next);
	daemon_config_free(run);

	/* a running alias as it runs: applied at once, even with another alias added */
	run = parse("accounts:\n  prod: \"111122223333\"\n  payer: \"999988887777\"\n", &d, NULL);
	free(d);
	next = parse("accounts:\n  prod: \"111122223333\"\n  payer: \"999988887777\"\n  dev: \"444455556666\"\n"
		     "cost_allocation_tags: {mode: manage, payer_account: payer, check_interval: 5s}\n",
		     &d, NULL);
	free(d);
	assert_int_equal(daemon_config_keep_running(next, run, keys), 1);
	assert_string_equal(keys[0], "accounts");
	assert_string_equal(next->cost_tags.payer_account, "payer");
	assert_int_equal(next->cost_tags.mode, CFG_COST_TAGS_MANAGE);
	assert_int_equal(next->cost_tags.check_interval_ms, 5000);
	daemon_config_free(next);
	daemon_config_free(run);
}

/* policy.regions applies at once, but not when it leaves out the Region the daemon
 * runs with (region waits for a restart) or a Region of a running pool: the rule "the
 * default Region is one of policy.regions" holds for what runs, not only in the file. */
static void test_keep_running_policy_regions(void **state)
{
	const char *keys[DAEMON_CONFIG_RESTART_KEYS];
	char *d;
	int r;
	struct daemon_config *run = parse("region: us-east-1\n", &d, NULL);
	struct daemon_config *next;

	(void)state;
	free(d);
	next = parse("region: us-west-2\npolicy: {regions: [us-west-2]}\n", &d, &r);
	free(d);
	assert_int_equal(r, 0); /* the file alone is consistent */
	assert_int_equal(daemon_config_keep_running(next, run, keys), 2);
	assert_string_equal(keys[0], "region");
	assert_string_equal(keys[1], "policy.regions");
	assert_string_equal(next->region, "us-east-1");
	assert_int_equal(next->policy.n_regions, 0);
	daemon_config_free(next);
	daemon_config_free(run);

	/* both Regions allowed: applied, region waits alone */
	run = parse("region: us-east-1\n", &d, NULL);
	free(d);
	next = parse("region: us-west-2\npolicy: {regions: [us-west-2, us-east-1]}\n", &d, NULL);
	free(d);
	assert_int_equal(daemon_config_keep_running(next, run, keys), 1);
	assert_string_equal(keys[0], "region");
	assert_int_equal(next->policy.n_regions, 2);
	daemon_config_free(next);
	daemon_config_free(run);

	/* a running pool's Region left out */
	run = parse("region: us-east-1\naccounts: {a0: \"111122223333\"}\n"
		    "pools: {default: {accounts: [a0], regions: [us-east-1, eu-west-1]}}\n",
		    &d, NULL);
	free(d);
	next = parse("region: us-east-1\naccounts: {a0: \"111122223333\"}\n"
		     "pools: {default: {accounts: [a0]}}\npolicy: {regions: [us-east-1]}\n",
		     &d, &r);
	free(d);
	assert_int_equal(r, 0);
	assert_int_equal(daemon_config_keep_running(next, run, keys), 2);
	assert_string_equal(keys[0], "pools");
	assert_string_equal(keys[1], "policy.regions");
	assert_int_equal(next->policy.n_regions, 0);
	daemon_config_free(next);
	daemon_config_free(run);
}

static void test_names(void **state)
{
	assert_string_equal(cfg_service_name(CFG_SERVICE_TAGGING), "tagging");
	assert_string_equal(cfg_mode_name(CFG_MODE_REPORT), "report");
	assert_string_equal(cfg_log_level_name(CFG_LOG_WARNING), "warning");
}

/* usage: and prices: (docs/configuration.md "usage", "prices"). */
static void test_usage_section(void **state)
{
	char *d;
	int r;
	struct daemon_config *cfg = parse(
		"accounts: {prod: \"111122223333\"}\n"
		"usage:\n"
		"  places:\n"
		"    - {region: us-east-1, bucket: my-logs, prefix: bedrock/}\n"
		"    - {account: prod, region: eu-west-1, bucket: prod.logs-1}\n"
		"  invocation_logging: manage\n"
		"  tenant_metadata_key: team\n"
		"  poll_interval: 30s\n"
		"  retention_days: 90\n"
		"  path_style: true\n"
		"  metrics_tenants: 10\n"
		"  cost_explorer: {mode: off, refresh: 12h, days: 62}\n"
		"  max_object_size: 64MiB\n"
		"prices:\n"
		"  z.model: {input: 0.25, output: 1.25}\n"
		"  a.model: {input: 0.003, output: 0.015, cache_read: 0.0003, cache_write: 0.00375}\n",
		&d, &r);
	const struct cfg_price *p;

	(void)state;
	assert_int_equal(r, 0);
	free(d);
	assert_int_equal(cfg->usage.n_places, 2);
	assert_null(cfg->usage.places[0].account);
	assert_string_equal(cfg->usage.places[0].prefix, "bedrock/");
	assert_string_equal(cfg->usage.places[1].account, "prod");
	assert_string_equal(cfg->usage.places[1].prefix, "");
	assert_int_equal(cfg->usage.invocation_logging, CFG_INVLOG_MANAGE);
	assert_string_equal(cfg->usage.metadata_key, "team");
	assert_int_equal(cfg->usage.poll_interval_ms, 30000);
	assert_int_equal(cfg->usage.retention_days, 90);
	assert_true(cfg->usage.path_style);
	assert_int_equal(cfg->usage.metrics_tenants, 10);
	assert_int_equal(cfg->usage.ce_mode, CFG_CE_OFF);
	assert_int_equal(cfg->usage.ce_refresh_ms, 12 * 3600 * 1000);
	assert_int_equal(cfg->usage.ce_days, 62);
	assert_int_equal(cfg->usage.max_object_bytes, 64ull << 20);
	assert_string_equal(cfg_cost_explorer_name(cfg->usage.ce_mode), "off");
	assert_int_equal(cfg->n_prices, 2);
	p = daemon_config_price(cfg, "a.model");
	assert_non_null(p);
	assert_true(p->cache_write == 0.00375);
	assert_null(daemon_config_price(cfg, "b.model"));
	daemon_config_free(cfg);

	/* the defaults */
	cfg = daemon_config_defaults();
	assert_int_equal(cfg->usage.n_places, 0);
	assert_int_equal(cfg->usage.invocation_logging, CFG_INVLOG_OBSERVE);
	assert_string_equal(cfg->usage.metadata_key, "tenantId");
	assert_int_equal(cfg->usage.retention_days, 400);
	assert_int_equal(cfg->usage.poll_interval_ms, 30000);
	assert_int_equal(cfg->usage.ce_mode, CFG_CE_OBSERVE);
	assert_int_equal(cfg->usage.ce_refresh_ms, 6 * 3600 * 1000);
	assert_int_equal(cfg->usage.ce_days, 31);
	assert_int_equal(cfg->usage.max_object_bytes, 32ull << 20);
	daemon_config_free(cfg);

	expect_error("usage: {cost_explorer: {mode: manage}}\n", "manage");
	expect_error("usage: {cost_explorer: {refresh: 1s}}\n", "refresh");
	expect_error("usage: {cost_explorer: {days: 401}}\n", "days");
	expect_error("usage: {cost_explorer: {every: 1h}}\n", "every");
	expect_error("usage: {places: [{region: us-east-1}]}\n", "bucket");
	expect_error("usage: {places: [{region: us-east-1, bucket: My_Logs}]}\n", "not a valid S3 bucket name");
	expect_error("usage: {places: [{region: us-east-1, bucket: logs, prefix: /x}]}\n", "does not start with '/'");
	expect_error("usage: {places: [{account: nope, region: us-east-1, bucket: logs}]}\n", "not an account alias");
	expect_error("usage: {places: [{region: us-east-1, bucket: logs}, {region: us-east-1, bucket: other}]}\n",
		     "listed twice");
	expect_error("accounts:\n  a: \"111122223333\"\n  b: \"111122223333\"\n"
		     "usage: {places: [{account: a, region: us-east-1, bucket: logs},\n"
		     "  {account: b, region: us-east-1, bucket: other}]}\n",
		     "'b' is account 111122223333, as 'a' of places[0]: this account and Region is listed twice");
	expect_error("usage: {invocation_logging: always}\n", "always");
	expect_error("usage: {retention_days: 0}\n", "retention_days");
	expect_error("usage: {max_object_size: 32}\n", "a size needs a unit");
	expect_error("usage: {max_object_size: 1KiB}\n", "out of range");
	expect_error("usage: {max_object_size: 2GiB}\n", "out of range");
	expect_error("usage: {tenant_metadata_key: \"\"}\n", "expected a non-empty string");
	expect_error("prices: {m: {input: -1}}\n", "input");
	expect_error("prices: {m: {inptu: 1}}\n", "inptu");
	expect_error("prices: [1]\n", "expected a mapping of model ids");
}

/* pools: names of accounts: and Regions, checked with their position. */
/* A pool at the limits (10,000 accounts): every duplicate is still found, by the
 * look-ups that keep its check linear (a reload parses the file on the daemon's loop,
 * which must keep answering; quadratic checks took seconds). */
static void test_big_pool(void **state)
{
	struct strbuf sb;
	struct daemon_config *cfg;
	char *d;
	int r;

	(void)state;
	strbuf_init(&sb, STRBUF_NO_CAP);
	strbuf_addf(&sb, "region: us-east-1\naccounts:\n");
	for (int i = 0; i < 9998; i++)
		strbuf_addf(&sb, "  a%d: \"%012ld\"\n", i, 111100000000L + i);
	strbuf_addf(&sb, "  z: \"%012ld\"\n", 111100000000L); /* a0's id */
	strbuf_addf(&sb, "pools:\n  big:\n    accounts: [");
	for (int i = 0; i < 9998; i++)
		strbuf_addf(&sb, "a%d, ", i);
	strbuf_addf(&sb, "a5, z]\n");
	cfg = parse(sb.buf, &d, &r);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(d, "'a5' is listed twice"));
	assert_non_null(strstr(d, "'z' is account 111100000000, as 'a0' before it in this pool"));
	assert_int_equal(cfg->pools[0].n_accounts, 9999);
	free(d);
	daemon_config_free(cfg);
	strbuf_release(&sb);
}

static void test_pools(void **state)
{
	static const char base[] = "region: us-east-1\n"
				   "accounts:\n"
				   "  a: {id: \"111122223333\"}\n"
				   "  b: {id: \"444455556666\"}\n";
	struct daemon_config *cfg;
	char *text, *d;
	int r;

	(void)state;
	text = xasprintf("%spools:\n  default: {accounts: [a, b]}\n  west: {accounts: [b], regions: [us-west-2, "
			 "eu-west-1]}\ncapacity: {parameters: 50, budgets: 7}\n",
			 base);
	cfg = parse(text, &d, &r);
	assert_int_equal(r, 0);
	assert_int_equal(cfg->n_pools, 2);
	assert_string_equal(cfg->pools[0].name, "default");
	assert_int_equal(cfg->pools[0].n_accounts, 2);
	assert_int_equal(cfg->pools[0].n_regions, 1); /* the default Region */
	assert_string_equal(cfg->pools[0].regions[0], "us-east-1");
	assert_int_equal(cfg->pools[1].n_regions, 2);
	assert_non_null(daemon_config_pool(cfg, "west"));
	assert_null(daemon_config_pool(cfg, "east"));
	assert_int_equal(cfg->capacity.parameters, 50);
	assert_int_equal(cfg->capacity.budgets, 7);
	assert_int_equal(cfg->capacity.profiles, 1000); /* default */
	assert_int_equal(cfg->capacity.roles, 1000);
	free(d);
	free(text);
	daemon_config_free(cfg);
	cfg = daemon_config_defaults();
	assert_int_equal(cfg->n_pools, 0);
	daemon_config_free(cfg);

	text = xasprintf("%spools:\n  default: {accounts: [a, nope]}\n", base);
	expect_error(text, "/etc/btd/config.yaml:6:27: pools.default.accounts[1]: unknown account 'nope'");
	free(text);
	text = xasprintf("%spools:\n  default: {accounts: [a], regions: [mars]}\n", base);
	expect_error(text, "/etc/btd/config.yaml:6:38: pools.default.regions[0]: 'mars' is not a valid Region");
	free(text);
	text = xasprintf("%spools:\n  Bad: {accounts: [a]}\n", base);
	expect_error(text, "/etc/btd/config.yaml:6:3: pools.Bad: 'Bad' is not a valid pool name");
	free(text);
	text = xasprintf("%spools:\n  default: {accounts: [a, a]}\n", base);
	expect_error(text, "'a' is listed twice");
	free(text);
	text = xasprintf("%s  a2: {id: \"111122223333\", role_arn: \"arn:aws:iam::111122223333:role/x\"}\n"
			 "pools:\n  default: {accounts: [a, b, a2]}\n",
			 base);
	expect_error(text, "/etc/btd/config.yaml:7:30: pools.default.accounts[2]: 'a2' is account 111122223333, as "
			   "'a' before it in this pool");
	free(text);
	text = xasprintf("%spools:\n  default: {regions: [us-east-1]}\n", base);
	expect_error(text, "accounts");
	free(text);
	expect_error("accounts: {a: {id: \"111122223333\"}}\npools: {default: {accounts: [a]}}\n", "no regions");
	text = xasprintf("%spolicy: {regions: [us-east-1]}\npools:\n  default: {accounts: [a], regions: "
			 "[us-west-2]}\n",
			 base);
	expect_error(text, "the Region us-west-2 is not in policy.regions");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_operation_rate_limits),
		cmocka_unit_test(test_mistakes),
		cmocka_unit_test(test_every_problem_reported),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_empty_mapping_is_defaults),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_byte_order_mark),
		cmocka_unit_test(test_endpoint_urls),
		cmocka_unit_test(test_notifications),
		cmocka_unit_test(test_keep_running),
		cmocka_unit_test(test_keep_running_payer),
		cmocka_unit_test(test_keep_running_policy_regions),
		cmocka_unit_test(test_metrics_listen),
		cmocka_unit_test(test_usage_section),
		cmocka_unit_test(test_cost_tags),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_big_pool),
		cmocka_unit_test(test_budget_actions),
		cmocka_unit_test(test_claim_parameter),
		cmocka_unit_test(test_claim_parameter_not_a_tenant_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
