#!/usr/bin/env bash
# A pool taken out of the configuration while its tenants are placed: they stay where
# they are (their ARNs would change in another place). The pool `default` renamed
# (its tenants then name no pool) and, after, every pool taken out, each with a
# restart: every tenant Ready in its place, `resolve` naming the same ARNs, no
# mutating call, nothing in the default account, and `bedrock-tenantd plan` plans
# nothing. Then one of them given a spec.region: it moves within its account.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
add_pool_accounts 2 "us-east-1, us-west-2"
for i in $(seq 0 7); do write_tenant "t$i"; done
start_daemon
wait_until 60 "every tenant Ready" all_ready
one_profile_each 8
places() { for i in $(seq 0 7); do echo "t$i $(tenant_json "t$i" | jq -r '"\(.place.account)/\(.place.region)"')"; done; }
arns() { for i in $(seq 0 7); do ctl resolve "t$i" p1; done; }
places >"$WORK/places.before"
arns >"$WORK/arns.before"
grep -q "null" "$WORK/places.before" && fail "a tenant without a place: $(cat "$WORK/places.before")"
# (but the instance's claim, the daemon's own)
default_count() { awsim_get state | jq --arg c "$CLAIM_PARAM" '[.accounts[] | select(.id == "111122223333") | .regions[] |
	(.profiles // [])[], (.parameters // [])[] | select(.name != $c)] | length'; }
[ "$(default_count)" = 0 ] || fail "resources in the default account"

stays() { # $1: what changed
	stop_daemon # its claim marked released: a write of the stopping daemon's
	awsim_put calls/reset
	rc=0
	"$DAEMON" plan --config "$WORK/config.yaml" >"$WORK/plan.out" 2>&1 || rc=$?
	[ $rc = 0 ] || fail "$1: plan exits $rc, want 0: $(cat "$WORK/plan.out")"
	start_daemon
	wait_until 60 "$1: every tenant Ready" all_ready
	sleep 2 # a listing's worth of time for anything wrongly planned to go out
	all_ready || fail "$1: not every tenant Ready: $(status_json | jq -c .tenants)"
	places | diff "$WORK/places.before" - || fail "$1: tenants moved"
	arns | diff "$WORK/arns.before" - || fail "$1: resolve names other ARNs"
	[ "$(default_count)" = 0 ] || fail "$1: resources made in the default account"
	[ "$(awsim_get calls | jq '[to_entries[] | select(.value.mutating == true and .value.ok > 0 and .key != "sts:AssumeRole")] | length')" = 0 ] ||
		fail "$1: mutating calls: $(awsim_get calls | jq -c 'with_entries(select(.value.mutating == true))')"
	one_profile_each 8
}
sed -i 's/^  default:$/  main:/' "$WORK/config.yaml"
grep -q "^  main:" "$WORK/config.yaml" || fail "the pool not renamed"
stays "the pool default renamed"
python3 - "$WORK/config.yaml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r'pools:\n(  .*\n)+', '', s)
open(p, 'w').write(s)
PY
grep -q "pools:" "$WORK/config.yaml" && fail "pools still configured"
stays "every pool taken out"

# a manifest naming a Region moves the tenant there, in its account
from=$(awk '$1 == "t1" {print $2}' "$WORK/places.before")
alias=${from%%/*}
[ "${from#*/}" = us-west-2 ] || fail "t1 placed in $from, the test expects us-west-2"
sed -i 's/^spec:$/spec:\n  region: us-east-1/' "$WORK/tenants/t1.yaml"
moved() { [ "$(tenant_json t1 | jq -r '"\(.place.account)/\(.place.region)"')" = "$alias/us-east-1" ] && state_is t1 Ready &&
	[ "$(awsim_profiles_of t1)" = 1 ]; }
wait_until 60 "t1 moved to $alias/us-east-1, its old profile gone" moved
ctl resolve t1 p1 | grep -q ":bedrock:us-east-1:$(acct "${alias#a}"):" || fail "resolve: $(ctl resolve t1 p1)"
[ "$(default_count)" = 0 ] || fail "t1 moved to the default account"
stop_daemon
echo PASS
