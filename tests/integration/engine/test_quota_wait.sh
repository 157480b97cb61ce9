#!/usr/bin/env bash
# A quota error from AWS on a create (ServiceQuotaExceededException: the account-region
# has no room for another profile) never leaves a tenant Stalled: it waits as Pending
# with the reason, makes no further create until capacity may have appeared, and is
# reconciled by itself once the quota is raised (the next resync lists the place
# again), without any operator command. No pools here: the place is fixed, as before.
. "$(dirname "$0")/lib.sh"
start_awsim --quota L-40EC9882=1
write_config
write_tenant alpha
start_daemon
wait_until 60 "alpha Ready" state_is alpha Ready
write_tenant beta
beta_waits() {
	tenant_json beta | jq -e '.state == "Pending" and
		(.waiting // "" | test("quota of profiles reached.*ServiceQuotaExceededException"))' >/dev/null
}
wait_until 60 "beta Pending with the quota reason" beta_waits
places() { ctl --json places 2>/dev/null || true; } # exit 1 while tenants wait
# (a listing of the place lets beta try again, so its waiting may blink off for a moment)
places_show_beta() { places | jq -e '.waiting | map(.tenant) == ["beta"]' >/dev/null; }
wait_until 30 "places shows beta waiting" places_show_beta
failed() { awsim_get calls | jq '."bedrock:CreateInferenceProfile".failed // 0'; }
creates=$(failed)
sleep 3
[ "$(failed)" = "$creates" ] || fail "beta retries its create while it waits"
beta_waits || fail "beta left Pending: $(tenant_json beta | jq -c '{state, waiting, last_error}')"
status_json | jq -e '.ready' >/dev/null || fail "a waiting tenant keeps the daemon from being ready"
# capacity appears: the next resync (30 s) lists the place and beta is created
awsim_put quotas '{"quotas": {"L-40EC9882": 5}}'
wait_until 90 "beta Ready once the quota was raised" state_is beta Ready
tenant_json beta | jq -e '.waiting == null' >/dev/null || fail "beta still shows a reason"
[ "$(awsim_profiles_of beta)" = 1 ] || fail "beta has $(awsim_profiles_of beta) profiles"
stop_daemon
echo ok
