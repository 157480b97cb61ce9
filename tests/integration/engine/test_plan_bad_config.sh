#!/usr/bin/env bash
# bedrock-tenantd plan with a configuration that has errors: it says so, names the
# file, exits 1 and compares nothing (no AWS call at all), whatever is wrong: a missing
# file, YAML that does not parse, an empty file, an unknown key, a pool naming an
# unknown account, a pool with no accounts, no accounts for a pool at all. A failed
# load still hands back a configuration (defaults where it was wrong) for `validate`;
# plan must not run on it (it did: listing places of a half-read configuration, and
# sorting its zero units as a NULL array, a UBSan report). A good configuration whose
# every manifest fails plans nothing, without that report either.
. "$(dirname "$0")/lib.sh"
start_awsim
write_tenant acme "" eng 1
plan() { "$DAEMON" plan --config "$1"; }
any_call() { awsim_get calls | jq -e '[.[] | .ok + .throttled + .failed + .dropped] | add // 0 | . > 0' >/dev/null; }

# bad NAME [EXTRA YAML]: the configuration of lib.sh with EXTRA, or $BODY when set
bad() {
	local name=$1 file=$WORK/$1.yaml rc=0
	if [ -n "${BODY+x}" ]; then printf '%s' "$BODY" >"$file"; else write_config "${2:-}" && mv "$WORK/config.yaml" "$file"; fi
	awsim_put calls/reset
	plan "$file" >"$WORK/$name.out" 2>&1 || rc=$?
	! grep -q "runtime error\|AddressSanitizer" "$WORK/$name.out" || fail "$name: a sanitizer report: $(cat "$WORK/$name.out")"
	[ $rc = 1 ] || fail "$name: plan exited $rc, not 1: $(cat "$WORK/$name.out")"
	grep -q "$file has errors; plan compares nothing" "$WORK/$name.out" || fail "$name: no message: $(cat "$WORK/$name.out")"
	! any_call || fail "$name: plan called AWS with a configuration that has errors: $(awsim_get calls | jq -c .)"
}

# the good one first: plan lists, so the checks above can see a call
write_config
rc=0
plan "$WORK/config.yaml" >"$WORK/good.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "plan of a good configuration exited $rc: $(cat "$WORK/good.out")"
any_call || fail "awsim saw no call from a good plan"

rc=0
plan "$WORK/missing.yaml" >"$WORK/missing.out" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "$WORK/missing.yaml has errors; plan compares nothing" "$WORK/missing.out" ||
	fail "missing file: exit $rc: $(cat "$WORK/missing.out")"
! grep -q "runtime error\|AddressSanitizer" "$WORK/missing.out" || fail "missing file: $(cat "$WORK/missing.out")"
BODY='accounts: [' bad unparsable
BODY='' bad empty
bad unknown_key 'no_such_key: 1'
bad pool_unknown_account 'pools:
  default:
    accounts: [nope]
    regions: [us-east-1, us-west-2]'
bad pool_no_accounts 'pools:
  default:
    regions: [us-east-1]'
bad pool_bad_region 'pools:
  default:
    accounts: [prod]
    regions: [mars-1]'
BODY="manifests: $WORK/tenants
state_dir: $WORK/state
region: us-east-1
endpoints:
  default: http://127.0.0.1:$PORT
pools:
  default:
    accounts: [prod, lab]
" bad pools_without_accounts

# a good configuration whose every manifest fails: nothing to plan, said so, exit 1
mkdir -p "$WORK/broken"
echo 'not: [valid' >"$WORK/broken/broken.yaml"
write_config
rc=0
"$DAEMON" plan --config "$WORK/config.yaml" "$WORK/broken" >"$WORK/broken.out" 2>&1 || rc=$?
! grep -q "runtime error\|AddressSanitizer" "$WORK/broken.out" || fail "every manifest failing: $(cat "$WORK/broken.out")"
[ $rc = 1 ] || fail "every manifest failing: plan exited $rc: $(cat "$WORK/broken.out")"
grep -q "1 problem(s) in the manifests" "$WORK/broken.out" || fail "no manifest problem said: $(cat "$WORK/broken.out")"
grep -q "^plan: 0 tenant(s)" "$WORK/broken.out" || fail "no empty plan: $(cat "$WORK/broken.out")"
echo PASS
