#!/usr/bin/env bash
# Tags added, changed and removed in a manifest reach the profile and its parameter;
# tags the daemon never set stay.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
EXTRA_TAGS="Team: claims" write_tenant acme "" eng 1
start_daemon
wait_until 60 "Ready" all_ready

tags_of() { awsim_get state | jq -c "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "acme")) | .[0].tag'; }
param_tags_of() { awsim_get state | jq -c "$PARAMS"' | map(select(.tag["bedrock-tenantd:tenant"] == "acme")) | .[0].tag'; }
[ "$(tags_of | jq -r .Team)" = claims ] || fail "Team tag missing"

# CostCenter changes, Team goes, Env arrives
EXTRA_TAGS="Env: prod" write_tenant acme "" finance 1
profile_tag() { tags_of | jq -r ".$1 // \"none\""; }
param_tag() { param_tags_of | jq -r ".$1 // \"none\""; }
wait_eq 30 "CostCenter=finance on the profile" finance profile_tag CostCenter
wait_eq 30 "Env=prod on the profile" prod profile_tag Env
wait_eq 30 "Team gone from the profile" none profile_tag Team
wait_eq 30 "CostCenter=finance on the parameter" finance param_tag CostCenter
wait_eq 30 "Team gone from the parameter" none param_tag Team
[ "$(tags_of | jq -r '.["bedrock-tenantd:managed-by"]')" = bedrock-tenantd ] || fail "ownership tag lost"
[ "$(awsim_profiles_of acme)" = 1 ] || fail "tag edits must not replace the profile"
wait_until 30 "Ready" all_ready
stop_daemon
echo PASS
