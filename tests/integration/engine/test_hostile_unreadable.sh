#!/usr/bin/env bash
# Manifests the daemon may not read. The daemon runs as an unprivileged user (root
# reads everything); a manifest made unreadable (mode 000), a directory of manifests
# made unreadable, and an unreadable file appearing: each is a problem in status naming
# the file and "Permission denied", `bedrock-tenantctl status` exits 1, and the
# tenants whose manifests cannot be read are kept as they were - nothing of theirs is
# deleted in AWS, they stay known and Ready. Readable again, they are read again
# and nothing is written: the problem goes, no create and no delete is made.
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || fail "no setpriv (util-linux)"
id nobody >/dev/null 2>&1 || fail "no user nobody"
[ "$(id -u)" = 0 ] || { echo "skipped: must run as root to drop to nobody"; exit 0; }
start_awsim
write_config
for i in 1 2 3 4; do write_tenant "t$i"; done
mkdir "$WORK/tenants/team"
write_tenant t5
mv "$WORK/tenants/t5.yaml" "$WORK/tenants/team/t5.yaml"
chmod 0777 "$WORK"
chmod -R a+rwX "$WORK/tenants"
REAL_DAEMON=$DAEMON
DAEMON=$WORK/daemon-as-nobody
cat >"$DAEMON" <<SH
#!/bin/sh
exec setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent "$REAL_DAEMON" "\$@"
SH
chmod 0755 "$DAEMON"
start_daemon
wait_until 60 "Ready" all_ready
[ "$(status_json | jq '.tenants.total')" = 5 ] || fail "5 tenants expected: $(status_json | jq -c .tenants)"
T=$WORK/tenants
profiles() { awsim_get state | jq "$PROFILES | length"; }
before_profiles=$(profiles)
[ "$before_profiles" = 5 ] || fail "5 profiles expected, $before_profiles"
problem() { status_json | jq -e --arg t "$1" '.manifests.problems | any(test($t))' >/dev/null; }
no_problem() { status_json | jq -e '.manifests.problems | length == 0' >/dev/null; }
kept() { # kept ID...: each known, Ready, its profile still in awsim
	local id
	for id in "$@"; do
		[ "$(ctl -o json tenant "$id" | jq -r .state)" = Ready ] || return 1
		awsim_get state | jq -e --arg t "$id" "$PROFILES | any(.tag[\"bedrock-tenantd:tenant\"] == \$t)" >/dev/null || return 1
	done
}

# 1. One manifest unreadable, then touched (an event for it): a problem, the tenant kept.
chmod 000 "$T/t1.yaml"
touch "$T/t1.yaml"
wait_until 30 "t1.yaml: Permission denied" problem 't1\.yaml.*Permission denied'
rc=0
ctl status >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "ctl status with an unreadable manifest: exit $rc, not 1"
ctl reconcile >/dev/null
sleep 3
kept t1 t2 t3 t4 t5 || fail "a tenant was lost with its manifest unreadable: $(status_json | jq -c .tenants)"

# 2. A directory unreadable: its tenant kept too.
chmod 000 "$T/team"
ctl resync >/dev/null
kill -HUP "$DAEMON_PID"
wait_until 30 "team: Permission denied" problem 'team.*Permission denied'
sleep 3
kept t1 t5 || fail "the tenant of an unreadable directory was lost"

# 3. A new manifest that cannot be read: a problem, nothing created.
write_tenant t6
chmod 000 "$T/t6.yaml"
wait_until 30 "t6.yaml: Permission denied" problem 't6\.yaml.*Permission denied'
[ "$(profiles)" = 5 ] || fail "profiles changed with t6 unreadable: $(profiles)"

# 4. Readable again: the problems go, t6 is created, nothing else is touched.
chmod 644 "$T/t1.yaml" "$T/t6.yaml"
chmod 755 "$T/team"
touch "$T/t1.yaml" "$T/t6.yaml"
kill -HUP "$DAEMON_PID"
wait_until 60 "the problems gone" no_problem
wait_until 60 "t6 Ready, all Ready" all_ready
[ "$(status_json | jq '.tenants.total')" = 6 ] || fail "6 tenants expected"
[ "$(profiles)" = 6 ] || fail "6 profiles expected, $(profiles)"
kill -0 "$DAEMON_PID" || fail "the daemon died"
grep -q "deleted\|delete-profile" "$WORK/daemon.log" && fail "a deletion: $(grep delete "$WORK/daemon.log" | head -3)"
stop_daemon
echo ok
