#!/usr/bin/env bash
# bedrock-tenantd-git-sync as the manifest source (the script the timer's service runs):
# a local bare repository is the remote (file:// URL); commits signed with an ssh key
# listed in an allowed-signers file. The daemon's manifests are the script's `current`
# link: it sees each synced revision (manifests.revision) and shows the script's record
# (manifests.git_sync): the revision synced and, when a fetch found the remote ahead
# without a switch, "behind". Unsigned commits and a rewritten history are refused and
# leave the directory where it was; old checkouts are pruned.
. "$(dirname "$0")/lib.sh"
git_sync_setup
ssh-keygen -q -t ed25519 -N '' -C platform@example.com -f "$WORK/signing-key"
echo "platform@example.com $(cut -d' ' -f1,2 "$WORK/signing-key.pub")" >"$WORK/allowed_signers"
ssh-keygen -q -t ed25519 -N '' -C intruder@example.com -f "$WORK/other-key"

git init -q --bare "$WORK/remote.git"
git clone -q "file://$WORK/remote.git" "$WORK/src" 2>/dev/null
mkdir -p "$WORK/src/tenants"
# commit_signed KEY MESSAGE: commit everything, signed with KEY, and push
commit_signed() {
	src add -A
	src -c gpg.format=ssh -c "user.signingkey=$1.pub" commit -q -S -m "$2"
	src push -q origin HEAD:main 2>/dev/null
	src rev-parse HEAD
}
# tenant ID: write its manifest into the source checkout
tenant() {
	write_tenant "$1"
	mv "$WORK/tenants/$1.yaml" "$WORK/src/tenants/$1.yaml"
}

export GIT_SYNC_REPO=file://$WORK/remote.git GIT_SYNC_ROOT=$WORK/sync GIT_SYNC_SUBDIR=tenants \
	GIT_SYNC_VERIFY=ssh GIT_SYNC_ALLOWED_SIGNERS=$WORK/allowed_signers GIT_SYNC_KEEP=1
sync() { "$SYNC" "$@" >>"$WORK/sync.log" 2>&1; }

tenant t1
rev1=$(commit_signed "$WORK/signing-key" "t1")
sync || fail "the first sync failed: $(cat "$WORK/sync.log")"
[ "$(readlink "$WORK/sync/current")" = "checkouts/$rev1/tenants" ] || fail "current -> $(readlink "$WORK/sync/current")"

start_awsim
write_config
sed -i "s|^manifests: .*|manifests: $WORK/sync/current|" "$WORK/config.yaml"
start_daemon
wait_until 60 "t1 Ready" state_is t1 Ready
git_sync() { status_json | jq -r ".manifests.git_sync.$1"; }
wait_eq 20 "the daemon at rev1" "$rev1" eval 'status_json | jq -r .manifests.revision'
[ "$(git_sync revision)" = "$rev1" ] || fail "git_sync.revision: $(status_json | jq -c .manifests.git_sync)"
[ "$(git_sync behind)" = false ] || fail "behind after a sync: $(status_json | jq -c .manifests.git_sync)"
[ "$(git_sync branch)" = main ] || fail "git_sync.branch: $(git_sync branch)"

# the remote moves ahead; a fetch without a switch: behind, the directory unchanged
tenant t2
rev2=$(commit_signed "$WORK/signing-key" "t2")
sync --fetch-only || fail "fetch-only failed: $(cat "$WORK/sync.log")"
[ "$(git_sync behind)" = true ] || fail "not behind with the remote ahead: $(status_json | jq -c .manifests.git_sync)"
[ "$(git_sync remote_revision)" = "$rev2" ] || fail "remote_revision: $(git_sync remote_revision)"
[ "$(git_sync revision)" = "$rev1" ] || fail "the revision moved without a sync"
ctl status >"$WORK/status.txt" || true
grep -q "^git sync .*behind: the remote is at ${rev2:0:12}" "$WORK/status.txt" ||
	fail "ctl status does not say behind: $(cat "$WORK/status.txt")"
gone t2 || fail "t2 is known before the sync"

# the timer's run: the daemon follows the switched link
sync || fail "sync of rev2 failed: $(cat "$WORK/sync.log")"
wait_eq 30 "the daemon at rev2" "$rev2" eval 'status_json | jq -r .manifests.revision'
wait_until 60 "t2 Ready" state_is t2 Ready
[ "$(git_sync behind)" = false ] || fail "behind after the sync: $(status_json | jq -c .manifests.git_sync)"
ctl status >"$WORK/status.txt" || true
grep -q "^git sync .*main at ${rev2:0:12}.*up to date" "$WORK/status.txt" ||
	fail "ctl status: $(cat "$WORK/status.txt")"

# a commit signed by a key that is not allowed: refused, the directory stays at rev2
tenant t3
rev3=$(commit_signed "$WORK/other-key" "t3 by someone else")
echo "rev3 $rev3 signed by a key not allowed" >>"$WORK/sync.log"
rc=0
sync || rc=$?
[ $rc -eq 1 ] || fail "an unsigned commit was not refused (exit $rc): $(tail -3 "$WORK/sync.log")"
[ "$(readlink "$WORK/sync/current")" = "checkouts/$rev2/tenants" ] || fail "switched to a refused commit"
[ "$(git_sync behind)" = true ] || fail "not behind after a refusal"
git_sync error | grep -q "no good signature" || fail "the refusal is not in the status: $(git_sync error)"

# a rewritten history (force-push over rev3, from rev1): refused as not a fast-forward
src reset -q --hard "$rev1"
tenant t4
rev4=$(src add -A && src -c gpg.format=ssh -c "user.signingkey=$WORK/signing-key.pub" commit -q -S -m t4 &&
	src push -q -f origin HEAD:main 2>/dev/null && src rev-parse HEAD)
rc=0
sync || rc=$?
[ $rc -eq 1 ] || fail "a rewritten history was not refused (exit $rc)"
git_sync error | grep -q "not a fast-forward" || fail "status error: $(git_sync error)"
[ "$(git_sync remote_revision)" = "$rev4" ] || fail "remote_revision after the force-push"
sleep 1
[ "$(status_json | jq -r .manifests.revision)" = "$rev2" ] || fail "the daemon left rev2"
state_is t2 Ready || fail "t2 is $(tenant_state t2) after refusals"

# --accept-rewrite takes it once; old checkouts beyond GIT_SYNC_KEEP=1 are pruned
sync --accept-rewrite || fail "--accept-rewrite failed: $(tail -3 "$WORK/sync.log")"
wait_eq 30 "the daemon at rev4" "$rev4" eval 'status_json | jq -r .manifests.revision'
wait_until 60 "t4 Ready" state_is t4 Ready
[ "$(git_sync error)" = null ] || fail "the error stayed after a good sync: $(git_sync error)"
n=$(find "$WORK/sync/checkouts" -mindepth 1 -maxdepth 1 | wc -l)
[ "$n" -le 2 ] || fail "$n checkouts kept, want at most 2: $(ls "$WORK/sync/checkouts")"
[ -d "$WORK/sync/checkouts/$rev4" ] || fail "the current checkout was pruned"
stop_daemon
echo "ok: git-sync revisions $rev1 -> $rev2 -> $rev4, behind and refusals reported"
