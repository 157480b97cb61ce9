#!/usr/bin/env bash
# An explicit move (docs/operations.md "Moves") is a create-before-delete replacement
# across places. A tenant with a profile, its parameter, a budget and a role's policy
# moves Region (same account), then account: the whole set is created in the new place
# first; resolve answers the old ARN until the new set is Ready, and at every sample the
# ARN it answers is live and every parameter names a live profile; the old place then
# drains and is emptied (within one account the budget stays and the role's policy grants
# both sets during the drain; across accounts the old account's budget and policy go).
# A move into a place without room waits (Pending with the reason), the old set serving.
# A kill -9 in the middle of the account move, then a restart, finishes it without
# touching the new set. Nothing of the tenant is left in the old places, and the log
# tells the old places' deletions as the move's (cause move), none as a repair of drift.
. "$(dirname "$0")/lib.sh"
DRAIN=${DRAIN:-4s}
start_awsim_two_accounts
write_config
add_other_account
create_role app
AWS_ACCESS_KEY_ID=$BKEY AWS_SECRET_ACCESS_KEY=$BSECRET create_role app


# what acme has in ACCOUNT REGION: "profiles parameters"
TAGGED='map(((.tags // []) | map({(.key): .value}) | add // {})["bedrock-tenantd:tenant"] == "acme") | map(select(.)) | length'
acme_in() {
	awsim_get state | jq -r --arg a "$1" --arg r "$2" \
		'[.accounts[] | select(.id == $a) | .regions[] | select(.name == $r)] as $x |
		 "\([$x[].profiles[]?] | '"$TAGGED"') \([$x[].parameters[]?] | '"$TAGGED"')"'
}
acme_arns_in() {
	awsim_get state | jq -r --arg a "$1" --arg r "$2" \
		'[.accounts[] | select(.id == $a) | .regions[] | select(.name == $r) | .profiles[]? |
		  select(((.tags // []) | map({(.key): .value}) | add // {})["bedrock-tenantd:tenant"] == "acme") | .arn] | join(" ")'
}
budgets_in() { awsim_get state | jq -r --arg a "$1" '[.accounts[] | select(.id == $a) | .budgets[]? | select(.name | test("acme"))] | length'; }
policy_in() { awsim_get state | jq -r --arg a "$1" '[.accounts[] | select(.id == $a) | .roles[]? | select(.name == "app") | .policies // {} | to_entries[] | .value] | join(" ")'; }
moving() { tenant_json acme | jq -r '.moving_from | length'; }

write_acme_moving us-east-1
start_daemon
wait_until 60 "acme Ready in us-east-1" state_is acme Ready
[ "$(acme_in $A us-east-1)" = "1 1" ] || fail "acme in $A/us-east-1: $(acme_in $A us-east-1)"
old=$(ctl resolve acme p1)
case $old in *:us-east-1:$A:*) ;; *) fail "resolve: $old" ;; esac

# sampled throughout: resolve answers a live profile, every parameter names a live one
touch "$WORK/samples"
(
	while [ -f "$WORK/samples" ]; do
		# a sample is of the restart when the restart began before or ended after it
		began=$([ -f "$WORK/restarting" ] && echo 1 || true)
		arn=$(ctl resolve acme p1 2>/dev/null || true)
		state=$(awsim_get state 2>/dev/null || true)
		if [ -n "$began" ] || [ -f "$WORK/restarting" ]; then
			echo restart
		elif [ -z "$arn" ] || [ -z "$state" ]; then
			echo "none $arn"
		elif echo "$state" | jq -e --arg arn "$arn" "($PROFILES | map(.arn)) as \$live | (\$live | index(\$arn) != null) and
			($PARAMS | map(select(.tag[\"bedrock-tenantd:managed-by\"] == \"bedrock-tenantd\")) | all(.value as \$v | \$live | index(\$v) != null))" >/dev/null; then
			echo ok
		else
			echo "broken $arn"
		fi
		sleep 0.1
	done >>"$WORK/samples"
) &
sampler=$!

# 1. a Region move within the account
write_acme_moving us-west-2
resolved_in() { case $(ctl resolve acme p1 2>/dev/null) in *:"$1":"$2":*) return 0 ;; esac; return 1; }
wait_until 60 "resolve answers the new profile in us-west-2" resolved_in us-west-2 $A
new=$(ctl resolve acme p1)
# the drain: both sets live, the role's policy grants both, status shows the move
[ "$(acme_in $A us-east-1)" = "1 1" ] || fail "the old set must live through the drain: $(acme_in $A us-east-1)"
[ "$(moving)" = 1 ] || fail "the tenant does not show its move: $(tenant_json acme | jq -c .moving_from)"
policy=$(policy_in $A)
case $policy in *"$old"*) ;; *) fail "the role's policy lost the old profile during the drain" ;; esac
case $policy in *"$new"*) ;; *) fail "the role's policy does not grant the new profile" ;; esac
wait_eq 60 "nothing of acme left in $A/us-east-1" "0 0" acme_in $A us-east-1
wait_eq 30 "the move over" 0 moving
[ "$(acme_in $A us-west-2)" = "1 1" ] || fail "acme in $A/us-west-2: $(acme_in $A us-west-2)"
[ "$(budgets_in $A)" = 1 ] || fail "the budget of the account must stay (the account did not change)"
policy_has_only_new() { p=$(policy_in $A); case $p in *"$old"*) return 1 ;; *"$new"*) return 0 ;; esac; return 1; }
wait_until 30 "the role's policy grants the new profile only" policy_has_only_new

# 2. an account move into a place without room: it waits, the old set serving; once
# the quota is raised (and the place listed again) it goes on; a kill -9 once the new
# set exists
awsim_put quotas '{"quotas": {"L-40EC9882": 0}, "account": "'$B'", "region": "us-west-2"}'
write_acme_moving us-west-2 other
waits() { tenant_json acme | jq -e '.state == "Pending" and (.waiting // "" | test("quota of profiles reached"))' >/dev/null; }
wait_until 60 "acme waits for room in $B" waits
[ "$(ctl resolve acme p1)" = "$new" ] || fail "resolve left the old set while the move waits: $(ctl resolve acme p1)"
[ "$(acme_in $A us-west-2)" = "1 1" ] || fail "the old set must stay while the move waits: $(acme_in $A us-west-2)"
awsim_put quotas '{"quotas": {"L-40EC9882": null}, "account": "'$B'", "region": "us-west-2"}'
ctl resync >/dev/null
in_b() { [ -n "$(acme_arns_in $B us-west-2)" ]; }
wait_until 60 "the new profile in $B" in_b
b_arn=$(acme_arns_in $B us-west-2)
# its one old place: the account's budget, listed with each of its Regions, makes no
# other place of $A one (us-east-1 was listed again by the resync)
[ "$(tenant_json acme | jq -c '[.moving_from[].place]')" = '["-/us-west-2"]' ] ||
	fail "the move is not from its one old place: $(tenant_json acme | jq -c '{moving_from, history}')"
touch "$WORK/restarting"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
echo "killed during the move ($(acme_in $A us-west-2) left in $A, $(acme_in $B us-west-2) in $B)"
start_daemon
wait_until 60 "resolve answers the profile in $B" resolved_in us-west-2 $B
rm -f "$WORK/restarting"
[ "$(ctl resolve acme p1)" = "$b_arn" ] || fail "the new set was replaced after the restart: $(ctl resolve acme p1), was $b_arn"
wait_eq 60 "nothing of acme left in $A/us-west-2" "0 0" acme_in $A us-west-2
wait_eq 30 "the budget in $A deleted" 0 budgets_in $A
no_policy_in_a() { [ -z "$(policy_in $A)" ]; }
wait_until 30 "the role's policy in $A deleted" no_policy_in_a
wait_eq 30 "the move over" 0 moving
wait_until 30 "acme Ready" state_is acme Ready
[ "$(acme_in $B us-west-2)" = "1 1" ] || fail "acme in $B: $(acme_in $B us-west-2)"
[ "$(acme_arns_in $B us-west-2)" = "$b_arn" ] || fail "the profile in $B changed: $(acme_arns_in $B us-west-2)"
[ "$(budgets_in $B)" = 1 ] || fail "no budget in $B"
case $(policy_in $B) in *"$b_arn"*) ;; *) fail "the role's policy in $B does not grant the new profile" ;; esac
for r in us-east-1 us-west-2; do
	[ "$(acme_in $A $r)" = "0 0" ] || fail "acme left in $A/$r: $(acme_in $A $r)"
done

kill "$sampler"
wait "$sampler" 2>/dev/null || true
! grep -q '^broken' "$WORK/samples" || fail "resolve or a parameter named a profile that is not live: $(grep '^broken' "$WORK/samples" | head -3)"
! grep -q '^none' "$WORK/samples" || fail "resolve answered nothing during the move: $(grep -c "^none" "$WORK/samples") samples: $(grep -n "^none" "$WORK/samples" | head -3)"
echo "$(grep -c '^ok' "$WORK/samples") consistent samples, $(grep -c '^restart' "$WORK/samples" || true) during the restart"
# what the moves did is told as theirs: the old places emptied with cause move, and no
# line claims a repair of drift (nothing was changed outside the daemon)
grep -Eq "tenant=acme .*delete-profile .*\(move\)$" "$WORK/daemon.log" || fail "no delete-profile with cause move in the log"
grep -Eq "tenant=acme .*delete-parameter .*\(move\)$" "$WORK/daemon.log" || fail "no delete-parameter with cause move in the log"
! grep -E "tenant=acme .*(\(drift\)$|drift repaired)" "$WORK/daemon.log" || fail "a move's work was told as a repair of drift"
stop_daemon
echo PASS
