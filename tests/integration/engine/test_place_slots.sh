#!/usr/bin/env bash
# Reconcile slots per place: AWS's rates are per account and Region, so every place
# must keep its own tenants moving. 40 places (accounts a0..a39, one Region): a0 holds
# 60 tenants, each other place one. awsim answers every PutParameter 25 s late, so each
# tenant's reconcile holds its slot that long after its profile is created. Asserted
# while those answers are held back: every one of the 39 small places has its profile,
# whatever order the queue has (before, 32 reconciles in all: at most 32 profiles
# before 25 s, a0's among them); a0 has at most 32 (the shared slots) and at least 4
# (its own); more than 40 reconciles are in flight. Counts, not times: the
# deadline is below the 25 s delay only so that the held answers are still held.
. "$(dirname "$0")/lib.sh"
SMALL=39
BIG=60
HOLD_MS=25000
FIRST=111100000000
acct() { printf '%012d' $((FIRST + $1)); }

start_awsim
awsim_put faults "{\"rules\": [{\"service\": \"ssm\", \"operation\": \"PutParameter\", \"latency_ms\": $HOLD_MS}]}" ||
	fail "fault plan refused"
write_config "max_in_flight: 512"
for i in $(seq 0 $SMALL); do
	printf '  a%d:\n    id: "%s"\n    role_arn: arn:aws:iam::%s:role/bedrock-tenantd\n' "$i" "$(acct "$i")" "$(acct "$i")"
done >"$WORK/accounts.yaml"
sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
# manifest ID ACCOUNT
manifest() {
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: %s\nspec:\n  account: %s\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
		"$1" "$2" >"$WORK/tenants/$1.yaml"
}
for i in $(seq -w 1 $BIG); do manifest "a-$i" a0; done
for i in $(seq 1 $SMALL); do manifest "z-$i" "a$i"; done
start_daemon

# profiles_by_account: {"ACCOUNT": N, ...} of the application profiles awsim holds
profiles_by_account() {
	awsim_get state | jq -c '[.accounts[] | {key: .id, value: ([.regions[].profiles[]?] | length)}] | from_entries'
}
small_done() {
	profiles_by_account | jq -e --arg big "$(acct 0)" --argjson n $SMALL \
		'[to_entries[] | select(.key != $big and .value >= 1)] | length == $n' >/dev/null
}
big_within_slots() {
	local n
	n=$(profiles_by_account | jq --arg big "$(acct 0)" '.[$big] // 0')
	[ "$n" -le 32 ] || fail "the busy place has $n profiles while its puts are held: more than 32 slots"
}
t0=$(date +%s)
deadline=$((t0 + 20))
until small_done; do
	big_within_slots
	[ "$(date +%s)" -lt "$deadline" ] ||
		fail "after 20 s, not every small place has its profile: $(profiles_by_account)"
	sleep 0.2
done
echo "every small place has its profile after $(($(date +%s) - t0)) s: $(profiles_by_account)"
for _ in $(seq 10); do
	big_within_slots
	sleep 0.2
done
big=$(profiles_by_account | jq --arg big "$(acct 0)" '.[$big] // 0')
[ "$big" -ge 4 ] || fail "the busy place has only $big profiles: fewer than its own 4 slots"
status_json | jq -e '.queue.reconciles_in_flight > 40' >/dev/null ||
	fail "not more than 40 reconciles in flight: $(status_json | jq -c .queue)"
echo PASS
