#!/usr/bin/env bash
# A tenant whose profile key continues its id into another tenant's (shop's profile
# "eu", and a tenant shop-eu): shop's profile name shop-eu-8e5ce6 holds the longer id
# shop-eu. A change of that profile's model replaces it as any. While the new profile
# cannot be made (the profile quota full), the old one serves: resolve names it, as
# SSM does. Then the new profile is made, the parameter switched, and the old one,
# named after its former spec, drained and deleted as shop's, never left behind;
# shop-eu's resources are not touched.
. "$(dirname "$0")/lib.sh"
start_awsim --quota L-40EC9882=3
write_config
write_shop() {
	{
		echo "apiVersion: bedrock-tenantd/v1"
		echo "kind: Tenant"
		echo "metadata:"
		echo "  name: shop"
		echo "spec:"
		echo "  tags: {CostCenter: eng}"
		echo "  profiles:"
		echo "    - name: eu"
		echo "      model: $1"
	} >"$WORK/tenants/shop.yaml.tmp"
	mv "$WORK/tenants/shop.yaml.tmp" "$WORK/tenants/shop.yaml"
}
write_shop anthropic.claude-3-5-haiku-20241022-v1:0
write_tenant shop-eu "" eng 2
start_daemon
wait_until 60 "Ready" all_ready
old=$(ctl resolve shop eu)
theirs="$(ctl resolve shop-eu p1) $(ctl resolve shop-eu p2)"
param=/bedrock-tenants/shop/eu/profile-arn
serving_other_than() { [ "$(ctl resolve shop eu 2>/dev/null)" != "$1" ]; }
gone() { [ "$(awsim_profile_live "$1")" = false ]; }
shop_waits() { tenant_json shop | jq -e '.state == "Pending" and (.waiting // "" | test("quota"))' >/dev/null; }

write_shop amazon.nova-lite-v1:0
wait_until 60 "shop waiting for room for its new profile" shop_waits
got=$(ctl resolve shop eu) || fail "resolve failed while the old profile serves"
[ "$got" = "$old" ] && [ "$(awsim_param_value "$param")" = "$old" ] ||
	fail "resolve says '$got', SSM $(awsim_param_value "$param"), the old profile $old"

awsim_put quotas '{"quotas": {"L-40EC9882": 5}}'
wait_until 60 "shop's new profile serving" serving_other_than "$old"
new=$(ctl resolve shop eu)
# the drain is 2 s here; a resync shows the deletion
sleep 4
ctl resync >/dev/null
wait_until 30 "the old profile deleted after the drain" gone "$old"
[ "$(awsim_profile_live "$new")" = true ] && [ "$(awsim_param_value "$param")" = "$new" ] ||
	fail "shop's new profile $new: live $(awsim_profile_live "$new"), SSM $(awsim_param_value "$param")"
[ "$(ctl resolve shop-eu p1) $(ctl resolve shop-eu p2)" = "$theirs" ] || fail "shop-eu's profiles changed"
[ "$(awsim_get state | jq "$PROFILES | length")" = 3 ] || fail "profiles: $(awsim_get state | jq -c "$PROFILES | map(.name)")"
wait_until 30 "Ready" all_ready
stop_daemon
echo PASS
