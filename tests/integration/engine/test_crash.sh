#!/usr/bin/env bash
# Crash safety: SIGKILL at random moments, 20 times over, while the daemon reconciles
# 200 tenants (every tenth with a budget, an alert and a role) with lost responses (the
# write happens, the answer never arrives) and a lagging profile listing; a model
# change for 20 tenants half-way. Afterwards every tenant has exactly one profile per
# profile entry, every parameter names a live profile, every budget has exactly its
# alerts, every role policy grants exactly its tenant's live profiles, and nothing
# without our ownership tag was touched.
. "$(dirname "$0")/lib.sh"
KILLS=${KILLS:-20}
cat >"$WORK/faults.json" <<'JSON'
{"seed": 5, "eventual_consistency_ms": 800, "rules": [
  {"service": "bedrock", "operation": "CreateInferenceProfile", "lost_percent": 25},
  {"service": "bedrock", "operation": "DeleteInferenceProfile", "lost_percent": 25},
  {"service": "ssm", "operation": "PutParameter", "lost_percent": 25},
  {"service": "budgets", "operation": "CreateBudget", "lost_percent": 25},
  {"service": "budgets", "operation": "CreateNotification", "lost_percent": 25},
  {"service": "iam", "operation": "PutRolePolicy", "lost_percent": 25}
]}
JSON
start_awsim --faults "$WORK/faults.json"
DRAIN=1s write_config

# Resources the daemon must never touch: a profile owned by another instance with one
# of our tenants' tags, an untagged profile, and a parameter below our path.
sign_call bedrock POST /inference-profiles '{"inferenceProfileName":"other-instance-chat","modelSource":{"copyFrom":"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"},"tags":[{"key":"bedrock-tenantd:managed-by","value":"another-instance"},{"key":"bedrock-tenantd:tenant","value":"t001"}]}' >/dev/null
sign_call bedrock POST /inference-profiles '{"inferenceProfileName":"hand-made","modelSource":{"copyFrom":"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"}}' >/dev/null
TARGET=AmazonSSM.PutParameter sign_call ssm POST / '{"Name":"/bedrock-tenants/hand-made/x/profile-arn","Value":"keep me","Type":"String"}' >/dev/null
foreign() {
	awsim_get state | jq -S -c "[$PROFILES"'[] | select(.tag["bedrock-tenantd:managed-by"] != "bedrock-tenantd") | {name, tag}],
		['"$PARAMS"'[] | select(.tag["bedrock-tenantd:managed-by"] != "bedrock-tenantd" and .name != "'$CLAIM_PARAM'") |
		{name, value, tag}]'
}
before=$(foreign)

with_budget() { [ $((10#$1 % 10)) = 0 ]; }
for i in $(seq -f %03g 1 200); do
	if with_budget "$i"; then
		create_role "role-t$i"
		write_budget_tenant "t$i" 100 "80:actual:t$i@example.com" "[role-t$i]"
	else
		write_tenant "t$i" "" eng 1
	fi
done
for k in $(seq "$KILLS"); do
	if [ "$k" = $((KILLS / 2)) ]; then
		for i in $(seq -f %03g 1 20); do
			if with_budget "$i"; then
				MODEL=amazon.nova-lite-v1:0 write_budget_tenant "t$i" 100 "80:actual:t$i@example.com" "[role-t$i]"
			else
				write_tenant "t$i" amazon.nova-lite-v1:0 eng 1
			fi
		done
	fi
	start_daemon
	sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
	rm -f "$WORK/control.sock.lock"
done
echo "killed $KILLS times; $(awsim_get state | jq "$PROFILES | length") profiles live"

start_daemon
wait_until 240 "every tenant Ready after the kills" all_ready
sleep 2 # the drains of the replaced profiles
ctl resync >/dev/null
wait_until 60 "Ready after a resync" all_ready

one_profile_each 200
awsim_get state | jq -e "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "t007")) | .[0].models[0] | test("nova-lite")' >/dev/null ||
	fail "t007's model change did not happen"
[ "$(foreign)" = "$before" ] || fail "a resource we do not own changed: $before -> $(foreign)"
for i in $(seq -f %03g 10 10 200); do
	b=$(budget "bedrock-tenant-t$i")
	echo "$b" | jq -e '.notifications | length == 1 and (.[0].subscribers | length == 1)' >/dev/null ||
		fail "t$i's budget does not have exactly its alert: $b"
	live=$(awsim_get state | jq -c "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "t'"$i"'")) | map(.arn) | sort')
	granted=$(role_policy "role-t$i" "bedrock-tenantd-t$i" | jq -c '.Statement[0].Resource | sort')
	[ "$live" = "$granted" ] || fail "role-t$i grants $granted, the live profiles are $live"
done
[ "$(awsim_get state | jq '[.accounts[].budgets[]] | length')" = 20 ] || fail "not one budget per tenant with a budget"
awsim_get calls | jq -c '{creates: .["bedrock:CreateInferenceProfile"], deletes: .["bedrock:DeleteInferenceProfile"], puts: .["ssm:PutParameter"], budgets: .["budgets:CreateBudget"], policies: .["iam:PutRolePolicy"]}'
stop_daemon
echo PASS
