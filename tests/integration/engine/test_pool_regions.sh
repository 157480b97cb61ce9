#!/usr/bin/env bash
# A pool over two Regions: a tenant without spec.region placed in the pool's second
# Region gets its profile there, copied from the model in that Region (not the
# configuration's), and is Ready; each place holds one tenant (profile quota 1).
. "$(dirname "$0")/lib.sh"
start_awsim --quota L-40EC9882=1
write_config
printf '  a0:\n    id: "111100000000"\n    role_arn: arn:aws:iam::111100000000:role/bedrock-tenantd\n' >"$WORK/accounts.yaml"
sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
printf 'pools:\n  default:\n    accounts: [a0]\n    regions: [us-east-1, us-west-2]\n' >>"$WORK/config.yaml"
write_tenant t1
write_tenant t2
start_daemon
wait_until 90 "both tenants Ready" all_ready

regions=$(for t in t1 t2; do tenant_json "$t" | jq -r .place.region; done | sort | tr '\n' ' ')
[ "$regions" = "us-east-1 us-west-2 " ] || fail "the tenants are not one in each Region: $regions"
# every profile's model (copyFrom) and tag name its own Region
bad=$(awsim_get state | jq -c '[.accounts[] | .regions[] | .name as $r | .profiles[] |
	select((.models // []) | any(test(":bedrock:" + $r + ":") | not)) | {region: $r, arn, models}]')
[ "$(echo "$bad" | jq length)" = 0 ] || fail "profiles copied from a model in another Region: $bad"
n=$(awsim_get state | jq '[.accounts[].regions[].profiles[]] | length')
[ "$n" = 2 ] || fail "$n profiles, not 2"
stop_daemon
echo PASS
