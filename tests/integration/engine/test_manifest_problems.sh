#!/usr/bin/env bash
# Bad manifests are visible: each problem is logged once when it appears (not again
# on every rescan) and once when it goes, counted in GET /metrics, and makes
# `bedrock-tenantctl status` exit 1; a tenant id declared by two files makes both
# files problems and the tenant keeps its last good definition, never shown as plain
# Ready; an empty directory says why it cannot be used.
. "$(dirname "$0")/lib.sh"
start_awsim
write_config
for t in alpha beta; do write_tenant "$t" "" eng 1; done
start_daemon
wait_until 60 "Ready" all_ready
ctl status >/dev/null || fail "ctl status exits $? with nothing wrong"

metric() { curl -s --unix-socket "$WORK/control.sock" http://localhost/metrics | awk -v m="$1" '$1 == m {print $2}'; }
logged() { grep -c "$1" "$WORK/daemon.log" || true; }
problems() { status_json | jq -r '.manifests.problems | length'; }

# a rejected file: a new tenant whose only manifest fails
write_tenant gamma "" eng 1
mv "$WORK/tenants/gamma.yaml" "$WORK/gamma.yaml"
echo "  colour: blue" >>"$WORK/gamma.yaml" # spec.colour, line 11
mv "$WORK/gamma.yaml" "$WORK/tenants/gamma.yaml"
wait_eq 20 "the rejected file counted" 1 metric bedrock_tenantd_manifest_problems
wait_until 10 "the rejected file logged" grep -q "manifest problem: $WORK/tenants/gamma.yaml:11:3: " "$WORK/daemon.log"
rc=0
ctl status >/dev/null || rc=$?
[ $rc -eq 1 ] || fail "ctl status exits $rc with a manifest problem, want 1"
{ ctl status || true; } | grep -q "^problem .*gamma.yaml:11:3:" || fail "ctl status does not show the problem"

# full rescans of an unchanged problem log nothing new
scans=$(logged "manifests (full scan)")
more_scans() { [ "$(logged "manifests (full scan)")" -ge "$1" ]; }
mkdir "$WORK/tenants/sub1"
wait_until 20 "a full scan" more_scans $((scans + 1))
kill -HUP "$DAEMON_PID"
wait_until 20 "a second full scan" more_scans $((scans + 2))
[ "$(logged "manifest problem: $WORK/tenants/gamma.yaml")" = 1 ] ||
	fail "the problem was logged $(logged "manifest problem: $WORK/tenants/gamma.yaml") times"

# fixed: logged as gone, no longer counted, status exits 0 again
write_tenant gamma "" eng 1
wait_eq 20 "no problem counted" 0 metric bedrock_tenantd_manifest_problems
wait_until 10 "the fix logged" grep -q "manifest problem gone: $WORK/tenants/gamma.yaml:11:3:" "$WORK/daemon.log"
wait_until 30 "Ready" all_ready
ctl status >/dev/null || fail "ctl status exits $? once the problem is fixed"

# a tenant id declared twice: both files are problems, alpha keeps its definition
arn=$(ctl resolve alpha p1)
sed 's/CostCenter: eng/CostCenter: finance/' "$WORK/tenants/alpha.yaml" >"$WORK/tenants/alpha-copy.yaml"
wait_eq 20 "both files counted" 2 metric bedrock_tenantd_manifest_problems
status_json | jq -e '.manifests.problems | map(select(test("alpha.yaml(:4:9)?: tenant id .alpha. is also declared"))) | length == 1' >/dev/null ||
	fail "alpha.yaml is not a problem: $(status_json | jq -c .manifests.problems)"
status_json | jq -e '.manifests.problems | map(select(test("alpha-copy.yaml:4:9: tenant id .alpha. is also declared"))) | length == 1' >/dev/null ||
	fail "alpha-copy.yaml is not a problem"
[ "$(metric bedrock_tenantd_tenants_manifest_failing)" = 1 ] || fail "alpha is not counted as failing"
[ "$(ctl resolve alpha p1)" = "$arn" ] || fail "alpha lost its last good definition"
rc=0
ctl tenant alpha >"$WORK/alpha.txt" || rc=$?
[ $rc -eq 1 ] || fail "ctl tenant alpha exits $rc while its manifest fails, want 1"
grep -q "^state .*the manifest fails" "$WORK/alpha.txt" || fail "ctl tenant shows alpha plain: $(head -3 "$WORK/alpha.txt")"
{ ctl tenants || true; } | grep -q "^alpha .* Ready\* " || fail "ctl tenants shows alpha plain: $(ctl tenants)"
sleep 2
tag=$(awsim_get state | jq -r "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "alpha")) | .[0].tag.CostCenter')
[ "$tag" = eng ] || fail "a duplicate's definition was applied: CostCenter $tag"
# a full scan judges the duplicate too; removing one file ends it all the same
scans=$(logged "manifests (full scan)")
mkdir "$WORK/tenants/sub2"
wait_until 20 "a full scan" more_scans $((scans + 1))
[ "$(metric bedrock_tenantd_manifest_problems)" = 2 ] || fail "a full scan counts $(metric bedrock_tenantd_manifest_problems) problems"
status_json | jq -e '.manifests.problems | map(select(test("alpha.yaml:4:9: tenant id .alpha. is also declared"))) | length == 1' >/dev/null ||
	fail "the full scan does not report alpha.yaml: $(status_json | jq -c .manifests.problems)"
rm "$WORK/tenants/alpha-copy.yaml"
wait_eq 20 "the duplicate gone" 0 metric bedrock_tenantd_manifest_problems
rc=0
ctl tenant alpha >/dev/null || rc=$?
[ $rc -eq 0 ] || fail "ctl tenant alpha exits $rc once the duplicate is gone"

# many problems at once (3 files of 100): at most 100 lines of each kind, then one
# counting the rest; every one counted and listed all the same
bad=$(cd "$(dirname "$0")/../../unit/config/golden/bad" && pwd)/099-too-many-errors.yaml
mkdir "$WORK/many"
for i in 1 2 3; do sed "s/^  name: acme$/  name: many$i/" "$bad" >"$WORK/many/many$i.yaml"; done
lines=$(logged "manifest problem: ")
gone=$(logged "manifest problem gone: ")
mv "$WORK/many" "$WORK/tenants/many"
wait_until 20 "the rest counted" grep -q "more manifest problems: bedrock-tenantctl status" "$WORK/daemon.log"
n=$(metric bedrock_tenantd_manifest_problems)
[ "$n" -ge 300 ] || fail "$n problems counted, want 300 or more"
[ "$(logged "manifest problem: ")" = $((lines + 100)) ] || fail "$(($(logged "manifest problem: ") - lines)) problems logged, want 100"
grep -q "warning \.\.\. and $((n - 100)) more manifest problems: bedrock-tenantctl status or bedrock-tenantd validate lists them" "$WORK/daemon.log" ||
	fail "no line counts the $((n - 100)) problems not logged: $(grep "more manifest" "$WORK/daemon.log")"
[ "$(status_json | jq '.manifests.problems | length')" = $((n > 1000 ? 1001 : n)) ] || fail "status does not list them"
rm -r "$WORK/tenants/many"
wait_until 20 "the rest counted gone" grep -q "and $((n - 100)) more manifest problems gone" "$WORK/daemon.log"
[ "$(logged "manifest problem gone: ")" = $((gone + 100)) ] || fail "$(($(logged "manifest problem gone: ") - gone)) gone logged, want 100"
wait_eq 20 "no problem counted" 0 metric bedrock_tenantd_manifest_problems

# an empty directory: a precise reason, nothing deleted
mv "$WORK/tenants" "$WORK/tenants.away"
mkdir "$WORK/tenants"
wait_until 20 "the empty directory reported" grep -q "the directory cannot be used: $WORK/tenants: no manifests" "$WORK/daemon.log"
! grep -q "unknown reason" "$WORK/daemon.log" || fail "an unusable directory without a reason"
status_json | jq -e --arg d "$WORK/tenants" '.manifests.problems | index($d + ": no manifests (*.yaml or *.yml files) below the manifest directory") != null' >/dev/null ||
	fail "status does not say why: $(status_json | jq -c .manifests.problems)"
sleep 3 # past a grace period
[ "$(awsim_profiles_of alpha)" = 1 ] || fail "an empty directory deleted alpha"
stop_daemon
echo PASS
