#!/usr/bin/env bash
# A pause and `mode: report` hold every write, not only the tenants' calls: the daemon's
# other writers (Bedrock's invocation logging with usage.invocation_logging: manage,
# cost-allocation tags with cost_allocation_tags.mode: manage) put nothing while they
# hold, say why in status, and write once `resume` or a reload to `mode: enforce`
# lets calls go again (a stand-by holds them alike: engine_calls_held, test_engine).
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_awsim --invocation-log-delay 300
make_bucket usage-logs
# usage_config MODE INTERVAL: the usage place with invocation_logging: manage, the
# daemon's mode, cost tags in manage mode checked every INTERVAL (long: a check comes
# only with a changed configuration, or when held writes are released)
usage_config() {
	write_usage_config "
mode: $1
cost_allocation_tags:
  mode: manage
  check_interval: $2"
}
INVOCATION_LOGGING=observe write_usage_config
write_budget_tenant acme 100 ""
start_daemon
wait_until 60 "acme Ready" all_ready
ARN=$(ctl resolve acme p1)

key_status() { status_json | jq -r '.cost_allocation_tags.keys[] | select(.key == "bedrock-tenantd:tenant") | .status'; }
set_ce_status() {
	TARGET=AWSInsightsIndexService.UpdateCostAllocationTagsStatus sign_call ce POST / \
		"{\"CostAllocationTagsStatus\":[{\"TagKey\":\"bedrock-tenantd:tenant\",\"Status\":\"$1\"}]}" >/dev/null ||
		fail "UpdateCostAllocationTagsStatus by hand"
}
logging_bucket() { sign_call bedrock GET /logging/modelinvocations | jq -r '.loggingConfig.s3Config.bucketName // ""'; }
usage_problem() { status_json | jq -r '.usage[0].problem // ""'; }
tags_problem() { status_json | jq -r '.cost_allocation_tags.problem // ""'; }
puts() { calls bedrock:PutModelInvocationLoggingConfiguration; }
activations() { calls ce:UpdateCostAllocationTagsStatus; }

# spend through the profile: Cost Explorer knows the key, Inactive; logging is off
converse "$ARN" "0123456789abcdef" acme
[ "$(ce_status)" = Inactive ] || fail "awsim did not record the key: $(ce_status)"
[ -z "$(logging_bucket)" ] || fail "logging already set: $(logging_bucket)"

# paused, then restarted with both writers in manage mode (usage is read at start):
# the pause stands, neither writes, both say why
ctl pause >/dev/null || fail "pause"
stop_daemon
usage_config enforce 1h
start_daemon
[ "$(status_json | jq -r .paused)" = true ] || fail "the pause did not survive the restart"
reloads() { grep -c 'configuration reloaded from' "$WORK/daemon.log"; }
held_usage() { usage_problem | grep -q 'logging to S3 is off: .*not put back: mutating calls paused'; }
wait_until 30 "the usage place says the logging is held" held_usage
held_tags() { tags_problem | grep -q 'see no spend: bedrock-tenantd:tenant (not activated: mutating calls paused)'; }
wait_until 30 "the cost tags say the activation is held" held_tags
sleep 3 # three polls of the logging, at least
[ "$(puts)" = 0 ] || fail "paused, the logging configuration was put $(puts) time(s)"
[ "$(activations)" = 0 ] || fail "paused, the cost tags were activated $(activations) time(s)"
[ -z "$(logging_bucket)" ] || fail "paused, logging was pointed at $(logging_bucket)"
[ "$(ce_status)" = Inactive ] || fail "paused, the key became $(ce_status)"

# resume: both are written (the tags at once, not an hour later)
ctl resume >/dev/null || fail "resume"
logging_set() { [ "$(logging_bucket)" = usage-logs ]; }
wait_until 30 "the logging put back after resume" logging_set
wait_eq 30 "the key activated after resume" Active key_status
[ "$(ce_status)" = Active ] || fail "Cost Explorer: $(ce_status)"
[ -z "$(tags_problem)" ] || fail "a cost tags problem remains: $(tags_problem)"
no_usage_problem() { [ -z "$(usage_problem)" ]; }
wait_until 30 "the usage problem gone" no_usage_problem

# undone by hand while paused, then mode: report (the tags checked again: their
# configuration changed) and resumed: report mode still writes nothing
ctl pause >/dev/null || fail "pause"
sign_call bedrock DELETE /logging/modelinvocations >/dev/null || fail "DeleteModelInvocationLoggingConfiguration"
set_ce_status Inactive
usage_config report 2h
kill -HUP "$DAEMON_PID"
wait_eq 30 "the reload to mode: report" 1 reloads
ctl resume >/dev/null || fail "resume in mode: report"
p0=$(puts) a0=$(activations)
held_usage() { usage_problem | grep -q 'logging to S3 is off: .*not put back: mode: report'; }
wait_until 30 "the usage place says report mode holds the logging" held_usage
held_tags() { tags_problem | grep -q '(not activated: mode: report)'; }
wait_until 30 "the cost tags say report mode holds the activation" held_tags
sleep 3
[ "$(puts)" = "$p0" ] || fail "mode: report put the logging configuration"
[ "$(activations)" = "$a0" ] || fail "mode: report activated the cost tags"
[ -z "$(logging_bucket)" ] || fail "mode: report pointed logging at $(logging_bucket)"

# back to enforce, the tags' configuration unchanged: both are written again
usage_config enforce 2h
kill -HUP "$DAEMON_PID"
wait_until 30 "the logging put back in enforce mode" logging_set
wait_eq 30 "the key activated in enforce mode" Active key_status
stop_daemon
echo "PASS"
