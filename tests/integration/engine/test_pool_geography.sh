#!/usr/bin/env bash
# A pool over a European and a US Region: each tenant is placed where its models can
# be used. us.* system profiles go to us-east-1 though eu-west-1 comes first in the
# pool and has as much room, eu.* ones to eu-west-1 (the configuration's default
# Region, us-east-1, cannot serve them: the manifest is still valid), a model ARN to
# its own Region, a foundation-model id wherever there is most room; every tenant Ready, its profile made from a source that exists there.
. "$(dirname "$0")/lib.sh"
start_awsim --region eu-west-1
write_config
add_pool_accounts 1 "eu-west-1, us-east-1"
for i in 0 1 2; do write_tenant "us$i" us.anthropic.claude-3-5-haiku-20241022-v1:0; done
for i in 0 1; do write_tenant "eu$i" eu.anthropic.claude-3-haiku-20240307-v1:0; done
write_tenant arn0 arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0
write_tenant fm0 amazon.nova-lite-v1:0
start_daemon
wait_until 60 "every tenant Ready" all_ready
region_of() { tenant_json "$1" | jq -r .place.region; }
for id in us0 us1 us2 arn0; do
	[ "$(region_of "$id")" = us-east-1 ] || fail "$id placed in $(region_of "$id"), want us-east-1"
done
for id in eu0 eu1; do
	[ "$(region_of "$id")" = eu-west-1 ] || fail "$id placed in $(region_of "$id"), want eu-west-1"
done
one_profile_each 7
ctl tenant eu0 | grep -q "^region *eu-west-1" || fail "ctl tenant: $(ctl tenant eu0 | head -8)"
awsim_get state | jq -e "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "eu0"))[0].arn | startswith("arn:aws:bedrock:eu-west-1:")' >/dev/null ||
	fail "eu0's profile not in eu-west-1"
stop_daemon
echo PASS
