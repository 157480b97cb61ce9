#!/usr/bin/env bash
# A pool tenant that was Ready in its place, whose profile is then deleted by hand
# while the place is full (its quota lowered below use): the re-create is refused, its
# parameter is deleted (safety rule 10), and with nothing of it left there it still
# stays in its place, waiting with the reason (a tenant never moves silently), rather
# than being placed again in another place of the pool. Once the quota is raised it
# is made again there.
. "$(dirname "$0")/lib.sh"
A0=111100000000 K0=AKIAIOSFODNN7EXAMPA0 S0=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKA0
start_awsim --credentials "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY:111122223333" --credentials "$K0:$S0:$A0"
write_config
printf '  a0:\n    id: "%s"\n    role_arn: arn:aws:iam::%s:role/bedrock-tenantd\n' $A0 $A0 >"$WORK/accounts.yaml"
sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
printf 'pools:\n  default:\n    accounts: [a0]\n    regions: [us-east-1, us-west-2]\n' >>"$WORK/config.yaml"
printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: acme\nspec:\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' >"$WORK/tenants/acme.yaml"
start_daemon
wait_until 60 "acme Ready" state_is acme Ready
ARN1=$(ctl resolve acme p1)
R1=$(tenant_json acme | jq -r .place.region)
region_of() { tenant_json acme | jq -r '.place.region // "none"'; }
waits_full() { tenant_json acme | jq -e '(.waiting // "") | test("quota of profiles reached")'; }

awsim_put quotas "{\"account\": \"$A0\", \"region\": \"$R1\", \"quotas\": {\"L-40EC9882\": 0}}" >/dev/null
ctl resync >/dev/null
sleep 2
curl -sf --max-time 15 --aws-sigv4 "aws:amz:$R1:bedrock" --user "$K0:$S0" -X DELETE \
	"http://127.0.0.1:$PORT/inference-profiles/${ARN1##*/}" >/dev/null || fail "delete by hand"
ctl resync >/dev/null
wait_until 30 "acme waits for room in its place" waits_full
sleep 3
[ "$(region_of)" = "$R1" ] || fail "acme moved from a0/$R1 to a0/$(region_of) with its manifest unchanged"
n_elsewhere=$(awsim_get state | jq --arg r "$R1" '[.accounts[] | .regions[] | select(.name != $r) | (.profiles[]?, .parameters[]?) | select(any(.tags[]?; .value == "acme"))] | length')
[ "$n_elsewhere" = 0 ] || fail "acme has $n_elsewhere resource(s) outside a0/$R1"
ctl resolve acme p1 >/dev/null 2>&1 && fail "resolve names a profile while acme has none: $(ctl resolve acme p1)"

awsim_put quotas "{\"account\": \"$A0\", \"region\": \"$R1\", \"quotas\": {\"L-40EC9882\": 5}}" >/dev/null
ctl resync >/dev/null
wait_until 60 "acme Ready again" state_is acme Ready
[ "$(region_of)" = "$R1" ] || fail "acme made again in a0/$(region_of), not in a0/$R1"
ARN2=$(ctl resolve acme p1)
[ "$ARN2" != "$ARN1" ] && [[ "$ARN2" == arn:aws:bedrock:$R1:$A0:* ]] || fail "resolve after the repair: $ARN2"
stop_daemon
echo PASS
