#!/usr/bin/env bash
# A model change is a replacement: the new profile is created, the parameter switches
# to it, and the old one is deleted after the drain. At no moment may the parameter
# name a profile that is not live (sampled throughout).
. "$(dirname "$0")/lib.sh"
DRAIN=3s
start_awsim
write_config
write_tenant acme anthropic.claude-3-5-haiku-20241022-v1:0 eng 1
start_daemon
wait_until 60 "Ready" all_ready
old=$(ctl resolve acme p1)

touch "$WORK/samples"
( while [ -f "$WORK/samples" ]; do if consistent; then echo ok; else echo broken; fi >>"$WORK/samples"; sleep 0.05; done ) &
sampler=$!
write_tenant acme amazon.nova-lite-v1:0 eng 1
changed_arn() { [ "$(ctl resolve acme p1)" != "$old" ]; }
wait_until 30 "the new profile resolved" changed_arn
new=$(ctl resolve acme p1)
n=$(awsim_profiles_of acme)
[ "$n" = 2 ] || fail "the old profile must live through the drain: $n profile(s) of acme: $(awsim_get state | jq -c "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "acme")) | map(.arn)')"
wait_eq 30 "the old profile deleted after the drain" 1 awsim_profiles_of acme
kill "$sampler"; wait "$sampler" 2>/dev/null || true
! grep -q broken "$WORK/samples" || fail "a parameter named a missing profile during the replacement"
echo "$(grep -c ok "$WORK/samples") consistent samples"
live=$(awsim_get state | jq -r "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "acme")) | .[0].arn')
[ "$live" = "$new" ] || fail "the live profile is not the new one"
awsim_get state | jq -e "$PROFILES"' | map(select(.arn == "'"$new"'")) | .[0].models[0] | test("nova-lite")' >/dev/null ||
	fail "the new profile does not copy the new model"
stop_daemon
echo PASS
