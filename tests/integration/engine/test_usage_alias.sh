#!/usr/bin/env bash
# A usage place naming an account alias without role_arn (accounts: prod: id only) is
# read with the daemon's own credentials, as the engine reaches that alias: its calls
# never fail for want of a role, and a request through acme's profile is counted.
. "$(dirname "$0")/lib.sh"

MODEL=anthropic.claude-3-5-haiku-20241022-v1:0

start_awsim --invocation-log-delay 300
make_bucket usage-logs
write_usage_config
sed -i 's/^    - region: us-east-1$/    - account: prod\n      region: us-east-1/' "$WORK/config.yaml"
grep -q '^    - account: prod$' "$WORK/config.yaml" || fail "the place names no alias"
write_tenant acme "$MODEL"
start_daemon
wait_until 60 "acme Ready" all_ready
ARN=$(ctl resolve acme p1)
converse "$ARN"
wait_eq 60 "acme's request counted in the place of alias prod" 1 acme_requests
place=$(ctl --json status | jq -c '.usage[0] | {account, problem}')
[ "$place" = '{"account":"prod","problem":null}' ] || fail "the place of alias prod: $place"
! grep -q "usage prod/us-east-1: .*No such file or directory" "$WORK/daemon.log" || fail "a call of the place failed"
stop_daemon
echo PASS
