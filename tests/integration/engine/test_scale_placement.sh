#!/usr/bin/env bash
# Placement over a pool at scale, bounded: N tenants (default 2,000, one profile each) in
# a pool of ACCOUNTS accounts (default 10) in one Region, whose profile quota awsim
# lowers with --quota L-40EC9882=Q so that the pool holds fewer than N. Asserts: every
# tenant is placed in a place of the pool and its place is recorded; no place holds more
# profiles than its quota; the tenants left over wait as Pending with the reason, and
# `places` (GET /v1/places) shows them; when placed tenants are removed, waiting ones
# take their room once their resources are gone; once one account's quota is raised (admin PUT
# /_awsim/quotas), the next resync reads the quotas again and places every waiting
# tenant without any operator command; a restart with an empty state store finds every
# tenant's place again from its resources' tags (nothing created twice).
. "$(dirname "$0")/lib.sh"
N=${N:-2000}
ACCOUNTS=${ACCOUNTS:-10}
Q=${Q:-180}
FIRST=111100000000
start_awsim --quota "L-40EC9882=$Q"
write_config
acct() { printf '%012d' $((FIRST + $1)); }
{
	for i in $(seq 0 $((ACCOUNTS - 1))); do
		printf '  a%d:\n    id: "%s"\n    role_arn: arn:aws:iam::%s:role/bedrock-tenantd\n' "$i" "$(acct "$i")" "$(acct "$i")"
	done
} >"$WORK/accounts.yaml"
sed -i "/^accounts:$/r $WORK/accounts.yaml" "$WORK/config.yaml"
{
	echo "pools:"
	echo "  default:"
	printf '    accounts: ['
	for i in $(seq 0 $((ACCOUNTS - 1))); do printf '%sa%d' "$([ "$i" = 0 ] || echo ', ')" "$i"; done
	echo ']'
	echo "    regions: [us-east-1]"
} >>"$WORK/config.yaml"
sed -i 's/requests_per_second: 400, burst: 400/requests_per_second: 2000, burst: 2000/' "$WORK/config.yaml"
for i in $(seq -w 1 "$N"); do
	printf 'apiVersion: bedrock-tenantd/v1\nkind: Tenant\nmetadata:\n  name: t%s\nspec:\n  tags: {CostCenter: eng}\n  profiles:\n    - name: p1\n      model: anthropic.claude-3-5-haiku-20241022-v1:0\n' \
		"$i" >"$WORK/tenants/t$i.yaml"
done
CAP=$((ACCOUNTS * Q))
WANT_WAITING=$((N > CAP ? N - CAP : 0))
start_daemon

places() { ctl --json places 2>/dev/null || true; }
placed_count() { status_json | jq '.tenants.by_state.Ready // 0'; }
waiting_count() { places | jq '.waiting | length'; }
# every place of the pool at or under its quota in awsim (all profiles count)
under_quota() {
	awsim_get state | jq -e --argjson q "$1" '[.accounts[].regions[] | (.profiles // []) | length] | all(. <= $q)' >/dev/null
}
settled() {
	status_json | jq -e --argjson ready "$1" --argjson pending "$2" \
		'.tenants.by_state.Ready == $ready and .tenants.by_state.Pending == $pending and .queue.reconciles_in_flight == 0' >/dev/null
}

t0=$(date +%s)
wait_until 240 "$CAP tenants Ready and $WANT_WAITING Pending" settled "$CAP" "$WANT_WAITING"
echo "placed $CAP of $N over $ACCOUNTS accounts in $(($(date +%s) - t0)) s"
under_quota "$Q" || fail "a place holds more profiles than its quota $Q"
[ "$(waiting_count)" = "$WANT_WAITING" ] || fail "places shows $(waiting_count) waiting, want $WANT_WAITING"
# the reason, in the tenant and in places
w=$(places | jq -r '.waiting[0].tenant')
tenant_json "$w" | jq -e '.state == "Pending" and .waiting == "pool default: no account-region with 1 free profile"' >/dev/null ||
	fail "the waiting tenant $w does not show the reason: $(tenant_json "$w" | jq -c '{state, waiting, last_error}')"
places | jq -e --argjson q "$Q" '.places | map(select(.pool == "default")) | length as $n |
	($n > 0) and all(.profiles.used <= $q and .profiles.quota == $q and .listed)' >/dev/null ||
	fail "places: $(places | jq -c '.places[0]')"
places | jq -e --argjson cap "$CAP" '[.places[] | select(.pool == "default") | .tenants] | add == $cap' >/dev/null ||
	fail "places does not count $CAP placed tenants"
# every placed tenant's place is one of the pool's and is in its document
first=t$(printf "%0${#N}d" 1) # as seq -w names them
tenant_json "$first" | jq -e '.place.account | startswith("a")' >/dev/null ||
	fail "$first has no place of the pool: $(tenant_json "$first" | jq -c .place)"
ctl places >"$WORK/places.txt" || true
grep -q "a0/us-east-1" "$WORK/places.txt" || fail "ctl places does not list a0/us-east-1: $(head -5 "$WORK/places.txt")"

# capacity appears as tenants go: D placed tenants removed (under the prune gate's
# limit), their resources deleted after the grace period, and as many waiting tenants
# placed in their room, with no command
D=$((WANT_WAITING / 4))
if [ "$D" -gt 0 ]; then
	ctl --json tenants --state Ready 2>/dev/null | jq -r ".tenants[:$D][].id" >"$WORK/gone.txt" || true
	[ "$(wc -l <"$WORK/gone.txt")" = "$D" ] || fail "not $D Ready tenants to remove"
	while read -r id; do rm "$WORK/tenants/$id.yaml"; done <"$WORK/gone.txt"
	N=$((N - D))
	WANT_WAITING=$((WANT_WAITING - D))
	wait_until 120 "$D removed tenants' room given to $D waiting ones" settled "$CAP" "$WANT_WAITING"
	under_quota "$Q" || fail "a place holds more profiles than its quota $Q after the removals"
	[ "$(waiting_count)" = "$WANT_WAITING" ] || fail "places shows $(waiting_count) waiting, want $WANT_WAITING"
fi

# capacity appears: one account's quota is raised; the next resync places the rest
if [ "$WANT_WAITING" -gt 0 ]; then
	curl -sf -X PUT -H 'Content-Type: application/json' \
		--data '{"account": "'"$(acct 0)"'", "quotas": {"L-40EC9882": '$((Q + WANT_WAITING))'}}' \
		"http://127.0.0.1:$PORT/_awsim/quotas" >/dev/null || fail "the quota override"
	wait_until 120 "all $N tenants Ready after the quota was raised" settled "$N" 0
	[ "$(waiting_count)" = 0 ] || fail "tenants still wait"
	awsim_get state | jq -e --arg a "$(acct 0)" --argjson q $((Q + WANT_WAITING)) \
		'[.accounts[] | select(.id == $a) | .regions[] | (.profiles // []) | length] | all(. <= $q)' >/dev/null ||
		fail "a0 over its raised quota"
fi
under_quota $((Q + WANT_WAITING)) || fail "a place over its quota"
profiles=$(awsim_get state | jq "$PROFILES | length")
[ "$profiles" = "$N" ] || fail "$profiles profiles in awsim, want $N"

# an empty state store: the places are found again from the resources' tags
stop_daemon
rm -rf "$WORK/state"
start_daemon
wait_until 180 "all $N Ready again" settled "$N" 0
profiles=$(awsim_get state | jq "$PROFILES | length")
[ "$profiles" = "$N" ] || fail "$profiles profiles after the restart with an empty store, want $N (a tenant moved)"
stop_daemon
echo "ok"
