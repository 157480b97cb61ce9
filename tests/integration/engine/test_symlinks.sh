#!/usr/bin/env bash
# Symbolic links and the manifest directory: a link whose real path lies outside the
# root is refused unread, at start and when it appears later, and nothing of a file
# that is not a manifest reaches status, metrics or the log; the root itself may be
# a link swapped to another checkout (GitOps), and that keeps working.
. "$(dirname "$0")/lib.sh"
SECRET=hunter2_TOPSECRET
mkdir -p "$WORK/secret" "$WORK/checkouts/rev-1" "$WORK/checkouts/rev-2"
printf '%s: yes\nkey: [%s]\n' "$SECRET" "$SECRET" >"$WORK/secret/creds.yaml"
rmdir "$WORK/tenants"
ln -s checkouts/rev-1 "$WORK/tenants"
start_awsim
write_config
for t in alpha beta; do write_tenant "$t" "" eng 1; done
ln -s "$WORK/secret/creds.yaml" "$WORK/checkouts/rev-1/leak.yaml"
ln -s "$WORK/secret" "$WORK/checkouts/rev-1/linked-dir"
start_daemon
wait_until 60 "Ready" all_ready

no_secret() { # no_secret WHERE: nothing the daemon shows holds the secret
	local out
	out=$(ctl --json status 2>/dev/null || true; ctl --json tenants 2>/dev/null || true
		curl -s --unix-socket "$WORK/control.sock" http://localhost/metrics; cat "$WORK/daemon.log")
	! grep -q "$SECRET" <<<"$out" || fail "$1: the secret was shown: $(grep -m3 "$SECRET" <<<"$out")"
}
problem() { status_json | jq -e --arg p "$1" '.manifests.problems | map(select(contains($p))) | length > 0' >/dev/null; }

problem "leak.yaml: refused" || fail "the link to a file outside is not reported: $(status_json | jq -c .manifests.problems)"
problem "linked-dir: refused" || fail "the link to a directory outside is not reported"
no_secret "at start"
rc=0
ctl status >/dev/null || rc=$?
[ $rc -eq 1 ] || fail "ctl status exits $rc with manifest problems, want 1"
curl -s --unix-socket "$WORK/control.sock" http://localhost/metrics | grep -x "bedrock_tenantd_manifest_problems 2" >/dev/null ||
	fail "the metric does not count the problems: $(curl -s --unix-socket "$WORK/control.sock" http://localhost/metrics | grep manifest)"

# a link that appears later (read file by file) and a stray YAML file inside the root
ln -s "$WORK/secret/creds.yaml" "$WORK/checkouts/rev-1/leak2.yaml"
cp "$WORK/secret/creds.yaml" "$WORK/checkouts/rev-1/notes.yaml"
wait_until 20 "leak2.yaml refused" problem "leak2.yaml: refused"
wait_until 20 "notes.yaml reported" problem "notes.yaml:1:1: not a manifest"
no_secret "after a change"
all_ready || fail "the refused files changed the tenants"

# the GitOps swap: the root link moves to another checkout atomically; a link from
# the new checkout into the old one lies outside the root now and is refused
(
	cd "$WORK/checkouts/rev-2"
	cp ../rev-1/alpha.yaml ../rev-1/beta.yaml .
	sed -i 's/CostCenter: eng/CostCenter: finance/' alpha.yaml
	ln -s ../rev-1/beta.yaml old-beta.yaml
)
EXTRA_TAGS= write_tenant gamma "" eng 1 # into rev-1 (the root still points there)
mv "$WORK/checkouts/rev-1/gamma.yaml" "$WORK/checkouts/rev-2/gamma.yaml"
ln -s checkouts/rev-2 "$WORK/tenants.new"
mv -T "$WORK/tenants.new" "$WORK/tenants"
wait_until 30 "gamma Ready after the swap" state_is gamma Ready
cc() { awsim_get state | jq -r "$PROFILES"' | map(select(.tag["bedrock-tenantd:tenant"] == "alpha")) | .[0].tag.CostCenter'; }
wait_eq 30 "alpha's new CostCenter" finance cc
wait_until 20 "old-beta.yaml refused" problem "old-beta.yaml: refused"
problem "leak.yaml" && fail "a problem of the old checkout stays: $(status_json | jq -c .manifests.problems)"
state_is beta Ready || fail "beta is $(tenant_state beta) after the swap"
no_secret "after the swap"
stop_daemon
no_secret "at the end"
echo PASS
