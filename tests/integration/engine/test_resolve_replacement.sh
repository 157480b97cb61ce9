#!/usr/bin/env bash
# resolve names the profile applications use: the one the tenant's SSM parameter
# names. A model change whose new profile cannot be made (the place's quota is full)
# keeps the old profile serving: resolve went on saying "the profile does not exist
# yet" (503) for as long as the tenant waited, and `bedrock-tenantctl resolve` printed
# an empty line and exited 0. Now resolve names the old profile, with its model, as
# SSM does, until the parameter is switched to the new one; and a profile that does not
# exist at all is an error of ctl (exit 1, the reason on stderr, nothing on stdout).
. "$(dirname "$0")/lib.sh"
start_awsim --quota L-40EC9882=1
write_config
write_tenant alpha
start_daemon
wait_until 60 "alpha Ready" state_is alpha Ready
param() { awsim_get state | jq -r "$PARAMS | map(select(.name == \"/bedrock-tenants/alpha/p1/profile-arn\")) | .[0].value"; }
old=$(ctl resolve alpha p1)
[ "$old" = "$(param)" ] || fail "resolve $old, SSM $(param)"

write_tenant alpha amazon.nova-lite-v1:0
alpha_waits() { tenant_json alpha | jq -e '.state == "Pending" and (.waiting // "" | test("quota"))' >/dev/null; }
wait_until 60 "alpha waiting for room for its new profile" alpha_waits
got=$(ctl resolve alpha p1) || fail "resolve failed while the old profile serves"
[ "$got" = "$old" ] || fail "resolve says '$got' while SSM and the old profile say $old"
[ "$(param)" = "$old" ] || fail "the parameter moved: $(param)"
ctl --json resolve alpha p1 | jq -e '.model_arn | test("claude")' >/dev/null ||
	fail "the old profile's model not reported: $(ctl --json resolve alpha p1 | jq -c .)"
ctl --json resolve alpha p1 | jq -e '.model | test("claude")' >/dev/null ||
	fail "the model of the profile serving not reported: $(ctl --json resolve alpha p1 | jq -c .)"

write_tenant beta
wait_until 60 "beta waiting" state_is beta Pending
rc=0
out=$(ctl resolve beta p1 2>"$WORK/err") || rc=$?
[ $rc = 1 ] || fail "resolve of a profile not made exits $rc, not 1: $(cat "$WORK/err")"
[ -z "$out" ] || fail "resolve of a profile not made printed '$out'"
grep -q "does not exist yet" "$WORK/err" || fail "no reason: $(cat "$WORK/err")"

awsim_put quotas '{"quotas": {"L-40EC9882": 5}}'
wait_until 90 "alpha Ready on its new model" state_is alpha Ready
new=$(ctl resolve alpha p1)
[ "$new" != "$old" ] && [ "$new" = "$(param)" ] || fail "after the switch resolve $new, SSM $(param), old $old"
ctl --json resolve alpha p1 | jq -e '.model == "amazon.nova-lite-v1:0"' >/dev/null ||
	fail "the new model not reported: $(ctl --json resolve alpha p1 | jq -c .)"
stop_daemon
echo "ok: resolve names what SSM names through a replacement; a missing profile is an error"
