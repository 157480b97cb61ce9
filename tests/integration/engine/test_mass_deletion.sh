#!/usr/bin/env bash
# Prune safety: every file deleted deletes nothing (the directory cannot be trusted);
# a revision that removes more than max(10, 5 %) of the tenants holds every deletion
# until an operator approves, and reports it.
. "$(dirname "$0")/lib.sh"
GRACE=2s
start_awsim
write_config
for i in $(seq -w 1 12); do write_tenant "t$i" "" eng 1; done
start_daemon
wait_until 60 "Ready" all_ready

mkdir "$WORK/saved" && mv "$WORK/tenants/"*.yaml "$WORK/saved/" # a bad commit: every file gone
sleep 6
for i in $(seq -w 1 12); do [ "$(awsim_profiles_of "t$i")" = 1 ] || fail "t$i lost its profile"; done
all_ready || fail "tenants must stay Ready when the directory is empty"
status_json | jq -e '.manifests.problems | length > 0' >/dev/null || fail "the empty directory is not reported"

mv "$WORK/saved/"*.yaml "$WORK/tenants/"
wait_until 20 "Ready" all_ready
for i in $(seq -w 2 12); do rm "$WORK/tenants/t$i.yaml"; done # 11 of 12 removed
held_count() { status_json | jq '.held_deletions | length'; }
wait_eq 20 "deletions held" 11 held_count
if ctl status >/dev/null; then fail "status must exit 1 while deletions are held"; fi
sleep 4
for i in $(seq -w 1 12); do [ "$(awsim_profiles_of "t$i")" = 1 ] || fail "t$i deleted without approval"; done
[ "$(tenant_state t05)" = Held ] || fail "t05 is $(tenant_state t05), not Held"

ctl approve-prune | grep -q "11 tenant" || fail "approve-prune"
for i in $(seq -w 2 12); do wait_eq 30 "t$i gone" 0 awsim_profiles_of "t$i"; done
[ "$(awsim_profiles_of t01)" = 1 ] || fail "t01 must stay"
stop_daemon
echo PASS
